//! Kill at every point: the store is exactly as before or exactly as after.
//!
//! Each scenario runs one ingest with `TRACKER_FAILPOINT_LOG` to list every
//! failpoint it passes (each hit as `name#N`), then for each point starts
//! from the same store, kills the ingest there (SIGKILL, from inside), and
//! checks that (1) what readers see is exactly the store before or exactly
//! the store after a clean run, (2) `tracker verify` finds no damage (only
//! leftovers), (3) running the ingest again gives exactly the after state,
//! and the next committing ingest leaves no leftovers. Random kill delays
//! (SIGKILL from outside) cover the moments between failpoints.
//!
//! Needs `--features failpoints`; without it the failpoint tests skip.

mod safety;
use safety::{Visible, copy_tree, leftovers, tracker, verify, visible};

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const WINDOW: &str = "2025-26/1";
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/small");

struct Scenario {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    before: PathBuf,
    before_visible: Visible,
    after_visible: Visible,
    x: Vec<PathBuf>,
    y: PathBuf,
}

/// The ingest under test: replaces pupils, bge and interventions of a
/// window, with a rejected row and a duplicate conflict, so it writes five
/// partitions and three raw copies.
fn x_files(dir: &Path) -> Vec<PathBuf> {
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

fn ingest(store: &Path, window: &str, files: &[PathBuf]) -> Command {
    let mut c = tracker(store);
    c.args(["-q", "ingest", "--window", window]).args(files);
    c
}

fn run_ok(mut c: Command, what: &str) {
    let out = c.output().unwrap();
    assert!(out.status.success(), "{what}: {out:?}");
}

/// `before` is how the store starts: "replace" (the fixture school
/// ingested), "first" (only `init`), or "leftovers" (the fixture school
/// plus what a writer killed before its commit left behind).
fn scenario(kind: &str) -> Scenario {
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
    Scenario {
        _dir: tmp,
        dir,
        before,
        before_visible,
        after_visible,
        x,
        y,
    }
}

/// Every failpoint hit of a clean run of the ingest, in order.
fn points(sc: &Scenario) -> Vec<String> {
    let work = sc.dir.join("discover");
    copy_tree(&sc.before, &work);
    let log = sc.dir.join("failpoints.log");
    let out = ingest(&work, WINDOW, &sc.x)
        .env("TRACKER_FAILPOINT_LOG", &log)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Before,
    After,
}

/// The three checks after a kill; returns which state the kill left.
fn check_after_kill(sc: &Scenario, work: &Path, label: &str) -> Outcome {
    let seen = visible(work, &[WINDOW]);
    let outcome = if seen == sc.before_visible {
        Outcome::Before
    } else if seen == sc.after_visible {
        Outcome::After
    } else {
        panic!(
            "{label}: the store is neither before nor after\nseen: {seen:#?}\nbefore: {:#?}\nafter: {:#?}",
            sc.before_visible, sc.after_visible
        );
    };
    let (code, rows) = verify(work);
    assert_eq!(code, Some(0), "{label}: verify found damage: {rows:?}");
    assert!(
        rows.iter().all(|r| r[1] == "leftover"),
        "{label}: verify: {rows:?}"
    );
    // Running the ingest again gives exactly the after state.
    let out = ingest(work, WINDOW, &sc.x).output().unwrap();
    assert!(out.status.success(), "{label}: re-ingest: {out:?}");
    assert_eq!(
        visible(work, &[WINDOW]),
        sc.after_visible,
        "{label}: re-ingest"
    );
    // The next committing ingest cleans up whatever the kill left.
    let out = ingest(work, "2025-26/2", std::slice::from_ref(&sc.y))
        .output()
        .unwrap();
    assert!(out.status.success(), "{label}: next ingest: {out:?}");
    assert_eq!(leftovers(work), Vec::<String>::new(), "{label}: leftovers");
    assert_eq!(verify(work), (Some(0), vec![]), "{label}: verify after");
    outcome
}

fn failpoints_compiled() -> bool {
    if cfg!(feature = "failpoints") {
        return true;
    }
    eprintln!("skipped: build with `--features failpoints` to kill at every failpoint");
    false
}

/// Kill at every failpoint hit of one scenario; returns how many were tried.
fn kill_at_every_point(kind: &str) -> usize {
    let sc = scenario(kind);
    let points = points(&sc);
    let names: std::collections::BTreeSet<&str> = points
        .iter()
        .map(|p| p.split('#').next().unwrap())
        .collect();
    for want in [
        "begin",
        "leftovers-removed",
        "tmp-created",
        "tmp-written",
        "before-rename",
        "after-rename",
        "partition-written",
        "raw-written",
        "dir-synced",
        "before-manifest",
        "after-manifest",
        "after-cleanup",
    ] {
        assert!(
            names.contains(want),
            "{kind}: failpoint `{want}` not reached: {points:?}"
        );
    }
    let (mut before, mut after) = (0, 0);
    let work = sc.dir.join("work");
    for point in &points {
        copy_tree(&sc.before, &work);
        let out = ingest(&work, WINDOW, &sc.x)
            .env("TRACKER_FAILPOINT", point)
            .output()
            .unwrap();
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGKILL),
            "{kind} {point}: not killed: {out:?}"
        );
        match check_after_kill(&sc, &work, &format!("{kind} {point}")) {
            Outcome::Before => before += 1,
            Outcome::After => after += 1,
        }
    }
    eprintln!(
        "{kind}: killed at {} failpoints ({} distinct names): {before} left the store before, {after} after",
        points.len(),
        names.len()
    );
    assert!(
        before > 0 && after > 0,
        "{kind}: {before} before, {after} after"
    );
    points.len()
}

#[test]
fn kill_at_every_failpoint_of_an_ingest_that_replaces_data() {
    if failpoints_compiled() {
        let n = kill_at_every_point("replace");
        assert!(n >= 40, "only {n} kill points");
    }
}

#[test]
fn kill_at_every_failpoint_of_the_first_ingest_into_a_new_store() {
    if failpoints_compiled() {
        kill_at_every_point("first");
    }
}

#[test]
fn kill_at_every_failpoint_while_cleaning_a_crashed_writers_leftovers() {
    if failpoints_compiled() {
        let sc = scenario("leftovers");
        let removals = points(&sc)
            .iter()
            .filter(|p| p.starts_with("file-removed") || p.starts_with("dir-removed"))
            .count();
        assert!(removals >= 8, "{removals} removals");
        kill_at_every_point("leftovers");
    }
}

/// A small deterministic generator, so a failing run can be repeated with
/// `TRACKER_CRASH_SEED`.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

#[test]
fn kill_after_random_delays() {
    let sc = scenario("replace");
    let seed = std::env::var("TRACKER_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    let mut rng = Rng(seed);
    // How long a clean run takes here, so the delays cover all of it.
    let work = sc.dir.join("timing");
    copy_tree(&sc.before, &work);
    let start = Instant::now();
    run_ok(ingest(&work, WINDOW, &sc.x), "timing run");
    let span = start.elapsed().as_micros() as u64 * 6 / 5;
    let iterations = 40;
    let (mut killed, mut before, mut after) = (0, 0, 0);
    let work = sc.dir.join("work");
    for i in 0..iterations {
        copy_tree(&sc.before, &work);
        let delay = Duration::from_micros(rng.below(span));
        let mut child = ingest(&work, WINDOW, &sc.x).spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.signal() == Some(libc::SIGKILL) {
            killed += 1;
        } else {
            assert!(status.success(), "iteration {i}: {status:?}");
        }
        let label = format!("seed {seed} iteration {i} delay {delay:?}");
        match check_after_kill(&sc, &work, &label) {
            Outcome::Before => before += 1,
            Outcome::After => after += 1,
        }
    }
    eprintln!(
        "random kills (seed {seed}): {iterations} runs over 0..{span} us, {killed} killed; {before} left the store before, {after} after"
    );
}
