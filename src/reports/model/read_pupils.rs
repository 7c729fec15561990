//! Reading a window's pupils table: every pupil with its context values
//! when a report needs them, or only each pupil's stage and band; and
//! keeping one pupil's rows of a stored table.

use super::cells::{PUPIL_COLS, PupilCells};
use super::columns::Columns;
use super::pupils::Contexts;
use super::{Need, Pupil, Pupils, Text};
use crate::rules::Ctx;
use crate::rules::values::{self, parse_bool, parse_number, parse_stage};
use crate::rules::verdict::PupilContext;
use crate::rules::window::Window;
use crate::store::read::{Part, Snapshot};

use polars::prelude::*;

/// The pupils table for a window: that window's, else the latest earlier
/// one; its text columns as codes, unless it is for one pupil's rows.
pub(super) fn pupils_part(
    snap: &Snapshot,
    school: &str,
    window: Window,
    columns: &[&str],
    only: Option<&str>,
) -> anyhow::Result<Option<Part>> {
    let Some(f) = snap
        .manifest
        .file_at_or_before("pupils", school, &window.to_string())
    else {
        return Ok(None);
    };
    let root = &snap.store.root;
    Ok(Some(match only {
        None => crate::store::read::read_data_file_coded(root, f, columns)?,
        Some(_) => {
            let df = crate::store::read::read_data_file(root, f, Some(columns))?;
            Part::of_frame(only_rows(df, only)?)
        }
    }))
}

/// The pupil columns a verdict reads when the report needs no more.
pub(super) const CONTEXT_COLS: &[&str] = &["scn", "stage", "cat_sas", "pathway_band"];

pub(super) fn load_pupils(ctx: &Ctx, part: &Part, need: Need) -> anyhow::Result<Pupils> {
    let c = Columns::of_part(part, PUPIL_COLS)?;
    let h = PupilCells {
        cols: PUPIL_COLS.iter().map(|n| c.column(n)).collect(),
    };
    // Each pupil is read on its own, so a large school's are read on every
    // core; they are then added in file order, so a later row still wins.
    let one = |i: usize| {
        let cell = |col: &'static str| h.get(col, i);
        let scn = cell("scn").unwrap_or_default();
        let owned = |col: &'static str| cell(col).map(Text::from);
        // Invalid booleans are unknown (10.3); `invalid` says which and why.
        let flag = |col: &'static str| parse_bool(cell(col).unwrap_or("")).ok();
        Pupil {
            scn: scn.into(),
            forename: owned("forename"),
            surname: owned("surname"),
            stage: cell("stage").and_then(parse_stage),
            reg_class: owned("reg_class"),
            house: owned("house"),
            gender: owned("gender"),
            simd_quintile: values::simd_quintile(cell("simd_quintile"), cell("simd_decile")),
            fsm: flag("fsm"),
            asn: flag("asn"),
            care_experienced: flag("care_experienced"),
            young_carer: flag("young_carer"),
            eal: flag("eal"),
            attendance: cell("attendance")
                .and_then(parse_number)
                .filter(|a| (0.0..=100.0).contains(a)),
            band: ctx
                .pathway
                .band_index(cell("pathway_band"), cell("cat_sas")),
            invalid: if need.invalid {
                ctx.codes().pupil_cells(cell)
            } else {
                Vec::new()
            },
        }
    };
    // A row with no SCN is no pupil's.
    let rows = (0..c.height()).filter(|&i| c.get("scn", i).is_some());
    Ok(Pupils::of(crate::par::map_within(
        rows.collect(),
        4096,
        one,
    )))
}

/// The stage and band of each pupil of the pupils rows `part` (of
/// [`CONTEXT_COLS`]), found on every core.
pub(super) fn contexts(ctx: &Ctx, part: &Part) -> anyhow::Result<Contexts> {
    let c = Columns::of_part(part, CONTEXT_COLS)?;
    let rows = (0..c.height()).filter(|&i| c.get("scn", i).is_some());
    let rows = crate::par::map_within(rows.collect(), 4096, |i| {
        let context = PupilContext {
            stage: c.get("stage", i).and_then(parse_stage),
            band: ctx
                .pathway
                .band_index(c.get("pathway_band", i), c.get("cat_sas", i)),
        };
        (c.get("scn", i).unwrap_or_default(), context)
    });
    Ok(Contexts::of(rows))
}

/// The rows of one pupil (`only`), or every row: polars filters each frame
/// as it is read, before any row is judged, so `tracker pupil SCN` judges
/// that pupil's rows and no others.
pub(super) fn only_rows(df: DataFrame, only: Option<&str>) -> PolarsResult<DataFrame> {
    match only {
        None => Ok(df),
        Some(scn) => df.lazy().filter(col("scn").eq(lit(scn))).collect(),
    }
}
