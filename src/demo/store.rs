//! The demo's store: created with the demo config, and every generated
//! export that holds rows ingested into it, a school's window at a time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::generate::DemoFile;
use crate::config::Config;
use crate::ingest::engine::{Request, ingest_many};
use crate::rules::window::Window;
use crate::settings::Settings;
use crate::store::{Store, fsutil};

/// Settings for the store under `dir` (created with [`super::config`] if it
/// does not exist): its own config, quiet, no progress bar; colour, lock
/// timeout and width from `s`.
pub fn settings(s: &Settings, dir: &Path) -> anyhow::Result<Settings> {
    let store = Store::at(&dir.join("store"));
    if !store.exists() {
        store.create()?;
        fsutil::write_atomic(&store.root, "tracker.toml", super::config()?.as_bytes())?;
    }
    let config = crate::rules::check::checked(Config::load(&store.config_path())?)?;
    Ok(Settings {
        config_source: store.config_path().display().to_string(),
        store,
        config,
        quiet: true,
        color: s.color,
        lock_timeout: s.lock_timeout,
        progress: false,
        columns: s.columns,
    })
}

/// Ingest every file that holds rows, a window at a time: every school's
/// files of a window in one transaction, as `ingest --school-dirs` does
/// (a commit per school would pay a commit's fsyncs and its rewrite of
/// `manifest.json` as many times as there are schools), with `s`'s
/// progress bar; the rows stored and rejected in all.
pub fn ingest_all(
    s: &Settings,
    demo: &Settings,
    files: &[DemoFile],
) -> anyhow::Result<(usize, usize)> {
    let mut windows: BTreeMap<&str, BTreeMap<&str, Vec<PathBuf>>> = BTreeMap::new();
    for f in files.iter().filter(|f| super::has_data_rows(&f.path)) {
        (windows.entry(&f.window).or_default())
            .entry(&f.school)
            .or_default()
            .push(f.path.clone());
    }
    let bar = s.progress_bar(windows.len() as u64, "ingesting");
    let (mut stored, mut rejected) = (0, 0);
    for (window, schools) in windows {
        let window: Window = window.parse().map_err(anyhow::Error::msg)?;
        let requests: Vec<Request> = schools
            .into_iter()
            .map(|(school, paths)| Request {
                school: school.to_string(),
                window,
                kind: None,
                strict: false,
                dry_run: false,
                sheet: None,
                files: paths,
            })
            .collect();
        let outcome = ingest_many(demo, &requests)?;
        stored += outcome.rows_stored;
        rejected += outcome.rows_rejected;
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok((stored, rejected))
}
