//! The atomic commit: new files under fresh names, then the manifest swap.
//!
//! Order: clean leftovers of crashed writers (only when the clean-store
//! marker does not vouch for the store, see [`super::clean`]) and remove the
//! marker durably; write raw copies (temp, fsync, rename) and new partition
//! files, the latter staged outside the tables' Hive trees (see
//! [`super::txn`]); write the journal of what is left to do after the
//! commit; fsync every directory; replace the manifest the same way (the
//! commit point); only then move the staged files into place and remove the
//! files the manifest no longer names, fsync, remove the journal, and mark
//! the store clean. A kill at any moment leaves the old manifest naming only
//! old, intact files and a Hive tree holding just those, or the new one
//! naming only new, intact files, with a journal by which the next writer
//! finishes the moves and removals a kill interrupted.
//!
//! New files are queued and written several at a time: each needs its own
//! fsync, and a disk completes many concurrent fsyncs in little more time
//! than one (an ingest of 300 schools writes 3,600 files).

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::encode::{Encoded, encode_partition};
use super::manifest::{DataFile, IngestRecord, Manifest};
use super::{Store, StoreError, StoreLock, clean, failpoint, fsutil, partition_dir, txn};

pub struct Transaction<'a> {
    store: &'a Store,
    old: Manifest,
    /// The manifest file as it was, to put back if the commit cannot be
    /// made durable.
    old_bytes: Vec<u8>,
    new: Manifest,
    /// Directories that gained an entry: fsynced before the commit.
    dirs: BTreeSet<PathBuf>,
    /// Raw copies written (store-relative).
    written: Vec<String>,
    /// Where partition files wait for the commit, and the final
    /// (store-relative) paths of those staged there.
    staging: PathBuf,
    staged: Vec<String>,
    /// Raw copies this transaction names, written or queued.
    raws: HashSet<String>,
    /// The (table, school, window) of every partition `new` names.
    partitions: HashSet<(String, String, String)>,
    /// Files to write before the commit, and their total size.
    pending: Vec<Pending>,
    pending_bytes: usize,
    /// Directories that lost an entry to a removal: fsynced before the
    /// store is marked clean.
    removed_from: BTreeSet<PathBuf>,
    /// The generation at which the store was last walked for leftovers.
    walked: u64,
}

/// A file queued for writing: its directory, name, contents, the failpoint
/// to pass once it is durable, and the store-relative path it is written
/// for (staged: where it goes at the commit).
struct Pending {
    dir: PathBuf,
    name: String,
    bytes: Vec<u8>,
    failpoint: &'static str,
    rel: String,
    staged: bool,
}

/// What a commit that was made left undone.
#[must_use]
pub struct Committed {
    /// Why the commit could not be finished: the journal it left is
    /// finished by the next writer; until then a glob read of the tables
    /// does not show the commit exactly.
    pub unfinished: Option<StoreError>,
}

/// Queued files are written once they hold this much. Their bytes are
/// already in memory (moved in, not copied), so this bounds how long they
/// are held rather than the peak; it is large enough that one large
/// school's raw copies and partitions (215 MB of CSV at 300,000 pupils) are
/// written side by side, their fsyncs overlapping, not one after another.
const FLUSH_BYTES: usize = 512 << 20;

impl<'a> Transaction<'a> {
    /// Begin under the writer lock: read the manifest, remove leftovers
    /// unless the store is marked clean, and unmark it. `read` is the
    /// manifest file (parsed, and its bytes) if the caller read it under
    /// this same lock, to spare a second read of it and of the segments it
    /// was read with (the ingest's schools'; without `read`, every
    /// school's are read).
    pub fn begin(
        store: &'a Store,
        _lock: &StoreLock,
        read: Option<(Manifest, Vec<u8>)>,
    ) -> Result<Transaction<'a>, StoreError> {
        store.create()?;
        // `create` writes an empty manifest unless data files exist, so a
        // missing one here was lost: sweeping "unreferenced" files now would
        // delete every raw copy the school ever exported.
        let read = match read {
            Some(read) => Some(read),
            None => store.read_manifest_file()?,
        };
        let Some((old, old_bytes)) = read else {
            return Err(StoreError::ManifestMissing {
                path: store.root.display().to_string(),
            });
        };
        failpoint("begin");
        let mut removed_from = BTreeSet::new();
        let walked = match clean::walked_at(&store.root, &old, old_bytes.len()) {
            Some(walked) => {
                // The last writer left nothing in the table and raw
                // directories. Temporary files at the root are looked for
                // all the same: the root is one short listing, and `init`
                // and `Store::create` write there outside a transaction.
                remove_root_temps(store)?;
                walked
            }
            None => {
                // The walk keeps what any school's records name: all of them
                // are read for it when the ingest read only its own.
                let whole;
                let every = if old.whole() {
                    &old
                } else {
                    whole = store.parse_manifest(&old_bytes, None)?;
                    &whole
                };
                remove_unreferenced(store, every, &mut removed_from)?;
                old.generation
            }
        };
        failpoint("leftovers-removed");
        // From here until the store is marked clean again, a kill or an
        // error leaves no marker, so the next writer looks for leftovers.
        clean::unmark(&store.root)?;
        let mut new = old.clone();
        new.generation += 1;
        let raws = new.ingests.iter().map(|r| r.raw.clone()).collect();
        let partitions = new
            .files
            .iter()
            .map(|f| (f.table.clone(), f.school.clone(), f.window.clone()))
            .collect();
        let staging = store
            .root
            .join(txn::DIR)
            .join(format!("{:06}", new.generation));
        Ok(Transaction {
            store,
            old,
            old_bytes,
            new,
            dirs: BTreeSet::new(),
            written: Vec::new(),
            staging,
            staged: Vec::new(),
            raws,
            partitions,
            pending: Vec::new(),
            pending_bytes: 0,
            removed_from,
            walked,
        })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.new
    }

    /// Keep a byte-exact copy of an ingested file, named by its SHA-256 and
    /// `ext` (`csv`, or the workbook's format); returns its store path.
    /// The bytes are moved, not copied: a large export's copy would be
    /// that much more memory, touched for nothing.
    pub fn add_raw(
        &mut self,
        bytes: Vec<u8>,
        sha256: &str,
        ext: &str,
    ) -> Result<String, StoreError> {
        let rel = format!("raw/{sha256}.{ext}");
        // A copy already in the store is named by another school's records
        // (an export byte for byte the same as theirs), which an ingest of
        // its own schools did not read: once the leftovers are gone, every
        // file in `raw/` is named. It is not written again, so a failed
        // ingest, which removes what it wrote, cannot take it from them.
        if self.raws.insert(rel.clone()) && !self.store.root.join(&rel).exists() {
            self.queue(Pending {
                dir: self.store.root.join("raw"),
                name: format!("{sha256}.{ext}"),
                bytes,
                failpoint: "raw-written",
                rel: rel.clone(),
                staged: false,
            })?;
        }
        Ok(rel)
    }

    fn queue(&mut self, pending: Pending) -> Result<(), StoreError> {
        self.pending_bytes += pending.bytes.len();
        self.pending.push(pending);
        if self.pending_bytes >= FLUSH_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Write every queued file, [`fsutil::WRITERS`] at a time: temp file, fsync,
    /// rename (the directories are fsynced at the commit).
    fn flush(&mut self) -> Result<(), StoreError> {
        let pending = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        if pending.is_empty() {
            return Ok(());
        }
        let dirs: BTreeSet<&Path> = pending.iter().map(|p| p.dir.as_path()).collect();
        for dir in dirs {
            fsutil::create_dir_private(dir).map_err(|e| StoreError::io(dir, e))?;
        }
        let result = fsutil::concurrently(&pending, |p| {
            fsutil::write_atomic(&p.dir, &p.name, &p.bytes)
                .map_err(|e| StoreError::io(&p.dir, e))?;
            failpoint(p.failpoint);
            Ok(())
        });
        for p in pending {
            if p.dir.join(&p.name).exists() {
                if p.staged {
                    self.staged.push(p.rel);
                } else {
                    self.written.push(p.rel);
                }
            }
            self.dirs.insert(p.dir);
        }
        result
    }

    /// Give up: remove what this transaction wrote, which no manifest names
    /// (the next writer would remove it anyway).
    pub fn abandon(mut self) {
        self.pending.clear();
        for rel in &self.written {
            let _ = fsutil::remove_if_exists(&self.store.root.join(rel));
        }
        if txn::remove_staging(&self.staging).is_ok() {
            let _ = std::fs::remove_dir(self.store.root.join(txn::DIR));
        }
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
        let encoded = if frame.height() == 0 {
            None
        } else {
            Some(encode_partition(table, school, window, frame)?)
        };
        self.put_partition(table, school, window, encoded)
    }

    /// Make an encoded partition the whole content of a partition (None removes it).
    pub fn put_partition(
        &mut self,
        table: &str,
        school: &str,
        window: &str,
        encoded: Option<Encoded>,
    ) -> Result<(), StoreError> {
        // One partition per (table, school, window): drop the one it
        // replaces, looking only when there is one (an ingest of 300 schools
        // puts 2,100 partitions).
        let key = (table.to_string(), school.to_string(), window.to_string());
        if self.partitions.remove(&key) {
            self.new
                .files
                .retain(|f| !(f.table == table && f.school == school && f.window == window));
        }
        let Some(Encoded {
            bytes,
            sha256,
            rows,
        }) = encoded
        else {
            return Ok(());
        };
        let dir_rel = partition_dir(table, school, window);
        let name = format!("part-{:06}-{}.parquet", self.new.generation, &sha256[..12]);
        let path = format!("{dir_rel}/{name}");
        // Staged outside the Hive tree: moved into place after the commit.
        self.queue(Pending {
            dir: self.staging.clone(),
            name: txn::staged_name(&path),
            bytes,
            failpoint: "partition-written",
            rel: path.clone(),
            staged: true,
        })?;
        self.partitions.insert(key);
        self.new.files.push(DataFile {
            table: table.to_string(),
            school: school.to_string(),
            window: window.to_string(),
            path,
            rows,
            sha256,
        });
        Ok(())
    }

    pub fn record(&mut self, record: IngestRecord) {
        self.new.ingests.push(record);
    }

    /// Make every staged file and directory entry durable, write the
    /// journal, swap the manifest in (the commit point), then move the
    /// staged files into place and remove the superseded ones. An error
    /// before the swap (or in making it durable) leaves the store as it
    /// was; one after it is in [`Committed::unfinished`].
    pub fn commit(mut self) -> Result<Committed, StoreError> {
        self.new.files.sort_by(|a, b| {
            (&a.table, &a.school, &a.window).cmp(&(&b.table, &b.school, &b.window))
        });
        // The segments of the schools whose records changed are written
        // beside the other new files, before the commit point.
        let (json, segments) = self.new.seal();
        let segment_dir = self.store.root.join(super::manifest::SEGMENT_DIR);
        for seg in segments {
            let name = seg.path.rsplit('/').next().unwrap_or(&seg.path).to_string();
            self.queue(Pending {
                dir: segment_dir.clone(),
                name,
                bytes: seg.bytes,
                failpoint: "segment-written",
                rel: seg.path,
                staged: false,
            })?;
        }
        self.flush()?;
        let root = &self.store.root;
        // What is left to do once the manifest is in place: the staged files
        // it names go into the tree, the files it no longer names leave it
        // (a partition put twice in one transaction leaves its first file
        // staged and unnamed: it goes with the staging directory).
        let journal = {
            let live: HashSet<&str> = self.new.paths().collect();
            let moves: BTreeSet<&str> = self
                .staged
                .iter()
                .map(String::as_str)
                .filter(|p| live.contains(p))
                .collect();
            let removals: BTreeSet<&str> = self
                .old
                .paths()
                .chain(self.written.iter().map(String::as_str))
                .filter(|p| !live.contains(p))
                .collect();
            txn::Journal {
                manifest_sha256: txn::manifest_digest(&json),
                moves: moves.into_iter().map(str::to_string).collect(),
                removals: removals.into_iter().map(str::to_string).collect(),
            }
        };
        fsutil::create_dir_private(&self.staging).map_err(|e| StoreError::io(&self.staging, e))?;
        let journal_json = serde_json::to_vec_pretty(&journal).expect("journal serialises");
        fsutil::write_atomic(&self.staging, txn::JOURNAL, &journal_json)
            .map_err(|e| StoreError::io(&self.staging, e))?;
        failpoint("journal-written");
        self.dirs.insert(self.staging.clone());
        // Every directory that gained an entry, and its parents up to the
        // store root (they were perhaps created just now), each once, deepest
        // first, so neither a staged file nor the journal can be lost after
        // the swap.
        let mut to_sync: BTreeSet<&Path> = BTreeSet::new();
        for dir in &self.dirs {
            let mut d: &Path = dir;
            while d.starts_with(root) {
                if !to_sync.insert(d) || d == root.as_path() {
                    break;
                }
                let Some(parent) = d.parent() else { break };
                d = parent;
            }
        }
        let to_sync: Vec<&Path> = to_sync.into_iter().rev().collect();
        fsutil::concurrently(&to_sync, |dir| {
            fsutil::fsync_dir(dir).map_err(|e| StoreError::io(dir, e))
        })?;
        failpoint("before-manifest");
        let manifest = root.join(super::manifest::FILE_NAME);
        fsutil::write_atomic(root, super::manifest::FILE_NAME, &json)
            .map_err(|e| StoreError::io(&manifest, e))?;
        if let Err(e) = fsutil::fsync_dir(root) {
            // The new manifest is in place but may not survive a crash. A
            // command that fails must change nothing, so put the old one back
            // (the journal, no longer the manifest's, is junk).
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
        // Committed. Now the Hive tree is made to match: a failure from here
        // on leaves the journal, and the next writer finishes the work (the
        // store is then not marked clean).
        let moved: HashSet<&String> = journal.moves.iter().collect();
        let unmoved: HashSet<String> = self
            .staged
            .iter()
            .filter(|p| !moved.contains(p))
            .map(|p| txn::staged_name(p))
            .collect();
        let finished = txn::finish(root, &self.staging, &journal).and_then(|()| {
            // Removals of the walk for leftovers made durable too: a power
            // cut must not keep the marker and lose a removal, or no writer
            // would look again.
            let dirs: Vec<&Path> = self.removed_from.iter().map(PathBuf::as_path).collect();
            fsutil::concurrently(&dirs, |dir| match fsutil::fsync_dir(dir) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::io(dir, e)),
                _ => Ok(()),
            })?;
            txn::remove_own_staging(root, &self.staging, &unmoved)
        });
        failpoint("after-cleanup");
        if finished.is_ok() {
            clean::mark(root, &self.new, json.len(), self.walked);
        }
        Ok(Committed {
            unfinished: finished.err(),
        })
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
/// does not name (leftovers of a crashed or superseded writer), empty
/// partition directories, and temporary files at the root. Adds to
/// `removed_from` each directory that lost an entry.
pub fn remove_unreferenced(
    store: &Store,
    manifest: &Manifest,
    removed_from: &mut BTreeSet<PathBuf>,
) -> Result<(), StoreError> {
    let live: HashSet<&str> = manifest.paths().collect();
    for top in super::file_dirs() {
        let dir = store.root.join(top);
        if dir.is_dir() {
            sweep(&store.root, &dir, &live, removed_from)?;
        }
    }
    remove_root_temps(store)
}

/// Remove the temporary files a killed writer left at the store root. The
/// removals need no fsync of their own: [`clean::unmark`] fsyncs the root.
fn remove_root_temps(store: &Store) -> Result<(), StoreError> {
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

/// The entries of `dir`, in the order the file system lists them.
pub(super) fn read_dir(dir: &Path) -> Result<Vec<std::fs::DirEntry>, StoreError> {
    std::fs::read_dir(dir)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| StoreError::io(dir, e))
}

/// Returns whether `dir` is empty afterwards.
fn sweep(
    root: &Path,
    dir: &Path,
    live: &HashSet<&str>,
    removed_from: &mut BTreeSet<PathBuf>,
) -> Result<bool, StoreError> {
    let mut empty = true;
    for entry in read_dir(dir)? {
        let path = entry.path();
        // The entry's type comes with the directory listing: no stat per file.
        let is_dir = match entry.file_type() {
            Ok(t) => t.is_dir(),
            Err(_) => path.is_dir(),
        };
        if is_dir {
            if sweep(root, &path, live, removed_from)? && path.parent() != Some(root) {
                std::fs::remove_dir(&path).map_err(|e| StoreError::io(&path, e))?;
                failpoint("dir-removed");
                removed_from.insert(dir.to_path_buf());
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
            removed_from.insert(dir.to_path_buf());
        }
    }
    Ok(empty)
}

#[cfg(test)]
mod tests;
