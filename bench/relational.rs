//! Hand-written grouping against polars, over a real store.
//!
//!     cargo run --release --features failpoints --example relational -- STORE [RUNS]
//!
//! Loads and judges every school's latest window once (not timed), then
//! times, median of RUNS (default 5):
//! - **hand**: what `offtrack` does per school: rows grouped per pupil
//!   (`offtrack::lines_of`: counts by status, the faculties off track, the
//!   lead, overrides, projections) and the 7.3 sort.
//! - **polars**: the same rows handed to polars as a frame (school, pupil,
//!   faculty, status), then a lazy group-by per pupil with the four counts
//!   and the number of faculties off track, a join with the pupils and the
//!   7.3 sort. Less work than `hand` (no names of faculties, leads or
//!   projections), so a faster `hand` is faster with margin.
//!
//! The figures are in BENCHMARKS.md ("Hand-written code against polars").

use std::time::{Duration, Instant};

use polars::prelude::*;
use tracker::config::Config;
use tracker::reports::model::{self, Need, SchoolWindow};
use tracker::reports::offtrack;
use tracker::rules::{Ctx, Status};
use tracker::store::Store;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let root = args.next().expect("usage: relational STORE [RUNS]");
    let runs: usize = args.next().map_or(Ok(5), |r| r.parse())?;
    let store = Store::at(std::path::Path::new(&root));
    let config = Config::load(&store.config_path()).unwrap_or_else(|_| Config::default());
    let ctx = Ctx::new(&config);
    let timeout = Duration::from_secs(10);
    let (snap, scope) =
        tracker::reports::open(&store, &tracker::reports::Request::default(), timeout)?;
    let need = Need {
        pupils: true,
        ..Need::default()
    };
    let schools: Vec<SchoolWindow> = tracker::par::map(&scope.schools, |school| {
        model::load(&ctx, &snap, school, scope.window, need)
    })?;
    let rows: usize = schools.iter().map(SchoolWindow::len).sum();
    println!("{} schools, {rows} pupil-subject rows", schools.len());

    let hand = median(runs, || {
        use rayon::prelude::*;
        let mut lines: Vec<_> = schools
            .par_iter()
            .map(|sw| offtrack::lines_of(&ctx, sw))
            .flatten()
            .collect();
        offtrack::sort_offtrack(&mut lines);
        lines.len()
    });
    let frame = median(runs, || frames(&schools).0.height());
    let (judged, pupils) = frames(&schools);
    let query = median(runs, || {
        group_join_sort(judged.clone(), pupils.clone())
            .expect("polars")
            .height()
    });
    println!(
        "hand-written group, join and sort: {:.3} s",
        hand.as_secs_f64()
    );
    println!("polars: rows to a frame {:.3} s", frame.as_secs_f64());
    println!("polars: group, join and sort {:.3} s", query.as_secs_f64());
    println!(
        "polars in all: {:.3} s ({:.1}x the hand-written code)",
        (frame + query).as_secs_f64(),
        (frame + query).as_secs_f64() / hand.as_secs_f64()
    );
    Ok(())
}

/// The judged rows and the pupils as polars frames, keyed by school and
/// pupil number.
fn frames(schools: &[SchoolWindow]) -> (DataFrame, DataFrame) {
    let (mut school, mut pupil, mut faculty, mut status) = (vec![], vec![], vec![], vec![]);
    let (mut p_school, mut p_pupil, mut p_scn, mut p_stage) = (vec![], vec![], vec![], vec![]);
    for (s, sw) in schools.iter().enumerate() {
        for r in sw.rows() {
            school.push(s as u32);
            pupil.push(r.pupil_id() as u32);
            faculty.push(r.faculty());
            status.push(r.status() as u32);
        }
        for (id, scn) in sw.scns().iter().enumerate() {
            p_school.push(s as u32);
            p_pupil.push(id as u32);
            p_scn.push(scn.as_str());
            p_stage.push(sw.pupil(scn).and_then(|p| p.stage).map(u32::from));
        }
    }
    let judged = df!(
        "school" => school, "pupil" => pupil, "faculty" => faculty, "status" => status
    )
    .expect("judged frame");
    let pupils = df!(
        "school" => p_school, "pupil" => p_pupil, "scn" => p_scn, "stage" => p_stage
    )
    .expect("pupils frame");
    (judged, pupils)
}

fn group_join_sort(judged: DataFrame, pupils: DataFrame) -> PolarsResult<DataFrame> {
    let is = |s: Status| col("status").eq(lit(s as u32));
    let keys = [col("school"), col("pupil")];
    judged
        .lazy()
        .group_by(keys.clone())
        .agg([
            is(Status::OnTrack).sum().alias("on_track"),
            is(Status::SlightlyOffTrack)
                .sum()
                .alias("slightly_off_track"),
            is(Status::OffTrack).sum().alias("off_track"),
            col("status")
                .gt_eq(lit(Status::Missing as u32))
                .sum()
                .alias("missing"),
            col("faculty")
                .filter(is(Status::OffTrack))
                .n_unique()
                .alias("faculties_off_track"),
        ])
        .join(
            pupils.lazy(),
            keys.clone(),
            keys,
            JoinArgs::new(JoinType::Left),
        )
        .sort_by_exprs(
            [col("faculties_off_track"), col("off_track"), col("scn")],
            SortMultipleOptions::default().with_order_descending_multi([true, true, false]),
        )
        .collect()
}

/// The median wall time of `runs` calls of `f`.
fn median<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}
