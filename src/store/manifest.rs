//! The manifest: the store's single commit point and its history.
//!
//! Readers find data only through it; a file it does not name does not exist
//! as far as any report is concerned.
//!
//! Format 2 keeps each school's records in a segment file of its own
//! (`manifest.d/<school>.<generation>.<digest>.json`), named with its SHA-256 by
//! `manifest.json`, so the commit point stays one small file while an
//! ingest reads and writes only its own schools' records: with one file
//! for every school, an authority's nightly loop of one ingest per school
//! read and rewrote every school's history each time, and grew with the
//! square of its schools. A segment is written under a fresh name before
//! the commit point and never changed, like the data files.

use std::collections::BTreeSet;

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

/// Where one school's records are kept: `manifest.json` names a file per
/// school (format 2), so an ingest reads and rewrites only its own schools'
/// records and the short list of every school, not every school's history.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SegmentRef {
    pub school: String,
    /// Store-relative path of the school's segment file.
    pub path: String,
    /// SHA-256 of that file, checked whenever it is read.
    pub sha256: String,
}

/// One school's records, as its segment file holds them.
#[derive(Debug, Serialize, Deserialize)]
pub struct Segment {
    pub school: String,
    pub ingests: Vec<IngestRecord>,
    pub files: Vec<DataFile>,
}

/// `manifest.json` as it is on disk, of either format: format 1 holds every
/// record itself; format 2 names a segment per school.
#[derive(Debug, Serialize, Deserialize)]
pub struct OnDisk {
    pub format: u32,
    pub generation: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingests: Vec<IngestRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<DataFile>,
    #[serde(default)]
    pub schools: Vec<SegmentRef>,
}

/// The manifest as read: its records, of every school or of the schools an
/// ingest asked for (see [`Manifest::loaded`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Manifest {
    /// Incremented by every commit.
    pub generation: u64,
    pub ingests: Vec<IngestRecord>,
    pub files: Vec<DataFile>,
    /// Every school's segment, as `manifest.json` names them (empty in
    /// format 1).
    pub segments: Vec<SegmentRef>,
    /// The schools whose records were read, when not every school's were:
    /// `ingests` and `files` hold theirs only.
    pub loaded: Option<BTreeSet<String>>,
}

/// Written by every commit.
pub const FORMAT: u32 = 2;
/// The format before segments, still read.
pub const FORMAT_WHOLE: u32 = 1;
pub const FILE_NAME: &str = "manifest.json";
/// Where the segments are kept, beside `manifest.json`.
pub const SEGMENT_DIR: &str = "manifest.d";

impl Manifest {
    pub fn empty() -> Manifest {
        Manifest::default()
    }

    /// Whether every school's records were read.
    pub fn whole(&self) -> bool {
        self.loaded.is_none()
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
            .chain(self.segments.iter().map(|s| s.path.as_str()))
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

/// Store-relative path of a school's segment written at `generation`,
/// with SHA-256 `sha256`. The digest's start keeps the names of two
/// schools whose codes differ only in case apart on a file system that
/// ignores case, as it does for their data files.
pub fn segment_path(school: &str, generation: u64, sha256: &str) -> String {
    let digest = sha256.get(..12).unwrap_or(sha256);
    format!("{SEGMENT_DIR}/{school}.{generation:06}.{digest}.json")
}

/// `manifest.json` in format 2, naming `schools`' segments.
pub fn top_bytes(generation: u64, schools: &[SegmentRef]) -> Vec<u8> {
    #[derive(Serialize)]
    struct Top<'a> {
        format: u32,
        generation: u64,
        schools: &'a [SegmentRef],
    }
    let top = Top {
        format: FORMAT,
        generation,
        schools,
    };
    serde_json::to_vec_pretty(&top).expect("manifest serialises")
}

/// A segment file to write: its store-relative path and bytes.
pub struct NewSegment {
    pub path: String,
    pub bytes: Vec<u8>,
}

impl Manifest {
    /// Make this manifest's files for a commit at its generation: the
    /// segment of every school whose records are loaded and differ from the
    /// segment `manifest.json` names for it now, and `manifest.json` itself
    /// (returned first). The segments of schools not loaded stay as they
    /// are; `segments` names the new ones from here on.
    pub fn seal(&mut self) -> (Vec<u8>, Vec<NewSegment>) {
        type Records<'m> = (Vec<&'m IngestRecord>, Vec<&'m DataFile>);
        let mut by_school: std::collections::BTreeMap<&str, Records> = Default::default();
        for r in &self.ingests {
            by_school.entry(&r.school).or_default().0.push(r);
        }
        for f in &self.files {
            by_school.entry(&f.school).or_default().1.push(f);
        }
        #[derive(Serialize)]
        struct Out<'a> {
            school: &'a str,
            ingests: &'a [&'a IngestRecord],
            files: &'a [&'a DataFile],
        }
        let mut written = Vec::new();
        // Every segment of a school whose records were not read stays.
        let mut refs: Vec<SegmentRef> = match &self.loaded {
            None => Vec::new(),
            Some(loaded) => self
                .segments
                .iter()
                .filter(|r| !loaded.contains(&r.school))
                .cloned()
                .collect(),
        };
        for (school, (ingests, files)) in &by_school {
            let out = Out {
                school,
                ingests,
                files,
            };
            let bytes = serde_json::to_vec_pretty(&out).expect("segment serialises");
            let sha256 = {
                use sha2::{Digest, Sha256};
                super::hex(&Sha256::digest(&bytes))
            };
            let kept = self
                .segments
                .iter()
                .find(|r| r.school == *school && r.sha256 == sha256);
            refs.push(match kept {
                Some(r) => r.clone(),
                None => {
                    let path = segment_path(school, self.generation, &sha256);
                    written.push(NewSegment {
                        path: path.clone(),
                        bytes,
                    });
                    SegmentRef {
                        school: school.to_string(),
                        path,
                        sha256,
                    }
                }
            });
        }
        refs.sort_by(|a, b| a.school.cmp(&b.school));
        self.segments = refs;
        (top_bytes(self.generation, &self.segments), written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

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

    fn at(school: &str, sha: &str) -> IngestRecord {
        IngestRecord {
            school: school.into(),
            ..rec("bge", sha, &["S1"])
        }
    }

    /// Seal `m` at generation `g`: the segments written, and every
    /// school's segment afterwards, each path without its digest
    /// (`manifest.d/A.000001`).
    fn seal_at(m: &mut Manifest, g: u64) -> (Vec<String>, Vec<(String, String)>) {
        m.generation = g;
        let (top, written) = m.seal();
        let top: OnDisk = serde_json::from_slice(&top).unwrap();
        assert_eq!((top.format, top.generation), (FORMAT, g));
        assert_eq!(top.schools, m.segments);
        for r in &m.segments {
            assert!(r.path.ends_with(&format!(".{}.json", &r.sha256[..12])));
        }
        for seg in &written {
            let r = m.segments.iter().find(|r| r.path == seg.path).unwrap();
            assert_eq!(
                r.sha256,
                super::super::hex(&sha2::Sha256::digest(&seg.bytes))
            );
        }
        let short = |p: &str| p.rsplitn(3, '.').nth(2).unwrap().to_string();
        let written = written.iter().map(|s| short(&s.path)).collect();
        let paths = m
            .segments
            .iter()
            .map(|s| (s.school.clone(), short(&s.path)));
        (written, paths.collect())
    }

    #[test]
    fn a_seal_writes_the_segments_of_changed_schools_only() {
        let (a1, b1) = ("manifest.d/A.000001", "manifest.d/B.000001");
        let mut m = Manifest::empty();
        m.ingests = vec![at("A", "1"), at("B", "1")];
        // Every school read, none stored yet: a segment each.
        let (written, paths) = seal_at(&mut m, 1);
        assert_eq!(written, [a1, b1]);
        assert_eq!(paths, [("A".into(), a1.into()), ("B".into(), b1.into())]);
        // Read whole again, nothing changed: nothing written.
        let (written, _) = seal_at(&mut m, 2);
        assert!(written.is_empty());
        // Only B read (an ingest of B): A's segment stays as it is.
        let mut b = Manifest {
            ingests: vec![at("B", "1"), at("B", "2")],
            loaded: Some(["B".to_string()].into()),
            ..m.clone()
        };
        let (written, paths) = seal_at(&mut b, 3);
        assert_eq!(written, ["manifest.d/B.000003"]);
        assert_eq!(
            paths,
            [
                ("A".into(), a1.into()),
                ("B".into(), "manifest.d/B.000003".into())
            ]
        );
        assert!(
            b.paths().any(|p| p.starts_with(a1)),
            "A's segment stays live"
        );
        assert!(
            !b.paths().any(|p| p.starts_with(b1)),
            "B's first segment is superseded"
        );
        // A school read and unchanged keeps its segment.
        let mut again = Manifest {
            ingests: vec![at("A", "1")],
            loaded: Some(["A".to_string()].into()),
            ..b.clone()
        };
        let (written, paths) = seal_at(&mut again, 4);
        assert!(written.is_empty());
        assert_eq!(
            paths,
            [
                ("A".into(), a1.into()),
                ("B".into(), "manifest.d/B.000003".into())
            ]
        );
    }
}
