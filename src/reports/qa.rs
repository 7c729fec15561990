//! `tracker qa`: completeness and anomalies for faculty leaders (SPEC 8).
//!
//! Findings come from three places: the judged rows of the window (invalid
//! and missing entries, targets, levels, comments, interventions), the leads
//! `offtrack` would assign (`missing_staff`), and what ingest set aside in the
//! store (`rejected_row`, `duplicate_conflict`). A detail names columns, codes
//! and files, never a pupil's name or comment.

use std::collections::{HashMap, HashSet};

use anyhow::Context;

use crate::config::{LeadBy, Severity};
use crate::output::{Cell, ColType, Table};
use crate::rules::Status;
use crate::rules::followup::text_key;
use crate::rules::validity::{Invalid, column_label};
use crate::rules::values::{comment_too_long, parse_stage};
use crate::rules::window::Window;
use crate::store::read::Snapshot;

use super::matches;
use super::model::{self, Cols, Ctx, Intervention, Phase, Row, SchoolWindow, subject_key};
use super::offtrack::pupil_lines;

/// Every QA finding kind, in the order of SPEC 8 (plus rejected rows, 10.15).
pub const KINDS: &[&str] = &[
    "invalid_level",
    "invalid_grade",
    "invalid_rating",
    "invalid_value",
    "missing_entry",
    "no_pathway_band",
    "no_target",
    "target_lowered",
    "level_regressed",
    "comment_too_long",
    "unmapped_subject",
    "unknown_pupil",
    "duplicate_conflict",
    "missing_staff",
    "no_intervention",
    "rejected_row",
];

/// SPEC 10.15: the severity of a kind before `[qa.severity]`.
pub fn default_severity(kind: &str) -> Severity {
    match kind {
        "invalid_level" | "invalid_grade" | "missing_entry" | "rejected_row" => Severity::Error,
        "level_regressed" => Severity::Info,
        _ => Severity::Warning,
    }
}

/// One anomaly, as a row of the findings table.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub school: String,
    pub window: Window,
    pub severity: Severity,
    pub kind: &'static str,
    pub scn: Option<String>,
    pub subject: Option<String>,
    pub teacher: Option<String>,
    pub detail: String,
}

/// `--teacher` and `--faculty`, each matched ignoring case and surrounding
/// spaces. They select rows; a finding about a pupil (a context value, no
/// band, no pupils row) passes when one of the pupil's rows does. Findings
/// that belong to no row pass as [`QaFilter::accepts_unowned`] says.
#[derive(Debug, Clone, Default)]
pub struct QaFilter {
    pub teacher: Option<String>,
    pub faculty: Option<String>,
}

impl QaFilter {
    pub fn is_empty(&self) -> bool {
        self.teacher.is_none() && self.faculty.is_none()
    }

    fn accepts(&self, row: &Row) -> bool {
        matches(&self.teacher, row.teacher.as_deref()) && matches(&self.faculty, Some(&row.faculty))
    }

    /// A finding that belongs to no teacher passes only without `--teacher`;
    /// with `--faculty` it needs a faculty, and that faculty must match.
    fn accepts_unowned(&self, faculty: Option<&str>) -> bool {
        self.teacher.is_none() && (self.faculty.is_none() || matches(&self.faculty, faculty))
    }
}

/// A stored rejected row or duplicate conflict of the window.
#[derive(Debug, Clone, Default)]
pub struct SetAside {
    pub kind: String,
    pub source: String,
    pub line: u32,
    /// Rejects: the reason code and its detail.
    pub reason: String,
    pub detail: String,
    /// Conflicts: the earlier row, which the later one replaced.
    pub earlier_source: String,
    pub earlier_line: u32,
    pub scn: Option<String>,
    pub subject: Option<String>,
    pub stage: Option<u8>,
}

/// What QA needs from the store beyond the judged window.
#[derive(Debug, Default)]
pub struct History {
    /// The window before this one, if the store holds one for the school.
    pub previous: Option<Window>,
    /// The interventions of `previous`.
    pub previous_interventions: Vec<Intervention>,
    /// The latest earlier window of the same session with BGE rows, and its
    /// valid levels by (SCN, subject) key.
    pub earlier_levels: Option<(Window, HashMap<String, usize>)>,
    pub rejects: Vec<SetAside>,
    pub conflicts: Vec<SetAside>,
}

/// Read what QA needs for one school's window besides the window itself.
pub fn history(ctx: &Ctx, snap: &Snapshot, sw: &SchoolWindow) -> anyhow::Result<History> {
    let (school, window) = (sw.school.as_str(), sw.window);
    let context = || format!("cannot read the QA tables of {school} {window} from the store");
    let earlier: Vec<Window> = snap
        .windows(Some(school))
        .into_iter()
        .filter(|w| *w < window)
        .collect();
    let previous = earlier.last().copied();
    let previous_interventions = match previous {
        Some(w) => model::interventions(snap, school, w).with_context(context)?,
        None => Vec::new(),
    };
    let mut earlier_levels = None;
    for &w in earlier.iter().rev().filter(|w| w.session == window.session) {
        let cols = ["scn", "subject", "level"];
        if let Some(df) = snap
            .read("bge", school, w, Some(&cols))
            .with_context(context)?
        {
            let c = Cols::new(&df, &cols)?;
            let mut levels = HashMap::with_capacity(c.height());
            for i in 0..c.height() {
                if let (Some(scn), Some(subject), Some(pos)) = (
                    c.get("scn", i),
                    c.get("subject", i),
                    c.get("level", i).and_then(|l| ctx.scale.position(l)),
                ) {
                    levels.insert(subject_key(scn, subject), pos);
                }
            }
            earlier_levels = Some((w, levels));
            break;
        }
    }
    Ok(History {
        previous,
        previous_interventions,
        earlier_levels,
        rejects: set_aside(snap, school, window, "rejects").with_context(context)?,
        conflicts: set_aside(snap, school, window, "conflicts").with_context(context)?,
    })
}

fn set_aside(
    snap: &Snapshot,
    school: &str,
    window: Window,
    table: &str,
) -> anyhow::Result<Vec<SetAside>> {
    let Some(df) = snap.read(table, school, window, None)? else {
        return Ok(Vec::new());
    };
    let names = [
        "kind",
        "source",
        "reason",
        "detail",
        "earlier_source",
        "scn",
        "subject",
        "stage_group",
    ];
    let c = Cols::new(&df, &names)?;
    let lines = c.lines();
    let earlier_lines: Vec<u32> = df
        .column("earlier_line")
        .ok()
        .and_then(|col| {
            col.u32()
                .ok()
                .map(|ca| ca.iter().map(|v| v.unwrap_or(0)).collect())
        })
        .unwrap_or_else(|| vec![0; df.height()]);
    Ok((0..c.height())
        .map(|i| SetAside {
            kind: c.owned("kind", i).unwrap_or_default(),
            source: c.owned("source", i).unwrap_or_default(),
            line: lines[i],
            reason: c.owned("reason", i).unwrap_or_default(),
            detail: c.owned("detail", i).unwrap_or_default(),
            earlier_source: c.owned("earlier_source", i).unwrap_or_default(),
            earlier_line: earlier_lines[i],
            scn: c.owned("scn", i),
            subject: c.owned("subject", i),
            stage: c.get("stage_group", i).and_then(parse_stage),
        })
        .collect())
}

/// A value as entered, quoted, when it is short enough to be a code and is
/// not one of the pupil's `names`: a cell in the wrong column can hold
/// anything, and a detail must never carry a name or a comment.
pub fn shown(value: &str, names: &[Option<&str>]) -> String {
    const MAX: usize = 12;
    let n = value.chars().count();
    let is_name = names
        .iter()
        .flatten()
        .any(|name| crate::rules::same_text(name, value));
    if n > MAX || is_name {
        format!("({n} characters, not shown)")
    } else {
        format!("`{value}`")
    }
}

/// The detail of an invalid cell: `Working Grade `8`: do not use 8 for AH/H/N5`.
pub fn invalid_detail(i: &Invalid, names: &[Option<&str>]) -> String {
    format!(
        "{} {}: {}",
        column_label(i.column),
        shown(&i.value, names),
        i.reason
    )
}

/// Builds the findings of one school's window.
struct Collector<'a> {
    ctx: &'a Ctx<'a>,
    sw: &'a SchoolWindow,
    out: Vec<Finding>,
}

impl Collector<'_> {
    fn push(
        &mut self,
        kind: &'static str,
        scn: Option<&str>,
        subject: Option<&str>,
        teacher: Option<&str>,
        detail: String,
    ) {
        self.out.push(Finding {
            school: self.sw.school.clone(),
            window: self.sw.window,
            severity: self.ctx.config.severity(kind),
            kind,
            scn: scn.map(str::to_string),
            subject: subject.map(str::to_string),
            teacher: teacher.map(str::to_string),
            detail,
        });
    }

    fn row(&mut self, kind: &'static str, r: &Row, detail: String) {
        self.push(
            kind,
            Some(&r.scn),
            Some(&r.subject),
            r.teacher.as_deref(),
            detail,
        );
    }
}

/// Every finding of one school's window that passes the stage set and filter.
pub fn findings(
    ctx: &Ctx,
    sw: &SchoolWindow,
    history: &History,
    stages: &dyn Fn(Option<u8>) -> bool,
    filter: &QaFilter,
) -> Vec<Finding> {
    let rows: Vec<&Row> = sw
        .rows
        .iter()
        .filter(|r| stages(r.stage) && filter.accepts(r))
        .collect();
    let mut c = Collector {
        ctx,
        sw,
        out: Vec::new(),
    };
    row_findings(&mut c, &rows, history);
    pupil_findings(&mut c, &rows, stages, filter);
    staff_findings(&mut c, stages, filter);
    set_aside_findings(&mut c, history, stages, filter);
    c.out
}

/// Findings about single pupil-subject rows.
fn row_findings(c: &mut Collector, rows: &[&Row], history: &History) {
    let ctx = c.ctx;
    let max_chars = ctx.config.bge.comment_max_chars;
    let helped = Helped::new(&c.sw.interventions, &history.previous_interventions);
    let searched = match history.previous {
        Some(p) => format!("{} or {p}", c.sw.window),
        None => c.sw.window.to_string(),
    };
    for r in rows {
        let pupil = c.sw.pupil(&r.scn);
        let names = [
            r.forename.as_deref(),
            r.surname.as_deref(),
            pupil.and_then(|p| p.forename.as_deref()),
            pupil.and_then(|p| p.surname.as_deref()),
        ];
        for i in &r.invalid {
            c.row(i.kind.as_str(), r, invalid_detail(i, &names));
        }
        match r.phase {
            Phase::Bge => {
                if r.level_text.is_none() {
                    c.row("missing_entry", r, "no level entered".into());
                }
                if let (Some(now), Some((w, levels))) = (r.level, &history.earlier_levels)
                    && let Some(&before) = levels.get(&subject_key(&r.scn, &r.subject))
                    && now < before
                {
                    let detail = format!(
                        "level {} is below {} in {w}",
                        ctx.scale.code(now),
                        ctx.scale.code(before)
                    );
                    c.row("level_regressed", r, detail);
                }
            }
            Phase::Senior => {
                if r.course_level_text.is_none() {
                    c.row("missing_entry", r, "no course level entered".into());
                }
                if r.working_text.is_none() {
                    c.row("missing_entry", r, "no working grade entered".into());
                }
                let graded = r.course_level.is_some_and(|l| l.is_graded());
                if graded && r.effective_target.is_none() {
                    c.row(
                        "no_target",
                        r,
                        "no target grade recorded this session".into(),
                    );
                }
                if let (true, Some(t), Some(e)) = (graded, r.target, r.earlier_target)
                    && t > e
                {
                    let detail = format!(
                        "target {t} is worse than {e} recorded earlier this session; the effective target stays {e}"
                    );
                    c.row("target_lowered", r, detail);
                }
            }
        }
        if let Some(comment) = &r.comment
            && comment_too_long(comment, max_chars)
        {
            let detail = format!(
                "comment is {} characters; the limit is {max_chars}",
                comment.chars().count()
            );
            c.row("comment_too_long", r, detail);
        }
        if r.status == Status::OffTrack && !helped.covers(&r.scn, &r.subject) {
            let detail = format!(
                "off track with no intervention for this subject or whole-school in {searched}"
            );
            c.row("no_intervention", r, detail);
        }
    }
    let mut unmapped: HashSet<String> = HashSet::new();
    for r in rows.iter().filter(|r| !r.mapped) {
        if unmapped.insert(r.subject.trim().to_lowercase()) {
            c.push(
                "unmapped_subject",
                None,
                Some(r.subject.trim()),
                None,
                "no faculty in `[faculties]` lists this subject; it counts as its own faculty"
                    .into(),
            );
        }
    }
}

/// The interventions that count for a window (SPEC 2.4): by SCN, for a subject
/// or whole-school.
struct Helped<'a> {
    whole_school: HashSet<&'a str>,
    subjects: HashSet<String>,
}

impl<'a> Helped<'a> {
    fn new(now: &'a [Intervention], before: &'a [Intervention]) -> Helped<'a> {
        let mut h = Helped {
            whole_school: HashSet::new(),
            subjects: HashSet::new(),
        };
        for i in now.iter().chain(before) {
            match i
                .subject
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                Some(subject) => {
                    h.subjects.insert(subject_key(&i.scn, subject));
                }
                None => {
                    h.whole_school.insert(&i.scn);
                }
            }
        }
        h
    }

    fn covers(&self, scn: &str, subject: &str) -> bool {
        self.whole_school.contains(scn) || self.subjects.contains(&subject_key(scn, subject))
    }
}

/// Findings about pupils: context values, bands, SCNs with no pupils row.
fn pupil_findings(
    c: &mut Collector,
    rows: &[&Row],
    stages: &dyn Fn(Option<u8>) -> bool,
    filter: &QaFilter,
) {
    let sw = c.sw;
    let mut subject_rows: HashMap<&str, (usize, bool)> = HashMap::new();
    for r in rows {
        let e = subject_rows.entry(r.scn.as_str()).or_default();
        e.0 += 1;
        e.1 |= r.phase == Phase::Bge;
    }
    let mut scns: Vec<&str> = subject_rows.keys().copied().collect();
    if filter.is_empty() {
        // Without a filter every pupils row is checked, taught or not.
        scns.extend(
            sw.pupils
                .values()
                .filter(|p| stages(p.stage) && !subject_rows.contains_key(p.scn.as_str()))
                .map(|p| p.scn.as_str()),
        );
    }
    for scn in scns {
        let Some(pupil) = sw.pupil(scn) else {
            let n = subject_rows.get(scn).map_or(0, |e| e.0);
            let rows = if n == 1 { "row" } else { "rows" };
            c.push(
                "unknown_pupil",
                Some(scn),
                None,
                None,
                format!("no pupils row for this SCN ({n} subject {rows})"),
            );
            continue;
        };
        let names = [pupil.forename.as_deref(), pupil.surname.as_deref()];
        for i in &pupil.invalid {
            c.push(
                "invalid_value",
                Some(scn),
                None,
                None,
                invalid_detail(i, &names),
            );
        }
        let has_bge = subject_rows.get(scn).is_some_and(|e| e.1);
        if has_bge && pupil.band.is_none() {
            c.push(
                "no_pathway_band",
                Some(scn),
                None,
                None,
                "no valid Pathway Band and no valid CAT Mean SAS".into(),
            );
        }
    }
}

/// `missing_staff` (5.2, 10.9): once per faculty, house or stage with no name
/// in its band's staff table, and once per pupil with no house or stage.
fn staff_findings(c: &mut Collector, stages: &dyn Fn(Option<u8>) -> bool, filter: &QaFilter) {
    let bands = &c.ctx.config.followup.band;
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut found = Vec::new();
    for line in pupil_lines(c.ctx, c.sw) {
        if !stages(line.stage) {
            continue;
        }
        let (Some(role), Some(band)) = (&line.lead_role, line.band.and_then(|b| bands.get(b)))
        else {
            continue;
        };
        let by = match band.lead_by {
            LeadBy::Faculty => "faculty",
            LeadBy::House => "house",
            LeadBy::Stage => "stage",
        };
        for key in &line.missing_staff {
            let faculty = (band.lead_by == LeadBy::Faculty).then_some(key.as_str());
            if !filter.accepts_unowned(faculty) {
                continue;
            }
            if key.is_empty() {
                let detail = format!("no {by} recorded, so no {role} can be named as lead");
                found.push((Some(line.scn.to_string()), detail));
            } else if seen.insert((role.to_lowercase(), key.to_lowercase())) {
                let detail = format!("no {role} named for {by} `{key}` in `[followup.band.staff]`");
                found.push((None, detail));
            }
        }
    }
    for (scn, detail) in found {
        c.push("missing_staff", scn.as_deref(), None, None, detail);
    }
}

/// `rejected_row` and `duplicate_conflict`, from what ingest set aside.
fn set_aside_findings(
    c: &mut Collector,
    history: &History,
    stages: &dyn Fn(Option<u8>) -> bool,
    filter: &QaFilter,
) {
    let ctx = c.ctx;
    let faculty_of =
        |subject: Option<&str>| subject.map(|s| ctx.faculties.faculty_of(s).0.to_string());
    for r in history.rejects.iter().filter(|r| stages(r.stage)) {
        if !filter.accepts_unowned(faculty_of(r.subject.as_deref()).as_deref()) {
            continue;
        }
        let mut detail = format!("{}:{}: {}", r.source, r.line, r.reason);
        if !r.detail.is_empty() {
            detail.push_str(&format!(" ({})", r.detail));
        }
        c.push(
            "rejected_row",
            r.scn.as_deref(),
            r.subject.as_deref(),
            None,
            detail,
        );
    }
    // A conflict's teacher is the teacher of the row that was kept.
    let kept: HashMap<String, &Row> =
        c.sw.rows
            .iter()
            .map(|r| (subject_key(&r.scn, &r.subject), r))
            .collect();
    for d in history.conflicts.iter().filter(|d| stages(d.stage)) {
        let row = match (&d.scn, &d.subject) {
            (Some(scn), Some(subject)) => kept.get(&subject_key(scn, subject)).copied(),
            _ => None,
        };
        let teacher = row.and_then(|r| r.teacher.as_deref());
        let pass = match row {
            Some(r) => filter.accepts(r),
            None => filter.accepts_unowned(faculty_of(d.subject.as_deref()).as_deref()),
        };
        if !pass {
            continue;
        }
        let detail = format!(
            "{} rows differ: {}:{} was kept over {}:{}",
            d.kind, d.source, d.line, d.earlier_source, d.earlier_line
        );
        c.push(
            "duplicate_conflict",
            d.scn.as_deref(),
            d.subject.as_deref(),
            teacher,
            detail,
        );
    }
}

/// SPEC 8 order for people: errors first, then kind (in `KINDS` order), SCN,
/// subject; school, teacher and detail only break ties.
pub fn sort(findings: &mut [Finding]) {
    let kind_index = |k: &str| KINDS.iter().position(|x| *x == k).unwrap_or(KINDS.len());
    findings.sort_by_cached_key(|f| {
        (
            std::cmp::Reverse(f.severity),
            kind_index(f.kind),
            f.scn.clone().unwrap_or_default(),
            text_key(f.subject.as_deref().unwrap_or_default()),
            f.school.clone(),
            text_key(f.teacher.as_deref().unwrap_or_default()),
            f.detail.clone(),
        )
    });
}

pub const COLUMNS: &[(&str, ColType)] = &[
    ("school", ColType::Text),
    ("window", ColType::Text),
    ("severity", ColType::Text),
    ("kind", ColType::Text),
    ("scn", ColType::Text),
    ("subject", ColType::Text),
    ("teacher", ColType::Text),
    ("detail", ColType::Text),
];

/// The findings table; it takes the findings so that a large one is not copied.
pub fn findings_table(findings: Vec<Finding>) -> Table {
    let mut t = Table::new("findings", COLUMNS);
    t.rows = findings
        .into_iter()
        .map(|f| {
            vec![
                Cell::from(f.school),
                Cell::from(f.window.to_string()),
                Cell::from(f.severity.as_str()),
                Cell::from(f.kind),
                Cell::from(f.scn),
                Cell::from(f.subject),
                Cell::from(f.teacher),
                Cell::from(f.detail),
            ]
        })
        .collect();
    t
}

/// Entries expected and entered for one faculty and teacher.
#[derive(Debug, Clone, PartialEq)]
pub struct Completeness {
    pub school: String,
    pub window: Window,
    pub faculty: String,
    pub teacher: Option<String>,
    pub expected: usize,
    pub entered: usize,
}

impl Completeness {
    pub fn percent(&self) -> f64 {
        if self.expected == 0 {
            100.0
        } else {
            self.entered as f64 * 100.0 / self.expected as f64
        }
    }
}

/// Whether a row's entry was made: a level (BGE) or a working grade (Senior
/// Phase), valid or not.
pub fn entered(r: &Row) -> bool {
    match r.phase {
        Phase::Bge => r.level_text.is_some(),
        Phase::Senior => r.working_text.is_some(),
    }
}

/// Completeness per faculty and teacher of one school's window, unsorted.
pub fn completeness(
    sw: &SchoolWindow,
    stages: &dyn Fn(Option<u8>) -> bool,
    filter: &QaFilter,
) -> Vec<Completeness> {
    // (faculty, teacher) -> its counts.
    let mut groups: HashMap<(&str, Option<&str>), Completeness> = HashMap::new();
    for r in sw
        .rows
        .iter()
        .filter(|r| stages(r.stage) && filter.accepts(r))
    {
        let teacher = r.teacher.as_deref().map(str::trim);
        let g = groups
            .entry((r.faculty.as_str(), teacher))
            .or_insert_with(|| Completeness {
                school: sw.school.clone(),
                window: sw.window,
                faculty: r.faculty.clone(),
                teacher: teacher.map(str::to_string),
                expected: 0,
                entered: 0,
            });
        g.expected += 1;
        g.entered += usize::from(entered(r));
    }
    groups.into_values().collect()
}

/// School, faculty, teacher (rows with no teacher last).
pub fn sort_completeness(rows: &mut [Completeness]) {
    rows.sort_by_cached_key(|c| {
        (
            c.school.clone(),
            text_key(&c.faculty),
            c.teacher.is_none(),
            text_key(c.teacher.as_deref().unwrap_or_default()),
        )
    });
}

pub const COMPLETENESS_COLUMNS: &[(&str, ColType)] = &[
    ("school", ColType::Text),
    ("window", ColType::Text),
    ("faculty", ColType::Text),
    ("teacher", ColType::Text),
    ("expected", ColType::Int),
    ("entered", ColType::Int),
    ("percent_complete", ColType::Float),
];

pub fn completeness_table(rows: &[Completeness]) -> Table {
    let mut t = Table::new("completeness", COMPLETENESS_COLUMNS);
    t.rows = rows
        .iter()
        .map(|c| {
            vec![
                Cell::from(c.school.as_str()),
                Cell::from(c.window.to_string()),
                Cell::from(c.faculty.as_str()),
                Cell::from(c.teacher.clone()),
                Cell::from(c.expected),
                Cell::from(c.entered),
                Cell::from(c.percent()),
            ]
        })
        .collect();
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::validity::InvalidKind;

    #[test]
    fn shown_values_are_codes_never_names_or_long_text() {
        let names = [Some("Ann"), None, Some("Mac Leod")];
        let cases: &[(&str, &str)] = &[
            ("9z", "`9z`"),
            ("Maybe", "`Maybe`"),
            ("abcdefghijkl", "`abcdefghijkl`"),
            ("abcdefghijklm", "(13 characters, not shown)"),
            ("éééééééééééé", "`éééééééééééé`"),
            ("Needs to revise vocabulary", "(26 characters, not shown)"),
            ("ann", "(3 characters, not shown)"),
            (" MAC LEOD", "(9 characters, not shown)"),
            ("Anna", "`Anna`"),
        ];
        for (raw, want) in cases {
            assert_eq!(shown(raw, &names), *want, "{raw:?}");
        }
    }

    #[test]
    fn invalid_details_name_the_column() {
        let i = Invalid {
            kind: InvalidKind::Grade,
            column: "working_grade",
            value: "8".into(),
            reason: "do not use 8 for AH/H/N5".into(),
        };
        assert_eq!(
            invalid_detail(&i, &[]),
            "Working Grade `8`: do not use 8 for AH/H/N5"
        );
    }

    #[test]
    fn severities_follow_spec_10_15() {
        let cases: &[(&str, Severity)] = &[
            ("invalid_level", Severity::Error),
            ("invalid_grade", Severity::Error),
            ("missing_entry", Severity::Error),
            ("rejected_row", Severity::Error),
            ("invalid_rating", Severity::Warning),
            ("no_intervention", Severity::Warning),
            ("duplicate_conflict", Severity::Warning),
            ("level_regressed", Severity::Info),
        ];
        for (kind, want) in cases {
            assert_eq!(default_severity(kind), *want, "{kind}");
        }
        for kind in KINDS {
            assert_eq!(
                crate::config::Config::default().severity(kind),
                default_severity(kind),
                "the default config agrees for {kind}"
            );
        }
    }

    fn finding(severity: Severity, kind: &'static str, scn: &str, subject: &str) -> Finding {
        Finding {
            school: "EHS".into(),
            window: "2025-26/1".parse().unwrap(),
            severity,
            kind,
            scn: Some(scn.into()).filter(|s: &String| !s.is_empty()),
            subject: Some(subject.into()).filter(|s: &String| !s.is_empty()),
            teacher: None,
            detail: String::new(),
        }
    }

    #[test]
    fn findings_sort_errors_first_then_kind_scn_subject() {
        use Severity::*;
        let mut v = vec![
            finding(Info, "level_regressed", "1", "English"),
            finding(Warning, "invalid_rating", "2", "art"),
            finding(Error, "rejected_row", "1", ""),
            finding(Warning, "invalid_rating", "2", "Art"),
            finding(Error, "invalid_level", "3", "Maths"),
            finding(Warning, "invalid_rating", "1", "Zoology"),
        ];
        sort(&mut v);
        let got: Vec<(&str, Option<&str>, Option<&str>)> = v
            .iter()
            .map(|f| (f.kind, f.scn.as_deref(), f.subject.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("invalid_level", Some("3"), Some("Maths")),
                ("rejected_row", Some("1"), None),
                ("invalid_rating", Some("1"), Some("Zoology")),
                ("invalid_rating", Some("2"), Some("Art")),
                ("invalid_rating", Some("2"), Some("art")),
                ("level_regressed", Some("1"), Some("English")),
            ]
        );
    }

    #[test]
    fn interventions_cover_their_subject_or_everything() {
        let i = |scn: &str, subject: Option<&str>| Intervention {
            scn: scn.into(),
            subject: subject.map(String::from),
        };
        let now = [i("1", Some(" french ")), i("2", None)];
        let before = [i("3", Some("Maths")), i("4", Some(""))];
        let helped = Helped::new(&now, &before);
        let cases: &[(&str, &str, bool)] = &[
            ("1", "French", true),
            ("1", "Maths", false),
            ("2", "Anything", true),
            ("3", "maths", true),
            ("3", "French", false),
            ("4", "Music", true),
            ("5", "French", false),
        ];
        for (scn, subject, want) in cases {
            assert_eq!(helped.covers(scn, subject), *want, "{scn} {subject}");
        }
    }

    #[test]
    fn findings_with_no_row_pass_only_the_filters_they_can_answer() {
        let f = |teacher: Option<&str>, faculty: Option<&str>| QaFilter {
            teacher: teacher.map(String::from),
            faculty: faculty.map(String::from),
        };
        let cases: &[(QaFilter, Option<&str>, bool)] = &[
            (f(None, None), None, true),
            (f(None, None), Some("Sciences"), true),
            (f(Some("Dr Ng"), None), Some("Sciences"), false),
            (f(None, Some("sciences ")), Some("Sciences"), true),
            (f(None, Some("Sciences")), Some("English"), false),
            (f(None, Some("Sciences")), None, false),
        ];
        for (filter, faculty, want) in cases {
            assert_eq!(
                filter.accepts_unowned(*faculty),
                *want,
                "{filter:?} {faculty:?}"
            );
        }
    }

    #[test]
    fn percent_complete() {
        let c = |expected, entered| Completeness {
            school: "EHS".into(),
            window: "2025-26/1".parse().unwrap(),
            faculty: "Sciences".into(),
            teacher: None,
            expected,
            entered,
        };
        assert_eq!(c(4, 3).percent(), 75.0);
        assert_eq!(c(3, 1).percent(), 100.0 / 3.0);
        assert_eq!(c(0, 0).percent(), 100.0);
    }
}
