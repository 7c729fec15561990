-- `tracker summary --faculty F` over the store's Parquet, the parts a
-- selection changes: the share of the selected pupil-subjects in each
-- status by stage (and all stages), and per equity group the share of the
-- pupils with a selected row who have no faculty off track in it, with the
-- gap in points to the rest of the selection. It leaves out projections,
-- early warnings, the previous window and suppression, so it is a lighter
-- baseline than the report itself.
--
-- Variables (set by bench/duckdb_run.py): store, session, and
--   windows: [the window], as stored;
--   faculty: the faculty selected, e.g. 'English'.

-- include: rules_parquet.sql

CREATE TEMP MACRO yes(x) AS lower(trim(x)) IN ('y', 'yes', 'true', '1', 'x');
CREATE TEMP MACRO no(x) AS coalesce(lower(trim(x)), '') IN ('n', 'no', 'false', '0', '');

CREATE TEMP TABLE sel AS
SELECT * FROM judged WHERE lower(faculty) = lower(trim(getvariable('faculty')));

CREATE TEMP TABLE pupil AS
SELECT s.school, s.scn, any_value(p.stage_n) AS stage,
       count(DISTINCT s.faculty) FILTER (WHERE s.status = 'off_track') AS off,
       any_value(p.gender) AS gender,
       any_value(coalesce(try_cast(p.simd_quintile AS INT),
                          ceil(try_cast(p.simd_decile AS INT) / 2)::INT)) AS q,
       any_value(CASE WHEN yes(p.fsm) THEN 1 WHEN no(p.fsm) THEN 0 END) AS fsm,
       any_value(CASE WHEN yes(p.asn) THEN 1 WHEN no(p.asn) THEN 0 END) AS asn,
       any_value(yes(p.care_experienced)) AS care,
       any_value(yes(p.young_carer)) AS carer
FROM sel s
LEFT JOIN pupils p ON p.school = s.school AND p."window" = s."window" AND p.scn = s.scn
GROUP BY ALL;

WITH
status AS (
    SELECT school, coalesce(stage::VARCHAR, 'all') AS stage, status, count(*) AS n
    FROM sel
    GROUP BY GROUPING SETS ((school, stage, status), (school, status))
),
status_shares AS (
    SELECT school, 'status' AS section, stage, status AS measure,
           sum(n) OVER (PARTITION BY school, stage) AS entries, n AS count,
           round(100.0 * n / sum(n) OVER (PARTITION BY school, stage), 1) AS percent,
           NULL::DOUBLE AS gap
    FROM status
),
members AS (
    SELECT school, scn, off, 'all' AS grp FROM pupil
    UNION ALL SELECT school, scn, off, 'simd_q1' FROM pupil WHERE q = 1
    UNION ALL SELECT school, scn, off, 'simd_q5' FROM pupil WHERE q = 5
    UNION ALL SELECT school, scn, off, 'fsm' FROM pupil WHERE fsm = 1
    UNION ALL SELECT school, scn, off, 'not_fsm' FROM pupil WHERE fsm = 0
    UNION ALL SELECT school, scn, off, 'asn' FROM pupil WHERE asn = 1
    UNION ALL SELECT school, scn, off, 'not_asn' FROM pupil WHERE asn = 0
    UNION ALL SELECT school, scn, off, 'care_experienced' FROM pupil WHERE care
    UNION ALL SELECT school, scn, off, 'young_carer' FROM pupil WHERE carer
    UNION ALL SELECT school, scn, off, 'gender:' || trim(gender) FROM pupil WHERE trim(gender) <> ''
),
groups AS (
    SELECT school, grp, count(*) AS pupils, count(*) FILTER (WHERE off = 0) AS on_track
    FROM members GROUP BY ALL
),
everyone AS (
    SELECT school, count(*) AS pupils, count(*) FILTER (WHERE off = 0) AS on_track
    FROM pupil GROUP BY ALL
),
equity AS (
    SELECT g.school, 'equity' AS section, g.grp AS stage, 'on_track' AS measure,
           g.pupils AS entries, g.on_track AS count,
           round(100.0 * g.on_track / g.pupils, 1) AS percent,
           round(100.0 * g.on_track / g.pupils
                 - 100.0 * (e.on_track - g.on_track) / nullif(e.pupils - g.pupils, 0), 1) AS gap
    FROM groups g JOIN everyone e USING (school)
)
SELECT * FROM status_shares
UNION ALL
SELECT * FROM equity
ORDER BY school, section, stage, measure;
