//! The generator's invariants, and the golden bytes that must never change.

use super::*;
use std::collections::{HashMap, HashSet};
use std::os::unix::fs::PermissionsExt;

/// A scratch directory, removed when the test ends.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(name: &str, schools: usize, pupils: usize, seed: u64) -> (Scratch, Vec<DemoFile>) {
    let dir = std::env::temp_dir().join(format!("tracker-demo-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let opts = DemoOptions {
        schools,
        pupils,
        seed,
    };
    let mut calls = Vec::new();
    let files = generate(&dir, &opts, &mut |done, total| calls.push((done, total))).unwrap();
    assert_eq!(files.len(), schools * 10);
    assert_eq!(calls.last(), Some(&(files.len(), files.len())));
    (Scratch(dir), files)
}

/// A small CSV reader for checking what was written: detects `;` and tab,
/// reads Windows-1252 as Latin-1.
fn rows(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap();
    let text: String = match String::from_utf8(bytes) {
        Ok(s) => s.trim_start_matches('\u{FEFF}').to_string(),
        Err(e) => e.into_bytes().iter().map(|&b| b as char).collect(),
    };
    let first = text.lines().next().unwrap_or("");
    let delim = [';', '\t']
        .into_iter()
        .find(|&d| first.contains(d))
        .unwrap_or(',');
    let (mut out, mut row, mut field, mut quoted) = (vec![], vec![], String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => field.push(chars.next().unwrap()),
            '"' => quoted = !quoted,
            _ if quoted => field.push(c),
            '\n' => {
                row.push(std::mem::take(&mut field));
                out.push(std::mem::take(&mut row));
            }
            '\r' => {}
            _ if c == delim => row.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    out
}

fn faculty(subject: &str) -> &str {
    match subject {
        "Mathematics" | "Applications of Mathematics" => "Mathematics",
        "French" | "Spanish" => "Modern Languages",
        "Science" | "Biology" | "Chemistry" | "Physics" => "Sciences",
        "History" | "Geography" | "Modern Studies" => "Social Subjects",
        "Computing Science"
        | "Graphic Communication"
        | "Design and Manufacture"
        | "Business Management" => "Technologies",
        "Art and Design" | "Music" | "Drama" => "Expressive Arts",
        "Physical Education" | "Practical Cookery" => "Health & Wellbeing",
        other => other,
    }
}

/// Statuses as SPEC 4 decides them with the defaults: 0 on track,
/// 1 slightly off track, 2 off track, 3 missing / no pathway / no target.
fn status(row: &[String], bge: bool, band: Option<usize>, w: usize, target: Option<u32>) -> u8 {
    if bge {
        let pos = SCALE.iter().position(|c| c.eq_ignore_ascii_case(&row[7]));
        let (Some(pos), Some(band)) = (pos, band) else {
            return 3;
        };
        let stage = (row[3].as_bytes()[1] - b'1') as usize;
        return match pos as i32 - PATHWAY[band][stage * 2 + w] as i32 {
            0.. => 0,
            -1 => 1,
            _ => 2,
        };
    }
    let pass_fail = ["n4", "national 4"].contains(&row[5].to_lowercase().as_str());
    match (pass_fail, row[7].parse::<u32>().ok(), target) {
        (true, Some(8), _) => 0,
        (_, Some(9), _) => 2,
        (false, Some(g @ 1..=7), Some(t)) => (g.saturating_sub(t)).min(2) as u8,
        _ => 3,
    }
}

#[test]
fn off_track_share_and_faculty_spread_are_realistic() {
    let (_dir, files) = run("share", 3, 400, 11);
    let (mut counts, mut spread, mut comments) = ([0usize; 4], [0usize; 4], [0usize; 3]);
    for school in files.chunks(10) {
        let bands: HashMap<String, Option<usize>> = rows(&school[0].path)[1..]
            .iter()
            .map(|r| {
                let by_sas = r[14]
                    .parse::<u32>()
                    .ok()
                    .map(|s| [112, 100, 89].iter().take_while(|&&t| s < t).count());
                (
                    r[0].clone(),
                    BANDS.iter().position(|b| *b == r[15]).or(by_sas),
                )
            })
            .collect();
        let mut best_target: HashMap<(String, String), u32> = HashMap::new();
        for (w, window) in school.chunks(5).enumerate() {
            let mut latest: HashMap<(String, String), u8> = HashMap::new();
            for (bge, file) in [(true, &window[1]), (false, &window[2])] {
                let all = rows(&file.path);
                for r in all[1..]
                    .iter()
                    .filter(|r| r.len() == all[0].len() && r[0].len() == 9 && !r[4].is_empty())
                {
                    if bge && !["S1", "S2", "S3"].contains(&r[3].as_str()) {
                        continue;
                    }
                    let key = (r[0].clone(), r[4].clone());
                    let target = r[6].parse::<u32>().ok().filter(|_| !bge);
                    let best = target
                        .into_iter()
                        .chain(best_target.get(&key).copied())
                        .min();
                    if let Some(t) = best {
                        best_target.insert(key.clone(), t);
                    }
                    latest.insert(
                        key,
                        status(r, bge, bands.get(&r[0]).copied().flatten(), w, best),
                    );
                    let c = &r[r.len() - 1];
                    comments[0] += usize::from(c.contains('\n'));
                    comments[1] += usize::from(c.contains(','));
                    comments[2] += usize::from(c.chars().count() > 400);
                }
            }
            let mut off_faculties: HashMap<&str, HashSet<&str>> = HashMap::new();
            for ((scn, subject), s) in &latest {
                counts[*s as usize] += 1;
                let set = off_faculties.entry(scn).or_default();
                if *s == 2 {
                    set.insert(faculty(subject));
                }
            }
            for set in off_faculties.values() {
                spread[match set.len() {
                    0 => 0,
                    1..=2 => 1,
                    3..=4 => 2,
                    _ => 3,
                }] += 1;
            }
        }
    }
    let total: usize = counts.iter().sum();
    let share = counts[2] as f64 / total as f64;
    eprintln!(
        "statuses {counts:?}, off-track share {share:.3}, pupils by faculties off track (0, 1-2, 3-4, 5+) {spread:?}, comments (newline, comma, long) {comments:?}"
    );
    assert!((0.20..=0.30).contains(&share), "off-track share {share}");
    assert!(
        counts[0] > total / 2 && counts[1] > 0 && counts[3] > 0,
        "{counts:?}"
    );
    assert!(
        spread[1] > spread[2] && spread[2] > 0 && spread[3] > 0,
        "{spread:?}"
    );
    assert!(comments.iter().all(|&n| n > 0), "{comments:?}");
}

fn bytes_of(files: &[DemoFile]) -> Vec<Vec<u8>> {
    files
        .iter()
        .map(|f| std::fs::read(&f.path).unwrap())
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let (_a, first) = run("same-a", 2, 80, 5);
    let (_b, second) = run("same-b", 2, 80, 5);
    let (_c, other) = run("same-c", 2, 80, 6);
    assert_eq!(bytes_of(&first), bytes_of(&second));
    assert_ne!(bytes_of(&first), bytes_of(&other));
}

#[test]
fn golden_bytes_never_change() {
    // FNV-1a over every file: a change here means a seed no longer gives
    // the files it gave before, which breaks recorded benchmarks.
    let (_dir, files) = run("golden", 2, 60, 42);
    let hash = bytes_of(&files)
        .iter()
        .flatten()
        .fold(0xCBF2_9CE4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
        });
    assert_eq!(hash, 14_780_457_933_937_468_148);
}

#[test]
fn files_are_laid_out_in_ingest_order_with_the_specified_headers() {
    let (dir, files) = run("headers", 2, 60, 1);
    let first = &files[..5];
    for (i, f) in first.iter().enumerate() {
        assert_eq!(f.kind, KINDS[i]);
        assert_eq!(
            (f.school.as_str(), f.window.as_str()),
            ("DEMO001", "2025-26/1")
        );
        assert_eq!(
            f.path,
            dir.0.join(format!("DEMO001/2025-26_1/{}.csv", f.kind))
        );
        assert_eq!(rows(&f.path)[0].join("|"), HEADERS[i][0]);
    }
    assert_eq!(rows(&files[0].path)[0][0], "SCN");
    assert_eq!(&files[16].path, &dir.0.join("DEMO002/2025-26_2/bge.csv"));
    // The second school's BGE export is semicolon-delimited; names with commas do not occur.
    let bge = std::fs::read_to_string(&files[11].path).unwrap();
    assert!(
        bge.lines().next().unwrap().starts_with("Pupil ID;"),
        "{bge:.80}"
    );
}

#[test]
fn the_first_schools_second_pupils_file_is_windows_1252_with_crlf() {
    let (_dir, files) = run("legacy", 1, 40, 3);
    let bytes = std::fs::read(&files[5].path).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err());
    let lines = bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty());
    assert!(lines.clone().all(|l| l.ends_with(b"\r")));
    assert_eq!(lines.count(), 41);
    // With one school, the second window's BGE export is the semicolon one.
    assert!(
        std::fs::read_to_string(&files[6].path)
            .unwrap()
            .contains("Candidate Number;")
    );
}

#[test]
fn files_and_folders_are_private_to_the_owner() {
    let (dir, files) = run("modes", 1, 30, 3);
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for f in &files {
        assert_eq!(mode(&f.path), 0o600, "{}", f.path.display());
        assert_eq!(mode(f.path.parent().unwrap()), 0o700);
    }
    assert_eq!(mode(&dir.0.join("DEMO001")), 0o700);
}

#[test]
fn each_export_carries_the_bad_rows_ingest_must_reject_or_flag() {
    let (_dir, files) = run("bad", 1, 200, 9);
    for (file, width, invalid) in [(&files[1], 12, "5z"), (&files[2], 14, "8")] {
        let all = rows(&file.path);
        let body = &all[1..];
        assert!(body.iter().any(|r| r[0].len() == 8), "short SCN");
        assert!(body.iter().any(|r| r[4].is_empty()), "empty subject");
        assert!(body.iter().any(|r| r.len() == width + 1), "extra field");
        assert!(body.iter().any(|r| r[7] == invalid), "invalid code");
        assert!(body.iter().any(|r| r[width - 4] == "7"), "rating 7");
        let keys: HashSet<(&str, &str)> = body
            .iter()
            .map(|r| (r[0].as_str(), r[4].as_str()))
            .collect();
        assert!(keys.len() < body.len(), "duplicate (SCN, Subject)");
    }
    assert!(
        rows(&files[1].path).iter().any(|r| r[3] == "S5"),
        "S5 pupil in BGE"
    );
}
