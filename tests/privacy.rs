//! Personal data (SPEC 9): everything tracker creates is owner-only under
//! any umask; no error path shows a pupil's name or comment; formula
//! payloads never reach a spreadsheet as formulas, in CSV or XLSX.

mod safety;
use safety::{FIXTURES, assert_no_panic, fixture_store, tracker};

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{Data, Reader, Xlsx, open_workbook};

/// Run under umask 000, so only the modes tracker asks for protect the data.
fn umask_000(c: &mut Command) -> &mut Command {
    // SAFETY: umask is async-signal-safe, fine between fork and exec.
    unsafe {
        c.pre_exec(|| {
            libc::umask(0);
            Ok(())
        })
    }
}

/// Every entry under `root`, with its permission bits.
fn modes(root: &Path) -> Vec<(PathBuf, bool, u32)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let meta = std::fs::symlink_metadata(e.path()).unwrap();
            out.push((e.path(), meta.is_dir(), meta.permissions().mode() & 0o777));
            if meta.is_dir() {
                stack.push(e.path());
            }
        }
    }
    out
}

fn run(c: &mut Command, what: &str) -> Output {
    let out = c.output().unwrap();
    assert_no_panic(what, &out);
    out
}

#[test]
fn everything_tracker_creates_is_owner_only_under_umask_000() {
    let dir = tempfile::tempdir().unwrap();
    let made = dir.path().join("made");
    std::fs::create_dir(&made).unwrap();
    let store = made.join("store");
    let fixture = |k: &str| Path::new(FIXTURES).join(format!("{k}.csv"));
    let ok = |c: &mut Command, what: &str| {
        let out = run(umask_000(c), what);
        assert!(out.status.success(), "{what}: {out:?}");
    };
    ok(tracker(&store).args(["-q", "init"]), "init");
    ok(
        tracker(&store)
            .args(["-q", "ingest", "--window", "2025-26/1"])
            .args(["pupils", "bge", "senior", "overrides", "interventions"].map(fixture)),
        "ingest",
    );
    let out_dir = made.join("out");
    std::fs::create_dir(&out_dir).unwrap();
    std::fs::set_permissions(&out_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    for (report, format) in [
        ("subjects", "csv"),
        ("subjects", "xlsx"),
        ("subjects", "parquet"),
        ("offtrack", "json"),
        ("offtrack", "table"),
        ("windows", "csv"),
        ("verify", "csv"),
    ] {
        let target = out_dir.join(format!("{report}.{format}"));
        ok(
            tracker(&store)
                .args([report, "--format", format, "-o"])
                .arg(&target),
            &format!("{report} -o .{format}"),
        );
    }
    // A report replacing a world-readable file leaves it owner-only.
    let old = out_dir.join("old.csv");
    std::fs::write(&old, "old").unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
    ok(
        tracker(&store)
            .args(["subjects", "--format", "csv", "-o"])
            .arg(&old),
        "replace",
    );
    ok(
        tracker(&store)
            .args(["-q", "demo", "--pupils", "100", "--dir"])
            .arg(made.join("demo")),
        "demo",
    );
    if cfg!(feature = "failpoints") {
        // Temporary files, caught where a kill leaves them.
        for point in ["tmp-written", "before-rename"] {
            let out = umask_000(
                tracker(&store)
                    .args(["-q", "ingest", "--window", "2025-26/2"])
                    .arg(Path::new(FIXTURES).join("w2/senior.csv"))
                    .env("TRACKER_FAILPOINT", point),
            )
            .output()
            .unwrap();
            assert!(!out.status.success(), "{point}");
        }
        let out = umask_000(
            tracker(&store)
                .args(["subjects", "--format", "csv", "-o"])
                .arg(out_dir.join("killed.csv"))
                .env("TRACKER_FAILPOINT", "output-written"),
        )
        .output()
        .unwrap();
        assert!(!out.status.success());
    }
    let all = modes(&made);
    let wrong: Vec<String> = all
        .iter()
        .filter(|(_, is_dir, mode)| *mode != if *is_dir { 0o700 } else { 0o600 })
        .map(|(p, _, m)| format!("{:o} {}", m, p.strip_prefix(&made).unwrap().display()))
        .collect();
    assert!(wrong.is_empty(), "not owner-only: {wrong:#?}");
    let has = |pred: &dyn Fn(&str) -> bool| {
        all.iter()
            .any(|(p, _, _)| pred(&p.file_name().unwrap().to_string_lossy()))
    };
    // The list above covers what it should.
    for (what, found) in [
        ("manifest", has(&|n| n == "manifest.json")),
        (
            "manifest segment",
            has(&|n| {
                let parts: Vec<&str> = n.split('.').collect();
                matches!(parts[..], [_, g, d, "json"] if g.len() == 6 && d.len() == 12)
            }),
        ),
        ("config", has(&|n| n == "tracker.toml")),
        ("lock", has(&|n| n == ".lock")),
        ("clean marker", has(&|n| n == ".clean")),
        (
            "partition",
            has(&|n| n.ends_with(".parquet") && n.starts_with("part-")),
        ),
        ("raw copy", has(&|n| n.len() == 68 && n.ends_with(".csv"))),
        ("xlsx", has(&|n| n == "subjects.xlsx")),
        (
            "demo export",
            has(&|n| n.contains("bge") && n.ends_with(".csv")),
        ),
    ] {
        assert!(found, "no {what} was checked");
    }
    if cfg!(feature = "failpoints") {
        assert!(has(&|n| n.starts_with(".tmp-")), "no store temporary file");
        assert!(
            has(&|n| n.starts_with(".tracker-")),
            "no output temporary file"
        );
    }
    eprintln!(
        "{} files and directories checked under umask 000",
        all.len()
    );
}

const MARKERS: [&str; 4] = [
    "Zebedee",
    "Quennell",
    "PRIVATE-COMMENT-XYZ",
    "Mhairi-Secret",
];

/// Every error path we can reach with data that names a pupil; stderr
/// must never carry a name or a comment.
#[test]
fn no_error_message_shows_a_name_or_a_comment() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path());
    let w = |name: &str, text: &[u8]| -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let bge_header = "SCN,Forename,Surname,Subject,Level,Stage,Class,Comment\n";
    let rejects = format!(
        "{bge_header}\
         ,Zebedee,Quennell,English,2b,S1,1A,PRIVATE-COMMENT-XYZ\n\
         12345,Zebedee,Quennell,English,2b,S1,1A,PRIVATE-COMMENT-XYZ\n\
         100000001,Zebedee,Quennell,,2b,S1,1A,PRIVATE-COMMENT-XYZ\n\
         100000001,Zebedee,Quennell,English,2b,S1,1A,PRIVATE-COMMENT-XYZ,Mhairi-Secret\n\
         100000001,Zebedee,Quennell\n\
         100000001,Zebedee,Quennell,English,2b,Zebedee,1A,PRIVATE-COMMENT-XYZ\n\
         100000001,Zebedee,Quennell,English,2b,S5,1A,PRIVATE-COMMENT-XYZ\n\
         100000002,Zebedee,Quennell,Art,2b,S1,1A,PRIVATE-COMMENT-XYZ\n\
         100000002,Zebedee,Quennell,Art,3a,S1,1A,Mhairi-Secret\n\
         100000003,Zebedee,Quennell,Art,Zebedee,Mhairi-Secret,1A,x\n"
    );
    let mut cases: Vec<(Vec<String>, PathBuf)> = Vec::new();
    let mut ingest_case = |name: &str, text: &[u8], extra: &[&str]| {
        let f = w(name, text);
        let mut args: Vec<String> = ["ingest", "--window", "2025-26/1"]
            .iter()
            .chain(extra)
            .map(|s| s.to_string())
            .collect();
        args.push(f.display().to_string());
        cases.push((args, f));
    };
    ingest_case("rejects.csv", rejects.as_bytes(), &[]);
    ingest_case("rejects-strict.csv", rejects.as_bytes(), &["--strict"]);
    ingest_case("rejects-dry.csv", rejects.as_bytes(), &["--dry-run"]);
    ingest_case(
        "pupils-bad.csv",
        b"SCN,Forename,Surname,Stage,FSM,Attendance\n100000001,Zebedee,Quennell,Zebedee,Mhairi-Secret,PRIVATE-COMMENT-XYZ\n,Zebedee,Quennell,S1,Y,90\n",
        &[],
    );
    ingest_case(
        "overrides-bad.csv",
        b"SCN,Lead Role,Lead Name,Reason\n100000001,,Zebedee Quennell,PRIVATE-COMMENT-XYZ\n",
        &[],
    );
    ingest_case(
        "interventions-bad.csv",
        b"SCN,Intervention,Notes,Staff\n100000001,,PRIVATE-COMMENT-XYZ,Zebedee\n",
        &[],
    );
    ingest_case(
        "missing-column.csv",
        b"SCN,Forename,Surname,Level\n100000001,Zebedee,Quennell,2b\n",
        &["--kind", "senior"],
    );
    ingest_case(
        "unknown-kind.csv",
        b"Forename,Surname\nZebedee,Quennell\n",
        &[],
    );
    ingest_case(
        "no-header.csv",
        b"100000001,Zebedee,Quennell,S1,PRIVATE-COMMENT-XYZ\n",
        &[],
    );
    ingest_case(
        "no-header-name-first.csv",
        b"Zebedee,Quennell,100000001,PRIVATE-COMMENT-XYZ\n",
        &[],
    );
    ingest_case(
        "cut-in-quotes.csv",
        format!("{bge_header}100000001,Zebedee,Quennell,English,2b,S1,1A,\"PRIVATE-COMMENT-XYZ\n")
            .as_bytes(),
        &[],
    );
    ingest_case(
        "cut-mid-row.csv",
        format!("{bge_header}100000001,Zebedee,Quennell,English").as_bytes(),
        &[],
    );
    ingest_case(
        "long-field.csv",
        format!(
            "{bge_header}100000001,Zebedee,Quennell,English,2b,S1,1A,{}\n",
            "PRIVATE-COMMENT-XYZ ".repeat(60_000)
        )
        .as_bytes(),
        &[],
    );
    ingest_case(
        "wide.csv",
        format!(
            "{bge_header}100000001,Zebedee{}\n",
            ",Quennell".repeat(2000)
        )
        .as_bytes(),
        &[],
    );
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            format!("{bge_header}100000001,Zebedee,Quennell,English,2b,S1,1A,x\n")
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    ingest_case("utf16.csv", &utf16, &[]);
    ingest_case(
        "nul.csv",
        format!("{bge_header}100000001,Zebedee\0,Quennell,English,2b,S1,1A,x\n").as_bytes(),
        &[],
    );
    ingest_case(
        "cut-in-char.csv",
        "SCN,Forename,Stage\n100000001,Zebedee Seònaid,S1\n100000002,Quennell\u{e9}"
            .as_bytes()
            .split_last()
            .unwrap()
            .1,
        &[],
    );
    for (args, _) in &mut cases {
        let out = run(tracker(&store).args(&*args), &args.join(" "));
        check_clean(&args.join(" "), &out);
        assert!(
            out.stdout.is_empty(),
            "{args:?}: ingest wrote to stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    // Reports: a pupil or window that is not there, a damaged store.
    for args in [
        &["pupil", "100000099"][..],
        &["subjects", "--window", "2030-31/1"],
    ] {
        let out = run(tracker(&store).args(args), &args.join(" "));
        check_clean(&args.join(" "), &out);
    }
    let manifest: serde_json::Value = safety::manifest::of(&store);
    for f in manifest["files"].as_array().unwrap() {
        let p = store.join(f["path"].as_str().unwrap());
        let mut bytes = std::fs::read(&p).unwrap();
        let n = bytes.len();
        bytes[n / 2] ^= 0xff;
        std::fs::write(&p, bytes).unwrap();
    }
    for args in [&["offtrack", "--all"][..], &["verify"], &["subjects"]] {
        let out = run(tracker(&store).args(args), &args.join(" "));
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        check_clean(&args.join(" "), &out);
    }
    eprintln!(
        "{} error paths checked for names and comments",
        cases.len() + 7
    );
}

fn check_clean(what: &str, out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    for m in MARKERS {
        assert!(!stderr.contains(m), "{what}: stderr shows `{m}`:\n{stderr}");
    }
}

// ---------------------------------------------------------------------
// Formula injection.

const PAYLOADS: [&str; 6] = [
    "=HYPERLINK(\"http://x\",\"y\")",
    "@SUM(A1)",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd",
    "\t=1+2",
    "\r=3+4",
];
const HARMLESS: [&str; 4] = ["-1.5", "foo@example.org", "19.00 %", "-1"];

/// Would a spreadsheet run this text as a formula? Leading `=`, `+`, `-`,
/// `@`, tab or CR, unless it is a plain number.
fn is_formula_like(s: &str) -> bool {
    let plain_number = {
        let u = s.strip_prefix(['+', '-']).unwrap_or(s);
        let (i, f) = u.split_once('.').unwrap_or((u, ""));
        !(i.is_empty() && f.is_empty())
            && i.bytes().all(|b| b.is_ascii_digit())
            && f.bytes().all(|b| b.is_ascii_digit())
    };
    s.starts_with(['=', '+', '-', '@', '\t', '\r']) && !plain_number
}

fn quote(f: &str) -> String {
    format!("\"{}\"", f.replace('"', "\"\""))
}

/// The fixture school with payloads as names, classes, houses, subjects.
fn payload_store(dir: &Path) -> PathBuf {
    let read = |n: &str| std::fs::read_to_string(Path::new(FIXTURES).join(n)).unwrap();
    let all: Vec<&str> = PAYLOADS.iter().chain(&HARMLESS).copied().collect();
    let mut pupils = String::new();
    for (i, line) in read("pupils.csv").lines().enumerate() {
        let mut f: Vec<String> = line.split(',').map(quote).collect();
        if i > 0 {
            // Forename, Surname, Reg Class, House.
            for (k, col) in [1, 2, 4, 5].into_iter().enumerate() {
                f[col] = quote(all[(i + k) % all.len()]);
            }
        }
        pupils.push_str(&f.join(","));
        pupils.push('\n');
    }
    let mut bge = String::new();
    for (i, line) in read("bge.csv").lines().enumerate() {
        let mut f: Vec<String> = line.split(',').map(quote).collect();
        if i > 0 && i % 3 == 0 {
            // Subject and Class; Mathematics keeps its name so a step of
            // -1 stays in the report.
            if f[1] != quote("Mathematics") {
                f[1] = quote(&format!("{}{i}", all[i % all.len()]));
            }
            f[3] = quote(all[(i + 1) % all.len()]);
        }
        bge.push_str(&f.join(","));
        bge.push('\n');
    }
    let store = dir.join("store");
    let p = dir.join("pupils.csv");
    let b = dir.join("bge.csv");
    std::fs::write(&p, pupils).unwrap();
    std::fs::write(&b, bge).unwrap();
    let out = tracker(&store)
        .args(["-q", "ingest", "--window", "2025-26/1"])
        .arg(&p)
        .arg(&b)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    store
}

#[test]
fn formula_payloads_never_reach_a_spreadsheet_as_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let store = payload_store(dir.path());
    let mut checked = 0;
    for report in [&["subjects"][..], &["offtrack", "--all"]] {
        // CSV: no cell a spreadsheet would run.
        let out = tracker(&store)
            .args(report)
            .args(["--format", "csv"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        let mut rd = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let mut neutralised = 0;
        for rec in rd.records() {
            for cell in rec.unwrap().iter() {
                checked += 1;
                assert!(!is_formula_like(cell), "{report:?} csv cell {cell:?}");
                neutralised += usize::from(cell.starts_with("'=") || cell.starts_with("'@"));
                neutralised += usize::from(cell.starts_with("'+") || cell.starts_with("'-"));
            }
        }
        assert!(
            neutralised >= 4,
            "{report:?}: the payloads are not in the output"
        );
        for h in HARMLESS {
            // Every pupil's names carry them; subjects only some.
            let present = report[0] == "subjects" || text.contains(h);
            assert!(
                present && !text.contains(&format!("'{h}")),
                "{report:?}: `{h}` was changed"
            );
        }

        // XLSX: no formula anywhere, payloads as inert text, -1 a number.
        let xlsx = dir.path().join(format!("{}.xlsx", report[0]));
        let out = tracker(&store)
            .args(report)
            .args(["--format", "xlsx", "-o"])
            .arg(&xlsx)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let mut book: Xlsx<_> = open_workbook(&xlsx).unwrap();
        let sheet = book.sheet_names()[0].clone();
        let formulas = book.worksheet_formula(&sheet).unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{report:?}: formulas in the workbook"
        );
        let range = book.worksheet_range(&sheet).unwrap();
        let mut texts = 0;
        for (_, _, cell) in range.used_cells() {
            checked += 1;
            if let Data::String(s) = cell {
                texts += 1;
                assert!(!is_formula_like(s), "{report:?} xlsx cell {s:?}");
                assert!(!s.contains('\u{0}'));
            }
        }
        assert!(texts > 0);
        if report[0] == "subjects" {
            let header: Vec<String> = range
                .rows()
                .next()
                .unwrap()
                .iter()
                .map(|c| c.to_string())
                .collect();
            let steps = header.iter().position(|h| h == "steps").unwrap();
            let minus_one = range
                .rows()
                .skip(1)
                .filter(|r| {
                    matches!(r[steps], Data::Float(v) if v == -1.0)
                        || matches!(r[steps], Data::Int(-1))
                })
                .count();
            assert!(minus_one > 0, "no step of -1 as a number");
            assert!(text.contains(",-1,"), "csv lost -1");
        } else {
            // "-1" as a house name stays the text -1, untouched.
            let found = range
                .used_cells()
                .any(|(_, _, c)| matches!(c, Data::String(s) if s == "-1"));
            assert!(found, "the text -1 was changed");
        }
    }
    eprintln!("{checked} cells checked in CSV and XLSX");
}
