//! Which faculty a subject belongs to (SPEC 5.1, 10.8), the unit pupils are
//! counted off track in.

use std::collections::BTreeMap;

use polars::prelude::PlHashMap;

use super::{folded, with_folded};

/// A subject name as it is matched: ignoring case and surrounding spaces.
fn subject_key(raw: &str) -> String {
    folded(raw.trim(), |_| false)
}

/// The config's `[faculties]` table, inverted: subject -> faculty.
#[derive(Debug, Clone)]
pub struct FacultyMap {
    /// Subject key -> faculty name.
    lookup: PlHashMap<String, String>,
}

impl FacultyMap {
    /// From faculty -> subjects. A subject listed under two faculties belongs
    /// to the first in the table's order, so the answer never depends on chance.
    pub fn from_config(f: &BTreeMap<String, Vec<String>>) -> FacultyMap {
        let mut lookup = PlHashMap::default();
        for (faculty, subjects) in f {
            for subject in subjects {
                lookup
                    .entry(subject_key(subject))
                    .or_insert_with(|| faculty.clone());
            }
        }
        FacultyMap { lookup }
    }

    /// (faculty name, mapped?): a subject with no mapping is its own faculty,
    /// named as the subject (trimmed), and is a QA `unmapped_subject`.
    pub fn faculty_of<'a>(&'a self, subject: &'a str) -> (&'a str, bool) {
        let subject = subject.trim();
        match with_folded(subject, |_| false, |key| self.lookup.get(key)) {
            Some(faculty) => (faculty, true),
            None => (subject, false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn maps_subjects_with_the_default_table() {
        let map = FacultyMap::from_config(&Config::default().faculties);
        let cases: &[(&str, (&str, bool))] = &[
            ("Mathematics", ("Mathematics", true)),
            ("maths", ("Mathematics", true)),
            ("  Maths ", ("Mathematics", true)),
            ("PHYSICS", ("Sciences", true)),
            ("Human Biology", ("Sciences", true)),
            ("Design & Manufacture", ("Technologies", true)),
            ("gàidhlig", ("Modern Languages", true)),
            ("GÀIDHLIG", ("Modern Languages", true)),
            ("PE", ("Health & Wellbeing", true)),
            ("RME", ("RMPS", true)),
            // Unmapped: its own faculty, named as the trimmed subject.
            ("Astronomy", ("Astronomy", false)),
            (" Latin  ", ("Latin", false)),
            ("HumanBiology", ("HumanBiology", false)),
            ("", ("", false)),
        ];
        for (subject, want) in cases {
            assert_eq!(map.faculty_of(subject), *want, "{subject:?}");
        }
    }

    #[test]
    fn a_subject_listed_twice_goes_to_the_first_faculty() {
        let table: BTreeMap<String, Vec<String>> = [
            ("Sciences", vec!["Biology", "Environmental Science"]),
            ("Social Subjects", vec!["environmental science ", "History"]),
        ]
        .into_iter()
        .map(|(f, s)| (f.to_string(), s.into_iter().map(String::from).collect()))
        .collect();
        let map = FacultyMap::from_config(&table);
        assert_eq!(map.faculty_of("Environmental Science"), ("Sciences", true));
        assert_eq!(map.faculty_of("history"), ("Social Subjects", true));
        assert_eq!(map.faculty_of("Maths"), ("Maths", false));
    }
}
