//! Workbooks in (SPEC 11.2): an `.xlsx`, `.xls` or `.ods` export is turned
//! into the CSV text a CSV export of its sheet would hold, one record per
//! sheet row, so header matching, kinds, rejects and everything downstream
//! are the CSV path's own. Only line numbers differ: they are sheet rows.
//!
//! A workbook is a zip (xlsx, ods) or a compound file (xls) that unpacks to
//! far more than its size, so it is read within bounds checked before and
//! while it is unpacked ([`bounds`]), by a child process with its memory
//! and time limited ([`child`]); [`cells`] turns cells into CSV text.

mod bounds;
mod cells;
mod child;

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::Path;

use calamine::{Data, Ods, Reader, Xls, Xlsx};
use sha2::{Digest, Sha256};

use super::IngestError;
use super::read::{RawExport, SheetInfo};
use crate::store::hex;
use bounds::{check_ods_expansion, check_position, check_unpacked};
pub use cells::number_text;
use cells::{CellText, bool_text, date_text, iso_date_text, to_csv};
use child::in_child;
pub use child::{CHILD_CPU_SECONDS, CHILD_MEMORY_BYTES, child_main};

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
    let name = super::read::display_name(path);
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
        text_is_bytes: false,
        sha256,
        text,
        encoding: actual.as_str(),
        delimiter: b',',
        sheet: Some(info),
        splits: Vec::new(),
        lazy: None,
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
            whole_sheet::<Ods<_>>(name, bytes, sheet)?
        }
        Format::Xls => whole_sheet::<Xls<_>>(name, bytes, sheet)?,
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
        push_cell(&mut cells, row, col, &Data::from(cell.get_value().clone()));
    }
    Ok(cells)
}

/// The chosen sheet of a workbook that calamine reads whole (ods, xls).
fn whole_sheet<'b, R: Reader<Cursor<&'b [u8]>>>(
    name: &str,
    bytes: &'b [u8],
    sheet: Option<&str>,
) -> Result<(SheetInfo, Vec<CellText>), IngestError>
where
    R::Error: std::fmt::Display,
{
    let bad = |e: R::Error| IngestError::Workbook {
        file: name.to_string(),
        problem: short(&e.to_string()),
    };
    let mut book = R::new(Cursor::new(bytes)).map_err(bad)?;
    let info = choose(name, book.sheet_names(), sheet)?;
    let range = book.worksheet_range(&info.name).map_err(bad)?;
    let cells = range_cells(name, &range)?;
    Ok((info, cells))
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
        push_cell(&mut cells, row, col, value);
    }
    Ok(cells)
}

/// A cell as the text a CSV export would hold (and whether it was a number),
/// kept unless it is empty. xlsx and the whole-sheet readers share it.
fn push_cell(cells: &mut Vec<CellText>, row: u32, col: u32, value: &Data) {
    let (text, number) = match value {
        Data::Empty => return,
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
