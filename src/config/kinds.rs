//! The QA finding kinds (SPEC 8, 10.15), named once: the config's
//! `[qa.severity]` deserialises them, `qa` reports them.
//!
//! They live beside the config, not in `reports`, so the config can name
//! them without importing a report (and the rules can too).

use serde::Deserialize;

use super::Severity;

/// Every QA finding kind, in the order of SPEC 8 (plus rejected rows, 10.15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QaKind {
    InvalidLevel,
    InvalidGrade,
    InvalidRating,
    InvalidValue,
    MissingEntry,
    NoPathwayBand,
    NoTarget,
    TargetLowered,
    LevelRegressed,
    CommentTooLong,
    UnmappedSubject,
    UnknownPupil,
    DuplicateConflict,
    MissingStaff,
    NoIntervention,
    RejectedRow,
}

impl QaKind {
    /// Every kind, in report order.
    pub const ALL: [QaKind; 16] = [
        QaKind::InvalidLevel,
        QaKind::InvalidGrade,
        QaKind::InvalidRating,
        QaKind::InvalidValue,
        QaKind::MissingEntry,
        QaKind::NoPathwayBand,
        QaKind::NoTarget,
        QaKind::TargetLowered,
        QaKind::LevelRegressed,
        QaKind::CommentTooLong,
        QaKind::UnmappedSubject,
        QaKind::UnknownPupil,
        QaKind::DuplicateConflict,
        QaKind::MissingStaff,
        QaKind::NoIntervention,
        QaKind::RejectedRow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QaKind::InvalidLevel => "invalid_level",
            QaKind::InvalidGrade => "invalid_grade",
            QaKind::InvalidRating => "invalid_rating",
            QaKind::InvalidValue => "invalid_value",
            QaKind::MissingEntry => "missing_entry",
            QaKind::NoPathwayBand => "no_pathway_band",
            QaKind::NoTarget => "no_target",
            QaKind::TargetLowered => "target_lowered",
            QaKind::LevelRegressed => "level_regressed",
            QaKind::CommentTooLong => "comment_too_long",
            QaKind::UnmappedSubject => "unmapped_subject",
            QaKind::UnknownPupil => "unknown_pupil",
            QaKind::DuplicateConflict => "duplicate_conflict",
            QaKind::MissingStaff => "missing_staff",
            QaKind::NoIntervention => "no_intervention",
            QaKind::RejectedRow => "rejected_row",
        }
    }

    /// SPEC 10.15: the severity of a kind before `[qa.severity]`.
    pub fn default_severity(self) -> Severity {
        match self {
            QaKind::InvalidLevel
            | QaKind::InvalidGrade
            | QaKind::MissingEntry
            | QaKind::RejectedRow => Severity::Error,
            QaKind::LevelRegressed => Severity::Info,
            _ => Severity::Warning,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_named_as_the_spec_names_them_and_in_its_order() {
        let names: Vec<&str> = QaKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
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
            ]
        );
        let mut sorted = QaKind::ALL;
        sorted.sort();
        assert_eq!(sorted, QaKind::ALL, "the derived order is the report order");
    }

    #[test]
    fn default_severities_follow_spec_10_15() {
        let cases: &[(QaKind, Severity)] = &[
            (QaKind::InvalidLevel, Severity::Error),
            (QaKind::InvalidGrade, Severity::Error),
            (QaKind::MissingEntry, Severity::Error),
            (QaKind::RejectedRow, Severity::Error),
            (QaKind::InvalidRating, Severity::Warning),
            (QaKind::NoIntervention, Severity::Warning),
            (QaKind::UnknownPupil, Severity::Warning),
            (QaKind::LevelRegressed, Severity::Info),
        ];
        for (kind, want) in cases {
            assert_eq!(kind.default_severity(), *want, "{kind:?}");
        }
    }

    #[test]
    fn a_kind_deserialises_from_its_name() {
        #[derive(Deserialize)]
        struct T {
            k: QaKind,
        }
        for kind in QaKind::ALL {
            let t: T = toml::from_str(&format!("k = \"{}\"", kind.as_str())).unwrap();
            assert_eq!(t.k, kind);
        }
        assert!(toml::from_str::<T>("k = \"no_such_kind\"").is_err());
    }
}
