//! A partition's rows encoded as Parquet, before any transaction.

use polars::prelude::*;
use sha2::{Digest, Sha256};

use super::StoreError;
use super::hex;

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

/// Encode a partition's rows as Parquet, a row group at a time: the rows
/// of one group are made contiguous (copied) and encoded before the next,
/// so a frame parsed in many parts is never copied whole. The groups are
/// those polars' `ParquetWriter::finish` makes of a contiguous frame
/// (`height / ROW_GROUP` groups, the last taking the rest), so the bytes
/// are the same as before.
pub fn encode_partition(
    table: &str,
    school: &str,
    window: &str,
    frame: &mut DataFrame,
) -> Result<Encoded, StoreError> {
    let problem = |e: PolarsError| StoreError::Parquet {
        path: format!("{table}/{school}/{window}"),
        problem: e.to_string(),
    };
    let mut bytes = Vec::new();
    let mut writer = ParquetWriter::new(&mut bytes)
        .with_compression(COMPRESSION)
        .batched(frame.schema())
        .map_err(problem)?;
    for (offset, len) in row_groups(frame.height()) {
        let mut group = frame.slice(offset as i64, len);
        group.rechunk_mut_par();
        writer.write_batch(&group).map_err(problem)?;
    }
    writer.finish().map_err(problem)?;
    let sha256 = hex(&Sha256::digest(&bytes));
    Ok(Encoded {
        bytes,
        sha256,
        rows: frame.height(),
    })
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
}
