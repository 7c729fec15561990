//! Helpers shared by the safety tests (verify, crash, I/O errors,
//! concurrency, hostile input, privacy): store snapshots, copies, and the
//! store's visible state.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../support/manifest.rs"]
pub mod manifest;

/// Every entry under `root`: relative path -> (mode, bytes; None for dirs).
pub type Tree = BTreeMap<String, (u32, Option<Vec<u8>>)>;

pub fn tree(root: &Path) -> Tree {
    let mut out = Tree::new();
    if root.exists() {
        walk(root, root, &mut out);
    }
    out
}

fn walk(root: &Path, dir: &Path, out: &mut Tree) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let mode = meta.permissions().mode() & 0o7777;
        if meta.is_dir() {
            out.insert(format!("{rel}/"), (mode, None));
            walk(root, &path, out);
        } else {
            out.insert(rel, (mode, Some(std::fs::read(&path).unwrap())));
        }
    }
}

/// A readable list of what differs between two trees.
pub fn tree_diff(a: &Tree, b: &Tree) -> Vec<String> {
    let mut diff = Vec::new();
    for (k, v) in a {
        match b.get(k) {
            None => diff.push(format!("- {k}")),
            Some(w) if w != v => diff.push(format!("~ {k}")),
            _ => {}
        }
    }
    for k in b.keys().filter(|k| !a.contains_key(*k)) {
        diff.push(format!("+ {k}"));
    }
    diff
}

/// Copy a directory tree, keeping modes (`cp -a`).
pub fn copy_tree(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    let status = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .expect("cp");
    assert!(status.success());
}

/// Paths of the files the store holds that the manifest does not name,
/// temporary files included: what a writer should have cleaned up.
pub fn leftovers(store: &Path) -> Vec<String> {
    let manifest = manifest::of(store);
    let mut live: Vec<String> = Vec::new();
    for f in manifest["files"].as_array().unwrap() {
        live.push(f["path"].as_str().unwrap().to_string());
    }
    for r in manifest["ingests"].as_array().unwrap() {
        live.push(r["raw"].as_str().unwrap().to_string());
    }
    for s in manifest["schools"].as_array().into_iter().flatten() {
        live.push(s["path"].as_str().unwrap().to_string());
    }
    tree(store)
        .into_iter()
        .filter(|(k, (_, bytes))| {
            bytes.is_some()
                && !live.contains(k)
                && !matches!(
                    k.as_str(),
                    "manifest.json" | "tracker.toml" | ".lock" | ".clean"
                )
        })
        .map(|(k, _)| k)
        .collect()
}

/// The manifest with its clock readings blanked, so two runs that did the
/// same thing compare equal.
pub fn manifest_without_times(store: &Path) -> Option<serde_json::Value> {
    let mut m = manifest::read(store)?;
    for r in m["ingests"].as_array_mut().unwrap() {
        r["ingested_at"] = serde_json::Value::Null;
    }
    // A segment's digest covers its clock readings, and its name holds
    // the digest's start.
    for s in m["schools"].as_array_mut().into_iter().flatten() {
        s["sha256"] = serde_json::Value::Null;
        let path = s["path"].as_str().expect("segment path");
        let named = path.rsplitn(3, '.').nth(2).expect("<school>.<generation>");
        s["path"] = named.to_string().into();
    }
    Some(m)
}

/// The tracker binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_tracker"))
}

/// A `tracker` command against `store` with a clean environment.
pub fn tracker(store: &Path) -> Command {
    let mut c = Command::new(bin());
    c.env_remove("TRACKER_STORE")
        .env_remove("TRACKER_CONFIG")
        .env_remove("TRACKER_FAILPOINT")
        .env_remove("TRACKER_FAILPOINT_LOG")
        .env_remove("TRACKER_FAILPOINT_SLEEP_MS")
        .env("NO_COLOR", "1")
        .arg("--store")
        .arg(store);
    c
}

/// What a reader sees: the manifest without times, and the `subjects` and
/// `windows` exports (the `ingested_at` column blanked).
#[derive(Debug, Clone, PartialEq)]
pub struct Visible {
    pub manifest: Option<serde_json::Value>,
    pub subjects: String,
    pub windows: String,
}

pub fn visible(store: &Path, windows: &[&str]) -> Visible {
    let mut subjects = String::new();
    for w in windows {
        let out = tracker(store)
            .args(["subjects", "--format", "csv", "--window", w])
            .output()
            .unwrap();
        // A window the store does not hold yet is part of the state too.
        subjects.push_str(&format!("{w} exit {:?}\n", out.status.code()));
        subjects.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    let out = tracker(store)
        .args(["windows", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success(), "windows failed: {out:?}");
    let windows_csv: String = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.rsplit_once(',').map_or(l, |(head, _)| head).to_string() + "\n")
        .collect();
    Visible {
        manifest: manifest_without_times(store),
        subjects,
        windows: windows_csv,
    }
}

/// The `strace` binary, if it is installed and can trace here; says why
/// the caller skips otherwise.
pub fn strace() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("strace"))
            .find(|p| p.is_file())
    });
    // strace may be present but unable to trace (no ptrace in a container).
    let works = found.as_ref().is_some_and(|s| {
        Command::new(s)
            .args(["-f", "-qq", "-o", "/dev/null", "true"])
            .status()
            .is_ok_and(|st| st.success())
    });
    if !works {
        eprintln!("skipped: `strace` is missing or cannot trace here; install Debian `strace`");
        return None;
    }
    found
}

/// Run `tracker verify --format csv`: (exit code, rows of findings).
pub fn verify(store: &Path) -> (Option<i32>, Vec<Vec<String>>) {
    let out = tracker(store)
        .args(["verify", "--format", "csv"])
        .output()
        .unwrap();
    let rows = csv::ReaderBuilder::new()
        .from_reader(&out.stdout[..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (out.status.code(), rows)
}

/// Assert stderr shows no panic and the exit code is a deliberate one.
pub fn assert_no_panic(what: &str, out: &std::process::Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{what}: panicked\n{stderr}"
    );
    assert!(
        matches!(out.status.code(), Some(0..=3)),
        "{what}: exit {:?} (signal or panic)\n{stderr}",
        out.status
    );
}

/// Build a small store of the hand-made fixture school under `dir/store`.
pub fn fixture_store(dir: &Path) -> PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/small");
    let store = dir.join("store");
    let files = ["pupils", "bge", "senior", "overrides", "interventions"]
        .map(|k| fixtures.join(format!("{k}.csv")));
    let out = tracker(&store)
        .args(["-q", "ingest", "--window", "2025-26/1"])
        .args(&files)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    store
}

pub const WINDOW: &str = "2025-26/1";
pub const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/small");

/// A store before an ingest `x`, what readers see before and after a clean
/// run of it, and `y`, a later ingest of another window.
pub struct Scenario {
    _dir: tempfile::TempDir,
    pub dir: PathBuf,
    pub before: PathBuf,
    pub before_visible: Visible,
    /// The manifest's bytes before: a store left "as before" has exactly these.
    pub before_manifest: Vec<u8>,
    pub after_visible: Visible,
    pub x: Vec<PathBuf>,
    pub y: PathBuf,
}

/// The ingest under test: replaces pupils, bge and interventions of a
/// window, with a rejected row and a duplicate conflict, so it writes five
/// partitions and three raw copies.
pub fn x_files(dir: &Path) -> Vec<PathBuf> {
    let read = |n: &str| std::fs::read_to_string(Path::new(FIXTURES).join(n)).unwrap();
    let pupils = read("pupils.csv").replace("Arran,F,1,Y", "Skye,F,1,Y")
        + "100000009,Ian,Innes,S2,2B,Bute,M,4,N,N,N,N,N,90.0,101,\n";
    let bge = read("bge.csv").replace(",2b,", ",3a,")
        + "12345,English,2b,1A/En,Ms Reid,1,1,1,\n"
        + "100000009,English,2a,2B/En,Ms Reid,1,1,1,\n"
        + "100000009,English,2c,2B/En,Ms Reid,1,1,1,\n";
    let interventions = read("interventions.csv") + "100000009,Reading group,English,,,\n";
    let mut files = Vec::new();
    for (name, text) in [
        ("pupils2.csv", pupils),
        ("bge2.csv", bge),
        ("interventions2.csv", interventions),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        files.push(p);
    }
    files
}

pub fn ingest(store: &Path, window: &str, files: &[PathBuf]) -> Command {
    let mut c = tracker(store);
    // One writer thread, so the Nth hit of a failpoint is the same hit in
    // the run that lists the points and in the run that is killed there.
    c.env("TRACKER_THREADS", "1");
    c.args(["-q", "ingest", "--window", window]).args(files);
    c
}

pub fn run_ok(mut c: Command, what: &str) {
    let out = c.output().unwrap();
    assert!(out.status.success(), "{what}: {out:?}");
}

/// `before` is how the store starts: "replace" (the fixture school
/// ingested), "first" (only `init`), or "leftovers" (the fixture school
/// plus what a writer killed before its commit left behind).
pub fn scenario(kind: &str) -> Scenario {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let x = x_files(&dir);
    let y = Path::new(FIXTURES).join("w2/senior.csv");
    let before = dir.join("before");
    if kind == "first" {
        run_ok(
            {
                let mut c = tracker(&before);
                c.args(["-q", "init"]);
                c
            },
            "init",
        );
    } else {
        let files: Vec<PathBuf> = ["pupils", "bge", "senior", "overrides", "interventions"]
            .iter()
            .map(|k| Path::new(FIXTURES).join(format!("{k}.csv")))
            .collect();
        run_ok(ingest(&before, WINDOW, &files), "fixture ingest");
    }
    let clean_before = dir.join("clean-before");
    copy_tree(&before, &clean_before);
    if kind == "leftovers" {
        let out = ingest(&before, WINDOW, &x)
            .env("TRACKER_FAILPOINT", "before-manifest")
            .output()
            .unwrap();
        assert_eq!(out.status.signal(), Some(9), "{out:?}");
        std::fs::write(before.join(".tmp-leftover"), b"{").unwrap();
        std::fs::write(
            before.join("bge/school=SCHOOL/window=2025-26_1/.tmp-leftover"),
            b"PAR",
        )
        .unwrap();
        assert!(leftovers(&before).len() >= 8, "{:?}", leftovers(&before));
    }
    let before_visible = visible(&before, &[WINDOW]);
    assert_eq!(before_visible, visible(&clean_before, &[WINDOW]));
    let after = dir.join("after");
    copy_tree(&clean_before, &after);
    run_ok(ingest(&after, WINDOW, &x), "clean ingest");
    let after_visible = visible(&after, &[WINDOW]);
    assert_ne!(before_visible, after_visible);
    let before_manifest = std::fs::read(before.join("manifest.json")).unwrap();
    Scenario {
        _dir: tmp,
        dir,
        before,
        before_visible,
        before_manifest,
        after_visible,
        x,
        y,
    }
}

/// After an interrupted or failed ingest: running it again gives exactly the
/// after state, and the next committing ingest leaves no leftovers.
pub fn settle(sc: &Scenario, work: &Path, label: &str) {
    // Running the ingest again gives exactly the after state.
    let out = ingest(work, WINDOW, &sc.x).output().unwrap();
    assert!(out.status.success(), "{label}: re-ingest: {out:?}");
    assert_eq!(
        visible(work, &[WINDOW]),
        sc.after_visible,
        "{label}: re-ingest"
    );
    // Any writer finishes a commit a kill or an error left unfinished.
    assert_glob_equals_manifest(work, &format!("{label}: after recovery"));
    // The next committing ingest cleans up whatever the kill left.
    let out = ingest(work, "2025-26/2", std::slice::from_ref(&sc.y))
        .output()
        .unwrap();
    assert!(out.status.success(), "{label}: next ingest: {out:?}");
    assert_eq!(leftovers(work), Vec::<String>::new(), "{label}: leftovers");
    assert_eq!(verify(work), (Some(0), vec![]), "{label}: verify after");
    assert_glob_equals_manifest(work, &format!("{label}: after the next ingest"));
    assert!(
        work.join(".clean").exists(),
        "{label}: a committed ingest did not mark the store clean"
    );
}

/// The promise of the clean marker: while it is there, the store holds
/// nothing the manifest does not name.
pub fn assert_marker_true(store: &Path, label: &str) {
    let left = leftovers(store);
    assert!(
        left.is_empty() || !store.join(".clean").exists(),
        "{label}: marked clean beside leftovers {left:?}"
    );
}

/// Plant the four leftovers a killed writer can leave in `fixture_store`'s
/// store, as it leaves them: a temp file in a partition, a partition file
/// of a partition the manifest does not name, a raw copy it does not name,
/// and a temp manifest at the root. The clean marker is removed too (a
/// writer removes it before it writes anything).
#[allow(dead_code)]
pub fn plant_leftovers(store: &Path) {
    let _ = std::fs::remove_file(store.join(".clean"));
    let part = store.join("bge/school=SCHOOL/window=2025-26_1");
    std::fs::write(part.join(".tmp-abc123"), b"half a file").unwrap();
    std::fs::create_dir_all(store.join("senior/school=XYZ/window=2025-26_9")).unwrap();
    std::fs::write(
        store.join("senior/school=XYZ/window=2025-26_9/part-000009-abc.parquet"),
        b"PAR1",
    )
    .unwrap();
    std::fs::write(store.join("raw/0123.csv"), b"a,b").unwrap();
    std::fs::write(store.join(".tmp-manifest"), b"{").unwrap();
}

/// The tables, as in the store.
pub use tracker::store::TABLES;

/// The rows of one Parquet file, each as `partition directory|values`.
fn file_rows(store: &Path, rel: &str) -> Vec<String> {
    use polars::prelude::*;
    let path = store.join(rel);
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let df = ParquetReader::new(file)
        .finish()
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
    let partition = Path::new(rel).parent().unwrap().display().to_string();
    (0..df.height())
        .map(|i| {
            let values: Vec<String> = df
                .columns()
                .iter()
                .map(|c| format!("{}={}", c.name(), c.get(i).unwrap()))
                .collect();
            format!("{partition}|{}", values.join("|"))
        })
        .collect()
}

/// Every table's rows as a glob reader sees them
/// (`read_parquet('<store>/<table>/**/*.parquet', hive_partitioning = true)`):
/// every `*.parquet` file under `<store>/<table>/`, rows sorted.
pub fn glob_rows(store: &Path) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let all = tree(store);
    for table in TABLES {
        let mut rows: Vec<String> = all
            .iter()
            .filter(|(k, (_, bytes))| {
                bytes.is_some() && k.starts_with(&format!("{table}/")) && k.ends_with(".parquet")
            })
            .flat_map(|(k, _)| file_rows(store, k))
            .collect();
        rows.sort();
        out.insert(table.to_string(), rows);
    }
    out
}

/// Every table's rows as the manifest names them, rows sorted.
pub fn manifest_rows(store: &Path) -> BTreeMap<String, Vec<String>> {
    let manifest = manifest::of(store);
    let mut out: BTreeMap<String, Vec<String>> =
        TABLES.iter().map(|t| (t.to_string(), Vec::new())).collect();
    for f in manifest["files"].as_array().unwrap() {
        let table = f["table"].as_str().unwrap();
        let rows = file_rows(store, f["path"].as_str().unwrap());
        out.get_mut(table).expect("a known table").extend(rows);
    }
    for rows in out.values_mut() {
        rows.sort();
    }
    out
}

/// What a glob read of the tables showed after a kill or an error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Glob {
    /// Row for row what the manifest names.
    Equal,
    /// Not yet: a commit a kill or an error left unfinished, which `verify`
    /// reports and the next writer finishes (SPEC 11.5).
    Unfinished,
}

/// SPEC 11.5: a glob read of each table equals the manifest's rows, or the
/// manifest's commit is unfinished and `verify` says so.
pub fn check_glob(store: &Path, label: &str) -> Glob {
    let (code, rows) = verify(store);
    let unfinished = rows.iter().any(|r| r[1] == "unfinished_commit");
    if !unfinished {
        assert_glob_equals_manifest(store, label);
        return Glob::Equal;
    }
    assert_eq!(code, Some(0), "{label}: verify: {rows:?}");
    let manifest = manifest::of(store);
    let in_place = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| store.join(f["path"].as_str().unwrap()).exists());
    // With every named file in place, only superseded files can be left.
    if in_place && glob_rows(store) == manifest_rows(store) {
        Glob::Equal
    } else {
        Glob::Unfinished
    }
}

/// A glob read of each table equals the manifest's rows, row for row.
pub fn assert_glob_equals_manifest(store: &Path, label: &str) {
    let (glob, named) = (glob_rows(store), manifest_rows(store));
    for table in TABLES {
        assert!(
            glob[table] == named[table],
            "{label}: a glob read of `{table}` is not what the manifest names\nglob: {:#?}\nmanifest: {:#?}",
            glob[table],
            named[table]
        );
    }
}
