//! `tracker ingest`: the flags into requests, one per school, for the engine
//! in [`crate::ingest::engine`].

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cli::IngestArgs;
use crate::exit::{Exit, UsageError};
use crate::ingest::engine::{Request, check_school, ingest_many};
use crate::settings::Settings;

pub fn run(s: &Settings, args: &IngestArgs) -> anyhow::Result<Exit> {
    let request = |school: String, files: Vec<PathBuf>| Request {
        school,
        window: args.window,
        kind: args.kind,
        strict: args.strict,
        dry_run: args.dry_run,
        sheet: args.sheet.clone(),
        files,
    };
    let reqs = if args.school_dirs.is_empty() {
        vec![request(
            s.school(args.school.as_deref()),
            args.files.clone(),
        )]
    } else {
        let mut reqs = Vec::new();
        for dir in &args.school_dirs {
            let (school, files) = school_dir(dir)?;
            reqs.push(request(school, files));
        }
        reqs
    };
    let outcome = ingest_many(s, &reqs)?;
    if args.strict && outcome.rows_rejected > 0 {
        return Ok(Exit::StrictRejected);
    }
    Ok(Exit::Success)
}

/// `--school-dirs`: a folder named after a school code, holding that
/// school's exports for the window (every `*.csv` and workbook in it, in
/// name order).
fn school_dir(dir: &Path) -> anyhow::Result<(String, Vec<PathBuf>)> {
    let school = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    check_school(&school).map_err(|e| {
        UsageError(format!(
            "`{}`: the folder's name must be the school code; {}",
            dir.display(),
            e.0
        ))
    })?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("cannot read the folder `{}`", dir.display()))?
        .into_iter()
        .map(|e| e.path())
        .filter(|p| {
            (p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv"))
                || crate::ingest::workbook::format_of(p).is_some())
                && p.is_file()
        })
        .collect();
    files.sort();
    if files.is_empty() {
        anyhow::bail!(
            "`{}` holds no `.csv` exports or workbooks\nhint: `--school-dirs` takes one folder per school, named after its code",
            dir.display()
        );
    }
    Ok((school, files))
}
