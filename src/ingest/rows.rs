//! Row checks (SPEC 2.6, 10.2): rejects, duplicates, and the columns stored.
//!
//! Rows are appended straight into Arrow string builders, so ingesting
//! millions of rows allocates per column, not per cell.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

use polars::prelude::*;

use super::{IngestError, Kind, PreparedFile, csv_error, csv_reader};
use crate::rules::validity::{Codes, Invalid, InvalidKind};
use crate::rules::values::{is_valid_scn, parse_stage};

/// A row that was not stored, and why. Holds no name or comment.
#[derive(Debug, Clone)]
pub struct Reject {
    pub kind: Kind,
    pub source: String,
    pub line: u32,
    pub reason: &'static str,
    pub detail: String,
    pub scn: Option<String>,
    pub subject: Option<String>,
    pub stage: Option<u8>,
}

/// The same key twice in one ingest with different values: the later row won.
#[derive(Debug, Clone)]
pub struct Conflict {
    pub kind: Kind,
    pub source: String,
    pub line: u32,
    pub earlier_source: String,
    pub earlier_line: u32,
    pub scn: String,
    pub subject: Option<String>,
    pub stage: Option<u8>,
}

/// What one file contributed, for `ingest`'s per-file line.
#[derive(Debug, Clone, Default)]
pub struct FileStats {
    pub rows_read: usize,
    pub rows_stored: usize,
    pub rows_rejected: usize,
    /// Rows of the meeting's workbook with no agreed lead: skipped.
    pub rows_not_agreed: usize,
    pub warnings: BTreeMap<&'static str, usize>,
}

/// The rows of one kind from all files of that kind in one ingest, combined.
pub struct KindBatch<'c> {
    pub kind: Kind,
    codes: Codes<'c>,
    /// Per row: its invalid cells counted by kind, in `InvalidKind::ALL` order.
    invalid: Vec<[u8; 4]>,
    builders: Vec<StringChunkedBuilder>,
    source: Vec<u32>,
    line: Vec<u32>,
    scn: Vec<Box<str>>,
    stage: Vec<Option<u8>>,
    keep: Vec<bool>,
    /// Duplicate key (see [`KindBatch::key`]) -> (row, hash of its values).
    seen: PlHashMap<u64, (usize, u64)>,
    /// One hasher for every row's values, so equal rows hash alike.
    hasher: PlRandomState,
    keys: Keys,
    pub files: Vec<String>,
    pub stats: Vec<FileStats>,
    pub rejects: Vec<Reject>,
    pub conflicts: Vec<Conflict>,
    /// Each known pupil's stage, for BGE rows with no stage of their own.
    pupil_stages: Option<&'c HashMap<String, u8>>,
}

/// The finished rows, ready for the store.
pub struct Finished {
    pub frame: DataFrame,
    /// Per stored row: its parsed stage, used to group replacements.
    pub stages: Vec<Option<u8>>,
    pub scns: Vec<Box<str>>,
}

impl<'c> KindBatch<'c> {
    /// `codes` judges which kept cells are invalid, counted as warnings.
    pub fn new(kind: Kind, codes: Codes<'c>) -> KindBatch<'c> {
        KindBatch {
            kind,
            codes,
            invalid: Vec::new(),
            builders: kind
                .columns()
                .iter()
                .map(|c| StringChunkedBuilder::new(c.name.into(), 1024))
                .collect(),
            source: Vec::new(),
            line: Vec::new(),
            scn: Vec::new(),
            stage: Vec::new(),
            keep: Vec::new(),
            seen: PlHashMap::new(),
            hasher: PlRandomState::default(),
            keys: Keys::default(),
            files: Vec::new(),
            stats: Vec::new(),
            rejects: Vec::new(),
            conflicts: Vec::new(),
            pupil_stages: None,
        }
    }

    /// SPEC 2.2/2.6: a BGE row with no stage takes its pupil's, and is
    /// rejected when that is outside S1-S3.
    pub fn with_pupil_stages(mut self, stages: &'c HashMap<String, u8>) -> KindBatch<'c> {
        self.pupil_stages = Some(stages);
        self
    }

    /// Parse every data row of a prepared file into the batch.
    pub fn add_file(&mut self, file: &PreparedFile) -> Result<(), IngestError> {
        debug_assert_eq!(file.kind, self.kind);
        let file_index = self.files.len() as u32;
        self.files.push(file.raw.name.clone());
        self.stats.push(FileStats::default());
        let specs = self.kind.columns();
        let col = |name: &str| specs.iter().position(|c| c.name == name);
        let (scn_col, subject_col, stage_col) = (col("scn"), col("subject"), col("stage"));
        let (level_col, code_col) = (col("level"), col("progress_code"));
        let lead_name_col = col("lead_name");
        let needs_subject = self.kind.has_subject_key();
        let required_text = match self.kind {
            Kind::Overrides => col("lead_role").map(|c| (c, "missing_lead_role", "Lead Role")),
            Kind::Interventions => {
                col("intervention").map(|c| (c, "missing_intervention", "Intervention"))
            }
            _ => None,
        };
        let field_of = &file.header.field_of;
        let width = file.header.width;
        let index: PlHashMap<&str, usize> =
            specs.iter().enumerate().map(|(i, c)| (c.name, i)).collect();

        let mut reader = csv_reader(&file.raw);
        let mut record = csv::StringRecord::new();
        let mut lines = LineCounter::new(file.raw.text.as_bytes());
        let mut header_seen = false;
        // The line of the last row, when it had fewer fields than the header.
        let mut last_short: Option<u32> = None;
        loop {
            match reader.read_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(&file.raw.name, &e)),
            }
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            if !header_seen {
                header_seen = true;
                continue;
            }
            let line = match &file.raw.sheet {
                Some(_) => record.position().map_or(0, |p| p.record() + 1),
                None => lines.line_at(record.position().map_or(0, |p| p.byte())),
            } as u32;
            let stats = self.stats.last_mut().expect("pushed above");
            stats.rows_read += 1;
            let joined_level: String;
            let mut values: Vec<Option<&str>> = field_of
                .iter()
                .map(|f| {
                    f.and_then(|i| record.get(i))
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                })
                .collect();
            let get = |c: Option<usize>| c.and_then(|c| values[c]);
            let scn = get(scn_col);
            let subject = get(subject_col);
            let stage_text = get(stage_col);
            let stage = stage_text.and_then(parse_stage);
            // SPEC 11.3: the meeting left this pupil's lead as suggested.
            if file.header.meeting
                && required_text.is_some_and(|(c, ..)| values[c].is_none())
                && get(lead_name_col).is_none()
            {
                stats.rows_not_agreed += 1;
                continue;
            }
            let mut reject = |reason: &'static str, detail: String| {
                self.rejects.push(Reject {
                    kind: self.kind,
                    source: file.raw.name.clone(),
                    line,
                    reason,
                    detail,
                    scn: scn.map(str::to_string),
                    subject: subject.map(str::to_string),
                    stage,
                });
            };
            last_short = (record.len() < width).then_some(line);
            let extra = record.iter().skip(width).any(|f| !f.trim().is_empty());
            let verdict = if record.len() < width || extra {
                Some((
                    "wrong_field_count",
                    format!("{} fields; the header has {width} columns", record.len()),
                ))
            } else if scn.is_none() {
                Some(("missing_scn", "no SCN".to_string()))
            } else if !scn.is_some_and(is_valid_scn) {
                Some(("invalid_scn", "SCN is not 9 digits".to_string()))
            } else if needs_subject && subject.is_none() {
                Some(("missing_subject", "no Subject".to_string()))
            } else if self.kind == Kind::Bge
                && stage_text.is_some()
                && !matches!(stage, Some(1..=3))
            {
                // Echo the stage only when it is one: a shifted column can
                // put a name here, and names never go into messages.
                Some((
                    "stage_not_bge",
                    match stage {
                        Some(n) => format!("stage `S{n}` is not S1-S3"),
                        None => "the stage is not S1-S3".to_string(),
                    },
                ))
            } else if let Some(n) = (self.kind == Kind::Bge && stage_text.is_none())
                .then(|| scn.and_then(|k| self.pupil_stages?.get(k).copied()))
                .flatten()
                .filter(|n| !(1..=3).contains(n))
            {
                Some((
                    "stage_not_bge",
                    format!("the pupil's stage `S{n}` (from the pupils export) is not S1-S3"),
                ))
            } else if let Some((c, reason, name)) =
                required_text.filter(|(c, ..)| values[*c].is_none())
            {
                let _ = c;
                let name = if file.header.meeting {
                    "agreed_lead_role"
                } else {
                    name
                };
                Some((reason, format!("no {name}")))
            } else {
                None
            };
            if let Some((reason, detail)) = verdict {
                reject(reason, detail);
                stats.rows_rejected += 1;
                continue;
            }
            let scn = scn.expect("checked above");
            if let (Some(l), Some(c)) = (level_col, code_col)
                && let (Some(level), Some(code)) = (values[l], values[c])
            {
                joined_level = format!("{level}{code}");
                values[l] = Some(joined_level.as_str());
            }
            let row = self.keep.len();
            if let Some(key) = self.keys.key(self.kind, scn, subject) {
                let hash = self.hasher.hash_one(&values);
                if let Some((earlier, earlier_hash)) = self.seen.insert(key, (row, hash)) {
                    self.keep[earlier] = false;
                    if earlier_hash != hash {
                        stats
                            .warnings
                            .entry("duplicate_conflict")
                            .and_modify(|n| *n += 1)
                            .or_insert(1);
                        self.conflicts.push(Conflict {
                            kind: self.kind,
                            source: file.raw.name.clone(),
                            line,
                            earlier_source: self.files[self.source[earlier] as usize].clone(),
                            earlier_line: self.line[earlier],
                            scn: scn.to_string(),
                            subject: subject.map(str::to_string),
                            stage,
                        });
                    }
                }
            }
            let cell = |name: &'static str| index.get(name).and_then(|&c| values[c]);
            self.invalid.push(count_invalid(&match self.kind {
                Kind::Pupils => self.codes.pupil_cells(cell),
                Kind::Bge | Kind::Senior => {
                    self.codes.subject_cells(self.kind == Kind::Senior, cell)
                }
                Kind::Overrides | Kind::Interventions => Vec::new(),
            }));
            for (b, v) in self.builders.iter_mut().zip(&values) {
                b.append_option(*v);
            }
            self.source.push(file_index);
            self.line.push(line);
            self.scn.push(scn.into());
            self.stage.push(stage);
            self.keep.push(true);
        }
        // A short last row with no line break after it is where the file was
        // cut off: the rows after it are missing, so the file is not trusted.
        if let Some(line) = last_short
            && !file.raw.text.ends_with(['\n', '\r'])
        {
            return Err(IngestError::Truncated {
                file: file.raw.name.clone(),
                problem: format!(
                    "its last row (line {line}) has fewer fields than the header and no line break"
                ),
            });
        }
        let stats = self.stats.last_mut().expect("pushed above");
        if stats.rows_read == 0 {
            return Err(IngestError::NoRows {
                file: file.raw.name.clone(),
            });
        }
        // Ingesting it would replace the window's overrides with none.
        if stats.rows_read == stats.rows_not_agreed {
            return Err(IngestError::NothingAgreed {
                file: file.raw.name.clone(),
            });
        }
        if !file.header.unknown.is_empty() {
            stats
                .warnings
                .insert("unknown_column", file.header.unknown.len());
        }
        Ok(())
    }

    /// The stored rows (later duplicates won), with per-file counts filled in.
    pub fn finish(mut self) -> (Finished, Vec<FileStats>, Vec<Reject>, Vec<Conflict>) {
        for (i, keep) in self.keep.iter().enumerate() {
            if *keep {
                let stats = &mut self.stats[self.source[i] as usize];
                stats.rows_stored += 1;
                for (kind, n) in InvalidKind::ALL.iter().zip(self.invalid[i]) {
                    if n > 0 {
                        *stats.warnings.entry(kind.as_str()).or_default() += usize::from(n);
                    }
                }
            }
        }
        let n = self.keep.len();
        let mut columns: Vec<Column> = self
            .builders
            .into_iter()
            .map(|b| b.finish().into_series().into_column())
            .collect();
        let mut source = StringChunkedBuilder::new("source".into(), n);
        for &s in &self.source {
            source.append_value(&self.files[s as usize]);
        }
        columns.push(source.finish().into_series().into_column());
        columns.push(Column::new("line".into(), &self.line));
        let frame = DataFrame::new(n, columns).expect("columns have equal length");
        let mask = BooleanChunked::from_slice("keep".into(), &self.keep);
        let frame = frame.filter(&mask).expect("mask has frame length");
        let finished = Finished {
            frame,
            stages: kept(self.stage, &self.keep),
            scns: kept(self.scn, &self.keep),
        };
        (finished, self.stats, self.rejects, self.conflicts)
    }
}

/// A row's invalid cells counted by kind, in `InvalidKind::ALL` order.
fn count_invalid(found: &[Invalid]) -> [u8; 4] {
    let mut counts = [0u8; 4];
    for i in found {
        let k = InvalidKind::ALL
            .iter()
            .position(|k| *k == i.kind)
            .unwrap_or(0);
        counts[k] = counts[k].saturating_add(1);
    }
    counts
}

/// Duplicate keys without allocating: subject spellings, each lowercased once.
#[derive(Default)]
struct Keys {
    /// Subject as entered -> id of its lowercase spelling.
    by_text: PlHashMap<Box<str>, u32>,
    by_lowercase: PlHashMap<String, u32>,
}

impl Keys {
    /// The duplicate key of a kept row (SPEC 10.1, README "Duplicates"):
    /// SCN and subject ignoring case for BGE and Senior Phase rows, SCN for
    /// pupils and overrides, none for interventions. The SCN is 9 digits
    /// (checked before), so the key is two numbers.
    fn key(&mut self, kind: Kind, scn: &str, subject: Option<&str>) -> Option<u64> {
        let scn: u64 = scn.parse().ok()?;
        let subject = match kind {
            Kind::Bge | Kind::Senior => {
                let subject = subject.unwrap_or_default();
                match self.by_text.get(subject) {
                    Some(&id) => id,
                    None => {
                        let next = self.by_lowercase.len() as u32;
                        let id = *self
                            .by_lowercase
                            .entry(subject.to_lowercase())
                            .or_insert(next);
                        self.by_text.insert(subject.into(), id);
                        id
                    }
                }
            }
            Kind::Pupils | Kind::Overrides => u32::MAX,
            Kind::Interventions => return None,
        };
        Some(scn << 32 | u64::from(subject))
    }
}

fn kept<T>(v: Vec<T>, keep: &[bool]) -> Vec<T> {
    v.into_iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(x, _)| x)
        .collect()
}

/// Line numbers from byte offsets. The csv crate's own line count is off by
/// one after CRLF line ends, and people open the file at the line we name.
pub struct LineCounter<'a> {
    text: &'a [u8],
    pos: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    pub fn new(text: &'a [u8]) -> LineCounter<'a> {
        LineCounter {
            text,
            pos: 0,
            line: 1,
        }
    }

    /// The 1-based line on which a record starting at `byte` begins. Offsets
    /// must not decrease between calls.
    pub fn line_at(&mut self, byte: u64) -> u64 {
        let mut start = (byte as usize).min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.pos {
            // A line ends at LF, at CRLF, and at a CR alone (old Mac files,
            // which the csv reader splits into records the same way).
            let text = self.text;
            self.line += (self.pos..start)
                .filter(|&i| match text[i] {
                    b'\n' => true,
                    b'\r' => text.get(i + 1) != Some(&b'\n'),
                    _ => false,
                })
                .count() as u64;
            self.pos = start;
        }
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line on which each record of `text` starts, as ingest names it.
    fn record_lines(text: &str, delimiter: u8) -> Vec<u64> {
        let mut r = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut rec = csv::StringRecord::new();
        let mut lines = LineCounter::new(text.as_bytes());
        let mut got = Vec::new();
        while r.read_record(&mut rec).unwrap() {
            got.push(lines.line_at(rec.position().unwrap().byte()));
        }
        got
    }

    #[test]
    fn line_numbers_survive_crlf_blank_lines_and_quoted_newlines() {
        let text = "A;B\r\n1;2\r\n\r\n3;\"x\r\ny\"\r\n5;6\r\n";
        assert_eq!(record_lines(text, b';'), vec![1, 2, 4, 6]);
    }

    #[test]
    fn line_numbers_count_every_kind_of_line_end() {
        // (text, lines on which its records start)
        let cases: &[(&str, &[u64])] = &[
            ("a\nb\nc\n", &[1, 2, 3]),
            ("a\r\nb\r\nc\r\n", &[1, 2, 3]),
            ("a\rb\rc\r", &[1, 2, 3]),
            ("a\r\rb\rc", &[1, 3, 4]),
            ("a\r\"x\ry\"\rc\r", &[1, 2, 4]),
            ("a\n\r\nb\rc", &[1, 3, 4]),
        ];
        for (text, want) in cases {
            assert_eq!(record_lines(text, b','), *want, "{text:?}");
        }
    }
}
