//! CSV for spreadsheets and scripts: report columns in order, formulas neutralised.

use std::io::Write;

use anyhow::Result;

use super::{Cell, Table, neutralise, round1};

/// Write the tables one after another, separated by a blank line.
pub fn write(w: &mut dyn Write, tables: &[Table]) -> Result<()> {
    for (i, table) in tables.iter().enumerate() {
        if i > 0 {
            w.write_all(b"\n")?;
        }
        write_one(&mut *w, table)?;
    }
    Ok(())
}

fn write_one(w: &mut dyn Write, table: &Table) -> Result<()> {
    let mut out = ::csv::Writer::from_writer(w);
    out.write_record(table.columns.iter().map(|c| c.name.as_str()))?;
    for row in &table.rows {
        out.write_record(row.iter().map(field))?;
    }
    out.flush()?;
    Ok(())
}

/// Null is an empty field. Floats are rounded to one decimal place and then
/// written in their shortest form (`12.3`, `12` for 12.0), since they are
/// percentages and attendance; a non-finite float is empty. Text goes
/// through [`neutralise`] (SPEC 9) because CSV is opened in spreadsheets.
fn field(cell: &Cell) -> String {
    match cell {
        Cell::Null => String::new(),
        Cell::Int(v) => v.to_string(),
        Cell::Float(v) if v.is_finite() => {
            // One decimal always (attendance `80.0`), and never `-0.0`.
            let r = round1(*v);
            format!("{:.1}", if r == 0.0 { 0.0 } else { r })
        }
        Cell::Float(_) => String::new(),
        Cell::Text(s) => neutralise(s).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::ColType;
    use super::*;

    fn read_back(bytes: &[u8]) -> Vec<Vec<String>> {
        ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes)
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect()
    }

    #[test]
    fn round_trip_keeps_awkward_text_and_neutralises_payloads() {
        let mut t = Table::new(
            "t",
            &[
                ("name", ColType::Text),
                ("n", ColType::Int),
                ("pct", ColType::Float),
            ],
        );
        let awkward = "Mac\"Donald, Seònaid\nline two";
        t.rows
            .push(vec![awkward.into(), Cell::Int(-1), Cell::Float(87.25)]);
        t.rows.push(vec![
            "=HYPERLINK(\"http://x\")".into(),
            Cell::Null,
            Cell::Float(12.0),
        ]);
        t.rows
            .push(vec!["-1".into(), Cell::Int(0), Cell::Float(-0.01)]);
        let mut out = Vec::new();
        write(&mut out, &[t]).unwrap();
        let rows = read_back(&out);
        let want = [
            ["name", "n", "pct"],
            [awkward, "-1", "87.3"],
            ["'=HYPERLINK(\"http://x\")", "", "12.0"],
            ["-1", "0", "0.0"],
        ];
        assert_eq!(rows, want.map(|r| r.map(String::from)));
    }

    #[test]
    fn several_tables_are_separated_by_a_blank_line() {
        let mut a = Table::new("a", &[("x", ColType::Int)]);
        a.rows.push(vec![Cell::Int(1)]);
        let b = Table::new("b", &[("y", ColType::Text), ("z", ColType::Text)]);
        let mut out = Vec::new();
        write(&mut out, &[a, b]).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "x\n1\n\ny,z\n");
    }
}
