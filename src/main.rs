//! The `tracker` binary: parse, run, print the error chain, map the exit code.

use std::process::ExitCode;

use clap::Parser;
use tracker::cli::Cli;
use tracker::exit::{Exit, UsageError};

/// jemalloc instead of glibc's malloc: reports build and drop millions of
/// small strings, and glibc spent most of `qa`'s time consolidating and
/// unlinking free chunks; mimalloc was faster for `qa` but raised the peak
/// memory of `offtrack` and `subjects` (BENCHMARKS.md).
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read once at start-up (`_RJEM_MALLOC_CONF` in the
/// environment still overrides them). A report or ingest of a large school
/// builds large lists on every core and frees them phase by phase, and
/// each fresh page costs a page fault (a fifth of a report's time here):
/// - one arena for every thread (`narenas:1`), so what one thread frees
///   another reuses, where an arena per thread kept each one's apart;
/// - no separate arena for allocations of 8 MiB and more
///   (`oversize_threshold:0`), which gave their pages back at once;
/// - freed pages kept for reuse (`dirty_decay_ms:-1`, `muzzy_decay_ms:-1`)
///   rather than handed back to the kernel and faulted in again.
///
/// At 300,000 pupils in one school: `qa`, `subjects` and `followup` 0.94x,
/// `ingest` 0.91x, with a third fewer page faults (BENCHMARKS.md).
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static MALLOC_CONF: Conf =
    Conf(c"narenas:1,oversize_threshold:0,dirty_decay_ms:-1,muzzy_decay_ms:-1".as_ptr());

/// A C string's address, as jemalloc reads `malloc_conf`.
#[repr(transparent)]
pub struct Conf(*const std::ffi::c_char);

// SAFETY: it points at a constant string, which nothing writes.
unsafe impl Sync for Conf {}

fn main() -> ExitCode {
    // A file-size limit (`ulimit -f`) must end in a clear error like a full
    // disk, not a kill by SIGXFSZ: ignored, the write fails with EFBIG.
    // SAFETY: setting a signal to SIG_IGN before any thread starts.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    // `ingest` reads a workbook in a child of this binary, with limits.
    if let Some(code) = tracker::ingest::workbook::child_main() {
        return ExitCode::from(code);
    }
    let cli = Cli::parse();
    match tracker::commands::run(&cli) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(err) => {
            let mut message = format!("error: {err}");
            for cause in err.chain().skip(1) {
                message.push_str(&format!("\n  caused by: {cause}"));
            }
            tracker::settings::stderr_line(&message);
            let code = if err.downcast_ref::<UsageError>().is_some() {
                Exit::Usage
            } else {
                Exit::Failure
            };
            ExitCode::from(code as u8)
        }
    }
}
