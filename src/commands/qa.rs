//! `tracker qa`: findings and completeness; `--fail-on` for nightly jobs.

use crate::cli::{FailOn, QaArgs};
use crate::config::Severity;
use crate::exit::{Exit, UsageError};
use crate::output::{self, Format};
use crate::reports::model::{self, Need};
use crate::reports::qa::{self, QaFilter};
use crate::rules::Ctx;
use crate::settings::Settings;

pub fn run(s: &Settings, args: &QaArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.report.out)?;
    if opts.format == Format::Parquet && !args.findings && !args.completeness {
        return Err(UsageError(
            "`--format parquet` holds one table and `qa` has two\nhint: add `--findings` or `--completeness`".into(),
        )
        .into());
    }
    let (snap, scope) = crate::reports::open(&s.store, &s.request(&args.report), s.lock_timeout)?;
    let ctx = Ctx::new(&s.config);
    let filter = QaFilter {
        teacher: args.teacher.clone(),
        faculty: args.faculty.clone(),
    };
    let stages = |st| scope.wants_stage(st);
    // Schools on every core; each worker drops its school's window before
    // taking the next, so only the findings of the whole store stay in memory.
    let per_school = crate::par::map(&scope.schools, |school| {
        let sw = model::load(&ctx, &snap, school, scope.window, Need::ALL)?;
        let history = qa::history(&ctx, &snap, &sw)?;
        let findings = qa::findings(&ctx, &sw, &history, &stages, &filter);
        let completeness = qa::completeness(&sw, &stages, &filter);
        Ok((findings, completeness))
    })?;
    drop(snap);
    // Sized once: growing a vector of most of a million findings copies it.
    let mut findings = Vec::with_capacity(per_school.iter().map(|(f, _)| f.len()).sum());
    let mut completeness = Vec::new();
    for (f, c) in per_school {
        findings.extend(f);
        completeness.extend(c);
    }
    qa::sort(&mut findings);
    qa::sort_completeness(&mut completeness);
    let threshold = args.fail_on.map(|f| match f {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    });
    let failing = threshold.map_or(0, |t| findings.iter().filter(|f| f.severity >= t).count());
    let completeness = qa::completeness_table(&completeness);
    // Findings are rendered from the sorted list a part at a time, never
    // held as a table of cells: a national run has most of a million.
    let window = scope.window.to_string();
    let render_findings = |part: usize, sink: &mut dyn output::Sink| {
        let start = part * output::PART_ROWS;
        for f in findings.iter().skip(start).take(output::PART_ROWS) {
            let other;
            let w = if f.window == scope.window {
                window.as_str()
            } else {
                other = f.window.to_string();
                other.as_str()
            };
            sink.row(&qa::finding_values(f, w))?;
        }
        Ok(())
    };
    let findings_parts = output::Parts {
        title: "findings",
        columns: qa::COLUMNS,
        parts: findings.len().div_ceil(output::PART_ROWS),
        render: &render_findings,
        cells: None,
    };
    // Findings first: a CSV or Parquet file holds the first table (SPEC 11.6).
    if args.completeness {
        output::write(&completeness, &opts)?;
    } else if args.findings {
        output::emit(&output::Report::of(&[findings_parts]), &opts)?;
    } else {
        output::table_parts(std::slice::from_ref(&completeness), |c| {
            output::emit(&output::Report::of(&[findings_parts, c[0]]), &opts)
        })?;
    }
    super::end(findings);
    match threshold {
        Some(t) if failing > 0 => {
            s.say(&format!(
                "qa: {failing} findings at severity `{}` or above",
                t.as_str()
            ));
            Ok(Exit::Failure)
        }
        _ => Ok(Exit::Success),
    }
}
