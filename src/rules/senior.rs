//! Senior Phase courses (SPEC 4.2, 8, 10.5, 10.6): course levels, which SEEMiS
//! grade codes each level accepts, the effective target, the traffic light and
//! the 5@5 / 5@6 projections.

use polars::prelude::PlHashMap;

use super::status::Status;
use super::{folded, with_folded};

/// A normalised course level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CourseLevel {
    AH,
    H,
    N5,
    N4,
    N3,
    N2,
    /// An SCQF-levelled award, 3..=7.
    Scqf(u8),
}

impl CourseLevel {
    /// Every level, each of whose canonical names is always accepted.
    pub const ALL: [CourseLevel; 11] = [
        CourseLevel::AH,
        CourseLevel::H,
        CourseLevel::N5,
        CourseLevel::N4,
        CourseLevel::N3,
        CourseLevel::N2,
        CourseLevel::Scqf(3),
        CourseLevel::Scqf(4),
        CourseLevel::Scqf(5),
        CourseLevel::Scqf(6),
        CourseLevel::Scqf(7),
    ];

    /// The canonical name: `AH`, `H`, `N5`, `N4`, `N3`, `N2`, `SCQF3`..`SCQF7`.
    pub fn as_str(self) -> &'static str {
        match self {
            CourseLevel::AH => "AH",
            CourseLevel::H => "H",
            CourseLevel::N5 => "N5",
            CourseLevel::N4 => "N4",
            CourseLevel::N3 => "N3",
            CourseLevel::N2 => "N2",
            CourseLevel::Scqf(3) => "SCQF3",
            CourseLevel::Scqf(4) => "SCQF4",
            CourseLevel::Scqf(5) => "SCQF5",
            CourseLevel::Scqf(6) => "SCQF6",
            CourseLevel::Scqf(7) => "SCQF7",
            // Not constructed by this module; named so a stray value stays visible.
            CourseLevel::Scqf(_) => "SCQF",
        }
    }

    /// The SCQF level of the course.
    pub fn scqf(self) -> u8 {
        match self {
            CourseLevel::AH => 7,
            CourseLevel::H => 6,
            CourseLevel::N5 => 5,
            CourseLevel::N4 => 4,
            CourseLevel::N3 => 3,
            CourseLevel::N2 => 2,
            CourseLevel::Scqf(n) => n,
        }
    }

    /// Graded courses (A-D bands) take grades 1-7 and 9; the rest are pass/fail.
    pub fn is_graded(self) -> bool {
        matches!(self, CourseLevel::AH | CourseLevel::H | CourseLevel::N5)
    }

    /// The code a pass/fail course uses for "on track to pass": 8 up to SCQF 4,
    /// 7 for SCQF 5-7 awards; `None` for graded courses.
    pub fn pass_code(self) -> Option<u8> {
        match self {
            CourseLevel::AH | CourseLevel::H | CourseLevel::N5 => None,
            CourseLevel::Scqf(5..) => Some(7),
            _ => Some(8),
        }
    }
}

/// A course level as it is matched (10.6): ignoring case, spaces and `.`.
fn is_level_noise(c: char) -> bool {
    c.is_whitespace() || c == '.'
}

/// The course-level spellings of config `[senior.level_aliases]`.
#[derive(Debug, Clone)]
pub struct CourseLevels {
    lookup: PlHashMap<String, CourseLevel>,
}

impl CourseLevels {
    /// Canonical names always mean themselves; each alias list maps to the level
    /// its key names (a key that names no level is ignored), first spelling wins.
    pub fn from_config(s: &crate::config::Senior) -> CourseLevels {
        let mut lookup: PlHashMap<String, CourseLevel> = CourseLevel::ALL
            .into_iter()
            .map(|level| (folded(level.as_str(), is_level_noise), level))
            .collect();
        for (canonical, spellings) in &s.level_aliases {
            let Some(&level) = lookup.get(&folded(canonical, is_level_noise)) else {
                continue;
            };
            for spelling in spellings {
                lookup
                    .entry(folded(spelling, is_level_noise))
                    .or_insert(level);
            }
        }
        lookup.remove("");
        CourseLevels { lookup }
    }

    /// The level of a `Course Level` cell; `None` when it is no known spelling.
    pub fn parse(&self, raw: &str) -> Option<CourseLevel> {
        with_folded(raw, is_level_noise, |key| self.lookup.get(key).copied())
    }
}

/// A SEEMiS grade code as entered: a single digit 1-9, surrounding spaces allowed.
pub fn parse_grade(raw: &str) -> Option<u8> {
    match raw.trim().as_bytes() {
        [d @ b'1'..=b'9'] => Some(d - b'0'),
        _ => None,
    }
}

/// Whether a grade code is valid for the level: graded 1-7 and 9 (8 is not used
/// for AH/H/N5); pass/fail its pass code or 9.
pub fn grade_valid(level: CourseLevel, grade: u8) -> bool {
    match level.pass_code() {
        None => matches!(grade, 1..=7 | 9),
        Some(pass) => grade == pass || grade == 9,
    }
}

/// The effective target (4.2): the best (lowest) target recorded so far in the session.
pub fn effective_target(targets: impl IntoIterator<Item = u8>) -> Option<u8> {
    targets.into_iter().min()
}

/// A Senior Phase course's status and gap (4.2, 10.5). `working` and `target`
/// are already validated for the level (`None` = empty or invalid).
///
/// Graded: no working grade is `missing`; working 9 is `off_track` whatever the
/// target (with the gap when there is one); no target is `no_target`; then
/// gap = working - target: <= 0 on track, <= `amber_grades` slightly off track,
/// larger off track. Pass/fail: the pass code is on track, 9 off track, anything
/// else missing; never a gap, never `no_target`. An empty or unknown course
/// level: working 9 is still `off_track` (9 is off track on every kind of
/// course, 10.5), anything else `missing`.
pub fn senior_status(
    level: Option<CourseLevel>,
    working: Option<u8>,
    target: Option<u8>,
    amber_grades: i64,
) -> (Status, Option<i64>) {
    let Some(level) = level else {
        let status = match working {
            Some(9) => Status::OffTrack,
            _ => Status::Missing,
        };
        return (status, None);
    };
    if let Some(pass) = level.pass_code() {
        let status = match working {
            Some(w) if w == pass => Status::OnTrack,
            Some(9) => Status::OffTrack,
            _ => Status::Missing,
        };
        return (status, None);
    }
    let Some(working) = working else {
        return (Status::Missing, None);
    };
    let gap = target.map(|t| i64::from(working) - i64::from(t));
    let status = match gap {
        // 9 is no award: off track whatever the target.
        _ if working == 9 => Status::OffTrack,
        None => Status::NoTarget,
        Some(g) if g <= 0 => Status::OnTrack,
        Some(g) if g <= amber_grades => Status::SlightlyOffTrack,
        Some(_) => Status::OffTrack,
    };
    (status, gap)
}

/// Whether a working grade is a pass: graded 1-6 (A-C), pass/fail its pass code.
pub fn is_pass(level: CourseLevel, working: u8) -> bool {
    match level.pass_code() {
        None => (1..=6).contains(&working),
        Some(pass) => working == pass,
    }
}

/// A Senior Phase pupil's projection (8): (courses at SCQF >= 5 with a passing
/// working grade, courses at SCQF >= 6 likewise).
pub fn projected(courses: impl IntoIterator<Item = (CourseLevel, Option<u8>)>) -> (usize, usize) {
    courses
        .into_iter()
        .filter(|&(level, working)| working.is_some_and(|w| is_pass(level, w)))
        .fold((0, 0), |(at5, at6), (level, _)| {
            (
                at5 + usize::from(level.scqf() >= 5),
                at6 + usize::from(level.scqf() >= 6),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::CourseLevel::*;
    use super::*;
    use crate::config::Config;
    use proptest::prelude::*;

    fn levels() -> CourseLevels {
        CourseLevels::from_config(&Config::default().senior)
    }

    #[test]
    fn level_properties() {
        // (level, name, scqf, graded, pass code)
        let cases: &[(CourseLevel, &str, u8, bool, Option<u8>)] = &[
            (AH, "AH", 7, true, None),
            (H, "H", 6, true, None),
            (N5, "N5", 5, true, None),
            (N4, "N4", 4, false, Some(8)),
            (N3, "N3", 3, false, Some(8)),
            (N2, "N2", 2, false, Some(8)),
            (Scqf(3), "SCQF3", 3, false, Some(8)),
            (Scqf(4), "SCQF4", 4, false, Some(8)),
            (Scqf(5), "SCQF5", 5, false, Some(7)),
            (Scqf(6), "SCQF6", 6, false, Some(7)),
            (Scqf(7), "SCQF7", 7, false, Some(7)),
        ];
        for &(level, name, scqf, graded, pass) in cases {
            assert_eq!(level.as_str(), name);
            assert_eq!(level.scqf(), scqf, "{name}");
            assert_eq!(level.is_graded(), graded, "{name}");
            assert_eq!(level.pass_code(), pass, "{name}");
        }
        assert_eq!(CourseLevel::ALL.len(), cases.len());
    }

    #[test]
    fn parses_course_levels_with_the_default_aliases() {
        let levels = levels();
        let cases: &[(&str, Option<CourseLevel>)] = &[
            ("AH", Some(AH)),
            ("Advanced Higher", Some(AH)),
            ("Adv Higher", Some(AH)),
            ("Adv. H", Some(AH)),
            ("Adv H", Some(AH)),
            ("AdvH", Some(AH)),
            ("ADVH", Some(AH)),
            ("Higher", Some(H)),
            ("HIGH", Some(H)),
            ("h", Some(H)),
            ("National 5", Some(N5)),
            ("Nat 5", Some(N5)),
            ("NAT5", Some(N5)),
            ("nat. 5", Some(N5)),
            ("National 4", Some(N4)),
            ("Nat 4", Some(N4)),
            ("National 3", Some(N3)),
            ("NAT3", Some(N3)),
            ("National 2", Some(N2)),
            ("Nat 2", Some(N2)),
            ("SCQF Level 5", Some(Scqf(5))),
            ("SCQF 5", Some(Scqf(5))),
            ("L5", Some(Scqf(5))),
            ("Level 5", Some(Scqf(5))),
            ("scqf3", Some(Scqf(3))),
            ("L7", Some(Scqf(7))),
            (" level 4 ", Some(Scqf(4))),
            ("", None),
            ("N6", None),
            ("L8", None),
            ("Nat 1", None),
            ("Intermediate 2", None),
        ];
        for (raw, want) in cases {
            assert_eq!(levels.parse(raw), *want, "{raw:?}");
        }
    }

    #[test]
    fn canonical_names_are_accepted_without_aliases() {
        let levels = CourseLevels::from_config(&crate::config::Senior {
            amber_grades: 1,
            level_aliases: [("N5".to_string(), vec!["Nat Five".to_string()])]
                .into_iter()
                .chain([("N9".to_string(), vec!["Nine".to_string()])])
                .collect(),
        });
        assert_eq!(levels.parse("Nat Five"), Some(N5));
        assert_eq!(levels.parse("scqf 6"), Some(Scqf(6)));
        assert_eq!(levels.parse("ah"), Some(AH));
        assert_eq!(levels.parse("Higher"), None);
        assert_eq!(levels.parse("Nine"), None);
    }

    #[test]
    fn grades() {
        let parse: &[(&str, Option<u8>)] = &[
            ("1", Some(1)),
            (" 9 ", Some(9)),
            ("8", Some(8)),
            ("0", None),
            ("10", None),
            ("A", None),
            ("", None),
        ];
        for (raw, want) in parse {
            assert_eq!(parse_grade(raw), *want, "{raw:?}");
        }
        // (level, grades that are valid among 1..=9)
        let valid: &[(CourseLevel, &[u8])] = &[
            (AH, &[1, 2, 3, 4, 5, 6, 7, 9]), // 8 invalid on AH/H/N5
            (H, &[1, 2, 3, 4, 5, 6, 7, 9]),
            (N5, &[1, 2, 3, 4, 5, 6, 7, 9]),
            (N4, &[8, 9]), // N4 pass code 8
            (N3, &[8, 9]),
            (N2, &[8, 9]),
            (Scqf(3), &[8, 9]),
            (Scqf(4), &[8, 9]),
            (Scqf(5), &[7, 9]), // SCQF5-7 pass code 7
            (Scqf(6), &[7, 9]),
            (Scqf(7), &[7, 9]),
        ];
        for (level, ok) in valid {
            for grade in 1..=9 {
                assert_eq!(
                    grade_valid(*level, grade),
                    ok.contains(&grade),
                    "{level:?} {grade}"
                );
            }
        }
    }

    #[test]
    fn effective_target_is_the_best_so_far() {
        let cases: &[(&[u8], Option<u8>)] = &[
            (&[], None),
            (&[3], Some(3)),
            (&[3, 2], Some(2)), // moved up: the new target counts
            (&[2, 4], Some(2)), // lowered: the earlier target stands
            (&[5, 3, 4], Some(3)),
        ];
        for (targets, want) in cases {
            assert_eq!(
                effective_target(targets.iter().copied()),
                *want,
                "{targets:?}"
            );
        }
    }

    /// (level, working, target, amber_grades, status, gap)
    type SeniorCase = (
        Option<CourseLevel>,
        Option<u8>,
        Option<u8>,
        i64,
        Status,
        Option<i64>,
    );
    /// (courses with working grades, (5@5, 5@6))
    type ProjectionCase<'a> = (&'a [(CourseLevel, Option<u8>)], (usize, usize));

    #[test]
    fn senior_statuses() {
        use Status::*;
        // (level, working, target, amber) -> (status, gap)
        let cases: &[SeniorCase] = &[
            (Some(H), Some(3), Some(3), 1, OnTrack, Some(0)),
            (Some(H), Some(1), Some(3), 1, OnTrack, Some(-2)),
            (Some(H), Some(4), Some(3), 1, SlightlyOffTrack, Some(1)),
            (Some(H), Some(5), Some(3), 1, OffTrack, Some(2)),
            (Some(H), Some(5), Some(3), 2, SlightlyOffTrack, Some(2)),
            (Some(N5), Some(7), Some(5), 1, OffTrack, Some(2)),
            (Some(AH), Some(4), Some(3), 0, OffTrack, Some(1)),
            // 9 is off track whatever the target; gap 9 - 3 = 6.
            (Some(N5), Some(9), Some(3), 1, OffTrack, Some(6)),
            (Some(N5), Some(9), Some(9), 1, OffTrack, Some(0)),
            (Some(N5), Some(9), None, 1, OffTrack, None),
            // Then no target, after a missing working grade.
            (Some(H), Some(3), None, 1, NoTarget, None),
            (Some(H), None, None, 1, Missing, None),
            (Some(H), None, Some(3), 1, Missing, None),
            // Pass/fail: pass code, 9, else missing; no gap, never no_target.
            (Some(N4), Some(8), None, 1, OnTrack, None),
            (Some(N4), Some(9), Some(8), 1, OffTrack, None),
            (Some(N4), None, None, 1, Missing, None),
            (Some(N3), Some(7), None, 1, Missing, None),
            (Some(Scqf(4)), Some(8), Some(8), 1, OnTrack, None),
            (Some(Scqf(5)), Some(7), None, 1, OnTrack, None),
            (Some(Scqf(6)), Some(8), None, 1, Missing, None),
            (Some(Scqf(7)), Some(9), None, 1, OffTrack, None),
            // Unknown level: 9 means off track for every kind of course
            // (10.5: "working 9 is off_track whatever the target"); any
            // other grade cannot be judged.
            (None, Some(3), Some(3), 1, Missing, None),
            (None, Some(9), None, 1, OffTrack, None),
            (None, Some(9), Some(3), 1, OffTrack, None),
            (None, None, None, 1, Missing, None),
        ];
        for &(level, working, target, amber, status, gap) in cases {
            assert_eq!(
                senior_status(level, working, target, amber),
                (status, gap),
                "{level:?} working {working:?} target {target:?} amber {amber}"
            );
        }
    }

    #[test]
    fn passes_and_projections() {
        let pass: &[(CourseLevel, u8, bool)] = &[
            (H, 1, true),
            (H, 6, true),
            (H, 7, false),
            (N5, 9, false),
            (N4, 8, true),
            (N4, 9, false),
            (Scqf(5), 7, true),
            (Scqf(5), 8, false),
        ];
        for &(level, working, want) in pass {
            assert_eq!(is_pass(level, working), want, "{level:?} {working}");
        }
        let cases: &[ProjectionCase] = &[
            (&[], (0, 0)),
            (&[(N5, Some(3)), (N5, Some(6)), (N5, Some(7))], (2, 0)),
            (&[(H, Some(1)), (AH, Some(5)), (H, Some(9))], (2, 2)),
            (&[(N4, Some(8)), (N5, None), (Scqf(5), Some(7))], (1, 0)),
            (&[(Scqf(6), Some(7)), (Scqf(7), Some(9))], (1, 1)),
        ];
        for (courses, want) in cases {
            assert_eq!(projected(courses.iter().copied()), *want, "{courses:?}");
        }
    }

    proptest! {
        #[test]
        fn graded_gap_sign_agrees_with_status(working in 1u8..=7, target in 1u8..=7, amber in 0i64..3) {
            let (status, gap) = senior_status(Some(H), Some(working), Some(target), amber);
            let gap = gap.unwrap();
            prop_assert_eq!(gap, i64::from(working) - i64::from(target));
            match status {
                Status::OnTrack => prop_assert!(gap <= 0),
                Status::SlightlyOffTrack => prop_assert!(gap > 0 && gap <= amber),
                Status::OffTrack => prop_assert!(gap > amber),
                other => prop_assert!(false, "unexpected {other:?}"),
            }
        }

        #[test]
        fn a_valid_pass_fail_grade_is_never_missing(level in prop::sample::select(CourseLevel::ALL.to_vec()), grade in 1u8..=9) {
            let (status, _) = senior_status(Some(level), Some(grade), None, 1);
            if !level.is_graded() && grade_valid(level, grade) {
                prop_assert!(matches!(status, Status::OnTrack | Status::OffTrack));
                prop_assert_eq!(status == Status::OnTrack, is_pass(level, grade));
            }
        }
    }
}
