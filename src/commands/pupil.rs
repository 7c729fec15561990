//! `tracker pupil SCN`: one pupil across all windows.

use crate::cli::PupilArgs;
use crate::exit::{Exit, UsageError};
use crate::output;
use crate::reports::model::{self, Ctx};
use crate::reports::pupil;
use crate::rules::values::is_valid_scn;
use crate::settings::Settings;

pub fn run(s: &Settings, args: &PupilArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.report.out)?;
    let scn = args.scn.trim();
    if !is_valid_scn(scn) {
        return Err(UsageError(format!("`{scn}` is not an SCN; expected 9 digits")).into());
    }
    let (snap, _scope) = crate::reports::open(&s.store, &args.report, s.lock_timeout)?;
    let ctx = Ctx::new(&s.config);
    let mut loaded = Vec::new();
    for w in snap.windows(args.report.school.as_deref()) {
        if args.report.window.is_some_and(|only| only != w) {
            continue;
        }
        for school in snap.schools(Some(w)) {
            if args.report.school.as_deref().is_some_and(|c| c != school) {
                continue;
            }
            loaded.push(model::load(&ctx, &snap, &school, w)?);
        }
    }
    let table = pupil::table(&ctx, &loaded, scn);
    if table.rows.is_empty() {
        anyhow::bail!("no rows for SCN `{scn}` in the store");
    }
    output::write(&table, &opts)?;
    Ok(Exit::Success)
}
