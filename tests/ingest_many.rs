//! `tracker ingest --school-dirs`: many schools in one process and one commit.

mod common;

use common::{Env, csv_rows};
use polars::prelude::*;

/// Demo exports of three schools, and for each a folder named after the
/// school holding its first window's files.
fn schools(env: &Env) -> Vec<String> {
    env.demo(3, 80, 3);
    let mut dirs = Vec::new();
    for school in ["DEMO001", "DEMO002", "DEMO003"] {
        let from = env.path(&format!("d/{school}/2025-26_1"));
        let to = env.path(&format!("by-school/{school}"));
        std::fs::create_dir_all(&to).unwrap();
        for f in std::fs::read_dir(&from).unwrap() {
            let f = f.unwrap();
            std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
        }
        dirs.push(to.to_string_lossy().into_owned());
    }
    dirs
}

fn report(env: &Env, store: &str, report: &str) -> Vec<Vec<String>> {
    csv_rows(&env.ok(&["--store", store, report, "--format", "csv"]))
}

#[test]
fn school_dirs_store_what_one_ingest_per_school_stores() {
    let env = Env::new();
    let dirs = schools(&env);
    let mut args = vec!["-q", "--store", "many", "ingest", "--window", "2025-26/1"];
    args.push("--school-dirs");
    args.extend(dirs.iter().map(String::as_str));
    env.ok(&args);
    for dir in &dirs {
        let school = dir.rsplit('/').next().unwrap();
        let files: Vec<String> = ["pupils", "bge", "senior", "overrides", "interventions"]
            .iter()
            .map(|k| format!("{dir}/{k}.csv"))
            .collect();
        let mut args = vec!["-q", "--store", "one", "ingest", "--window", "2025-26/1"];
        args.extend(["--school", school]);
        args.extend(files.iter().map(String::as_str));
        env.ok(&args);
    }
    for r in ["subjects", "offtrack", "followup", "qa"] {
        let many = report(&env, "many", r);
        assert!(many.len() > 10, "{r}");
        assert_eq!(many, report(&env, "one", r), "{r}");
    }
    // One commit for all three schools.
    let manifest = common::manifest::of(&env.path("many"));
    assert_eq!(manifest["generation"], 1, "{manifest}");
    let records = manifest["files"].as_array().unwrap().iter();
    let records = records.chain(manifest["ingests"].as_array().unwrap());
    assert!(records.filter(|f| f["school"] == "DEMO002").count() > 5);
}

#[test]
fn a_bad_file_in_one_school_stops_every_school() {
    let env = Env::new();
    let dirs = schools(&env);
    std::fs::write(format!("{}/bge.csv", dirs[2]), "SCN,Subject\n").unwrap();
    let mut args = vec!["--store", "many", "ingest", "--window", "2025-26/1"];
    args.push("--school-dirs");
    args.extend(dirs.iter().map(String::as_str));
    let (_, err) = env.expect(1, &args);
    assert!(err.contains("bge.csv"), "{err}");
    assert!(
        !env.path("many").exists(),
        "nothing is written, not even the store"
    );
}

#[test]
fn a_folder_must_be_named_after_a_school_code_and_hold_exports() {
    let env = Env::new();
    env.write("exports/not a code/bge.csv", "SCN,Subject,Level\n");
    let (_, err) = env.expect(
        2,
        &[
            "ingest",
            "--window",
            "2025-26/1",
            "--school-dirs",
            "exports/not a code",
        ],
    );
    assert!(err.contains("must be the school code"), "{err}");
    std::fs::create_dir_all(env.path("exports/EHS")).unwrap();
    let (_, err) = env.expect(
        1,
        &[
            "ingest",
            "--window",
            "2025-26/1",
            "--school-dirs",
            "exports/EHS",
        ],
    );
    assert!(err.contains("holds no `.csv` exports"), "{err}");
    let (_, err) = env.expect(
        2,
        &[
            "ingest",
            "--window",
            "2025-26/1",
            "--school",
            "EHS",
            "--school-dirs",
            "exports/EHS",
        ],
    );
    assert!(err.contains("cannot be used with"), "{err}");
}

/// Each kind's rejected rows used to replace the partition the previous
/// kind had just written, so only the last kind's rejects were kept.
#[test]
fn rejects_and_conflicts_of_every_kind_in_one_ingest_are_kept() {
    let env = Env::new();
    let dirs = schools(&env);
    let files: Vec<String> = ["pupils", "bge", "senior"]
        .iter()
        .map(|k| format!("{}/{k}.csv", dirs[0]))
        .collect();
    let mut args = vec![
        "-q",
        "ingest",
        "--window",
        "2025-26/1",
        "--school",
        "DEMO001",
    ];
    args.extend(files.iter().map(String::as_str));
    env.ok(&args);
    let kinds = |table: &str| -> Vec<String> {
        let dir = env
            .store()
            .join(format!("{table}/school=DEMO001/window=2025-26_1"));
        let file = std::fs::read_dir(dir)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let df = ParquetReader::new(std::fs::File::open(file).unwrap())
            .finish()
            .unwrap();
        let mut kinds: Vec<String> = df
            .column("kind")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .flatten()
            .map(str::to_string)
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    };
    assert_eq!(kinds("rejects"), ["bge", "senior"]);
    assert_eq!(kinds("conflicts"), ["bge", "senior"]);

    // Re-ingesting the BGE file alone replaces the BGE rejects and keeps the senior ones.
    let mut args = vec![
        "-q",
        "ingest",
        "--window",
        "2025-26/1",
        "--school",
        "DEMO001",
    ];
    std::fs::copy(&files[1], env.path("bge-again.csv")).unwrap();
    std::fs::write(
        env.path("bge-again.csv"),
        std::fs::read_to_string(env.path("bge-again.csv")).unwrap() + "\n",
    )
    .unwrap();
    let again = env.path("bge-again.csv").to_string_lossy().into_owned();
    args.push(&again);
    env.ok(&args);
    assert_eq!(kinds("rejects"), ["bge", "senior"]);
}
