//! `tracker qa`: completeness and anomalies for faculty leaders (SPEC 8).
//!
//! Findings come from three places: the judged rows of the window (invalid
//! and missing entries, targets, levels, comments, interventions), the leads
//! `offtrack` would assign (`missing_staff`), and what ingest set aside in the
//! store (`rejected_row`, `duplicate_conflict`). A detail names columns, codes
//! and files, never a pupil's name or comment.
//!
//! `history` reads what the findings need from the store besides the window,
//! `findings` builds them, `completeness` counts entries per faculty and teacher.

mod completeness;
mod findings;
mod history;
mod report;

pub use completeness::{
    COMPLETENESS_COLUMNS, Completeness, completeness, completeness_table, entered,
    sort_completeness,
};
pub use findings::findings;
pub use history::{History, SetAside, history};
pub use report::{Qa, build};

use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{QaKind, Severity};
use crate::output::{ColType, Val};
use crate::rules::validity::{Invalid, column_label};
use crate::rules::window::Window;

use super::matches;
use super::model::RowRef;
use super::ranks::Ranks;

/// One anomaly, as a row of the findings table.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Shared by a school's findings.
    pub school: Arc<str>,
    pub window: Window,
    pub severity: Severity,
    pub kind: QaKind,
    /// Shared by a pupil's findings, and a subject's or teacher's.
    pub scn: Option<Arc<str>>,
    pub subject: Option<Arc<str>>,
    pub teacher: Option<Arc<str>>,
    /// Shared where many findings say the same.
    pub detail: Arc<str>,
}

/// `--teacher` and `--faculty`, each matched ignoring case and surrounding
/// spaces. They select rows; a finding about a pupil (a context value, no
/// band, no pupils row) passes when one of the pupil's rows does. Findings
/// that belong to no row pass as [`QaFilter::accepts_unowned`] says.
#[derive(Debug, Clone, Default)]
pub struct QaFilter {
    pub teacher: Option<String>,
    pub faculty: Option<String>,
}

impl QaFilter {
    pub fn is_empty(&self) -> bool {
        self.teacher.is_none() && self.faculty.is_none()
    }

    fn accepts(&self, row: &RowRef) -> bool {
        matches(&self.teacher, row.teacher()) && matches(&self.faculty, Some(row.faculty()))
    }

    /// A finding that belongs to no teacher passes only without `--teacher`;
    /// with `--faculty` it needs a faculty, and that faculty must match.
    fn accepts_unowned(&self, faculty: Option<&str>) -> bool {
        self.teacher.is_none() && (self.faculty.is_none() || matches(&self.faculty, faculty))
    }
}

/// A value as entered, quoted, when it is short enough to be a code and is
/// not one of the pupil's `names`: a cell in the wrong column can hold
/// anything, and a detail must never carry a name or a comment.
pub fn shown(value: &str, names: &[Option<&str>]) -> String {
    const MAX: usize = 12;
    let n = value.chars().count();
    let is_name = names
        .iter()
        .flatten()
        .any(|name| crate::rules::same_text(name, value));
    if n > MAX || is_name {
        format!("({n} characters, not shown)")
    } else {
        format!("`{value}`")
    }
}

/// The detail of an invalid cell: `Working Grade `8`: do not use 8 for AH/H/N5`.
pub fn invalid_detail(i: &Invalid, names: &[Option<&str>]) -> String {
    format!(
        "{} {}: {}",
        column_label(i.column),
        shown(&i.value, names),
        i.reason
    )
}

/// SPEC 8 order for people: errors first, then kind (in `KINDS` order), SCN,
/// subject; school, teacher and detail only break ties.
pub fn sort(findings: &mut [Finding]) {
    // A national run has most of a million findings but a few hundred
    // subjects and some thousands of teachers: each distinct text gets its
    // `text_key` rank once, so the sort compares numbers and borrowed text
    // and allocates nothing per finding.
    let order: Vec<usize> = {
        let subjects = Ranks::text(findings.iter().map(|f| text(&f.subject)));
        let teachers = Ranks::text(findings.iter().map(|f| text(&f.teacher)));
        let rank = |ranks: &Ranks, t: &Option<Arc<str>>| ranks.get(text(t));
        let mut keys: Vec<_> = findings
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let scn = f.scn.as_deref().unwrap_or_default();
                (
                    std::cmp::Reverse(f.severity),
                    f.kind,
                    prefix(scn),
                    scn,
                    rank(&subjects, &f.subject),
                    &*f.school,
                    rank(&teachers, &f.teacher),
                    &*f.detail,
                    // Equal keys keep their order, as a stable sort would.
                    i,
                )
            })
            .collect();
        // On every core: the sort is most of what a national run does
        // after judging. The index makes every key distinct, so the order
        // is the same as a stable sort's.
        keys.par_sort_unstable();
        keys.into_iter().map(|k| k.8).collect()
    };
    super::ranks::permute(findings, order);
}

/// The first 16 bytes of a text as a number that orders as the text does
/// wherever two numbers differ (a shorter text is padded with zero bytes),
/// so most comparisons of SCNs are one comparison of integers.
fn prefix(s: &str) -> u128 {
    let mut buf = [0u8; 16];
    let n = s.len().min(16);
    buf[..n].copy_from_slice(&s.as_bytes()[..n]);
    u128::from_be_bytes(buf)
}

/// An optional text as the empty text when absent.
fn text(t: &Option<Arc<str>>) -> &str {
    t.as_deref().unwrap_or_default()
}

pub const COLUMNS: &[(&str, ColType)] = &[
    ("school", ColType::Text),
    ("window", ColType::Text),
    ("severity", ColType::Text),
    ("kind", ColType::Text),
    ("scn", ColType::Text),
    ("subject", ColType::Text),
    ("teacher", ColType::Text),
    ("detail", ColType::Text),
];

/// The values of one finding, in `COLUMNS` order; `window` is the text of
/// its window.
pub fn finding_values<'f>(f: &'f Finding, window: &'f str) -> [Val<'f>; 8] {
    [
        Val::Text(&f.school),
        Val::Text(window),
        Val::Text(f.severity.as_str()),
        Val::Text(f.kind.as_str()),
        Val::from(f.scn.as_deref()),
        Val::from(f.subject.as_deref()),
        Val::from(f.teacher.as_deref()),
        Val::Text(&f.detail),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::validity::InvalidKind;

    #[test]
    fn shown_values_are_codes_never_names_or_long_text() {
        let names = [Some("Ann"), None, Some("Mac Leod")];
        let cases: &[(&str, &str)] = &[
            ("9z", "`9z`"),
            ("Maybe", "`Maybe`"),
            ("abcdefghijkl", "`abcdefghijkl`"),
            ("abcdefghijklm", "(13 characters, not shown)"),
            ("éééééééééééé", "`éééééééééééé`"),
            ("Needs to revise vocabulary", "(26 characters, not shown)"),
            ("ann", "(3 characters, not shown)"),
            (" MAC LEOD", "(9 characters, not shown)"),
            ("Anna", "`Anna`"),
        ];
        for (raw, want) in cases {
            assert_eq!(shown(raw, &names), *want, "{raw:?}");
        }
    }

    #[test]
    fn invalid_details_name_the_column() {
        let i = Invalid {
            kind: InvalidKind::Grade,
            column: "working_grade",
            value: "8".into(),
            reason: "do not use 8 for AH/H/N5".into(),
        };
        assert_eq!(
            invalid_detail(&i, &[]),
            "Working Grade `8`: do not use 8 for AH/H/N5"
        );
    }

    #[test]
    fn the_default_config_keeps_every_default_severity() {
        for kind in QaKind::ALL {
            assert_eq!(
                crate::config::Config::default().severity(kind),
                kind.default_severity(),
                "{kind:?}"
            );
        }
    }

    fn finding(severity: Severity, kind: QaKind, scn: &str, subject: &str) -> Finding {
        Finding {
            school: "EHS".into(),
            window: "2025-26/1".parse().unwrap(),
            severity,
            kind,
            scn: Some(scn.into()).filter(|s: &Arc<str>| !s.is_empty()),
            subject: Some(subject.into()).filter(|s: &Arc<str>| !s.is_empty()),
            teacher: None,
            detail: "".into(),
        }
    }

    #[test]
    fn findings_sort_errors_first_then_kind_scn_subject() {
        use Severity::*;
        let mut v = vec![
            finding(Info, QaKind::LevelRegressed, "1", "English"),
            finding(Warning, QaKind::InvalidRating, "2", "art"),
            finding(Error, QaKind::RejectedRow, "1", ""),
            finding(Warning, QaKind::InvalidRating, "2", "Art"),
            finding(Error, QaKind::InvalidLevel, "3", "Maths"),
            finding(Warning, QaKind::InvalidRating, "1", "Zoology"),
        ];
        sort(&mut v);
        let got: Vec<(QaKind, Option<&str>, Option<&str>)> = v
            .iter()
            .map(|f| (f.kind, f.scn.as_deref(), f.subject.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (QaKind::InvalidLevel, Some("3"), Some("Maths")),
                (QaKind::RejectedRow, Some("1"), None),
                (QaKind::InvalidRating, Some("1"), Some("Zoology")),
                (QaKind::InvalidRating, Some("2"), Some("Art")),
                (QaKind::InvalidRating, Some("2"), Some("art")),
                (QaKind::LevelRegressed, Some("1"), Some("English")),
            ]
        );
    }
}
