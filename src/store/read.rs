//! Reading the store for reports: a consistent snapshot through the manifest.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use polars::prelude::*;
use polars_buffer::Buffer;
use sha2::{Digest, Sha256};

pub use super::codes::Part;
use super::codes::{Coded, read_coded};
use super::hex;
use super::manifest::DataFile;
use super::{Manifest, Mode, Store, StoreError, StoreLock};
use crate::rules::window::Window;

/// The manifest as it was when the snapshot was taken, held under a shared
/// lock so no writer can change the files it names until it is dropped.
pub struct Snapshot {
    pub store: Store,
    pub manifest: Manifest,
    _lock: Option<StoreLock>,
}

impl Snapshot {
    pub fn open(store: &Store, timeout: Duration) -> Result<Snapshot, StoreError> {
        let lock = store.lock(Mode::Shared, timeout)?;
        let manifest = store.read_manifest()?;
        Ok(Snapshot {
            store: store.clone(),
            manifest,
            _lock: Some(lock),
        })
    }

    /// Every window with any data, over all schools or one.
    pub fn windows(&self, school: Option<&str>) -> BTreeSet<Window> {
        self.manifest
            .files
            .iter()
            .filter(|f| school.is_none_or(|s| f.school == s))
            .filter_map(|f| Window::parse_any(&f.window))
            .collect()
    }

    /// Schools with data in a window (or any window).
    pub fn schools(&self, window: Option<Window>) -> BTreeSet<String> {
        self.manifest
            .files
            .iter()
            .filter(|f| window.is_none_or(|w| Window::parse_any(&f.window) == Some(w)))
            .map(|f| f.school.clone())
            .collect()
    }

    /// Start reading a partition's first part (see [`Opened`]): on a
    /// thread of its own with `background`, else now; its text columns as
    /// codes where it can with `coded`. None when the partition is empty.
    pub fn read_ahead(
        &self,
        table: &str,
        school: &str,
        window: Window,
        columns: Option<&[&str]>,
        coded: bool,
        background: bool,
    ) -> Option<ReadAhead> {
        let file = self
            .manifest
            .file(table, school, &window.to_string())?
            .clone();
        let root = self.store.root.clone();
        let columns = columns.map(owned);
        let open = move || open_parts(&root, &file, columns, coded);
        Some(match background {
            true => ReadAhead::Reading(std::thread::spawn(open)),
            false => ReadAhead::Read(open()),
        })
    }

    /// One partition's rows (the chosen columns, or all), or None when empty.
    pub fn read(
        &self,
        table: &str,
        school: &str,
        window: Window,
        columns: Option<&[&str]>,
    ) -> Result<Option<DataFrame>, StoreError> {
        let w = window.to_string();
        self.manifest
            .file(table, school, &w)
            .map(|f| read_data_file(&self.store.root, f, columns))
            .transpose()
    }
}

/// The bytes of a file the manifest names, and where they were found: in
/// place, or still staged by a commit a killed writer did not finish (the
/// next writer moves it; readers take the manifest's view meanwhile).
pub fn read_named(root: &Path, rel: &str) -> Result<(PathBuf, Vec<u8>), StoreError> {
    let path = root.join(rel);
    match std::fs::read(&path) {
        Ok(bytes) => Ok((path, bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let Some(staged) = super::txn::staged_path(root, rel) else {
                return Err(StoreError::io(&path, e));
            };
            let bytes = std::fs::read(&staged).map_err(|e| StoreError::io(&staged, e))?;
            Ok((staged, bytes))
        }
        Err(e) => Err(StoreError::io(&path, e)),
    }
}

/// Read one data file the manifest names, optionally only some columns.
///
/// The bytes are checked against the SHA-256 the manifest recorded before
/// the Parquet decoder sees them: a damaged file is a clear error, never a
/// decoder panic or a wild allocation on corrupt metadata.
pub fn read_data_file(
    root: &Path,
    file: &DataFile,
    columns: Option<&[&str]>,
) -> Result<DataFrame, StoreError> {
    let (path, bytes) = checked_bytes(root, file)?;
    let mut reader = ParquetReader::new(std::io::Cursor::new(bytes));
    if let Some(cols) = columns {
        reader = reader.with_columns(Some(owned(cols)));
    }
    reader.finish().map_err(|e| parquet_error(&path, e))
}

/// [`read_data_file`] as one [`Part`]: its text columns as codes where
/// each row group holds them dictionary-encoded.
pub fn read_data_file_coded(
    root: &Path,
    file: &DataFile,
    columns: &[&str],
) -> Result<Part, StoreError> {
    let opened = open(root, file, Some(owned(columns)), true)?;
    opened.read((0, opened.metadata.num_rows))
}

/// The rows of a data file that `keep` picks from the columns `by` (those
/// of them the file has): the other columns are decoded only when a row is
/// kept. A file all of whose rows are dropped (an export replacing the
/// same stages) is an empty frame of the file's columns and types, as
/// filtering the whole file gives, without decoding its rows.
pub fn read_data_file_kept(
    root: &Path,
    file: &DataFile,
    by: &[&str],
    keep: impl FnOnce(&DataFrame) -> PolarsResult<BooleanChunked>,
) -> Result<DataFrame, StoreError> {
    let (path, bytes) = checked_bytes(root, file)?;
    let problem = |e| parquet_error(&path, e);
    // The footer is read once, for every reader of the file.
    let metadata = ParquetReader::new(std::io::Cursor::new(&bytes[..]))
        .get_metadata()
        .map_err(problem)?
        .clone();
    let reader = || {
        let mut reader = ParquetReader::new(std::io::Cursor::new(&bytes[..]));
        reader.set_metadata(metadata.clone());
        reader
    };
    let schema = reader().schema().map_err(problem)?;
    let by: Vec<&str> = by.iter().copied().filter(|c| schema.contains(c)).collect();
    let keys = reader()
        .with_columns(Some(owned(&by)))
        .finish()
        .map_err(problem)?;
    let mask = keep(&keys).map_err(problem)?;
    drop(keys);
    if mask.any() {
        let all = reader().finish().map_err(problem)?;
        all.filter(&mask).map_err(problem)
    } else {
        reader().with_slice(Some((0, 0))).finish().map_err(problem)
    }
}

/// A data file read, checked against its SHA-256, and its first part
/// decoded: what [`read_opened_parts`] goes on from. A part is the file's
/// row groups in order, of at least [`PART_ROWS`] rows but the last, so a
/// reader that is done with a part before it takes the next holds two
/// parts' columns (the next is read meanwhile), not the file's.
pub struct Opened {
    path: PathBuf,
    bytes: Buffer<u8>,
    metadata: polars::io::parquet::metadata::FileMetadataRef,
    columns: Option<Vec<String>>,
    /// Whether text columns are read as codes where they can be.
    coded: bool,
    /// (first row, rows) of each part.
    parts: Vec<(usize, usize)>,
    first: Option<Part>,
}

fn open_parts(
    root: &Path,
    file: &DataFile,
    columns: Option<Vec<String>>,
    coded: bool,
) -> Result<Opened, StoreError> {
    let mut opened = open(root, file, columns, coded)?;
    if let Some(&first) = opened.parts.first() {
        opened.first = Some(opened.read(first)?);
    }
    Ok(opened)
}

/// A data file read and checked, and its parts found, none decoded.
fn open(
    root: &Path,
    file: &DataFile,
    columns: Option<Vec<String>>,
    coded: bool,
) -> Result<Opened, StoreError> {
    let (path, bytes) = checked_bytes(root, file)?;
    let metadata = ParquetReader::new(std::io::Cursor::new(bytes.as_slice()))
        .get_metadata()
        .map_err(|e| parquet_error(&path, e))?
        .clone();
    let groups: Vec<usize> = metadata.row_groups.iter().map(|g| g.num_rows()).collect();
    let parts = parts(&groups);
    Ok(Opened {
        path,
        bytes: Buffer::from(bytes),
        metadata,
        columns,
        coded,
        parts,
        first: None,
    })
}

impl Opened {
    fn read(&self, (start, len): (usize, usize)) -> Result<Part, StoreError> {
        let mut coded = Vec::new();
        let mut rest = self.columns.clone();
        if let (Some(columns), true) = (&self.columns, self.coded) {
            let groups = self.groups(start, len);
            let mut text = Vec::new();
            for c in columns {
                match read_coded(&self.bytes, &self.metadata, groups.clone(), c) {
                    Some(v) if v.iter().map(Coded::len).sum::<usize>() == len => {
                        coded.push((c.clone(), v))
                    }
                    _ => text.push(c.clone()),
                }
            }
            rest = Some(text);
        }
        let frame = match &rest {
            Some(cols) if cols.is_empty() => DataFrame::empty(),
            _ => {
                let mut reader = ParquetReader::new(std::io::Cursor::new(&self.bytes[..]))
                    .with_slice(Some((start, len)));
                reader.set_metadata(self.metadata.clone());
                if let Some(cols) = rest {
                    reader = reader.with_columns(Some(cols));
                }
                reader.finish().map_err(|e| parquet_error(&self.path, e))?
            }
        };
        Ok(Part {
            frame,
            coded,
            height: len,
        })
    }

    /// The row groups that hold the rows `start..start + len`.
    fn groups(&self, start: usize, len: usize) -> std::ops::Range<usize> {
        let (mut first, mut end, mut at) = (None, 0, 0);
        for (g, group) in self.metadata.row_groups.iter().enumerate() {
            if at >= start && at < start + len {
                first.get_or_insert(g);
                end = g + 1;
            }
            at += group.num_rows();
        }
        first.unwrap_or(0)..end
    }
}

/// Hand an opened file's parts to `each` in order, the next part read on a
/// thread of its own while `each` works on this one, so decoding fills the
/// core that `each`'s work on one core leaves idle, and at most two parts
/// are held at once; `each` is not called for a file of no rows. `last` is
/// called once the last part has been read, before `each` gets it: a
/// caller can start reading its next file then.
pub fn read_opened_parts<E: From<StoreError>>(
    mut opened: Opened,
    mut each: impl FnMut(Part) -> Result<(), E>,
    last: impl FnOnce(),
) -> Result<(), E> {
    let mut last = Some(last);
    // Taken, so each part is let go once `each` is done with it.
    let first = opened.first.take();
    let opened = &opened;
    std::thread::scope(|scope| {
        let mut rest = opened.parts.iter().skip(1).copied();
        let mut next = first.map(Ok);
        while let Some(part) = next {
            let part = part?;
            let ahead = rest.next().map(|p| scope.spawn(move || opened.read(p)));
            if ahead.is_none()
                && let Some(last) = last.take()
            {
                last();
            }
            each(part)?;
            next = ahead.map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        Ok(())
    })
}

/// A data file opened (see [`Opened`]), on a thread of its own while the
/// caller does other work, or already.
pub enum ReadAhead {
    Reading(std::thread::JoinHandle<Result<Opened, StoreError>>),
    Read(Result<Opened, StoreError>),
}

impl ReadAhead {
    /// The opened file, once its first part is read.
    pub fn opened(self) -> Result<Opened, StoreError> {
        match self {
            ReadAhead::Reading(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            ReadAhead::Read(opened) => opened,
        }
    }
}

/// Rows a part of a file holds at least, but the last.
pub const PART_ROWS: usize = 1 << 17;

/// The parts of a file whose row groups hold `groups` rows: the first row
/// and number of rows of each, whole groups taken in order until a part
/// holds at least [`PART_ROWS`].
fn parts(groups: &[usize]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut start, mut len) = (0, 0);
    for &rows in groups {
        len += rows;
        if len >= PART_ROWS {
            out.push((start, len));
            (start, len) = (start + len, 0);
        }
    }
    if len > 0 {
        out.push((start, len));
    }
    out
}

/// The bytes of a data file the manifest names, checked against the
/// SHA-256 it recorded, and where they were found.
fn checked_bytes(root: &Path, file: &DataFile) -> Result<(PathBuf, Vec<u8>), StoreError> {
    let (path, bytes) = read_named(root, &file.path)?;
    let sha = hex(&Sha256::digest(&bytes));
    if sha != file.sha256 {
        return Err(StoreError::Parquet {
            path: path.display().to_string(),
            problem: format!(
                "its SHA-256 is not the one the manifest recorded ({} bytes)",
                bytes.len()
            ),
        });
    }
    Ok((path, bytes))
}

fn owned(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|c| c.to_string()).collect()
}

fn parquet_error(path: &Path, e: PolarsError) -> StoreError {
    StoreError::Parquet {
        path: path.display().to_string(),
        problem: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_take_whole_row_groups_until_big_enough() {
        const P: usize = PART_ROWS;
        // Rows of each row group, and the parts wanted.
        type Case = (&'static [usize], &'static [(usize, usize)]);
        let cases: &[Case] = &[
            (&[], &[]),
            (&[0], &[]),
            (&[5], &[(0, 5)]),
            (&[P], &[(0, P)]),
            (&[P + 1, P, 7], &[(0, P + 1), (P + 1, P), (2 * P + 1, 7)]),
            (&[P / 2, P / 2, P / 2], &[(0, P), (P, P / 2)]),
            (&[P / 2, P / 2 + 1, 3], &[(0, P + 1), (P + 1, 3)]),
        ];
        for (groups, want) in cases {
            assert_eq!(parts(groups), *want, "groups {groups:?}");
        }
    }

    /// `bytes` as the data file `f.parquet` of a store at `root`, as its
    /// manifest would name it.
    fn data_file(root: &Path, bytes: &[u8], rows: usize) -> DataFile {
        std::fs::write(root.join("f.parquet"), bytes).unwrap();
        DataFile {
            table: "bge".into(),
            school: "S".into(),
            window: "2025-26_1".into(),
            path: "f.parquet".into(),
            rows,
            sha256: hex(&Sha256::digest(bytes)),
        }
    }

    /// `df` stored in row groups of `group` rows as the data file of a
    /// store at `root`.
    fn stored(root: &Path, df: &mut DataFrame, group: usize) -> DataFile {
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes)
            .with_row_group_size(Some(group))
            .finish(df)
            .unwrap();
        data_file(root, &bytes, df.height())
    }

    /// A data file's parts handed to `each`, as reports read them.
    fn read_data_file_parts<E: From<StoreError>>(
        root: &Path,
        file: &DataFile,
        columns: Option<&[&str]>,
        mut each: impl FnMut(DataFrame) -> Result<(), E>,
    ) -> Result<(), E> {
        let opened = open_parts(root, file, columns.map(owned), false)?;
        read_opened_parts(opened, |part| each(part.frame), || {})
    }

    /// The cells of column `name` of a part, read as codes or as text.
    fn cells(part: &Part, name: &str) -> Vec<Option<String>> {
        match part.coded.iter().find(|(n, _)| n == name) {
            Some((_, groups)) => groups
                .iter()
                .flat_map(|g| {
                    (0..g.len()).map(|i| {
                        let code = g.codes().get(i)?;
                        Some(g.texts().value(code as usize).to_string())
                    })
                })
                .collect(),
            None => part
                .frame
                .column(name)
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .map(|c| c.map(str::to_string))
                .collect(),
        }
    }

    /// Text columns read as codes where the writer encoded them as a
    /// dictionary (few distinct texts, empty cells among them), and as
    /// text where it did not: the same cells as the file read whole.
    #[test]
    fn a_file_read_as_codes_holds_the_cells_of_the_file_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let rows = PART_ROWS * 2 + 10;
        let level = |i: usize| (i % 7 != 3).then(|| ["2b", "3a", "early"][i % 3]);
        let mut df = df!(
            "scn" => (0..rows).map(|i| format!("{i:09}")).collect::<Vec<_>>(),
            "level" => (0..rows).map(level).collect::<Vec<_>>(),
            "line" => (0..rows as u32).collect::<Vec<_>>(),
        )
        .unwrap();
        let file = stored(dir.path(), &mut df, PART_ROWS / 3);
        let names = ["scn", "level", "line"];
        let whole = read_data_file(dir.path(), &file, Some(&names)).unwrap();
        let opened = open_parts(dir.path(), &file, Some(owned(&names)), true).unwrap();
        let (mut scns, mut levels, mut coded) = (Vec::new(), Vec::new(), Vec::new());
        read_opened_parts(
            opened,
            |part| -> Result<(), StoreError> {
                scns.extend(cells(&part, "scn"));
                levels.extend(cells(&part, "level"));
                coded.extend(part.coded.iter().map(|(n, _)| n.clone()));
                // A column that is no text is read by polars.
                assert_eq!(part.frame.column("line").unwrap().len(), part.height());
                Ok(())
            },
            || {},
        )
        .unwrap();
        let text = |name: &str| -> Vec<Option<String>> {
            let c = whole.column(name).unwrap().str().unwrap();
            c.iter().map(|c| c.map(str::to_string)).collect()
        };
        assert_eq!(scns, text("scn"));
        assert_eq!(levels, text("level"));
        assert!(coded.iter().any(|n| n == "level"), "{coded:?}");
        assert!(!coded.iter().any(|n| n == "line"), "{coded:?}");
    }

    #[test]
    fn a_file_read_in_parts_is_the_file_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let rows = PART_ROWS * 2 + 10;
        let mut df = df!(
            "scn" => (0..rows).map(|i| format!("{i:09}")).collect::<Vec<_>>(),
            "line" => (0..rows as u32).collect::<Vec<_>>(),
        )
        .unwrap();
        let file = stored(dir.path(), &mut df, PART_ROWS / 3);
        let whole = read_data_file(dir.path(), &file, Some(&["scn"])).unwrap();
        let mut heights = Vec::new();
        let mut joined = DataFrame::empty();
        read_data_file_parts(dir.path(), &file, Some(&["scn"]), |part| {
            heights.push(part.height());
            joined
                .vstack_mut_owned(part)
                .map(drop)
                .map_err(|e| parquet_error(Path::new("f"), e))
        })
        .unwrap();
        let (last, others) = heights.split_last().unwrap();
        assert!(!others.is_empty() && others.iter().all(|&h| h >= PART_ROWS));
        assert!(*last > 0);
        assert_eq!(heights.iter().sum::<usize>(), rows);
        assert!(joined.equals(&whole));
        assert_eq!(joined.get_column_names(), ["scn"]);

        // A damaged file is the same error either way, and no part is read.
        let file = DataFile {
            sha256: "0".repeat(64),
            ..file
        };
        let whole = read_data_file(dir.path(), &file, None).unwrap_err();
        let mut called = false;
        let parts = read_data_file_parts(dir.path(), &file, None, |_| -> Result<(), StoreError> {
            called = true;
            Ok(())
        })
        .unwrap_err();
        assert_eq!(parts.to_string(), whole.to_string());
        assert!(!called);
    }

    /// `last` runs once, when the last part has been read and before
    /// `each` gets it, so a caller can start reading its next file then.
    #[test]
    fn the_last_hook_runs_once_before_the_last_part() {
        let dir = tempfile::tempdir().unwrap();
        // (rows, rows per row group, parts the file is read in)
        let cases = [
            (10, 10, 1),
            (PART_ROWS * 2 + 10, PART_ROWS / 3, 2),
            (PART_ROWS * 3, PART_ROWS, 3),
        ];
        for (rows, group, want) in cases {
            let mut df =
                df!("scn" => (0..rows).map(|i| format!("{i:09}")).collect::<Vec<_>>()).unwrap();
            let file = stored(dir.path(), &mut df, group);
            let opened = open_parts(dir.path(), &file, None, true).unwrap();
            let seen = std::cell::Cell::new(0);
            let mut at_last = Vec::new();
            read_opened_parts(
                opened,
                |_| -> Result<(), StoreError> {
                    seen.set(seen.get() + 1);
                    Ok(())
                },
                || at_last.push(seen.get()),
            )
            .unwrap();
            assert_eq!(seen.get(), want, "{rows} rows");
            assert_eq!(at_last, [want - 1], "{rows} rows");
        }
    }

    /// Only the rows `keep` picks, decoded from the key columns the file
    /// has; a file none of whose rows is kept is its columns, empty.
    #[test]
    fn a_file_read_for_the_rows_it_keeps_is_the_whole_file_filtered() {
        let dir = tempfile::tempdir().unwrap();
        let mut df = df!(
            "scn" => ["100000001", "100000002", "100000003"],
            "stage_group" => [Some("S1"), Some("S2"), None],
            "line" => [2u32, 3, 4],
            "score" => [Some(1.5), None, Some(3.0)],
        )
        .unwrap();
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes).finish(&mut df).unwrap();
        let file = data_file(dir.path(), &bytes, 3);
        let whole = read_data_file(dir.path(), &file, None).unwrap();
        // "kind" is not in the file: it is left out of the keys.
        let by = ["kind", "stage_group", "scn"];
        for keep in [
            [true, false, true],
            [false, false, false],
            [true, true, true],
        ] {
            let mask = BooleanChunked::from_slice("keep".into(), &keep);
            let want = whole.filter(&mask).unwrap();
            let got = read_data_file_kept(dir.path(), &file, &by, |keys| {
                assert_eq!(keys.get_column_names(), ["stage_group", "scn"]);
                Ok(mask.clone())
            })
            .unwrap();
            assert!(got.equals_missing(&want), "{keep:?}: {got} {want}");
            assert_eq!(got.schema(), want.schema(), "{keep:?}");
        }
        // A damaged file is the error a whole read gives, before `keep`.
        let file = DataFile {
            sha256: "0".repeat(64),
            ..file
        };
        let whole = read_data_file(dir.path(), &file, None).unwrap_err();
        let kept = read_data_file_kept(dir.path(), &file, &by, |_| unreachable!()).unwrap_err();
        assert_eq!(kept.to_string(), whole.to_string());
    }
}
