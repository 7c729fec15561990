//! `tracker qa`: findings and completeness; `--fail-on` for nightly jobs.

use crate::cli::{FailOn, QaArgs};
use crate::config::Severity;
use crate::exit::{Exit, UsageError};
use crate::output::{self, Format, Report};
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
    let report = qa::build(&ctx, &snap, &scope, &filter)?;
    drop(snap);
    // Findings first: a CSV or Parquet file holds the first table (SPEC 11.6).
    if args.completeness {
        output::write(&report.completeness, &opts)?;
    } else {
        report.findings_parts(|findings| {
            if args.findings {
                return output::emit(&Report::of(&[findings]), &opts);
            }
            output::table_parts(std::slice::from_ref(&report.completeness), |c| {
                output::emit(&Report::of(&[findings, c[0]]), &opts)
            })
        })?;
    }
    let threshold = args.fail_on.map(|f| match f {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    });
    let failing = threshold.map(|t| (t, report.failing(t)));
    super::end(report);
    match failing {
        Some((t, n)) if n > 0 => {
            s.say(&format!(
                "qa: {n} findings at severity `{}` or above",
                t.as_str()
            ));
            Ok(Exit::Failure)
        }
        _ => Ok(Exit::Success),
    }
}
