//! A partition's rows encoded as Parquet, before any transaction.

use polars::prelude::*;
use polars_arrow::array::{DictionaryArray, MutableBinaryViewArray, PrimitiveArray};
use polars_arrow::datatypes::{ArrowDataType, ArrowSchema, IntegerType};
use polars_parquet::write::{
    CompressedPage, DynIter, DynStreamingIterator, Encoding, FileWriter, ParquetType,
    StatisticsOptions, Version, WriteOptions, array_to_columns, compress,
    fallible_streaming_iterator, get_dtype_encoding, to_parquet_schema,
};
use sha2::{Digest, Sha256};

use super::StoreError;
use super::hex;
use super::table::{Table, TableColumn, TextCodes};

/// Snappy: every Parquet reader knows it (DuckDB, Spark, polars, pyarrow),
/// and it encodes and decodes several times faster than zstd, polars'
/// default, whose per-page context setup dominated ingest and report reads.
/// The files are somewhat larger; the store holds small school partitions.
const COMPRESSION: ParquetCompression = ParquetCompression::Snappy;

/// A partition encoded as Parquet, ready for
/// [`Transaction::put_partition`](super::commit::Transaction::put_partition).
/// Encoding is the costly part, and needs no transaction, so an ingest of
/// many schools does it on every core.
pub struct Encoded {
    pub(super) bytes: Vec<u8>,
    pub(super) sha256: String,
    pub(super) rows: usize,
}

/// Rows per Parquet row group, polars' own default.
const ROW_GROUP: usize = 512 * 512;

/// Encode a partition's rows as Parquet: see [`encode_table`].
pub fn encode_partition(
    table: &str,
    school: &str,
    window: &str,
    frame: &mut DataFrame,
) -> Result<Encoded, StoreError> {
    encode_table(
        table,
        school,
        window,
        &Table::from(std::mem::take(frame)),
        true,
    )
}

/// Encode a partition's rows as Parquet, a row group at a time, each
/// group's columns encoded and compressed on every core when `every_core`
/// (else on this thread, for an encoder that runs beside other work). The bytes are those polars'
/// `ParquetWriter::finish` makes of the rows as one contiguous frame: the
/// same row groups (`height / ROW_GROUP`, the last taking the rest), the
/// same options, and polars' own page encoders. A text column given as
/// codes is handed to them as the dictionary array polars would build
/// (its texts in order of first sight in the group), so its cells are not
/// hashed again; where polars might choose plain encoding instead (over
/// 128 rows, and more than half of them distinct), its text is handed over
/// for polars to choose as it always has.
pub fn encode_table(
    table: &str,
    school: &str,
    window: &str,
    rows: &Table,
    every_core: bool,
) -> Result<Encoded, StoreError> {
    let problem = |e: PolarsError| StoreError::Parquet {
        path: format!("{table}/{school}/{window}"),
        problem: e.to_string(),
    };
    let schema: ArrowSchema = rows
        .columns()
        .iter()
        .map(|c| {
            let name = PlSmallStr::from_str(c.name());
            let field = c
                .dtype()
                .to_arrow_field(name.clone(), CompatLevel::newest());
            (name, field)
        })
        .collect();
    let options = WriteOptions {
        statistics: StatisticsOptions::default(),
        compression: ParquetCompression::into(COMPRESSION),
        version: Version::V1,
        data_page_size: None,
    };
    let fields = to_parquet_schema(&schema)
        .map_err(problem)?
        .fields()
        .to_vec();
    let encodings: Vec<Vec<Encoding>> = schema
        .iter_values()
        .map(|f| get_dtype_encoding(&f.dtype))
        .collect();
    let mut bytes = Vec::new();
    let mut writer = FileWriter::try_new(&mut bytes, schema, options).map_err(problem)?;
    for (offset, len) in row_groups(rows.height()) {
        let encode =
            |((column, field), encoding): ((&TableColumn, &ParquetType), &Vec<Encoding>)| {
                let array = group_array(column, offset, len);
                array_to_columns(array, field.clone(), options, encoding)?
                    .into_iter()
                    .map(|pages| {
                        pages
                            .map(|page| Ok(compress(page?, Vec::new(), options.compression)?))
                            .collect::<PolarsResult<Vec<CompressedPage>>>()
                    })
                    .collect::<PolarsResult<Vec<_>>>()
            };
        let columns = rows.columns().iter().zip(&fields).zip(&encodings);
        let columns: Vec<PolarsResult<Vec<Vec<CompressedPage>>>> = if every_core {
            crate::par::map_within(columns.collect(), 1, encode)
        } else {
            columns.map(encode).collect()
        };
        let columns = columns
            .into_iter()
            .collect::<PolarsResult<Vec<_>>>()
            .map_err(problem)?;
        let group = DynIter::new(columns.iter().flatten().map(|pages| {
            Ok(DynStreamingIterator::new(
                fallible_streaming_iterator::convert(pages.iter().map(Ok)),
            ))
        }));
        writer.write(len as u64, group).map_err(problem)?;
    }
    writer.end(None).map_err(problem)?;
    let sha256 = hex(&Sha256::digest(&bytes));
    Ok(Encoded {
        bytes,
        sha256,
        rows: rows.height(),
    })
}

/// One row group's cells of a column, as the array polars' page encoders take.
fn group_array(column: &TableColumn, offset: usize, len: usize) -> ArrayRef {
    match column {
        TableColumn::Frame(c) => c
            .as_materialized_series()
            .slice(offset as i64, len)
            .rechunk()
            .to_arrow(0, CompatLevel::newest()),
        TableColumn::Texts(_, t) => texts_array(t, offset, len),
    }
}

/// Rows `offset..offset + len` of a text column: as a dictionary array of
/// the texts in order of first sight (what polars' writer makes of a text
/// column it dictionary-encodes), or as text where polars might not.
fn texts_array(t: &TextCodes, offset: usize, len: usize) -> ArrayRef {
    let keys = &t.keys[offset..offset + len];
    let mut local = vec![TextCodes::NULL; t.texts.len()];
    let mut order: Vec<u32> = Vec::new();
    let mut nulls = 0;
    let codes: Vec<u32> = keys
        .iter()
        .map(|&k| {
            if k == TextCodes::NULL {
                nulls += 1;
                return 0;
            }
            let l = &mut local[k as usize];
            if *l == TextCodes::NULL {
                *l = order.len() as u32;
                order.push(k);
            }
            *l
        })
        .collect();
    let validity = (nulls > 0).then(|| keys.iter().map(|&k| k != TextCodes::NULL).collect());
    // polars' writer estimates the distinct count and writes plain when it
    // is over 3/4 of the rows of a group of more than 128.
    if len > 128 && order.len() * 2 > len {
        let mut all = MutableBinaryViewArray::<str>::with_capacity(len);
        for &k in keys {
            all.push((k != TextCodes::NULL).then(|| &*t.texts[k as usize]));
        }
        return all.freeze().boxed();
    }
    let mut texts = MutableBinaryViewArray::<str>::with_capacity(order.len());
    for &k in &order {
        texts.push_value(&*t.texts[k as usize]);
    }
    let keys = PrimitiveArray::<u32>::new(ArrowDataType::UInt32, codes.into(), validity);
    let dtype = ArrowDataType::Dictionary(
        IntegerType::UInt32,
        Box::new(ArrowDataType::Utf8View),
        false,
    );
    DictionaryArray::<u32>::try_new(dtype, keys, texts.freeze().boxed())
        .expect("every code is below the texts' count")
        .boxed()
}

/// (offset, length) of each row group of a frame of `height` rows.
fn row_groups(height: usize) -> Vec<(usize, usize)> {
    if height == 0 {
        return Vec::new();
    }
    let n = (height / ROW_GROUP).max(1);
    let size = height / n;
    (0..n)
        .map(|i| {
            let len = if i + 1 == n { height - size * i } else { size };
            (size * i, len)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_groups_are_those_polars_makes() {
        // (height, expected (offset, length) of each group)
        let cases: &[(usize, &[(usize, usize)])] = &[
            (0, &[]),
            (1, &[(0, 1)]),
            (ROW_GROUP - 1, &[(0, ROW_GROUP - 1)]),
            (ROW_GROUP, &[(0, ROW_GROUP)]),
            (2 * ROW_GROUP - 1, &[(0, 2 * ROW_GROUP - 1)]),
            (
                2 * ROW_GROUP + 1,
                &[(0, ROW_GROUP), (ROW_GROUP, ROW_GROUP + 1)],
            ),
            (
                3 * ROW_GROUP + 5,
                &[
                    (0, ROW_GROUP + 1),
                    (ROW_GROUP + 1, ROW_GROUP + 1),
                    (2 * ROW_GROUP + 2, ROW_GROUP + 3),
                ],
            ),
        ];
        for (height, want) in cases {
            assert_eq!(row_groups(*height), *want, "height {height}");
        }
    }

    /// A frame in many chunks, as ingest parses one in parts, encodes to
    /// the same bytes as polars' writer makes of it made contiguous (what
    /// ingest did before, copying the whole frame).
    #[test]
    fn encoding_by_row_group_matches_the_whole_frame_writer() {
        let part = |start: usize, n: usize| {
            let scn: Vec<String> = (start..start + n)
                .map(|i| format!("{:09}", i * 7919 % 1_000_000_007))
                .collect();
            let level: Vec<&str> = (start..start + n)
                .map(|i| ["2b", "3A", "", "4c"][i % 4])
                .collect();
            df!("scn" => scn, "level" => level).unwrap()
        };
        for total in [10, ROW_GROUP + 17, 2 * ROW_GROUP + 3_001] {
            let mut frame = part(0, total / 3);
            frame.vstack_mut_owned(part(total / 3, total / 3)).unwrap();
            frame
                .vstack_mut_owned(part(2 * (total / 3), total - 2 * (total / 3)))
                .unwrap();
            assert!(frame.first_col_n_chunks() > 1);
            let mut whole = Vec::new();
            ParquetWriter::new(&mut whole)
                .with_compression(COMPRESSION)
                .finish(frame.clone().rechunk_mut())
                .unwrap();
            let encoded = encode_partition("bge", "S", "2025-26/1", &mut frame).unwrap();
            assert_eq!(encoded.rows, total);
            assert!(encoded.bytes == whole, "{total} rows: the bytes differ");
        }
    }

    /// Text columns given as codes encode to the bytes polars' writer
    /// makes of them as text: dictionary-encoded with their texts in order
    /// of first sight, or plain where polars judges a group too distinct.
    #[test]
    fn text_columns_as_codes_encode_as_polars_encodes_their_text() {
        // Cells of row `i`, of a column of `n` distinct texts (0: all empty)
        // with every `gap`th cell empty (0: none).
        let column = |rows: usize, n: usize, gap: usize| -> Vec<Option<String>> {
            (0..rows)
                .map(|i| {
                    let empty = n == 0 || (gap > 0 && i % gap == 0);
                    (!empty).then(|| format!("text number {}", i * 7919 % n))
                })
                .collect()
        };
        // (rows, [(distinct texts, gap)] of each column)
        let cases: &[(usize, &[(usize, usize)])] = &[
            (1, &[(1, 0), (0, 0)]),
            (100, &[(100, 0), (3, 2), (0, 0)]),
            (129, &[(129, 0), (64, 0), (65, 0), (97, 0), (98, 5)]),
            (
                10_000,
                &[(4, 0), (5_001, 3), (7_400, 0), (7_600, 0), (10_000, 7)],
            ),
            (ROW_GROUP + 900, &[(300_000, 0), (40_000, 11), (2, 1)]),
            (2 * ROW_GROUP + 5, &[(12, 0), (ROW_GROUP, 0), (0, 0)]),
        ];
        for (rows, columns) in cases {
            let mut frame = DataFrame::empty_with_height(*rows);
            let mut table = Table::new(*rows, Vec::new());
            for (c, &(n, gap)) in columns.iter().enumerate() {
                let cells = column(*rows, n, gap);
                let name = format!("c{c}");
                frame
                    .with_column(Column::new(name.as_str().into(), &cells))
                    .unwrap();
                let mut codes = super::super::table::Interner::default();
                for cell in &cells {
                    let k = cell.as_deref().map_or(TextCodes::NULL, |t| codes.code(t));
                    codes.column.keys.push(k);
                }
                table.push(TableColumn::Texts(name.as_str().into(), codes.column));
            }
            let line: Vec<u32> = (0..*rows as u32).collect();
            frame
                .with_column(Column::new("line".into(), &line))
                .unwrap();
            table.push(TableColumn::Frame(Column::new("line".into(), &line)));
            let mut want = Vec::new();
            ParquetWriter::new(&mut want)
                .with_compression(COMPRESSION)
                .finish(&mut frame)
                .unwrap();
            let got = encode_table("bge", "S", "2025-26/1", &table, true).unwrap();
            assert_eq!(got.rows, *rows);
            assert!(
                got.bytes == want,
                "{rows} rows, {columns:?}: the bytes differ"
            );
        }
    }
}
