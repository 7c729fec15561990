//! Row checks (SPEC 2.6, 10.2): rejects, duplicates, and the columns stored.
//!
//! Each part's cells come as codes into its distinct texts, column by
//! column; the batch recodes them into one set of texts per column, so
//! ingesting millions of rows allocates per distinct text, not per cell.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;

use super::parts::{NO_SUBJECT, Part, Reject, Rules};
use super::{IngestError, Kind, PreparedFile};
use crate::rules::validity::{Codes, InvalidKind};
use crate::store::table::{Interner, Table, TableColumn, TextCodes, retain_rows};

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
    /// Per column of the kind, its cells as codes.
    columns: Vec<Interner>,
    source: Vec<u32>,
    line: Vec<u32>,
    scn: Vec<u64>,
    stage: Vec<Option<u8>>,
    keep: Vec<bool>,
    /// Per row: its duplicate key ([`NO_KEY`] for none) and its subject as
    /// entered (a [`Keys`] text id).
    dup_keys: Vec<u64>,
    subjects: Vec<u32>,
    keys: Keys,
    pub files: Vec<String>,
    pub stats: Vec<FileStats>,
    pub rejects: Vec<Reject>,
    pub conflicts: Vec<Conflict>,
    /// Each known pupil's stage by SCN, for BGE rows with no stage of their own.
    pupil_stages: Option<&'c HashMap<u64, u8>>,
}

/// The finished rows, ready for the store.
pub struct Finished {
    /// The kind's columns, then `source` and `line`.
    pub table: Table,
    /// Per stored row: its parsed stage, used to group replacements.
    pub stages: Vec<Option<u8>>,
    /// Per stored row: its SCN (9 digits) as a number.
    pub scns: Vec<u64>,
}

impl<'c> KindBatch<'c> {
    /// `codes` judges which kept cells are invalid, counted as warnings.
    pub fn new(kind: Kind, codes: Codes<'c>) -> KindBatch<'c> {
        KindBatch {
            kind,
            codes,
            invalid: Vec::new(),
            columns: kind.columns().iter().map(|_| Interner::default()).collect(),
            source: Vec::new(),
            line: Vec::new(),
            scn: Vec::new(),
            stage: Vec::new(),
            keep: Vec::new(),
            dup_keys: Vec::new(),
            subjects: Vec::new(),
            keys: Keys::default(),
            files: Vec::new(),
            stats: Vec::new(),
            rejects: Vec::new(),
            conflicts: Vec::new(),
            pupil_stages: None,
        }
    }

    /// SPEC 2.2/2.6: a BGE row with no stage takes its pupil's (by SCN as
    /// a number), and is rejected when that is outside S1-S3.
    pub fn with_pupil_stages(mut self, stages: &'c HashMap<u64, u8>) -> KindBatch<'c> {
        self.pupil_stages = Some(stages);
        self
    }

    /// Parse every data row of a prepared file into the batch: its parts on
    /// every core, then merged here in file order.
    pub fn add_file(&mut self, file: &PreparedFile) -> Result<(), IngestError> {
        debug_assert_eq!(file.kind, self.kind);
        let file_index = self.files.len() as u32;
        self.files.push(file.raw.name.clone());
        self.stats.push(FileStats::default());
        let rules = Rules::new(self.kind, self.codes, self.pupil_stages, file);
        let parsed: Vec<Result<Part, IngestError>> =
            crate::par::map_within(file.raw.pieces(), 1, |piece| {
                let text = piece.text(&file.raw.name)?;
                Ok(rules.parse(&text, piece.line, piece.has_header))
            });
        // Every part's rows at once: grown a part at a time, each per-row
        // list would be copied into fresh memory again and again.
        let mut parsed = parsed.into_iter().collect::<Result<Vec<Part>, _>>()?;
        let rows: usize = parsed.iter().map(|p| p.rows.len()).sum();
        self.reserve(rows);
        // Each column's cells, part after part, recoded on every core.
        let mut by_column: Vec<Vec<TextCodes>> = self.columns.iter().map(|_| Vec::new()).collect();
        for part in &mut parsed {
            for (column, cells) in by_column.iter_mut().zip(std::mem::take(&mut part.columns)) {
                column.push(cells);
            }
        }
        let columns: Vec<(&mut Interner, Vec<TextCodes>)> =
            self.columns.iter_mut().zip(by_column).collect();
        crate::par::map_within(columns, 1, |(column, parts)| {
            column.column.keys.reserve(rows);
            for cells in parts {
                column.append(cells);
            }
        });
        // The line of the last row, when it had fewer fields than the header.
        let mut last_short: Option<u32> = None;
        for part in parsed {
            if let Some(short) = part.last_short {
                last_short = short;
            }
            self.absorb(file_index, part);
        }
        // A short last row with no line break after it is where the file was
        // cut off: the rows after it are missing, so the file is not trusted.
        if let Some(line) = last_short
            && !file.raw.ends_with_line_break()
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

    /// Room for `rows` more rows in each per-row list.
    fn reserve(&mut self, rows: usize) {
        self.dup_keys.reserve(rows);
        self.subjects.reserve(rows);
        self.invalid.reserve(rows);
        self.source.reserve(rows);
        self.line.reserve(rows);
        self.scn.reserve(rows);
        self.stage.reserve(rows);
        self.keep.reserve(rows);
    }

    /// Take one part's rows, the next in file order (its cells are taken
    /// column by column, in [`KindBatch::add_file`]).
    fn absorb(&mut self, file_index: u32, part: Part) {
        let stats = &mut self.stats[file_index as usize];
        stats.rows_read += part.read;
        stats.rows_rejected += part.rejected;
        stats.rows_not_agreed += part.not_agreed;
        self.rejects.extend(part.rejects);
        let ids: Vec<(u32, u32)> = part.subjects.iter().map(|s| self.keys.id(s)).collect();
        let no_subject = matches!(self.kind, Kind::Bge | Kind::Senior)
            .then(|| self.keys.id("").1)
            .unwrap_or(0);
        let rows = part.rows;
        // The duplicate key (SPEC 10.1, README "Duplicates"): SCN and subject
        // ignoring case for BGE and Senior Phase rows, SCN for pupils and
        // overrides, none for interventions. The SCN is 9 digits (checked),
        // so the key is two numbers.
        let key = |scn: u64, subject: u32| scn << 32 | u64::from(subject);
        match self.kind {
            Kind::Bge | Kind::Senior => {
                self.dup_keys
                    .extend(rows.scn.iter().zip(&rows.subject).map(|(&scn, &id)| {
                        key(
                            scn,
                            match id {
                                NO_SUBJECT => no_subject,
                                id => ids[id as usize].1,
                            },
                        )
                    }))
            }
            Kind::Pupils | Kind::Overrides => self
                .dup_keys
                .extend(rows.scn.iter().map(|&scn| key(scn, u32::MAX))),
            Kind::Interventions => self.dup_keys.extend(rows.scn.iter().map(|_| NO_KEY)),
        }
        self.subjects
            .extend(rows.subject.iter().map(|&id| match id {
                NO_SUBJECT => NO_SUBJECT,
                id => ids[id as usize].0,
            }));
        let n = rows.len();
        self.invalid.extend_from_slice(&rows.invalid);
        self.source.extend(std::iter::repeat_n(file_index, n));
        self.line.extend_from_slice(&rows.line);
        self.scn.extend_from_slice(&rows.scn);
        self.stage.extend_from_slice(&rows.stage);
        self.keep.extend(std::iter::repeat_n(true, n));
    }

    /// A duplicate key drops the earlier row, and a conflict is noted when
    /// their values differ (SPEC 10.1). Keys are split by hash into shards
    /// resolved on every core, each in row order; the conflicts are then
    /// put back in row order. (One map of 2.6 million keys, filled a row at
    /// a time on one core, was 10% of ingest's CPU at 300,000 pupils; see
    /// BENCHMARKS.md, "One big school".)
    fn resolve_duplicates(&mut self) {
        const SHARD_BITS: u32 = 6;
        let shard = |k: u64| (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SHARD_BITS)) as usize;
        let mut rows: Vec<Vec<u32>> = vec![Vec::new(); 1 << SHARD_BITS];
        for (row, &k) in self.dup_keys.iter().enumerate() {
            if k != NO_KEY {
                rows[shard(k)].push(row as u32);
            }
        }
        let keys = &self.dup_keys;
        // Per shard: (row, earlier row with its key) for every duplicate.
        let found: Vec<Vec<(u32, u32)>> = crate::par::map_within(rows, 1, |rows| {
            let mut seen: PlHashMap<u64, u32> = PlHashMap::with_capacity(rows.len());
            rows.iter()
                .filter_map(|&row| Some((row, seen.insert(keys[row as usize], row)?)))
                .collect()
        });
        let mut conflicts = Vec::new();
        for (row, earlier) in found.into_iter().flatten() {
            self.keep[earlier as usize] = false;
            // Equal texts have equal codes: the rows differ exactly when
            // the codes of some cell do.
            let differ =
                |c: &Interner| c.column.keys[earlier as usize] != c.column.keys[row as usize];
            if self.columns.iter().any(differ) {
                conflicts.push((row as usize, earlier as usize));
            }
        }
        conflicts.sort_unstable();
        for (row, earlier) in conflicts {
            let source = self.source[row] as usize;
            *self.stats[source]
                .warnings
                .entry("duplicate_conflict")
                .or_default() += 1;
            self.conflicts.push(Conflict {
                kind: self.kind,
                source: self.files[source].clone(),
                line: self.line[row],
                earlier_source: self.files[self.source[earlier] as usize].clone(),
                earlier_line: self.line[earlier],
                scn: format!("{:09}", self.scn[row]),
                subject: (self.subjects[row] != NO_SUBJECT)
                    .then(|| self.keys.texts[self.subjects[row] as usize].to_string()),
                stage: self.stage[row],
            });
        }
    }

    /// The stored rows (later duplicates won), with per-file counts filled in.
    pub fn finish(mut self) -> (Finished, Vec<FileStats>, Vec<Reject>, Vec<Conflict>) {
        self.resolve_duplicates();
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
        let keep = &self.keep;
        let specs = self.kind.columns();
        let mut columns: Vec<TableColumn> =
            crate::par::map_within(std::mem::take(&mut self.columns), 1, |c| {
                c.column.retain(keep)
            })
            .into_iter()
            .zip(specs)
            .map(|(cells, spec)| TableColumn::Texts(spec.name.into(), cells))
            .collect();
        let mut files = Interner::default();
        let file_codes: Vec<u32> = self.files.iter().map(|f| files.code(f)).collect();
        let mut source = files.column;
        source.keys = (self.source.iter().zip(keep))
            .filter_map(|(&s, &kept)| kept.then_some(file_codes[s as usize]))
            .collect();
        columns.push(TableColumn::Texts("source".into(), source));
        retain_rows(&mut self.line, keep);
        retain_rows(&mut self.stage, keep);
        retain_rows(&mut self.scn, keep);
        columns.push(TableColumn::Frame(Column::new("line".into(), self.line)));
        let table = Table::new(self.scn.len(), columns);
        let finished = Finished {
            table,
            stages: self.stage,
            scns: self.scn,
        };
        (finished, self.stats, self.rejects, self.conflicts)
    }
}

/// A row with no duplicate key (interventions); no key is this: the SCN
/// shifted left by 32 bits is below 2^62.
const NO_KEY: u64 = u64::MAX;

/// Subject spellings, each lowercased once, to ids: duplicate keys ignore
/// the case of the subject without allocating per row.
#[derive(Default)]
struct Keys {
    /// Subject as entered -> (its index in `texts`, id of its lowercase spelling).
    by_text: PlHashMap<Box<str>, (u32, u32)>,
    texts: Vec<Box<str>>,
    by_lowercase: PlHashMap<String, u32>,
}

impl Keys {
    fn id(&mut self, subject: &str) -> (u32, u32) {
        match self.by_text.get(subject) {
            Some(&ids) => ids,
            None => {
                let next = self.by_lowercase.len() as u32;
                let id = *self
                    .by_lowercase
                    .entry(subject.to_lowercase())
                    .or_insert(next);
                let ids = (self.texts.len() as u32, id);
                self.texts.push(subject.into());
                self.by_text.insert(subject.into(), ids);
                ids
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file's rows parsed in one part and in a part per record agree:
    /// same stored rows, rejects with the same lines, same conflicts; and
    /// so do the same rows in Windows-1252 and after a byte-order mark,
    /// whose text is then decoded a piece at a time, as it is parsed (or
    /// whole, when the first piece holds no header).
    #[test]
    fn parts_parse_as_the_whole_file_does() {
        let text = "\r\nSCN,Forename,Stage,Subject,Level,Comment\r\n\
            100000001,Anné,S1,English,2a,\"good,\r\nvery\"\r\n\
            \r\n\
            100000002,Bob,S2,Maths,1b,\r\n\
            12345,Cal,S1,Maths,1b,\r\n\
            100000001,Anné,S1,english,2b,\"line\nbreak é\"\r\n\
            100000003,Dee,S5,Maths,1b,\r\n\
            100000002,Bob,S2,MATHS,1b,\r\n\
            100000004,Eve,S1\r\n\
            100000001,Anné,S1,English,2b,\"line\nbreak é\"\r\n";
        let config = crate::config::Config::default();
        let rules = crate::rules::Ctx::new(&config);
        let stages = HashMap::new();
        let run = |bytes: Vec<u8>, split: Split| {
            let raw = match split {
                Split::Everywhere => {
                    super::super::read::from_bytes_split_everywhere("f.csv".into(), bytes)
                }
                _ => super::super::read::from_bytes("f.csv".into(), bytes.clone()),
            }
            .unwrap();
            let mut file = super::super::prepare_raw(raw, None, &Default::default()).unwrap();
            if split == Split::TextByHand {
                let text = file.raw.text.clone();
                let mut scan = super::super::scan::Scanner::new(b',').split_everywhere();
                scan.feed(text.as_bytes()).unwrap();
                let body_start = text.find("100000001").unwrap();
                file.raw.splits = scan
                    .splits()
                    .iter()
                    .map(|&(at, line)| (at as usize, line))
                    .filter(|&(at, _)| at > body_start && at < text.len())
                    .collect();
                assert!(file.raw.splits.len() > 5, "{:?}", file.raw.splits);
            }
            let lazy = file.raw.lazy.is_some();
            let mut batch = KindBatch::new(file.kind, rules.codes()).with_pupil_stages(&stages);
            batch.add_file(&file).unwrap();
            let (finished, stats, rejects, conflicts) = batch.finish();
            let rejects: Vec<_> = rejects.iter().map(|r| (r.line, r.reason)).collect();
            let conflicts: Vec<_> = conflicts
                .iter()
                .map(|c| (c.line, c.earlier_line, c.scn.clone(), c.subject.clone()))
                .collect();
            let stored: Vec<_> = stats
                .iter()
                .map(|s| (s.rows_stored, s.rows_rejected))
                .collect();
            let result = (
                finished.table.to_frame(),
                finished.scns,
                rejects,
                conflicts,
                stored,
            );
            (result, lazy)
        };
        let encodings = |text: &str| -> [(Vec<u8>, bool); 3] {
            let mut bom = b"\xEF\xBB\xBF".to_vec();
            bom.extend_from_slice(text.as_bytes());
            let (cp1252, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
            assert!(!unmappable);
            [
                (text.as_bytes().to_vec(), false),
                (bom, true),
                (cp1252.into_owned(), true),
            ]
        };
        // A blank first line: the first piece holds no header.
        for (text, first_piece_has_header) in [(text, false), (text.trim_start(), true)] {
            let (whole, _) = run(text.as_bytes().to_vec(), Split::No);
            for (bytes, decoded) in encodings(text) {
                let splits = [Split::No, Split::Everywhere];
                let by_hand = (!decoded).then_some(Split::TextByHand);
                for split in splits.into_iter().chain(by_hand) {
                    let (parts, lazy) = run(bytes.clone(), split);
                    let what = format!("{:?} {split:?}", &bytes[..3]);
                    let want_lazy = decoded && split == Split::Everywhere && first_piece_has_header;
                    assert_eq!(lazy, want_lazy, "{what}");
                    assert!(
                        whole.0.equals_missing(&parts.0),
                        "{what}\n{}\n{}",
                        whole.0,
                        parts.0
                    );
                    assert_eq!(whole.1, parts.1, "{what}");
                    assert_eq!(whole.2, parts.2, "{what}");
                    assert_eq!(whole.3, parts.3, "{what}");
                    assert_eq!(whole.4, parts.4, "{what}");
                }
            }
        }
        let (whole, _) = run(text.as_bytes().to_vec(), Split::No);
        assert_eq!(
            whole.2,
            vec![
                (7, "invalid_scn"),
                (10, "stage_not_bge"),
                (12, "wrong_field_count")
            ]
        );
        assert_eq!(whole.3.len(), 3, "{:?}", whole.3);
        assert_eq!(whole.0.height(), 2);
    }

    /// A pupils row's invalid cells are judged a distinct text at a time
    /// (`Codes::pupil_cell`): the counts are those of judging every row
    /// whole, however the file is cut into parts.
    #[test]
    fn pupils_cells_judged_once_per_text_count_as_every_row_judged_whole() {
        let header = "SCN,Stage,FSM,ASN,Attendance,SIMD Decile,CAT Mean SAS,Pathway Band";
        let cells: &[&[&str]] = &[
            &["S1", "S7", "s2", ""],
            &["Y", "Maybe", "", "no"],
            &["N", "2", "X"],
            &["95.5", "101", "abc", ""],
            &["3", "11", "0", "10"],
            &["100", "n/a", ""],
            &["A", "Z", ""],
        ];
        let rows: Vec<Vec<&str>> = (0..200)
            .map(|i: usize| {
                let mut row = vec![];
                for (c, options) in cells.iter().enumerate() {
                    row.push(options[(i * (c + 3) + i / 7) % options.len()]);
                }
                row
            })
            .collect();
        let mut text = format!("{header}\n");
        for (i, row) in rows.iter().enumerate() {
            text += &format!("{},{}\n", 100_000_000 + i, row.join(","));
        }
        let config = crate::config::Config::default();
        let rules = crate::rules::Ctx::new(&config);
        let names = [
            "stage",
            "fsm",
            "asn",
            "attendance",
            "simd_decile",
            "cat_sas",
            "pathway_band",
        ];
        let want: usize = rows
            .iter()
            .map(|row| {
                let cell = |c: &'static str| {
                    let i = names.iter().position(|n| *n == c)?;
                    Some(row[i]).filter(|v| !v.is_empty())
                };
                rules.codes().pupil_cells(cell).len()
            })
            .sum();
        assert!(want > 100, "{want}");
        for everywhere in [false, true] {
            let bytes = text.clone().into_bytes();
            let raw = match everywhere {
                true => super::super::read::from_bytes_split_everywhere("p.csv".into(), bytes),
                false => super::super::read::from_bytes("p.csv".into(), bytes),
            }
            .unwrap();
            let file = super::super::prepare_raw(raw, None, &Default::default()).unwrap();
            assert_eq!(file.kind, Kind::Pupils);
            let mut batch = KindBatch::new(file.kind, rules.codes());
            batch.add_file(&file).unwrap();
            let (_, stats, rejects, _) = batch.finish();
            assert!(rejects.is_empty());
            let got = stats[0].warnings.get("invalid_value").copied().unwrap_or(0);
            assert_eq!(got, want, "split everywhere: {everywhere}");
        }
    }

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Split {
        /// One piece.
        No,
        /// At every record start, by the scanner, as the file is read.
        Everywhere,
        /// At every record start of the decoded text, set by hand.
        TextByHand,
    }
}
