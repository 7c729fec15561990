//! The exit codes of SPEC 7.2, in one place.

/// How `tracker` ends. Scripts rely on these numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: the command did what was asked.
    Success = 0,
    /// 1: the command failed (bad input, missing column, store error), or a
    /// check (`verify`, `qa --fail-on`) found problems.
    Failure = 1,
    /// 2: bad usage (unknown flag, malformed `--window`, xlsx without `-o`).
    Usage = 2,
    /// 3: `ingest --strict` found rejected rows; nothing was written.
    StrictRejected = 3,
}

/// An error that is the caller's usage, not the data: exits 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);
