//! JSON for scripts: an array of row objects, one per line, whose keys keep
//! the report's column order; several tables are an object keyed by title.
//!
//! serde_json writes all of it. Each row is a map serialised entry by entry
//! in column order (serde_json's `Map` would sort the keys, and
//! `preserve_order` is not in the lock file), and [`Lines`], a serde_json
//! `Formatter`, puts each row and each table on a line of its own. Text is
//! not neutralised: JSON is not opened as a spreadsheet.

use std::collections::HashSet;
use std::io::{self, Write};

use anyhow::{Result, bail};
use serde::ser::{Error as _, Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::ser::{CompactFormatter, Formatter};

use super::{Checked, Parts, Record, Val, round1};

/// One table: `[`, each row object on a line of its own, `]`. Several: an
/// object of such arrays keyed by title, in table order.
pub fn write(w: &mut dyn Write, tables: &[Parts]) -> Result<()> {
    match tables {
        [table] => {
            let mut out = serde_json::Serializer::with_formatter(&mut *w, Lines::rows_at(2));
            Array(table).serialize(&mut out)?;
        }
        _ => {
            let mut seen = HashSet::new();
            if let Some(t) = tables.iter().find(|t| !seen.insert(t.title)) {
                bail!("two tables are titled `{}`; JSON keys must differ", t.title);
            }
            let mut out = serde_json::Serializer::with_formatter(&mut *w, Lines::rows_at(3));
            Object(tables).serialize(&mut out)?;
        }
    }
    w.write_all(b"\n")?;
    Ok(())
}

/// Tables keyed by title.
struct Object<'a>(&'a [Parts<'a>]);

impl Serialize for Object<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for table in self.0 {
            map.serialize_entry(table.title, &Array(table))?;
        }
        map.end()
    }
}

/// A table's rows, rendered part by part as they are serialised.
struct Array<'a>(&'a Parts<'a>);

impl Serialize for Array<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        let names: Vec<&str> = t.columns.iter().map(|(n, _)| *n).collect();
        let mut seq = s.serialize_seq(None)?;
        let rows = Rows {
            seq: &mut seq,
            names: &names,
        };
        let mut sink = Checked(t.title, names.len(), rows);
        t.each(&mut sink)
            .map_err(|e| S::Error::custom(format!("{e:#}")))?;
        seq.end()
    }
}

/// Hands each row to the array being serialised.
struct Rows<'s, 'n, Q> {
    seq: &'s mut Q,
    names: &'n [&'n str],
}

impl<Q: SerializeSeq> Record for Rows<'_, '_, Q> {
    fn record(&mut self, vals: &[Val]) -> Result<()> {
        let row = Row {
            names: self.names,
            vals,
        };
        self.seq
            .serialize_element(&row)
            .map_err(|e| anyhow::anyhow!("{e}"))
    }
}

/// One row: its values under the column names, in column order.
struct Row<'a> {
    names: &'a [&'a str],
    vals: &'a [Val<'a>],
}

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.vals.len()))?;
        for (name, v) in self.names.iter().zip(self.vals) {
            map.serialize_entry(name, v)?;
        }
        map.end()
    }
}

/// Numbers are numbers and Null is `null` (SPEC 7.3). Floats are rounded to
/// one decimal place like CSV; serde_json writes a non-finite float as `null`.
impl Serialize for Val<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Val::Null => s.serialize_unit(),
            Val::Int(n) => s.serialize_i64(n),
            Val::Float(f) => s.serialize_f64(round1(f)),
            Val::Text(t) => s.serialize_str(t),
        }
    }
}

/// serde_json's compact layout, except that the containers outside the row
/// objects put each of their values on a line of its own and their closing
/// bracket on the next: a file of a million rows stays a file of lines that
/// `grep`, `head` and a diff can read.
struct Lines {
    /// The depth of the row objects: containers above it get line ends.
    rows_at: usize,
    /// For each open container, whether it holds a value yet.
    open: Vec<bool>,
}

impl Lines {
    fn rows_at(rows_at: usize) -> Lines {
        Lines {
            rows_at,
            open: Vec::new(),
        }
    }

    fn lined(&self) -> bool {
        self.open.len() < self.rows_at
    }

    /// Before a value of the innermost container.
    fn value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if let Some(any) = self.open.last_mut() {
            *any = true;
        }
        match (self.lined(), first) {
            (true, true) => w.write_all(b"\n"),
            (true, false) => w.write_all(b",\n"),
            (false, true) => Ok(()),
            (false, false) => w.write_all(b","),
        }
    }

    /// The closing bracket of the innermost container.
    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        if self.lined() && self.open.last() == Some(&true) {
            w.write_all(b"\n")?;
        }
        self.open.pop();
        w.write_all(bracket)
    }
}

impl Formatter for Lines {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open.push(false);
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.value(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open.push(false);
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.value(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        CompactFormatter.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _: &mut W) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Cell, ColType, PART_ROWS, Table, table_parts};
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

    fn json_of(tables: &[Table]) -> Result<String> {
        let mut out = Vec::new();
        table_parts(tables, |p| write(&mut out, p))?;
        Ok(String::from_utf8(out)?)
    }

    #[test]
    fn one_table_is_an_array_with_a_row_object_per_line() {
        let want = concat!(
            "[\n",
            r#"{"scn":"=1+1","b":-1,"a":93.3},"#,
            "\n",
            r#"{"scn":"Seònaid \"Q\"","b":null,"a":null}"#,
            "\n]\n"
        );
        assert_eq!(json_of(&[table()]).unwrap(), want);
    }

    #[test]
    fn numbers_are_numbers_null_is_null_and_keys_keep_column_order() {
        let text = json_of(&[table()]).unwrap();
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            parsed,
            json!([
                {"scn": "=1+1", "b": -1, "a": 93.3},
                {"scn": "Seònaid \"Q\"", "b": null, "a": null},
            ])
        );
    }

    #[test]
    fn the_parts_of_a_table_do_not_show() {
        let mut t = table();
        t.rows = (0..2 * PART_ROWS + 3)
            .map(|i| vec![Cell::Text(format!("S{i}")), Cell::Int(i as i64), Cell::Null])
            .collect();
        let text = json_of(std::slice::from_ref(&t)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), t.rows.len() + 2);
        assert_eq!(lines[1], r#"{"scn":"S0","b":0,"a":null},"#);
        assert_eq!(
            lines[PART_ROWS + 1],
            format!(r#"{{"scn":"S{PART_ROWS}","b":{PART_ROWS},"a":null}},"#)
        );
        let last = t.rows.len() - 1;
        assert_eq!(
            lines[last + 1],
            format!(r#"{{"scn":"S{last}","b":{last},"a":null}}"#)
        );
        assert_eq!(lines[last + 2], "]");
    }

    #[test]
    fn empty_table_is_an_empty_array() {
        let t = Table::new("t", &[("a", ColType::Int)]);
        assert_eq!(json_of(&[t]).unwrap(), "[]\n");
    }

    #[test]
    fn several_tables_are_an_object_keyed_by_title() {
        let mut other = Table::new("completeness", &[("pct", ColType::Float)]);
        other.rows.push(vec![Cell::Float(50.0)]);
        let empty = Table::new("none", &[("x", ColType::Int)]);
        let text = json_of(&[table(), other, empty]).unwrap();
        let want = concat!(
            "{\n",
            "\"offtrack\":[\n",
            r#"{"scn":"=1+1","b":-1,"a":93.3},"#,
            "\n",
            r#"{"scn":"Seònaid \"Q\"","b":null,"a":null}"#,
            "\n],\n",
            "\"completeness\":[\n{\"pct\":50.0}\n],\n",
            "\"none\":[]\n",
            "}\n"
        );
        assert_eq!(text, want);
        assert!(json_of(&[table(), table()]).is_err());
    }
}
