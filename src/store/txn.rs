//! Staging and the commit journal: the data files of an ingest that has not
//! committed are never in a table's Hive tree (SPEC 11.5), so a glob reader
//! (`read_parquet('store/bge/**/*.parquet')`) never sees them.
//!
//! A transaction writes its partition files under `<store>/.txn/<id>/`,
//! each named after its final path with `/` as `+` and `.staged` appended,
//! so neither a table glob nor a `**/*.parquet` glob over the store matches
//! them. The commit, in this order:
//! 1. every staged file and raw copy fsynced, then their directories;
//! 2. `journal.json` written beside the staged files and fsynced: the
//!    SHA-256 of the manifest that commits it, the files to move into the
//!    tree and the superseded files to remove from it;
//! 3. the manifest swapped in: the commit point;
//! 4. the moves, then the removals, then every directory they touched
//!    fsynced ([`finish`]);
//! 5. the staging directory removed, and its removal fsynced.
//!
//! A kill before 3 leaves only a staging directory whose journal (if any)
//! does not belong to the current manifest: junk, which the next writer
//! removes. A kill after 3 leaves a journal that does: an unfinished
//! commit, which the next writer (any command that takes the writer lock:
//! `tracker ingest`, even of a file already in the store) finishes before it
//! does anything else ([`recover`]); until then a named file that is still
//! staged is found by [`staged_path`], so reports keep reading the
//! manifest's view, and `verify` reports the state.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::hex;
use super::{Store, StoreError, failpoint, fsutil};

/// The staging directory's name, at the store root.
pub const DIR: &str = ".txn";
/// The journal's name, inside a transaction's staging directory.
pub const JOURNAL: &str = "journal.json";

/// What is still to do once the manifest that commits a transaction is in
/// place. Paths are store-relative.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Journal {
    /// SHA-256 of the manifest file that commits this transaction: the
    /// journal is an unfinished commit exactly while that manifest is the
    /// store's.
    pub manifest_sha256: String,
    /// Files staged as [`staged_name`] of these paths, to move into place.
    pub moves: Vec<String>,
    /// Files the manifest no longer names, to remove.
    pub removals: Vec<String>,
}

/// The name under which the file of store-relative path `rel` is staged.
pub fn staged_name(rel: &str) -> String {
    format!("{}.staged", rel.replace('/', "+"))
}

/// Where a file the manifest names may still be staged (after a kill
/// between the manifest swap and its move into place): the first staging
/// directory holding it. Callers check its SHA-256 as for any file.
pub fn staged_path(root: &Path, rel: &str) -> Option<PathBuf> {
    let name = staged_name(rel);
    std::fs::read_dir(root.join(DIR))
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path().join(&name))
        .find(|p| p.is_file())
}

/// SHA-256 of a manifest file's bytes, as journals record it.
pub fn manifest_digest(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The journal in a staging directory; None when there is none or it does
/// not parse (it is written atomically, so only a writer killed before its
/// commit point leaves it so).
pub fn read_journal(dir: &Path) -> Result<Option<Journal>, StoreError> {
    let path = dir.join(JOURNAL);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound) => Ok(None),
        // A staging directory where a file should be, or the reverse.
        Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => Ok(None),
        Err(e) => Err(StoreError::io(&path, e)),
    }
}

/// One entry of `<store>/.txn`, for `verify`.
pub struct Staging {
    /// Store-relative, e.g. `.txn/000007`.
    pub path: String,
    /// Files in it (the journal included).
    pub files: usize,
    /// Its journal, when it belongs to the current manifest: an unfinished
    /// commit.
    pub unfinished: Option<Journal>,
}

/// Every entry of `<store>/.txn`; `manifest` is the current manifest file.
pub fn scan(root: &Path, manifest: &[u8]) -> Result<Vec<Staging>, StoreError> {
    let digest = manifest_digest(manifest);
    let mut out = Vec::new();
    for entry in entries(&root.join(DIR))? {
        let path = entry.path();
        let files = if path.is_dir() {
            entries(&path)?.len()
        } else {
            1
        };
        let unfinished = read_journal(&path)?.filter(|j| j.manifest_sha256 == digest);
        out.push(Staging {
            path: format!("{DIR}/{}", entry.file_name().to_string_lossy()),
            files,
            unfinished,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// Under the writer lock, before anything else: finish the commit a killed
/// writer left unfinished, and remove the staging directories of writers
/// killed before their commit point. Lists nothing when there is no
/// `.txn`, as in a store whose last writer finished.
pub fn recover(store: &Store) -> Result<(), StoreError> {
    let root = &store.root;
    let txn = root.join(DIR);
    let found = entries(&txn)?;
    if found.is_empty() {
        return Ok(());
    }
    // Without a manifest nothing here can be told apart from a commit: leave
    // it to `verify`, and to the error the writer meets next.
    let manifest = store.manifest_path();
    let bytes = match std::fs::read(&manifest) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::io(&manifest, e)),
    };
    let digest = manifest_digest(&bytes);
    for entry in found {
        let dir = entry.path();
        if let Some(journal) = read_journal(&dir)?
            && journal.manifest_sha256 == digest
        {
            finish(root, &dir, &journal)?;
        }
        remove_staging(&dir)?;
    }
    fsutil::fsync_dir(&txn).map_err(|e| StoreError::io(&txn, e))?;
    remove_txn_dir(root)
}

/// Roll a committed transaction forward: move its staged files into place,
/// remove the files it superseded, and fsync every directory that changed.
/// Each step can be repeated: a file already moved or removed is skipped.
/// The journal stays until the caller removes the staging directory.
pub fn finish(root: &Path, dir: &Path, journal: &Journal) -> Result<(), StoreError> {
    let mut gained: BTreeSet<PathBuf> = BTreeSet::new();
    for rel in &journal.moves {
        let staged = dir.join(staged_name(rel));
        let dest = root.join(rel);
        let parent = dest.parent().unwrap_or(root);
        // A move made by a writer killed before its fsync is fsynced too.
        gained.insert(parent.to_path_buf());
        if !exists(&staged)? {
            continue;
        }
        fsutil::create_dir_private(parent).map_err(|e| StoreError::io(parent, e))?;
        std::fs::rename(&staged, &dest).map_err(|e| StoreError::io(&dest, e))?;
        failpoint("file-moved");
    }
    let mut lost = BTreeSet::new();
    for rel in &journal.removals {
        remove_with_empty_dirs(root, rel, &mut lost)?;
    }
    // Every directory that gained an entry, and its parents up to the
    // store root (perhaps created just now), deepest first; then those that
    // lost one. Any may be gone since (emptied by a removal, or never made
    // when a file was missing, which `verify` reports).
    let mut to_sync: BTreeSet<&Path> = BTreeSet::new();
    for d in &gained {
        let mut d: &Path = d;
        while d.starts_with(root) && to_sync.insert(d) && d != root {
            let Some(parent) = d.parent() else { break };
            d = parent;
        }
    }
    let mut dirs: Vec<&Path> = to_sync.into_iter().rev().collect();
    dirs.extend(lost.iter().map(PathBuf::as_path));
    fsutil::concurrently(&dirs, |d| match fsutil::fsync_dir(d) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::io(d, e)),
        _ => Ok(()),
    })
}

/// Remove the store file `rel` and the window and school directories that
/// leaves empty; adds each directory that lost an entry to `lost`.
pub fn remove_with_empty_dirs(
    root: &Path,
    rel: &str,
    lost: &mut BTreeSet<PathBuf>,
) -> Result<(), StoreError> {
    let path = root.join(rel);
    fsutil::remove_if_exists(&path).map_err(|e| StoreError::io(&path, e))?;
    failpoint("file-removed");
    if let Some(d) = path.parent() {
        lost.insert(d.to_path_buf());
    }
    // <table>/school=<C>/window=<W>/<file>: the window and school
    // directories go when empty (remove_dir refuses otherwise).
    let mut dir = path.parent();
    for _ in 0..2 {
        let Some(d) = dir.filter(|d| d.starts_with(root) && *d != root) else {
            break;
        };
        if d.parent() == Some(root) || std::fs::remove_dir(d).is_err() {
            break;
        }
        failpoint("dir-removed");
        dir = d.parent();
        if let Some(parent) = dir {
            lost.insert(parent.to_path_buf());
        }
    }
    Ok(())
}

/// Remove a staging directory (or a stray file in `.txn`), file by file.
pub fn remove_staging(dir: &Path) -> Result<(), StoreError> {
    if !std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()) {
        fsutil::remove_if_exists(dir).map_err(|e| StoreError::io(dir, e))?;
        failpoint("file-removed");
        return Ok(());
    }
    for entry in entries(dir)? {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            std::fs::remove_dir_all(&path).map_err(|e| StoreError::io(&path, e))?;
        } else {
            fsutil::remove_if_exists(&path).map_err(|e| StoreError::io(&path, e))?;
        }
        failpoint("file-removed");
    }
    remove_dir_if_exists(dir)?;
    failpoint("dir-removed");
    Ok(())
}

/// Remove a staging directory whose every file the caller knows (`names`),
/// without listing it: a writer that finished lists nothing but the root.
/// Then `.txn` itself when empty, and the removals made durable.
pub fn remove_own_staging(
    root: &Path,
    dir: &Path,
    names: &HashSet<String>,
) -> Result<(), StoreError> {
    for name in names.iter().map(String::as_str).chain([JOURNAL]) {
        let path = dir.join(name);
        fsutil::remove_if_exists(&path).map_err(|e| StoreError::io(&path, e))?;
    }
    remove_dir_if_exists(dir)?;
    failpoint("journal-removed");
    remove_txn_dir(root)
}

/// Remove `.txn` when empty and fsync what holds the removals: the root if
/// it went, else `.txn`. A failure to remove it is no error (something else
/// is in it, which the next writer looks at).
fn remove_txn_dir(root: &Path) -> Result<(), StoreError> {
    let txn = root.join(DIR);
    let synced = match std::fs::remove_dir(&txn) {
        Ok(()) => root.to_path_buf(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => root.to_path_buf(),
        Err(_) => txn,
    };
    fsutil::fsync_dir(&synced).map_err(|e| StoreError::io(&synced, e))
}

fn remove_dir_if_exists(dir: &Path) -> Result<(), StoreError> {
    match std::fs::remove_dir(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::io(dir, e)),
        _ => Ok(()),
    }
}

fn exists(path: &Path) -> Result<bool, StoreError> {
    match std::fs::symlink_metadata(path) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(StoreError::io(path, e)),
    }
}

/// The entries of `dir`, sorted by name; none when it does not exist.
fn entries(dir: &Path) -> Result<Vec<std::fs::DirEntry>, StoreError> {
    let mut found = match std::fs::read_dir(dir) {
        Ok(it) => it
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::io(dir, e))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io(dir, e)),
    };
    found.sort_by_key(|e| e.file_name());
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_staged_name_matches_no_parquet_glob_and_names_one_path() {
        let a = staged_name("bge/school=EHS/window=2025-26_1/part-000002-abc.parquet");
        assert_eq!(
            a,
            "bge+school=EHS+window=2025-26_1+part-000002-abc.parquet.staged"
        );
        assert!(!a.contains('/') && !a.ends_with(".parquet"));
        assert_ne!(
            a,
            staged_name("bge/school=EHS/window=2025-26_2/part-000002-abc.parquet")
        );
    }

    #[test]
    fn a_journal_is_finished_once_and_can_be_finished_again() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let old = "bge/school=A/window=2025-26_1/part-000001-aaa.parquet";
        let new = "bge/school=A/window=2025-26_1/part-000002-bbb.parquet";
        std::fs::create_dir_all(root.join(old).parent().unwrap()).unwrap();
        std::fs::write(root.join(old), b"old").unwrap();
        let staging = root.join(DIR).join("000002");
        std::fs::create_dir_all(&staging).unwrap();
        std::fs::write(staging.join(staged_name(new)), b"new").unwrap();
        assert_eq!(staged_path(root, new), Some(staging.join(staged_name(new))));
        let journal = Journal {
            manifest_sha256: manifest_digest(b"{}"),
            moves: vec![new.to_string()],
            removals: vec![old.to_string()],
        };
        for _ in 0..2 {
            finish(root, &staging, &journal).unwrap();
            assert_eq!(std::fs::read(root.join(new)).unwrap(), b"new");
            assert!(!root.join(old).exists());
            assert_eq!(staged_path(root, new), None);
        }
    }
}
