//! Report rows out: one place that matches on the output format.
//!
//! Reports build a [`Table`] of typed cells, or stream their rows with
//! [`write_stream`]; this module turns them into a terminal table, CSV, JSON,
//! XLSX or Parquet. Formula neutralisation (SPEC 9) lives here so no report
//! can forget it.

use std::borrow::Cow;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

mod csv;
mod json;
mod parquet;
mod table;
mod xlsx;

pub use xlsx::write_meeting;

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

/// Write one table in the chosen format to opts.output, or stdout when None.
pub fn write(table: &Table, opts: &OutputOptions) -> Result<()> {
    dispatch(std::slice::from_ref(table), false, opts)
}

/// Several tables (e.g. a QA findings table and a completeness table): xlsx =
/// one sheet per table (sheet named by title); table format = each table under
/// its title; csv = the tables one after another separated by a blank line;
/// json = an object {title: [rows...]}; parquet: error unless exactly one table.
pub fn write_many(tables: &[Table], opts: &OutputOptions) -> Result<()> {
    dispatch(tables, true, opts)
}

/// The one place that matches on the format. `many` asks for the layout of
/// `write_many` (titles, a JSON object) even when there is a single table.
fn dispatch(tables: &[Table], many: bool, opts: &OutputOptions) -> Result<()> {
    tables.iter().try_for_each(check_shape)?;
    let out = opts.output.as_deref();
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
            write_to(out, |w| table::write(w, tables, many, layout))
        }
        Format::Csv => write_to(out, |w| csv::write(w, tables)),
        Format::Json if many => write_to(out, |w| json::write_object(w, tables)),
        Format::Json => write_to(out, |w| json::write_array(w, &tables[0])),
        Format::Xlsx => {
            let Some(path) = out else {
                bail!("xlsx output needs -o FILE");
            };
            let bytes = xlsx::workbook(tables)?;
            write_to(Some(path), |w| Ok(w.write_all(&bytes)?))
        }
        Format::Parquet => {
            let Some(path) = out else {
                bail!("parquet output needs -o FILE");
            };
            let [table] = tables else {
                bail!(
                    "parquet output holds one table but this report has {}\nhint: use --format xlsx or json",
                    tables.len()
                );
            };
            write_to(Some(path), |w| parquet::write(w, table))
        }
        Format::Html => bail!("--format html is only for summary"),
    }
}

/// Where a streamed report hands its rows, one at a time, in output order.
pub trait Sink {
    fn row(&mut self, vals: &[Val]) -> Result<()>;
}

/// Write a report whose rows `fill` hands to a [`Sink`]. CSV, JSON and
/// Parquet write each row as it comes (Parquet a row group at a time); the
/// table and xlsx formats, which need every row before the first is laid
/// out, collect a [`Table`] and write it as [`write`] does.
pub fn write_stream(
    title: &str,
    columns: &[(&str, ColType)],
    opts: &OutputOptions,
    fill: impl FnOnce(&mut dyn Sink) -> Result<()>,
) -> Result<()> {
    let out = opts.output.as_deref();
    let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
    let width = columns.len();
    match opts.format {
        Format::Csv => write_to(out, |w| {
            let mut sink = Checked(title, width, csv::Stream::new(w, names.iter().copied())?);
            fill(&mut sink)?;
            sink.2.finish()
        }),
        Format::Json => write_to(out, |w| {
            let mut sink = Checked(title, width, json::Stream::new(w, &names)?);
            fill(&mut sink)?;
            sink.2.end()?;
            Ok(w.write_all(b"\n")?)
        }),
        Format::Parquet => {
            let Some(path) = out else {
                bail!("parquet output needs -o FILE");
            };
            write_to(Some(path), |w| {
                let mut sink = Checked(title, width, parquet::Stream::new(w, title, columns)?);
                fill(&mut sink)?;
                sink.2.finish()
            })
        }
        Format::Table | Format::Xlsx | Format::Html => {
            let mut sink = Checked(title, width, Table::new(title, columns));
            fill(&mut sink)?;
            write(&sink.2, opts)
        }
    }
}

/// Rows per part for [`write_chunks`]: a few megabytes of CSV.
pub const PART_ROWS: usize = 32_768;

/// [`write_stream`] for a report whose rows come in `chunks` ordered parts
/// that can be rendered independently: CSV and JSON render parts on every
/// core, a few at a time, and write them in order (for `subjects`, writing
/// millions of rows took most of its time on one core). Other formats take
/// the parts one after another.
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
    };
    write_parts(std::slice::from_ref(&parts), false, opts)
}

/// A table for [`write_parts`]: `parts` ordered parts that `render` hands
/// to a [`Sink`] on demand, so that a table too large to hold as cells (a
/// national `qa` has most of a million findings) is never built as one.
#[derive(Clone, Copy)]
pub struct Parts<'a> {
    pub title: &'a str,
    pub columns: &'a [(&'a str, ColType)],
    pub parts: usize,
    pub render: &'a (dyn Fn(usize, &mut dyn Sink) -> Result<()> + Sync),
}

/// Tables held as cells, handed to `f` as [`Parts`] of [`PART_ROWS`] rows:
/// CSV and JSON write both kinds of table with one piece of code, and a
/// report can write a table of cells beside a streamed one.
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
        })
        .collect();
    f(&parts)
}

/// [`write`] (one table) or [`write_many`] (`many`) for tables given as
/// [`Parts`], with the same bytes: CSV and JSON render the parts on every
/// core and write them in order; one table in another format streams as
/// [`write_stream`] does; several collect each table's rows into a
/// [`Table`] first, as their formats need every row before the first.
pub fn write_parts(tables: &[Parts], many: bool, opts: &OutputOptions) -> Result<()> {
    let out = opts.output.as_deref();
    match opts.format {
        Format::Csv => write_to(out, |w| csv::write_parts(w, tables)),
        Format::Json if many => write_to(out, |w| json::write_parts_object(w, tables)),
        Format::Json => write_to(out, |w| match tables {
            [t] => json::write_parts_array(w, t),
            _ => bail!("one table expected, found {}", tables.len()),
        }),
        // One table streams (Parquet a row group at a time).
        _ if !many && tables.len() == 1 => {
            let t = &tables[0];
            write_stream(t.title, t.columns, opts, |sink| {
                (0..t.parts).try_for_each(|i| (t.render)(i, sink))
            })
        }
        _ => {
            let mut collected = Vec::with_capacity(tables.len());
            for t in tables {
                let mut sink = Checked(t.title, t.columns.len(), Table::new(t.title, t.columns));
                (0..t.parts).try_for_each(|i| (t.render)(i, &mut sink))?;
                collected.push(sink.2);
            }
            dispatch(&collected, many, opts)
        }
    }
}

/// Render parts `0..chunks` two per core at a time (on rayon's pool), and
/// hand them to `write` in order; memory holds one wave of parts.
fn in_waves(
    chunks: usize,
    render: impl Fn(usize) -> Result<Vec<u8>> + Sync,
    mut write: impl FnMut(Vec<u8>) -> Result<()>,
) -> Result<()> {
    use rayon::prelude::*;
    let wave = 2 * rayon::current_num_threads();
    let mut next = 0;
    while next < chunks {
        let parts: Vec<usize> = (next..(next + wave).min(chunks)).collect();
        let rendered: Vec<Result<Vec<u8>>> = parts.par_iter().map(|&i| render(i)).collect();
        for part in rendered {
            write(part?)?;
        }
        next += parts.len();
    }
    Ok(())
}

/// What a streamed format does with one row.
trait Record {
    fn record(&mut self, vals: &[Val]) -> Result<()>;
}

impl Record for csv::Stream<'_> {
    fn record(&mut self, vals: &[Val]) -> Result<()> {
        csv::Stream::record(self, vals.iter().copied())
    }
}

impl Record for json::Stream<'_, '_> {
    fn record(&mut self, vals: &[Val]) -> Result<()> {
        json::Stream::record(self, vals.iter().copied())
    }
}

impl Record for parquet::Stream<'_> {
    fn record(&mut self, vals: &[Val]) -> Result<()> {
        parquet::Stream::record(self, vals.iter().copied())
    }
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

/// Run `body` against `path` (atomically, mode 0600) or buffered stdout.
/// Public so that renderers outside this module (summary's HTML) get the same
/// guarantees.
pub fn write_to(
    path: Option<&Path>,
    body: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    match path {
        Some(path) => write_file_atomic(path, body)
            .with_context(|| format!("cannot write `{}`", path.display())),
        None => write_guarded(io::stdout().lock(), body),
    }
}

/// SPEC 9: a reader of the output must never see a half-written file, and no
/// one but the owner may read it. The temporary file sits in the target's
/// directory so the rename cannot cross filesystems; tempfile creates it with
/// mode 0600 whatever the umask, and the rename keeps that mode even when it
/// replaces a file that was readable by others.
pub fn write_file_atomic(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    // `-o /dev/null`, `-o /dev/stdout` or a named pipe: write straight to
    // it. Renaming a temporary file over it would replace the device (for
    // every program on the machine) with an ordinary file.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        let file = std::fs::OpenOptions::new().write(true).open(path)?;
        let mut w = BufWriter::new(file);
        body(&mut w)?;
        w.flush()?;
        return Ok(());
    }
    // A symbolic link: replace the file it points to, and keep the link.
    let resolved;
    let path = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => match std::fs::canonicalize(path) {
            Ok(p) => {
                resolved = p;
                resolved.as_path()
            }
            Err(_) => path,
        },
        _ => path,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".tracker-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in `{}`", dir.display()))?;
    {
        let mut w = BufWriter::new(tmp.as_file_mut());
        body(&mut w)?;
        w.flush()?;
    }
    tmp.as_file().sync_all()?;
    crate::store::failpoint("output-written");
    tmp.persist(path)?;
    Ok(())
}

/// Buffer `inner` and treat a closed reader (`tracker offtrack | head`) as
/// success: once the pipe reports BrokenPipe, whatever error the format
/// writer wraps it in is dropped.
fn write_guarded<W: Write>(
    inner: W,
    body: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let mut guard = PipeGuard {
        inner,
        broken: false,
    };
    let result = {
        let mut w = BufWriter::new(&mut guard);
        body(&mut w).and_then(|()| Ok(w.flush()?))
    };
    match result {
        Err(_) if guard.broken => Ok(()),
        r => r,
    }
}

struct PipeGuard<W> {
    inner: W,
    broken: bool,
}

impl<W: Write> PipeGuard<W> {
    fn note<T>(&mut self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r {
            self.broken |= e.kind() == io::ErrorKind::BrokenPipe;
        }
        r
    }
}

impl<W: Write> Write for PipeGuard<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }
    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}

/// SPEC 9: a text value that starts with `=`, `+`, `-`, `@`, tab or CR is
/// prefixed with a single quote `'`, unless the whole text is a plain number
/// (e.g. "-1", "+3.5"), which is left as it is.
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
