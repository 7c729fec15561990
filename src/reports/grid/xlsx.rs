//! The Year Group Tracker workbook (SPEC 11.1): a sheet per stage, a
//! faculty row above the subject headers, frozen panes at the first subject
//! and below the headers, an autofilter, every subject cell filled by its
//! status, a legend sheet, and a landscape print set-up one page wide that
//! repeats the header rows.
//!
//! Text is written with `write_string` (never a formula) and neutralised
//! (SPEC 9), so a copied or re-saved cell stays inert.

use std::borrow::Cow;
use std::path::Path;

use anyhow::Result;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Worksheet};

use super::{Grid, GridRow, PUPIL_COLUMNS, Stage, TAIL_COLUMNS, pupil_values, tail_values};
use crate::output::{Val, Widths, neutralise, xlsx_book};
use crate::rules::{Ctx, Status};

/// Header rows: faculties, then subjects and the other column names.
const HEADER_ROWS: u32 = 2;

/// The fill, font and legend text of each status; missing (and the other
/// statuses with no judgement) grey.
pub const STATUS_STYLE: &[(Status, u32, u32, &str)] = &[
    (Status::OnTrack, 0xC6EFCE, 0x006100, "on track"),
    (
        Status::SlightlyOffTrack,
        0xFFEB9C,
        0x9C5700,
        "slightly off track",
    ),
    (Status::OffTrack, 0xFFC7CE, 0x9C0006, "off track"),
    (
        Status::Missing,
        0xD9D9D9,
        0x404040,
        "missing: no level or working grade entered, or one that is not valid",
    ),
    (
        Status::NoPathway,
        0xD9D9D9,
        0x404040,
        "no pathway: the pupil has no band",
    ),
    (
        Status::NoTarget,
        0xD9D9D9,
        0x404040,
        "no target: no target grade this session",
    ),
];

fn status_format(status: Status) -> Format {
    let (_, fill, font, _) = STATUS_STYLE
        .iter()
        .find(|(s, ..)| *s == status)
        .copied()
        .unwrap_or((status, 0xFFFFFF, 0x000000, ""));
    Format::new()
        .set_background_color(Color::RGB(fill))
        .set_font_color(Color::RGB(font))
        .set_align(FormatAlign::Center)
        .set_border(FormatBorder::Thin)
        .set_border_color(Color::RGB(0xBFBFBF))
}

/// The workbook as bytes, ready to be written atomically; its rows go
/// first to `dir` (`output::xlsx_book`).
pub fn workbook(ctx: &Ctx, grid: &Grid, dir: &Path) -> Result<Vec<u8>> {
    let mut book = xlsx_book(dir)?;
    for stage in &grid.stages {
        let sheet = book.add_worksheet_with_constant_memory();
        sheet.set_name(&stage.title)?;
        fill(sheet, ctx, grid, stage)?;
    }
    legend(book.add_worksheet())?;
    Ok(book.save_to_buffer()?)
}

/// A stage's sheet, written a row at a time, top to bottom.
fn fill(sheet: &mut Worksheet, ctx: &Ctx, grid: &Grid, stage: &Stage) -> Result<()> {
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_background_color(Color::RGB(0xF2F2F2))
        .set_border(FormatBorder::Thin);
    let one_decimal = Format::new().set_num_format("0.0");
    let first_subject = PUPIL_COLUMNS.len() as u16;
    let tail_start = first_subject + stage.columns.len() as u16;
    let last_col = tail_start + TAIL_COLUMNS.len() as u16 - 1;
    let mut widths = Widths::new(220, Some(HEADER_ROWS - 1));

    // Row 0: faculties over their subjects.
    let mut c = first_subject;
    for group in stage
        .columns
        .chunk_by(|a, b| grid.columns[*a].faculty == grid.columns[*b].faculty)
    {
        let faculty = neutralise(&grid.columns[group[0]].faculty);
        let (from, to) = (c, c + group.len() as u16 - 1);
        if from == to {
            sheet.write_string_with_format(0, from, &*faculty, &head)?;
        } else {
            sheet.merge_range(0, from, 0, to, &faculty, &head)?;
        }
        widths.text(0, from, &faculty);
        c = to + 1;
    }
    // Row 1: every column's name, taller so subject names wrap.
    sheet.set_row_height(1, 45)?;
    let subjects = stage
        .columns
        .iter()
        .map(|&col| neutralise(&grid.columns[col].subject));
    let names = PUPIL_COLUMNS
        .iter()
        .map(|(name, _)| Cow::Borrowed(*name))
        .chain(subjects)
        .chain(TAIL_COLUMNS.iter().map(|(name, _)| Cow::Borrowed(*name)));
    for (c, name) in names.enumerate() {
        sheet.write_string_with_format(1, c as u16, &*name, &head)?;
        widths.text(1, c as u16, &name);
    }

    let window = grid.window.to_string();
    for (n, &r) in stage.rows.iter().enumerate() {
        let row: &GridRow = &grid.rows[r];
        let at = HEADER_ROWS + n as u32;
        for (c, v) in pupil_values(ctx, row, &window).iter().enumerate() {
            write_val(sheet, &mut widths, at, c as u16, *v, &one_decimal)?;
        }
        for (k, &col) in stage.columns.iter().enumerate() {
            if let Some(e) = row.entry(ctx, col) {
                let c = first_subject + k as u16;
                let shown = neutralise(&e.shown);
                widths.text(at, c, &shown);
                sheet.write_string_with_format(at, c, shown, &status_format(e.status))?;
            }
        }
        for (k, v) in tail_values(row).iter().enumerate() {
            write_val(
                sheet,
                &mut widths,
                at,
                tail_start + k as u16,
                *v,
                &one_decimal,
            )?;
        }
    }

    let last_row = HEADER_ROWS + stage.rows.len().max(1) as u32 - 1;
    sheet.set_freeze_panes(HEADER_ROWS, first_subject)?;
    sheet.autofilter(1, 0, last_row, last_col)?;
    sheet.set_landscape();
    sheet.set_paper_size(9); // A4
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, HEADER_ROWS - 1)?;
    sheet.set_print_gridlines(true);
    sheet.set_header(format!(
        "&LYear Group Tracker {}&R{}",
        grid.window, stage.title
    ));
    sheet.set_footer("&LPersonal data: do not share beyond staff who need it&RPage &P of &N");
    widths.apply(sheet)?;
    for k in 0..stage.columns.len() as u16 {
        sheet.set_column_width(first_subject + k, 9)?;
    }
    Ok(())
}

fn write_val(
    sheet: &mut Worksheet,
    widths: &mut Widths,
    r: u32,
    c: u16,
    v: Val,
    one_decimal: &Format,
) -> Result<()> {
    match v {
        Val::Null => {}
        Val::Int(i) => {
            sheet.write_number(r, c, i as f64)?;
            widths.number(r, c, i as f64);
        }
        Val::Float(f) if f.is_finite() => {
            let f = (f * 10.0).round() / 10.0;
            sheet.write_number_with_format(r, c, f, one_decimal)?;
            widths.number(r, c, f);
        }
        Val::Float(_) => {}
        Val::Text(t) => {
            let t = neutralise(t);
            widths.text(r, c, &t);
            sheet.write_string(r, c, t)?;
        }
    }
    Ok(())
}

/// What the colours mean, for whoever prints or opens the workbook.
fn legend(sheet: &mut Worksheet) -> Result<()> {
    sheet.set_name("Legend")?;
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(0, 0, "Colour", &bold)?;
    sheet.write_string_with_format(0, 1, "Status", &bold)?;
    sheet.write_string_with_format(0, 2, "Meaning", &bold)?;
    for (i, (status, ..)) in STATUS_STYLE.iter().enumerate() {
        let r = i as u32 + 1;
        let meaning = STATUS_STYLE[i].3;
        sheet.write_string_with_format(r, 0, status.as_str(), &status_format(*status))?;
        sheet.write_string(r, 1, status.as_str())?;
        sheet.write_string(r, 2, meaning)?;
    }
    let notes = [
        "Each subject cell shows what was entered: a BGE level (e.g. 2b) or, for the Senior Phase, working grade / target grade (e.g. 4/3).",
        "faculties_off_track counts the faculties with at least one subject off track; change is against the school's previous window.",
        "lead_role and lead_name are the suggested lead (or the one the Progress Intervention meeting agreed, override = Y).",
    ];
    for (i, note) in notes.iter().enumerate() {
        sheet.write_string(STATUS_STYLE.len() as u32 + 2 + i as u32, 0, *note)?;
    }
    sheet.set_column_width(0, 20)?;
    sheet.set_column_width(1, 20)?;
    sheet.set_column_width(2, 70)?;
    Ok(())
}
