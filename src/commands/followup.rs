//! `tracker followup`: off-track pupils grouped by lead, for the meeting.

use crate::cli::{FilterArgs, ReportArgs};
use crate::exit::Exit;
use crate::output;
use crate::reports::{followup, offtrack};
use crate::settings::Settings;

pub fn run(s: &Settings, args: &ReportArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.out)?;
    let (ctx, loaded, scope) = super::load_window(s, args)?;
    let mut lines = offtrack::select(
        &ctx,
        &loaded,
        offtrack::Listing::OffTrack,
        &|st| scope.wants_stage(st),
        &FilterArgs::default(),
    );
    output::write(&followup::table(&mut lines), &opts)?;
    Ok(Exit::Success)
}
