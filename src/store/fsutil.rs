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
    if !direct::write(tmp.as_file(), bytes)? {
        write_pieces(tmp.as_file(), bytes)?;
    }
    crate::store::failpoint("tmp-written");
    tmp.as_file().sync_all()?;
    crate::store::failpoint("before-rename");
    tmp.persist(dir.join(name)).map_err(|e| e.error)?;
    crate::store::failpoint("after-rename");
    Ok(())
}

/// Where direct writes are refused, files at least this large are written
/// a piece per core at once: the kernel's copy of a large export into the
/// page cache is then most of the time an ingest spends writing, and one
/// thread does it at one core's pace.
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

/// Large files written around the page cache (`O_DIRECT`, Linux only).
///
/// A raw copy is written once and read back only by `verify`; copying it
/// into the page cache first costs the kernel a fresh page per 4 KiB of
/// it. On this project's benchmark machine, a virtual machine whose idle
/// memory goes back to its host, that copy was a fifth of an ingest's CPU
/// (123 MB in about a second); written direct from a small aligned buffer
/// it takes a twentieth of that, and the page cache keeps what it held.
mod direct {
    use std::fs::File;
    use std::io;

    /// Files at least this large are written direct.
    pub(super) const FROM: usize = 4 << 20;
    /// The alignment direct I/O asks of offsets, lengths and memory: a
    /// page, which covers every logical block size up to it.
    const ALIGN: usize = 4096;
    /// The aligned buffer each piece is copied through.
    const BUFFER: usize = 2 << 20;

    /// Write `bytes` into the empty `file`, its whole blocks direct and the
    /// tail after them through the page cache. `Ok(false)` when the file
    /// system refuses direct I/O (or the file is small): nothing is then
    /// left written that the caller's ordinary write would not replace.
    #[cfg(target_os = "linux")]
    pub(super) fn write(file: &File, bytes: &[u8]) -> io::Result<bool> {
        use std::os::unix::fs::FileExt;
        let whole = bytes.len() / ALIGN * ALIGN;
        if bytes.len() < FROM || !set_direct(file, true) {
            return Ok(false);
        }
        let mut buffer = vec![0u8; BUFFER.min(whole) + ALIGN];
        let start = buffer.as_ptr().align_offset(ALIGN);
        let aligned = &mut buffer[start..start + BUFFER.min(whole)];
        for (k, piece) in bytes[..whole].chunks(aligned.len()).enumerate() {
            aligned[..piece.len()].copy_from_slice(piece);
            match file.write_all_at(&aligned[..piece.len()], (k * aligned.len()) as u64) {
                Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                    set_direct(file, false);
                    return Ok(false);
                }
                result => result?,
            }
        }
        if !set_direct(file, false) {
            return Err(io::Error::last_os_error());
        }
        file.write_all_at(&bytes[whole..], whole as u64)?;
        Ok(true)
    }

    #[cfg(not(target_os = "linux"))]
    pub(super) fn write(_: &File, _: &[u8]) -> io::Result<bool> {
        Ok(false)
    }

    /// Turn direct I/O on or off for `file`; whether that was done.
    #[cfg(target_os = "linux")]
    fn set_direct(file: &File, on: bool) -> bool {
        use std::os::fd::AsRawFd;
        let fd = file.as_raw_fd();
        // SAFETY: fcntl on a descriptor `file` owns, reading and setting
        // its status flags only.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            let flags = match on {
                true => flags | libc::O_DIRECT,
                false => flags & !libc::O_DIRECT,
            };
            flags >= 0 && libc::fcntl(fd, libc::F_SETFL, flags) == 0
        }
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
    fn files_written_in_pieces_hold_every_byte_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let lens = [0, 1, direct::FROM - 1, direct::FROM, direct::FROM + 4095];
        let lens = lens.into_iter().chain([PIECES_FROM - 1, PIECES_FROM]);
        for len in lens.chain([3 * PIECES_FROM + 7, 3 * PIECES_FROM + 4096]) {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            write_atomic(dir.path(), "f", &bytes).unwrap();
            assert!(
                fs::read(dir.path().join("f")).unwrap() == bytes,
                "{len} bytes"
            );
        }
    }

    #[test]
    fn direct_writes_leave_small_files_to_the_page_cache_and_large_ones_whole() {
        let dir = tempfile::tempdir().unwrap();
        for (len, small) in [
            (0, true),
            (direct::FROM - 1, true),
            (direct::FROM + 4097, false),
        ] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 253) as u8).collect();
            let path = dir.path().join(format!("f{len}"));
            let file = create_file_private(&path).unwrap();
            let written = direct::write(&file, &bytes).unwrap();
            if small {
                assert!(!written, "{len} bytes");
            } else if written {
                assert!(fs::read(&path).unwrap() == bytes, "{len} bytes");
            }
        }
    }
}
