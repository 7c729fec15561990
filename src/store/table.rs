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
        self.text(self.keys[row])
    }

    /// The text of key `k`.
    pub fn text(&self, k: u32) -> Option<&str> {
        (k != Self::NULL).then(|| &*self.texts[k as usize])
    }

    /// The rows where `keep` is true, in order, in place.
    pub fn retain(mut self, keep: &[bool]) -> TextCodes {
        retain_rows(&mut self.keys, keep);
        self
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

/// Keep the items of `v` whose row `keep` keeps, in order, in place.
pub fn retain_rows<T>(v: &mut Vec<T>, keep: &[bool]) {
    let mut row = 0;
    v.retain(|_| {
        row += 1;
        keep[row - 1]
    });
}

/// Gives each distinct text a code, in order of first sight.
///
/// Most cells are short (a level, a rating, a class, a name): a text of
/// up to 15 bytes is looked up as one 128-bit number, its bytes and its
/// length, so finding it hashes and compares two words, not a string
/// held elsewhere in memory.
pub struct Interner {
    short: PlHashMap<u128, u32>,
    long: PlHashMap<Box<str>, u32>,
    /// The packed text and code [`Interner::push`] gave last: a run of
    /// equal cells (a pupil's name on each of their subject rows) is not
    /// looked up again.
    last: (u128, u32),
    pub column: TextCodes,
}

/// No packed text: its length byte (255) is over 15.
const NO_PACK: u128 = u128::MAX;

/// A text of up to 15 bytes as one number: its bytes, then its length in
/// the last byte, so no two texts pack alike. Read as a few overlapping
/// words of the text rather than copied into a buffer first: a buffer
/// filled byte-wise and then read whole stalls the processor (it was a
/// quarter of parsing).
#[inline]
fn pack(text: &str) -> Option<u128> {
    let b = text.as_bytes();
    let n = b.len();
    let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
    let half = |at: usize| {
        u64::from(u32::from_le_bytes(
            b[at..at + 4].try_into().expect("4 bytes"),
        ))
    };
    let (lo, hi) = match n {
        0 => (0, 0),
        1..=3 => {
            let byte = |at: usize| u64::from(b[at]) << (8 * at);
            (byte(0) | byte(n / 2) | byte(n - 1), 0)
        }
        4..=7 => (half(0) | half(n - 4) << (8 * (n - 4)), 0),
        8 => (word(0), 0),
        9..=15 => (word(0), word(n - 8) >> (8 * (16 - n))),
        _ => return None,
    };
    Some(u128::from(lo) | u128::from(hi) << 64 | (n as u128) << 120)
}

impl Default for Interner {
    fn default() -> Interner {
        Interner::with_rows(0)
    }
}

impl Interner {
    /// An empty column with room for `rows` cells.
    pub fn with_rows(rows: usize) -> Interner {
        Interner {
            short: PlHashMap::default(),
            long: PlHashMap::default(),
            last: (NO_PACK, TextCodes::NULL),
            column: TextCodes {
                keys: Vec::with_capacity(rows),
                texts: Vec::new(),
            },
        }
    }

    /// Add a cell after the others.
    #[inline]
    pub fn push(&mut self, cell: Option<&str>) {
        let k = match cell {
            None => TextCodes::NULL,
            Some(text) => match pack(text) {
                Some(packed) if packed == self.last.0 => self.last.1,
                Some(packed) => {
                    let k = self.code_packed(packed, text);
                    self.last = (packed, k);
                    k
                }
                None => self.code(text),
            },
        };
        self.column.keys.push(k);
    }

    /// The code of `text`, given it if new.
    pub fn code(&mut self, text: &str) -> u32 {
        if let Some(packed) = pack(text) {
            return self.code_packed(packed, text);
        }
        if let Some(&k) = self.long.get(text) {
            return k;
        }
        let k = self.column.texts.len() as u32;
        self.column.texts.push(text.into());
        self.long.insert(text.into(), k);
        k
    }

    #[inline]
    fn code_packed(&mut self, packed: u128, text: &str) -> u32 {
        let texts = &mut self.column.texts;
        *self.short.entry(packed).or_insert_with(|| {
            texts.push(text.into());
            texts.len() as u32 - 1
        })
    }

    /// The code of an owned text, given it (without copying) if new.
    pub fn code_owned(&mut self, text: Box<str>) -> u32 {
        let k = self.column.texts.len() as u32;
        let found = match pack(&text) {
            Some(packed) => *self.short.entry(packed).or_insert(k),
            None => match self.long.get(&text) {
                Some(&found) => found,
                None => {
                    self.long.insert(text.clone(), k);
                    k
                }
            },
        };
        if found == k {
            self.column.texts.push(text);
        }
        found
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

    /// A column given as codes, if there is one named `name`.
    pub fn text_codes(&self, name: &str) -> Option<&TextCodes> {
        self.columns.iter().find_map(|c| match c {
            TableColumn::Texts(n, t) if n == name => Some(t),
            _ => None,
        })
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
                    one.push(*c);
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

    /// A packed text is its bytes, then its length in the last byte.
    #[test]
    fn texts_pack_as_their_bytes_and_length() {
        let byte_wise = |t: &str| {
            let mut buf = [0u8; 16];
            buf[..t.len()].copy_from_slice(t.as_bytes());
            buf[15] = t.len() as u8;
            u128::from_le_bytes(buf)
        };
        let alphabet = ["a", "Z", "0", " ", "é", "\0", "\u{7f}", "\u{2003}"];
        let mut seed = 11u64;
        for len in 0..=20 {
            for _ in 0..50 {
                let mut t = String::new();
                while t.len() < len {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                    let piece = alphabet[(seed >> 33) as usize % alphabet.len()];
                    if t.len() + piece.len() <= len {
                        t.push_str(piece);
                    } else {
                        t.push('x');
                    }
                }
                let want = (t.len() <= 15).then(|| byte_wise(&t));
                assert_eq!(pack(&t), want, "{t:?}");
            }
        }
    }

    #[test]
    fn a_table_and_its_frame_hold_the_same_cells() {
        let texts = TextCodes {
            keys: vec![1, TextCodes::NULL, 0, 1],
            texts: vec!["x".into(), "y".into()],
        };
        let kept = texts.retain(&[true, true, false, true]);
        let mut t = Table::new(3, vec![TableColumn::Texts("t".into(), kept)]);
        t.push(TableColumn::Frame(Column::new("n".into(), &[1u32, 2, 3])));
        let frame = t.to_frame();
        let want = df!("t" => [Some("y"), None, Some("y")], "n" => [1u32, 2, 3]).unwrap();
        assert!(frame.equals_missing(&want));
        let codes = t.text_codes("t").unwrap();
        let cells: Vec<Option<&str>> = (0..3).map(|r| codes.get(r)).collect();
        assert_eq!(cells, [Some("y"), None, Some("y")]);
        assert!(t.text_codes("n").is_none());
        assert!(t.text_codes("nothing").is_none());
    }
}
