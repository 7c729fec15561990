//! `tracker grid`: the Year Group Tracker itself (SPEC 11.1). One row per
//! pupil, one column per subject (faculty in the config's order, then
//! subject), each cell what was entered and coloured by its status; the
//! pupil's indicators before, the counts, the change and the lead after.
//!
//! [`build`] lays the grid out from the pupils' lines; [`Grid::table`] is
//! the wide table of CSV, JSON and Parquet, [`xlsx`] and [`html`] the
//! pictures a school looks at, a section (sheet) per stage.

pub mod html;
pub mod xlsx;

use std::collections::{BTreeMap, HashMap};

use super::Filter;
use super::model::stage_name;
use super::model::{Need, load};
use super::offtrack::{PupilLine, lines_of, yn_val};
use super::subjects::{level_val, target_val, working_val};
use crate::output::{Cell, ColType, Column, Table, Val};
use crate::rules::followup::text_key;
use crate::rules::window::Window;
use crate::rules::{Ctx, Phase, Status};
use crate::store::read::Snapshot;

/// One subject column: its faculty and the subject as the exports spell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectColumn {
    pub faculty: String,
    pub subject: String,
    /// Subjects are one column ignoring case and surrounding spaces.
    key: String,
}

/// One cell of the grid: what was entered, and the status that colours it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// `2b`; for the Senior Phase `working/target`, e.g. `4/3`.
    pub shown: String,
    pub status: Status,
}

/// A pupil's row: their line, the change in faculties off track, and the
/// entry of each of the grid's subjects (None: not taken).
pub struct GridRow<'a> {
    pub line: PupilLine<'a>,
    /// faculties_off_track minus the previous window's; None without one.
    pub change: Option<i64>,
    pub entries: Vec<Option<Entry>>,
}

/// The pupils of one stage and the subjects taught to them.
pub struct Stage {
    /// `S1` ... `S6`, or `no stage`.
    pub title: String,
    /// Indexes into [`Grid::columns`].
    pub columns: Vec<usize>,
    /// Indexes into [`Grid::rows`], in report order.
    pub rows: Vec<usize>,
}

pub struct Grid<'a> {
    pub window: Window,
    /// Every subject column, in order.
    pub columns: Vec<SubjectColumn>,
    /// Every pupil, sorted as `offtrack`.
    pub rows: Vec<GridRow<'a>>,
    /// One section per stage, in stage order (pupils of no stage last).
    pub stages: Vec<Stage>,
}

/// The previous window's faculties off track, by school and SCN.
pub type Previous = HashMap<(String, String), usize>;

/// Each school's previous window (the latest earlier one the store holds)
/// and its pupils' faculties off track, read on every core.
pub fn previous(
    ctx: &Ctx,
    snap: &Snapshot,
    schools: &[String],
    window: Window,
) -> anyhow::Result<Previous> {
    let earlier: Vec<(String, Window)> = schools
        .iter()
        .filter_map(|school| {
            let w = snap
                .windows(Some(school))
                .range(..window)
                .next_back()
                .copied()?;
            Some((school.clone(), w))
        })
        .collect();
    let per_school = crate::par::map(&earlier, |(school, w)| {
        let sw = load(ctx, snap, school, *w, Need::default())?;
        Ok(lines_of(ctx, &sw)
            .into_iter()
            .map(|l| ((school.clone(), l.scn.to_string()), l.faculties_off_track()))
            .collect::<Vec<_>>())
    })?;
    Ok(per_school.into_iter().flatten().collect())
}

/// The pupil columns at the start of every row.
pub const PUPIL_COLUMNS: &[(&str, ColType)] = &[
    ("school", ColType::Text),
    ("window", ColType::Text),
    ("scn", ColType::Text),
    ("surname", ColType::Text),
    ("forename", ColType::Text),
    ("stage", ColType::Text),
    ("reg_class", ColType::Text),
    ("house", ColType::Text),
    ("band", ColType::Text),
    ("simd_quintile", ColType::Int),
    ("fsm", ColType::Text),
    ("asn", ColType::Text),
    ("care_experienced", ColType::Text),
    ("young_carer", ColType::Text),
    ("attendance", ColType::Float),
];

/// The columns at the end of every row.
pub const TAIL_COLUMNS: &[(&str, ColType)] = &[
    ("on_track", ColType::Int),
    ("slightly_off_track", ColType::Int),
    ("off_track", ColType::Int),
    ("missing", ColType::Int),
    ("faculties_off_track", ColType::Int),
    ("change", ColType::Int),
    ("lead_role", ColType::Text),
    ("lead_name", ColType::Text),
    ("override", ColType::Text),
    ("interventions", ColType::Int),
    ("concerns", ColType::Int),
];

/// What a row's subject cell shows (SPEC 11.1).
fn shown(ctx: &Ctx, r: &super::model::RowRef) -> String {
    let text = |v: Val| match v {
        Val::Int(i) => i.to_string(),
        Val::Text(t) => t.to_string(),
        Val::Float(f) => f.to_string(),
        Val::Null => String::new(),
    };
    match r.phase() {
        Phase::Bge => text(level_val(ctx, r)),
        Phase::Senior => {
            let (working, target) = (text(working_val(r)), text(target_val(r)));
            if working.is_empty() && target.is_empty() {
                String::new()
            } else {
                format!("{working}/{target}")
            }
        }
    }
}

/// The key a subject is one column under.
fn subject_key(subject: &str) -> String {
    subject.trim().to_lowercase()
}

/// Lay out the grid. `lines` are the selected pupils in report order; with
/// a filter, a pupil's subject columns are those of the rows it keeps.
pub fn build<'a>(
    ctx: &Ctx,
    window: Window,
    lines: Vec<PupilLine<'a>>,
    previous: &Previous,
    filter: &Filter,
) -> Grid<'a> {
    // Each pupil's entries by subject key, and every column seen.
    let mut seen: BTreeMap<String, SubjectColumn> = BTreeMap::new();
    let mut laid: Vec<(PupilLine, HashMap<String, Entry>)> = Vec::with_capacity(lines.len());
    for line in lines {
        let mut entries = HashMap::new();
        for r in line.rows.iter().filter(|r| filter.accepts(r)) {
            let key = subject_key(r.subject());
            let subject = r.subject().trim();
            let column = seen.entry(key.clone()).or_insert_with(|| SubjectColumn {
                faculty: r.faculty().to_string(),
                subject: subject.to_string(),
                key: key.clone(),
            });
            // Of several spellings the one that sorts first names the column.
            if text_key(subject) < text_key(&column.subject) {
                column.subject = subject.to_string();
            }
            let entry = Entry {
                shown: shown(ctx, r),
                status: r.status(),
            };
            entries.entry(key).or_insert(entry);
        }
        laid.push((line, entries));
    }
    let columns = column_order(ctx, seen.into_values().collect());
    let rows: Vec<GridRow> = laid
        .into_iter()
        .map(|(line, mut entries)| GridRow {
            change: previous
                .get(&(line.sw.school.clone(), line.scn.to_string()))
                .map(|&then| line.faculties_off_track() as i64 - then as i64),
            entries: columns.iter().map(|c| entries.remove(&c.key)).collect(),
            line,
        })
        .collect();
    // Stages in order, pupils of no known stage last.
    let mut by_stage: BTreeMap<u8, Vec<usize>> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        by_stage
            .entry(row.line.stage.unwrap_or(u8::MAX))
            .or_default()
            .push(i);
    }
    let stages = by_stage
        .into_iter()
        .map(|(stage, members)| Stage {
            title: match stage {
                u8::MAX => "no stage".to_string(),
                s => stage_name(s).to_string(),
            },
            columns: (0..columns.len())
                .filter(|&c| members.iter().any(|&i| rows[i].entries[c].is_some()))
                .collect(),
            rows: members,
        })
        .collect();
    Grid {
        window,
        columns,
        rows,
        stages,
    }
}

impl Grid<'_> {
    /// The wide table of CSV, JSON and Parquet: the pupil columns, a value
    /// and a `<subject>__status` column per subject, then the tail.
    pub fn table(&self, ctx: &Ctx) -> Table {
        let mut t = Table::new("grid", PUPIL_COLUMNS);
        for c in &self.columns {
            t.columns.push(Column {
                name: c.subject.clone(),
                ty: ColType::Text,
            });
            t.columns.push(Column {
                name: format!("{}__status", c.subject),
                ty: ColType::Status,
            });
        }
        t.columns.extend(TAIL_COLUMNS.iter().map(|(n, ty)| Column {
            name: n.to_string(),
            ty: *ty,
        }));
        let window = self.window.to_string();
        t.rows = self
            .rows
            .iter()
            .map(|row| {
                let mut cells: Vec<Cell> = pupil_values(ctx, row, &window)
                    .iter()
                    .map(|v| v.to_cell())
                    .collect();
                for e in &row.entries {
                    match e {
                        Some(e) => {
                            cells
                                .push(Cell::from(Some(e.shown.as_str()).filter(|s| !s.is_empty())));
                            cells.push(Cell::from(e.status.as_str()));
                        }
                        None => cells.extend([Cell::Null, Cell::Null]),
                    }
                }
                cells.extend(tail_values(row).iter().map(|v| v.to_cell()));
                cells
            })
            .collect();
        t
    }
}

/// A row's values in `PUPIL_COLUMNS` order.
pub fn pupil_values<'r>(ctx: &'r Ctx, row: &'r GridRow, window: &'r str) -> [Val<'r>; 15] {
    let l = &row.line;
    let p = l.pupil;
    [
        Val::Text(&l.sw.school),
        Val::Text(window),
        Val::Text(l.scn),
        Val::from(l.surname),
        Val::from(l.forename),
        Val::from(l.stage.map(stage_name)),
        Val::from(p.and_then(|p| p.reg_class.as_deref())),
        Val::from(p.and_then(|p| p.house.as_deref())),
        Val::from(p.and_then(|p| p.band).map(|b| ctx.pathway.band_name(b))),
        Val::from(p.and_then(|p| p.simd_quintile).map(i64::from)),
        yn_val(p.and_then(|p| p.fsm)),
        yn_val(p.and_then(|p| p.asn)),
        yn_val(p.and_then(|p| p.care_experienced)),
        yn_val(p.and_then(|p| p.young_carer)),
        p.and_then(|p| p.attendance).map_or(Val::Null, Val::Float),
    ]
}

/// A row's values in `TAIL_COLUMNS` order.
pub fn tail_values<'r>(row: &'r GridRow) -> [Val<'r>; 11] {
    let l = &row.line;
    let count = |n: usize| Val::Int(n as i64);
    [
        count(l.on_track),
        count(l.slightly_off_track),
        count(l.off_track),
        count(l.missing),
        count(l.faculties_off_track()),
        Val::from(row.change),
        Val::from(l.lead_role.as_deref()),
        Val::from(l.lead_name.as_deref()),
        Val::Text(if l.overridden { "Y" } else { "N" }),
        count(l.interventions),
        count(l.concerns),
    ]
}

/// Columns in the config's faculty order (subjects with no faculty after
/// every faculty), then by subject.
fn column_order(ctx: &Ctx, mut columns: Vec<SubjectColumn>) -> Vec<SubjectColumn> {
    let order = &ctx.config.faculty_order;
    columns.sort_by_cached_key(|c| {
        let rank = order
            .iter()
            .position(|f| crate::rules::same_text(f, &c.faculty))
            .unwrap_or(order.len());
        (rank, text_key(&c.faculty), text_key(&c.subject))
    });
    columns
}
