//! `tracker subjects`: one row per pupil and subject with its traffic light.

use crate::cli::SubjectsArgs;
use crate::exit::Exit;
use crate::output;
use crate::reports::subjects;
use crate::settings::Settings;

pub fn run(s: &Settings, args: &SubjectsArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.report.out)?;
    let (ctx, loaded, scope) = super::load_window(s, &args.report)?;
    let table = subjects::report(&ctx, &loaded, &|st| scope.wants_stage(st), &args.filter);
    output::write(&table, &opts)?;
    Ok(Exit::Success)
}
