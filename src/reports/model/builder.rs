//! The tables a window's judged rows index into (pupils, texts, subjects,
//! odd texts and invalid cells), built in row order as the rows are added.

use polars::prelude::PlHashMap;

use super::texts::Texts;
use super::{Asked, NO_TEXT, Odd, Row, Text};
use crate::rules::Ctx;
use crate::rules::validity::Invalid;

/// The tables a window's rows index into, built as the rows are read.
#[derive(Default)]
pub(super) struct Builder {
    pub(super) rows: Vec<Row>,
    pub(super) texts: Texts,
    pub(super) scns: Vec<Text>,
    /// Each of `scns`' place in the pupils table, or [`NO_TEXT`].
    pub(super) places: Vec<u32>,
    /// The id of the pupil at each place in the pupils table, or
    /// [`NO_TEXT`] before its first row.
    pub(super) id_of_place: Vec<u32>,
    /// The ids of pupils the pupils table does not have.
    scn_ids: PlHashMap<Box<str>, u32>,
    /// The pupil of the row added last.
    pub(super) last_pupil: Option<u32>,
    /// Subject as stored -> (subject, faculty) text ids and whether mapped.
    pub(super) subjects: PlHashMap<Box<str>, (u32, u32, bool)>,
    pub(super) odd: Vec<Odd>,
    pub(super) asked: Asked,
    pub(super) invalid: Vec<Vec<Invalid>>,
}

impl Builder {
    /// The id of the pupil `scn`, at `place` in the pupils table.
    pub(super) fn pupil(&mut self, scn: &str, place: u32) -> u32 {
        // A pupil's rows come together: most rows are the last row's pupil.
        if let Some(id) = self.last_pupil
            && *self.scns[id as usize] == *scn
        {
            return id;
        }
        // A pupil the pupils table has is found by its place there (each
        // place is one SCN's), an array, not a hashed text.
        let id = match self.id_of_place.get(place as usize) {
            Some(&id) if id != NO_TEXT => id,
            Some(_) => {
                let id = self.new_pupil(scn, place);
                self.id_of_place[place as usize] = id;
                id
            }
            None => match self.scn_ids.get(scn) {
                Some(&id) => id,
                None => {
                    let id = self.new_pupil(scn, place);
                    self.scn_ids.insert(scn.into(), id);
                    id
                }
            },
        };
        self.last_pupil = Some(id);
        id
    }

    fn new_pupil(&mut self, scn: &str, place: u32) -> u32 {
        let id = u32::try_from(self.scns.len()).expect("fewer than 4 billion pupils");
        self.scns.push(scn.into());
        self.places.push(place);
        id
    }

    pub(super) fn subject(&mut self, ctx: &Ctx, subject: &str) -> (u32, u32, bool) {
        if let Some(&ids) = self.subjects.get(subject) {
            return ids;
        }
        let (faculty, mapped) = ctx.faculties.faculty_of(subject);
        let ids = (self.texts.id(subject), self.texts.id(faculty), mapped);
        self.subjects.insert(subject.into(), ids);
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pupils get ids in the order their first rows come, found again
    /// whether the pupils table has them (by place) or not (by SCN),
    /// whenever their rows come back.
    #[test]
    fn pupils_get_ids_in_order_of_first_row_by_place_or_scn() {
        // (SCN, place in the pupils table) of each row, and each row's id
        let rows: &[(&str, u32)] = &[
            ("100000002", 1),
            ("100000002", 1),
            ("999999999", NO_TEXT),
            ("100000001", 0),
            ("100000002", 1),
            ("999999999", NO_TEXT),
            ("", NO_TEXT),
            ("100000001", 0),
        ];
        let want = [0, 0, 1, 2, 0, 1, 3, 2];
        let mut b = Builder {
            id_of_place: vec![NO_TEXT; 3],
            ..Builder::default()
        };
        let got: Vec<u32> = rows
            .iter()
            .map(|&(scn, place)| b.pupil(scn, place))
            .collect();
        assert_eq!(got, want);
        let scns: Vec<&str> = b.scns.iter().map(|s| &**s).collect();
        assert_eq!(scns, ["100000002", "999999999", "100000001", ""]);
        assert_eq!(b.places, [1, NO_TEXT, 0, NO_TEXT]);
    }
}
