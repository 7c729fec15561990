use super::super::{Cell, Table, table_parts};
use super::*;
use calamine::{Data, Reader, Xlsx};
use proptest::prelude::*;
use std::io::{Cursor, Read};

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

/// The generic workbook of `tables`, its rows written through a directory
/// of its own.
fn book_of(tables: &[Table]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let bytes = table_parts(tables, |parts| workbook(parts, dir.path())).unwrap();
    // The rows' file has no name: nothing is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    bytes
}

fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
    xml
}

/// The `<cols>` element of the first sheet: every column's width.
fn cols(bytes: &[u8]) -> String {
    let xml = part(bytes, "xl/worksheets/sheet1.xml");
    let from = xml.find("<cols>").expect("no <cols>");
    let to = xml.find("</cols>").unwrap();
    xml[from..to].to_string()
}

#[test]
fn text_is_inert_and_numbers_are_numbers() {
    let bytes = book_of(&[table()]);
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
    let book: Xlsx<_> = Xlsx::new(Cursor::new(book_of(&[a, b]))).unwrap();
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

/// The sheet as it was written before rows went out one at a time: every
/// cell held, then the writer's own autofit over all of them. The oracle
/// for [`Widths`].
fn held_and_autofitted(table: &Table) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let bold = Format::new().set_bold();
    let one_decimal = Format::new().set_num_format("0.0");
    for (c, col) in table.columns.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, &col.name, &bold)
            .unwrap();
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Null => {}
                Cell::Int(v) => {
                    sheet.write_number(r, c, *v as f64).unwrap();
                }
                Cell::Float(v) if v.is_finite() => {
                    let v = round1(*v);
                    sheet
                        .write_number_with_format(r, c, v, &one_decimal)
                        .unwrap();
                }
                Cell::Float(_) => {}
                Cell::Text(s) => {
                    sheet.write_string(r, c, neutralise(s)).unwrap();
                }
            }
        }
    }
    let last_col = table.columns.len() as u16 - 1;
    sheet.set_freeze_panes(1, 0).unwrap();
    sheet
        .autofilter(0, 0, table.rows.len() as u32, last_col)
        .unwrap();
    sheet.autofit_to_max_width(MAX_WIDTH_PX);
    book.save_to_buffer().unwrap()
}

/// Widths measured as the rows go out are the widths the writer's autofit
/// gave when it saw every row: wide and combining characters, lines, a
/// text longer than the autofit measures, a header wider than its values
/// (the filter's arrow), and numbers of every shape.
#[test]
fn widths_are_the_writers_autofit() {
    let texts = [
        "",
        "a",
        "Ｗｉｄｅ 漢字",
        "e\u{301}te\u{301}",
        "short\na much longer second line",
        "line\r\nline two",
        &"x".repeat(300),
        &"i".repeat(200),
        "=SUM(A1)",
        "MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM",
    ];
    let ints = [
        0,
        -1,
        7,
        -1234567,
        i64::MAX,
        i64::MIN,
        9_007_199_254_740_993,
    ];
    let floats = [0.0, -0.04, 91.26, -12.35, 1e20, 1e-9, f64::NAN, 123456.78];
    let header_only = "a header much wider than its values";
    let mut t = Table::new(
        "widths",
        &[
            ("text", ColType::Text),
            ("int", ColType::Int),
            ("float", ColType::Float),
            (header_only, ColType::Int),
            ("empty", ColType::Text),
            ("x", ColType::Text),
        ],
    );
    for i in 0..texts.len().max(ints.len()).max(floats.len()) {
        t.rows.push(vec![
            texts.get(i).map_or(Cell::Null, |s| Cell::from(*s)),
            ints.get(i).map_or(Cell::Null, |v| Cell::Int(*v)),
            floats.get(i).map_or(Cell::Null, |v| Cell::Float(*v)),
            Cell::Int(1),
            Cell::Null,
            Cell::from("yy"),
        ]);
    }
    // One column at a time too, so no column's width hides another's.
    let mut tables = vec![t.clone()];
    for c in 0..t.columns.len() {
        let mut one = Table::new("one", &[(&t.columns[c].name, t.columns[c].ty)]);
        one.rows = t.rows.iter().map(|r| vec![r[c].clone()]).collect();
        tables.push(one);
    }
    // And a table of no rows: its header alone.
    let mut empty = t.clone();
    empty.rows.clear();
    tables.push(empty);
    for table in &tables {
        let want = cols(&held_and_autofitted(table));
        assert_eq!(cols(&book_of(std::slice::from_ref(table))), want);
    }
}

#[test]
fn numbers_are_counted_as_rust_prints_them() {
    for v in [
        0.0,
        -0.0,
        1.0,
        -1.0,
        9.0,
        10.0,
        99.9,
        -0.04,
        1e15,
        9_007_199_254_740_992.0,
        -9_007_199_254_740_993.0,
        1e300,
        f64::MIN_POSITIVE,
        i64::MAX as f64,
    ] {
        assert_eq!(usize::from(number_chars(v)), v.to_string().len(), "{v}");
    }
}

proptest! {
    #[test]
    fn any_number_is_counted_as_rust_prints_it(v in any::<f64>(), i in any::<i64>()) {
        prop_assume!(v.is_finite());
        prop_assert_eq!(usize::from(number_chars(v)), v.to_string().len());
        prop_assert_eq!(usize::from(number_chars(i as f64)), (i as f64).to_string().len());
    }
}

/// Rows go to the directory the output is written in; one that cannot
/// take them is an error that names it.
#[test]
fn a_directory_that_cannot_take_the_rows_is_named() {
    let Err(err) = book(Path::new("/no/such/directory")) else {
        panic!("a workbook whose rows have nowhere to go");
    };
    assert!(format!("{err:#}").contains("/no/such/directory"), "{err:#}");
}

/// A panic of our own inside a guarded build is not taken for the
/// writer's: it carries on, as any panic of ours does.
#[test]
fn a_panic_of_ours_is_not_the_writers() {
    let dir = tempfile::tempdir().unwrap();
    let ours =
        std::panic::catch_unwind(|| guarded(dir.path(), || -> Result<()> { panic!("ours") }));
    assert!(ours.is_err());
    // The guard is down again afterwards.
    assert!(guarded(dir.path(), || Ok(1)).is_ok_and(|v| v == 1));
}

#[test]
fn the_systems_words_are_taken_from_the_writers_panic() {
    let said = r#"Couldn't write to xml file: Os { code: 27, kind: FileTooLarge, message: "File too large" }"#;
    assert_eq!(io_message(said), "File too large");
    assert_eq!(io_message("the writer stopped"), "the writer stopped");
}
