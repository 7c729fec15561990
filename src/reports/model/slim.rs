//! Compact judged rows for reports over many schools.
//!
//! A [`Row`](super::Row) owns a dozen strings, so three million of them (a
//! national window) need gigabytes and spend most of their time in the
//! allocator. A [`Slim`] row is 40 bytes: numbers, and indexes into its
//! school's small tables of SCNs and texts (subjects, faculties, the rare
//! invalid code as entered). It is judged by the same [`judge`] as a `Row`,
//! from only the columns reports need, and read through [`RowView`] by the
//! same report code.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context as _;
use polars::prelude::*;

use super::{
    Ctx, Entered, Phase, Pupil, PupilContext, RowView, SchoolWindow, entered, judge, load_pupils,
    overrides, pupils_frame,
};
use crate::rules::Status;
use crate::rules::senior::CourseLevel;
use crate::rules::window::Window;
use crate::store::read::Snapshot;

/// What a report needs besides each row's verdict.
#[derive(Debug, Clone, Copy, Default)]
pub struct Need {
    /// Pupil context, overrides, interventions and, for pupils with no
    /// pupils row, names from the subject rows (`offtrack`, `followup`).
    /// The [`Pupil`]s lack what those reports never show: gender, EAL and
    /// the source file and line.
    pub pupils: bool,
    /// Teacher and class of every row, for `--teacher` and `--class`.
    pub teacher_and_class: bool,
}

/// "No value" in the narrow fields of [`Slim`].
const NO8: u8 = u8::MAX;
const NO16: u16 = u16::MAX;
const NO_GAP: i16 = i16::MIN;
const NO_TEXT: u32 = u32::MAX;

/// One judged pupil-subject row, without text of its own.
#[derive(Debug, Clone, Copy)]
pub struct Slim {
    /// Index into the school's SCNs.
    pupil: u32,
    /// Indexes into the school's texts.
    subject: u32,
    faculty: u32,
    /// Index into the school's [`Odd`] texts, or [`NO_TEXT`].
    odd: u32,
    band: u16,
    level: u16,
    expected: u16,
    steps: i16,
    gap: i16,
    stage: u8,
    phase: Phase,
    status: Status,
    /// Index into [`CourseLevel::ALL`].
    course_level: u8,
    target: u8,
    effective_target: u8,
    working: u8,
    ratings: [u8; 3],
    concern: bool,
}

/// Text a row rarely needs: an invalid code as entered, names of a pupil
/// with no pupils row, teacher and class when a filter asks for them.
#[derive(Debug, Clone, Copy)]
struct Odd {
    level: u32,
    course_level: u32,
    target: u32,
    working: u32,
    forename: u32,
    surname: u32,
    teacher: u32,
    class: u32,
}

impl Default for Odd {
    fn default() -> Odd {
        Odd {
            level: NO_TEXT,
            course_level: NO_TEXT,
            target: NO_TEXT,
            working: NO_TEXT,
            forename: NO_TEXT,
            surname: NO_TEXT,
            teacher: NO_TEXT,
            class: NO_TEXT,
        }
    }
}

/// One school's window as compact rows.
pub struct SlimSchool {
    /// The school, window, pupils, overrides and interventions; `rows` is
    /// empty (the rows are [`SlimSchool::rows`]). Pupils, overrides and
    /// interventions are loaded only with [`Need::pupils`].
    pub sw: SchoolWindow,
    pub rows: Vec<Slim>,
    scns: Vec<Box<str>>,
    texts: Vec<Box<str>>,
    odd: Vec<Odd>,
}

/// A [`Slim`] row with its school, readable as a [`RowView`].
#[derive(Clone, Copy)]
pub struct SlimRef<'s> {
    pub school: &'s SlimSchool,
    pub row: &'s Slim,
}

impl SlimSchool {
    /// Every row, readable by report code.
    pub fn views(&self) -> Vec<SlimRef<'_>> {
        self.rows
            .iter()
            .map(|row| SlimRef { school: self, row })
            .collect()
    }

    pub fn view<'s>(&'s self, row: &'s Slim) -> SlimRef<'s> {
        SlimRef { school: self, row }
    }

    /// The SCNs of the school's rows; [`Slim::pupil`] indexes them.
    pub fn scns(&self) -> &[Box<str>] {
        &self.scns
    }

    fn text(&self, id: u32) -> Option<&str> {
        (id != NO_TEXT).then(|| &*self.texts[id as usize])
    }

    fn odd(&self, row: &Slim) -> Option<&Odd> {
        (row.odd != NO_TEXT).then(|| &self.odd[row.odd as usize])
    }
}

impl Slim {
    pub fn pupil(&self) -> usize {
        self.pupil as usize
    }
    pub fn subject(&self) -> usize {
        self.subject as usize
    }
}

impl SlimSchool {
    /// The text behind a [`Slim::subject`].
    pub fn subject_text(&self, id: usize) -> &str {
        &self.texts[id]
    }
}

fn opt8(v: u8) -> Option<u8> {
    (v != NO8).then_some(v)
}

fn opt16(v: u16) -> Option<usize> {
    (v != NO16).then_some(usize::from(v))
}

fn opt_gap(v: i16) -> Option<i64> {
    (v != NO_GAP).then_some(i64::from(v))
}

impl RowView for SlimRef<'_> {
    fn scn(&self) -> &str {
        &self.school.scns[self.row.pupil as usize]
    }
    fn subject(&self) -> &str {
        &self.school.texts[self.row.subject as usize]
    }
    fn faculty(&self) -> &str {
        &self.school.texts[self.row.faculty as usize]
    }
    fn stage(&self) -> Option<u8> {
        opt8(self.row.stage)
    }
    fn phase(&self) -> Phase {
        self.row.phase
    }
    fn status(&self) -> Status {
        self.row.status
    }
    fn band(&self) -> Option<usize> {
        opt16(self.row.band)
    }
    fn level(&self) -> Option<usize> {
        opt16(self.row.level)
    }
    fn level_text(&self) -> Option<&str> {
        self.school
            .odd(self.row)
            .and_then(|o| self.school.text(o.level))
    }
    fn expected(&self) -> Option<usize> {
        opt16(self.row.expected)
    }
    fn steps(&self) -> Option<i64> {
        opt_gap(self.row.steps)
    }
    fn course_level(&self) -> Option<CourseLevel> {
        CourseLevel::ALL
            .get(usize::from(self.row.course_level))
            .copied()
    }
    fn course_level_text(&self) -> Option<&str> {
        self.school
            .odd(self.row)
            .and_then(|o| self.school.text(o.course_level))
    }
    fn target(&self) -> Option<u8> {
        opt8(self.row.target)
    }
    fn target_text(&self) -> Option<&str> {
        self.school
            .odd(self.row)
            .and_then(|o| self.school.text(o.target))
    }
    fn effective_target(&self) -> Option<u8> {
        opt8(self.row.effective_target)
    }
    fn working(&self) -> Option<u8> {
        opt8(self.row.working)
    }
    fn working_text(&self) -> Option<&str> {
        self.school
            .odd(self.row)
            .and_then(|o| self.school.text(o.working))
    }
    fn gap(&self) -> Option<i64> {
        opt_gap(self.row.gap)
    }
    fn rating(&self, i: usize) -> Option<u8> {
        opt8(self.row.ratings[i])
    }
    fn concern(&self) -> bool {
        self.row.concern
    }
    fn forename(&self) -> Option<&str> {
        self.school
            .odd(self.row)
            .and_then(|o| self.school.text(o.forename))
    }
    fn surname(&self) -> Option<&str> {
        self.school
            .odd(self.row)
            .and_then(|o| self.school.text(o.surname))
    }
    fn teacher(&self) -> Option<&str> {
        self.school
            .odd(self.row)
            .and_then(|o| self.school.text(o.teacher))
    }
    fn class(&self) -> Option<&str> {
        self.school
            .odd(self.row)
            .and_then(|o| self.school.text(o.class))
    }
}

/// A school's small table of texts, each stored once.
#[derive(Default)]
struct Texts {
    all: Vec<Box<str>>,
    ids: PlHashMap<Box<str>, u32>,
}

impl Texts {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = u32::try_from(self.all.len()).expect("fewer than 4 billion texts");
        self.all.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    fn opt(&mut self, s: Option<&str>) -> u32 {
        s.map_or(NO_TEXT, |s| self.id(s))
    }
}

/// A row's columns, read once per frame rather than looked up per cell.
struct Columns<'f> {
    names: Vec<&'static str>,
    cells: Vec<Vec<Option<&'f str>>>,
}

impl<'f> Columns<'f> {
    fn new(df: &'f DataFrame, names: &[&'static str]) -> PolarsResult<Columns<'f>> {
        let mut cells = Vec::with_capacity(names.len());
        for &n in names {
            cells.push(match df.column(n) {
                Ok(c) => c.str()?.iter().collect(),
                Err(_) => vec![None; df.height()],
            });
        }
        Ok(Columns {
            names: names.to_vec(),
            cells,
        })
    }

    fn get(&self, name: &str, i: usize) -> Option<&'f str> {
        let c = self.names.iter().position(|n| *n == name)?;
        self.cells[c][i]
    }
}

/// The columns a verdict reads, per phase (SPEC 7.3's `subjects` columns).
fn row_columns(phase: Phase, need: Need) -> Vec<&'static str> {
    let mut cols = vec!["scn", "subject", "stage"];
    cols.extend_from_slice(match phase {
        Phase::Bge => &["level"][..],
        Phase::Senior => &["course_level", "target_grade", "working_grade"],
    });
    cols.extend_from_slice(&["effort", "behaviour", "homework"]);
    if need.teacher_and_class {
        cols.extend_from_slice(&["teacher", "class"]);
    }
    cols
}

/// The pupil columns a verdict reads when the report needs no more.
const CONTEXT_COLS: &[&str] = &["scn", "stage", "cat_sas", "pathway_band"];

/// The pupil columns `offtrack` and `followup` show or judge with.
const PUPIL_COLS: &[&str] = &[
    "scn",
    "forename",
    "surname",
    "stage",
    "reg_class",
    "house",
    "simd_decile",
    "simd_quintile",
    "fsm",
    "asn",
    "care_experienced",
    "young_carer",
    "attendance",
    "cat_sas",
    "pathway_band",
];

/// Load and judge one school's window into compact rows.
pub fn load(
    ctx: &Ctx,
    snap: &Snapshot,
    school: &str,
    window: Window,
    need: Need,
) -> anyhow::Result<SlimSchool> {
    let context = || format!("cannot read {school} {window} from the store");
    let current = snap
        .manifest
        .file("pupils", school, &window.to_string())
        .is_some();
    let cols = if need.pupils {
        PUPIL_COLS
    } else {
        CONTEXT_COLS
    };
    let pupils_df = pupils_frame(snap, school, window, Some(cols)).with_context(context)?;
    let pupils: HashMap<String, Pupil> = match (&pupils_df, need.pupils) {
        (Some(df), true) => load_pupils(ctx, df, current)?,
        _ => HashMap::new(),
    };
    // SCN -> the pupil's stage and band, borrowed from whichever was loaded.
    let mut known: PlHashMap<&str, PupilContext> = PlHashMap::new();
    if need.pupils {
        for (scn, p) in &pupils {
            known.insert(
                scn,
                PupilContext {
                    stage: p.stage,
                    band: p.band,
                },
            );
        }
    } else if let Some(df) = &pupils_df {
        let c = Columns::new(df, CONTEXT_COLS)?;
        for i in 0..df.height() {
            if let Some(scn) = c.get("scn", i) {
                let stage = c
                    .get("stage", i)
                    .and_then(crate::rules::values::parse_stage);
                let band = ctx
                    .pathway
                    .band_index(c.get("pathway_band", i), c.get("cat_sas", i));
                known.insert(scn, PupilContext { stage, band });
            }
        }
    }

    let mut texts = Texts::default();
    let mut scns: Vec<Box<str>> = Vec::new();
    let mut scn_ids: PlHashMap<Box<str>, u32> = PlHashMap::new();
    // Subject as stored -> (subject, faculty) text ids.
    let mut subjects: PlHashMap<Box<str>, (u32, u32)> = PlHashMap::new();
    let mut rows = Vec::new();
    let mut odd = Vec::new();
    for phase in [Phase::Bge, Phase::Senior] {
        let names = row_columns(phase, need);
        let Some(df) = snap
            .read(phase.as_str(), school, window, Some(&names))
            .with_context(context)?
        else {
            continue;
        };
        let earlier = match phase {
            Phase::Senior => super::earlier_targets(ctx, snap, school, window)?,
            Phase::Bge => super::BySubject::default(),
        };
        let c = Columns::new(&df, &names)?;
        // Names of pupils with no pupils row come from their subject rows.
        let mut names_df = None;
        rows.reserve(df.height());
        for i in 0..df.height() {
            let scn = c.get("scn", i).unwrap_or_default();
            let subject = c.get("subject", i).unwrap_or_default();
            let pupil = match scn_ids.get(scn) {
                Some(&id) => id,
                None => {
                    let id = u32::try_from(scns.len()).expect("fewer than 4 billion pupils");
                    scns.push(scn.into());
                    scn_ids.insert(scn.into(), id);
                    id
                }
            };
            let (subject_id, faculty_id) = match subjects.get(subject) {
                Some(&ids) => ids,
                None => {
                    let (faculty, _) = ctx.faculties.faculty_of(subject);
                    let ids = (texts.id(subject), texts.id(faculty));
                    subjects.insert(subject.into(), ids);
                    ids
                }
            };
            let e: Entered = entered(phase, |col| c.get(col, i));
            let earlier_target = match phase {
                Phase::Senior => earlier.get(scn, subject).copied(),
                Phase::Bge => None,
            };
            let context = known.get(scn).copied();
            let v = judge(ctx, window, phase, &e, context, earlier_target);

            let mut o = Odd::default();
            if v.level.is_none() {
                o.level = texts.opt(e.level);
            }
            if v.course_level.is_none() {
                o.course_level = texts.opt(e.course_level);
            }
            if v.target.is_none() {
                o.target = texts.opt(e.target);
            }
            if v.working.is_none() {
                o.working = texts.opt(e.working);
            }
            if need.teacher_and_class {
                o.teacher = texts.opt(c.get("teacher", i));
                o.class = texts.opt(c.get("class", i));
            }
            if need.pupils && context.is_none() {
                let df = match &mut names_df {
                    Some(df) => df,
                    None => names_df.insert(
                        snap.read(
                            phase.as_str(),
                            school,
                            window,
                            Some(&["forename", "surname"]),
                        )?
                        .unwrap_or_default(),
                    ),
                };
                let name = |col: &str| {
                    df.column(col)
                        .ok()
                        .and_then(|c| c.str().ok())
                        .and_then(|c| c.get(i))
                };
                o.forename = texts.opt(name("forename"));
                o.surname = texts.opt(name("surname"));
            }
            let odd_id = if o.level == NO_TEXT
                && o.course_level == NO_TEXT
                && o.target == NO_TEXT
                && o.working == NO_TEXT
                && o.forename == NO_TEXT
                && o.surname == NO_TEXT
                && o.teacher == NO_TEXT
                && o.class == NO_TEXT
            {
                NO_TEXT
            } else {
                odd.push(o);
                u32::try_from(odd.len() - 1).expect("fewer than 4 billion rows")
            };
            let narrow = |v: Option<usize>| v.and_then(|v| u16::try_from(v).ok()).unwrap_or(NO16);
            let small = |v: Option<i64>| v.and_then(|v| i16::try_from(v).ok()).unwrap_or(NO_GAP);
            rows.push(Slim {
                pupil,
                subject: subject_id,
                faculty: faculty_id,
                odd: odd_id,
                band: narrow(v.band),
                level: narrow(v.level),
                expected: narrow(v.expected),
                steps: small(v.steps),
                gap: small(v.gap),
                stage: v.stage.unwrap_or(NO8),
                phase,
                status: v.status,
                course_level: v
                    .course_level
                    .and_then(|l| CourseLevel::ALL.iter().position(|x| *x == l))
                    .map_or(NO8, |p| p as u8),
                target: v.target.unwrap_or(NO8),
                effective_target: v.effective_target.unwrap_or(NO8),
                working: v.working.unwrap_or(NO8),
                ratings: v.ratings.map(|r| r.ok().flatten().unwrap_or(NO8)),
                concern: v.concern,
            });
        }
    }
    drop(known);
    let (overrides, interventions) = if need.pupils {
        (
            overrides(snap, school, window)?,
            super::interventions(snap, school, window)?,
        )
    } else {
        Default::default()
    };
    Ok(SlimSchool {
        sw: SchoolWindow {
            school: school.to_string(),
            window,
            pupils,
            rows: Vec::new(),
            overrides,
            interventions,
        },
        rows,
        scns,
        texts: texts.all,
        odd,
    })
}

/// Run `f` for every school on every core, and return the results in the
/// order of `schools`. Schools are independent, so this is where a national
/// report uses both cores of the machines it runs on.
pub fn per_school<T: Send>(
    schools: &[String],
    f: impl Fn(&str) -> anyhow::Result<T> + Sync,
) -> anyhow::Result<Vec<T>> {
    par_map(schools, |s| f(s))
}

/// `f` over `items` on every core, results in the order of `items`; the
/// first error (in that order) wins, and no new item starts after one.
pub fn par_map<I: Sync, T: Send>(
    items: &[I],
    f: impl Fn(&I) -> anyhow::Result<T> + Sync,
) -> anyhow::Result<Vec<T>> {
    let threads =
        crate::store::threads(std::thread::available_parallelism().map_or(1, |n| n.get()))
            .min(items.len())
            .max(1);
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<(usize, anyhow::Result<T>)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    let failed = r.is_err();
                    done.lock().unwrap_or_else(|e| e.into_inner()).push((i, r));
                    if failed {
                        next.store(items.len(), Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let mut done = done.into_inner().unwrap_or_else(|e| e.into_inner());
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slim_row_stays_small() {
        assert!(std::mem::size_of::<Slim>() <= 40);
    }

    #[test]
    fn per_school_keeps_order_and_reports_an_error() {
        let schools: Vec<String> = (0..50).map(|i| format!("S{i:02}")).collect();
        let out = per_school(&schools, |s| Ok(s.to_string())).unwrap();
        assert_eq!(out, schools);
        let err = per_school(&schools, |s| {
            if s == "S07" {
                anyhow::bail!("bad {s}")
            }
            Ok(())
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "bad S07");
    }
}
