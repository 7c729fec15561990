//! A cohort's rows counted per stage and faculty, and the status cells,
//! units and lines those counts make.

use std::collections::BTreeMap;

use polars::prelude::PlHashMap;

use super::{Arena, cell, measure, percent, stage_key};
use crate::reports::offtrack::PupilLine;
use crate::reports::summary::suppress::Unit;
use crate::reports::summary::{ALL, Cell, Key, Section};
use crate::rules::Status;
use crate::rules::followup::text_key;

/// A stage and a faculty's sort key (None = all faculties), in output order.
pub(super) type StatusKey = (u8, Option<(String, String)>);

#[derive(Clone)]
pub(super) struct StatusAcc {
    pub(super) unit: Unit,
    pub(super) entries: usize,
    pub(super) counts: [usize; 6],
}

/// One run's rows counted per stage and faculty as stored, the faculty
/// by its text's id ([`EVERY`] for all faculties): a school has millions
/// of rows but a few dozen faculties, whose texts are keyed once, at the
/// end.
#[derive(Default)]
pub(super) struct StatusCounts<'a> {
    accs: PlHashMap<(u8, u32), StatusAcc>,
    /// Each faculty id's text.
    texts: PlHashMap<u32, &'a str>,
    /// The faculties of the pupil being counted.
    faculties: Vec<u32>,
}

/// The faculty id that stands for all faculties.
const EVERY: u32 = u32::MAX;

fn status_acc() -> StatusAcc {
    StatusAcc {
        unit: Unit::new(true),
        entries: 0,
        counts: [0; 6],
    }
}

impl<'a> StatusCounts<'a> {
    /// Count one pupil's rows under its stage and their faculties, and the
    /// pupil once in each of those units and in the units of its stage,
    /// its faculties over all stages and the whole cohort.
    pub(super) fn add(&mut self, id: u32, l: &PupilLine<'a>, min: usize) {
        // A pupil with no rows is in no unit, as a pupil with no rows
        // in a faculty is in none of the faculty's.
        if l.rows.is_empty() {
            return;
        }
        let s = stage_key(l);
        self.faculties.clear();
        for r in &l.rows {
            let f = r.faculty_id();
            let at = Status::ALL
                .iter()
                .position(|x| *x == r.status())
                .unwrap_or(0);
            let acc = self.accs.entry((s, f)).or_insert_with(status_acc);
            acc.entries += 1;
            acc.counts[at] += 1;
            if !self.faculties.contains(&f) {
                self.faculties.push(f);
                self.texts.entry(f).or_insert_with(|| r.faculty());
            }
        }
        let keys = (self.faculties.iter())
            .flat_map(|&f| [(s, f), (ALL, f)])
            .chain([(s, EVERY), (ALL, EVERY)]);
        for key in keys {
            let acc = self.accs.entry(key).or_insert_with(status_acc);
            acc.unit.add(id, min);
        }
    }

    /// The counts keyed by stage and faculty sort key (None = all
    /// faculties), each stage's and faculty's rows added up into its
    /// totals.
    pub(super) fn keyed(self) -> BTreeMap<StatusKey, StatusAcc> {
        let texts = self.texts;
        let key = |(s, f): (u8, u32)| (s, (f != EVERY).then(|| text_key(texts[&f])));
        let mut totals: PlHashMap<(u8, u32), (usize, [usize; 6])> = PlHashMap::default();
        for (&(s, f), acc) in &self.accs {
            if s == ALL || f == EVERY {
                continue;
            }
            for total in [(s, EVERY), (ALL, f), (ALL, EVERY)] {
                let t = totals.entry(total).or_default();
                t.0 += acc.entries;
                t.1.iter_mut().zip(acc.counts).for_each(|(t, n)| *t += n);
            }
        }
        (self.accs.into_iter())
            .map(|(k, mut acc)| {
                if let Some(&(entries, counts)) = totals.get(&k) {
                    acc.entries = entries;
                    acc.counts = counts;
                }
                (key(k), acc)
            })
            .collect()
    }
}

/// Per stage and faculty, the share of pupil-subjects in each status.
pub(super) fn status(arena: &mut Arena, accs: BTreeMap<StatusKey, StatusAcc>) -> Vec<Cell> {
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
