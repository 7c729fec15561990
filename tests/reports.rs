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
