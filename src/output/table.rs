//! Terminal tables for people reading reports at a prompt.

use std::io::Write;

use anyhow::Result;
use comfy_table::{
    Attribute, CellAlignment, Color, ColumnConstraint, ContentArrangement, Width, presets,
};

use super::{Cell, ColType, Table, round1};

/// How a terminal table is laid out.
#[derive(Debug, Clone, Copy, Default)]
pub struct Layout {
    /// The bold header and status colours.
    pub style: bool,
    /// Writing to a terminal (never a file): the table wraps to its width.
    pub terminal: bool,
    /// The terminal's width when known (`COLUMNS`), else comfy-table asks
    /// the terminal.
    pub width: Option<u16>,
    /// Every column, not the report's compact set.
    pub wide: bool,
}

/// The columns a report shows in a terminal unless `--wide`: what a person
/// reads at a prompt, few enough to fit a terminal's width (SPEC 11.4).
/// `school` is shown only when the rows come from more than one.
const COMPACT: &[(&str, &[&str])] = &[
    (
        "impact",
        &[
            "school",
            "window",
            "next_window",
            "group",
            "pupils",
            "improved",
            "worse",
            "still_off_track",
            "comparison_pupils",
            "comparison_improved",
            "difference",
        ],
    ),
    (
        "offtrack",
        &[
            "school",
            "scn",
            "forename",
            "surname",
            "stage",
            "off_track",
            "faculties_off_track",
            "off_track_faculties",
            "lead_role",
            "lead_name",
            "override",
        ],
    ),
    (
        "followup",
        &[
            "school",
            "lead_role",
            "lead_name",
            "scn",
            "forename",
            "surname",
            "stage",
            "faculties_off_track",
            "off_track_faculties",
            "override",
        ],
    ),
    (
        "subjects",
        &[
            "school",
            "scn",
            "stage",
            "subject",
            "level",
            "expected_level",
            "course_level",
            "target_grade",
            "working_grade",
            "status",
        ],
    ),
    (
        "pupil",
        &[
            "school",
            "window",
            "subject",
            "level",
            "expected_level",
            "course_level",
            "target_grade",
            "working_grade",
            "status",
        ],
    ),
    (
        "grid",
        &[
            "school",
            "scn",
            "surname",
            "forename",
            "stage",
            "on_track",
            "slightly_off_track",
            "off_track",
            "missing",
            "faculties_off_track",
            "change",
            "lead_role",
        ],
    ),
];

/// A compact cell holds at most this many characters; longer text ends `…`.
const COMPACT_CHARS: usize = 32;

/// Write `tables`, each under its title when `titled`, separated by a blank line.
pub fn write<T: std::borrow::Borrow<Table>>(
    w: &mut dyn Write,
    tables: &[T],
    titled: bool,
    layout: Layout,
) -> Result<()> {
    for (i, table) in tables.iter().map(std::borrow::Borrow::borrow).enumerate() {
        if i > 0 {
            writeln!(w)?;
        }
        if titled {
            writeln!(w, "{}", table.title)?;
        }
        writeln!(w, "{}", render(table, layout))?;
    }
    Ok(())
}

/// The table as a terminal shows it: the compact columns unless `wide`,
/// long text cut short.
fn compact(table: &Table, layout: Layout) -> Option<Table> {
    if layout.wide {
        return None;
    }
    let (_, names) = COMPACT.iter().find(|(title, _)| *title == table.title)?;
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
    Some(Table {
        title: table.title.clone(),
        columns: keep.iter().map(|&i| table.columns[i].clone()).collect(),
        rows: table
            .rows
            .iter()
            .map(|r| keep.iter().map(|&i| cut(&r[i])).collect())
            .collect(),
    })
}

/// One table as text. Outside a terminal comfy-table neither measures the
/// terminal nor emits escapes of its own accord.
pub fn render(table: &Table, layout: Layout) -> String {
    let compacted = compact(table, layout);
    let table = compacted.as_ref().unwrap_or(table);
    let (style, terminal) = (layout.style, layout.terminal);
    let mut ct = comfy_table::Table::new();
    ct.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if !terminal {
        ct.force_no_tty();
    } else if let Some(width) = layout.width {
        ct.set_width(width);
    }
    if style {
        // Honour `--color always` when stdout is a pipe (`| less -R`).
        ct.enforce_styling();
    }
    ct.set_header(table.columns.iter().map(|c| {
        let cell = comfy_table::Cell::new(&c.name);
        if style {
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
            match (style && col.ty == ColType::Status, cell) {
                (true, Cell::Text(s)) => match status_color(s) {
                    Some(c) => out.fg(c),
                    None => out,
                },
                _ => out,
            }
        }));
    }
    // Short values (an SCN, a stage, a name) keep their line when the
    // table is squeezed; long text wraps instead.
    if terminal {
        for i in 0..table.columns.len() {
            let longest = table
                .rows
                .iter()
                .map(|r| text(&r[i]).chars().count())
                .max()
                .unwrap_or(0);
            // The boundary counts the cell's padding, one space either side.
            let keep = u16::try_from(longest.min(SHORT_VALUE) + 2).unwrap_or(0);
            if let Some(c) = ct.column_mut(i) {
                c.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(keep)));
            }
        }
    }
    ct.to_string()
}

/// Values up to this long are kept on one line in a squeezed table.
const SHORT_VALUE: usize = 10;

fn text(cell: &Cell) -> String {
    match cell {
        Cell::Null => String::new(),
        Cell::Int(v) => v.to_string(),
        Cell::Float(v) => format!("{:.1}", round1(*v)),
        Cell::Text(s) => printable(s),
    }
}

/// Report text comes from exports typed by many hands; a stray escape
/// character must not be able to restyle or move the user's terminal.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\n' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

fn status_color(status: &str) -> Option<Color> {
    match status {
        "on_track" => Some(Color::Green),
        "slightly_off_track" => Some(Color::Yellow),
        "off_track" => Some(Color::Red),
        "missing" | "no_pathway" | "no_target" => Some(Color::DarkGrey),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        write(&mut out, &[sample(), sample()], true, Layout::default()).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(s.matches("Off track\n").count(), 2, "{s}");
    }
}
