//! One judged window: a school's window loaded from the store, every subject
//! row with its verdict from [`crate::rules::verdict`]. Every report reads it.
//!
//! A [`Row`] is about 40 bytes: the verdict's numbers, and indexes into the
//! window's small tables of SCNs and texts (subjects, faculties, the rare
//! invalid code as entered). Text a report needs only sometimes (teacher
//! and class, comments, names, invalid cells) is read only when its
//! [`Need`] asks, so a national `offtrack` holds three million rows in a
//! few hundred megabytes and `qa` has everything it checks.
//!
//! [`load`] reads each stored table once, projected to the columns the need
//! names; [`RowRef`] reads a row back.

mod builder;
mod cells;
pub mod columns;
mod load;
mod texts;

use std::collections::HashMap;

use polars::prelude::PlHashMap;

pub use columns::Columns;
pub use load::{interventions, load, load_only};

use crate::rules::Phase;
use crate::rules::Status;
use crate::rules::senior::CourseLevel;
use crate::rules::validity::Invalid;
use crate::rules::verdict::PupilContext;
use crate::rules::window::Window;

/// What a report needs besides each row's verdict.
#[derive(Debug, Clone, Copy, Default)]
pub struct Need {
    /// Pupil context, overrides, interventions and, for pupils with no
    /// pupils row, names from the subject rows.
    pub pupils: bool,
    /// Teacher and class of every row, for `--teacher` and `--class`.
    pub teacher_and_class: bool,
    /// Every row's report comment.
    pub comments: bool,
    /// Every row's forename and surname as the subject export holds them.
    pub names: bool,
    /// The cells of each row and pupil that hold no valid value.
    pub invalid: bool,
}

impl Need {
    /// Everything: what `qa` checks.
    pub const ALL: Need = Need {
        pupils: true,
        teacher_and_class: true,
        comments: true,
        names: true,
        invalid: true,
    };
}

/// A pupil's context row (SPEC 2.1), parsed. Booleans are None when unknown
/// (no pupils row) or invalid (10.3).
#[derive(Debug, Clone, Default)]
pub struct Pupil {
    pub scn: Text,
    pub forename: Option<Text>,
    pub surname: Option<Text>,
    pub stage: Option<u8>,
    pub reg_class: Option<Text>,
    pub house: Option<Text>,
    pub gender: Option<Text>,
    pub simd_quintile: Option<u8>,
    pub fsm: Option<bool>,
    pub asn: Option<bool>,
    pub care_experienced: Option<bool>,
    pub young_carer: Option<bool>,
    pub eal: Option<bool>,
    pub attendance: Option<f64>,
    pub band: Option<usize>,
    /// The cells that hold no valid value (QA `invalid_value`), with
    /// [`Need::invalid`].
    pub invalid: Vec<Invalid>,
}

/// A pupil's text: held in place up to 24 bytes (an SCN, most names,
/// classes and houses), so a school's pupils are not hundreds of thousands
/// of small allocations scattered over memory.
pub type Text = polars::prelude::PlSmallStr;

/// What [`Pupils`] holds for an SCN that is not 9 digits: no SCN's number.
const NOT_A_NUMBER: u64 = u64::MAX;

/// A window's pupils rows by SCN, each pupil once, in the order stored: a
/// table of the pupils and an index of small keys (an SCN's number, else
/// its text), rather than a map of whole pupils, which a large school fills
/// with a few hundred megabytes; each pupil's stage and band, which every
/// row is judged with, sit in a small table of their own.
#[derive(Debug, Default)]
pub struct Pupils {
    all: Vec<Pupil>,
    contexts: Vec<PupilContext>,
    /// Each pupil's SCN as a number, [`NOT_A_NUMBER`] if it is not 9 digits.
    numbers: Vec<u64>,
    by_number: PlHashMap<u64, u32>,
    /// SCNs that are not 9 digits (ingest stores none).
    by_text: PlHashMap<Box<str>, u32>,
}

impl Pupils {
    /// The pupils of `all`, in order; of the rows of one SCN the last is
    /// kept (as a map from SCN to pupil would keep it).
    pub fn of(mut all: Vec<Pupil>) -> Pupils {
        let mut p = Pupils::default();
        if !p.index(&all) {
            // Rare (ingest keeps one row per SCN): the earlier rows go.
            let mut at = 0;
            all.retain(|q| {
                at += 1;
                p.position(&q.scn) == Some(at - 1)
            });
            p = Pupils::default();
            p.index(&all);
        }
        p.contexts = (all.iter())
            .map(|q| PupilContext {
                stage: q.stage,
                band: q.band,
            })
            .collect();
        p.numbers = (all.iter())
            .map(|q| crate::rules::values::scn_number(&q.scn).unwrap_or(NOT_A_NUMBER))
            .collect();
        p.all = all;
        p
    }

    /// Index `all` by SCN, the last row of an SCN winning; whether every
    /// SCN was new.
    fn index(&mut self, all: &[Pupil]) -> bool {
        self.by_number.reserve(all.len());
        let mut distinct = true;
        for (i, q) in all.iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than 4 billion pupils");
            let old = match crate::rules::values::scn_number(&q.scn) {
                Some(n) => self.by_number.insert(n, i),
                None => self.by_text.insert(q.scn.as_str().into(), i),
            };
            distinct &= old.is_none();
        }
        distinct
    }

    pub fn position(&self, scn: &str) -> Option<usize> {
        match crate::rules::values::scn_number(scn) {
            Some(n) => self.by_number.get(&n),
            None => self.by_text.get(scn),
        }
        .map(|&i| i as usize)
    }

    /// [`Pupils::position`], looking first at the place after `before`
    /// (a place, or None for before the first): a subject export often
    /// lists pupils in the pupils export's order, and the next pupil is
    /// then found without a lookup in a table of thousands.
    pub fn position_after(&self, scn: &str, before: Option<usize>) -> Option<usize> {
        let next = before.map_or(0, |b| b + 1);
        match crate::rules::values::scn_number(scn) {
            Some(n) if self.numbers.get(next) == Some(&n) => Some(next),
            Some(n) => self.by_number.get(&n).map(|&i| i as usize),
            None => self.by_text.get(scn).map(|&i| i as usize),
        }
    }

    pub fn get(&self, scn: &str) -> Option<&Pupil> {
        self.position(scn).map(|i| &self.all[i])
    }

    /// The pupil at `i` of [`Pupils::iter`].
    pub fn at(&self, i: usize) -> &Pupil {
        &self.all[i]
    }

    /// The stage and band the rows of the pupil at `i` of
    /// [`Pupils::iter`] are judged with.
    pub fn context_at(&self, i: usize) -> PupilContext {
        self.contexts[i]
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Pupil> {
        self.all.iter()
    }

    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }
}

/// The display spelling of a stage, `S3`, without allocating; it agrees
/// with [`crate::rules::values::stage_label`] for every stage a row can hold.
pub fn stage_name(stage: u8) -> &'static str {
    const NAMES: [&str; 10] = ["S0", "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9"];
    NAMES.get(usize::from(stage)).copied().unwrap_or("S?")
}

#[derive(Debug, Clone)]
pub struct Override {
    pub role: String,
    pub name: Option<String>,
}

/// An intervention recorded for a window (SPEC 2.4).
#[derive(Debug, Clone)]
pub struct Intervention {
    pub scn: String,
    /// None: whole-school.
    pub subject: Option<String>,
    /// The `Intervention` column: its type, as entered.
    pub kind: Option<String>,
    /// Who recorded it.
    pub staff: Option<String>,
}

/// "No value" in the narrow fields of [`Row`].
const NO8: u8 = u8::MAX;
const NO16: u16 = u16::MAX;
const NO_GAP: i16 = i16::MIN;
const NO_TEXT: u32 = u32::MAX;

/// One judged pupil-subject row, without text of its own.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// Index into the window's SCNs.
    pupil: u32,
    /// Indexes into the window's texts.
    subject: u32,
    faculty: u32,
    /// Index into the window's [`Odd`] texts, or [`NO_TEXT`].
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
    earlier_target: u8,
    working: u8,
    ratings: [u8; 3],
    concern: bool,
    /// Whether `[faculties]` lists the subject.
    mapped: bool,
}

/// Text a row rarely needs, as indexes into the window's texts: an invalid
/// code as entered, and what a [`Need`] asked for.
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
    comment: u32,
    /// Index into the window's lists of invalid cells.
    invalid: u32,
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
            comment: NO_TEXT,
            invalid: NO_TEXT,
        }
    }
}

impl Odd {
    /// The ids of the codes as entered that the rules could not read:
    /// level, course level, target and working grade.
    fn unread_mut(&mut self) -> [&mut u32; 4] {
        [
            &mut self.level,
            &mut self.course_level,
            &mut self.target,
            &mut self.working,
        ]
    }

    fn is_empty(&self) -> bool {
        [
            self.level,
            self.course_level,
            self.target,
            self.working,
            self.forename,
            self.surname,
            self.teacher,
            self.class,
            self.comment,
            self.invalid,
        ]
        .iter()
        .all(|&t| t == NO_TEXT)
    }
}

/// A school's window: its pupils, its judged rows, what the school decided.
pub struct SchoolWindow {
    pub school: String,
    pub window: Window,
    /// Loaded with [`Need::pupils`].
    pub pupils: Pupils,
    /// Each of `scns`' place in `pupils`, or [`NO_TEXT`] for none; empty
    /// when no pupils were loaded.
    pupil_rows: Vec<u32>,
    pub overrides: HashMap<String, Override>,
    pub interventions: Vec<Intervention>,
    rows: Vec<Row>,
    scns: Vec<Text>,
    texts: Vec<Box<str>>,
    odd: Vec<Odd>,
    invalid: Vec<Vec<Invalid>>,
}

impl SchoolWindow {
    /// The pupil's context row, if the pupils export has one.
    pub fn pupil(&self, scn: &str) -> Option<&Pupil> {
        self.pupils.get(scn)
    }

    /// The pupils row of the pupil [`RowRef::pupil_id`] names, if any: what
    /// [`SchoolWindow::pupil`] finds for its SCN, without looking it up.
    pub fn pupil_of(&self, pupil_id: usize) -> Option<&Pupil> {
        self.pupil_place(pupil_id).map(|at| self.pupils.at(at))
    }

    /// Where [`SchoolWindow::pupil_of`] finds its pupil in `pupils`.
    pub fn pupil_place(&self, pupil_id: usize) -> Option<usize> {
        let at = *self.pupil_rows.get(pupil_id)?;
        (at != NO_TEXT).then_some(at as usize)
    }

    /// Every row, in load order (BGE then Senior Phase, each as stored).
    pub fn rows(&self) -> impl ExactSizeIterator<Item = RowRef<'_>> + Clone {
        self.rows.iter().map(|row| RowRef { sw: self, row })
    }

    /// The row at `i` of [`SchoolWindow::rows`].
    pub fn row(&self, i: usize) -> RowRef<'_> {
        RowRef {
            sw: self,
            row: &self.rows[i],
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The SCNs of the window's rows; [`RowRef::pupil_id`] indexes them.
    pub fn scns(&self) -> &[Text] {
        &self.scns
    }

    fn text(&self, id: u32) -> Option<&str> {
        (id != NO_TEXT).then(|| &*self.texts[id as usize])
    }

    fn odd_text(&self, row: &Row, f: impl Fn(&Odd) -> u32) -> Option<&str> {
        if row.odd == NO_TEXT {
            return None;
        }
        self.text(f(&self.odd[row.odd as usize]))
    }
}

/// A judged row with its window.
#[derive(Clone, Copy)]
pub struct RowRef<'s> {
    sw: &'s SchoolWindow,
    row: &'s Row,
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

impl<'s> RowRef<'s> {
    /// The window the row belongs to.
    pub fn window(&self) -> &'s SchoolWindow {
        self.sw
    }
    /// The pupil's index in [`SchoolWindow::scns`].
    pub fn pupil_id(&self) -> usize {
        self.row.pupil as usize
    }
    /// The subject text's index, equal for equal texts within a window.
    pub fn subject_id(&self) -> usize {
        self.row.subject as usize
    }
    pub fn scn(&self) -> &'s str {
        &self.sw.scns[self.row.pupil as usize]
    }
    pub fn subject(&self) -> &'s str {
        &self.sw.texts[self.row.subject as usize]
    }
    pub fn faculty(&self) -> &'s str {
        &self.sw.texts[self.row.faculty as usize]
    }
    /// Whether `[faculties]` lists the subject (5.1).
    pub fn mapped(&self) -> bool {
        self.row.mapped
    }
    pub fn stage(&self) -> Option<u8> {
        opt8(self.row.stage)
    }
    pub fn phase(&self) -> Phase {
        self.row.phase
    }
    pub fn status(&self) -> Status {
        self.row.status
    }
    pub fn band(&self) -> Option<usize> {
        opt16(self.row.band)
    }
    pub fn level(&self) -> Option<usize> {
        opt16(self.row.level)
    }
    /// The level as entered when it is not a code on the scale.
    pub fn level_text(&self) -> Option<&'s str> {
        self.sw.odd_text(self.row, |o| o.level)
    }
    /// Whether a level was entered, valid or not.
    pub fn level_entered(&self) -> bool {
        self.level().is_some() || self.level_text().is_some()
    }
    pub fn expected(&self) -> Option<usize> {
        opt16(self.row.expected)
    }
    pub fn steps(&self) -> Option<i64> {
        opt_gap(self.row.steps)
    }
    pub fn course_level(&self) -> Option<CourseLevel> {
        CourseLevel::ALL
            .get(usize::from(self.row.course_level))
            .copied()
    }
    /// The course level as entered when it is no known level.
    pub fn course_level_text(&self) -> Option<&'s str> {
        self.sw.odd_text(self.row, |o| o.course_level)
    }
    pub fn course_level_entered(&self) -> bool {
        self.course_level().is_some() || self.course_level_text().is_some()
    }
    /// The recorded target, when valid for the course level.
    pub fn target(&self) -> Option<u8> {
        opt8(self.row.target)
    }
    /// The target as entered when it is not a valid grade.
    pub fn target_text(&self) -> Option<&'s str> {
        self.sw.odd_text(self.row, |o| o.target)
    }
    pub fn effective_target(&self) -> Option<u8> {
        opt8(self.row.effective_target)
    }
    /// The best valid target of the session's earlier windows.
    pub fn earlier_target(&self) -> Option<u8> {
        opt8(self.row.earlier_target)
    }
    pub fn working(&self) -> Option<u8> {
        opt8(self.row.working)
    }
    /// The working grade as entered when it is not a valid grade.
    pub fn working_text(&self) -> Option<&'s str> {
        self.sw.odd_text(self.row, |o| o.working)
    }
    pub fn working_entered(&self) -> bool {
        self.working().is_some() || self.working_text().is_some()
    }
    pub fn gap(&self) -> Option<i64> {
        opt_gap(self.row.gap)
    }
    /// Effort (0), Behaviour (1) or Homework (2) when valid and not empty.
    pub fn rating(&self, i: usize) -> Option<u8> {
        opt8(self.row.ratings[i])
    }
    pub fn concern(&self) -> bool {
        self.row.concern
    }
    /// With [`Need::names`] every row's; with [`Need::pupils`] those of
    /// pupils with no pupils row.
    pub fn forename(&self) -> Option<&'s str> {
        self.sw.odd_text(self.row, |o| o.forename)
    }
    pub fn surname(&self) -> Option<&'s str> {
        self.sw.odd_text(self.row, |o| o.surname)
    }
    /// With [`Need::teacher_and_class`].
    pub fn teacher(&self) -> Option<&'s str> {
        self.sw.odd_text(self.row, |o| o.teacher)
    }
    pub fn class(&self) -> Option<&'s str> {
        self.sw.odd_text(self.row, |o| o.class)
    }
    /// With [`Need::comments`].
    pub fn comment(&self) -> Option<&'s str> {
        self.sw.odd_text(self.row, |o| o.comment)
    }
    /// With [`Need::invalid`]: the row's cells that hold no valid value.
    pub fn invalid(&self) -> &'s [Invalid] {
        if self.row.odd == NO_TEXT {
            return &[];
        }
        match self.sw.odd[self.row.odd as usize].invalid {
            NO_TEXT => &[],
            i => &self.sw.invalid[i as usize],
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_stays_small() {
        assert!(std::mem::size_of::<Row>() <= 40);
    }

    #[test]
    fn pupils_keep_the_last_row_of_an_scn() {
        let p = |scn: &str, name: &str| Pupil {
            scn: scn.into(),
            forename: Some(name.into()),
            ..Pupil::default()
        };
        // (rows as (SCN, name), expected pupils in order)
        type Named<'a> = &'a [(&'a str, &'a str)];
        let cases: &[(Named, Named)] = &[
            (&[], &[]),
            (&[("1", "a"), ("2", "b")], &[("1", "a"), ("2", "b")]),
            (&[("1", "a"), ("1", "b")], &[("1", "b")]),
            (
                &[("000000001", "a"), ("1", "b"), ("000000001", "c")],
                &[("1", "b"), ("000000001", "c")],
            ),
            (
                &[
                    ("1", "a"),
                    ("2", "b"),
                    ("1", "c"),
                    ("3", "d"),
                    ("1", "e"),
                    ("2", "f"),
                ],
                &[("3", "d"), ("1", "e"), ("2", "f")],
            ),
            (
                &[
                    ("100000002", "a"),
                    ("100000001", "b"),
                    ("100000002", "c"),
                    ("100000003", "d"),
                ],
                &[("100000001", "b"), ("100000002", "c"), ("100000003", "d")],
            ),
        ];
        for (rows, want) in cases {
            let pupils = Pupils::of(rows.iter().map(|(s, n)| p(s, n)).collect());
            let got: Vec<(&str, &str)> = pupils
                .iter()
                .map(|q| (q.scn.as_str(), q.forename.as_deref().unwrap()))
                .collect();
            assert_eq!(&got, want, "{rows:?}");
            assert_eq!(pupils.len(), want.len());
            for (scn, name) in *want {
                assert_eq!(
                    pupils.get(scn).and_then(|q| q.forename.as_deref()),
                    Some(*name)
                );
            }
            assert!(pupils.get("9").is_none());
            assert!(pupils.get("123456789").is_none());
            // Found at its place whichever place is tried first.
            let befores = std::iter::once(None).chain((0..want.len() + 1).map(Some));
            for before in befores {
                for (at, (scn, _)) in want.iter().enumerate() {
                    assert_eq!(
                        pupils.position_after(scn, before),
                        Some(at),
                        "{scn} {before:?}"
                    );
                }
                assert_eq!(pupils.position_after("123456789", before), None);
                assert_eq!(pupils.position_after("9", before), None);
            }
        }
    }

    #[test]
    fn by_subject_matches_subjects_ignoring_case_and_spaces() {
        let mut m: BySubject<&str, u8> = BySubject::default();
        m.insert("1", "French", 1);
        m.insert("1", " french ", 2);
        m.insert("2", "Maths", 3);
        assert_eq!(m.get("1", "FRENCH"), Some(&2));
        assert_eq!(m.get("2", "maths"), Some(&3));
        assert_eq!(m.get("2", "French"), None);
        assert_eq!(m.get("3", "Maths"), None);
    }
}
