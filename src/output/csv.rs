//! CSV for spreadsheets and scripts: report columns in order, formulas neutralised.

use std::io::Write;

use anyhow::Result;

use super::{Checked, Parts, Record, Val, in_waves, neutralise, round1};

/// The table's header, then its parts, rendered on every core and written
/// in order: a national `subjects` writes three million rows.
pub fn write(w: &mut dyn Write, t: &Parts) -> Result<()> {
    let names = t.columns.iter().map(|(n, _)| *n);
    Stream::new(&mut *w, names)?.finish()?;
    in_waves(
        t.parts,
        |i| {
            let mut buf = Vec::new();
            {
                let mut sink = Checked(t.title, t.columns.len(), Stream::headless(&mut buf));
                (t.render)(i, &mut sink)?;
                sink.2.finish()?;
            }
            Ok(buf)
        },
        |buf| Ok(w.write_all(&buf)?),
    )
}

/// CSV written a record at a time, for tables and for streamed reports alike.
pub struct Stream<'w> {
    out: ::csv::Writer<&'w mut dyn Write>,
}

impl<'w> Stream<'w> {
    pub fn new<'h>(
        w: &'w mut dyn Write,
        header: impl IntoIterator<Item = &'h str>,
    ) -> Result<Self> {
        let mut out = ::csv::Writer::from_writer(w);
        out.write_record(header)?;
        Ok(Stream { out })
    }

    /// Rows without a header: a later part of a file whose header is written.
    pub fn headless(w: &'w mut dyn Write) -> Self {
        Stream {
            out: ::csv::Writer::from_writer(w),
        }
    }

    pub fn finish(mut self) -> Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

impl Record for Stream<'_> {
    fn record(&mut self, vals: &[Val]) -> Result<()> {
        let mut digits = [0u8; 20];
        for &v in vals {
            match v {
                Val::Null => self.out.write_field(b"")?,
                Val::Int(n) => self.out.write_field(int(n, &mut digits))?,
                Val::Float(f) => self.out.write_field(float(f))?,
                Val::Text(s) => self.out.write_field(neutralise(s).as_bytes())?,
            }
        }
        self.out.write_record(None::<&[u8]>)?;
        Ok(())
    }
}

/// An integer's decimal digits, written into `buf` without allocating.
fn int(n: i64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// Floats are rounded to one decimal place and always show it (attendance
/// `80.0`), since they are percentages and attendance; never `-0.0`; a
/// non-finite float is empty. Text goes through [`neutralise`] (SPEC 9)
/// because CSV is opened in spreadsheets.
fn float(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let r = round1(v);
    format!("{:.1}", if r == 0.0 { 0.0 } else { r })
}

#[cfg(test)]
mod tests {
    use super::super::{Cell, ColType, PART_ROWS, Table, table_parts};
    use super::*;

    fn csv_of(t: &Table) -> Vec<u8> {
        let mut out = Vec::new();
        table_parts(std::slice::from_ref(t), |p| write(&mut out, &p[0])).unwrap();
        out
    }

    fn read_back(bytes: &[u8]) -> Vec<Vec<String>> {
        ::csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes)
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect()
    }

    #[test]
    fn a_table_of_many_parts_is_written_as_one_stream_writes_it() {
        let mut t = Table::new("t", &[("name", ColType::Text), ("n", ColType::Int)]);
        t.rows = (0..2 * PART_ROWS + 3)
            .map(|i| vec![Cell::Text(format!("=a,\"{i}")), Cell::Int(i as i64)])
            .collect();
        let mut one = Vec::new();
        {
            let mut out = Stream::new(&mut one, ["name", "n"]).unwrap();
            for row in &t.rows {
                let vals: Vec<Val> = row.iter().map(Val::from).collect();
                out.record(&vals).unwrap();
            }
            out.finish().unwrap();
        }
        assert_eq!(csv_of(&t), one);
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
        let rows = read_back(&csv_of(&t));
        let want = [
            ["name", "n", "pct"],
            [awkward, "-1", "87.3"],
            ["'=HYPERLINK(\"http://x\")", "", "12.0"],
            ["-1", "0", "0.0"],
        ];
        assert_eq!(rows, want.map(|r| r.map(String::from)));
    }

    #[test]
    fn integers_are_written_without_allocating_and_exactly() {
        let mut buf = [0u8; 20];
        for n in [0, 7, -7, 10, 1234567890, i64::MAX, i64::MIN] {
            assert_eq!(int(n, &mut buf), n.to_string().as_bytes());
        }
    }

    #[test]
    fn an_empty_table_is_its_header() {
        let t = Table::new("b", &[("y", ColType::Text), ("z", ColType::Text)]);
        assert_eq!(String::from_utf8(csv_of(&t)).unwrap(), "y,z\n");
    }
}
