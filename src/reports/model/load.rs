//! Loading one school's window: each stored table read once, projected to
//! the columns a [`Need`] names, every subject row judged by the rules.

use std::collections::HashMap;

use anyhow::Context as _;
use polars::prelude::*;

use super::builder::Builder;
use super::cells::{PUPIL_COLS, RowCells};
use super::columns::{Chunks, Columns, group_at};
use super::parsed::ReadCells;
use super::pupils::Contexts;
use super::read_pupils::{CONTEXT_COLS, contexts, load_pupils, only_rows, pupils_part};
use super::{
    BySubject, Intervention, NO_GAP, NO_TEXT, NO8, NO16, Need, Odd, Override, Pupils, Row,
    SchoolWindow,
};
use crate::rules::senior::CourseLevel;
use crate::rules::validity::Invalid;
use crate::rules::verdict::{Entered, PupilContext, Read, Verdict, carried_target, decide};
use crate::rules::window::Window;
use crate::rules::{Ctx, Phase};
use crate::store::read::{Part, Snapshot, read_opened_parts};

/// Rows judged on every core at a time, before they are added in order.
const JUDGE_BLOCK: usize = 1 << 16;

/// The columns a verdict reads, per phase, and what the need adds.
pub(super) fn row_columns(phase: Phase, need: Need) -> Vec<&'static str> {
    let mut cols = vec!["scn", "subject", "stage"];
    cols.extend_from_slice(match phase {
        Phase::Bge => &["level"][..],
        Phase::Senior => &["course_level", "target_grade", "working_grade"],
    });
    cols.extend_from_slice(&["effort", "behaviour", "homework"]);
    if need.teacher {
        cols.push("teacher");
    }
    if need.class {
        cols.push("class");
    }
    if need.comments {
        cols.push("comment");
    }
    if need.names {
        cols.extend_from_slice(&["forename", "surname"]);
    }
    cols
}

/// Load and judge one school's window, reading what `need` asks for.
pub fn load(
    ctx: &Ctx,
    snap: &Snapshot,
    school: &str,
    window: Window,
    need: Need,
) -> anyhow::Result<SchoolWindow> {
    load_only(ctx, snap, school, window, need, None)
}

/// [`load`], keeping only the rows of the pupil `only` when given.
pub fn load_only(
    ctx: &Ctx,
    snap: &Snapshot,
    school: &str,
    window: Window,
    need: Need,
    only: Option<&str>,
) -> anyhow::Result<SchoolWindow> {
    let context = || format!("cannot read {school} {window} from the store");
    let cols = if need.pupils {
        PUPIL_COLS
    } else {
        CONTEXT_COLS
    };
    // The first part of the BGE rows is read on a thread of its own while
    // the pupils are, and the Senior Phase's while the last part of the BGE
    // rows is judged; unless other schools keep every core busy, when each
    // is read as it is needed.
    let background = crate::par::nested();
    let read_ahead = |phase: Phase| {
        let cols = row_columns(phase, need);
        // Codes cannot be filtered to one pupil's rows: read as text then.
        let coded = only.is_none();
        snap.read_ahead(
            phase.as_str(),
            school,
            window,
            Some(&cols),
            coded,
            background,
        )
    };
    let mut ahead = background.then(|| read_ahead(Phase::Bge)).flatten();
    let pupils_df = pupils_part(snap, school, window, cols, only).with_context(context)?;
    let pupils = match (&pupils_df, need.pupils) {
        (Some(df), true) => load_pupils(ctx, df, need)?,
        _ => Pupils::default(),
    };
    // Each pupil's stage and band by SCN or place: the loaded pupils', or,
    // when the need asks for no pupils, those of the pupils rows alone.
    let only_contexts = match (&pupils_df, need.pupils) {
        (Some(df), false) => contexts(ctx, df)?,
        _ => Contexts::default(),
    };
    let found = match need.pupils {
        true => pupils.contexts(),
        false => &only_contexts,
    };
    let w = window.to_string();
    let mut b = Builder::default();
    if only.is_none() {
        // Both phases' rows at once: growing the table for the second
        // would copy the first (a large school's is 70 MB).
        let stored = |table: &str| snap.manifest.file(table, school, &w).map_or(0, |f| f.rows);
        let rows = stored("bge") + stored("senior");
        b.rows.reserve(rows);
        // Nearly every row has a teacher and a class.
        for (ids, yes) in
            b.asked
                .columns_mut()
                .into_iter()
                .zip([need.teacher, need.class, need.comments])
        {
            if yes {
                ids.reserve(rows);
            }
        }
        // About one pupil per pupils row: the SCNs are not grown again
        // and again.
        let pupils = pupils_df.as_ref().map_or(0, Part::height);
        b.scns.reserve(pupils);
        b.places.reserve(pupils);
    }
    b.id_of_place = vec![NO_TEXT; found.len()];
    for phase in [Phase::Bge, Phase::Senior] {
        let names = row_columns(phase, need);
        if snap.manifest.file(phase.as_str(), school, &w).is_none() {
            continue;
        }
        let frames = match phase {
            Phase::Senior => earlier_frames(snap, school, window, only)?,
            Phase::Bge => Vec::new(),
        };
        let earlier = earlier_targets(ctx, &frames)?;
        // The ids of the teacher, class and comment of the rows of a
        // block, when asked for. Names are given ids row by row below, on
        // the few rows that need them.
        let mut asked: [Vec<u32>; 3] = Default::default();
        let asks = [need.teacher, need.class, need.comments];
        // Names of pupils with no pupils row come from their subject rows.
        let mut names_df = None;
        // The phase's rows before the part being judged.
        let mut before = 0;
        // A part of the file at a time (the next one read meanwhile): its
        // columns are judged and dropped, so the file's are never all held.
        let mut judge_part = |part: Part| -> anyhow::Result<()> {
            let part = match only {
                None => part,
                Some(_) => Part::of_frame(only_rows(part.frame, only)?),
            };
            let c = Columns::of_part(&part, &names)?;
            let h = RowCells::new(&c);
            let parsed = ReadCells::of(ctx, phase, &h);
            let mut judged: Vec<Judged> = Vec::new();
            let subject_codes = h.subject.and_then(Chunks::coded);
            // The id of each code of each row group of the asked columns,
            // found once for the whole part.
            let mut known: [Vec<Vec<u32>>; 3] = Default::default();
            // Each row is judged on its own, so a large school's rows are
            // judged on every core, a block at a time into the same memory
            // (bounded, and its pages touched once), each into its final row
            // but for the ids of its pupil and of the subjects and codes first
            // met in the block, which are given below in row order, as one
            // core would (the texts a need asks for get theirs a column at a
            // time first).
            for start in (0..part.height()).step_by(JUDGE_BLOCK) {
                let end = (start + JUDGE_BLOCK).min(part.height());
                let columns = asked.iter_mut().zip(&mut known).zip(h.asked).zip(asks);
                for (((ids, known), col), yes) in columns {
                    if yes {
                        b.texts.of_column(col, start..end, known, ids);
                    }
                }
                // Subjects and texts met in earlier blocks, with their ids;
                // for a subject column of codes, each code's, found once
                // a block rather than by hashing every row's subject.
                let (subjects, texts) = (&b.subjects, &b.texts);
                let by_code = subject_codes.as_ref().map(|(starts, arrays)| {
                    let ids: Vec<Vec<_>> = (arrays.iter())
                        .map(|(_, t)| {
                            (0..t.len())
                                .map(|c| subjects.get(t.value(c)).copied())
                                .collect()
                        })
                        .collect();
                    (starts, arrays, ids, subjects.get("").copied())
                });
                crate::par::map_range_into(
                    start..end,
                    4096,
                    &mut judged,
                    Recent::default,
                    |last, i| {
                        let cell = |col: &'static str| h.get(col, i);
                        let scn = cell("scn").unwrap_or_default();
                        let subject = || cell("subject").unwrap_or_default();
                        let read = match &parsed {
                            Some(p) => p.read(i),
                            None => Read::of(ctx, &Entered::of(phase, cell)),
                        };
                        let earlier_target = match phase {
                            Phase::Senior => earlier.get(scn, subject()).copied(),
                            Phase::Bge => None,
                        };
                        // A pupil's rows come together: the context found for a
                        // row serves the rows after it of the same SCN.
                        let (same_pupil, place, pupil_context) = match last.pupil {
                            Some((s, place, c)) if s == scn => (true, place, c),
                            _ => {
                                let before = (last.pupil)
                                    .map(|(_, p, _)| p as usize)
                                    .filter(|&p| p != NO_TEXT as usize);
                                let (place, c) = found
                                    .position_after(scn, before)
                                    .map_or((NO_TEXT, None), |i| {
                                        (place_of(i), Some(found.context_at(i)))
                                    });
                                last.pupil = Some((scn, place, c));
                                (false, place, c)
                            }
                        };
                        let v = decide(ctx, window, phase, &read, pupil_context, earlier_target);
                        let invalid = if need.invalid && read.may_be_invalid() {
                            ctx.codes().subject_cells(phase == Phase::Senior, cell)
                        } else {
                            Vec::new()
                        };
                        let mut odd = Odd::default();
                        // Codes entered that the rules could not read, kept as
                        // text: those met before have their ids; the others are
                        // given theirs below.
                        let unread = [
                            (read.level.entered() && v.level.is_none(), "level"),
                            (
                                read.course_level.entered() && v.course_level.is_none(),
                                "course_level",
                            ),
                            (read.target.entered() && v.target.is_none(), "target_grade"),
                            (
                                read.working.entered() && v.working.is_none(),
                                "working_grade",
                            ),
                        ]
                        .map(|(unread, col)| if unread { cell(col) } else { None });
                        let mut new_texts = 0u8;
                        let ids = odd.unread_mut().into_iter().zip(unread).enumerate();
                        for (k, (id, text)) in ids {
                            let Some(text) = text else { continue };
                            match texts.find(text) {
                                Some(found) => *id = found,
                                None => new_texts |= 1 << k,
                            }
                        }
                        let ids = match &by_code {
                            Some((starts, arrays, ids, empty)) => {
                                let k = group_at(starts, i);
                                let (codes, j) = (arrays[k].0, i - starts[k]);
                                // Rows past the column's end are empty.
                                match (j < codes.len()).then(|| codes.get(j)).flatten() {
                                    Some(c) => ids[k][c as usize],
                                    None => *empty,
                                }
                            }
                            None => subjects.get(subject()).copied(),
                        };
                        let subject = ids.is_none().then(subject);
                        let rare = (subject.is_some() || !invalid.is_empty() || new_texts != 0)
                            .then(|| {
                                Box::new(Rare {
                                    subject,
                                    invalid,
                                    new_texts,
                                })
                            });
                        Judged {
                            row: row_of(phase, &v, ids.unwrap_or((NO_TEXT, NO_TEXT, false))),
                            odd,
                            rare,
                            place,
                            same_pupil,
                            known: pupil_context.is_some(),
                        }
                    },
                );
                let columns = b.asked.columns_mut().into_iter().zip(&asked).zip(asks);
                for ((ids, block), yes) in columns {
                    if yes {
                        debug_assert_eq!(block.len(), end - start);
                        ids.extend_from_slice(block);
                    }
                }
                // In row order: the few rows with texts still to be given
                // ids, odd texts or a subject first met in this block.
                for (i, j) in (start..end).zip(judged.iter_mut()) {
                    let Judged {
                        row,
                        odd: o,
                        rare,
                        known,
                        ..
                    } = j;
                    if rare.is_none() && *known && o.is_empty() {
                        continue;
                    }
                    let t = &mut b.texts;
                    let mut new_subject = None;
                    if let Some(rare) = rare.take() {
                        if rare.new_texts != 0 {
                            // Read again: rare once a window's codes have been met.
                            let e = Entered::of(phase, |col| h.get(col, i));
                            let entered = [e.level, e.course_level, e.target, e.working];
                            let ids = o.unread_mut().into_iter().zip(entered).enumerate();
                            for (k, (id, text)) in ids {
                                if rare.new_texts & (1 << k) != 0 {
                                    *id = t.opt(text);
                                }
                            }
                        }
                        // Empty unless `need.invalid`.
                        if !rare.invalid.is_empty() {
                            o.invalid =
                                u32::try_from(b.invalid.len()).expect("fewer than 4 billion rows");
                            b.invalid.push(rare.invalid);
                        }
                        new_subject = rare.subject;
                    }
                    if need.names && (!*known || o.invalid != NO_TEXT) {
                        o.forename = t.opt(h.get("forename", i));
                        o.surname = t.opt(h.get("surname", i));
                    } else if need.pupils && !*known {
                        let df = match &mut names_df {
                            Some(df) => df,
                            None => names_df.insert(
                                snap.read(
                                    phase.as_str(),
                                    school,
                                    window,
                                    Some(&["scn", "forename", "surname"]),
                                )?
                                .map(|df| only_rows(df, only))
                                .transpose()?
                                .unwrap_or_default(),
                            ),
                        };
                        let name = |col: &str| {
                            df.column(col)
                                .ok()
                                .and_then(|c| c.str().ok())
                                .and_then(|c| c.get(before + i))
                        };
                        o.forename = t.opt(name("forename"));
                        o.surname = t.opt(name("surname"));
                    }
                    if !o.is_empty() {
                        b.odd.push(*o);
                        row.odd =
                            u32::try_from(b.odd.len() - 1).expect("fewer than 4 billion rows");
                    }
                    if let Some(subject) = new_subject {
                        (row.subject, row.faculty, row.mapped) = b.subject(ctx, subject);
                    }
                }
                // Every row's pupil, in row order: a row judged after one
                // of the same pupil has its id.
                for (i, j) in (start..end).zip(judged.iter_mut()) {
                    j.row.pupil = match (j.same_pupil, b.last_pupil) {
                        (true, Some(id)) => id,
                        _ => b.pupil(h.get("scn", i).unwrap_or_default(), j.place),
                    };
                }
                // Then the rows, copied into place on every core (their
                // pages are new, a fault apiece).
                crate::par::extend_map(&mut b.rows, &judged, |j| j.row);
                judged.clear();
            }
            before += part.height();
            Ok(())
        };
        let Some(opened) = ahead.take().or_else(|| read_ahead(phase)) else {
            continue;
        };
        let then = || {
            if background && phase == Phase::Bge {
                ahead = read_ahead(Phase::Senior);
            }
        };
        read_opened_parts(
            opened.opened().with_context(context)?,
            &mut judge_part,
            then,
        )
        .with_context(context)?;
    }
    let (overrides, interventions) = if need.pupils {
        (
            overrides(snap, school, window)?,
            interventions(snap, school, window)?,
        )
    } else {
        Default::default()
    };
    // Each pupil's place in the pupils table, found as its rows were
    // judged (none to find when the need asked for no pupils).
    let pupil_rows = match pupils.is_empty() {
        true => Vec::new(),
        false => b.places,
    };
    Ok(SchoolWindow {
        school: school.to_string(),
        window,
        pupils,
        pupil_rows,
        overrides,
        interventions,
        rows: b.rows,
        scns: b.scns,
        texts: b.texts.all,
        odd: b.odd,
        asked: b.asked,
        invalid: b.invalid,
    })
}

/// A row judged on any core: its final [`Row`] but for the ids given in
/// row order afterwards.
struct Judged<'f> {
    /// With no pupil or odd texts yet.
    row: Row,
    /// The ids of its texts met in earlier blocks.
    odd: Odd,
    /// What few rows have, to be given ids or a place in row order.
    rare: Option<Box<Rare<'f>>>,
    /// The pupil's place in the pupils table, or [`NO_TEXT`].
    place: u32,
    /// Whether the row before it, judged on the same core, has its SCN.
    same_pupil: bool,
    /// Whether the pupils table knows the row's pupil.
    known: bool,
}

/// What few judged rows have.
struct Rare<'f> {
    /// The subject, when no earlier block gave it ids.
    subject: Option<&'f str>,
    invalid: Vec<Invalid>,
    /// Which of [`Odd::unread_mut`] are texts still to be given ids.
    new_texts: u8,
}

/// What a run of rows judged one after the other remembers: the last
/// pupil's SCN, place and context.
#[derive(Default)]
struct Recent<'f> {
    pupil: Option<(&'f str, u32, Option<PupilContext>)>,
}

/// A place in the pupils table as a row keeps it.
fn place_of(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 4 billion pupils")
}

/// A verdict as a row, with its subject's text and faculty ids and whether
/// `[faculties]` maps it; its pupil and odd texts are filled in later.
fn row_of(phase: Phase, v: &Verdict, (subject, faculty, mapped): (u32, u32, bool)) -> Row {
    let narrow = |v: Option<usize>| v.and_then(|v| u16::try_from(v).ok()).unwrap_or(NO16);
    let small = |v: Option<i64>| v.and_then(|v| i16::try_from(v).ok()).unwrap_or(NO_GAP);
    Row {
        pupil: 0,
        subject,
        faculty,
        odd: NO_TEXT,
        band: narrow(v.band),
        level: narrow(v.level),
        expected: narrow(v.expected),
        steps: small(v.steps),
        gap: small(v.gap),
        stage: v.stage.unwrap_or(NO8),
        phase,
        status: v.status,
        course_level: v
            .course_level
            .and_then(|l| CourseLevel::ALL.iter().position(|x| *x == l))
            .map_or(NO8, |p| p as u8),
        target: v.target.unwrap_or(NO8),
        effective_target: v.effective_target.unwrap_or(NO8),
        earlier_target: v.earlier_target.unwrap_or(NO8),
        working: v.working.unwrap_or(NO8),
        ratings: v.ratings.map(|r| r.ok().flatten().unwrap_or(NO8)),
        concern: v.concern,
        mapped,
    }
}

/// The senior rows, as [`EARLIER_COLS`], of the session's windows before
/// `window`.
fn earlier_frames(
    snap: &Snapshot,
    school: &str,
    window: Window,
    only: Option<&str>,
) -> anyhow::Result<Vec<DataFrame>> {
    let mut frames = Vec::new();
    for w in snap.windows(Some(school)) {
        if w.session != window.session || w >= window {
            continue;
        }
        if let Some(df) = snap.read("senior", school, w, Some(EARLIER_COLS))? {
            frames.push(only_rows(df, only)?);
        }
    }
    Ok(frames)
}

const EARLIER_COLS: &[&str] = &["scn", "subject", "course_level", "target_grade"];

/// Best valid target per (SCN, subject) over `frames` (from
/// [`earlier_frames`]). Each row's target is read on every core; the map,
/// borrowing its keys from the frames, is then built in row order.
fn earlier_targets<'f>(
    ctx: &Ctx,
    frames: &'f [DataFrame],
) -> anyhow::Result<BySubject<&'f str, u8>> {
    let mut best: BySubject<&'f str, u8> = BySubject::default();
    let mut targets = Vec::new();
    for df in frames {
        let c = Columns::new(df, EARLIER_COLS)?;
        let (scns, subjects) = (c.column("scn"), c.column("subject"));
        let (levels, grades) = (c.column("course_level"), c.column("target_grade"));
        let cell = |col: Option<&Chunks<'f>>, i| col.and_then(|c| c.get(i));
        crate::par::map_range_into(
            0..c.height(),
            4096,
            &mut targets,
            || (),
            |_, i| carried_target(ctx, cell(levels, i), cell(grades, i)),
        );
        for (i, t) in targets.iter().enumerate() {
            let (Some(t), Some(scn), Some(subject)) = (*t, cell(scns, i), cell(subjects, i)) else {
                continue;
            };
            let e = best.get_or_insert_with(scn, subject, || (subject, t));
            *e = (*e).min(t);
        }
    }
    Ok(best)
}

/// What the school decided about leads for a window (SPEC 2.4), by SCN.
fn overrides(
    snap: &Snapshot,
    school: &str,
    window: Window,
) -> anyhow::Result<HashMap<String, Override>> {
    let mut out = HashMap::new();
    let names = ["scn", "lead_role", "lead_name"];
    if let Some(df) = snap.read("overrides", school, window, None)? {
        let c = Columns::new(&df, &names)?;
        for i in 0..c.height() {
            if let (Some(scn), Some(role)) = (c.get("scn", i), c.get("lead_role", i)) {
                let name = c.get("lead_name", i).map(str::to_string);
                let role = role.to_string();
                out.insert(scn.to_string(), Override { role, name });
            }
        }
    }
    Ok(out)
}

/// The interventions recorded for a window.
pub fn interventions(
    snap: &Snapshot,
    school: &str,
    window: Window,
) -> anyhow::Result<Vec<Intervention>> {
    let mut out = Vec::new();
    let names = ["scn", "subject", "intervention", "staff"];
    if let Some(df) = snap.read("interventions", school, window, None)? {
        let c = Columns::new(&df, &names)?;
        for i in 0..c.height() {
            if let Some(scn) = c.get("scn", i) {
                let text = |col: &str| c.get(col, i).map(str::to_string);
                out.push(Intervention {
                    scn: scn.to_string(),
                    subject: text("subject"),
                    kind: text("intervention"),
                    staff: text("staff"),
                });
            }
        }
    }
    Ok(out)
}
