//! The output formats, written and read back.
use super::*;

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
    assert!(write_guarded(Failing(io::ErrorKind::BrokenPipe), body).is_ok());
    assert!(write_guarded(Failing(io::ErrorKind::PermissionDenied), body).is_err());
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
fn formats_that_need_a_file_or_a_single_table_say_so() {
    let t = Table::new("t", &[("a", ColType::Int)]);
    let err = |o: &OutputOptions| write(&t, o).unwrap_err().to_string();
    assert_eq!(err(&opts(Format::Xlsx, None)), "xlsx output needs -o FILE");
    assert_eq!(
        err(&opts(Format::Parquet, None)),
        "parquet output needs -o FILE"
    );
    assert_eq!(
        err(&opts(Format::Html, None)),
        "--format html is only for summary"
    );
    let dir = tempfile::tempdir().unwrap();
    let o = opts(Format::Parquet, Some(dir.path().join("x.parquet")));
    let e = write_many(&[t.clone(), t.clone()], &o).unwrap_err();
    assert!(e.to_string().contains("one table"), "{e}");
}

/// Parts rendered on several threads, some empty, read back exactly as
/// the same rows streamed one by one.
#[test]
fn chunked_output_equals_streamed_output() {
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
    let dir = tempfile::tempdir().unwrap();
    for format in [Format::Csv, Format::Json] {
        let one = dir.path().join("one");
        let many = dir.path().join("many");
        write_stream("t", &cols, &opts(format, Some(one.clone())), |sink| {
            (0..parts.len()).try_for_each(|i| render(i, sink))
        })
        .unwrap();
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
            String::from_utf8_lossy(&one)
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

/// `write_parts` writes the bytes `write`/`write_many` write for the same
/// rows: empty tables, one part, many parts; one table and two.
#[test]
fn parts_are_written_as_the_tables_they_stand_for() {
    fn table(title: &str, n: usize) -> Table {
        let mut t = Table::new(title, &[("a", ColType::Int), ("b", ColType::Text)]);
        t.rows = (0..n)
            .map(|i| vec![Cell::Int(i as i64), Cell::Text(format!("=x{i}"))])
            .collect();
        t
    }
    const COLS: &[(&str, ColType)] = &[("a", ColType::Int), ("b", ColType::Text)];
    let dir = tempfile::tempdir().unwrap();
    let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
    for (n, m) in [
        (0, 0),
        (3, 0),
        (0, 2),
        (PART_ROWS + 5, 7),
        (2 * PART_ROWS, 1),
    ] {
        let tables = [table("first", n), table("second", m)];
        let renders: Vec<_> = tables
            .iter()
            .map(|t| {
                move |part: usize, sink: &mut dyn Sink| -> Result<()> {
                    for row in t.rows.chunks(PART_ROWS).nth(part).unwrap_or(&[]) {
                        let vals: Vec<Val> = row.iter().map(Val::from).collect();
                        sink.row(&vals)?;
                    }
                    Ok(())
                }
            })
            .collect();
        let parts: Vec<Parts> = tables
            .iter()
            .zip(&renders)
            .map(|(t, render)| Parts {
                title: &t.title,
                columns: COLS,
                parts: t.rows.len().div_ceil(PART_ROWS),
                render,
            })
            .collect();
        for format in [Format::Csv, Format::Json, Format::Table, Format::Parquet] {
            let at = |name: &str| opts(format, Some(dir.path().join(name)));
            write(&tables[0], &at("want1")).unwrap();
            write_parts(&parts[..1], false, &at("got1")).unwrap();
            assert_eq!(read("want1"), read("got1"), "{format:?} {n} rows");
            if format == Format::Parquet {
                continue;
            }
            write_many(&tables, &at("want2")).unwrap();
            write_parts(&parts, true, &at("got2")).unwrap();
            assert_eq!(read("want2"), read("got2"), "{format:?} {n} + {m} rows");
        }
    }
}

#[test]
fn a_row_of_the_wrong_width_is_refused() {
    let mut t = Table::new("t", &[("a", ColType::Int), ("b", ColType::Int)]);
    t.rows.push(vec![Cell::Int(1)]);
    let e = write(&t, &opts(Format::Csv, None)).unwrap_err();
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
