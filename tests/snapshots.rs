//! Every command's main paths, run as a user would on the small hand-made
//! school, with the exit code, stdout and stderr snapshotted together
//! (insta; `cargo insta review` after an intended change). Temporary paths
//! and times are replaced with placeholders.

mod common;

use common::Env;

/// Exit code, stdout and stderr of one run, with the temp dir and clock
/// times masked.
fn run(env: &Env, args: &[&str]) -> String {
    let out = env.cmd().env("COLUMNS", "100").args(args).output().unwrap();
    let tmp = env.dir.path().to_string_lossy().into_owned();
    let clean = |b: &[u8]| mask_times(&String::from_utf8_lossy(b).replace(&tmp, "[TMP]"));
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        clean(&out.stdout),
        clean(&out.stderr)
    )
}

/// `2026-12-02T22:05:11Z`-like times vary from run to run.
fn mask_times(s: &str) -> String {
    let c: Vec<char> = s.chars().collect();
    let digit = |j: usize| c.get(j).is_some_and(char::is_ascii_digit);
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < c.len() {
        // YYYY-MM-DDTHH:MM, then anything up to a space, comma or quote.
        if (0..4).all(|k| digit(i + k))
            && c.get(i + 4) == Some(&'-')
            && c.get(i + 10) == Some(&'T')
            && c.get(i + 13) == Some(&':')
        {
            out.push_str("[TIME]");
            while i < c.len() && !" ,\"\n".contains(c[i]) {
                i += 1;
            }
            continue;
        }
        out.push(c[i]);
        i += 1;
    }
    out
}

fn small(env: &Env) -> String {
    env.small_school();
    env.small_config()
}

#[test]
fn init_and_ingest() {
    let env = Env::new();
    insta::assert_snapshot!("init", run(&env, &["init"]));
    insta::assert_snapshot!("init_again", run(&env, &["init"]));
    let f = env.fixture("small");
    let file = |n: &str| f.join(n).to_string_lossy().into_owned();
    let cfg = file("tracker.toml");
    let args = [
        "--config",
        &cfg,
        "ingest",
        "--window",
        "2025-26/1",
        &file("pupils.csv"),
        &file("bge.csv"),
        &file("senior.csv"),
    ];
    insta::assert_snapshot!("ingest", run(&env, &args));
    insta::assert_snapshot!("ingest_again_is_a_no_op", run(&env, &args));
    let rejected = env.write(
        "strict/bge.csv",
        "SCN,Subject,Level\n100000001,English,2b\n12x,English,2b\n100000002,,2a\n",
    );
    insta::assert_snapshot!(
        "ingest_strict_with_rejects",
        run(
            &env,
            &[
                "ingest",
                "--strict",
                "--window",
                "2025-26/1",
                rejected.to_str().unwrap()
            ]
        )
    );
    let bad = env.write("bad.csv", "Forename,Surname\nAnn,Young\n");
    insta::assert_snapshot!(
        "ingest_missing_column",
        run(
            &env,
            &["ingest", "--window", "2025-26/1", bad.to_str().unwrap()]
        )
    );
    insta::assert_snapshot!(
        "ingest_malformed_window",
        run(&env, &["ingest", "--window", "2025-27/1", &file("bge.csv")])
    );
    insta::assert_snapshot!("windows", run(&env, &["windows", "--format", "csv"]));
    insta::assert_snapshot!("verify", run(&env, &["verify"]));
}

#[test]
fn reports_in_a_terminal() {
    let env = Env::new();
    let cfg = small(&env);
    for report in ["subjects", "offtrack", "followup", "grid", "comments"] {
        insta::assert_snapshot!(report, run(&env, &["--config", &cfg, report]));
    }
    insta::assert_snapshot!(
        "offtrack_wide_all",
        run(&env, &["--config", &cfg, "offtrack", "--all", "--wide"])
    );
    insta::assert_snapshot!(
        "offtrack_early_warning",
        run(&env, &["--config", &cfg, "offtrack", "--early-warning"])
    );
    insta::assert_snapshot!(
        "pupil",
        run(&env, &["--config", &cfg, "pupil", "100000005"])
    );
    insta::assert_snapshot!(
        "summary",
        run(&env, &["--config", &cfg, "summary", "--no-suppress"])
    );
    insta::assert_snapshot!("qa", run(&env, &["--config", &cfg, "qa"]));
}

#[test]
fn reports_for_scripts() {
    let env = Env::new();
    let cfg = small(&env);
    insta::assert_snapshot!(
        "grid_csv",
        run(&env, &["--config", &cfg, "grid", "--format", "csv"])
    );
    insta::assert_snapshot!(
        "offtrack_json",
        run(&env, &["--config", &cfg, "offtrack", "--format", "json"])
    );
    insta::assert_snapshot!(
        "qa_csv_fail_on_error",
        run(
            &env,
            &[
                "--config",
                &cfg,
                "qa",
                "--format",
                "csv",
                "--fail-on",
                "error"
            ]
        )
    );
    insta::assert_snapshot!(
        "qa_parquet_needs_one_table",
        run(
            &env,
            &[
                "--config",
                &cfg,
                "qa",
                "--format",
                "parquet",
                "-o",
                "qa.parquet"
            ]
        )
    );
    insta::assert_snapshot!(
        "xlsx_needs_a_file",
        run(&env, &["--config", &cfg, "grid", "--format", "xlsx"])
    );
}

#[test]
fn reports_on_an_empty_store() {
    let env = Env::new();
    insta::assert_snapshot!("offtrack_no_store", run(&env, &["offtrack"]));
    run(&env, &["init"]);
    insta::assert_snapshot!("offtrack_empty_store", run(&env, &["offtrack"]));
    insta::assert_snapshot!(
        "grid_unknown_window",
        run(&env, &["grid", "--window", "2024-25/1"])
    );
    insta::assert_snapshot!("pupil_bad_scn", run(&env, &["pupil", "12x"]));
}

#[test]
fn impact_in_a_terminal() {
    let env = Env::new();
    env.impact_school(false);
    insta::assert_snapshot!("impact", run(&env, &["impact"]));
    insta::assert_snapshot!(
        "impact_no_next_window",
        run(&env, &["impact", "--window", "2025-26/2"])
    );
}
