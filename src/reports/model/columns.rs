//! The one reader of stored text columns: every column a report reads is
//! taken out of its frame once, as borrowed cells, not looked up per cell.

use polars::prelude::*;

/// Text columns of a frame as borrowed cells; absent columns are all None.
pub struct Columns<'f> {
    names: Vec<&'static str>,
    cells: Vec<Vec<Option<&'f str>>>,
    height: usize,
}

impl<'f> Columns<'f> {
    pub fn new(df: &'f DataFrame, names: &[&'static str]) -> PolarsResult<Columns<'f>> {
        let mut cells = Vec::with_capacity(names.len());
        for &n in names {
            cells.push(match df.column(n) {
                Ok(c) => c.str()?.iter().collect(),
                Err(_) => vec![None; df.height()],
            });
        }
        Ok(Columns {
            names: names.to_vec(),
            cells,
            height: df.height(),
        })
    }

    /// Every cell of a column asked for in [`Columns::new`]; an empty slice
    /// for any other name.
    pub fn column(&self, name: &str) -> &[Option<&'f str>] {
        match self.names.iter().position(|n| *n == name) {
            Some(c) => &self.cells[c],
            None => &[],
        }
    }

    /// One cell; None for a column not asked for.
    pub fn get(&self, name: &str, i: usize) -> Option<&'f str> {
        self.column(name).get(i).copied().flatten()
    }

    pub fn height(&self) -> usize {
        self.height
    }
}

/// A `u32` column (line numbers), 0 where absent or null.
pub fn u32_column(df: &DataFrame, name: &str) -> Vec<u32> {
    df.column(name)
        .ok()
        .and_then(|c| {
            c.u32()
                .ok()
                .map(|ca| ca.iter().map(|v| v.unwrap_or(0)).collect())
        })
        .unwrap_or_else(|| vec![0; df.height()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_read_cells_of_present_and_absent_columns() {
        let df = df!(
            "scn" => [Some("1"), None],
            "lead_name" => [Some("Ms Ng"), Some("Mr Roy")],
        )
        .unwrap();
        let c = Columns::new(&df, &["scn", "lead_name", "teacher"]).unwrap();
        assert_eq!(c.get("scn", 0), Some("1"));
        assert_eq!(c.get("scn", 1), None);
        assert_eq!(c.get("lead_name", 1), Some("Mr Roy"));
        // Asked for but absent from the frame, or never asked for.
        assert_eq!(c.get("teacher", 0), None);
        assert_eq!(c.get("subject", 0), None);
        assert_eq!(c.column("teacher"), &[None, None]);
        assert_eq!(c.height(), 2);
    }
}
