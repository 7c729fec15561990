-- `tracker impact` over the store's Parquet: each intervention recorded in a
-- window, grouped by type, and what followed by the next window, beside the
-- pupils off track with no intervention (README "Impact of interventions").
-- The rules come from bench/rules_parquet.sql; what is left is the report:
-- a subject intervention compares the pupil's status in that subject, a
-- whole-school one their faculties off track; a pupil's changes within a
-- group add up (more better than worse is improved); statuses off the
-- traffic light cannot be compared and are left out. No suppression: the
-- bench compares the groups `tracker` shows.
--
-- Variables (set by bench/duckdb_run.py): store, session, and
--   windows: [the window, the next window], as stored.

-- include: rules_parquet.sql

CREATE TEMP TABLE facs AS
SELECT school, "window", scn,
       count(DISTINCT faculty) FILTER (WHERE status = 'off_track') AS off
FROM judged
GROUP BY ALL;

CREATE TEMP TABLE st AS
SELECT school, "window", scn, key, any_value(status) AS status
FROM judged
GROUP BY ALL;

CREATE TEMP TABLE iv AS
SELECT school, scn, trim(intervention) AS kind, nullif(lower(trim(subject)), '') AS about
FROM read_parquet(every('interventions'), hive_partitioning = true)
WHERE "window" = getvariable('windows')[1];

WITH
w AS (SELECT getvariable('windows')[1] AS now, getvariable('windows')[2] AS next),
cases AS (
    SELECT DISTINCT school, lower(kind) AS grp, scn, about FROM iv
),
labels AS (
    SELECT school, lower(kind) AS grp, min(kind) AS label FROM iv GROUP BY ALL
),
judged_cases AS (
    SELECT c.school, c.grp, c.scn,
           CASE WHEN c.about IS NULL THEN sign(a.off - b.off)
                ELSE sign(rank_of(ns.status) - rank_of(ts.status)) END AS d,
           CASE WHEN c.about IS NULL THEN b.off >= 1 ELSE ns.status = 'off_track' END AS still
    FROM cases c CROSS JOIN w
    LEFT JOIN facs a ON a.school = c.school AND a.scn = c.scn AND a."window" = w.now
    LEFT JOIN facs b ON b.school = c.school AND b.scn = c.scn AND b."window" = w.next
    LEFT JOIN st ts ON ts.school = c.school AND ts.scn = c.scn AND ts.key = c.about AND ts."window" = w.now
    LEFT JOIN st ns ON ns.school = c.school AND ns.scn = c.scn AND ns.key = c.about AND ns."window" = w.next
    WHERE CASE WHEN c.about IS NULL THEN a.off IS NOT NULL AND b.off IS NOT NULL
               ELSE rank_of(ts.status) IS NOT NULL AND rank_of(ns.status) IS NOT NULL END
),
helped AS (
    SELECT school, grp, scn, sum(d) AS net, bool_or(still) AS still
    FROM judged_cases GROUP BY ALL
),
pool AS (
    -- Off track in a subject, with no intervention for it or the whole school.
    SELECT t.school, t.key AS about, t.scn, sign(rank_of(n.status)) AS d, n.status = 'off_track' AS still
    FROM st t CROSS JOIN w
    JOIN st n ON n.school = t.school AND n.scn = t.scn AND n.key = t.key AND n."window" = w.next
    WHERE t."window" = w.now AND t.status = 'off_track' AND rank_of(n.status) IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM iv WHERE iv.school = t.school AND iv.scn = t.scn
                      AND (iv.about IS NULL OR iv.about = t.key))
    UNION ALL
    -- Off track in 1+ faculties, with no intervention at all.
    SELECT a.school, NULL, a.scn, sign(a.off - b.off), b.off >= 1
    FROM facs a CROSS JOIN w
    JOIN facs b ON b.school = a.school AND b.scn = a.scn AND b."window" = w.next
    WHERE a."window" = w.now AND a.off >= 1
      AND NOT EXISTS (SELECT 1 FROM iv WHERE iv.school = a.school AND iv.scn = a.scn)
),
compared AS (
    SELECT g.school, g.grp, p.scn, sum(p.d) AS net, bool_or(p.still) AS still
    FROM (SELECT DISTINCT school, grp, about FROM cases) g
    JOIN pool p ON p.school = g.school AND p.about IS NOT DISTINCT FROM g.about
    GROUP BY ALL
),
h AS (
    SELECT school, grp, count(*) AS pupils, count(*) FILTER (WHERE net > 0) AS improved,
           count(*) FILTER (WHERE net = 0) AS unchanged, count(*) FILTER (WHERE net < 0) AS worse,
           count(*) FILTER (WHERE still) AS still_off_track
    FROM helped GROUP BY ALL
),
c AS (
    SELECT school, grp, count(*) AS pupils, count(*) FILTER (WHERE net > 0) AS improved
    FROM compared GROUP BY ALL
)
SELECT l.school, replace(w.now, '_', '/') AS "window", replace(w.next, '_', '/') AS next_window,
       'type' AS by, l.label AS "group",
       coalesce(h.pupils, 0) AS pupils,
       round(100.0 * h.improved / h.pupils, 1) AS improved,
       round(100.0 * h.unchanged / h.pupils, 1) AS unchanged,
       round(100.0 * h.worse / h.pupils, 1) AS worse,
       round(100.0 * h.still_off_track / h.pupils, 1) AS still_off_track,
       coalesce(c.pupils, 0) AS comparison_pupils,
       round(100.0 * c.improved / c.pupils, 1) AS comparison_improved,
       round(100.0 * h.improved / h.pupils - 100.0 * c.improved / c.pupils, 1) AS difference
FROM labels l CROSS JOIN w
LEFT JOIN h USING (school, grp)
LEFT JOIN c USING (school, grp)
ORDER BY l.school, lower(l.label), l.label;
