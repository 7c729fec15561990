//! Small-group suppression for `summary` (SPEC 8): a figure about fewer than
//! `suppression.min_group` pupils is shown as `c`, and further figures are
//! hidden so that no hidden one can be worked out from a total and the rest.
//!
//! The rule is about *units* (a set of figures shown or hidden together, such
//! as one stage-and-faculty cell) and *lines* (units whose counts add up to
//! the counts of a total unit, such as the faculties of a stage):
//!
//! 1. primary: a published unit of 1 to `min - 1` pupils is hidden;
//! 2. secondary: in every line whose total is shown, anyone can work out the
//!    hidden parts (hidden units, and remainders that are never published,
//!    such as pupils whose FSM is unknown) taken together, as the total minus
//!    the shown parts. The line is *exposed* when those hidden parts with any
//!    pupils are a single published unit (its figures could be worked out
//!    exactly), or together hold 1 to `min - 1` distinct pupils. In an
//!    exposed line the smallest shown part with pupils is hidden too (the
//!    total, when no part with pupils is left shown); this repeats over all
//!    lines until no line is exposed. A line whose total
//!    is hidden is exposed when all its parts are shown, since their sum
//!    gives the total away.
//!
//! So a suppressed FSM group takes "not FSM" with it when every pupil's FSM is
//! known, and a lone small faculty in a stage takes the next smallest faculty.

use std::collections::HashSet;

/// A set of figures shown or hidden as a whole.
#[derive(Debug, Clone)]
pub struct Unit {
    /// Distinct pupils behind the figures.
    pub pupils: usize,
    /// The `min` smallest ids, in order (the first `min` pupils of a cohort
    /// counted in id order): every pupil when `pupils < min`, which is all
    /// a line needs to tell whether its hidden group is small.
    pub sample: Vec<u32>,
    /// False for a remainder that no output shows.
    pub published: bool,
    pub suppressed: bool,
}

impl Unit {
    pub fn new(published: bool) -> Unit {
        Unit {
            pupils: 0,
            sample: Vec::new(),
            published,
            suppressed: false,
        }
    }

    /// Count one more distinct pupil, keeping the sample at the `min`
    /// smallest ids: the same ids whatever order the pupils come in.
    pub fn add(&mut self, id: u32, min: usize) {
        self.pupils += 1;
        // Ids counted in order go at the end (nearly always).
        let at = match self.sample.last() {
            Some(&last) if last > id => self.sample.partition_point(|&s| s < id),
            _ => self.sample.len(),
        };
        if at < min {
            self.sample.insert(at, id);
            self.sample.truncate(min);
        }
    }

    /// Add `other`'s pupils, none of them this unit's: the sample stays
    /// the `min` smallest ids of both, whichever ids each holds.
    pub fn merge(&mut self, other: &Unit, min: usize) {
        self.pupils += other.pupils;
        self.sample.extend_from_slice(&other.sample);
        self.sample.sort_unstable();
        self.sample.truncate(min);
    }

    fn hidden(&self) -> bool {
        !self.published || self.suppressed
    }
}

/// Units whose counts add up to the counts of `total`.
#[derive(Debug, Clone)]
pub struct Line {
    pub parts: Vec<usize>,
    pub total: usize,
}

/// Apply primary and secondary suppression in place (see the module comment).
pub fn suppress(units: &mut [Unit], lines: &[Line], min: usize) {
    for u in units.iter_mut() {
        u.suppressed = u.published && u.pupils > 0 && u.pupils < min;
    }
    loop {
        let mut changed = false;
        for line in lines {
            if !exposed(units, line, min) {
                continue;
            }
            let next = line
                .parts
                .iter()
                .copied()
                .filter(|&i| !units[i].hidden() && units[i].pupils > 0)
                .min_by_key(|&i| (units[i].pupils, i));
            // With no shown part left (the others are empty), the shown
            // total itself equals the hidden part, so it goes.
            let hide = next.unwrap_or(line.total);
            if !units[hide].suppressed {
                units[hide].suppressed = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// Whether a line gives away a hidden unit or a small hidden group.
fn exposed(units: &[Unit], line: &Line, min: usize) -> bool {
    let hidden: Vec<&Unit> = line
        .parts
        .iter()
        .map(|&i| &units[i])
        .filter(|u| u.hidden() && u.pupils > 0)
        .collect();
    if units[line.total].hidden() {
        // A hidden total is the sum of its parts when they are all shown.
        return hidden.is_empty() && units[line.total].pupils > 0;
    }
    match hidden[..] {
        [] => false,
        [only] if only.published => true,
        _ => distinct_below(&hidden, min),
    }
}

/// Whether the units together hold fewer than `min` distinct pupils.
fn distinct_below(units: &[&Unit], min: usize) -> bool {
    let mut seen = HashSet::new();
    for u in units {
        if u.pupils >= min {
            return false;
        }
        seen.extend(u.sample.iter().copied());
        if seen.len() >= min {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Pupils counted in any order leave the sample of pupils counted
        /// in id order: the `min` smallest ids.
        #[test]
        fn a_units_sample_does_not_depend_on_the_order_pupils_come_in(
            ids in Just((0u32..40).collect::<Vec<_>>()).prop_shuffle(),
            min in 1usize..12,
        ) {
            let mut shuffled = Unit::new(true);
            ids.iter().for_each(|&id| shuffled.add(id, min));
            let mut ordered = Unit::new(true);
            (0u32..40).for_each(|id| ordered.add(id, min));
            prop_assert_eq!(&shuffled.sample, &ordered.sample);
            prop_assert_eq!(shuffled.pupils, 40);
            prop_assert_eq!(ordered.sample, (0..min as u32).collect::<Vec<_>>());
        }

        /// Pupils counted in two units, split anyhow, then merged: the
        /// unit of them all counted together.
        #[test]
        fn merged_units_are_the_unit_of_all_their_pupils(
            ids in Just((0u32..40).collect::<Vec<_>>()).prop_shuffle(),
            split in 0usize..=40,
            min in 1usize..12,
        ) {
            let unit = |ids: &[u32]| {
                let mut u = Unit::new(true);
                ids.iter().for_each(|&id| u.add(id, min));
                u
            };
            let mut merged = unit(&ids[..split]);
            merged.merge(&unit(&ids[split..]), min);
            let all = unit(&ids);
            prop_assert_eq!(merged.sample, all.sample);
            prop_assert_eq!(merged.pupils, all.pupils);
        }
    }

    /// A grid of cells (each its own pupils) with row, column and grand
    /// totals, as the status table is: units and lines.
    fn grid(sizes: &[Vec<u32>]) -> (Vec<Unit>, Vec<Line>) {
        let (rows, cols) = (sizes.len(), sizes[0].len());
        let mut ids = vec![vec![Vec::new(); cols]; rows];
        let mut next = 0;
        for (r, row) in sizes.iter().enumerate() {
            for (c, &n) in row.iter().enumerate() {
                ids[r][c] = (next..next + n).collect::<Vec<u32>>();
                next += n;
            }
        }
        let unit = |members: Vec<u32>| {
            let mut u = Unit::new(true);
            members.into_iter().for_each(|id| u.add(id, 5));
            u
        };
        let mut units = Vec::new();
        let cell = |r: usize, c: usize| r * cols + c;
        for row in &ids {
            for members in row {
                units.push(unit(members.clone()));
            }
        }
        let row_total = units.len();
        for row in &ids {
            units.push(unit(row.concat()));
        }
        let col_total = units.len();
        for c in 0..cols {
            units.push(unit(ids.iter().flat_map(|row| row[c].clone()).collect()));
        }
        let grand = units.len();
        units.push(unit(ids.concat().concat()));
        let mut lines = Vec::new();
        for r in 0..rows {
            lines.push(Line {
                parts: (0..cols).map(|c| cell(r, c)).collect(),
                total: row_total + r,
            });
        }
        for c in 0..cols {
            lines.push(Line {
                parts: (0..rows).map(|r| cell(r, c)).collect(),
                total: col_total + c,
            });
        }
        lines.push(Line {
            parts: (row_total..col_total).collect(),
            total: grand,
        });
        lines.push(Line {
            parts: (col_total..grand).collect(),
            total: grand,
        });
        (units, lines)
    }

    proptest! {
        #[test]
        fn no_line_is_left_exposed(
            sizes in (1usize..5, 1usize..6).prop_flat_map(|(r, c)| {
                proptest::collection::vec(proptest::collection::vec(0u32..12, c), r)
            })
        ) {
            let (mut units, lines) = grid(&sizes);
            suppress(&mut units, &lines, 5);
            for u in &units {
                prop_assert!(!(u.pupils == 0 && u.suppressed), "an empty cell hidden");
                prop_assert!(!(u.pupils > 0 && u.pupils < 5 && !u.suppressed), "a small cell shown");
            }
            for line in &lines {
                prop_assert!(!exposed(&units, line, 5), "exposed line {line:?}");
            }
        }
    }

    /// A unit holding the pupils `ids`.
    fn unit(ids: std::ops::Range<u32>, published: bool) -> Unit {
        let mut u = Unit::new(published);
        ids.for_each(|id| u.add(id, 5));
        u
    }

    fn hidden(units: &[Unit]) -> Vec<bool> {
        units.iter().map(|u| u.suppressed).collect()
    }

    #[test]
    fn four_pupils_are_hidden_and_five_are_shown() {
        let mut units = vec![unit(0..4, true), unit(10..15, true), unit(20..20, true)];
        suppress(&mut units, &[], 5);
        assert_eq!(hidden(&units), [true, false, false]);
    }

    #[test]
    fn a_complementary_pair_is_hidden_together() {
        // all = 0..30; FSM 4 pupils, not FSM 26, unknown none.
        let mut units = vec![
            unit(0..30, true),
            unit(0..4, true),
            unit(4..30, true),
            unit(0..0, false),
        ];
        let lines = [Line {
            parts: vec![1, 2, 3],
            total: 0,
        }];
        suppress(&mut units, &lines, 5);
        assert_eq!(hidden(&units), [false, true, true, false]);
    }

    #[test]
    fn a_large_unpublished_remainder_protects_a_hidden_part() {
        // SIMD Q1 3 pupils, Q5 10, the other quintiles 17 (never shown).
        let mut units = vec![
            unit(0..30, true),
            unit(0..3, true),
            unit(3..13, true),
            unit(13..30, false),
        ];
        let lines = [Line {
            parts: vec![1, 2, 3],
            total: 0,
        }];
        suppress(&mut units, &lines, 5);
        assert_eq!(hidden(&units), [false, true, false, false]);
    }

    #[test]
    fn a_small_unpublished_remainder_is_protected_too() {
        // FSM 10, not FSM 18, unknown 2: all minus the two shown gives the 2.
        let mut units = vec![
            unit(0..30, true),
            unit(0..10, true),
            unit(10..28, true),
            unit(28..30, false),
        ];
        let lines = [Line {
            parts: vec![1, 2, 3],
            total: 0,
        }];
        suppress(&mut units, &lines, 5);
        assert_eq!(hidden(&units), [false, true, false, false]);
    }

    #[test]
    fn the_next_smallest_goes_and_cascades_across_lines() {
        // Two stages x two faculties with margins (S1 pupils 0..8, S2 8..20).
        // S1/Music (3) is hidden; the S1 line would give it away, so
        // S1/English goes; the English column would give that away, so
        // S2/English goes; then the S2 line takes S2/Music.
        let mut music = Unit::new(true);
        (0..3).chain(8..14).for_each(|id| music.add(id, 5));
        let mut units = vec![
            unit(0..8, true),  // 0 S1 all
            unit(8..20, true), // 1 S2 all
            unit(0..20, true), // 2 all all
            unit(0..8, true),  // 3 S1 English
            unit(0..3, true),  // 4 S1 Music
            unit(8..20, true), // 5 S2 English
            unit(8..14, true), // 6 S2 Music
            unit(0..20, true), // 7 all English
            music,             // 8 all Music
        ];
        let line = |parts: &[usize], total| Line {
            parts: parts.to_vec(),
            total,
        };
        let lines = [
            line(&[3, 4], 0),
            line(&[5, 6], 1),
            line(&[3, 5], 7),
            line(&[4, 6], 8),
            line(&[0, 1], 2),
            line(&[7, 8], 2),
        ];
        suppress(&mut units, &lines, 5);
        assert_eq!(
            hidden(&units),
            [false, false, false, true, true, true, true, false, false]
        );
    }

    #[test]
    fn overlapping_parts_count_distinct_pupils() {
        // The same 3 pupils in two hidden faculties are still 3 pupils.
        let mut units = vec![
            unit(0..10, true),
            unit(0..3, true),
            unit(0..3, true),
            unit(0..10, true),
        ];
        let lines = [Line {
            parts: vec![1, 2, 3],
            total: 0,
        }];
        suppress(&mut units, &lines, 5);
        assert_eq!(hidden(&units), [false, true, true, true]);
    }

    #[test]
    fn a_hidden_total_is_not_left_as_the_sum_of_shown_parts() {
        // French is taken only in S4 (6 pupils). Its whole-school total is
        // hidden with the small Art total (3) on the faculty margin, and
        // then equals the S4 French cell, so that goes too.
        let mut units = vec![
            unit(0..9, true), // 0 all faculties
            unit(0..6, true), // 1 all stages, French
            unit(6..9, true), // 2 all stages, Art
            unit(0..6, true), // 3 S4 French
        ];
        let lines = [
            Line {
                parts: vec![1, 2],
                total: 0,
            },
            Line {
                parts: vec![3],
                total: 1,
            },
        ];
        suppress(&mut units, &lines, 5);
        assert_eq!(hidden(&units), [false, true, true, true]);
    }

    #[test]
    fn a_total_goes_when_no_part_is_left_to_hide() {
        // S2 has 5 pupils, all in Music: Music is hidden to protect the
        // small Music cell of S1, so S2 as a whole must go too.
        let (mut units, lines) = grid(&[vec![3, 2], vec![5, 0]]);
        suppress(&mut units, &lines, 5);
        // cells a b c d, rows R1 R2, columns C1 C2 (C2 has 2 pupils, so
        // C1 goes with it), grand total
        assert_eq!(
            hidden(&units),
            [true, true, true, false, true, true, true, true, false]
        );
    }

    #[test]
    fn a_hidden_total_stops_its_line() {
        let mut units = vec![unit(0..4, true), unit(0..1, true), unit(1..4, true)];
        let lines = [Line {
            parts: vec![1, 2],
            total: 0,
        }];
        suppress(&mut units, &lines, 5);
        assert_eq!(hidden(&units), [true, true, true]);
    }
}
