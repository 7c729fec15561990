//! One file per subcommand, each `run(&Settings, args) -> Result<Exit>`.

pub mod comments;
pub mod demo;
pub mod followup;
pub mod grid;
pub mod impact;
pub mod ingest;
pub mod init;
pub mod offtrack;
pub mod pupil;
pub mod qa;
pub mod subjects;
pub mod summary;
pub mod verify;
pub mod windows;

use crate::cli::{Cli, Command};
use crate::exit::Exit;
use crate::reports::model::{self, Need, SchoolWindow};
use crate::reports::{Request, Scope};
use crate::rules::Ctx;
use crate::settings::Settings;

pub fn run(cli: &Cli) -> anyhow::Result<Exit> {
    crate::par::init();
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
        Command::Grid(a) => grid::run(s, a),
        Command::Pupil(a) => pupil::run(s, a),
        Command::Qa(a) => qa::run(s, a),
        Command::Comments(a) => comments::run(s, a),
        Command::Summary(a) => summary::run(s, a),
        Command::Impact(a) => impact::run(s, a),
        Command::Verify(a) => verify::run(s, a),
    }
}

/// What a report command has once the store is read: the rules, what the
/// report covers, and each school's judged window.
pub struct Loaded<'s> {
    pub ctx: Ctx<'s>,
    pub scope: Scope,
    pub schools: Vec<SchoolWindow>,
}

/// Open the store for a report, pick the window and schools, and load and
/// judge each school's window on every core, reading what `need` asks for.
pub fn load<'s>(s: &'s Settings, request: &Request, need: Need) -> anyhow::Result<Loaded<'s>> {
    let (snap, scope) = crate::reports::open(&s.store, request, s.lock_timeout)?;
    let ctx = Ctx::new(&s.config);
    let schools = crate::par::map(&scope.schools, |school| {
        model::load(&ctx, &snap, school, scope.window, need)
    })?;
    Ok(Loaded {
        ctx,
        scope,
        schools,
    })
}

/// Leave `value` for the operating system to reclaim: a report's process
/// ends after writing, and freeing three million rows or most of a million
/// findings one allocation at a time would take a tenth of a national run.
pub fn end<T>(value: T) {
    std::mem::forget(value);
}
