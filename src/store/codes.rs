//! Text columns read as their Parquet dictionary codes: a stored text
//! column whose row group is dictionary-encoded (the writer's choice for a
//! column with few distinct values, which is most of them) is read as a
//! 4-byte code per cell and the row group's few distinct texts, rather
//! than as a 16-byte view per cell. Decoding is then a copy of the codes,
//! and reading a cell touches a quarter of the memory.

use std::io::Cursor;

use polars::io::parquet::metadata::FileMetadataRef;
use polars::prelude::DataFrame;
use polars_arrow::array::{Array, DictionaryArray, PrimitiveArray, Utf8ViewArray};
use polars_arrow::datatypes::{ArrowDataType, DTYPE_CATEGORICAL_NEW, Field, IntegerType, Metadata};
use polars_buffer::Buffer;
use polars_parquet::read::{BasicDecompressor, PageReader, PhysicalType, column_iter_to_arrays};

/// A part of a data file as read: the text columns asked for that each
/// row group holds dictionary-encoded, as codes, and polars' frame of the
/// others (of every column asked for, when none is read as codes).
pub struct Part {
    pub frame: DataFrame,
    pub coded: Vec<(String, Vec<Coded>)>,
    pub(super) height: usize,
}

impl Part {
    pub fn height(&self) -> usize {
        self.height
    }

    /// The part as polars' frame alone.
    pub fn of_frame(frame: DataFrame) -> Part {
        Part {
            height: frame.height(),
            frame,
            coded: Vec::new(),
        }
    }
}

/// One row group's column as codes into its own distinct texts.
pub struct Coded {
    array: DictionaryArray<u32>,
}

impl Coded {
    /// Each row's code into [`Coded::texts`], None where the cell is empty.
    pub fn codes(&self) -> &PrimitiveArray<u32> {
        self.array.keys()
    }

    /// The row group's distinct texts.
    pub fn texts(&self) -> &Utf8ViewArray {
        self.array
            .values()
            .as_any()
            .downcast_ref::<Utf8ViewArray>()
            .expect("checked when decoded")
    }

    pub fn len(&self) -> usize {
        self.array.len()
    }

    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }
}

/// Column `name` of the row groups `groups` of a file as codes, one
/// [`Coded`] per row group; None when any of those row groups does not
/// hold the column dictionary-encoded throughout (it is then read as
/// text), or does not hold it.
pub fn read_coded(
    bytes: &Buffer<u8>,
    metadata: &FileMetadataRef,
    groups: std::ops::Range<usize>,
    name: &str,
) -> Option<Vec<Coded>> {
    let mut marked = Metadata::new();
    marked.insert(DTYPE_CATEGORICAL_NEW.into(), "".into());
    let dtype = ArrowDataType::Dictionary(
        IntegerType::UInt32,
        Box::new(ArrowDataType::Utf8View),
        false,
    );
    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        let group = metadata.row_groups.get(g)?;
        let mut columns = group.columns_under_root_iter(name)?;
        let column = columns.next()?;
        // A nested column, one of no text, or one with no dictionary is
        // read by polars.
        let physical = column.descriptor().descriptor.primitive_type.physical_type;
        if columns.next().is_some()
            || physical != PhysicalType::ByteArray
            || column.dictionary_page_offset().is_none()
        {
            return None;
        }
        let range = column.byte_range();
        let start = usize::try_from(range.start).ok()?;
        let end = usize::try_from(range.end).ok()?;
        if start > end || end > bytes.len() {
            return None;
        }
        let pages = PageReader::new(
            Cursor::new(bytes.clone().sliced(start..end)),
            column,
            Vec::new(),
            usize::MAX,
        );
        let field = Field::new(name.into(), dtype.clone(), true).with_metadata(marked.clone());
        let types = vec![&column.descriptor().descriptor.primitive_type];
        let decompressor = BasicDecompressor::new(pages, Vec::new());
        // Pages that are not all dictionary-encoded are an error here.
        let (arrays, _) = column_iter_to_arrays(vec![decompressor], types, field, None).ok()?;
        for array in arrays {
            let array = array
                .as_any()
                .downcast_ref::<DictionaryArray<u32>>()?
                .clone();
            let texts = array.values().as_any().downcast_ref::<Utf8ViewArray>()?;
            // Every code names one of the row group's texts.
            let n = texts.len();
            let codes = array.keys();
            let named =
                (0..codes.len()).all(|i| !codes.is_valid(i) || (codes.value(i) as usize) < n);
            if !named || texts.null_count() > 0 {
                return None;
            }
            out.push(Coded { array });
        }
    }
    Some(out)
}
