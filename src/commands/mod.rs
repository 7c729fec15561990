//! One file per subcommand, each `run(&Settings, args) -> Result<Exit>`.

pub mod comments;
pub mod demo;
pub mod followup;
pub mod ingest;
pub mod init;
pub mod offtrack;
pub mod pupil;
pub mod qa;
pub mod subjects;
pub mod summary;
pub mod verify;
pub mod windows;

use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{Cli, Command, ReportArgs};
use crate::exit::Exit;
use crate::reports::Scope;
use crate::reports::model::{self, Ctx, SchoolWindow};
use crate::settings::Settings;

pub fn run(cli: &Cli) -> anyhow::Result<Exit> {
    let is_init = matches!(cli.command, Command::Init(_));
    let settings = Settings::resolve_with(&cli.global, !is_init)?;
    let s = &settings;
    match &cli.command {
        Command::Init(a) => init::run(s, a),
        Command::Ingest(a) => ingest::run(s, a),
        Command::Windows(a) => windows::run(s, a),
        Command::Demo(a) => demo::run(s, a),
        Command::Subjects(a) => subjects::run(s, a),
        Command::Offtrack(a) => offtrack::run(s, a),
        Command::Followup(a) => followup::run(s, a),
        Command::Pupil(a) => pupil::run(s, a),
        Command::Qa(a) => qa::run(s, a),
        Command::Comments(a) => comments::run(s, a),
        Command::Summary(a) => summary::run(s, a),
        Command::Verify(a) => verify::run(s, a),
    }
}

/// A progress bar on stderr when a person is watching; hidden otherwise.
pub fn progress_bar(s: &Settings, len: u64, message: &'static str) -> ProgressBar {
    if !s.progress || len < 2 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len).with_message(message);
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} {elapsed}")
            .expect("template is valid")
            .progress_chars("=> "),
    );
    bar
}

/// Open the store, pick the window and schools, and load and judge them.
pub fn load_window<'s>(
    s: &'s Settings,
    args: &ReportArgs,
) -> anyhow::Result<(Ctx<'s>, Vec<SchoolWindow>, Scope)> {
    let (snap, scope) = crate::reports::open(&s.store, args, s.lock_timeout)?;
    let ctx = Ctx::new(&s.config);
    let loaded = scope
        .schools
        .iter()
        .map(|school| model::load(&ctx, &snap, school, scope.window))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok((ctx, loaded, scope))
}
