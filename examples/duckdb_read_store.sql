-- Read a tracker store directly from DuckDB: Hive partitions become the
-- `school` and `window` columns. Run from the directory holding the store:
--   duckdb < examples/duckdb_read_store.sql
-- (Globbing reads every file present; while a writer may be running, read the
-- files listed in manifest.json instead.)
SELECT school, "window", count(*) AS rows
FROM read_parquet('tracker-store/bge/**/*.parquet', hive_partitioning = true)
GROUP BY ALL
ORDER BY ALL;

SELECT p.school, p."window", p.stage, count(*) AS pupils
FROM read_parquet('tracker-store/pupils/**/*.parquet', hive_partitioning = true) AS p
GROUP BY ALL
ORDER BY ALL;
