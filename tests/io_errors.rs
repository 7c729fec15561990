//! I/O errors: make the Nth call of a system call fail, for every N.
//!
//! `strace -f -e inject=SYSCALL:error=ERRNO:when=N` fails exactly the Nth
//! call (per thread) of an ingest that replaces data. N sweeps from 1 to the
//! number of calls a clean run makes. Every run must exit 0 (the failure was
//! harmless, e.g. a progress message or post-commit cleanup) with the store
//! exactly as after, or exit 1 with a message that names the error, with the
//! store exactly as before; never panic; and leave nothing behind once the
//! next ingest has run. A file-size limit (RLIMIT_FSIZE) stands in for a
//! full disk. Skips with a message when `strace` is missing.
//!
//! At every injection point, and again after the next writer has run, a
//! glob read of each table (every `*.parquet` file under `<store>/<table>/`)
//! equals the manifest's rows (SPEC 11.5); after an error past the manifest
//! swap it may need the next writer, and `verify` must say so meanwhile.

mod safety;
use safety::{
    Glob, Scenario, WINDOW, assert_no_panic, bin, check_glob, copy_tree, ingest, run_ok, scenario,
    settle, strace, tracker, visible,
};

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output};

fn x_args(sc: &Scenario, store: &Path) -> Vec<String> {
    let mut args = vec![
        "--store".to_string(),
        store.display().to_string(),
        "ingest".into(),
        "--window".into(),
        WINDOW.into(),
    ];
    args.extend(sc.x.iter().map(|p| p.display().to_string()));
    args
}

/// The ingest under strace with an optional injection; `trace` collects
/// the traced calls when given.
fn traced(strace: &Path, set: &str, inject: Option<&str>, trace: &Path, args: &[String]) -> Output {
    let mut c = Command::new(strace);
    c.args(["-f", "-qq", "-o"])
        .arg(trace)
        .arg(format!("--trace={set}"));
    if let Some(i) = inject {
        c.arg(format!("--inject={set}:{i}"));
    }
    c.arg(bin())
        .args(args)
        .env_remove("TRACKER_STORE")
        .env_remove("TRACKER_CONFIG")
        .env_remove("TRACKER_FAILPOINT")
        // cargo's library path for the test would only add failed probes
        // by the dynamic loader to sweep through.
        .env_remove("LD_LIBRARY_PATH")
        // strace counts `when=N` per thread: one thread makes the Nth call
        // of the run the one that fails.
        .env("TRACKER_THREADS", "1")
        .env("NO_COLOR", "1");
    c.output().unwrap()
}

/// How the store starts: marked clean by the ingest that made it (so the
/// ingest under test skips the walk for leftovers), or without the marker,
/// as a store of an earlier version or after a killed writer (so it walks).
#[derive(Clone, Copy, PartialEq)]
enum Start {
    Marked,
    Unmarked,
}

fn start(sc: &Scenario, work: &Path, how: Start) {
    copy_tree(&sc.before, work);
    let marker = work.join(".clean");
    assert!(marker.exists(), "the scenario's store is not marked clean");
    if how == Start::Unmarked {
        std::fs::remove_file(marker).unwrap();
    }
}

/// Sweep N over every call of `set` a clean run makes; returns (runs, failed).
fn sweep(set: &str, errno: &str, message: &str) -> (usize, usize) {
    sweep_from(Start::Marked, set, errno, message)
}

fn sweep_from(how: Start, set: &str, errno: &str, message: &str) -> (usize, usize) {
    let swept = sweep_counting(how, set, errno, message);
    (swept.calls, swept.failed)
}

struct Swept {
    calls: usize,
    failed: usize,
    /// Runs after which a glob read needed the next writer to equal the
    /// manifest (an unfinished commit).
    unfinished: usize,
}

fn sweep_counting(how: Start, set: &str, errno: &str, message: &str) -> Swept {
    let strace = strace().expect("strace, found when the tests were built");
    let sc = scenario("replace");
    let work = sc.dir.join("work");
    start(&sc, &work, how);
    let trace = sc.dir.join("trace");
    let clean = traced(&strace, set, None, &trace, &x_args(&sc, &work));
    assert!(clean.status.success(), "{clean:?}");
    // Injection counts calls per thread: sweep up to the busiest thread's.
    let mut per_thread: std::collections::BTreeMap<String, usize> = Default::default();
    for line in std::fs::read_to_string(&trace).unwrap().lines() {
        if line.contains("+++") || line.contains("---") || line.contains("resumed>") {
            continue;
        }
        let pid = line.split_whitespace().next().unwrap_or_default();
        *per_thread.entry(pid.to_string()).or_default() += 1;
    }
    let calls = per_thread.values().copied().max().unwrap_or(0);
    assert!(calls > 0, "{set}: no calls traced");
    let (mut failed, mut harmless, mut not_started) = (0, 0, 0);
    let (mut globs, mut unfinished) = (0, 0);
    for n in 1..=calls {
        let label = format!("{set}:error={errno}:when={n}");
        start(&sc, &work, how);
        let out = traced(
            &strace,
            set,
            Some(&format!("error={errno}:when={n}")),
            Path::new("/dev/null"),
            &x_args(&sc, &work),
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        let seen = visible(&work, &[WINDOW]);
        if out.status.code() == Some(127) && stderr.contains("error while loading shared libraries")
        {
            // The dynamic loader's own reads, before tracker runs at all.
            not_started += 1;
            assert!(seen == sc.before_visible, "{label}");
            continue;
        }
        assert_no_panic(&label, &out);
        match out.status.code() {
            Some(1) => {
                failed += 1;
                assert!(
                    // A failed write to stderr can lose the newline before it.
                    stderr.contains("error: "),
                    "{label}: no error message\n{stderr}"
                );
                assert!(
                    stderr.contains(message),
                    "{label}: the cause is not named\n{stderr}"
                );
                assert!(
                    seen == sc.before_visible,
                    "{label}: failed but changed the store\n{stderr}\n{seen:#?}"
                );
                let bytes = std::fs::read(work.join("manifest.json")).unwrap();
                assert!(
                    bytes == sc.before_manifest,
                    "{label}: manifest bytes changed"
                );
            }
            Some(0) => {
                harmless += 1;
                assert!(
                    seen == sc.after_visible,
                    "{label}: succeeded but the store is not as after\n{stderr}"
                );
            }
            other => panic!("{label}: exit {other:?}\n{stderr}"),
        }
        let glob = check_glob(&work, &label);
        assert!(
            out.status.code() == Some(0) || glob == Glob::Equal,
            "{label}: failed, yet the glob read is not the manifest's"
        );
        globs += 1;
        if glob == Glob::Unfinished {
            unfinished += 1;
        }
        // `settle` runs the next writers and checks the glob read after each.
        settle(&sc, &work, &label);
    }
    eprintln!(
        "{set}:error={errno}: {calls} injection points: {failed} failed cleanly, {harmless} harmless, {not_started} stopped the dynamic loader; glob read checked at {globs} ({unfinished} unfinished until the next writer) and after recovery at each"
    );
    Swept {
        calls,
        failed,
        unfinished,
    }
}

#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace (.ci/run installs it)")]
fn write_fails_with_enospc() {
    let (calls, failed) = sweep("write", "ENOSPC", "No space left on device");
    assert!(calls > 0 && failed >= 4, "{failed} of {calls}");
}

/// How many calls of a clean run of the ingest that `counts` come after the
/// manifest is renamed into place.
fn calls_after_the_commit(strace: &Path, counts: fn(&str) -> bool) -> usize {
    let sc = scenario("replace");
    let work = sc.dir.join("work");
    start(&sc, &work, Start::Marked);
    let trace = sc.dir.join("trace");
    let set = "fsync,fdatasync,?rename,renameat,?renameat2";
    let clean = traced(strace, set, None, &trace, &x_args(&sc, &work));
    assert!(clean.status.success(), "{clean:?}");
    let text = std::fs::read_to_string(&trace).unwrap();
    let calls: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("rename") || l.contains("sync("))
        .collect();
    let swap = calls
        .iter()
        .position(|l| l.contains("rename") && l.contains("manifest.json"))
        .expect("the manifest is renamed into place");
    calls[swap + 1..].iter().filter(|l| counts(l)).count()
}

/// How many fsyncs a clean run of the ingest makes after the one that
/// makes its manifest swap durable: those of the directories the moves into
/// place and the removals of superseded files changed, and of the removal
/// of the journal, before the store is marked clean again.
fn fsyncs_after_the_commit(strace: &Path) -> usize {
    let after = calls_after_the_commit(strace, |l| l.contains("sync("));
    assert!(after >= 2, "{after}");
    after - 1
}

#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace (.ci/run installs it)")]
fn fsync_fails_with_eio() {
    let (calls, failed) = sweep("fsync,fdatasync", "EIO", "Input/output error");
    // Every fsync up to the commit point matters, and the directory fsync
    // after the manifest swap is rolled back. Those after it only make the
    // moves and removals durable before the journal goes and the store is
    // marked clean: a failure there leaves the journal for the next writer,
    // committed (harmless).
    let after = fsyncs_after_the_commit(&strace().expect("strace"));
    assert!(calls > 0 && failed == calls - after, "{failed} of {calls}");
}

#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace (.ci/run installs it)")]
fn rename_fails_with_eio() {
    // Every file is renamed into place with `renameat` up to the commit
    // point (the manifest's is the commit point): each failure matters. The
    // moves into the tables after it use `rename`, swept apart below.
    let (calls, failed) = sweep("renameat,?renameat2", "EIO", "Input/output error");
    assert!(calls > 0 && failed == calls, "{failed} of {calls}");
}

/// The moves of staged files into the tables after the commit are the only
/// `rename` calls (files are renamed into place with `renameat`, and strace
/// counts `when=N` per system call): each failure leaves the commit made and
/// unfinished, which `verify` reports and the next writer finishes.
#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace (.ci/run installs it)")]
fn a_failed_move_into_the_tables_is_finished_by_the_next_writer() {
    let swept = sweep_counting(Start::Marked, "rename", "EIO", "Input/output error");
    if swept.calls > 0 {
        assert!(swept.calls >= 5, "{} moves", swept.calls);
        assert_eq!(swept.failed, 0, "a failed move failed the ingest");
        assert_eq!(
            swept.unfinished, swept.calls,
            "a failed move went unnoticed"
        );
    }
}

#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace (.ci/run installs it)")]
fn open_fails_with_enospc() {
    let (calls, failed) = sweep("?open,openat", "ENOSPC", "No space left on device");
    assert!(calls > 0 && failed >= 10, "{failed} of {calls}");
}

#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace (.ci/run installs it)")]
fn mkdir_and_unlink_fail_with_eio() {
    let (calls, failed) = sweep(
        "?mkdir,mkdirat,?unlink,unlinkat,?rmdir",
        "EIO",
        "Input/output error",
    );
    assert!(calls > 0 && failed >= 1, "{failed} of {calls}");
}

#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace (.ci/run installs it)")]
fn read_fails_with_eio() {
    let (calls, failed) = sweep("read,pread64", "EIO", "Input/output error");
    assert!(calls > 0 && failed >= 3, "{failed} of {calls}");
}

#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace (.ci/run installs it)")]
fn directory_listing_fails_with_eio() {
    let (calls, failed) = sweep("getdents64", "EIO", "Input/output error");
    assert!(calls > 0 && failed >= 1, "{failed} of {calls}");
}

// A store without the clean marker (an earlier version's, or after a killed
// writer) is walked for leftovers first: the walk's listings and opens fail
// cleanly too.

#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace (.ci/run installs it)")]
fn directory_listing_fails_with_eio_while_walking_for_leftovers() {
    let (calls, failed) = sweep_from(Start::Unmarked, "getdents64", "EIO", "Input/output error");
    // Two listings per directory: the fixture store has over 16.
    assert!(calls > 0 && failed >= 32, "{failed} of {calls}");
}

#[test]
#[cfg_attr(not(has_strace), ignore = "needs strace (.ci/run installs it)")]
fn open_fails_with_enospc_while_walking_for_leftovers() {
    let (calls, failed) = sweep_from(
        Start::Unmarked,
        "?open,openat",
        "ENOSPC",
        "No space left on device",
    );
    // The 26 of an ingest into a marked store, and one per directory walked.
    assert!(calls > 0 && failed >= 40, "{failed} of {calls}");
}

/// RLIMIT_FSIZE on the child: every write past the limit fails with EFBIG
/// (tracker ignores SIGXFSZ), as on a disk that fills up.
fn with_file_size_limit(c: &mut Command, bytes: u64) {
    // SAFETY: setrlimit is async-signal-safe, fine between fork and exec.
    unsafe {
        c.pre_exec(move || {
            let lim = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[test]
fn a_file_size_limit_fails_cleanly_until_the_files_fit() {
    let sc = scenario("replace");
    let work = sc.dir.join("work");
    let (mut failed, mut limit) = (0, 0u64);
    loop {
        copy_tree(&sc.before, &work);
        let mut c = ingest(&work, WINDOW, &sc.x);
        with_file_size_limit(&mut c, limit);
        let out = c.output().unwrap();
        let label = format!("RLIMIT_FSIZE {limit}");
        assert_no_panic(&label, &out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let seen = visible(&work, &[WINDOW]);
        let glob = check_glob(&work, &label);
        if out.status.success() {
            assert!(seen == sc.after_visible, "{label}");
            settle(&sc, &work, &label);
            break;
        }
        assert_eq!(
            glob,
            Glob::Equal,
            "{label}: failed, yet the glob read is not the manifest's"
        );
        failed += 1;
        assert_eq!(out.status.code(), Some(1), "{label}: {stderr}");
        assert!(stderr.contains("File too large"), "{label}: {stderr}");
        assert!(seen == sc.before_visible, "{label}: {stderr}");
        settle(&sc, &work, &label);
        limit = limit * 2 + 256;
        assert!(limit < 1 << 24, "never succeeded");
    }
    eprintln!(
        "RLIMIT_FSIZE: {failed} limits failed cleanly before the ingest fitted at {limit} bytes"
    );
    assert!(failed >= 3, "{failed}");

    // Reports written with -o under the limit: exit 1, no file, no temporary.
    let out_dir = sc.dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    for format in ["csv", "xlsx", "parquet", "json"] {
        let target = out_dir.join(format!("subjects.{format}"));
        let mut c = tracker(&sc.before);
        c.args(["subjects", "--format", format, "-o"]).arg(&target);
        with_file_size_limit(&mut c, 100);
        let out = c.output().unwrap();
        assert_no_panic(format, &out);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: {stderr}");
        assert!(stderr.contains("File too large"), "{format}: {stderr}");
        let left: Vec<_> = std::fs::read_dir(&out_dir).unwrap().collect();
        assert!(left.is_empty(), "{format}: {left:?}");
    }
    run_ok(
        {
            let mut c = tracker(&sc.before);
            c.args(["subjects", "--format", "csv", "-o"])
                .arg(out_dir.join("ok.csv"));
            c
        },
        "subjects without a limit",
    );
}

/// A real full disk: a tmpfs just too small, mounted in a private mount
/// namespace (`unshare -m`) so it vanishes with the shell that made it.
/// Needs root or user namespaces; skips with a message where it cannot.
#[test]
#[cfg_attr(
    not(can_mount_tmpfs),
    ignore = "needs to mount a tmpfs in a private mount namespace (root or user namespaces)"
)]
fn a_full_tmpfs_fails_cleanly_until_the_ingest_fits() {
    let sc = scenario("replace");
    let mnt = sc.dir.join("mnt");
    let out = sc.dir.join("out");
    std::fs::create_dir_all(&mnt).unwrap();
    let script = r#"
        set -u
        mount -t tmpfs -o "size=${SIZE}k" tracker-full "$MNT" || exit 90
        cp -a "$BEFORE" "$MNT/store" 2>/dev/null || exit 91
        "$BIN" --store "$MNT/store" ingest --window 2025-26/1 "$@" >/dev/null 2>"$OUT/stderr"
        echo $? >"$OUT/code"
        "$BIN" --store "$MNT/store" subjects --format csv --window 2025-26/1 >"$OUT/subjects" 2>&1
        cp "$MNT/store/manifest.json" "$OUT/manifest.json"
        "$BIN" --store "$MNT/store" verify --format csv >"$OUT/verify" 2>/dev/null
        echo $? >"$OUT/verify_code"
    "#;
    let before_subjects = {
        let o = tracker(&sc.before)
            .args(["subjects", "--format", "csv", "--window", WINDOW])
            .output()
            .unwrap();
        o.stdout
    };
    let (mut failed, mut too_small) = (0, 0);
    let mut size_kib = 64;
    loop {
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).unwrap();
        let status = Command::new("unshare")
            .args(["-m", "sh", "-c", script, "sh"])
            .args(&sc.x)
            .env("SIZE", size_kib.to_string())
            .env("MNT", &mnt)
            .env("OUT", &out)
            .env("BEFORE", &sc.before)
            .env("BIN", bin())
            .env_remove("TRACKER_FAILPOINT")
            .env("NO_COLOR", "1")
            .status()
            .unwrap();
        let label = format!("tmpfs of {size_kib} KiB");
        match status.code() {
            Some(91) => too_small += 1,
            Some(0) => {
                let read = |n: &str| std::fs::read(out.join(n)).unwrap();
                let code = String::from_utf8(read("code")).unwrap();
                let stderr = String::from_utf8(read("stderr")).unwrap();
                assert!(!stderr.contains("panicked"), "{label}: {stderr}");
                assert_eq!(read("verify_code"), b"0\n", "{label}: verify found damage");
                if code.trim() == "0" {
                    assert_ne!(read("subjects"), before_subjects, "{label}");
                    break;
                }
                failed += 1;
                assert_eq!(code.trim(), "1", "{label}: {stderr}");
                assert!(
                    stderr.contains("No space left on device"),
                    "{label}: {stderr}"
                );
                assert!(read("manifest.json") == sc.before_manifest, "{label}");
                assert!(read("subjects") == before_subjects, "{label}");
            }
            other => panic!("{label}: the namespace script failed: {other:?}"),
        }
        size_kib += 4;
        assert!(size_kib < 4096, "never fitted");
    }
    eprintln!(
        "tmpfs: {failed} sizes too small for the ingest failed cleanly ({too_small} could not even hold the store); it fitted at {size_kib} KiB"
    );
    assert!(failed >= 1, "no size made the ingest fail");
}
