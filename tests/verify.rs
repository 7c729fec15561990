//! `tracker verify`: a healthy store passes, each kind of damage is reported
//! with exit 1, leftovers are reported but are not damage, and verify never
//! changes a byte of the store.

mod safety;
use safety::{
    copy_tree, fixture_store, ingest, plant_leftovers, run_ok, tracker, tree, tree_diff, verify,
};

use std::path::{Path, PathBuf};

fn manifest(store: &Path) -> serde_json::Value {
    safety::manifest::of(store)
}

/// Run verify and insist it left the store byte for byte as it was.
fn verify_unchanged(store: &Path) -> (Option<i32>, Vec<Vec<String>>) {
    let before = tree(store);
    let result = verify(store);
    let after = tree(store);
    assert!(
        before == after,
        "verify changed the store: {:?}",
        tree_diff(&before, &after)
    );
    result
}

/// The small school's second-window Senior Phase export.
fn w2() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/small/w2/senior.csv")
}

fn problems(rows: &[Vec<String>]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
        .collect()
}

#[test]
fn a_healthy_store_passes_and_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path());
    let (code, rows) = verify_unchanged(&store);
    assert_eq!(code, Some(0));
    assert!(rows.is_empty(), "{rows:?}");
    let out = tracker(&store).arg("verify").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("checked 5 data files and 5 raw copies") && stderr.contains("no damage"),
        "{stderr}"
    );
}

#[test]
fn four_kinds_of_damage_are_each_reported_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let healthy = fixture_store(dir.path());
    let m = manifest(&healthy);
    let file_of = |table: &str| -> String {
        m["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["table"] == table)
            .unwrap()["path"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let raw_of = |kind: &str| -> String {
        m["ingests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == kind)
            .unwrap()["raw"]
            .as_str()
            .unwrap()
            .to_string()
    };

    // 1. A truncated Parquet file.
    let store = dir.path().join("truncated");
    copy_tree(&healthy, &store);
    let bge = file_of("bge");
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(store.join(&bge))
        .unwrap();
    let len = f.metadata().unwrap().len();
    f.set_len(len / 2).unwrap();
    drop(f);
    let (code, rows) = verify_unchanged(&store);
    assert_eq!(code, Some(1));
    assert_eq!(
        problems(&rows),
        vec![("error".into(), "sha256_mismatch".into(), bge.clone())]
    );
    assert!(
        rows[0][3].contains(&format!("({} bytes)", len / 2)),
        "{rows:?}"
    );

    // 2. An edited raw copy.
    let store = dir.path().join("edited");
    copy_tree(&healthy, &store);
    let raw = raw_of("senior");
    let mut text = std::fs::read(store.join(&raw)).unwrap();
    text[20] ^= 0x01;
    std::fs::write(store.join(&raw), &text).unwrap();
    let (code, rows) = verify_unchanged(&store);
    assert_eq!(code, Some(1));
    assert_eq!(
        problems(&rows),
        vec![("error".into(), "raw_sha256_mismatch".into(), raw.clone())]
    );
    assert!(rows[0][3].contains("senior.csv"), "{rows:?}");

    // 3. A deleted partition directory.
    let store = dir.path().join("deleted");
    copy_tree(&healthy, &store);
    let pupils = file_of("pupils");
    std::fs::remove_dir_all(store.join(Path::new(&pupils).parent().unwrap())).unwrap();
    let (code, rows) = verify_unchanged(&store);
    assert_eq!(code, Some(1));
    assert_eq!(
        problems(&rows),
        vec![("error".into(), "missing_file".into(), pupils.clone())]
    );

    // 4. Garbage in the manifest.
    let store = dir.path().join("garbage");
    copy_tree(&healthy, &store);
    std::fs::write(store.join("manifest.json"), b"{\"format\": 1, \x00garbage").unwrap();
    let (code, rows) = verify_unchanged(&store);
    assert_eq!(code, Some(1));
    assert_eq!(
        problems(&rows),
        vec![(
            "error".into(),
            "manifest_unreadable".into(),
            "manifest.json".into()
        )]
    );

    // All four at once are all reported.
    let store = dir.path().join("all");
    copy_tree(&healthy, &store);
    std::fs::write(store.join(&bge), b"PAR1").unwrap();
    std::fs::write(store.join(&raw), b"edited").unwrap();
    std::fs::remove_dir_all(store.join(Path::new(&pupils).parent().unwrap())).unwrap();
    let (code, rows) = verify_unchanged(&store);
    assert_eq!(code, Some(1));
    let kinds: Vec<String> = rows.iter().map(|r| r[1].clone()).collect();
    assert_eq!(
        kinds,
        ["sha256_mismatch", "missing_file", "raw_sha256_mismatch"],
        "{rows:?}"
    );
}

#[test]
fn a_parquet_file_with_other_rows_than_recorded_is_damage() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path());
    // Swap two partitions' files and fix the digests, so only the row
    // counts betray the swap.
    let mut m = manifest(&store);
    let files = m["files"].as_array_mut().unwrap();
    let a = files.iter().position(|f| f["table"] == "bge").unwrap();
    let b = files.iter().position(|f| f["table"] == "pupils").unwrap();
    let (pa, pb) = (files[a]["path"].clone(), files[b]["path"].clone());
    let (sa, sb) = (files[a]["sha256"].clone(), files[b]["sha256"].clone());
    let bytes_a = std::fs::read(store.join(pa.as_str().unwrap())).unwrap();
    let bytes_b = std::fs::read(store.join(pb.as_str().unwrap())).unwrap();
    std::fs::write(store.join(pa.as_str().unwrap()), bytes_b).unwrap();
    std::fs::write(store.join(pb.as_str().unwrap()), bytes_a).unwrap();
    files[a]["sha256"] = sb;
    files[b]["sha256"] = sa;
    safety::manifest::write(&store, &m);
    let (code, rows) = verify_unchanged(&store);
    assert_eq!(code, Some(1));
    let kinds: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(
        kinds,
        ["row_count_mismatch", "row_count_mismatch"],
        "{rows:?}"
    );
}

#[test]
fn a_manifest_path_that_leaves_the_store_is_damage_and_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path());
    let mut m = manifest(&store);
    m["files"][0]["path"] = "../../../../etc/passwd".into();
    m["ingests"][0]["raw"] = "/etc/hostname".into();
    safety::manifest::write(&store, &m);
    let (code, rows) = verify_unchanged(&store);
    assert_eq!(code, Some(1));
    let bad: Vec<&str> = rows
        .iter()
        .filter(|r| r[1] == "bad_path")
        .map(|r| r[2].as_str())
        .collect();
    assert_eq!(bad, ["../../../../etc/passwd", "/etc/hostname"], "{rows:?}");
}

#[test]
fn leftovers_are_reported_without_failing_and_the_next_ingest_removes_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path());
    // As a killed writer leaves the store: unmarked (it removes the clean
    // marker before it writes anything), so the next writer looks for them.
    plant_leftovers(&store);
    let (code, rows) = verify_unchanged(&store);
    assert_eq!(code, Some(0), "{rows:?}");
    assert_eq!(
        problems(&rows),
        vec![
            ("warning".into(), "leftover".into(), ".tmp-manifest".into()),
            (
                "warning".into(),
                "leftover".into(),
                "bge/school=SCHOOL/window=2025-26_1/.tmp-abc123".into()
            ),
            ("warning".into(), "leftover".into(), "raw/0123.csv".into()),
            (
                "warning".into(),
                "leftover".into(),
                "senior/school=XYZ/".into()
            ),
        ]
    );
    run_ok(ingest(&store, "2025-26/2", &[w2()]), "ingest 2025-26/2");
    let (code, rows) = verify(&store);
    assert_eq!((code, rows), (Some(0), vec![]));
    assert!(!store.join("senior/school=XYZ").exists());
}

/// A file put by hand into a store marked clean is not looked for by the
/// next ingest; verify says so, and deleting the marker has it removed.
#[test]
fn a_leftover_in_a_store_marked_clean_says_how_to_have_it_removed() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path());
    assert!(store.join(".clean").exists(), "the fixture store is marked");
    std::fs::write(store.join("raw/copied-by-hand.csv"), b"a,b").unwrap();
    let (code, rows) = verify_unchanged(&store);
    assert_eq!(code, Some(0), "{rows:?}");
    assert_eq!(
        problems(&rows),
        vec![(
            "warning".into(),
            "leftover".into(),
            "raw/copied-by-hand.csv".into()
        )]
    );
    assert!(
        rows[0][3].contains("marked clean") && rows[0][3].contains("delete `.clean`"),
        "{rows:?}"
    );
    std::fs::remove_file(store.join(".clean")).unwrap();
    let (_, rows) = verify_unchanged(&store);
    assert!(!rows[0][3].contains("marked clean"), "{rows:?}");
    run_ok(ingest(&store, "2025-26/2", &[w2()]), "ingest 2025-26/2");
    assert_eq!(verify(&store), (Some(0), vec![]));
}

#[test]
fn a_lost_manifest_is_damage_and_ingest_refuses_to_sweep_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path());
    std::fs::remove_file(store.join("manifest.json")).unwrap();
    let (code, rows) = verify_unchanged(&store);
    assert_eq!(code, Some(1));
    assert_eq!(rows[0][1], "manifest_missing", "{rows:?}");
    let before = tree(&store);
    let out = tracker(&store)
        .args(["ingest", "--window", "2025-26/2"])
        .arg(w2())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no manifest.json"), "{stderr}");
    let after = tree(&store);
    assert!(before == after, "{:?}", tree_diff(&before, &after));
}

#[test]
fn reports_on_a_corrupt_partition_exit_1_and_do_not_crash() {
    let dir = tempfile::tempdir().unwrap();
    let healthy = fixture_store(dir.path());
    let m = manifest(&healthy);
    let bge = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["table"] == "bge")
        .unwrap()["path"]
        .as_str()
        .unwrap()
        .to_string();
    let len = std::fs::metadata(healthy.join(&bge)).unwrap().len() as usize;
    // Corruptions that made the Parquet decoder panic or abort on a huge
    // allocation before files were checked against their SHA-256.
    let store = dir.path().join("corrupt");
    for (i, at) in [len - 9, len - 20, len / 2, 10, len - 100]
        .into_iter()
        .enumerate()
    {
        copy_tree(&healthy, &store);
        let mut bytes = std::fs::read(store.join(&bge)).unwrap();
        bytes[at] ^= 0x5a;
        bytes[at.saturating_sub(3)] = 0xff;
        std::fs::write(store.join(&bge), &bytes).unwrap();
        for report in [&["subjects"][..], &["offtrack", "--all"], &["windows"]] {
            let out = tracker(&store).args(report).output().unwrap();
            safety::assert_no_panic(&format!("case {i} {report:?}"), &out);
            let stderr = String::from_utf8_lossy(&out.stderr);
            if report[0] != "windows" {
                assert_eq!(out.status.code(), Some(1), "case {i}: {stderr}");
                assert!(stderr.contains("tracker verify"), "case {i}: {stderr}");
            }
        }
    }
}
