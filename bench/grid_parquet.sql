-- The Year Group Tracker grid of `tracker grid` over the store's Parquet:
-- the rules of bench/offtrack_parquet.sql, then a pivot to one row per pupil
-- and a value and a status column per subject, with the counts, faculties
-- off track and lead beside them. What an analyst would write to get the
-- same picture from the store in DuckDB.
-- Ingest has already trimmed cells, mapped headers, dropped rejected rows and
-- kept the later of duplicate rows, so only the rules remain (SPEC 4, 5).
--
-- Variables (set by bench/duckdb_run.py):
--   store:   the store directory;
--   win:     the window as stored, e.g. '2025-26_1';
--   session: its session, e.g. '2025-26' (earlier windows' targets count, 4.2).
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
CREATE TEMP MACRO part(tbl) AS
    getvariable('store') || '/' || tbl || '/*/window=' || getvariable('win') || '/*.parquet';

CREATE TEMP TABLE judged AS
WITH
pupils AS (
    -- This window's pupils (the bench ingests them with every window).
    SELECT school, scn, stage_of(stage) AS stage,
           coalesce(b.band,
               CASE WHEN try_cast(rtrim(cat_sas, '%') AS DOUBLE) >= 112 THEN 0
                    WHEN try_cast(rtrim(cat_sas, '%') AS DOUBLE) >= 100 THEN 1
                    WHEN try_cast(rtrim(cat_sas, '%') AS DOUBLE) >= 89 THEN 2
                    WHEN try_cast(rtrim(cat_sas, '%') AS DOUBLE) >= 0 THEN 3 END) AS band
    FROM read_parquet(part('pupils'), hive_partitioning = true) p
    LEFT JOIN bands b ON b.key = lower(regexp_replace(p.pathway_band, '\s', '', 'g'))
),
bge_judged AS (
    SELECT r.school, r.scn, r.subject, coalesce(s.code, r.level) AS shown,
           CASE WHEN s.pos IS NULL THEN 'missing'
                WHEN p.band IS NULL OR x.expected IS NULL THEN 'no_pathway'
                WHEN s.pos - x.expected >= 0 THEN 'on_track'
                WHEN s.pos - x.expected >= -1 THEN 'slightly_off_track'
                ELSE 'off_track' END AS status
    FROM read_parquet(part('bge'), hive_partitioning = true) r
    LEFT JOIN pupils p USING (school, scn)
    LEFT JOIN scale s ON s.code = lower(regexp_replace(r.level, '[\s.-]', '', 'g'))
    LEFT JOIN (
        SELECT band, stage, arg_max(expected, period) AS expected
        FROM pathway WHERE period <= right(getvariable('win'), 1)::INT GROUP BY ALL
    ) x ON x.band = p.band AND x.stage = coalesce(stage_of(r.stage), p.stage)
),
senior AS (
    SELECT r.school, r.scn, r.subject, r."window", l.level, c.pass,
           grade_of(r.target_grade) AS target, grade_of(r.working_grade) AS working,
           r.working_grade AS working_text, r.target_grade AS target_text
    FROM read_parquet(getvariable('store') || '/senior/*/*/*.parquet', hive_partitioning = true) r
    LEFT JOIN course_levels l ON l.key = lower(regexp_replace(r.course_level, '[\s.]', '', 'g'))
    LEFT JOIN pass_codes c ON c.level = l.level
    WHERE r."window" LIKE getvariable('session') || '_%' AND r."window" <= getvariable('win')
),
senior_judged AS (
    SELECT s.school, s.scn, s.subject,
           CASE WHEN s.working_text IS NULL AND coalesce(e.target::VARCHAR, s.target_text) IS NULL THEN NULL
                ELSE coalesce(s.working_text, '') || '/' || coalesce(e.target::VARCHAR, s.target_text, '') END AS shown,
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
    LEFT JOIN (
        -- The effective target: the best valid target of the session so far.
        SELECT school, scn, lower(subject) AS key, min(target) AS target
        FROM senior WHERE pass IS NULL AND level IS NOT NULL AND target <> 8
        GROUP BY ALL
    ) e ON e.school = s.school AND e.scn = s.scn AND e.key = lower(s.subject)
    WHERE s."window" = getvariable('win')
),
judged AS (
    SELECT * FROM bge_judged UNION ALL SELECT * FROM senior_judged
)
SELECT * FROM bge_judged UNION ALL SELECT * FROM senior_judged;

CREATE TEMP TABLE per_pupil AS
SELECT j.school, j.scn,
       count(*) FILTER (WHERE status = 'on_track') AS on_track,
       count(*) FILTER (WHERE status = 'slightly_off_track') AS slightly_off_track,
       count(*) FILTER (WHERE status = 'off_track') AS off_track,
       count(*) FILTER (WHERE status IN ('missing', 'no_pathway', 'no_target')) AS missing,
       count(DISTINCT coalesce(f.faculty, trim(j.subject))) FILTER (WHERE status = 'off_track') AS faculties_off_track
FROM judged j
LEFT JOIN faculties f ON f.key = lower(trim(j.subject))
GROUP BY j.school, j.scn;

SELECT p.*, g.* EXCLUDE (school, scn),
       coalesce(o.lead_role,
           CASE WHEN p.faculties_off_track = 0 THEN NULL
                WHEN p.faculties_off_track <= 2 THEN 'Subject PT'
                WHEN p.faculties_off_track <= 4 THEN 'Wellbeing Support Teacher'
                ELSE 'Year Head' END) AS lead_role
FROM per_pupil p
JOIN (
    PIVOT (SELECT school, scn, trim(subject) AS subject, shown, status FROM judged)
    ON subject USING first(shown) AS v, first(status) AS s
    GROUP BY school, scn
) g USING (school, scn)
LEFT JOIN read_parquet(part('overrides'), hive_partitioning = true) o USING (school, scn)
ORDER BY p.faculties_off_track DESC, p.off_track DESC, p.school, p.scn;
