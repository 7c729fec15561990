//! Header rows: normalising spellings, recognising the kind, mapping columns.

use std::collections::{BTreeMap, HashMap};

use crate::kinds::{ColumnSpec, Kind};

/// SPEC 2: ignore case, surrounding spaces and the characters ` _-./()#`.
pub fn normalise_header(h: &str) -> String {
    h.trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.' | '/' | '(' | ')' | '#'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Every accepted spelling of a kind's columns, normalised, to its index in
/// `kind.columns()`. Config `[columns]` entries add to the built-in ones.
pub fn alias_table(kind: Kind, extra: &BTreeMap<String, Vec<String>>) -> HashMap<String, usize> {
    let mut table = HashMap::new();
    for (i, spec) in kind.columns().iter().enumerate() {
        let spellings = std::iter::once(spec.display)
            .chain(spec.aliases.iter().copied())
            .chain(spec.name.split(' '))
            .map(normalise_header)
            .chain(
                extra
                    .get(spec.name)
                    .into_iter()
                    .flatten()
                    .map(|s| normalise_header(s)),
            );
        for s in spellings {
            table.entry(s).or_insert(i);
        }
    }
    table
}

/// SPEC 2.3: recognise a file's kind from its (normalised) headers.
pub fn detect_kind(headers: &[String], extra: &BTreeMap<String, Vec<String>>) -> Option<Kind> {
    let has = |kind: Kind, column: &str| {
        let table = alias_table(kind, extra);
        headers.iter().any(|h| {
            table
                .get(h)
                .is_some_and(|&i| kind.columns()[i].name == column)
        })
    };
    if !has(Kind::Pupils, "scn") {
        return None;
    }
    if has(Kind::Overrides, "lead_role") {
        Some(Kind::Overrides)
    } else if has(Kind::Interventions, "intervention") {
        Some(Kind::Interventions)
    } else if has(Kind::Senior, "working_grade") {
        Some(Kind::Senior)
    } else if has(Kind::Bge, "level") || has(Kind::Bge, "subject") {
        Some(Kind::Bge)
    } else {
        Some(Kind::Pupils)
    }
}

/// How a file's header maps onto its kind's columns.
#[derive(Debug, Clone)]
pub struct HeaderMap {
    /// For each of `kind.columns()`, the field index in the file, if present.
    pub field_of: Vec<Option<usize>>,
    /// Headers that matched no column, as written (reported once by ingest).
    pub unknown: Vec<String>,
    /// Number of header fields up to and including the last named one.
    pub width: usize,
    /// The meeting's `followup` workbook (SPEC 11.3), read as overrides: its
    /// agreed columns are the override, and a row with none agreed is skipped.
    pub meeting: bool,
}

/// The columns `followup --format xlsx` adds for the meeting to fill in.
pub const AGREED_COLUMNS: [&str; 3] = ["agreed_lead_role", "agreed_lead_name", "notes"];

/// A required column is missing.
#[derive(Debug, Clone)]
pub struct MissingColumns {
    pub missing: Vec<&'static str>,
    pub required: Vec<&'static str>,
}

pub fn map_headers(
    kind: Kind,
    headers: &[String],
    extra: &BTreeMap<String, Vec<String>>,
) -> Result<HeaderMap, MissingColumns> {
    let mut table = alias_table(kind, extra);
    // The meeting's sheet also holds the suggested `lead_role` and
    // `lead_name`; there only the agreed columns are the override.
    let meeting = kind == Kind::Overrides
        && headers
            .iter()
            .any(|h| normalise_header(h) == normalise_header(AGREED_COLUMNS[0]));
    if meeting {
        table.retain(|_, i| *i == 0);
        for (i, name) in AGREED_COLUMNS.iter().enumerate() {
            table.insert(normalise_header(name), i + 1);
        }
    }
    let specs: &[ColumnSpec] = kind.columns();
    let mut field_of = vec![None; specs.len()];
    let mut unknown = Vec::new();
    let width = headers
        .iter()
        .rposition(|h| !h.trim().is_empty())
        .map_or(0, |i| i + 1);
    for (field, header) in headers.iter().take(width).enumerate() {
        match table.get(&normalise_header(header)) {
            Some(&i) if field_of[i].is_none() => field_of[i] = Some(field),
            Some(_) => {}
            None if header.trim().is_empty() || meeting => {}
            None => unknown.push(header.trim().to_string()),
        }
    }
    let missing: Vec<&'static str> = specs
        .iter()
        .zip(&field_of)
        .filter(|(s, f)| s.required && f.is_none())
        .map(|(s, _)| s.display)
        .collect();
    if !missing.is_empty() {
        return Err(MissingColumns {
            missing,
            required: specs
                .iter()
                .filter(|s| s.required)
                .map(|s| s.display)
                .collect(),
        });
    }
    Ok(HeaderMap {
        field_of,
        unknown,
        width,
        meeting,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(hs: &[&str]) -> Vec<String> {
        hs.iter().map(|h| normalise_header(h)).collect()
    }

    #[test]
    fn header_spellings_are_the_same() {
        for h in [
            "Reg Class",
            "reg_class",
            "REG. CLASS",
            " Reg-Class ",
            "(Reg) #Class",
        ] {
            assert_eq!(normalise_header(h), "regclass", "{h}");
        }
    }

    #[test]
    fn kinds_are_recognised() {
        let none = BTreeMap::new();
        let cases: &[(&[&str], Option<Kind>)] = &[
            (&["SCN", "Forename", "Stage"], Some(Kind::Pupils)),
            (&["SCN", "Subject", "Level"], Some(Kind::Bge)),
            (
                &["Candidate Number", "Subject", "CfE Level"],
                Some(Kind::Bge),
            ),
            (
                &["SCN", "Course", "Level", "Working Grade"],
                Some(Kind::Senior),
            ),
            (
                &["SCN", "Subject", "Course Level", "WG", "TG"],
                Some(Kind::Senior),
            ),
            (&["SCN", "Lead Role"], Some(Kind::Overrides)),
            (
                &["SCN", "Intervention Type", "Date"],
                Some(Kind::Interventions),
            ),
            (&["Name", "Subject"], None),
        ];
        for (headers, want) in cases {
            assert_eq!(detect_kind(&norm(headers), &none), *want, "{headers:?}");
        }
    }

    #[test]
    fn the_meeting_sheet_takes_the_agreed_columns_not_the_suggested_lead() {
        let none = BTreeMap::new();
        let headers: Vec<String> = [
            "school",
            "lead_role",
            "lead_name",
            "scn",
            "override",
            "agreed_lead_role",
            "agreed_lead_name",
            "notes",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            detect_kind(
                &norm(&headers.iter().map(String::as_str).collect::<Vec<_>>()),
                &none
            ),
            Some(Kind::Overrides)
        );
        let map = map_headers(Kind::Overrides, &headers, &none).unwrap();
        assert!(map.meeting);
        assert_eq!(map.field_of, vec![Some(3), Some(5), Some(6), Some(7)]);
        assert!(map.unknown.is_empty());
        let plain = map_headers(Kind::Overrides, &headers[..4], &none).unwrap();
        assert!(!plain.meeting);
        assert_eq!(plain.field_of, vec![Some(3), Some(1), Some(2), None]);
    }

    #[test]
    fn missing_required_column_lists_required() {
        let none = BTreeMap::new();
        let err = map_headers(Kind::Bge, &["SCN".into(), "Subject".into()], &none).unwrap_err();
        assert_eq!(err.missing, vec!["Level"]);
        assert_eq!(err.required, vec!["SCN", "Subject", "Level"]);
    }

    #[test]
    fn config_aliases_add_to_built_ins_and_trailing_blanks_are_ignored() {
        let mut extra = BTreeMap::new();
        extra.insert("scn".to_string(), vec!["Pupil Number".to_string()]);
        let headers: Vec<String> = ["Pupil Number", "Year", "Shoe Size", "", ""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let map = map_headers(Kind::Pupils, &headers, &extra).unwrap();
        assert_eq!(map.field_of[0], Some(0));
        assert_eq!(map.width, 3);
        assert_eq!(map.unknown, vec!["Shoe Size"]);
    }
}
