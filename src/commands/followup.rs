//! `tracker followup`: off-track pupils grouped by lead, for the meeting.

use crate::cli::{FilterArgs, ReportArgs};
use crate::exit::Exit;
use crate::output;
use crate::reports::model::{Ctx, slim};
use crate::reports::{followup, offtrack};
use crate::settings::Settings;

/// As `offtrack`: compact schools and their lines on both cores, one sort,
/// the lines streamed out.
pub fn run(s: &Settings, args: &ReportArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.out)?;
    let (snap, scope) = crate::reports::open(&s.store, args, s.lock_timeout)?;
    let ctx = Ctx::new(&s.config);
    let need = slim::Need {
        pupils: true,
        teacher_and_class: false,
    };
    let schools = slim::per_school(&scope.schools, |school| {
        slim::load(&ctx, &snap, school, scope.window, need)
    })?;
    let views: Vec<_> = schools.iter().map(|s| s.views()).collect();
    let stages = |st| scope.wants_stage(st);
    let mut lines = offtrack::select_slim(
        &ctx,
        &schools,
        &views,
        offtrack::Listing::OffTrack,
        &stages,
        &FilterArgs::default(),
    );
    followup::sort(&mut lines, &s.config.followup.band);
    let window = scope.window.to_string();
    let parts = lines.len().div_ceil(output::PART_ROWS).max(1);
    output::write_chunks("followup", followup::COLUMNS, &opts, parts, |part, sink| {
        let start = part * output::PART_ROWS;
        for l in lines.iter().skip(start).take(output::PART_ROWS) {
            let faculties = l.faculties.join("; ");
            sink.row(&followup::values(l, &window, &faculties))?;
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
