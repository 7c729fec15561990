//! Files and stdout: where every output format is written.

use std::borrow::Cow;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Run `body` against `path` (atomically, mode 0600) or buffered stdout.
/// Public so that renderers outside this module (summary's HTML) get the same
/// guarantees.
pub fn write_to(
    path: Option<&Path>,
    body: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    match path {
        Some(path) => write_file_atomic(path, body)
            .with_context(|| format!("cannot write `{}`", path.display())),
        None => write_guarded(io::stdout().lock(), body),
    }
}

/// SPEC 9: a reader of the output must never see a half-written file, and no
/// one but the owner may read it. The temporary file sits in the target's
/// directory so the rename cannot cross filesystems; tempfile creates it with
/// mode 0600 whatever the umask, and the rename keeps that mode even when it
/// replaces a file that was readable by others.
pub fn write_file_atomic(
    path: &Path,
    body: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    // `-o /dev/null`, `-o /dev/stdout` or a named pipe: write straight to
    // it. Renaming a temporary file over it would replace the device (for
    // every program on the machine) with an ordinary file.
    if written_straight(path) {
        let file = std::fs::OpenOptions::new().write(true).open(path)?;
        let mut w = BufWriter::new(file);
        body(&mut w)?;
        w.flush()?;
        return Ok(());
    }
    let path = resolve(path);
    let dir = dir_of(&path);
    let tmp = tempfile::Builder::new()
        .prefix(".tracker-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in `{}`", dir.display()))?;
    {
        // Large outputs are written around the page cache (store/direct.rs).
        let mut w = crate::store::direct::Writer::new(tmp.as_file());
        body(&mut w)?;
        w.flush()?;
    }
    tmp.as_file().sync_all()?;
    crate::store::failpoint("output-written");
    tmp.persist(&path)?;
    Ok(())
}

/// A symbolic link is written through: the file it points to is replaced
/// and the link kept.
fn resolve(path: &Path) -> Cow<'_, Path> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path)
            .map(Cow::Owned)
            .unwrap_or(Cow::Borrowed(path)),
        _ => Cow::Borrowed(path),
    }
}

fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Where the work of a file written to `path` can go before it is done:
/// the directory its temporary file is made in, or the system's temporary
/// directory for a device or pipe, which is written straight to.
pub fn scratch_dir(path: &Path) -> PathBuf {
    if written_straight(path) {
        return std::env::temp_dir();
    }
    dir_of(&resolve(path)).to_path_buf()
}

/// A device or a pipe, which is written to as it is, not replaced.
fn written_straight(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Buffer `inner` and treat a closed reader (`tracker offtrack | head`) as
/// success: once the pipe reports BrokenPipe, whatever error the format
/// writer wraps it in is dropped.
pub(super) fn write_guarded<W: Write>(
    inner: W,
    body: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    let mut guard = PipeGuard {
        inner,
        broken: false,
    };
    let result = {
        let mut w = BufWriter::new(&mut guard);
        body(&mut w).and_then(|()| Ok(w.flush()?))
    };
    match result {
        Err(_) if guard.broken => Ok(()),
        r => r,
    }
}

struct PipeGuard<W> {
    inner: W,
    broken: bool,
}

impl<W: Write> PipeGuard<W> {
    fn note<T>(&mut self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r {
            self.broken |= e.kind() == io::ErrorKind::BrokenPipe;
        }
        r
    }
}

impl<W: Write> Write for PipeGuard<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }
    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}
