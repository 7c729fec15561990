//! Synthetic SEEMiS exports for `tracker demo` and the benchmarks.
//!
//! Every pupil, teacher and comment is invented from small built-in lists, so
//! no real person appears. The generator owns its PRNG (xoshiro256** seeded by
//! splitmix64) and uses only exact float arithmetic (no `ln` or `cos`, whose
//! last bit may differ between platforms), so a seed gives the same bytes on
//! every machine, forever: the test `golden_bytes_never_change` guards that.
//! The files carry the variety of real exports that ingest must cope with
//! (SPEC 2): aliased headers, a semicolon-delimited file, a Windows-1252 file
//! with CRLF line ends, quoted commas and newlines, and a few bad rows.

use std::fs::DirBuilder;
use std::io::{self, Write};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

mod out;
mod pupil;
mod rng;
mod tables;

use out::{Out, tail, write_date};
use pupil::{Pupil, new_pupil};
use rng::{Rng, gauss, key};
use tables::*;

pub struct DemoOptions {
    pub schools: usize,
    pub pupils: usize,
    pub seed: u64,
}

pub struct DemoFile {
    pub path: PathBuf,
    pub school: String,
    /// The window as `--window` takes it: `2025-26/1`.
    pub window: String,
    /// `pupils`, `bge`, `senior`, `overrides` or `interventions`.
    pub kind: &'static str,
}

/// Writes realistic synthetic SEEMiS CSV exports into `dir` and returns them in ingest order
/// (for each school, for each window: pupils, bge, senior, overrides, interventions).
/// `progress` is called with (files_done, files_total) after each file.
pub fn generate(
    dir: &Path,
    opts: &DemoOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<DemoFile>> {
    if opts.schools == 0 || opts.pupils == 0 {
        bail!("the demo needs at least one school and one pupil");
    }
    // Pupil numbers are spaced by `stride` per school so SCNs never collide.
    let stride = opts.pupils as u64 * 11 / 10 + 16;
    if (opts.schools as u64).saturating_mul(stride) > 900_000_000 {
        bail!("too many pupils for 9-digit SCNs: at most 900 million in all");
    }
    let total = opts.schools * WINDOWS.len() * KINDS.len();
    let mut files = Vec::with_capacity(total);
    for idx in 0..opts.schools {
        let school = School::new(opts, idx, stride);
        for (w, (window, folder)) in WINDOWS.iter().enumerate() {
            let folder = dir.join(&school.code).join(folder);
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&folder)
                .with_context(|| format!("cannot create `{}`", folder.display()))?;
            for kind in KINDS {
                let path = folder.join(format!("{kind}.csv"));
                school
                    .write(&path, kind, w)
                    .with_context(|| format!("cannot write `{}`", path.display()))?;
                files.push(DemoFile {
                    path,
                    school: school.code.clone(),
                    window: (*window).to_string(),
                    kind,
                });
                progress(files.len(), total);
            }
        }
    }
    Ok(files)
}

struct School {
    idx: usize,
    seed: u64,
    code: String,
    pupils: Vec<Pupil>,
    stage_counts: [usize; 7],
    /// Invented staff, per subject.
    teachers: Vec<Vec<String>>,
    one_school: bool,
}

impl School {
    fn new(opts: &DemoOptions, idx: usize, stride: u64) -> School {
        let mut rng = Rng::new(&[opts.seed, idx as u64, 0xB0]);
        let n = if opts.pupils < 50 {
            opts.pupils
        } else {
            opts.pupils * (96 + rng.below(9)) / 100
        };
        let weights = [18, 18, 18, 17, 15, 14];
        let mut counts = [0usize; 7];
        for s in 1..=6 {
            counts[s] = n * weights[s - 1] / 100;
        }
        for extra in 0..n - counts.iter().sum::<usize>() {
            counts[1 + extra % 3] += 1;
        }
        let mut pupils = Vec::with_capacity(n);
        for stage in 1..=6u8 {
            for within in 0..counts[stage as usize] {
                let global = idx as u64 * stride + pupils.len() as u64;
                let scn = 100_000_000 + (global * 7_919_993 + 4_321) % 900_000_000;
                let per_reg = (counts[stage as usize] / 100).max(1);
                pupils.push(new_pupil(&mut rng, scn as u32, stage, within, per_reg));
            }
        }
        let teachers = (0..SUBJECTS.len())
            .map(|s| {
                let k = if s < 2 { n / 120 + 2 } else { n / 250 + 1 };
                (0..k)
                    .map(|_| {
                        let initial = (b'A' + rng.below(26) as u8) as char;
                        format!("{} {initial} {}", rng.pick(&TITLES), rng.pick(&SURNAMES))
                    })
                    .collect()
            })
            .collect();
        School {
            idx,
            seed: opts.seed,
            code: format!("DEMO{:03}", idx + 1),
            pupils,
            stage_counts: counts,
            teachers,
            one_school: opts.schools == 1,
        }
    }

    fn write(&self, path: &Path, kind: &str, w: usize) -> Result<()> {
        let k = KINDS.iter().position(|&x| x == kind).unwrap_or(0);
        let mut rng = Rng::new(&[self.seed, self.idx as u64, w as u64, k as u64]);
        // Which header spellings this school used in this window.
        let v = (self.idx * 2 + w) % 3;
        let semicolon = self.idx == 1 || (self.one_school && w == 1);
        let legacy = self.idx == 0 && w == 1;
        let delim = match kind {
            "bge" if semicolon => b';',
            "senior" if self.idx == 2 && w == 0 => b'\t',
            _ => b',',
        };
        let mut o = Out::create(path, delim, kind == "pupils" && legacy)?;
        if kind == "pupils" && self.idx == 2 {
            o.line.extend_from_slice("\u{FEFF}".as_bytes());
        }
        match kind {
            "pupils" => self.pupils_file(&mut o, v, w)?,
            "bge" => self.bge_file(&mut o, &mut rng, v, w)?,
            "senior" => self.senior_file(&mut o, &mut rng, v, w)?,
            "overrides" => self.overrides_file(&mut o, &mut rng, v)?,
            _ => self.interventions_file(&mut o, &mut rng, v, w)?,
        }
        o.w.flush()?;
        Ok(())
    }

    fn pupils_file(&self, o: &mut Out, v: usize, w: usize) -> io::Result<()> {
        o.header(HEADERS[0][v])?;
        for p in &self.pupils {
            o.num(p.scn).text(p.forename).text(p.surname).stage(p.stage);
            o.sep().raw(&[
                b'0' + p.stage,
                HOUSES[p.house as usize].as_bytes()[0],
                b'0' + p.reg,
            ]);
            o.text(HOUSES[p.house as usize])
                .text(p.gender)
                .num(p.simd.into());
            for flag in p.flags {
                o.text(if flag { "Y" } else { "N" });
            }
            // Attendance moves a little between windows.
            let drift = (key(&[self.seed, p.scn.into(), w as u64]) % 21) as u32;
            let att = if w == 0 {
                p.attendance
            } else {
                (p.attendance + drift).clamp(710, 1010) - 10
            };
            o.num(att / 10).raw(b".").raw(&[b'0' + (att % 10) as u8]);
            o.opt(p.sas).text(p.band_column.map_or("", |b| BANDS[b]));
            o.end()?;
        }
        Ok(())
    }

    fn bge_file(&self, o: &mut Out, rng: &mut Rng, v: usize, w: usize) -> io::Result<()> {
        o.header(HEADERS[1][v])?;
        let scale = if v == 2 { &SCALE_UPPER } else { &SCALE };
        let bge: Vec<&Pupil> = self.pupils.iter().filter(|p| p.stage <= 3).collect();
        let bad = bad_slots(bge.len());
        let mut comment = String::new();
        for (j, p) in bge.iter().enumerate() {
            let expected = PATHWAY[p.band][(p.stage as usize - 1) * 2 + w];
            for s in (0..BGE_SUBJECTS).filter(|&s| s != p.dropped) {
                let d = self.delta(p, s, w);
                let pos = (expected as i32 + d.min(2)).clamp(0, 13) as usize;
                let level = if rng.chance(0.02) { "" } else { scale[pos] };
                let level = if s == 0 && bad[4] == j { "5z" } else { level };
                self.bge_row(o, p, p.scn, p.stage, s, level);
                let rating_7 = s == 0 && bad[5] == j;
                ratings_and_comment(o, rng, d <= -2, w, rating_7, &mut comment).end()?;
            }
            // A few bad rows, one kind at each slot (SPEC 2.6).
            if bad[0] == j {
                self.bge_row(o, p, p.scn / 10, p.stage, 1, scale[expected]);
                tail(o, 2, None)?;
            }
            if bad[1] == j {
                self.prefix(o, p, p.scn, p.stage, "");
                o.empty().empty().text(scale[expected]);
                tail(o, 1, None)?;
            }
            if let Some(s5) = (bad[2] == j)
                .then(|| self.pupils.iter().find(|q| q.stage == 5))
                .flatten()
            {
                self.bge_row(o, s5, s5.scn, 5, 0, "4");
                tail(o, 1, None)?;
            }
            if bad[3] == j {
                self.bge_row(o, p, p.scn, p.stage, 3, scale[expected]);
                tail(o, 1, Some("see note"))?;
            }
            if bad[6] == j {
                let d = self.delta(p, 2, w);
                let pos = (expected as i32 + d.min(2)).clamp(1, 13) as usize - 1;
                self.bge_row(o, p, p.scn, p.stage, 2, scale[pos]);
                tail(o, 2, None)?;
            }
        }
        Ok(())
    }

    fn senior_file(&self, o: &mut Out, rng: &mut Rng, v: usize, w: usize) -> io::Result<()> {
        o.header(HEADERS[2][v])?;
        let senior: Vec<&Pupil> = self.pupils.iter().filter(|p| p.stage >= 4).collect();
        let bad = bad_slots(senior.len());
        let mut comment = String::new();
        let style = self.idx % 3;
        for (j, p) in senior.iter().enumerate() {
            for (c, &(s, level, target)) in p.courses.iter().enumerate() {
                let d = self.delta(p, s, w);
                let working = if level == N4 {
                    if d <= -2 { 9 } else { 8 }
                } else if d <= -3 && rng.chance(0.3) {
                    9
                } else {
                    let g = (target as i32 - d.min(1)).max(1);
                    if g > 7 { 9 } else { g as u32 }
                };
                let target = match level {
                    N4 => Some(8),
                    _ if w == 1 && rng.chance(0.08) => None,
                    _ if w == 1 && target > 1 && rng.chance(0.03) => Some(target as u32 - 1),
                    _ => Some(target.into()),
                };
                let working = Some(working).filter(|_| !rng.chance(0.02));
                // 8 is invalid on a graded course and 7 on a pass/fail one.
                let working = if c == 0 && bad[4] == j {
                    Some(if level == N4 { 7 } else { 8 })
                } else {
                    working
                };
                let spelling = if rng.chance(0.05) {
                    rng.below(3)
                } else {
                    style
                };
                self.senior_row(o, p, p.scn, (s, level, spelling), target, working);
                let rating_7 = c == 0 && bad[5] == j;
                ratings_and_comment(o, rng, d <= -2, w, rating_7, &mut comment).end()?;
            }
            let (s, level, target) = p.courses[0];
            let target = Some(target.into());
            if bad[0] == j {
                self.senior_row(o, p, p.scn / 10, (s, level, style), target, Some(5));
                tail(o, 2, None)?;
            }
            if bad[1] == j {
                self.prefix(o, p, p.scn, p.stage, "");
                o.text(COURSE_LEVELS[2][style])
                    .num(3)
                    .num(3)
                    .empty()
                    .empty();
                tail(o, 1, None)?;
            }
            if bad[3] == j {
                self.senior_row(o, p, p.scn, (s, level, style), target, Some(4));
                tail(o, 1, Some("see note"))?;
            }
            if bad[6] == j {
                self.senior_row(o, p, p.scn, (s, level, style), target, Some(9));
                tail(o, 3, None)?;
            }
        }
        Ok(())
    }

    fn overrides_file(&self, o: &mut Out, rng: &mut Rng, v: usize) -> io::Result<()> {
        o.header(HEADERS[3][v])?;
        for p in &self.pupils {
            if rng.chance(if p.ability < -1.0 { 0.04 } else { 0.003 }) {
                o.num(p.scn).text(rng.pick(&LEAD_ROLES));
                let lead = if rng.chance(0.05) {
                    ""
                } else {
                    self.teacher(rng.below(21), p.scn as usize)
                };
                o.text(lead).text(rng.pick(&REASONS)).end()?;
            }
        }
        Ok(())
    }

    fn interventions_file(&self, o: &mut Out, rng: &mut Rng, v: usize, w: usize) -> io::Result<()> {
        o.header(HEADERS[4][v])?;
        for p in &self.pupils {
            if !rng.chance(if p.ability < -1.0 { 0.22 } else { 0.03 }) {
                continue;
            }
            let subjects: Vec<u8> = if p.stage <= 3 {
                (0..BGE_SUBJECTS).filter(|&s| s != p.dropped).collect()
            } else {
                p.courses.iter().map(|c| c.0).collect()
            };
            // Interventions go mostly where the pupil is off track.
            let off = subjects
                .iter()
                .copied()
                .find(|&s| self.delta(p, s, w) <= -2);
            for _ in 0..1 + usize::from(rng.chance(0.2)) {
                let about_subject = rng.chance(0.5);
                let what = rng.pick(if about_subject {
                    &SUBJECT_INTERVENTIONS
                } else {
                    &WHOLE_SCHOOL_INTERVENTIONS
                });
                let subject = match off {
                    Some(s) if about_subject && rng.chance(0.9) => Some(s),
                    _ if about_subject => Some(subjects[rng.below(subjects.len())]),
                    _ => None,
                };
                o.num(p.scn)
                    .text(what)
                    .text(subject.map_or("", |s| SUBJECTS[s as usize].0));
                write_date(o, rng, w);
                let staff = self.teacher(subject.map_or(rng.below(11), usize::from), p.within);
                o.text(staff).text(rng.pick(&NOTES)).end()?;
            }
        }
        Ok(())
    }

    /// Steps ahead of (positive) or behind the pathway in one subject and window:
    /// the pupil's ability plus a lasting subject effect and a little window noise.
    /// Derived from keys, not the file's PRNG, so every file agrees on it.
    fn delta(&self, p: &Pupil, subject: u8, w: usize) -> i32 {
        let lasting = gauss(key(&[self.seed, p.scn.into(), subject.into()]));
        let now = gauss(key(&[
            self.seed,
            p.scn.into(),
            subject.into(),
            w as u64 + 1,
        ]));
        (p.ability + 1.3 * lasting + 0.4 * now + 0.5).floor() as i32
    }

    fn teacher(&self, subject: usize, class: usize) -> &str {
        let staff = &self.teachers[subject];
        &staff[class % staff.len()]
    }

    fn prefix(&self, o: &mut Out, p: &Pupil, scn: u32, stage: u8, subject: &str) {
        o.num(scn)
            .text(p.forename)
            .text(p.surname)
            .stage(stage)
            .text(subject);
    }

    /// Class codes like `2Ma3` (BGE) or `5BiH-1` (senior): stage, subject, level, set.
    fn class(&self, o: &mut Out, p: &Pupil, s: u8, level: Option<u8>) {
        let classes = self.stage_counts[p.stage as usize].div_ceil(28).max(1);
        let set = p.within * classes / self.stage_counts[p.stage as usize].max(1) + 1;
        o.sep()
            .raw(&[b'0' + p.stage])
            .raw(SUBJECTS[s as usize].1.as_bytes());
        if let Some(l) = level {
            o.raw(COURSE_SHORT[l as usize].as_bytes()).raw(b"-");
        }
        o.num_raw(set as u32);
        o.text(self.teacher(s.into(), set + p.stage as usize));
    }

    fn bge_row(&self, o: &mut Out, p: &Pupil, scn: u32, stage: u8, s: u8, level: &str) {
        self.prefix(o, p, scn, stage, SUBJECTS[s as usize].0);
        self.class(o, p, s, None);
        o.text(level);
    }

    fn senior_row(
        &self,
        o: &mut Out,
        p: &Pupil,
        scn: u32,
        (s, level, spelling): (u8, u8, usize),
        target: Option<u32>,
        working: Option<u32>,
    ) {
        self.prefix(o, p, scn, p.stage, SUBJECTS[s as usize].0);
        o.text(COURSE_LEVELS[level as usize][spelling])
            .opt(target)
            .opt(working);
        self.class(o, p, s, Some(level));
    }
}

/// Where the bad rows go: the pupil (by position in the phase) after whose rows
/// each kind of bad row is written, or `usize::MAX` when the phase is empty.
fn bad_slots(n: usize) -> [usize; 7] {
    std::array::from_fn(|k| if n == 0 { usize::MAX } else { (k + 1) * n / 8 })
}

fn ratings_and_comment<'o>(
    o: &'o mut Out,
    rng: &mut Rng,
    off: bool,
    w: usize,
    rating_7: bool,
    buf: &mut String,
) -> &'o mut Out {
    for i in 0..3 {
        let r = rng.below(100);
        let cuts = if off {
            [1, 25, 62, 90]
        } else {
            [1, 52, 90, 98]
        };
        let rating = cuts.iter().take_while(|&&c| r >= c).count() as u32;
        o.opt(if rating_7 && i == 0 {
            Some(7)
        } else {
            (rating > 0).then_some(rating)
        });
    }
    buf.clear();
    if rng.chance(if w == 0 { 0.05 } else { 0.30 }) {
        buf.push_str(rng.pick(if off {
            &OFF_TRACK_COMMENTS
        } else {
            &ON_TRACK_COMMENTS
        }));
        if rng.chance(0.5) {
            buf.push_str(if rng.chance(0.03) { "\n" } else { " " });
            buf.push_str(rng.pick(&NEXT_STEPS));
        }
        // A very few go past the 400 characters SEEMiS reports allow (SPEC 4.3).
        if rng.chance(0.002) {
            while buf.len() <= 420 {
                buf.push(' ');
                buf.push_str(rng.pick(&ON_TRACK_COMMENTS));
            }
        }
    }
    o.text(buf)
}

#[cfg(test)]
mod tests;
