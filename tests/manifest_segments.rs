//! The manifest's segments (format 2): `manifest.json` names a file of
//! records per school, an ingest reads and writes only its own schools'
//! segments, a store of format 1 is read and upgraded, and a damaged
//! segment is damage, never silently less data.

mod common;

use std::collections::BTreeMap;

use common::{Env, csv_rows};

const SCHOOLS: [&str; 3] = ["DEMO001", "DEMO002", "DEMO003"];

/// Demo exports of three small schools, both windows, under `d/`.
fn demo(env: &Env) {
    env.demo(3, 40, 5);
}

fn ingest(env: &Env, store: &str, school: &str, window: &str) {
    let dir = format!("d/{school}/{}", window.replace('/', "_"));
    let files: Vec<String> = ["pupils", "bge", "senior", "overrides", "interventions"]
        .iter()
        .map(|k| format!("{dir}/{k}.csv"))
        // A small school's export of a kind can hold no rows.
        .filter(|f| {
            std::fs::read(env.path(f))
                .unwrap()
                .split(|&b| b == b'\n')
                .count()
                > 2
        })
        .collect();
    let mut args = vec!["-q", "--store", store, "ingest", "--window", window];
    args.extend(["--school", school]);
    args.extend(files.iter().map(String::as_str));
    env.ok(&args);
}

/// Each school's exports of both windows, one ingest per school and window.
fn both_windows(env: &Env, store: &str, schools: &[&str]) {
    for school in schools {
        ingest(env, store, school, "2025-26/1");
        ingest(env, store, school, "2025-26/2");
    }
}

/// School -> (segment path, its bytes), as `manifest.json` names them.
fn segments(env: &Env, store: &str) -> BTreeMap<String, (String, Vec<u8>)> {
    let root = env.path(store);
    let top: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(top["format"], 2);
    assert!(top.get("ingests").is_none() && top.get("files").is_none());
    top["schools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let path = s["path"].as_str().unwrap().to_string();
            let bytes = std::fs::read(root.join(&path)).unwrap();
            (s["school"].as_str().unwrap().to_string(), (path, bytes))
        })
        .collect()
}

/// The files in `manifest.d`, sorted.
fn segment_files(env: &Env, store: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(env.path(store).join("manifest.d"))
        .unwrap()
        .map(|e| format!("manifest.d/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    names.sort();
    names
}

/// Every report a meeting uses, over every school and window, as CSV.
fn reports(env: &Env, store: &str) -> Vec<Vec<Vec<String>>> {
    let mut out = Vec::new();
    for window in ["2025-26/1", "2025-26/2"] {
        for r in ["subjects", "offtrack", "followup", "qa", "grid"] {
            let args = ["--store", store, r, "--window", window, "--format", "csv"];
            out.push(csv_rows(&env.ok(&args)));
        }
    }
    out
}

fn verify_clean(env: &Env, store: &str) {
    let out = env.ok(&["--store", store, "verify", "--format", "csv"]);
    assert_eq!(csv_rows(&out).len(), 1, "findings: {out}");
}

#[test]
fn an_ingest_rewrites_only_its_own_schools_segment() {
    let env = Env::new();
    demo(&env);
    for school in SCHOOLS {
        ingest(&env, "s", school, "2025-26/1");
    }
    let before = segments(&env, "s");
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        SCHOOLS.iter().collect::<Vec<_>>()
    );

    ingest(&env, "s", "DEMO002", "2025-26/2");
    let after = segments(&env, "s");
    for school in ["DEMO001", "DEMO003"] {
        assert_eq!(after[school], before[school], "{school} was rewritten");
    }
    assert_ne!(after["DEMO002"].0, before["DEMO002"].0);
    // The superseded segment is gone once the commit is made.
    let named: Vec<String> = after.values().map(|(p, _)| p.clone()).collect();
    assert_eq!(segment_files(&env, "s"), named);
    verify_clean(&env, "s");

    // An identical file is a no-op: not a byte of the manifest changes.
    let top = std::fs::read(env.path("s/manifest.json")).unwrap();
    ingest(&env, "s", "DEMO002", "2025-26/2");
    assert_eq!(std::fs::read(env.path("s/manifest.json")).unwrap(), top);
    assert_eq!(segments(&env, "s"), after);
}

#[test]
fn a_walk_after_an_ingest_that_read_one_school_keeps_every_schools_files() {
    let env = Env::new();
    demo(&env);
    both_windows(&env, "s", &SCHOOLS[..2]);
    let first = reports(&env, "s");
    // No clean marker: the next writer walks the store for leftovers, one
    // of them a segment no manifest names.
    std::fs::remove_file(env.path("s/.clean")).unwrap();
    let stray = env.path("s/manifest.d/DEMO009.000001.json");
    std::fs::write(&stray, b"{}").unwrap();
    let out = env.ok(&["--store", "s", "verify", "--format", "csv"]);
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        rows[1][..3],
        ["warning", "leftover", "manifest.d/DEMO009.000001.json"]
    );
    ingest(&env, "s", "DEMO003", "2025-26/1");
    assert!(!stray.exists(), "the leftover segment was not removed");
    verify_clean(&env, "s");
    ingest(&env, "s", "DEMO003", "2025-26/2");
    both_windows(&env, "all", &SCHOOLS);
    assert_eq!(reports(&env, "s"), reports(&env, "all"));
    assert_ne!(first, reports(&env, "all"), "the third school adds rows");
}

#[test]
fn a_store_of_format_1_is_read_as_it_was_and_upgraded_by_the_next_ingest() {
    let env = Env::new();
    demo(&env);
    both_windows(&env, "s", &SCHOOLS[..2]);
    let before = reports(&env, "s");
    // The store as the version before segments left it: every record in
    // `manifest.json`, no `manifest.d`.
    let mut m = common::manifest::of(&env.path("s"));
    m["format"] = 1.into();
    m.as_object_mut().unwrap().remove("schools");
    std::fs::write(
        env.path("s/manifest.json"),
        serde_json::to_vec_pretty(&m).unwrap(),
    )
    .unwrap();
    std::fs::remove_dir_all(env.path("s/manifest.d")).unwrap();
    assert_eq!(reports(&env, "s"), before);
    verify_clean(&env, "s");

    ingest(&env, "s", "DEMO003", "2025-26/1");
    ingest(&env, "s", "DEMO003", "2025-26/2");
    assert_eq!(segments(&env, "s").len(), 3);
    verify_clean(&env, "s");
    both_windows(&env, "all", &SCHOOLS);
    assert_eq!(reports(&env, "s"), reports(&env, "all"));
}

#[test]
fn a_changed_or_missing_segment_is_damage_that_reports_refuse() {
    let env = Env::new();
    demo(&env);
    ingest(&env, "s", "DEMO001", "2025-26/1");
    let (path, bytes) = segments(&env, "s")["DEMO001"].clone();
    let segment = env.path("s").join(&path);

    let mut changed = bytes.clone();
    let at = changed.iter().position(|&b| b == b'7').unwrap();
    changed[at] = b'8';
    std::fs::write(&segment, &changed).unwrap();
    let (_, stderr) = env.expect(1, &["--store", "s", "offtrack"]);
    assert!(
        stderr.contains(&path) && stderr.contains("SHA-256"),
        "{stderr}"
    );
    let (out, _) = env.expect(1, &["--store", "s", "verify", "--format", "csv"]);
    let rows = csv_rows(&out);
    assert_eq!(
        rows[1][1..3],
        ["manifest_unreadable", path.as_str()],
        "{rows:?}"
    );

    std::fs::remove_file(&segment).unwrap();
    let (_, stderr) = env.expect(1, &["--store", "s", "subjects"]);
    assert!(
        stderr.contains(&path) && stderr.contains("DEMO001"),
        "{stderr}"
    );
    // A school's own ingest reads its segment, and stops there.
    let dir = "d/DEMO001/2025-26_2";
    let (_, stderr) = env.expect(
        1,
        &[
            "--store",
            "s",
            "ingest",
            "--window",
            "2025-26/2",
            "--school",
            "DEMO001",
            &format!("{dir}/bge.csv"),
        ],
    );
    assert!(stderr.contains(&path), "{stderr}");

    std::fs::write(&segment, &bytes).unwrap();
    verify_clean(&env, "s");
}
