//! The output formats, written and read back.
use super::*;
use std::io::{self, Write};

#[test]
fn neutralise_prefixes_formulas_and_keeps_numbers() {
    let cases = [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd", "'-2+3+cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\t1", "'\t1"),
        ("-", "'-"),
        ("+.", "'+."),
        ("-1", "-1"),
        ("+3.5", "+3.5"),
        ("-0.25", "-0.25"),
        ("2b", "2b"),
        ("O'Neil", "O'Neil"),
        ("", ""),
    ];
    for (input, want) in cases {
        assert_eq!(neutralise(input), want, "input {input:?}");
    }
    assert!(matches!(neutralise("plain"), Cow::Borrowed(_)));
}

#[test]
fn round1_rounds_and_drops_negative_zero() {
    assert_eq!(round1(12.34), 12.3);
    assert_eq!(round1(12.35), 12.4);
    assert_eq!(round1(-0.04).to_string(), "0");
}

#[test]
fn broken_pipe_is_success_but_other_errors_are_not() {
    struct Failing(io::ErrorKind);
    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(self.0.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(self.0.into())
        }
    }
    let big = "x".repeat(100_000);
    let body = |w: &mut dyn Write| Ok(w.write_all(big.as_bytes())?);
    assert!(file::write_guarded(Failing(io::ErrorKind::BrokenPipe), body).is_ok());
    assert!(file::write_guarded(Failing(io::ErrorKind::PermissionDenied), body).is_err());
}

fn opts(format: Format, output: Option<PathBuf>) -> OutputOptions {
    OutputOptions {
        format,
        output,
        color: false,
        wide: false,
        width: None,
    }
}

#[test]
fn formats_that_need_a_file_or_a_page_say_so() {
    let t = Table::new("t", &[("a", ColType::Int)]);
    let err = |o: &OutputOptions| write(&t, o).unwrap_err().to_string();
    assert_eq!(err(&opts(Format::Xlsx, None)), "xlsx output needs -o FILE");
    assert_eq!(
        err(&opts(Format::Parquet, None)),
        "parquet output needs -o FILE"
    );
    assert_eq!(
        err(&opts(Format::Html, None)),
        "--format html is only for summary and grid"
    );
}

fn two_tables() -> [Table; 2] {
    let mut a = Table::new("first", &[("x", ColType::Int)]);
    a.rows.push(vec![Cell::Int(1)]);
    let mut b = Table::new("second", &[("y", ColType::Text)]);
    b.rows.push(vec!["=z".into()]);
    [a, b]
}

/// SPEC 11.6: CSV and Parquet hold one table, the report's first; JSON,
/// the terminal and xlsx hold every table.
#[test]
fn several_tables_in_each_format() {
    let dir = tempfile::tempdir().unwrap();
    let tables = two_tables();
    let at = |format, name: &str| opts(format, Some(dir.path().join(name)));
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    table_parts(&tables, |parts| {
        let report = Report::of(parts);
        for (format, name) in [
            (Format::Csv, "a.csv"),
            (Format::Json, "a.json"),
            (Format::Table, "a.txt"),
            (Format::Parquet, "a.parquet"),
            (Format::Xlsx, "a.xlsx"),
        ] {
            emit(&report, &at(format, name)).unwrap();
        }
    });
    assert_eq!(read("a.csv"), "x\n1\n");
    assert_eq!(
        read("a.json"),
        "{\n\"first\":[\n{\"x\":1}\n],\n\"second\":[\n{\"y\":\"=z\"}\n]\n}\n"
    );
    let text = read("a.txt");
    assert!(
        text.starts_with("first\n") && text.contains("\n\nsecond\n"),
        "{text}"
    );
    let df = polars::prelude::ParquetReader::new(
        std::fs::File::open(dir.path().join("a.parquet")).unwrap(),
    );
    use polars::prelude::SerReader;
    let df = df.finish().unwrap();
    assert_eq!(df.get_column_names(), ["x"]);
}

/// A report's own workbook and page take the place of the generic ones,
/// and its terminal tables of the data.
#[test]
fn a_report_renders_its_own_views() {
    let dir = tempfile::tempdir().unwrap();
    let tables = two_tables();
    let shown = [tables[1].clone()];
    let workbook = |_: &std::path::Path| Ok(b"BOOK".to_vec());
    let page = |w: &mut dyn Write| Ok(w.write_all(b"<html>")?);
    table_parts(&tables[..1], |parts| {
        let report = Report {
            tables: parts,
            terminal: Some(&shown),
            workbook: Some(&workbook),
            page: Some(&page),
        };
        for (format, name) in [
            (Format::Xlsx, "r.xlsx"),
            (Format::Html, "r.html"),
            (Format::Table, "r.txt"),
            (Format::Csv, "r.csv"),
        ] {
            emit(&report, &opts(format, Some(dir.path().join(name)))).unwrap();
        }
    });
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    assert_eq!(read("r.xlsx"), "BOOK");
    assert_eq!(read("r.html"), "<html>");
    assert!(read("r.txt").starts_with("second\n"));
    assert_eq!(read("r.csv"), "x\n1\n");
}

/// Parts rendered on several threads, some empty, are written exactly as
/// the same rows held as one table of cells.
#[test]
fn chunked_output_equals_a_table_of_cells() {
    let cols = [("name", ColType::Text), ("n", ColType::Int)];
    let parts: Vec<Vec<(String, i64)>> = vec![
        vec![],
        vec![("a".into(), 1), ("=b".into(), 2)],
        vec![],
        (0..40).map(|i| (format!("r{i}"), i)).collect(),
        vec![("c, \"d\"".into(), -3)],
    ];
    let render = |i: usize, sink: &mut dyn Sink| -> Result<()> {
        for (name, n) in &parts[i] {
            sink.row(&[Val::Text(name), Val::Int(*n)])?;
        }
        Ok(())
    };
    let mut table = Table::new("t", &cols);
    table.rows = parts
        .iter()
        .flatten()
        .map(|(name, n)| vec![Cell::Text(name.clone()), Cell::Int(*n)])
        .collect();
    let dir = tempfile::tempdir().unwrap();
    for format in [Format::Csv, Format::Json, Format::Table] {
        let one = dir.path().join("one");
        let many = dir.path().join("many");
        write(&table, &opts(format, Some(one.clone()))).unwrap();
        write_chunks(
            "t",
            &cols,
            &opts(format, Some(many.clone())),
            parts.len(),
            render,
        )
        .unwrap();
        let (one, many) = (std::fs::read(one).unwrap(), std::fs::read(many).unwrap());
        assert_eq!(
            String::from_utf8_lossy(&many),
            String::from_utf8_lossy(&one),
            "{format:?}"
        );
    }
    // No rows at all: a header alone, an empty array.
    for (format, want) in [(Format::Csv, "name,n\n"), (Format::Json, "[]\n")] {
        let path = dir.path().join("empty");
        write_chunks("t", &cols, &opts(format, Some(path.clone())), 3, |_, _| {
            Ok(())
        })
        .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), want);
    }
}

#[test]
fn a_row_of_the_wrong_width_is_refused() {
    let mut t = Table::new("t", &[("a", ColType::Int), ("b", ColType::Int)]);
    t.rows.push(vec![Cell::Int(1)]);
    let e = write(&t, &opts(Format::Csv, None)).unwrap_err();
    assert_eq!(e.to_string(), "table `t`: a row has 1 cells, expected 2");
    let e = write(&t, &opts(Format::Table, None)).unwrap_err();
    assert_eq!(e.to_string(), "table `t`: row 1 has 1 cells, expected 2");
}

#[cfg(unix)]
#[test]
fn files_are_owner_only_and_replace_the_target() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.csv");
    std::fs::write(&path, "old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut t = Table::new("t", &[("a", ColType::Int)]);
    t.rows.push(vec![Cell::Int(7)]);
    for format in [
        Format::Csv,
        Format::Json,
        Format::Table,
        Format::Xlsx,
        Format::Parquet,
    ] {
        write(&t, &opts(format, Some(path.clone()))).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{format:?}");
    }
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_named_pipe_or_a_link_stays_what_it_is() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    // A FIFO stands in for /dev/null, which a regression must not break.
    let fifo = dir.path().join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let mut t = Table::new("t", &[("a", ColType::Int)]);
    t.rows.push(vec![Cell::Int(7)]);
    write(&t, &opts(Format::Csv, Some(fifo.clone()))).unwrap();
    // Checked before joining: a replaced pipe would leave the reader
    // blocked for ever.
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(reader.join().unwrap(), "a\n7\n");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    let target = dir.path().join("real.csv");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    write(&t, &opts(Format::Csv, Some(link.clone()))).unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "a\n7\n");
}

#[test]
fn a_failed_write_leaves_the_old_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.csv");
    std::fs::write(&path, "old").unwrap();
    let r = write_file_atomic(&path, |w| {
        w.write_all(b"half")?;
        bail!("boom")
    });
    assert!(r.is_err());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// A table longer than a sheet is refused before a workbook is built, with
/// what to do instead, and no file is written.
#[test]
fn a_table_longer_than_a_sheet_is_refused_before_it_is_built() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.xlsx");
    let parts = SHEET_ROWS.div_ceil(PART_ROWS) + 1;
    let e = write_chunks(
        "subjects",
        &[("n", ColType::Int)],
        &opts(Format::Xlsx, Some(path.clone())),
        parts,
        |part, sink| {
            (0..PART_ROWS).try_for_each(|i| sink.row(&[Val::Int((part * PART_ROWS + i) as i64)]))
        },
    )
    .unwrap_err();
    let rows = parts * PART_ROWS;
    assert_eq!(
        e.to_string(),
        format!(
            "`subjects` has {rows} rows, more than an xlsx sheet holds (1048575 below its header); \
             write it with `--format csv` or `--format parquet`, or narrow it with `--school`, \
             `--stage` or a filter"
        )
    );
    assert!(!path.exists());
}
