//! `tracker demo`: synthetic exports (no real pupil), ingested, then the
//! off-track list, so anyone can try `tracker` with no data of their own.

use anyhow::Context;

use crate::cli::{DemoArgs, FilterArgs, OfftrackArgs, OutputArgs, ReportArgs};
use crate::demo::generate::{DemoOptions, generate};
use crate::exit::Exit;
use crate::output::Format;
use crate::settings::Settings;
use crate::store::fsutil;

pub fn run(s: &Settings, args: &DemoArgs) -> anyhow::Result<Exit> {
    if args.schools == 0 || args.pupils == 0 {
        return Err(crate::exit::UsageError(
            "`--schools` and `--pupils` must be at least 1".into(),
        )
        .into());
    }
    fsutil::create_dir_private(&args.dir)
        .with_context(|| format!("cannot create `{}`", args.dir.display()))?;
    let opts = DemoOptions {
        schools: args.schools,
        pupils: args.pupils,
        seed: args.seed,
    };
    let bar = s.progress_bar((args.schools * 10) as u64, "writing");
    let files = generate(&args.dir, &opts, &mut |done, _| {
        bar.set_position(done as u64)
    })?;
    bar.finish_and_clear();
    s.say(&format!(
        "wrote {} synthetic exports under `{}`",
        files.len(),
        args.dir.display()
    ));

    let demo = crate::demo::store::settings(s, &args.dir)?;
    let (stored, rejected) = crate::demo::store::ingest_all(s, &demo, &files)?;
    s.say(&format!(
        "ingested into `{}`: {stored} rows stored, {rejected} rejected (the demo includes a few bad rows on purpose)",
        demo.store.root.display()
    ));
    print_offtrack(s, &demo, args)?;
    Ok(Exit::Success)
}

/// The off-track list for the latest window, as `tracker offtrack` prints
/// it: every school when there are a few, else the first school only (a
/// national demo would print 100,000 rows).
fn print_offtrack(s: &Settings, demo: &Settings, args: &DemoArgs) -> anyhow::Result<()> {
    let school = (args.schools > 3).then(|| "DEMO001".to_string());
    let offtrack = OfftrackArgs {
        report: ReportArgs {
            window: None,
            school: school.clone(),
            stage: Vec::new(),
            out: OutputArgs {
                format: Format::Table,
                output: None,
                wide: false,
            },
        },
        filter: FilterArgs::default(),
        all: false,
        early_warning: false,
    };
    let (_, scope) = crate::reports::open(
        &demo.store,
        &demo.request(&offtrack.report),
        demo.lock_timeout,
    )?;
    s.say(&format!(
        "off-track pupils, {}{}:",
        scope.window,
        school
            .as_deref()
            .map(|c| format!(
                ", school {c} (see all with `tracker --store {} offtrack`)",
                demo.store.root.display()
            ))
            .unwrap_or_default()
    ));
    super::offtrack::run(demo, &offtrack)?;
    s.say(&format!(
        "the Year Group Tracker (a sheet per stage, a column per subject): `tracker --store {} grid --format xlsx -o tracker.xlsx`",
        demo.store.root.display()
    ));
    Ok(())
}
