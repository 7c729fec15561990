//! `tracker grid`: the Year Group Tracker, a row per pupil and a column per
//! subject, as a workbook, a page, or the wide table.

use crate::cli::GridArgs;
use crate::exit::Exit;
use crate::output::{self, ColType};
use crate::reports::grid;
use crate::reports::model::{self, Need};
use crate::reports::offtrack::{self, Listing};
use crate::rules::Ctx;
use crate::settings::Settings;

pub fn run(s: &Settings, args: &GridArgs) -> anyhow::Result<Exit> {
    let opts = s.summary_output(&args.report.out)?;
    let filter = s.filter(&args.filter);
    let need = Need {
        pupils: true,
        teacher: filter.teacher.is_some(),
        class: filter.class.is_some(),
        ..Need::default()
    };
    let (snap, scope) = crate::reports::open(&s.store, &s.request(&args.report), s.lock_timeout)?;
    let ctx = Ctx::new(&s.config);
    let schools = crate::par::map(&scope.schools, |school| {
        model::load(&ctx, &snap, school, scope.window, need)
    })?;
    let previous = grid::previous(&ctx, &snap, &scope.schools, scope.window)?;
    drop(snap);
    let listing = if args.off_track_only {
        Listing::OffTrack
    } else {
        Listing::All
    };
    let stages = |st| scope.wants_stage(st);
    let lines = offtrack::select(&ctx, &schools, listing, &stages, &filter)?;
    let grid = grid::build(&ctx, scope.window, lines, &previous, &filter);
    let workbook = |dir: &std::path::Path| grid::xlsx::workbook(&ctx, &grid, dir);
    let page = |w: &mut dyn std::io::Write| {
        Ok(grid::html::write(
            w,
            &ctx,
            &grid,
            &scope.schools.join(", "),
        )?)
    };
    // The wide table, streamed: a national grid is 300,000 rows of about
    // ninety cells.
    let columns = grid.columns();
    let named: Vec<(&str, ColType)> = columns.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    let render = |part: usize, sink: &mut dyn output::Sink| {
        let start = part * output::PART_ROWS;
        let end = (start + output::PART_ROWS).min(grid.rows.len());
        grid.rows(&ctx, start..end, sink)
    };
    let table = [output::Parts {
        title: "grid",
        columns: &named,
        parts: grid.rows.len().div_ceil(output::PART_ROWS).max(1),
        render: &render,
        cells: None,
    }];
    let report = output::Report {
        workbook: Some(&workbook),
        page: Some(&page),
        ..output::Report::of(&table)
    };
    output::emit(&report, &opts)?;
    super::end(grid);
    super::end(schools);
    Ok(Exit::Success)
}
