//! The partitions an ingest writes: each row's stage group, its rejects
//! and conflicts as frames, and each table's new rows merged with the old
//! rows a re-ingest keeps (SPEC 10.1).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use polars::prelude::*;

use super::parts::Reject;
use super::rows::Conflict;
use crate::rules::replace::{keeps_old_row, stage_group};
use crate::store::table::{Interner, Table, TableColumn, TextCodes};

pub(super) fn rejects_frame(
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

pub(super) fn conflicts_frame(
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

/// Whether to keep an old row, from its (kind, stage group, SCN).
pub(super) type KeepOld<'a> = dyn Fn(Option<&str>, Option<&str>, Option<&str>) -> bool + 'a;

/// The old rows of a partition that `keep_old` keeps, plus `new`: what the
/// partition will hold, or None when it neither holds nor gains rows.
pub(super) fn merge_into(
    root: &Path,
    manifest: &crate::store::Manifest,
    table: &str,
    school: &str,
    window: &str,
    new: Table,
    keep_old: &KeepOld<'_>,
) -> anyhow::Result<Option<Table>> {
    let keep = |keys: &DataFrame| -> PolarsResult<BooleanChunked> {
        let kinds = keys.column("kind").ok().map(|c| c.str()).transpose()?;
        let groups = keys.column("stage_group")?.str()?;
        let scns = keys.column("scn")?.str()?;
        Ok(groups
            .iter()
            .zip(scns.iter())
            .enumerate()
            .map(|(i, (g, scn))| keep_old(kinds.and_then(|k| k.get(i)), g, scn))
            .collect())
    };
    let kept = manifest
        .file(table, school, window)
        .map(|f| {
            crate::store::read::read_data_file_kept(root, f, &["kind", "stage_group", "scn"], keep)
        })
        .transpose()?;
    let merged = match kept {
        Some(mut kept) => {
            if new.height() > 0 {
                kept.vstack_mut_owned(new.to_frame()).map_err(|e| {
                    anyhow::anyhow!(e)
                        .context(format!("the stored `{table}` table has another layout"))
                })?;
            }
            Table::from(kept)
        }
        None if new.height() == 0 => return Ok(None),
        None => new,
    };
    Ok(Some(merged))
}

/// The stage group of a row (SPEC 10.1) from its own stage, else its pupil's.
pub(super) fn group_of(
    pupil_stage: &HashMap<u64, u8>,
    stage: Option<u8>,
    scn: Option<&str>,
) -> String {
    stage_group(
        stage,
        scn.and_then(crate::rules::values::scn_number)
            .and_then(|k| pupil_stage.get(&k).copied()),
    )
}

/// Whether a stored row of `kind` stays beside what this ingest brings.
pub(super) fn keeps_old(
    replaces: &HashMap<&'static str, (bool, BTreeSet<String>)>,
    pupil_stage: &HashMap<u64, u8>,
    kind: &str,
    stage: Option<&str>,
    scn: Option<&str>,
) -> bool {
    keeps_old_of(replaces.get(kind), pupil_stage, stage, scn)
}

/// [`keeps_old`] given what the row's kind replaces: none, or whether it
/// replaces by stage group and which groups.
pub(super) fn keeps_old_of(
    replaces: Option<&(bool, BTreeSet<String>)>,
    pupil_stage: &HashMap<u64, u8>,
    stage: Option<&str>,
    scn: Option<&str>,
) -> bool {
    match replaces {
        None => true,
        Some((by_stage, replaced)) => keeps_old_row(*by_stage, replaced, stage, || {
            group_of(pupil_stage, None, scn)
        }),
    }
}

/// Add each row's `stage_group` column to a kind's parsed rows, from each
/// row's stage and SCN (as a number).
pub(super) fn add_stage_groups(
    rows: &mut Table,
    stages: &[Option<u8>],
    scns: &[u64],
    pupil_stage: &HashMap<u64, u8>,
) {
    // A row's group follows from its stage, else its pupil's: a handful of
    // texts, each made once, found by stage (256 for none).
    let mut codes = vec![TextCodes::NULL; 257];
    let mut groups = Interner::default();
    let keys = stages
        .iter()
        .zip(scns)
        .map(|(st, scn)| {
            // The pupil's stage counts only for a row with none of its own.
            let stage = st.or_else(|| pupil_stage.get(scn).copied());
            let code = &mut codes[stage.map_or(256, usize::from)];
            if *code == TextCodes::NULL {
                *code = groups.code(&stage_group(stage, None));
            }
            *code
        })
        .collect();
    groups.column.keys = keys;
    rows.push(TableColumn::Texts("stage_group".into(), groups.column));
}
