//! `tracker comments`: report comments for faculty leaders to review (SPEC 7.2, 8).
//!
//! The comments are the data here, so they go to the output and nowhere else.

use crate::output::{Cell, ColType, Table};
use crate::rules::followup::text_key;
use crate::rules::values::{comment_too_long, stage_label};

use super::Filter;
use super::model::{RowRef, SchoolWindow};

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

/// What `comments` keeps, besides the stage set.
pub struct Selection<'a> {
    pub filter: &'a Filter,
    /// Only pupils whose ASN is recorded true.
    pub asn_only: bool,
    pub max_chars: usize,
}

/// Teacher (rows with none last), subject, SCN, school.
type SortKey = (bool, (String, String), (String, String), String, String);

/// One comment's row, with the key it sorts by.
pub struct Line {
    key: SortKey,
    cells: Vec<Cell>,
}

/// The non-empty comment of a row.
fn comment<'r>(r: &RowRef<'r>) -> Option<&'r str> {
    r.comment().filter(|c| !c.trim().is_empty())
}

/// The comment rows of one school's window that pass the stage set and selection.
pub fn lines(sw: &SchoolWindow, stages: &dyn Fn(Option<u8>) -> bool, sel: &Selection) -> Vec<Line> {
    sw.rows()
        .filter(|r| stages(r.stage()) && sel.filter.accepts(r))
        .filter(|r| !sel.asn_only || sw.pupil(r.scn()).and_then(|p| p.asn) == Some(true))
        .filter_map(|r| {
            let c = comment(&r)?;
            let over = comment_too_long(c, sel.max_chars);
            Some(Line {
                key: (
                    r.teacher().is_none(),
                    text_key(r.teacher().unwrap_or_default()),
                    text_key(r.subject()),
                    r.scn().to_string(),
                    sw.school.clone(),
                ),
                cells: vec![
                    Cell::from(sw.school.as_str()),
                    Cell::from(sw.window.to_string()),
                    Cell::from(r.scn()),
                    Cell::from(r.stage().map(stage_label)),
                    Cell::from(r.subject()),
                    Cell::from(r.teacher()),
                    Cell::from(c.chars().count()),
                    Cell::from(if over { "Y" } else { "N" }),
                    Cell::from(c),
                ],
            })
        })
        .collect()
}

/// The report: lines sorted by teacher, subject, SCN.
pub fn table(mut lines: Vec<Line>) -> Table {
    lines.sort_by(|a, b| a.key.cmp(&b.key));
    let mut table = Table::new("comments", COLUMNS);
    table.rows = lines.into_iter().map(|l| l.cells).collect();
    table
}
