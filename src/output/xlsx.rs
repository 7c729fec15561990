//! Excel workbooks for staff who live in spreadsheets: one sheet per table.
//!
//! Text is always written with `write_string` (never as a formula) and is
//! still neutralised (SPEC 9), so a copied or re-saved cell stays inert.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::Path;
use std::sync::Once;

use anyhow::{Context, Result};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, Format, FormatBorder, Note, Workbook,
    Worksheet,
};

use super::{Checked, ColType, Parts, Record, Val, neutralise, round1};

/// Autofit stops near 60 characters so a long comment does not push the
/// other columns off screen.
const MAX_WIDTH_PX: u16 = 425;

/// A workbook whose sheets ([`Workbook::add_worksheet_with_constant_memory`])
/// go a row at a time to an unnamed file in `dir`, the output's own
/// directory, instead of being held as cells until the workbook is saved.
/// The writer also opens an unnamed file in the system's temporary
/// directory for every sheet, and cannot say so if it fails: it is checked
/// here first, so that failure is an error, not a crash.
pub fn book(dir: &Path) -> Result<Workbook> {
    tempfile::tempfile().with_context(|| {
        format!(
            "an xlsx workbook needs a temporary directory it can write to (`{}`; TMPDIR sets it)",
            std::env::temp_dir().display()
        )
    })?;
    let mut book = Workbook::new();
    book.set_tempdir(dir).with_context(|| {
        format!(
            "cannot write a workbook in `{}` (its rows are written there first)",
            dir.display()
        )
    })?;
    Ok(book)
}

thread_local! {
    /// Set while [`guarded`] runs on this thread.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    /// Set by the panic hook when it kept quiet about the writer's panic.
    static WRITER_PANICKED: Cell<bool> = const { Cell::new(false) };
}

/// Run `build`, a workbook's making, so that a failure to write its rows is
/// an error like any other. The writer writes a sheet's rows to their file
/// with `expect`: a full disk or a file size limit panics inside it. Such
/// a panic is caught and said in one line (`File too large`); any other
/// panic is ours, and is reported and carried on as before.
pub fn guarded<T>(dir: &Path, build: impl FnOnce() -> Result<T>) -> Result<T> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_writer = info
                .location()
                .is_some_and(|at| at.file().contains("rust_xlsxwriter"));
            if in_writer && GUARDED.get() {
                WRITER_PANICKED.set(true);
            } else {
                previous(info);
            }
        }));
    });
    GUARDED.set(true);
    WRITER_PANICKED.set(false);
    let result = catch_unwind(AssertUnwindSafe(build));
    GUARDED.set(false);
    match result {
        Ok(result) => result,
        Err(payload) if WRITER_PANICKED.get() => {
            let said = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("the writer stopped");
            anyhow::bail!(
                "cannot write the workbook (its rows go first to `{}`): {}",
                dir.display(),
                io_message(said)
            )
        }
        Err(payload) => resume_unwind(payload),
    }
}

/// The system's words from a panic message that carries an `io::Error`
/// (`...: Os { code: 27, kind: FileTooLarge, message: "File too large" }`).
fn io_message(said: &str) -> &str {
    said.split_once("message: \"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map_or(said, |(message, _)| message)
}

/// The workbook as bytes, ready to be written atomically; its rows go
/// through `dir` ([`book`]).
pub fn workbook(tables: &[Parts], dir: &Path) -> Result<Vec<u8>> {
    let mut book = book(dir)?;
    let mut names: Vec<String> = Vec::new();
    for table in tables {
        let name = sheet_name(table.title, &names);
        let sheet = book.add_worksheet_with_constant_memory();
        sheet.set_name(&name)?;
        fill(sheet, table, |_| None).with_context(|| format!("sheet `{name}`"))?;
        names.push(name);
    }
    Ok(book.save_to_buffer()?)
}

/// `followup` for the Progress Intervention meeting (SPEC 11.3): one sheet
/// whose last `agreed` columns are empty and marked for the meeting to fill
/// in (a header fill, a note on each header, unlocked cells), so the
/// workbook can come back as overrides. The first agreed column offers
/// `roles` (the configured leads) in a list that still takes any text.
pub fn meeting_workbook(
    table: &Parts,
    agreed: usize,
    roles: &[&str],
    dir: &Path,
) -> Result<Vec<u8>> {
    let mut book = book(dir)?;
    let sheet = book.add_worksheet_with_constant_memory();
    sheet.set_name(sheet_name(table.title, &[]))?;
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xFCE4D6))
        .set_border(FormatBorder::Thin)
        .set_unlocked();
    let empty = Format::new()
        .set_background_color(Color::RGB(0xFFF6EF))
        .set_unlocked();
    let first = table.columns.len().saturating_sub(agreed);
    // A column's format reaches the cells written after it: set it first.
    for c in first..table.columns.len() {
        sheet.set_column_format(u16::try_from(c)?, &empty)?;
    }
    let rows = fill(sheet, table, |c| (c >= first).then_some(&header))?;
    for (c, (name, _)) in table.columns.iter().enumerate().skip(first) {
        let c = u16::try_from(c)?;
        sheet.set_column_width(c, 24)?;
        let note = Note::new(meeting_note(name))
            .add_author_prefix(false)
            .set_width(300)
            .set_height(120);
        sheet.insert_note(0, c, &note)?;
        // Excel holds at most 255 characters of list: longer, no list.
        let list = DataValidation::new()
            .allow_list_strings(roles)
            .map(|v| v.set_error_style(DataValidationErrorStyle::Information));
        if usize::from(c) == first
            && !roles.is_empty()
            && let Ok(list) = list
        {
            sheet.add_data_validation(1, c, rows.max(1), c, &list)?;
        }
    }
    Ok(book.save_to_buffer()?)
}

fn meeting_note(column: &str) -> String {
    let what = match column {
        "agreed_lead_role" => {
            "the lead role agreed for this pupil (e.g. Guidance Teacher). Leave the row empty to keep the suggested lead"
        }
        "agreed_lead_name" => "the agreed lead's name; needs an agreed role",
        _ => "why, kept as the override's reason",
    };
    format!(
        "Fill in at the meeting: {what}.\nThen: tracker ingest --kind overrides --window W this-file.xlsx"
    )
}

/// Write `table` under a bold header row (or the header format `header`
/// gives a column), with a frozen header, an autofilter and autofitted
/// widths. Returns the number of rows below the header.
fn fill<'f>(
    sheet: &mut Worksheet,
    table: &Parts,
    header: impl Fn(usize) -> Option<&'f Format>,
) -> Result<u32> {
    let bold = Format::new().set_bold();
    let mut widths = Widths::new(MAX_WIDTH_PX, Some(0));
    for (c, (name, _)) in table.columns.iter().enumerate() {
        let c16 = u16::try_from(c)?;
        sheet.write_string_with_format(0, c16, *name, header(c).unwrap_or(&bold))?;
        widths.text(0, c16, name);
    }
    let rows = SheetRows {
        sheet: &mut *sheet,
        types: table.columns.iter().map(|(_, ty)| *ty).collect(),
        row: 0,
        widths,
        one_decimal: Format::new().set_num_format("0.0"),
    };
    let mut sink = Checked(table.title, table.columns.len(), rows);
    table.each(&mut sink)?;
    let SheetRows {
        row: last_row,
        widths,
        ..
    } = sink.2;
    if let Some(last_col) = table.columns.len().checked_sub(1) {
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofilter(0, 0, last_row, u16::try_from(last_col)?)?;
    }
    widths.apply(sheet)?;
    Ok(last_row)
}

/// The rows of a generic sheet, written as they come.
struct SheetRows<'s> {
    sheet: &'s mut Worksheet,
    types: Vec<ColType>,
    /// The last row written.
    row: u32,
    widths: Widths,
    one_decimal: Format,
}

impl Record for SheetRows<'_> {
    fn record(&mut self, vals: &[Val]) -> Result<()> {
        self.row += 1;
        let r = self.row;
        for (c, (ty, val)) in self.types.iter().zip(vals).enumerate() {
            let c = u16::try_from(c)?;
            match *val {
                Val::Null => {}
                Val::Int(v) => {
                    self.sheet.write_number(r, c, v as f64)?;
                    self.widths.number(r, c, v as f64);
                }
                Val::Float(v) if v.is_finite() => {
                    let v = round1(v);
                    self.sheet
                        .write_number_with_format(r, c, v, &self.one_decimal)?;
                    self.widths.number(r, c, v);
                }
                Val::Float(_) => {}
                Val::Text(s) => {
                    let s = neutralise(s);
                    self.widths.text(r, c, &s);
                    match status_fill(*ty, &s) {
                        Some(f) => self.sheet.write_string_with_format(r, c, s, &f)?,
                        None => self.sheet.write_string(r, c, s)?,
                    };
                }
            }
        }
        Ok(())
    }
}

/// Column widths measured as the writer's autofit measures them, cell by
/// cell as the rows are written: a sheet written a row at a time autofits
/// only its last row. A text is as wide as its widest line, a number 7
/// pixels a character, a cell of the autofilter's header 16 pixels more for
/// its arrow; every cell has 7 pixels of padding, and no column is wider
/// than `max` pixels.
pub struct Widths {
    px: Vec<u16>,
    max: u16,
    filter_row: Option<u32>,
}

/// The writer's own ceiling for a column's autofitted width, in pixels.
const MAX_AUTOFIT_PX: u16 = 1790;

impl Widths {
    pub fn new(max: u16, filter_row: Option<u32>) -> Widths {
        Widths {
            px: Vec::new(),
            max: max.min(MAX_AUTOFIT_PX),
            filter_row,
        }
    }

    pub fn text(&mut self, row: u32, col: u16, s: &str) {
        let px = s
            .lines()
            .map(|line| rust_xlsxwriter::utility::cell_autofit_width(line) - 7)
            .max()
            .unwrap_or(0);
        self.fit(row, col, px);
    }

    pub fn number(&mut self, row: u32, col: u16, v: f64) {
        self.fit(row, col, 7 * number_chars(v));
    }

    fn fit(&mut self, row: u32, col: u16, px: u16) {
        if px == 0 {
            return;
        }
        let arrow = if self.filter_row == Some(row) { 16 } else { 0 };
        let px = (px + arrow + 7).min(self.max);
        let col = usize::from(col);
        if self.px.len() <= col {
            self.px.resize(col + 1, 0);
        }
        self.px[col] = self.px[col].max(px);
    }

    /// Set each measured column's width, as an autofit does: a width set
    /// before is kept where it is wider.
    pub fn apply(&self, sheet: &mut Worksheet) -> Result<()> {
        for (c, &px) in self.px.iter().enumerate() {
            if px > 0 {
                sheet.set_column_autofit_width(u16::try_from(c)?, px)?;
            }
        }
        Ok(())
    }
}

/// The characters of `v` as Rust prints an `f64`, which is what the
/// writer's autofit counts; a whole number's are counted, not printed.
fn number_chars(v: f64) -> u16 {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if v.fract() == 0.0 && v.abs() < EXACT && !(v == 0.0 && v.is_sign_negative()) {
        let n = v as i64;
        let digits = n.unsigned_abs().checked_ilog10().map_or(1, |d| d + 1);
        (digits + u32::from(n < 0)) as u16
    } else {
        v.to_string().len() as u16
    }
}

/// Excel's own Good / Neutral / Bad cell styles, which staff recognise.
fn status_fill(ty: ColType, status: &str) -> Option<Format> {
    let (fill, font) = match (ty, status) {
        (ColType::Status, "on_track") => (0xC6EFCE, 0x006100),
        (ColType::Status, "slightly_off_track") => (0xFFEB9C, 0x9C5700),
        (ColType::Status, "off_track") => (0xFFC7CE, 0x9C0006),
        _ => return None,
    };
    Some(
        Format::new()
            .set_background_color(Color::RGB(fill))
            .set_font_color(Color::RGB(font)),
    )
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`, no
/// apostrophe at either end, not `History`, unique ignoring case.
fn sheet_name(title: &str, taken: &[String]) -> String {
    let clean: String = title
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .collect();
    let mut base: String = clean.trim_matches('\'').chars().take(31).collect();
    if base.trim().is_empty() || base.eq_ignore_ascii_case("history") {
        base = format!("Sheet {}", taken.len() + 1);
    }
    let free = |n: &str| !taken.iter().any(|t| t.to_lowercase() == n.to_lowercase());
    let mut name = base.clone();
    for i in 2.. {
        if free(&name) {
            break;
        }
        let suffix = format!(" ({i})");
        let keep = 31 - suffix.chars().count();
        name = base.chars().take(keep).collect::<String>() + &suffix;
    }
    name
}

#[cfg(test)]
mod tests;
