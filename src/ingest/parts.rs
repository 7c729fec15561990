//! One export's rows parsed and checked in parts, on every core.
//!
//! While the file was read, the scanner noted record starts about every
//! MiB ([`RawExport::splits`](super::read::RawExport::splits)), each with
//! its line. The text between two of them is a run of whole records, so
//! each part is parsed on its own, its line numbers counted from its first
//! line; [`KindBatch`](super::rows::KindBatch) then takes the parts in file
//! order and resolves duplicates across them, so every reject keeps its
//! line and the later duplicate still wins.

use std::collections::HashMap;

use polars::prelude::*;

use super::records::Records;
use super::{Kind, PreparedFile};
use crate::rules::validity::{Codes, Invalid, InvalidKind, PUPIL_CHECKED, SUBJECT_CHECKED};
use crate::rules::values::{is_valid_scn, parse_stage};
use crate::store::table::{Interner, TextCodes};

/// A part's subject id for a row with no subject (an empty cell's code).
pub(super) const NO_SUBJECT: u32 = TextCodes::NULL;

/// The most columns a kind's invalid cells are judged from.
const CHECKED_MAX: usize = if PUPIL_CHECKED.len() > SUBJECT_CHECKED.len() {
    PUPIL_CHECKED.len()
} else {
    SUBJECT_CHECKED.len()
};

/// The stored rows' facts besides their cells, one list per fact, so the
/// batch takes each list whole.
pub(super) struct Rows {
    pub line: Vec<u32>,
    /// The SCN, 9 digits (checked), as a number.
    pub scn: Vec<u64>,
    /// Index into [`Part::subjects`], or [`NO_SUBJECT`].
    pub subject: Vec<u32>,
    pub stage: Vec<Option<u8>>,
    /// The invalid cells counted by kind, in `InvalidKind::ALL` order.
    pub invalid: Vec<[u8; 4]>,
}

impl Rows {
    fn with_capacity(rows: usize) -> Rows {
        Rows {
            line: Vec::with_capacity(rows),
            scn: Vec::with_capacity(rows),
            subject: Vec::with_capacity(rows),
            stage: Vec::with_capacity(rows),
            invalid: Vec::with_capacity(rows),
        }
    }

    pub fn len(&self) -> usize {
        self.line.len()
    }
}

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

/// The rows of one part, in file order.
pub(super) struct Part {
    /// One per column of the kind, the kept rows' cells as codes into the
    /// part's distinct texts of that column.
    pub columns: Vec<TextCodes>,
    pub rows: Rows,
    /// The subjects of this part's rows, as entered: the texts of its
    /// subject column, which [`Rows::subject`] indexes.
    pub subjects: Vec<Box<str>>,
    pub rejects: Vec<Reject>,
    pub read: usize,
    pub rejected: usize,
    pub not_agreed: usize,
    /// For the part's last row: its line if it had fewer fields than the
    /// header. None when the part has no row.
    pub last_short: Option<Option<u32>>,
}

/// What does not change from row to row of one file.
pub(super) struct Rules<'a> {
    kind: Kind,
    codes: Codes<'a>,
    pupil_stages: Option<&'a HashMap<u64, u8>>,
    file: &'a PreparedFile,
    scn: Option<usize>,
    subject: Option<usize>,
    stage: Option<usize>,
    level: Option<usize>,
    /// Course level, target grade and working grade.
    grades: [Option<usize>; 3],
    code: Option<usize>,
    lead_name: Option<usize>,
    required_text: Option<(usize, &'static str, &'static str)>,
    index: PlHashMap<&'static str, usize>,
    /// The kind's columns its invalid cells are judged from, by name.
    checked: Vec<(&'static str, usize)>,
}

impl<'a> Rules<'a> {
    pub fn new(
        kind: Kind,
        codes: Codes<'a>,
        pupil_stages: Option<&'a HashMap<u64, u8>>,
        file: &'a PreparedFile,
    ) -> Rules<'a> {
        let specs = kind.columns();
        let col = |name: &str| specs.iter().position(|c| c.name == name);
        Rules {
            kind,
            codes,
            pupil_stages,
            file,
            scn: col("scn"),
            subject: col("subject"),
            stage: col("stage"),
            level: col("level"),
            grades: ["course_level", "target_grade", "working_grade"].map(col),
            code: col("progress_code"),
            lead_name: col("lead_name"),
            required_text: match kind {
                Kind::Overrides => col("lead_role").map(|c| (c, "missing_lead_role", "Lead Role")),
                Kind::Interventions => {
                    col("intervention").map(|c| (c, "missing_intervention", "Intervention"))
                }
                _ => None,
            },
            index: specs.iter().enumerate().map(|(i, c)| (c.name, i)).collect(),
            checked: match kind {
                Kind::Pupils => &PUPIL_CHECKED[..],
                Kind::Bge | Kind::Senior => &SUBJECT_CHECKED[..],
                Kind::Overrides | Kind::Interventions => &[],
            }
            .iter()
            .filter_map(|&name| Some((name, col(name)?)))
            .collect(),
        }
    }

    /// Parse and check one piece of the file's text: whole records that
    /// start on `first_line`; the header is the first non-blank record of
    /// the piece that `has_header`.
    pub fn parse(&self, text: &str, first_line: u64, has_header: bool) -> Part {
        let file = self.file;
        let kind = self.kind;
        let specs = kind.columns();
        let width = file.header.width;
        // Sized for the piece's lines at once: grown from small, each
        // column's cells would be copied into fresh memory again and again.
        let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
        let mut columns: Vec<Interner> = specs.iter().map(|_| Interner::with_rows(lines)).collect();
        let mut part = Part {
            columns: Vec::new(),
            rows: Rows::with_capacity(lines),
            subjects: Vec::new(),
            rejects: Vec::new(),
            read: 0,
            rejected: 0,
            not_agreed: 0,
            last_short: None,
        };
        // Each row's invalid cells by kind, by the codes of its checked
        // cells: a handful of combinations, each judged once.
        let mut judged: PlHashMap<[u32; CHECKED_MAX], [u8; 4]> = PlHashMap::new();
        // A pupils row's cells are each judged alone (`Codes::pupil_cell`),
        // so each distinct text of a checked column is judged once: nearly
        // every pupil's row differs from every other in some checked cell.
        let mut alone: Vec<Vec<u8>> = vec![Vec::new(); self.checked.len()];
        let mut record = Records::new(text.as_bytes(), file.raw.delimiter, first_line);
        let mut header_seen = !has_header;
        // One row's cells, its allocation kept from row to row.
        let mut spare: Vec<Option<&str>> = Vec::with_capacity(file.header.field_of.len());
        loop {
            if !record.advance() {
                break;
            }
            let blank = |i| record.get(i).is_none_or(|f| field(f).trim().is_empty());
            if (0..record.len()).all(blank) {
                continue;
            }
            if !header_seen {
                header_seen = true;
                continue;
            }
            let line = match &file.raw.sheet {
                Some(_) => record.count(),
                None => record.line(),
            } as u32;
            part.read += 1;
            let joined_level: String;
            let mut values = reuse(std::mem::take(&mut spare));
            values.extend(file.header.field_of.iter().map(|f| {
                f.and_then(|i| record.get(i))
                    .map(field)
                    .map(trim)
                    .filter(|s| !s.is_empty())
            }));
            let get = |c: Option<usize>| c.and_then(|c| values[c]);
            let scn = get(self.scn);
            let subject = get(self.subject);
            let stage_text = get(self.stage);
            let stage = stage_text.and_then(parse_stage);
            // SPEC 11.3: the meeting left this pupil's lead as suggested.
            if file.header.meeting
                && self
                    .required_text
                    .is_some_and(|(c, ..)| values[c].is_none())
                && get(self.lead_name).is_none()
            {
                part.not_agreed += 1;
                continue;
            }
            part.last_short = Some((record.len() < width).then_some(line));
            if let Some((reason, detail)) =
                self.verdict(&record, &values, scn, subject, stage_text, stage)
            {
                part.rejects.push(Reject {
                    kind,
                    source: file.raw.name.clone(),
                    line,
                    reason,
                    detail,
                    scn: scn.map(str::to_string),
                    subject: subject.map(str::to_string),
                    stage,
                });
                part.rejected += 1;
                continue;
            }
            let scn: u64 = scn.and_then(|s| s.parse().ok()).expect("checked above");
            if let (Some(l), Some(c)) = (self.level, self.code)
                && let (Some(level), Some(code)) = (values[l], values[c])
            {
                joined_level = format!("{level}{code}");
                values[l] = Some(joined_level.as_str());
            }
            for (column, v) in columns.iter_mut().zip(&values) {
                column.push(*v);
            }
            let code = |c: usize| *columns[c].column.keys.last().expect("pushed above");
            // The subject's id in the part is its code.
            let subject = self.subject.map_or(NO_SUBJECT, code);
            let invalid = if kind == Kind::Pupils {
                let mut counts = [0u8; 4];
                for (seen, &(name, c)) in alone.iter_mut().zip(&self.checked) {
                    let (Some(v), k) = (values[c], code(c) as usize) else {
                        continue;
                    };
                    if seen.len() <= k {
                        seen.resize(k + 1, UNJUDGED);
                    }
                    if seen[k] == UNJUDGED {
                        seen[k] = self
                            .codes
                            .pupil_cell(name, v)
                            .map_or(VALID, |i| kind_index(i.kind));
                    }
                    if let Some(n) = counts.get_mut(seen[k] as usize) {
                        *n = n.saturating_add(1);
                    }
                }
                counts
            } else {
                let mut key = [TextCodes::NULL; CHECKED_MAX];
                for (k, &(_, c)) in key.iter_mut().zip(&self.checked) {
                    *k = code(c);
                }
                *judged.entry(key).or_insert_with(|| {
                    let cell = |name: &'static str| self.column(name).and_then(|c| values[c]);
                    count_invalid(&match kind {
                        Kind::Bge | Kind::Senior => {
                            self.codes.subject_cells(kind == Kind::Senior, cell)
                        }
                        _ => Vec::new(),
                    })
                })
            };
            let rows = &mut part.rows;
            rows.line.push(line);
            rows.scn.push(scn);
            rows.subject.push(subject);
            rows.stage.push(stage);
            rows.invalid.push(invalid);
            spare = reuse(values);
        }
        if let Some(c) = self.subject {
            part.subjects = columns[c].column.texts.clone();
        }
        part.columns = columns.into_iter().map(|c| c.column).collect();
        part
    }

    /// The index of column `name`; inlined where `name` is a literal, the
    /// columns of every subject row are found without hashing it.
    #[inline(always)]
    fn column(&self, name: &str) -> Option<usize> {
        match name {
            "stage" => self.stage,
            "level" => self.level,
            "course_level" => self.grades[0],
            "target_grade" => self.grades[1],
            "working_grade" => self.grades[2],
            _ => self.index.get(name).copied(),
        }
    }

    /// Why a row is rejected (SPEC 2.6, 10.2), if it is.
    fn verdict(
        &self,
        record: &Records,
        values: &[Option<&str>],
        scn: Option<&str>,
        subject: Option<&str>,
        stage_text: Option<&str>,
        stage: Option<u8>,
    ) -> Option<(&'static str, String)> {
        let width = self.file.header.width;
        let kind = self.kind;
        let extra = (width..record.len())
            .any(|i| record.get(i).is_some_and(|f| !field(f).trim().is_empty()));
        if record.len() < width || extra {
            Some((
                "wrong_field_count",
                format!("{} fields; the header has {width} columns", record.len()),
            ))
        } else if scn.is_none() {
            Some(("missing_scn", "no SCN".to_string()))
        } else if !scn.is_some_and(is_valid_scn) {
            Some(("invalid_scn", "SCN is not 9 digits".to_string()))
        } else if kind.has_subject_key() && subject.is_none() {
            Some(("missing_subject", "no Subject".to_string()))
        } else if kind == Kind::Bge && stage_text.is_some() && !matches!(stage, Some(1..=3)) {
            // Echo the stage only when it is one: a shifted column can
            // put a name here, and names never go into messages.
            Some((
                "stage_not_bge",
                match stage {
                    Some(n) => format!("stage `S{n}` is not S1-S3"),
                    None => "the stage is not S1-S3".to_string(),
                },
            ))
        } else if let Some(n) = (kind == Kind::Bge && stage_text.is_none())
            .then(|| {
                let scn: u64 = scn?.parse().ok()?;
                self.pupil_stages?.get(&scn).copied()
            })
            .flatten()
            .filter(|n| !(1..=3).contains(n))
        {
            Some((
                "stage_not_bge",
                format!("the pupil's stage `S{n}` (from the pupils export) is not S1-S3"),
            ))
        } else if self
            .required_text
            .is_some_and(|(c, ..)| values[c].is_none())
        {
            let (_, reason, name) = self.required_text.expect("checked above");
            let name = if self.file.header.meeting {
                "agreed_lead_role"
            } else {
                name
            };
            Some((reason, format!("no {name}")))
        } else {
            None
        }
    }
}

/// A field of a record read from text (a `&str`) as text, without checking
/// it again: csv splits only at ASCII bytes (the delimiter, quotes, line
/// ends) and drops only ASCII bytes (a doubled quote's first), and no ASCII
/// byte is ever part of a multi-byte UTF-8 character, so every field of
/// valid text is valid text. Checking each record again was 3% of ingest.
#[inline]
fn field(bytes: &[u8]) -> &str {
    debug_assert!(std::str::from_utf8(bytes).is_ok());
    // SAFETY: see above; the records are read from `text: &str` in
    // `Rules::parse`, with an ASCII delimiter (`detect_delimiter`).
    unsafe { std::str::from_utf8_unchecked(bytes) }
}

/// `text` without leading and trailing whitespace, as [`str::trim`]; most
/// cells start and end with a printable ASCII character, and are taken
/// whole without looking further.
fn trim(text: &str) -> &str {
    let printable = |b: Option<&u8>| b.is_some_and(|b| (b'!'..=b'~').contains(b));
    let bytes = text.as_bytes();
    if printable(bytes.first()) && printable(bytes.last()) {
        text
    } else {
        text.trim()
    }
}

/// `v` emptied, its allocation kept for cells of another lifetime (a
/// `Vec` collected from its own emptied iterator reuses its memory).
fn reuse<'b>(mut v: Vec<Option<&str>>) -> Vec<Option<&'b str>> {
    v.clear();
    v.into_iter().map(|_| None).collect()
}

/// A row's invalid cells counted by kind, in `InvalidKind::ALL` order.
fn count_invalid(found: &[Invalid]) -> [u8; 4] {
    let mut counts = [0u8; 4];
    for i in found {
        let k = kind_index(i.kind) as usize;
        counts[k] = counts[k].saturating_add(1);
    }
    counts
}

/// `kind`'s place in `InvalidKind::ALL`.
fn kind_index(kind: InvalidKind) -> u8 {
    InvalidKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(0) as u8
}

/// A cell judged alone: not yet judged, or valid (else its kind's index).
const UNJUDGED: u8 = u8::MAX;
const VALID: u8 = u8::MAX - 1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_trimmed_as_str_trim_does() {
        for text in [
            "",
            " ",
            "2b",
            " 2b",
            "2b\t",
            "\u{a0}3A\u{a0}",
            "é",
            " é ",
            "a b",
            "\u{85}x",
            "~",
            "!",
            "\r\n",
            "x\u{2003}",
        ] {
            assert_eq!(trim(text), text.trim(), "{text:?}");
        }
    }

    /// The line on which each record of `text` starts, as ingest names it.
    fn record_lines(text: &str, delimiter: u8) -> Vec<u64> {
        let mut r = Records::new(text.as_bytes(), delimiter, 1);
        let mut got = Vec::new();
        while r.advance() {
            got.push(r.line());
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
