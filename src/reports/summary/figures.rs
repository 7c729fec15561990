//! The arithmetic of one summary block: a cohort of pupil lines in, cells of
//! counts and shares out, with the suppression units and lines they form.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::reports::offtrack::PupilLine;
use crate::rules::Status;
use crate::rules::followup::text_key;

use super::projection::{Basis, Goal, History};
use super::suppress::{Line, Unit};
use super::{ALL, Cell, Key, Measure, Section, UNKNOWN};
use crate::reports::model::Ctx;

/// Every unit and line of one window's summary, over all its blocks.
pub struct Arena {
    pub units: Vec<Unit>,
    pub lines: Vec<Line>,
    /// Pupil ids kept per unit: `suppression.min_group` (at least 1).
    pub sample: usize,
}

impl Arena {
    pub fn new(sample: usize) -> Arena {
        Arena {
            units: Vec::new(),
            lines: Vec::new(),
            sample: sample.max(1),
        }
    }

    /// Add a unit; units are pushed in output order, so that between two
    /// equally small candidates secondary suppression takes the first.
    fn push(&mut self, unit: Unit) -> usize {
        self.units.push(unit);
        self.units.len() - 1
    }

    pub fn line(&mut self, parts: Vec<usize>, total: usize) {
        if !parts.is_empty() {
            self.lines.push(Line { parts, total });
        }
    }
}

/// One pupil of the cohort, with an id unique across the window's schools.
pub type Member<'p, 'a> = (u32, &'p PupilLine<'a>);

/// A percentage, None for an empty group.
pub fn percent(count: usize, of: usize) -> Option<f64> {
    (of > 0).then(|| count as f64 * 100.0 / of as f64)
}

fn stage_key(l: &PupilLine) -> u8 {
    l.stage.unwrap_or(UNKNOWN)
}

fn measure(name: &'static str, count: Option<usize>, percent: Option<f64>) -> Measure {
    Measure {
        name,
        basis: None,
        count,
        percent,
        gap: None,
        previous: None,
    }
}

fn cell(key: Key, unit: usize, arena: &Arena) -> Cell {
    Cell {
        key,
        unit,
        pupils: arena.units[unit].pupils,
        entries: None,
        measures: Vec::new(),
        suppressed: false,
    }
}

/// All cells of one block (one school, or `ALL`), in output order.
pub fn block(ctx: &Ctx, arena: &mut Arena, cohort: &[Member], history: &History) -> Vec<Cell> {
    let mut cells = status(arena, cohort);
    cells.extend(equity(arena, cohort));
    cells.extend(projection(ctx, arena, cohort, history));
    cells.extend(early_warning(ctx, arena, cohort));
    cells
}

/// A stage and a faculty's sort key (None = all faculties), in output order.
type StatusKey = (u8, Option<(String, String)>);

/// Per stage and faculty, the share of pupil-subjects in each status.
fn status(arena: &mut Arena, cohort: &[Member]) -> Vec<Cell> {
    struct Acc {
        unit: Unit,
        entries: usize,
        counts: [usize; 6],
    }
    let min = arena.sample;
    let mut accs: BTreeMap<StatusKey, Acc> = BTreeMap::new();
    for &(id, l) in cohort {
        let s = stage_key(l);
        let mut faculties: HashSet<&str> = HashSet::new();
        for r in &l.rows {
            let f = Some(text_key(&r.faculty));
            let at = Status::ALL.iter().position(|x| *x == r.status).unwrap_or(0);
            for key in [(s, f.clone()), (s, None), (ALL, f), (ALL, None)] {
                let acc = accs.entry(key).or_insert_with(|| Acc {
                    unit: Unit::new(true),
                    entries: 0,
                    counts: [0; 6],
                });
                acc.entries += 1;
                acc.counts[at] += 1;
            }
            faculties.insert(r.faculty.as_str());
        }
        for f in faculties {
            for st in [s, ALL] {
                if let Some(acc) = accs.get_mut(&(st, Some(text_key(f)))) {
                    acc.unit.add(id, min);
                }
            }
        }
        for st in [s, ALL] {
            if let Some(acc) = accs.get_mut(&(st, None)) {
                acc.unit.add(id, min);
            }
        }
    }
    let accs: BTreeMap<StatusKey, (usize, usize, [usize; 6])> = accs
        .into_iter()
        .map(|(k, a)| (k, (arena.push(a.unit), a.entries, a.counts)))
        .collect();
    // Lines: the faculties of each stage, the stages of each faculty, and
    // both margins of the grand total.
    let mut lines: BTreeMap<StatusKey, Vec<usize>> = BTreeMap::new();
    let mut stage_totals = Vec::new();
    let mut faculty_totals = Vec::new();
    for ((s, f), &(unit, _, _)) in &accs {
        match (*s, f) {
            (ALL, None) => {}
            (ALL, Some(_)) => faculty_totals.push(unit),
            (_, None) => stage_totals.push(unit),
            (_, Some(_)) => {
                lines.entry((*s, None)).or_default().push(unit);
                lines.entry((ALL, f.clone())).or_default().push(unit);
            }
        }
    }
    for (total, parts) in lines {
        arena.line(parts, accs[&total].0);
    }
    if let Some(&(grand, _, _)) = accs.get(&(ALL, None)) {
        arena.line(stage_totals, grand);
        arena.line(faculty_totals, grand);
    }
    accs.into_iter()
        .map(|((stage, faculty), (unit, entries, counts))| {
            let key = Key {
                section: Section::Status,
                stage,
                faculty: faculty.map(|(_, f)| f),
                group: "all".to_string(),
            };
            let mut c = cell(key, unit, arena);
            c.entries = Some(entries);
            c.measures = Status::ALL
                .iter()
                .zip(counts)
                .map(|(st, n)| measure(st.as_str(), Some(n), percent(n, entries)))
                .collect();
            c
        })
        .collect()
}

/// The groups a pupil belongs to: (group id, published). Every pupil is in
/// exactly one group of each partition line of [`equity`].
fn memberships(l: &PupilLine) -> Vec<(String, bool)> {
    let p = l.pupil;
    let mut out = vec![("all".to_string(), true)];
    out.push(match p.and_then(|p| p.simd_quintile) {
        Some(1) => ("simd_q1".into(), true),
        Some(5) => ("simd_q5".into(), true),
        _ => ("simd_other".into(), false),
    });
    let pair = |v: Option<bool>, yes: &str, no: &str, unknown: &str| match v {
        Some(true) => (yes.to_string(), true),
        Some(false) => (no.to_string(), true),
        None => (unknown.to_string(), false),
    };
    out.push(pair(p.and_then(|p| p.fsm), "fsm", "not_fsm", "fsm_unknown"));
    out.push(pair(p.and_then(|p| p.asn), "asn", "not_asn", "asn_unknown"));
    let single = |v: Option<bool>, yes: &str, rest: &str| match v {
        Some(true) => (yes.to_string(), true),
        _ => (rest.to_string(), false),
    };
    out.push(single(
        p.and_then(|p| p.care_experienced),
        "care_experienced",
        "care_experienced_rest",
    ));
    out.push(single(
        p.and_then(|p| p.young_carer),
        "young_carer",
        "young_carer_rest",
    ));
    out.push(match p.and_then(|p| p.gender.as_deref()).map(str::trim) {
        Some(g) if !g.is_empty() => (format!("gender:{g}"), true),
        _ => ("gender_unknown".into(), false),
    });
    out
}

/// Remainders complete a partition line but are never shown.
fn published(group: &str) -> bool {
    !(group.ends_with("_other") || group.ends_with("_unknown") || group.ends_with("_rest"))
}

/// The fixed groups of SPEC 8 in order, each with the line it belongs to.
const GROUPS: &[(&str, &str)] = &[
    ("all", ""),
    ("simd_q1", "simd"),
    ("simd_q5", "simd"),
    ("simd_other", "simd"),
    ("fsm", "fsm"),
    ("not_fsm", "fsm"),
    ("fsm_unknown", "fsm"),
    ("asn", "asn"),
    ("not_asn", "asn"),
    ("asn_unknown", "asn"),
    ("care_experienced", "care"),
    ("care_experienced_rest", "care"),
    ("young_carer", "carer"),
    ("young_carer_rest", "carer"),
];

/// Per equity group: pupils, the share with no faculty off track and the
/// share off track in one or more, each with its gap to the rest of the cohort.
fn equity(arena: &mut Arena, cohort: &[Member]) -> Vec<Cell> {
    let min = arena.sample;
    let mut accs: HashMap<String, (Unit, usize)> = GROUPS
        .iter()
        .map(|(g, _)| (g.to_string(), (Unit::new(published(g)), 0)))
        .collect();
    for &(id, l) in cohort {
        for (group, shown) in memberships(l) {
            let acc = accs.entry(group).or_insert_with(|| (Unit::new(shown), 0));
            acc.0.add(id, min);
            acc.1 += usize::from(l.faculties_off_track() == 0);
        }
    }
    let mut genders: Vec<String> = accs
        .keys()
        .filter(|g| g.starts_with("gender"))
        .cloned()
        .collect();
    genders.sort_by_key(|g| (g == "gender_unknown", text_key(g)));
    // Units in output order: the fixed groups, then the genders.
    let mut order: Vec<String> = GROUPS.iter().map(|(g, _)| g.to_string()).collect();
    order.extend(genders.iter().cloned());
    let accs: HashMap<String, (usize, usize)> = order
        .iter()
        .filter_map(|g| {
            let (unit, on) = accs.remove(g)?;
            Some((g.clone(), (arena.push(unit), on)))
        })
        .collect();
    let total = accs["all"].0;
    let mut lines: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (g, line) in GROUPS.iter().skip(1) {
        lines.entry(line).or_default().push(accs[*g].0);
    }
    for (_, parts) in lines {
        arena.line(parts, total);
    }
    arena.line(genders.iter().map(|g| accs[g].0).collect(), total);

    let all_n = arena.units[total].pupils;
    let all_on = accs["all"].1;
    order
        .iter()
        .filter(|g| arena.units[accs[*g].0].published)
        .map(|g| {
            let (unit, on) = accs[g];
            let n = arena.units[unit].pupils;
            let off = n - on;
            let (rest_n, rest_on) = (all_n - n, all_on - on);
            let rest_off = rest_n - rest_on;
            let gap = |mine: usize, rest: usize| {
                if *g == "all" {
                    return None;
                }
                Some(percent(mine, n)? - percent(rest, rest_n)?)
            };
            let key = Key {
                section: Section::Equity,
                stage: ALL,
                faculty: None,
                group: g.to_string(),
            };
            let mut c = cell(key, unit, arena);
            let mut m_on = measure("on_track", Some(on), percent(on, n));
            m_on.gap = gap(on, rest_on);
            let mut m_off = measure("off_track_1plus", Some(off), percent(off, n));
            m_off.gap = gap(off, rest_off);
            c.measures = vec![m_on, m_off];
            c
        })
        .collect()
}

/// Senior stages: the share on course for 5@5 and 5@6 from working grades.
/// BGE stages: the estimate of [`History::share`], over pupils with a band.
fn projection(ctx: &Ctx, arena: &mut Arena, cohort: &[Member], history: &History) -> Vec<Cell> {
    let mut cells = Vec::new();
    for stage in 1..=6u8 {
        let members: Vec<&Member> = cohort
            .iter()
            .filter(|(_, l)| l.stage == Some(stage))
            .filter(|(_, l)| match stage {
                1..=3 => l.pupil.and_then(|p| p.band).is_some(),
                _ => l.projected.is_some(),
            })
            .collect();
        if members.is_empty() {
            continue;
        }
        let mut unit = Unit::new(true);
        for (id, _) in &members {
            unit.add(*id, arena.sample);
        }
        let unit = arena.push(unit);
        let key = Key {
            section: Section::Projection,
            stage,
            faculty: None,
            group: "all".to_string(),
        };
        let mut c = cell(key, unit, arena);
        let n = members.len();
        c.measures = if stage >= 4 {
            let reached = |f: fn((usize, usize)) -> usize| {
                members
                    .iter()
                    .filter(|(_, l)| l.projected.is_some_and(|p| f(p) >= 5))
                    .count()
            };
            [("5at5", reached(|p| p.0)), ("5at6", reached(|p| p.1))]
                .into_iter()
                .map(|(name, k)| Measure {
                    basis: Some(Basis::Tracking),
                    ..measure(name, Some(k), percent(k, n))
                })
                .collect()
        } else {
            [("5at5", Goal::FiveAtFive), ("5at6", Goal::FiveAtSix)]
                .into_iter()
                .map(|(name, goal)| estimate(ctx, history, &members, name, goal))
                .collect()
        };
        cells.push(c);
    }
    cells
}

/// The mean chance over the pupils whose band has a share.
fn estimate(
    ctx: &Ctx,
    history: &History,
    members: &[&Member],
    name: &'static str,
    goal: Goal,
) -> Measure {
    let mut sum = 0.0;
    let mut known = 0usize;
    let mut basis: Option<Basis> = None;
    for (_, l) in members {
        let Some(band) = l.pupil.and_then(|p| p.band) else {
            continue;
        };
        if let Some((share, b)) = history.share(ctx, &l.sw.school, band, goal) {
            sum += share;
            known += 1;
            basis = Some(basis.map_or(b, |x| x.join(b)));
        }
    }
    Measure {
        basis,
        ..measure(name, None, (known > 0).then(|| sum * 100.0 / known as f64))
    }
}

/// Per stage: pupils with no faculty off track whose concerns reach
/// `ratings.warn_subjects`.
fn early_warning(ctx: &Ctx, arena: &mut Arena, cohort: &[Member]) -> Vec<Cell> {
    let warn = ctx.config.ratings.warn_subjects.max(0) as usize;
    let mut accs: BTreeMap<u8, (Unit, usize)> = BTreeMap::new();
    for &(id, l) in cohort {
        let flagged = l.faculties_off_track() == 0 && l.concerns >= warn;
        for s in [stage_key(l), ALL] {
            let acc = accs.entry(s).or_insert_with(|| (Unit::new(true), 0));
            acc.0.add(id, arena.sample);
            acc.1 += usize::from(flagged);
        }
    }
    let accs: BTreeMap<u8, (usize, usize)> = accs
        .into_iter()
        .map(|(s, (unit, k))| (s, (arena.push(unit), k)))
        .collect();
    if let Some(&(total, _)) = accs.get(&ALL) {
        let parts = accs
            .iter()
            .filter(|(s, _)| **s != ALL)
            .map(|(_, a)| a.0)
            .collect();
        arena.line(parts, total);
    }
    accs.into_iter()
        .map(|(stage, (unit, k))| {
            let key = Key {
                section: Section::EarlyWarning,
                stage,
                faculty: None,
                group: "all".to_string(),
            };
            let mut c = cell(key, unit, arena);
            c.measures = vec![measure("early_warning", Some(k), percent(k, c.pupils))];
            c
        })
        .collect()
}
