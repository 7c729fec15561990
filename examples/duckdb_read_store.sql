-- Read a tracker store directly from DuckDB: Hive partitions become the
-- `school` and `window` columns. Run from the directory holding the store:
--   duckdb < examples/duckdb_read_store.sql
-- A glob never sees an ingest that has not committed (its files wait under
-- tracker-store/.txn/). It equals the manifest's rows whenever no writer is
-- running and `tracker verify` reports no `unfinished_commit`; a reader that
-- must never see a write in progress reads the files the manifest names,
-- as examples/read_store_duckdb.py does.
SELECT school, "window", count(*) AS rows
FROM read_parquet('tracker-store/bge/**/*.parquet', hive_partitioning = true)
GROUP BY ALL
ORDER BY ALL;

SELECT p.school, p."window", p.stage, count(*) AS pupils
FROM read_parquet('tracker-store/pupils/**/*.parquet', hive_partitioning = true) AS p
GROUP BY ALL
ORDER BY ALL;
