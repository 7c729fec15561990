//! The cells the rules read, of one part of a data file, each distinct text
//! of a row group parsed once: a window's millions of rows repeat a few
//! dozen codes, and parsing one (folding case, trimming, looking it up) costs
//! more than looking up what it read as.

use polars_arrow::array::{Array, PrimitiveArray};

use crate::rules::senior::CourseLevel;
use crate::rules::verdict::{Cell, Read};
use crate::rules::{Ctx, Phase};

use super::cells::RowCells;
use super::columns::{Chunks, TextArray, group_at};

/// [`Read`] of each row of a part whose columns are all codes.
pub(super) struct ReadCells<'f> {
    starts: Vec<usize>,
    groups: Vec<Group<'f>>,
}

/// One row group's columns.
struct Group<'f> {
    stage: Col<'f, Cell<u8>>,
    level: Col<'f, Cell<usize>>,
    course_level: Col<'f, Cell<CourseLevel>>,
    target: Col<'f, Cell<u8>>,
    working: Col<'f, Cell<u8>>,
    ratings: [Col<'f, Result<Option<u8>, ()>>; 3],
}

/// One column of a row group: each row's code, and what each code's text
/// reads as (`empty` for an empty cell or an absent column).
struct Col<'f, T> {
    codes: Option<&'f PrimitiveArray<u32>>,
    read: Vec<T>,
    empty: T,
}

impl<'f, T: Copy> Col<'f, T> {
    fn new(
        group: Option<(&'f PrimitiveArray<u32>, &'f TextArray)>,
        parse: impl Fn(Option<&str>) -> T,
    ) -> Col<'f, T> {
        let empty = parse(None);
        match group {
            None => Col {
                codes: None,
                read: Vec::new(),
                empty,
            },
            Some((codes, texts)) => Col {
                codes: Some(codes),
                read: texts.values_iter().map(|t| parse(Some(t))).collect(),
                empty,
            },
        }
    }

    #[inline]
    fn get(&self, j: usize) -> T {
        // Every code names one of the texts (checked when read). A row past
        // the column's end is empty.
        match self.codes {
            Some(c) if j < c.len() && c.is_valid(j) => self.read[c.value(j) as usize],
            _ => self.empty,
        }
    }
}

impl<'f> ReadCells<'f> {
    /// The cells of `phase` that the rules read, or None unless every
    /// column present is codes in row groups of the same rows.
    pub(super) fn of(ctx: &Ctx, phase: Phase, h: &RowCells<'_, 'f>) -> Option<ReadCells<'f>> {
        let senior = phase == Phase::Senior;
        fn only<'c, 'f>(yes: bool, c: Option<&'c Chunks<'f>>) -> Option<&'c Chunks<'f>> {
            c.filter(|_| yes)
        }
        ReadCells::of_columns(
            ctx,
            [
                h.stage,
                only(!senior, h.level),
                only(senior, h.course_level),
                only(senior, h.target),
                only(senior, h.working),
                h.ratings[0],
                h.ratings[1],
                h.ratings[2],
            ],
        )
    }

    /// Of the columns stage, level, course level, target and working
    /// grades, effort, behaviour and homework (None: empty).
    fn of_columns(ctx: &Ctx, columns: [Option<&Chunks<'f>>; 8]) -> Option<ReadCells<'f>> {
        let mut starts: Option<&[usize]> = None;
        let mut coded = Vec::with_capacity(columns.len());
        for c in columns {
            let Some(c) = c else {
                coded.push(None);
                continue;
            };
            let (s, arrays) = c.coded()?;
            if starts.is_some_and(|before| before != s) {
                return None;
            }
            starts = Some(s);
            coded.push(Some(arrays));
        }
        let starts = starts?.to_vec();
        let at = |c: usize, g: usize| coded[c].as_ref().map(|a| a[g]);
        let groups = (0..starts.len())
            .map(|g| Group {
                stage: Col::new(at(0, g), Read::stage),
                level: Col::new(at(1, g), |t| Read::level(ctx, t)),
                course_level: Col::new(at(2, g), |t| Read::course_level(ctx, t)),
                target: Col::new(at(3, g), Read::grade),
                working: Col::new(at(4, g), Read::grade),
                ratings: [5, 6, 7].map(|c| Col::new(at(c, g), Read::rating)),
            })
            .collect();
        Some(ReadCells { starts, groups })
    }

    /// Row `i`'s cells, as [`Read::of`] would read its text.
    #[inline]
    pub(super) fn read(&self, i: usize) -> Read {
        let k = group_at(&self.starts, i);
        let (g, j) = (&self.groups[k], i - self.starts[k]);
        Read {
            stage: g.stage.get(j),
            level: g.level.get(j),
            course_level: g.course_level.get(j),
            target: g.target.get(j),
            working: g.working.get(j),
            ratings: [
                g.ratings[0].get(j),
                g.ratings[1].get(j),
                g.ratings[2].get(j),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::rules::verdict::Entered;
    use polars_arrow::array::Utf8ViewArray;

    /// Each row read through its codes as its text would be, in groups of
    /// any texts, with empty cells, absent columns and a short column.
    #[test]
    fn rows_read_through_codes_as_their_text_reads() {
        let config = Config::default();
        let ctx = Ctx::new(&config);
        // Two row groups of 4 and 3 rows; each column's distinct texts per
        // group, and each row's code (None: empty).
        type Col = [(&'static [&'static str], &'static [Option<u32>]); 2];
        let stage: Col = [
            (&["S2", " s3", "S9"], &[Some(0), Some(1), None, Some(2)]),
            (&["x"], &[None, Some(0), None]),
        ];
        let level: Col = [
            (
                &["2b", "3A ", "9z", ""],
                &[Some(0), Some(1), Some(2), Some(3)],
            ),
            (&["early"], &[Some(0), None, Some(0)]),
        ];
        let course: Col = [
            (&["H", " n5", "NAT"], &[Some(0), Some(1), Some(2), None]),
            (&["ah"], &[Some(0), Some(0), Some(0)]),
        ];
        let grade: Col = [
            (
                &["1", "8", " 9 ", "x"],
                &[Some(0), Some(1), Some(2), Some(3)],
            ),
            (&["7", ""], &[Some(0), Some(1), None]),
        ];
        let rating: Col = [
            (&["1", "4", "5", " "], &[Some(0), Some(1), Some(2), Some(3)]),
            (&["2"], &[None, Some(0)]),
        ];
        let arrays = |c: &Col| {
            c.map(|(texts, codes)| {
                (
                    PrimitiveArray::<u32>::from(codes.to_vec()),
                    Utf8ViewArray::from_slice_values(texts),
                )
            })
        };
        let cols = [&stage, &level, &course, &grade, &grade, &rating, &rating];
        let cols = cols.map(arrays);
        let chunks = cols
            .each_ref()
            .map(|c| Chunks::of_codes(c.iter().map(|(codes, texts)| (codes, texts)).collect()));
        let text = |c: usize, i: usize| chunks[c].get(i);
        // The working grade's column absent: empty in every row.
        let columns = [
            Some(&chunks[0]),
            Some(&chunks[1]),
            Some(&chunks[2]),
            Some(&chunks[3]),
            None,
            Some(&chunks[5]),
            Some(&chunks[6]),
            Some(&chunks[6]),
        ];
        let read = ReadCells::of_columns(&ctx, columns).expect("all codes");
        for i in 0..7 {
            let e = Entered {
                stage: text(0, i),
                level: text(1, i),
                course_level: text(2, i),
                target: text(3, i),
                working: None,
                ratings: [text(5, i), text(6, i), text(6, i)],
            };
            assert_eq!(read.read(i), Read::of(&ctx, &e), "row {i}");
        }
    }
}
