//! The atomic commit: new files under fresh names, then the manifest swap.
//!
//! Order: clean leftovers of crashed writers; write raw copies and new
//! partition files (temp, fsync, rename, fsync dir); replace the manifest the
//! same way (the commit point); only then remove the files it no longer names.
//! A kill at any moment leaves the old manifest naming only old, intact files,
//! or the new one naming only new, intact files.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use sha2::{Digest, Sha256};

use super::manifest::{DataFile, IngestRecord, Manifest};
use super::{Store, StoreError, StoreLock, failpoint, fsutil, partition_dir};
use crate::ingest::read::hex;

pub struct Transaction<'a> {
    store: &'a Store,
    old: Manifest,
    /// The manifest file as it was, to put back if the commit cannot be
    /// made durable.
    old_bytes: Vec<u8>,
    new: Manifest,
    dirs: BTreeSet<PathBuf>,
    written: Vec<String>,
}

impl<'a> Transaction<'a> {
    /// Begin under the writer lock: read the manifest, remove leftovers.
    pub fn begin(store: &'a Store, _lock: &StoreLock) -> Result<Transaction<'a>, StoreError> {
        store.create()?;
        // `create` writes an empty manifest unless data files exist, so a
        // missing one here was lost: sweeping "unreferenced" files now would
        // delete every raw copy the school ever exported.
        if !store.manifest_path().exists() {
            return Err(StoreError::ManifestMissing {
                path: store.root.display().to_string(),
            });
        }
        let old = store.read_manifest()?;
        let path = store.manifest_path();
        let old_bytes = std::fs::read(&path).map_err(|e| StoreError::io(&path, e))?;
        failpoint("begin");
        remove_unreferenced(store, &old)?;
        failpoint("leftovers-removed");
        let mut new = old.clone();
        new.generation += 1;
        Ok(Transaction {
            store,
            old,
            old_bytes,
            new,
            dirs: BTreeSet::new(),
            written: Vec::new(),
        })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.new
    }

    /// Keep a byte-exact copy of an ingested file; returns its store path.
    pub fn add_raw(&mut self, bytes: &[u8], sha256: &str) -> Result<String, StoreError> {
        let rel = format!("raw/{sha256}.csv");
        let referenced = self.new.ingests.iter().any(|r| r.raw == rel);
        if !(referenced || self.written.contains(&rel)) {
            let dir = self.store.root.join("raw");
            fsutil::create_dir_private(&dir).map_err(|e| StoreError::io(&dir, e))?;
            fsutil::write_atomic(&dir, &format!("{sha256}.csv"), bytes)
                .map_err(|e| StoreError::io(&dir, e))?;
            failpoint("raw-written");
            self.dirs.insert(dir);
            self.written.push(rel.clone());
        }
        Ok(rel)
    }

    /// Read the rows a partition holds now (before this transaction).
    pub fn read_partition(
        &self,
        table: &str,
        school: &str,
        window: &str,
    ) -> Result<Option<DataFrame>, StoreError> {
        self.old
            .file(table, school, window)
            .map(|f| super::read::read_data_file(&self.store.root, f, None))
            .transpose()
    }

    /// Make `frame` the whole content of a partition (an empty frame removes it).
    pub fn replace_partition(
        &mut self,
        table: &str,
        school: &str,
        window: &str,
        frame: &mut DataFrame,
    ) -> Result<(), StoreError> {
        self.new
            .files
            .retain(|f| !(f.table == table && f.school == school && f.window == window));
        if frame.height() == 0 {
            return Ok(());
        }
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes)
            .finish(frame)
            .map_err(|e| StoreError::Parquet {
                path: format!("{table}/{school}/{window}"),
                problem: e.to_string(),
            })?;
        let sha = hex(&Sha256::digest(&bytes));
        let dir_rel = partition_dir(table, school, window);
        let name = format!("part-{:06}-{}.parquet", self.new.generation, &sha[..12]);
        let dir = self.store.root.join(&dir_rel);
        fsutil::create_dir_private(&dir).map_err(|e| StoreError::io(&dir, e))?;
        fsutil::write_atomic(&dir, &name, &bytes).map_err(|e| StoreError::io(&dir, e))?;
        failpoint("partition-written");
        self.dirs.insert(dir);
        let path = format!("{dir_rel}/{name}");
        self.written.push(path.clone());
        self.new.files.push(DataFile {
            table: table.to_string(),
            school: school.to_string(),
            window: window.to_string(),
            path,
            rows: frame.height(),
            sha256: sha,
        });
        Ok(())
    }

    pub fn record(&mut self, record: IngestRecord) {
        self.new.ingests.push(record);
    }

    /// Make every directory entry durable, then swap the manifest in.
    pub fn commit(mut self) -> Result<(), StoreError> {
        self.new.files.sort_by(|a, b| {
            (&a.table, &a.school, &a.window).cmp(&(&b.table, &b.school, &b.window))
        });
        // Every directory that gained an entry, and its parents up to the
        // store root (they were perhaps created just now), deepest first, so
        // no file the new manifest names can be lost after the swap.
        let root = &self.store.root;
        let mut to_sync: BTreeSet<&Path> = BTreeSet::new();
        for dir in &self.dirs {
            let mut d: &Path = dir;
            while d.starts_with(root) {
                to_sync.insert(d);
                if d == root.as_path() {
                    break;
                }
                let Some(parent) = d.parent() else { break };
                d = parent;
            }
        }
        for dir in to_sync.iter().rev() {
            fsutil::fsync_dir(dir).map_err(|e| StoreError::io(dir, e))?;
        }
        failpoint("before-manifest");
        let json = serde_json::to_vec_pretty(&self.new).expect("manifest serialises");
        let manifest = root.join(super::manifest::FILE_NAME);
        fsutil::write_atomic(root, super::manifest::FILE_NAME, &json)
            .map_err(|e| StoreError::io(&manifest, e))?;
        if let Err(e) = fsutil::fsync_dir(root) {
            // The new manifest is in place but may not survive a crash. A
            // command that fails must change nothing, so put the old one back.
            let failed = StoreError::io(root, e);
            return Err(match self.roll_back() {
                Ok(()) => failed,
                Err(again) => StoreError::Uncertain {
                    path: root.display().to_string(),
                    first: Box::new(failed),
                    source: Box::new(again),
                },
            });
        }
        failpoint("after-manifest");
        // Committed. What the new manifest no longer names is garbage now;
        // a failure here is harmless, since the next writer removes it too.
        let _ = remove_unreferenced(self.store, &self.new);
        failpoint("after-cleanup");
        Ok(())
    }
}

impl Transaction<'_> {
    fn roll_back(&self) -> Result<(), StoreError> {
        let root = &self.store.root;
        fsutil::write_atomic(root, super::manifest::FILE_NAME, &self.old_bytes)
            .and_then(|()| fsutil::fsync_dir(root))
            .map_err(|e| StoreError::io(root, e))
    }
}

/// Remove every file under the data and raw directories that `manifest`
/// does not name (leftovers of a crashed or superseded writer), and empty
/// partition directories.
pub fn remove_unreferenced(store: &Store, manifest: &Manifest) -> Result<(), StoreError> {
    let live: HashSet<&str> = manifest
        .files
        .iter()
        .map(|f| f.path.as_str())
        .chain(manifest.ingests.iter().map(|r| r.raw.as_str()))
        .collect();
    for top in super::TABLES.iter().copied().chain(["raw"]) {
        let dir = store.root.join(top);
        if dir.is_dir() {
            sweep(&store.root, &dir, &live)?;
        }
    }
    for entry in read_dir(&store.root)? {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with(".tmp-") {
            fsutil::remove_if_exists(&entry.path())
                .map_err(|e| StoreError::io(&entry.path(), e))?;
            failpoint("file-removed");
        }
    }
    Ok(())
}

fn read_dir(dir: &Path) -> Result<Vec<std::fs::DirEntry>, StoreError> {
    std::fs::read_dir(dir)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| StoreError::io(dir, e))
}

/// Returns whether `dir` is empty afterwards.
fn sweep(root: &Path, dir: &Path, live: &HashSet<&str>) -> Result<bool, StoreError> {
    let mut empty = true;
    for entry in read_dir(dir)? {
        let path = entry.path();
        if path.is_dir() {
            if sweep(root, &path, live)? && path.parent() != Some(root) {
                std::fs::remove_dir(&path).map_err(|e| StoreError::io(&path, e))?;
                failpoint("dir-removed");
            } else {
                empty = false;
            }
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy();
        if live.contains(rel.as_ref()) {
            empty = false;
        } else {
            fsutil::remove_if_exists(&path).map_err(|e| StoreError::io(&path, e))?;
            failpoint("file-removed");
        }
    }
    Ok(empty)
}
