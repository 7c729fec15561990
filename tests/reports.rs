//! `subjects`, `offtrack`, `followup`, `pupil` against the hand-made fixture,
//! whose expected CSVs were worked out by hand from the SPEC.

mod common;
use common::{Env, assert_csv_eq, csv_rows};

#[test]
fn subjects_matches_the_hand_worked_csv() {
    let env = Env::new();
    let f = env.small_school();
    let out = env.ok(&[
        "--config",
        &env.small_config(),
        "subjects",
        "--format",
        "csv",
    ]);
    assert_csv_eq(&out, &f.join("expected/subjects.csv"));
}

#[test]
fn offtrack_matches_the_hand_worked_csv() {
    let env = Env::new();
    let f = env.small_school();
    let cfg = env.small_config();
    let out = env.ok(&["--config", &cfg, "offtrack", "--format", "csv"]);
    assert_csv_eq(&out, &f.join("expected/offtrack.csv"));
    let all = env.ok(&["offtrack", "--all", "--format", "csv", "--config", &cfg]);
    assert_csv_eq(&all, &f.join("expected/offtrack_all.csv"));
}

#[test]
fn followup_matches_the_hand_worked_csv() {
    let env = Env::new();
    let f = env.small_school();
    let out = env.ok(&[
        "--config",
        &env.small_config(),
        "followup",
        "--format",
        "csv",
    ]);
    assert_csv_eq(&out, &f.join("expected/followup.csv"));
}

#[test]
fn effective_target_is_the_best_so_far_in_the_session() {
    let env = Env::new();
    let f = env.small_school();
    let cfg = env.small_config();
    let w2 = f.join("w2/senior.csv");
    env.ok(&[
        "--config",
        &cfg,
        "-q",
        "ingest",
        "--window",
        "2025-26/2",
        w2.to_str().unwrap(),
    ]);
    let out = env.ok(&["--config", &cfg, "subjects", "--format", "csv"]);
    assert_csv_eq(&out, &f.join("expected/subjects_w2.csv"));
}

#[test]
fn pupil_shows_every_window_subject_by_subject() {
    let env = Env::new();
    let f = env.small_school();
    let cfg = env.small_config();
    let w2 = f.join("w2/senior.csv");
    env.ok(&[
        "--config",
        &cfg,
        "-q",
        "ingest",
        "--window",
        "2025-26/2",
        w2.to_str().unwrap(),
    ]);
    let rows = csv_rows(&env.ok(&["--config", &cfg, "pupil", "100000005", "--format", "csv"]));
    let got: Vec<(String, String, String)> = rows[1..]
        .iter()
        .map(|r| (r[4].clone(), r[1].clone(), r[15].clone()))
        .collect();
    let want = [
        ("Chemistry", "2025-26/1", "off_track"),
        ("Computing Science", "2025-26/1", "on_track"),
        ("English", "2025-26/1", "slightly_off_track"),
        ("English", "2025-26/2", "slightly_off_track"),
        ("Mathematics", "2025-26/1", "off_track"),
        ("Mathematics", "2025-26/2", "slightly_off_track"),
        ("Spanish", "2025-26/1", "missing"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(got, want);
    env.expect(1, &["--config", &cfg, "pupil", "999999999"]);
    env.expect(2, &["--config", &cfg, "pupil", "12"]);
}

#[test]
fn filters_let_a_teacher_see_their_own_classes() {
    let env = Env::new();
    env.small_school();
    let cfg = env.small_config();
    let rows = csv_rows(&env.ok(&[
        "--config",
        &cfg,
        "subjects",
        "--teacher",
        "mme roux",
        "--format",
        "csv",
    ]));
    let subjects: Vec<&str> = rows[1..].iter().map(|r| r[4].as_str()).collect();
    assert_eq!(subjects, ["French", "Spanish", "French", "Spanish"]);
    let rows = csv_rows(&env.ok(&[
        "--config",
        &cfg,
        "offtrack",
        "--faculty",
        "Sciences",
        "--format",
        "csv",
    ]));
    let scns: Vec<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(
        scns,
        [
            "100000008",
            "100000003",
            "100000005",
            "100000002",
            "100000006"
        ]
    );
    let rows = csv_rows(&env.ok(&[
        "--config", &cfg, "offtrack", "--stage", "S3", "--stage", "s1", "--format", "csv",
    ]));
    let scns: Vec<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(scns, ["100000008", "100000007", "100000001", "100000002"]);
    let rows = csv_rows(&env.ok(&[
        "--config", &cfg, "subjects", "--class", "5a/mu", "--format", "csv",
    ]));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][4], "Music");
}

#[test]
fn json_numbers_are_numbers_and_empty_is_null() {
    let env = Env::new();
    env.small_school();
    let out = env.ok(&[
        "--config",
        &env.small_config(),
        "offtrack",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let first = &v.as_array().unwrap()[0];
    assert_eq!(first["scn"], "100000008");
    assert_eq!(first["faculties_off_track"], 5);
    assert_eq!(first["attendance"], 75.5);
    assert!(first["projected_5at5"].is_null());
    let keys: Vec<&String> = first.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 28);
}

#[test]
fn a_config_change_takes_effect_without_reingest() {
    let env = Env::new();
    env.small_school();
    let cfg = std::fs::read_to_string(env.small_config()).unwrap();
    let slightly = cfg.replace("count = \"off_track\"", "count = \"off_track_or_slightly\"");
    let p = env.write("slightly.toml", slightly);
    let rows = csv_rows(&env.ok(&[
        "--config",
        p.to_str().unwrap(),
        "offtrack",
        "--format",
        "csv",
    ]));
    // Amy: Maths is slightly off track too, so Mathematics joins her faculties.
    let amy = rows.iter().find(|r| r[2] == "100000001").unwrap();
    assert_eq!(amy[13], "3");
    assert_eq!(amy[14], "Mathematics; Modern Languages; Social Subjects");
    assert_eq!(amy[15], "Wellbeing Support Teacher");
}

#[test]
fn reports_on_an_empty_store_say_how_to_ingest() {
    let env = Env::new();
    env.ok(&["init"]);
    for cmd in ["subjects", "offtrack", "followup"] {
        let (_, err) = env.expect(1, &[cmd]);
        assert!(err.contains("tracker ingest"), "{err}");
    }
    env.small_school();
    let (_, err) = env.expect(
        1,
        &[
            "--config",
            &env.small_config(),
            "offtrack",
            "--window",
            "2024-25/1",
        ],
    );
    assert!(err.contains("2024-25/1"), "{err}");
    env.expect(2, &["offtrack", "--window", "2025-26/5"]);
}

#[test]
fn xlsx_and_parquet_need_an_output_file() {
    let env = Env::new();
    env.small_school();
    let cfg = env.small_config();
    env.expect(2, &["--config", &cfg, "offtrack", "--format", "xlsx"]);
    env.expect(2, &["--config", &cfg, "offtrack", "--format", "parquet"]);
    env.expect(
        2,
        &[
            "--config", &cfg, "subjects", "--format", "html", "-o", "x.html",
        ],
    );
}

/// 7.3: followup sorts by band highest first, where "highest" is the band's
/// `min`, not its place in the config: bands listed 5+, 3-4, 1-2 give the
/// same list.
#[test]
fn followup_ranks_bands_by_min_not_config_order() {
    let env = Env::new();
    let f = env.small_school();
    let text = std::fs::read_to_string(env.small_config()).unwrap();
    let start = text.find("[[followup.band]]").unwrap();
    let end = text[start..].find("\n# ").map(|i| start + i + 1).unwrap();
    let mut blocks: Vec<&str> = text[start..end]
        .split("[[followup.band]]")
        .filter(|b| !b.trim().is_empty())
        .collect();
    assert_eq!(blocks.len(), 3);
    blocks.reverse();
    let reordered: String = blocks
        .iter()
        .map(|b| format!("[[followup.band]]{b}\n"))
        .collect();
    let cfg = env.write(
        "reversed.toml",
        format!("{}{}{}", &text[..start], reordered, &text[end..]),
    );
    let out = env.ok(&[
        "--config",
        cfg.to_str().unwrap(),
        "followup",
        "--format",
        "csv",
    ]);
    assert_csv_eq(&out, &f.join("expected/followup.csv"));
}

/// 10.5 and 10.7 at the edges of a Senior Phase row: working 9 is off track
/// even when the course level is empty or unknown; an invalid target on a
/// graded course with no effective target is shown as entered.
#[test]
fn senior_edge_cases_follow_10_5_and_10_7() {
    let env = Env::new();
    let senior = env.write(
        "senior.csv",
        "SCN,Subject,Course Level,Target Grade,Working Grade\n\
         100000001,English,,3,9\n\
         100000001,Mathematics,Nat 6,,9\n\
         100000001,Physics,Nat 6,,4\n\
         100000001,Chemistry,Higher,8,3\n\
         100000001,Biology,Higher,X,9\n",
    );
    env.ok(&[
        "-q",
        "ingest",
        "--school",
        "EHS",
        "--window",
        "2025-26/1",
        senior.to_str().unwrap(),
    ]);
    let rows = csv_rows(&env.ok(&["subjects", "--format", "csv"]));
    let col = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let (subject, level, target, working, status) = (
        col("subject"),
        col("course_level"),
        col("target_grade"),
        col("working_grade"),
        col("status"),
    );
    let got: Vec<[&str; 5]> = rows[1..]
        .iter()
        .map(|r| {
            [
                r[subject].as_str(),
                r[level].as_str(),
                r[target].as_str(),
                r[working].as_str(),
                r[status].as_str(),
            ]
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ["Biology", "H", "X", "9", "off_track"],
            ["Chemistry", "H", "8", "3", "no_target"],
            ["English", "", "3", "9", "off_track"],
            ["Mathematics", "Nat 6", "", "9", "off_track"],
            ["Physics", "Nat 6", "", "4", "missing"],
        ]
    );
}
