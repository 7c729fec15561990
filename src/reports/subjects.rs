//! `tracker subjects`: one row per pupil and subject with its traffic light.

use std::collections::HashMap;

use crate::output::{Cell, ColType, Sink, Val};
use crate::rules::followup::text_key;
use crate::rules::{Ctx, Phase};

use super::Filter;
use super::model::{RowRef, SchoolWindow, stage_name};

pub const COLUMNS: &[(&str, ColType)] = &[
    ("school", ColType::Text),
    ("window", ColType::Text),
    ("scn", ColType::Text),
    ("stage", ColType::Text),
    ("subject", ColType::Text),
    ("faculty", ColType::Text),
    ("phase", ColType::Text),
    ("band", ColType::Text),
    ("level", ColType::Text),
    ("expected_level", ColType::Text),
    ("steps", ColType::Int),
    ("course_level", ColType::Text),
    ("target_grade", ColType::Int),
    ("working_grade", ColType::Int),
    ("gap", ColType::Int),
    ("status", ColType::Status),
    ("effort", ColType::Int),
    ("behaviour", ColType::Int),
    ("homework", ColType::Int),
];

/// A grade as shown (10.7): the number when it is one, else the text as entered.
fn grade_val(valid: Option<u8>, text: Option<&str>) -> Val<'_> {
    match (valid, text) {
        (Some(g), _) => Val::Int(g.into()),
        (None, Some(t)) => t
            .trim()
            .parse::<i64>()
            .map(Val::Int)
            .unwrap_or(Val::Text(t)),
        (None, None) => Val::Null,
    }
}

/// A BGE level as shown: the code on the scale, else the text as entered.
pub fn level_val<'r>(ctx: &'r Ctx, r: &RowRef<'r>) -> Val<'r> {
    match r.level() {
        Some(p) => Val::Text(ctx.scale.code(p)),
        None => Val::from(r.level_text()),
    }
}

/// A Senior Phase target as shown. Graded: the effective target; with none,
/// what was entered (an invalid code shows as entered, 10.7).
pub fn target_val<'r>(r: &RowRef<'r>) -> Val<'r> {
    match (r.course_level(), r.effective_target()) {
        (Some(l), Some(t)) if l.is_graded() => Val::Int(i64::from(t)),
        (Some(l), None) if l.is_graded() => grade_val(None, r.target_text()),
        _ => grade_val(r.target(), r.target_text()),
    }
}

/// A working grade as shown.
pub fn working_val<'r>(r: &RowRef<'r>) -> Val<'r> {
    grade_val(r.working(), r.working_text())
}

/// The values of one row, in `COLUMNS` order, borrowed from the row, the
/// rules and the school and window labels.
pub fn values<'r>(ctx: &'r Ctx, school: &'r str, window: &'r str, r: &RowRef<'r>) -> [Val<'r>; 19] {
    let (level, expected, course_level, target, working) = match r.phase() {
        Phase::Bge => (
            level_val(ctx, r),
            Val::from(r.expected().map(|e| ctx.scale.code(e))),
            Val::Null,
            Val::Null,
            Val::Null,
        ),
        Phase::Senior => (
            Val::Null,
            Val::Null,
            match r.course_level() {
                Some(l) => Val::Text(l.as_str()),
                None => Val::from(r.course_level_text()),
            },
            target_val(r),
            working_val(r),
        ),
    };
    let rating = |i: usize| Val::from(r.rating(i).map(i64::from));
    [
        Val::Text(school),
        Val::Text(window),
        Val::Text(r.scn()),
        Val::from(r.stage().map(stage_name)),
        Val::Text(r.subject()),
        Val::Text(r.faculty()),
        Val::Text(r.phase().as_str()),
        Val::from(
            r.band()
                .filter(|_| r.phase() == Phase::Bge)
                .map(|b| ctx.pathway.band_name(b)),
        ),
        level,
        expected,
        Val::from(r.steps()),
        course_level,
        target,
        working,
        Val::from(r.gap()),
        Val::Text(r.status().as_str()),
        rating(0),
        rating(1),
        rating(2),
    ]
}

/// The cells of one row, in `COLUMNS` order.
pub fn cells(ctx: &Ctx, r: &RowRef) -> Vec<Cell> {
    let sw = r.window();
    let window = sw.window.to_string();
    values(ctx, &sw.school, &window, r)
        .iter()
        .map(|v| v.to_cell())
        .collect()
}

/// `keys` in order, given that their top 32 bits are below `ranks`: dealt
/// into one run per value of those bits (the SCN's rank: a pupil's few
/// rows), each run then sorted on its own, on every core. The keys are
/// distinct (each ends in its row), so this is the one order an integer
/// sort gives, in about a third of the time for a large school.
fn sort_keys(keys: Vec<u128>, ranks: usize) -> Vec<u128> {
    let top = |k: &u128| (k >> 96) as usize;
    let mut next = vec![0usize; ranks + 1];
    for k in &keys {
        next[top(k) + 1] += 1;
    }
    for r in 1..next.len() {
        next[r] += next[r - 1];
    }
    let mut out = vec![0u128; keys.len()];
    for k in keys {
        let at = &mut next[top(&k)];
        out[*at] = k;
        *at += 1;
    }
    let runs: Vec<&mut [u128]> = out.chunk_by_mut(|a, b| top(a) == top(b)).collect();
    crate::par::map_within(runs, 1024, |run| run.sort_unstable());
    out
}

/// The rows of the report in SPEC 7.3's order:
/// by SCN, subject (ignoring case, ties by the exact text), then school;
/// rows equal in all three keep load order. Any range of it can be rendered
/// on its own, so output can be written on every core.
pub struct Order {
    /// (SCN rank, subject rank, school, row), packed so one integer sort does it.
    keys: Vec<u128>,
    windows: Vec<String>,
}

impl Order {
    pub fn new(
        schools: &[SchoolWindow],
        stages: &(dyn Fn(Option<u8>) -> bool + Sync),
        filter: &Filter,
    ) -> Order {
        // Rank every SCN and every subject text once, so the sort compares
        // integers, not strings, three million rows over.
        let mut scns: Vec<(&str, usize, usize)> = schools
            .iter()
            .enumerate()
            .flat_map(|(s, school)| {
                school
                    .scns()
                    .iter()
                    .enumerate()
                    .map(move |(i, scn)| (&**scn, s, i))
            })
            .collect();
        // By SCN (then school and place, which no rank depends on).
        crate::par::sort_unstable(&mut scns);
        let mut scn_rank: Vec<Vec<u32>> = schools.iter().map(|s| vec![0; s.scns().len()]).collect();
        let mut rank = 0u32;
        for (k, (scn, s, i)) in scns.iter().enumerate() {
            if k > 0 && scns[k - 1].0 != *scn {
                rank += 1;
            }
            scn_rank[*s][*i] = rank;
        }
        drop(scns);
        // A school's texts are few (its subjects, faculties and the odd
        // code as entered): rank them all, distinct, in text order, and give
        // each school's ids their rank. Ranking more than the subjects
        // leaves the subjects in the same order, and reads no row.
        let mut texts: Vec<&str> = (schools.iter())
            .flat_map(|school| (0..school.texts_len()).map(|id| school.text_at(id)))
            .collect();
        texts.sort_unstable();
        texts.dedup();
        texts.sort_by_cached_key(|s| text_key(s));
        let text_rank: HashMap<&str, u32> = (texts.iter().enumerate())
            .map(|(i, s)| (*s, i as u32))
            .collect();
        let mut keys: Vec<u128> = Vec::new();
        for (s, school) in schools.iter().enumerate() {
            let ranks: Vec<u32> = (0..school.texts_len())
                .map(|id| text_rank[school.text_at(id)])
                .collect();
            // Each row's key on every core; a row left out keys as NONE.
            const NONE: u128 = u128::MAX;
            let school_keys = crate::par::map_range(0..school.len(), 4096, |i| {
                let r = school.row(i);
                if !(stages(r.stage()) && filter.accepts(&r)) {
                    return NONE;
                }
                u128::from(scn_rank[s][r.pupil_id()]) << 96
                    | u128::from(ranks[r.subject_id()]) << 64
                    | (s as u128) << 32
                    | i as u128
            });
            if keys.is_empty() {
                keys = school_keys;
                keys.retain(|&k| k != NONE);
            } else {
                keys.extend(school_keys.into_iter().filter(|&k| k != NONE));
            }
        }
        Order {
            keys: sort_keys(keys, rank as usize + 1),
            windows: schools.iter().map(|s| s.window.to_string()).collect(),
        }
    }

    /// How many rows the report has.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Hand the rows in `range` of the order to `sink`.
    pub fn rows(
        &self,
        ctx: &Ctx,
        schools: &[SchoolWindow],
        range: std::ops::Range<usize>,
        sink: &mut dyn Sink,
    ) -> anyhow::Result<()> {
        // Rows are visited out of load order: each is asked for AHEAD rows
        // early, and its SCN half as early, once the row is in cache.
        const AHEAD: usize = 16;
        let place = |key: u128| ((key >> 32) as u32 as usize, key as u32 as usize);
        let keys = &self.keys[range];
        for (j, &key) in keys.iter().enumerate() {
            if let Some(&ahead) = keys.get(j + AHEAD) {
                let (s, i) = place(ahead);
                schools[s].prefetch_row(i);
            }
            if let Some(&near) = keys.get(j + AHEAD / 2) {
                let (s, i) = place(near);
                schools[s].prefetch_scn(i);
            }
            let (s, i) = place(key);
            let school = &schools[s];
            sink.row(&values(
                ctx,
                &school.school,
                &self.windows[s],
                &school.row(i),
            ))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_dealt_by_rank_sort_as_one_integer_sort() {
        // (keys, SCN ranks) of each case, made from a seed
        let mut seeded = crate::seeded::Seeded::new(3);
        let mut next = |n: u64| seeded.below(n);
        for (rows, ranks) in [
            (0, 1),
            (1, 1),
            (5, 1),
            (100, 7),
            (10_000, 1_500),
            (50_000, 3),
        ] {
            let keys: Vec<u128> = (0..rows)
                .map(|i| {
                    u128::from(next(ranks)) << 96
                        | u128::from(next(40)) << 64
                        | u128::from(next(3)) << 32
                        | i as u128
                })
                .collect();
            let mut want = keys.clone();
            want.sort_unstable();
            assert_eq!(
                sort_keys(keys, ranks as usize),
                want,
                "{rows} rows, {ranks} ranks"
            );
        }
    }
}
