//! `tracker offtrack`: one row per pupil, off-track pupils first.

use crate::cli::OfftrackArgs;
use crate::exit::Exit;
use crate::output;
use crate::reports::offtrack::{self, Listing};
use crate::settings::Settings;

pub fn run(s: &Settings, args: &OfftrackArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.report.out)?;
    let (ctx, loaded, scope) = super::load_window(s, &args.report)?;
    let listing = if args.all {
        Listing::All
    } else if args.early_warning {
        Listing::EarlyWarning
    } else {
        Listing::OffTrack
    };
    let lines = offtrack::select(
        &ctx,
        &loaded,
        listing,
        &|st| scope.wants_stage(st),
        &args.filter,
    );
    output::write(&offtrack::table(&lines), &opts)?;
    Ok(Exit::Success)
}
