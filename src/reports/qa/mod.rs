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

use polars::prelude::PlHashMap;
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
        // Asked of every row: with no filter, no text is looked at.
        (self.teacher.is_none() || matches(&self.teacher, row.teacher()))
            && (self.faculty.is_none() || matches(&self.faculty, Some(row.faculty())))
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
/// subject; school, teacher and detail only break ties. The findings stay
/// where they are (moving most of a million into place took as long as
/// sorting); they are read in this order.
pub fn order(findings: &[Finding]) -> Vec<usize> {
    packed_order(findings).unwrap_or_else(|| tuple_order(findings))
}

/// The order of [`order`], each finding's key a tuple of its numbers and
/// texts.
fn tuple_order(findings: &[Finding]) -> Vec<usize> {
    // A national run has most of a million findings but a few hundred
    // subjects and some thousands of teachers: each distinct text gets its
    // `text_key` rank once, so the sort compares numbers and borrowed text
    // and allocates nothing per finding.
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
}

/// The order of [`sort`] with each finding's key packed into numbers: its
/// severity and kind, its SCN (when every SCN is at most 15 bytes), and
/// the ranks of its subject, school and teacher; only findings equal in
/// all of those (a row's two invalid ratings) compare their details. None
/// when a key does not fit.
fn packed_order(findings: &[Finding]) -> Option<Vec<usize>> {
    const BITS: u32 = 21;
    type Key = (u8, u128, u64, u32);
    let ((subjects, schools), teachers) = crate::par::join_within(
        || {
            crate::par::join_within(
                || held_ranks(findings.iter().map(|f| text(&f.subject)), Ranks::text),
                || held_ranks(findings.iter().map(|f| &*f.school), Ranks::bytes),
            )
        },
        // Each run of rows holds its own copy of a teacher's name, and a
        // school has thousands of teachers: ranked by their text.
        || Ranks::text(findings.iter().map(|f| text(&f.teacher))),
    );
    let fits = |r: &PlHashMap<Held, u32>| r.len() < 1 << BITS;
    let fit = fits(&subjects) && teachers.len() < 1 << BITS && fits(&schools);
    if !fit || findings.len() > u32::MAX as usize {
        return None;
    }
    let rank = |ranks: &PlHashMap<Held, u32>, t: &str| u64::from(ranks[&Held(t)]);
    let key = |(i, f): (usize, &Finding)| -> Option<Key> {
        let first = match f.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Info => 2,
        } << 6
            | f.kind as u8;
        let rest = rank(&subjects, text(&f.subject)) << (2 * BITS)
            | rank(&schools, &f.school) << BITS
            | u64::from(teachers.get(text(&f.teacher)));
        Some((first, short(text(&f.scn))?, rest, i as u32))
    };
    let mut keys: Vec<Key> = match crate::par::nested() {
        true => findings
            .par_iter()
            .enumerate()
            .map(key)
            .collect::<Option<_>>()?,
        false => findings
            .iter()
            .enumerate()
            .map(key)
            .collect::<Option<_>>()?,
    };
    keys.par_sort_unstable();
    let same = |a: &Key, b: &Key| (a.0, a.1, a.2) == (b.0, b.1, b.2);
    for run in keys.chunk_by_mut(same).filter(|run| run.len() > 1) {
        run.sort_unstable_by_key(|k| (&*findings[k.3 as usize].detail, k.3));
    }
    Some(keys.into_iter().map(|k| k.3 as usize).collect())
}

/// A text found by where it is held, not by what it says: findings share
/// their texts, so most of a million findings hold a few thousand.
#[derive(Clone, Copy)]
struct Held<'a>(&'a str);

impl PartialEq for Held<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Held<'_> {}

impl std::hash::Hash for Held<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (self.0.as_ptr() as usize, self.0.len()).hash(h)
    }
}

/// Each text held, with the rank `ranks` gives its text among all the
/// distinct texts held.
fn held_ranks<'a>(
    texts: impl Iterator<Item = &'a str>,
    ranks: impl Fn(Vec<&'a str>) -> Ranks<'a>,
) -> PlHashMap<Held<'a>, u32> {
    let held = crate::par::distinct(&texts.map(Held).collect::<Vec<_>>());
    let ranked = ranks(held.iter().map(|h| h.0).collect());
    held.into_iter().map(|h| (h, ranked.get(h.0))).collect()
}

/// A text of at most 15 bytes as a number that orders as the text does:
/// its bytes from the most significant, then its length.
fn short(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    let mut buf = [0u8; 16];
    buf.get_mut(..b.len())
        .filter(|_| b.len() < 16)?
        .copy_from_slice(b);
    buf[15] = b.len() as u8;
    Some(u128::from_be_bytes(buf))
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

    proptest::proptest! {
        /// The packed order is the order of the whole tuple, with SCNs
        /// that share a start, details that break ties, and findings
        /// equal in everything.
        #[test]
        fn packed_order_is_the_tuple_order(
            rows in proptest::collection::vec(
                (0usize..3, 0usize..4, 0usize..6, 0usize..4, 0usize..3, 0usize..3, 0usize..3),
                0..80,
            )
        ) {
            let severities = [Severity::Info, Severity::Warning, Severity::Error];
            let kinds = [QaKind::InvalidRating, QaKind::MissingEntry, QaKind::RejectedRow, QaKind::InvalidLevel];
            let scns = ["", "1", "10", "1\0", "123456789012345", "12345678901234"];
            let texts = ["", "Art", "art", "Zoology"];
            let schools = ["EHS", "AHS", "ehs"];
            let findings: Vec<Finding> = rows
                .iter()
                .map(|&(sev, kind, scn, subject, school, teacher, detail)| Finding {
                    school: schools[school].into(),
                    window: "2025-26/1".parse().unwrap(),
                    severity: severities[sev],
                    kind: kinds[kind],
                    scn: Some(scns[scn].into()).filter(|s: &Arc<str>| !s.is_empty()),
                    subject: Some(texts[subject].into()).filter(|s: &Arc<str>| !s.is_empty()),
                    teacher: Some(texts[teacher].into()).filter(|s: &Arc<str>| !s.is_empty()),
                    detail: ["b", "a", ""][detail].into(),
                })
                .collect();
            proptest::prop_assert_eq!(packed_order(&findings), Some(tuple_order(&findings)));
        }
    }

    #[test]
    fn findings_with_a_long_scn_are_sorted_by_the_whole_tuple() {
        let mut f = finding(
            Severity::Error,
            QaKind::InvalidLevel,
            "1234567890123456",
            "",
        );
        assert_eq!(packed_order(std::slice::from_ref(&f)), None);
        f.scn = Some("123456789012345".into());
        assert_eq!(packed_order(std::slice::from_ref(&f)), Some(vec![0]));
    }

    #[test]
    fn findings_sort_errors_first_then_kind_scn_subject() {
        use Severity::*;
        let v = vec![
            finding(Info, QaKind::LevelRegressed, "1", "English"),
            finding(Warning, QaKind::InvalidRating, "2", "art"),
            finding(Error, QaKind::RejectedRow, "1", ""),
            finding(Warning, QaKind::InvalidRating, "2", "Art"),
            finding(Error, QaKind::InvalidLevel, "3", "Maths"),
            finding(Warning, QaKind::InvalidRating, "1", "Zoology"),
        ];
        let got: Vec<(QaKind, Option<&str>, Option<&str>)> = order(&v)
            .into_iter()
            .map(|i| &v[i])
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
