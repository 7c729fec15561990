//! `tracker offtrack`: one row per pupil, off-track pupils first.

use crate::cli::OfftrackArgs;
use crate::exit::Exit;
use crate::output;
use crate::reports::model::{Ctx, slim};
use crate::reports::offtrack::{self, Listing};
use crate::settings::Settings;

/// Every school loaded compact on both cores, its pupils' lines built on
/// both cores, one sort, and the lines streamed out.
pub fn run(s: &Settings, args: &OfftrackArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.report.out)?;
    let (snap, scope) = crate::reports::open(&s.store, &args.report, s.lock_timeout)?;
    let ctx = Ctx::new(&s.config);
    let listing = if args.all {
        Listing::All
    } else if args.early_warning {
        Listing::EarlyWarning
    } else {
        Listing::OffTrack
    };
    let need = slim::Need {
        pupils: true,
        teacher_and_class: args.filter.teacher.is_some() || args.filter.class.is_some(),
    };
    let schools = slim::per_school(&scope.schools, |school| {
        slim::load(&ctx, &snap, school, scope.window, need)
    })?;
    let views: Vec<_> = schools.iter().map(|s| s.views()).collect();
    let stages = |st| scope.wants_stage(st);
    let mut lines = offtrack::select_slim(&ctx, &schools, &views, listing, &stages, &args.filter);
    offtrack::sort_offtrack(&mut lines);
    let window = scope.window.to_string();
    let parts = lines.len().div_ceil(output::PART_ROWS).max(1);
    output::write_chunks("offtrack", offtrack::COLUMNS, &opts, parts, |part, sink| {
        let start = part * output::PART_ROWS;
        for l in lines.iter().skip(start).take(output::PART_ROWS) {
            let faculties = l.faculties.join("; ");
            sink.row(&offtrack::values(l, &window, &faculties))?;
        }
        Ok(())
    })?;
    // The process ends here: freeing 300,000 lines and their schools one
    // allocation at a time would take a tenth of a national run.
    std::mem::forget(lines);
    std::mem::forget(views);
    std::mem::forget(schools);
    Ok(Exit::Success)
}
