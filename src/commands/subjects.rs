//! `tracker subjects`: one row per pupil and subject with its traffic light.

use crate::cli::SubjectsArgs;
use crate::exit::Exit;
use crate::output;
use crate::reports::model::Need;
use crate::reports::subjects;
use crate::settings::Settings;

/// Every school judged on every core, then one sort, streamed out: a
/// national window is three million rows.
pub fn run(s: &Settings, args: &SubjectsArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.report.out)?;
    let filter = s.filter(&args.filter);
    let need = Need {
        teacher: filter.teacher.is_some(),
        class: filter.class.is_some(),
        ..Need::default()
    };
    let l = super::load(s, &s.request(&args.report), need)?;
    let order = subjects::Order::new(&l.schools, &|st| l.scope.wants_stage(st), &filter);
    let parts = order.len().div_ceil(output::PART_ROWS).max(1);
    output::write_chunks("subjects", subjects::COLUMNS, &opts, parts, |part, sink| {
        let start = part * output::PART_ROWS;
        let end = (start + output::PART_ROWS).min(order.len());
        order.rows(&l.ctx, &l.schools, start..end, sink)
    })?;
    super::end(l.schools);
    Ok(Exit::Success)
}
