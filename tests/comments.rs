//! `tracker comments` against the QA fixture: lengths, the over-limit flag at
//! 400/401 characters, `--asn`, filters, and a formula payload kept inert.

mod common;
mod qa_fixture;

use common::{Env, csv_rows};
use qa_fixture::qa_school;

const PAYLOAD: &str = "=HYPERLINK(\"http://x\")";

fn row(cells: [&str; 9]) -> Vec<String> {
    cells.iter().map(|s| s.to_string()).collect()
}

#[test]
fn one_row_per_comment_sorted_by_teacher_subject_scn() {
    let env = Env::new();
    let (cfg, _) = qa_school(&env);
    let (out, err) = env.expect(0, &["--config", &cfg, "comments", "--format", "csv"]);
    assert!(err.is_empty(), "comments wrote to stderr: {err}");
    let e400 = "é".repeat(400);
    let e401 = "é".repeat(401);
    let neutralised = format!("'{PAYLOAD}");
    assert_eq!(
        csv_rows(&out),
        [
            row([
                "school",
                "window",
                "scn",
                "stage",
                "subject",
                "teacher",
                "length",
                "over_limit",
                "comment"
            ]),
            row([
                "QAS",
                "2025-26/2",
                "200000002",
                "S2",
                "French",
                "Mme Roux",
                "400",
                "N",
                &e400
            ]),
            row([
                "QAS",
                "2025-26/2",
                "200000001",
                "S2",
                "Mathematics",
                "Mr Shaw",
                "401",
                "Y",
                &e401
            ]),
            row([
                "QAS",
                "2025-26/2",
                "200000005",
                "S5",
                "Music",
                "Ms Kerr",
                "15",
                "N",
                "Practise scales"
            ]),
            row([
                "QAS",
                "2025-26/2",
                "200000006",
                "S3",
                "Music",
                "Ms Kerr",
                "22",
                "N",
                &neutralised
            ]),
            row([
                "QAS",
                "2025-26/2",
                "200000001",
                "S2",
                "English",
                "Ms Reid",
                "13",
                "N",
                "Good progress"
            ]),
        ]
    );
}

/// (scn, subject) of the comments a command lists.
fn listed(env: &Env, cfg: &str, extra: &[&str]) -> Vec<(String, String)> {
    let mut args = vec!["--config", cfg, "comments", "--format", "csv"];
    args.extend(extra);
    csv_rows(&env.ok(&args))
        .into_iter()
        .skip(1)
        .map(|r| (r[2].clone(), r[4].clone()))
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn asn_keeps_only_learners_with_recorded_asn() {
    let env = Env::new();
    let (cfg, _) = qa_school(&env);
    assert_eq!(
        listed(&env, &cfg, &["--asn"]),
        pairs(&[("200000005", "Music"), ("200000006", "Music")])
    );
}

#[test]
fn teacher_class_faculty_subject_and_stage_filters() {
    let env = Env::new();
    let (cfg, _) = qa_school(&env);
    // (flags, the (scn, subject) pairs listed)
    type Case = (
        &'static [&'static str],
        &'static [(&'static str, &'static str)],
    );
    let cases: &[Case] = &[
        (
            &["--teacher", "MS KERR"],
            &[("200000005", "Music"), ("200000006", "Music")],
        ),
        (
            &["--teacher", "Ms Kerr", "--stage", "S3"],
            &[("200000006", "Music")],
        ),
        (&["--class", "5a/mu"], &[("200000005", "Music")]),
        (
            &["--faculty", "Modern Languages"],
            &[("200000002", "French")],
        ),
        (&["--subject", " english "], &[("200000001", "English")]),
        (&["--asn", "--teacher", "Ms Reid"], &[]),
    ];
    for (args, want) in cases {
        assert_eq!(listed(&env, &cfg, args), pairs(want), "{args:?}");
    }
}

#[test]
fn the_limit_comes_from_the_config() {
    let env = Env::new();
    let (cfg, _) = qa_school(&env);
    let flags = |max: usize| -> Vec<String> {
        let text = std::fs::read_to_string(&cfg).unwrap().replace(
            "comment_max_chars = 400",
            &format!("comment_max_chars = {max}"),
        );
        let path = env.write(&format!("max{max}.toml"), text);
        let out = env.ok(&[
            "--config",
            path.to_str().unwrap(),
            "comments",
            "--format",
            "csv",
            "--teacher",
            "Ms Kerr",
            "--stage",
            "S5",
        ]);
        csv_rows(&out)
            .into_iter()
            .skip(1)
            .map(|r| r[7].clone())
            .collect()
    };
    // "Practise scales" is 15 characters.
    assert_eq!(flags(15), ["N"]);
    assert_eq!(flags(14), ["Y"]);
}

#[test]
fn a_formula_in_a_comment_stays_a_plain_string() {
    let env = Env::new();
    let (cfg, _) = qa_school(&env);
    let only = ["--teacher", "Ms Kerr", "--stage", "S3"];
    let json = env.ok(&[
        &["--config", cfg.as_str(), "comments", "--format", "json"][..],
        &only,
    ]
    .concat());
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    // JSON is not opened by spreadsheets: the text is as written.
    assert_eq!(v[0]["comment"], PAYLOAD);
    assert_eq!(v[0]["length"], 22);

    use calamine::{Data, Reader, Xlsx, open_workbook};
    env.ok(&[
        &[
            "--config",
            cfg.as_str(),
            "comments",
            "--format",
            "xlsx",
            "-o",
            "c.xlsx",
        ][..],
        &only,
    ]
    .concat());
    let mut book: Xlsx<_> = open_workbook(env.path("c.xlsx")).unwrap();
    let range = book.worksheet_range("comments").unwrap();
    assert_eq!(range.get((0, 8)), Some(&Data::String("comment".into())));
    assert_eq!(
        range.get((1, 8)),
        Some(&Data::String(format!("'{PAYLOAD}")))
    );
    assert_eq!(range.get((1, 6)), Some(&Data::Float(22.0)));
    let formulas = book.worksheet_formula("comments").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "a cell holds a formula"
    );
}
