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
use super::model::{Need, RowRef, SchoolWindow, load};
use super::offtrack::{PupilLine, lines_of, yn_val};
use super::subjects::{level_val, target_val, working_val};
use crate::output::{ColType, Sink, Val};
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
/// judged row behind each subject they take, by column. The text a cell
/// shows is made only when it is written, so a national grid holds no
/// string per cell.
pub struct GridRow<'a> {
    pub line: PupilLine<'a>,
    /// faculties_off_track minus the previous window's; None without one.
    pub change: Option<i64>,
    /// (index into [`Grid::columns`], row), sorted by column.
    cells: Vec<(u32, RowRef<'a>)>,
}

impl<'a> GridRow<'a> {
    /// The judged row of a column, if the pupil takes the subject.
    pub fn row(&self, column: usize) -> Option<RowRef<'a>> {
        let at = self
            .cells
            .binary_search_by_key(&(column as u32), |(c, _)| *c)
            .ok()?;
        Some(self.cells[at].1)
    }

    /// A column's cell, if the pupil takes the subject.
    pub fn entry(&self, ctx: &Ctx, column: usize) -> Option<Entry> {
        self.row(column).map(|r| Entry {
            shown: shown(ctx, &r),
            status: r.status(),
        })
    }

    /// Whether the pupil takes the subject of a column.
    pub fn takes(&self, column: usize) -> bool {
        self.row(column).is_some()
    }
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
    // Every column seen, in the order first seen; each school's subject
    // texts are looked up once, not once per row.
    let mut seen: Vec<SubjectColumn> = Vec::new();
    let mut by_key: HashMap<String, u32> = HashMap::new();
    let mut by_text: HashMap<(*const SchoolWindow, usize), u32> = HashMap::new();
    let mut laid: Vec<(PupilLine, Vec<(u32, RowRef)>)> = Vec::with_capacity(lines.len());
    for line in lines {
        let mut cells: Vec<(u32, RowRef)> = Vec::with_capacity(line.rows.len());
        for r in line.rows.iter().filter(|r| filter.accepts(r)) {
            let text = (std::ptr::from_ref(r.window()), r.subject_id());
            let column = *by_text.entry(text).or_insert_with(|| {
                let subject = r.subject().trim();
                let key = subject_key(subject);
                let at = *by_key.entry(key.clone()).or_insert_with(|| {
                    seen.push(SubjectColumn {
                        faculty: r.faculty().to_string(),
                        subject: subject.to_string(),
                        key,
                    });
                    (seen.len() - 1) as u32
                });
                // Of several spellings the one that sorts first names the column.
                let column = &mut seen[at as usize];
                if text_key(subject) < text_key(&column.subject) {
                    column.subject = subject.to_string();
                }
                at
            });
            if !cells.iter().any(|(c, _)| *c == column) {
                cells.push((column, *r));
            }
        }
        laid.push((line, cells));
    }
    // Columns in report order, and each seen index's place in it.
    let mut order: Vec<usize> = (0..seen.len()).collect();
    let ranked = column_order(ctx, &seen);
    order.sort_by_key(|&i| ranked[i]);
    let mut place = vec![0u32; seen.len()];
    for (p, &i) in order.iter().enumerate() {
        place[i] = p as u32;
    }
    let columns: Vec<SubjectColumn> = order.iter().map(|&i| seen[i].clone()).collect();
    let rows: Vec<GridRow> = laid
        .into_iter()
        .map(|(line, mut cells)| {
            for c in &mut cells {
                c.0 = place[c.0 as usize];
            }
            cells.sort_unstable_by_key(|(c, _)| *c);
            GridRow {
                change: previous
                    .get(&(line.sw.school.clone(), line.scn.to_string()))
                    .map(|&then| line.faculties_off_track() as i64 - then as i64),
                cells,
                line,
            }
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
                .filter(|&c| members.iter().any(|&i| rows[i].takes(c)))
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
    /// The wide table's columns (CSV, JSON, Parquet): the pupil columns, a
    /// value and a `<subject>__status` column per subject, then the tail.
    pub fn columns(&self) -> Vec<(String, ColType)> {
        let mut out: Vec<(String, ColType)> = PUPIL_COLUMNS
            .iter()
            .map(|(n, t)| (n.to_string(), *t))
            .collect();
        for c in &self.columns {
            out.push((c.subject.clone(), ColType::Text));
            out.push((format!("{}__status", c.subject), ColType::Status));
        }
        out.extend(TAIL_COLUMNS.iter().map(|(n, t)| (n.to_string(), *t)));
        out
    }

    /// Hand the wide table's rows in `range` to `sink`, in report order.
    pub fn rows(
        &self,
        ctx: &Ctx,
        range: std::ops::Range<usize>,
        sink: &mut dyn Sink,
    ) -> anyhow::Result<()> {
        let window = self.window.to_string();
        for row in &self.rows[range] {
            let entries: Vec<Option<Entry>> =
                (0..self.columns.len()).map(|c| row.entry(ctx, c)).collect();
            let mut vals: Vec<Val> = Vec::with_capacity(26 + 2 * entries.len());
            vals.extend(pupil_values(ctx, row, &window));
            for e in &entries {
                match e {
                    Some(e) => {
                        vals.push(Val::from(Some(e.shown.as_str()).filter(|t| !t.is_empty())));
                        vals.push(Val::Text(e.status.as_str()));
                    }
                    None => vals.extend([Val::Null, Val::Null]),
                }
            }
            vals.extend(tail_values(row));
            sink.row(&vals)?;
        }
        Ok(())
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

/// Each column's rank in the config's faculty order (subjects with no
/// faculty after every faculty), then by subject.
fn column_order(ctx: &Ctx, columns: &[SubjectColumn]) -> Vec<usize> {
    let order = &ctx.config.faculty_order;
    let key = |c: &SubjectColumn| {
        let rank = order
            .iter()
            .position(|f| crate::rules::same_text(f, &c.faculty))
            .unwrap_or(order.len());
        (rank, text_key(&c.faculty), text_key(&c.subject))
    };
    let mut idx: Vec<usize> = (0..columns.len()).collect();
    idx.sort_by_cached_key(|&i| key(&columns[i]));
    let mut ranks = vec![0; columns.len()];
    for (rank, i) in idx.into_iter().enumerate() {
        ranks[i] = rank;
    }
    ranks
}
