//! `tracker ingest`: reading exports (SPEC 2), row checks (2.6, 10.2) and the
//! store's replace-by-stage and no-op rules (7.1, 10.1, 10.16).

mod common;
use common::{Env, csv_rows};

fn subjects(env: &Env) -> Vec<Vec<String>> {
    csv_rows(&env.ok(&["subjects", "--format", "csv"]))
}

fn ingest(env: &Env, window: &str, files: &[&std::path::Path]) -> (String, String) {
    let mut args = vec!["ingest", "--window", window];
    let names: Vec<String> = files
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .collect();
    args.extend(names.iter().map(String::as_str));
    env.expect(0, &args)
}

const PUPILS: &str = "SCN,Forename,Surname,Stage,House,CAT Mean SAS\n\
100000001,Amy,Adams,S1,Arran,115\n100000002,Ben,Brown,S3,Bute,95\n";

#[test]
fn every_kind_is_recognised_and_reported_per_file() {
    let env = Env::new();
    let f = env.fixture("small");
    let names = [
        "pupils.csv",
        "bge.csv",
        "senior.csv",
        "overrides.csv",
        "interventions.csv",
    ];
    let paths: Vec<_> = names.iter().map(|n| f.join(n)).collect();
    let refs: Vec<&std::path::Path> = paths.iter().map(|p| p.as_path()).collect();
    let (out, err) = ingest(&env, "2025-26/1", &refs);
    assert!(out.is_empty(), "ingest writes nothing to stdout");
    for (name, kind, rows) in [
        ("pupils.csv", "pupils", 8),
        ("bge.csv", "bge", 24),
        ("senior.csv", "senior", 10),
        ("overrides.csv", "overrides", 1),
        ("interventions.csv", "interventions", 2),
    ] {
        let line = format!("{name}: {kind}, {rows} rows stored, 0 rejected");
        assert!(err.contains(&line), "{line}\n{err}");
    }
    let windows = csv_rows(&env.ok(&["windows", "--format", "csv"]));
    assert_eq!(
        windows[0],
        ["school", "window", "kind", "rows", "ingested_at"]
    );
    let kinds: Vec<(&str, &str)> = windows[1..]
        .iter()
        .map(|r| (r[2].as_str(), r[3].as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("pupils", "8"),
            ("bge", "24"),
            ("senior", "10"),
            ("overrides", "1"),
            ("interventions", "2")
        ]
    );
}

#[test]
fn aliases_semicolons_crlf_bom_quotes_and_trailing_columns() {
    let env = Env::new();
    let p = env.write("p.csv", PUPILS);
    // BOM, semicolons, CRLF, aliased and oddly spelt headers, a quoted field
    // holding the delimiter and a newline, trailing empty columns, blank lines,
    // an unknown column, and separate Level / Progress Code columns.
    let bge = "\u{feff}Candidate Number;SUBJECT NAME;cfe_level;Progress Code;Class Teacher;Report Comment;Shoe Size;;\r\n\
               100000001;English;2;B;Ms Reid;\"Good; keep\r\ngoing\";9;;\r\n\
               \r\n\
               100000001;Mathematics;2b;;Mr Shaw;;;;\r\n";
    let b = env.write("b.csv", bge);
    let (_, err) = ingest(&env, "2025-26/1", &[&p, &b]);
    assert!(
        err.contains("b.csv: bge, 2 rows stored, 0 rejected"),
        "{err}"
    );
    assert!(
        err.contains("ignored unknown columns: `Shoe Size`"),
        "{err}"
    );
    let rows = subjects(&env);
    assert_eq!(rows[1][4], "English");
    assert_eq!(rows[1][8], "2b", "Level 2 + Progress Code B = 2b");
    assert_eq!(rows[2][8], "2b");
}

#[test]
fn tab_delimited_and_windows_1252() {
    let env = Env::new();
    let mut bytes = b"SCN\tForename\tSurname\tStage\tHouse\tCAT Mean SAS\r\n".to_vec();
    bytes.extend_from_slice(b"100000001\tRen\xe9e\tO'Ne\xefl\tS1\tArran\t115\r\n");
    let p = env.write("p.csv", bytes);
    let b = env.write("b.csv", "SCN,Subject,Level\n100000001,English,2b\n");
    ingest(&env, "2025-26/1", &[&p, &b]);
    let rows = csv_rows(&env.ok(&["offtrack", "--all", "--format", "csv"]));
    assert_eq!(rows[1][3], "Renée");
    assert_eq!(rows[1][4], "O'Neïl");
}

#[test]
fn rejected_rows_are_counted_and_kept_out_with_file_and_line() {
    let env = Env::new();
    let p = env.write("p.csv", PUPILS);
    let b = env.write(
        "b.csv",
        "SCN,Subject,Level,Stage\n\
         100000001,English,2b,S1\n\
         12345678,English,2b,S1\n\
         ,English,2b,S1\n\
         100000001,,2b,S1\n\
         100000001,Maths,2b,S5\n\
         100000001,History,2b\n\
         100000001,Art,2b,S1,extra\n\
         100000001,Music,7z,S1\n",
    );
    let (_, err) = ingest(&env, "2025-26/1", &[&p, &b]);
    assert!(
        err.contains("b.csv: bge, 2 rows stored, 6 rejected"),
        "{err}"
    );
    for (line, reason) in [
        (3, "invalid_scn"),
        (4, "missing_scn"),
        (5, "missing_subject"),
        (6, "stage_not_bge"),
        (7, "wrong_field_count"),
        (8, "wrong_field_count"),
    ] {
        assert!(
            err.contains(&format!("b.csv:{line}: rejected: {reason}")),
            "{line} {reason}\n{err}"
        );
    }
    // The invalid level is kept as entered.
    let rows = subjects(&env);
    let music = rows.iter().find(|r| r[4] == "Music").unwrap();
    assert_eq!(music[8], "7z");
    assert_eq!(music[15], "missing");
}

/// Old Mac files end lines with a CR alone: rejects still name the line a
/// person opens the file at.
#[test]
fn rejected_rows_name_their_line_whatever_the_line_ends() {
    for (name, end) in [("lf.csv", "\n"), ("crlf.csv", "\r\n"), ("cr.csv", "\r")] {
        let env = Env::new();
        let text = [
            "SCN,Subject,Level",
            "100000001,English,2b",
            ",Maths,2b",
            "100000001,Art,2a",
            "",
        ]
        .join(end);
        let b = env.write(name, text);
        let (_, err) = ingest(&env, "2025-26/1", &[&b]);
        assert!(
            err.contains(&format!("{name}:3: rejected: missing_scn")),
            "{name}\n{err}"
        );
    }
}

#[test]
fn strict_exits_3_and_dry_run_write_nothing() {
    let env = Env::new();
    let p = env.write("p.csv", PUPILS);
    let b = env.write(
        "b.csv",
        "SCN,Subject,Level\n100000001,English,2b\n1234,English,2b\n",
    );
    let (_, err) = env.expect(
        3,
        &[
            "ingest",
            "--strict",
            "--window",
            "2025-26/1",
            p.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!env.store().exists(), "--strict created the store");
    let (_, err) = env.expect(
        0,
        &[
            "ingest",
            "--dry-run",
            "--window",
            "2025-26/1",
            p.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
    );
    assert!(
        err.contains("b.csv: bge, 1 rows stored, 1 rejected"),
        "{err}"
    );
    assert!(!env.store().exists(), "--dry-run created the store");
    env.ok(&["init"]);
    env.ok(&[
        "ingest",
        "--dry-run",
        "--window",
        "2025-26/1",
        p.to_str().unwrap(),
    ]);
    // Nothing was ingested: the store holds no window to report.
    env.expect(1, &["subjects"]);
}

#[test]
fn a_bad_file_fails_the_whole_ingest_and_writes_nothing() {
    let env = Env::new();
    let good = env.write("good.csv", PUPILS);
    let cases: &[(&str, &[u8], &str)] = &[
        (
            "missing.csv",
            b"SCN,Subject\n100000001,English\n",
            "missing required column `Level`",
        ),
        ("empty.csv", b"SCN,Subject,Level\n\n", "no data rows"),
        ("nothing.csv", b"", "no header row"),
        ("book.csv", b"PK\x03\x04\x14\x00binary", "Excel workbook"),
        ("utf16.csv", b"\xff\xfeS\x00C\x00N\x00", "UTF-16"),
        ("what.csv", b"Name,Shoe\nA,9\n", "cannot tell what kind"),
    ];
    for (name, bytes, message) in cases {
        let bad = env.write(name, bytes);
        let (_, err) = env.expect(
            1,
            &[
                "ingest",
                "--window",
                "2025-26/1",
                good.to_str().unwrap(),
                bad.to_str().unwrap(),
            ],
        );
        assert!(err.contains(name) && err.contains(message), "{name}: {err}");
        assert!(
            !env.store().join("manifest.json").exists(),
            "{name} wrote a manifest"
        );
    }
    let bad = env.write("m.csv", "SCN,Subject\n100000001,English\n");
    let (_, err) = env.expect(
        1,
        &["ingest", "--window", "2025-26/1", bad.to_str().unwrap()],
    );
    assert!(
        err.contains("expected: `SCN`, `Subject`, `Level`; found: `SCN`, `Subject`"),
        "{err}"
    );
}

/// Kinds are parsed and encoded one after another (pupils, then BGE, then
/// Senior Phase): a file of a later kind that cannot be trusted still stops
/// the whole ingest after the earlier kinds were encoded. The store keeps
/// what it had, byte for byte, and no file is said to have stored rows.
#[test]
fn a_bad_file_of_a_later_kind_writes_nothing_of_the_earlier_kinds() {
    let env = Env::new();
    let p = env.write("p.csv", PUPILS);
    let b = env.write("b.csv", "SCN,Subject,Level\n100000001,English,2b\n");
    ingest(&env, "2025-26/1", &[&p, &b]);
    let manifest = std::fs::read(env.store().join("manifest.json")).unwrap();
    let before = subjects(&env);

    let p2 = env.write(
        "p2.csv",
        "SCN,Forename,Surname,Stage\n100000001,Amy,Adams,S2\n100000003,Cal,Cole,S2\n",
    );
    let b2 = env.write("b2.csv", "SCN,Subject,Level\n100000003,English,3a\n");
    // Cut off in its last row: no line break, too few fields.
    let s2 = env.write(
        "s2.csv",
        "SCN,Subject,Course Level,Target Grade,Working Grade\n100000002,Maths,N5,2,2\n100000002,Eng",
    );
    let (_, err) = env.expect(
        1,
        &[
            "ingest",
            "--window",
            "2025-26/1",
            p2.to_str().unwrap(),
            b2.to_str().unwrap(),
            s2.to_str().unwrap(),
        ],
    );
    assert!(
        err.contains("s2.csv") && err.contains("fewer fields than the header"),
        "{err}"
    );
    assert!(!err.contains("rows stored"), "{err}");
    assert_eq!(
        std::fs::read(env.store().join("manifest.json")).unwrap(),
        manifest,
        "the manifest changed"
    );
    assert_eq!(subjects(&env), before);
}

#[test]
fn later_duplicate_wins_and_the_conflict_is_recorded() {
    let env = Env::new();
    let p = env.write("p.csv", PUPILS);
    let b = env.write("b.csv", "SCN,Subject,Level\n100000001,English,2a\n100000001,english,2b\n100000001,Maths,2b\n100000001,Maths,2b\n");
    let (_, err) = ingest(&env, "2025-26/1", &[&p, &b]);
    assert!(
        err.contains("b.csv: bge, 2 rows stored, 0 rejected, warnings: 1 duplicate_conflict"),
        "{err}"
    );
    let rows = subjects(&env);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1][8], "2b");
    let conflicts: Vec<_> =
        std::fs::read_dir(env.store().join("conflicts/school=SCHOOL/window=2025-26_1"))
            .unwrap()
            .collect();
    assert_eq!(conflicts.len(), 1);
}

#[test]
fn reingest_replaces_only_the_stages_the_new_file_holds() {
    let env = Env::new();
    let p = env.write("p.csv", PUPILS);
    let s1 = env.write(
        "s1.csv",
        "SCN,Subject,Level\n100000001,English,2b\n100000001,Maths,2b\n",
    );
    let s3 = env.write("s3.csv", "SCN,Subject,Level\n100000002,English,3a\n");
    ingest(&env, "2025-26/1", &[&p, &s1]);
    ingest(&env, "2025-26/1", &[&s3]);
    assert_eq!(subjects(&env).len(), 4, "S3 added beside S1");
    let s3b = env.write(
        "s3b.csv",
        "SCN,Subject,Level\n100000002,History,3b\n100000002,Music,3c\n",
    );
    ingest(&env, "2025-26/1", &[&s3b]);
    let rows = subjects(&env);
    let got: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[2].as_str(), r[4].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("100000001", "English"),
            ("100000001", "Maths"),
            ("100000002", "History"),
            ("100000002", "Music")
        ]
    );
}

#[test]
fn an_identical_file_is_a_no_op_that_says_so() {
    let env = Env::new();
    let p = env.write("p.csv", PUPILS);
    ingest(&env, "2025-26/1", &[&p]);
    let manifest = std::fs::read(env.store().join("manifest.json")).unwrap();
    let (_, err) = ingest(&env, "2025-26/1", &[&p]);
    assert!(err.contains("already ingested"), "{err}");
    assert_eq!(
        std::fs::read(env.store().join("manifest.json")).unwrap(),
        manifest
    );
    // The same file for another window is new there.
    let (_, err) = ingest(&env, "2025-26/2", &[&p]);
    assert!(err.contains("p.csv: pupils, 2 rows stored"), "{err}");
}

#[test]
fn raw_copies_are_byte_exact_and_the_manifest_records_every_ingest() {
    let env = Env::new();
    let bytes = b"SCN;Forename;Surname;Stage\r\n100000001;Ren\xe9e;X;S1\r\n".to_vec();
    let p = env.write("p.csv", &bytes);
    ingest(&env, "2025-26/1", &[&p]);
    let manifest: serde_json::Value = common::manifest::of(&env.store());
    let rec = &manifest["ingests"][0];
    assert_eq!(rec["kind"], "pupils");
    assert_eq!(rec["school"], "SCHOOL");
    assert_eq!(rec["window"], "2025-26/1");
    assert_eq!(rec["source"], "p.csv");
    assert_eq!(rec["rows_stored"], 1);
    assert_eq!(rec["rows_rejected"], 0);
    assert!(rec["ingested_at"].as_str().unwrap().starts_with("20"));
    let raw = env.store().join(rec["raw"].as_str().unwrap());
    assert_eq!(std::fs::read(raw).unwrap(), bytes);
    use sha2::Digest;
    let sha: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(rec["sha256"], sha);
}

#[test]
fn forced_kind_and_school_flag() {
    let env = Env::new();
    let p = env.write(
        "p.csv",
        "SCN,Stage,Subject,Level\n100000001,S1,English,2b\n",
    );
    env.ok(&[
        "ingest",
        "--kind",
        "pupils",
        "--school",
        "WHS",
        "--window",
        "2025-26/1",
        p.to_str().unwrap(),
    ]);
    let rows = csv_rows(&env.ok(&["windows", "--format", "csv"]));
    assert_eq!(rows[1][..3], ["WHS", "2025-26/1", "pupils"]);
    env.expect(
        2,
        &[
            "ingest",
            "--school",
            "../x",
            "--window",
            "2025-26/1",
            p.to_str().unwrap(),
        ],
    );
    env.expect(2, &["ingest", "--window", "2025-27/1", p.to_str().unwrap()]);
    env.expect(2, &["ingest", "--window", "2025-26/1"]);
}

#[test]
fn no_name_or_comment_reaches_stderr() {
    let env = Env::new();
    let p = env.write(
        "p.csv",
        "SCN,Forename,Surname,Stage\n1234,Zebedee,Quixotic,S1\n100000001,Xanthippe,Yarrow,S9\n",
    );
    let b = env.write(
        "b.csv",
        "SCN,Subject,Level,Comment,Forename\n12,English,2b,PRIVATE-COMMENT-XYZ,Zebedee\n100000001,English,2b,PRIVATE-COMMENT-XYZ,Zebedee\n100000001,English,2c,OTHER-PRIVATE,Zebedee\n",
    );
    let (_, err) = env.expect(
        0,
        &[
            "ingest",
            "--window",
            "2025-26/1",
            p.to_str().unwrap(),
            b.to_str().unwrap(),
        ],
    );
    for secret in ["Zebedee", "Quixotic", "Xanthippe", "Yarrow", "PRIVATE"] {
        assert!(!err.contains(secret), "{secret} leaked: {err}");
    }
    let shifted = env.write(
        "shifted.csv",
        "SCN,Subject,Level,Stage\n100000001,English,2b,Zebedee\n",
    );
    let (_, err) = env.expect(
        0,
        &["ingest", "--window", "2025-26/1", shifted.to_str().unwrap()],
    );
    assert!(
        err.contains("stage_not_bge") && !err.contains("Zebedee"),
        "{err}"
    );
    let bad = env.write("bad.csv", "SCN,Forename,Zebedee Column\n");
    let (_, err) = env.expect(
        1,
        &["ingest", "--window", "2025-26/1", bad.to_str().unwrap()],
    );
    assert!(!err.contains("Xanthippe"));
}

#[test]
fn rows_stored_before_their_pupils_were_known_are_replaced_by_stage_later() {
    let env = Env::new();
    let b = env.write("b.csv", "SCN,Subject,Level\n100000001,English,2a\n");
    ingest(&env, "2025-26/1", &[&b]);
    let p = env.write("p.csv", PUPILS);
    ingest(&env, "2025-26/1", &[&p]);
    let fixed = env.write("fixed.csv", "SCN,Subject,Level\n100000001,English,2b\n");
    ingest(&env, "2025-26/1", &[&fixed]);
    let rows = subjects(&env);
    assert_eq!(
        rows.len(),
        2,
        "the corrected row replaced the unknown-stage one: {rows:?}"
    );
    assert_eq!(rows[1][8], "2b");
}

#[test]
fn stage_comes_from_the_latest_pupils_export_for_grouping_and_rejection() {
    let env = Env::new();
    let p = env.write(
        "p.csv",
        "SCN,Stage\n100000001,S1\n100000002,S2\n100000003,S3\n100000005,S5\n",
    );
    ingest(&env, "2025-26/1", &[&p]);
    // Window 2 has no pupils export of its own: window 1's stages apply.
    let a = env.write(
        "a.csv",
        "SCN,Subject,Level\n100000001,English,2b\n100000002,English,2b\n",
    );
    let b = env.write(
        "b.csv",
        "SCN,Subject,Level\n100000003,English,3a\n100000005,English,3a\n",
    );
    ingest(&env, "2025-26/2", &[&a]);
    let (_, err) = ingest(&env, "2025-26/2", &[&b]);
    assert!(
        err.contains("b.csv:3: rejected: stage_not_bge"),
        "an S5 pupil's BGE row: {err}"
    );
    let rows = subjects(&env);
    let scns: Vec<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(
        scns,
        ["100000001", "100000002", "100000003"],
        "S3's file kept S1-S2's rows"
    );
}
