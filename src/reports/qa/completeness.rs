//! Completeness per faculty and teacher: subject rows expected, entries made.

use polars::prelude::PlHashMap;

use crate::output::{Cell, ColType, Table};
use crate::reports::model::{RowRef, SchoolWindow};
use crate::rules::Phase;
use crate::rules::followup::text_key;
use crate::rules::window::Window;

use super::QaFilter;

/// Entries expected and entered for one faculty and teacher.
#[derive(Debug, Clone, PartialEq)]
pub struct Completeness {
    pub school: String,
    pub window: Window,
    pub faculty: String,
    pub teacher: Option<String>,
    pub expected: usize,
    pub entered: usize,
}

impl Completeness {
    pub fn percent(&self) -> f64 {
        if self.expected == 0 {
            100.0
        } else {
            self.entered as f64 * 100.0 / self.expected as f64
        }
    }
}

/// Whether a row's entry was made: a level (BGE) or a working grade (Senior
/// Phase), valid or not.
pub fn entered(r: &RowRef) -> bool {
    match r.phase() {
        Phase::Bge => r.level_entered(),
        Phase::Senior => r.working_entered(),
    }
}

/// Completeness per faculty and teacher of one school's window, unsorted.
pub fn completeness(
    sw: &SchoolWindow,
    stages: &(dyn Fn(Option<u8>) -> bool + Sync),
    filter: &QaFilter,
) -> Vec<Completeness> {
    // Rows are counted on every core, a run at a time, by the ids of their
    // faculty and teacher texts (equal ids, equal texts): a large school
    // has millions of rows and a few thousand pairs. Each pair keeps a row
    // that has it, to read its texts by.
    let runs = crate::par::map_runs(0..sw.len(), COUNT_RUN, |run| {
        let mut counts: PlHashMap<(u32, Option<u32>), (usize, usize, usize)> = PlHashMap::default();
        for i in run {
            let r = sw.row(i);
            if !(stages(r.stage()) && filter.accepts(&r)) {
                continue;
            }
            let c = counts
                .entry((r.faculty_id(), r.teacher_id()))
                .or_insert((0, 0, i));
            c.0 += 1;
            c.1 += usize::from(entered(&r));
        }
        counts
    });
    // Then by the texts: teachers' names equal once trimmed are one.
    let mut groups: PlHashMap<(&str, Option<&str>), Completeness> = PlHashMap::default();
    for (expected, entered, i) in runs.into_iter().flat_map(|run| run.into_values()) {
        let r = sw.row(i);
        let teacher = r.teacher().map(str::trim);
        let g = groups
            .entry((r.faculty(), teacher))
            .or_insert_with(|| Completeness {
                school: sw.school.clone(),
                window: sw.window,
                faculty: r.faculty().to_string(),
                teacher: teacher.map(str::to_string),
                expected: 0,
                entered: 0,
            });
        g.expected += expected;
        g.entered += entered;
    }
    groups.into_values().collect()
}

/// Rows [`completeness`] counts together on one core.
const COUNT_RUN: usize = 1 << 16;

/// School, faculty, teacher (rows with no teacher last).
pub fn sort_completeness(rows: &mut [Completeness]) {
    rows.sort_by_cached_key(|c| {
        (
            c.school.clone(),
            text_key(&c.faculty),
            c.teacher.is_none(),
            text_key(c.teacher.as_deref().unwrap_or_default()),
        )
    });
}

pub const COMPLETENESS_COLUMNS: &[(&str, ColType)] = &[
    ("school", ColType::Text),
    ("window", ColType::Text),
    ("faculty", ColType::Text),
    ("teacher", ColType::Text),
    ("expected", ColType::Int),
    ("entered", ColType::Int),
    ("percent_complete", ColType::Float),
];

pub fn completeness_table(rows: &[Completeness]) -> Table {
    let mut t = Table::new("completeness", COMPLETENESS_COLUMNS);
    t.rows = rows
        .iter()
        .map(|c| {
            vec![
                Cell::from(c.school.as_str()),
                Cell::from(c.window.to_string()),
                Cell::from(c.faculty.as_str()),
                Cell::from(c.teacher.clone()),
                Cell::from(c.expected),
                Cell::from(c.entered),
                Cell::from(c.percent()),
            ]
        })
        .collect();
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_complete() {
        let c = |expected, entered| Completeness {
            school: "EHS".into(),
            window: "2025-26/1".parse().unwrap(),
            faculty: "Sciences".into(),
            teacher: None,
            expected,
            entered,
        };
        assert_eq!(c(4, 3).percent(), 75.0);
        assert_eq!(c(3, 1).percent(), 100.0 / 3.0);
        assert_eq!(c(0, 0).percent(), 100.0);
    }
}
