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
mod parsed;
mod pupils;
mod read_pupils;
mod texts;

use std::collections::HashMap;

use polars::prelude::PlHashMap;

pub use columns::Columns;
pub use load::{interventions, load, load_only};
pub use pupils::{Pupil, Pupils, Text};

use super::prefetch;
use crate::rules::Phase;
use crate::rules::Status;
use crate::rules::senior::CourseLevel;
use crate::rules::validity::Invalid;
use crate::rules::window::Window;

/// What a report needs besides each row's verdict.
#[derive(Debug, Clone, Copy, Default)]
pub struct Need {
    /// Pupil context, overrides, interventions and, for pupils with no
    /// pupils row, names from the subject rows.
    pub pupils: bool,
    /// The teacher of every row, for `--teacher` and for `qa`.
    pub teacher: bool,
    /// The class of every row, for `--class`.
    pub class: bool,
    /// Every row's report comment.
    pub comments: bool,
    /// The forename and surname as the subject export holds them, of the
    /// rows that `qa` may name in a detail: those with a cell that holds
    /// no valid value (a detail never shows a name), and those of pupils
    /// with no pupils row. Other rows' names are never looked at, and a
    /// window has millions of rows.
    pub names: bool,
    /// The cells of each row and pupil that hold no valid value.
    pub invalid: bool,
}

impl Need {
    /// What `qa` checks: everything but the class, which no finding or
    /// count names (a large school has tens of thousands of classes).
    pub const QA: Need = Need {
        pupils: true,
        teacher: true,
        class: false,
        comments: true,
        names: true,
        invalid: true,
    };
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
/// code as entered, and the names a [`Need`] asked for. (The teacher, class
/// and comment, which most rows have, are [`Asked`] instead.)
#[derive(Debug, Clone, Copy)]
struct Odd {
    level: u32,
    course_level: u32,
    target: u32,
    working: u32,
    forename: u32,
    surname: u32,
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
            self.invalid,
        ]
        .iter()
        .all(|&t| t == NO_TEXT)
    }
}

/// The ids of the teacher, class and comment of every row, in row order,
/// each empty unless the [`Need`] asked for it: nearly every row has a
/// teacher and a class, so they are held as columns of ids rather than
/// as [`Odd`] texts.
#[derive(Default)]
pub(super) struct Asked {
    pub(super) teacher: Vec<u32>,
    pub(super) class: Vec<u32>,
    pub(super) comment: Vec<u32>,
}

impl Asked {
    pub(super) fn columns_mut(&mut self) -> [&mut Vec<u32>; 3] {
        [&mut self.teacher, &mut self.class, &mut self.comment]
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
    asked: Asked,
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

    /// Start bringing row `i` into cache, for a reader about to visit rows
    /// out of load order (a hint: it changes nothing).
    pub fn prefetch_row(&self, i: usize) {
        prefetch(&self.rows[i]);
    }

    /// Start bringing the SCN of row `i` into cache (the row itself is
    /// read, so it should be in cache already: see [`SchoolWindow::prefetch_row`]).
    pub fn prefetch_scn(&self, i: usize) {
        prefetch(&self.scns[self.rows[i].pupil as usize]);
    }

    /// The SCNs of the window's rows; [`RowRef::pupil_id`] indexes them.
    pub fn scns(&self) -> &[Text] {
        &self.scns
    }

    /// How many texts [`RowRef::subject_id`], [`RowRef::faculty_id`] and
    /// [`RowRef::teacher_id`] index.
    pub fn texts_len(&self) -> usize {
        self.texts.len()
    }

    /// The text those ids name.
    pub fn text_at(&self, id: usize) -> &str {
        &self.texts[id]
    }

    /// Take the window's texts (what [`RowRef::subject_id`] and the like
    /// index) and its SCNs, for a report that names them by id after the
    /// window is gone; the rows then name none.
    pub fn take_texts(&mut self) -> (Vec<Box<str>>, Vec<Text>) {
        self.rows.clear();
        (
            std::mem::take(&mut self.texts),
            std::mem::take(&mut self.scns),
        )
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

    /// The text id of `row` (one of `rows`) in a column of [`Asked`], or
    /// [`NO_TEXT`].
    fn asked_id(&self, row: &Row, ids: impl Fn(&Asked) -> &Vec<u32>) -> u32 {
        // A row's place, from where it is held: a [`RowRef`] stays as
        // small as two references.
        let at = (std::ptr::from_ref(row) as usize - self.rows.as_ptr() as usize)
            / std::mem::size_of::<Row>();
        debug_assert!(std::ptr::eq(row, &self.rows[at]));
        ids(&self.asked).get(at).copied().unwrap_or(NO_TEXT)
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
    /// The faculty text's index, equal for equal texts within a window.
    pub fn faculty_id(&self) -> u32 {
        self.row.faculty
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
    /// With [`Need::teacher`].
    pub fn teacher(&self) -> Option<&'s str> {
        self.sw.text(self.sw.asked_id(self.row, |a| &a.teacher))
    }
    /// The teacher text's index, equal for equal texts within a window.
    pub fn teacher_id(&self) -> Option<u32> {
        Some(self.sw.asked_id(self.row, |a| &a.teacher)).filter(|&id| id != NO_TEXT)
    }
    /// With [`Need::class`].
    pub fn class(&self) -> Option<&'s str> {
        self.sw.text(self.sw.asked_id(self.row, |a| &a.class))
    }
    /// With [`Need::comments`].
    pub fn comment(&self) -> Option<&'s str> {
        self.sw.text(self.sw.asked_id(self.row, |a| &a.comment))
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
/// spaces. A lookup hashes the SCN and the subject as it would compare it,
/// then compares the pupil's few subjects by that hash before their text,
/// so it builds no key: reports look up every row of a national window.
/// `K` is `String` for a map kept beyond its rows, `&str` for one
/// borrowing them.
#[derive(Debug, Clone)]
pub struct BySubject<K, V> {
    by_scn: PlHashMap<K, Vec<(u64, K, V)>>,
}

impl<K, V> Default for BySubject<K, V> {
    fn default() -> Self {
        BySubject {
            by_scn: PlHashMap::default(),
        }
    }
}

/// Whether an entry of a pupil's subjects is `subject`, whose key is `key`.
fn is_subject<K: std::borrow::Borrow<str>>(entry: (u64, &K), key: u64, subject: &str) -> bool {
    entry.0 == key && crate::rules::same_text(entry.1.borrow(), subject)
}

impl<K: std::borrow::Borrow<str> + std::hash::Hash + Eq, V> BySubject<K, V> {
    pub fn get(&self, scn: &str, subject: &str) -> Option<&V> {
        self.of_scn(scn).get(subject)
    }

    /// A pupil's values, found once for all its rows: most pupils have
    /// none, and then no subject is hashed.
    pub fn of_scn(&self, scn: &str) -> OfPupil<'_, K, V> {
        OfPupil(self.by_scn.get(scn).map(Vec::as_slice).unwrap_or_default())
    }

    pub fn get_mut(&mut self, scn: &str, subject: &str) -> Option<&mut V> {
        let subjects = self.by_scn.get_mut(scn)?;
        let key = crate::rules::text_key(subject);
        subjects
            .iter_mut()
            .find(|(k, s, _)| is_subject((*k, s), key, subject))
            .map(|(_, _, v)| v)
    }

    /// Set a pupil-subject's value, replacing the one it had.
    pub fn insert(&mut self, scn: K, subject: K, value: V) {
        let subjects = self.by_scn.entry(scn).or_default();
        let key = crate::rules::text_key(subject.borrow());
        match subjects
            .iter_mut()
            .find(|(k, s, _)| is_subject((*k, s), key, subject.borrow()))
        {
            Some((_, _, v)) => *v = value,
            None => subjects.push((key, subject, value)),
        }
    }

    /// The value for a pupil-subject, inserting `value()` when it has none.
    pub fn get_or_insert_with(
        &mut self,
        scn: K,
        subject: &str,
        value: impl FnOnce() -> (K, V),
    ) -> &mut V {
        let subjects = self.by_scn.entry(scn).or_default();
        let key = crate::rules::text_key(subject);
        match subjects
            .iter()
            .position(|(k, s, _)| is_subject((*k, s), key, subject))
        {
            Some(at) => &mut subjects[at].2,
            None => {
                let (s, v) = value();
                subjects.push((key, s, v));
                &mut subjects.last_mut().expect("just pushed").2
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_scn.is_empty()
    }
}

/// One pupil's values of a [`BySubject`].
pub struct OfPupil<'m, K, V>(&'m [(u64, K, V)]);

impl<'m, K: std::borrow::Borrow<str>, V> OfPupil<'m, K, V> {
    pub fn get(&self, subject: &str) -> Option<&'m V> {
        if self.0.is_empty() {
            return None;
        }
        let key = crate::rules::text_key(subject);
        (self.0.iter())
            .find(|(k, s, _)| is_subject((*k, s), key, subject))
            .map(|(_, _, v)| v)
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
    fn by_subject_matches_subjects_ignoring_case_and_spaces() {
        let mut m: BySubject<&str, u8> = BySubject::default();
        m.insert("1", "French", 1);
        m.insert("1", " french ", 2);
        m.insert("2", "Maths", 3);
        assert_eq!(m.get("1", "FRENCH"), Some(&2));
        assert_eq!(m.get("2", "maths"), Some(&3));
        assert_eq!(m.get("2", "French"), None);
        assert_eq!(m.get("3", "Maths"), None);
        // And a pupil's found once.
        assert_eq!(m.of_scn("1").get(" FRENCH"), Some(&2));
        assert_eq!(m.of_scn("1").get("Maths"), None);
        assert_eq!(m.of_scn("3").get("Maths"), None);
    }

    #[test]
    fn by_subject_inserts_a_value_only_for_a_new_subject() {
        let mut m: BySubject<&str, u8> = BySubject::default();
        // (SCN, subject, value offered, value held after)
        let cases = [
            ("1", "French", 4, 4),
            ("1", " FRENCH", 2, 4),
            ("1", "Maths", 3, 3),
            ("2", "french", 1, 1),
        ];
        for (scn, subject, offered, held) in cases {
            let v = m.get_or_insert_with(scn, subject, || (subject, offered));
            assert_eq!(*v, held, "{scn} {subject}");
        }
        assert_eq!(m.get("1", "french"), Some(&4));
        assert_eq!(m.get("1", "maths "), Some(&3));
    }
}
