//! Parquet for a data warehouse: the report's columns, typed by [`ColType`].
//!
//! Values are written as they are: no neutralisation (Parquet is not opened
//! as a spreadsheet) and no rounding. Text in an integer column (an invalid
//! grade as entered) becomes null there.

use std::io::Write;

use anyhow::{Result, bail};
use polars::io::parquet::write::BatchedWriter;
use polars::prelude::{Column, DataFrame, DataType, ParquetWriter, Schema};

use super::{Cell, ColType, Table, Val};

pub fn write(w: &mut dyn Write, table: &Table) -> Result<()> {
    let mut df = frame(table)?;
    ParquetWriter::new(w).finish(&mut df)?;
    Ok(())
}

/// Rows in a streamed report's Parquet file are written a row group at a
/// time, so memory holds one group's cells, not the whole report.
const GROUP_ROWS: usize = 65_536;

/// Parquet written a row group at a time, for streamed reports.
pub struct Stream<'w> {
    writer: BatchedWriter<&'w mut dyn Write>,
    chunk: Table,
    written: bool,
}

impl<'w> Stream<'w> {
    pub fn new(w: &'w mut dyn Write, title: &str, columns: &[(&str, ColType)]) -> Result<Self> {
        let schema: Schema = columns
            .iter()
            .map(|(name, ty)| {
                let dtype = match ty {
                    ColType::Text | ColType::Status => DataType::String,
                    ColType::Int => DataType::Int64,
                    ColType::Float => DataType::Float64,
                };
                ((*name).into(), dtype)
            })
            .collect();
        Ok(Stream {
            writer: ParquetWriter::new(w).batched(&schema)?,
            chunk: Table::new(title, columns),
            written: false,
        })
    }

    pub fn record<'v>(&mut self, vals: impl IntoIterator<Item = Val<'v>>) -> Result<()> {
        self.chunk
            .rows
            .push(vals.into_iter().map(Val::to_cell).collect());
        if self.chunk.rows.len() >= GROUP_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let df = frame(&self.chunk)?;
        self.writer.write_batch(&df)?;
        self.chunk.rows.clear();
        self.written = true;
        Ok(())
    }

    pub fn finish(mut self) -> Result<()> {
        if !self.chunk.rows.is_empty() || !self.written {
            self.flush()?;
        }
        self.writer.finish()?;
        Ok(())
    }
}

/// Text and Status become String, Int Int64, Float Float64; Null stays null.
fn frame(table: &Table) -> Result<DataFrame> {
    let mut columns = Vec::with_capacity(table.columns.len());
    for (i, col) in table.columns.iter().enumerate() {
        let name = col.name.as_str().into();
        let cells = table.rows.iter().map(|r| &r[i]);
        let bad = |cell: &Cell| {
            anyhow::anyhow!("column `{}` is {:?} but holds {cell:?}", col.name, col.ty)
        };
        let column = match col.ty {
            ColType::Text | ColType::Status => {
                let v: Result<Vec<Option<&str>>> = cells
                    .map(|c| match c {
                        Cell::Null => Ok(None),
                        Cell::Text(s) => Ok(Some(s.as_str())),
                        other => Err(bad(other)),
                    })
                    .collect();
                Column::new(name, v?)
            }
            ColType::Int => {
                let v: Result<Vec<Option<i64>>> = cells
                    .map(|c| match c {
                        Cell::Null => Ok(None),
                        Cell::Int(v) => Ok(Some(*v)),
                        // An invalid grade shown as entered (SPEC 10.7) has no
                        // number: the typed column holds null; CSV keeps the text.
                        Cell::Text(_) => Ok(None),
                        other => Err(bad(other)),
                    })
                    .collect();
                Column::new(name, v?)
            }
            ColType::Float => {
                let v: Result<Vec<Option<f64>>> = cells
                    .map(|c| match c {
                        Cell::Null => Ok(None),
                        Cell::Float(v) => Ok(Some(*v)),
                        Cell::Int(v) => Ok(Some(*v as f64)),
                        other => Err(bad(other)),
                    })
                    .collect();
                Column::new(name, v?)
            }
        };
        columns.push(column);
    }
    match DataFrame::new(table.rows.len(), columns) {
        Ok(df) => Ok(df),
        Err(e) => bail!("cannot build the Parquet frame for `{}`: {e}", table.title),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::{DataType, ParquetReader, SerReader};

    #[test]
    fn round_trip_keeps_types_and_nulls() {
        let mut t = Table::new(
            "offtrack",
            &[
                ("scn", ColType::Text),
                ("off_track", ColType::Int),
                ("attendance", ColType::Float),
                ("status", ColType::Status),
            ],
        );
        t.rows.push(vec![
            "=1+1".into(),
            Cell::Int(-1),
            Cell::Float(91.26),
            "off_track".into(),
        ]);
        t.rows
            .push(vec![Cell::Null, Cell::Null, Cell::Int(80), Cell::Null]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let mut file = std::fs::File::create(&path).unwrap();
        write(&mut file, &t).unwrap();
        drop(file);

        let df = ParquetReader::new(std::fs::File::open(&path).unwrap())
            .finish()
            .unwrap();
        let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
        assert_eq!(names, ["scn", "off_track", "attendance", "status"]);
        let dtypes = df.dtypes();
        assert_eq!(
            dtypes,
            [
                DataType::String,
                DataType::Int64,
                DataType::Float64,
                DataType::String
            ]
        );
        assert_eq!(
            df.column("scn").unwrap().str().unwrap().get(0),
            Some("=1+1")
        );
        assert_eq!(
            df.column("off_track").unwrap().i64().unwrap().get(0),
            Some(-1)
        );
        assert_eq!(
            df.column("attendance").unwrap().f64().unwrap().get(0),
            Some(91.26)
        );
        assert_eq!(
            df.column("attendance").unwrap().f64().unwrap().get(1),
            Some(80.0)
        );
        assert_eq!(df.column("off_track").unwrap().null_count(), 1);
    }

    #[test]
    fn a_cell_of_the_wrong_type_is_refused() {
        let mut t = Table::new("t", &[("n", ColType::Int)]);
        t.rows.push(vec![Cell::Float(1.5)]);
        let e = frame(&t).unwrap_err().to_string();
        assert!(e.contains("column `n` is Int"), "{e}");
    }

    #[test]
    fn text_in_an_integer_column_is_null() {
        let mut t = Table::new("t", &[("working_grade", ColType::Int)]);
        t.rows.push(vec!["A".into()]);
        t.rows.push(vec![Cell::Int(3)]);
        let df = frame(&t).unwrap();
        let col = df.column("working_grade").unwrap().i64().unwrap();
        assert_eq!((col.get(0), col.get(1)), (None, Some(3)));
    }
}
