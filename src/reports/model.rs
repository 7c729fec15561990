//! One school's window, loaded from the store and judged by the rules.
//!
//! Every report starts here, so only this file knows how stored text becomes
//! a traffic light: stage from the row or the pupil, band from the pupil,
//! expected level from the pathway, effective target from the session so far.
//! [`judge`] applies those rules to one row's text; [`load`] builds owned
//! [`Row`]s with it, and [`slim`] compact ones for reports over a whole
//! country.

pub mod slim;

use std::collections::HashMap;

use anyhow::Context;
use polars::prelude::*;

use crate::config::Config;
use crate::rules::Status;
use crate::rules::faculties::FacultyMap;
use crate::rules::pathway::Pathway;
use crate::rules::scale::Scale;
use crate::rules::senior::{self, CourseLevel, CourseLevels};
use crate::rules::validity::{Codes, Invalid};
use crate::rules::values::{self, parse_bool, parse_number, parse_rating, parse_stage};
use crate::rules::window::Window;
use crate::store::read::Snapshot;

/// The rules built once from the config.
pub struct Ctx<'c> {
    pub config: &'c Config,
    pub scale: Scale,
    pub pathway: Pathway,
    pub levels: CourseLevels,
    pub faculties: FacultyMap,
}

impl<'c> Ctx<'c> {
    pub fn new(config: &'c Config) -> Ctx<'c> {
        let scale = Scale::from_config(&config.bge);
        let pathway = Pathway::from_config(&config.pathway, &scale);
        Ctx {
            config,
            levels: CourseLevels::from_config(&config.senior),
            faculties: FacultyMap::from_config(&config.faculties),
            scale,
            pathway,
        }
    }

    /// The code lists that decide which cells are invalid.
    pub fn codes(&self) -> Codes<'_> {
        Codes {
            scale: &self.scale,
            levels: &self.levels,
            pathway: &self.pathway,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Bge,
    Senior,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Bge => "bge",
            Phase::Senior => "senior",
        }
    }
}

/// A pupil's context row (SPEC 2.1), parsed. Booleans are None when unknown
/// (no pupils row) or invalid (10.3).
#[derive(Debug, Clone, Default)]
pub struct Pupil {
    pub scn: String,
    pub forename: Option<String>,
    pub surname: Option<String>,
    pub stage: Option<u8>,
    pub reg_class: Option<String>,
    pub house: Option<String>,
    pub gender: Option<String>,
    pub simd_quintile: Option<u8>,
    pub fsm: Option<bool>,
    pub asn: Option<bool>,
    pub care_experienced: Option<bool>,
    pub young_carer: Option<bool>,
    pub eal: Option<bool>,
    pub attendance: Option<f64>,
    pub band: Option<usize>,
    /// True when a pupils row exists for this window.
    pub known: bool,
    /// The cells that hold no valid value (QA `invalid_value`).
    pub invalid: Vec<Invalid>,
}

/// The display spelling of a stage, `S3`, without allocating; it agrees
/// with [`values::stage_label`] for every stage a row can hold (1-6).
pub fn stage_name(stage: u8) -> &'static str {
    const NAMES: [&str; 10] = ["S0", "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9"];
    NAMES.get(usize::from(stage)).copied().unwrap_or("S?")
}

/// A rating cell: valid (maybe empty), or the text as entered.
pub type Rating = Result<Option<u8>, String>;

/// One pupil-subject row with its traffic light.
#[derive(Debug, Clone)]
pub struct Row {
    pub scn: String,
    pub stage: Option<u8>,
    pub subject: String,
    pub faculty: String,
    pub mapped: bool,
    pub phase: Phase,
    pub band: Option<usize>,
    pub level_text: Option<String>,
    pub level: Option<usize>,
    pub expected: Option<usize>,
    pub steps: Option<i64>,
    pub course_level_text: Option<String>,
    pub course_level: Option<CourseLevel>,
    pub target_text: Option<String>,
    /// The recorded target, when valid for the course level.
    pub target: Option<u8>,
    /// The best valid target this session so far (graded courses).
    pub effective_target: Option<u8>,
    /// The best valid target in earlier windows of the session.
    pub earlier_target: Option<u8>,
    pub working_text: Option<String>,
    pub working: Option<u8>,
    pub gap: Option<i64>,
    pub status: Status,
    pub ratings: [Rating; 3],
    pub concern: bool,
    pub class: Option<String>,
    pub teacher: Option<String>,
    pub comment: Option<String>,
    pub forename: Option<String>,
    pub surname: Option<String>,
    /// The cells that hold no valid value (QA `invalid_*`).
    pub invalid: Vec<Invalid>,
}

/// What reports read from a judged pupil-subject row, an owned [`Row`] or a
/// compact [`slim::SlimRef`], so one report function serves both.
pub trait RowView {
    fn scn(&self) -> &str;
    fn subject(&self) -> &str;
    fn faculty(&self) -> &str;
    fn stage(&self) -> Option<u8>;
    fn phase(&self) -> Phase;
    fn status(&self) -> Status;
    fn band(&self) -> Option<usize>;
    fn level(&self) -> Option<usize>;
    /// The level as entered. Compact rows keep it only when it is not a
    /// code on the scale, the one case a report shows it.
    fn level_text(&self) -> Option<&str>;
    fn expected(&self) -> Option<usize>;
    fn steps(&self) -> Option<i64>;
    fn course_level(&self) -> Option<CourseLevel>;
    /// As entered; compact rows keep it only when it is no known level.
    fn course_level_text(&self) -> Option<&str>;
    fn target(&self) -> Option<u8>;
    /// As entered; compact rows keep it only when it is not a valid grade.
    fn target_text(&self) -> Option<&str>;
    fn effective_target(&self) -> Option<u8>;
    fn working(&self) -> Option<u8>;
    /// As entered; compact rows keep it only when it is not a valid grade.
    fn working_text(&self) -> Option<&str>;
    fn gap(&self) -> Option<i64>;
    /// Effort (0), Behaviour (1) or Homework (2) when valid and not empty.
    fn rating(&self, i: usize) -> Option<u8>;
    fn concern(&self) -> bool;
    fn forename(&self) -> Option<&str>;
    fn surname(&self) -> Option<&str>;
    fn teacher(&self) -> Option<&str>;
    fn class(&self) -> Option<&str>;
}

impl RowView for Row {
    fn scn(&self) -> &str {
        &self.scn
    }
    fn subject(&self) -> &str {
        &self.subject
    }
    fn faculty(&self) -> &str {
        &self.faculty
    }
    fn stage(&self) -> Option<u8> {
        self.stage
    }
    fn phase(&self) -> Phase {
        self.phase
    }
    fn status(&self) -> Status {
        self.status
    }
    fn band(&self) -> Option<usize> {
        self.band
    }
    fn level(&self) -> Option<usize> {
        self.level
    }
    fn level_text(&self) -> Option<&str> {
        self.level_text.as_deref()
    }
    fn expected(&self) -> Option<usize> {
        self.expected
    }
    fn steps(&self) -> Option<i64> {
        self.steps
    }
    fn course_level(&self) -> Option<CourseLevel> {
        self.course_level
    }
    fn course_level_text(&self) -> Option<&str> {
        self.course_level_text.as_deref()
    }
    fn target(&self) -> Option<u8> {
        self.target
    }
    fn target_text(&self) -> Option<&str> {
        self.target_text.as_deref()
    }
    fn effective_target(&self) -> Option<u8> {
        self.effective_target
    }
    fn working(&self) -> Option<u8> {
        self.working
    }
    fn working_text(&self) -> Option<&str> {
        self.working_text.as_deref()
    }
    fn gap(&self) -> Option<i64> {
        self.gap
    }
    fn rating(&self, i: usize) -> Option<u8> {
        self.ratings[i].clone().ok().flatten()
    }
    fn concern(&self) -> bool {
        self.concern
    }
    fn forename(&self) -> Option<&str> {
        self.forename.as_deref()
    }
    fn surname(&self) -> Option<&str> {
        self.surname.as_deref()
    }
    fn teacher(&self) -> Option<&str> {
        self.teacher.as_deref()
    }
    fn class(&self) -> Option<&str> {
        self.class.as_deref()
    }
}

/// The text of one stored subject row that the rules read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Entered<'a> {
    pub stage: Option<&'a str>,
    pub level: Option<&'a str>,
    pub course_level: Option<&'a str>,
    pub target: Option<&'a str>,
    pub working: Option<&'a str>,
    /// Effort, Behaviour, Homework.
    pub ratings: [Option<&'a str>; 3],
}

/// What the rules make of one row (SPEC 4.1, 4.2, 4.3, 10.5): everything a
/// report shows but the row's own text.
#[derive(Debug, Clone, Copy)]
pub struct Verdict {
    pub stage: Option<u8>,
    pub band: Option<usize>,
    pub level: Option<usize>,
    pub expected: Option<usize>,
    pub steps: Option<i64>,
    pub course_level: Option<CourseLevel>,
    pub target: Option<u8>,
    pub effective_target: Option<u8>,
    pub earlier_target: Option<u8>,
    pub working: Option<u8>,
    pub gap: Option<i64>,
    pub status: Status,
    /// Err for a rating that is neither empty nor 1-4.
    pub ratings: [Result<Option<u8>, ()>; 3],
    pub concern: bool,
}

/// The pupil context a row is judged with: the pupils export's stage and band.
#[derive(Debug, Clone, Copy, Default)]
pub struct PupilContext {
    pub stage: Option<u8>,
    pub band: Option<usize>,
}

/// Judge one row: the only place stored text becomes a traffic light.
/// `earlier` is the best valid target of the session's earlier windows.
pub fn judge(
    ctx: &Ctx,
    window: Window,
    phase: Phase,
    e: &Entered,
    pupil: Option<PupilContext>,
    earlier: Option<u8>,
) -> Verdict {
    let stage = e
        .stage
        .and_then(parse_stage)
        .or(pupil.and_then(|p| p.stage));
    let ratings = e.ratings.map(|r| parse_rating(r.unwrap_or("")));
    let concern_from = ctx.config.ratings.concern_from;
    let concern = ratings
        .iter()
        .any(|r| values::is_concern(r.ok().flatten(), concern_from));
    let mut v = Verdict {
        stage,
        band: None,
        level: None,
        expected: None,
        steps: None,
        course_level: None,
        target: None,
        effective_target: None,
        earlier_target: None,
        working: None,
        gap: None,
        status: Status::Missing,
        ratings,
        concern,
    };
    match phase {
        Phase::Bge => {
            v.band = pupil.and_then(|p| p.band);
            v.level = e.level.and_then(|l| ctx.scale.position(l));
            v.expected = match (v.band, stage) {
                (Some(b), Some(st)) => ctx.pathway.expected(b, st, window.period),
                _ => None,
            };
            (v.status, v.steps) = crate::rules::status::bge_status(
                v.level,
                v.band,
                v.expected,
                ctx.config.bge.amber_steps,
            );
        }
        Phase::Senior => {
            v.course_level = e.course_level.and_then(|l| ctx.levels.parse(l));
            v.target = valid_grade(v.course_level, e.target);
            v.working = valid_grade(v.course_level, e.working);
            v.earlier_target = earlier;
            let graded = v.course_level.is_some_and(|l| l.is_graded());
            v.effective_target = if graded {
                senior::effective_target(v.target.into_iter().chain(earlier))
            } else {
                v.target
            };
            (v.status, v.gap) = senior::senior_status(
                v.course_level,
                v.working,
                v.effective_target,
                ctx.config.senior.amber_grades,
            );
        }
    }
    v
}

#[derive(Debug, Clone)]
pub struct Override {
    pub role: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Intervention {
    pub scn: String,
    pub subject: Option<String>,
}

/// A school's window: its pupils, its judged rows, what the school decided.
pub struct SchoolWindow {
    pub school: String,
    pub window: Window,
    pub pupils: HashMap<String, Pupil>,
    pub rows: Vec<Row>,
    pub overrides: HashMap<String, Override>,
    pub interventions: Vec<Intervention>,
}

impl SchoolWindow {
    /// The pupil's context, or one made from the subject rows (10.11).
    pub fn pupil(&self, scn: &str) -> Option<&Pupil> {
        self.pupils.get(scn)
    }
}

/// Text columns of a frame as borrowed cells; absent columns are all None.
pub struct Cols<'a> {
    frame: &'a DataFrame,
    cells: Vec<Vec<Option<&'a str>>>,
    /// Per [`slot`], the index of its column in `cells`.
    by_slot: [Option<usize>; SLOTS],
    /// Columns with no slot, by name.
    others: Vec<(&'static str, usize)>,
}

/// How many column names have a [`slot`].
const SLOTS: usize = 29;

/// A slot for each column name read per cell from subject and pupil rows.
/// `Cols::get` runs for every cell of a national window, and a `match` on
/// literals compiles to comparisons of lengths and small integers, where a
/// hash map spent most of `get`'s time hashing and calling memcmp.
fn slot(name: &str) -> Option<usize> {
    Some(match name {
        "scn" => 0,
        "subject" => 1,
        "level" => 2,
        "course_level" => 3,
        "working_grade" => 4,
        "target_grade" => 5,
        "stage" => 6,
        "forename" => 7,
        "surname" => 8,
        "class" => 9,
        "teacher" => 10,
        "effort" => 11,
        "behaviour" => 12,
        "homework" => 13,
        "comment" => 14,
        "reg_class" => 15,
        "house" => 16,
        "gender" => 17,
        "simd_decile" => 18,
        "simd_quintile" => 19,
        "fsm" => 20,
        "asn" => 21,
        "care_experienced" => 22,
        "young_carer" => 23,
        "eal" => 24,
        "attendance" => 25,
        "cat_sas" => 26,
        "pathway_band" => 27,
        "lead_role" => 28,
        _ => return None,
    })
}

impl<'a> Cols<'a> {
    pub fn new(frame: &'a DataFrame, names: &[&'static str]) -> PolarsResult<Cols<'a>> {
        let mut cols = Cols {
            frame,
            cells: Vec::with_capacity(names.len()),
            by_slot: [None; SLOTS],
            others: Vec::new(),
        };
        for &n in names {
            let at = cols.cells.len();
            cols.cells.push(match frame.column(n) {
                Ok(c) => c.str()?.iter().collect(),
                Err(_) => vec![None; frame.height()],
            });
            match slot(n) {
                Some(s) => cols.by_slot[s] = Some(at),
                None => cols.others.push((n, at)),
            }
        }
        Ok(cols)
    }
    pub fn get(&self, name: &str, i: usize) -> Option<&'a str> {
        let at = match slot(name) {
            Some(s) => self.by_slot[s]?,
            None => self.others.iter().find(|(n, _)| *n == name)?.1,
        };
        self.cells[at][i]
    }
    pub fn owned(&self, name: &str, i: usize) -> Option<String> {
        self.get(name, i).map(str::to_string)
    }
    pub fn height(&self) -> usize {
        self.frame.height()
    }
    pub fn lines(&self) -> Vec<u32> {
        self.frame
            .column("line")
            .ok()
            .and_then(|c| {
                c.u32()
                    .ok()
                    .map(|ca| ca.iter().map(|v| v.unwrap_or(0)).collect())
            })
            .unwrap_or_else(|| vec![0; self.frame.height()])
    }
}

/// The pupils table for a window: that window's, else the latest earlier one.
fn pupils_frame(
    snap: &Snapshot,
    school: &str,
    window: Window,
    columns: Option<&[&str]>,
) -> anyhow::Result<Option<DataFrame>> {
    snap.manifest
        .file_at_or_before("pupils", school, &window.to_string())
        .map(|f| crate::store::read::read_data_file(&snap.store.root, f, columns))
        .transpose()
        .map_err(Into::into)
}

const PUPIL_COLS: &[&str] = &[
    "scn",
    "forename",
    "surname",
    "stage",
    "reg_class",
    "house",
    "gender",
    "simd_decile",
    "simd_quintile",
    "fsm",
    "asn",
    "care_experienced",
    "young_carer",
    "eal",
    "attendance",
    "cat_sas",
    "pathway_band",
];

fn load_pupils(
    ctx: &Ctx,
    frame: &DataFrame,
    current: bool,
) -> anyhow::Result<HashMap<String, Pupil>> {
    let c = Cols::new(frame, PUPIL_COLS)?;
    let mut out = HashMap::with_capacity(c.height());
    for i in 0..c.height() {
        let Some(scn) = c.get("scn", i) else { continue };
        let cell = |col: &'static str| c.get(col, i);
        let invalid = ctx.codes().pupil_cells(cell);
        // Invalid booleans are unknown (10.3); `invalid` says which and why.
        let flag = |col: &'static str| parse_bool(cell(col).unwrap_or("")).ok();
        let fsm = flag("fsm");
        let asn = flag("asn");
        let care_experienced = flag("care_experienced");
        let young_carer = flag("young_carer");
        let eal = flag("eal");
        let stage = cell("stage").and_then(parse_stage);
        let attendance = cell("attendance")
            .and_then(parse_number)
            .filter(|a| (0.0..=100.0).contains(a));
        let pupil = Pupil {
            scn: scn.to_string(),
            forename: c.owned("forename", i),
            surname: c.owned("surname", i),
            stage,
            reg_class: c.owned("reg_class", i),
            house: c.owned("house", i),
            gender: c.owned("gender", i),
            simd_quintile: values::simd_quintile(
                c.get("simd_quintile", i),
                c.get("simd_decile", i),
            ),
            fsm,
            asn,
            care_experienced,
            young_carer,
            eal,
            attendance,
            band: ctx
                .pathway
                .band_index(c.get("pathway_band", i), c.get("cat_sas", i)),
            known: current,
            invalid,
        };
        out.insert(scn.to_string(), pupil);
    }
    Ok(out)
}

const ROW_COLS: &[&str] = &[
    "scn",
    "subject",
    "level",
    "course_level",
    "working_grade",
    "target_grade",
    "stage",
    "forename",
    "surname",
    "class",
    "teacher",
    "effort",
    "behaviour",
    "homework",
    "comment",
];

/// Values by pupil-subject: SCN, and subject ignoring case and surrounding
/// spaces. A lookup hashes the SCN and compares the pupil's few subjects in
/// place, so it builds no key: reports look up every row of a national
/// window. `K` is `String` for a map kept beyond its rows, `&str` for one
/// borrowing them.
#[derive(Debug, Clone)]
pub struct BySubject<K, V> {
    by_scn: PlHashMap<K, Vec<(K, V)>>,
}

impl<K, V> Default for BySubject<K, V> {
    fn default() -> Self {
        BySubject {
            by_scn: PlHashMap::default(),
        }
    }
}

impl<K: std::borrow::Borrow<str> + std::hash::Hash + Eq, V> BySubject<K, V> {
    pub fn get(&self, scn: &str, subject: &str) -> Option<&V> {
        let subjects = self.by_scn.get(scn)?;
        subjects
            .iter()
            .find(|(s, _)| crate::rules::same_text(s.borrow(), subject))
            .map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, scn: &str, subject: &str) -> Option<&mut V> {
        let subjects = self.by_scn.get_mut(scn)?;
        subjects
            .iter_mut()
            .find(|(s, _)| crate::rules::same_text(s.borrow(), subject))
            .map(|(_, v)| v)
    }

    /// Set a pupil-subject's value, replacing the one it had.
    pub fn insert(&mut self, scn: K, subject: K, value: V) {
        let subjects = self.by_scn.entry(scn).or_default();
        match subjects
            .iter_mut()
            .find(|(s, _)| crate::rules::same_text(s.borrow(), subject.borrow()))
        {
            Some((_, v)) => *v = value,
            None => subjects.push((subject, value)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_scn.is_empty()
    }
}

/// Best valid target per (SCN, subject) over the session's windows before `window`.
fn earlier_targets(
    ctx: &Ctx,
    snap: &Snapshot,
    school: &str,
    window: Window,
) -> anyhow::Result<BySubject<String, u8>> {
    let mut best: BySubject<String, u8> = BySubject::default();
    for w in snap.windows(Some(school)) {
        if w.session != window.session || w >= window {
            continue;
        }
        let Some(df) = snap.read(
            "senior",
            school,
            w,
            Some(&["scn", "subject", "course_level", "target_grade"]),
        )?
        else {
            continue;
        };
        let c = Cols::new(&df, &["scn", "subject", "course_level", "target_grade"])?;
        for i in 0..c.height() {
            let (Some(scn), Some(subject)) = (c.get("scn", i), c.get("subject", i)) else {
                continue;
            };
            // Only a course of known level has a target that carries over.
            let Some(level) = c.get("course_level", i).and_then(|l| ctx.levels.parse(l)) else {
                continue;
            };
            let target = valid_grade(Some(level), c.get("target_grade", i));
            if let Some(t) = target {
                match best.get_mut(scn, subject) {
                    Some(e) => *e = (*e).min(t),
                    None => best.insert(scn.to_string(), subject.to_string(), t),
                }
            }
        }
    }
    Ok(best)
}

/// A grade valid for the course level. With no known level only 9 is: it
/// means off track on every kind of course (10.5).
fn valid_grade(level: Option<CourseLevel>, text: Option<&str>) -> Option<u8> {
    let g = text.and_then(senior::parse_grade)?;
    match level {
        Some(l) => senior::grade_valid(l, g).then_some(g),
        None => (g == 9).then_some(g),
    }
}

/// A rating as a [`Row`] keeps it: the text as entered when it is invalid.
fn rating(judged: Result<Option<u8>, ()>, text: Option<&str>) -> Rating {
    judged.map_err(|()| text.unwrap_or("").to_string())
}

/// The cells of a stored row that the rules read, by column name. A BGE row
/// has no course level or grades, a Senior Phase row no level (SPEC 7.3).
pub fn entered<'a>(phase: Phase, cell: impl Fn(&'static str) -> Option<&'a str>) -> Entered<'a> {
    let senior = phase == Phase::Senior;
    let only = |yes: bool, col: &'static str| if yes { cell(col) } else { None };
    Entered {
        stage: cell("stage"),
        level: only(!senior, "level"),
        course_level: only(senior, "course_level"),
        target: only(senior, "target_grade"),
        working: only(senior, "working_grade"),
        ratings: [cell("effort"), cell("behaviour"), cell("homework")],
    }
}

/// Load and judge one school's window.
pub fn load(
    ctx: &Ctx,
    snap: &Snapshot,
    school: &str,
    window: Window,
) -> anyhow::Result<SchoolWindow> {
    let context = || format!("cannot read {school} {window} from the store");
    let pupils = match pupils_frame(snap, school, window, None).with_context(context)? {
        Some(df) => {
            let current = snap
                .manifest
                .file("pupils", school, &window.to_string())
                .is_some();
            load_pupils(ctx, &df, current)?
        }
        None => HashMap::new(),
    };
    let mut sw = SchoolWindow {
        school: school.to_string(),
        window,
        pupils,
        rows: Vec::new(),
        overrides: HashMap::new(),
        interventions: Vec::new(),
    };
    for phase in [Phase::Bge, Phase::Senior] {
        let Some(df) = snap
            .read(phase.as_str(), school, window, None)
            .with_context(context)?
        else {
            continue;
        };
        let earlier = match phase {
            Phase::Senior => earlier_targets(ctx, snap, school, window)?,
            Phase::Bge => BySubject::default(),
        };
        let c = Cols::new(&df, ROW_COLS)?;
        sw.rows.reserve(c.height());
        for i in 0..c.height() {
            let scn = c.get("scn", i).unwrap_or_default();
            let subject = c.get("subject", i).unwrap_or_default();
            let pupil = sw.pupils.get(scn);
            let (faculty, mapped) = ctx.faculties.faculty_of(subject);
            let entered = entered(phase, |col| c.get(col, i));
            let earlier_target = match phase {
                Phase::Senior => earlier.get(scn, subject).copied(),
                Phase::Bge => None,
            };
            let known = pupil.map(|p| PupilContext {
                stage: p.stage,
                band: p.band,
            });
            let v = judge(ctx, window, phase, &entered, known, earlier_target);
            let [effort, behaviour, homework] = entered.ratings;
            let row = Row {
                scn: scn.to_string(),
                stage: v.stage,
                subject: subject.to_string(),
                faculty: faculty.to_string(),
                mapped,
                phase,
                band: v.band,
                level_text: entered.level.map(str::to_string),
                level: v.level,
                expected: v.expected,
                steps: v.steps,
                course_level_text: entered.course_level.map(str::to_string),
                course_level: v.course_level,
                target_text: entered.target.map(str::to_string),
                target: v.target,
                effective_target: v.effective_target,
                earlier_target: v.earlier_target,
                working_text: entered.working.map(str::to_string),
                working: v.working,
                gap: v.gap,
                status: v.status,
                ratings: [
                    rating(v.ratings[0], effort),
                    rating(v.ratings[1], behaviour),
                    rating(v.ratings[2], homework),
                ],
                concern: v.concern,
                class: c.owned("class", i),
                teacher: c.owned("teacher", i),
                comment: c.owned("comment", i),
                forename: c.owned("forename", i),
                surname: c.owned("surname", i),
                invalid: ctx
                    .codes()
                    .subject_cells(phase == Phase::Senior, |col| c.get(col, i)),
            };
            sw.rows.push(row);
        }
    }
    sw.overrides = overrides(snap, school, window)?;
    sw.interventions = interventions(snap, school, window)?;
    Ok(sw)
}

/// What the school decided about leads for a window (SPEC 2.4), by SCN.
pub fn overrides(
    snap: &Snapshot,
    school: &str,
    window: Window,
) -> anyhow::Result<HashMap<String, Override>> {
    let mut out = HashMap::new();
    if let Some(df) = snap.read("overrides", school, window, None)? {
        let c = Cols::new(&df, &["scn", "lead_role", "lead_name"])?;
        for i in 0..c.height() {
            if let (Some(scn), Some(role)) = (c.get("scn", i), c.get("lead_role", i)) {
                out.insert(
                    scn.to_string(),
                    Override {
                        role: role.to_string(),
                        name: c.owned("lead_name", i),
                    },
                );
            }
        }
    }
    Ok(out)
}

/// The interventions recorded for a window.
pub fn interventions(
    snap: &Snapshot,
    school: &str,
    window: Window,
) -> anyhow::Result<Vec<Intervention>> {
    let mut out = Vec::new();
    if let Some(df) = snap.read("interventions", school, window, None)? {
        let c = Cols::new(&df, &["scn", "subject"])?;
        for i in 0..c.height() {
            if let Some(scn) = c.get("scn", i) {
                out.push(Intervention {
                    scn: scn.to_string(),
                    subject: c.owned("subject", i),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_read_per_cell_has_its_own_slot() {
        let names: Vec<&str> = ROW_COLS
            .iter()
            .chain(PUPIL_COLS)
            .chain(&["lead_role"])
            .copied()
            .collect();
        let mut slots: Vec<usize> = names.iter().filter_map(|n| slot(n)).collect();
        assert_eq!(slots.len(), names.len(), "a name has no slot");
        slots.sort_unstable();
        slots.dedup();
        assert_eq!(
            slots.len(),
            SLOTS,
            "two names share a slot, or one is unused"
        );
        assert!(slots.iter().all(|&s| s < SLOTS));
    }

    #[test]
    fn cols_find_columns_with_and_without_a_slot() {
        let df = df!(
            "scn" => [Some("1"), None],
            "lead_name" => [Some("Ms Ng"), Some("Mr Roy")],
        )
        .unwrap();
        let c = Cols::new(&df, &["scn", "lead_name", "teacher"]).unwrap();
        assert_eq!(c.get("scn", 0), Some("1"));
        assert_eq!(c.get("scn", 1), None);
        assert_eq!(c.get("lead_name", 1), Some("Mr Roy"));
        // Asked for but absent from the frame, or never asked for.
        assert_eq!(c.get("teacher", 0), None);
        assert_eq!(c.get("subject", 0), None);
        assert_eq!(c.get("lead_role", 0), None);
    }
}
