//! Cells to CSV text: each value as a CSV export of the sheet writes it,
//! and the sheet as one record per row.

use std::collections::BTreeMap;

use calamine::ExcelDateTime;

use super::{MAX_CELLS, short, too_large};
use crate::ingest::IngestError;
use crate::ingest::headers::{alias_table, normalise_header};
use crate::kinds::Kind;

/// One cell's text, and whether the workbook stored it as a number.
pub(super) struct CellText {
    pub row: u32,
    pub col: u32,
    pub text: String,
    pub number: bool,
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

pub(super) fn bool_text(b: bool) -> String {
    if b { "TRUE" } else { "FALSE" }.to_string()
}

/// A date as SEEMiS and Excel in the UK write it: `dd/mm/yyyy`, with the
/// time only when there is one; a duration or a time alone as its number.
pub(super) fn date_text(d: &ExcelDateTime) -> String {
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
pub(super) fn iso_date_text(s: &str) -> String {
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
pub(super) fn to_csv(
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
