//! JSON for scripts: an array of objects whose keys keep the report's column order.
//!
//! serde_json's `Map` would sort the keys (`preserve_order` is not in the
//! lock file), so objects are written by hand, one per line, with serde_json
//! escaping each key and value. Text is not neutralised: JSON is not opened
//! as a spreadsheet.

use std::collections::HashSet;
use std::io::Write;

use anyhow::{Result, bail};

use super::{Checked, Parts, Table, Val, in_waves, round1, table_parts};

/// `[{...},{...}]`, one row object per line.
pub fn write_array(w: &mut dyn Write, table: &Table) -> Result<()> {
    table_parts(std::slice::from_ref(table), |parts| {
        write_parts_array(w, &parts[0])
    })
}

/// `{"title": [rows...], ...}` in table order; titles must be unique.
pub fn write_object(w: &mut dyn Write, tables: &[Table]) -> Result<()> {
    table_parts(tables, |parts| write_parts_object(w, parts))
}

/// [`write_array`] for a table given as [`Parts`].
pub fn write_parts_array(w: &mut dyn Write, table: &Parts) -> Result<()> {
    array(w, table)?;
    w.write_all(b"\n")?;
    Ok(())
}

/// [`write_object`] for tables given as [`Parts`].
pub fn write_parts_object(w: &mut dyn Write, tables: &[Parts]) -> Result<()> {
    let mut seen = HashSet::new();
    if let Some(t) = tables.iter().find(|t| !seen.insert(t.title)) {
        bail!("two tables are titled `{}`; JSON keys must differ", t.title);
    }
    w.write_all(b"{")?;
    for (i, table) in tables.iter().enumerate() {
        w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *w, table.title)?;
        w.write_all(b":")?;
        array(w, table)?;
    }
    w.write_all(b"\n}\n")?;
    Ok(())
}

/// `[`, a line end before each object, `,` between them, and a line end
/// before the closing `]` unless the array is empty. The parts render on
/// every core and are written in order; every part's rows start `,` and a
/// line end, and the array's first row starts with the line end alone, as
/// [`Stream::new`] would write it.
fn array(w: &mut dyn Write, t: &Parts) -> Result<()> {
    let names: Vec<&str> = t.columns.iter().map(|(n, _)| *n).collect();
    w.write_all(b"[")?;
    let mut any = false;
    in_waves(
        t.parts,
        |i| {
            let mut buf = Vec::new();
            {
                let mut sink = Checked(t.title, names.len(), Stream::continued(&mut buf, &names));
                (t.render)(i, &mut sink)?;
            }
            Ok(buf)
        },
        |buf| {
            let body = match (any, buf.first()) {
                (false, Some(b',')) => &buf[1..],
                _ => &buf[..],
            };
            any |= !buf.is_empty();
            Ok(w.write_all(body)?)
        },
    )?;
    w.write_all(if any { b"\n]" } else { b"]" })?;
    Ok(())
}

/// A JSON array written an object at a time, one per line.
pub struct Stream<'w, 'n> {
    w: &'w mut dyn Write,
    names: &'n [&'n str],
    rows: usize,
}

impl<'w, 'n> Stream<'w, 'n> {
    pub fn new(w: &'w mut dyn Write, names: &'n [&'n str]) -> Result<Self> {
        w.write_all(b"[")?;
        Ok(Stream { w, names, rows: 0 })
    }

    /// Rows of a later part of an array already opened: each row starts
    /// `,` and a line end; there is no `[` and no [`Stream::end`].
    pub fn continued(w: &'w mut dyn Write, names: &'n [&'n str]) -> Self {
        Stream { w, names, rows: 1 }
    }

    pub fn record<'v>(&mut self, vals: impl IntoIterator<Item = Val<'v>>) -> Result<()> {
        let w = &mut *self.w;
        w.write_all(if self.rows == 0 { b"\n{" } else { b",\n{" })?;
        for (j, (name, v)) in self.names.iter().zip(vals).enumerate() {
            if j > 0 {
                w.write_all(b",")?;
            }
            serde_json::to_writer(&mut *w, name)?;
            w.write_all(b":")?;
            value(w, v)?;
        }
        w.write_all(b"}")?;
        self.rows += 1;
        Ok(())
    }

    /// Close the array (without the final line end).
    pub fn end(self) -> Result<()> {
        if self.rows > 0 {
            self.w.write_all(b"\n")?;
        }
        self.w.write_all(b"]")?;
        Ok(())
    }
}

/// Numbers are numbers and Null is `null` (SPEC 7.3). Floats are rounded to
/// one decimal place like CSV; serde_json writes a non-finite float as `null`.
fn value(w: &mut dyn Write, v: Val) -> Result<()> {
    match v {
        Val::Null => w.write_all(b"null")?,
        Val::Int(n) => serde_json::to_writer(w, &n)?,
        Val::Float(f) => serde_json::to_writer(w, &round1(f))?,
        Val::Text(s) => serde_json::to_writer(w, s)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{Cell, ColType, PART_ROWS};
    use super::*;
    use serde_json::{Value, json};

    fn table() -> Table {
        let mut t = Table::new(
            "offtrack",
            &[
                ("scn", ColType::Text),
                ("b", ColType::Int),
                ("a", ColType::Float),
            ],
        );
        t.rows
            .push(vec!["=1+1".into(), Cell::Int(-1), Cell::Float(93.26)]);
        t.rows.push(vec![
            "Seònaid \"Q\"".into(),
            Cell::Null,
            Cell::Float(f64::NAN),
        ]);
        t
    }

    #[test]
    fn a_table_of_many_parts_is_written_as_one_stream_writes_it() {
        let mut t = table();
        t.rows = (0..2 * PART_ROWS + 3)
            .map(|i| vec![Cell::Text(format!("S{i}")), Cell::Int(i as i64), Cell::Null])
            .collect();
        let mut parts = Vec::new();
        write_array(&mut parts, &t).unwrap();
        let mut one = Vec::new();
        {
            let names = ["scn", "b", "a"];
            let mut out = Stream::new(&mut one, &names).unwrap();
            for row in &t.rows {
                out.record(row.iter().map(Val::from)).unwrap();
            }
            out.end().unwrap();
        }
        one.push(b'\n');
        assert_eq!(
            String::from_utf8(parts).unwrap(),
            String::from_utf8(one).unwrap()
        );
    }

    #[test]
    fn numbers_are_numbers_null_is_null_and_keys_keep_column_order() {
        let mut out = Vec::new();
        write_array(&mut out, &table()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            parsed,
            json!([
                {"scn": "=1+1", "b": -1, "a": 93.3},
                {"scn": "Seònaid \"Q\"", "b": null, "a": null},
            ])
        );
        let first = text.lines().nth(1).unwrap();
        assert!(
            first.starts_with(r#"{"scn":"=1+1","b":-1,"a":93.3}"#),
            "{first}"
        );
    }

    #[test]
    fn empty_table_is_an_empty_array() {
        let mut out = Vec::new();
        write_array(&mut out, &Table::new("t", &[("a", ColType::Int)])).unwrap();
        assert_eq!(out, b"[]\n");
    }

    #[test]
    fn several_tables_are_an_object_keyed_by_title() {
        let mut other = Table::new("completeness", &[("pct", ColType::Float)]);
        other.rows.push(vec![Cell::Float(50.0)]);
        let mut out = Vec::new();
        write_object(&mut out, &[table(), other]).unwrap();
        let text = String::from_utf8(out).unwrap();
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["completeness"], json!([{"pct": 50.0}]));
        assert_eq!(parsed["offtrack"][0]["b"], json!(-1));
        assert!(text.find("offtrack").unwrap() < text.find("completeness").unwrap());
        assert!(write_object(&mut Vec::new(), &[table(), table()]).is_err());
    }
}
