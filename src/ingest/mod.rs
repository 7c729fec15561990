//! Reading SEEMiS exports: encoding, delimiter, headers, kinds and row checks.
//!
//! Only [`engine`] writes to the store, through one transaction.

mod bytemask;
pub mod engine;
pub mod headers;
mod parsed;
pub mod partition;
mod parts;
pub mod read;
mod records;
pub mod rows;
pub mod scan;
pub mod workbook;

use std::collections::BTreeMap;
use std::path::Path;

pub use crate::kinds::Kind;

/// A problem that makes a whole file untrustworthy (SPEC 2.6): the ingest
/// stops before anything is written.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read `{file}`")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{file}: unreadable encoding: {problem}\nhint: export the file from SEEMiS or Excel as CSV (UTF-8 or Windows-1252)"
    )]
    Encoding { file: String, problem: String },
    #[error("{file}: no header row; expected a CSV export with a header row")]
    NoHeader { file: String },
    #[error(
        "{file}: the first row holds an SCN, so it is data, not a header row; expected a header row such as `SCN,Subject,Level`\nhint: export the file again with its column headers"
    )]
    HeaderIsData { file: String },
    #[error("{file}:{line}: {problem}\nhint: check that this is a SEEMiS CSV export")]
    TooLarge {
        file: String,
        line: u64,
        problem: String,
    },
    #[error("{file}: {problem}: the file looks truncated\nhint: export it again from SEEMiS")]
    Truncated { file: String, problem: String },
    #[error(
        "{file}: cannot tell what kind of export this is from its headers; found: {found}\nhint: expected an `SCN` column and the columns of one kind (pupils, bge, senior, overrides, interventions), or give `--kind`"
    )]
    UnknownKind { file: String, found: String },
    #[error(
        "{file}: missing required column {missing} for kind `{kind}`; expected: {required}; found: {found}"
    )]
    MissingColumn {
        file: String,
        kind: Kind,
        missing: String,
        required: String,
        found: String,
    },
    #[error("{file}: no data rows; expected at least one row after the header")]
    NoRows { file: String },
    #[error(
        "{file}: cannot read the workbook: {problem}\nhint: open it in Excel or LibreOffice and save it again, or save the sheet as CSV"
    )]
    Workbook { file: String, problem: String },
    #[error("{file}: no sheet `{sheet}`; the workbook has: {found}")]
    NoSheet {
        file: String,
        sheet: String,
        found: String,
    },
    #[error(
        "{file}: {problem}\nhint: check that this is a SEEMiS export; save the sheet alone as CSV if it is"
    )]
    WorkbookTooLarge { file: String, problem: String },
    #[error(
        "{file}: no row has an agreed lead; expected `agreed_lead_role` filled in for the pupils whose lead the meeting changed\nhint: nothing was ingested, so the window's overrides are as they were"
    )]
    NothingAgreed { file: String },
    #[error("{file}:{line}: cannot parse CSV: {problem}")]
    Csv {
        file: String,
        line: u64,
        problem: String,
    },
}

/// An export whose bytes, encoding, kind and header have been checked.
#[derive(Debug)]
pub struct PreparedFile {
    pub raw: read::RawExport,
    pub kind: Kind,
    pub header: headers::HeaderMap,
}

/// Names in backticks, at most 30 of them and 40 characters each, so a
/// message about a wide or odd header stays one readable paragraph.
pub fn backticked(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    const MAX_ITEMS: usize = 30;
    const MAX_CHARS: usize = 40;
    let mut v: Vec<String> = Vec::new();
    let mut more = 0;
    for s in items {
        if v.len() == MAX_ITEMS {
            more += 1;
            continue;
        }
        let s = s.as_ref();
        let short: String = s.chars().take(MAX_CHARS).collect();
        let cut = if short.len() < s.len() { "…" } else { "" };
        v.push(format!("`{short}{cut}`"));
    }
    if more > 0 {
        v.push(format!("and {more} more"));
    }
    if v.is_empty() {
        "(nothing)".to_string()
    } else {
        v.join(", ")
    }
}

/// Read one file and check everything that can condemn it as a whole, except
/// "no data rows", which `rows` finds. A workbook (by its extension) is
/// read as the CSV export of `sheet`, else of its first sheet.
pub fn prepare(
    path: &Path,
    forced: Option<Kind>,
    sheet: Option<&str>,
    extra_aliases: &BTreeMap<String, Vec<String>>,
) -> Result<PreparedFile, IngestError> {
    let raw = match workbook::format_of(path) {
        Some(format) => workbook::read_workbook(path, format, sheet, extra_aliases)?,
        None => read::read_export(path)?,
    };
    prepare_raw(raw, forced, extra_aliases)
}

/// [`prepare`] for an export already read (or made in memory, as the fuzz
/// target does).
pub fn prepare_raw(
    mut raw: read::RawExport,
    forced: Option<Kind>,
    extra_aliases: &BTreeMap<String, Vec<String>>,
) -> Result<PreparedFile, IngestError> {
    let mut record = csv::StringRecord::new();
    let body_start = loop {
        let mut reader = csv_reader(&raw);
        let found = loop {
            match reader.read_record(&mut record) {
                Ok(true) if record.iter().all(|f| f.trim().is_empty()) => continue,
                Ok(found) => break found,
                Err(e) => return Err(csv_error(&raw.name, &e, 0)),
            }
        };
        let body_start = reader.position().byte();
        drop(reader);
        match found {
            true => break body_start,
            // The first piece of a text decoded piece by piece is all
            // blank: look for the header in the whole text.
            false if raw.lazy.is_some() => raw.decode_whole()?,
            false => return Err(IngestError::NoHeader { file: raw.name }),
        }
    };
    // The rows are parsed apart only after the header. The split points of
    // a text decoded piece by piece all come after its first piece, which
    // holds the header.
    if raw.lazy.is_none() {
        raw.splits.retain(|&(at, _)| at as u64 > body_start);
    }
    // A file exported without headers starts with a pupil's row: say so,
    // rather than list its cells (names) as the headers found.
    if record
        .iter()
        .any(|f| crate::rules::values::is_valid_scn(f.trim()))
    {
        return Err(IngestError::HeaderIsData { file: raw.name });
    }
    let names: Vec<String> = record.iter().map(|h| h.trim().to_string()).collect();
    let normalised: Vec<String> = names.iter().map(|h| headers::normalise_header(h)).collect();
    let found = || backticked(names.iter().filter(|h| !h.is_empty()));
    let kind = match forced.or_else(|| headers::detect_kind(&normalised, extra_aliases)) {
        Some(k) => k,
        None => {
            return Err(IngestError::UnknownKind {
                found: found(),
                file: raw.name,
            });
        }
    };
    let header = headers::map_headers(kind, &names, extra_aliases).map_err(|m| {
        IngestError::MissingColumn {
            file: raw.name.clone(),
            kind,
            missing: backticked(&m.missing),
            required: backticked(&m.required),
            found: found(),
        }
    })?;
    Ok(PreparedFile { raw, kind, header })
}

pub(crate) fn csv_reader(raw: &read::RawExport) -> csv::Reader<&[u8]> {
    text_reader(&raw.text, raw.delimiter)
}

pub(crate) fn text_reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    // Fields split at ASCII bytes only are text: `parts::field` relies on it.
    assert!(delimiter.is_ascii(), "a delimiter is one ASCII byte");
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// `lines_before`: lines of the file before the text that was parsed.
pub(crate) fn csv_error(file: &str, e: &csv::Error, lines_before: u64) -> IngestError {
    let line = e.position().map_or(0, |p| p.line() + lines_before);
    let problem = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "invalid text".to_string(),
        csv::ErrorKind::UnequalLengths { .. } => "unequal field counts".to_string(),
        _ => "malformed CSV".to_string(),
    };
    IngestError::Csv {
        file: file.to_string(),
        line,
        problem,
    }
}
