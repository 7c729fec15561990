//! `tracker grid`: the Year Group Tracker as a wide table, a workbook and a
//! page, on the small hand-made school.

mod common;

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use common::{Env, FIXTURES, assert_csv_eq, csv_rows, dump_dom, render};

fn grid(env: &Env, extra: &[&str]) -> String {
    let cfg = env.small_config();
    let mut args = vec!["--config", cfg.as_str(), "grid"];
    args.extend_from_slice(extra);
    env.ok(&args)
}

/// Rows as maps from column name to value.
fn records(csv: &str) -> Vec<HashMap<String, String>> {
    let rows = csv_rows(csv);
    let header = &rows[0];
    rows[1..]
        .iter()
        .map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

#[test]
fn the_small_school_grid_matches_the_hand_worked_csv() {
    let env = Env::new();
    env.small_school();
    let out = grid(&env, &["--format", "csv"]);
    assert_csv_eq(&out, &Path::new(FIXTURES).join("small/expected/grid.csv"));
    // Every hand-worked subject row is one cell of the grid, with its status.
    let grid = records(&out);
    let subjects =
        std::fs::read_to_string(Path::new(FIXTURES).join("small/expected/subjects.csv")).unwrap();
    let subjects = records(&subjects);
    for s in &subjects {
        let row = grid
            .iter()
            .find(|g| g["scn"] == s["scn"])
            .expect("pupil in the grid");
        let status = &row[&format!("{}__status", s["subject"])];
        assert_eq!(status, &s["status"], "{} {}", s["scn"], s["subject"]);
        let shown = &row[&s["subject"]];
        let want = if s["phase"] == "bge" {
            s["level"].clone()
        } else if s["working_grade"].is_empty() && s["target_grade"].is_empty() {
            String::new()
        } else {
            format!("{}/{}", s["working_grade"], s["target_grade"])
        };
        assert_eq!(shown, &want, "{} {}", s["scn"], s["subject"]);
    }
    let cells = grid
        .iter()
        .flat_map(|g| {
            g.iter()
                .filter(|(k, v)| k.ends_with("__status") && !v.is_empty())
        })
        .count();
    assert_eq!(cells, subjects.len(), "one cell per subject row, no more");
    // The counts and lead are offtrack's.
    let offtrack =
        std::fs::read_to_string(Path::new(FIXTURES).join("small/expected/offtrack_all.csv"))
            .unwrap();
    for o in records(&offtrack) {
        let g = grid.iter().find(|g| g["scn"] == o["scn"]).unwrap();
        for col in [
            "off_track",
            "missing",
            "faculties_off_track",
            "lead_role",
            "lead_name",
            "override",
        ] {
            assert_eq!(g[col], o[col], "{} {col}", o["scn"]);
        }
    }
}

#[test]
fn off_track_only_keeps_pupils_off_track_in_a_faculty() {
    let env = Env::new();
    env.small_school();
    let all = records(&grid(&env, &["--format", "csv"]));
    let some = records(&grid(&env, &["--format", "csv", "--off-track-only"]));
    let want: Vec<&String> = all
        .iter()
        .filter(|r| r["faculties_off_track"] != "0")
        .map(|r| &r["scn"])
        .collect();
    let got: Vec<&String> = some.iter().map(|r| &r["scn"]).collect();
    assert_eq!(got, want);
    assert!(got.len() < all.len());
}

#[test]
fn change_is_against_the_previous_window() {
    let env = Env::new();
    let f = env.small_school();
    let cfg = env.small_config();
    let w2 = f.join("w2/senior.csv");
    env.ok(&[
        "--config",
        &cfg,
        "-q",
        "ingest",
        "--window",
        "2025-26/2",
        w2.to_str().unwrap(),
    ]);
    let then = records(&env.ok(&[
        "--config",
        &cfg,
        "offtrack",
        "--all",
        "--window",
        "2025-26/1",
        "--format",
        "csv",
    ]));
    let now = records(&grid(&env, &["--format", "csv", "--window", "2025-26/2"]));
    assert!(!now.is_empty());
    for row in &now {
        let before = then.iter().find(|t| t["scn"] == row["scn"]).unwrap();
        let want: i64 = row["faculties_off_track"].parse::<i64>().unwrap()
            - before["faculties_off_track"].parse::<i64>().unwrap();
        assert_eq!(row["change"], want.to_string(), "{}", row["scn"]);
    }
    // The first window has none to compare with.
    let first = records(&grid(&env, &["--format", "csv", "--window", "2025-26/1"]));
    assert!(first.iter().all(|r| r["change"].is_empty()));
}

#[test]
fn a_filter_selects_pupils_and_the_subjects_they_keep() {
    let env = Env::new();
    env.small_school();
    let out = records(&grid(&env, &["--format", "csv", "--teacher", "mme roux"]));
    assert!(!out.is_empty());
    let mut subjects: Vec<&String> = out[0].keys().filter(|k| k.ends_with("__status")).collect();
    subjects.sort();
    assert_eq!(
        subjects,
        ["French__status", "Spanish__status"],
        "only the subjects Mme Roux teaches"
    );
    // The counts still cover every subject of the pupil.
    let amy = out.iter().find(|r| r["scn"] == "100000001").unwrap();
    assert_eq!(amy["off_track"], "2");
}

#[test]
fn json_and_parquet_carry_the_wide_table() {
    let env = Env::new();
    env.small_school();
    let json: serde_json::Value = serde_json::from_str(&grid(&env, &["--format", "json"])).unwrap();
    let first = &json[0];
    assert_eq!(first["scn"], "100000008");
    assert_eq!(first["English"], "2c");
    assert_eq!(first["English__status"], "off_track");
    assert_eq!(first["faculties_off_track"], 5);
    assert!(first["change"].is_null());
    let out = env.path("grid.parquet");
    grid(&env, &["--format", "parquet", "-o", out.to_str().unwrap()]);
    assert!(std::fs::read(&out).unwrap().starts_with(b"PAR1"));
}

/// The parts of an xlsx file, by name.
fn unzip(path: &Path) -> HashMap<String, String> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            (f.name().to_string(), s)
        })
        .collect()
}

/// Every `<tag .../>` or `<tag ...>` in `xml`, as its text.
fn tags<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag} ");
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = xml[at..].find(&open) {
        let start = at + i;
        let end = start + xml[start..].find('>').unwrap();
        out.push(&xml[start..=end]);
        at = end;
    }
    out
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    Some(&tag[i..i + tag[i..].find('"')?])
}

#[test]
fn the_workbook_has_a_sheet_per_stage_frozen_panes_fills_and_a_legend() {
    let env = Env::new();
    let f = env.small_school();
    // A name that a spreadsheet would run as a formula.
    let pupils = std::fs::read_to_string(f.join("pupils.csv")).unwrap();
    let hostile = pupils.replacen("Amy", "=HYPERLINK(\"http://x\")", 1);
    assert_ne!(hostile, pupils);
    let p = env.write("hostile/pupils.csv", hostile);
    let cfg = env.small_config();
    env.ok(&[
        "--config",
        &cfg,
        "-q",
        "ingest",
        "--window",
        "2025-26/1",
        p.to_str().unwrap(),
    ]);
    let out = env.path("tracker.xlsx");
    grid(&env, &["--format", "xlsx", "-o", out.to_str().unwrap()]);

    use calamine::{Reader, Xlsx, open_workbook};
    let mut book: Xlsx<_> = open_workbook(&out).unwrap();
    assert_eq!(book.sheet_names(), ["S1", "S2", "S3", "S4", "S5", "Legend"]);
    let s1 = book.worksheet_range("S1").unwrap();
    let row = |r: usize| -> Vec<String> {
        (0..s1.width())
            .map(|c| s1.get((r, c)).map_or(String::new(), |v| v.to_string()))
            .collect()
    };
    assert_eq!(row(0)[15], "English", "faculty row above the subjects");
    assert_eq!(row(1)[2], "scn");
    assert_eq!(row(1)[15], "English");
    let amy = (2..s1.height())
        .map(row)
        .find(|r| r[2] == "100000001")
        .unwrap();
    assert_eq!(amy[4], "'=HYPERLINK(\"http://x\")", "neutralised (SPEC 9)");
    let legend = book.worksheet_range("Legend").unwrap();
    let words: Vec<String> = legend.rows().map(|r| r[1].to_string()).collect();
    for status in ["on_track", "slightly_off_track", "off_track", "missing"] {
        assert!(words.iter().any(|w| w == status), "{status} in the legend");
    }

    let parts = unzip(&out);
    // Fill colour of each cell style.
    let styles = &parts["xl/styles.xml"];
    let fills: Vec<Option<&str>> = styles
        .split("<fill>")
        .skip(1)
        .map(|f| tags(f, "fgColor").first().and_then(|t| attr(t, "rgb")))
        .collect();
    let xfs_part = &styles[styles.find("<cellXfs").unwrap()..];
    let xf_fill: Vec<Option<&str>> = tags(xfs_part, "xf")
        .iter()
        .map(|xf| attr(xf, "fillId").and_then(|i| fills[i.parse::<usize>().unwrap()]))
        .collect();
    let mut by_fill: HashMap<&str, usize> = HashMap::new();
    for n in 1..=5 {
        let sheet = &parts[&format!("xl/worksheets/sheet{n}.xml")];
        assert!(
            !sheet.contains("<f>") && !sheet.contains("<f "),
            "a formula cell in sheet {n}"
        );
        let pane = tags(sheet, "pane");
        assert_eq!(pane.len(), 1, "sheet {n} has frozen panes");
        assert_eq!(attr(pane[0], "state"), Some("frozen"));
        assert_eq!(
            attr(pane[0], "xSplit"),
            Some("15"),
            "frozen at the first subject"
        );
        assert_eq!(
            attr(pane[0], "ySplit"),
            Some("2"),
            "frozen below the headers"
        );
        assert!(
            sheet.contains("<autoFilter "),
            "sheet {n} has an autofilter"
        );
        assert!(
            sheet.contains("orientation=\"landscape\""),
            "sheet {n} prints landscape"
        );
        assert!(
            sheet.contains("fitToWidth=\"1\"") || sheet.contains("<pageSetUpPr fitToPage=\"1\"/>")
        );
        for c in tags(sheet, "c")
            .iter()
            .filter(|c| c.contains(" r=\"") && !c.contains(" r=\"A"))
        {
            let row: usize = attr(c, "r")
                .unwrap()
                .trim_start_matches(char::is_alphabetic)
                .parse()
                .unwrap();
            if row <= 2 {
                continue;
            }
            if let Some(fill) = attr(c, "s").and_then(|s| xf_fill[s.parse::<usize>().unwrap()]) {
                *by_fill.entry(fill).or_default() += 1;
            }
        }
    }
    assert!(
        parts["xl/workbook.xml"].contains("_xlnm.Print_Titles"),
        "header rows repeat"
    );
    // As many cells of each colour as the grid has entries of that status.
    let csv = records(&grid(&env, &["--format", "csv"]));
    let count = |statuses: &[&str]| {
        csv.iter()
            .flat_map(|r| {
                r.iter()
                    .filter(|(k, v)| k.ends_with("__status") && statuses.contains(&v.as_str()))
            })
            .count()
    };
    assert_eq!(
        by_fill.get("FFC6EFCE").copied().unwrap_or(0),
        count(&["on_track"])
    );
    assert_eq!(
        by_fill.get("FFFFEB9C").copied().unwrap_or(0),
        count(&["slightly_off_track"])
    );
    assert_eq!(
        by_fill.get("FFFFC7CE").copied().unwrap_or(0),
        count(&["off_track"])
    );
    assert_eq!(
        by_fill.get("FFD9D9D9").copied().unwrap_or(0),
        count(&["missing", "no_pathway", "no_target"])
    );
    assert!(count(&["missing"]) > 0 && count(&["slightly_off_track"]) > 0);
}

#[test]
#[cfg_attr(not(has_chromium), ignore = "needs chromium (.ci/run installs it)")]
fn the_page_renders_offline_with_and_without_javascript() {
    let env = Env::new();
    env.small_school();
    let page = env.path("grid.html");
    grid(&env, &["--format", "html", "-o", page.to_str().unwrap()]);
    let html = std::fs::read_to_string(&page).unwrap();
    for stage in ["S1", "S2", "S3", "S4", "S5"] {
        assert!(
            html.contains(&format!("<h2>{stage} ")),
            "a section for {stage}"
        );
    }
    assert!(html.contains("<b>✗</b>1c"), "a symbol beside the colour");
    assert!(html.contains("@media print"));
    let wide = ["--window-size=1600,1000"];
    let (png, requests) = render(env.dir.path(), &page, "grid", &wide);
    assert!(requests.is_empty(), "the page made requests: {requests:?}");
    // JavaScript off: the same page under a policy that runs no script.
    let no_js = env.write(
        "grid-nojs.html",
        html.replacen(
            "<head>",
            "<head>\n<meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'\">",
            1,
        ),
    );
    let (png_off, requests) = render(env.dir.path(), &no_js, "grid-nojs", &wide);
    assert!(requests.is_empty(), "{requests:?}");
    assert!(
        dump_dom(&page).contains("<html lang=\"en\" class=\"js\">"),
        "the script ran"
    );
    let dom = dump_dom(&no_js);
    assert!(!dom.contains("class=\"js\""), "no script ran");
    assert!(
        dom.contains("<td class=\"s off\""),
        "the grid is there without it"
    );
    let blank = env.write("blank.html", "<!DOCTYPE html><html><body></body></html>");
    let (blank, _) = render(env.dir.path(), &blank, "blank", &wide);
    for (name, shot) in [("with JavaScript", &png), ("without JavaScript", &png_off)] {
        assert!(shot.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}: not a PNG");
        assert!(
            shot.len() > 10 * blank.len(),
            "{name}: looks blank ({} bytes)",
            shot.len()
        );
    }
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::write(keep.join("grid-screenshot.png"), &png).unwrap();
    std::fs::write(keep.join("grid-screenshot-nojs.png"), &png_off).unwrap();
}

#[test]
fn terminal_tables_fit_a_100_column_terminal() {
    let env = Env::new();
    env.small_school();
    let cfg = env.small_config();
    for report in ["offtrack", "followup", "subjects", "grid"] {
        let out = env
            .cmd()
            .env("COLUMNS", "100")
            .args(["--config", &cfg, report])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        let longest = text.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(
            longest <= 100,
            "{report}: a line of {longest} characters\n{text}"
        );
        assert!(text.contains("100000001"), "{report} shows the pupils");
        // Every column with --wide; CSV always.
        let wide = env
            .cmd()
            .env_remove("COLUMNS")
            .args(["--config", &cfg, report, "--wide"])
            .output()
            .unwrap();
        let wide = String::from_utf8(wide.stdout).unwrap();
        assert!(wide.contains("school"), "{report} --wide has every column");
        assert!(
            !text.lines().next().unwrap().contains("school"),
            "{report}: compact"
        );
    }
}
