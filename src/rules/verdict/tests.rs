//! The verdict's table tests: BGE and Senior Phase rows, and what a
//! row's cells read as.

use super::*;

fn window(s: &str) -> Window {
    s.parse().unwrap()
}

/// A row whose cells all read, with grades valid for the course, has
/// no invalid cell; any other has one: `may_be_invalid` lets a reader
/// skip the cell check, and never wrongly.
#[test]
fn rows_may_be_invalid_exactly_when_a_cell_is() {
    let config = Config::default();
    let ctx = Ctx::new(&config);
    let codes = ctx.codes();
    let stages = [None, Some("S4"), Some(" s2"), Some("S9"), Some("")];
    let levels = [None, Some("2b"), Some("3A "), Some("9z"), Some("")];
    let courses = [None, Some("H"), Some(" n5"), Some("NPA"), Some("")];
    let grades = [None, Some("1"), Some("8"), Some(" 9"), Some("x"), Some("")];
    let ratings = [None, Some("3"), Some(""), Some("5")];
    let mut rows = 0;
    for senior in [false, true] {
        for stage in stages {
            for rating in ratings {
                for level in if senior { &[None][..] } else { &levels } {
                    for course in if senior { &courses[..] } else { &[None] } {
                        for target in if senior { &grades[..] } else { &[None] } {
                            for working in if senior { &grades[..] } else { &[None] } {
                                let e = Entered {
                                    stage,
                                    level: *level,
                                    course_level: *course,
                                    target: *target,
                                    working: *working,
                                    ratings: [rating, None, rating],
                                };
                                let cell = |c: &str| match c {
                                    "stage" => e.stage,
                                    "level" => e.level,
                                    "course_level" => e.course_level,
                                    "target_grade" => e.target,
                                    "working_grade" => e.working,
                                    "effort" | "homework" => rating,
                                    _ => None,
                                };
                                let invalid = codes.subject_cells(senior, cell);
                                let may = Read::of(&ctx, &e).may_be_invalid();
                                assert_eq!(may, !invalid.is_empty(), "{e:?}");
                                rows += 1;
                            }
                        }
                    }
                }
            }
        }
    }
    assert_eq!(rows, 5 * 4 * (5 + 5 * 6 * 6));
}

#[test]
fn bge_rows_are_judged_against_the_pathway() {
    let config = Config::default();
    let ctx = Ctx::new(&config);
    let band = |name: &str| ctx.pathway.band_index(Some(name), None);
    // (window, level, stage on the row, pupil stage, band) -> (status, steps)
    type Case<'a> = (
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        Option<u8>,
        Option<&'a str>,
        Status,
        Option<i64>,
    );
    let cases: &[Case] = &[
        // N5 A/B expects 2b at S1/1.
        (
            "2025-26/1",
            Some("2b"),
            Some("S1"),
            None,
            Some("N5 A/B"),
            Status::OnTrack,
            Some(0),
        ),
        (
            "2025-26/1",
            Some("2a"),
            Some("S1"),
            None,
            Some("N5 A/B"),
            Status::SlightlyOffTrack,
            Some(-1),
        ),
        (
            "2025-26/1",
            Some("1c"),
            Some("S1"),
            None,
            Some("N5 A/B"),
            Status::OffTrack,
            Some(-2),
        ),
        // The stage comes from the pupil when the row has none.
        (
            "2025-26/1",
            Some("3b"),
            None,
            Some(2),
            Some("N5 A/B"),
            Status::OnTrack,
            Some(0),
        ),
        // S1/3 has no checkpoint of its own: S1/2's applies.
        (
            "2025-26/3",
            Some("2b"),
            Some("S1"),
            None,
            Some("N5 C/D"),
            Status::OnTrack,
            Some(0),
        ),
        (
            "2025-26/1",
            None,
            Some("S1"),
            None,
            Some("N5 A/B"),
            Status::Missing,
            None,
        ),
        (
            "2025-26/1",
            Some("9z"),
            Some("S1"),
            None,
            Some("N5 A/B"),
            Status::Missing,
            None,
        ),
        (
            "2025-26/1",
            Some("2b"),
            Some("S1"),
            None,
            None,
            Status::NoPathway,
            None,
        ),
    ];
    for (w, level, row_stage, pupil_stage, b, status, steps) in cases {
        let e = Entered {
            stage: *row_stage,
            level: *level,
            ..Entered::default()
        };
        let pupil = PupilContext {
            stage: *pupil_stage,
            band: b.and_then(band),
        };
        let v = judge(&ctx, window(w), Phase::Bge, &e, Some(pupil), None);
        assert_eq!(
            (v.status, v.steps),
            (*status, *steps),
            "{w} {level:?} {b:?}"
        );
    }
}

#[test]
fn senior_rows_use_the_best_target_of_the_session() {
    let config = Config::default();
    let ctx = Ctx::new(&config);
    // (course level, working, target, earlier best) -> (status, gap, effective target)
    type Case<'a> = (
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<u8>,
        Status,
        Option<i64>,
        Option<u8>,
    );
    let cases: &[Case] = &[
        (
            Some("N5"),
            Some("3"),
            Some("3"),
            None,
            Status::OnTrack,
            Some(0),
            Some(3),
        ),
        (
            Some("N5"),
            Some("4"),
            Some("3"),
            None,
            Status::SlightlyOffTrack,
            Some(1),
            Some(3),
        ),
        (
            Some("N5"),
            Some("5"),
            Some("3"),
            None,
            Status::OffTrack,
            Some(2),
            Some(3),
        ),
        // A lowered target does not count: the earlier 2 stays.
        (
            Some("N5"),
            Some("3"),
            Some("4"),
            Some(2),
            Status::SlightlyOffTrack,
            Some(1),
            Some(2),
        ),
        (
            Some("N5"),
            Some("3"),
            None,
            None,
            Status::NoTarget,
            None,
            None,
        ),
        (
            Some("Higher"),
            Some("9"),
            None,
            None,
            Status::OffTrack,
            None,
            None,
        ),
        (
            Some("N5"),
            Some("8"),
            Some("3"),
            None,
            Status::Missing,
            None,
            Some(3),
        ),
        (
            Some("N4"),
            Some("8"),
            None,
            None,
            Status::OnTrack,
            None,
            None,
        ),
        (
            Some("N4"),
            Some("9"),
            None,
            None,
            Status::OffTrack,
            None,
            None,
        ),
        (
            None,
            Some("9"),
            Some("3"),
            None,
            Status::OffTrack,
            None,
            None,
        ),
        (
            Some("Knitting"),
            Some("3"),
            Some("3"),
            None,
            Status::Missing,
            None,
            None,
        ),
    ];
    for (level, working, target, earlier, status, gap, effective) in cases {
        let e = Entered {
            course_level: *level,
            working: *working,
            target: *target,
            ..Entered::default()
        };
        let v = judge(&ctx, window("2025-26/2"), Phase::Senior, &e, None, *earlier);
        assert_eq!(
            (v.status, v.gap, v.effective_target),
            (*status, *gap, *effective),
            "{level:?} {working:?} {target:?} {earlier:?}"
        );
    }
}

#[test]
fn ratings_at_or_above_the_threshold_are_concerns() {
    let config = Config::default();
    let ctx = Ctx::new(&config);
    let cases: &[([Option<&str>; 3], bool)] = &[
        ([Some("1"), Some("2"), None], false),
        ([Some("1"), Some("3"), None], true),
        ([None, None, Some("4")], true),
        // An invalid rating is never a concern (10.7).
        ([Some("7"), None, None], false),
    ];
    for (ratings, want) in cases {
        let e = Entered {
            ratings: *ratings,
            ..Entered::default()
        };
        let v = judge(&ctx, window("2025-26/1"), Phase::Bge, &e, None, None);
        assert_eq!(v.concern, *want, "{ratings:?}");
    }
}

#[test]
fn grades_are_valid_for_their_course_level() {
    let n5 = Some(CourseLevel::N5);
    let n4 = Some(CourseLevel::N4);
    let cases: &[(Option<CourseLevel>, Option<&str>, Option<u8>)] = &[
        (n5, Some("3"), Some(3)),
        (n5, Some("8"), None),
        (n4, Some("8"), Some(8)),
        (n4, Some("3"), None),
        (None, Some("9"), Some(9)),
        (None, Some("3"), None),
        (n5, Some("x"), None),
        (n5, None, None),
    ];
    for (level, text, want) in cases {
        assert_eq!(valid_grade(*level, *text), *want, "{level:?} {text:?}");
    }
}
