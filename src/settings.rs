//! Flags + environment + tracker.toml -> one resolved settings value.
//!
//! Commands receive only this; none of them reads the environment itself.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{ColorChoice, FilterArgs, GlobalArgs, OutputArgs, ReportArgs};
use crate::config::Config;
use crate::exit::UsageError;
use crate::output::{Format, OutputOptions};
use crate::reports::{Filter, Request};
use crate::rules::check::checked;
use crate::store::Store;

pub struct Settings {
    pub store: Store,
    pub config: Config,
    /// Where the config came from, for messages.
    pub config_source: String,
    pub quiet: bool,
    pub color: bool,
    pub lock_timeout: Duration,
    /// Progress bars only for a person watching a terminal.
    pub progress: bool,
    /// The terminal's width, from `COLUMNS` when set.
    pub columns: Option<u16>,
}

impl Settings {
    /// A progress bar on stderr when a person is watching; hidden otherwise.
    pub fn progress_bar(&self, len: u64, message: &'static str) -> ProgressBar {
        if !self.progress || len < 2 {
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

    /// SPEC 6/7.2: `--store`, else `$TRACKER_STORE`, else `./tracker-store`;
    /// `--config`, else `$TRACKER_CONFIG`, else `<store>/tracker.toml`, else
    /// the built-in defaults. With `load_config` false the built-in defaults
    /// are used, so `init --force` can replace a broken config.
    pub fn resolve_with(global: &GlobalArgs, load_config: bool) -> anyhow::Result<Settings> {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let root = global
            .store
            .clone()
            .or_else(|| env("TRACKER_STORE"))
            .unwrap_or_else(|| PathBuf::from("tracker-store"));
        let store = Store::at(&root);
        let explicit = global.config.clone().or_else(|| env("TRACKER_CONFIG"));
        let (config, config_source) = match explicit.filter(|_| load_config) {
            Some(path) => (
                Config::load(&path)
                    .and_then(checked)
                    .context("cannot use the config")?,
                path.display().to_string(),
            ),
            None if load_config && store.config_path().is_file() => (
                Config::load(&store.config_path())
                    .and_then(checked)
                    .context("cannot use the store's config")?,
                store.config_path().display().to_string(),
            ),
            None => (Config::default(), "built-in defaults".to_string()),
        };
        let color = match global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        };
        if !(global.lock_timeout >= 0.0 && global.lock_timeout.is_finite()) {
            return Err(UsageError(
                "`--lock-timeout` must be a number of seconds, 0 or more".into(),
            )
            .into());
        }
        Ok(Settings {
            store,
            config,
            config_source,
            quiet: global.quiet,
            color,
            lock_timeout: Duration::from_secs_f64(global.lock_timeout),
            progress: !global.quiet && std::io::stderr().is_terminal(),
            columns: std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.trim().parse().ok())
                .filter(|&c: &u16| c >= 20),
        })
    }

    /// The school an ingest writes to: `--school`, else `school.code`.
    pub fn school(&self, flag: Option<&str>) -> String {
        flag.map(str::to_string)
            .unwrap_or_else(|| self.config.school.code.clone())
    }

    /// Output options, checking the formats that need a file. Only
    /// `summary` renders HTML: it calls [`Settings::summary_output`].
    pub fn output(&self, args: &OutputArgs) -> anyhow::Result<OutputOptions> {
        if args.format == Format::Html {
            return Err(UsageError(
                "`--format html` is only for `tracker summary`\nhint: use table, csv, json, xlsx or parquet".into(),
            )
            .into());
        }
        self.summary_output(args)
    }

    /// As [`Settings::output`], with `--format html` allowed.
    pub fn summary_output(&self, args: &OutputArgs) -> anyhow::Result<OutputOptions> {
        if matches!(args.format, Format::Xlsx | Format::Parquet | Format::Html)
            && args.output.is_none()
        {
            let name = format!("{:?}", args.format).to_lowercase();
            return Err(UsageError(format!(
                "`--format {name}` needs `-o FILE`\nhint: e.g. `-o report.{name}`"
            ))
            .into());
        }
        Ok(OutputOptions {
            format: args.format,
            output: args.output.clone(),
            color: self.color && args.output.is_none(),
            wide: args.wide,
            width: self.columns,
        })
    }

    /// What a report's flags ask it to cover.
    pub fn request(&self, args: &ReportArgs) -> Request {
        Request {
            window: args.window,
            school: args.school.clone(),
            stages: args.stage.clone(),
        }
    }

    /// `--teacher`, `--class`, `--faculty`, `--subject`.
    pub fn filter(&self, args: &FilterArgs) -> Filter {
        Filter {
            teacher: args.teacher.clone(),
            class: args.class.clone(),
            faculty: args.faculty.clone(),
            subject: args.subject.clone(),
        }
    }

    /// A message for the person at the terminal, unless `--quiet`.
    pub fn say(&self, message: &str) {
        if !self.quiet {
            stderr_line(message);
        }
    }

    /// A message that `--quiet` does not silence: a check that failed.
    pub fn warn(&self, message: &str) {
        stderr_line(message);
    }
}

/// One line on stderr. Unlike `eprintln!`, a full disk or a closed stderr
/// is not a panic: the message is lost, the exit code still tells.
pub fn stderr_line(message: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{message}");
}
