//! `tracker impact` (README "Impact of interventions"): what followed each
//! intervention recorded in a window, by the next window the store holds
//! for that school, beside the pupils who were off track and had none.
//!
//! A subject intervention is judged on the pupil's status in that subject
//! then and next, a whole-school one on their faculties off track
//! ([`crate::rules::impact`]). Groups (intervention type, subject or staff)
//! count distinct pupils; a pupil helped with several things in one group
//! has one outcome, their changes added up. Small groups are hidden with
//! the summary's rule. The figures are an association, not proof of cause,
//! and every format says so ([`NOTE`]).

pub mod html;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use anyhow::Context as _;
use polars::prelude::{PlHashMap, PlHashSet};

use super::model::{self, BySubject, Intervention, Need, SchoolWindow};
use super::summary::figures::percent;
use super::summary::suppress::{Unit, suppress};
use super::summary::table::SUPPRESSED;
use crate::output::{Cell as Out, ColType, Table};
use crate::rules::followup::{off_track_faculties, text_key};
use crate::rules::impact::{Change, Outcome, Start, compared, faculties_change, status_change};
use crate::rules::window::Window;
use crate::rules::{Ctx, Status};
use crate::store::read::Snapshot;

/// The columns of every format (README "Impact of interventions").
pub const COLUMNS: &[(&str, ColType)] = &[
    ("school", ColType::Text),
    ("window", ColType::Text),
    ("next_window", ColType::Text),
    ("by", ColType::Text),
    ("group", ColType::Text),
    ("pupils", ColType::Int),
    ("improved", ColType::Float),
    ("unchanged", ColType::Float),
    ("worse", ColType::Float),
    ("still_off_track", ColType::Float),
    ("comparison_pupils", ColType::Int),
    ("comparison_improved", ColType::Float),
    ("difference", ColType::Float),
    ("suppressed", ColType::Text),
];

/// The one line every format carries beside the figures.
pub const NOTE: &str = "note: this is an association, not proof that the interventions caused \
     the change: pupils chosen for help differ from those who were not, and much else happens \
     between two windows";

/// The group of a whole-school intervention with `--by subject`.
pub const WHOLE_SCHOOL: &str = "(whole school)";
/// The group of an intervention whose type or staff was not recorded.
pub const NOT_RECORDED: &str = "(not recorded)";

/// What the groups are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum By {
    /// The `Intervention` column: homework club, mentoring ...
    Type,
    /// The subject, or `(whole school)`.
    Subject,
    /// Who recorded it.
    Staff,
}

impl By {
    pub fn as_str(self) -> &'static str {
        match self {
            By::Type => "type",
            By::Subject => "subject",
            By::Staff => "staff",
        }
    }
}

/// What a set of pupils did by the next window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub pupils: usize,
    pub improved: usize,
    pub unchanged: usize,
    pub worse: usize,
    pub still_off_track: usize,
}

impl Counts {
    fn of<'a>(outcomes: impl Iterator<Item = &'a Outcome>) -> Counts {
        let mut c = Counts::default();
        for o in outcomes {
            c.pupils += 1;
            match o.change() {
                Change::Improved => c.improved += 1,
                Change::Unchanged => c.unchanged += 1,
                Change::Worse => c.worse += 1,
            }
            c.still_off_track += usize::from(o.still_off_track);
        }
        c
    }

    /// A count as a percentage of the pupils; None for no pupils.
    pub fn share(&self, count: usize) -> Option<f64> {
        percent(count, self.pupils)
    }
}

/// One group of one school.
#[derive(Debug, Clone)]
pub struct Group {
    pub school: String,
    pub window: Window,
    pub next: Window,
    pub group: String,
    /// The pupils the group's interventions were for.
    pub helped: Counts,
    /// Pupils off track in the same subjects (or in 1+ faculties, for
    /// whole-school interventions) with no intervention recorded.
    pub comparison: Counts,
    pub suppressed: bool,
    pub comparison_suppressed: bool,
}

impl Group {
    pub fn improved(&self) -> Option<f64> {
        self.helped.share(self.helped.improved)
    }
    pub fn comparison_improved(&self) -> Option<f64> {
        self.comparison.share(self.comparison.improved)
    }
    /// Points by which the group improved more often than its comparison.
    pub fn difference(&self) -> Option<f64> {
        Some(self.improved()? - self.comparison_improved()?)
    }
}

/// The report: every school's groups, school by school.
#[derive(Debug, Clone)]
pub struct Impact {
    pub by: By,
    pub window: Window,
    /// The schools reported, each with its next window.
    pub pairs: Vec<Pair>,
    pub groups: Vec<Group>,
    /// Interventions whose outcome cannot be judged (no status on the
    /// traffic light in one of the windows, or no rows next).
    pub left_out: usize,
    /// `suppression.min_group`, or None with `--no-suppress`.
    pub min_group: Option<usize>,
}

/// A school with its report window and the next window the store holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub school: String,
    pub window: Window,
    pub next: Window,
}

/// The window to report and the schools it can be reported for.
#[derive(Debug, Clone)]
pub struct Plan {
    pub window: Window,
    pub pairs: Vec<Pair>,
    /// Schools holding the window but no later one: left out.
    pub without_next: Vec<String>,
}

/// The next window the store holds for `school` after `window`.
pub fn next_window(snap: &Snapshot, school: &str, window: Window) -> Option<Window> {
    snap.windows(Some(school))
        .range((Bound::Excluded(window), Bound::Unbounded))
        .next()
        .copied()
}

/// Pick the window: `asked`, else the newest window that some school
/// (of `--school`) holds a later window after, since the latest window has
/// nothing after it yet. Without a next window this fails, naming the
/// window it needs.
pub fn plan(snap: &Snapshot, school: Option<&str>, asked: Option<Window>) -> anyhow::Result<Plan> {
    let at = |window: Window| {
        let mut plan = Plan {
            window,
            pairs: Vec::new(),
            without_next: Vec::new(),
        };
        for s in snap.schools(Some(window)) {
            if school.is_some_and(|c| c != s) {
                continue;
            }
            match next_window(snap, &s, window) {
                Some(next) => plan.pairs.push(Pair {
                    school: s,
                    window,
                    next,
                }),
                None => plan.without_next.push(s),
            }
        }
        plan
    };
    let windows = snap.windows(school);
    let plan = match asked {
        Some(w) => at(w),
        None => match windows
            .iter()
            .rev()
            .map(|&w| at(w))
            .find(|p| !p.pairs.is_empty())
        {
            Some(p) => p,
            None => at(*windows.last().context("the store holds no windows")?),
        },
    };
    if plan.pairs.is_empty() {
        let w = plan.window;
        let needed = w.following();
        anyhow::bail!(
            "`impact` relates the interventions of window `{w}` to the window after it, and the \
             store holds no window after `{w}`{}; it needs `{needed}` (or a later window)\n\
             hint: ingest the next window's exports first, e.g. `tracker ingest --window {needed} \
             pupils.csv bge.csv senior.csv`, or name an earlier window with `--window`",
            school
                .map(|s| format!(" for school `{s}`"))
                .unwrap_or_default()
        );
    }
    Ok(plan)
}

/// Load each school's two windows on every core and relate them.
pub fn build(
    ctx: &Ctx,
    snap: &Snapshot,
    plan: &Plan,
    by: By,
    stages: &(dyn Fn(Option<u8>) -> bool + Sync),
    min_group: Option<usize>,
) -> anyhow::Result<Impact> {
    let per_school = crate::par::map(&plan.pairs, |p| {
        let context = || format!("cannot read {} {} from the store", p.school, p.window);
        let interventions =
            model::interventions(snap, &p.school, p.window).with_context(context)?;
        let then = model::load(ctx, snap, &p.school, p.window, Need::default())?;
        let next = model::load(ctx, snap, &p.school, p.next, Need::default())?;
        Ok(school(ctx, p, &then, &next, &interventions, by, stages))
    })?;
    let mut groups = Vec::new();
    let mut left_out = 0;
    for (g, l) in per_school {
        groups.extend(g);
        left_out += l;
    }
    if let Some(min) = min_group {
        hide_small(&mut groups, min);
    }
    Ok(Impact {
        by,
        window: plan.window,
        pairs: plan.pairs.clone(),
        groups,
        left_out,
        min_group,
    })
}

/// The summary's rule ([`suppress`]): a group, or a comparison, of 1 to
/// `min - 1` pupils is hidden. Groups overlap and no total is published,
/// so there is no line to work a hidden group out from.
fn hide_small(groups: &mut [Group], min: usize) {
    let mut units: Vec<Unit> = groups
        .iter()
        .flat_map(|g| [g.helped.pupils, g.comparison.pupils])
        .map(|pupils| Unit {
            pupils,
            ..Unit::new(true)
        })
        .collect();
    suppress(&mut units, &[], min);
    for (g, u) in groups.iter_mut().zip(units.chunks(2)) {
        g.suppressed = u[0].suppressed;
        g.comparison_suppressed = u[1].suppressed;
    }
}

/// One window's statuses, faculties off track and stages, by pupil.
struct Judged<'a> {
    status: BySubject<&'a str, Status>,
    faculties: PlHashMap<&'a str, usize>,
    stage: PlHashMap<&'a str, Option<u8>>,
}

impl<'a> Judged<'a> {
    fn of(ctx: &Ctx, sw: &'a SchoolWindow) -> Judged<'a> {
        let n = sw.scns().len();
        let mut rows: Vec<Vec<(&str, Status)>> = vec![Vec::new(); n];
        let mut stage: Vec<Option<u8>> = vec![None; n];
        let mut status = BySubject::default();
        for r in sw.rows() {
            let id = r.pupil_id();
            rows[id].push((r.faculty(), r.status()));
            stage[id] = stage[id].or(r.stage());
            status.insert(r.scn(), r.subject(), r.status());
        }
        let count = ctx.config.followup.count;
        let scns = sw.scns().iter().map(|s| &**s);
        Judged {
            status,
            faculties: scns
                .clone()
                .zip(&rows)
                .map(|(scn, rows)| (scn, off_track_faculties(rows.iter().copied(), count).len()))
                .collect(),
            stage: scns.zip(stage).collect(),
        }
    }

    fn stage(&self, scn: &str) -> Option<u8> {
        self.stage.get(scn).copied().flatten()
    }
}

/// How one thing (a subject, or None for the whole school) changed for a
/// pupil, and whether it is still off track; None when it cannot be judged.
fn judge(then: &Judged, next: &Judged, scn: &str, subject: Option<&str>) -> Option<(Change, bool)> {
    match subject {
        Some(s) => {
            let (a, b) = (*then.status.get(scn, s)?, *next.status.get(scn, s)?);
            Some((status_change(a, b)?, b == Status::OffTrack))
        }
        None => {
            let (a, b) = (*then.faculties.get(scn)?, *next.faculties.get(scn)?);
            Some((faculties_change(a, b), b >= 1))
        }
    }
}

/// A group as it is gathered.
struct Acc<'a> {
    label: &'a str,
    helped: PlHashMap<&'a str, Outcome>,
    /// What its interventions were about: lowercased subjects, None for
    /// the whole school.
    about: BTreeSet<Option<String>>,
    seen: PlHashSet<(&'a str, Option<String>)>,
}

/// The subject an intervention is about, None for the whole school.
fn subject_of(i: &Intervention) -> Option<&str> {
    i.subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A text cell, trimmed; None when empty.
fn text(t: &Option<String>) -> Option<&str> {
    t.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn label_of(i: &Intervention, by: By) -> &str {
    match by {
        By::Type => text(&i.kind).unwrap_or(NOT_RECORDED),
        By::Subject => subject_of(i).unwrap_or(WHOLE_SCHOOL),
        By::Staff => text(&i.staff).unwrap_or(NOT_RECORDED),
    }
}

/// One school's groups, sorted by name, and how many interventions could
/// not be judged.
fn school(
    ctx: &Ctx,
    pair: &Pair,
    then: &SchoolWindow,
    next: &SchoolWindow,
    interventions: &[Intervention],
    by: By,
    stages: &dyn Fn(Option<u8>) -> bool,
) -> (Vec<Group>, usize) {
    let (a, b) = (Judged::of(ctx, then), Judged::of(ctx, next));
    let mut accs: BTreeMap<String, Acc> = BTreeMap::new();
    let mut left_out = 0;
    for i in interventions {
        let scn = i.scn.as_str();
        if !stages(a.stage(scn)) {
            continue;
        }
        let label = label_of(i, by);
        let acc = accs.entry(label.to_lowercase()).or_insert_with(|| Acc {
            label,
            helped: PlHashMap::default(),
            about: BTreeSet::new(),
            seen: PlHashSet::default(),
        });
        // Several spellings of one group: the first in text order names it.
        if text_key(label) < text_key(acc.label) {
            acc.label = label;
        }
        let subject = subject_of(i);
        let about = subject.map(str::to_lowercase);
        acc.about.insert(about.clone());
        // The same pupil helped with the same thing twice counts once.
        if !acc.seen.insert((scn, about)) {
            continue;
        }
        match judge(&a, &b, scn, subject) {
            Some((change, off)) => acc.helped.entry(scn).or_default().add(change, off),
            None => left_out += 1,
        }
    }
    let pools = comparison_pools(then, &a, &b, interventions, &accs, stages);
    let mut groups: Vec<Group> = accs
        .into_values()
        .map(|acc| {
            let mut comparison: PlHashMap<&str, Outcome> = PlHashMap::default();
            for (scn, change, off) in acc.about.iter().filter_map(|t| pools.get(t)).flatten() {
                comparison.entry(scn).or_default().add(*change, *off);
            }
            Group {
                school: pair.school.clone(),
                window: pair.window,
                next: pair.next,
                group: acc.label.to_string(),
                helped: Counts::of(acc.helped.values()),
                comparison: Counts::of(comparison.values()),
                suppressed: false,
                comparison_suppressed: false,
            }
        })
        .collect();
    groups.sort_by_cached_key(|g| text_key(&g.group));
    (groups, left_out)
}

/// A comparison pool: each pupil's change in one thing.
type Pool<'a> = Vec<(&'a str, Change, bool)>;

/// For each thing the groups' interventions were about, the pupils off
/// track in it in the first window (a subject: off track in it; the whole
/// school: off track in 1+ faculties) with no intervention recorded for it
/// (for it or the whole school; for the whole school: none at all), with
/// their change by the next window.
fn comparison_pools<'a>(
    then: &'a SchoolWindow,
    a: &Judged<'a>,
    b: &Judged,
    interventions: &[Intervention],
    accs: &BTreeMap<String, Acc>,
    stages: &dyn Fn(Option<u8>) -> bool,
) -> PlHashMap<Option<String>, Pool<'a>> {
    let wanted: BTreeSet<&Option<String>> = accs.values().flat_map(|acc| &acc.about).collect();
    let mut any: PlHashSet<&str> = PlHashSet::default();
    let mut whole: PlHashSet<&str> = PlHashSet::default();
    let mut subjects: BySubject<&str, ()> = BySubject::default();
    for i in interventions {
        any.insert(&i.scn);
        match subject_of(i) {
            Some(s) => subjects.insert(&i.scn, s, ()),
            None => {
                whole.insert(&i.scn);
            }
        }
    }
    let mut pools: PlHashMap<Option<String>, Pool<'a>> = PlHashMap::default();
    for r in then.rows().filter(|r| r.status() == Status::OffTrack) {
        let (scn, subject) = (r.scn(), r.subject());
        let helped = whole.contains(scn) || subjects.get(scn, subject).is_some();
        if !compared(Start::Subject(r.status()), helped) || !stages(a.stage(scn)) {
            continue;
        }
        let key = Some(subject.trim().to_lowercase());
        if !wanted.contains(&key) {
            continue;
        }
        if let Some((change, off)) = judge(a, b, scn, Some(subject)) {
            pools.entry(key).or_default().push((scn, change, off));
        }
    }
    if wanted.contains(&None) {
        let mut pool = Vec::new();
        for (&scn, &off) in &a.faculties {
            if !compared(Start::WholeSchool(off), any.contains(scn)) || !stages(a.stage(scn)) {
                continue;
            }
            if let Some((change, off)) = judge(a, b, scn, None) {
                pool.push((scn, change, off));
            }
        }
        pools.insert(None, pool);
    }
    pools
}

/// The report as one table; a hidden figure is `c` (null in Parquet, whose
/// number columns hold no text).
pub fn table(impact: &Impact) -> Table {
    let mut t = Table::new("impact", COLUMNS);
    for g in &impact.groups {
        let (s, cs) = (g.suppressed, g.comparison_suppressed);
        let shown = |hide: bool, v: Out| {
            if hide && v != Out::Null {
                Out::from(SUPPRESSED)
            } else {
                v
            }
        };
        let h = &g.helped;
        t.rows.push(vec![
            Out::from(g.school.as_str()),
            Out::from(g.window.to_string()),
            Out::from(g.next.to_string()),
            Out::from(impact.by.as_str()),
            Out::from(g.group.as_str()),
            shown(s, Out::from(h.pupils)),
            shown(s, Out::from(g.improved())),
            shown(s, Out::from(h.share(h.unchanged))),
            shown(s, Out::from(h.share(h.worse))),
            shown(s, Out::from(h.share(h.still_off_track))),
            shown(cs, Out::from(g.comparison.pupils)),
            shown(cs, Out::from(g.comparison_improved())),
            shown(s || cs, Out::from(g.difference())),
            Out::from(if s || cs { "Y" } else { "N" }),
        ]);
    }
    t
}

/// The note as a table of one cell, for the formats that hold several
/// tables (an xlsx sheet of its own travels with the figures).
pub fn note_table() -> Table {
    let mut t = Table::new("note", &[("note", ColType::Text)]);
    t.rows.push(vec![Out::from(NOTE)]);
    t
}

/// The message for interventions left out, if any.
pub fn left_out_message(impact: &Impact) -> Option<String> {
    (impact.left_out > 0).then(|| {
        format!(
            "{} intervention(s) left out: the pupil has no on_track, slightly_off_track or \
             off_track status in that subject in both windows (or, whole-school, no subject \
             rows in one of them)",
            impact.left_out
        )
    })
}

/// What followed the window's interventions, by type, for the page's
/// "Interventions" section; None when no school has a later window yet.
pub fn of_window(
    ctx: &Ctx,
    snap: &Snapshot,
    scope: &crate::reports::Scope,
    min_group: Option<usize>,
) -> anyhow::Result<Option<Impact>> {
    let pairs: Vec<Pair> = scope
        .schools
        .iter()
        .filter_map(|school| {
            Some(Pair {
                school: school.clone(),
                window: scope.window,
                next: next_window(snap, school, scope.window)?,
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
    build(ctx, snap, &plan, By::Type, &stages, min_group).map(Some)
}
