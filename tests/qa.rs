//! `tracker qa` against the QA fixture, made so that every finding kind fires;
//! its expected rows were worked out by hand (fixtures/qa/README.md).

mod common;
mod qa_fixture;

use std::path::Path;
use std::sync::OnceLock;

use common::{Env, FIXTURES, assert_csv_eq, csv_rows};
use qa_fixture::{csv_tables, qa_school};

/// `tracker qa --format csv` on the fixture, run once for the per-kind tests.
fn default_output() -> &'static (String, String) {
    static OUT: OnceLock<(String, String)> = OnceLock::new();
    OUT.get_or_init(|| {
        let env = Env::new();
        let (cfg, _) = qa_school(&env);
        env.expect(0, &["--config", &cfg, "qa", "--format", "csv"])
    })
}

/// The findings of one kind, without the header.
fn findings_of(kind: &str) -> Vec<Vec<String>> {
    let tables = csv_tables(&default_output().0);
    tables[0]
        .iter()
        .skip(1)
        .filter(|r| r[3] == kind)
        .cloned()
        .collect()
}

/// Expected findings of window 2: (severity, kind, scn, subject, teacher, detail).
fn rows(want: &[[&str; 6]]) -> Vec<Vec<String>> {
    want.iter()
        .map(|r| {
            ["QAS", "2025-26/2"]
                .iter()
                .chain(r.iter())
                .map(|s| s.to_string())
                .collect()
        })
        .collect()
}

fn assert_kind(kind: &str, want: &[[&str; 6]]) {
    assert_eq!(findings_of(kind), rows(want), "findings of kind {kind}");
}

const NO_HELP: &str =
    "off track with no intervention for this subject or whole-school in 2025-26/2 or 2025-26/1";

#[test]
fn findings_match_the_hand_worked_csv() {
    let (stdout, stderr) = default_output();
    // A CSV file holds one table (SPEC 11.6): the findings.
    let tables = csv_tables(stdout);
    assert_eq!(tables.len(), 1, "the findings alone:\n{stdout}");
    assert_csv_eq(
        stdout,
        &Path::new(FIXTURES).join("qa/expected/findings.csv"),
    );
    assert!(stderr.is_empty(), "qa wrote to stderr: {stderr}");
}

#[test]
fn every_kind_is_triggered_by_the_fixture() {
    let kinds = [
        "invalid_level",
        "invalid_grade",
        "invalid_rating",
        "invalid_value",
        "missing_entry",
        "no_pathway_band",
        "no_target",
        "target_lowered",
        "level_regressed",
        "comment_too_long",
        "unmapped_subject",
        "unknown_pupil",
        "duplicate_conflict",
        "missing_staff",
        "no_intervention",
        "rejected_row",
    ];
    for kind in kinds {
        assert!(!findings_of(kind).is_empty(), "no finding of kind {kind}");
    }
}

#[test]
fn invalid_level() {
    assert_kind(
        "invalid_level",
        &[[
            "error",
            "invalid_level",
            "200000001",
            "Physics",
            "Dr Ng",
            "Level `9z`: not on the level scale (`bge.scale`)",
        ]],
    );
}

#[test]
fn invalid_grade_includes_8_on_a_graded_course_and_a_bad_target() {
    assert_kind(
        "invalid_grade",
        &[
            [
                "error",
                "invalid_grade",
                "200000005",
                "Biology",
                "Dr Ng",
                "Target Grade `A`: not a SEEMiS grade code; expected 1-9",
            ],
            [
                "error",
                "invalid_grade",
                "200000005",
                "Spanish",
                "Mme Roux",
                "Working Grade `8`: do not use 8 for AH/H/N5",
            ],
        ],
    );
}

#[test]
fn invalid_rating() {
    assert_kind(
        "invalid_rating",
        &[[
            "warning",
            "invalid_rating",
            "200000002",
            "French",
            "Mme Roux",
            "Effort `7`: not a rating; expected 1-4 or empty",
        ]],
    );
}

#[test]
fn invalid_value_covers_pupil_context_and_course_levels() {
    assert_kind(
        "invalid_value",
        &[
            [
                "warning",
                "invalid_value",
                "200000002",
                "",
                "",
                "FSM `Maybe`: not a yes/no value; expected Y, Yes, True, 1, X or N, No, False, 0",
            ],
            [
                "warning",
                "invalid_value",
                "200000005",
                "Computing Science",
                "Mr Watt",
                "Course Level `N6`: not a course level; expected AH, H, N5, N4, N3, N2 or SCQF3-SCQF7",
            ],
            [
                "warning",
                "invalid_value",
                "200000006",
                "",
                "",
                "EAL (3 characters, not shown): not a yes/no value; expected Y, Yes, True, 1, X or N, No, False, 0",
            ],
        ],
    );
}

#[test]
fn missing_entry_for_an_empty_level_or_working_grade() {
    assert_kind(
        "missing_entry",
        &[
            [
                "error",
                "missing_entry",
                "200000002",
                "English",
                "Ms Reid",
                "no level entered",
            ],
            [
                "error",
                "missing_entry",
                "200000003",
                "Mathematics",
                "Mr Shaw",
                "no level entered",
            ],
            [
                "error",
                "missing_entry",
                "200000005",
                "Physics",
                "Dr Ng",
                "no working grade entered",
            ],
        ],
    );
}

#[test]
fn no_pathway_band_once_per_pupil() {
    assert_kind(
        "no_pathway_band",
        &[[
            "warning",
            "no_pathway_band",
            "200000003",
            "",
            "",
            "no valid Pathway Band and no valid CAT Mean SAS",
        ]],
    );
}

#[test]
fn no_target_for_graded_courses_without_an_effective_target() {
    let detail = "no target grade recorded this session";
    assert_kind(
        "no_target",
        &[
            [
                "warning",
                "no_target",
                "200000004",
                "Chemistry",
                "Dr Ng",
                detail,
            ],
            [
                "warning",
                "no_target",
                "200000005",
                "Biology",
                "Dr Ng",
                detail,
            ],
        ],
    );
}

#[test]
fn target_lowered_against_the_earlier_window() {
    assert_kind(
        "target_lowered",
        &[[
            "warning",
            "target_lowered",
            "200000004",
            "Mathematics",
            "Mr Shaw",
            "target 4 is worse than 2 recorded earlier this session; the effective target stays 2",
        ]],
    );
}

#[test]
fn level_regressed_against_the_previous_window_of_the_session() {
    // French stays at 2a across the windows: no finding.
    assert_kind(
        "level_regressed",
        &[[
            "info",
            "level_regressed",
            "200000001",
            "Mathematics",
            "Mr Shaw",
            "level 2b is below 2c in 2025-26/1",
        ]],
    );
}

#[test]
fn comment_too_long_counts_characters_not_bytes() {
    // 401 two-byte characters is over the limit; 400 of them (800 bytes) is not.
    assert_kind(
        "comment_too_long",
        &[[
            "warning",
            "comment_too_long",
            "200000001",
            "Mathematics",
            "Mr Shaw",
            "comment is 401 characters; the limit is 400",
        ]],
    );
}

#[test]
fn unmapped_subject_once_per_subject() {
    assert_kind(
        "unmapped_subject",
        &[[
            "warning",
            "unmapped_subject",
            "",
            "Astronomy",
            "",
            "no faculty in `[faculties]` lists this subject; it counts as its own faculty",
        ]],
    );
}

#[test]
fn unknown_pupil() {
    assert_kind(
        "unknown_pupil",
        &[[
            "warning",
            "unknown_pupil",
            "200000009",
            "",
            "",
            "no pupils row for this SCN (1 subject row)",
        ]],
    );
}

#[test]
fn duplicate_conflict_from_the_store() {
    assert_kind(
        "duplicate_conflict",
        &[[
            "warning",
            "duplicate_conflict",
            "200000006",
            "History",
            "Mr Bell",
            "bge rows differ: bge.csv:15 was kept over bge.csv:14",
        ]],
    );
}

#[test]
fn missing_staff_once_per_key() {
    assert_kind(
        "missing_staff",
        &[[
            "warning",
            "missing_staff",
            "",
            "",
            "",
            "no Subject PT named for faculty `Expressive Arts` in `[followup.band.staff]`",
        ]],
    );
}

#[test]
fn no_intervention_looks_at_this_window_and_the_one_before() {
    // 200000001 Mathematics has a subject intervention in window 1 and
    // 200000004 a whole-school one in window 2: neither is listed.
    assert_kind(
        "no_intervention",
        &[
            [
                "warning",
                "no_intervention",
                "200000002",
                "French",
                "Mme Roux",
                NO_HELP,
            ],
            [
                "warning",
                "no_intervention",
                "200000005",
                "Music",
                "Ms Kerr",
                NO_HELP,
            ],
            [
                "warning",
                "no_intervention",
                "200000006",
                "Music",
                "Ms Kerr",
                NO_HELP,
            ],
        ],
    );
}

#[test]
fn rejected_row_names_file_line_and_reason() {
    assert_kind(
        "rejected_row",
        &[[
            "error",
            "rejected_row",
            "12345",
            "English",
            "",
            "bge.csv:13: invalid_scn (SCN is not 9 digits)",
        ]],
    );
}

#[test]
fn no_name_or_comment_ever_appears_in_findings() {
    let out = &default_output().0;
    for private in [
        "Ann",
        "Ash",
        "Birch",
        "Cedar",
        "Dunn",
        "Elm",
        "Fir",
        "Good progress",
        "Practise",
        "HYPERLINK",
        "é",
    ] {
        assert!(!out.contains(private), "`{private}` is in the qa output");
    }
}

#[test]
fn completeness_is_printed_alone_with_hand_worked_figures() {
    let env = Env::new();
    let (cfg, _) = qa_school(&env);
    let out = env.ok(&["--config", &cfg, "qa", "--completeness", "--format", "csv"]);
    assert_csv_eq(
        &out,
        &Path::new(FIXTURES).join("qa/expected/completeness.csv"),
    );
    // And it is the second table of the default JSON.
    let json = env.ok(&["--config", &cfg, "qa", "--format", "json"]);
    let both: serde_json::Value = serde_json::from_str(&json).unwrap();
    let rows = both["completeness"].as_array().unwrap();
    assert_eq!(rows.len(), csv_rows(&out).len() - 1);
}

#[test]
fn severity_can_be_moved_by_the_config() {
    let env = Env::new();
    let (cfg, _) = qa_school(&env);
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("level_regressed = \"info\"", "level_regressed = \"error\"")
        .replace(
            "comment_too_long = \"warning\"",
            "comment_too_long = \"info\"",
        );
    let moved = env.write("moved.toml", text);
    let moved = moved.to_str().unwrap();
    let out = env.ok(&["--config", moved, "qa", "--format", "csv"]);
    let findings = &csv_tables(&out)[0];
    let regressed: Vec<&Vec<String>> = findings
        .iter()
        .filter(|r| r[3] == "level_regressed")
        .collect();
    assert_eq!(regressed.len(), 1);
    assert_eq!(regressed[0][2], "error");
    // Errors sort first, by kind in SPEC order: level_regressed before rejected_row.
    let error_kinds: Vec<&str> = findings
        .iter()
        .filter(|r| r[2] == "error")
        .map(|r| r[3].as_str())
        .collect();
    assert_eq!(
        error_kinds,
        [
            "invalid_level",
            "invalid_grade",
            "invalid_grade",
            "missing_entry",
            "missing_entry",
            "missing_entry",
            "level_regressed",
            "rejected_row"
        ]
    );
    assert_eq!(findings.last().unwrap()[3], "comment_too_long");
    assert_eq!(findings.last().unwrap()[2], "info");
    // For this teacher and stage: a regression (now an error) and a long
    // comment (now info). By default neither is an error.
    let scoped = [
        "qa",
        "--format",
        "csv",
        "--teacher",
        "Mr Shaw",
        "--stage",
        "S2",
        "--fail-on",
        "error",
    ];
    let (out, _) = env.expect(1, &[&["--config", moved][..], &scoped].concat());
    let kinds: Vec<String> = csv_tables(&out)[0]
        .iter()
        .skip(1)
        .map(|r| format!("{} {}", r[2], r[3]))
        .collect();
    assert_eq!(kinds, ["error level_regressed", "info comment_too_long"]);
    env.expect(0, &[&["--config", cfg.as_str()][..], &scoped].concat());
}

#[test]
fn an_unknown_kind_in_qa_severity_is_refused() {
    let env = Env::new();
    let (cfg, _) = qa_school(&env);
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("level_regressed = \"info\"", "level_regresed = \"info\"");
    let bad = env.write("bad.toml", text);
    let (_, err) = env.expect(1, &["--config", bad.to_str().unwrap(), "qa"]);
    assert!(err.contains("`level_regresed`"), "{err}");
}

#[test]
fn fail_on_sets_the_exit_code_after_writing_the_output() {
    let env = Env::new();
    let (cfg, _) = qa_school(&env);
    let run = |extra: &[&str]| {
        let mut args = vec!["--config", cfg.as_str(), "qa", "--format", "csv"];
        args.extend(extra);
        env.run(&args)
    };
    // The whole school has errors.
    let out = run(&["--fail-on", "error"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        csv_tables(&stdout)[0].len(),
        25,
        "the findings were written"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("7 findings at severity `error` or above"),
        "{stderr}"
    );
    // Mr Bell has one warning (a duplicate) and no error.
    let bell = ["--teacher", "Mr Bell"];
    assert_eq!(
        run(&[&bell[..], &["--fail-on", "error"]].concat())
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&[&bell[..], &["--fail-on", "warning"]].concat())
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        run(&bell).status.code(),
        Some(0),
        "no --fail-on, no failure"
    );
    // -q keeps the exit code and drops the message.
    let quiet = env.run(&["--config", &cfg, "-q", "qa", "--fail-on", "warning"]);
    assert_eq!(quiet.status.code(), Some(1));
    assert!(quiet.stderr.is_empty());
    env.expect(2, &["--config", &cfg, "qa", "--fail-on", "info"]);
}

#[test]
fn teacher_and_faculty_filters() {
    let env = Env::new();
    let (cfg, _) = qa_school(&env);
    let kinds = |extra: &[&str]| -> Vec<(String, String)> {
        let mut args = vec!["--config", cfg.as_str(), "qa", "--format", "csv"];
        args.extend(extra);
        csv_tables(&env.ok(&args))[0]
            .iter()
            .skip(1)
            .map(|r| (r[3].clone(), r[4].clone()))
            .collect()
    };
    let pair = |k: &str, s: &str| (k.to_string(), s.to_string());
    // A teacher sees the findings of their rows, matched ignoring case; the
    // missing PT belongs to no teacher.
    assert_eq!(
        kinds(&["--teacher", " ms kerr "]),
        [
            pair("invalid_value", "200000006"),
            pair("no_intervention", "200000005"),
            pair("no_intervention", "200000006"),
        ]
    );
    // A faculty leader sees the faculty's rows, the pupils taught in it (a
    // Drama pupil with no band) and the faculty's missing PT.
    assert_eq!(
        kinds(&["--faculty", "Expressive Arts"]),
        [
            pair("invalid_value", "200000006"),
            pair("no_pathway_band", "200000003"),
            pair("missing_staff", ""),
            pair("no_intervention", "200000005"),
            pair("no_intervention", "200000006"),
        ]
    );
    // An unmapped subject is its own faculty, with its pupils' findings.
    assert_eq!(
        kinds(&["--faculty", "astronomy"]),
        [
            pair("invalid_value", "200000002"),
            pair("no_pathway_band", "200000003"),
            pair("unmapped_subject", ""),
        ]
    );
    // --stage keeps the pupils of the stage; a rejected row of unknown stage goes.
    assert_eq!(
        kinds(&["--stage", "S4"]),
        [
            pair("no_target", "200000004"),
            pair("target_lowered", "200000004")
        ]
    );
    let completeness = env.ok(&[
        "--config",
        &cfg,
        "qa",
        "--completeness",
        "--format",
        "csv",
        "--teacher",
        "Dr Ng",
    ]);
    assert_eq!(
        csv_rows(&completeness)[1..],
        [
            ["QAS", "2025-26/2", "Astronomy", "Dr Ng", "2", "2", "100.0"],
            ["QAS", "2025-26/2", "Sciences", "Dr Ng", "4", "3", "75.0"],
        ]
        .map(|r| r.map(String::from).to_vec())
    );
}

#[test]
fn the_first_window_has_no_history_findings() {
    let env = Env::new();
    let (cfg, _) = qa_school(&env);
    let out = env.ok(&[
        "--config",
        &cfg,
        "qa",
        "--window",
        "2025-26/1",
        "--format",
        "csv",
    ]);
    let findings = &csv_tables(&out)[0];
    assert!(findings.iter().skip(1).all(|r| r[1] == "2025-26/1"));
    for kind in [
        "level_regressed",
        "target_lowered",
        "rejected_row",
        "duplicate_conflict",
    ] {
        assert!(
            findings.iter().all(|r| r[3] != kind),
            "{kind} in the first window:\n{out}"
        );
    }
    assert!(
        findings
            .iter()
            .any(|r| r[3] == "no_target" && r[5] == "Chemistry")
    );
}

#[test]
fn json_holds_both_tables_and_xlsx_one_sheet_each() {
    let env = Env::new();
    let (cfg, _) = qa_school(&env);
    let json = env.ok(&["--config", &cfg, "qa", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 24);
    assert_eq!(findings[0]["kind"], "invalid_level");
    assert_eq!(findings[6]["teacher"], serde_json::Value::Null);
    assert_eq!(v["completeness"][4]["percent_complete"], 66.7);
    assert_eq!(v["completeness"][4]["expected"], 3);
    let only = env.ok(&["--config", &cfg, "qa", "--completeness", "--format", "json"]);
    let only: serde_json::Value = serde_json::from_str(&only).unwrap();
    assert_eq!(
        only, v["completeness"],
        "--completeness gives the bare array"
    );

    use calamine::{Reader, Xlsx, open_workbook};
    env.ok(&["--config", &cfg, "qa", "--format", "xlsx", "-o", "qa.xlsx"]);
    let mut book: Xlsx<_> = open_workbook(env.path("qa.xlsx")).unwrap();
    assert_eq!(book.sheet_names(), ["findings", "completeness"]);
    assert_eq!(book.worksheet_range("findings").unwrap().height(), 25);
    assert_eq!(book.worksheet_range("completeness").unwrap().height(), 10);
    // Parquet holds one table: either one, chosen by flag.
    let (_, err) = env.expect(
        2,
        &[
            "--config",
            &cfg,
            "qa",
            "--format",
            "parquet",
            "-o",
            "qa.parquet",
        ],
    );
    assert!(err.contains("`--findings` or `--completeness`"), "{err}");
    for (flag, name) in [("--findings", "f.parquet"), ("--completeness", "c.parquet")] {
        env.ok(&[
            "--config", &cfg, "qa", flag, "--format", "parquet", "-o", name,
        ]);
        let bytes = std::fs::read(env.path(name)).unwrap();
        assert!(
            bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"),
            "{name}"
        );
    }
    env.expect(2, &["--config", &cfg, "qa", "--findings", "--completeness"]);
}

#[test]
fn findings_flag_prints_only_the_findings() {
    let env = Env::new();
    let (cfg, _) = qa_school(&env);
    let out = env.ok(&["--config", &cfg, "qa", "--findings", "--format", "csv"]);
    assert_eq!(csv_rows(&out), csv_tables(&default_output().0)[0]);
}

#[test]
fn ingest_counts_the_invalid_cells_qa_reports() {
    let env = Env::new();
    let (_, stderr) = qa_school(&env);
    for line in [
        "pupils.csv: pupils, 6 rows stored, 0 rejected, warnings: 2 invalid_value",
        "bge.csv: bge, 13 rows stored, 1 rejected, warnings: 1 duplicate_conflict, 1 invalid_level, 1 invalid_rating",
        "senior.csv: senior, 8 rows stored, 0 rejected, warnings: 2 invalid_grade, 1 invalid_value",
    ] {
        assert!(
            stderr.lines().any(|l| l == line),
            "no line `{line}` in:\n{stderr}"
        );
    }
    // The same cells, one finding each.
    let invalid: usize = [
        "invalid_level",
        "invalid_grade",
        "invalid_rating",
        "invalid_value",
    ]
    .iter()
    .map(|k| findings_of(k).len())
    .sum();
    assert_eq!(invalid, 1 + 1 + 1 + 2 + 2);
}

#[test]
fn qa_on_an_empty_store_says_how_to_ingest() {
    let env = Env::new();
    let (_, err) = env.expect(1, &["qa"]);
    assert!(err.contains("tracker ingest"), "{err}");
}

/// `missing_staff` for a band led by house: a pupil with no house is a
/// finding of its own; a house spelt several ways is one finding, in the
/// spelling of the first pupil in `offtrack`'s order (most faculties off
/// track first, then surname).
#[test]
fn missing_staff_by_house_names_the_first_spelling_in_offtrack_order() {
    let cases: &[(&str, &str)] = &[
        // Cole has two faculties off track: first.
        ("100000003,Mathematics,Higher,3,9\n", "Arran"),
        // Each has one: Birch is first by surname.
        ("", "arran"),
    ];
    for (extra, spelling) in cases {
        let env = Env::new();
        let cfg = env.write(
            "tracker.toml",
            "[[followup.band]]\nmin = 1\nrole = \"WST\"\nlead_by = \"house\"\n\n\
             [followup.band.staff]\n\"Cumbrae\" = \"Ms Cumbrae\"\n",
        );
        let pupils = env.write(
            "pupils.csv",
            "SCN,Forename,Surname,Stage,House\n\
             100000001,Al,Ash,S5,\n\
             100000002,Bo,Birch,S5,arran\n\
             100000003,Cy,Cole,S5,Arran\n\
             100000004,Di,Dunn,S5,ARRAN\n\
             100000005,Ed,Elm,S5,Cumbrae\n",
        );
        let senior = env.write(
            "senior.csv",
            format!(
                "SCN,Subject,Course Level,Target Grade,Working Grade\n\
                 100000001,English,Higher,3,9\n\
                 100000002,English,Higher,3,9\n\
                 100000003,English,Higher,3,9\n\
                 {extra}\
                 100000004,English,Higher,3,9\n\
                 100000005,English,Higher,3,9\n"
            ),
        );
        let cfg = cfg.to_str().unwrap();
        let (p, s) = (pupils.to_str().unwrap(), senior.to_str().unwrap());
        env.ok(&[
            "--config",
            cfg,
            "-q",
            "ingest",
            "--school",
            "H",
            "--window",
            "2025-26/1",
            p,
            s,
        ]);
        let out = env.ok(&["--config", cfg, "qa", "--findings", "--format", "csv"]);
        let staff: Vec<Vec<String>> = (csv_rows(&out).into_iter())
            .filter(|r| r[3] == "missing_staff")
            .map(|r| r[4..].to_vec())
            .collect();
        let named = format!("no WST named for house `{spelling}` in `[followup.band.staff]`");
        let want = [
            ["", "", "", named.as_str()],
            [
                "100000001",
                "",
                "",
                "no house recorded, so no WST can be named as lead",
            ],
        ]
        .map(|r| r.map(String::from).to_vec());
        assert_eq!(staff, want, "with {extra:?}");
    }
}

/// A value entered in the wrong column is shown in a detail only when it
/// is no name of the pupil's: not the pupils table's names, nor the names
/// the subject export spells its own way, nor those of a pupil the pupils
/// table lacks.
#[test]
fn a_detail_never_shows_a_name_the_subject_rows_hold() {
    let env = Env::new();
    let pupils = env.write(
        "pupils.csv",
        "SCN,Forename,Surname,Stage\n100000001,Ann,Reid,S2\n100000002,Ben,Shaw,S2\n",
    );
    let bge = env.write(
        "bge.csv",
        "SCN,Forename,Surname,Subject,Level,Stage\n\
         100000001,Annie,Reid,English,Annie,S2\n\
         100000001,Annie,Reid,Mathematics,2b,S2\n\
         100000002,Ben,Shaw,English,9z,S2\n\
         100000003,Zed,Mackay,English,Zed,S2\n",
    );
    let (pupils, bge) = (pupils.to_str().unwrap(), bge.to_str().unwrap());
    env.ok(&[
        "-q",
        "ingest",
        "--window",
        "2025-26/1",
        "--school",
        "NAM",
        pupils,
        bge,
    ]);
    let out = env.ok(&["qa", "--findings", "--format", "csv"]);
    let details: Vec<(String, String)> = csv_rows(&out)
        .into_iter()
        .filter(|r| r[3] == "invalid_level")
        .map(|r| (r[4].clone(), r[7].clone()))
        .collect();
    let not_a_level = ": not on the level scale";
    let want = [
        ("100000001", "(5 characters, not shown)"),
        ("100000002", "`9z`"),
        ("100000003", "(3 characters, not shown)"),
    ];
    assert_eq!(details.len(), want.len(), "{out}");
    for ((scn, detail), (want_scn, shown)) in details.iter().zip(want) {
        assert_eq!(scn, want_scn, "{out}");
        assert!(detail.starts_with(&format!("Level {shown}")), "{detail}");
        assert!(detail.contains(not_a_level), "{detail}");
    }
}
