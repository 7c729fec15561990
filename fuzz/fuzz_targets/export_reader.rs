//! Fuzz the export reader: any bytes, read as a SEEMiS export (encoding,
//! bounds, delimiter, header, kind) and parsed row by row into the columns
//! the store keeps. It may refuse the bytes; it must never panic, hang or
//! allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracker::ingest::rows::KindBatch;
use tracker::ingest::{Kind, prepare_raw, read};

fuzz_target!(|data: &[u8]| {
    // The first byte may force a kind, as `--kind` does; else detect it.
    let (forced, bytes) = match data.split_first() {
        Some((&b, rest)) if (b as usize) < Kind::ALL.len() => (Some(Kind::ALL[b as usize]), rest),
        _ => (None, data),
    };
    let Ok(raw) = read::from_bytes("fuzz.csv".to_string(), bytes.to_vec()) else {
        return;
    };
    let Ok(prepared) = prepare_raw(raw, forced, &Default::default()) else {
        return;
    };
    let mut batch = KindBatch::new(prepared.kind);
    if batch.add_file(&prepared).is_ok() {
        let (finished, stats, rejects, _) = batch.finish();
        let stored: usize = stats.iter().map(|s| s.rows_stored).sum();
        assert_eq!(finished.frame.height(), stored);
        assert!(rejects.len() <= stats.iter().map(|s| s.rows_read).sum::<usize>());
    }
});
