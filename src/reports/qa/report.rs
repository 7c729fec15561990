//! The whole `qa` report: every school's findings and completeness, sorted,
//! and the findings rendered a part at a time.

use crate::config::Severity;
use crate::output::{self, Sink, Table};
use crate::reports::model::{self, Need};
use crate::reports::{Scope, concat};
use crate::rules::Ctx;
use crate::store::read::Snapshot;

use super::{Finding, FindingTexts, QaFilter};

pub struct Qa {
    pub scope_window: crate::rules::window::Window,
    /// Most of a million in a national run, so never held as cells.
    pub findings: Vec<Finding>,
    /// Each school's texts, which its findings name by id.
    pub texts: Vec<FindingTexts>,
    /// The findings' places in SPEC 8 order ([`super::order`]).
    pub order: Vec<usize>,
    pub completeness: Table,
}

/// Schools on every core; each worker drops its school's window before
/// taking the next, so only the findings of the whole store stay in memory.
pub fn build(ctx: &Ctx, snap: &Snapshot, scope: &Scope, filter: &QaFilter) -> anyhow::Result<Qa> {
    let stages = |st| scope.wants_stage(st);
    let at: Vec<(u32, &String)> = (0..).zip(&scope.schools).collect();
    let per_school = crate::par::map(&at, |&(at, school)| {
        let mut sw = model::load(ctx, snap, school, scope.window, Need::QA)?;
        let history = super::history(ctx, snap, &sw)?;
        // Counting fills the gaps of the findings' work on one core.
        let ((findings, mut texts), completeness) = crate::par::join_within(
            || super::findings(ctx, &sw, at, &history, &stages, filter),
            || super::completeness(&sw, &stages, filter),
        );
        let (window, scns) = sw.take_texts();
        texts.set_window(window, scns);
        // Freed while the findings are sorted: a large school's window is
        // millions of allocations.
        crate::par::drop_later(sw);
        Ok((findings, texts, completeness))
    })?;
    // Sized once, or taken as they are for one school: growing a vector of
    // most of a million findings copies it.
    let mut findings = Vec::with_capacity(per_school.len());
    let mut texts = Vec::with_capacity(per_school.len());
    let mut completeness = Vec::with_capacity(per_school.len());
    for (f, t, c) in per_school {
        findings.push(f);
        texts.push(t);
        completeness.push(c);
    }
    let (findings, mut completeness) = (concat(findings), concat(completeness));
    let order = super::order(&findings, &texts);
    super::sort_completeness(&mut completeness);
    Ok(Qa {
        scope_window: scope.window,
        findings,
        texts,
        order,
        completeness: super::completeness_table(&completeness),
    })
}

impl Qa {
    /// The findings at `threshold` or above.
    pub fn failing(&self, threshold: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity >= threshold)
            .count()
    }

    /// Hand the findings to `f` as the table `findings`, rendered from the
    /// sorted list a part at a time.
    pub fn findings_parts<R>(&self, f: impl FnOnce(output::Parts) -> R) -> R {
        let window = self.scope_window.to_string();
        let render = |part: usize, sink: &mut dyn Sink| {
            let start = part * output::PART_ROWS;
            let end = (start + output::PART_ROWS).min(self.order.len());
            let places = &self.order[start.min(end)..end];
            for (k, &at) in places.iter().enumerate() {
                // Findings are read in an order of their own: each is asked
                // for ahead, and then its texts.
                if let Some(&ahead) = places.get(k + 16) {
                    crate::reports::prefetch(&self.findings[ahead]);
                }
                if let Some(&near) = places.get(k + 8) {
                    let f = &self.findings[near];
                    let texts = &self.texts[f.school as usize];
                    for id in [f.detail, f.scn] {
                        if let Some(t) = texts.get(id) {
                            crate::reports::prefetch(t);
                        }
                    }
                }
                let finding = &self.findings[at];
                let other;
                let w = if finding.window == self.scope_window {
                    window.as_str()
                } else {
                    other = finding.window.to_string();
                    other.as_str()
                };
                let texts = &self.texts[finding.school as usize];
                sink.row(&super::finding_values(finding, texts, w))?;
            }
            Ok(())
        };
        f(output::Parts {
            title: "findings",
            columns: super::COLUMNS,
            parts: self.findings.len().div_ceil(output::PART_ROWS),
            render: &render,
            cells: None,
        })
    }
}
