//! Parquet for a data warehouse: the report's columns, typed by [`ColType`].
//!
//! Each column is built as a typed polars column as the rows arrive, a row
//! group at a time, so memory holds one group and no value becomes a
//! `String` on the way. Values are written as they are: no neutralisation
//! (Parquet is not opened as a spreadsheet) and no rounding. Text in a
//! number column (an invalid grade as entered, a suppressed `c`) has no
//! number, so the typed column holds null there; CSV keeps the text.

use std::io::Write;

use anyhow::{Result, bail};
use polars::io::parquet::write::BatchedWriter;
use polars::prelude::{
    ChunkedBuilder, Column, DataFrame, DataType, Float64Type, Int64Type, IntoColumn, ParquetWriter,
    PrimitiveChunkedBuilder, Schema, StringChunkedBuilder,
};

use super::{Checked, ColType, Parts, Record, Val};

/// The table's rows, a row group at a time.
pub fn write(w: &mut dyn Write, t: &Parts) -> Result<()> {
    let mut sink = Checked(t.title, t.columns.len(), Stream::new(w, t.columns)?);
    t.each(&mut sink)?;
    sink.2.finish()
}

/// Rows per row group: memory holds one group's columns.
const GROUP_ROWS: usize = 65_536;

/// One column being filled, typed.
enum Builder {
    Text(StringChunkedBuilder),
    Int(PrimitiveChunkedBuilder<Int64Type>),
    Float(PrimitiveChunkedBuilder<Float64Type>),
}

impl Builder {
    fn new(name: &str, ty: ColType) -> Builder {
        let name = name.into();
        match ty {
            ColType::Text | ColType::Status => {
                Builder::Text(StringChunkedBuilder::new(name, GROUP_ROWS))
            }
            ColType::Int => Builder::Int(PrimitiveChunkedBuilder::new(name, GROUP_ROWS)),
            ColType::Float => Builder::Float(PrimitiveChunkedBuilder::new(name, GROUP_ROWS)),
        }
    }

    fn dtype(ty: ColType) -> DataType {
        match ty {
            ColType::Text | ColType::Status => DataType::String,
            ColType::Int => DataType::Int64,
            ColType::Float => DataType::Float64,
        }
    }

    /// Text and Status take text, Int integers, Float any number; text in
    /// a number column is null (see the module note). Anything else is a
    /// report's bug.
    fn push<'v>(&mut self, v: Val<'v>) -> std::result::Result<(), Val<'v>> {
        match (self, v) {
            (Builder::Text(b), Val::Text(s)) => b.append_value(s),
            (Builder::Text(b), Val::Null) => b.append_null(),
            (Builder::Int(b), Val::Int(n)) => b.append_value(n),
            (Builder::Int(b), Val::Null | Val::Text(_)) => b.append_null(),
            (Builder::Float(b), Val::Float(f)) => b.append_value(f),
            (Builder::Float(b), Val::Int(n)) => b.append_value(n as f64),
            (Builder::Float(b), Val::Null | Val::Text(_)) => b.append_null(),
            (_, v) => return Err(v),
        }
        Ok(())
    }

    fn finish(self) -> Column {
        match self {
            Builder::Text(b) => b.finish().into_column(),
            Builder::Int(b) => b.finish().into_column(),
            Builder::Float(b) => b.finish().into_column(),
        }
    }
}

/// Parquet written a row group at a time.
pub struct Stream<'w, 'c> {
    writer: BatchedWriter<&'w mut dyn Write>,
    columns: &'c [(&'c str, ColType)],
    builders: Vec<Builder>,
    rows: usize,
    written: bool,
}

impl<'w, 'c> Stream<'w, 'c> {
    pub fn new(w: &'w mut dyn Write, columns: &'c [(&'c str, ColType)]) -> Result<Self> {
        let schema: Schema = columns
            .iter()
            .map(|(name, ty)| ((*name).into(), Builder::dtype(*ty)))
            .collect();
        Ok(Stream {
            writer: ParquetWriter::new(w).batched(&schema)?,
            columns,
            builders: Self::builders(columns),
            rows: 0,
            written: false,
        })
    }

    fn builders(columns: &[(&str, ColType)]) -> Vec<Builder> {
        columns.iter().map(|(n, t)| Builder::new(n, *t)).collect()
    }

    fn flush(&mut self) -> Result<()> {
        let builders = std::mem::replace(&mut self.builders, Self::builders(self.columns));
        let columns = builders.into_iter().map(Builder::finish).collect();
        let df = DataFrame::new(self.rows, columns)?;
        self.writer.write_batch(&df)?;
        self.rows = 0;
        self.written = true;
        Ok(())
    }

    pub fn finish(mut self) -> Result<()> {
        if self.rows > 0 || !self.written {
            self.flush()?;
        }
        self.writer.finish()?;
        Ok(())
    }
}

impl Record for Stream<'_, '_> {
    fn record(&mut self, vals: &[Val]) -> Result<()> {
        for ((b, v), (name, ty)) in self.builders.iter_mut().zip(vals).zip(self.columns) {
            if let Err(v) = b.push(*v) {
                bail!("column `{name}` is {ty:?} but holds {v:?}");
            }
        }
        self.rows += 1;
        if self.rows >= GROUP_ROWS {
            self.flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Cell, Table, table_parts};
    use super::*;
    use polars::prelude::{ParquetReader, SerReader};

    fn round_trip(t: &Table) -> Result<DataFrame> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let mut file = std::fs::File::create(&path).unwrap();
        table_parts(std::slice::from_ref(t), |p| write(&mut file, &p[0]))?;
        drop(file);
        Ok(ParquetReader::new(std::fs::File::open(&path).unwrap()).finish()?)
    }

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
        let df = round_trip(&t).unwrap();
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
        let e = round_trip(&t).unwrap_err().to_string();
        assert!(e.contains("column `n` is Int"), "{e}");
    }

    #[test]
    fn text_in_a_number_column_is_null() {
        let mut t = Table::new(
            "t",
            &[("working_grade", ColType::Int), ("percent", ColType::Float)],
        );
        t.rows.push(vec!["A".into(), "c".into()]);
        t.rows.push(vec![Cell::Int(3), Cell::Float(12.5)]);
        let df = round_trip(&t).unwrap();
        let grade = df.column("working_grade").unwrap().i64().unwrap();
        assert_eq!((grade.get(0), grade.get(1)), (None, Some(3)));
        let percent = df.column("percent").unwrap().f64().unwrap();
        assert_eq!((percent.get(0), percent.get(1)), (None, Some(12.5)));
    }

    #[test]
    fn rows_beyond_a_group_are_all_written() {
        let mut t = Table::new("t", &[("n", ColType::Int)]);
        t.rows = (0..GROUP_ROWS as i64 + 3)
            .map(|i| vec![Cell::Int(i)])
            .collect();
        let df = round_trip(&t).unwrap();
        assert_eq!(df.height(), GROUP_ROWS + 3);
        let n = df.column("n").unwrap().i64().unwrap();
        assert_eq!(n.get(GROUP_ROWS + 2), Some(GROUP_ROWS as i64 + 2));
    }
}
