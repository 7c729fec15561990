//! `tracker demo`: synthetic exports (no real pupil), ingested, then the
//! off-track list, so anyone can try `tracker` with no data of their own.

use anyhow::Context;

use crate::cli::{DemoArgs, OutputArgs, ReportArgs};
use crate::demo::generate::{DemoOptions, generate};
use crate::exit::Exit;
use crate::output::{Format, OutputOptions};
use crate::reports::Filter;
use crate::reports::model::Need;
use crate::reports::offtrack::{self, Listing};
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

/// The off-track list for the latest window: every school when there are a
/// few, else the first school only (a national demo would print 100,000 rows).
fn print_offtrack(s: &Settings, demo: &Settings, args: &DemoArgs) -> anyhow::Result<()> {
    let school = (args.schools > 3).then(|| "DEMO001".to_string());
    let report = ReportArgs {
        window: None,
        school: school.clone(),
        stage: Vec::new(),
        out: OutputArgs {
            format: Format::Table,
            output: None,
            wide: false,
        },
    };
    let need = Need {
        pupils: true,
        ..Need::default()
    };
    let l = crate::commands::load(demo, &demo.request(&report), need)?;
    let scope = &l.scope;
    let lines = offtrack::select(
        &l.ctx,
        &l.schools,
        Listing::OffTrack,
        &|st| scope.wants_stage(st),
        &Filter::default(),
    )?;
    s.say(&format!(
        "off-track pupils, {}{}:",
        scope.window,
        school
            .map(|c| format!(
                ", school {c} (see all with `tracker --store {} offtrack`)",
                demo.store.root.display()
            ))
            .unwrap_or_default()
    ));
    let opts = OutputOptions {
        format: Format::Table,
        output: None,
        color: s.color,
        wide: false,
        width: s.columns,
    };
    crate::output::write(&offtrack::table(&lines), &opts)?;
    s.say(&format!(
        "the Year Group Tracker (a sheet per stage, a column per subject): `tracker --store {} grid --format xlsx -o tracker.xlsx`",
        demo.store.root.display()
    ));
    Ok(())
}
