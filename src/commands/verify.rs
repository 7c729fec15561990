//! `tracker verify`: check the store against its manifest; change nothing.
//!
//! Exit 1 on damage (a manifest that does not parse, a named file missing,
//! unreadable or not the bytes recorded, a raw copy whose SHA-256 differs).
//! Leftovers of a killed ingest are listed as warnings but exit 0: readers
//! ignore them and the next ingest removes them.

use crate::cli::OutputArgs;
use crate::exit::Exit;
use crate::output::{self, Cell, ColType, Table};
use crate::settings::Settings;
use crate::store::StoreLock;
use crate::store::verify::{self, Severity};

pub fn run(s: &Settings, args: &OutputArgs) -> anyhow::Result<Exit> {
    let opts = s.output(args)?;
    let root = &s.store.root;
    if !s.store.exists() {
        anyhow::bail!(
            "no store at `{}`\nhint: give `--store DIR` or set `TRACKER_STORE`",
            root.display()
        );
    }
    // Under a shared lock no writer is mid-commit, so its temporary files
    // are not mistaken for leftovers; the lock file is not created.
    let _lock = StoreLock::shared_if_present(root, s.lock_timeout)?;
    let report = verify::check(&s.store)?;
    let mut table = Table::new(
        "verify",
        &[
            ("severity", ColType::Text),
            ("problem", ColType::Text),
            ("path", ColType::Text),
            ("detail", ColType::Text),
        ],
    );
    let mut findings = report.findings.clone();
    findings.sort_by(|a, b| (a.severity, &a.path).cmp(&(b.severity, &b.path)));
    for f in &findings {
        table.rows.push(vec![
            Cell::from(f.severity.as_str()),
            Cell::from(f.problem),
            Cell::from(f.path.as_str()),
            Cell::from(f.detail.as_str()),
        ]);
    }
    output::write(&table, &opts)?;
    let count = |sev| findings.iter().filter(|f| f.severity == sev).count();
    let (damage, leftovers) = (count(Severity::Damage), count(Severity::Leftover));
    let checked = format!(
        "checked {} data files and {} raw copies in `{}`",
        report.data_files,
        report.raw_copies,
        root.display()
    );
    if damage > 0 {
        s.warn(&format!(
            "verify: {checked}: damage ({damage} findings)\nhint: restore the store from a backup; the raw copies it still holds can be ingested again"
        ));
        return Ok(Exit::Failure);
    }
    if leftovers > 0 {
        s.say(&format!(
            "verify: {checked}: no damage; {leftovers} leftovers of an interrupted command (the next ingest removes or finishes them)"
        ));
    } else {
        s.say(&format!("verify: {checked}: no damage"));
    }
    Ok(Exit::Success)
}
