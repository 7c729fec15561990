//! Excel workbooks for staff who live in spreadsheets: one sheet per table.
//!
//! Text is always written with `write_string` (never as a formula) and is
//! still neutralised (SPEC 9), so a copied or re-saved cell stays inert.

use anyhow::{Context, Result};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, Format, FormatBorder, Note, Workbook,
    Worksheet,
};

use super::{Cell, ColType, Table, neutralise, round1};

/// Autofit stops near 60 characters so a long comment does not push the
/// other columns off screen.
const MAX_WIDTH_PX: u16 = 425;

/// The workbook as bytes, ready to be written atomically.
pub fn workbook<T: std::borrow::Borrow<Table>>(tables: &[T]) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let mut names: Vec<String> = Vec::new();
    for table in tables.iter().map(std::borrow::Borrow::borrow) {
        let name = sheet_name(&table.title, &names);
        let sheet = book.add_worksheet();
        sheet.set_name(&name)?;
        fill(sheet, table).with_context(|| format!("sheet `{name}`"))?;
        names.push(name);
    }
    Ok(book.save_to_buffer()?)
}

/// `followup` for the Progress Intervention meeting (SPEC 11.3): one sheet
/// whose last `agreed` columns are empty and marked for the meeting to fill
/// in (a header fill, a note on each header, unlocked cells), so the
/// workbook can come back as overrides. The first agreed column offers
/// `roles` (the configured leads) in a list that still takes any text.
pub fn meeting_workbook(table: &Table, agreed: usize, roles: &[&str]) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name(&table.title, &[]))?;
    fill(sheet, table)?;
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xFCE4D6))
        .set_border(FormatBorder::Thin)
        .set_unlocked();
    let empty = Format::new()
        .set_background_color(Color::RGB(0xFFF6EF))
        .set_unlocked();
    let first = table.columns.len().saturating_sub(agreed);
    for (c, col) in table.columns.iter().enumerate().skip(first) {
        let c = u16::try_from(c)?;
        sheet.set_column_format(c, &empty)?;
        sheet.set_column_width(c, 24)?;
        sheet.write_string_with_format(0, c, &col.name, &header)?;
        let note = Note::new(meeting_note(&col.name))
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
            let last = u32::try_from(table.rows.len().max(1))?;
            sheet.add_data_validation(1, c, last, c, &list)?;
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

fn fill(sheet: &mut Worksheet, table: &Table) -> Result<()> {
    let bold = Format::new().set_bold();
    let one_decimal = Format::new().set_num_format("0.0");
    for (c, col) in table.columns.iter().enumerate() {
        sheet.write_string_with_format(0, u16::try_from(c)?, &col.name, &bold)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = u32::try_from(r + 1)?;
        for (c, (col, cell)) in table.columns.iter().zip(row).enumerate() {
            let c = u16::try_from(c)?;
            match cell {
                Cell::Null => {}
                Cell::Int(v) => {
                    sheet.write_number(r, c, *v as f64)?;
                }
                Cell::Float(v) if v.is_finite() => {
                    sheet.write_number_with_format(r, c, round1(*v), &one_decimal)?;
                }
                Cell::Float(_) => {}
                Cell::Text(s) => {
                    let s = neutralise(s);
                    match status_fill(col.ty, &s) {
                        Some(f) => sheet.write_string_with_format(r, c, s, &f)?,
                        None => sheet.write_string(r, c, s)?,
                    };
                }
            }
        }
    }
    if let Some(last_col) = table.columns.len().checked_sub(1) {
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofilter(
            0,
            0,
            u32::try_from(table.rows.len())?,
            u16::try_from(last_col)?,
        )?;
    }
    sheet.autofit_to_max_width(MAX_WIDTH_PX);
    Ok(())
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
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    fn table() -> Table {
        let mut t = Table::new(
            "subjects",
            &[
                ("scn", ColType::Text),
                ("steps", ColType::Int),
                ("attendance", ColType::Float),
                ("status", ColType::Status),
            ],
        );
        t.rows.push(vec![
            "=1+1".into(),
            Cell::Int(-1),
            Cell::Float(91.26),
            "off_track".into(),
        ]);
        t.rows.push(vec![
            "-1".into(),
            Cell::Null,
            Cell::Float(80.0),
            "on_track".into(),
        ]);
        t
    }

    #[test]
    fn text_is_inert_and_numbers_are_numbers() {
        let bytes = workbook(&[table()]).unwrap();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["subjects"]);
        let range = book.worksheet_range("subjects").unwrap();
        let header: Vec<_> = range.rows().next().unwrap().to_vec();
        let names = ["scn", "steps", "attendance", "status"];
        assert_eq!(header, names.map(|n| Data::String(n.into())));
        assert_eq!(range.get((1, 0)), Some(&Data::String("'=1+1".into())));
        assert_eq!(range.get((1, 1)), Some(&Data::Float(-1.0)));
        assert_eq!(range.get((1, 2)), Some(&Data::Float(91.3)));
        assert_eq!(range.get((1, 3)), Some(&Data::String("off_track".into())));
        assert_eq!(range.get((2, 0)), Some(&Data::String("-1".into())));
        assert_eq!(range.get((2, 1)), Some(&Data::Empty));
        let formulas = book.worksheet_formula("subjects").unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "a cell holds a formula"
        );
    }

    #[test]
    fn one_sheet_per_table_with_valid_unique_names() {
        let mut a = table();
        a.title = "QA: findings [all]".into();
        let b = Table {
            title: "qa_ findings _all_".into(),
            ..table()
        };
        let bytes = workbook(&[a, b]).unwrap();
        let book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        assert_eq!(
            book.sheet_names(),
            ["QA_ findings _all_", "qa_ findings _all_ (2)"]
        );
    }

    #[test]
    fn sheet_names_are_cut_to_31_characters() {
        let long = "a".repeat(40);
        let first = sheet_name(&long, &[]);
        assert_eq!(first.chars().count(), 31);
        let second = sheet_name(&long, &[first]);
        assert_eq!(second, format!("{} (2)", "a".repeat(27)));
        assert_eq!(sheet_name("History", &[]), "Sheet 1");
        assert_eq!(sheet_name("'x'", &[]), "x");
    }
}
