//! Tests of `commit`.

use super::*;
use crate::store::Mode;

fn frame(values: &[&str]) -> DataFrame {
    DataFrame::new(
        values.len(),
        vec![Column::new("SCN".into(), values.to_vec())],
    )
    .unwrap()
}

/// Files under the table and raw directories, store-relative.
fn files(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_string_lossy();
            if path.is_dir() {
                dirs.push(path);
            } else if rel.contains('/') {
                out.insert(rel.into_owned());
            }
        }
    }
    out
}

/// A new store under `dir`, with the writer lock.
fn new_store(dir: &Path) -> (Store, StoreLock) {
    let store = Store::at(&dir.join("store"));
    store.create().unwrap();
    let lock = store
        .lock(Mode::Exclusive, std::time::Duration::ZERO)
        .unwrap();
    (store, lock)
}

#[test]
fn a_partition_put_twice_leaves_no_unnamed_file_behind_a_clean_marker() {
    let dir = tempfile::tempdir().unwrap();
    let (store, lock) = new_store(dir.path());
    let mut tx = Transaction::begin(&store, &lock, None).unwrap();
    for values in [&["1"][..], &["1", "2"]] {
        tx.replace_partition("bge", "EHS", "2025-26/1", &mut frame(values))
            .unwrap();
    }
    let done = tx.commit().unwrap();
    assert!(done.unfinished.is_none());
    let m = store.read_manifest().unwrap();
    let named: BTreeSet<String> = m.paths().map(str::to_string).collect();
    assert_eq!(m.files.len(), 1);
    assert_eq!(m.segments.len(), 1, "the school's records, in a segment");
    assert_eq!(named.len(), 2);
    assert_eq!(files(&store.root), named);
    assert!(store.root.join(clean::FILE_NAME).exists());
}

/// An ingest of school `school` into `store` of one file, `bytes`, whose
/// raw copy is named by its SHA-256 `sha`; `read` is the manifest as the
/// ingest read it.
fn ingest_raw<'a>(
    store: &'a Store,
    lock: &StoreLock,
    read: Option<(Manifest, Vec<u8>)>,
    school: &str,
    (bytes, sha): (&[u8], &str),
) -> Transaction<'a> {
    let mut tx = Transaction::begin(store, lock, read).unwrap();
    let raw = tx.add_raw(bytes.to_vec(), sha, "csv").unwrap();
    tx.record(IngestRecord {
        kind: "bge".into(),
        school: school.into(),
        window: "2025-26/1".into(),
        source: "bge.csv".into(),
        sha256: sha.into(),
        sheet: None,
        raw,
        bytes: bytes.len() as u64,
        rows_stored: 1,
        rows_rejected: 0,
        stages: vec!["S1".into()],
        ingested_at: String::new(),
    });
    tx
}

#[test]
fn a_failed_ingest_keeps_the_raw_copy_another_schools_records_name() {
    let dir = tempfile::tempdir().unwrap();
    let (store, lock) = new_store(dir.path());
    // Two schools export a file byte for byte the same: one raw copy.
    let file: (&[u8], &str) = (b"SCN,Subject,Level\n1,English,2b\n", &"ab".repeat(32));
    let done = ingest_raw(&store, &lock, None, "EHS", file)
        .commit()
        .unwrap();
    assert!(done.unfinished.is_none());
    let copy = store.root.join(format!("raw/{}.csv", file.1));
    assert!(copy.exists());
    // The second school's ingest reads its own records only, and fails.
    let read = store.read_manifest_file_for(Some(&["WHS"])).unwrap();
    // Queued files are written once they are many (`FLUSH_BYTES`), before
    // the transaction can still fail.
    let mut tx = ingest_raw(&store, &lock, read, "WHS", file);
    tx.flush().unwrap();
    tx.abandon();
    assert!(copy.exists(), "the first school's raw copy was removed");
    assert_eq!(std::fs::read(&copy).unwrap(), file.0);
}
