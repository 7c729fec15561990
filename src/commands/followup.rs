//! `tracker followup`: off-track pupils grouped by lead, for the meeting.

use crate::cli::ReportArgs;
use crate::exit::Exit;
use crate::ingest::headers::AGREED_COLUMNS;
use crate::output;
use crate::reports::model::Need;
use crate::reports::{Filter, followup, offtrack};
use crate::settings::Settings;

pub fn run(s: &Settings, args: &ReportArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.out)?;
    let need = Need {
        pupils: true,
        ..Need::default()
    };
    let l = super::load(s, &s.request(args), need)?;
    let stages = |st| l.scope.wants_stage(st);
    let listing = offtrack::Listing::OffTrack;
    let mut lines = offtrack::select(&l.ctx, &l.schools, listing, &stages, &Filter::default())?;
    followup::sort(&mut lines, &s.config.followup.band);
    let window = l.scope.window.to_string();
    // SPEC 11.3: the meeting's workbook carries the agreed columns.
    let parts = lines.len().div_ceil(output::PART_ROWS).max(1);
    let meeting = |dir: &std::path::Path| {
        let roles = followup::roles(&s.config.followup.band);
        let columns = followup::meeting_columns(&AGREED_COLUMNS);
        let render = |part: usize, sink: &mut dyn output::Sink| {
            followup::meeting_rows(&lines, part, &window, AGREED_COLUMNS.len(), sink)
        };
        let table = output::Parts {
            title: "followup",
            columns: &columns,
            parts,
            render: &render,
            cells: None,
        };
        output::meeting_workbook(&table, AGREED_COLUMNS.len(), &roles, dir)
    };
    let render = |part: usize, sink: &mut dyn output::Sink| {
        followup::meeting_rows(&lines, part, &window, 0, sink)
    };
    let table = [output::Parts {
        title: "followup",
        columns: followup::COLUMNS,
        parts,
        render: &render,
        cells: None,
    }];
    let report = output::Report {
        workbook: Some(&meeting),
        ..output::Report::of(&table)
    };
    output::emit(&report, &opts)?;
    super::end(lines);
    super::end(l.schools);
    Ok(Exit::Success)
}
