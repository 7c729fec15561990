//! The summary as tables: one long table (csv, json, xlsx, parquet) with a
//! row per school, section, stage, faculty, group and measure, and a
//! readable set of tables for the terminal.

use crate::output::{Cell as Out, ColType, Table};
use crate::rules::Status;

use super::{Block, Cell, Measure, Previous, Section, Summary, stage_name};

/// The long table's columns (README "Summary and the HTML page").
pub const COLUMNS: &[(&str, ColType)] = &[
    ("school", ColType::Text),
    ("window", ColType::Text),
    ("previous_window", ColType::Text),
    ("section", ColType::Text),
    ("stage", ColType::Text),
    ("faculty", ColType::Text),
    ("group", ColType::Text),
    ("measure", ColType::Text),
    ("basis", ColType::Text),
    ("pupils", ColType::Int),
    ("entries", ColType::Int),
    ("count", ColType::Int),
    ("percent", ColType::Float),
    ("gap", ColType::Float),
    ("previous", ColType::Float),
    ("change", ColType::Float),
    ("suppressed", ColType::Text),
];

/// What a suppressed figure shows.
pub const SUPPRESSED: &str = "c";

/// How suppressed figures are written: `c`, or null where a column must
/// stay numeric (Parquet).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Hidden {
    Letter,
    Null,
}

impl Hidden {
    /// What a hidden figure shows in this format.
    pub fn cell(self) -> Out {
        match self {
            Hidden::Letter => Out::from(SUPPRESSED),
            Hidden::Null => Out::Null,
        }
    }
}

/// Windows joined with `; ` (several only for `ALL`).
pub fn windows_label(
    ws: &std::collections::BTreeSet<crate::rules::window::Window>,
) -> Option<String> {
    (!ws.is_empty()).then(|| {
        ws.iter()
            .map(|w| w.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// The long table.
pub fn long(summary: &Summary, hidden: Hidden) -> Table {
    let mut t = Table::new("summary", COLUMNS);
    for block in &summary.blocks {
        for cell in &block.cells {
            for m in &cell.measures {
                t.rows.push(long_row(block, cell, m, hidden));
            }
        }
    }
    t
}

fn long_row(block: &Block, cell: &Cell, m: &Measure, hidden: Hidden) -> Vec<Out> {
    let k = &cell.key;
    let faculty = match (k.section, &k.faculty) {
        (_, Some(f)) => Out::from(f.as_str()),
        (Section::Status, None) => Out::from("all"),
        _ => Out::Null,
    };
    let c = cell.suppressed;
    // A figure that does not apply stays empty even when the cell is hidden.
    let shown = |v: Out| {
        if c && v != Out::Null {
            hidden.cell()
        } else {
            v
        }
    };
    vec![
        Out::from(block.school.as_str()),
        Out::from(windows_label(&block.windows)),
        Out::from(windows_label(&block.previous_windows)),
        Out::from(k.section.as_str()),
        Out::from(stage_name(k.stage)),
        faculty,
        Out::from(k.group.as_str()),
        Out::from(m.name),
        Out::from(m.basis.map(|b| b.as_str())),
        shown(Out::from(cell.pupils)),
        shown(Out::from(cell.entries)),
        shown(Out::from(m.count)),
        shown(Out::from(m.percent)),
        shown(Out::from(m.gap)),
        previous(m, hidden),
        shown(Out::from(m.change())),
        Out::from(if c { "Y" } else { "N" }),
    ]
}

fn previous(m: &Measure, hidden: Hidden) -> Out {
    match m.previous {
        Some(Previous::Shown(v)) => Out::Float(v),
        Some(Previous::Suppressed) => hidden.cell(),
        None => Out::Null,
    }
}

/// A percentage for the readable tables: the figure, `c`, or empty.
fn pct(cell: &Cell, v: Option<f64>) -> Out {
    if cell.suppressed && v.is_some() {
        Out::from(SUPPRESSED)
    } else {
        Out::from(v)
    }
}

fn count(cell: &Cell, v: Option<usize>) -> Out {
    if cell.suppressed && v.is_some() {
        Out::from(SUPPRESSED)
    } else {
        Out::from(v)
    }
}

/// A readable label for an equity group id.
pub fn group_label(group: &str) -> String {
    match group {
        "all" => "All pupils".to_string(),
        "simd_q1" => "SIMD quintile 1".to_string(),
        "simd_q5" => "SIMD quintile 5".to_string(),
        "fsm" => "FSM".to_string(),
        "not_fsm" => "Not FSM".to_string(),
        "asn" => "ASN".to_string(),
        "not_asn" => "Not ASN".to_string(),
        "care_experienced" => "Care experienced".to_string(),
        "young_carer" => "Young carer".to_string(),
        g => match g.strip_prefix("gender:") {
            Some(v) => format!("Gender {v}"),
            None => g.to_string(),
        },
    }
}

/// The readable tables of `--format table`: four per block.
pub fn readable(summary: &Summary) -> Vec<Table> {
    let mut out = Vec::new();
    for b in &summary.blocks {
        let head = format!(
            "{} {}{}",
            b.school,
            windows_label(&b.windows).unwrap_or_default(),
            windows_label(&b.previous_windows)
                .map(|w| format!(" (previous: {w})"))
                .unwrap_or_default()
        );
        out.push(status_table(b, &head));
        out.push(equity_table(b, &head));
        out.push(projection_table(b, &head));
        out.push(early_warning_table(b, &head));
    }
    if let (Some(min), Some(t)) = (summary.min_group, out.first_mut()) {
        t.title.push_str(&format!(
            "\n(c = fewer than {min} pupils, or hidden so that such a group cannot be worked out)"
        ));
    }
    out
}

fn status_table(b: &Block, head: &str) -> Table {
    let mut cols: Vec<(&str, ColType)> = vec![
        ("stage", ColType::Text),
        ("faculty", ColType::Text),
        ("pupils", ColType::Int),
        ("entries", ColType::Int),
    ];
    cols.extend(Status::ALL.iter().map(|s| (s.as_str(), ColType::Float)));
    cols.push(("on_track_then", ColType::Float));
    cols.push(("on_track_change", ColType::Float));
    let mut t = Table::new(&format!("{head}: % of pupil-subjects by status"), &cols);
    for c in b.section(Section::Status) {
        let mut row = vec![
            Out::from(stage_name(c.key.stage)),
            Out::from(c.key.faculty.clone().unwrap_or_else(|| "all".into())),
            count(c, Some(c.pupils)),
            count(c, c.entries),
        ];
        row.extend(c.measures.iter().map(|m| pct(c, m.percent)));
        let on = c.measure("on_track");
        row.push(on.map_or(Out::Null, |m| previous(m, Hidden::Letter)));
        row.push(pct(c, on.and_then(Measure::change)));
        t.rows.push(row);
    }
    t
}

fn equity_table(b: &Block, head: &str) -> Table {
    let mut t = Table::new(
        &format!("{head}: equity, % of pupils (gap = points above the rest of the cohort)"),
        &[
            ("group", ColType::Text),
            ("pupils", ColType::Int),
            ("on_track", ColType::Float),
            ("on_track_gap", ColType::Float),
            ("off_track_1plus", ColType::Float),
            ("off_track_gap", ColType::Float),
            ("on_track_then", ColType::Float),
            ("on_track_change", ColType::Float),
        ],
    );
    for c in b.section(Section::Equity) {
        let (on, off) = (c.measure("on_track"), c.measure("off_track_1plus"));
        t.rows.push(vec![
            Out::from(group_label(&c.key.group)),
            count(c, Some(c.pupils)),
            pct(c, on.and_then(|m| m.percent)),
            pct(c, on.and_then(|m| m.gap)),
            pct(c, off.and_then(|m| m.percent)),
            pct(c, off.and_then(|m| m.gap)),
            on.map_or(Out::Null, |m| previous(m, Hidden::Letter)),
            pct(c, on.and_then(Measure::change)),
        ]);
    }
    t
}

fn projection_table(b: &Block, head: &str) -> Table {
    let mut t = Table::new(
        &format!("{head}: projections, % of pupils on course for 5@5 and 5@6"),
        &[
            ("stage", ColType::Text),
            ("basis", ColType::Text),
            ("pupils", ColType::Int),
            ("5at5", ColType::Float),
            ("5at5_then", ColType::Float),
            ("5at5_change", ColType::Float),
            ("5at6", ColType::Float),
            ("5at6_then", ColType::Float),
            ("5at6_change", ColType::Float),
        ],
    );
    for c in b.section(Section::Projection) {
        let (m5, m6) = (c.measure("5at5"), c.measure("5at6"));
        let basis = [m5, m6]
            .iter()
            .flatten()
            .filter_map(|m| m.basis.map(|b| b.as_str()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
            .join(", ");
        let mut row = vec![
            Out::from(stage_name(c.key.stage)),
            Out::from(basis),
            count(c, Some(c.pupils)),
        ];
        for m in [m5, m6] {
            row.push(pct(c, m.and_then(|m| m.percent)));
            row.push(m.map_or(Out::Null, |m| previous(m, Hidden::Letter)));
            row.push(pct(c, m.and_then(Measure::change)));
        }
        t.rows.push(row);
    }
    t
}

fn early_warning_table(b: &Block, head: &str) -> Table {
    let mut t = Table::new(
        &format!("{head}: early warning (no faculty off track, concerns in many subjects)"),
        &[
            ("stage", ColType::Text),
            ("pupils", ColType::Int),
            ("early_warning", ColType::Int),
            ("percent", ColType::Float),
            ("percent_then", ColType::Float),
            ("change", ColType::Float),
        ],
    );
    for c in b.section(Section::EarlyWarning) {
        let m = c.measure("early_warning");
        t.rows.push(vec![
            Out::from(stage_name(c.key.stage)),
            count(c, Some(c.pupils)),
            count(c, m.and_then(|m| m.count)),
            pct(c, m.and_then(|m| m.percent)),
            m.map_or(Out::Null, |m| previous(m, Hidden::Letter)),
            pct(c, m.and_then(Measure::change)),
        ]);
    }
    t
}
