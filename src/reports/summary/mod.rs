//! `tracker summary` (SPEC 8): the whole-school tracking summary shared with
//! all staff. Status shares per stage and faculty, equity groups and their
//! gaps, projections, early warnings, each against the previous window, with
//! small groups suppressed.
//!
//! `figures` does the arithmetic of one block (a school, or `ALL`),
//! `suppress` decides what is shown, `projection` learns the BGE estimate,
//! `table` and `html` lay the result out.

pub mod figures;
pub mod html;
pub mod projection;
pub mod suppress;
pub mod table;
pub mod windows;

use std::collections::{BTreeSet, HashMap};

use crate::rules::values::stage_label;
use crate::rules::window::Window;

use super::model::SchoolWindow;
use super::offtrack::{PupilLine, lines_of_rows, offtrack_order};
use crate::rules::Ctx;
use figures::{Arena, Member, Tally};
use projection::{Basis, History};

/// The stage key of pupils with no known stage.
pub const UNKNOWN: u8 = 7;
/// The stage key of a total over stages.
pub const ALL: u8 = 8;
/// The school of the block that pools every school of a multi-school report.
pub const ALL_SCHOOLS: &str = "ALL";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    Status,
    Equity,
    Projection,
    EarlyWarning,
}

impl Section {
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Status => "status",
            Section::Equity => "equity",
            Section::Projection => "projection",
            Section::EarlyWarning => "early_warning",
        }
    }
}

/// What a cell is about; the same key in two windows is the same figure.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub section: Section,
    /// 1-6, [`UNKNOWN`] or [`ALL`].
    pub stage: u8,
    /// A faculty, or None for all faculties (status) or not applicable.
    pub faculty: Option<String>,
    /// An equity group id (`fsm`, `gender:F` ...), `all` elsewhere.
    pub group: String,
}

/// `S1`, `unknown` or `all`.
pub fn stage_name(stage: u8) -> String {
    match stage {
        ALL => "all".to_string(),
        UNKNOWN => "unknown".to_string(),
        s => stage_label(s),
    }
}

/// A measure's figure in the previous window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Previous {
    Shown(f64),
    Suppressed,
}

/// One measure of a cell: a count and its share, maybe a gap.
#[derive(Clone, Debug)]
pub struct Measure {
    pub name: &'static str,
    pub basis: Option<Basis>,
    pub count: Option<usize>,
    pub percent: Option<f64>,
    /// Percentage points above the rest of the cohort (equity only).
    pub gap: Option<f64>,
    pub previous: Option<Previous>,
}

impl Measure {
    /// Points of change since the previous window, when both are known.
    pub fn change(&self) -> Option<f64> {
        match (self.percent, self.previous) {
            (Some(now), Some(Previous::Shown(then))) => Some(now - then),
            _ => None,
        }
    }
}

/// A set of figures shown or suppressed as a whole.
#[derive(Clone, Debug)]
pub struct Cell {
    pub key: Key,
    /// The suppression unit behind the cell.
    pub unit: usize,
    /// Distinct pupils the figures are about.
    pub pupils: usize,
    /// Pupil-subjects (status section only).
    pub entries: Option<usize>,
    pub measures: Vec<Measure>,
    pub suppressed: bool,
}

impl Cell {
    pub fn measure(&self, name: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.name == name)
    }
}

/// One school's summary, or `ALL`.
#[derive(Clone, Debug)]
pub struct Block {
    pub school: String,
    /// The windows the figures come from (several only for `ALL` of previous windows).
    pub windows: BTreeSet<Window>,
    /// The previous window(s) the `previous` figures come from.
    pub previous_windows: BTreeSet<Window>,
    pub cells: Vec<Cell>,
}

impl Block {
    pub fn section(&self, section: Section) -> impl Iterator<Item = &Cell> {
        self.cells.iter().filter(move |c| c.key.section == section)
    }
}

#[derive(Clone, Debug)]
pub struct Summary {
    pub window: Window,
    /// The `--teacher`/`--class`/`--faculty`/`--subject` selection, in words.
    pub selection: Option<String>,
    /// `suppression.min_group`, or None with `--no-suppress`.
    pub min_group: Option<usize>,
    pub blocks: Vec<Block>,
}

/// A school and one of its windows.
pub type SchoolAt = (String, Window);

/// What `build` needs besides the rules.
pub struct Input<'a> {
    pub window: Window,
    /// The report window of each school.
    pub current: Vec<SchoolAt>,
    /// Each school's previous window, where the store has one.
    pub previous: Vec<SchoolAt>,
    /// Loads and judges one school's window; called once for each above,
    /// from several threads.
    pub load: &'a (dyn Fn(&str, Window) -> anyhow::Result<SchoolWindow> + Sync),
    pub history: &'a History,
    /// The `--stage` filter.
    pub stages: &'a (dyn Fn(Option<u8>) -> bool + Sync),
    /// `--teacher`, `--class`, `--faculty`, `--subject`: the statuses cover
    /// only the rows they keep, and a pupil counts in an equity group with
    /// at least one such row, judged (faculties off track) on those rows.
    pub filter: &'a super::Filter,
    /// None turns suppression off.
    pub min_group: Option<usize>,
}

pub fn build(ctx: &Ctx, input: &Input) -> anyhow::Result<Summary> {
    let mut now = blocks(ctx, input, &input.current)?;
    let then = blocks(ctx, input, &input.previous)?;
    let schools = input.current.len();
    for block in &mut now {
        let earlier = then.iter().find(|b| b.school == block.school);
        // ALL is compared only when every school has a previous window.
        let complete = block.school != ALL_SCHOOLS || input.previous.len() == schools;
        if let Some(earlier) = earlier.filter(|_| complete) {
            join(block, earlier);
        }
    }
    Ok(Summary {
        window: input.window,
        selection: input.filter.describe(),
        min_group: input.min_group,
        blocks: now,
    })
}

/// One block per school and, for several schools, `ALL`, suppressed together
/// so that `ALL` minus the other schools gives nothing away either. Schools
/// are counted on every core; each school's window is loaded, counted and
/// dropped by one worker, so only the tallies stay in memory.
fn blocks(ctx: &Ctx, input: &Input, windows: &[SchoolAt]) -> anyhow::Result<Vec<Block>> {
    let min = input.min_group.unwrap_or(1).max(1);
    let counted = crate::par::map(windows, |(school, window)| {
        let sw = (input.load)(school, *window)?;
        let lines: Vec<PupilLine> = lines_of_rows(ctx, &sw, &|r| input.filter.accepts(r))
            .into_iter()
            .filter(|l| (input.stages)(l.stage))
            .collect();
        // Ids count from 1 within the school in `offtrack`'s order, and are
        // moved past the earlier schools' below, so they are unique across
        // the window. The lines stay in the order they were made (their
        // pupils' rows and pupils rows in memory order), so counting them
        // reads memory in order.
        let mut ids = vec![0u32; lines.len()];
        for (rank, at) in offtrack_order(&lines).into_iter().enumerate() {
            ids[at] = u32::try_from(rank + 1).expect("fewer than 4 billion pupils");
        }
        let members: Vec<Member> = ids.into_iter().zip(&lines).collect();
        let tally = Tally::of(ctx, &members, input.history, min);
        Ok((tally, lines.len()))
    })?;
    let mut next = 0u32;
    let mut tallies = Vec::with_capacity(windows.len());
    let mut everyone = Tally::default();
    for ((school, window), (mut tally, pupils)) in windows.iter().zip(counted) {
        tally.shift_ids(next);
        next += u32::try_from(pupils).expect("fewer than 4 billion pupils");
        if windows.len() > 1 {
            everyone.merge(&tally, min);
        }
        tallies.push((school.clone(), *window, tally));
    }
    let mut arena = Arena::default();
    let mut out: Vec<Block> = tallies
        .into_iter()
        .map(|(school, window, tally)| Block {
            school,
            windows: BTreeSet::from([window]),
            previous_windows: BTreeSet::new(),
            cells: tally.cells(&mut arena),
        })
        .collect();
    if windows.len() > 1 {
        let cells = everyone.cells(&mut arena);
        let by_key: Vec<HashMap<&Key, usize>> = out
            .iter()
            .map(|b| b.cells.iter().map(|c| (&c.key, c.unit)).collect())
            .collect();
        for c in &cells {
            let parts = by_key
                .iter()
                .filter_map(|m| m.get(&c.key).copied())
                .collect();
            arena.line(parts, c.unit);
        }
        out.push(Block {
            school: ALL_SCHOOLS.to_string(),
            windows: windows.iter().map(|(_, w)| *w).collect(),
            previous_windows: BTreeSet::new(),
            cells,
        });
    }
    if let Some(min) = input.min_group {
        suppress::suppress(&mut arena.units, &arena.lines, min);
        for c in out.iter_mut().flat_map(|b| b.cells.iter_mut()) {
            c.suppressed = arena.units[c.unit].suppressed;
        }
    }
    Ok(out)
}

/// Give each measure of `now` its figure in `then`.
fn join(now: &mut Block, then: &Block) {
    now.previous_windows = then.windows.clone();
    let by_key: HashMap<&Key, &Cell> = then.cells.iter().map(|c| (&c.key, c)).collect();
    for cell in &mut now.cells {
        let Some(old) = by_key.get(&cell.key) else {
            continue;
        };
        for m in &mut cell.measures {
            m.previous = if old.suppressed {
                Some(Previous::Suppressed)
            } else {
                old.measure(m.name)
                    .and_then(|o| o.percent)
                    .map(Previous::Shown)
            };
        }
    }
}

/// The school's name for the page: the config's name for its own code.
pub fn school_name(school: &crate::config::School, code: &str) -> String {
    if code == school.code && !school.name.is_empty() {
        format!("{} ({code})", school.name)
    } else if code == ALL_SCHOOLS {
        "All schools".to_string()
    } else {
        code.to_string()
    }
}
