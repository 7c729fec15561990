//! Output formats through the real binary: xlsx cells, parquet types, and
//! formula neutralisation (SPEC 9) in a name, a subject and a comment.

mod common;
use calamine::{Data, Reader, Xlsx, open_workbook};
use common::{Env, csv_rows};

const PAYLOAD_PUPILS: &str = "SCN,Forename,Surname,Stage,House,CAT Mean SAS\n\
100000001,=HYPERLINK(\"http://x\"),@SUM(A1),S1,+cmd|' /C calc'!A0,115\n";
const PAYLOAD_BGE: &str = "SCN,Subject,Level,Comment\n\
100000001,-2+3+cmd,1a,=1+1\n100000001,English,2b,fine\n";

fn payload_store(env: &Env) {
    let p = env.write("p.csv", PAYLOAD_PUPILS);
    let b = env.write("b.csv", PAYLOAD_BGE);
    env.ok(&[
        "-q",
        "ingest",
        "--window",
        "2025-26/1",
        p.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
}

#[test]
fn csv_neutralises_payloads_but_numbers_stay_numbers() {
    let env = Env::new();
    payload_store(&env);
    let rows = csv_rows(&env.ok(&["offtrack", "--format", "csv"]));
    assert_eq!(rows[1][3], "'=HYPERLINK(\"http://x\")");
    assert_eq!(rows[1][4], "'@SUM(A1)");
    assert_eq!(rows[1][7], "'+cmd|' /C calc'!A0");
    let rows = csv_rows(&env.ok(&["subjects", "--format", "csv"]));
    let payload = rows.iter().find(|r| r[4].contains("cmd")).unwrap();
    assert_eq!(payload[4], "'-2+3+cmd");
    assert_eq!(payload[10], "-4", "steps -4 is a number, not neutralised");
}

#[test]
fn xlsx_holds_strings_not_formulas_with_a_styled_header() {
    let env = Env::new();
    payload_store(&env);
    let out = env.path("off.xlsx");
    env.ok(&["offtrack", "--format", "xlsx", "-o", out.to_str().unwrap()]);
    let mut book: Xlsx<_> = open_workbook(&out).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    assert_eq!(range.get((0, 2)), Some(&Data::String("scn".into())));
    assert_eq!(
        range.get((1, 3)),
        Some(&Data::String("'=HYPERLINK(\"http://x\")".into()))
    );
    assert_eq!(range.get((1, 4)), Some(&Data::String("'@SUM(A1)".into())));
    assert!(matches!(range.get((1, 13)), Some(Data::Float(f)) if *f == 1.0));
    let formulas = book.worksheet_formula(&sheet).unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formula cells"
    );

    let subj = env.path("subj.xlsx");
    env.ok(&["subjects", "--format", "xlsx", "-o", subj.to_str().unwrap()]);
    let mut book: Xlsx<_> = open_workbook(&subj).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    let cells: Vec<String> = range.rows().map(|r| r[4].to_string()).collect();
    assert!(cells.contains(&"'-2+3+cmd".to_string()), "{cells:?}");
    let steps: Vec<&Data> = range.rows().skip(1).map(|r| &r[10]).collect();
    assert!(steps.contains(&&Data::Float(-4.0)), "{steps:?}");
}

#[test]
fn parquet_output_is_typed() {
    let env = Env::new();
    env.small_school();
    let out = env.path("off.parquet");
    env.ok(&[
        "--config",
        &env.small_config(),
        "offtrack",
        "--format",
        "parquet",
        "-o",
        out.to_str().unwrap(),
    ]);
    use polars::prelude::*;
    let df = ParquetReader::new(std::fs::File::open(&out).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height(), 7);
    assert_eq!(
        df.column("faculties_off_track").unwrap().dtype(),
        &DataType::Int64
    );
    assert_eq!(df.column("attendance").unwrap().dtype(), &DataType::Float64);
    assert_eq!(df.column("scn").unwrap().dtype(), &DataType::String);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn table_format_is_readable_and_colour_follows_the_flag() {
    let env = Env::new();
    env.small_school();
    let cfg = env.small_config();
    let plain = env.ok(&["--config", &cfg, "subjects", "--color", "never"]);
    assert!(plain.contains("off_track") && !plain.contains('\u{1b}'));
    let coloured = env.ok(&["--config", &cfg, "subjects", "--color", "always"]);
    assert!(
        coloured.contains('\u{1b}'),
        "--color always colours statuses"
    );
    let mut c = env.cmd();
    let out = c
        .env("NO_COLOR", "1")
        .args(["--config", &cfg, "subjects"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
}

#[test]
fn windows_lists_in_every_format() {
    let env = Env::new();
    env.small_school();
    let rows = csv_rows(&env.ok(&["windows", "--format", "csv"]));
    assert_eq!(rows.len(), 6);
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["windows", "--format", "json"])).unwrap();
    assert_eq!(json[1]["kind"], "bge");
    assert_eq!(json[1]["rows"], 24);
    assert!(env.ok(&["windows"]).contains("interventions"));
}
