//! The verdict on one pupil-subject row (SPEC 4.1, 4.2, 4.3, 10.5): the only
//! place stored text becomes a traffic light.
//!
//! [`judge`] takes the row's text as entered, the pupil's stage and band and
//! the best target of the session's earlier windows, and returns everything a
//! report shows besides the text itself. It is two steps: [`Read`] parses
//! each cell on its own (one function per column), and [`decide`] makes the
//! verdict from what they read. Every report reads its rows through
//! [`decide`], with each distinct code of a column parsed by those same
//! functions once, so no two reports can judge a row differently.

use super::faculties::FacultyMap;
use super::pathway::Pathway;
use super::scale::Scale;
use super::senior::{self, CourseLevel, CourseLevels};
use super::status::{self, Status};
use super::validity::Codes;
use super::values::{self, parse_rating, parse_stage};
use super::window::Window;
use crate::config::Config;

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

/// The phase of a subject row: a BGE level or a Senior Phase course.
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

impl<'a> Entered<'a> {
    /// The cells of a stored row that the rules read, by column name. A BGE
    /// row has no course level or grades, a Senior Phase row no level (7.3).
    pub fn of(phase: Phase, cell: impl Fn(&'static str) -> Option<&'a str>) -> Entered<'a> {
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
}

/// What the rules make of one row: everything a report shows but the row's
/// own text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    pub stage: Option<u8>,
    pub band: Option<usize>,
    pub level: Option<usize>,
    pub expected: Option<usize>,
    pub steps: Option<i64>,
    pub course_level: Option<CourseLevel>,
    /// The recorded target, when valid for the course level.
    pub target: Option<u8>,
    /// The best valid target this session so far (graded courses).
    pub effective_target: Option<u8>,
    /// The best valid target in earlier windows of the session.
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

/// One cell as the rules read it: empty, read, or entered but not readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cell<T> {
    #[default]
    Empty,
    Read(T),
    Unread,
}

impl<T: Copy> Cell<T> {
    /// A cell's text, parsed.
    pub fn of(text: Option<&str>, parse: impl FnOnce(&str) -> Option<T>) -> Cell<T> {
        match text {
            None => Cell::Empty,
            Some(t) => parse(t).map_or(Cell::Unread, Cell::Read),
        }
    }

    pub fn get(self) -> Option<T> {
        match self {
            Cell::Read(v) => Some(v),
            Cell::Empty | Cell::Unread => None,
        }
    }

    /// Whether anything was entered.
    pub fn entered(self) -> bool {
        !matches!(self, Cell::Empty)
    }
}

/// A row's cells as the rules read them. Each is parsed on its own, so a
/// reader may parse each distinct text of a column once and look the rest up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Read {
    pub stage: Cell<u8>,
    pub level: Cell<usize>,
    pub course_level: Cell<CourseLevel>,
    /// Grade codes 1-9, whatever the course level.
    pub target: Cell<u8>,
    pub working: Cell<u8>,
    /// Err for a rating that is neither empty nor 1-4.
    pub ratings: [Result<Option<u8>, ()>; 3],
}

/// How the rules parse each cell they read, one function per column.
impl Read {
    pub fn stage(text: Option<&str>) -> Cell<u8> {
        Cell::of(text, parse_stage)
    }

    pub fn level(ctx: &Ctx, text: Option<&str>) -> Cell<usize> {
        Cell::of(text, |t| ctx.scale.position(t))
    }

    pub fn course_level(ctx: &Ctx, text: Option<&str>) -> Cell<CourseLevel> {
        Cell::of(text, |t| ctx.levels.parse(t))
    }

    pub fn grade(text: Option<&str>) -> Cell<u8> {
        Cell::of(text, senior::parse_grade)
    }

    #[allow(clippy::result_unit_err)] // as `parse_rating`
    pub fn rating(text: Option<&str>) -> Result<Option<u8>, ()> {
        parse_rating(text.unwrap_or(""))
    }

    /// Every cell of a row, parsed.
    pub fn of(ctx: &Ctx, e: &Entered) -> Read {
        Read {
            stage: Read::stage(e.stage),
            level: Read::level(ctx, e.level),
            course_level: Read::course_level(ctx, e.course_level),
            target: Read::grade(e.target),
            working: Read::grade(e.working),
            ratings: e.ratings.map(Read::rating),
        }
    }

    /// Whether [`Codes::subject_cells`] may find an invalid cell in the
    /// row: a cell entered but not readable, or a grade not valid for its
    /// course level. When false it finds none, so its text need not be read.
    pub fn may_be_invalid(&self) -> bool {
        let level = self.course_level.get();
        let bad_grade = |g: Cell<u8>| match (g, level) {
            (Cell::Read(g), Some(l)) => !senior::grade_valid(l, g),
            (c, _) => matches!(c, Cell::Unread),
        };
        self.stage == Cell::Unread
            || self.level == Cell::Unread
            || self.course_level == Cell::Unread
            || bad_grade(self.target)
            || bad_grade(self.working)
            || self.ratings.iter().any(Result::is_err)
    }
}

/// Judge one row. `earlier` is the best valid target of the session's
/// earlier windows for this pupil and course.
pub fn judge(
    ctx: &Ctx,
    window: Window,
    phase: Phase,
    e: &Entered,
    pupil: Option<PupilContext>,
    earlier: Option<u8>,
) -> Verdict {
    decide(ctx, window, phase, &Read::of(ctx, e), pupil, earlier)
}

/// [`judge`], from the row's cells already parsed.
pub fn decide(
    ctx: &Ctx,
    window: Window,
    phase: Phase,
    r: &Read,
    pupil: Option<PupilContext>,
    earlier: Option<u8>,
) -> Verdict {
    let stage = r.stage.get().or(pupil.and_then(|p| p.stage));
    let ratings = r.ratings;
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
            v.level = r.level.get();
            v.expected = match (v.band, stage) {
                (Some(b), Some(st)) => ctx.pathway.expected(b, st, window.period),
                _ => None,
            };
            (v.status, v.steps) =
                status::bge_status(v.level, v.band, v.expected, ctx.config.bge.amber_steps);
        }
        Phase::Senior => {
            v.course_level = r.course_level.get();
            v.target = read_grade(v.course_level, r.target);
            v.working = read_grade(v.course_level, r.working);
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

/// [`valid_grade`] of a grade code already read.
fn read_grade(level: Option<CourseLevel>, grade: Cell<u8>) -> Option<u8> {
    let g = grade.get()?;
    match level {
        Some(l) => senior::grade_valid(l, g).then_some(g),
        None => (g == 9).then_some(g),
    }
}

/// A grade valid for the course level. With no known level only 9 is: it
/// means off track on every kind of course (10.5).
pub fn valid_grade(level: Option<CourseLevel>, text: Option<&str>) -> Option<u8> {
    read_grade(level, Read::grade(text))
}

/// The target a course of an earlier window of the session carries over
/// (4.2): only a valid target of a course of known level does.
pub fn carried_target(ctx: &Ctx, course_level: Option<&str>, target: Option<&str>) -> Option<u8> {
    let level = course_level.and_then(|l| ctx.levels.parse(l))?;
    valid_grade(Some(level), target)
}

#[cfg(test)]
mod tests;
