//! A kind's parsed rows as one ingest holds them: the lines said about
//! each file and the manifest record of each.

use std::collections::{BTreeSet, HashMap};

use polars::prelude::*;

use super::Kind;
use super::parts::Reject;
use super::rows::{Conflict, FileStats};
use crate::store::table::Table;

/// An ingested file's manifest record, before its raw copy has a path.
pub(super) struct Record {
    pub(super) kind: Kind,
    pub(super) source: String,
    pub(super) sha256: String,
    pub(super) sheet: Option<String>,
    pub(super) rows_stored: usize,
    pub(super) rows_rejected: usize,
    pub(super) stages: Vec<String>,
}

/// One kind's rows, parsed, checked and given their stage groups.
pub(super) struct Parsed {
    pub(super) kind: Kind,
    /// (file name, SHA-256, unknown columns) per file, in ingest order.
    pub(super) files: Vec<(String, String, Vec<String>)>,
    /// Its rows, with their `stage_group` column.
    pub(super) rows: Table,
    pub(super) stats: Vec<FileStats>,
    pub(super) rejects: Vec<Reject>,
    pub(super) conflicts: Vec<Conflict>,
}

/// The manifest record of each file of a parsed kind.
pub(super) fn records_of(
    p: &Parsed,
    group: &dyn Fn(Option<u8>, Option<&str>) -> String,
    sheet_of: &HashMap<String, String>,
    records: &mut Vec<Record>,
) -> PolarsResult<()> {
    let by_stage = p.kind.replaces_by_stage();
    let codes = |name: &str| {
        p.rows.text_codes(name).ok_or_else(
            || polars_err!(ColumnNotFound: "the parsed rows have no `{name}` column as codes"),
        )
    };
    let (src, grp) = (codes("source")?, codes("stage_group")?);
    // Each (file, group) pair that rows hold: rows come in runs of one file
    // and group, so each run is looked at once.
    let mut pairs: BTreeSet<(u32, u32)> = BTreeSet::new();
    let mut last = None;
    for pair in src.keys.iter().zip(&grp.keys) {
        if last != Some(pair) {
            last = Some(pair);
            pairs.insert((*pair.0, *pair.1));
        }
    }
    for ((name, sha, _), stats) in p.files.iter().zip(&p.stats) {
        let stored: BTreeSet<&str> = pairs
            .iter()
            .filter(|(f, _)| src.text(*f) == Some(name.as_str()))
            .filter_map(|(_, g)| grp.text(*g))
            .collect();
        let mut stages: BTreeSet<String> = stored.into_iter().map(str::to_string).collect();
        for r in p.rejects.iter().filter(|r| &r.source == name) {
            stages.insert(group(r.stage, r.scn.as_deref()));
        }
        records.push(Record {
            kind: p.kind,
            source: name.clone(),
            sha256: sha.clone(),
            sheet: sheet_of.get(sha).cloned(),
            rows_stored: stats.rows_stored,
            rows_rejected: stats.rows_rejected,
            stages: if by_stage {
                stages.into_iter().collect()
            } else {
                Vec::new()
            },
        });
    }
    Ok(())
}

pub(super) fn report_file_lines(messages: &mut Vec<String>, p: &Parsed) {
    for ((name, _, unknown), st) in p.files.iter().zip(&p.stats) {
        let mut line = format!(
            "{name}: {}, {} rows stored, {} rejected",
            p.kind, st.rows_stored, st.rows_rejected
        );
        if st.rows_not_agreed > 0 {
            line.push_str(&format!(
                ", {} ignored (no agreed lead)",
                st.rows_not_agreed
            ));
        }
        let warnings: usize = st.warnings.values().sum();
        if warnings > 0 {
            let parts: Vec<String> = st
                .warnings
                .iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect();
            line.push_str(&format!(", warnings: {}", parts.join(", ")));
        }
        messages.push(line);
        if !unknown.is_empty() {
            messages.push(format!(
                "{name}: ignored unknown columns: {}",
                crate::ingest::backticked(unknown)
            ));
        }
        let mine: Vec<&Reject> = p.rejects.iter().filter(|r| &r.source == name).collect();
        for r in mine.iter().take(10) {
            messages.push(format!(
                "{name}:{}: rejected: {} ({})",
                r.line, r.reason, r.detail
            ));
        }
        if mine.len() > 10 {
            messages.push(format!(
                "{name}: ... and {} more rejected rows (see `tracker qa`)",
                mine.len() - 10
            ));
        }
    }
}
