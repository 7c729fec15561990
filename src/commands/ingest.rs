//! `tracker ingest`: validate exports, then commit them to the store atomically.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use anyhow::Context;
use polars::prelude::*;

use crate::cli::IngestArgs;
use crate::exit::{Exit, UsageError};
use crate::ingest::rows::{Conflict, FileStats, KindBatch, Reject};
use crate::ingest::{Kind, PreparedFile, prepare};
use crate::rules::values::stage_label;
use crate::rules::window::Window;
use crate::settings::Settings;
use crate::store::commit::Transaction;
use crate::store::manifest::IngestRecord;
use crate::store::{Mode, Store};

/// One ingest's inputs, from the command line or from `demo`.
pub struct Request {
    pub school: String,
    pub window: Window,
    pub kind: Option<Kind>,
    pub strict: bool,
    pub dry_run: bool,
    pub files: Vec<PathBuf>,
}

/// What an ingest did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub rows_stored: usize,
    pub rows_rejected: usize,
    pub files_skipped: usize,
    pub committed: bool,
}

pub fn run(s: &Settings, args: &IngestArgs) -> anyhow::Result<Exit> {
    let req = Request {
        school: s.school(args.school.as_deref()),
        window: args.window,
        kind: args.kind,
        strict: args.strict,
        dry_run: args.dry_run,
        files: args.files.clone(),
    };
    let outcome = ingest(s, &req)?;
    if req.strict && outcome.rows_rejected > 0 {
        return Ok(Exit::StrictRejected);
    }
    Ok(Exit::Success)
}

/// A school code names a directory: keep it to letters, digits, `-` and `_`.
pub fn check_school(code: &str) -> Result<(), UsageError> {
    if code.is_empty()
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(UsageError(format!(
            "`{code}` is not a school code; expected letters, digits, `-` or `_`"
        )));
    }
    Ok(())
}

pub fn ingest(s: &Settings, req: &Request) -> anyhow::Result<Outcome> {
    check_school(&req.school)?;
    let window = req.window.to_string();
    let bar = crate::commands::progress_bar(s, req.files.len() as u64, "reading");
    let mut prepared = Vec::with_capacity(req.files.len());
    for path in &req.files {
        prepared.push(prepare(path, req.kind, &s.config.columns)?);
        bar.inc(1);
    }
    bar.finish_and_clear();
    prepared.sort_by_key(|p| p.kind);

    // A store that does not exist yet is created only when there is
    // something to commit, so `--strict` and `--dry-run` leave no trace.
    let store = &s.store;
    let existed = store.exists();
    let mut lock = None;
    let mut manifest = crate::store::Manifest::empty();
    if existed {
        let mode = if req.dry_run {
            Mode::Shared
        } else {
            Mode::Exclusive
        };
        lock = Some(store.lock(mode, s.lock_timeout)?);
        manifest = store.read_manifest()?;
    }

    let mut outcome = Outcome::default();
    prepared.retain(|p| {
        let live = manifest.already_live(p.kind.as_str(), &req.school, &window, &p.raw.sha256);
        if live {
            s.say(&format!(
                "{}: already ingested as {} for {} {} (same SHA-256); nothing to do",
                p.raw.name, p.kind, req.school, window
            ));
            outcome.files_skipped += 1;
        }
        !live
    });
    if prepared.is_empty() {
        return Ok(outcome);
    }

    // Parse every kind before writing anything: a bad file stops it all.
    let rules = crate::reports::model::Ctx::new(&s.config);
    let mut parsed: Vec<Parsed> = Vec::new();
    for kind in Kind::ALL {
        let files: Vec<&PreparedFile> = prepared.iter().filter(|p| p.kind == kind).collect();
        if files.is_empty() {
            continue;
        }
        let mut batch = KindBatch::new(kind, rules.codes());
        for f in &files {
            batch.add_file(f)?;
        }
        let files_meta = files
            .iter()
            .map(|f| {
                (
                    f.raw.name.clone(),
                    f.raw.sha256.clone(),
                    f.header.unknown.clone(),
                )
            })
            .collect();
        let (finished, stats, rejects, conflicts) = batch.finish();
        parsed.push(Parsed {
            kind,
            files: files_meta,
            frame: finished.frame,
            stages: finished.stages,
            scns: finished.scns,
            stats,
            rejects,
            conflicts,
        });
    }

    // Stage groups (SPEC 10.1): the row's stage, else the pupil's, else unknown.
    let mut pupil_stage: HashMap<String, u8> = HashMap::new();
    if let Some(f) = manifest.file("pupils", &req.school, &window) {
        let df = crate::store::read::read_parquet(&store.root, &f.path, Some(&["scn", "stage"]))?;
        for (scn, stage) in df
            .column("scn")?
            .str()?
            .iter()
            .zip(df.column("stage")?.str()?.iter())
        {
            if let (Some(scn), Some(stage)) =
                (scn, stage.and_then(crate::rules::values::parse_stage))
            {
                pupil_stage.insert(scn.to_string(), stage);
            }
        }
    }
    if let Some(p) = parsed.iter().find(|p| p.kind == Kind::Pupils) {
        for (scn, stage) in p.scns.iter().zip(&p.stages) {
            match stage {
                Some(st) => pupil_stage.insert(scn.to_string(), *st),
                None => pupil_stage.remove(scn.as_ref()),
            };
        }
    }
    let group = |stage: Option<u8>, scn: Option<&str>| -> String {
        stage
            .or_else(|| scn.and_then(|k| pupil_stage.get(k).copied()))
            .map_or_else(|| "unknown".to_string(), stage_label)
    };

    for p in &mut parsed {
        let groups: Vec<String> = p
            .stages
            .iter()
            .zip(&p.scns)
            .map(|(st, scn)| group(*st, Some(scn)))
            .collect();
        p.frame
            .with_column(Column::new("stage_group".into(), groups))?;
        report_file_lines(s, p);
        outcome.rows_stored += p.stats.iter().map(|f| f.rows_stored).sum::<usize>();
        outcome.rows_rejected += p.stats.iter().map(|f| f.rows_rejected).sum::<usize>();
    }

    if req.strict && outcome.rows_rejected > 0 {
        s.say(&format!(
            "--strict: {} rows rejected; nothing was written",
            outcome.rows_rejected
        ));
        return Ok(outcome);
    }
    if req.dry_run {
        s.say("--dry-run: nothing was written");
        return Ok(outcome);
    }

    if !existed {
        store.create().context("cannot create the store")?;
        s.say(&format!("created store `{}`", store.root.display()));
        lock = Some(store.lock(Mode::Exclusive, s.lock_timeout)?);
    }
    let lock = lock.expect("a writer holds the lock by now");
    let mut tx = Transaction::begin(store, &lock)?;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    for p in &mut parsed {
        let reject_frame = rejects_frame(&p.rejects, &group)?;
        let conflict_frame = conflicts_frame(&p.conflicts, &group)?;
        let mut replaced: BTreeSet<String> = BTreeSet::new();
        for col in [&p.frame, &reject_frame, &conflict_frame] {
            for g in col.column("stage_group")?.str()?.iter().flatten() {
                replaced.insert(g.to_string());
            }
        }
        let by_stage = p.kind.replaces_by_stage();
        // An old row stored as `unknown` (no stage and no pupil then) belongs
        // to its pupil's stage once the pupils export knows it, so a corrected
        // export replaces it instead of standing beside it.
        let keep_old = |kind: Option<&str>, stage: Option<&str>, scn: Option<&str>| {
            let stage = match stage {
                Some("unknown") => group(None, scn),
                other => other.unwrap_or("unknown").to_string(),
            };
            kind.is_some_and(|k| k != p.kind.as_str()) || (by_stage && !replaced.contains(&stage))
        };
        let table = p.kind.as_str();
        merge_into(
            &mut tx,
            table,
            &req.school,
            &window,
            &mut p.frame,
            |_, st, scn| keep_old(None, st, scn),
        )?;
        let mut rf = reject_frame;
        merge_into(&mut tx, "rejects", &req.school, &window, &mut rf, keep_old)?;
        let mut cf = conflict_frame;
        merge_into(
            &mut tx,
            "conflicts",
            &req.school,
            &window,
            &mut cf,
            keep_old,
        )?;

        for ((name, sha, _), stats) in p.files.iter().zip(&p.stats) {
            let source = prepared
                .iter()
                .find(|f| &f.raw.sha256 == sha && &f.raw.name == name);
            let bytes = source.map(|f| f.raw.bytes.as_slice()).unwrap_or_default();
            let raw = tx.add_raw(bytes, sha)?;
            let mut stages: BTreeSet<String> = BTreeSet::new();
            let src = p.frame.column("source")?.str()?;
            let grp = p.frame.column("stage_group")?.str()?;
            for (f, g) in src.iter().zip(grp.iter()) {
                if f == Some(name.as_str()) {
                    stages.extend(g.map(str::to_string));
                }
            }
            for r in p.rejects.iter().filter(|r| &r.source == name) {
                stages.insert(group(r.stage, r.scn.as_deref()));
            }
            tx.record(IngestRecord {
                kind: p.kind.as_str().to_string(),
                school: req.school.clone(),
                window: window.clone(),
                source: name.clone(),
                sha256: sha.clone(),
                raw,
                bytes: bytes.len() as u64,
                rows_stored: stats.rows_stored,
                rows_rejected: stats.rows_rejected,
                stages: if by_stage {
                    stages.into_iter().collect()
                } else {
                    Vec::new()
                },
                ingested_at: now.clone(),
            });
        }
    }
    tx.commit()?;
    outcome.committed = true;
    drop(lock);
    Ok(outcome)
}

struct Parsed {
    kind: Kind,
    /// (file name, SHA-256, unknown columns) per file, in ingest order.
    files: Vec<(String, String, Vec<String>)>,
    frame: DataFrame,
    stages: Vec<Option<u8>>,
    scns: Vec<Box<str>>,
    stats: Vec<FileStats>,
    rejects: Vec<Reject>,
    conflicts: Vec<Conflict>,
}

fn report_file_lines(s: &Settings, p: &Parsed) {
    for ((name, _, unknown), st) in p.files.iter().zip(&p.stats) {
        let mut line = format!(
            "{name}: {}, {} rows stored, {} rejected",
            p.kind, st.rows_stored, st.rows_rejected
        );
        let warnings: usize = st.warnings.values().sum();
        if warnings > 0 {
            let parts: Vec<String> = st
                .warnings
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            line.push_str(&format!(", warnings: {}", parts.join(", ")));
        }
        s.say(&line);
        if !unknown.is_empty() {
            let cols: Vec<String> = unknown.iter().map(|c| format!("`{c}`")).collect();
            s.say(&format!(
                "{name}: ignored unknown columns: {}",
                cols.join(", ")
            ));
        }
        let mine: Vec<&Reject> = p.rejects.iter().filter(|r| &r.source == name).collect();
        for r in mine.iter().take(10) {
            s.say(&format!(
                "{name}:{}: rejected: {} ({})",
                r.line, r.reason, r.detail
            ));
        }
        if mine.len() > 10 {
            s.say(&format!(
                "{name}: ... and {} more rejected rows (see `tracker qa`)",
                mine.len() - 10
            ));
        }
    }
}

fn rejects_frame(
    rejects: &[Reject],
    group: &dyn Fn(Option<u8>, Option<&str>) -> String,
) -> PolarsResult<DataFrame> {
    let col = |name: &str, v: Vec<Option<String>>| Column::new(name.into(), v);
    DataFrame::new(
        rejects.len(),
        vec![
            col(
                "kind",
                rejects.iter().map(|r| Some(r.kind.to_string())).collect(),
            ),
            col(
                "source",
                rejects.iter().map(|r| Some(r.source.clone())).collect(),
            ),
            Column::new(
                "line".into(),
                rejects.iter().map(|r| r.line).collect::<Vec<u32>>(),
            ),
            col(
                "reason",
                rejects.iter().map(|r| Some(r.reason.to_string())).collect(),
            ),
            col(
                "detail",
                rejects.iter().map(|r| Some(r.detail.clone())).collect(),
            ),
            col("scn", rejects.iter().map(|r| r.scn.clone()).collect()),
            col(
                "subject",
                rejects.iter().map(|r| r.subject.clone()).collect(),
            ),
            col(
                "stage_group",
                rejects
                    .iter()
                    .map(|r| Some(group(r.stage, r.scn.as_deref())))
                    .collect(),
            ),
        ],
    )
}

fn conflicts_frame(
    conflicts: &[Conflict],
    group: &dyn Fn(Option<u8>, Option<&str>) -> String,
) -> PolarsResult<DataFrame> {
    let col = |name: &str, v: Vec<Option<String>>| Column::new(name.into(), v);
    DataFrame::new(
        conflicts.len(),
        vec![
            col(
                "kind",
                conflicts.iter().map(|c| Some(c.kind.to_string())).collect(),
            ),
            col(
                "source",
                conflicts.iter().map(|c| Some(c.source.clone())).collect(),
            ),
            Column::new(
                "line".into(),
                conflicts.iter().map(|c| c.line).collect::<Vec<u32>>(),
            ),
            col(
                "earlier_source",
                conflicts
                    .iter()
                    .map(|c| Some(c.earlier_source.clone()))
                    .collect(),
            ),
            Column::new(
                "earlier_line".into(),
                conflicts
                    .iter()
                    .map(|c| c.earlier_line)
                    .collect::<Vec<u32>>(),
            ),
            col(
                "scn",
                conflicts.iter().map(|c| Some(c.scn.clone())).collect(),
            ),
            col(
                "subject",
                conflicts.iter().map(|c| c.subject.clone()).collect(),
            ),
            col(
                "stage_group",
                conflicts
                    .iter()
                    .map(|c| Some(group(c.stage, Some(&c.scn))))
                    .collect(),
            ),
        ],
    )
}

/// Replace a partition with the old rows `keep_old` keeps plus `new`.
fn merge_into(
    tx: &mut Transaction,
    table: &str,
    school: &str,
    window: &str,
    new: &mut DataFrame,
    keep_old: impl Fn(Option<&str>, Option<&str>, Option<&str>) -> bool,
) -> anyhow::Result<()> {
    let old = tx.read_partition(table, school, window)?;
    let mut merged = match old {
        Some(old) => {
            let kinds = old
                .column("kind")
                .ok()
                .map(|c| c.str().cloned())
                .transpose()?;
            let groups = old.column("stage_group")?.str()?;
            let scns = old.column("scn")?.str()?;
            let mask: BooleanChunked = groups
                .iter()
                .zip(scns.iter())
                .enumerate()
                .map(|(i, (g, scn))| keep_old(kinds.as_ref().and_then(|k| k.get(i)), g, scn))
                .collect();
            let mut kept = old.filter(&mask)?;
            if new.height() > 0 {
                kept.vstack_mut(new).map_err(|e| {
                    anyhow::anyhow!(e)
                        .context(format!("the stored `{table}` table has another layout"))
                })?;
            }
            kept
        }
        None if new.height() == 0 => return Ok(()),
        None => new.clone(),
    };
    merged.rechunk_mut();
    tx.replace_partition(table, school, window, &mut merged)?;
    Ok(())
}

/// Used by `demo` and tests: the rows a store holds for a table.
pub fn stored_rows(store: &Store, table: &str) -> anyhow::Result<usize> {
    Ok(store
        .read_manifest()?
        .files
        .iter()
        .filter(|f| f.table == table)
        .map(|f| f.rows)
        .sum())
}
