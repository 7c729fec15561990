//! `impact` against `fixtures/impact`, a school of 15 S1 pupils (band N5
//! C/D, so 2a is on track in 2025-26/1 and 2b in 2025-26/2) over two
//! windows. Its README lists every pupil; the expected rows were worked out
//! by hand from it, like this:
//!
//! - Homework club (subject): Mathematics for pupils 1-5, English for 5,
//!   French for 6. 1 (off -> on) and 2 (off -> slightly) improved, 3 stays
//!   off, 4 slips from slightly to off; 5 improves in English and stays off
//!   in Mathematics, which adds up to improved and still off track; 6 has no
//!   French row in 2025-26/2, so is left out. 5 pupils: 60% improved, 20%
//!   unchanged, 20% worse, 60% still off track.
//!   Comparison: off track in Mathematics, English or French in 2025-26/1
//!   with no intervention for it: 10 and 15 stay off in Mathematics, 11
//!   improves; 12 improves in English; 13 stays off in English and French.
//!   5 pupils, 40% improved: a difference of 20 points.
//! - Mentoring (whole school): pupils 1, 7, 8 and 9 (9 twice: counted once).
//!   Faculties off track 1 -> 0, 2 -> 1, 1 -> 1 and 0 -> 1: 50% improved,
//!   25% unchanged, 25% worse, 75% still off track in 1+ faculties.
//!   Comparison: 1+ faculties off track and no intervention at all: 10, 13
//!   and 15 unchanged, 11 and 12 improved: 5 pupils, 40%, 10 points.

mod common;

use common::{Env, assert_csv_eq, csv_rows};

const NOTE: &str = "note: this is an association, not proof";

#[test]
fn the_hand_worked_fixture_gives_the_expected_rows() {
    let env = Env::new();
    let f = env.impact_school(false);
    let (csv, err) = env.expect(0, &["impact", "--no-suppress", "--format", "csv"]);
    assert_csv_eq(&csv, &f.join("expected/impact.csv"));
    assert!(err.contains(NOTE), "{err}");
    assert!(err.contains("1 intervention(s) left out"), "{err}");
    // The default window is the newest with a later one; naming it agrees.
    let named = env.ok(&[
        "impact",
        "--window",
        "2025-26/1",
        "--no-suppress",
        "--format",
        "csv",
    ]);
    assert_eq!(csv_rows(&named), csv_rows(&csv));
}

/// (group, pupils) of each row of `impact --by BY`.
fn groups(env: &Env, by: &str) -> Vec<(String, String)> {
    let csv = env.ok(&["impact", "--by", by, "--no-suppress", "--format", "csv"]);
    csv_rows(&csv)[1..]
        .iter()
        .map(|r| (r[4].clone(), r[5].clone()))
        .collect()
}

#[test]
fn groups_by_subject_and_by_staff() {
    let env = Env::new();
    env.impact_school(false);
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    // French's only intervention is left out: a group of no pupils.
    assert_eq!(
        groups(&env, "subject"),
        pairs(&[
            ("(whole school)", "4"),
            ("English", "1"),
            ("French", "0"),
            ("Mathematics", "5"),
        ])
    );
    assert_eq!(
        groups(&env, "staff"),
        pairs(&[("Mr Bell", "4"), ("Mr Shaw", "5"), ("Ms Reid", "1")])
    );
    // Mathematics by hand: 1 and 2 improved, 3 and 5 unchanged, 4 worse;
    // beside 10 and 15 (unchanged) and 11 (improved).
    let csv = env.ok(&[
        "impact",
        "--by",
        "subject",
        "--no-suppress",
        "--format",
        "csv",
    ]);
    let maths = csv_rows(&csv)
        .into_iter()
        .find(|r| r[4] == "Mathematics")
        .unwrap();
    assert_eq!(
        maths[5..],
        ["5", "40.0", "40.0", "20.0", "60.0", "3", "33.3", "6.7", "N"]
    );
}

#[test]
fn a_group_of_four_is_suppressed_and_of_five_shown() {
    let env = Env::new();
    env.impact_school(false);
    let rows = csv_rows(&env.ok(&["impact", "--format", "csv"]));
    // Homework club: 5 pupils, comparison 5; Mentoring: 4 pupils.
    assert_eq!(
        rows[1][4..],
        [
            "Homework club",
            "5",
            "60.0",
            "20.0",
            "20.0",
            "60.0",
            "5",
            "40.0",
            "20.0",
            "N"
        ]
    );
    assert_eq!(
        rows[2][4..],
        ["Mentoring", "c", "c", "c", "c", "c", "5", "40.0", "c", "Y"]
    );
    // A small comparison is hidden on its own: Mathematics helped 5
    // pupils, beside 3 (10, 11 and 15), so the difference goes with it.
    let rows = csv_rows(&env.ok(&["impact", "--by", "subject", "--format", "csv"]));
    let maths = rows.iter().find(|r| r[4] == "Mathematics").unwrap();
    assert_eq!(
        maths[5..],
        ["5", "40.0", "40.0", "20.0", "60.0", "c", "c", "c", "Y"]
    );
    // JSON writes `c` as a string, Parquet as null (numbers stay numbers).
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["impact", "--format", "json"])).unwrap();
    assert_eq!(json[1]["pupils"], "c");
    assert_eq!(json[0]["pupils"], 5);
    assert_eq!(json[0]["improved"], 60.0);
}

#[test]
fn without_a_next_window_it_exits_1_naming_the_window_it_needs() {
    let env = Env::new();
    env.impact_school(true);
    let (out, err) = env.expect(1, &["impact"]);
    assert_eq!(out, "");
    assert!(
        err.contains("no window after `2025-26/1`; it needs `2025-26/2`"),
        "{err}"
    );
    assert!(
        err.contains("hint: ingest the next window's exports"),
        "{err}"
    );
    // With both windows, asking for the last one says what it needs.
    let env = Env::new();
    env.impact_school(false);
    let (_, err) = env.expect(1, &["impact", "--window", "2025-26/2"]);
    assert!(err.contains("it needs `2025-26/3`"), "{err}");
    assert!(!err.contains(NOTE), "{err}");
}

#[test]
fn every_format_carries_the_note() {
    let env = Env::new();
    env.impact_school(false);
    for format in ["table", "csv", "json"] {
        let (out, err) = env.expect(0, &["-q", "impact", "--format", format]);
        assert!(out.contains("Homework club"), "{format}");
        assert_eq!(err.lines().collect::<Vec<_>>().len(), 1, "{format}: {err}");
        assert!(err.starts_with(NOTE), "{format}: {err}");
    }
    let book = env.path("impact.xlsx");
    let (_, err) = env.expect(
        0,
        &["impact", "--format", "xlsx", "-o", book.to_str().unwrap()],
    );
    assert!(!err.contains(NOTE), "{err}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&book).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "owner-only");
    use calamine::{Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(&book).unwrap();
    assert_eq!(wb.sheet_names(), ["impact", "note"]);
    let note = wb.worksheet_range("note").unwrap();
    assert!(
        note.get((1, 0)).unwrap().to_string().starts_with(NOTE),
        "{:?}",
        note.get((1, 0))
    );
}

#[test]
fn stage_filter_keeps_only_that_stages_pupils() {
    let env = Env::new();
    env.impact_school(false);
    // Every pupil is in S1.
    let csv = env.ok(&["impact", "--stage", "S2", "--format", "csv"]);
    assert_eq!(csv_rows(&csv).len(), 1, "header only:\n{csv}");
    let s1 = env.ok(&[
        "impact",
        "--stage",
        "S1",
        "--no-suppress",
        "--format",
        "csv",
    ]);
    assert_eq!(csv_rows(&s1).len(), 3);
}

#[test]
fn the_summary_page_shows_the_interventions_when_the_next_window_is_in() {
    let env = Env::new();
    env.impact_school(false);
    let page = env.path("w1.html");
    let p = page.to_str().unwrap();
    env.ok(&[
        "summary",
        "--window",
        "2025-26/1",
        "--format",
        "html",
        "-o",
        p,
    ]);
    let html = std::fs::read_to_string(&page).unwrap();
    let section = &html[html.find("<h3>Interventions</h3>").expect("section")..];
    assert!(section.contains("how they stood in 2025-26/2"));
    assert!(section.contains("<svg "), "a chart");
    assert!(section.contains(
        "<tr><td>Homework club</td><td>5</td><td>60.0%</td><td>20.0%</td><td>20.0%</td>\
         <td>60.0%</td><td>5</td><td>40.0%</td><td>+20.0</td></tr>"
    ));
    // Mentoring's 4 pupils are suppressed, its comparison of 5 is not.
    assert!(section.contains("<tr><td>Mentoring</td><td class=\"c\">c</td>"));
    assert!(section.contains("this is an association, not proof"));
    assert!(!html.contains("http://") && !html.contains("https://"));
    // The latest window has nothing after it yet, and the page says so.
    env.ok(&["summary", "--format", "html", "-o", p]);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains(
        "<h3>Interventions</h3>\n<p class=\"note\">The store holds no window after 2025-26/2 yet"
    ));
}

#[test]
fn a_school_with_no_later_window_is_left_out_saying_so() {
    let env = Env::new();
    let f = env.impact_school(false);
    // School OTH holds the first window only.
    let file = |n: &str| f.join(n).to_string_lossy().into_owned();
    let (pupils, bge, iv) = (
        file("pupils.csv"),
        file("w1/bge.csv"),
        file("w1/interventions.csv"),
    );
    env.ok(&[
        "-q",
        "ingest",
        "--school",
        "OTH",
        "--window",
        "2025-26/1",
        &pupils,
        &bge,
        &iv,
    ]);
    let (csv, err) = env.expect(0, &["impact", "--no-suppress", "--format", "csv"]);
    let schools: Vec<String> = csv_rows(&csv)[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(schools, ["IMP", "IMP"]);
    assert!(
        err.contains("school `OTH` is left out: the store holds no window after `2025-26/1`"),
        "{err}"
    );
    let (_, err) = env.expect(1, &["impact", "--school", "OTH"]);
    assert!(
        err.contains("no window after `2025-26/1` for school `OTH`; it needs `2025-26/2`"),
        "{err}"
    );
}
