//! Test harness: run the real `tracker` binary in a fresh temporary directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

#[path = "../support/manifest.rs"]
pub mod manifest;

pub struct Env {
    pub dir: tempfile::TempDir,
}

pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn store(&self) -> PathBuf {
        self.path("store")
    }

    /// The binary with a clean environment, run in the temp dir, against
    /// `./store` (through `$TRACKER_STORE`, so `--store` still overrides it).
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::cargo_bin("tracker").expect("binary");
        c.current_dir(self.dir.path())
            .env_remove("TRACKER_STORE")
            .env_remove("TRACKER_CONFIG")
            .env_remove("TRACKER_FAILPOINT")
            // A terminal width from the caller's shell would squeeze tables.
            .env_remove("COLUMNS")
            .env("NO_COLOR", "1")
            .env("TRACKER_STORE", self.store());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run tracker")
    }

    /// Run and insist on an exit code; returns (stdout, stderr).
    pub fn expect(&self, code: i32, args: &[&str]) -> (String, String) {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(code),
            "tracker {args:?}\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        (stdout, stderr)
    }

    pub fn ok(&self, args: &[&str]) -> String {
        self.expect(0, args).0
    }

    /// `tracker demo`'s exports (and store) of `schools` schools of
    /// `pupils` pupils each, under `d/`.
    pub fn demo(&self, schools: u32, pupils: u32, seed: u32) {
        let (schools, pupils, seed) = (schools.to_string(), pupils.to_string(), seed.to_string());
        self.ok(&[
            "-q",
            "demo",
            "--dir",
            "d",
            "--schools",
            &schools,
            "--pupils",
            &pupils,
            "--seed",
            &seed,
        ]);
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, content).unwrap();
        p
    }

    /// Copy a fixture folder into the temp dir; returns its path there.
    pub fn fixture(&self, name: &str) -> PathBuf {
        let to = self.path(name);
        copy_dir(&Path::new(FIXTURES).join(name), &to);
        to
    }

    /// The small hand-made school, ingested for 2025-26/1 (and its senior
    /// file for 2025-26/2), with its config.
    pub fn small_school(&self) -> PathBuf {
        let f = self.fixture("small");
        let cfg = f.join("tracker.toml");
        let cfg = cfg.to_str().unwrap();
        let file = |n: &str| f.join(n).to_string_lossy().into_owned();
        self.ok(&[
            "--config",
            cfg,
            "-q",
            "ingest",
            "--window",
            "2025-26/1",
            &file("pupils.csv"),
            &file("bge.csv"),
            &file("senior.csv"),
            &file("overrides.csv"),
            &file("interventions.csv"),
        ]);
        f
    }

    /// The impact fixture (school `IMP`, built-in config): window
    /// 2025-26/1 with its interventions and, unless `only_first`, 2025-26/2.
    pub fn impact_school(&self, only_first: bool) -> PathBuf {
        let f = self.fixture("impact");
        let file = |n: &str| f.join(n).to_string_lossy().into_owned();
        let windows: &[(&str, &[&str])] = &[
            ("2025-26/1", &["w1/bge.csv", "w1/interventions.csv"]),
            ("2025-26/2", &["w2/bge.csv"]),
        ];
        for (window, files) in windows.iter().take(if only_first { 1 } else { 2 }) {
            let mut args = vec!["-q", "ingest", "--school", "IMP", "--window", window];
            let paths: Vec<String> = std::iter::once("pupils.csv")
                .chain(files.iter().copied())
                .map(file)
                .collect();
            args.extend(paths.iter().map(String::as_str));
            self.ok(&args);
        }
        f
    }

    pub fn small_config(&self) -> String {
        self.path("small/tracker.toml")
            .to_string_lossy()
            .into_owned()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Parse CSV text into rows of fields (compare rows, not bytes).
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Assert CSV output equals an expected CSV file row by row.
pub fn assert_csv_eq(actual: &str, expected_file: &Path) {
    let expected = std::fs::read_to_string(expected_file).unwrap();
    let (a, e) = (csv_rows(actual), csv_rows(&expected));
    for (i, (ra, re)) in a.iter().zip(&e).enumerate() {
        assert_eq!(ra, re, "row {i} differs from {}", expected_file.display());
    }
    assert_eq!(
        a.len(),
        e.len(),
        "row count differs from {}\nactual:\n{actual}",
        expected_file.display()
    );
}

pub const CHROMIUM: &str = "/usr/bin/chromium";

/// Render `page` headless in Chromium to a PNG (`extra` flags after the
/// defaults, e.g. a window size); returns the PNG's bytes and the URLs
/// the page itself asked the network for (Chromium's own background
/// requests have no origin and are left out).
pub fn render(dir: &Path, page: &Path, name: &str, extra: &[&str]) -> (Vec<u8>, Vec<String>) {
    let png = dir.join(format!("{name}.png"));
    let netlog = dir.join(format!("{name}.netlog.json"));
    let profile = tempfile::tempdir().unwrap();
    let mut child = chromium(profile.path())
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg("--window-size=1200,1600")
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start chromium");
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("chromium did not finish in 120 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let bytes = std::fs::read(&png).expect("chromium wrote no screenshot");
    let log: serde_json::Value = serde_json::from_slice(&std::fs::read(&netlog).unwrap()).unwrap();
    let start_job = &log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"];
    let requests = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == *start_job)
        .filter_map(|e| {
            let p = &e["params"];
            let url = p["url"].as_str()?;
            (p["initiator"] != "not an origin").then(|| url.to_string())
        })
        .collect();
    (bytes, requests)
}

/// The document Chromium builds from `page` once its scripts have run.
pub fn dump_dom(page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = chromium(profile.path())
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stderr(std::process::Stdio::null())
        .output()
        .expect("start chromium");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Headless Chromium with its own empty profile and no network: every host
/// name fails to resolve, and it starts no background requests.
fn chromium(profile: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(CHROMIUM);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}
