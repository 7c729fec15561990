//! `tracker summary`: the whole-school tracking summary (SPEC 8), as a long
//! table, readable terminal tables, or one self-contained HTML page.

use crate::cli::SummaryArgs;
use crate::exit::Exit;
use crate::output;
use crate::reports::impact;
use crate::reports::model::{self, Need};
use crate::reports::summary::projection::History;
use crate::reports::summary::table;
use crate::reports::summary::{self, Input, html};
use crate::rules::Ctx;
use crate::rules::window::Window;
use crate::settings::Settings;

pub fn run(s: &Settings, args: &SummaryArgs) -> anyhow::Result<Exit> {
    let opts = s.summary_output(&args.report.out)?;
    let (snap, scope) = crate::reports::open(&s.store, &s.request(&args.report), s.lock_timeout)?;
    let ctx = Ctx::new(&s.config);
    let filter = s.filter(&args.filter);
    let summary::windows::Windows { previous, earlier } = summary::windows::windows(&snap, &scope);
    let loads = scope.schools.len() + previous.len() + earlier.len();
    let bar = s.progress_bar(loads as u64, "summary");
    let load = |school: &str, w: Window| {
        bar.inc(1);
        let need = Need {
            pupils: true,
            teacher: filter.teacher.is_some(),
            class: filter.class.is_some(),
            ..Need::default()
        };
        model::load(&ctx, &snap, school, w, need)
    };
    let min_group = s.config.suppression.min_group;
    let mut history = History::new(min_group);
    for (school, w) in &earlier {
        history.learn(&ctx, &load(school, *w)?);
    }
    let input = Input {
        window: scope.window,
        current: scope
            .schools
            .iter()
            .map(|school| (school.clone(), scope.window))
            .collect(),
        previous,
        load: &load,
        history: &history,
        stages: &|st| scope.wants_stage(st),
        filter: &filter,
        min_group: (!args.no_suppress).then_some(min_group),
    };
    let summary = summary::build(&ctx, &input)?;
    bar.finish_and_clear();
    let readable = table::readable(&summary);
    let page = |w: &mut dyn std::io::Write| {
        let impact = impact::of_window(&ctx, &snap, &scope, summary.min_group)?;
        let page = html::page(
            &summary,
            &|code| summary::school_name(&s.config.school, code),
            impact.as_ref(),
        );
        Ok(w.write_all(page.as_bytes())?)
    };
    output::table_parts(&[table::long(&summary)], |long| {
        let report = output::Report {
            terminal: Some(&readable),
            page: Some(&page),
            ..output::Report::of(long)
        };
        output::emit(&report, &opts)
    })?;
    Ok(Exit::Success)
}
