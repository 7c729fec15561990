//! `tracker windows`: what the store holds.

use std::collections::BTreeMap;

use crate::cli::OutputArgs;
use crate::exit::Exit;
use crate::kinds::Kind;
use crate::output::{self, Cell, ColType, Table};
use crate::rules::window::Window;
use crate::settings::Settings;
use crate::store::read::Snapshot;

pub fn run(s: &Settings, args: &OutputArgs) -> anyhow::Result<Exit> {
    let opts = s.output(args)?;
    if !s.store.exists() {
        anyhow::bail!(
            "no store at `{}`\nhint: run `tracker init`, then `tracker ingest --window 2025-26/1 FILE...`",
            s.store.root.display()
        );
    }
    let snap = Snapshot::open(&s.store, s.lock_timeout)?;
    let mut table = Table::new(
        "windows",
        &[
            ("school", ColType::Text),
            ("window", ColType::Text),
            ("kind", ColType::Text),
            ("rows", ColType::Int),
            ("ingested_at", ColType::Text),
        ],
    );
    let mut latest: BTreeMap<(&str, &str, &str), &str> = BTreeMap::new();
    for r in &snap.manifest.ingests {
        latest.insert((&r.school, &r.window, &r.kind), &r.ingested_at);
    }
    let mut rows: Vec<_> = snap
        .manifest
        .files
        .iter()
        .filter_map(|f| Some((Kind::parse(&f.table)?, f)))
        .collect();
    rows.sort_by_key(|(k, f)| (f.school.clone(), Window::parse_any(&f.window), *k));
    for (kind, f) in rows {
        table.rows.push(vec![
            Cell::from(f.school.as_str()),
            Cell::from(f.window.as_str()),
            Cell::from(kind.as_str()),
            Cell::from(f.rows),
            Cell::from(
                latest
                    .get(&(f.school.as_str(), f.window.as_str(), kind.as_str()))
                    .copied(),
            ),
        ]);
    }
    output::write(&table, &opts)?;
    Ok(Exit::Success)
}
