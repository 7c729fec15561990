//! Tells the integration tests which outside tools this machine has, so a
//! test that needs one it lacks is `#[ignore]`d with a reason (a run lists
//! it as ignored) instead of passing without running. `.ci/run` installs
//! them all, so in CI none is ignored.

use std::path::Path;
use std::process::Command;

fn main() {
    for cfg in [
        "has_chromium",
        "has_strace",
        "has_duckdb",
        "can_mount_tmpfs",
    ] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
    }
    // Installing a package changes /usr/bin; making the DuckDB venv
    // changes bench/. Either runs this again.
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=/usr/bin");
    println!("cargo::rerun-if-changed=bench");
    println!("cargo::rerun-if-env-changed=TRACKER_DUCKDB_PYTHON");
    if Path::new("/usr/bin/chromium").exists() {
        println!("cargo::rustc-cfg=has_chromium");
    }
    // strace may be present but unable to trace (no ptrace in a container).
    if runs("strace", &["-f", "-qq", "-o", "/dev/null", "true"]) {
        println!("cargo::rustc-cfg=has_strace");
    }
    let python = std::env::var("TRACKER_DUCKDB_PYTHON")
        .unwrap_or_else(|_| "bench/.venv/bin/python".to_string());
    if runs(&python, &["-c", "import duckdb"]) {
        println!("cargo::rustc-cfg=has_duckdb");
    }
    let probe = "d=$(mktemp -d) && mount -t tmpfs -o size=64k t \"$d\" && umount \"$d\"; r=$?; rmdir \"$d\"; exit $r";
    if runs("unshare", &["-m", "sh", "-c", probe]) {
        println!("cargo::rustc-cfg=can_mount_tmpfs");
    }
}

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}
