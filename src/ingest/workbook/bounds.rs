//! The bounds a workbook is read within, checked before and while calamine
//! unpacks it: unpacked size, OpenDocument repeats, and each cell's place.

use std::io::{BufReader, Cursor, Read};

use super::{MAX_CELLS, MAX_COLUMNS, MAX_ROWS, MAX_UNPACKED_BYTES, short, too_large};
use crate::ingest::IngestError;

/// Unpack every part of a zipped workbook into nothing, counting bytes,
/// and stop at [`MAX_UNPACKED_BYTES`]: a zip bomb is refused after reading
/// that much, whatever sizes its directory claims.
pub(super) fn check_unpacked(name: &str, bytes: &[u8]) -> Result<(), IngestError> {
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
pub(super) fn check_ods_expansion(name: &str, bytes: &[u8]) -> Result<(), IngestError> {
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

/// The bounds of a sheet, checked at each cell (0-based row and column).
pub(super) fn check_position(
    name: &str,
    row: u32,
    col: u32,
    held: usize,
) -> Result<(), IngestError> {
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
