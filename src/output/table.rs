//! Terminal tables for people reading reports at a prompt.
//!
//! A table of three million rows is laid out a few thousand rows at a
//! time, so its memory is that of a few thousand rows: a first pass over
//! the rows measures each column (its widest and its distinct values), a
//! small table of those values gives comfy-table's column widths, and each
//! run of rows is then drawn by comfy-table at exactly those widths. The
//! text is the same, byte for byte, as one comfy-table of every row.

use std::collections::HashSet;
use std::io::Write;

use anyhow::{Context, Result};
use comfy_table::{
    Attribute, CellAlignment, Color, ColumnConstraint, ContentArrangement, Width, presets,
};
use unicode_width::UnicodeWidthStr;

use super::{Cell, Checked, ColType, Parts, Record, Val, check_shape, round1};

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

/// Rows drawn by one comfy-table at a time.
const RUN_ROWS: usize = 4096;

/// Write `tables`, each under its title when `titled`, separated by a blank line.
pub fn write(w: &mut dyn Write, tables: &[Parts], titled: bool, layout: Layout) -> Result<()> {
    for (i, table) in tables.iter().enumerate() {
        if i > 0 {
            writeln!(w)?;
        }
        if titled {
            writeln!(w, "{}", table.title)?;
        }
        write_one(w, table, layout, RUN_ROWS)?;
    }
    Ok(())
}

/// One table, `run_rows` rows to a comfy-table. Both passes take the
/// table's parts on every core; the second writes them in order.
fn write_one(w: &mut dyn Write, table: &Parts, layout: Layout, run_rows: usize) -> Result<()> {
    use rayon::prelude::*;
    if let Some(cells) = table.cells {
        check_shape(cells)?;
    }
    let shown = Shown::of(table, layout);
    let wraps = layout.terminal && comfy(layout).width().is_some();
    let measure = (0..table.parts)
        .into_par_iter()
        .map(|part| {
            let mut measure = Measure::new(&shown, wraps);
            shown.render(table, part, &mut |vals, texts| {
                measure.add(&shown, vals, texts);
                Ok(())
            })?;
            Ok::<_, anyhow::Error>(measure)
        })
        .try_reduce(|| Measure::new(&shown, wraps), |a, b| Ok(a.then(b)))?;
    let keep = measure.kept(&shown);
    let columns: Vec<(&str, ColType)> = keep.iter().map(|&i| shown.columns[i]).collect();
    let widths = measure.widths(&keep, &columns, layout);
    drop(measure);

    // The header between its borders, then each run of rows drawn without
    // its header and with its borders cut off, then the bottom border.
    let mut head = comfy(layout);
    head.set_header(columns.iter().map(|(name, _)| {
        let cell = comfy_table::Cell::new(name);
        if layout.style {
            cell.add_attribute(Attribute::Bold)
        } else {
            cell
        }
    }));
    fix(&mut head, &columns, &widths);
    let head: Vec<String> = head.lines().collect();
    let (bottom, top) = head
        .split_last()
        .context("a terminal table without its borders")?;
    for line in top {
        writeln!(w, "{line}")?;
    }
    let draw = |run: &mut Vec<Vec<String>>, out: &mut Vec<u8>| -> Result<()> {
        if run.is_empty() {
            return Ok(());
        }
        let mut ct = comfy(layout);
        for row in run.drain(..) {
            ct.add_row(row.into_iter().zip(&columns).map(|(text, (_, ty))| {
                let colour = (layout.style && *ty == ColType::Status)
                    .then(|| status_color(&text))
                    .flatten();
                let cell = comfy_table::Cell::new(text);
                match colour {
                    Some(c) => cell.fg(c),
                    None => cell,
                }
            }));
        }
        fix(&mut ct, &columns, &widths);
        let lines: Vec<String> = ct.lines().collect();
        for line in &lines[1..lines.len() - 1] {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        Ok(())
    };
    super::in_waves(
        table.parts,
        |part, out| {
            let mut run = Vec::new();
            shown.render(table, part, &mut |_, texts| {
                run.push(
                    keep.iter()
                        .map(|&i| std::mem::take(&mut texts[i]))
                        .collect(),
                );
                if run.len() == run_rows {
                    draw(&mut run, out)?;
                }
                Ok(())
            })?;
            draw(&mut run, out)
        },
        |out| Ok(w.write_all(out)?),
    )?;
    writeln!(w, "{bottom}")?;
    Ok(())
}

/// The columns a terminal may show, before `school` is dropped for
/// holding one value, and whether long text is cut.
struct Shown<'a> {
    /// Index into the table's columns, name and type.
    index: Vec<usize>,
    columns: Vec<(&'a str, ColType)>,
    /// The compact set: long text cut and `school` shown only when it varies.
    compact: bool,
}

impl<'a> Shown<'a> {
    fn of(table: &Parts<'a>, layout: Layout) -> Shown<'a> {
        let set = (!layout.wide)
            .then(|| COMPACT.iter().find(|(title, _)| *title == table.title))
            .flatten();
        let index: Vec<usize> = match set {
            Some((_, names)) => names
                .iter()
                .filter_map(|n| table.columns.iter().position(|(c, _)| c == n))
                .collect(),
            None => (0..table.columns.len()).collect(),
        };
        Shown {
            columns: index.iter().map(|&i| table.columns[i]).collect(),
            index,
            compact: set.is_some(),
        }
    }

    /// Hand each row of one part, and its shown cells as a terminal prints
    /// them, to `each`.
    fn render(&self, table: &Parts, part: usize, each: &mut EachRow) -> Result<()> {
        let rows = Rows { shown: self, each };
        (table.render)(part, &mut Checked(table.title, table.columns.len(), rows))
    }

    /// The shown cells of one row as a terminal prints them.
    fn texts(&self, vals: &[Val]) -> Vec<String> {
        self.index
            .iter()
            .map(|&i| text(vals[i], self.compact))
            .collect()
    }
}

/// What is done with a row: its cells, and the shown ones as text.
type EachRow<'a> = dyn FnMut(&[Val], &mut Vec<String>) -> Result<()> + 'a;

/// Hands each row's shown texts to `each`.
struct Rows<'a, 'b> {
    shown: &'a Shown<'a>,
    each: &'b mut EachRow<'b>,
}

impl Record for Rows<'_, '_> {
    fn record(&mut self, vals: &[Val]) -> Result<()> {
        (self.each)(vals, &mut self.shown.texts(vals))
    }
}

/// What the layout of a column depends on. Without a known width a
/// column is as wide as its widest value (or a short value's lower bound);
/// in a terminal of known width comfy-table also weighs how each value
/// would wrap, which is the same for every copy of a value, so then the
/// column's distinct values are kept.
struct Measure {
    /// Characters in the longest value, for the lower bound.
    longest: Vec<usize>,
    /// The widest value in terminal cells, and its width.
    widest: Vec<(usize, String)>,
    /// Each column's distinct values, when the table wraps to a width.
    distinct: Option<Vec<HashSet<String>>>,
    /// The first row's cells, and whether a later row differs in each column.
    first: Option<Vec<Cell>>,
    varies: Vec<bool>,
}

impl Measure {
    fn new(shown: &Shown, wraps: bool) -> Measure {
        let n = shown.columns.len();
        Measure {
            longest: vec![0; n],
            widest: vec![(0, String::new()); n],
            distinct: wraps.then(|| vec![HashSet::new(); n]),
            first: None,
            varies: vec![false; n],
        }
    }

    fn add(&mut self, shown: &Shown, vals: &[Val], texts: &mut [String]) {
        match &self.first {
            None => self.first = Some(shown.index.iter().map(|&i| vals[i].to_cell()).collect()),
            Some(first) => {
                for ((v, cell), &i) in self.varies.iter_mut().zip(first).zip(&shown.index) {
                    *v |= Val::from(cell) != vals[i];
                }
            }
        }
        for (i, t) in texts.iter_mut().enumerate() {
            self.longest[i] = self.longest[i].max(t.chars().count());
            // comfy-table's measure: the widest line, in terminal cells.
            let width = t.split('\n').map(|l| l.width()).max().unwrap_or(0);
            if width > self.widest[i].0 {
                self.widest[i] = (width, t.clone());
            }
            if let Some(distinct) = &mut self.distinct
                && !distinct[i].contains(t.as_str())
            {
                distinct[i].insert(std::mem::take(t));
            }
        }
    }

    /// The measure of `self`'s rows followed by `next`'s.
    fn then(mut self, next: Measure) -> Measure {
        for (a, b) in self.longest.iter_mut().zip(next.longest) {
            *a = (*a).max(b);
        }
        for (a, b) in self.widest.iter_mut().zip(next.widest) {
            if b.0 > a.0 {
                *a = b;
            }
        }
        if let (Some(a), Some(b)) = (&mut self.distinct, next.distinct) {
            for (a, b) in a.iter_mut().zip(b) {
                a.extend(b);
            }
        }
        match (&self.first, next.first) {
            (None, first) => {
                self.first = first;
                self.varies = next.varies;
            }
            (Some(_), None) => {}
            (Some(a), Some(b)) => {
                for (v, ((a, b), w)) in self
                    .varies
                    .iter_mut()
                    .zip(a.iter().zip(&b).zip(next.varies))
                {
                    *v |= w || a != b;
                }
            }
        }
        self
    }

    /// The shown columns that stay: all but a compact table's `school`
    /// when every row holds the same one.
    fn kept(&self, shown: &Shown) -> Vec<usize> {
        (0..shown.columns.len())
            .filter(|&i| !shown.compact || shown.columns[i].0 != "school" || self.varies[i])
            .collect()
    }

    /// Each kept column's width, borders' padding included, as comfy-table
    /// lays out a table of every row: read from the top border of a table
    /// of the header and the values the layout depends on.
    fn widths(&self, keep: &[usize], columns: &[(&str, ColType)], layout: Layout) -> Vec<u16> {
        let mut probe = comfy(layout);
        probe.set_header(columns.iter().map(|(name, _)| comfy_table::Cell::new(name)));
        match &self.distinct {
            Some(distinct) => {
                let mut values: Vec<Vec<&str>> = keep
                    .iter()
                    .map(|&i| distinct[i].iter().map(String::as_str).collect())
                    .collect();
                values.iter_mut().for_each(|v| v.sort_unstable());
                // A row ends after its last column with a value left: a
                // missing cell counts for nothing in the layout.
                for r in 0..values.iter().map(Vec::len).max().unwrap_or(0) {
                    let cells = values
                        .iter()
                        .rposition(|v| r < v.len())
                        .map_or(0, |c| c + 1);
                    probe.add_row(
                        values[..cells]
                            .iter()
                            .map(|v| v.get(r).copied().unwrap_or("")),
                    );
                }
            }
            None => {
                probe.add_row(keep.iter().map(|&i| self.widest[i].1.as_str()));
            }
        }
        // Short values (an SCN, a stage, a name) keep their line when the
        // table is squeezed; long text wraps instead.
        if layout.terminal {
            for (c, &i) in keep.iter().enumerate() {
                // The boundary counts the cell's padding, one space either side.
                let keep = u16::try_from(self.longest[i].min(SHORT_VALUE) + 2).unwrap_or(0);
                if let Some(col) = probe.column_mut(c) {
                    col.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(keep)));
                }
            }
        }
        let top = probe.lines().next().unwrap_or_default();
        let inner: Vec<char> = top.chars().collect();
        let inner: String = inner[1.min(inner.len())..inner.len().saturating_sub(1)]
            .iter()
            .collect();
        inner
            .split('┬')
            .map(|s| u16::try_from(s.chars().count()).unwrap_or(u16::MAX))
            .collect()
    }
}

/// A comfy-table set up as every terminal table is, before its cells.
fn comfy(layout: Layout) -> comfy_table::Table {
    let mut ct = comfy_table::Table::new();
    ct.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if !layout.terminal {
        // Outside a terminal comfy-table neither measures the terminal nor
        // emits escapes of its own accord.
        ct.force_no_tty();
    } else if let Some(width) = layout.width {
        ct.set_width(width);
    }
    if layout.style {
        // Honour `--color always` when stdout is a pipe (`| less -R`).
        ct.enforce_styling();
    }
    ct
}

/// Fix each column of `ct` (whose cells are in) at `widths`, numbers on the right.
fn fix(ct: &mut comfy_table::Table, columns: &[(&str, ColType)], widths: &[u16]) {
    for (i, ((_, ty), width)) in columns.iter().zip(widths).enumerate() {
        if let Some(c) = ct.column_mut(i) {
            c.set_constraint(ColumnConstraint::Absolute(Width::Fixed(*width)));
            if matches!(ty, ColType::Int | ColType::Float) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
    }
}

/// Values up to this long are kept on one line in a squeezed table.
const SHORT_VALUE: usize = 10;

/// A cell as a terminal shows it; in a compact table long text is cut short.
fn text(val: Val, compact: bool) -> String {
    match val {
        Val::Null => String::new(),
        Val::Int(v) => v.to_string(),
        Val::Float(v) => format!("{:.1}", round1(v)),
        Val::Text(s) if compact && s.chars().count() > COMPACT_CHARS => {
            let head: String = s.chars().take(COMPACT_CHARS - 1).collect();
            printable(&(head + "…"))
        }
        Val::Text(s) => printable(s),
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
mod tests;
