//! The store: Parquet partitions, the manifest, raw copies, the lock.
//!
//! Layout (SPEC 7.1):
//! ```text
//! <store>/manifest.json                       the commit point: names a segment per school
//! <store>/manifest.d/<school>.<gen>.<sha>.json  a school's ingests and data files (manifest.rs)
//! <store>/tracker.toml                        config written by `init`
//! <store>/.lock                               writer/reader lock
//! <store>/.clean                              the last writer left no leftovers (clean.rs)
//! <store>/raw/<sha256>.csv                    byte-exact copies of every ingested file
//! <store>/<table>/school=<C>/window=<W>/part-*.parquet
//! <store>/.txn/<id>/                          files of a commit not yet made or finished (txn.rs)
//! ```
//! Tables are the five kinds plus `rejects` and `conflicts`.

pub mod clean;
pub mod codes;
pub mod commit;
pub mod direct;
pub mod encode;
pub mod fsutil;
pub mod lock;
pub mod manifest;
pub mod read;
pub mod table;
pub mod txn;
pub mod verify;

use std::path::{Path, PathBuf};

pub use lock::{Mode, StoreLock};
pub use manifest::Manifest;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store error at `{path}`")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the store `{path}` is locked by another tracker command; waited {waited:.1} s\nhint: wait for it to finish, or raise `--lock-timeout`"
    )]
    Locked { path: String, waited: f64 },
    #[error("the manifest `{path}` is damaged: {problem}\nhint: run `tracker verify`")]
    BadManifest { path: String, problem: String },
    #[error("cannot read Parquet file `{path}`: {problem}\nhint: run `tracker verify`")]
    Parquet { path: String, problem: String },
    #[error(
        "the store `{path}` holds data files but no manifest.json; nothing was changed\nhint: run `tracker verify`, and restore manifest.json from a backup"
    )]
    ManifestMissing { path: String },
    #[error(
        "the store `{path}` could not be synced after its manifest was replaced ({first}), nor put back\nhint: run `tracker windows` to see whether the ingest is in the store, and `tracker verify`"
    )]
    Uncertain {
        path: String,
        first: Box<StoreError>,
        #[source]
        source: Box<StoreError>,
    },
}

impl StoreError {
    pub fn io(path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// Tables that hold rows (the five kinds, then the ingest's own findings).
pub const TABLES: [&str; 7] = [
    "pupils",
    "bge",
    "senior",
    "overrides",
    "interventions",
    "rejects",
    "conflicts",
];

/// Every directory at the store root that holds the files a manifest
/// names: the tables, the raw copies and the manifest's segments.
pub fn file_dirs() -> impl Iterator<Item = &'static str> {
    TABLES.iter().copied().chain(["raw", manifest::SEGMENT_DIR])
}

#[derive(Debug, Clone)]
pub struct Store {
    pub root: PathBuf,
}

impl Store {
    pub fn at(root: &Path) -> Store {
        Store {
            root: root.to_path_buf(),
        }
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.root.join(manifest::FILE_NAME)
    }

    pub fn config_path(&self) -> PathBuf {
        self.root.join("tracker.toml")
    }

    pub fn exists(&self) -> bool {
        self.root.is_dir()
    }

    /// Create the store directory (0700), its raw-copy folder and an empty
    /// manifest. Every store has a manifest from then on, so one that is
    /// missing beside data files is damage, never "nothing committed yet".
    pub fn create(&self) -> Result<(), StoreError> {
        fsutil::create_dir_private(&self.root.join("raw"))
            .map_err(|e| StoreError::io(&self.root, e))?;
        if self.manifest_path().exists() || self.has_data_files()? {
            return Ok(());
        }
        let json = manifest::top_bytes(0, &[]);
        fsutil::write_atomic(&self.root, manifest::FILE_NAME, &json)
            .and_then(|()| fsutil::fsync_dir(&self.root))
            .map_err(|e| StoreError::io(&self.root, e))
    }

    /// Whether any file sits under the table or raw directories.
    pub fn has_data_files(&self) -> Result<bool, StoreError> {
        fn any_file(dir: &Path) -> Result<bool, StoreError> {
            let entries = match std::fs::read_dir(dir) {
                Ok(it) => it,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
                Err(e) => return Err(StoreError::io(dir, e)),
            };
            for entry in entries {
                let entry = entry.map_err(|e| StoreError::io(dir, e))?;
                let ty = entry.file_type().map_err(|e| StoreError::io(dir, e))?;
                if !ty.is_dir() || any_file(&entry.path())? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        for top in file_dirs() {
            if any_file(&self.root.join(top))? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The current manifest; an empty one when nothing was ever committed.
    pub fn read_manifest(&self) -> Result<Manifest, StoreError> {
        Ok(self
            .read_manifest_file()?
            .map_or_else(Manifest::empty, |(m, _)| m))
    }

    /// The manifest and the bytes of `manifest.json`; None when there is no
    /// manifest file.
    pub fn read_manifest_file(&self) -> Result<Option<(Manifest, Vec<u8>)>, StoreError> {
        self.read_manifest_file_for(None)
    }

    /// [`Store::read_manifest_file`], reading the records of `schools`
    /// only when given (an ingest's): the rest stay in their segments.
    pub fn read_manifest_file_for(
        &self,
        schools: Option<&[&str]>,
    ) -> Result<Option<(Manifest, Vec<u8>)>, StoreError> {
        let path = self.manifest_path();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::io(&path, e)),
        };
        Ok(Some((self.parse_manifest(&bytes, schools)?, bytes)))
    }

    /// The manifest in `bytes`, read from this store's manifest file, with
    /// the records of every school or of `schools`.
    pub fn parse_manifest(
        &self,
        bytes: &[u8],
        schools: Option<&[&str]>,
    ) -> Result<Manifest, StoreError> {
        let bad = |path: &Path, problem: String| StoreError::BadManifest {
            path: path.display().to_string(),
            problem,
        };
        let path = self.manifest_path();
        let m: manifest::OnDisk =
            serde_json::from_slice(bytes).map_err(|e| bad(&path, e.to_string()))?;
        match m.format {
            manifest::FORMAT_WHOLE => {
                return Ok(Manifest {
                    generation: m.generation,
                    ingests: m.ingests,
                    files: m.files,
                    segments: Vec::new(),
                    loaded: None,
                });
            }
            manifest::FORMAT if m.ingests.is_empty() && m.files.is_empty() => {}
            manifest::FORMAT => {
                return Err(bad(&path, "format 2 holds records of its own".into()));
            }
            other => {
                return Err(bad(
                    &path,
                    format!(
                        "format {other} is not {} or {}",
                        manifest::FORMAT_WHOLE,
                        manifest::FORMAT
                    ),
                ));
            }
        }
        let wanted: Vec<&manifest::SegmentRef> = m
            .schools
            .iter()
            .filter(|r| schools.is_none_or(|s| s.contains(&r.school.as_str())))
            .collect();
        // An authority's report reads every school's segment: on every core.
        let segments: Vec<manifest::Segment> = {
            use rayon::prelude::*;
            wanted
                .par_iter()
                .map(|r| self.read_segment(r))
                .collect::<Result<_, _>>()?
        };
        let (mut ingests, mut files) = (Vec::new(), Vec::new());
        for seg in segments {
            ingests.extend(seg.ingests);
            files.extend(seg.files);
        }
        Ok(Manifest {
            generation: m.generation,
            ingests,
            files,
            segments: m.schools,
            loaded: schools.map(|s| s.iter().map(|s| s.to_string()).collect()),
        })
    }

    /// A school's segment, checked against the SHA-256 and the school that
    /// `manifest.json` gives it.
    fn read_segment(&self, r: &manifest::SegmentRef) -> Result<manifest::Segment, StoreError> {
        use sha2::{Digest, Sha256};
        let path = self.root.join(&r.path);
        let bad = |problem: String| StoreError::BadManifest {
            path: path.display().to_string(),
            problem,
        };
        let bytes = std::fs::read(&path).map_err(|e| {
            bad(format!(
                "cannot read the segment `manifest.json` names for school `{}`: {e}",
                r.school
            ))
        })?;
        if hex(&Sha256::digest(&bytes)) != r.sha256 {
            return Err(bad(
                "its SHA-256 is not the one `manifest.json` records".into()
            ));
        }
        let seg: manifest::Segment =
            serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        if seg.school != r.school
            || seg.ingests.iter().any(|i| i.school != r.school)
            || seg.files.iter().any(|f| f.school != r.school)
        {
            return Err(bad(format!(
                "it holds records of a school other than `{}`",
                r.school
            )));
        }
        Ok(seg)
    }

    /// Lock the store. A writer first finishes a commit a killed writer left
    /// unfinished, and removes what writers killed before their commit
    /// point staged ([`txn::recover`]), so every writer starts from a store
    /// whose Hive tree holds exactly what the manifest names.
    pub fn lock(&self, mode: Mode, timeout: std::time::Duration) -> Result<StoreLock, StoreError> {
        let lock = StoreLock::acquire(&self.root, mode, timeout)?;
        if mode == Mode::Exclusive {
            txn::recover(self)?;
        }
        Ok(lock)
    }
}

/// Store-relative directory of a partition, Hive style.
pub fn partition_dir(table: &str, school: &str, window: &str) -> String {
    let window = window.replace('/', "_");
    format!("{table}/school={school}/window={window}")
}

/// A named point in the commit path where tests can kill the process with
/// SIGKILL (`TRACKER_FAILPOINT=name` or `name#N` for the Nth hit). Compiled
/// in only with the `failpoints` feature; `TRACKER_FAILPOINT_LOG=FILE` lists
/// the points reached, so a test can find them all. With
/// `TRACKER_FAILPOINT_SLEEP_MS=N` the process pauses there for N ms instead,
/// holding whatever it holds (the writer lock), for the concurrency tests.
#[cfg(feature = "failpoints")]
pub fn failpoint(name: &str) {
    use std::io::Write;
    use std::sync::Mutex;
    static HITS: Mutex<Vec<(String, usize)>> = Mutex::new(Vec::new());
    // Files are written from several threads: the count and the log line
    // are made under one lock, and the line in one write, so lines never mix.
    let mut hits = HITS.lock().unwrap_or_else(|e| e.into_inner());
    let n = match hits.iter_mut().find(|(n, _)| n == name) {
        Some((_, c)) => {
            *c += 1;
            *c
        }
        None => {
            hits.push((name.to_string(), 1));
            1
        }
    };
    if let Ok(log) = std::env::var("TRACKER_FAILPOINT_LOG")
        && let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
    {
        let _ = f.write_all(format!("{name}#{n}\n").as_bytes());
    }
    drop(hits);
    if let Ok(target) = std::env::var("TRACKER_FAILPOINT")
        && (target == name || target == format!("{name}#{n}"))
    {
        if let Some(ms) = std::env::var("TRACKER_FAILPOINT_SLEEP_MS")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            std::thread::sleep(std::time::Duration::from_millis(ms));
            return;
        }
        // SIGKILL, not abort(): no handler, no core dump, exactly what an
        // out-of-memory killer or `kill -9` from a scheduler does.
        // SAFETY: kill(2) on our own pid has no memory-safety conditions.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn failpoint(_name: &str) {}

/// How many threads to use where `default` would be: `TRACKER_THREADS=N`
/// overrides it. The fault-injection tests set 1, because strace counts
/// `when=N` per thread, and a run on one thread makes the Nth call certain.
pub fn threads(default: usize) -> usize {
    std::env::var("TRACKER_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n >= 1)
        .unwrap_or(default)
}

/// Bytes (a SHA-256 digest) as lowercase hexadecimal, as the manifest
/// records them.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}
