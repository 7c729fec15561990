-- The off-track computation of `tracker offtrack`, written independently in
-- DuckDB over the same SEEMiS CSV exports (SPEC 2, 4, 5, 10), as a data team
-- without `tracker` would write it. bench/run times it against `tracker
-- ingest` + `tracker offtrack` and checks both flag the same pupils with the
-- same faculties.
--
-- Variables (set by bench/duckdb_run.py before this file runs):
--   pupils_files, bge_files, senior_files, overrides_files: lists of CSV paths
--     of ONE window, laid out as <dir>/<SCHOOL>/<window>/<kind>.csv, the way
--     `tracker demo` writes them;
--   period: the window's period (1-4), which picks the pathway checkpoint.
-- The default config is written out below (scale, pathway, CAT thresholds,
-- course levels, faculties, follow-up bands).
--
-- What the SQL does that ingest does: trims cells and treats empty as null;
-- matches the SPEC 2 header spellings (union_by_name, then coalesce over the
-- aliases a file has, with COLUMNS);
-- drops the rows ingest rejects (no or bad SCN, no subject, a BGE row of a
-- Senior Phase stage, a row with an extra non-empty field: `ignore_errors`);
-- and keeps the later of two rows with the same (SCN, subject), by position
-- in the file (DuckDB keeps a file's order when insertion order is preserved,
-- which is the default).

-- Config: the level scale (SPEC 4.1), positions 0..13.
CREATE TEMP TABLE scale AS
SELECT * FROM (VALUES
    ('e', 0), ('ea', 1), ('eb', 2), ('ec', 3), ('1a', 4), ('1b', 5), ('1c', 6),
    ('2a', 7), ('2b', 8), ('2c', 9), ('3a', 10), ('3b', 11), ('3c', 12), ('4', 13)
) t(code, pos);

-- The pathway bands and their expected level at each checkpoint.
CREATE TEMP TABLE bands AS
SELECT * FROM (VALUES
    (0, 'N5 A/B',         'n5a/b'),
    (1, 'N5 C/D',         'n5c/d'),
    (2, 'N5 Sfw/SCQF L5', 'n5sfw/scqfl5'),
    (3, 'N4/SCQF L4',     'n4/scqfl4')
) t(band, name, key);

CREATE TEMP TABLE pathway AS
SELECT band, stage, period, s.pos AS expected
FROM (VALUES
    (0, 1, 1, '2b'), (0, 1, 2, '2b'), (0, 2, 1, '3b'), (0, 2, 2, '3b'), (0, 3, 1, '4'),  (0, 3, 2, '4'),
    (1, 1, 1, '2a'), (1, 1, 2, '2b'), (1, 2, 1, '2c'), (1, 2, 2, '3a'), (1, 3, 1, '3c'), (1, 3, 2, '4'),
    (2, 1, 1, '1c'), (2, 1, 2, '2a'), (2, 2, 1, '2b'), (2, 2, 2, '2c'), (2, 3, 1, '3b'), (2, 3, 2, '3c'),
    (3, 1, 1, '1b'), (3, 1, 2, '1c'), (3, 2, 1, '2a'), (3, 2, 2, '2b'), (3, 3, 1, '2c'), (3, 3, 2, '3b')
) p(band, stage, period, code)
JOIN scale s USING (code);

-- Course-level spellings (SPEC 10.6), folded: lowercase, no spaces or dots.
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

-- Pass code of pass/fail levels; graded levels (AH, H, N5) have none.
CREATE TEMP TABLE pass_codes AS
SELECT * FROM (VALUES
    ('N4', 8), ('N3', 8), ('N2', 8), ('SCQF3', 8), ('SCQF4', 8),
    ('SCQF5', 7), ('SCQF6', 7), ('SCQF7', 7)
) t(level, pass);

-- Faculties (SPEC 5.1): subject (lowercase) -> faculty.
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

-- Cell helpers: trimmed, empty is null; stage S1..S6 / 1..6; grade 1-9.
CREATE TEMP MACRO cell(x) AS nullif(trim(x), '');
CREATE TEMP MACRO stage_of(x) AS
    CASE WHEN regexp_full_match(trim(x), '[Ss]?\s*[1-6]') THEN right(trim(x), 1)::INT END;
CREATE TEMP MACRO grade_of(x) AS
    CASE WHEN regexp_full_match(trim(x), '[1-9]') THEN trim(x)::INT END;
CREATE TEMP MACRO valid_scn(x) AS coalesce(regexp_full_match(x, '[0-9]{9}'), false);
-- The school is the folder above the window folder.
CREATE TEMP MACRO school_of(f) AS split_part(f, '/', -3);

WITH
pupils_raw AS (
    SELECT school_of(filename) AS school,
           cell(coalesce(*COLUMNS('(?i)^(scn|scottish candidate number|candidate number|pupil id)$'))) AS scn,
           cell(coalesce(*COLUMNS('(?i)^(stage|year|year group|stage code)$'))) AS stage_text,
           cell(coalesce(*COLUMNS('(?i)^(house)$'))) AS house,
           cell(coalesce(*COLUMNS('(?i)^(cat mean sas|mean sas|cat4 mean sas)$'))) AS sas,
           cell(coalesce(*COLUMNS('(?i)^(pathway band|predicted band|predicted s4)$'))) AS pathway_band,
           row_number() OVER () AS rn
    FROM read_csv(getvariable('pupils_files'), all_varchar = true, union_by_name = true,
                  filename = true, ignore_errors = true)
),
pupils AS (
    SELECT school, scn, stage_of(stage_text) AS stage, house,
           coalesce(b.band,
               CASE WHEN try_cast(rtrim(sas, '%') AS DOUBLE) >= 112 THEN 0
                    WHEN try_cast(rtrim(sas, '%') AS DOUBLE) >= 100 THEN 1
                    WHEN try_cast(rtrim(sas, '%') AS DOUBLE) >= 89 THEN 2
                    WHEN try_cast(rtrim(sas, '%') AS DOUBLE) >= 0 THEN 3 END) AS band
    FROM pupils_raw p
    LEFT JOIN bands b ON b.key = lower(regexp_replace(p.pathway_band, '\s', '', 'g'))
    WHERE valid_scn(scn)
    QUALIFY row_number() OVER (PARTITION BY school, scn ORDER BY rn DESC) = 1
),
bge_raw AS (
    SELECT school_of(filename) AS school,
           cell(coalesce(*COLUMNS('(?i)^(scn|scottish candidate number|candidate number|pupil id)$'))) AS scn,
           cell(coalesce(*COLUMNS('(?i)^(subject|subject name|course|course title)$'))) AS subject,
           cell(coalesce(*COLUMNS('(?i)^(stage|year|year group|stage code)$'))) AS stage_text,
           cell(coalesce(*COLUMNS('(?i)^(level|cfe level|working level|level code|progress)$'))) AS level,
           row_number() OVER () AS rn
    FROM read_csv(getvariable('bge_files'), all_varchar = true, union_by_name = true,
                  filename = true, ignore_errors = true)
),
bge AS (
    SELECT r.school, r.scn, r.subject,
           coalesce(stage_of(r.stage_text), p.stage) AS stage,
           p.band, s.pos AS level
    FROM bge_raw r
    LEFT JOIN pupils p USING (school, scn)
    LEFT JOIN scale s ON s.code = lower(regexp_replace(r.level, '[\s.-]', '', 'g'))
    WHERE valid_scn(r.scn) AND r.subject IS NOT NULL
      AND (r.stage_text IS NULL OR stage_of(r.stage_text) BETWEEN 1 AND 3)
    QUALIFY row_number() OVER (PARTITION BY r.school, r.scn, lower(r.subject) ORDER BY r.rn DESC) = 1
),
bge_judged AS (
    SELECT b.school, b.scn, b.subject, b.stage,
           CASE WHEN b.level IS NULL THEN 'missing'
                WHEN b.band IS NULL OR x.expected IS NULL THEN 'no_pathway'
                WHEN b.level - x.expected >= 0 THEN 'on_track'
                WHEN b.level - x.expected >= -1 THEN 'slightly_off_track'
                ELSE 'off_track' END AS status
    FROM bge b
    LEFT JOIN (
        -- The latest checkpoint of the stage at or before the window's period.
        SELECT band, stage, arg_max(expected, period) AS expected
        FROM pathway WHERE period <= getvariable('period') GROUP BY ALL
    ) x USING (band, stage)
),
senior_raw AS (
    SELECT school_of(filename) AS school,
           cell(coalesce(*COLUMNS('(?i)^(scn|scottish candidate number|candidate number|pupil id)$'))) AS scn,
           cell(coalesce(*COLUMNS('(?i)^(subject|subject name|course|course title)$'))) AS subject,
           cell(coalesce(*COLUMNS('(?i)^(stage|year|year group|stage code)$'))) AS stage_text,
           cell(coalesce(*COLUMNS('(?i)^(course level|level|qualification level|scqf level)$'))) AS course_level,
           cell(coalesce(*COLUMNS('(?i)^(target grade|target|tg)$'))) AS target,
           cell(coalesce(*COLUMNS('(?i)^(working grade|working|current grade|wg)$'))) AS working,
           row_number() OVER () AS rn
    FROM read_csv(getvariable('senior_files'), all_varchar = true, union_by_name = true,
                  filename = true, ignore_errors = true)
),
senior AS (
    SELECT r.school, r.scn, r.subject,
           coalesce(stage_of(r.stage_text), p.stage) AS stage,
           l.level, c.pass,
           grade_of(r.target) AS target, grade_of(r.working) AS working
    FROM senior_raw r
    LEFT JOIN pupils p USING (school, scn)
    LEFT JOIN course_levels l ON l.key = lower(regexp_replace(r.course_level, '[\s.]', '', 'g'))
    LEFT JOIN pass_codes c ON c.level = l.level
    WHERE valid_scn(r.scn) AND r.subject IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY r.school, r.scn, lower(r.subject) ORDER BY r.rn DESC) = 1
),
senior_judged AS (
    SELECT school, scn, subject, stage,
           -- 9 is off track on every kind of course, even of unknown level (10.5)
           CASE WHEN working = 9 THEN 'off_track'
                WHEN level IS NULL THEN 'missing'
                -- pass/fail courses: the pass code, 9, else missing
                WHEN pass IS NOT NULL THEN
                    CASE WHEN working = pass THEN 'on_track'
                         WHEN working = 9 THEN 'off_track'
                         ELSE 'missing' END
                -- graded: working 1-7 or 9 is valid, 8 is not
                WHEN working IS NULL OR working = 8 THEN 'missing'
                WHEN working = 9 THEN 'off_track'
                WHEN target IS NULL OR target = 8 THEN 'no_target'
                WHEN working - target <= 0 THEN 'on_track'
                WHEN working - target <= 1 THEN 'slightly_off_track'
                ELSE 'off_track' END AS status
    FROM senior
),
judged AS (
    SELECT * FROM bge_judged UNION ALL SELECT * FROM senior_judged
),
with_faculty AS (
    SELECT j.school, j.scn, j.stage, j.status,
           coalesce(f.faculty, trim(j.subject)) AS faculty
    FROM judged j
    LEFT JOIN faculties f ON f.key = lower(trim(j.subject))
),
per_pupil AS (
    SELECT school, scn,
           count(DISTINCT faculty) FILTER (WHERE status = 'off_track') AS faculties_off_track,
           string_agg(DISTINCT faculty, '; ' ORDER BY lower(faculty), faculty)
               FILTER (WHERE status = 'off_track') AS off_track_faculties
    FROM with_faculty
    GROUP BY school, scn
),
overrides_raw AS (
    SELECT school_of(filename) AS school,
           cell(coalesce(*COLUMNS('(?i)^(scn|scottish candidate number|candidate number|pupil id)$'))) AS scn,
           cell(coalesce(*COLUMNS('(?i)^(lead role)$'))) AS lead_role,
           row_number() OVER () AS rn
    FROM read_csv(getvariable('overrides_files'), all_varchar = true, union_by_name = true,
                  filename = true, ignore_errors = true)
),
overrides AS (
    SELECT school, scn, lead_role FROM overrides_raw
    WHERE valid_scn(scn) AND lead_role IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY school, scn ORDER BY rn DESC) = 1
)
SELECT p.school, p.scn, p.faculties_off_track, p.off_track_faculties,
       coalesce(o.lead_role,
           CASE WHEN p.faculties_off_track <= 2 THEN 'Subject PT'
                WHEN p.faculties_off_track <= 4 THEN 'Wellbeing Support Teacher'
                ELSE 'Year Head' END) AS lead_role
FROM per_pupil p
LEFT JOIN overrides o USING (school, scn)
WHERE p.faculties_off_track >= 1
ORDER BY p.school, p.scn;
