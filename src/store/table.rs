//! A partition's rows as ingest hands them to the encoder: text columns as
//! codes into their distinct texts, the rest as polars columns.
//!
//! Parsing meets each cell once, so it can give it its code there, in the
//! part that holds it, on every core. A text column then costs 4 bytes a
//! cell and its distinct texts once, not a 16-byte view a cell and a copy
//! of every longer text; and the encoder writes the codes as the column's
//! dictionary, rather than hashing every cell again to find them.

use polars::prelude::*;

/// A text column as codes: `keys[row]` indexes `texts`, or is
/// [`TextCodes::NULL`] for an empty cell. Every text is distinct.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextCodes {
    pub keys: Vec<u32>,
    pub texts: Vec<Box<str>>,
}

impl TextCodes {
    /// The key of an empty cell.
    pub const NULL: u32 = u32::MAX;

    /// The cell at `row`.
    pub fn get(&self, row: usize) -> Option<&str> {
        match self.keys[row] {
            Self::NULL => None,
            k => Some(&self.texts[k as usize]),
        }
    }

    /// The rows where `keep` is true, in order.
    pub fn filter(&self, keep: &[bool]) -> TextCodes {
        TextCodes {
            keys: self
                .keys
                .iter()
                .zip(keep)
                .filter_map(|(k, &kept)| kept.then_some(*k))
                .collect(),
            texts: self.texts.clone(),
        }
    }

    /// The column as polars' text column.
    pub fn to_column(&self, name: &str) -> Column {
        let mut b = StringChunkedBuilder::new(name.into(), self.keys.len());
        for row in 0..self.keys.len() {
            b.append_option(self.get(row));
        }
        b.finish().into_column()
    }
}

/// Gives each distinct text a code, in order of first sight.
#[derive(Default)]
pub struct Interner {
    codes: PlHashMap<Box<str>, u32>,
    /// The code [`Interner::push`] gave last: a run of equal cells (a
    /// pupil's name on each of their subject rows) is not hashed again.
    last: Option<u32>,
    pub column: TextCodes,
}

impl Interner {
    /// An empty column with room for `rows` cells.
    pub fn with_rows(rows: usize) -> Interner {
        Interner {
            column: TextCodes {
                keys: Vec::with_capacity(rows),
                texts: Vec::new(),
            },
            ..Interner::default()
        }
    }

    /// Add a cell after the others.
    pub fn push(&mut self, cell: Option<&str>) {
        let k = match cell {
            None => TextCodes::NULL,
            Some(text) => match self.last {
                Some(k) if *self.column.texts[k as usize] == *text => k,
                _ => {
                    let k = self.code(text);
                    self.last = Some(k);
                    k
                }
            },
        };
        self.column.keys.push(k);
    }

    /// The code of `text`, given it if new.
    pub fn code(&mut self, text: &str) -> u32 {
        if let Some(&k) = self.codes.get(text) {
            return k;
        }
        let k = self.column.texts.len() as u32;
        self.column.texts.push(text.into());
        self.codes.insert(text.into(), k);
        k
    }

    /// The code of an owned text, given it (without copying) if new.
    pub fn code_owned(&mut self, text: Box<str>) -> u32 {
        if let Some(&k) = self.codes.get(&text) {
            return k;
        }
        let k = self.column.texts.len() as u32;
        self.codes.insert(text.clone(), k);
        self.column.texts.push(text);
        k
    }

    /// Add the cells of another column's rows after these, in order.
    pub fn append(&mut self, other: TextCodes) {
        let recode: Vec<u32> = other
            .texts
            .into_iter()
            .map(|t| self.code_owned(t))
            .collect();
        self.column.keys.extend(other.keys.iter().map(|&k| match k {
            TextCodes::NULL => TextCodes::NULL,
            k => recode[k as usize],
        }));
    }
}

/// One column of a [`Table`].
pub enum TableColumn {
    Texts(PlSmallStr, TextCodes),
    Frame(Column),
}

impl TableColumn {
    pub fn name(&self) -> &str {
        match self {
            TableColumn::Texts(name, _) => name,
            TableColumn::Frame(c) => c.name(),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            TableColumn::Texts(_, t) => t.keys.len(),
            TableColumn::Frame(c) => c.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn dtype(&self) -> DataType {
        match self {
            TableColumn::Texts(..) => DataType::String,
            TableColumn::Frame(c) => c.dtype().clone(),
        }
    }

    /// The column as polars' column.
    pub fn to_column(&self) -> Column {
        match self {
            TableColumn::Texts(name, t) => t.to_column(name),
            TableColumn::Frame(c) => c.clone(),
        }
    }
}

/// A partition's rows, column by column, all of one height.
pub struct Table {
    columns: Vec<TableColumn>,
    height: usize,
}

impl Table {
    /// # Panics
    /// When the columns differ in height.
    pub fn new(height: usize, columns: Vec<TableColumn>) -> Table {
        for c in &columns {
            assert_eq!(c.len(), height, "column `{}`'s height", c.name());
        }
        Table { columns, height }
    }

    pub fn height(&self) -> usize {
        self.height
    }

    pub fn columns(&self) -> &[TableColumn] {
        &self.columns
    }

    /// Add a column after the others.
    ///
    /// # Panics
    /// When its height is not the table's.
    pub fn push(&mut self, column: TableColumn) {
        assert_eq!(
            column.len(),
            self.height,
            "column `{}`'s height",
            column.name()
        );
        self.columns.push(column);
    }

    /// The cells of a text column, by row; None if there is no such column.
    pub fn texts(&self, name: &str) -> Option<Box<dyn Iterator<Item = Option<&str>> + '_>> {
        match self.columns.iter().find(|c| c.name() == name)? {
            TableColumn::Texts(_, t) => Some(Box::new((0..t.keys.len()).map(|r| t.get(r)))),
            TableColumn::Frame(c) => Some(Box::new(c.str().ok()?.iter())),
        }
    }

    /// The rows as polars' frame.
    pub fn to_frame(&self) -> DataFrame {
        let columns = self.columns.iter().map(TableColumn::to_column).collect();
        DataFrame::new(self.height, columns).expect("columns have the table's height")
    }
}

impl From<DataFrame> for Table {
    fn from(frame: DataFrame) -> Table {
        Table {
            height: frame.height(),
            columns: frame
                .into_columns()
                .into_iter()
                .map(TableColumn::Frame)
                .collect(),
        }
    }
}

impl Default for Table {
    fn default() -> Table {
        Table::new(0, Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appended_columns_keep_their_cells_and_share_codes() {
        // (cells of each part, the texts after appending them in order)
        type Case<'a> = (&'a [&'a [Option<&'a str>]], &'a [&'a str]);
        let cases: &[Case] = &[
            (&[], &[]),
            (&[&[None, None]], &[]),
            (&[&[Some("a"), None, Some("a")]], &["a"]),
            (
                &[
                    &[Some("b"), Some("a")],
                    &[Some("a"), None, Some("c"), Some("b")],
                ],
                &["b", "a", "c"],
            ),
        ];
        for (parts, texts) in cases {
            let mut all = Interner::default();
            for cells in *parts {
                let mut one = Interner::default();
                for c in *cells {
                    let k = c.map_or(TextCodes::NULL, |c| one.code(c));
                    one.column.keys.push(k);
                }
                all.append(one.column);
            }
            let want: Vec<Option<&str>> = parts.iter().flat_map(|p| p.iter().copied()).collect();
            let got: Vec<Option<&str>> = (0..want.len()).map(|r| all.column.get(r)).collect();
            assert_eq!(got, want, "{parts:?}");
            let got_texts: Vec<&str> = all.column.texts.iter().map(|t| &**t).collect();
            assert_eq!(&got_texts, texts, "{parts:?}");
        }
    }

    #[test]
    fn a_table_and_its_frame_hold_the_same_cells() {
        let texts = TextCodes {
            keys: vec![1, TextCodes::NULL, 0, 1],
            texts: vec!["x".into(), "y".into()],
        };
        let kept = texts.filter(&[true, true, false, true]);
        let mut t = Table::new(3, vec![TableColumn::Texts("t".into(), kept)]);
        t.push(TableColumn::Frame(Column::new("n".into(), &[1u32, 2, 3])));
        let frame = t.to_frame();
        let want = df!("t" => [Some("y"), None, Some("y")], "n" => [1u32, 2, 3]).unwrap();
        assert!(frame.equals_missing(&want));
        let cells: Vec<Option<&str>> = t.texts("t").unwrap().collect();
        assert_eq!(cells, [Some("y"), None, Some("y")]);
        assert!(t.texts("nothing").is_none());
    }
}
