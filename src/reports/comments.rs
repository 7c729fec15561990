//! `tracker comments`: report comments for faculty leaders to review (SPEC 7.2, 8).
//!
//! The comments are the data here, so they go to the output and nowhere else.

use crate::cli::FilterArgs;
use crate::output::{Cell, ColType, Table};
use crate::rules::followup::text_key;
use crate::rules::values::{comment_too_long, stage_label};

use super::model::{Row, SchoolWindow};

pub const COLUMNS: &[(&str, ColType)] = &[
    ("school", ColType::Text),
    ("window", ColType::Text),
    ("scn", ColType::Text),
    ("stage", ColType::Text),
    ("subject", ColType::Text),
    ("teacher", ColType::Text),
    ("length", ColType::Int),
    ("over_limit", ColType::Text),
    ("comment", ColType::Text),
];

/// The non-empty comment of a row.
fn comment(r: &Row) -> Option<&str> {
    r.comment.as_deref().filter(|c| !c.trim().is_empty())
}

/// One row per non-empty comment that passes the stage set and filters;
/// `asn_only` keeps pupils whose ASN is recorded true. Sorted by teacher
/// (rows with none last), subject, SCN.
pub fn report(
    loaded: &[SchoolWindow],
    stages: &dyn Fn(Option<u8>) -> bool,
    filter: &FilterArgs,
    asn_only: bool,
    max_chars: usize,
) -> Table {
    let mut rows: Vec<(&SchoolWindow, &Row, &str)> = loaded
        .iter()
        .flat_map(|sw| sw.rows.iter().map(move |r| (sw, r)))
        .filter(|(_, r)| stages(r.stage) && filter.accepts(r))
        .filter(|(sw, r)| !asn_only || sw.pupil(&r.scn).and_then(|p| p.asn) == Some(true))
        .filter_map(|(sw, r)| Some((sw, r, comment(r)?)))
        .collect();
    rows.sort_by_cached_key(|(sw, r, _)| {
        (
            r.teacher.is_none(),
            text_key(r.teacher.as_deref().unwrap_or_default()),
            text_key(&r.subject),
            r.scn.clone(),
            sw.school.clone(),
        )
    });
    let mut table = Table::new("comments", COLUMNS);
    table.rows = rows
        .into_iter()
        .map(|(sw, r, c)| {
            vec![
                Cell::from(sw.school.as_str()),
                Cell::from(sw.window.to_string()),
                Cell::from(r.scn.as_str()),
                Cell::from(r.stage.map(stage_label)),
                Cell::from(r.subject.as_str()),
                Cell::from(r.teacher.as_deref()),
                Cell::from(c.chars().count()),
                Cell::from(if comment_too_long(c, max_chars) {
                    "Y"
                } else {
                    "N"
                }),
                Cell::from(c),
            ]
        })
        .collect();
    table
}
