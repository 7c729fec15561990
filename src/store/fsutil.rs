//! Private, durable file-system primitives: every directory 0700, every file
//! 0600 from the moment it exists, and data made durable before it is named;
//! and such work run a few files at a time.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

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
    // A file smaller than the writer's buffer would go through the page
    // cache anyway: written as it is, it needs no buffer.
    if bytes.len() < super::direct::BUFFER {
        tmp.as_file().write_all(bytes)?;
    } else {
        let mut w = super::direct::Writer::new(tmp.as_file());
        w.write_all(bytes)?;
        w.flush()?;
    }
    crate::store::failpoint("tmp-written");
    tmp.as_file().sync_all()?;
    crate::store::failpoint("before-rename");
    tmp.persist(dir.join(name)).map_err(|e| e.error)?;
    crate::store::failpoint("after-rename");
    Ok(())
}

/// Files written (and fsynced) at the same time, at most.
pub(super) const WRITERS: usize = 8;
/// Files per writer thread, at least.
const PER_WRITER: usize = 8;

/// Run `f` on every item, up to [`WRITERS`] at a time; the first error
/// stops the rest from starting and is returned. For fsyncs, which a disk
/// completes many at once in little more time than one. A thread takes at
/// least [`PER_WRITER`] items: one school's dozen files gain little from
/// more, an authority's thousands a lot; a few items are done on the
/// calling thread. Thread `t` of `n` takes items `t`,
/// `t + n`, ... so each thread makes the same calls on every run (the
/// I/O-error tests fail the Nth call of a thread).
pub(super) fn concurrently<T: Sync, E: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<(), E> + Sync,
) -> Result<(), E> {
    let stop = AtomicBool::new(false);
    let failed: Mutex<Option<E>> = Mutex::new(None);
    let threads = items
        .len()
        .div_ceil(PER_WRITER)
        .min(super::threads(WRITERS));
    if threads <= 1 {
        return items.iter().try_for_each(f);
    }
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (f, stop, failed) = (&f, &stop, &failed);
            scope.spawn(move || {
                for item in items.iter().skip(t).step_by(threads) {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    if let Err(e) = f(item) {
                        failed
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .get_or_insert(e);
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    match failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
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
    fn files_written_atomically_hold_every_byte_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let buffer = crate::store::direct::BUFFER;
        for len in [0, 1, buffer - 1, buffer, buffer + 1, 5 * buffer + 4097] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            write_atomic(dir.path(), "f", &bytes).unwrap();
            assert!(
                fs::read(dir.path().join("f")).unwrap() == bytes,
                "{len} bytes"
            );
        }
    }
}
