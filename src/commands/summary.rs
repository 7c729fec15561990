//! `tracker summary`: the whole-school tracking summary (SPEC 8), as a long
//! table, readable terminal tables, or one self-contained HTML page.

use std::collections::{BTreeMap, BTreeSet};

use crate::cli::SummaryArgs;
use crate::exit::Exit;
use crate::output;
use crate::reports::Scope;
use crate::reports::impact::{self, By, Impact, Pair, Plan};
use crate::reports::model::{self, Need};
use crate::reports::summary::projection::History;
use crate::reports::summary::table;
use crate::reports::summary::{self, Input, html};
use crate::rules::Ctx;
use crate::rules::window::Window;
use crate::settings::Settings;
use crate::store::read::Snapshot;

pub fn run(s: &Settings, args: &SummaryArgs) -> anyhow::Result<Exit> {
    let opts = s.summary_output(&args.report.out)?;
    let (snap, scope) = crate::reports::open(&s.store, &s.request(&args.report), s.lock_timeout)?;
    let ctx = Ctx::new(&s.config);
    let filter = s.filter(&args.filter);
    let mut previous = Vec::new();
    let mut earlier = Vec::new();
    for school in &scope.schools {
        if let Some(w) = previous_window(&snap, school, scope.window) {
            previous.push((school.clone(), w));
        }
        earlier.extend(history_windows(&snap, school, scope.window).map(|w| (school.clone(), w)));
    }
    // History learns in window order, so a pupil's band from S1-S3 is known
    // by the time their S4 and S5 outcomes are read.
    earlier.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    let loads = scope.schools.len() + previous.len() + earlier.len();
    let bar = s.progress_bar(loads as u64, "summary");
    let load = |school: &str, w: Window| {
        bar.inc(1);
        let need = Need {
            pupils: true,
            teacher_and_class: filter.teacher.is_some() || filter.class.is_some(),
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
    let page = || {
        let impact = impact_of(&ctx, &snap, &scope, summary.min_group)?;
        Ok(html::page(
            &summary,
            &|code| school_name(s, code),
            impact.as_ref(),
        ))
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

/// What followed the window's interventions, by type, for the page's
/// "Interventions" section; None when no school has a later window yet.
fn impact_of(
    ctx: &Ctx,
    snap: &Snapshot,
    scope: &Scope,
    min_group: Option<usize>,
) -> anyhow::Result<Option<Impact>> {
    let pairs: Vec<Pair> = scope
        .schools
        .iter()
        .filter_map(|school| {
            Some(Pair {
                school: school.clone(),
                window: scope.window,
                next: impact::next_window(snap, school, scope.window)?,
            })
        })
        .collect();
    if pairs.is_empty() {
        return Ok(None);
    }
    let plan = Plan {
        window: scope.window,
        pairs,
        without_next: Vec::new(),
    };
    let stages = |st| scope.wants_stage(st);
    impact::build(ctx, snap, &plan, By::Type, &stages, min_group).map(Some)
}

/// The school's latest window before `window`.
fn previous_window(snap: &Snapshot, school: &str, window: Window) -> Option<Window> {
    snap.windows(Some(school))
        .range(..window)
        .next_back()
        .copied()
}

/// For each earlier session: its latest window, whose pupils give the bands
/// pupils had in the BGE, and its latest window holding Senior Phase
/// tracking, which says what those pupils reached (the BGE estimate).
fn history_windows(
    snap: &Snapshot,
    school: &str,
    window: Window,
) -> impl Iterator<Item = Window> + use<> {
    let mut latest: BTreeMap<u16, Window> = BTreeMap::new();
    let mut senior: BTreeMap<u16, Window> = BTreeMap::new();
    for w in snap.windows(Some(school)) {
        if w.session >= window.session {
            continue;
        }
        latest.insert(w.session, w);
        if snap
            .manifest
            .file("senior", school, &w.to_string())
            .is_some()
        {
            senior.insert(w.session, w);
        }
    }
    let both: BTreeSet<Window> = latest.into_values().chain(senior.into_values()).collect();
    both.into_iter()
}

/// The school's name for the page: the config's name for its own code.
fn school_name(s: &Settings, code: &str) -> String {
    let school = &s.config.school;
    if code == school.code && !school.name.is_empty() {
        format!("{} ({code})", school.name)
    } else if code == summary::ALL_SCHOOLS {
        "All schools".to_string()
    } else {
        code.to_string()
    }
}
