//! What QA needs from the store besides the judged window: the window
//! before it, the levels of the session's earlier window, and the rows ingest
//! set aside (rejects and duplicate conflicts).

use anyhow::Context;

use crate::reports::model::columns::u32_column;
use crate::reports::model::{self, BySubject, Columns, Intervention, SchoolWindow, Text};
use crate::rules::Ctx;
use crate::rules::values::parse_stage;
use crate::rules::window::Window;
use crate::store::read::Snapshot;

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
    pub earlier_levels: Option<(Window, BySubject<Text, usize>)>,
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
            let c = Columns::new(&df, &cols)?;
            // Each row's level is read on every core, then the rows are
            // added in order, so a later row still wins.
            let positions = crate::par::map_range(0..c.height(), 4096, |i| {
                c.get("level", i).and_then(|l| ctx.scale.position(l))
            });
            let mut levels = BySubject::default();
            for (i, pos) in positions.into_iter().enumerate() {
                if let (Some(scn), Some(subject), Some(pos)) =
                    (c.get("scn", i), c.get("subject", i), pos)
                {
                    levels.insert(Text::from(scn), Text::from(subject), pos);
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
    let c = Columns::new(&df, &names)?;
    let lines = u32_column(&df, "line");
    let earlier_lines = u32_column(&df, "earlier_line");
    let owned = |name: &str, i: usize| c.get(name, i).map(str::to_string);
    Ok((0..c.height())
        .map(|i| SetAside {
            kind: owned("kind", i).unwrap_or_default(),
            source: owned("source", i).unwrap_or_default(),
            line: lines[i],
            reason: owned("reason", i).unwrap_or_default(),
            detail: owned("detail", i).unwrap_or_default(),
            earlier_source: owned("earlier_source", i).unwrap_or_default(),
            earlier_line: earlier_lines[i],
            scn: owned("scn", i),
            subject: owned("subject", i),
            stage: c.get("stage_group", i).and_then(parse_stage),
        })
        .collect())
}
