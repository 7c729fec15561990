//! `tracker qa`: completeness and anomalies for faculty leaders (SPEC 8).

use crate::config::Severity;

/// Every QA finding kind, in the order of SPEC 8 (plus rejected rows, 10.15).
pub const KINDS: &[&str] = &[
    "invalid_level",
    "invalid_grade",
    "invalid_rating",
    "invalid_value",
    "missing_entry",
    "no_pathway_band",
    "no_target",
    "target_lowered",
    "level_regressed",
    "comment_too_long",
    "unmapped_subject",
    "unknown_pupil",
    "duplicate_conflict",
    "missing_staff",
    "no_intervention",
    "rejected_row",
];

/// SPEC 10.15: the severity of a kind before `[qa.severity]`.
pub fn default_severity(kind: &str) -> Severity {
    match kind {
        "invalid_level" | "invalid_grade" | "missing_entry" | "rejected_row" => Severity::Error,
        "level_regressed" => Severity::Info,
        _ => Severity::Warning,
    }
}
