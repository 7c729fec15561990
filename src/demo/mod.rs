//! Synthetic SEEMiS exports for `tracker demo` and the benchmarks.

pub mod generate;
pub mod store;

use anyhow::Context;

/// The default config with the demo's school code and invented staff
/// names, so the demo's leads are filled. Edited as a TOML document, which
/// keeps every comment of the template a school would start from.
pub fn config() -> anyhow::Result<String> {
    let faculties = [
        ("English", "Ms A Morrison"),
        ("Mathematics", "Mr D Henderson"),
        ("Modern Languages", "Mme C Leclerc"),
        ("Sciences", "Dr R Patel"),
        ("Social Subjects", "Mr J Ferguson"),
        ("Technologies", "Mrs L Baird"),
        ("Expressive Arts", "Ms K Rennie"),
        ("Health & Wellbeing", "Mr S Dunn"),
    ];
    let houses = [
        ("Arran", "Mrs E Muir"),
        ("Iona", "Mr T Reid"),
        ("Lomond", "Ms F Grant"),
    ];
    let stages = [
        ("S1", "Mr G Wallace"),
        ("S2", "Mrs H Kerr"),
        ("S3", "Ms I Boyd"),
        ("S4", "Mr P Hamilton"),
        ("S5", "Mrs M Gray"),
        ("S6", "Mr N Stewart"),
    ];
    let mut doc: toml_edit::DocumentMut = crate::config::DEFAULT_TOML.parse()?;
    doc["school"]["code"] = toml_edit::value("DEMO001");
    let bands = doc["followup"]["band"]
        .as_array_of_tables_mut()
        .context("the built-in config has no [[followup.band]]")?;
    for band in bands.iter_mut() {
        let staff: &[(&str, &str)] = match band.get("lead_by").and_then(|v| v.as_str()) {
            Some("faculty") => &faculties,
            Some("house") => &houses,
            Some("stage") => &stages,
            _ => continue,
        };
        let table = band["staff"]
            .as_table_mut()
            .context("a [[followup.band]] with no staff table")?;
        for (key, name) in staff {
            table.insert(key, toml_edit::value(*name));
        }
    }
    Ok(doc.to_string())
}

/// A small demo school can have no overrides or interventions at all; such a
/// file holds only its header, which ingest rightly refuses (SPEC 2.6).
pub fn has_data_rows(path: &std::path::Path) -> bool {
    std::fs::read(path).is_ok_and(|b| {
        b.split(|&c| c == b'\n')
            .filter(|l| l.iter().any(|c| !c.is_ascii_whitespace()))
            .count()
            > 1
    })
}
