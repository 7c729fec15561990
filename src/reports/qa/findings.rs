//! The findings of one school's window, kind by kind.

use std::collections::HashSet;

use polars::prelude::{PlHashMap, PlHashSet};

use crate::config::{LeadBy, QaKind};
use crate::reports::model::{BySubject, Intervention, OfPupil, Pupil, RowRef, SchoolWindow};
use crate::reports::offtrack::staff_misses;
use crate::rules::values::comment_too_long;
use crate::rules::{Ctx, Phase, Status};

use super::collect::{Collector, Run};
use super::texts::FindingTexts;
use super::{Finding, History, QaFilter, invalid_detail};

/// The ids of the details many rows share.
struct Fixed {
    no_level: u32,
    no_course_level: u32,
    no_working: u32,
    no_target: u32,
    no_intervention: u32,
}

/// Every finding of one school's window that passes the stage set and
/// filter, with the texts they name; `at` is the school's place among the
/// report's. The window's texts are taken.
pub fn findings(
    ctx: &Ctx,
    sw: &SchoolWindow,
    at: u32,
    history: &History,
    stages: &(dyn Fn(Option<u8>) -> bool + Sync),
    filter: &QaFilter,
) -> (Vec<Finding>, FindingTexts) {
    // The rows the findings are about (none are listed: a large school has
    // millions).
    let keep = |r: &RowRef| stages(r.stage()) && filter.accepts(r);
    let mut c = Collector::new(ctx, sw, at);
    let runs = row_findings(&mut c, &keep, history);
    // Each pupil's subject rows and whether any is BGE, by pupil number.
    let mut subject_rows = vec![(0usize, false); sw.scns().len()];
    for &(id, n, bge) in runs.iter().flat_map(|run| &run.pupils) {
        let e = &mut subject_rows[id];
        e.0 += n;
        e.1 |= bge;
    }
    // Joined once, sized once: growing a vector of most of a million
    // findings copies it.
    let mut out = Vec::with_capacity(runs.iter().map(|r| r.out.len()).sum::<usize>());
    for run in runs {
        out.extend(c.join(run));
    }
    pupil_findings(&mut c, &subject_rows, stages, filter);
    staff_findings(&mut c, stages, filter);
    set_aside_findings(&mut c, history, stages, filter);
    out.append(&mut c.out);
    (out, c.texts)
}

/// Findings about single pupil-subject rows: each run of rows' own, in
/// row order; those about subjects go in `c`.
fn row_findings<'a>(
    c: &mut Collector<'a>,
    keep: &(dyn Fn(&RowRef) -> bool + Sync),
    history: &History,
) -> Vec<Run<'a>> {
    let helped = Helped::new(&c.s.sw.interventions, &history.previous_interventions);
    let searched = match history.previous {
        Some(p) => format!("{} or {p}", c.s.sw.window),
        None => c.s.sw.window.to_string(),
    };
    let no_intervention =
        format!("off track with no intervention for this subject or whole-school in {searched}");
    // The same for many rows, which can be most of a school's: one text.
    let fixed = Fixed {
        no_level: c.text(Some("no level entered")),
        no_course_level: c.text(Some("no course level entered")),
        no_working: c.text(Some("no working grade entered")),
        no_target: c.text(Some("no target grade recorded this session")),
        no_intervention: c.text(Some(&no_intervention)),
    };
    // Each row's findings are its own, so a large school's rows are looked
    // at on every core, a run at a time; the runs' findings are then
    // joined in row order.
    let s = c.s;
    let runs = crate::par::map_runs(0..s.sw.len(), ROWS_PER_RUN, |rows| {
        let mut run = Run::new(s);
        let mut unmapped: PlHashSet<usize> = PlHashSet::default();
        let mut last: Option<(usize, Option<&Pupil>, PupilHelped)> = None;
        for i in rows {
            let r = s.sw.row(i);
            if !keep(&r) {
                continue;
            }
            let (id, bge) = (r.pupil_id(), r.phase() == Phase::Bge);
            match run.pupils.last_mut() {
                Some(p) if p.0 == id => (p.1, p.2) = (p.1 + 1, p.2 | bge),
                _ => run.pupils.push((id, 1, bge)),
            }
            if !r.mapped() && unmapped.insert(r.subject_id()) {
                run.unmapped.push(i);
            }
            // A pupil's rows come together: its pupils row and its
            // interventions are found once for them.
            if last.as_ref().is_none_or(|(last, ..)| *last != id) {
                last = Some((id, s.sw.pupil_of(id), helped.pupil(r.scn())));
            }
            let (_, pupil, helped) = last.as_ref().expect("just found");
            row_finding(&mut run, &r, *pupil, history, helped, &fixed);
        }
        run
    });
    // Each subject text once (by its id), then each ignoring case, in
    // row order.
    let mut ids: PlHashSet<usize> = PlHashSet::default();
    let mut unmapped: HashSet<String> = HashSet::new();
    for r in runs
        .iter()
        .flat_map(|run| &run.unmapped)
        .map(|&i| s.sw.row(i))
    {
        if ids.insert(r.subject_id()) && unmapped.insert(r.subject().trim().to_lowercase()) {
            c.push(
                QaKind::UnmappedSubject,
                None,
                Some(r.subject().trim()),
                None,
                "no faculty in `[faculties]` lists this subject; it counts as its own faculty",
            );
        }
    }
    runs
}

/// Rows looked at together on one core.
const ROWS_PER_RUN: usize = 1 << 14;

/// The findings of one pupil-subject row.
fn row_finding(
    c: &mut Run,
    r: &RowRef,
    pupil: Option<&Pupil>,
    history: &History,
    helped: &PupilHelped,
    fixed: &Fixed,
) {
    let ctx = c.s.ctx;
    let max_chars = ctx.config.bge.comment_max_chars;
    let invalid = r.invalid();
    if !invalid.is_empty() {
        let names = [
            r.forename(),
            r.surname(),
            pupil.and_then(|p| p.forename.as_deref()),
            pupil.and_then(|p| p.surname.as_deref()),
        ];
        for i in invalid {
            c.row_text(i.kind.qa_kind(), r, invalid_detail(i, &names));
        }
    }
    match r.phase() {
        Phase::Bge => {
            if !r.level_entered() {
                c.row(QaKind::MissingEntry, r, fixed.no_level);
            }
            if let (Some(now), Some((w, levels))) = (r.level(), &history.earlier_levels)
                && let Some(&before) = levels.get(r.scn(), r.subject())
                && now < before
            {
                let detail = format!(
                    "level {} is below {} in {w}",
                    ctx.scale.code(now),
                    ctx.scale.code(before)
                );
                c.row_text(QaKind::LevelRegressed, r, detail);
            }
        }
        Phase::Senior => {
            if !r.course_level_entered() {
                c.row(QaKind::MissingEntry, r, fixed.no_course_level);
            }
            if !r.working_entered() {
                c.row(QaKind::MissingEntry, r, fixed.no_working);
            }
            let graded = r.course_level().is_some_and(|l| l.is_graded());
            if graded && r.effective_target().is_none() {
                c.row(QaKind::NoTarget, r, fixed.no_target);
            }
            if let (true, Some(t), Some(e)) = (graded, r.target(), r.earlier_target())
                && t > e
            {
                let detail = format!(
                    "target {t} is worse than {e} recorded earlier this session; the effective target stays {e}"
                );
                c.row_text(QaKind::TargetLowered, r, detail);
            }
        }
    }
    if let Some(comment) = r.comment()
        && comment_too_long(comment, max_chars)
    {
        let detail = format!(
            "comment is {} characters; the limit is {max_chars}",
            comment.chars().count()
        );
        c.row_text(QaKind::CommentTooLong, r, detail);
    }
    if r.status() == Status::OffTrack && !helped.covers(r.subject()) {
        c.row(QaKind::NoIntervention, r, fixed.no_intervention);
    }
}

/// The interventions that count for a window (SPEC 2.4): by SCN, for a subject
/// or whole-school.
struct Helped<'a> {
    whole_school: PlHashSet<&'a str>,
    subjects: BySubject<&'a str, ()>,
}

impl<'a> Helped<'a> {
    fn new(now: &'a [Intervention], before: &'a [Intervention]) -> Helped<'a> {
        let mut h = Helped {
            whole_school: PlHashSet::default(),
            subjects: BySubject::default(),
        };
        for i in now.iter().chain(before) {
            match i
                .subject
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                Some(subject) => {
                    h.subjects.insert(&i.scn, subject, ());
                }
                None => {
                    h.whole_school.insert(&i.scn);
                }
            }
        }
        h
    }

    /// What counts for one pupil, found once for its rows.
    fn pupil(&self, scn: &str) -> PupilHelped<'_> {
        PupilHelped {
            whole_school: self.whole_school.contains(scn),
            subjects: self.subjects.of_scn(scn),
        }
    }

    #[cfg(test)]
    fn covers(&self, scn: &str, subject: &str) -> bool {
        self.pupil(scn).covers(subject)
    }
}

/// The interventions that count for one pupil.
struct PupilHelped<'h> {
    whole_school: bool,
    subjects: OfPupil<'h, &'h str, ()>,
}

impl PupilHelped<'_> {
    fn covers(&self, subject: &str) -> bool {
        self.whole_school || self.subjects.get(subject).is_some()
    }
}

/// Findings about pupils: context values, bands, SCNs with no pupils row.
/// `subject_rows` are each pupil's rows the findings are about, and
/// whether any is BGE, by pupil number.
fn pupil_findings(
    c: &mut Collector,
    subject_rows: &[(usize, bool)],
    stages: &(dyn Fn(Option<u8>) -> bool + Sync),
    filter: &QaFilter,
) {
    let sw = c.s.sw;
    // The pupils with subject rows, with their pupils row if any and its
    // place in the pupils table.
    let mut checked = vec![false; sw.pupils.len()];
    let mut scns: Vec<(&str, Option<&Pupil>, (usize, bool))> = Vec::new();
    for (id, &e) in subject_rows.iter().enumerate().filter(|(_, e)| e.0 > 0) {
        if let Some(at) = sw.pupil_place(id) {
            checked[at] = true;
        }
        scns.push((&sw.scns()[id], sw.pupil_of(id), e));
    }
    if filter.is_empty() {
        // Without a filter every pupils row is checked, taught or not.
        scns.extend(
            (sw.pupils.iter().enumerate())
                .filter(|&(at, p)| stages(p.stage) && !checked[at])
                .map(|(_, p)| (p.scn.as_str(), Some(p), (0, false))),
        );
    }
    for (scn, pupil, (n, has_bge)) in scns {
        let Some(pupil) = pupil else {
            let rows = if n == 1 { "row" } else { "rows" };
            c.push(
                QaKind::UnknownPupil,
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
                QaKind::InvalidValue,
                Some(scn),
                None,
                None,
                invalid_detail(i, &names),
            );
        }
        if has_bge && pupil.band.is_none() {
            c.push(
                QaKind::NoPathwayBand,
                Some(scn),
                None,
                None,
                "no valid Pathway Band and no valid CAT Mean SAS",
            );
        }
    }
}

/// `missing_staff` (5.2, 10.9): once per faculty, house or stage with no name
/// in its band's staff table, and once per pupil with no house or stage.
fn staff_findings(
    c: &mut Collector,
    stages: &(dyn Fn(Option<u8>) -> bool + Sync),
    filter: &QaFilter,
) {
    let bands = &c.s.ctx.config.followup.band;
    let by = |band: usize| match bands[band].lead_by {
        LeadBy::Faculty => "faculty",
        LeadBy::House => "house",
        LeadBy::Stage => "stage",
    };
    let keep = |stage: Option<u8>, band: usize, key: &str| {
        let faculty = (bands[band].lead_by == LeadBy::Faculty).then_some(key);
        stages(stage) && filter.accepts_unowned(faculty)
    };
    let (empty, mut named): (Vec<_>, Vec<_>) = staff_misses(c.s.ctx, c.s.sw, &keep)
        .into_iter()
        .partition(|m| m.key.is_empty());
    let mut found = Vec::new();
    for m in empty {
        let (by, role) = (by(m.band), &bands[m.band].role);
        let detail = format!("no {by} recorded, so no {role} can be named as lead");
        found.push((Some(m.order.scn), detail));
    }
    // The first line to name each band's key, in `offtrack`'s order.
    named.sort_by(|a, b| a.cmp_line(b));
    let named = (named.iter().enumerate())
        .map(|(at, m)| (at, bands[m.band].role.as_str(), m.key, by(m.band)));
    for (role, key, by) in first_named(named) {
        let detail = format!("no {role} named for {by} `{key}` in `[followup.band.staff]`");
        found.push((None, detail));
    }
    for (scn, detail) in found {
        c.push(QaKind::MissingStaff, scn, None, None, detail);
    }
}

/// Of the roles and keys named at positions `P` (a line's place in the
/// order of `offtrack`, then the key's in the line), the first to name
/// each role and key ignoring case, with what came with it, in order.
/// Each role and key as written is first given its first position, so
/// only the few distinct ones are compared ignoring case.
fn first_named<'t, P: Ord + Copy, T>(
    named: impl IntoIterator<Item = (P, &'t str, &'t str, T)>,
) -> Vec<(&'t str, &'t str, T)> {
    let mut first: PlHashMap<(&str, &str), (P, T)> = PlHashMap::default();
    for (at, role, key, with) in named {
        match first.get_mut(&(role, key)) {
            Some(f) if at < f.0 => *f = (at, with),
            Some(_) => {}
            None => {
                first.insert((role, key), (at, with));
            }
        }
    }
    let mut first: Vec<_> = first.into_iter().collect();
    first.sort_unstable_by_key(|&(_, (at, _))| at);
    let mut seen: HashSet<(String, String)> = HashSet::new();
    (first.into_iter())
        .filter(|((role, key), _)| seen.insert((role.to_lowercase(), key.to_lowercase())))
        .map(|((role, key), (_, with))| (role, key, with))
        .collect()
}

/// `rejected_row` and `duplicate_conflict`, from what ingest set aside.
fn set_aside_findings(
    c: &mut Collector,
    history: &History,
    stages: &(dyn Fn(Option<u8>) -> bool + Sync),
    filter: &QaFilter,
) {
    let ctx = c.s.ctx;
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
            QaKind::RejectedRow,
            r.scn.as_deref(),
            r.subject.as_deref(),
            None,
            detail,
        );
    }
    // A conflict's teacher is the teacher of the row that was kept. A
    // window has few conflicts, so only the rows of their pupils are indexed.
    // Those pupils are found by number, so each row is looked at by its
    // pupil's number, not its SCN's text.
    let pupils: HashSet<&str> = history
        .conflicts
        .iter()
        .filter_map(|d| d.scn.as_deref())
        .collect();
    let mut kept: BySubject<&str, RowRef> = BySubject::default();
    if !pupils.is_empty() {
        let scns = c.s.sw.scns();
        let wanted: Vec<bool> = scns.iter().map(|s| pupils.contains(&**s)).collect();
        for r in c.s.sw.rows().filter(|r| wanted[r.pupil_id()]) {
            kept.insert(r.scn(), r.subject(), r);
        }
    }
    for d in history.conflicts.iter().filter(|d| stages(d.stage)) {
        let row = match (&d.scn, &d.subject) {
            (Some(scn), Some(subject)) => kept.get(scn, subject).copied(),
            _ => None,
        };
        let teacher = row.and_then(|r| r.teacher());
        let pass = match row {
            Some(r) => filter.accepts(&r),
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
            QaKind::DuplicateConflict,
            d.scn.as_deref(),
            d.subject.as_deref(),
            teacher,
            detail,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_and_key_is_named_once_by_its_first_position_ignoring_case() {
        type Named = (u32, &'static str, &'static str, char);
        type Case = (
            &'static [Named],
            &'static [(&'static str, &'static str, char)],
        );
        // (named at positions, in any order; wanted, in order)
        let cases: &[Case] = &[
            (&[], &[]),
            (&[(5, "PT", "Sciences", 'a')], &[("PT", "Sciences", 'a')]),
            // The first position wins, whatever order they come in.
            (
                &[(7, "PT", "Sciences", 'b'), (2, "PT", "Sciences", 'a')],
                &[("PT", "Sciences", 'a')],
            ),
            // Ignoring case: the spelling at the first position is kept.
            (
                &[(3, "PT", "sciences", 'b'), (1, "pt", "SCIENCES", 'a')],
                &[("pt", "SCIENCES", 'a')],
            ),
            (
                &[
                    (9, "PT", "Maths", 'm'),
                    (4, "Year Head", "S3", 'y'),
                    (6, "PT", "maths", 'n'),
                    (8, "PT", "Sciences", 's'),
                ],
                &[
                    ("Year Head", "S3", 'y'),
                    ("PT", "maths", 'n'),
                    ("PT", "Sciences", 's'),
                ],
            ),
            // A key differs from a role of the same text.
            (
                &[(2, "PT", "WST", 'a'), (1, "WST", "PT", 'b')],
                &[("WST", "PT", 'b'), ("PT", "WST", 'a')],
            ),
        ];
        for (named, want) in cases {
            assert_eq!(first_named(named.iter().copied()), *want, "named {named:?}");
        }
    }

    #[test]
    fn interventions_cover_their_subject_or_everything() {
        let i = |scn: &str, subject: Option<&str>| Intervention {
            scn: scn.into(),
            subject: subject.map(String::from),
            kind: None,
            staff: None,
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
}
