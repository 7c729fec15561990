//! A window's pupils table: each pupil's context row, parsed, found by SCN
//! or by place.

use polars::prelude::PlHashMap;

use crate::rules::validity::Invalid;
use crate::rules::verdict::PupilContext;

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
    /// [`super::Need::invalid`].
    pub invalid: Vec<Invalid>,
}

/// A pupil's text: held in place up to 24 bytes (an SCN, most names,
/// classes and houses), so a school's pupils are not hundreds of thousands
/// of small allocations scattered over memory.
pub type Text = polars::prelude::PlSmallStr;

/// What [`Index`] holds for an SCN that is not 9 digits: no SCN's number.
const NOT_A_NUMBER: u64 = u64::MAX;

/// SCNs by their place: each one's number, else its text, indexed, rather
/// than a map of whole texts.
#[derive(Debug, Default)]
struct Index {
    /// Each place's SCN as a number, [`NOT_A_NUMBER`] if it is not 9 digits.
    numbers: Vec<u64>,
    by_number: PlHashMap<u64, u32>,
    /// SCNs that are not 9 digits (ingest stores none).
    by_text: PlHashMap<Box<str>, u32>,
}

impl Index {
    /// The SCNs of `items` by place, their numbers found on every core,
    /// the last place of an SCN winning; and whether every SCN was new.
    fn of<T: Sync>(items: &[T], scn: &(impl Fn(&T) -> &str + Sync)) -> (Index, bool) {
        let mut index = Index {
            numbers: crate::par::map_range(0..items.len(), 1 << 14, |i| {
                crate::rules::values::scn_number(scn(&items[i])).unwrap_or(NOT_A_NUMBER)
            }),
            ..Index::default()
        };
        index.by_number.reserve(items.len());
        let mut distinct = true;
        for (i, (item, &n)) in items.iter().zip(&index.numbers).enumerate() {
            let i = u32::try_from(i).expect("fewer than 4 billion pupils");
            let old = match n {
                NOT_A_NUMBER => index.by_text.insert(scn(item).into(), i),
                n => index.by_number.insert(n, i),
            };
            distinct &= old.is_none();
        }
        (index, distinct)
    }

    fn position(&self, scn: &str) -> Option<usize> {
        match crate::rules::values::scn_number(scn) {
            Some(n) => self.by_number.get(&n),
            None => self.by_text.get(scn),
        }
        .map(|&i| i as usize)
    }

    fn position_after(&self, scn: &str, before: Option<usize>) -> Option<usize> {
        let next = before.map_or(0, |b| b + 1);
        match crate::rules::values::scn_number(scn) {
            Some(n) if self.numbers.get(next) == Some(&n) => Some(next),
            Some(n) => self.by_number.get(&n).map(|&i| i as usize),
            None => self.by_text.get(scn).map(|&i| i as usize),
        }
    }
}

/// `items` in order but for the earlier items of an SCN (as a map from SCN
/// to item would keep them), and their index.
fn indexed<T: Sync>(mut items: Vec<T>, scn: impl Fn(&T) -> &str + Sync) -> (Vec<T>, Index) {
    let (index, distinct) = Index::of(&items, &scn);
    if distinct {
        return (items, index);
    }
    // Rare (ingest keeps one row per SCN): the earlier rows go.
    let mut at = 0;
    items.retain(|q| {
        at += 1;
        index.position(scn(q)) == Some(at - 1)
    });
    let (index, _) = Index::of(&items, &scn);
    (items, index)
}

/// Each pupil's stage and band, which every row is judged with, found by
/// SCN or by place in a window's pupils table: what a report that shows
/// nothing else of the pupils reads of them.
#[derive(Debug, Default)]
pub struct Contexts {
    contexts: Vec<PupilContext>,
    index: Index,
}

impl Contexts {
    /// The contexts of the pupils `rows` (SCN and context), in order; of
    /// the rows of one SCN the last is kept.
    pub fn of(rows: Vec<(&str, PupilContext)>) -> Contexts {
        let (rows, index) = indexed(rows, |r| r.0);
        Contexts {
            contexts: rows.into_iter().map(|r| r.1).collect(),
            index,
        }
    }

    /// The place of `scn`, looking first at the place after `before` (a
    /// place, or None for before the first): a subject export often lists
    /// pupils in the pupils export's order, and the next pupil is then
    /// found without a lookup in a table of thousands.
    pub fn position_after(&self, scn: &str, before: Option<usize>) -> Option<usize> {
        self.index.position_after(scn, before)
    }

    /// The stage and band of the pupil at place `i`.
    pub fn context_at(&self, i: usize) -> PupilContext {
        self.contexts[i]
    }

    /// The places.
    pub fn len(&self) -> usize {
        self.contexts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.contexts.is_empty()
    }
}

/// A window's pupils rows by SCN, each pupil once, in the order stored: a
/// table of the pupils and an index of small keys (an SCN's number, else
/// its text), rather than a map of whole pupils, which a large school fills
/// with a few hundred megabytes; each pupil's stage and band, which every
/// row is judged with, sit in a small table of their own.
#[derive(Debug, Default)]
pub struct Pupils {
    all: Vec<Pupil>,
    contexts: Contexts,
}

impl Pupils {
    /// The pupils of `all`, in order; of the rows of one SCN the last is
    /// kept (as a map from SCN to pupil would keep it).
    pub fn of(all: Vec<Pupil>) -> Pupils {
        let (all, index) = indexed(all, |p| p.scn.as_str());
        let contexts = crate::par::map_range(0..all.len(), 1 << 14, |i| PupilContext {
            stage: all[i].stage,
            band: all[i].band,
        });
        Pupils {
            all,
            contexts: Contexts { contexts, index },
        }
    }

    /// Each pupil's stage and band, by SCN or place.
    pub fn contexts(&self) -> &Contexts {
        &self.contexts
    }

    pub fn position(&self, scn: &str) -> Option<usize> {
        self.contexts.index.position(scn)
    }

    /// [`Contexts::position_after`].
    pub fn position_after(&self, scn: &str, before: Option<usize>) -> Option<usize> {
        self.contexts.position_after(scn, before)
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
        self.contexts.context_at(i)
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn contexts_keep_the_last_row_of_an_scn_and_find_it_by_place() {
        let at = |stage: u8| PupilContext {
            stage: Some(stage),
            band: None,
        };
        // (rows as (SCN, stage), expected (SCN, stage) by place)
        type Rows<'a> = &'a [(&'a str, u8)];
        let cases: &[(Rows, Rows)] = &[
            (&[], &[]),
            (
                &[("100000001", 1), ("100000002", 2)],
                &[("100000001", 1), ("100000002", 2)],
            ),
            (&[("100000001", 1), ("100000001", 3)], &[("100000001", 3)]),
            (
                &[
                    ("100000002", 1),
                    ("x1", 2),
                    ("100000002", 3),
                    ("x1", 4),
                    ("1", 5),
                ],
                &[("100000002", 3), ("x1", 4), ("1", 5)],
            ),
        ];
        for (rows, want) in cases {
            let c = Contexts::of(rows.iter().map(|&(scn, st)| (scn, at(st))).collect());
            assert_eq!(c.len(), want.len(), "{rows:?}");
            let befores = std::iter::once(None).chain((0..want.len() + 1).map(Some));
            for before in befores {
                for (place, &(scn, stage)) in want.iter().enumerate() {
                    assert_eq!(
                        c.position_after(scn, before),
                        Some(place),
                        "{scn} {before:?}"
                    );
                    assert_eq!(c.context_at(place).stage, Some(stage), "{scn}");
                }
                assert_eq!(c.position_after("123456789", before), None);
            }
        }
    }
}
