//! `tracker demo`: realistic synthetic exports, ingested, with an off-track list.

mod common;
use common::{Env, csv_rows};

#[test]
fn demo_writes_ingests_and_prints_a_plausible_offtrack_list() {
    let env = Env::new();
    let dir = env.path("demo");
    let out = env.ok(&[
        "demo",
        "--dir",
        dir.to_str().unwrap(),
        "--schools",
        "2",
        "--pupils",
        "200",
        "--seed",
        "7",
    ]);
    assert!(
        out.contains("off_track_faculties") && out.contains("DEMO001"),
        "{out}"
    );
    for kind in ["pupils", "bge", "senior", "overrides", "interventions"] {
        assert!(
            dir.join("DEMO002/2025-26_1")
                .join(format!("{kind}.csv"))
                .is_file()
        );
    }
    let store = dir.join("store");
    let subjects = env
        .cmd()
        .args([
            "--store",
            store.to_str().unwrap(),
            "subjects",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    let rows = csv_rows(&String::from_utf8_lossy(&subjects.stdout));
    let off = rows[1..].iter().filter(|r| r[15] == "off_track").count() as f64;
    let share = off / (rows.len() - 1) as f64;
    assert!((0.20..=0.30).contains(&share), "off-track share {share}");
    let windows = csv_rows(&String::from_utf8_lossy(
        &env.cmd()
            .args([
                "--store",
                store.to_str().unwrap(),
                "windows",
                "--format",
                "csv",
            ])
            .output()
            .unwrap()
            .stdout,
    ));
    assert_eq!(
        windows.len() - 1,
        2 * 2 * 5,
        "2 schools x 2 windows x 5 kinds"
    );
}

#[test]
fn demo_is_deterministic_for_a_seed() {
    let env = Env::new();
    let run = |d: &str| {
        let dir = env.path(d);
        env.ok(&[
            "-q",
            "demo",
            "--dir",
            dir.to_str().unwrap(),
            "--pupils",
            "50",
            "--seed",
            "3",
        ]);
        std::fs::read(dir.join("DEMO001/2025-26_1/bge.csv")).unwrap()
    };
    assert_eq!(run("a"), run("b"));
}

#[test]
fn demo_works_for_a_tiny_school() {
    let env = Env::new();
    for pupils in ["10", "60"] {
        let dir = env.path(&format!("tiny{pupils}"));
        env.ok(&[
            "-q",
            "demo",
            "--dir",
            dir.to_str().unwrap(),
            "--pupils",
            pupils,
        ]);
    }
}
