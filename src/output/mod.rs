//! Report rows out: one place that matches on the output format.
//!
//! A report hands [`emit`] a [`Report`]: its tables as [`Parts`] whose rows
//! are rendered on demand (or a [`Table`] of typed cells, through
//! [`write`]), and its own workbook, page or terminal tables where it has
//! them. [`emit`] turns that into a terminal table, CSV, JSON, XLSX, Parquet
//! or HTML. Formula neutralisation (SPEC 9) lives here so no report can
//! forget it.

use std::borrow::Cow;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

mod csv;
mod file;
mod json;
mod parquet;
mod table;
mod xlsx;

#[cfg(test)]
use file::write_file_atomic;
use file::{scratch_dir, write_to};

pub use xlsx::{Widths, book as xlsx_book, meeting_workbook};

/// One typed cell. `Null` is an empty field (CSV) or `null` (JSON).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}
impl From<i64> for Cell {
    fn from(v: i64) -> Cell {
        Cell::Int(v)
    }
}
impl From<usize> for Cell {
    fn from(v: usize) -> Cell {
        Cell::Int(v as i64)
    }
}
impl From<f64> for Cell {
    fn from(v: f64) -> Cell {
        Cell::Float(v)
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Cell {
        v.map(Into::into).unwrap_or(Cell::Null)
    }
}

/// A borrowed cell, for reports that stream their rows: writing one needs no
/// allocation, which matters at three million rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val<'a> {
    Null,
    Int(i64),
    Float(f64),
    Text(&'a str),
}

impl<'a> From<&'a Cell> for Val<'a> {
    fn from(c: &'a Cell) -> Val<'a> {
        match c {
            Cell::Null => Val::Null,
            Cell::Int(v) => Val::Int(*v),
            Cell::Float(v) => Val::Float(*v),
            Cell::Text(s) => Val::Text(s),
        }
    }
}

impl<'a> From<&'a str> for Val<'a> {
    fn from(s: &'a str) -> Val<'a> {
        Val::Text(s)
    }
}

impl From<i64> for Val<'_> {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}

impl<'a, T: Into<Val<'a>>> From<Option<T>> for Val<'a> {
    fn from(v: Option<T>) -> Val<'a> {
        v.map(Into::into).unwrap_or(Val::Null)
    }
}

impl Val<'_> {
    pub fn to_cell(self) -> Cell {
        match self {
            Val::Null => Cell::Null,
            Val::Int(v) => Cell::Int(v),
            Val::Float(v) => Cell::Float(v),
            Val::Text(s) => Cell::Text(s.to_string()),
        }
    }
}

/// The type of a column, which decides Parquet types and terminal colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Text,
    Int,
    Float,
    /// A status word (`on_track`, `off_track` ...): text, coloured in tables
    /// and filled red/amber/green in xlsx.
    Status,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub ty: ColType,
}

/// A report's rows, with named, typed columns in output order.
#[derive(Debug, Clone)]
pub struct Table {
    /// Used as the xlsx sheet name and the HTML caption.
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table whose columns are given as `(name, type)` pairs.
    pub fn new(title: &str, columns: &[(&str, ColType)]) -> Table {
        Table {
            title: title.to_string(),
            columns: columns
                .iter()
                .map(|(n, t)| Column {
                    name: n.to_string(),
                    ty: *t,
                })
                .collect(),
            rows: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Xlsx,
    Parquet,
    Html,
}

/// Where and how to write a report.
#[derive(Debug, Clone)]
pub struct OutputOptions {
    pub format: Format,
    pub output: Option<PathBuf>,
    /// Colour status words in terminal tables.
    pub color: bool,
    /// Terminal tables show every column, not the compact set.
    pub wide: bool,
    /// The terminal's width when the environment says (`COLUMNS`).
    pub width: Option<u16>,
}

/// A report's own page, written to the output as it is made.
pub type Page<'a> = dyn Fn(&mut dyn std::io::Write) -> Result<()> + 'a;

/// A report's own workbook as bytes, its rows written first to the
/// directory it is given (the output's, [`xlsx_book`]).
pub type Book<'a> = dyn Fn(&std::path::Path) -> Result<Vec<u8>> + 'a;

/// What a report hands to [`emit`]: its tables, given as [`Parts`], and
/// the renderings of its own that some formats use instead of the generic
/// one (summary's readable tables and page, grid's workbook and page, the
/// meeting workbook of followup).
#[derive(Clone, Copy)]
pub struct Report<'a> {
    /// The data, in every format. The first is the report's main table:
    /// CSV and Parquet hold one table (SPEC 11.6), and it is that one.
    pub tables: &'a [Parts<'a>],
    /// A terminal shows these instead, each under its title.
    pub terminal: Option<&'a [Table]>,
    /// `--format xlsx`: the report's own workbook.
    pub workbook: Option<&'a Book<'a>>,
    /// `--format html`: the report's own page, written as it is made.
    pub page: Option<&'a Page<'a>>,
}

impl<'a> Report<'a> {
    /// A report that is its tables, in every format.
    pub fn of(tables: &'a [Parts<'a>]) -> Report<'a> {
        Report {
            tables,
            terminal: None,
            workbook: None,
            page: None,
        }
    }
}

/// The one place that matches on the format. Several tables are each shown
/// under its title in a terminal, an object keyed by title in JSON and a
/// sheet each in xlsx; CSV and Parquet hold the first.
pub fn emit(report: &Report, opts: &OutputOptions) -> Result<()> {
    let out = opts.output.as_deref();
    let tables = report.tables;
    match opts.format {
        Format::Table => {
            // Styling is for a terminal; a file gets plain text and no wrapping.
            let terminal = out.is_none();
            let layout = table::Layout {
                style: opts.color && terminal,
                terminal,
                width: opts.width,
                wide: opts.wide,
            };
            match report.terminal {
                Some(shown) => table_parts(shown, |shown| {
                    write_to(out, |w| table::write(w, shown, true, layout))
                }),
                None => write_to(out, |w| table::write(w, tables, tables.len() > 1, layout)),
            }
        }
        Format::Csv => write_to(out, |w| csv::write(w, first(tables)?)),
        Format::Json => write_to(out, |w| json::write(w, tables)),
        Format::Xlsx => {
            let path = out.context("xlsx output needs -o FILE")?;
            let dir = scratch_dir(path);
            let bytes = xlsx::guarded(&dir, || match report.workbook {
                Some(workbook) => workbook(&dir),
                None => {
                    tables.iter().try_for_each(fits_a_sheet)?;
                    xlsx::workbook(tables, &dir)
                }
            })?;
            write_to(Some(path), |w| Ok(w.write_all(&bytes)?))
        }
        Format::Parquet => {
            let path = out.context("parquet output needs -o FILE")?;
            let table = first(tables)?;
            write_to(Some(path), |w| parquet::write(w, table))
        }
        Format::Html => {
            let page = report
                .page
                .context("--format html is only for summary and grid")?;
            write_to(out, page)
        }
    }
}

/// The generic workbook of `tables`, a sheet each, for a report whose
/// workbook holds more than its data (impact's note).
pub fn workbook(tables: &[Table], dir: &std::path::Path) -> Result<Vec<u8>> {
    table_parts(tables, |parts| xlsx::workbook(parts, dir))
}

/// Write one table in the chosen format to opts.output, or stdout when None.
pub fn write(table: &Table, opts: &OutputOptions) -> Result<()> {
    table_parts(std::slice::from_ref(table), |parts| {
        emit(&Report::of(parts), opts)
    })
}

/// Rows per part for [`write_chunks`]: a few megabytes of CSV.
pub const PART_ROWS: usize = 32_768;

/// [`write`] for a report whose rows come in `chunks` ordered parts that
/// `render` hands to a [`Sink`]: CSV renders parts on every core, a few at
/// a time, and writes them in order (for `subjects`, writing millions of
/// rows took most of its time on one core); Parquet writes a row group at
/// a time; the formats that need every row first collect them.
pub fn write_chunks(
    title: &str,
    columns: &[(&str, ColType)],
    opts: &OutputOptions,
    chunks: usize,
    render: impl Fn(usize, &mut dyn Sink) -> Result<()> + Sync,
) -> Result<()> {
    let parts = Parts {
        title,
        columns,
        parts: chunks,
        render: &render,
        cells: None,
    };
    emit(&Report::of(std::slice::from_ref(&parts)), opts)
}

/// Where a report hands its rows, one at a time, in output order.
pub trait Sink {
    fn row(&mut self, vals: &[Val]) -> Result<()>;
}

/// A table given as `parts` ordered parts that `render` hands to a
/// [`Sink`] on demand, so that a table too large to hold as cells (a
/// national `qa` has most of a million findings) is never built as one.
#[derive(Clone, Copy)]
pub struct Parts<'a> {
    pub title: &'a str,
    pub columns: &'a [(&'a str, ColType)],
    pub parts: usize,
    pub render: &'a (dyn Fn(usize, &mut dyn Sink) -> Result<()> + Sync),
    /// The table itself when it is held as cells, which the terminal and
    /// xlsx then borrow instead of collecting a copy.
    pub cells: Option<&'a Table>,
}

impl Parts<'_> {
    /// Every row, in order, to one sink.
    fn each(&self, sink: &mut dyn Sink) -> Result<()> {
        (0..self.parts).try_for_each(|i| (self.render)(i, sink))
    }
}

/// Tables held as cells, handed to `f` as [`Parts`] of [`PART_ROWS`] rows,
/// so one piece of code writes both kinds of table and a report can write
/// a table of cells beside a streamed one.
pub fn table_parts<R>(tables: &[Table], f: impl FnOnce(&[Parts]) -> R) -> R {
    let columns: Vec<Vec<(&str, ColType)>> = tables
        .iter()
        .map(|t| t.columns.iter().map(|c| (c.name.as_str(), c.ty)).collect())
        .collect();
    let renders: Vec<_> = tables
        .iter()
        .map(|t| {
            move |part: usize, sink: &mut dyn Sink| -> Result<()> {
                let mut vals = Vec::with_capacity(t.columns.len());
                for row in t.rows.chunks(PART_ROWS).nth(part).unwrap_or_default() {
                    vals.clear();
                    vals.extend(row.iter().map(Val::from));
                    sink.row(&vals)?;
                }
                Ok(())
            }
        })
        .collect();
    let parts: Vec<Parts> = tables
        .iter()
        .zip(&columns)
        .zip(&renders)
        .map(|((t, columns), render)| Parts {
            title: &t.title,
            columns,
            parts: t.rows.len().div_ceil(PART_ROWS),
            render,
            cells: Some(t),
        })
        .collect();
    f(&parts)
}

/// The report's main table, for the formats that hold one.
fn first<'a>(tables: &'a [Parts<'a>]) -> Result<&'a Parts<'a>> {
    tables.first().context("a report with no table")
}

/// The rows an xlsx sheet holds below its header row.
const SHEET_ROWS: usize = 1_048_575;

/// Refuse a table too long for one sheet before any of it is laid out:
/// counting the rows takes a second for `subjects` of a very large school,
/// where the writer would refuse it only after writing a million rows.
fn fits_a_sheet(table: &Parts) -> Result<()> {
    use rayon::prelude::*;
    struct Count(usize);
    impl Sink for Count {
        fn row(&mut self, _: &[Val]) -> Result<()> {
            self.0 += 1;
            Ok(())
        }
    }
    let rows = match table.cells {
        Some(cells) => cells.rows.len(),
        None => (0..table.parts)
            .into_par_iter()
            .map(|part| {
                let mut count = Count(0);
                (table.render)(part, &mut count)?;
                Ok::<_, anyhow::Error>(count.0)
            })
            .try_reduce(|| 0, |a, b| Ok(a + b))?,
    };
    if rows > SHEET_ROWS {
        bail!(
            "`{}` has {rows} rows, more than an xlsx sheet holds ({SHEET_ROWS} below its header); \
             write it with `--format csv` or `--format parquet`, or narrow it with \
             `--school`, `--stage` or a filter",
            table.title
        );
    }
    Ok(())
}

/// Render parts `0..chunks` two per core at a time (on rayon's pool), and
/// hand them to `write` in order; while one wave is written the next is
/// rendered, so the writing (for a file, the kernel's copy of every byte)
/// is not added to the rendering. Memory holds two waves of parts.
///
/// `render` appends a part to the empty buffer it is given. Each buffer,
/// once written, is given to a later part: a part grown from nothing
/// copies itself as it doubles and touches fresh pages each time (a page
/// fault apiece), which for a large report cost more than rendering it.
fn in_waves(
    chunks: usize,
    render: impl Fn(usize, &mut Vec<u8>) -> Result<()> + Sync,
    mut write: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    use rayon::prelude::*;
    let wave = 2 * rayon::current_num_threads();
    let spare = std::sync::Mutex::new(Vec::<Vec<u8>>::new());
    let render_wave = |start: usize| -> Vec<Result<Vec<u8>>> {
        (start..(start + wave).min(chunks))
            .into_par_iter()
            .map(|part| {
                let taken = spare.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let mut buf = taken.unwrap_or_default();
                render(part, &mut buf)?;
                Ok(buf)
            })
            .collect()
    };
    std::thread::scope(|scope| {
        let mut rendered = render_wave(0);
        let mut next = wave;
        loop {
            let ahead = (next < chunks).then(|| {
                let start = next;
                let render_wave = &render_wave;
                scope.spawn(move || render_wave(start))
            });
            for part in rendered {
                let mut buf = part?;
                write(&buf)?;
                buf.clear();
                spare.lock().unwrap_or_else(|e| e.into_inner()).push(buf);
            }
            let Some(ahead) = ahead else { return Ok(()) };
            rendered = ahead
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            next += wave;
        }
    })
}

/// What a format does with one row.
trait Record {
    fn record(&mut self, vals: &[Val]) -> Result<()>;
}

impl Record for Table {
    fn record(&mut self, vals: &[Val]) -> Result<()> {
        self.rows.push(vals.iter().map(|v| v.to_cell()).collect());
        Ok(())
    }
}

/// A sink that refuses a row of the wrong width, as [`check_shape`] does for tables.
struct Checked<'t, R>(&'t str, usize, R);

impl<R: Record> Sink for Checked<'_, R> {
    fn row(&mut self, vals: &[Val]) -> Result<()> {
        if vals.len() != self.1 {
            bail!(
                "table `{}`: a row has {} cells, expected {}",
                self.0,
                vals.len(),
                self.1
            );
        }
        self.2.record(vals)
    }
}

/// A row with the wrong number of cells is a bug in a report; catch it here
/// rather than write misaligned columns.
fn check_shape(table: &Table) -> Result<()> {
    let want = table.columns.len();
    match table.rows.iter().position(|r| r.len() != want) {
        Some(i) => bail!(
            "table `{}`: row {} has {} cells, expected {want}",
            table.title,
            i + 1,
            table.rows[i].len()
        ),
        None => Ok(()),
    }
}

/// SPEC 9: a text value that starts with `=`, `+`, `-`, `@`, tab or CR is
/// prefixed with a single quote `'`, unless the whole text is a plain number
/// (e.g. "-1", "+3.5"), which is left as it is.
#[inline]
pub fn neutralise(s: &str) -> Cow<'_, str> {
    let risky = matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    );
    if risky && !is_plain_number(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// An optional sign, digits and at most one decimal point: what a
/// spreadsheet reads as a number, never as a formula.
fn is_plain_number(s: &str) -> bool {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    !(int.is_empty() && frac.is_empty()) && digits(int) && digits(frac)
}

/// Floats in reports are percentages, shares and attendance, which carry one
/// decimal place of meaning; CSV, JSON and xlsx all round them the same way.
/// Negative zero becomes zero so `-0` never appears.
fn round1(v: f64) -> f64 {
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 { 0.0 } else { r }
}

#[cfg(test)]
mod tests;
