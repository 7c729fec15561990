//! `tracker impact`: what followed the interventions of a window.

use crate::cli::ImpactArgs;
use crate::exit::Exit;
use crate::output::{self, Format};
use crate::reports::impact::{self, NOTE};
use crate::rules::Ctx;
use crate::settings::Settings;

pub fn run(s: &Settings, args: &ImpactArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.report.out)?;
    let request = s.request(&args.report);
    let (snap, scope) = crate::reports::open(&s.store, &request, s.lock_timeout)?;
    let plan = impact::plan(&snap, request.school.as_deref(), request.window)?;
    for school in &plan.without_next {
        s.say(&format!(
            "school `{school}` is left out: the store holds no window after `{}` for it yet",
            plan.window
        ));
    }
    let ctx = Ctx::new(&s.config);
    let min_group = (!args.no_suppress).then_some(s.config.suppression.min_group);
    let stages = |st| scope.wants_stage(st);
    let report = impact::build(&ctx, &snap, &plan, args.by, &stages, min_group)?;
    if let Some(m) = impact::left_out_message(&report) {
        s.say(&m);
    }
    if let Some(min) = min_group.filter(|_| {
        report
            .groups
            .iter()
            .any(|g| g.suppressed || g.comparison_suppressed)
    }) {
        s.say(&format!(
            "c = a group of fewer than {min} pupils (suppression.min_group); `--no-suppress` shows it"
        ));
    }
    // A workbook travels without its stderr: the note is a sheet of its own.
    let tables = [impact::table(&report), impact::note_table()];
    let workbook = |dir: &std::path::Path| output::workbook(&tables, dir);
    output::table_parts(&tables[..1], |t| {
        let report = output::Report {
            workbook: Some(&workbook),
            ..output::Report::of(t)
        };
        output::emit(&report, &opts)
    })?;
    if opts.format != Format::Xlsx {
        // Not silenced by `--quiet`: the figures must not travel without it.
        s.warn(NOTE);
    }
    Ok(Exit::Success)
}
