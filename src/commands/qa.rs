//! `tracker qa`: findings and completeness; `--fail-on` for nightly jobs.

use crate::cli::{FailOn, QaArgs};
use crate::config::Severity;
use crate::exit::{Exit, UsageError};
use crate::output::{self, Format};
use crate::reports::model::{self, Ctx, slim};
use crate::reports::qa::{self, QaFilter};
use crate::settings::Settings;

pub fn run(s: &Settings, args: &QaArgs) -> anyhow::Result<Exit> {
    let opts = s.output(&args.report.out)?;
    if opts.format == Format::Parquet && !args.findings && !args.completeness {
        return Err(UsageError(
            "`--format parquet` holds one table and `qa` has two\nhint: add `--findings` or `--completeness`".into(),
        )
        .into());
    }
    let (snap, scope) = crate::reports::open(&s.store, &args.report, s.lock_timeout)?;
    let ctx = Ctx::new(&s.config);
    let filter = QaFilter {
        teacher: args.teacher.clone(),
        faculty: args.faculty.clone(),
    };
    let stages = |st| scope.wants_stage(st);
    // Schools on every core; each worker drops its school's window before
    // taking the next, so only the findings of the whole store stay in memory.
    let per_school = slim::per_school(&scope.schools, |school| {
        let sw = model::load(&ctx, &snap, school, scope.window)?;
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
    let tables = if args.completeness {
        vec![completeness]
    } else if args.findings {
        vec![qa::findings_table(findings)]
    } else {
        vec![qa::findings_table(findings), completeness]
    };
    if let [one] = tables.as_slice() {
        output::write(one, &opts)?;
    } else {
        output::write_many(&tables, &opts)?;
    }
    // The process ends here: no need to free most of a million findings
    // cell by cell.
    std::mem::forget(tables);
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
