-- The rules of bench/offtrack_parquet.sql as temporary tables, for the SQL
-- files that include this one (`-- include: rules_parquet.sql`, expanded by
-- bench/duckdb_run.py): the scale, pathway, course levels and faculties of
-- the default config, and `judged`, every pupil-subject row of the windows
-- in the variable `windows` with its status, faculty and stage (SPEC 4, 5).
--
-- Variables (set by bench/duckdb_run.py):
--   store:   the store directory;
--   windows: the windows to judge as stored, e.g. ['2025-26_1', '2025-26_2'],
--            all of one session;
--   session: their session, e.g. '2025-26' (earlier windows' targets count, 4.2).
-- Reads the partitions by glob, which is right for a quiet store (README,
-- "Reading the store from other tools").

CREATE TEMP TABLE scale AS
SELECT * FROM (VALUES
    ('e', 0), ('ea', 1), ('eb', 2), ('ec', 3), ('1a', 4), ('1b', 5), ('1c', 6),
    ('2a', 7), ('2b', 8), ('2c', 9), ('3a', 10), ('3b', 11), ('3c', 12), ('4', 13)
) t(code, pos);

CREATE TEMP TABLE bands AS
SELECT * FROM (VALUES
    (0, 'n5a/b'), (1, 'n5c/d'), (2, 'n5sfw/scqfl5'), (3, 'n4/scqfl4')
) t(band, key);

CREATE TEMP TABLE pathway AS
SELECT band, stage, period, s.pos AS expected
FROM (VALUES
    (0, 1, 1, '2b'), (0, 1, 2, '2b'), (0, 2, 1, '3b'), (0, 2, 2, '3b'), (0, 3, 1, '4'),  (0, 3, 2, '4'),
    (1, 1, 1, '2a'), (1, 1, 2, '2b'), (1, 2, 1, '2c'), (1, 2, 2, '3a'), (1, 3, 1, '3c'), (1, 3, 2, '4'),
    (2, 1, 1, '1c'), (2, 1, 2, '2a'), (2, 2, 1, '2b'), (2, 2, 2, '2c'), (2, 3, 1, '3b'), (2, 3, 2, '3c'),
    (3, 1, 1, '1b'), (3, 1, 2, '1c'), (3, 2, 1, '2a'), (3, 2, 2, '2b'), (3, 3, 1, '2c'), (3, 3, 2, '3b')
) p(band, stage, period, code)
JOIN scale s USING (code);

CREATE TEMP TABLE course_levels AS
SELECT * FROM (VALUES
    ('ah', 'AH'), ('advancedhigher', 'AH'), ('advhigher', 'AH'), ('advh', 'AH'),
    ('h', 'H'), ('higher', 'H'), ('high', 'H'),
    ('n5', 'N5'), ('national5', 'N5'), ('nat5', 'N5'),
    ('n4', 'N4'), ('national4', 'N4'), ('nat4', 'N4'),
    ('n3', 'N3'), ('national3', 'N3'), ('nat3', 'N3'),
    ('n2', 'N2'), ('national2', 'N2'), ('nat2', 'N2'),
    ('scqf3', 'SCQF3'), ('scqflevel3', 'SCQF3'), ('l3', 'SCQF3'), ('level3', 'SCQF3'),
    ('scqf4', 'SCQF4'), ('scqflevel4', 'SCQF4'), ('l4', 'SCQF4'), ('level4', 'SCQF4'),
    ('scqf5', 'SCQF5'), ('scqflevel5', 'SCQF5'), ('l5', 'SCQF5'), ('level5', 'SCQF5'),
    ('scqf6', 'SCQF6'), ('scqflevel6', 'SCQF6'), ('l6', 'SCQF6'), ('level6', 'SCQF6'),
    ('scqf7', 'SCQF7'), ('scqflevel7', 'SCQF7'), ('l7', 'SCQF7'), ('level7', 'SCQF7')
) t(key, level);

CREATE TEMP TABLE pass_codes AS
SELECT * FROM (VALUES
    ('N4', 8), ('N3', 8), ('N2', 8), ('SCQF3', 8), ('SCQF4', 8),
    ('SCQF5', 7), ('SCQF6', 7), ('SCQF7', 7)
) t(level, pass);

CREATE TEMP TABLE faculties AS
SELECT lower(subject) AS key, faculty FROM (VALUES
    ('English', ['English', 'Literacy', 'Media', 'Media Studies']),
    ('Mathematics', ['Mathematics', 'Maths', 'Applications of Mathematics', 'Numeracy', 'Statistics']),
    ('Modern Languages', ['French', 'German', 'Spanish', 'Italian', 'Mandarin', 'Chinese', 'Gaelic', 'Gaelic (Learners)', 'Gàidhlig', 'Modern Languages', 'Languages']),
    ('Sciences', ['Science', 'Biology', 'Chemistry', 'Physics', 'Human Biology', 'Environmental Science', 'Laboratory Science']),
    ('Social Subjects', ['History', 'Geography', 'Modern Studies', 'Social Subjects', 'Politics', 'Sociology', 'Psychology', 'Economics', 'Classical Studies']),
    ('Technologies', ['Technologies', 'Computing', 'Computing Science', 'Design and Manufacture', 'Design & Manufacture', 'Engineering Science', 'Graphic Communication', 'Practical Woodworking', 'Practical Metalworking', 'Technical', 'Business', 'Business Management', 'Administration and IT', 'Administration', 'Accounting']),
    ('Expressive Arts', ['Art', 'Art and Design', 'Art & Design', 'Music', 'Music Technology', 'Drama', 'Dance', 'Photography', 'Expressive Arts']),
    ('Health & Wellbeing', ['Physical Education', 'PE', 'Health and Food Technology', 'Home Economics', 'Practical Cookery', 'Hospitality', 'Health and Wellbeing', 'PSE', 'Personal and Social Education', 'Childcare']),
    ('RMPS', ['RMPS', 'RME', 'Religious and Moral Education', 'Religious Education', 'Religious, Moral and Philosophical Studies', 'Philosophy'])
) t(faculty, subjects), unnest(subjects) u(subject);

CREATE TEMP MACRO stage_of(x) AS
    CASE WHEN regexp_full_match(trim(x), '[Ss]?\s*[1-6]') THEN right(trim(x), 1)::INT END;
CREATE TEMP MACRO grade_of(x) AS
    CASE WHEN regexp_full_match(trim(x), '[1-9]') THEN trim(x)::INT END;
CREATE TEMP MACRO every(tbl) AS
    getvariable('store') || '/' || tbl || '/*/*/*.parquet';
CREATE TEMP MACRO rank_of(status) AS
    CASE status WHEN 'off_track' THEN 0 WHEN 'slightly_off_track' THEN 1 WHEN 'on_track' THEN 2 END;

-- The expected level at each period: the latest checkpoint at or before it.
CREATE TEMP TABLE expected_at AS
SELECT p.band, p.stage, q.period, arg_max(p.expected, p.period) AS expected
FROM pathway p, (VALUES (1), (2), (3), (4)) q(period)
WHERE p.period <= q.period
GROUP BY ALL;

-- Each window's pupils (the demo ingests them with every window).
CREATE TEMP TABLE pupils AS
SELECT p.*, stage_of(p.stage) AS stage_n,
       coalesce(b.band,
           CASE WHEN try_cast(rtrim(cat_sas, '%') AS DOUBLE) >= 112 THEN 0
                WHEN try_cast(rtrim(cat_sas, '%') AS DOUBLE) >= 100 THEN 1
                WHEN try_cast(rtrim(cat_sas, '%') AS DOUBLE) >= 89 THEN 2
                WHEN try_cast(rtrim(cat_sas, '%') AS DOUBLE) >= 0 THEN 3 END) AS band
FROM read_parquet(every('pupils'), hive_partitioning = true) p
LEFT JOIN bands b ON b.key = lower(regexp_replace(p.pathway_band, '\s', '', 'g'))
WHERE p."window" IN (SELECT unnest(getvariable('windows')));

CREATE TEMP TABLE judged AS
WITH
bge_judged AS (
    SELECT r.school, r."window", r.scn, r.subject, coalesce(stage_of(r.stage), p.stage_n) AS stage,
           CASE WHEN s.pos IS NULL THEN 'missing'
                WHEN p.band IS NULL OR x.expected IS NULL THEN 'no_pathway'
                WHEN s.pos - x.expected >= 0 THEN 'on_track'
                WHEN s.pos - x.expected >= -1 THEN 'slightly_off_track'
                ELSE 'off_track' END AS status
    FROM read_parquet(every('bge'), hive_partitioning = true) r
    LEFT JOIN pupils p USING (school, "window", scn)
    LEFT JOIN scale s ON s.code = lower(regexp_replace(r.level, '[\s.-]', '', 'g'))
    LEFT JOIN expected_at x ON x.band = p.band AND x.stage = coalesce(stage_of(r.stage), p.stage_n)
        AND x.period = right(r."window", 1)::INT
    WHERE r."window" IN (SELECT unnest(getvariable('windows')))
),
senior AS (
    SELECT r.school, r.scn, r.subject, r."window", l.level, c.pass,
           grade_of(r.target_grade) AS target, grade_of(r.working_grade) AS working
    FROM read_parquet(every('senior'), hive_partitioning = true) r
    LEFT JOIN course_levels l ON l.key = lower(regexp_replace(r.course_level, '[\s.]', '', 'g'))
    LEFT JOIN pass_codes c ON c.level = l.level
    WHERE r."window" LIKE getvariable('session') || '_%'
      AND r."window" <= (SELECT max(w) FROM unnest(getvariable('windows')) t(w))
),
targets AS (
    -- The effective target in each window: the best valid target of the session so far.
    SELECT s.school, s.scn, lower(s.subject) AS key, w.w AS "window", min(s.target) AS target
    FROM senior s, (SELECT unnest(getvariable('windows')) AS w) w
    WHERE s."window" <= w.w AND s.pass IS NULL AND s.level IS NOT NULL AND s.target <> 8
    GROUP BY ALL
),
senior_judged AS (
    SELECT s.school, s."window", s.scn, s.subject, p.stage_n AS stage,
           -- 9 is off track on every kind of course, even of unknown level (10.5)
           CASE WHEN s.working = 9 THEN 'off_track'
                WHEN s.level IS NULL THEN 'missing'
                WHEN s.pass IS NOT NULL THEN
                    CASE WHEN s.working = s.pass THEN 'on_track'
                         WHEN s.working = 9 THEN 'off_track'
                         ELSE 'missing' END
                WHEN s.working IS NULL OR s.working = 8 THEN 'missing'
                WHEN s.working = 9 THEN 'off_track'
                WHEN e.target IS NULL THEN 'no_target'
                WHEN s.working - e.target <= 0 THEN 'on_track'
                WHEN s.working - e.target <= 1 THEN 'slightly_off_track'
                ELSE 'off_track' END AS status
    FROM senior s
    LEFT JOIN targets e ON e.school = s.school AND e.scn = s.scn AND e.key = lower(s.subject)
        AND e."window" = s."window"
    LEFT JOIN pupils p ON p.school = s.school AND p."window" = s."window" AND p.scn = s.scn
    WHERE s."window" IN (SELECT unnest(getvariable('windows')))
),
rows AS (
    SELECT * FROM bge_judged UNION ALL SELECT * FROM senior_judged
)
SELECT r.*, coalesce(f.faculty, trim(r.subject)) AS faculty, lower(trim(r.subject)) AS key
FROM rows r
LEFT JOIN faculties f ON f.key = lower(trim(r.subject));
