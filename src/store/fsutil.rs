//! Private, durable file-system primitives: every directory 0700, every file
//! 0600 from the moment it exists, and data made durable before it is named.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

/// Create a directory (and its parents) readable by the owner only.
pub fn create_dir_private(path: &Path) -> io::Result<()> {
    DirBuilder::new().recursive(true).mode(0o700).create(path)
}

/// Create a new file readable by the owner only; fails if it exists.
pub fn create_file_private(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

/// Flush a directory's entries to disk, so a rename in it survives a crash.
pub fn fsync_dir(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()?;
    crate::store::failpoint("dir-synced");
    Ok(())
}

/// Write `bytes` to `dir/name` atomically: a 0600 temporary file in the same
/// directory, fsynced, then renamed over the target. The caller fsyncs `dir`.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    crate::store::failpoint("tmp-created");
    write_pieces(tmp.as_file(), bytes)?;
    crate::store::failpoint("tmp-written");
    tmp.as_file().sync_all()?;
    crate::store::failpoint("before-rename");
    tmp.persist(dir.join(name)).map_err(|e| e.error)?;
    crate::store::failpoint("after-rename");
    Ok(())
}

/// Files at least this large are written a piece per core at once: the
/// kernel's copy of a large export into the page cache is most of the time
/// an ingest spends writing, and one thread does it at one core's pace.
const PIECES_FROM: usize = 16 << 20;

/// Write `bytes` into the empty `file`: a piece per core for a large file
/// (each at its offset), else in one `write_all`, as on one thread
/// (`TRACKER_THREADS=1`, which the fault-injection tests use).
fn write_pieces(mut file: &File, bytes: &[u8]) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let n = crate::store::threads(cores).min(bytes.len() / (PIECES_FROM / 2));
    if bytes.len() < PIECES_FROM || n <= 1 {
        return file.write_all(bytes);
    }
    let piece = bytes.len().div_ceil(n);
    std::thread::scope(|scope| {
        let writers: Vec<_> = (bytes.chunks(piece).enumerate())
            .map(|(k, chunk)| scope.spawn(move || file.write_all_at(chunk, (k * piece) as u64)))
            .collect();
        (writers.into_iter())
            .try_for_each(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    })
}

/// Remove a file, treating "already gone" as success.
pub fn remove_if_exists(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_written_in_pieces_hold_every_byte_in_order() {
        let dir = tempfile::tempdir().unwrap();
        for len in [0, 1, PIECES_FROM - 1, PIECES_FROM, 3 * PIECES_FROM + 7] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            write_atomic(dir.path(), "f", &bytes).unwrap();
            assert!(
                fs::read(dir.path().join("f")).unwrap() == bytes,
                "{len} bytes"
            );
        }
    }
}
