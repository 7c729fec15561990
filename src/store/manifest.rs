//! The manifest: the store's single commit point and its history.
//!
//! Readers find data only through it; a file it does not name does not exist
//! as far as any report is concerned.

use serde::{Deserialize, Serialize};

/// One ingested source file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IngestRecord {
    pub kind: String,
    pub school: String,
    pub window: String,
    /// The file name as given (no directories: they can name people).
    pub source: String,
    pub sha256: String,
    /// For a workbook, the sheet read: another sheet of the same file is
    /// another export. Absent for CSV (and in manifests before workbooks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// Store-relative path of the byte-exact copy.
    pub raw: String,
    pub bytes: u64,
    pub rows_stored: usize,
    pub rows_rejected: usize,
    /// Stage groups the file held (`S1`.., `unknown`): what it replaced.
    pub stages: Vec<String>,
    pub ingested_at: String,
}

/// One live data file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DataFile {
    /// `pupils`, `bge`, `senior`, `overrides`, `interventions`, `rejects`, `conflicts`.
    pub table: String,
    pub school: String,
    pub window: String,
    /// Store-relative path.
    pub path: String,
    pub rows: usize,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Manifest {
    pub format: u32,
    /// Incremented by every commit.
    pub generation: u64,
    pub ingests: Vec<IngestRecord>,
    pub files: Vec<DataFile>,
}

pub const FORMAT: u32 = 1;
pub const FILE_NAME: &str = "manifest.json";

impl Manifest {
    pub fn empty() -> Manifest {
        Manifest {
            format: FORMAT,
            ..Manifest::default()
        }
    }

    /// The live file of a table partition, if any.
    pub fn file(&self, table: &str, school: &str, window: &str) -> Option<&DataFile> {
        self.files
            .iter()
            .find(|f| f.table == table && f.school == school && f.window == window)
    }

    /// The live file of a table for a school in `window`, else in the latest
    /// earlier window that has one: the pupils context a window uses when the
    /// school did not re-export it.
    pub fn file_at_or_before(&self, table: &str, school: &str, window: &str) -> Option<&DataFile> {
        use crate::rules::window::Window;
        let limit = Window::parse_any(window)?;
        self.files
            .iter()
            .filter(|f| f.table == table && f.school == school)
            .filter_map(|f| Some((Window::parse_any(&f.window)?, f)))
            .filter(|(w, _)| *w <= limit)
            .max_by_key(|(w, _)| *w)
            .map(|(_, f)| f)
    }

    /// Every store-relative path the manifest names: its partition files
    /// and raw copies. Anything else under the table and raw directories is
    /// a leftover.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files
            .iter()
            .map(|f| f.path.as_str())
            .chain(self.ingests.iter().map(|r| r.raw.as_str()))
    }

    /// SPEC 10.1/10.16: a file whose SHA-256 is already recorded for the
    /// same kind, school and window (and, for a workbook, sheet) is a no-op.
    pub fn already_live(
        &self,
        kind: &str,
        school: &str,
        window: &str,
        sha256: &str,
        sheet: Option<&str>,
    ) -> bool {
        self.ingests.iter().any(|r| {
            r.kind == kind
                && r.school == school
                && r.window == window
                && r.sha256 == sha256
                && r.sheet.as_deref() == sheet
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(kind: &str, sha: &str, stages: &[&str]) -> IngestRecord {
        IngestRecord {
            kind: kind.into(),
            school: "EHS".into(),
            window: "2025-26/1".into(),
            source: "f.csv".into(),
            sha256: sha.into(),
            sheet: None,
            raw: String::new(),
            bytes: 0,
            rows_stored: 0,
            rows_rejected: 0,
            stages: stages.iter().map(|s| s.to_string()).collect(),
            ingested_at: String::new(),
        }
    }

    #[test]
    fn a_recorded_file_is_a_no_op_for_its_kind_school_and_window() {
        let mut m = Manifest::empty();
        m.ingests.push(rec("bge", "a", &["S1", "S2"]));
        assert!(m.already_live("bge", "EHS", "2025-26/1", "a", None));
        assert!(!m.already_live("senior", "EHS", "2025-26/1", "a", None));
        assert!(!m.already_live("bge", "WHS", "2025-26/1", "a", None));
        assert!(!m.already_live("bge", "EHS", "2025-26/2", "a", None));
        m.ingests.push(rec("bge", "c", &["S2"]));
        assert!(
            m.already_live("bge", "EHS", "2025-26/1", "a", None),
            "even after a later file"
        );
        assert!(!m.already_live("bge", "EHS", "2025-26/1", "a", Some("S2")));
    }
}
