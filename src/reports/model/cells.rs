//! The cells a report's load reads row after row, each column found in its
//! frame once: a cell named by a literal is then read without looking its
//! name up (the name is matched when compiling, where the reader is
//! inlined).

use super::columns::{Chunks, Columns};

/// The pupil columns a report shows or judges with.
pub(super) const PUPIL_COLS: &[&str] = &[
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

/// [`PUPIL_COLS`], each found in the frame once: a cell named by a
/// literal is then read without looking the name up.
pub(super) struct PupilCells<'c, 'f> {
    pub(super) cols: Vec<Option<&'c Chunks<'f>>>,
}

impl<'f> PupilCells<'_, 'f> {
    #[inline(always)]
    pub(super) fn get(&self, col: &str, i: usize) -> Option<&'f str> {
        let at = match col {
            "scn" => 0,
            "forename" => 1,
            "surname" => 2,
            "stage" => 3,
            "reg_class" => 4,
            "house" => 5,
            "gender" => 6,
            "simd_decile" => 7,
            "simd_quintile" => 8,
            "fsm" => 9,
            "asn" => 10,
            "care_experienced" => 11,
            "young_carer" => 12,
            "eal" => 13,
            "attendance" => 14,
            "cat_sas" => 15,
            "pathway_band" => 16,
            _ => return None,
        };
        self.cols[at]?.get(i)
    }
}

/// The texts a need may ask of every row: teacher, class, comment,
/// forename and surname.
pub(super) const ASKED: [&str; 5] = ["teacher", "class", "comment", "forename", "surname"];

/// The columns every row is judged from, each found in its frame once:
/// a cell named by a literal is then read without looking the name up.
pub(super) struct RowCells<'c, 'f> {
    all: &'c Columns<'f>,
    pub(super) scn: Option<&'c Chunks<'f>>,
    pub(super) subject: Option<&'c Chunks<'f>>,
    pub(super) stage: Option<&'c Chunks<'f>>,
    pub(super) level: Option<&'c Chunks<'f>>,
    pub(super) course_level: Option<&'c Chunks<'f>>,
    pub(super) target: Option<&'c Chunks<'f>>,
    pub(super) working: Option<&'c Chunks<'f>>,
    pub(super) ratings: [Option<&'c Chunks<'f>>; 3],
    /// Teacher, class, comment, forename and surname, when asked for.
    pub(super) asked: [Option<&'c Chunks<'f>>; 5],
}

impl<'c, 'f> RowCells<'c, 'f> {
    pub(super) fn new(all: &'c Columns<'f>) -> Self {
        RowCells {
            all,
            scn: all.column("scn"),
            subject: all.column("subject"),
            stage: all.column("stage"),
            level: all.column("level"),
            course_level: all.column("course_level"),
            target: all.column("target_grade"),
            working: all.column("working_grade"),
            ratings: ["effort", "behaviour", "homework"].map(|c| all.column(c)),
            asked: ASKED.map(|c| all.column(c)),
        }
    }

    /// The cell of column `col` in row `i`; inlined where `col` is a
    /// literal, the match is decided when compiling.
    #[inline(always)]
    pub(super) fn get(&self, col: &str, i: usize) -> Option<&'f str> {
        let column = match col {
            "scn" => self.scn,
            "subject" => self.subject,
            "stage" => self.stage,
            "level" => self.level,
            "course_level" => self.course_level,
            "target_grade" => self.target,
            "working_grade" => self.working,
            "effort" => self.ratings[0],
            "behaviour" => self.ratings[1],
            "homework" => self.ratings[2],
            "teacher" => self.asked[0],
            "class" => self.asked[1],
            "comment" => self.asked[2],
            "forename" => self.asked[3],
            "surname" => self.asked[4],
            _ => return self.all.get(col, i),
        };
        column?.get(i)
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;
    use crate::reports::model::Need;
    use crate::reports::model::load::row_columns;
    use crate::rules::Phase;

    /// A frame of one row whose every cell holds its column's name.
    fn named(cols: &[&str]) -> DataFrame {
        let columns = cols
            .iter()
            .map(|&n| Column::new(n.into(), [Some(n)]))
            .collect();
        DataFrame::new(1, columns).unwrap()
    }

    #[test]
    fn pupil_cells_read_each_column_by_its_name() {
        let df = named(PUPIL_COLS);
        let c = Columns::new(&df, PUPIL_COLS).unwrap();
        let h = PupilCells {
            cols: PUPIL_COLS.iter().map(|n| c.column(n)).collect(),
        };
        for &name in PUPIL_COLS {
            assert_eq!(h.get(name, 0), Some(name));
        }
        assert_eq!(h.get("teacher", 0), None);
    }

    #[test]
    fn row_cells_read_each_column_by_its_name() {
        let mut cols = row_columns(
            Phase::Bge,
            Need {
                class: true,
                ..Need::QA
            },
        );
        cols.extend(["course_level", "target_grade", "working_grade"]);
        let df = named(&cols);
        let c = Columns::new(&df, &cols).unwrap();
        let h = RowCells::new(&c);
        for &name in &cols {
            assert_eq!(h.get(name, 0), Some(name));
        }
        assert_eq!(h.get("house", 0), None);
    }
}
