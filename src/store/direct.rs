//! Large files written around the page cache (`O_DIRECT`, Linux only).
//!
//! A raw copy is written once and read back only by `verify`; a report's
//! output is read once, by whoever asked for it. Copying either into the
//! page cache first costs the kernel a fresh page per 4 KiB. On this
//! project's benchmark machine, a virtual machine whose idle memory goes
//! back to its host, that copy was a fifth of an ingest's CPU (123 MB in
//! about a second) and 15% of `qa`'s (its 94 MB of findings). Written
//! direct from a small aligned buffer it takes a twentieth of that, and the
//! page cache keeps what it held.
//!
//! [`Writer`] buffers what it is given and writes each full buffer direct.
//! A file smaller than the buffer, a file system that refuses direct I/O,
//! and what is left after the file's last full buffer go through the page
//! cache as before; the bytes on disk are the same either way.

use std::fs::File;
use std::io::{self, Write};

/// The alignment direct I/O asks of offsets, lengths and memory: a page,
/// which covers every logical block size up to it.
const ALIGN: usize = 4096;
/// The aligned buffer everything is copied through; a file needs to fill
/// it once before it is written direct.
pub(crate) const BUFFER: usize = 2 << 20;

/// Whether the file is being written direct.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    /// Not yet asked: the buffer has never been full.
    Untried,
    Direct,
    /// Refused by the file system, or not Linux: the page cache.
    Cached,
}

/// A buffered writer of a new, empty `file` from offset 0, written direct
/// where it can be. Call `flush` at the end (as with `BufWriter`); dropped
/// without it, what is still buffered is lost.
pub(crate) struct Writer<'f> {
    file: &'f File,
    memory: Vec<u8>,
    /// Where the aligned buffer starts in `memory`.
    start: usize,
    filled: usize,
    /// The front of the buffer already written through the page cache by
    /// a flush (and written again, whole, when the buffer's blocks are).
    cached: usize,
    /// The file offset of the buffer's first byte, a multiple of [`ALIGN`].
    offset: u64,
    mode: Mode,
}

impl<'f> Writer<'f> {
    pub(crate) fn new(file: &'f File) -> Self {
        let memory = vec![0u8; BUFFER + ALIGN];
        let start = memory.as_ptr().align_offset(ALIGN);
        Writer {
            file,
            memory,
            start,
            filled: 0,
            cached: 0,
            offset: 0,
            mode: Mode::Untried,
        }
    }

    fn buffer(&mut self) -> &mut [u8] {
        &mut self.memory[self.start..self.start + BUFFER]
    }

    /// Write the full buffer, direct if the file system allows.
    fn write_buffer(&mut self) -> io::Result<()> {
        if self.mode == Mode::Untried {
            self.mode = match set_direct(self.file, true) {
                true => Mode::Direct,
                false => Mode::Cached,
            };
        }
        let (file, offset) = (self.file, self.offset);
        let result = positioned(file, self.buffer(), offset);
        match result {
            Err(e) if self.mode == Mode::Direct && e.raw_os_error() == Some(libc::EINVAL) => {
                self.mode = Mode::Cached;
                set_direct(file, false);
                positioned(file, self.buffer(), offset)?;
            }
            result => result?,
        }
        self.filled = 0;
        self.cached = 0;
        self.offset += BUFFER as u64;
        Ok(())
    }
}

impl Write for Writer<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let filled = self.filled;
        let n = bytes.len().min(BUFFER - filled);
        self.buffer()[filled..filled + n].copy_from_slice(&bytes[..n]);
        self.filled += n;
        if self.filled == BUFFER {
            self.write_buffer()?;
        }
        Ok(n)
    }

    /// Write what is buffered and not yet written, through the page cache,
    /// and keep it buffered: the buffer is written whole, direct, once it
    /// is full, so the offsets of direct writes stay aligned.
    fn flush(&mut self) -> io::Result<()> {
        if self.cached == self.filled {
            return Ok(());
        }
        let direct = self.mode == Mode::Direct;
        if direct && !set_direct(self.file, false) {
            return Err(io::Error::last_os_error());
        }
        let (file, from, to) = (self.file, self.cached, self.filled);
        let offset = self.offset + from as u64;
        positioned(file, &self.buffer()[from..to], offset)?;
        self.cached = to;
        if direct && !set_direct(self.file, true) {
            self.mode = Mode::Cached;
        }
        Ok(())
    }
}

fn positioned(file: &File, bytes: &[u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.write_all_at(bytes, offset)
}

/// Turn direct I/O on or off for `file`; whether that was done.
#[cfg(target_os = "linux")]
fn set_direct(file: &File, on: bool) -> bool {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor `file` owns, reading and setting its
    // status flags only.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        let flags = match on {
            true => flags | libc::O_DIRECT,
            false => flags & !libc::O_DIRECT,
        };
        flags >= 0 && libc::fcntl(fd, libc::F_SETFL, flags) == 0
    }
}

#[cfg(not(target_os = "linux"))]
fn set_direct(_: &File, on: bool) -> bool {
    !on
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the sizes of the writes and wherever the flushes fall, the
    /// file holds every byte in order.
    #[test]
    fn the_file_holds_every_byte_whatever_the_writes() {
        let dir = tempfile::tempdir().unwrap();
        // (length, size of each write, flush after each write)
        let cases = [
            (0, 1, false),
            (5, 1, true),
            (BUFFER - 1, 4096, false),
            (BUFFER, BUFFER, false),
            (BUFFER + 1, 7, false),
            (3 * BUFFER + 4097, 65536, false),
            (2 * BUFFER + 100, BUFFER / 3 + 1, true),
            (BUFFER + ALIGN, 3 * BUFFER, false),
        ];
        for (k, (len, step, flush_each)) in cases.into_iter().enumerate() {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let path = dir.path().join(format!("f{k}"));
            let file = crate::store::fsutil::create_file_private(&path).unwrap();
            let mut w = Writer::new(&file);
            for piece in bytes.chunks(step) {
                w.write_all(piece).unwrap();
                if flush_each {
                    w.flush().unwrap();
                }
            }
            w.flush().unwrap();
            if len >= BUFFER && cfg!(target_os = "linux") {
                assert_ne!(w.mode, Mode::Untried, "case {k}");
            }
            drop(w);
            assert!(std::fs::read(&path).unwrap() == bytes, "case {k}");
        }
    }

    /// A direct write the kernel refuses (here: from memory that is not
    /// aligned, as a file system with larger blocks would refuse it) is
    /// written through the page cache instead, and so is the rest.
    #[test]
    fn a_refused_direct_write_falls_back_to_the_page_cache() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let file = crate::store::fsutil::create_file_private(&path).unwrap();
        let bytes: Vec<u8> = (0..2 * BUFFER + 10).map(|i| (i % 241) as u8).collect();
        let mut w = Writer::new(&file);
        w.start += 1;
        w.write_all(&bytes).unwrap();
        w.flush().unwrap();
        assert_eq!(w.mode, Mode::Cached);
        drop(w);
        assert!(std::fs::read(&path).unwrap() == bytes);
    }
}
