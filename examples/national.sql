-- National tracking picture from the reports many authorities run nightly.
--
-- Each authority sends two files a window, laid out Hive-style so the
-- authority becomes a column:
--   national/authority=<NAME>/subjects.parquet   tracker subjects --format parquet -o ...
--   national/authority=<NAME>/pupils.parquet     tracker offtrack --all --format parquet -o ...
-- Run from the directory holding `national/`:
--   duckdb < examples/national.sql
-- The statuses come from each authority's own `tracker` and config, so the
-- rules are applied once, where the data lives; this only counts. Groups of
-- fewer than 5 pupils are suppressed (NULL), as `summary` does (SPEC 9).
-- The files hold SCNs: keep them where pupil data may be kept.

CREATE TEMP VIEW subjects AS
SELECT * FROM read_parquet('national/*/subjects.parquet', hive_partitioning = true);

CREATE TEMP VIEW pupils AS
SELECT * FROM read_parquet('national/*/pupils.parquet', hive_partitioning = true);

-- 1. Share of pupil-subjects in each status, by stage and faculty, nationally.
SELECT stage, faculty,
       count(*) AS entries,
       round(100 * avg((status = 'on_track')::INT), 1) AS pct_on_track,
       round(100 * avg((status = 'slightly_off_track')::INT), 1) AS pct_slightly_off_track,
       round(100 * avg((status = 'off_track')::INT), 1) AS pct_off_track,
       round(100 * avg((status IN ('missing', 'no_pathway', 'no_target'))::INT), 1) AS pct_missing
FROM subjects
GROUP BY ALL
ORDER BY stage, pct_off_track DESC;

-- 2. Share of pupils off track in one or more faculties, by authority and stage.
SELECT authority, stage,
       count(*) AS pupils,
       CASE WHEN count(*) >= 5
            THEN round(100 * avg((faculties_off_track >= 1)::INT), 1) END AS pct_off_track
FROM pupils
GROUP BY ALL
ORDER BY authority, stage;

-- 3. Schools with the largest share of pupils off track in three or more
--    faculties (the Wellbeing Support Teacher and Year Head bands).
SELECT authority, school, count(*) AS pupils,
       round(100 * avg((faculties_off_track >= 3)::INT), 1) AS pct_three_or_more
FROM pupils
GROUP BY ALL
HAVING count(*) >= 5
ORDER BY pct_three_or_more DESC
LIMIT 20;

-- 4. The equity gap: share off track in one or more faculties by SIMD
--    quintile (1 = most deprived), and the gap between quintiles 1 and 5 in
--    percentage points, nationally and for each authority.
WITH by_quintile AS (
    SELECT coalesce(authority, 'Scotland') AS area, simd_quintile,
           count(*) AS pupils,
           avg((faculties_off_track >= 1)::INT) AS share
    FROM pupils
    WHERE simd_quintile IS NOT NULL
    GROUP BY GROUPING SETS ((authority, simd_quintile), (simd_quintile))
)
SELECT area,
       max(pupils) FILTER (WHERE simd_quintile = 1) AS q1_pupils,
       round(100 * max(share) FILTER (WHERE simd_quintile = 1 AND pupils >= 5), 1) AS q1_pct_off_track,
       round(100 * max(share) FILTER (WHERE simd_quintile = 5 AND pupils >= 5), 1) AS q5_pct_off_track,
       round(100 * (max(share) FILTER (WHERE simd_quintile = 1 AND pupils >= 5)
                  - max(share) FILTER (WHERE simd_quintile = 5 AND pupils >= 5)), 1) AS gap_pp
FROM by_quintile
GROUP BY area
ORDER BY area = 'Scotland' DESC, gap_pp DESC NULLS LAST;
