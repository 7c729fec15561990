//! Kill at every point: the store is exactly as before or exactly as after.
//!
//! Each scenario runs one ingest with `TRACKER_FAILPOINT_LOG` to list every
//! failpoint it passes (each hit as `name#N`), then for each point starts
//! from the same store, kills the ingest there (SIGKILL, from inside), and
//! checks that (1) what readers see is exactly the store before or exactly
//! the store after a clean run, (2) `tracker verify` finds no damage (only
//! leftovers), and the clean marker (`.clean`) is not there if leftovers
//! are, (3) running the ingest again gives exactly the after state, and the
//! next committing ingest leaves no leftovers and marks the store clean.
//! At every kill point, and again after the next writer has run, a glob read
//! of each table (every `*.parquet` file under `<store>/<table>/`, as DuckDB
//! reads it) equals the manifest's rows (SPEC 11.5); between a kill after
//! the manifest swap and the next writer it may not yet, and `verify` must
//! then report the unfinished commit. Random kill delays
//! (SIGKILL from outside) cover the moments between failpoints.
//!
//! Needs `--features failpoints`; without it the failpoint tests skip.

mod safety;
use safety::{
    Glob, Scenario, WINDOW, assert_marker_true, check_glob, copy_tree, ingest, leftovers, run_ok,
    scenario, settle, verify, visible,
};

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::time::{Duration, Instant};

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

/// The checks after a kill; returns which state the kill left, and what a
/// glob read of the tables showed.
fn check_after_kill(sc: &Scenario, work: &Path, label: &str) -> (Outcome, Glob) {
    let seen = visible(work, &[WINDOW]);
    let outcome = if seen == sc.before_visible {
        let bytes = std::fs::read(work.join("manifest.json")).unwrap();
        assert!(
            bytes == sc.before_manifest,
            "{label}: manifest bytes changed"
        );
        Outcome::Before
    } else if seen == sc.after_visible {
        Outcome::After
    } else {
        panic!(
            "{label}: the store is neither before nor after\nseen: {seen:#?}\nbefore: {:#?}\nafter: {:#?}",
            sc.before_visible, sc.after_visible
        );
    };
    assert_marker_true(work, label);
    let (code, rows) = verify(work);
    assert_eq!(code, Some(0), "{label}: verify found damage: {rows:?}");
    assert!(
        rows.iter()
            .all(|r| r[1] == "leftover"
                || (r[1] == "unfinished_commit" && outcome == Outcome::After)),
        "{label}: verify: {rows:?}"
    );
    // Before the commit point the glob read equals the manifest at once.
    let glob = check_glob(work, label);
    assert!(
        outcome == Outcome::After || glob == Glob::Equal,
        "{label}: killed before the commit point, yet the glob read is not the manifest's"
    );
    // `settle` runs the next writers and checks the glob read after each.
    settle(sc, work, label);
    (outcome, glob)
}

/// How many kill points a glob read was checked at, and how many of those
/// needed the next writer to equal the manifest.
#[derive(Default)]
struct GlobCount {
    checked: usize,
    unfinished: usize,
}

impl GlobCount {
    fn add(&mut self, glob: Glob) {
        self.checked += 1;
        if glob == Glob::Unfinished {
            self.unfinished += 1;
        }
    }
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
        "marker-removed",
        "tmp-created",
        "tmp-written",
        "before-rename",
        "after-rename",
        "partition-written",
        "raw-written",
        "dir-synced",
        "before-manifest",
        "journal-written",
        "after-manifest",
        "file-moved",
        "journal-removed",
        "after-cleanup",
        "marker-written",
    ] {
        assert!(
            names.contains(want),
            "{kind}: failpoint `{want}` not reached: {points:?}"
        );
    }
    let (mut before, mut after) = (0, 0);
    let mut globs = GlobCount::default();
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
        let (outcome, glob) = check_after_kill(&sc, &work, &format!("{kind} {point}"));
        match outcome {
            Outcome::Before => before += 1,
            Outcome::After => after += 1,
        }
        globs.add(glob);
    }
    eprintln!(
        "{kind}: killed at {} failpoints ({} distinct names): {before} left the store before, {after} after; glob read checked at {} kill points ({} equal at once, {} once the next writer finished the commit) and after recovery at each",
        points.len(),
        names.len(),
        globs.checked,
        globs.checked - globs.unfinished,
        globs.unfinished
    );
    assert!(
        globs.unfinished > 0,
        "{kind}: no kill fell inside the moves"
    );
    assert!(
        before > 0 && after > 0,
        "{kind}: {before} before, {after} after"
    );
    points.len()
}

#[test]
#[cfg_attr(
    not(feature = "failpoints"),
    ignore = "needs `--features failpoints` to kill at every failpoint"
)]
fn kill_at_every_failpoint_of_an_ingest_that_replaces_data() {
    let n = kill_at_every_point("replace");
    assert!(n >= 40, "only {n} kill points");
}

#[test]
#[cfg_attr(
    not(feature = "failpoints"),
    ignore = "needs `--features failpoints` to kill at every failpoint"
)]
fn kill_at_every_failpoint_of_the_first_ingest_into_a_new_store() {
    kill_at_every_point("first");
}

#[test]
#[cfg_attr(
    not(feature = "failpoints"),
    ignore = "needs `--features failpoints` to kill at every failpoint"
)]
fn kill_at_every_failpoint_while_cleaning_a_crashed_writers_leftovers() {
    let sc = scenario("leftovers");
    let removals = points(&sc)
        .iter()
        .filter(|p| p.starts_with("file-removed") || p.starts_with("dir-removed"))
        .count();
    assert!(removals >= 8, "{removals} removals");
    kill_at_every_point("leftovers");
}

#[test]
#[cfg_attr(
    not(feature = "failpoints"),
    ignore = "needs `--features failpoints` to kill at every failpoint"
)]
fn a_killed_writer_leaves_the_store_unmarked_and_the_next_ingest_removes_its_leftovers() {
    let sc = scenario("replace");
    let work = sc.dir.join("work");
    copy_tree(&sc.before, &work);
    assert!(
        work.join(".clean").exists(),
        "a clean ingest marks the store"
    );
    let out = ingest(&work, WINDOW, &sc.x)
        .env("TRACKER_FAILPOINT", "before-manifest")
        .output()
        .unwrap();
    assert_eq!(out.status.signal(), Some(libc::SIGKILL), "{out:?}");
    assert!(
        !leftovers(&work).is_empty(),
        "the kill left nothing to find"
    );
    assert!(!work.join(".clean").exists(), "killed, yet marked clean");
    // Its files were staged outside the tables: a glob read does not see them.
    safety::assert_glob_equals_manifest(&work, "killed before the commit point");
    // The next ingest (of another window, so it does not rewrite what the
    // killed one wrote) walks the store and removes them.
    run_ok(
        ingest(&work, "2025-26/2", std::slice::from_ref(&sc.y)),
        "next ingest",
    );
    assert_eq!(leftovers(&work), Vec::<String>::new());
    assert_eq!(verify(&work), (Some(0), vec![]));
    assert!(work.join(".clean").exists(), "not marked clean again");
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
    let mut globs = GlobCount::default();
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
        let (outcome, glob) = check_after_kill(&sc, &work, &label);
        match outcome {
            Outcome::Before => before += 1,
            Outcome::After => after += 1,
        }
        globs.add(glob);
    }
    eprintln!(
        "random kills (seed {seed}): {iterations} runs over 0..{span} us, {killed} killed; {before} left the store before, {after} after; glob read checked at {} ({} unfinished until the next writer)",
        globs.checked, globs.unfinished
    );
}

#[test]
#[cfg_attr(
    not(feature = "failpoints"),
    ignore = "needs `--features failpoints` to kill at every failpoint"
)]
fn a_kill_between_the_commit_and_the_moves_is_reported_and_any_ingest_finishes_it() {
    let sc = scenario("replace");
    let work = sc.dir.join("work");
    copy_tree(&sc.before, &work);
    let out = ingest(&work, WINDOW, &sc.x)
        .env("TRACKER_FAILPOINT", "file-moved#1")
        .output()
        .unwrap();
    assert_eq!(out.status.signal(), Some(libc::SIGKILL), "{out:?}");
    // Committed: reports read the manifest's view, files still staged included.
    assert_eq!(visible(&work, &[WINDOW]), sc.after_visible);
    assert_eq!(
        check_glob(&work, "killed after the commit"),
        Glob::Unfinished
    );
    let (code, rows) = verify(&work);
    assert_eq!(code, Some(0), "{rows:?}");
    let unfinished: Vec<_> = rows
        .iter()
        .filter(|r| r[1] == "unfinished_commit")
        .collect();
    assert_eq!(unfinished.len(), 1, "{rows:?}");
    assert!(unfinished[0][2].starts_with(".txn/"), "{rows:?}");
    assert!(unfinished[0][3].contains("tracker ingest"), "{rows:?}");
    // An ingest that changes nothing (the same files again) finishes it.
    run_ok(ingest(&work, WINDOW, &sc.x), "the same ingest again");
    safety::assert_glob_equals_manifest(&work, "after the next ingest");
    assert!(!work.join(".txn").exists(), "the journal is still there");
    assert_eq!(visible(&work, &[WINDOW]), sc.after_visible);
    assert!(leftovers(&work).is_empty(), "{:?}", leftovers(&work));
}

#[test]
#[cfg_attr(
    not(feature = "failpoints"),
    ignore = "needs `--features failpoints` to kill at every failpoint"
)]
fn kill_at_every_failpoint_of_a_writer_that_finishes_an_unfinished_commit() {
    let sc = scenario("replace");
    // The store as an ingest killed after its commit point, before its
    // first move, leaves it.
    let unfinished = sc.dir.join("unfinished");
    copy_tree(&sc.before, &unfinished);
    let out = ingest(&unfinished, WINDOW, &sc.x)
        .env("TRACKER_FAILPOINT", "file-moved#1")
        .output()
        .unwrap();
    assert_eq!(out.status.signal(), Some(libc::SIGKILL), "{out:?}");
    assert_eq!(check_glob(&unfinished, "unfinished"), Glob::Unfinished);
    // The next writer, an ingest of another window, killed at each point.
    let next = std::slice::from_ref(&sc.y);
    let discover = sc.dir.join("discover-next");
    copy_tree(&unfinished, &discover);
    let log = sc.dir.join("failpoints-next.log");
    run_ok(
        {
            let mut c = ingest(&discover, "2025-26/2", next);
            c.env("TRACKER_FAILPOINT_LOG", &log);
            c
        },
        "next ingest",
    );
    let after_next = visible(&discover, &[WINDOW]);
    let points: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert!(
        points
            .iter()
            .filter(|p| p.starts_with("file-moved"))
            .count()
            >= 5,
        "the recovery and the ingest both move files: {points:?}"
    );
    let mut globs = GlobCount::default();
    let work = sc.dir.join("work");
    for point in &points {
        let label = format!("next writer {point}");
        copy_tree(&unfinished, &work);
        let out = ingest(&work, "2025-26/2", next)
            .env("TRACKER_FAILPOINT", point)
            .output()
            .unwrap();
        assert_eq!(out.status.signal(), Some(libc::SIGKILL), "{label}: {out:?}");
        assert_marker_true(&work, &label);
        let (code, rows) = verify(&work);
        assert_eq!(code, Some(0), "{label}: verify found damage: {rows:?}");
        // The commit it was finishing, and its own or not.
        let seen = visible(&work, &[WINDOW]);
        assert!(
            seen == sc.after_visible || seen == after_next,
            "{label}: neither before nor after the next ingest"
        );
        globs.add(check_glob(&work, &label));
        run_ok(ingest(&work, "2025-26/2", next), &label);
        safety::assert_glob_equals_manifest(&work, &format!("{label}: after recovery"));
        assert_eq!(leftovers(&work), Vec::<String>::new(), "{label}: leftovers");
        assert_eq!(verify(&work), (Some(0), vec![]), "{label}: verify after");
    }
    eprintln!(
        "next writer: killed at {} failpoints; glob read checked at {} ({} equal at once, {} once the next writer finished) and after recovery at each",
        points.len(),
        globs.checked,
        globs.checked - globs.unfinished,
        globs.unfinished
    );
}
