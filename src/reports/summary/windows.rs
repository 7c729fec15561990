//! Which windows a summary reads besides its own: each school's previous
//! window (the change) and the earlier sessions its projections learn from.

use std::collections::{BTreeMap, BTreeSet};

use crate::reports::Scope;
use crate::rules::window::Window;
use crate::store::read::Snapshot;

/// (school, window) pairs to load.
pub struct Windows {
    pub previous: Vec<(String, Window)>,
    /// In window order, so a pupil's band from S1-S3 is known by the time
    /// their S4 and S5 outcomes are read.
    pub earlier: Vec<(String, Window)>,
}

pub fn windows(snap: &Snapshot, scope: &Scope) -> Windows {
    let mut previous = Vec::new();
    let mut earlier = Vec::new();
    for school in &scope.schools {
        if let Some(w) = previous_window(snap, school, scope.window) {
            previous.push((school.clone(), w));
        }
        earlier.extend(history_windows(snap, school, scope.window).map(|w| (school.clone(), w)));
    }
    earlier.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    Windows { previous, earlier }
}

/// The school's latest window before `window`.
fn previous_window(snap: &Snapshot, school: &str, window: Window) -> Option<Window> {
    snap.windows(Some(school))
        .range(..window)
        .next_back()
        .copied()
}

/// For each earlier session: its latest window, whose pupils give the bands
/// pupils had in the BGE, and its latest window holding Senior Phase
/// tracking, which says what those pupils reached (the BGE estimate).
fn history_windows(
    snap: &Snapshot,
    school: &str,
    window: Window,
) -> impl Iterator<Item = Window> + use<> {
    let mut latest: BTreeMap<u16, Window> = BTreeMap::new();
    let mut senior: BTreeMap<u16, Window> = BTreeMap::new();
    for w in snap.windows(Some(school)) {
        if w.session >= window.session {
            continue;
        }
        latest.insert(w.session, w);
        if snap
            .manifest
            .file("senior", school, &w.to_string())
            .is_some()
        {
            senior.insert(w.session, w);
        }
    }
    let both: BTreeSet<Window> = latest.into_values().chain(senior.into_values()).collect();
    both.into_iter()
}
