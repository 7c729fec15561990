//! The compact path the national-scale reports take (`model::slim`, streamed
//! output) gives exactly what the owned-`Row` path gives, on demo schools
//! with every kind of awkward row, both windows, and every listing and filter.

mod common;

use common::Env;
use tracker::cli::FilterArgs;
use tracker::config::Config;
use tracker::output::{Cell, Sink, Val};
use tracker::reports::model::{self, Ctx, SchoolWindow, slim};
use tracker::reports::offtrack::{self, Listing};
use tracker::reports::{followup, subjects};
use tracker::rules::window::Window;
use tracker::store::Store;
use tracker::store::read::Snapshot;

struct Rows(Vec<Vec<Cell>>);

impl Sink for Rows {
    fn row(&mut self, vals: &[Val]) -> anyhow::Result<()> {
        self.0.push(vals.iter().map(|v| v.to_cell()).collect());
        Ok(())
    }
}

/// A demo store of four schools, plus a school whose rows have no pupils
/// export (names then come from the subject rows).
fn store() -> Env {
    let env = Env::new();
    env.ok(&[
        "-q",
        "demo",
        "--dir",
        "d",
        "--schools",
        "4",
        "--pupils",
        "150",
        "--seed",
        "7",
    ]);
    std::fs::write(
        env.path("extra.csv"),
        "SCN,Forename,Surname,Stage,Subject,Level,Teacher,Class,Effort\n\
         123456789,Ann,Young,S2,English,1a,Ms T,2A/En,4\n\
         123456789,Ann,Young,S2,Mathematics,3a,Mr U,2A/Ma,1\n\
         987654321,Bo,Old,S1,Latin,zz,Ms T,1A/La,\n",
    )
    .unwrap();
    env.ok(&[
        "-q",
        "--store",
        "d/store",
        "ingest",
        "--window",
        "2025-26/2",
        "--school",
        "XTRA",
        "extra.csv",
    ]);
    env
}

fn open(env: &Env) -> (Config, Snapshot) {
    let store = Store::at(&env.path("d/store"));
    let config = Config::load(&store.config_path()).unwrap();
    let snap = Snapshot::open(&store, std::time::Duration::from_secs(5)).unwrap();
    (config, snap)
}

fn filters() -> Vec<FilterArgs> {
    let teacher = FilterArgs {
        teacher: Some(" ms t ".into()),
        ..Default::default()
    };
    let faculty = FilterArgs {
        faculty: Some("sciences".into()),
        ..Default::default()
    };
    vec![FilterArgs::default(), teacher, faculty]
}

#[test]
fn compact_reports_equal_the_row_reports() {
    let env = store();
    let (config, snap) = open(&env);
    let ctx = Ctx::new(&config);
    let schools: Vec<String> = snap.schools(None).into_iter().collect();
    assert_eq!(schools.len(), 5);
    for window in ["2025-26/1", "2025-26/2"] {
        let window: Window = window.parse().unwrap();
        let in_window: Vec<String> = snap.schools(Some(window)).into_iter().collect();
        let loaded: Vec<SchoolWindow> = in_window
            .iter()
            .map(|s| model::load(&ctx, &snap, s, window).unwrap())
            .collect();
        for stage_set in [vec![], vec![2u8, 5]] {
            let stages =
                |st: Option<u8>| stage_set.is_empty() || st.is_some_and(|s| stage_set.contains(&s));
            for filter in filters() {
                let need = slim::Need {
                    pupils: true,
                    teacher_and_class: filter.teacher.is_some(),
                };
                let compact =
                    slim::per_school(&in_window, |s| slim::load(&ctx, &snap, s, window, need))
                        .unwrap();
                let what = format!("{window} stages {stage_set:?} filter {filter:?}");

                let want = subjects::report(&ctx, &loaded, &stages, &filter);
                let mut got = Rows(Vec::new());
                subjects::stream(&ctx, &compact, &stages, &filter, &mut got).unwrap();
                let expect_rows = filter.teacher.is_none() || window.period == 2;
                assert_eq!(!want.rows.is_empty(), expect_rows, "{what}");
                assert_eq!(got.0, want.rows, "subjects, {what}");

                let views: Vec<_> = compact.iter().map(|s| s.views()).collect();
                let label = window.to_string();
                for listing in [Listing::OffTrack, Listing::All, Listing::EarlyWarning] {
                    let want = offtrack::table(&offtrack::select(
                        &ctx, &loaded, listing, &stages, &filter,
                    ));
                    let mut lines =
                        offtrack::select_slim(&ctx, &compact, &views, listing, &stages, &filter);
                    offtrack::sort_offtrack(&mut lines);
                    let got: Vec<Vec<Cell>> = lines
                        .iter()
                        .map(|l| {
                            let f = l.faculties.join("; ");
                            offtrack::values(l, &label, &f)
                                .iter()
                                .map(|v| v.to_cell())
                                .collect()
                        })
                        .collect();
                    assert_eq!(got, want.rows, "offtrack {listing:?}, {what}");
                }

                let mut want_lines =
                    offtrack::select(&ctx, &loaded, Listing::OffTrack, &stages, &filter);
                let want = followup::table(&mut want_lines, &ctx.config.followup.band);
                let mut lines = offtrack::select_slim(
                    &ctx,
                    &compact,
                    &views,
                    Listing::OffTrack,
                    &stages,
                    &filter,
                );
                followup::sort(&mut lines, &ctx.config.followup.band);
                let got: Vec<Vec<Cell>> = lines.iter().map(followup::cells).collect();
                assert_eq!(got, want.rows, "followup, {what}");
            }
        }
    }
}

#[test]
fn a_pupil_with_no_pupils_row_is_named_from_the_subject_rows() {
    let env = store();
    let out = env.ok(&[
        "--store", "d/store", "offtrack", "--school", "XTRA", "--all", "--format", "csv",
    ]);
    let rows = common::csv_rows(&out);
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let young = rows
        .iter()
        .find(|r| r[col("scn")] == "123456789")
        .expect("listed");
    assert_eq!(young[col("forename")], "Ann");
    assert_eq!(young[col("surname")], "Young");
    assert_eq!(young[col("stage")], "S2");
}
