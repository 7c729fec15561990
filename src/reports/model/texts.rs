//! A window's small table of texts (subjects, faculties, the rare code as
//! entered, and the teacher, class, comment and names a report asks for),
//! each stored once and named by its id.

use std::ops::Range;

use polars::prelude::PlHashMap;

use super::NO_TEXT;
use super::columns::Chunks;

/// A window's small table of texts, each stored once.
#[derive(Default)]
pub(super) struct Texts {
    pub(super) all: Vec<Box<str>>,
    ids: PlHashMap<Box<str>, u32>,
}

impl Texts {
    pub(super) fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = u32::try_from(self.all.len()).expect("fewer than 4 billion texts");
        self.all.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    pub(super) fn opt(&mut self, s: Option<&str>) -> u32 {
        s.map_or(NO_TEXT, |s| self.id(s))
    }

    /// The id of a text already given one.
    pub(super) fn find(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    /// The ids of column `col`'s texts in `rows`, into `out`; texts met
    /// for the first time are given ids in the order first met. A column
    /// read as codes keeps in `known` the ids its codes were given, for
    /// the next rows of the same column (see [`Chunks::ids_by_code`]).
    /// Otherwise found on every core: each run of rows lists the texts it
    /// meets that have no id yet, and only those lists are then given ids,
    /// run after run.
    pub(super) fn of_column(
        &mut self,
        col: Option<&Chunks>,
        rows: Range<usize>,
        known: &mut Vec<Vec<u32>>,
        out: &mut Vec<u32>,
    ) {
        out.clear();
        let Some(col) = col else {
            out.resize(rows.len(), NO_TEXT);
            return;
        };
        // A column read as codes: each row group's few texts are given
        // their ids once, in the order first met.
        if let Some(ids) = col.ids_by_code(rows.clone(), NO_TEXT, known, |s| self.id(s)) {
            *out = ids;
            return;
        }
        // Set in a code that indexes its run's list of new texts.
        const NEW: u32 = 1 << 31;
        let this = &*self;
        let runs = crate::par::map_runs(rows, TEXT_RUN, |run| {
            let mut new: Vec<&str> = Vec::new();
            let mut at: PlHashMap<&str, u32> = PlHashMap::default();
            // A pupil's rows come together: a name or class repeats row
            // after row, and is looked up once.
            let mut recent: Option<(&str, u32)> = None;
            let codes: Vec<u32> = run
                .map(|i| {
                    let Some(s) = col.get(i) else { return NO_TEXT };
                    if let Some((last, code)) = recent
                        && last == s
                    {
                        return code;
                    }
                    let code = this.find(s).unwrap_or_else(|| {
                        *at.entry(s).or_insert_with(|| {
                            new.push(s);
                            NEW | u32::try_from(new.len() - 1).expect("fewer than 2 billion texts")
                        })
                    });
                    recent = Some((s, code));
                    code
                })
                .collect();
            (new, codes)
        });
        for (new, codes) in runs {
            let ids: Vec<u32> = new.into_iter().map(|s| self.id(s)).collect();
            out.extend(codes.into_iter().map(|c| match c {
                NO_TEXT => NO_TEXT,
                c if c & NEW != 0 => ids[(c & !NEW) as usize],
                c => c,
            }));
        }
    }
}

/// Rows a core lists the new texts of at a time.
const TEXT_RUN: usize = 4096;
