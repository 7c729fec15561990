//! The QA fixture (`fixtures/qa`), ingested for both of its windows.
#![allow(dead_code)]

use super::common::Env;

/// Copy `fixtures/qa`, ingest window 1 and window 2 with its config, and
/// return the config's path. Returns the stderr of the window 2 ingest.
pub fn qa_school(env: &Env) -> (String, String) {
    let f = env.fixture("qa");
    let cfg = f.join("tracker.toml").to_string_lossy().into_owned();
    let file = |n: &str| f.join(n).to_string_lossy().into_owned();
    let ingest = |window: &str, dir: &str| {
        env.expect(
            0,
            &[
                "--config",
                &cfg,
                "ingest",
                "--window",
                window,
                &file("pupils.csv"),
                &file(&format!("{dir}/bge.csv")),
                &file(&format!("{dir}/senior.csv")),
                &file(&format!("{dir}/interventions.csv")),
            ],
        )
        .1
    };
    ingest("2025-26/1", "w1");
    let stderr = ingest("2025-26/2", "w2");
    (cfg, stderr)
}

/// Split text holding several CSV tables into its tables, each parsed into rows.
pub fn csv_tables(text: &str) -> Vec<Vec<Vec<String>>> {
    text.split("\n\n").map(super::common::csv_rows).collect()
}
