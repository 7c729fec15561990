//! Which stored cells hold no valid value (SPEC 2.5, 2.6, 4.1, 4.2, 10.3).
//!
//! `ingest` counts these as warnings on its per-file line and `qa` lists them
//! as findings; both call the functions here, so the two can never disagree
//! about what is invalid. A cell is judged on its own text, as stored.

use super::pathway::Pathway;
use super::scale::Scale;
use super::senior::{self, CourseLevel, CourseLevels};
use super::values::{parse_bool, parse_number, parse_rating, parse_stage, simd_quintile};
use crate::config::QaKind;

/// The QA finding kind of an invalid cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InvalidKind {
    /// A BGE level that is not on the scale.
    Level,
    /// A grade code that is not valid for its course level.
    Grade,
    /// An Effort, Behaviour or Homework rating that is not 1-4.
    Rating,
    /// Any other value: pupil context, a course level, a stage.
    Value,
}

impl InvalidKind {
    pub const ALL: [InvalidKind; 4] = [
        InvalidKind::Level,
        InvalidKind::Grade,
        InvalidKind::Rating,
        InvalidKind::Value,
    ];

    /// The QA kind (SPEC 8).
    pub fn qa_kind(self) -> QaKind {
        match self {
            InvalidKind::Level => QaKind::InvalidLevel,
            InvalidKind::Grade => QaKind::InvalidGrade,
            InvalidKind::Rating => QaKind::InvalidRating,
            InvalidKind::Value => QaKind::InvalidValue,
        }
    }

    /// The QA kind's name.
    pub fn as_str(self) -> &'static str {
        self.qa_kind().as_str()
    }
}

/// One cell with no valid value.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    pub kind: InvalidKind,
    /// The stored (canonical) column name, e.g. `working_grade`.
    pub column: &'static str,
    /// The text as entered (trimmed).
    pub value: String,
    /// Why it is invalid and what was expected.
    pub reason: String,
}

/// The code lists cells are judged against, borrowed from the rules that the
/// config built.
#[derive(Clone, Copy)]
pub struct Codes<'a> {
    pub scale: &'a Scale,
    pub levels: &'a CourseLevels,
    pub pathway: &'a Pathway,
}

/// The pupils columns that hold booleans (2.1, 2.5).
pub const PUPIL_BOOLEANS: [&str; 5] = ["fsm", "asn", "care_experienced", "young_carer", "eal"];

/// The rating columns of a subject row, in report order.
pub const RATINGS: [&str; 3] = ["effort", "behaviour", "homework"];

/// Every column [`Codes::pupil_cells`] reads.
pub const PUPIL_CHECKED: [&str; 11] = [
    "fsm",
    "asn",
    "care_experienced",
    "young_carer",
    "eal",
    "stage",
    "attendance",
    "simd_decile",
    "simd_quintile",
    "cat_sas",
    "pathway_band",
];

/// Every column [`Codes::subject_cells`] reads. A row's invalid cells
/// follow from the texts of these alone, so rows alike in them may share
/// one judgement.
pub const SUBJECT_CHECKED: [&str; 8] = [
    "course_level",
    "working_grade",
    "target_grade",
    "level",
    "effort",
    "behaviour",
    "homework",
    "stage",
];

/// The header a person knows a stored column by, for messages.
pub fn column_label(column: &str) -> &str {
    match column {
        "fsm" => "FSM",
        "asn" => "ASN",
        "care_experienced" => "Care Experienced",
        "young_carer" => "Young Carer",
        "eal" => "EAL",
        "stage" => "Stage",
        "attendance" => "Attendance",
        "simd_decile" => "SIMD Decile",
        "simd_quintile" => "SIMD Quintile",
        "cat_sas" => "CAT Mean SAS",
        "pathway_band" => "Pathway Band",
        "level" => "Level",
        "course_level" => "Course Level",
        "working_grade" => "Working Grade",
        "target_grade" => "Target Grade",
        "effort" => "Effort",
        "behaviour" => "Behaviour",
        "homework" => "Homework",
        other => other,
    }
}

const BAD_BOOLEAN: &str = "not a yes/no value; expected Y, Yes, True, 1, X or N, No, False, 0";

impl Codes<'_> {
    /// The invalid cells of a pupils row; `cell` gives a column's stored text
    /// (None when empty).
    pub fn pupil_cells<'v>(&self, cell: impl Fn(&'static str) -> Option<&'v str>) -> Vec<Invalid> {
        PUPIL_CHECKED
            .iter()
            .filter_map(|&column| self.pupil_cell(column, cell(column)?))
            .collect()
    }

    /// Why one cell of a pupils row, of a column of [`PUPIL_CHECKED`], is
    /// invalid, if it is. Each column is judged alone, so a cell is judged
    /// the same whatever the rest of its row holds.
    pub fn pupil_cell(&self, column: &'static str, v: &str) -> Option<Invalid> {
        let (valid, reason) = match column {
            "stage" => (parse_stage(v).is_some(), "not a stage; expected S1-S6"),
            "attendance" => (
                parse_number(v).is_some_and(|a| (0.0..=100.0).contains(&a)),
                "not a percentage; expected 0-100",
            ),
            "simd_decile" => (
                simd_quintile(None, Some(v)).is_some(),
                "not a SIMD decile; expected 1-10",
            ),
            "simd_quintile" => (
                simd_quintile(Some(v), None).is_some(),
                "not a SIMD quintile; expected 1-5",
            ),
            "cat_sas" => (
                parse_number(v).is_some(),
                "not a number; expected a CAT4 standard age score",
            ),
            "pathway_band" => (
                self.pathway.band_index(Some(v), None).is_some(),
                "not a band of `[pathway]`",
            ),
            c if PUPIL_BOOLEANS.contains(&c) => (parse_bool(v).is_ok(), BAD_BOOLEAN),
            _ => return None,
        };
        (!valid).then(|| Invalid {
            kind: InvalidKind::Value,
            column,
            value: v.to_string(),
            reason: reason.to_string(),
        })
    }

    /// The invalid cells of a `bge` (`senior == false`) or `senior` row.
    pub fn subject_cells<'v>(
        &self,
        senior: bool,
        cell: impl Fn(&'static str) -> Option<&'v str>,
    ) -> Vec<Invalid> {
        let mut out = Vec::new();
        let mut push = |kind, column, value: &str, reason: String| {
            out.push(Invalid {
                kind,
                column,
                value: value.to_string(),
                reason,
            });
        };
        if senior {
            let level_text = cell("course_level");
            let level = level_text.and_then(|l| self.levels.parse(l));
            if let (Some(v), None) = (level_text, level) {
                push(
                    InvalidKind::Value,
                    "course_level",
                    v,
                    "not a course level; expected AH, H, N5, N4, N3, N2 or SCQF3-SCQF7".into(),
                );
            }
            for column in ["working_grade", "target_grade"] {
                if let Some(v) = cell(column)
                    && let Some(reason) = grade_problem(level, v)
                {
                    push(InvalidKind::Grade, column, v, reason);
                }
            }
        } else if let Some(v) = cell("level")
            && self.scale.position(v).is_none()
        {
            push(
                InvalidKind::Level,
                "level",
                v,
                "not on the level scale (`bge.scale`)".into(),
            );
        }
        for column in RATINGS {
            if let Some(v) = cell(column)
                && parse_rating(v).is_err()
            {
                push(
                    InvalidKind::Rating,
                    column,
                    v,
                    "not a rating; expected 1-4 or empty".into(),
                );
            }
        }
        if let Some(v) = cell("stage")
            && parse_stage(v).is_none()
        {
            push(
                InvalidKind::Value,
                "stage",
                v,
                "not a stage; expected S1-S6".into(),
            );
        }
        out
    }
}

/// Why a grade code as entered is not valid, or None when it is (4.2). With
/// an unknown course level only the code itself can be judged.
pub fn grade_problem(level: Option<CourseLevel>, raw: &str) -> Option<String> {
    let Some(grade) = senior::parse_grade(raw) else {
        return Some("not a SEEMiS grade code; expected 1-9".into());
    };
    let level = level?;
    if senior::grade_valid(level, grade) {
        return None;
    }
    Some(match level.pass_code() {
        None if grade == 8 => "do not use 8 for AH/H/N5".to_string(),
        None => format!("not a grade for {}; expected 1-7 or 9", level.as_str()),
        Some(pass) => format!(
            "not a grade for {}; expected {pass} (pass) or 9 (fail)",
            level.as_str()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::collections::HashMap;

    struct Rules {
        scale: Scale,
        levels: CourseLevels,
        pathway: Pathway,
    }

    fn rules() -> Rules {
        let c = Config::default();
        let scale = Scale::from_config(&c.bge);
        Rules {
            pathway: Pathway::from_config(&c.pathway, &scale),
            levels: CourseLevels::from_config(&c.senior),
            scale,
        }
    }

    fn codes(r: &Rules) -> Codes<'_> {
        Codes {
            scale: &r.scale,
            levels: &r.levels,
            pathway: &r.pathway,
        }
    }

    /// Column/value pairs of a row, and (kind, column) pairs of its findings.
    type Pairs = &'static [(&'static str, &'static str)];

    /// (kind, column) of the findings for a row given as column/value pairs.
    fn judge(senior: Option<bool>, cells: &[(&str, &str)]) -> Vec<(&'static str, &'static str)> {
        let r = rules();
        let map: HashMap<&str, &str> = cells.iter().copied().collect();
        let get = |c: &'static str| map.get(c).copied();
        let found = match senior {
            None => codes(&r).pupil_cells(get),
            Some(s) => codes(&r).subject_cells(s, get),
        };
        found.iter().map(|i| (i.kind.as_str(), i.column)).collect()
    }

    /// The lists of columns read hold every column the judges read, so
    /// rows alike in them are judged alike.
    #[test]
    fn the_judges_read_only_the_columns_listed() {
        let r = rules();
        for senior in [None, Some(false), Some(true)] {
            let asked = std::cell::RefCell::new(Vec::new());
            let get = |c: &'static str| {
                asked.borrow_mut().push(c);
                Some("x")
            };
            let listed: &[&str] = match senior {
                None => {
                    codes(&r).pupil_cells(get);
                    &PUPIL_CHECKED
                }
                Some(s) => {
                    codes(&r).subject_cells(s, get);
                    &SUBJECT_CHECKED
                }
            };
            let asked = asked.into_inner();
            assert!(!asked.is_empty());
            for c in asked {
                assert!(listed.contains(&c), "{senior:?} reads `{c}`");
            }
        }
    }

    #[test]
    fn pupil_values() {
        let cases: &[(Pairs, Pairs)] = &[
            (&[("fsm", "Y"), ("asn", "no"), ("stage", "S3")], &[]),
            (&[("fsm", "Maybe")], &[("invalid_value", "fsm")]),
            (&[("eal", "2")], &[("invalid_value", "eal")]),
            (&[("stage", "S7")], &[("invalid_value", "stage")]),
            (&[("attendance", "95.5%")], &[]),
            (&[("attendance", "101")], &[("invalid_value", "attendance")]),
            (&[("attendance", "n/a")], &[("invalid_value", "attendance")]),
            (
                &[("simd_decile", "11")],
                &[("invalid_value", "simd_decile")],
            ),
            (
                &[("simd_quintile", "6")],
                &[("invalid_value", "simd_quintile")],
            ),
            (&[("cat_sas", "high")], &[("invalid_value", "cat_sas")]),
            (&[("pathway_band", "n5 c/d")], &[]),
            (
                &[("pathway_band", "N6")],
                &[("invalid_value", "pathway_band")],
            ),
        ];
        for (cells, want) in cases {
            assert_eq!(judge(None, cells), *want, "{cells:?}");
        }
    }

    #[test]
    fn subject_values() {
        let bge = Some(false);
        let senior = Some(true);
        let cases: &[(Option<bool>, Pairs, Pairs)] = &[
            (bge, &[("level", "2 B"), ("effort", "1")], &[]),
            (bge, &[("level", "9z")], &[("invalid_level", "level")]),
            (bge, &[("homework", "7")], &[("invalid_rating", "homework")]),
            (
                senior,
                &[("course_level", "N5"), ("working_grade", "8")],
                &[("invalid_grade", "working_grade")],
            ),
            (
                senior,
                &[("course_level", "N4"), ("target_grade", "3")],
                &[("invalid_grade", "target_grade")],
            ),
            (
                senior,
                &[("course_level", "N4"), ("working_grade", "8")],
                &[],
            ),
            (
                senior,
                &[("course_level", "N6"), ("working_grade", "3")],
                &[("invalid_value", "course_level")],
            ),
            (
                senior,
                &[("course_level", "N6"), ("working_grade", "A")],
                &[
                    ("invalid_value", "course_level"),
                    ("invalid_grade", "working_grade"),
                ],
            ),
            (
                senior,
                &[("stage", "Year 4")],
                &[("invalid_value", "stage")],
            ),
        ];
        for (phase, cells, want) in cases {
            assert_eq!(judge(*phase, cells), *want, "{cells:?}");
        }
    }

    #[test]
    fn grade_reasons() {
        use CourseLevel::*;
        let cases: &[(Option<CourseLevel>, &str, Option<&str>)] = &[
            (Some(N5), "3", None),
            (Some(N5), "8", Some("do not use 8 for AH/H/N5")),
            (Some(AH), "8", Some("do not use 8 for AH/H/N5")),
            (
                Some(N4),
                "7",
                Some("not a grade for N4; expected 8 (pass) or 9 (fail)"),
            ),
            (
                Some(Scqf(6)),
                "8",
                Some("not a grade for SCQF6; expected 7 (pass) or 9 (fail)"),
            ),
            (Some(H), "0", Some("not a SEEMiS grade code; expected 1-9")),
            (None, "10", Some("not a SEEMiS grade code; expected 1-9")),
            (None, "8", None),
        ];
        for (level, raw, want) in cases {
            assert_eq!(
                grade_problem(*level, raw).as_deref(),
                *want,
                "{level:?} {raw}"
            );
        }
    }
}
