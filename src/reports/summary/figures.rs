//! The arithmetic of one summary block: a cohort of pupil lines is counted
//! into a [`Tally`], tallies of schools add up to the tally of `ALL`, and a
//! tally turns into cells of counts and shares with the suppression units
//! and lines they form.
//!
//! A tally holds counts and at most `min_group` pupil ids per unit, never a
//! pupil line, so a summary over many schools holds one school's window in
//! memory at a time.

mod status;

use std::collections::BTreeMap;

use crate::reports::offtrack::PupilLine;
use crate::rules::Ctx;
use crate::rules::followup::text_key;

use super::projection::{Basis, Goal, History};
use super::suppress::{Line, Unit};
use super::{ALL, Cell, Key, Measure, Section, UNKNOWN};
use status::{StatusAcc, StatusCounts, StatusKey, status};

/// Every unit and line of one window's summary, over all its blocks.
#[derive(Default)]
pub struct Arena {
    pub units: Vec<Unit>,
    pub lines: Vec<Line>,
}

impl Arena {
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

/// Members counted on one core, one after the other.
const RUN: usize = 1 << 14;

/// A BGE pupil's chance of a goal: (id, stage, goal, share, basis).
type Chance = (u32, u8, usize, f64, Basis);

#[derive(Clone)]
struct GroupAcc {
    unit: Unit,
    /// Pupils with no faculty off track.
    on: usize,
}

#[derive(Clone, Default)]
struct Estimate {
    sum: f64,
    known: usize,
    basis: Option<Basis>,
}

impl Estimate {
    fn add(&mut self, share: f64, basis: Basis) {
        self.sum += share;
        self.known += 1;
        self.basis = Some(self.basis.map_or(basis, |b| b.join(basis)));
    }

    fn merge(&mut self, other: &Estimate) {
        self.sum += other.sum;
        self.known += other.known;
        self.basis = match (self.basis, other.basis) {
            (Some(a), Some(b)) => Some(a.join(b)),
            (a, b) => a.or(b),
        };
    }
}

#[derive(Clone)]
struct ProjectionAcc {
    unit: Unit,
    /// Senior Phase: pupils on course for 5@5 and for 5@6.
    reached: [usize; 2],
    /// BGE: the summed chances for 5@5 and 5@6.
    estimate: [Estimate; 2],
}

/// The counts of one cohort, which add up across schools.
#[derive(Clone, Default)]
pub struct Tally {
    status: BTreeMap<StatusKey, StatusAcc>,
    groups: BTreeMap<String, GroupAcc>,
    projection: BTreeMap<u8, ProjectionAcc>,
    early_warning: BTreeMap<u8, (Unit, usize)>,
}

impl Tally {
    /// Count a cohort; `min` pupil ids are kept per unit. The members may
    /// come in any order (a school's lines in the order they sit in
    /// memory, which is faster to read than the order of their ids): the
    /// figures are the same as counted in id order. Runs of members are
    /// counted on every core and their tallies merged.
    pub fn of(ctx: &Ctx, cohort: &[Member], history: &History, min: usize) -> Tally {
        let runs = crate::par::map_runs(0..cohort.len(), RUN, |run| {
            Tally::of_run(ctx, &cohort[run], history, min)
        });
        let mut t = Tally::default();
        // The BGE chances, summed in id order below: a sum of fractions
        // depends on its order in the last digits.
        let mut chances = Vec::new();
        for (run, run_chances) in runs {
            t.merge(&run, min);
            chances.extend(run_chances);
        }
        chances.sort_by_key(|&(id, stage, goal, ..)| (id, stage, goal));
        for (_, stage, goal, share, basis) in chances {
            if let Some(acc) = t.projection.get_mut(&stage) {
                acc.estimate[goal].add(share, basis);
            }
        }
        t
    }

    /// [`Tally::of`] for one run of members, with the BGE chances still to
    /// be summed.
    fn of_run(ctx: &Ctx, cohort: &[Member], history: &History, min: usize) -> (Tally, Vec<Chance>) {
        let mut t = Tally::default();
        let mut chances = Vec::new();
        let warn = ctx.config.ratings.warn_subjects.max(0) as usize;
        let mut status = StatusCounts::default();
        // A gender group's name, made here rather than once per pupil.
        let mut gender = String::new();
        for &(id, l) in cohort {
            status.add(id, l, min);
            t.count_groups(id, l, min, &mut gender);
            t.count_projection(ctx, history, id, l, min, &mut chances);
            let flagged = l.faculties_off_track() == 0 && l.concerns >= warn;
            for s in [stage_key(l), ALL] {
                let acc = t
                    .early_warning
                    .entry(s)
                    .or_insert_with(|| (Unit::new(true), 0));
                acc.0.add(id, min);
                acc.1 += usize::from(flagged);
            }
        }
        t.status = status.keyed();
        (t, chances)
    }

    fn count_groups(&mut self, id: u32, l: &PupilLine, min: usize, gender: &mut String) {
        for group in memberships(l, gender) {
            if !self.groups.contains_key(group) {
                let acc = GroupAcc {
                    unit: Unit::new(published(group)),
                    on: 0,
                };
                self.groups.insert(group.to_string(), acc);
            }
            let acc = self.groups.get_mut(group).expect("inserted above");
            acc.unit.add(id, min);
            acc.on += usize::from(l.faculties_off_track() == 0);
        }
    }

    /// Senior stages count pupils on course; BGE stages sum each banded
    /// pupil's chance from [`History::share`].
    fn count_projection(
        &mut self,
        ctx: &Ctx,
        history: &History,
        id: u32,
        l: &PupilLine,
        min: usize,
        chances: &mut Vec<Chance>,
    ) {
        let Some(stage) = l.stage else { return };
        let band = l.pupil.and_then(|p| p.band);
        if !matches!(
            (stage, band, l.projected),
            (1..=3, Some(_), _) | (4..=6, _, Some(_))
        ) {
            return;
        }
        let acc = self
            .projection
            .entry(stage)
            .or_insert_with(|| ProjectionAcc {
                unit: Unit::new(true),
                reached: [0; 2],
                estimate: Default::default(),
            });
        acc.unit.add(id, min);
        if let Some((at5, at6)) = l.projected.filter(|_| stage >= 4) {
            acc.reached[0] += usize::from(at5 >= 5);
            acc.reached[1] += usize::from(at6 >= 5);
        } else if let Some(band) = band {
            for (k, goal) in [Goal::FiveAtFive, Goal::FiveAtSix].into_iter().enumerate() {
                if let Some((share, basis)) = history.share(ctx, &l.sw.school, band, goal) {
                    chances.push((id, stage, k, share, basis));
                }
            }
        }
    }

    /// Add `by` to every pupil id, so that a tally counted with ids from 1
    /// gets the ids that follow the schools counted before it.
    pub fn shift_ids(&mut self, by: u32) {
        let units = (self.status.values_mut().map(|a| &mut a.unit))
            .chain(self.groups.values_mut().map(|a| &mut a.unit))
            .chain(self.projection.values_mut().map(|a| &mut a.unit))
            .chain(self.early_warning.values_mut().map(|a| &mut a.0));
        for unit in units {
            unit.sample.iter_mut().for_each(|id| *id += by);
        }
    }

    /// Add another school's or run's tally (whose pupils are all different).
    pub fn merge(&mut self, other: &Tally, min: usize) {
        for (k, o) in &other.status {
            match self.status.get_mut(k) {
                Some(a) => {
                    a.unit.merge(&o.unit, min);
                    a.entries += o.entries;
                    a.counts.iter_mut().zip(o.counts).for_each(|(a, b)| *a += b);
                }
                None => {
                    self.status.insert(k.clone(), o.clone());
                }
            }
        }
        for (k, o) in &other.groups {
            match self.groups.get_mut(k) {
                Some(a) => {
                    a.unit.merge(&o.unit, min);
                    a.on += o.on;
                }
                None => {
                    self.groups.insert(k.clone(), o.clone());
                }
            }
        }
        for (k, o) in &other.projection {
            match self.projection.get_mut(k) {
                Some(a) => {
                    a.unit.merge(&o.unit, min);
                    a.reached
                        .iter_mut()
                        .zip(o.reached)
                        .for_each(|(a, b)| *a += b);
                    a.estimate
                        .iter_mut()
                        .zip(&o.estimate)
                        .for_each(|(a, b)| a.merge(b));
                }
                None => {
                    self.projection.insert(*k, o.clone());
                }
            }
        }
        for (k, o) in &other.early_warning {
            match self.early_warning.get_mut(k) {
                Some(a) => {
                    a.0.merge(&o.0, min);
                    a.1 += o.1;
                }
                None => {
                    self.early_warning.insert(*k, o.clone());
                }
            }
        }
    }

    /// The block's cells in output order; their units and lines go to `arena`.
    pub fn cells(self, arena: &mut Arena) -> Vec<Cell> {
        let mut cells = status(arena, self.status);
        cells.extend(equity(arena, self.groups));
        cells.extend(projection(arena, self.projection));
        cells.extend(early_warning(arena, self.early_warning));
        cells
    }
}

/// The groups a pupil belongs to: exactly one of each partition line of
/// [`equity`], and `all`. A gender group's name is written into `gender`.
fn memberships<'g>(l: &PupilLine, gender: &'g mut String) -> [&'g str; 7] {
    let p = l.pupil;
    let pick = |v: Option<bool>, yes: &'static str, no: &'static str, unknown: &'static str| match v
    {
        Some(true) => yes,
        Some(false) => no,
        None => unknown,
    };
    gender.clear();
    match p.and_then(|p| p.gender.as_deref()).map(str::trim) {
        Some(g) if !g.is_empty() => {
            gender.push_str("gender:");
            gender.push_str(g);
        }
        _ => gender.push_str(GENDER_UNKNOWN),
    }
    [
        "all",
        match p.and_then(|p| p.simd_quintile) {
            Some(1) => "simd_q1",
            Some(5) => "simd_q5",
            _ => "simd_other",
        },
        pick(p.and_then(|p| p.fsm), "fsm", "not_fsm", "fsm_unknown"),
        pick(p.and_then(|p| p.asn), "asn", "not_asn", "asn_unknown"),
        pick(
            p.and_then(|p| p.care_experienced),
            "care_experienced",
            "care_experienced_rest",
            "care_experienced_rest",
        ),
        pick(
            p.and_then(|p| p.young_carer),
            "young_carer",
            "young_carer_rest",
            "young_carer_rest",
        ),
        gender,
    ]
}

const GENDER_UNKNOWN: &str = "gender_unknown";

/// The fixed groups of SPEC 8 in order, each with the line it belongs to and
/// whether it is shown: the remainders complete a line but are never shown.
const GROUPS: &[(&str, &str, bool)] = &[
    ("all", "", true),
    ("simd_q1", "simd", true),
    ("simd_q5", "simd", true),
    ("simd_other", "simd", false),
    ("fsm", "fsm", true),
    ("not_fsm", "fsm", true),
    ("fsm_unknown", "fsm", false),
    ("asn", "asn", true),
    ("not_asn", "asn", true),
    ("asn_unknown", "asn", false),
    ("care_experienced", "care", true),
    ("care_experienced_rest", "care", false),
    ("young_carer", "carer", true),
    ("young_carer_rest", "carer", false),
];

fn published(group: &str) -> bool {
    match GROUPS.iter().find(|(g, _, _)| *g == group) {
        Some(&(_, _, shown)) => shown,
        None => group != GENDER_UNKNOWN,
    }
}

/// Per equity group: pupils, the share with no faculty off track and the
/// share off track in one or more, each with its gap to the rest of the cohort.
fn equity(arena: &mut Arena, mut accs: BTreeMap<String, GroupAcc>) -> Vec<Cell> {
    for (g, _, shown) in GROUPS {
        accs.entry(g.to_string()).or_insert_with(|| GroupAcc {
            unit: Unit::new(*shown),
            on: 0,
        });
    }
    let mut genders: Vec<String> = accs
        .keys()
        .filter(|g| g.starts_with("gender"))
        .cloned()
        .collect();
    genders.sort_by_key(|g| (g == GENDER_UNKNOWN, text_key(g)));
    // Units in output order: the fixed groups, then the genders.
    let order: Vec<String> = GROUPS
        .iter()
        .map(|(g, _, _)| g.to_string())
        .chain(genders.iter().cloned())
        .collect();
    let mut units: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for g in &order {
        if let Some(acc) = accs.remove(g) {
            units.insert(g.as_str(), (arena.push(acc.unit), acc.on));
        }
    }
    let total = units["all"].0;
    let mut lines: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (g, line, _) in GROUPS.iter().skip(1) {
        lines.entry(line).or_default().push(units[g].0);
    }
    for (_, parts) in lines {
        arena.line(parts, total);
    }
    arena.line(genders.iter().map(|g| units[g.as_str()].0).collect(), total);

    let all_n = arena.units[total].pupils;
    let all_on = units["all"].1;
    order
        .iter()
        .filter(|g| arena.units[units[g.as_str()].0].published)
        .map(|g| {
            let (unit, on) = units[g.as_str()];
            let n = arena.units[unit].pupils;
            let off = n - on;
            let (rest_n, rest_on) = (all_n - n, all_on - on);
            let rest_off = rest_n - rest_on;
            let gap = |mine: usize, rest: usize| {
                if g == "all" {
                    return None;
                }
                Some(percent(mine, n)? - percent(rest, rest_n)?)
            };
            let key = Key {
                section: Section::Equity,
                stage: ALL,
                faculty: None,
                group: g.clone(),
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
/// BGE stages: the mean chance over the stage's pupils whose band has one.
fn projection(arena: &mut Arena, accs: BTreeMap<u8, ProjectionAcc>) -> Vec<Cell> {
    accs.into_iter()
        .map(|(stage, acc)| {
            let unit = arena.push(acc.unit);
            let key = Key {
                section: Section::Projection,
                stage,
                faculty: None,
                group: "all".to_string(),
            };
            let mut c = cell(key, unit, arena);
            let n = c.pupils;
            let names = ["5at5", "5at6"];
            c.measures = if stage >= 4 {
                names
                    .into_iter()
                    .zip(acc.reached)
                    .map(|(name, k)| Measure {
                        basis: Some(Basis::Tracking),
                        ..measure(name, Some(k), percent(k, n))
                    })
                    .collect()
            } else {
                names
                    .into_iter()
                    .zip(acc.estimate)
                    .map(|(name, e)| Measure {
                        basis: e.basis,
                        ..measure(
                            name,
                            None,
                            (e.known > 0).then(|| e.sum * 100.0 / e.known as f64),
                        )
                    })
                    .collect()
            };
            c
        })
        .collect()
}

/// Per stage: pupils with no faculty off track whose concerns reach
/// `ratings.warn_subjects`.
fn early_warning(arena: &mut Arena, accs: BTreeMap<u8, (Unit, usize)>) -> Vec<Cell> {
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
