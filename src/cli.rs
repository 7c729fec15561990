//! The command line, as clap derive structs. Raw values only: `settings`
//! resolves them against the environment and the config.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::Preset;
use crate::kinds::Kind;
use crate::output::Format;
use crate::reports::impact::By;
use crate::rules::window::Window;

#[derive(Debug, Parser)]
#[command(
    name = "tracker",
    version,
    about = "Year Group Tracker for Scottish secondary schools: SEEMiS exports in, traffic lights and follow-up lists out",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The store directory [env: TRACKER_STORE] [default: ./tracker-store]
    #[arg(long, global = true, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// The config file [env: TRACKER_CONFIG] [default: <store>/tracker.toml, else built-in]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print no progress or summary messages on stderr (errors still print)
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Colour in terminal tables; NO_COLOR is honoured with `auto`
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Seconds to wait for another tracker command that holds the store
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 10.0)]
    pub lock_timeout: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the store and its commented tracker.toml
    Init(InitArgs),
    /// Validate and store SEEMiS exports for one window
    Ingest(IngestArgs),
    /// What the store holds: school, window, kind, rows, ingested at
    Windows(OutputArgs),
    /// One row per pupil and subject with its traffic light
    Subjects(SubjectsArgs),
    /// One row per pupil: counts by status, faculties off track, lead
    Offtrack(OfftrackArgs),
    /// Off-track pupils grouped by lead, for the Progress Intervention meeting
    Followup(ReportArgs),
    /// The Year Group Tracker: one row per pupil, one column per subject
    Grid(GridArgs),
    /// Whole-school tracking summary with equity gaps
    Summary(SummaryArgs),
    /// What followed the interventions of a window, by the next window
    ///
    /// `--window` defaults here to the newest window that the store holds a
    /// later window after; each school's next window is the next one the
    /// store holds for it. The figures are an association, not proof that
    /// the interventions caused the change.
    Impact(ImpactArgs),
    /// Completeness and anomalies, for faculty leaders
    Qa(QaArgs),
    /// One pupil across all windows
    Pupil(PupilArgs),
    /// Report comments for review, with their length
    Comments(CommentsArgs),
    /// Check the store against its manifest; changes nothing
    Verify(OutputArgs),
    /// Write synthetic exports, ingest them, print the off-track list
    Demo(DemoArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Level scale preset: `abc` (E, Ea .. 3c, 4) or `abcd` (1A .. 4D)
    #[arg(long, value_enum, default_value_t = Preset::Abc)]
    pub preset: Preset,
    /// Overwrite the config of an existing store (its data is kept)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The tracking window, SESSION/PERIOD, e.g. 2025-26/1
    #[arg(long, value_parser = parse_window)]
    pub window: Window,
    /// School code [default: school.code from the config]
    #[arg(long)]
    pub school: Option<String>,
    /// Force the kind of every file instead of recognising it from headers
    #[arg(long, value_enum)]
    pub kind: Option<Kind>,
    /// Exit 3 and write nothing when any row is rejected
    #[arg(long)]
    pub strict: bool,
    /// Validate and report without writing
    #[arg(long)]
    pub dry_run: bool,
    /// The sheet to read from `.xlsx`, `.xls` and `.ods` files [default: the first]
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Exports from SEEMiS: CSV, or workbooks (`.xlsx`, `.xls`, `.ods`)
    #[arg(required_unless_present = "school_dirs", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Many schools in one ingest: folders named after school codes, each
    /// holding that school's exports (`*.csv`); one commit for all of them
    #[arg(long, num_args = 1.., value_name = "DIR", conflicts_with_all = ["school", "files"])]
    pub school_dirs: Vec<PathBuf>,
}

/// Output format and destination.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// table, csv, json, xlsx (needs -o), parquet (needs -o)
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// In `--format table`, every column (other formats always have them)
    #[arg(long)]
    pub wide: bool,
}

/// What every report takes.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// The window to report [default: the latest in the store]
    #[arg(long, value_parser = parse_window)]
    pub window: Option<Window>,
    /// Only this school [default: all schools]
    #[arg(long)]
    pub school: Option<String>,
    /// Only these stages (repeatable): S1..S6
    #[arg(long, value_parser = parse_stage)]
    pub stage: Vec<u8>,
    #[command(flatten)]
    pub out: OutputArgs,
}

/// Filters that let a class teacher see their own classes.
#[derive(Debug, Args, Clone, Default)]
pub struct FilterArgs {
    /// Only rows taught by this teacher (case-insensitive)
    #[arg(long)]
    pub teacher: Option<String>,
    /// Only this class (case-insensitive)
    #[arg(long)]
    pub class: Option<String>,
    /// Only subjects of this faculty (case-insensitive)
    #[arg(long)]
    pub faculty: Option<String>,
    /// Only this subject (case-insensitive)
    #[arg(long)]
    pub subject: Option<String>,
}

#[derive(Debug, Args)]
pub struct GridArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Only pupils off track in one or more faculties
    #[arg(long)]
    pub off_track_only: bool,
}

#[derive(Debug, Args)]
pub struct SubjectsArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
}

#[derive(Debug, Args)]
pub struct OfftrackArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Every pupil with a subject row in the window, not only those off track
    #[arg(long, conflicts_with = "early_warning")]
    pub all: bool,
    /// Pupils on track everywhere whose Effort/Behaviour/Homework concerns reach ratings.warn_subjects
    #[arg(long)]
    pub early_warning: bool,
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Show groups of fewer than suppression.min_group pupils
    #[arg(long)]
    pub no_suppress: bool,
}

#[derive(Debug, Args)]
pub struct ImpactArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    /// Group the interventions by their type, subject or staff
    #[arg(long, value_enum, default_value_t = By::Type)]
    pub by: By,
    /// Show groups of fewer than suppression.min_group pupils
    #[arg(long)]
    pub no_suppress: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
}

#[derive(Debug, Args)]
pub struct QaArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    /// Exit 1 when any finding reaches this severity
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Print only the completeness table
    #[arg(long, conflicts_with = "findings")]
    pub completeness: bool,
    /// Print only the findings table (e.g. for `--format parquet`)
    #[arg(long)]
    pub findings: bool,
    /// Only findings for this teacher (case-insensitive)
    #[arg(long)]
    pub teacher: Option<String>,
    /// Only findings for subjects of this faculty (case-insensitive)
    #[arg(long)]
    pub faculty: Option<String>,
}

#[derive(Debug, Args)]
pub struct PupilArgs {
    /// The pupil's Scottish Candidate Number
    pub scn: String,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct CommentsArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Only learners with recorded ASN
    #[arg(long)]
    pub asn: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the exports and the store
    #[arg(long, default_value = "tracker-demo")]
    pub dir: PathBuf,
    /// Number of schools
    #[arg(long, default_value_t = 1)]
    pub schools: usize,
    /// Pupils per school, about
    #[arg(long, default_value_t = 600)]
    pub pupils: usize,
    /// Random seed: the same seed gives the same files
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

fn parse_window(s: &str) -> Result<Window, String> {
    s.parse()
}

fn parse_stage(s: &str) -> Result<u8, String> {
    crate::rules::values::parse_stage(s)
        .ok_or_else(|| format!("`{s}` is not a stage; expected S1..S6"))
}
