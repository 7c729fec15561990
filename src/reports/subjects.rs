//! `tracker subjects`: one row per pupil and subject with its traffic light.

use crate::cli::FilterArgs;
use crate::output::{Cell, ColType, Table};
use crate::rules::followup::text_key;
use crate::rules::values::stage_label;

use super::model::{Ctx, Phase, Rating, Row, SchoolWindow};

pub const COLUMNS: &[(&str, ColType)] = &[
    ("school", ColType::Text),
    ("window", ColType::Text),
    ("scn", ColType::Text),
    ("stage", ColType::Text),
    ("subject", ColType::Text),
    ("faculty", ColType::Text),
    ("phase", ColType::Text),
    ("band", ColType::Text),
    ("level", ColType::Text),
    ("expected_level", ColType::Text),
    ("steps", ColType::Int),
    ("course_level", ColType::Text),
    ("target_grade", ColType::Int),
    ("working_grade", ColType::Int),
    ("gap", ColType::Int),
    ("status", ColType::Status),
    ("effort", ColType::Int),
    ("behaviour", ColType::Int),
    ("homework", ColType::Int),
];

/// A grade as shown (10.7): the number when it is one, else the text as entered.
pub fn grade_cell(valid: Option<u8>, text: Option<&str>) -> Cell {
    match (valid, text) {
        (Some(g), _) => Cell::Int(g.into()),
        (None, Some(t)) => t
            .trim()
            .parse::<i64>()
            .map(Cell::Int)
            .unwrap_or_else(|_| Cell::from(t)),
        (None, None) => Cell::Null,
    }
}

fn rating_cell(r: &Rating) -> Cell {
    match r {
        Ok(Some(v)) => Cell::Int((*v).into()),
        _ => Cell::Null,
    }
}

/// The cells of one row, in `COLUMNS` order.
pub fn cells(ctx: &Ctx, sw: &SchoolWindow, r: &Row) -> Vec<Cell> {
    let (level, expected, course_level, target, working) = match r.phase {
        Phase::Bge => (
            match r.level {
                Some(p) => Cell::from(ctx.scale.code(p)),
                None => Cell::from(r.level_text.clone()),
            },
            Cell::from(r.expected.map(|e| ctx.scale.code(e))),
            Cell::Null,
            Cell::Null,
            Cell::Null,
        ),
        Phase::Senior => (
            Cell::Null,
            Cell::Null,
            match r.course_level {
                Some(l) => Cell::from(l.as_str()),
                None => Cell::from(r.course_level_text.clone()),
            },
            match r.course_level {
                Some(l) if l.is_graded() => Cell::from(r.effective_target.map(i64::from)),
                _ => grade_cell(r.target, r.target_text.as_deref()),
            },
            grade_cell(r.working, r.working_text.as_deref()),
        ),
    };
    vec![
        Cell::from(sw.school.as_str()),
        Cell::from(sw.window.to_string()),
        Cell::from(r.scn.as_str()),
        Cell::from(r.stage.map(stage_label)),
        Cell::from(r.subject.as_str()),
        Cell::from(r.faculty.as_str()),
        Cell::from(r.phase.as_str()),
        Cell::from(
            r.band
                .filter(|_| r.phase == Phase::Bge)
                .map(|b| ctx.pathway.band_name(b)),
        ),
        level,
        expected,
        Cell::from(r.steps),
        course_level,
        target,
        working,
        Cell::from(r.gap),
        Cell::from(r.status.as_str()),
        rating_cell(&r.ratings[0]),
        rating_cell(&r.ratings[1]),
        rating_cell(&r.ratings[2]),
    ]
}

/// The report over the schools loaded for a window.
pub fn report(
    ctx: &Ctx,
    loaded: &[SchoolWindow],
    stages: &dyn Fn(Option<u8>) -> bool,
    filter: &FilterArgs,
) -> Table {
    let mut rows: Vec<(&SchoolWindow, &Row)> = loaded
        .iter()
        .flat_map(|sw| sw.rows.iter().map(move |r| (sw, r)))
        .filter(|(_, r)| stages(r.stage) && filter.accepts(r))
        .collect();
    rows.sort_by_cached_key(|(sw, r)| (r.scn.clone(), text_key(&r.subject), sw.school.clone()));
    let mut table = Table::new("subjects", COLUMNS);
    table.rows = rows.into_iter().map(|(sw, r)| cells(ctx, sw, r)).collect();
    table
}
