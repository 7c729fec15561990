//! What a re-ingest replaces (SPEC 10.1): a kind replaced by stage replaces
//! the stored rows of the stage groups its new files hold, and no others;
//! `overrides` and `interventions` replace the whole partition.

use std::collections::BTreeSet;

use super::values::stage_label;

/// The group of a row with no stage of its own and no pupil that knows one.
pub const UNKNOWN: &str = "unknown";

/// The stage group of a row: its own stage, else its pupil's stored stage,
/// else `unknown`, a group of its own.
pub fn stage_group(own: Option<u8>, pupil: Option<u8>) -> String {
    own.or(pupil)
        .map_or_else(|| UNKNOWN.to_string(), stage_label)
}

/// Whether an old stored row stays when its kind is ingested again.
/// `replaced` holds the stage groups of the new rows; `stored` is the group
/// the old row was stored under. An old row stored as `unknown` belongs to
/// its pupil's stage once the pupils export knows it (`regroup`), so a
/// corrected export replaces it instead of standing beside it.
pub fn keeps_old_row(
    by_stage: bool,
    replaced: &BTreeSet<String>,
    stored: Option<&str>,
    regroup: impl FnOnce() -> String,
) -> bool {
    if !by_stage {
        return false;
    }
    let group = match stored {
        Some(UNKNOWN) => regroup(),
        other => other.unwrap_or(UNKNOWN).to_string(),
    };
    !replaced.contains(&group)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_takes_its_own_stage_else_its_pupils() {
        let cases: &[(Option<u8>, Option<u8>, &str)] = &[
            (Some(3), Some(2), "S3"),
            (None, Some(2), "S2"),
            (Some(1), None, "S1"),
            (None, None, "unknown"),
        ];
        for (own, pupil, want) in cases {
            assert_eq!(stage_group(*own, *pupil), *want, "{own:?} {pupil:?}");
        }
    }

    #[test]
    fn only_the_stage_groups_of_the_new_files_are_replaced() {
        let new: BTreeSet<String> = ["S3".to_string()].into();
        // (by stage, stored group, the pupil's stage group now) -> kept
        let cases: &[(bool, Option<&str>, &str, bool)] = &[
            (true, Some("S1"), "S1", true),
            (true, Some("S3"), "S3", false),
            // Stored before the pupil's stage was known: S3 now, replaced.
            (true, Some("unknown"), "S3", false),
            (true, Some("unknown"), "unknown", true),
            (true, None, "unknown", true),
            // Overrides and interventions replace the whole partition.
            (false, Some("S1"), "S1", false),
        ];
        for (by_stage, stored, now, want) in cases {
            let kept = keeps_old_row(*by_stage, &new, *stored, || now.to_string());
            assert_eq!(kept, *want, "{by_stage} {stored:?} {now}");
        }
    }
}
