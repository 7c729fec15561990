//! `tracker pupil SCN`: one pupil across every window, so a regression shows.

use crate::output::Table;
use crate::rules::followup::text_key;

use super::model::{Ctx, SchoolWindow};
use super::subjects::{COLUMNS, cells};

/// Rows of the pupil in every loaded window, by subject then window.
pub fn table(ctx: &Ctx, loaded: &[SchoolWindow], scn: &str) -> Table {
    let mut rows: Vec<_> = loaded
        .iter()
        .flat_map(|sw| {
            sw.rows
                .iter()
                .filter(|r| r.scn == scn)
                .map(move |r| (sw, r))
        })
        .collect();
    rows.sort_by_cached_key(|(sw, r)| (text_key(&r.subject), sw.window, sw.school.clone()));
    let mut t = Table::new("pupil", COLUMNS);
    t.rows = rows.into_iter().map(|(sw, r)| cells(ctx, sw, r)).collect();
    t
}
