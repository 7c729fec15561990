//! The store lock: one writer at a time, readers never see a half-made commit.
//!
//! Writers hold an exclusive lock on `<store>/.lock` for the whole ingest;
//! readers hold a shared lock while they read the manifest and the files it
//! names. The OS drops the lock when a process dies, so a killed writer never
//! blocks the next one.

use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use super::StoreError;

pub struct StoreLock {
    _file: File,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Shared,
    Exclusive,
}

impl StoreLock {
    pub fn acquire(root: &Path, mode: Mode, timeout: Duration) -> Result<StoreLock, StoreError> {
        let path = root.join(".lock");
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| StoreError::io(&path, e))?;
        Self::wait(root, file, mode, timeout)
    }

    /// A shared lock that creates nothing: for `verify`, which must leave the
    /// store exactly as it found it. None when no command ever locked the
    /// store (so no writer ever ran in it).
    pub fn shared_if_present(
        root: &Path,
        timeout: Duration,
    ) -> Result<Option<StoreLock>, StoreError> {
        let path = root.join(".lock");
        match File::open(&path) {
            Ok(file) => Self::wait(root, file, Mode::Shared, timeout).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::io(&path, e)),
        }
    }

    fn wait(
        root: &Path,
        file: File,
        mode: Mode,
        timeout: Duration,
    ) -> Result<StoreLock, StoreError> {
        let path = root.join(".lock");
        let start = Instant::now();
        loop {
            let attempt = match mode {
                Mode::Shared => file.try_lock_shared(),
                Mode::Exclusive => file.try_lock(),
            };
            match attempt {
                Ok(()) => return Ok(StoreLock { _file: file }),
                Err(TryLockError::WouldBlock) if start.elapsed() < timeout => {
                    std::thread::sleep(Duration::from_millis(25));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(StoreError::Locked {
                        path: root.display().to_string(),
                        waited: timeout.as_secs_f64(),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(StoreError::io(&path, e)),
            }
        }
    }
}
