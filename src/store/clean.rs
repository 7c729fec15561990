//! The clean-store marker: `<store>/.clean`, present only while the last
//! writer finished and left nothing behind.
//!
//! Finding leftovers means listing every partition directory of every table,
//! which grows with the store (an authority of 300 schools has some 6,400
//! directories). A writer does it only when the marker is missing or does
//! not belong to the current manifest (after a crash, an error, or a writer
//! of a version that did not know the marker), and once in [`WALK_EVERY`]
//! commits whatever the marker says.
//!
//! The protocol, all under the exclusive writer lock:
//! - `begin` removes the marker and fsyncs the store root before it creates
//!   any file, so a writer killed at any later moment (or a power cut) leaves
//!   no marker beside its leftovers.
//! - `commit` writes it again only after the manifest swap and the removal
//!   of every superseded file, once the directories those removals touched
//!   are fsynced (a removal lost in a power cut must not outlive a marker
//!   that survived it). The marker itself is not fsynced: losing it costs
//!   the next writer a walk, nothing more.
//! - Any error leaves it absent.
//!
//! The marker vouches for the table and raw directories only. A killed
//! writer's partition files are staged under `.txn` (see [`super::txn`]),
//! which every writer looks at whatever the marker says (one failed open
//! when it is absent, as after every finished commit); what the marker
//! saves is the walk for raw copies of killed writers and for files put in
//! the tables by hand.
//!
//! The marker's text names the manifest it was written beside (generation
//! and size), so a manifest put back from a backup, which names fewer files
//! than the store holds, is not taken for a clean store. A torn marker does
//! not match either. Readers and `verify` ignore the marker.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::manifest::Manifest;
use super::{StoreError, failpoint, fsutil};

/// The marker's file name, at the store root.
pub const FILE_NAME: &str = ".clean";

/// A writer walks the store at least once in this many commits, marker or
/// not. The marker covers what tracker writers leave; this bounds how long
/// anything else can stay unnoticed (files put there by hand or by a copy
/// tool, an older tracker killed mid-ingest), for a hundredth of a walk's
/// cost per ingest.
pub const WALK_EVERY: u64 = 100;

/// What the marker holds for a manifest of `bytes` bytes, when the store
/// was last walked at generation `walked`.
fn text(manifest: &Manifest, bytes: usize, walked: u64) -> String {
    format!(
        "tracker clean store: generation {} manifest {bytes} bytes walked {walked}\n",
        manifest.generation
    )
}

/// When the marker says the store holds nothing `manifest` (of `bytes`
/// bytes) does not name: Some(the generation at which the store was last
/// walked). None when in any doubt: no marker, another manifest's, torn,
/// unreadable, or a walk is due.
pub fn walked_at(root: &Path, manifest: &Manifest, bytes: usize) -> Option<u64> {
    let found = std::fs::read(root.join(FILE_NAME)).ok()?;
    let found = std::str::from_utf8(&found).ok()?;
    let walked = found
        .strip_suffix('\n')?
        .rsplit_once(' ')?
        .1
        .parse::<u64>()
        .ok()?;
    let current = found == text(manifest, bytes, walked);
    (current && manifest.generation.saturating_sub(walked) < WALK_EVERY).then_some(walked)
}

/// Remove the marker, and make its absence durable before the caller writes
/// anything. The root is fsynced even when there was no marker: an earlier
/// writer that removed it may have failed before its own fsync.
pub fn unmark(root: &Path) -> Result<(), StoreError> {
    let path = root.join(FILE_NAME);
    fsutil::remove_if_exists(&path).map_err(|e| StoreError::io(&path, e))?;
    fsutil::fsync_dir(root).map_err(|e| StoreError::io(root, e))?;
    failpoint("marker-removed");
    Ok(())
}

/// Write the marker for `manifest` (of `bytes` bytes), the store last
/// walked at generation `walked`; best effort: a failure only costs the
/// next writer a walk. Written in place, 0600; a torn one does not match
/// [`walked_at`].
pub fn mark(root: &Path, manifest: &Manifest, bytes: usize, walked: u64) {
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(root.join(FILE_NAME))
        .and_then(|mut f| f.write_all(text(manifest, bytes, walked).as_bytes()));
    if written.is_ok() {
        failpoint("marker-written");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_belongs_to_one_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut m = Manifest::empty();
        m.generation = 7;
        assert_eq!(walked_at(root, &m, 100), None, "no marker");
        mark(root, &m, 100, 3);
        assert_eq!(walked_at(root, &m, 100), Some(3));
        assert_eq!(walked_at(root, &m, 101), None, "another size");
        m.generation = 6;
        assert_eq!(walked_at(root, &m, 100), None, "another generation");
        m.generation = 7;
        let full = std::fs::read(root.join(FILE_NAME)).unwrap();
        for cut in 1..full.len() {
            std::fs::write(root.join(FILE_NAME), &full[..cut]).unwrap();
            assert_eq!(walked_at(root, &m, 100), None, "torn at {cut}");
        }
        mark(root, &m, 100, 3);
        unmark(root).unwrap();
        assert!(!root.join(FILE_NAME).exists());
        assert_eq!(walked_at(root, &m, 100), None);
        unmark(root).unwrap();
    }

    #[test]
    fn a_walk_is_due_every_hundred_commits() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut m = Manifest::empty();
        for (generation, walked, due) in [
            (0, 0, false),
            (99, 0, false),
            (100, 0, true),
            (150, 60, false),
            (160, 60, true),
        ] {
            m.generation = generation;
            mark(root, &m, 10, walked);
            let want = if due { None } else { Some(walked) };
            assert_eq!(walked_at(root, &m, 10), want, "{generation} {walked}");
        }
    }
}
