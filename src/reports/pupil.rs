//! `tracker pupil SCN`: one pupil across every window, so a regression shows.

use crate::output::Table;
use crate::rules::followup::text_key;

use super::model::SchoolWindow;
use super::subjects::{COLUMNS, cells};
use crate::rules::Ctx;

/// Rows of the pupil in every loaded window, by subject then window.
pub fn table(ctx: &Ctx, loaded: &[SchoolWindow], scn: &str) -> Table {
    let mut rows: Vec<_> = loaded
        .iter()
        .flat_map(|sw| sw.rows().filter(|r| r.scn() == scn))
        .collect();
    rows.sort_by_cached_key(|r| {
        let sw = r.window();
        (text_key(r.subject()), sw.window, sw.school.clone())
    });
    let mut t = Table::new("pupil", COLUMNS);
    t.rows = rows.iter().map(|r| cells(ctx, r)).collect();
    t
}
