//! `tracker followup`: off-track pupils grouped by lead, for the meeting.

use crate::cli::{FilterArgs, ReportArgs};
use crate::exit::Exit;
use crate::ingest::headers::AGREED_COLUMNS;
use crate::output::{self, Cell, ColType, OutputOptions, Table};
use crate::reports::model::{Ctx, RowView, slim};
use crate::reports::offtrack::PupilLine;
use crate::reports::{followup, offtrack};
use crate::settings::Settings;

/// As `offtrack`: compact schools and their lines on both cores, one sort,
/// the lines streamed out.
pub fn run(s: &Settings, args: &ReportArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.out)?;
    let (snap, scope) = crate::reports::open(&s.store, args, s.lock_timeout)?;
    let ctx = Ctx::new(&s.config);
    let need = slim::Need {
        pupils: true,
        teacher_and_class: false,
    };
    let schools = slim::per_school(&scope.schools, |school| {
        slim::load(&ctx, &snap, school, scope.window, need)
    })?;
    let views: Vec<_> = schools.iter().map(|s| s.views()).collect();
    let stages = |st| scope.wants_stage(st);
    let mut lines = offtrack::select_slim(
        &ctx,
        &schools,
        &views,
        offtrack::Listing::OffTrack,
        &stages,
        &FilterArgs::default(),
    );
    followup::sort(&mut lines, &s.config.followup.band);
    let window = scope.window.to_string();
    if opts.format == output::Format::Xlsx {
        let mut roles: Vec<&str> = Vec::new();
        for band in &s.config.followup.band {
            if !roles.contains(&band.role.as_str()) {
                roles.push(&band.role);
            }
        }
        return meeting_workbook(&opts, &lines, &window, &roles);
    }
    let parts = lines.len().div_ceil(output::PART_ROWS).max(1);
    output::write_chunks("followup", followup::COLUMNS, &opts, parts, |part, sink| {
        let start = part * output::PART_ROWS;
        for l in lines.iter().skip(start).take(output::PART_ROWS) {
            let faculties = l.faculties.join("; ");
            sink.row(&followup::values(l, &window, &faculties))?;
        }
        Ok(())
    })?;
    // The process ends here: freeing 300,000 lines and their schools one
    // allocation at a time would take a tenth of a national run.
    std::mem::forget(lines);
    std::mem::forget(views);
    std::mem::forget(schools);
    Ok(Exit::Success)
}

/// SPEC 11.3: the xlsx for the meeting carries the followup columns, then
/// the empty agreed columns that `ingest --kind overrides` reads back.
/// CSV, JSON and Parquet keep the columns of SPEC 7.3.
fn meeting_workbook<R: RowView>(
    opts: &OutputOptions,
    lines: &[PupilLine<R>],
    window: &str,
    roles: &[&str],
) -> anyhow::Result<Exit> {
    let mut columns = followup::COLUMNS.to_vec();
    columns.extend(AGREED_COLUMNS.iter().map(|c| (*c, ColType::Text)));
    let mut table = Table::new("followup", &columns);
    for l in lines {
        let faculties = l.faculties.join("; ");
        let mut row: Vec<Cell> = followup::values(l, window, &faculties)
            .iter()
            .map(|v| v.to_cell())
            .collect();
        row.extend(AGREED_COLUMNS.map(|_| Cell::Null));
        table.rows.push(row);
    }
    output::write_meeting(&table, AGREED_COLUMNS.len(), roles, opts)?;
    Ok(Exit::Success)
}
