//! Terminal tables for people reading reports at a prompt.

use std::io::Write;

use anyhow::Result;
use comfy_table::{Attribute, CellAlignment, Color, ContentArrangement, presets};

use super::{Cell, ColType, Table, round1};

/// Write `tables`, each under its title when `titled`, separated by a blank
/// line. `style` adds the bold header and status colours; `terminal` lets
/// the table wrap to the terminal's width (never when writing to a file).
pub fn write(
    w: &mut dyn Write,
    tables: &[Table],
    titled: bool,
    style: bool,
    terminal: bool,
) -> Result<()> {
    for (i, table) in tables.iter().enumerate() {
        if i > 0 {
            writeln!(w)?;
        }
        if titled {
            writeln!(w, "{}", table.title)?;
        }
        writeln!(w, "{}", render(table, style, terminal))?;
    }
    Ok(())
}

/// One table as text. Without `terminal` comfy-table neither measures the
/// terminal nor emits escapes of its own accord.
pub fn render(table: &Table, style: bool, terminal: bool) -> String {
    let mut ct = comfy_table::Table::new();
    ct.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if !terminal {
        ct.force_no_tty();
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
    ct.to_string()
}

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
        let s = render(&sample(), false, false);
        assert!(!s.contains('\x1b'), "{s}");
        assert!(s.contains("4\u{FFFD}[2J"), "{s}");
        // Rounded like CSV (92.25 -> 92.3, not 92.2) and right-aligned.
        let line = s.lines().find(|l| l.contains("92.")).unwrap();
        assert!(line.contains("       92.3 "), "{line}");
    }

    #[test]
    fn styled_render_colours_statuses() {
        let s = render(&sample(), true, false);
        assert!(s.contains("\x1b[1m"), "bold header missing: {s:?}");
        assert!(s.contains("\x1b[38;5;9m off_track"), "{s:?}");
        assert!(s.contains("\x1b[38;5;10m on_track"), "{s:?}");
    }

    #[test]
    fn many_tables_are_titled() {
        let mut out = Vec::new();
        write(&mut out, &[sample(), sample()], true, false, false).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(s.matches("Off track\n").count(), 2, "{s}");
    }
}
