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
