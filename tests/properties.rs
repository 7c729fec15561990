//! Invariants of the meeting reports over random schools (proptest).

mod common;
use common::{Env, csv_rows};
use proptest::prelude::*;
use std::collections::BTreeMap;

const SUBJECTS: &[&str] = &[
    "English",
    "Mathematics",
    "French",
    "Biology",
    "History",
    "Art",
    "Music",
    "Drama",
    "PE",
    "Latin",
];
const LEVELS: &[&str] = &[
    "", "1a", "1c", "2a", "2b", "2c", "3a", "3b", "3c", "4", "zz",
];
const GRADES: &[&str] = &["", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

#[derive(Debug, Clone)]
struct Pupil {
    stage: u8,
    sas: Option<u8>,
    house: u8,
    subjects: Vec<(usize, usize, usize)>,
}

fn pupil() -> impl Strategy<Value = Pupil> {
    (
        1u8..=6,
        proptest::option::of(70u8..140),
        0u8..3,
        proptest::collection::vec((0..SUBJECTS.len(), 0..LEVELS.len(), 0..GRADES.len()), 1..6),
    )
        .prop_map(|(stage, sas, house, subjects)| Pupil {
            stage,
            sas,
            house,
            subjects,
        })
}

fn write_school(env: &Env, pupils: &[Pupil]) -> Vec<std::path::PathBuf> {
    let mut p = String::from("SCN,Forename,Surname,Stage,House,CAT Mean SAS\n");
    let mut b = String::from("SCN,Subject,Level\n");
    let mut s = String::from("SCN,Subject,Course Level,Target Grade,Working Grade\n");
    for (i, pu) in pupils.iter().enumerate() {
        let scn = format!("{:09}", 100_000_000 + i);
        let sas = pu.sas.map(|v| v.to_string()).unwrap_or_default();
        p.push_str(&format!(
            "{scn},F{i},S{i},S{},H{},{sas}\n",
            pu.stage, pu.house
        ));
        for &(subj, level, grade) in &pu.subjects {
            if pu.stage <= 3 {
                b.push_str(&format!("{scn},{},{}\n", SUBJECTS[subj], LEVELS[level]));
            } else {
                let course = ["N5", "Higher", "N4", "AH"][level % 4];
                s.push_str(&format!(
                    "{scn},{},{course},{},{}\n",
                    SUBJECTS[subj],
                    GRADES[(grade + 3) % 10],
                    GRADES[grade]
                ));
            }
        }
    }
    let mut files = vec![env.write("p.csv", p)];
    if b.lines().count() > 1 {
        files.push(env.write("b.csv", b));
    }
    if s.lines().count() > 1 {
        files.push(env.write("s.csv", s));
    }
    files
}

fn by_scn(rows: &[Vec<String>]) -> BTreeMap<String, Vec<String>> {
    rows[1..]
        .iter()
        .map(|r| (r[2].clone(), r.clone()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    #[test]
    fn offtrack_followup_and_subjects_agree(pupils in proptest::collection::vec(pupil(), 1..25)) {
        let env = Env::new();
        let files = write_school(&env, &pupils);
        let mut args = vec!["-q".to_string(), "ingest".into(), "--window".into(), "2025-26/2".into()];
        args.extend(files.iter().map(|f| f.to_string_lossy().into_owned()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        env.ok(&refs);
        let all = csv_rows(&env.ok(&["offtrack", "--all", "--format", "csv"]));
        let off = csv_rows(&env.ok(&["offtrack", "--format", "csv"]));
        let follow = csv_rows(&env.ok(&["followup", "--format", "csv"]));
        let subjects = csv_rows(&env.ok(&["subjects", "--format", "csv"]));

        // offtrack without --all is exactly the --all rows with faculties_off_track >= 1.
        let expected: Vec<&Vec<String>> = all[1..].iter().filter(|r| r[13].parse::<u32>().unwrap() >= 1).collect();
        let got: Vec<&Vec<String>> = off[1..].iter().collect();
        prop_assert_eq!(expected, got);

        // The status counts add up to the pupil's subjects, and to `subjects`.
        let mut per_pupil: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &subjects[1..] {
            *per_pupil.entry(r[2].as_str()).or_default() += 1;
        }
        for r in &all[1..] {
            let n: Vec<usize> = r[8..=12].iter().map(|v| v.parse().unwrap()).collect();
            prop_assert_eq!(n[0], n[1] + n[2] + n[3] + n[4]);
            prop_assert_eq!(Some(&n[0]), per_pupil.get(r[2].as_str()));
        }
        prop_assert_eq!(all.len() - 1, per_pupil.len());

        // followup holds the same pupils as offtrack, with the same counts.
        let o = by_scn(&off);
        let f: BTreeMap<String, Vec<String>> = follow[1..].iter().map(|r| (r[4].clone(), r.clone())).collect();
        prop_assert_eq!(o.keys().collect::<Vec<_>>(), f.keys().collect::<Vec<_>>());
        for (scn, row) in &f {
            prop_assert_eq!(&row[10], &o[scn][13]);
            prop_assert_eq!(&row[2], &o[scn][15]);
        }
    }
}
