//! The ingest engine: files read and checked on every core, stage groups
//! given (SPEC 10.1), partitions merged with what the store holds, and one
//! transaction committed for every school of the request. Nothing is written
//! until every file has been read; a file that cannot be trusted stops the
//! whole ingest.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;

use super::parsed::{Parsed, Record, records_of, report_file_lines};
use super::partition::{
    KeepOld, add_stage_groups, conflicts_frame, group_of, keeps_old, keeps_old_of, merge_into,
    rejects_frame,
};
use super::rows::KindBatch;
use super::{Kind, PreparedFile, prepare};
use crate::exit::UsageError;
use crate::rules::window::Window;
use crate::settings::Settings;
use crate::store::commit::Transaction;
use crate::store::encode::{Encoded, encode_table};
use crate::store::manifest::IngestRecord;
use crate::store::table::Table;
use crate::store::{Mode, Store};

/// One ingest's inputs, from the command line or from `demo`.
pub struct Request {
    pub school: String,
    pub window: Window,
    pub kind: Option<Kind>,
    pub strict: bool,
    pub dry_run: bool,
    /// The sheet to read from workbooks (else each one's first).
    pub sheet: Option<String>,
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

/// Ingest one school's files.
pub fn ingest(s: &Settings, req: &Request) -> anyhow::Result<Outcome> {
    ingest_many(s, std::slice::from_ref(req))
}

/// Ingest several schools' files for one window in one transaction: every
/// school is read, checked and encoded (on every core) before anything is
/// written, so a bad file in any school stops them all, as within a school.
/// `window`, `kind`, `strict` and `dry_run` come from the first request.
pub fn ingest_many(s: &Settings, reqs: &[Request]) -> anyhow::Result<Outcome> {
    let Some(first) = reqs.first() else {
        return Ok(Outcome::default());
    };
    let mut seen = BTreeSet::new();
    for r in reqs {
        check_school(&r.school)?;
        if !seen.insert(r.school.as_str()) {
            return Err(UsageError(format!("school `{}` is given twice", r.school)).into());
        }
    }
    let (strict, dry_run) = (first.strict, first.dry_run);

    // A store that does not exist yet is created only when there is
    // something to commit, so `--strict` and `--dry-run` leave no trace.
    let store = &s.store;
    let existed = store.exists();
    let mut lock = None;
    // The manifest file as read under the lock, handed on to the
    // transaction (which holds the same lock) so it is parsed once.
    let mut read = None;
    if existed {
        let mode = if dry_run {
            Mode::Shared
        } else {
            Mode::Exclusive
        };
        lock = Some(store.lock(mode, s.lock_timeout)?);
        // Only these schools' records: the others stay in their segments.
        let schools: Vec<&str> = reqs.iter().map(|r| r.school.as_str()).collect();
        read = store.read_manifest_file_for(Some(&schools))?;
    }
    let empty = crate::store::Manifest::empty();
    let manifest = read.as_ref().map_or(&empty, |(m, _)| m);

    let files: usize = reqs.iter().map(|r| r.files.len()).sum();
    let bar = s.progress_bar(files as u64, "reading");
    let rules = crate::rules::Ctx::new(&s.config);
    let failed = AtomicBool::new(false);
    let results = crate::par::map(reqs, |req| {
        let mut messages = Vec::new();
        if failed.load(Ordering::Relaxed) {
            return Ok((messages, None));
        }
        let staged = stage(
            s,
            &rules,
            req,
            manifest,
            &store.root,
            !dry_run,
            &bar,
            &mut messages,
        );
        if staged.is_err() {
            failed.store(true, Ordering::Relaxed);
        }
        Ok((messages, Some(staged)))
    })?;
    bar.finish_and_clear();
    let mut outcome = Outcome::default();
    let mut staged = Vec::with_capacity(results.len());
    for (messages, result) in results {
        for m in &messages {
            s.say(m);
        }
        let Some(result) = result else { continue };
        let st = result?;
        outcome.rows_stored += st.outcome.rows_stored;
        outcome.rows_rejected += st.outcome.rows_rejected;
        outcome.files_skipped += st.outcome.files_skipped;
        staged.push(st);
    }
    if staged.iter().all(|st| st.records.is_empty()) {
        return Ok(outcome);
    }
    if strict && outcome.rows_rejected > 0 {
        s.say(&format!(
            "--strict: {} rows rejected; nothing was written",
            outcome.rows_rejected
        ));
        return Ok(outcome);
    }
    if dry_run {
        s.say("--dry-run: nothing was written");
        return Ok(outcome);
    }

    if !existed {
        store.create().context("cannot create the store")?;
        s.say(&format!("created store `{}`", store.root.display()));
        lock = Some(store.lock(Mode::Exclusive, s.lock_timeout)?);
    }
    let lock = lock.expect("a writer holds the lock by now");
    // Everything from here to the manifest swap either commits whole or
    // leaves the store as it was (a failed fsync after the swap is rolled
    // back); only a failed rollback leaves the outcome uncertain.
    let mut unfinished = None;
    let written = (|| -> anyhow::Result<()> {
        let mut tx = Transaction::begin(store, &lock, read)?;
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let window = first.window.to_string();
        for st in staged {
            if let Err(e) = st.write(&mut tx, &window, &now) {
                tx.abandon();
                return Err(e);
            }
        }
        unfinished = tx.commit()?.unfinished;
        Ok(())
    })();
    if let Err(e) = written {
        let uncertain = matches!(
            e.downcast_ref::<crate::store::StoreError>(),
            Some(crate::store::StoreError::Uncertain { .. })
        );
        return Err(if uncertain {
            e
        } else {
            e.context(format!(
                "cannot write the ingest to the store `{}`; nothing was changed",
                store.root.display()
            ))
        });
    }
    outcome.committed = true;
    if let Some(e) = unfinished {
        s.warn(&format!(
            "warning: the ingest is committed, but not all its files could be moved into the table directories: {:#}\nhint: reports see it; a glob read of the store will once the next `tracker ingest` has finished it (`tracker verify` shows what is left)",
            anyhow::Error::new(e)
        ));
    }
    drop(lock);
    Ok(outcome)
}

/// One school's ingest, read, checked and encoded, waiting to be written.
struct Staged {
    school: String,
    outcome: Outcome,
    /// Each partition this ingest replaces: None removes it.
    parts: Vec<(&'static str, Option<Encoded>)>,
    /// Per ingested file, its manifest record.
    records: Vec<Record>,
    /// The bytes of each ingested file and the extension of its raw copy,
    /// by SHA-256.
    bytes: HashMap<String, (Vec<u8>, &'static str)>,
}

impl Staged {
    fn write(self, tx: &mut Transaction, window: &str, now: &str) -> anyhow::Result<()> {
        for (table, encoded) in self.parts {
            tx.put_partition(table, &self.school, window, encoded)?;
        }
        let sizes: HashMap<String, u64> = (self.bytes.iter())
            .map(|(sha, (b, _))| (sha.clone(), b.len() as u64))
            .collect();
        let mut bytes_of = self.bytes;
        for r in self.records {
            // The first record of a file takes its bytes; a file given
            // twice has one raw copy.
            let (bytes, ext) = bytes_of
                .get_mut(&r.sha256)
                .map_or((Vec::new(), "csv"), |(b, ext)| (std::mem::take(b), *ext));
            let size = sizes.get(&r.sha256).copied().unwrap_or(0);
            let raw = tx.add_raw(bytes, &r.sha256, ext)?;
            tx.record(IngestRecord {
                kind: r.kind.as_str().to_string(),
                school: self.school.clone(),
                window: window.to_string(),
                source: r.source,
                sha256: r.sha256,
                sheet: r.sheet,
                raw,
                bytes: size,
                rows_stored: r.rows_stored,
                rows_rejected: r.rows_rejected,
                stages: r.stages,
                ingested_at: now.to_string(),
            });
        }
        Ok(())
    }
}

/// Read, check and parse one school's files, merge them with what the store
/// holds and (with `encode`) encode the partitions to write. Messages for
/// the person running the ingest go to `messages`, in order.
#[allow(clippy::too_many_arguments)]
fn stage(
    s: &Settings,
    rules: &crate::rules::Ctx,
    req: &Request,
    manifest: &crate::store::Manifest,
    root: &Path,
    encode: bool,
    bar: &indicatif::ProgressBar,
    messages: &mut Vec<String>,
) -> anyhow::Result<Staged> {
    let window = req.window.to_string();
    let mut staged = Staged {
        school: req.school.clone(),
        outcome: Outcome::default(),
        parts: Vec::new(),
        records: Vec::new(),
        bytes: HashMap::new(),
    };
    // Every file is read, hashed and checked on every core.
    let mut prepared = crate::par::map_within(req.files.iter().collect(), 1, |path| {
        let p = prepare(path, req.kind, req.sheet.as_deref(), &s.config.columns);
        bar.inc(1);
        p
    })
    .into_iter()
    .collect::<Result<Vec<_>, _>>()?;
    for p in &prepared {
        if let Some(sheet) = p
            .raw
            .sheet
            .as_ref()
            .filter(|i| !i.chosen && !i.others.is_empty())
        {
            messages.push(format!(
                "{}: read the first sheet `{}`; the workbook also has {} (choose one with `--sheet NAME`)",
                p.raw.name,
                sheet.name,
                crate::ingest::backticked(&sheet.others)
            ));
        }
    }
    prepared.sort_by_key(|p| p.kind);
    prepared.retain(|p| {
        let sheet = p.raw.sheet.as_ref().map(|i| i.name.as_str());
        let live =
            manifest.already_live(p.kind.as_str(), &req.school, &window, &p.raw.sha256, sheet);
        if live {
            let what = match sheet {
                Some(sheet) => format!("same SHA-256 and sheet `{sheet}`"),
                None => "same SHA-256".to_string(),
            };
            messages.push(format!(
                "{}: already ingested as {} for {} {} ({what}); nothing to do",
                p.raw.name, p.kind, req.school, window
            ));
            staged.outcome.files_skipped += 1;
        }
        !live
    });
    if prepared.is_empty() {
        return Ok(staged);
    }
    let sheet_of: HashMap<String, String> = prepared
        .iter()
        .filter_map(|p| Some((p.raw.sha256.clone(), p.raw.sheet.as_ref()?.name.clone())))
        .collect();

    // Each pupil's stage (SPEC 2.2, 10.1): from the pupils export of this
    // window, else the latest earlier one, updated by pupils in this ingest.
    // By SCN as a number: every stored or ingested pupil's SCN is 9 digits.
    let mut pupil_stage: Arc<HashMap<u64, u8>> = Arc::default();
    if let Some(f) = manifest.file_at_or_before("pupils", &req.school, &window) {
        let df = crate::store::read::read_data_file(root, f, Some(&["scn", "stage"]))?;
        for (scn, stage) in df
            .column("scn")?
            .str()?
            .iter()
            .zip(df.column("stage")?.str()?.iter())
        {
            if let (Some(scn), Some(stage)) = (
                scn.and_then(crate::rules::values::scn_number),
                stage.and_then(crate::rules::values::parse_stage),
            ) {
                Arc::make_mut(&mut pupil_stage).insert(scn, stage);
            }
        }
    }

    // Each kind in turn is parsed, given its stage groups and encoded, and
    // its rows let go before the next kind is parsed, so one kind's rows are
    // held at a time. Nothing is written until every kind has been read: a
    // bad file still stops it all, and the lines about each file are said
    // only once every file has been read.
    let mut lines = Vec::new();
    let mut replaces: HashMap<&'static str, (bool, BTreeSet<String>)> = HashMap::new();
    let mut reject_frames = Vec::new();
    let mut conflict_frames = Vec::new();
    let merge =
        |table: &'static str, new: Table, keep: &KeepOld<'_>, every_core: bool| -> MergeResult {
            let Some(merged) = merge_into(root, manifest, table, &req.school, &window, new, keep)?
            else {
                return Ok(None);
            };
            let encoded = match merged {
                m if encode && m.height() > 0 => {
                    Some(encode_table(table, &req.school, &window, &m, every_core)?)
                }
                _ => None,
            };
            Ok(Some((table, encoded)))
        };
    // A kind of at most OVERLAP_CELLS cells is merged with the rows the
    // store keeps and encoded on a thread of its own while the next kind is
    // parsed: the encoder keeps about one core busy, the parse every core.
    // One kind is encoded at a time, each joined before the next starts, so
    // the parts stay in kind order.
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let mut encoding: Option<std::thread::ScopedJoinHandle<'_, MergeResult>> = None;
        for kind in Kind::ALL {
            let files: Vec<&PreparedFile> = prepared.iter().filter(|p| p.kind == kind).collect();
            if files.is_empty() {
                continue;
            }
            let mut batch = KindBatch::new(kind, rules.codes()).with_pupil_stages(&pupil_stage);
            for f in &files {
                // The kind being encoded meanwhile fails first, as it would
                // have on its own.
                if let Err(e) = batch.add_file(f) {
                    join_encoding(&mut encoding, &mut staged)?;
                    return Err(e.into());
                }
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
            // The decoded text has been parsed; only the bytes (for the raw copy) stay.
            for p in prepared
                .iter_mut()
                .filter(|p| p.kind == kind && !p.raw.text_is_bytes)
            {
                p.raw.text = String::new();
            }
            if kind == Kind::Pupils {
                let pupil_stage = Arc::make_mut(&mut pupil_stage);
                for (scn, stage) in finished.scns.iter().zip(&finished.stages) {
                    match stage {
                        Some(st) => pupil_stage.insert(*scn, *st),
                        None => pupil_stage.remove(scn),
                    };
                }
            }
            let mut rows = finished.table;
            add_stage_groups(&mut rows, &finished.stages, &finished.scns, &pupil_stage);
            let mut p = Parsed {
                kind,
                files: files_meta,
                rows,
                stats,
                rejects,
                conflicts,
            };
            report_file_lines(&mut lines, &p);
            staged.outcome.rows_stored += p.stats.iter().map(|f| f.rows_stored).sum::<usize>();
            staged.outcome.rows_rejected += p.stats.iter().map(|f| f.rows_rejected).sum::<usize>();

            // What the kind replaces (SPEC 10.1): the stage groups of its new
            // rows, rejects and conflicts, or the whole partition.
            let group = |stage: Option<u8>, scn: Option<&str>| group_of(&pupil_stage, stage, scn);
            let reject_frame = rejects_frame(&p.rejects, &group)?;
            let conflict_frame = conflicts_frame(&p.conflicts, &group)?;
            let mut replaced: BTreeSet<String> = BTreeSet::new();
            // Every group made for the rows is some row's.
            for g in p
                .rows
                .text_codes("stage_group")
                .iter()
                .flat_map(|g| &g.texts)
            {
                replaced.insert(g.to_string());
            }
            for col in [&reject_frame, &conflict_frame] {
                for g in col.column("stage_group")?.str()?.iter().flatten() {
                    replaced.insert(g.to_string());
                }
            }
            replaces.insert(kind.as_str(), (kind.replaces_by_stage(), replaced));
            reject_frames.push(reject_frame);
            conflict_frames.push(conflict_frame);
            records_of(&p, &group, &sheet_of, &mut staged.records)?;

            let table = kind.as_str();
            let replaced = replaces.get(table).cloned();
            let pupil_stage = Arc::clone(&pupil_stage);
            let keep = move |_: Option<&str>, st: Option<&str>, scn: Option<&str>| {
                keeps_old_of(replaced.as_ref(), &pupil_stage, st, scn)
            };
            let rows = std::mem::take(&mut p.rows);
            join_encoding(&mut encoding, &mut staged)?;
            if crate::par::nested() && rows.height() * rows.columns().len() <= OVERLAP_CELLS {
                encoding = Some(scope.spawn(move || merge(table, rows, &keep, false)));
            } else {
                staged.parts.extend(merge(table, rows, &keep, true)?);
            }
        }
        join_encoding(&mut encoding, &mut staged)
    })?;
    messages.append(&mut lines);

    // Rejects and conflicts of every kind share a partition: the old rows of
    // the kinds not ingested stay, the new rows of every kind are added.
    let keep_any = |kind: Option<&str>, st: Option<&str>, scn: Option<&str>| {
        kind.is_none_or(|k| keeps_old(&replaces, &pupil_stage, k, st, scn))
    };
    for (table, frames) in [("rejects", reject_frames), ("conflicts", conflict_frames)] {
        let all = frames.into_iter().reduce(|mut a, b| {
            a.vstack_mut_owned(b).expect("the frames share one layout");
            a
        });
        if let Some(all) = all {
            staged
                .parts
                .extend(merge(table, all.into(), &keep_any, true)?);
        }
    }
    for f in prepared {
        // A workbook's copy keeps its format's extension: it is not CSV.
        let ext = if f.raw.sheet.is_some() {
            f.raw.encoding
        } else {
            "csv"
        };
        let sha256 = f.raw.sha256.clone();
        staged
            .bytes
            .entry(sha256)
            .or_insert_with(|| (f.raw.into_bytes(), ext));
    }
    Ok(staged)
}

/// The most cells a kind's rows may have to be encoded while the next kind
/// is parsed (on one core, beside the parse). A larger kind is encoded on
/// its own, on every core, so that two large kinds are never held at once.
/// When cells were 16-byte string views, overlapping every kind measured
/// 0.94x at 300,000 pupils but peaked at 1,140 MiB; now that they are
/// 4-byte codes, overlapping every kind (32 Mi cells) measured 1.01x.
const OVERLAP_CELLS: usize = 8 << 20;

/// A kind's partition, merged and encoded (None: nothing to write).
type MergeResult = anyhow::Result<Option<(&'static str, Option<Encoded>)>>;

/// Wait for the kind being merged and encoded, if any, and add its part.
fn join_encoding(
    encoding: &mut Option<std::thread::ScopedJoinHandle<'_, MergeResult>>,
    staged: &mut Staged,
) -> anyhow::Result<()> {
    if let Some(job) = encoding.take() {
        let done = job.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        staged.parts.extend(done?);
    }
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
