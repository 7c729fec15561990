//! `tracker offtrack`: one row per pupil, off-track pupils first.

use crate::cli::OfftrackArgs;
use crate::exit::Exit;
use crate::output;
use crate::reports::model::Need;
use crate::reports::offtrack::{self, Listing};
use crate::settings::Settings;

pub fn run(s: &Settings, args: &OfftrackArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.report.out)?;
    let filter = s.filter(&args.filter);
    let listing = if args.all {
        Listing::All
    } else if args.early_warning {
        Listing::EarlyWarning
    } else {
        Listing::OffTrack
    };
    let need = Need {
        pupils: true,
        teacher: filter.teacher.is_some(),
        class: filter.class.is_some(),
        ..Need::default()
    };
    let l = super::load(s, &s.request(&args.report), need)?;
    let stages = |st| l.scope.wants_stage(st);
    let lines = offtrack::select(&l.ctx, &l.schools, listing, &stages, &filter)?;
    let window = l.scope.window.to_string();
    let parts = lines.len().div_ceil(output::PART_ROWS).max(1);
    output::write_chunks("offtrack", offtrack::COLUMNS, &opts, parts, |part, sink| {
        let start = part * output::PART_ROWS;
        for line in lines.iter().skip(start).take(output::PART_ROWS) {
            let faculties = line.faculties.join("; ");
            sink.row(&offtrack::values(line, &window, &faculties))?;
        }
        Ok(())
    })?;
    super::end(lines);
    super::end(l.schools);
    Ok(Exit::Success)
}
