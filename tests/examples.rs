//! examples/national.sql runs in DuckDB over `subjects` and `offtrack --all`
//! Parquet outputs collected from two authorities. DuckDB is not a
//! dependency: the test uses the Python package `bench/run` installs into
//! bench/.venv (or `$TRACKER_DUCKDB_PYTHON`), and skips, saying so, without it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Env, csv_rows};

const REPO: &str = env!("CARGO_MANIFEST_DIR");

fn duckdb_python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("TRACKER_DUCKDB_PYTHON").map(PathBuf::from),
        Some(Path::new(REPO).join("bench/.venv/bin/python")),
    ];
    candidates.into_iter().flatten().find(|py| {
        Command::new(py)
            .args(["-c", "import duckdb"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[test]
#[cfg_attr(
    not(has_duckdb),
    ignore = "needs Python with duckdb (run bench/run once, or set TRACKER_DUCKDB_PYTHON)"
)]
fn the_national_example_runs_over_two_authorities_outputs() {
    let py = duckdb_python().expect("Python with duckdb, found when the tests were built");
    let env = Env::new();
    env.demo(2, 150, 7);
    for (authority, school) in [("North", "DEMO001"), ("South", "DEMO002")] {
        let dir = format!("national/authority={authority}");
        for (report, file, all) in [
            ("subjects", "subjects", false),
            ("offtrack", "pupils", true),
        ] {
            let out = format!("{dir}/{file}.parquet");
            std::fs::create_dir_all(env.path(&dir)).unwrap();
            let mut args = vec!["--store", "d/store", report, "--school", school];
            if all {
                args.push("--all");
            }
            args.extend(["--format", "parquet", "-o", &out]);
            env.ok(&args);
        }
    }
    let out = env.path("gaps.csv");
    let run = Command::new(&py)
        .current_dir(env.dir.path())
        .arg(Path::new(REPO).join("bench/duckdb_run.py"))
        .arg(Path::new(REPO).join("examples/national.sql"))
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let rows = csv_rows(&std::fs::read_to_string(&out).unwrap());
    let areas: Vec<&str> = rows.iter().skip(1).map(|r| r[0].as_str()).collect();
    assert_eq!(areas[0], "Scotland", "{rows:?}");
    assert_eq!(areas.len(), 3, "{rows:?}");
    assert!(
        areas.contains(&"North") && areas.contains(&"South"),
        "{rows:?}"
    );
    // Quintile 1's share off track is a percentage, and the gap is q1 - q5.
    let national = &rows[1];
    let q1: f64 = national[2].parse().unwrap();
    let q5: f64 = national[3].parse().unwrap();
    let gap: f64 = national[4].parse().unwrap();
    assert!((0.0..=100.0).contains(&q1) && (0.0..=100.0).contains(&q5));
    assert!((gap - (q1 - q5)).abs() < 0.11, "{national:?}");
}
