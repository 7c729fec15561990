//! The one reader of stored text columns: every column a report reads is
//! found in its frame once, and each cell read in place from its array.

use polars::prelude::*;
use polars_arrow::array::PrimitiveArray;

use crate::store::read::Part;

/// Text columns of a frame as borrowed cells, read in place from the
/// frame's arrays (nothing is copied: a large school's frame is most of a
/// report's memory already); absent columns are all None.
pub struct Columns<'f> {
    names: Vec<&'static str>,
    cols: Vec<Option<Chunks<'f>>>,
    height: usize,
}

/// Polars' array of text (views).
pub type TextArray = <StringType as PolarsDataType>::Array;

/// One column's arrays and the row each starts at: a column found once,
/// for a loop that reads it cell after cell without naming it each time.
pub struct Chunks<'f> {
    arrays: Vec<Chunk<'f>>,
    starts: Vec<usize>,
}

/// One array of a column: its texts, or its codes into a row group's
/// distinct texts.
#[derive(Clone, Copy)]
enum Chunk<'f> {
    Texts(&'f TextArray),
    Codes(&'f PrimitiveArray<u32>, &'f TextArray),
}

impl<'f> Chunk<'f> {
    fn len(&self) -> usize {
        match self {
            Chunk::Texts(a) => a.len(),
            Chunk::Codes(codes, _) => codes.len(),
        }
    }

    fn get(&self, j: usize) -> Option<&'f str> {
        if j >= self.len() {
            return None;
        }
        match *self {
            Chunk::Texts(a) => a.get(j),
            // Every code names one of the texts (checked when read).
            Chunk::Codes(codes, texts) => codes.get(j).map(|k| texts.value(k as usize)),
        }
    }
}

impl<'f> Chunks<'f> {
    fn of(arrays: Vec<Chunk<'f>>) -> Chunks<'f> {
        let starts = arrays
            .iter()
            .scan(0, |at, a| {
                let start = *at;
                *at += a.len();
                Some(start)
            })
            .collect();
        Chunks { arrays, starts }
    }

    /// `id` of each cell of `rows` (`none` for an empty cell), each
    /// distinct text of a row group asked once, in row order; None unless
    /// every array is codes. `known` holds, per row group, the id found
    /// for each code: given the same `known` again, a later range of rows
    /// asks only for the texts of codes no earlier range met (a large
    /// school's row group spans many ranges and holds tens of thousands of
    /// classes, each asked once, not once per range).
    pub fn ids_by_code(
        &self,
        rows: std::ops::Range<usize>,
        none: u32,
        known: &mut Vec<Vec<u32>>,
        mut id: impl FnMut(&'f str) -> u32,
    ) -> Option<Vec<u32>> {
        let mut out = Vec::with_capacity(rows.len());
        known.resize_with(self.arrays.len(), Vec::new);
        for (k, a) in self.arrays.iter().enumerate() {
            let Chunk::Codes(codes, texts) = *a else {
                return None;
            };
            let start = self.starts[k];
            let (from, to) = (rows.start.max(start), rows.end.min(start + codes.len()));
            if from >= to {
                continue;
            }
            let known = &mut known[k];
            known.resize(texts.len(), none);
            for j in from - start..to - start {
                out.push(match codes.get(j) {
                    None => none,
                    Some(c) => {
                        let at = &mut known[c as usize];
                        if *at == none {
                            *at = id(texts.value(c as usize));
                        }
                        *at
                    }
                });
            }
        }
        // Rows past the column's end are empty.
        out.resize(rows.len(), none);
        Some(out)
    }

    /// A column of codes, each array with its distinct texts.
    #[cfg(test)]
    pub fn of_codes(arrays: Vec<(&'f PrimitiveArray<u32>, &'f TextArray)>) -> Chunks<'f> {
        Chunks::of(
            arrays
                .into_iter()
                .map(|(c, t)| Chunk::Codes(c, t))
                .collect(),
        )
    }

    pub fn get(&self, i: usize) -> Option<&'f str> {
        if self.arrays.is_empty() {
            return None;
        }
        let k = group_at(&self.starts, i);
        self.arrays[k].get(i - self.starts[k])
    }

    /// The row each array starts at and, when every array is codes, each
    /// one's codes and distinct texts.
    #[allow(clippy::type_complexity)]
    pub fn coded(&self) -> Option<(&[usize], Vec<(&'f PrimitiveArray<u32>, &'f TextArray)>)> {
        let arrays = self.arrays.iter().map(|a| match *a {
            Chunk::Codes(codes, texts) => Some((codes, texts)),
            Chunk::Texts(_) => None,
        });
        Some((&self.starts, arrays.collect::<Option<_>>()?))
    }
}

/// The array that row `i` is in, of arrays starting at `starts` (at least
/// one): the last for a row past the end.
pub fn group_at(starts: &[usize], i: usize) -> usize {
    match starts {
        [] | [_] => 0,
        _ => {
            // Row groups are of one size but the last: start at the group
            // that size points to, then step to the right one.
            let last = starts.len() - 1;
            let mut k = (i / starts[1].max(1)).min(last);
            while k > 0 && starts[k] > i {
                k -= 1;
            }
            while k < last && starts[k + 1] <= i {
                k += 1;
            }
            k
        }
    }
}

impl<'f> Columns<'f> {
    pub fn new(df: &'f DataFrame, names: &[&'static str]) -> PolarsResult<Columns<'f>> {
        let mut cols = Vec::with_capacity(names.len());
        for &n in names {
            cols.push(match df.column(n) {
                Ok(c) => Some(Chunks::of(
                    c.str()?.downcast_iter().map(Chunk::Texts).collect(),
                )),
                Err(_) => None,
            });
        }
        Ok(Columns {
            names: names.to_vec(),
            cols,
            height: df.height(),
        })
    }

    /// [`Columns::new`] over a part of a data file: its columns read as
    /// codes, and its frame's.
    pub fn of_part(part: &'f Part, names: &[&'static str]) -> PolarsResult<Columns<'f>> {
        let mut c = Columns::new(&part.frame, names)?;
        c.height = part.height();
        for (at, &n) in names.iter().enumerate() {
            if let Some((_, coded)) = part.coded.iter().find(|(name, _)| name == n) {
                let arrays = coded.iter().map(|g| Chunk::Codes(g.codes(), g.texts()));
                c.cols[at] = Some(Chunks::of(arrays.collect()));
            }
        }
        Ok(c)
    }

    /// One cell; None for a column not asked for or absent.
    pub fn get(&self, name: &str, i: usize) -> Option<&'f str> {
        self.column(name)?.get(i)
    }

    /// A column asked for and present, to read cell after cell.
    pub fn column(&self, name: &str) -> Option<&Chunks<'f>> {
        // Names are literals: the same pointer, almost always, so that is
        // looked for first, without comparing any text.
        let c = self
            .names
            .iter()
            .position(|n| n.as_ptr() == name.as_ptr() && n.len() == name.len())
            .or_else(|| self.names.iter().position(|n| *n == name))?;
        self.cols[c].as_ref()
    }

    pub fn height(&self) -> usize {
        self.height
    }
}

/// A `u32` column (line numbers), 0 where absent or null.
pub fn u32_column(df: &DataFrame, name: &str) -> Vec<u32> {
    df.column(name)
        .ok()
        .and_then(|c| {
            c.u32()
                .ok()
                .map(|ca| ca.iter().map(|v| v.unwrap_or(0)).collect())
        })
        .unwrap_or_else(|| vec![0; df.height()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_read_cells_of_present_and_absent_columns() {
        let df = df!(
            "scn" => [Some("1"), None],
            "lead_name" => [Some("Ms Ng"), Some("Mr Roy")],
        )
        .unwrap();
        let c = Columns::new(&df, &["scn", "lead_name", "teacher"]).unwrap();
        assert_eq!(c.get("scn", 0), Some("1"));
        assert_eq!(c.get("scn", 1), None);
        assert_eq!(c.get("lead_name", 1), Some("Mr Roy"));
        // Asked for but absent from the frame, or never asked for.
        assert_eq!(c.get("teacher", 0), None);
        assert_eq!(c.get("subject", 0), None);
        assert_eq!(c.get("teacher", 1), None);
        assert_eq!(c.height(), 2);
    }

    #[test]
    fn columns_read_cells_across_chunks() {
        let mut df = df!("scn" => [Some("1"), None]).unwrap();
        df.vstack_mut_owned(df!("scn" => [Some("3")]).unwrap())
            .unwrap();
        df.vstack_mut_owned(df!("scn" => [None::<&str>, Some("5")]).unwrap())
            .unwrap();
        assert_eq!(df.first_col_n_chunks(), 3);
        let c = Columns::new(&df, &["scn"]).unwrap();
        let cells: Vec<_> = (0..6).map(|i| c.get("scn", i)).collect();
        assert_eq!(cells, [Some("1"), None, Some("3"), None, Some("5"), None]);
    }

    #[test]
    fn columns_read_cells_of_row_groups_of_one_size_but_the_last() {
        // As a store's files are read: groups of one size, the last shorter.
        for (group, rows) in [(1usize, 5usize), (3, 13), (4, 16), (7, 8), (290, 1000)] {
            let text: Vec<String> = (0..rows).map(|i| i.to_string()).collect();
            let mut df = DataFrame::empty();
            for part in text.chunks(group) {
                let part = df!("scn" => part).unwrap();
                df.vstack_mut_owned(part).unwrap();
            }
            assert_eq!(df.first_col_n_chunks(), rows.div_ceil(group));
            let c = Columns::new(&df, &["scn"]).unwrap();
            let cells: Vec<_> = (0..rows + 2).map(|i| c.get("scn", i)).collect();
            let want: Vec<_> = (0..rows + 2)
                .map(|i| text.get(i).map(String::as_str))
                .collect();
            assert_eq!(cells, want, "groups of {group}, {rows} rows");
        }
    }

    /// Cells of codes read as texts, and given ids a row group's distinct
    /// text at a time, in row order, over any range of rows.
    #[test]
    fn codes_read_as_their_texts_and_ids() {
        use polars_arrow::array::Utf8ViewArray;
        let k0 = PrimitiveArray::<u32>::from(vec![Some(0), Some(1), None, Some(0)]);
        let t0 = Utf8ViewArray::from_slice_values(["a", "b"]);
        let k1 = PrimitiveArray::<u32>::from(vec![Some(1), Some(0)]);
        let t1 = Utf8ViewArray::from_slice_values(["b", "c"]);
        let chunks = Chunks::of(vec![Chunk::Codes(&k0, &t0), Chunk::Codes(&k1, &t1)]);
        let cells: Vec<Option<&str>> = (0..7).map(|i| chunks.get(i)).collect();
        let want = [
            Some("a"),
            Some("b"),
            None,
            Some("a"),
            Some("c"),
            Some("b"),
            None,
        ];
        assert_eq!(cells, want);
        const NONE: u32 = u32::MAX;
        // (rows, ids, texts asked for in order)
        let cases: &[(std::ops::Range<usize>, &[u32], &[&str])] = &[
            (0..6, &[0, 1, NONE, 0, 2, 1], &["a", "b", "c", "b"]),
            (1..5, &[0, NONE, 1, 2], &["b", "a", "c"]),
            (4..7, &[0, 1, NONE], &["c", "b"]),
            (2..2, &[], &[]),
        ];
        fn ask<'s>(asked: &mut Vec<&'s str>, texts: &mut Vec<&'s str>, s: &'s str) -> u32 {
            asked.push(s);
            match texts.iter().position(|t| *t == s) {
                Some(at) => at as u32,
                None => {
                    texts.push(s);
                    texts.len() as u32 - 1
                }
            }
        }
        for (rows, want_ids, want_asked) in cases {
            let (mut texts, mut asked) = (Vec::new(), Vec::new());
            let mut known = Vec::new();
            let ids = chunks.ids_by_code(rows.clone(), NONE, &mut known, |s| {
                ask(&mut asked, &mut texts, s)
            });
            assert_eq!(ids.as_deref(), Some(*want_ids), "{rows:?}");
            assert_eq!(asked, *want_asked, "{rows:?}");
        }
        // Ranges one after another, sharing what they found: each code of
        // a row group is asked for once, and the ids are those of one range.
        let (mut texts, mut asked) = (Vec::new(), Vec::new());
        let mut known = Vec::new();
        let mut ids = Vec::new();
        for rows in [0..2, 2..4, 4..5, 5..7] {
            let got =
                chunks.ids_by_code(rows, NONE, &mut known, |s| ask(&mut asked, &mut texts, s));
            ids.extend(got.expect("codes"));
        }
        assert_eq!(ids, [0, 1, NONE, 0, 2, 1, NONE]);
        assert_eq!(asked, ["a", "b", "c", "b"]);
        let views = Utf8ViewArray::from_slice_values(["x"]);
        let texts = Chunks::of(vec![Chunk::Texts(&views)]);
        assert_eq!(texts.ids_by_code(0..1, NONE, &mut Vec::new(), |_| 0), None);
    }
}
