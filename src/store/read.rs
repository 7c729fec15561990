//! Reading the store for reports: a consistent snapshot through the manifest.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use polars::prelude::*;
use sha2::{Digest, Sha256};

use super::hex;
use super::manifest::DataFile;
use super::{Manifest, Mode, Store, StoreError, StoreLock};
use crate::rules::window::Window;

/// The manifest as it was when the snapshot was taken, held under a shared
/// lock so no writer can change the files it names until it is dropped.
pub struct Snapshot {
    pub store: Store,
    pub manifest: Manifest,
    _lock: Option<StoreLock>,
}

impl Snapshot {
    pub fn open(store: &Store, timeout: Duration) -> Result<Snapshot, StoreError> {
        let lock = store.lock(Mode::Shared, timeout)?;
        let manifest = store.read_manifest()?;
        Ok(Snapshot {
            store: store.clone(),
            manifest,
            _lock: Some(lock),
        })
    }

    /// Every window with any data, over all schools or one.
    pub fn windows(&self, school: Option<&str>) -> BTreeSet<Window> {
        self.manifest
            .files
            .iter()
            .filter(|f| school.is_none_or(|s| f.school == s))
            .filter_map(|f| Window::parse_any(&f.window))
            .collect()
    }

    /// Schools with data in a window (or any window).
    pub fn schools(&self, window: Option<Window>) -> BTreeSet<String> {
        self.manifest
            .files
            .iter()
            .filter(|f| window.is_none_or(|w| Window::parse_any(&f.window) == Some(w)))
            .map(|f| f.school.clone())
            .collect()
    }

    /// One partition's rows (the chosen columns, or all), or None when empty.
    pub fn read(
        &self,
        table: &str,
        school: &str,
        window: Window,
        columns: Option<&[&str]>,
    ) -> Result<Option<DataFrame>, StoreError> {
        let w = window.to_string();
        self.manifest
            .file(table, school, &w)
            .map(|f| read_data_file(&self.store.root, f, columns))
            .transpose()
    }
}

/// The bytes of a file the manifest names, and where they were found: in
/// place, or still staged by a commit a killed writer did not finish (the
/// next writer moves it; readers take the manifest's view meanwhile).
pub fn read_named(root: &Path, rel: &str) -> Result<(PathBuf, Vec<u8>), StoreError> {
    let path = root.join(rel);
    match std::fs::read(&path) {
        Ok(bytes) => Ok((path, bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let Some(staged) = super::txn::staged_path(root, rel) else {
                return Err(StoreError::io(&path, e));
            };
            let bytes = std::fs::read(&staged).map_err(|e| StoreError::io(&staged, e))?;
            Ok((staged, bytes))
        }
        Err(e) => Err(StoreError::io(&path, e)),
    }
}

/// Read one data file the manifest names, optionally only some columns.
///
/// The bytes are checked against the SHA-256 the manifest recorded before
/// the Parquet decoder sees them: a damaged file is a clear error, never a
/// decoder panic or a wild allocation on corrupt metadata.
pub fn read_data_file(
    root: &Path,
    file: &DataFile,
    columns: Option<&[&str]>,
) -> Result<DataFrame, StoreError> {
    let (path, bytes) = read_named(root, &file.path)?;
    let sha = hex(&Sha256::digest(&bytes));
    if sha != file.sha256 {
        return Err(StoreError::Parquet {
            path: path.display().to_string(),
            problem: format!(
                "its SHA-256 is not the one the manifest recorded ({} bytes)",
                bytes.len()
            ),
        });
    }
    let mut reader = ParquetReader::new(std::io::Cursor::new(bytes));
    if let Some(cols) = columns {
        reader = reader.with_columns(Some(cols.iter().map(|c| c.to_string()).collect()));
    }
    reader.finish().map_err(|e| StoreError::Parquet {
        path: path.display().to_string(),
        problem: e.to_string(),
    })
}
