//! The terminal table: drawn in runs, it must print what one comfy-table
//! of every row prints.

use super::super::{Table, table_parts};
use super::*;

/// A table as [`write`] prints it, its rows drawn `run_rows` at a time.
fn render_runs(table: &Table, layout: Layout, run_rows: usize) -> String {
    let mut out = Vec::new();
    table_parts(std::slice::from_ref(table), |parts| {
        write_one(&mut out, &parts[0], layout, run_rows)
    })
    .unwrap();
    String::from_utf8(out).unwrap()
}

fn render(table: &Table, layout: Layout) -> String {
    render_runs(table, layout, RUN_ROWS)
}

/// What the terminal printed before tables were drawn in runs: one
/// comfy-table of every row. The runs must match it byte for byte.
fn one_shot(table: &Table, layout: Layout) -> String {
    let compact = (!layout.wide)
        .then(|| COMPACT.iter().find(|(title, _)| *title == table.title))
        .flatten();
    let compacted = compact.map(|(_, names)| {
        let one_value = |i: usize| table.rows.windows(2).all(|w| w[0][i] == w[1][i]);
        let keep: Vec<usize> = names
            .iter()
            .filter_map(|n| table.columns.iter().position(|c| c.name == *n))
            .filter(|&i| table.columns[i].name != "school" || !one_value(i))
            .collect();
        let cut = |cell: &Cell| match cell {
            Cell::Text(s) if s.chars().count() > COMPACT_CHARS => {
                let head: String = s.chars().take(COMPACT_CHARS - 1).collect();
                Cell::Text(head + "…")
            }
            other => other.clone(),
        };
        Table {
            title: table.title.clone(),
            columns: keep.iter().map(|&i| table.columns[i].clone()).collect(),
            rows: table
                .rows
                .iter()
                .map(|r| keep.iter().map(|&i| cut(&r[i])).collect())
                .collect(),
        }
    });
    let table = compacted.as_ref().unwrap_or(table);
    let text = |cell: &Cell| text(Val::from(cell), false);
    let mut ct = comfy(layout);
    ct.set_header(table.columns.iter().map(|c| {
        let cell = comfy_table::Cell::new(&c.name);
        if layout.style {
            cell.add_attribute(Attribute::Bold)
        } else {
            cell
        }
    }));
    for (i, col) in table.columns.iter().enumerate() {
        if matches!(col.ty, ColType::Int | ColType::Float)
            && let Some(c) = ct.column_mut(i)
        {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    for row in &table.rows {
        ct.add_row(table.columns.iter().zip(row).map(|(col, cell)| {
            let out = comfy_table::Cell::new(text(cell));
            match (layout.style && col.ty == ColType::Status, cell) {
                (true, Cell::Text(s)) => match status_color(s) {
                    Some(c) => out.fg(c),
                    None => out,
                },
                _ => out,
            }
        }));
    }
    if layout.terminal {
        for i in 0..table.columns.len() {
            let longest = table
                .rows
                .iter()
                .map(|r| text(&r[i]).chars().count())
                .max()
                .unwrap_or(0);
            let keep = u16::try_from(longest.min(SHORT_VALUE) + 2).unwrap_or(0);
            if let Some(c) = ct.column_mut(i) {
                c.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(keep)));
            }
        }
    }
    format!("{ct}\n")
}

/// Rows of every kind a report holds: long lists, wide characters,
/// newlines, statuses, numbers, nulls, repeated and distinct values.
fn varied(title: &str, rows: usize, schools: usize) -> Table {
    let mut t = Table::new(
        title,
        &[
            ("school", ColType::Text),
            ("scn", ColType::Text),
            ("forename", ColType::Text),
            ("surname", ColType::Text),
            ("stage", ColType::Text),
            ("off_track", ColType::Int),
            ("attendance", ColType::Float),
            ("off_track_faculties", ColType::Text),
            ("status", ColType::Status),
            ("comment", ColType::Text),
        ],
    );
    let faculties = [
        "English",
        "English; Mathematics; Modern Languages; Sciences; Social Subjects",
        "Expressive Arts; Technologies",
        "",
    ];
    // Wide characters, and combining accents (more characters than cells).
    let names = [
        "Ailsa",
        "Ruaraidh",
        "Zoë",
        "李小龍",
        "Mhairi-Catrìona Anndra",
        "A\tB",
        "E\u{301}e\u{301}e\u{301}",
    ];
    let statuses = ["on_track", "off_track", "missing", "slightly_off_track"];
    for r in 0..rows {
        t.rows.push(vec![
            format!("S{:03}", r % schools).into(),
            format!("{:09}", 100_000_000 + r * 7919).into(),
            names[r % names.len()].into(),
            names[(r / 3) % names.len()].repeat(1 + r % 3).into(),
            format!("S{}", 1 + r % 6).into(),
            Cell::Int((r % 9) as i64 - 1),
            if r % 5 == 0 {
                Cell::Null
            } else {
                Cell::Float(r as f64 / 7.0)
            },
            faculties[r % faculties.len()].into(),
            statuses[r % statuses.len()].into(),
            if r % 4 == 0 {
                Cell::from(format!(
                    "Line one of {r}\nline two, which runs on at some length"
                ))
            } else {
                Cell::Null
            },
        ]);
    }
    t
}

#[test]
fn runs_of_rows_print_what_one_table_of_every_row_prints() {
    let layouts = [
        Layout::default(),
        Layout {
            style: true,
            ..Layout::default()
        },
        Layout {
            wide: true,
            ..Layout::default()
        },
        Layout {
            terminal: true,
            width: Some(80),
            ..Layout::default()
        },
        Layout {
            terminal: true,
            width: Some(200),
            style: true,
            ..Layout::default()
        },
        Layout {
            terminal: true,
            width: Some(30),
            wide: true,
            ..Layout::default()
        },
        // Not a terminal after all (a pipe): no width to wrap to.
        Layout {
            terminal: true,
            ..Layout::default()
        },
    ];
    // A column whose every value has more characters than cells, so
    // its lower bound, not its widest value, sets its width.
    let mut accents = Table::new("qa", &[("é", ColType::Text), ("n", ColType::Int)]);
    for n in 0..9 {
        accents
            .rows
            .push(vec!["e\u{301}e\u{301}".into(), Cell::Int(n)]);
    }
    let pipe = Layout {
        terminal: true,
        ..Layout::default()
    };
    assert_ne!(
        one_shot(&accents, pipe),
        one_shot(&accents, Layout::default())
    );
    let tables = ["offtrack", "subjects", "comments"]
        .into_iter()
        .flat_map(|title| {
            [(0, 1), (1, 1), (2, 2), (37, 1), (200, 3)]
                .map(|(rows, schools)| varied(title, rows, schools))
        });
    for t in tables.chain([accents]) {
        for layout in layouts {
            let want = one_shot(&t, layout);
            for run_rows in [1, 3, 64, RUN_ROWS] {
                assert_eq!(
                    render_runs(&t, layout, run_rows),
                    want,
                    "{}, {} rows, {layout:?}, runs of {run_rows}",
                    t.title,
                    t.rows.len()
                );
            }
        }
    }
}

fn sample() -> Table {
    let mut t = Table::new(
        "Off track",
        &[
            ("scn", ColType::Text),
            ("attendance", ColType::Float),
            ("status", ColType::Status),
        ],
    );
    t.rows
        .push(vec!["123".into(), Cell::Float(92.25), "off_track".into()]);
    t.rows
        .push(vec!["4\x1b[2J".into(), Cell::Null, "on_track".into()]);
    t
}

#[test]
fn plain_render_has_no_escapes_and_one_decimal() {
    let s = render(&sample(), Layout::default());
    assert!(!s.contains('\x1b'), "{s}");
    assert!(s.contains("4\u{FFFD}[2J"), "{s}");
    // Rounded like CSV (92.25 -> 92.3, not 92.2) and right-aligned.
    let line = s.lines().find(|l| l.contains("92.")).unwrap();
    assert!(line.contains("       92.3 "), "{line}");
}

#[test]
fn styled_render_colours_statuses() {
    let layout = Layout {
        style: true,
        ..Layout::default()
    };
    let s = render(&sample(), layout);
    assert!(s.contains("\x1b[1m"), "bold header missing: {s:?}");
    assert!(s.contains("\x1b[38;5;9m off_track"), "{s:?}");
    assert!(s.contains("\x1b[38;5;10m on_track"), "{s:?}");
}

#[test]
fn a_compact_table_fits_a_narrow_terminal() {
    let mut t = Table::new(
        "offtrack",
        &[
            ("school", ColType::Text),
            ("scn", ColType::Text),
            ("surname", ColType::Text),
            ("off_track_faculties", ColType::Text),
            ("attendance", ColType::Float),
        ],
    );
    let long = "English; Mathematics; Modern Languages; Sciences; Social Subjects";
    t.rows.push(vec![
        "EHS".into(),
        "123456789".into(),
        "MacDonald-Fitzgerald".into(),
        long.into(),
        Cell::Float(91.5),
    ]);
    let narrow = Layout {
        terminal: true,
        width: Some(60),
        ..Layout::default()
    };
    let s = render(&t, narrow);
    assert!(s.lines().all(|l| l.chars().count() <= 60), "{s}");
    assert!(!s.contains("school") && !s.contains("attendance"), "{s}");
    assert!(s.contains('…'), "long lists are cut: {s}");
    let wide = render(
        &t,
        Layout {
            wide: true,
            ..Layout::default()
        },
    );
    assert!(
        wide.contains("school") && wide.contains("attendance"),
        "{wide}"
    );
}

#[test]
fn many_tables_are_titled() {
    let mut out = Vec::new();
    table_parts(&[sample(), sample()], |parts| {
        write(&mut out, parts, true, Layout::default())
    })
    .unwrap();
    let s = String::from_utf8(out).unwrap();
    assert_eq!(s.matches("Off track\n").count(), 2, "{s}");
}

/// A table with no column is drawn as comfy-table draws it: its borders.
#[test]
fn a_table_of_no_column_is_its_borders() {
    let mut t = Table::new("x", &[]);
    for rows in 0..3 {
        assert_eq!(
            render_runs(&t, Layout::default(), 1),
            one_shot(&t, Layout::default())
        );
        assert_eq!(render(&t, Layout::default()), "┌┐\n╞╡\n└┘\n", "{rows} rows");
        t.rows.push(vec![]);
    }
}
