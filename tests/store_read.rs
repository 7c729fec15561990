//! The store is readable as it is by polars `scan_parquet` with Hive partitioning.

mod common;
use common::Env;
use polars::prelude::*;

#[test]
fn polars_scans_the_store_with_hive_partitions() {
    let env = Env::new();
    env.small_school();
    let glob = format!("{}/bge/**/*.parquet", env.store().display());
    let args = ScanArgsParquet {
        hive_options: HiveOptions::new_enabled(),
        ..Default::default()
    };
    let df = LazyFrame::scan_parquet(PlRefPath::new(glob.as_str()), args)
        .unwrap()
        .collect()
        .unwrap();
    assert_eq!(df.height(), 24);
    let school = df
        .column("school")
        .unwrap()
        .cast(&DataType::String)
        .unwrap();
    assert!(school.str().unwrap().iter().all(|s| s == Some("EHS")));
    let window = df
        .column("window")
        .unwrap()
        .cast(&DataType::String)
        .unwrap();
    assert!(window.str().unwrap().iter().all(|s| s == Some("2025-26_1")));
    let scn = df.column("scn").unwrap();
    assert_eq!(scn.str().unwrap().get(0), Some("100000001"));
    for col in [
        "subject",
        "level",
        "teacher",
        "source",
        "line",
        "stage_group",
    ] {
        assert!(df.column(col).is_ok(), "missing {col}");
    }
}
