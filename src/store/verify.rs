//! Check a store against its manifest without changing anything.
//!
//! Damage is anything that makes the store say something other than what was
//! committed: a manifest that does not parse, a file it names that is missing,
//! unreadable or not the bytes recorded, a raw copy whose SHA-256 is not the
//! one recorded. Leftovers (files and directories the manifest does not name)
//! are reported apart: a killed ingest leaves them, readers ignore them, and
//! the next writer removes them, so they are not damage. So is a commit a
//! killed writer made but did not finish (its journal in `.txn`, see
//! [`super::txn`]): readers through the manifest find its files where they
//! wait, but a glob read of the tables does not equal the manifest until the
//! next writer has finished it.

use std::collections::{BTreeSet, HashSet};
use std::io::Read;
use std::path::{Component, Path};

use sha2::{Digest, Sha256};

use super::hex;
use super::manifest::Manifest;
use super::{Store, StoreError, TABLES, partition_dir};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The store does not hold what its manifest says: `verify` exits 1.
    Damage,
    /// Harmless, but worth knowing: leftovers of a killed writer.
    Leftover,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Damage => "error",
            Severity::Leftover => "warning",
        }
    }
}

/// One problem found. `path` is store-relative; `detail` never holds data
/// from inside a file, only sizes, counts and digests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub problem: &'static str,
    pub path: String,
    pub detail: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    /// Data files (partitions) the manifest names and that were checked.
    pub data_files: usize,
    /// Distinct raw copies checked.
    pub raw_copies: usize,
}

impl Report {
    pub fn damaged(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Damage)
    }

    fn add(&mut self, severity: Severity, problem: &'static str, path: &str, detail: String) {
        self.findings.push(Finding {
            severity,
            problem,
            path: path.to_string(),
            detail,
        });
    }
}

/// Check everything the manifest references, then look for leftovers.
/// Reads only; the caller holds a shared lock so no writer is mid-commit.
pub fn check(store: &Store) -> Result<Report, StoreError> {
    let mut report = Report::default();
    let manifest_path = store.manifest_path();
    let manifest = match std::fs::symlink_metadata(&manifest_path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(StoreError::io(&manifest_path, e)),
        Ok(_) => match store.read_manifest_file() {
            Ok(m) => m,
            Err(StoreError::BadManifest { path, problem }) => {
                // `manifest.json` itself, or the segment of a school it names.
                let rel = Path::new(&path)
                    .strip_prefix(&store.root)
                    .map_or(path.clone(), |p| p.display().to_string());
                report.add(Severity::Damage, "manifest_unreadable", &rel, problem);
                return Ok(report);
            }
            Err(e) => return Err(e),
        },
    };
    let (manifest, bytes) = match manifest {
        Some(m) => m,
        None => {
            // No manifest: a store that never committed. Any data file in it
            // means the manifest was lost, since every commit writes one.
            let mut files = Vec::new();
            for top in super::file_dirs() {
                walk_files(&store.root, &store.root.join(top), &mut files)?;
            }
            if !files.is_empty() {
                report.add(
                    Severity::Damage,
                    "manifest_missing",
                    super::manifest::FILE_NAME,
                    format!("no manifest, but {} data files", files.len()),
                );
            }
            return Ok(report);
        }
    };
    check_data_files(store, &manifest, &mut report)?;
    check_raw_copies(store, &manifest, &mut report)?;
    find_leftovers(store, &manifest, &bytes, &mut report)?;
    Ok(report)
}

fn check_data_files(store: &Store, m: &Manifest, report: &mut Report) -> Result<(), StoreError> {
    let mut partitions = HashSet::new();
    for f in &m.files {
        report.data_files += 1;
        let dir = partition_dir(&f.table, &f.school, &f.window);
        if !TABLES.contains(&f.table.as_str())
            || !is_plain_relative(&f.path)
            || Path::new(&f.path).parent() != Some(Path::new(&dir))
        {
            report.add(
                Severity::Damage,
                "bad_path",
                &f.path,
                format!("expected a file in `{dir}`"),
            );
            continue;
        }
        if !partitions.insert((&f.table, &f.school, &f.window)) {
            report.add(
                Severity::Damage,
                "duplicate_partition",
                &f.path,
                format!("`{dir}` is named more than once"),
            );
        }
        let Some(digest) = digest_of(store, &f.path, report)? else {
            continue;
        };
        if digest.0 != f.sha256 {
            report.add(
                Severity::Damage,
                "sha256_mismatch",
                &f.path,
                format!(
                    "SHA-256 {} ({} bytes), recorded {}",
                    short(&digest.0),
                    digest.1,
                    short(&f.sha256)
                ),
            );
            // Only bytes we wrote go to the Parquet decoder, which can
            // panic on corrupt metadata.
            continue;
        }
        match super::read::read_data_file(&store.root, f, None) {
            Err(e) => {
                let problem = match e {
                    StoreError::Parquet { problem, .. } => problem,
                    other => other.to_string(),
                };
                report.add(Severity::Damage, "unreadable_parquet", &f.path, problem);
            }
            Ok(df) if df.height() != f.rows => report.add(
                Severity::Damage,
                "row_count_mismatch",
                &f.path,
                format!("{} rows, recorded {}", df.height(), f.rows),
            ),
            Ok(_) => {}
        }
    }
    Ok(())
}

fn check_raw_copies(store: &Store, m: &Manifest, report: &mut Report) -> Result<(), StoreError> {
    let mut seen = BTreeSet::new();
    for r in &m.ingests {
        if !seen.insert(r.raw.as_str()) {
            continue;
        }
        report.raw_copies += 1;
        if !is_plain_relative(&r.raw) || !r.raw.starts_with("raw/") {
            report.add(
                Severity::Damage,
                "bad_path",
                &r.raw,
                "expected a file in `raw`".to_string(),
            );
            continue;
        }
        let Some((sha, bytes)) = digest_of(store, &r.raw, report)? else {
            continue;
        };
        if sha != r.sha256 || bytes != r.bytes {
            report.add(
                Severity::Damage,
                "raw_sha256_mismatch",
                &r.raw,
                format!(
                    "SHA-256 {} ({bytes} bytes), recorded {} ({} bytes) for `{}`",
                    short(&sha),
                    short(&r.sha256),
                    r.bytes,
                    r.source
                ),
            );
        }
    }
    Ok(())
}

/// SHA-256 and size of a store file, streamed; None (and a finding) when it
/// is missing or cannot be read.
fn digest_of(
    store: &Store,
    rel: &str,
    report: &mut Report,
) -> Result<Option<(String, u64)>, StoreError> {
    let path = store.root.join(rel);
    // A file an unfinished commit has not moved into place yet is checked
    // where it waits.
    let opened =
        std::fs::File::open(&path).or_else(|e| match super::txn::staged_path(&store.root, rel) {
            Some(staged) if e.kind() == std::io::ErrorKind::NotFound => std::fs::File::open(staged),
            _ => Err(e),
        });
    let mut file = match opened {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            report.add(
                Severity::Damage,
                "missing_file",
                rel,
                "named by the manifest but absent".to_string(),
            );
            return Ok(None);
        }
        Err(e) => {
            report.add(Severity::Damage, "unreadable_file", rel, e.to_string());
            return Ok(None);
        }
    };
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&buf[..n]);
                total += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                // A directory where a file should be reads as EISDIR here.
                report.add(Severity::Damage, "unreadable_file", rel, e.to_string());
                return Ok(None);
            }
        }
    }
    Ok(Some((hex(&hasher.finalize()), total)))
}

/// Files and directories under the table and raw directories that the
/// manifest does not name. A directory that holds nothing live is reported
/// once, not file by file.
fn find_leftovers(
    store: &Store,
    m: &Manifest,
    manifest_bytes: &[u8],
    report: &mut Report,
) -> Result<(), StoreError> {
    let staging = super::txn::scan(&store.root, manifest_bytes)?;
    let mut live: HashSet<&str> = m.paths().collect();
    // The superseded files an unfinished commit is still to remove are
    // counted in its finding, not each as a leftover.
    for s in &staging {
        if let Some(j) = &s.unfinished {
            live.extend(j.removals.iter().map(String::as_str));
        }
    }
    let live = live;
    let mut live_dirs: HashSet<&Path> = HashSet::new();
    for p in &live {
        let mut d = Path::new(*p).parent();
        while let Some(dir) = d.filter(|d| !d.as_os_str().is_empty()) {
            live_dirs.insert(dir);
            d = dir.parent();
        }
    }
    let mut found = Vec::new();
    for top in super::file_dirs() {
        leftovers_in(store, Path::new(top), &live, &live_dirs, &mut found)?;
    }
    for entry in read_dir(&store.root)? {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".tmp-") {
            found.push((name, "a temporary file".to_string()));
        }
    }
    // A store marked clean is not walked by the next ingest: files put there
    // by hand (or by a copy tool) would stay until the walk due once in
    // `clean::WALK_EVERY` commits. Say so, and how to have them removed now.
    let bytes = std::fs::metadata(store.manifest_path()).map_or(0, |m| m.len());
    let marked = usize::try_from(bytes)
        .ok()
        .and_then(|bytes| super::clean::walked_at(&store.root, m, bytes))
        .is_some();
    for (path, mut detail) in found {
        if marked {
            detail.push_str(&format!(
                "; the store is marked clean, so the next ingest will not look for it: delete `{}` to have the next ingest remove it",
                super::clean::FILE_NAME
            ));
        }
        report.add(Severity::Leftover, "leftover", &path, detail);
    }
    for s in &staging {
        let shown = format!("{}/", s.path);
        let Some(j) = &s.unfinished else {
            report.add(
                Severity::Leftover,
                "leftover",
                &shown,
                format!(
                    "files of an ingest killed before its commit ({} files), never in a table's directory",
                    s.files
                ),
            );
            continue;
        };
        let present = |rel: &&String| store.root.join(rel.as_str()).exists();
        let to_move = j.moves.iter().filter(|rel| !present(rel)).count();
        let to_remove = j.removals.iter().filter(present).count();
        report.add(
            Severity::Leftover,
            "unfinished_commit",
            &shown,
            format!(
                "an ingest was committed but not finished: {to_move} files still to be moved into the table directories, {to_remove} superseded files still to be removed; reports are not affected, but a glob read of the tables does not equal the manifest until then; any `tracker ingest` (even of a file already in the store) finishes it"
            ),
        );
    }
    Ok(())
}

fn leftovers_in(
    store: &Store,
    rel: &Path,
    live: &HashSet<&str>,
    live_dirs: &HashSet<&Path>,
    found: &mut Vec<(String, String)>,
) -> Result<(), StoreError> {
    let dir = store.root.join(rel);
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in read_dir(&dir)? {
        let child = rel.join(entry.file_name());
        let shown = child.to_string_lossy().into_owned();
        let is_dir = entry
            .file_type()
            .map_err(|e| StoreError::io(&entry.path(), e))?
            .is_dir();
        if is_dir && live_dirs.contains(child.as_path()) {
            leftovers_in(store, &child, live, live_dirs, found)?;
        } else if is_dir {
            let mut files = Vec::new();
            walk_files(&store.root, &store.root.join(&child), &mut files)?;
            found.push((
                format!("{shown}/"),
                format!(
                    "a directory the manifest does not name ({} files)",
                    files.len()
                ),
            ));
        } else if !live.contains(shown.as_str()) {
            found.push((shown, "a file the manifest does not name".to_string()));
        }
    }
    Ok(())
}

fn walk_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), StoreError> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in read_dir(dir)? {
        let path = entry.path();
        let is_dir = entry
            .file_type()
            .map_err(|e| StoreError::io(&path, e))?
            .is_dir();
        if is_dir {
            walk_files(root, &path, out)?;
        } else {
            let rel = path.strip_prefix(root).unwrap_or(&path);
            out.push(rel.to_string_lossy().into_owned());
        }
    }
    Ok(())
}

/// The entries of `dir` sorted by name, so a report lists them in a stable order.
fn read_dir(dir: &Path) -> Result<Vec<std::fs::DirEntry>, StoreError> {
    let mut entries = super::commit::read_dir(dir)?;
    entries.sort_by_key(|e| e.file_name());
    Ok(entries)
}

/// A store-relative path that cannot leave the store: no root, no `..`.
fn is_plain_relative(p: &str) -> bool {
    !p.is_empty()
        && Path::new(p)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_stay_inside_the_store() {
        for ok in ["raw/a.csv", "bge/school=A/window=2025-26_1/p.parquet"] {
            assert!(is_plain_relative(ok), "{ok}");
        }
        for bad in ["", "/etc/passwd", "raw/../../x", "./raw/a.csv"] {
            assert!(!is_plain_relative(bad), "{bad}");
        }
    }
}
