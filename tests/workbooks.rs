//! Workbooks in (SPEC 11.2) and the meeting round trip (11.3): `ingest`
//! reads `.xlsx`, `.xls` and `.ods` as it reads CSV, and the `followup`
//! workbook comes back as overrides.

mod common;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx};
use common::{Env, csv_rows};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, Worksheet};

/// One CSV export written into a sheet as Excel would hold it: numbers
/// whose text a CSV export writes back unchanged as numbers (SCNs, grades,
/// 95.5), `dd/mm/yyyy` dates as date cells, the rest as text.
fn fill_sheet(sheet: &mut Worksheet, csv: &str) {
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (r, row) in csv_rows(csv).iter().enumerate() {
        for (c, field) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            if field.is_empty() {
                continue;
            }
            let number = field.parse::<f64>().ok().filter(|v| {
                let back = if v.fract() == 0.0 {
                    format!("{}", *v as i64)
                } else {
                    format!("{v}")
                };
                back == *field && r > 0
            });
            let day = dd_mm_yyyy(field);
            if let Some(v) = number {
                sheet.write_number(r, c, v).unwrap();
            } else if let Some((d, m, y)) = day {
                let dt = ExcelDateTime::from_ymd(y, m, d).unwrap();
                sheet.write_datetime_with_format(r, c, &dt, &date).unwrap();
            } else {
                sheet.write_string(r, c, field).unwrap();
            }
        }
    }
}

fn dd_mm_yyyy(s: &str) -> Option<(u8, u8, u16)> {
    let mut it = s.split('/');
    let (d, m, y) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() || d.len() != 2 || m.len() != 2 || y.len() != 4 {
        return None;
    }
    Some((d.parse().ok()?, m.parse().ok()?, y.parse().ok()?))
}

fn xlsx_of(path: &Path, sheets: &[(&str, &str)]) {
    let mut book = Workbook::new();
    for (name, csv) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        fill_sheet(sheet, csv);
    }
    book.save(path).unwrap();
}

fn ingest_args<'a>(cfg: &'a str, window: &'a str) -> Vec<&'a str> {
    vec!["--config", cfg, "ingest", "--window", window]
}

fn paths(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .collect()
}

/// A table's stored rows in one partition, without the `source` column
/// (the file name, which differs by its extension).
fn stored(env: &Env, table: &str) -> polars::prelude::DataFrame {
    use polars::prelude::*;
    let dir = env
        .store()
        .join(table)
        .join("school=EHS")
        .join("window=2025-26_1");
    let file = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "parquet"))
        .unwrap();
    ParquetReader::new(std::fs::File::open(file).unwrap())
        .finish()
        .unwrap()
        .drop("source")
        .unwrap()
}

const KINDS: [&str; 5] = ["pupils", "bge", "senior", "overrides", "interventions"];

#[test]
fn an_xlsx_export_and_the_same_data_as_csv_store_identical_rows() {
    let (csv_env, book_env) = (Env::new(), Env::new());
    let f = csv_env.fixture("small");
    let g = book_env.fixture("small");
    let mut csvs = Vec::new();
    let mut books = Vec::new();
    for kind in KINDS {
        csvs.push(f.join(format!("{kind}.csv")));
        let book = g.join(format!("{kind}.xlsx"));
        let text = std::fs::read_to_string(g.join(format!("{kind}.csv"))).unwrap();
        xlsx_of(&book, &[("Export", &text)]);
        books.push(book);
    }
    let (cfg_a, cfg_b) = (
        f.join("tracker.toml").to_string_lossy().into_owned(),
        g.join("tracker.toml").to_string_lossy().into_owned(),
    );
    let (a, b) = (paths(&csvs), paths(&books));
    let mut args = ingest_args(&cfg_a, "2025-26/1");
    args.extend(a.iter().map(String::as_str));
    csv_env.ok(&args);
    let mut args = ingest_args(&cfg_b, "2025-26/1");
    args.extend(b.iter().map(String::as_str));
    let (_, err) = book_env.expect(0, &args);
    assert!(err.contains("bge.xlsx: bge, "), "{err}");
    for kind in KINDS {
        let (x, y) = (stored(&csv_env, kind), stored(&book_env, kind));
        assert!(x.height() > 0, "{kind}");
        assert!(x.equals_missing(&y), "{kind}\ncsv:\n{x}\nxlsx:\n{y}");
    }
    // And so every report is the same.
    for report in [&["offtrack", "--all"][..], &["subjects"], &["qa"]] {
        let run = |env: &Env, cfg: &str| {
            let mut args = vec!["--config", cfg];
            args.extend_from_slice(report);
            args.extend(["--format", "csv"]);
            env.ok(&args)
        };
        // A finding about a rejected row names its file.
        let books = run(&book_env, &cfg_b).replace(".xlsx", ".csv");
        assert_eq!(run(&csv_env, &cfg_a), books, "{report:?}");
    }
}

#[test]
fn numbers_dates_booleans_errors_and_formulas_read_as_a_csv_export_holds_them() {
    let env = Env::new();
    let path = env.path("pupils.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["Pupil ID", "Stage", "FSM", "Attendance", "SIMD Decile"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    // An SCN that lost its leading zero in Excel, float noise, a boolean,
    // a formula whose cached value is read and never evaluated.
    sheet.write_number(1, 0, 12345678.0).unwrap();
    sheet.write_string(1, 1, "S1").unwrap();
    sheet.write_boolean(1, 2, true).unwrap();
    sheet.write_number(1, 3, 91.49999999999999).unwrap();
    sheet
        .write_formula(1, 4, Formula::new("=1+2").set_result("3"))
        .unwrap();
    sheet.write_number(2, 0, 100000002.0).unwrap();
    sheet.write_number(2, 1, 2.0).unwrap();
    sheet.write_boolean(2, 2, false).unwrap();
    sheet.write_number(2, 3, 88.0).unwrap();
    sheet
        .write_formula(2, 4, Formula::new("=NA()").set_result("#N/A"))
        .unwrap();
    book.save(&path).unwrap();
    let (_, err) = env.expect(
        0,
        &["ingest", "--window", "2025-26/1", path.to_str().unwrap()],
    );
    assert!(
        err.contains("pupils.xlsx: pupils, 2 rows stored, 0 rejected"),
        "{err}"
    );
    use polars::prelude::*;
    let dir = env.store().join("pupils/school=SCHOOL/window=2025-26_1");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "parquet"))
        .unwrap();
    let df = ParquetReader::new(std::fs::File::open(file).unwrap())
        .finish()
        .unwrap();
    let col = |name: &str| -> Vec<Option<String>> {
        df.column(name)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    };
    let some =
        |v: &[&str]| -> Vec<Option<String>> { v.iter().map(|s| Some(s.to_string())).collect() };
    assert_eq!(col("scn"), some(&["012345678", "100000002"]));
    assert_eq!(col("stage"), some(&["S1", "2"]));
    assert_eq!(col("fsm"), some(&["TRUE", "FALSE"]));
    assert_eq!(col("attendance"), some(&["91.5", "88"]));
    assert_eq!(col("simd_decile"), some(&["3", "#N/A"]));
    // An interventions date cell is read as SEEMiS writes dates.
    let iv = env.path("iv.xlsx");
    xlsx_of(
        &iv,
        &[(
            "Sheet1",
            "SCN,Intervention,Date\n012345678,Mentoring,12/09/2025\n",
        )],
    );
    env.ok(&["ingest", "--window", "2025-26/1", iv.to_str().unwrap()]);
    let dir = env
        .store()
        .join("interventions/school=SCHOOL/window=2025-26_1");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "parquet"))
        .unwrap();
    let df = ParquetReader::new(std::fs::File::open(file).unwrap())
        .finish()
        .unwrap();
    let date = df
        .column("date")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .map(str::to_string);
    assert_eq!(date.as_deref(), Some("12/09/2025"));
}

const PUPILS: &str = "SCN,Forename,Surname,Stage\n100000001,Amy,Adams,S1\n100000002,Ben,Brown,S3\n";
const BGE: &str = "SCN,Subject,Level\n100000001,English,2b\n100000002,Maths,3a\n";

#[test]
fn the_first_sheet_is_read_and_the_others_named_or_sheet_chooses() {
    let env = Env::new();
    let path = env.path("book.xlsx");
    xlsx_of(
        &path,
        &[
            ("Pupils", PUPILS),
            ("BGE", BGE),
            ("Notes", "x\n"),
            ("Empty", ""),
        ],
    );
    let p = path.to_str().unwrap();
    let (_, err) = env.expect(0, &["ingest", "--window", "2025-26/1", p]);
    assert!(
        err.contains(
            "book.xlsx: read the first sheet `Pupils`; the workbook also has `BGE`, `Notes`, `Empty` (choose one with `--sheet NAME`)"
        ),
        "{err}"
    );
    assert!(err.contains("book.xlsx: pupils, 2 rows stored"), "{err}");
    let (_, err) = env.expect(0, &["ingest", "--window", "2025-26/1", "--sheet", "bge", p]);
    assert!(err.contains("book.xlsx: bge, 2 rows stored"), "{err}");
    assert!(!err.contains("the workbook also has"), "{err}");
    let (_, err) = env.expect(1, &["ingest", "--window", "2025-26/1", "--sheet", "S9", p]);
    assert!(
        err.contains(
            "book.xlsx: no sheet `S9`; the workbook has: `Pupils`, `BGE`, `Notes`, `Empty`"
        ),
        "{err}"
    );
    let (_, err) = env.expect(
        1,
        &["ingest", "--window", "2025-26/1", "--sheet", "Empty", p],
    );
    assert!(
        err.contains("book.xlsx: cannot read the workbook: the sheet `Empty` is empty"),
        "{err}"
    );
}

/// One workbook, a sheet per stage: each sheet is its own export, so the
/// second is not a no-op because the first had the same bytes.
#[test]
fn each_sheet_of_one_workbook_is_its_own_export() {
    let env = Env::new();
    let path = env.path("tracking.xlsx");
    let s1 = "SCN,Subject,Level,Stage\n100000001,English,2b,S1\n";
    let s2 = "SCN,Subject,Level,Stage\n100000003,English,3a,S2\n100000004,Maths,2a,S2\n";
    xlsx_of(&path, &[("S1", s1), ("S2", s2)]);
    let p = path.to_str().unwrap();
    let run = |sheet: &str| {
        env.expect(0, &["ingest", "--window", "2025-26/1", "--sheet", sheet, p])
            .1
    };
    assert!(run("S1").contains("tracking.xlsx: bge, 1 rows stored"));
    let err = run("S2");
    assert!(err.contains("tracking.xlsx: bge, 2 rows stored"), "{err}");
    let err = run("S2");
    assert!(
        err.contains("tracking.xlsx: already ingested as bge for SCHOOL 2025-26/1 (same SHA-256 and sheet `S2`); nothing to do"),
        "{err}"
    );
    let rows = csv_rows(&env.ok(&["subjects", "--format", "csv"]));
    assert_eq!(rows.len(), 4, "{rows:?}");
    let manifest: serde_json::Value = common::manifest::of(&env.store());
    let sheets: Vec<&str> = manifest["ingests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["sheet"].as_str().unwrap())
        .collect();
    assert_eq!(sheets, ["S1", "S2"]);
}

#[test]
fn rejects_name_the_sheet_row() {
    let env = Env::new();
    let path = env.path("b.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    // Row 1 blank; header on row 2; a blank row 4; a short SCN on row 5;
    // a comment over two lines on row 3 does not shift the rows after it.
    for (c, h) in ["SCN", "Subject", "Level", "Comment"].iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    sheet.write_number(2, 0, 100000001.0).unwrap();
    sheet.write_string(2, 1, "English").unwrap();
    sheet.write_string(2, 2, "2b").unwrap();
    sheet.write_string(2, 3, "Two\nlines").unwrap();
    sheet.write_string(4, 0, "1234").unwrap();
    sheet.write_string(4, 1, "Maths").unwrap();
    sheet.write_number(5, 0, 100000001.0).unwrap();
    sheet.write_string(6, 0, "100000002").unwrap();
    sheet.write_string(6, 1, "Art").unwrap();
    sheet.write_string(6, 4, "beyond the header").unwrap();
    book.save(&path).unwrap();
    let (_, err) = env.expect(
        0,
        &["ingest", "--window", "2025-26/1", path.to_str().unwrap()],
    );
    assert!(
        err.contains("b.xlsx: bge, 1 rows stored, 3 rejected"),
        "{err}"
    );
    for (line, reason) in [
        (5, "invalid_scn"),
        (6, "missing_subject"),
        (7, "wrong_field_count"),
    ] {
        assert!(
            err.contains(&format!("b.xlsx:{line}: rejected: {reason}")),
            "{line} {reason}\n{err}"
        );
    }
}

/// A minimal OpenDocument spreadsheet: `rows` of (value-type, value) cells.
fn ods(path: &Path, table: &str) {
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    zip.start_file("META-INF/manifest.xml", stored).unwrap();
    zip.write_all(
        br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>"#,
    )
    .unwrap();
    zip.start_file("content.xml", stored).unwrap();
    write!(
        zip,
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Sheet1">{table}</table:table></office:spreadsheet></office:body></office:document-content>"#
    )
    .unwrap();
    zip.finish().unwrap();
}

fn ods_row(cells: &[&str]) -> String {
    let mut row = String::from("<table:table-row>");
    for c in cells {
        if c.is_empty() {
            row.push_str("<table:table-cell/>");
        } else if let Ok(v) = c.parse::<f64>() {
            row.push_str(&format!(
                r#"<table:table-cell office:value-type="float" office:value="{v}"><text:p>{c}</text:p></table:table-cell>"#
            ));
        } else if let Some((d, m, y)) = dd_mm_yyyy(c) {
            row.push_str(&format!(
                r#"<table:table-cell office:value-type="date" office:date-value="{y:04}-{m:02}-{d:02}"><text:p>{c}</text:p></table:table-cell>"#
            ));
        } else {
            row.push_str(&format!(
                r#"<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>"#
            ));
        }
    }
    row + "</table:table-row>"
}

#[test]
fn an_ods_export_reads_as_its_csv() {
    let (csv_env, ods_env) = (Env::new(), Env::new());
    let csv = "SCN,Intervention,Subject,Date\n100000001,Homework club,French,12/09/2025\n";
    let c = csv_env.write("iv.csv", csv);
    csv_env.ok(&["ingest", "--window", "2025-26/1", c.to_str().unwrap()]);
    let o = ods_env.path("iv.ods");
    let table: String = csv_rows(csv)
        .iter()
        .map(|r| ods_row(&r.iter().map(String::as_str).collect::<Vec<_>>()))
        .collect::<String>()
        // LibreOffice ends a sheet with a million empty rows, repeated.
        + r#"<table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#;
    ods(&o, &table);
    let (_, err) = ods_env.expect(0, &["ingest", "--window", "2025-26/1", o.to_str().unwrap()]);
    assert!(
        err.contains("iv.ods: interventions, 1 rows stored"),
        "{err}"
    );
    let read = |env: &Env| {
        let table = "interventions/school=SCHOOL/window=2025-26_1";
        let dir = env.store().join(table);
        let file = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "parquet"))
            .unwrap();
        polars::prelude::ParquetReader::new(std::fs::File::open(file).unwrap())
            .finish()
            .unwrap()
            .drop("source")
            .unwrap()
    };
    use polars::prelude::SerReader as _;
    let (x, y) = (read(&csv_env), read(&ods_env));
    assert!(x.equals_missing(&y), "csv:\n{x}\nods:\n{y}");
}

#[test]
fn hostile_workbooks_get_a_clear_error_and_leave_no_store() {
    let env = Env::new();
    let refused = |path: &Path, want: &str| {
        let (_, err) = env.expect(
            1,
            &["ingest", "--window", "2025-26/1", path.to_str().unwrap()],
        );
        assert!(err.contains(want), "{want}\n{err}");
        assert!(!env.store().exists(), "{err}");
    };
    // A million rows.
    let rows = env.path("rows.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "SCN").unwrap();
    sheet.write_string(0, 1, "Stage").unwrap();
    for r in 1..1_000_000u32 {
        sheet.write_number(r, 0, 100000001.0).unwrap();
    }
    book.save(&rows).unwrap();
    refused(
        &rows,
        "the sheet has a cell in row 200001; at most 200000 rows are read",
    );
    // One cell far out: the rectangle it spans is never allocated.
    let far = env.path("far.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "SCN").unwrap();
    sheet.write_string(0, 5000, "x").unwrap();
    book.save(&far).unwrap();
    refused(&far, "row 1 has a cell beyond column 1000");
    // A zip bomb: a small file that unpacks to 300 MiB.
    let bomb = env.path("bomb.xlsx");
    {
        use zip::write::SimpleFileOptions;
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&bomb).unwrap());
        zip.start_file("xl/worksheets/sheet1.xml", SimpleFileOptions::default())
            .unwrap();
        let block = vec![b' '; 1 << 20];
        for _ in 0..300 {
            zip.write_all(&block).unwrap();
        }
        zip.finish().unwrap();
    }
    assert!(std::fs::metadata(&bomb).unwrap().len() < 2 << 20);
    refused(&bomb, "the workbook unpacks to more than 256 MiB");
    // An OpenDocument cell repeated a hundred million times.
    let repeated = env.path("repeated.ods");
    ods(
        &repeated,
        &(ods_row(&["SCN"])
            + r#"<table:table-row table:number-rows-repeated="100000"><table:table-cell table:number-columns-repeated="1000" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#),
    );
    refused(&repeated, "its repeated rows and cells expand to more than");
    // Too large a file, and a CSV named as a workbook.
    let big = env.path("big.xlsx");
    std::fs::write(&big, vec![0u8; (64 << 20) + 1]).unwrap();
    refused(&big, "the workbook is larger than 64 MiB");
    let text = env.write("text.xls", PUPILS);
    refused(
        &text,
        "it is named `.xls` but is not an Excel or OpenDocument workbook",
    );
}

#[test]
fn the_raw_workbook_is_kept_byte_exact_and_a_second_ingest_is_a_no_op() {
    let env = Env::new();
    let path = env.path("p.xlsx");
    xlsx_of(&path, &[("Sheet1", PUPILS)]);
    let p = path.to_str().unwrap();
    env.ok(&["ingest", "--window", "2025-26/1", p]);
    let manifest: serde_json::Value = common::manifest::of(&env.store());
    let rec = &manifest["ingests"][0];
    let raw = rec["raw"].as_str().unwrap();
    assert!(raw.starts_with("raw/") && raw.ends_with(".xlsx"), "{raw}");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(std::fs::read(env.store().join(raw)).unwrap(), bytes);
    use sha2::Digest;
    let sha: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(rec["sha256"], sha);
    let before = std::fs::read(env.store().join("manifest.json")).unwrap();
    let (_, err) = env.expect(0, &["ingest", "--window", "2025-26/1", p]);
    assert!(err.contains("p.xlsx: already ingested as pupils"), "{err}");
    assert_eq!(
        std::fs::read(env.store().join("manifest.json")).unwrap(),
        before
    );
    env.ok(&["verify"]);
}

/// The meeting: `followup` as xlsx, two agreed leads filled in, the
/// workbook ingested as overrides, and `offtrack` shows them.
#[test]
fn the_followup_workbook_comes_back_as_overrides() {
    let env = Env::new();
    env.small_school();
    let cfg = env.small_config();
    let out = env.path("followup.xlsx");
    let o = out.to_str().unwrap();
    env.ok(&["--config", &cfg, "followup", "--format", "xlsx", "-o", o]);
    // The agreed columns are there, empty and marked for the meeting.
    let mut book: Xlsx<_> = calamine::open_workbook(&out).unwrap();
    let range = book.worksheet_range("followup").unwrap();
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(
        header[header.len() - 4..],
        ["override", "agreed_lead_role", "agreed_lead_name", "notes"]
    );
    let n = header.len();
    assert!(
        range
            .rows()
            .skip(1)
            .all(|r| r[n - 3..].iter().all(|c| *c == Data::Empty))
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let mut notes = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/comments1.xml").unwrap(), &mut notes)
        .unwrap();
    assert!(notes.contains("Fill in at the meeting"), "{notes}");
    // The role column offers the configured lead roles.
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut xml,
    )
    .unwrap();
    assert!(xml.contains("<dataValidation type=\"list\""), "{xml}");
    assert!(
        xml.contains("Subject PT,Wellbeing Support Teacher,Year Head"),
        "{xml}"
    );
    // CSV keeps the columns of SPEC 7.3.
    let csv = env.ok(&["--config", &cfg, "followup", "--format", "csv"]);
    common::assert_csv_eq(&csv, &env.path("small/expected/followup.csv"));

    // The meeting fills in two leads, and a name with no role.
    let scn = header.iter().position(|h| h == "scn").unwrap();
    let filled = env.path("after the meeting.xlsx");
    let mut after = Workbook::new();
    let sheet = after.add_worksheet();
    let mut line_of_name_only = 0;
    for (r, row) in range.rows().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match cell {
                Data::String(s) => sheet.write_string(r, c, s).map(|_| ()),
                Data::Float(v) => sheet.write_number(r, c, *v).map(|_| ()),
                Data::Int(v) => sheet.write_number(r, c, *v as f64).map(|_| ()),
                _ => Ok(()),
            }
            .unwrap();
        }
        let (r, n) = (r as u32, n as u16);
        match row[scn].to_string().as_str() {
            "100000008" => {
                sheet.write_string(r, n - 3, "Depute Head").unwrap();
                sheet.write_string(r, n - 2, "Mrs Agreed").unwrap();
                sheet.write_string(r, n - 1, "attendance first").unwrap();
            }
            "100000001" => {
                sheet.write_string(r, n - 3, "Guidance Teacher").unwrap();
            }
            "100000003" => {
                sheet.write_string(r, n - 2, "Mr Nameonly").unwrap();
                line_of_name_only = r + 1;
            }
            _ => {}
        }
    }
    after.save(&filled).unwrap();
    let (_, err) = env.expect(
        0,
        &[
            "--config",
            &cfg,
            "ingest",
            "--kind",
            "overrides",
            "--window",
            "2025-26/1",
            filled.to_str().unwrap(),
        ],
    );
    assert!(
        err.contains(
            "after the meeting.xlsx: overrides, 2 rows stored, 1 rejected, 4 ignored (no agreed lead)"
        ),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "after the meeting.xlsx:{line_of_name_only}: rejected: missing_lead_role (no agreed_lead_role)"
        )),
        "{err}"
    );
    let rows = csv_rows(&env.ok(&["--config", &cfg, "offtrack", "--format", "csv"]));
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let (role, lead, over) = (col("lead_role"), col("lead_name"), col("override"));
    let row = |scn: &str| rows.iter().find(|r| r[col("scn")] == scn).unwrap().clone();
    let hana = row("100000008");
    assert_eq!(
        (&*hana[role], &*hana[lead], &*hana[over]),
        ("Depute Head", "Mrs Agreed", "Y")
    );
    let amy = row("100000001");
    assert_eq!((&*amy[role], &*amy[over]), ("Guidance Teacher", "Y"));
    // The meeting's workbook replaced the window's overrides (SPEC 10.1).
    assert_eq!(row("100000002")[over], "N");
    assert_eq!(row("100000003")[over], "N");
}

#[test]
fn a_followup_workbook_with_nothing_agreed_changes_nothing() {
    let env = Env::new();
    env.small_school();
    let cfg = env.small_config();
    let out = env.path("followup.xlsx");
    let o = out.to_str().unwrap();
    env.ok(&["--config", &cfg, "followup", "--format", "xlsx", "-o", o]);
    let before = std::fs::read(env.store().join("manifest.json")).unwrap();
    let (_, err) = env.expect(1, &["--config", &cfg, "ingest", "--window", "2025-26/1", o]);
    assert!(
        err.contains("followup.xlsx: no row has an agreed lead"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(env.store().join("manifest.json")).unwrap(),
        before
    );
}

/// `fixtures/workbooks/pupils.xls` is `fixtures/small/pupils.csv` saved as
/// an Excel 97-2003 workbook, numbers as numbers (`make_xls.py` there).
#[test]
fn an_xls_export_reads_as_its_csv() {
    let (csv_env, xls_env) = (Env::new(), Env::new());
    let f = csv_env.fixture("small");
    csv_env.ok(&[
        "ingest",
        "--window",
        "2025-26/1",
        f.join("pupils.csv").to_str().unwrap(),
    ]);
    let w = xls_env.fixture("workbooks");
    let (_, err) = xls_env.expect(
        0,
        &[
            "ingest",
            "--window",
            "2025-26/1",
            w.join("pupils.xls").to_str().unwrap(),
        ],
    );
    assert!(
        err.contains("pupils.xls: pupils, 8 rows stored, 0 rejected"),
        "{err}"
    );
    let read = |env: &Env| {
        use polars::prelude::*;
        let dir = env.store().join("pupils/school=SCHOOL/window=2025-26_1");
        let file = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "parquet"))
            .unwrap();
        ParquetReader::new(std::fs::File::open(file).unwrap())
            .finish()
            .unwrap()
            .drop("source")
            .unwrap()
    };
    let (x, y) = (read(&csv_env), read(&xls_env));
    assert!(x.equals_missing(&y), "csv:\n{x}\nxls:\n{y}");
    let manifest: serde_json::Value = common::manifest::of(&xls_env.store());
    assert!(
        manifest["ingests"][0]["raw"]
            .as_str()
            .unwrap()
            .ends_with(".xls")
    );
}

/// A cell record that claims row 65,536 and column 65,535: the reader would
/// allocate four billion cells. It runs in a child with its memory limited,
/// so the ingest fails clearly and this process is untouched.
#[test]
fn an_xls_that_claims_a_far_cell_is_refused_within_the_memory_bound() {
    let env = Env::new();
    let w = env.fixture("workbooks");
    let (_, err) = env.expect(
        1,
        &[
            "ingest",
            "--window",
            "2025-26/1",
            w.join("far-cell.xls").to_str().unwrap(),
        ],
    );
    assert!(
        err.contains("far-cell.xls: reading the workbook needed more than 1024 MiB of memory"),
        "{err}"
    );
    assert!(!env.store().exists());
}

/// A workbook's rows go to an unnamed file in the output's directory as
/// they are written, and the writer opens another in the system's
/// temporary directory: without one it can write to, a workbook is an
/// error that names it, not a crash, and nothing is left behind.
#[test]
fn a_workbook_without_a_temporary_directory_is_an_error() {
    let env = Env::new();
    env.small_school();
    let cfg = env.small_config();
    let out_dir = env.path("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let missing = env.path("no such directory");
    for report in ["offtrack", "followup", "grid"] {
        let out = out_dir.join(format!("{report}.xlsx"));
        let o = out.to_str().unwrap();
        let run = env
            .cmd()
            .env("TMPDIR", &missing)
            .args(["--config", &cfg, report, "--format", "xlsx", "-o", o])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{report}: {stderr}");
        assert!(!stderr.contains("panicked"), "{report}: {stderr}");
        assert!(stderr.contains("no such directory"), "{report}: {stderr}");
        assert!(stderr.contains("TMPDIR"), "{report}: {stderr}");
    }
    let left: Vec<_> = std::fs::read_dir(&out_dir).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    // With one, the same workbooks are written, and only they are left.
    for report in ["offtrack", "followup", "grid"] {
        let out = out_dir.join(format!("{report}.xlsx"));
        let o = out.to_str().unwrap();
        env.ok(&["--config", &cfg, report, "--format", "xlsx", "-o", o]);
    }
    let mut left: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["followup.xlsx", "grid.xlsx", "offtrack.xlsx"]);
}
