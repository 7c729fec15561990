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

#[test]
fn a_partition_put_twice_leaves_no_unnamed_file_behind_a_clean_marker() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::at(&dir.path().join("store"));
    store.create().unwrap();
    let lock = store
        .lock(Mode::Exclusive, std::time::Duration::ZERO)
        .unwrap();
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
