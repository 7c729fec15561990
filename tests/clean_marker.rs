//! The clean-store marker (`<store>/.clean`): an ingest into a store the last
//! writer left clean lists no partition directory; a store without the
//! marker (an earlier version's, or after a killed writer) is walked and its
//! leftovers removed; commands that write nothing leave the marker alone.
//! Killing a writer at every failpoint, and the marker's absence after it,
//! are in `crash.rs`. The directory listings are counted with `strace`;
//! those tests skip with a message without it.

mod safety;
use safety::{
    FIXTURES, WINDOW, copy_tree, fixture_store, leftovers, plant_leftovers, strace, tracker, tree,
    tree_diff, verify,
};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn w2() -> PathBuf {
    Path::new(FIXTURES).join("w2/senior.csv")
}

/// Ingest `file` for window 2 under strace: the directories inside `store`
/// it listed (getdents64), as store-relative paths ("" for the root).
fn listed_by_ingest(strace: &Path, store: &Path, file: &Path) -> BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace");
    let store = store.canonicalize().unwrap();
    let out = Command::new(strace)
        .args(["-f", "-qq", "-y", "--trace=getdents64", "-o"])
        .arg(&trace)
        .arg(safety::bin())
        .arg("--store")
        .arg(&store)
        .args(["-q", "ingest", "--window", "2025-26/2"])
        .arg(file)
        .env_remove("TRACKER_STORE")
        .env_remove("TRACKER_CONFIG")
        .env_remove("TRACKER_FAILPOINT")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&trace).unwrap();
    let prefix = store.display().to_string();
    text.lines()
        .filter_map(|l| {
            let (_, rest) = l.split_once("getdents64(")?;
            let (_, rest) = rest.split_once('<')?;
            let (path, _) = rest.split_once('>')?;
            let rel = path.strip_prefix(&prefix)?;
            Some(rel.trim_start_matches('/').to_string())
        })
        .collect()
}

/// Every directory under the table and raw directories of `store`.
fn data_dirs(store: &Path) -> BTreeSet<String> {
    tree(store)
        .into_keys()
        .filter_map(|k| k.strip_suffix('/').map(str::to_string))
        .collect()
}

#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace (.ci/run installs it)")]
fn an_ingest_into_a_clean_store_lists_no_partition_directory() {
    let strace = strace().expect("strace, found when the tests were built");
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path());
    assert!(store.join(".clean").exists(), "an ingest marks the store");
    assert!(data_dirs(&store).len() >= 15, "{:?}", data_dirs(&store));
    let listed = listed_by_ingest(&strace, &store, &w2());
    // Only the root, for temporary files of a killed `init` or manifest write.
    assert_eq!(listed, BTreeSet::from([String::new()]));
    assert!(store.join(".clean").exists(), "not marked clean again");
    assert_eq!(
        verify(&store),
        (Some(0), vec![]),
        "the marker is no leftover"
    );
}

#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace (.ci/run installs it)")]
fn a_store_without_the_marker_is_walked_and_its_leftovers_removed() {
    let strace = strace().expect("strace, found when the tests were built");
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path());
    // As an earlier version of tracker leaves a store: no marker, and here
    // the leftovers of one of its writers that was killed.
    assert!(store.join(".clean").exists());
    plant_leftovers(&store);
    assert_eq!(leftovers(&store).len(), 4, "{:?}", leftovers(&store));
    let walked = data_dirs(&store);
    let listed = listed_by_ingest(&strace, &store, &w2());
    let missed: Vec<_> = walked.difference(&listed).collect();
    assert!(missed.is_empty(), "not walked: {missed:?}");
    assert_eq!(leftovers(&store), Vec::<String>::new());
    assert!(!store.join("senior/school=XYZ").exists());
    assert_eq!(verify(&store), (Some(0), vec![]));
    assert!(
        store.join(".clean").exists(),
        "not marked clean after the walk"
    );
}

#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace (.ci/run installs it)")]
fn a_marker_of_another_manifest_is_not_trusted() {
    let strace = strace().expect("strace, found when the tests were built");
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path());
    // A manifest put back from a backup (`manifest.json` and its segments):
    // the marker was written beside another one, and the files of the later
    // ingest are leftovers now.
    let backup = std::fs::read(store.join("manifest.json")).unwrap();
    let segments = dir.path().join("segments");
    copy_tree(&store.join("manifest.d"), &segments);
    let out = tracker(&store)
        .args(["-q", "ingest", "--window", "2025-26/2"])
        .arg(w2())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    std::fs::write(store.join("manifest.json"), &backup).unwrap();
    for entry in std::fs::read_dir(&segments).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            store.join("manifest.d").join(entry.file_name()),
        )
        .unwrap();
    }
    assert!(store.join(".clean").exists());
    assert!(!leftovers(&store).is_empty());
    let bge = Path::new(FIXTURES).join("bge.csv");
    let listed = listed_by_ingest(&strace, &store, &bge);
    assert!(listed.len() > 1, "not walked: {listed:?}");
    assert_eq!(leftovers(&store), Vec::<String>::new());
    assert_eq!(verify(&store), (Some(0), vec![]));
}

#[test]
fn an_ingest_that_writes_nothing_leaves_the_store_and_its_marker_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path());
    let files: Vec<PathBuf> = ["pupils", "bge", "senior", "overrides", "interventions"]
        .iter()
        .map(|k| Path::new(FIXTURES).join(format!("{k}.csv")))
        .collect();
    for marked in [true, false] {
        if !marked {
            std::fs::remove_file(store.join(".clean")).unwrap();
        }
        let before = tree(&store);
        for args in [&["ingest"][..], &["ingest", "--dry-run"]] {
            let out = tracker(&store)
                .args(args)
                .args(["-q", "--window", WINDOW])
                .args(&files)
                .output()
                .unwrap();
            assert!(out.status.success(), "{args:?}: {out:?}");
        }
        let out = tracker(&store)
            .args(["-q", "ingest", "--dry-run", "--window", "2025-26/2"])
            .arg(w2())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let after = tree(&store);
        assert!(
            before == after,
            "marked {marked}: {:?}",
            tree_diff(&before, &after)
        );
    }
}
