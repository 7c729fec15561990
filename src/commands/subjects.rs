//! `tracker subjects`: one row per pupil and subject with its traffic light.

use crate::cli::SubjectsArgs;
use crate::exit::Exit;
use crate::output;
use crate::reports::model::{Ctx, slim};
use crate::reports::subjects;
use crate::settings::Settings;

/// Compact rows from every school (both cores), then one sort, streamed
/// out: a national window is three million rows.
pub fn run(s: &Settings, args: &SubjectsArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.report.out)?;
    let (snap, scope) = crate::reports::open(&s.store, &args.report, s.lock_timeout)?;
    let ctx = Ctx::new(&s.config);
    let need = slim::Need {
        pupils: false,
        teacher_and_class: args.filter.teacher.is_some() || args.filter.class.is_some(),
    };
    let schools = slim::per_school(&scope.schools, |school| {
        slim::load(&ctx, &snap, school, scope.window, need)
    })?;
    let order = subjects::Order::new(&schools, &|st| scope.wants_stage(st), &args.filter);
    let parts = order.len().div_ceil(output::PART_ROWS).max(1);
    output::write_chunks("subjects", subjects::COLUMNS, &opts, parts, |part, sink| {
        let start = part * output::PART_ROWS;
        let end = (start + output::PART_ROWS).min(order.len());
        order.rows(&ctx, &schools, start..end, sink)
    })?;
    // The process ends here: no need to free three million rows one school at a time.
    std::mem::forget(schools);
    Ok(Exit::Success)
}
