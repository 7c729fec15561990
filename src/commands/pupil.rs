//! `tracker pupil SCN`: one pupil across all windows.

use crate::cli::PupilArgs;
use crate::exit::{Exit, UsageError};
use crate::output;
use crate::reports::model::{self, Need};
use crate::reports::pupil;
use crate::rules::Ctx;
use crate::rules::values::is_valid_scn;
use crate::settings::Settings;

pub fn run(s: &Settings, args: &PupilArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.report.out)?;
    let scn = args.scn.trim();
    if !is_valid_scn(scn) {
        return Err(UsageError(format!("`{scn}` is not an SCN; expected 9 digits")).into());
    }
    let request = s.request(&args.report);
    let (snap, _scope) = crate::reports::open(&s.store, &request, s.lock_timeout)?;
    let ctx = Ctx::new(&s.config);
    let mut wanted = Vec::new();
    for w in snap.windows(request.school.as_deref()) {
        if request.window.is_some_and(|only| only != w) {
            continue;
        }
        for school in snap.schools(Some(w)) {
            if request.school.as_deref().is_none_or(|c| c == school) {
                wanted.push((school, w));
            }
        }
    }
    // Only the pupil's rows are judged, in every school and window.
    let loaded = crate::par::map(&wanted, |(school, w)| {
        model::load_only(&ctx, &snap, school, *w, Need::default(), Some(scn))
    })?;
    let table = pupil::table(&ctx, &loaded, scn);
    if table.rows.is_empty() {
        anyhow::bail!("no rows for SCN `{scn}` in the store");
    }
    output::write(&table, &opts)?;
    Ok(Exit::Success)
}
