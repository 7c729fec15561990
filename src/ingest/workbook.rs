//! Workbooks in (SPEC 11.2): an `.xlsx`, `.xls` or `.ods` export is turned
//! into the CSV text a CSV export of its sheet would hold, one record per
//! sheet row, so header matching, kinds, rejects and everything downstream
//! are the CSV path's own. Only line numbers differ: they are sheet rows.
//!
//! A workbook is a zip (xlsx, ods) or a compound file (xls) that unpacks to
//! far more than its size, so it is read within bounds checked before and
//! while it is unpacked (see the README's "Bounds on input").

use std::collections::BTreeMap;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

use calamine::{Data, DataRef, ExcelDateTime, Ods, Reader, Xls, Xlsx};
use sha2::{Digest, Sha256};

use super::IngestError;
use super::headers::{alias_table, normalise_header};
use super::kinds::Kind;
use super::read::{RawExport, hex};

/// A SEEMiS export saved from Excel is well under a megabyte per thousand
/// pupils; 64 MiB is hundreds of times that.
pub const MAX_WORKBOOK_BYTES: u64 = 64 << 20;
/// All parts of a zipped workbook (xlsx, ods) together, unpacked. Measured
/// while unpacking, not taken from the zip's own (forgeable) sizes.
pub const MAX_UNPACKED_BYTES: u64 = 256 << 20;
/// Sheet rows: five times the subject rows of the largest school.
pub const MAX_ROWS: u32 = 200_000;
/// Columns, as for a CSV export's fields.
pub const MAX_COLUMNS: u32 = super::scan::MAX_FIELDS as u32;
/// The rectangle from `A1` to the last used cell.
pub const MAX_CELLS: u64 = 5_000_000;

/// A workbook format, as named by a file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xls,
    Ods,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Xls => "xls",
            Format::Ods => "ods",
        }
    }
}

/// The workbook format a path's extension names, if any.
pub fn format_of(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "xlsx" | "xlsm" => Some(Format::Xlsx),
        "xls" => Some(Format::Xls),
        "ods" => Some(Format::Ods),
        _ => None,
    }
}

/// Which sheet of a workbook was read.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SheetInfo {
    pub name: String,
    /// The workbook's other sheets, in workbook order.
    pub others: Vec<String>,
    /// Whether `--sheet` chose it (else it is the first sheet).
    pub chosen: bool,
}

/// One cell's text, and whether the workbook stored it as a number.
struct CellText {
    row: u32,
    col: u32,
    text: String,
    number: bool,
}

/// Read one sheet of a workbook as a CSV export of it. `sheet` names the
/// sheet (else the first); `extra` holds the config's header aliases, to
/// find the SCN column. The sheet is read by a child process of this
/// binary with its memory and CPU time limited ([`CHILD_MEMORY_BYTES`],
/// [`CHILD_CPU_SECONDS`]): the workbook readers allocate what a file's
/// own fields claim, and a hostile file must not take the machine with it.
pub fn read_workbook(
    path: &Path,
    format: Format,
    sheet: Option<&str>,
    extra: &BTreeMap<String, Vec<String>>,
) -> Result<RawExport, IngestError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let io = |source| IngestError::Io {
        file: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_WORKBOOK_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_WORKBOOK_BYTES {
        return Err(too_large(
            &name,
            format!(
                "the workbook is larger than {} MiB; no SEEMiS export is",
                MAX_WORKBOOK_BYTES >> 20
            ),
        ));
    }
    let (info, text, actual) = in_child(&name, &bytes, format, sheet, extra)?;
    Ok(raw_export(name, bytes, info, text, actual))
}

/// [`read_workbook`] for bytes already in memory, read in this process
/// (for tests and tools that trust their input); `name` is what messages
/// call the file.
pub fn from_bytes(
    name: String,
    bytes: Vec<u8>,
    format: Format,
    sheet: Option<&str>,
    extra: &BTreeMap<String, Vec<String>>,
) -> Result<RawExport, IngestError> {
    let (info, text, actual) = sheet_text(&name, &bytes, format, sheet, extra)?;
    Ok(raw_export(name, bytes, info, text, actual))
}

fn raw_export(
    name: String,
    bytes: Vec<u8>,
    info: SheetInfo,
    text: String,
    actual: Format,
) -> RawExport {
    let sha256 = hex(&Sha256::digest(&bytes));
    RawExport {
        name,
        bytes,
        sha256,
        text,
        encoding: actual.as_str(),
        delimiter: b',',
        sheet: Some(info),
    }
}

/// The address space of the child that reads a workbook: several times
/// what a workbook within the bounds below needs.
pub const CHILD_MEMORY_BYTES: u64 = 1 << 30;
/// Its CPU time: a workbook within the bounds reads in a few seconds.
pub const CHILD_CPU_SECONDS: u64 = 60;
/// The hidden first argument that makes the binary the reading child.
const CHILD_ARG: &str = "__read-workbook";

/// What the child hands back on stdout, as JSON.
#[derive(serde::Serialize, serde::Deserialize)]
enum Reply {
    Sheet {
        info: SheetInfo,
        format: String,
        text: String,
    },
    Workbook {
        problem: String,
    },
    NoSheet {
        sheet: String,
        found: String,
    },
    TooLarge {
        problem: String,
    },
}

fn in_child(
    name: &str,
    bytes: &[u8],
    format: Format,
    sheet: Option<&str>,
    extra: &BTreeMap<String, Vec<String>>,
) -> Result<(SheetInfo, String, Format), IngestError> {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let io = |source| IngestError::Io {
        file: name.to_string(),
        source,
    };
    let exe = std::env::current_exe().map_err(io)?;
    let mut cmd = Command::new(exe);
    cmd.arg(CHILD_ARG).arg(format.as_str());
    if let Some(sheet) = sheet {
        cmd.arg("--sheet").arg(sheet);
    }
    for alias in extra.get("scn").into_iter().flatten() {
        cmd.arg("--scn").arg(alias);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(io)?;
    if let Some(mut stdin) = child.stdin.take() {
        // A child that died early has closed the pipe: its status says why.
        let _ = stdin.write_all(bytes);
    }
    let out = child.wait_with_output().map_err(io)?;
    let reply = out
        .status
        .success()
        .then(|| serde_json::from_slice::<Reply>(&out.stdout).ok())
        .flatten();
    let file = name.to_string();
    match reply {
        Some(Reply::Sheet { info, format, text }) => {
            let actual = [Format::Xlsx, Format::Xls, Format::Ods]
                .into_iter()
                .find(|f| f.as_str() == format)
                .unwrap_or(Format::Xlsx);
            Ok((info, text, actual))
        }
        Some(Reply::Workbook { problem }) => Err(IngestError::Workbook { file, problem }),
        Some(Reply::NoSheet { sheet, found }) => Err(IngestError::NoSheet { file, sheet, found }),
        Some(Reply::TooLarge { problem }) => Err(IngestError::WorkbookTooLarge { file, problem }),
        None => Err(IngestError::WorkbookTooLarge {
            file,
            problem: format!(
                "reading the workbook needed more than {} MiB of memory or {CHILD_CPU_SECONDS} s, or failed: it is damaged or built to exhaust a reader",
                CHILD_MEMORY_BYTES >> 20
            ),
        }),
    }
}

/// Run as the reading child when the binary was started as one: call first
/// thing in `main`. Returns the exit code then, else None.
pub fn child_main() -> Option<u8> {
    let mut args = std::env::args_os().skip(1);
    if args.next()? != CHILD_ARG {
        return None;
    }
    for (resource, limit) in [
        (libc::RLIMIT_AS, CHILD_MEMORY_BYTES),
        (libc::RLIMIT_CPU, CHILD_CPU_SECONDS),
    ] {
        let rl = libc::rlimit {
            rlim_cur: limit as libc::rlim_t,
            rlim_max: limit as libc::rlim_t,
        };
        // SAFETY: setrlimit reads the struct passed; no memory is shared.
        if unsafe { libc::setrlimit(resource, &rl) } != 0 {
            return Some(1);
        }
    }
    let args: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
    let format = match args.first().map(String::as_str) {
        Some("xls") => Format::Xls,
        Some("ods") => Format::Ods,
        _ => Format::Xlsx,
    };
    let mut sheet = None;
    let mut scn = Vec::new();
    for pair in args[1.min(args.len())..].chunks(2) {
        match pair {
            [flag, value] if flag == "--sheet" => sheet = Some(value.clone()),
            [flag, value] if flag == "--scn" => scn.push(value.clone()),
            _ => return Some(1),
        }
    }
    let extra = BTreeMap::from([("scn".to_string(), scn)]);
    let mut bytes = Vec::new();
    if std::io::stdin()
        .take(MAX_WORKBOOK_BYTES + 1)
        .read_to_end(&mut bytes)
        .is_err()
    {
        return Some(1);
    }
    let reply = match sheet_text("", &bytes, format, sheet.as_deref(), &extra) {
        Ok((info, text, actual)) => Reply::Sheet {
            info,
            format: actual.as_str().to_string(),
            text,
        },
        Err(IngestError::NoSheet { sheet, found, .. }) => Reply::NoSheet { sheet, found },
        Err(IngestError::WorkbookTooLarge { problem, .. }) => Reply::TooLarge { problem },
        Err(IngestError::Workbook { problem, .. }) => Reply::Workbook { problem },
        Err(e) => Reply::Workbook {
            problem: short(&e.to_string()),
        },
    };
    let mut out = std::io::stdout().lock();
    match serde_json::to_writer(&mut out, &reply) {
        Ok(()) => Some(0),
        Err(_) => Some(1),
    }
}

/// The sheet as CSV text, the sheet read and the workbook's actual format.
fn sheet_text(
    name: &str,
    bytes: &[u8],
    format: Format,
    sheet: Option<&str>,
    extra: &BTreeMap<String, Vec<String>>,
) -> Result<(SheetInfo, String, Format), IngestError> {
    let bad = |problem: String| IngestError::Workbook {
        file: name.to_string(),
        problem,
    };
    // The contents decide, so an `.xls` that Excel saved as xlsx still reads.
    let actual = if bytes.starts_with(b"PK\x03\x04") {
        check_unpacked(name, bytes)?;
        if is_ods(bytes) {
            Format::Ods
        } else {
            Format::Xlsx
        }
    } else if bytes.starts_with(b"\xd0\xcf\x11\xe0") {
        Format::Xls
    } else {
        return Err(bad(format!(
            "it is named `.{}` but is not an Excel or OpenDocument workbook; if it is a CSV export, name it `.csv`",
            format.as_str()
        )));
    };
    let (info, cells) = match actual {
        Format::Xlsx => {
            let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| bad(short(&e.to_string())))?;
            let info = choose(name, book.sheet_names(), sheet)?;
            let cells = xlsx_cells(name, &mut book, &info.name)?;
            (info, cells)
        }
        Format::Ods => {
            check_ods_expansion(name, bytes)?;
            let mut book = Ods::new(Cursor::new(bytes)).map_err(|e| bad(short(&e.to_string())))?;
            let info = choose(name, book.sheet_names(), sheet)?;
            let range = book
                .worksheet_range(&info.name)
                .map_err(|e| bad(short(&e.to_string())))?;
            let cells = range_cells(name, &range)?;
            (info, cells)
        }
        Format::Xls => {
            let mut book = Xls::new(Cursor::new(bytes)).map_err(|e| bad(short(&e.to_string())))?;
            let info = choose(name, book.sheet_names(), sheet)?;
            let range = book
                .worksheet_range(&info.name)
                .map_err(|e| bad(short(&e.to_string())))?;
            let cells = range_cells(name, &range)?;
            (info, cells)
        }
    };
    if cells.is_empty() {
        return Err(bad(format!(
            "the sheet `{}` is empty; expected an export with a header row",
            info.name
        )));
    }
    let text = to_csv(name, cells, extra)?;
    Ok((info, text, actual))
}

fn too_large(name: &str, problem: String) -> IngestError {
    IngestError::WorkbookTooLarge {
        file: name.to_string(),
        problem,
    }
}

/// A library message, cut short so an odd one stays one line.
fn short(s: &str) -> String {
    let line = s.lines().next().unwrap_or_default();
    let cut: String = line.chars().take(160).collect();
    if cut.len() < line.len() {
        cut + "…"
    } else {
        cut
    }
}

/// The sheet to read: `--sheet NAME` (exactly, else ignoring case), or the first.
fn choose(name: &str, names: Vec<String>, sheet: Option<&str>) -> Result<SheetInfo, IngestError> {
    let index = match sheet {
        None if names.is_empty() => {
            return Err(IngestError::Workbook {
                file: name.to_string(),
                problem: "it has no sheets".to_string(),
            });
        }
        None => 0,
        Some(want) => names
            .iter()
            .position(|n| n == want)
            .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(want)))
            .ok_or_else(|| IngestError::NoSheet {
                file: name.to_string(),
                sheet: want.to_string(),
                found: super::backticked(&names),
            })?,
    };
    let mut others = names;
    let chosen = others.remove(index);
    Ok(SheetInfo {
        name: chosen,
        others,
        chosen: sheet.is_some(),
    })
}

/// An OpenDocument file names its type in its `mimetype` part.
fn is_ods(bytes: &[u8]) -> bool {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return false;
    };
    let Ok(part) = zip.by_name("mimetype") else {
        return false;
    };
    let mut head = Vec::new();
    part.take(100).read_to_end(&mut head).is_ok()
        && head.starts_with(b"application/vnd.oasis.opendocument.spreadsheet")
}

/// Unpack every part of a zipped workbook into nothing, counting bytes,
/// and stop at [`MAX_UNPACKED_BYTES`]: a zip bomb is refused after reading
/// that much, whatever sizes its directory claims.
fn check_unpacked(name: &str, bytes: &[u8]) -> Result<(), IngestError> {
    let bad = |problem: String| IngestError::Workbook {
        file: name.to_string(),
        problem,
    };
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(short(&e.to_string())))?;
    let mut left = MAX_UNPACKED_BYTES;
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(|e| bad(short(&e.to_string())))?;
        let n = std::io::copy(&mut part.take(left + 1), &mut std::io::sink())
            .map_err(|e| bad(short(&e.to_string())))?;
        if n > left {
            return Err(too_large(
                name,
                format!(
                    "the workbook unpacks to more than {} MiB; a SEEMiS export unpacks to a few",
                    MAX_UNPACKED_BYTES >> 20
                ),
            ));
        }
        left -= n;
    }
    Ok(())
}

/// An OpenDocument sheet can repeat a row or cell any number of times with
/// one attribute, and the reader expands repeats that come before a value.
/// Count what it would expand, from the XML, before it does.
fn check_ods_expansion(name: &str, bytes: &[u8]) -> Result<(), IngestError> {
    use quick_xml::events::Event;
    let bad = |problem: String| IngestError::Workbook {
        file: name.to_string(),
        problem,
    };
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(short(&e.to_string())))?;
    let part = zip
        .by_name("content.xml")
        .map_err(|e| bad(short(&e.to_string())))?;
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    let mut buf = Vec::new();
    let mut e = Expansion::default();
    loop {
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|e| bad(short(&e.to_string())))?;
        match event {
            Event::Start(ref t) | Event::Empty(ref t) => {
                let closed = matches!(event, Event::Empty(_));
                let repeat = |attr: &[u8]| -> u64 {
                    t.try_get_attribute(attr)
                        .ok()
                        .flatten()
                        .and_then(|a| std::str::from_utf8(&a.value).ok()?.trim().parse().ok())
                        .unwrap_or(1)
                };
                match t.name().as_ref() {
                    b"table:table" => e.table_start(),
                    b"table:table-row" => {
                        e.row_start(repeat(b"table:number-rows-repeated"));
                        if closed {
                            e.row_end();
                        }
                    }
                    b"table:table-cell" | b"table:covered-table-cell" => {
                        let valued = t
                            .try_get_attribute(b"office:value-type")
                            .ok()
                            .flatten()
                            .is_some()
                            || t.try_get_attribute(b"table:formula")
                                .ok()
                                .flatten()
                                .is_some();
                        e.cell_start(repeat(b"table:number-columns-repeated"), valued);
                        // A string or formula in an attribute is copied per repeat.
                        let attrs: usize = t.attributes().flatten().map(|a| a.value.len()).sum();
                        e.cell_bytes = e.cell_bytes.saturating_add(attrs as u64);
                        if closed {
                            e.cell_end();
                        }
                    }
                    // `<text:s text:c="N"/>` is N spaces.
                    b"text:s" => e.text(repeat(b"text:c")),
                    _ => {}
                }
            }
            Event::Text(ref t) => e.text(t.len() as u64),
            Event::CData(ref t) => e.text(t.len() as u64),
            Event::End(ref t) => match t.name().as_ref() {
                b"table:table" => e.table_end(),
                b"table:table-row" => e.row_end(),
                b"table:table-cell" | b"table:covered-table-cell" => e.cell_end(),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        if e.cells > MAX_CELLS || e.bytes > MAX_UNPACKED_BYTES {
            return Err(too_large(
                name,
                format!(
                    "its repeated rows and cells expand to more than {MAX_CELLS} cells or {} MiB",
                    MAX_UNPACKED_BYTES >> 20
                ),
            ));
        }
        buf.clear();
    }
    Ok(())
}

/// What an OpenDocument reader expands, counted as its XML is read.
#[derive(Default)]
struct Expansion {
    /// Cells and text bytes of the tables finished so far, and of this one.
    cells: u64,
    bytes: u64,
    /// This table: rows up to its last row with a value, and its widest row.
    rows: u64,
    empty_rows: u64,
    width: u64,
    /// This row: its repeat, cells so far, cells up to its last value, text.
    row_repeat: u64,
    row_pos: u64,
    row_width: u64,
    row_bytes: u64,
    /// This cell: its repeat, whether it holds a value, its text.
    cell_repeat: u64,
    cell_valued: bool,
    cell_bytes: u64,
    in_cell: bool,
}

impl Expansion {
    fn table_start(&mut self) {
        self.rows = 0;
        self.empty_rows = 0;
        self.width = 0;
    }
    fn table_end(&mut self) {
        self.cells = self
            .cells
            .saturating_add(self.rows.saturating_mul(self.width));
        self.table_start();
    }
    fn row_start(&mut self, repeat: u64) {
        self.row_repeat = repeat;
        self.row_pos = 0;
        self.row_width = 0;
        self.row_bytes = 0;
    }
    fn row_end(&mut self) {
        if self.row_width > 0 {
            self.rows = self
                .rows
                .saturating_add(self.empty_rows)
                .saturating_add(self.row_repeat);
            self.empty_rows = 0;
            self.width = self.width.max(self.row_width);
            self.bytes = self
                .bytes
                .saturating_add(self.row_bytes.saturating_mul(self.row_repeat));
        } else {
            self.empty_rows = self.empty_rows.saturating_add(self.row_repeat);
        }
        // Counted as the table goes, so a bomb is caught inside its table.
        let open = self.rows.saturating_mul(self.width);
        self.cells = self.cells.max(open);
    }
    fn cell_start(&mut self, repeat: u64, valued: bool) {
        self.cell_repeat = repeat;
        self.cell_valued = valued;
        self.cell_bytes = 0;
        self.in_cell = true;
    }
    fn text(&mut self, n: u64) {
        if self.in_cell && n > 0 {
            self.cell_valued = true;
            self.cell_bytes = self.cell_bytes.saturating_add(n);
        }
    }
    fn cell_end(&mut self) {
        self.row_pos = self.row_pos.saturating_add(self.cell_repeat);
        if self.cell_valued {
            self.row_width = self.row_pos;
            self.row_bytes = self
                .row_bytes
                .saturating_add(self.cell_bytes.saturating_mul(self.cell_repeat));
        }
        self.in_cell = false;
    }
}

/// An xlsx sheet's cells, streamed from its XML with the bounds checked
/// cell by cell, so a sheet that claims a cell at `XFD1048576` or holds a
/// million rows is refused before it is held.
fn xlsx_cells(
    name: &str,
    book: &mut Xlsx<Cursor<&[u8]>>,
    sheet: &str,
) -> Result<Vec<CellText>, IngestError> {
    let bad = |problem: String| IngestError::Workbook {
        file: name.to_string(),
        problem,
    };
    let mut reader = book
        .worksheet_cells_reader(sheet)
        .map_err(|e| bad(short(&e.to_string())))?;
    let mut cells = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|e| bad(short(&e.to_string())))? {
        let (row, col) = cell.get_position();
        check_position(name, row, col, cells.len())?;
        let (text, number) = match cell.get_value() {
            DataRef::Empty => continue,
            DataRef::SharedString(s) => ((*s).to_string(), false),
            DataRef::String(s) => (s.clone(), false),
            DataRef::Int(v) => (v.to_string(), true),
            DataRef::Float(v) => (number_text(*v), true),
            DataRef::Bool(b) => (bool_text(*b), false),
            DataRef::DateTime(d) => (date_text(d), false),
            DataRef::DateTimeIso(s) => (iso_date_text(s), false),
            DataRef::DurationIso(s) => (s.clone(), false),
            DataRef::Error(e) => (e.to_string(), false),
        };
        if !text.is_empty() {
            cells.push(CellText {
                row,
                col,
                text,
                number,
            });
        }
    }
    Ok(cells)
}

/// The cells of a sheet that calamine has read whole (ods, xls).
fn range_cells(name: &str, range: &calamine::Range<Data>) -> Result<Vec<CellText>, IngestError> {
    let Some((top, left)) = range.start() else {
        return Ok(Vec::new());
    };
    let mut cells = Vec::new();
    for (r, c, value) in range.used_cells() {
        let (row, col) = (top + r as u32, left + c as u32);
        check_position(name, row, col, cells.len())?;
        let (text, number) = match value {
            Data::Empty => continue,
            Data::String(s) => (s.clone(), false),
            Data::Int(v) => (v.to_string(), true),
            Data::Float(v) => (number_text(*v), true),
            Data::Bool(b) => (bool_text(*b), false),
            Data::DateTime(d) => (date_text(d), false),
            Data::DateTimeIso(s) => (iso_date_text(s), false),
            Data::DurationIso(s) => (s.clone(), false),
            Data::Error(e) => (e.to_string(), false),
        };
        if !text.is_empty() {
            cells.push(CellText {
                row,
                col,
                text,
                number,
            });
        }
    }
    Ok(cells)
}

/// The bounds of a sheet, checked at each cell (0-based row and column).
fn check_position(name: &str, row: u32, col: u32, held: usize) -> Result<(), IngestError> {
    if row >= MAX_ROWS {
        return Err(too_large(
            name,
            format!(
                "the sheet has a cell in row {}; at most {MAX_ROWS} rows are read",
                u64::from(row) + 1
            ),
        ));
    }
    if col >= MAX_COLUMNS {
        return Err(too_large(
            name,
            format!(
                "row {} has a cell beyond column {MAX_COLUMNS}; a SEEMiS export has a few dozen columns",
                u64::from(row) + 1
            ),
        ));
    }
    if held as u64 >= MAX_CELLS {
        return Err(too_large(
            name,
            format!("the sheet holds more than {MAX_CELLS} cells"),
        ));
    }
    Ok(())
}

/// A number as a CSV export from Excel writes it: integers without `.0`,
/// others to Excel's 15 significant digits (so `91.49999999999999`, float
/// noise in the file, is `91.5`).
pub fn number_text(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let rounded: f64 = format!("{v:.14e}").parse().unwrap_or(v);
    format!("{rounded}")
}

fn bool_text(b: bool) -> String {
    if b { "TRUE" } else { "FALSE" }.to_string()
}

/// A date as SEEMiS and Excel in the UK write it: `dd/mm/yyyy`, with the
/// time only when there is one; a duration or a time alone as its number.
fn date_text(d: &ExcelDateTime) -> String {
    if !d.is_datetime() || d.as_f64() < 1.0 {
        return number_text(d.as_f64());
    }
    let (y, m, day, h, min, s, _) = d.to_ymd_hms_milli();
    match (h, min, s) {
        (0, 0, 0) => format!("{day:02}/{m:02}/{y:04}"),
        (_, _, 0) => format!("{day:02}/{m:02}/{y:04} {h:02}:{min:02}"),
        _ => format!("{day:02}/{m:02}/{y:04} {h:02}:{min:02}:{s:02}"),
    }
}

/// An OpenDocument date (`2025-09-01`, `2025-09-01T10:30:00`) as [`date_text`].
fn iso_date_text(s: &str) -> String {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if !(digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10))
    {
        return s.to_string();
    }
    let date = format!("{}/{}/{}", &s[8..10], &s[5..7], &s[0..4]);
    let time = s.get(10..).unwrap_or_default().trim_start_matches('T');
    let time = time.get(..5).unwrap_or(time);
    match time {
        "" | "00:00" => date,
        t => format!("{date} {t}"),
    }
}

/// The sheet as CSV text, one record per sheet row from row 1, every record
/// as wide as the sheet (as Excel writes CSV), so record `n` is sheet row
/// `n`. A whole number in an SCN column with fewer than 9 digits lost its
/// leading zeros in Excel: they are put back.
fn to_csv(
    name: &str,
    mut cells: Vec<CellText>,
    extra: &BTreeMap<String, Vec<String>>,
) -> Result<String, IngestError> {
    cells.sort_by_key(|c| (c.row, c.col));
    cells.dedup_by(|later, earlier| later.row == earlier.row && later.col == earlier.col);
    let rows = cells.last().map_or(0, |c| c.row + 1);
    let width = cells.iter().map(|c| c.col + 1).max().unwrap_or(0);
    if u64::from(rows) * u64::from(width) > MAX_CELLS {
        return Err(too_large(
            name,
            format!("the sheet spans {rows} rows by {width} columns, more than {MAX_CELLS} cells"),
        ));
    }
    if let Some(header_row) = cells.first().map(|c| c.row) {
        let scn = alias_table(Kind::Pupils, extra);
        let scn_cols: Vec<u32> = cells
            .iter()
            .take_while(|c| c.row == header_row)
            .filter(|c| scn.get(&normalise_header(&c.text)) == Some(&0))
            .map(|c| c.col)
            .collect();
        for c in cells.iter_mut() {
            if c.number
                && c.row > header_row
                && scn_cols.contains(&c.col)
                && c.text.len() < 9
                && c.text.bytes().all(|b| b.is_ascii_digit())
            {
                c.text = format!("{:0>9}", c.text);
            }
        }
    }
    let mut out = csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let mut record: Vec<&str> = vec![""; width.max(1) as usize];
    let mut next = cells.iter().peekable();
    for row in 0..rows {
        record.iter_mut().for_each(|f| *f = "");
        while let Some(c) = next.next_if(|c| c.row == row) {
            record[c.col as usize] = c.text.as_str();
        }
        out.write_record(&record)
            .map_err(|e| IngestError::Workbook {
                file: name.to_string(),
                problem: short(&e.to_string()),
            })?;
    }
    let bytes = out.into_inner().map_err(|e| IngestError::Workbook {
        file: name.to_string(),
        problem: short(&e.to_string()),
    })?;
    String::from_utf8(bytes).map_err(|_| IngestError::Workbook {
        file: name.to_string(),
        problem: "a cell holds text that is not Unicode".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_a_csv_export_writes_them() {
        let cases = [
            (3.0, "3"),
            (91.5, "91.5"),
            (91.49999999999999, "91.5"),
            (0.1 + 0.2, "0.3"),
            (-2.0, "-2"),
            (123456789.0, "123456789"),
            (1e20, "100000000000000000000"),
            (f64::NAN, ""),
        ];
        for (v, want) in cases {
            assert_eq!(number_text(v), want, "{v}");
        }
    }

    #[test]
    fn dates_read_as_dd_mm_yyyy() {
        use calamine::ExcelDateTimeType::DateTime;
        let d = |v| date_text(&ExcelDateTime::new(v, DateTime, false));
        assert_eq!(d(45901.0), "01/09/2025");
        assert_eq!(d(45901.5), "01/09/2025 12:00");
        assert_eq!(iso_date_text("2025-09-01"), "01/09/2025");
        assert_eq!(iso_date_text("2025-09-01T00:00:00"), "01/09/2025");
        assert_eq!(iso_date_text("2025-09-01T10:30:00"), "01/09/2025 10:30");
        assert_eq!(iso_date_text("PT1H"), "PT1H");
    }

    #[test]
    fn rows_become_records_with_scn_zeros_put_back() {
        let cell = |row, col, text: &str, number| CellText {
            row,
            col,
            text: text.to_string(),
            number,
        };
        let cells = vec![
            cell(1, 0, "Pupil ID", false),
            cell(1, 2, "Level", false),
            cell(2, 0, "12345678", true),
            cell(2, 2, "3", true),
            cell(4, 0, "12345678", false),
            cell(4, 1, "a,b", false),
        ];
        let text = to_csv("f", cells, &BTreeMap::new()).unwrap();
        assert_eq!(
            text,
            ",,\r\nPupil ID,,Level\r\n012345678,,3\r\n,,\r\n12345678,\"a,b\",\r\n"
        );
    }
}
