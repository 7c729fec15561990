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

mod collect;
mod completeness;
mod findings;
mod history;
mod report;
mod texts;

pub use completeness::{
    COMPLETENESS_COLUMNS, Completeness, completeness, completeness_table, entered,
    sort_completeness,
};
pub use findings::findings;
pub use history::{History, SetAside, history};
pub use report::{Qa, build};
pub use texts::{FindingTexts, NONE};

use rayon::prelude::*;

use crate::config::{QaKind, Severity};
use crate::output::{ColType, Val};
use crate::rules::validity::{Invalid, column_label};
use crate::rules::window::Window;

use super::matches;
use super::model::RowRef;
use super::ranks::Ranks;

/// One anomaly, as a row of the findings table. Its texts are ids in its
/// school's [`FindingTexts`]: a large school has most of a million
/// findings, and a few thousand texts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Finding {
    /// The school's place among the report's, and its texts'.
    pub school: u32,
    pub window: Window,
    pub severity: Severity,
    pub kind: QaKind,
    /// Ids of texts, or [`NONE`].
    pub scn: u32,
    pub subject: u32,
    pub teacher: u32,
    pub detail: u32,
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
/// sorting); they are read in this order. `texts` are the schools'.
pub fn order(findings: &[Finding], texts: &[FindingTexts]) -> Vec<usize> {
    packed_order(findings, texts).unwrap_or_else(|| tuple_order(findings, texts))
}

/// The text `id` of `f`'s school, the empty text for none.
fn text<'t>(texts: &'t [FindingTexts], f: &Finding, id: u32) -> &'t str {
    texts[f.school as usize].text(id)
}

/// The order of [`order`], each finding's key a tuple of its numbers and
/// texts.
fn tuple_order(findings: &[Finding], texts: &[FindingTexts]) -> Vec<usize> {
    // A national run has most of a million findings but a few hundred
    // subjects and some thousands of teachers: each distinct text gets its
    // `text_key` rank once, so the sort compares numbers and borrowed text
    // and allocates nothing per finding.
    let t = |f: &Finding, id| text(texts, f, id);
    let subjects = Ranks::text(findings.iter().map(|f| t(f, f.subject)));
    let teachers = Ranks::text(findings.iter().map(|f| t(f, f.teacher)));
    let mut keys: Vec<_> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let scn = t(f, f.scn);
            (
                std::cmp::Reverse(f.severity),
                f.kind,
                prefix(scn),
                scn,
                subjects.get(t(f, f.subject)),
                &*texts[f.school as usize].school,
                teachers.get(t(f, f.teacher)),
                t(f, f.detail),
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

/// The order of [`tuple_order`] with each finding's key packed into
/// numbers: its severity and kind, its SCN (when every SCN is at most 15
/// bytes), and the ranks of its subject, school and teacher; only findings
/// equal in all of those (a row's two invalid ratings) compare their
/// details. None when a key does not fit.
fn packed_order(findings: &[Finding], texts: &[FindingTexts]) -> Option<Vec<usize>> {
    const BITS: u32 = 21;
    type Key = (u8, u128, u64, u32);
    let (subjects, teachers) = crate::par::join_within(
        || id_ranks(findings, texts, |f| f.subject),
        || id_ranks(findings, texts, |f| f.teacher),
    );
    let schools = Ranks::bytes(texts.iter().map(|t| &*t.school));
    let schools: Vec<u64> = (texts.iter())
        .map(|t| u64::from(schools.get(&t.school)))
        .collect();
    let fit =
        subjects.distinct < 1 << BITS && teachers.distinct < 1 << BITS && texts.len() < 1 << BITS;
    if !fit || findings.len() > u32::MAX as usize {
        return None;
    }
    let key = |(i, f): (usize, &Finding)| -> Option<Key> {
        let first = match f.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Info => 2,
        } << 6
            | f.kind as u8;
        let rest = subjects.rank(f, f.subject) << (2 * BITS)
            | schools[f.school as usize] << BITS
            | teachers.rank(f, f.teacher);
        Some((first, short(text(texts, f, f.scn))?, rest, i as u32))
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
        run.sort_unstable_by_key(|k| {
            let f = &findings[k.3 as usize];
            (text(texts, f, f.detail), k.3)
        });
    }
    Some(keys.into_iter().map(|k| k.3 as usize).collect())
}

/// The [`Ranks::text`] rank of each text a field of the findings names,
/// by school and id (none ranks as the empty text), and how many distinct
/// texts there are: findings name a few thousand texts by id, so each is
/// ranked once and found by its id.
struct IdRanks {
    /// By school, then text id (0 for a text no finding names).
    by_id: Vec<Vec<u32>>,
    distinct: usize,
    /// The empty text's, which none ranks as.
    none: u32,
}

impl IdRanks {
    fn rank(&self, f: &Finding, id: u32) -> u64 {
        u64::from(match id {
            NONE => self.none,
            id => self.by_id[f.school as usize][id as usize],
        })
    }
}

fn id_ranks(findings: &[Finding], texts: &[FindingTexts], field: fn(&Finding) -> u32) -> IdRanks {
    let mut named: Vec<Vec<bool>> = texts.iter().map(|t| vec![false; t.len()]).collect();
    for f in findings {
        let id = field(f);
        if id != NONE {
            named[f.school as usize][id as usize] = true;
        }
    }
    let all = (named.iter().zip(texts)).flat_map(|(named, t)| {
        (named.iter().enumerate())
            .filter(|(_, yes)| **yes)
            .map(|(id, _)| t.text(id as u32))
    });
    let ranks = Ranks::text(all.chain([""]));
    let ranked = (named.iter().zip(texts))
        .map(|(named, t)| {
            (named.iter().enumerate())
                .map(|(id, &yes)| if yes { ranks.get(t.text(id as u32)) } else { 0 })
                .collect()
        })
        .collect();
    IdRanks {
        by_id: ranked,
        distinct: ranks.len(),
        none: ranks.get(""),
    }
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

/// The values of one finding, in `COLUMNS` order; `texts` are its
/// school's and `window` is the text of its window.
pub fn finding_values<'f>(f: &Finding, texts: &'f FindingTexts, window: &'f str) -> [Val<'f>; 8] {
    [
        Val::Text(&texts.school),
        Val::Text(window),
        Val::Text(f.severity.as_str()),
        Val::Text(f.kind.as_str()),
        Val::from(texts.get(f.scn)),
        Val::from(texts.get(f.subject)),
        Val::from(texts.get(f.teacher)),
        Val::Text(texts.text(f.detail)),
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

    /// (school, severity, kind, SCN, subject, teacher, detail); an empty
    /// SCN, subject or teacher is none.
    type Made<'a> = (
        &'a str,
        Severity,
        QaKind,
        &'a str,
        &'a str,
        &'a str,
        &'a str,
    );

    /// Findings of the given texts, each school's in a table of its own,
    /// every text added again under an id of its own.
    fn made(rows: &[Made]) -> (Vec<Finding>, Vec<FindingTexts>) {
        let mut texts: Vec<FindingTexts> = Vec::new();
        let findings = rows
            .iter()
            .map(|&(school, severity, kind, scn, subject, teacher, detail)| {
                let at = match texts.iter().position(|t| &*t.school == school) {
                    Some(at) => at,
                    None => {
                        let mut t = FindingTexts::new(school, 0, 0);
                        t.set_window(Vec::new(), Vec::new());
                        texts.push(t);
                        texts.len() - 1
                    }
                };
                let t = &mut texts[at];
                let mut id = |s: &str| if s.is_empty() { NONE } else { t.add(s.into()) };
                Finding {
                    school: at as u32,
                    window: "2025-26/1".parse().unwrap(),
                    severity,
                    kind,
                    scn: id(scn),
                    subject: id(subject),
                    teacher: id(teacher),
                    detail: t.add(detail.into()),
                }
            })
            .collect();
        (findings, texts)
    }

    proptest::proptest! {
        /// The packed order is the order of the whole tuple, with SCNs
        /// that share a start, texts equal under different ids, details
        /// that break ties, and findings equal in everything.
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
            let rows: Vec<Made> = rows
                .iter()
                .map(|&(sev, kind, scn, subject, school, teacher, detail)| {
                    (schools[school], severities[sev], kinds[kind], scns[scn], texts[subject], texts[teacher], ["b", "a", ""][detail])
                })
                .collect();
            let (findings, texts) = made(&rows);
            proptest::prop_assert_eq!(packed_order(&findings, &texts), Some(tuple_order(&findings, &texts)));
        }
    }

    #[test]
    fn findings_with_a_long_scn_are_sorted_by_the_whole_tuple() {
        let f = |scn| {
            made(&[(
                "EHS",
                Severity::Error,
                QaKind::InvalidLevel,
                scn,
                "",
                "",
                "",
            )])
        };
        let (findings, texts) = f("1234567890123456");
        assert_eq!(packed_order(&findings, &texts), None);
        assert_eq!(order(&findings, &texts), vec![0]);
        let (findings, texts) = f("123456789012345");
        assert_eq!(packed_order(&findings, &texts), Some(vec![0]));
    }

    #[test]
    fn findings_sort_errors_first_then_kind_scn_subject() {
        use Severity::*;
        let rows: &[Made] = &[
            ("EHS", Info, QaKind::LevelRegressed, "1", "English", "", ""),
            ("EHS", Warning, QaKind::InvalidRating, "2", "art", "", ""),
            ("EHS", Error, QaKind::RejectedRow, "1", "", "", ""),
            ("EHS", Warning, QaKind::InvalidRating, "2", "Art", "", ""),
            ("EHS", Error, QaKind::InvalidLevel, "3", "Maths", "", ""),
            (
                "EHS",
                Warning,
                QaKind::InvalidRating,
                "1",
                "Zoology",
                "",
                "",
            ),
        ];
        let (v, texts) = made(rows);
        let got: Vec<(QaKind, Option<&str>, Option<&str>)> = order(&v, &texts)
            .into_iter()
            .map(|i| &v[i])
            .map(|f| (f.kind, texts[0].get(f.scn), texts[0].get(f.subject)))
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
