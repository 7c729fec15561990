//! Concurrency: writers at once all commit (or time out clearly) and none is
//! lost; a report never sees a commit half-made; a writer killed while it
//! holds the lock does not block the next; a second writer waits up to
//! `--lock-timeout`, then exits 1 saying why.

mod safety;
use safety::{FIXTURES, WINDOW, copy_tree, fixture_store, ingest, leftovers, tracker, verify};

use std::path::{Path, PathBuf};
use std::process::{Child, Output};
use std::time::{Duration, Instant};

const OTHER_WINDOWS: [&str; 4] = ["2025-26/2", "2025-26/3", "2025-26/4", "2026-27/1"];

fn bge() -> PathBuf {
    Path::new(FIXTURES).join("bge.csv")
}

fn manifest_windows(store: &Path) -> Vec<String> {
    let m: serde_json::Value = safety::manifest::of(store);
    let mut w: Vec<String> = m["ingests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "bge")
        .map(|r| r["window"].as_str().unwrap().to_string())
        .collect();
    w.sort();
    w
}

/// Start the four ingests as close together as possible.
fn four_at_once(store: &Path, timeout: &str) -> Vec<(String, Output)> {
    let children: Vec<(String, Child)> = OTHER_WINDOWS
        .iter()
        .map(|w| {
            let mut c = tracker(store);
            c.args(["-q", "--lock-timeout", timeout, "ingest", "--window", w])
                .arg(bge())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            (w.to_string(), c.spawn().unwrap())
        })
        .collect();
    children
        .into_iter()
        .map(|(w, c)| (w, c.wait_with_output().unwrap()))
        .collect()
}

#[test]
fn four_ingests_of_different_windows_at_once_all_commit() {
    let dir = tempfile::tempdir().unwrap();
    let base = fixture_store(dir.path());
    let store = dir.path().join("work");
    let rounds = 5;
    for round in 0..rounds {
        copy_tree(&base, &store);
        for (w, out) in four_at_once(&store, "30") {
            safety::assert_no_panic(&w, &out);
            assert!(out.status.success(), "round {round} {w}: {out:?}");
        }
        let mut want: Vec<String> = OTHER_WINDOWS.iter().map(|w| w.to_string()).collect();
        want.push(WINDOW.to_string());
        want.sort();
        assert_eq!(manifest_windows(&store), want, "round {round}");
        let windows = tracker(&store)
            .args(["windows", "--format", "csv"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&windows.stdout);
        for w in OTHER_WINDOWS {
            assert!(text.contains(&format!("SCHOOL,{w},bge,24,")), "{text}");
        }
        assert_eq!(verify(&store), (Some(0), vec![]), "round {round}");
        assert!(leftovers(&store).is_empty(), "round {round}");
    }
    eprintln!(
        "{} concurrent ingests in {rounds} rounds of four: all committed",
        rounds * 4
    );
}

#[test]
fn writers_that_cannot_wait_exit_1_and_the_others_are_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let base = fixture_store(dir.path());
    let store = dir.path().join("work");
    let (mut committed, mut timed_out) = (0, 0);
    for round in 0..5 {
        copy_tree(&base, &store);
        let mut want = vec![WINDOW.to_string()];
        for (w, out) in four_at_once(&store, "0") {
            safety::assert_no_panic(&w, &out);
            let stderr = String::from_utf8_lossy(&out.stderr);
            match out.status.code() {
                Some(0) => {
                    committed += 1;
                    want.push(w);
                }
                Some(1) => {
                    timed_out += 1;
                    assert!(
                        stderr.contains("is locked by another tracker command; waited 0.0 s")
                            && stderr.contains("--lock-timeout"),
                        "round {round} {w}: {stderr}"
                    );
                }
                other => panic!("round {round} {w}: exit {other:?}: {stderr}"),
            }
        }
        want.sort();
        assert_eq!(manifest_windows(&store), want, "round {round}");
        assert_eq!(verify(&store), (Some(0), vec![]), "round {round}");
    }
    eprintln!("--lock-timeout 0: {committed} committed, {timed_out} timed out, none lost");
    assert!(committed >= 5, "{committed}");
}

fn subjects(store: &Path) -> Output {
    tracker(store)
        .args(["subjects", "--format", "csv", "--window", WINDOW])
        .output()
        .unwrap()
}

#[test]
fn a_report_during_ingests_sees_before_or_after_never_between() {
    let dir = tempfile::tempdir().unwrap();
    let base = fixture_store(dir.path());
    let read = |n: &str| std::fs::read_to_string(Path::new(FIXTURES).join(n)).unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    std::fs::write(&a, read("bge.csv").replace(",2b,", ",3a,")).unwrap();
    std::fs::write(&b, read("bge.csv").replace(",2b,", ",1c,")).unwrap();
    // The three states a reader may see, each made on a store of its own.
    let state = |file: Option<&Path>| -> String {
        let s = dir.path().join("state");
        copy_tree(&base, &s);
        if let Some(f) = file {
            let out = ingest(&s, WINDOW, &[f.to_path_buf()]).output().unwrap();
            assert!(out.status.success());
        }
        String::from_utf8(subjects(&s).stdout).unwrap()
    };
    let states = [state(None), state(Some(&a)), state(Some(&b))];
    assert!(states[0] != states[1] && states[1] != states[2] && states[0] != states[2]);

    let store = dir.path().join("work");
    copy_tree(&base, &store);
    let writes = 16;
    let writer = {
        let store = store.clone();
        let (a, b) = (a.clone(), b.clone());
        std::thread::spawn(move || {
            for i in 0..writes {
                let f = if i % 2 == 0 { &a } else { &b };
                let mut c = ingest(&store, WINDOW, std::slice::from_ref(f));
                // Hold the lock a while with new partition files already
                // renamed into place, the manifest not yet swapped.
                if cfg!(feature = "failpoints") {
                    c.env("TRACKER_FAILPOINT", "partition-written")
                        .env("TRACKER_FAILPOINT_SLEEP_MS", "40");
                }
                let out = c.output().unwrap();
                assert!(out.status.success(), "write {i}: {out:?}");
            }
        })
    };
    let mut seen = [0usize; 3];
    while !writer.is_finished() {
        let out = subjects(&store);
        safety::assert_no_panic("subjects", &out);
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        let i = states
            .iter()
            .position(|s| *s == text)
            .unwrap_or_else(|| panic!("a report saw a state between commits:\n{text}"));
        seen[i] += 1;
    }
    writer.join().unwrap();
    eprintln!(
        "{} reports during {writes} ingests: {} saw the fixture, {} after A, {} after B",
        seen.iter().sum::<usize>(),
        seen[0],
        seen[1],
        seen[2]
    );
    assert!(
        seen[1] + seen[2] > 0,
        "no report overlapped the ingests: {seen:?}"
    );
    assert_eq!(verify(&store), (Some(0), vec![]));
}

#[test]
#[cfg_attr(
    not(feature = "failpoints"),
    ignore = "needs `--features failpoints` to pause a writer"
)]
fn a_writer_killed_holding_the_lock_does_not_block_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path());
    let log = dir.path().join("points.log");
    // A writer that stops just before its commit, holding the lock.
    let mut stuck = ingest(&store, "2025-26/2", &[bge()])
        .env("TRACKER_FAILPOINT", "before-manifest")
        .env("TRACKER_FAILPOINT_SLEEP_MS", "60000")
        .env("TRACKER_FAILPOINT_LOG", &log)
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !std::fs::read_to_string(&log).is_ok_and(|l| l.contains("before-manifest")) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the writer never got there"
        );
        std::thread::sleep(Duration::from_millis(10));
    }

    // A second writer waits for --lock-timeout, then exits 1 saying why.
    let start = Instant::now();
    let out = tracker(&store)
        .args(["--lock-timeout", "0.6", "ingest", "--window", "2025-26/3"])
        .arg(bge())
        .output()
        .unwrap();
    let waited = start.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("is locked by another tracker command; waited 0.6 s")
            && stderr.contains("hint: wait for it to finish, or raise `--lock-timeout`"),
        "{stderr}"
    );
    assert!(
        waited >= Duration::from_millis(600) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    // So does a report: it cannot read while a commit is under way.
    let out = tracker(&store)
        .args(["--lock-timeout", "0.2", "subjects"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");

    // Kill the stuck writer: the kernel drops its lock with it.
    stuck.kill().unwrap();
    stuck.wait().unwrap();
    let start = Instant::now();
    let out = tracker(&store)
        .args([
            "-q",
            "--lock-timeout",
            "5",
            "ingest",
            "--window",
            "2025-26/3",
        ])
        .arg(bge())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(manifest_windows(&store), ["2025-26/1", "2025-26/3"]);
    assert_eq!(verify(&store), (Some(0), vec![]));
    assert!(leftovers(&store).is_empty(), "{:?}", leftovers(&store));
}
