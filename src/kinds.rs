//! The five export kinds of SPEC 2 and the columns each one stores.

use std::fmt;

/// A kind of SEEMiS export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Kind {
    Pupils,
    Bge,
    Senior,
    Overrides,
    Interventions,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Pupils,
        Kind::Bge,
        Kind::Senior,
        Kind::Overrides,
        Kind::Interventions,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Pupils => "pupils",
            Kind::Bge => "bge",
            Kind::Senior => "senior",
            Kind::Overrides => "overrides",
            Kind::Interventions => "interventions",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The columns stored for this kind, in store order. Each is a canonical
    /// name of `[columns]` in the config.
    pub fn columns(self) -> &'static [ColumnSpec] {
        match self {
            Kind::Pupils => PUPILS,
            Kind::Bge => BGE,
            Kind::Senior => SENIOR,
            Kind::Overrides => OVERRIDES,
            Kind::Interventions => INTERVENTIONS,
        }
    }

    /// Whether rows are keyed by (SCN, Subject), so a later duplicate wins.
    pub fn has_subject_key(self) -> bool {
        matches!(self, Kind::Bge | Kind::Senior)
    }

    /// Whether re-ingesting replaces by stage (SPEC 10.1) rather than wholesale.
    pub fn replaces_by_stage(self) -> bool {
        matches!(self, Kind::Pupils | Kind::Bge | Kind::Senior)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One column a kind reads.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    /// Canonical name, as stored and as keyed in `[columns]`.
    pub name: &'static str,
    /// The header shown in messages.
    pub display: &'static str,
    pub required: bool,
    /// Built-in header spellings (SPEC 2), besides `display`.
    pub aliases: &'static [&'static str],
}

const fn col(
    name: &'static str,
    display: &'static str,
    required: bool,
    aliases: &'static [&'static str],
) -> ColumnSpec {
    ColumnSpec {
        name,
        display,
        required,
        aliases,
    }
}

const SCN: ColumnSpec = col(
    "scn",
    "SCN",
    true,
    &["Scottish Candidate Number", "Candidate Number", "Pupil ID"],
);
const FORENAME: ColumnSpec = col(
    "forename",
    "Forename",
    false,
    &["First Name", "Forenames", "Preferred Forename"],
);
const SURNAME: ColumnSpec = col(
    "surname",
    "Surname",
    false,
    &["Last Name", "Legal Surname", "Preferred Surname"],
);
const STAGE: ColumnSpec = col(
    "stage",
    "Stage",
    false,
    &["Year", "Year Group", "Stage Code"],
);
const CLASS: ColumnSpec = col("class", "Class", false, &["Class Code"]);
const TEACHER: ColumnSpec = col("teacher", "Teacher", false, &["Class Teacher"]);
const EFFORT: ColumnSpec = col("effort", "Effort", false, &[]);
const BEHAVIOUR: ColumnSpec = col("behaviour", "Behaviour", false, &[]);
const HOMEWORK: ColumnSpec = col("homework", "Homework", false, &[]);
const COMMENT: ColumnSpec = col("comment", "Comment", false, &["Report Comment"]);

const PUPILS: &[ColumnSpec] = &[
    SCN,
    FORENAME,
    SURNAME,
    col(
        "stage",
        "Stage",
        true,
        &["Year", "Year Group", "Stage Code"],
    ),
    col(
        "reg_class",
        "Reg Class",
        false,
        &["Registration Class", "Reg Group", "Form"],
    ),
    col("house", "House", false, &[]),
    col("gender", "Gender", false, &["Sex"]),
    col("simd_decile", "SIMD Decile", false, &["SIMD 2020 Decile"]),
    col("simd_quintile", "SIMD Quintile", false, &[]),
    col("fsm", "FSM", false, &["Free School Meals"]),
    col("asn", "ASN", false, &["Additional Support Needs"]),
    col(
        "care_experienced",
        "Care Experienced",
        false,
        &["CEYP", "LAC", "Looked After"],
    ),
    col("young_carer", "Young Carer", false, &[]),
    col("eal", "EAL", false, &["English as an Additional Language"]),
    col(
        "attendance",
        "Attendance",
        false,
        &["Attendance %", "Attendance Percentage"],
    ),
    col(
        "cat_sas",
        "CAT Mean SAS",
        false,
        &["Mean SAS", "CAT4 Mean SAS"],
    ),
    col(
        "pathway_band",
        "Pathway Band",
        false,
        &["Predicted Band", "Predicted S4"],
    ),
];

const BGE: &[ColumnSpec] = &[
    SCN,
    col("subject", "Subject", true, &["Subject Name", "Course"]),
    col(
        "level",
        "Level",
        true,
        &["CfE Level", "Working Level", "Level Code", "Progress"],
    ),
    col(
        "progress_code",
        "Progress Code",
        false,
        &["Progress Letter"],
    ),
    STAGE,
    FORENAME,
    SURNAME,
    CLASS,
    TEACHER,
    EFFORT,
    BEHAVIOUR,
    HOMEWORK,
    COMMENT,
];

const SENIOR: &[ColumnSpec] = &[
    SCN,
    col("subject", "Subject", true, &["Course", "Course Title"]),
    col(
        "course_level",
        "Course Level",
        true,
        &["Level", "Qualification Level", "SCQF Level"],
    ),
    col(
        "working_grade",
        "Working Grade",
        true,
        &["Working", "Current Grade", "WG"],
    ),
    col("target_grade", "Target Grade", false, &["Target", "TG"]),
    STAGE,
    FORENAME,
    SURNAME,
    CLASS,
    TEACHER,
    EFFORT,
    BEHAVIOUR,
    HOMEWORK,
    COMMENT,
];

const OVERRIDES: &[ColumnSpec] = &[
    SCN,
    col("lead_role", "Lead Role", true, &[]),
    col("lead_name", "Lead Name", false, &[]),
    col("reason", "Reason", false, &[]),
];

const INTERVENTIONS: &[ColumnSpec] = &[
    SCN,
    col(
        "intervention",
        "Intervention",
        true,
        &["Intervention Type", "Support"],
    ),
    col("subject", "Subject", false, &[]),
    col("date", "Date", false, &[]),
    col("staff", "Staff", false, &["Recorded By"]),
    col("notes", "Notes", false, &[]),
];
