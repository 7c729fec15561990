//! `summary` (and `offtrack --early-warning`) against `fixtures/summary`, a
//! school of 15 pupils over two windows whose figures were worked out by hand:
//!
//! - S1: 6 pupils (3 N5 A/B, 3 N5 C/D) taking English and Mathematics, 3 of
//!   them Music (Expressive Arts); S2: 4 pupils; S4: 5 pupils with 5 N5s.
//! - In 2025-26/2, 10 pupils have no faculty off track (66.7%), against 13
//!   (86.7%) in 2025-26/1.
//! - FSM 4 pupils, ASN 5, SIMD Q1 5, Q5 4, care experienced 1, young carer
//!   none, 8 F and 7 M.
//! - `history/` holds two earlier sessions: S3 pupils of band N5 A/B in
//!   2023-24 who reached 5@5 in S4 in 2024-25 (4 of 5), and S5 pupils of
//!   that band in 2024-25 (2 of 5 on course for 5@6).

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::render;
use common::{Env, csv_rows};

/// A store holding the fixture's two windows; returns the config path.
fn school(env: &Env) -> String {
    let f = env.fixture("summary");
    let cfg = f.join("tracker.toml").to_string_lossy().into_owned();
    ingest(env, &cfg, "2025-26/1", &f.join("w1"));
    ingest(env, &cfg, "2025-26/2", &f.join("w2"));
    cfg
}

fn ingest(env: &Env, cfg: &str, window: &str, dir: &Path) {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut args = vec!["--config", cfg, "-q", "ingest", "--window", window];
    args.extend(files.iter().map(String::as_str));
    env.ok(&args);
}

/// The fixture's earlier sessions, for the BGE estimate from history.
fn history(env: &Env, cfg: &str) {
    let f = env.path("summary/history");
    ingest(env, cfg, "2023-24/3", &f.join("2023-24_3"));
    ingest(env, cfg, "2024-25/3", &f.join("2024-25_3"));
}

/// The long table: (school, section, stage, faculty, group, measure) -> column -> value.
type Long = HashMap<[String; 6], HashMap<String, String>>;

fn long(env: &Env, args: &[&str]) -> Long {
    let mut all = vec!["summary", "--format", "csv"];
    all.extend_from_slice(args);
    let rows = csv_rows(&env.ok(&all));
    let header = &rows[0];
    assert_eq!(header[0], "school");
    let mut out = HashMap::new();
    for r in &rows[1..] {
        let cols: HashMap<String, String> = header.iter().cloned().zip(r.iter().cloned()).collect();
        let key =
            ["school", "section", "stage", "faculty", "group", "measure"].map(|k| cols[k].clone());
        assert!(
            out.insert(key.clone(), cols).is_none(),
            "duplicate row {key:?}"
        );
    }
    out
}

/// One row of the long table for school SUM.
fn get<'a>(
    t: &'a Long,
    section: &str,
    stage: &str,
    faculty: &str,
    group: &str,
    measure: &str,
) -> &'a HashMap<String, String> {
    let key = ["SUM", section, stage, faculty, group, measure].map(str::to_string);
    t.get(&key).unwrap_or_else(|| panic!("no row {key:?}"))
}

/// (pupils, count, percent, gap, previous, change, suppressed) of a row.
fn figures(row: &HashMap<String, String>) -> [&str; 7] {
    [
        "pupils",
        "count",
        "percent",
        "gap",
        "previous",
        "change",
        "suppressed",
    ]
    .map(|k| row[k].as_str())
}

#[test]
fn status_shares_match_the_hand_worked_figures() {
    let env = Env::new();
    let cfg = school(&env);
    let t = long(&env, &["--config", &cfg]);
    // S1, all faculties: 15 pupil-subjects, 9 on track, 2 slightly, 4 off.
    let s1 = |m| get(&t, "status", "S1", "all", "all", m);
    assert_eq!(s1("on_track")["entries"], "15");
    assert_eq!(
        figures(s1("on_track")),
        ["6", "9", "60.0", "", "66.7", "-6.7", "N"]
    );
    assert_eq!(figures(s1("slightly_off_track"))[1..3], ["2", "13.3"]);
    assert_eq!(figures(s1("off_track"))[1..3], ["4", "26.7"]);
    assert_eq!(figures(s1("missing"))[1..3], ["0", "0.0"]);
    // S1 Mathematics: 4 on track, 1 slightly, 1 off; 5 on track in 2025-26/1.
    let ma = |m| get(&t, "status", "S1", "Mathematics", "all", m);
    assert_eq!(
        figures(ma("on_track")),
        ["6", "4", "66.7", "", "83.3", "-16.7", "N"]
    );
    assert_eq!(figures(ma("slightly_off_track"))[2], "16.7");
    assert_eq!(figures(ma("off_track"))[2], "16.7");
    // English over all stages: 10 of 15 on track, 2 slightly, 3 off.
    let en = |m| get(&t, "status", "all", "English", "all", m);
    assert_eq!(figures(en("on_track"))[..3], ["15", "10", "66.7"]);
    assert_eq!(figures(en("off_track"))[..3], ["15", "3", "20.0"]);
    // Every status of every cell adds up to its entries.
    for (k, row) in &t {
        if k[1] == "status" && k[5] == "on_track" && row["suppressed"] == "N" {
            let sum: usize = [
                "on_track",
                "slightly_off_track",
                "off_track",
                "missing",
                "no_pathway",
                "no_target",
            ]
            .iter()
            .map(|m| {
                get(&t, "status", &k[2], &k[3], "all", m)["count"]
                    .parse::<usize>()
                    .unwrap()
            })
            .sum();
            assert_eq!(sum.to_string(), row["entries"], "{k:?}");
        }
    }
}

#[test]
fn equity_gaps_match_the_hand_worked_figures() {
    let env = Env::new();
    let cfg = school(&env);
    let t = long(&env, &["--config", &cfg]);
    let eq = |g, m| figures(get(&t, "equity", "all", "", g, m));
    assert_eq!(
        eq("all", "on_track"),
        ["15", "10", "66.7", "", "86.7", "-20.0", "N"]
    );
    assert_eq!(
        eq("all", "off_track_1plus"),
        ["15", "5", "33.3", "", "13.3", "20.0", "N"]
    );
    // ASN: 2 of 5 on track (40%) against 8 of the other 10 (80%).
    assert_eq!(
        eq("asn", "on_track"),
        ["5", "2", "40.0", "-40.0", "60.0", "-20.0", "N"]
    );
    assert_eq!(
        eq("asn", "off_track_1plus")[..4],
        ["5", "3", "60.0", "40.0"]
    );
    assert_eq!(eq("not_asn", "on_track")[..4], ["10", "8", "80.0", "40.0"]);
    // SIMD Q1: 1 of 5 (20%) against 9 of 10 (90%).
    assert_eq!(eq("simd_q1", "on_track")[..4], ["5", "1", "20.0", "-70.0"]);
    // F: 7 of 8 (87.5%) against M 3 of 7 (42.857%).
    assert_eq!(eq("gender:F", "on_track")[..4], ["8", "7", "87.5", "44.6"]);
    assert_eq!(eq("gender:M", "on_track")[..4], ["7", "3", "42.9", "-44.6"]);
    // No young carers: a group of none, with no shares.
    assert_eq!(
        eq("young_carer", "on_track"),
        ["0", "0", "", "", "", "", "N"]
    );
}

#[test]
fn four_pupils_are_suppressed_and_five_are_shown() {
    let env = Env::new();
    let cfg = school(&env);
    let t = long(&env, &["--config", &cfg]);
    let eq = |g| figures(get(&t, "equity", "all", "", g, "on_track"));
    let c = ["c", "c", "c", "c", "c", "", "Y"];
    assert_eq!(eq("fsm"), c, "FSM: 4 pupils");
    assert_eq!(eq("simd_q5"), c, "SIMD Q5: 4 pupils");
    assert_eq!(eq("care_experienced"), c, "care experienced: 1 pupil");
    assert_eq!(eq("asn")[0], "5");
    assert_eq!(eq("simd_q1")[0], "5");
    // Stage groups: S2 has 4 pupils, S4 5.
    let proj = |s, m| figures(get(&t, "projection", s, "", "all", m));
    assert_eq!(proj("S2", "5at5")[6], "Y");
    assert_eq!(proj("S2", "5at5")[0], "c");
    assert_eq!(proj("S4", "5at5")[..3], ["5", "4", "80.0"]);
    // Nothing about a hidden cell leaks through another column.
    for row in t.values().filter(|r| r["suppressed"] == "Y") {
        for col in ["pupils", "entries", "count", "percent", "gap", "change"] {
            assert!(matches!(row[col].as_str(), "c" | ""), "{col} of {row:?}");
        }
    }
}

#[test]
fn secondary_suppression_hides_what_could_be_worked_out() {
    let env = Env::new();
    let cfg = school(&env);
    let t = long(&env, &["--config", &cfg]);
    let hidden = |section, stage, faculty, group, measure| {
        get(&t, section, stage, faculty, group, measure)["suppressed"] == "Y"
    };
    // Complementary pair: FSM is 4 pupils and every pupil's FSM is known, so
    // "not FSM" would give FSM away as all pupils minus not FSM.
    assert!(hidden("equity", "all", "", "fsm", "on_track"));
    assert!(hidden("equity", "all", "", "not_fsm", "on_track"));
    // SIMD Q5 (4) is hidden but Q1 stays: Q2-Q4 are never shown, so the
    // total minus Q1 is Q5 and Q2-Q4 together (10 pupils).
    assert!(hidden("equity", "all", "", "simd_q5", "on_track"));
    assert!(!hidden("equity", "all", "", "simd_q1", "on_track"));
    // S1: Music (3 pupils) is hidden, so the next smallest faculty
    // (English, 6, before Mathematics, 6) goes too; S1 as a whole stays.
    assert!(hidden("status", "S1", "Expressive Arts", "all", "on_track"));
    assert!(hidden("status", "S1", "English", "all", "on_track"));
    assert!(!hidden("status", "S1", "Mathematics", "all", "on_track"));
    assert!(!hidden("status", "S1", "all", "all", "on_track"));
    // Early warning: S2 (4) is hidden, so the next smallest stage, S4 (5)
    // rather than S1 (6), goes with it; the total stays.
    assert!(hidden("early_warning", "S2", "", "all", "early_warning"));
    assert!(hidden("early_warning", "S4", "", "all", "early_warning"));
    assert!(!hidden("early_warning", "S1", "", "all", "early_warning"));
    assert!(!hidden("early_warning", "all", "", "all", "early_warning"));

    // The rule, checked on every line of the status table: where a total is
    // shown, its hidden parts are never exactly one; where a total is
    // hidden, not all of its parts are shown.
    let status: Vec<&[String; 6]> = t
        .keys()
        .filter(|k| k[1] == "status" && k[5] == "on_track")
        .collect();
    let is_hidden = |k: &[String; 6]| t[k]["suppressed"] == "Y";
    let total = |stage: &str, faculty: &str| {
        status
            .iter()
            .find(|k| k[2] == stage && k[3] == faculty)
            .copied()
            .unwrap()
    };
    let mut checked = 0;
    for (line, of) in [(2usize, 3usize), (3, 2)] {
        // line 2: the faculties of a stage; line 3: the stages of a faculty.
        let mut groups: HashMap<&str, Vec<&[String; 6]>> = HashMap::new();
        for k in &status {
            if k[of] != "all" {
                groups.entry(k[line].as_str()).or_default().push(k);
            }
        }
        for (name, cells) in groups {
            let parts: Vec<_> = cells
                .iter()
                .filter(|k| k[of] != "all" && k[line] == name)
                .collect();
            let n_hidden = parts.iter().filter(|k| is_hidden(k)).count();
            let t_key = if line == 2 {
                total(name, "all")
            } else {
                total("all", name)
            };
            if is_hidden(t_key) {
                assert!(
                    n_hidden > 0,
                    "hidden total {t_key:?} is the sum of shown parts"
                );
            } else {
                assert_ne!(n_hidden, 1, "one hidden part under shown total {t_key:?}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 8, "{checked}");
}

#[test]
fn no_suppress_shows_every_figure() {
    let env = Env::new();
    let cfg = school(&env);
    let t = long(&env, &["--config", &cfg, "--no-suppress"]);
    for row in t.values() {
        assert_eq!(row["suppressed"], "N", "{row:?}");
        assert!(row.values().all(|v| v != "c"), "{row:?}");
    }
    let eq = |g| figures(get(&t, "equity", "all", "", g, "on_track"));
    // FSM: 1 of 4 on track (25%) against 9 of 11 (81.8%).
    assert_eq!(eq("fsm")[..4], ["4", "1", "25.0", "-56.8"]);
    assert_eq!(eq("not_fsm")[..4], ["11", "9", "81.8", "56.8"]);
    assert_eq!(eq("care_experienced")[..3], ["1", "1", "100.0"]);
    let ew = |s| figures(get(&t, "early_warning", s, "", "all", "early_warning"));
    assert_eq!(ew("S2")[..3], ["4", "0", "0.0"]);
    assert_eq!(ew("S4")[..3], ["5", "1", "20.0"]);
    let music = figures(get(
        &t,
        "status",
        "S1",
        "Expressive Arts",
        "all",
        "off_track",
    ));
    assert_eq!(music[..3], ["3", "1", "33.3"]);
}

#[test]
fn change_is_against_the_previous_window_in_the_store() {
    let env = Env::new();
    let cfg = school(&env);
    let t = long(&env, &["--config", &cfg]);
    for row in t.values() {
        assert_eq!(row["window"], "2025-26/2");
        assert_eq!(row["previous_window"], "2025-26/1");
    }
    let all = get(&t, "equity", "all", "", "all", "on_track");
    assert_eq!(
        (all["previous"].as_str(), all["change"].as_str()),
        ("86.7", "-20.0")
    );
    let s4 = get(&t, "projection", "S4", "", "all", "5at5");
    assert_eq!(figures(s4)[2..6], ["80.0", "", "100.0", "-20.0"]);
    // A hidden figure then is `c` now, and gives no change.
    let fsm = get(&t, "equity", "all", "", "fsm", "on_track");
    assert_eq!(
        (fsm["previous"].as_str(), fsm["change"].as_str()),
        ("c", "")
    );
    // The first window has nothing before it.
    let first = long(&env, &["--config", &cfg, "--window", "2025-26/1"]);
    let all = get(&first, "equity", "all", "", "all", "on_track");
    assert_eq!(figures(all)[..6], ["15", "13", "86.7", "", "", ""]);
    assert_eq!(all["previous_window"], "");
}

#[test]
fn projections_for_the_senior_phase_and_for_bge_from_the_config() {
    let env = Env::new();
    let cfg = school(&env);
    let t = long(&env, &["--config", &cfg]);
    let p = |s, m| get(&t, "projection", s, "", "all", m);
    // S4: 4 of 5 have five N5 passes (one has a 9); no SCQF 6 courses.
    assert_eq!(p("S4", "5at5")["basis"], "tracking");
    assert_eq!(figures(p("S4", "5at5"))[..3], ["5", "4", "80.0"]);
    assert_eq!(figures(p("S4", "5at6"))[..3], ["5", "0", "0.0"]);
    // S1 from [projection]: 3 x 0.85 + 3 x 0.55 over 6 = 70%; 5@6 45%.
    assert_eq!(p("S1", "5at5")["basis"], "config");
    assert_eq!(figures(p("S1", "5at5"))[..3], ["6", "", "70.0"]);
    assert_eq!(figures(p("S1", "5at6"))[..3], ["6", "", "45.0"]);
    assert!(t.keys().all(|k| !(k[1] == "projection" && k[2] == "S3")));
}

#[test]
fn bge_projection_learns_from_earlier_sessions_by_scn() {
    let env = Env::new();
    let cfg = school(&env);
    history(&env, &cfg);
    let t = long(&env, &["--config", &cfg]);
    let p = |m| get(&t, "projection", "S1", "", "all", m);
    // N5 A/B from history: 4 of 5 reached 5@5 in S4 (their band known only
    // through their S3 rows a session earlier), 2 of 5 5@6 in S5. N5 C/D
    // has no history, so the config: (3 x 0.8 + 3 x 0.55) / 6 = 67.5%,
    // (3 x 0.4 + 3 x 0.3) / 6 = 35%.
    assert_eq!(p("5at5")["basis"], "history+config");
    assert_eq!(p("5at5")["percent"], "67.5");
    assert_eq!(p("5at6")["percent"], "35.0");
    // History never changes what S4 pupils are counted as on course for.
    assert_eq!(
        get(&t, "projection", "S4", "", "all", "5at5")["percent"],
        "80.0"
    );
}

#[test]
fn early_warnings_are_counted_per_stage() {
    let env = Env::new();
    let cfg = school(&env);
    let t = long(&env, &["--config", &cfg]);
    let ew = |s| figures(get(&t, "early_warning", s, "", "all", "early_warning"));
    // S1: Bea (concerns in 3 subjects) but not Ada (2); overall Bea and Oz.
    assert_eq!(ew("S1")[..6], ["6", "1", "16.7", "", "0.0", "16.7"]);
    assert_eq!(ew("all")[..3], ["15", "2", "13.3"]);
}

#[test]
fn offtrack_early_warning_lists_three_concerns_but_not_two() {
    let env = Env::new();
    let cfg = school(&env);
    let rows = csv_rows(&env.ok(&[
        "--config",
        &cfg,
        "offtrack",
        "--early-warning",
        "--format",
        "csv",
    ]));
    assert_eq!(rows[0][2], "scn");
    let scns: Vec<(&str, &str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[2].as_str(), r[13].as_str(), r[18].as_str()))
        .collect();
    // (scn, faculties_off_track, concerns): Bea and Oz have concerns in 3
    // subjects; Ada and Kim, in 2, are not listed; nor is anyone off track.
    assert_eq!(scns, [("200000002", "0", "3"), ("200000025", "0", "3")]);
    let warn2 = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("warn_subjects = 3", "warn_subjects = 2");
    let p = env.write("warn2.toml", warn2);
    let rows = csv_rows(&env.ok(&[
        "--config",
        p.to_str().unwrap(),
        "offtrack",
        "--early-warning",
        "--format",
        "csv",
    ]));
    let scns: Vec<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(scns, ["200000001", "200000002", "200000021", "200000025"]);
}

#[test]
fn several_schools_get_a_block_each_and_all() {
    let env = Env::new();
    let cfg = school(&env);
    let f = env.path("summary");
    for (w, dir) in [("2025-26/1", "w1"), ("2025-26/2", "w2")] {
        let mut args = vec![
            "--config", &cfg, "-q", "ingest", "--school", "TWO", "--window", w,
        ];
        let files: Vec<String> = ["pupils.csv", "bge.csv", "senior.csv"]
            .iter()
            .map(|n| f.join(dir).join(n))
            .filter(|p| p.exists())
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        args.extend(files.iter().map(String::as_str));
        env.ok(&args);
    }
    let t = long(&env, &["--config", &cfg]);
    let schools: std::collections::BTreeSet<&str> = t.keys().map(|k| k[0].as_str()).collect();
    assert_eq!(
        schools.into_iter().collect::<Vec<_>>(),
        ["ALL", "SUM", "TWO"]
    );
    let row = |school: &str, g: &str| {
        let key = [school, "equity", "all", "", g, "on_track"].map(str::to_string);
        figures(&t[&key])
    };
    assert_eq!(row("ALL", "all")[..5], ["30", "20", "66.7", "", "86.7"]);
    // Each school hides its 4 FSM pupils, but the 8 of ALL can be shown:
    // ALL minus one school's hidden FSM is the other's hidden FSM.
    assert_eq!(row("SUM", "fsm")[0], "c");
    assert_eq!(row("TWO", "fsm")[0], "c");
    assert_eq!(row("ALL", "fsm")[..3], ["8", "2", "25.0"]);
    // --school gives that school alone.
    let one = long(&env, &["--config", &cfg, "--school", "TWO"]);
    assert!(one.keys().all(|k| k[0] == "TWO"));
}

#[test]
fn table_json_and_parquet_show_the_same_summary() {
    let env = Env::new();
    let cfg = school(&env);
    let table = env.ok(&["--config", &cfg, "summary"]);
    for title in [
        "% of pupil-subjects by status",
        "equity",
        "projections",
        "early warning",
        "c = fewer than 5 pupils",
    ] {
        assert!(table.contains(title), "{title} missing from\n{table}");
    }
    assert!(table.contains("Gender F"), "{table}");
    let json: serde_json::Value =
        serde_json::from_str(&env.ok(&["--config", &cfg, "summary", "--format", "json"])).unwrap();
    let rows = json.as_array().unwrap();
    let fsm = rows
        .iter()
        .find(|r| r["group"] == "fsm" && r["measure"] == "on_track")
        .unwrap();
    assert_eq!(fsm["percent"], "c");
    assert_eq!(fsm["suppressed"], "Y");
    let asn = rows
        .iter()
        .find(|r| r["group"] == "asn" && r["measure"] == "on_track")
        .unwrap();
    assert_eq!(asn["pupils"], 5);
    assert_eq!(asn["gap"], -40.0);
    // Parquet keeps its columns numeric: a hidden figure is null.
    let out = env.path("summary.parquet");
    env.ok(&[
        "--config",
        &cfg,
        "summary",
        "--format",
        "parquet",
        "-o",
        out.to_str().unwrap(),
    ]);
    use polars::prelude::*;
    let df = ParquetReader::new(std::fs::File::open(&out).unwrap())
        .finish()
        .unwrap();
    assert_eq!(df.height(), rows.len());
    assert_eq!(df.column("percent").unwrap().dtype(), &DataType::Float64);
    let suppressed = df.column("suppressed").unwrap().str().unwrap().clone();
    let percent = df.column("percent").unwrap().f64().unwrap().clone();
    for (s, p) in suppressed.iter().zip(percent.iter()) {
        if s == Some("Y") {
            assert_eq!(p, None);
        }
    }
}

#[test]
fn summary_on_an_empty_store_says_how_to_ingest() {
    let env = Env::new();
    env.ok(&["init"]);
    let (_, err) = env.expect(1, &["summary"]);
    assert!(err.contains("tracker ingest"), "{err}");
}

#[test]
fn html_page_is_self_contained_escaped_and_private() {
    let env = Env::new();
    let cfg = school(&env);
    let out = env.path("summary.html");
    env.ok(&[
        "--config",
        &cfg,
        "summary",
        "--format",
        "html",
        "-o",
        out.to_str().unwrap(),
    ]);
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<svg"));
    assert!(page.contains("@media print"));
    assert!(!page.to_lowercase().contains("<script"));
    // No external anything: no URL, no link, no import.
    for bad in ["http://", "https://", "src=", "href=", "@import", "url("] {
        assert!(!page.contains(bad), "page contains {bad:?}");
    }
    // The school's name `St Ninian's <Summary> & Co`, escaped.
    assert!(
        page.contains("St Ninian&#39;s &lt;Summary&gt; &amp; Co"),
        "name not escaped"
    );
    assert!(!page.contains("<Summary>"));
    // Suppressed figures show as c; no pupil's name appears.
    assert!(page.contains("<td class=\"c\">c</td>"));
    for name in ["Bea", "Baird", "Oz", "Orr"] {
        assert!(!page.contains(name), "{name}");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // html needs a file.
    env.expect(2, &["--config", &cfg, "summary", "--format", "html"]);
    // ...and is only for summary: other reports refuse it as bad usage.
    let (_, err) = env.expect(
        2,
        &[
            "--config", &cfg, "offtrack", "--format", "html", "-o", "x.html",
        ],
    );
    assert!(err.contains("only for `tracker summary`"), "{err}");
}

#[test]
#[cfg_attr(not(has_chromium), ignore = "needs chromium (.ci/run installs it)")]
fn the_page_renders_in_chromium_offline_and_is_not_blank() {
    let env = Env::new();
    let cfg = school(&env);
    let page = env.path("summary.html");
    env.ok(&[
        "--config",
        &cfg,
        "summary",
        "--format",
        "html",
        "-o",
        page.to_str().unwrap(),
    ]);
    let (png, requests) = render(env.dir.path(), &page, "summary", &[]);
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(requests.is_empty(), "the page made requests: {requests:?}");
    // The same check sees a page that does load something, and gives the
    // size of a nearly blank screenshot to compare with.
    let bad = env.write(
        "external.html",
        "<!DOCTYPE html><html><body><img src=\"http://example.com/x.png\"></body></html>",
    );
    let (blank, requests) = render(env.dir.path(), &bad, "external", &[]);
    assert_eq!(requests, ["http://example.com/x.png"]);
    assert!(
        png.len() > 10 * blank.len() && png.len() > 50_000,
        "screenshot looks blank: {} bytes, a blank page {}",
        png.len(),
        blank.len()
    );
    let distinct = png.iter().collect::<std::collections::HashSet<_>>().len();
    assert!(distinct > 200, "{distinct} distinct bytes");
    // Keep a copy for people to look at.
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("summary-screenshot.png");
    std::fs::write(&keep, &png).unwrap();
    eprintln!("screenshot: {}", keep.display());
}

/// `summary --faculty English` on the small school, worked by hand from its
/// English rows: Amy 2b, Ben 1c, Cara 2c and Finn 2/2 on track, Eve 3/2
/// slightly off track, Gus 3a and Hana 2c off track, Dan 2a with no band.
/// FSM: Amy, Eve, Gus, Hana.
#[test]
fn a_selection_counts_only_its_rows_and_the_pupils_who_have_one() {
    let env = Env::new();
    env.small_school();
    let cfg = env.small_config();
    let csv = env.ok(&[
        "--config",
        &cfg,
        "summary",
        "--faculty",
        "english",
        "--no-suppress",
        "--format",
        "csv",
    ]);
    let rows = csv_rows(&csv);
    let find = |section: &str, stage: &str, faculty: &str, group: &str, measure: &str| {
        rows.iter()
            .find(|r| {
                r[3] == section
                    && r[4] == stage
                    && r[5] == faculty
                    && r[6] == group
                    && r[7] == measure
            })
            .map(|r| {
                [
                    r[9].as_str(),
                    r[11].as_str(),
                    r[12].as_str(),
                    r[13].as_str(),
                ]
            })
            .unwrap_or_else(|| panic!("{section} {stage} {faculty} {group} {measure}"))
    };
    // Statuses: the 8 English entries only (pupils, count, percent, gap).
    assert_eq!(
        find("status", "all", "all", "all", "on_track"),
        ["8", "4", "50.0", ""]
    );
    assert_eq!(
        find("status", "all", "all", "all", "off_track"),
        ["8", "2", "25.0", ""]
    );
    assert_eq!(
        find("status", "all", "all", "all", "no_pathway"),
        ["8", "1", "12.5", ""]
    );
    assert!(
        rows.iter()
            .all(|r| r[3] != "status" || ["all", "English"].contains(&r[5].as_str())),
        "no other faculty"
    );
    // Equity: off track in English is off track in one or more faculties.
    assert_eq!(
        find("equity", "all", "", "all", "on_track"),
        ["8", "6", "75.0", ""]
    );
    assert_eq!(
        find("equity", "all", "", "fsm", "on_track"),
        ["4", "2", "50.0", "-50.0"]
    );
    assert_eq!(
        find("equity", "all", "", "not_fsm", "on_track"),
        ["4", "4", "100.0", "50.0"]
    );
    assert_eq!(
        find("equity", "all", "", "fsm", "off_track_1plus"),
        ["4", "2", "50.0", "50.0"]
    );
    // Suppression applies as before: 4 FSM pupils are fewer than 5.
    let suppressed = env.ok(&[
        "--config",
        &cfg,
        "summary",
        "--faculty",
        "English",
        "--format",
        "csv",
    ]);
    let fsm = csv_rows(&suppressed)
        .into_iter()
        .find(|r| r[6] == "fsm" && r[7] == "on_track")
        .unwrap();
    assert_eq!((fsm[12].as_str(), fsm[16].as_str()), ("c", "Y"));
    // The page names the selection.
    let page = env.path("english.html");
    env.ok(&[
        "--config",
        &cfg,
        "summary",
        "--class",
        "3C/Fr",
        "--format",
        "html",
        "-o",
        page.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("<h1>Tracking summary (class 3C/Fr)</h1>"),
        "heading"
    );
    assert!(
        html.contains("<title>Tracking summary (class 3C/Fr) "),
        "title"
    );
}

/// `summary --class 3C/Ma` on the small school, worked by hand: the class
/// is Gus and Hana, both S3, banded by CAT (Gus 100 -> N5 C/D, expected 3c
/// at S3/1; Hana 90 -> N5 Sfw/SCQF L5, expected 3b). Gus has 3b, one step
/// below: slightly off track, so no faculty off track. Hana has 2b, three
/// steps below: off track in Mathematics. Both are FSM and SIMD quintile 1
/// (deciles 2 and 1); only Hana has ASN and is a young carer; Hana is F,
/// Gus M. Each group of one is 100 points from the other pupil.
#[test]
fn a_class_selection_gives_its_equity_rows() {
    let env = Env::new();
    env.small_school();
    let cfg = env.small_config();
    let csv = env.ok(&[
        "--config",
        &cfg,
        "summary",
        "--class",
        "3c/ma",
        "--no-suppress",
        "--format",
        "csv",
    ]);
    let rows = csv_rows(&csv);
    // (group, measure) -> [pupils, count, percent, gap] of the equity rows.
    let equity: HashMap<(String, String), [String; 4]> = rows
        .iter()
        .filter(|r| r[3] == "equity")
        .map(|r| {
            let figures = [9, 11, 12, 13].map(|i| r[i].clone());
            ((r[6].clone(), r[7].clone()), figures)
        })
        .collect();
    let want: &[(&str, &str, [&str; 4])] = &[
        ("all", "on_track", ["2", "1", "50.0", ""]),
        ("all", "off_track_1plus", ["2", "1", "50.0", ""]),
        // Everyone is in the group: there is no rest to compare with.
        ("fsm", "on_track", ["2", "1", "50.0", ""]),
        ("not_fsm", "on_track", ["0", "0", "", ""]),
        ("simd_q1", "on_track", ["2", "1", "50.0", ""]),
        ("simd_q5", "on_track", ["0", "0", "", ""]),
        ("asn", "on_track", ["1", "0", "0.0", "-100.0"]),
        ("asn", "off_track_1plus", ["1", "1", "100.0", "100.0"]),
        ("not_asn", "on_track", ["1", "1", "100.0", "100.0"]),
        ("young_carer", "on_track", ["1", "0", "0.0", "-100.0"]),
        ("care_experienced", "on_track", ["0", "0", "", ""]),
        ("gender:F", "on_track", ["1", "0", "0.0", "-100.0"]),
        ("gender:M", "off_track_1plus", ["1", "0", "0.0", "-100.0"]),
    ];
    for (group, measure, figures) in want {
        let key = (group.to_string(), measure.to_string());
        assert_eq!(
            equity.get(&key).map(|f| f.each_ref().map(String::as_str)),
            Some(*figures),
            "{group} {measure}"
        );
    }
    // The statuses cover the class's two Mathematics entries only.
    let status: Vec<_> = rows
        .iter()
        .filter(|r| r[3] == "status" && r[4] == "all" && r[5] == "all")
        .map(|r| (r[7].as_str(), r[10].as_str(), r[12].as_str()))
        .collect();
    assert_eq!(
        status[..3],
        [
            ("on_track", "2", "0.0"),
            ("slightly_off_track", "2", "50.0"),
            ("off_track", "2", "50.0")
        ]
    );
    // Suppressed as before: every group here has fewer than 5 pupils.
    let hidden = csv_rows(&env.ok(&[
        "--config", &cfg, "summary", "--class", "3C/Ma", "--format", "csv",
    ]));
    assert!(
        hidden
            .iter()
            .filter(|r| r[3] == "equity" && r[9] != "0")
            .all(|r| r[9] == "c" && r[16] == "Y"),
        "small groups shown"
    );
}
