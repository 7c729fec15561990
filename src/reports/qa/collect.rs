//! Findings as they are made: what a school's findings share, the
//! findings of a run of rows made on one core, and the school's
//! collector that gives every text its id in the school's
//! [`FindingTexts`].

use polars::prelude::PlHashMap;

use crate::config::QaKind;
use crate::reports::model::{RowRef, SchoolWindow};
use crate::rules::Ctx;

use super::Finding;
use super::texts::{FindingTexts, NONE};

/// What every finding of a school's window shares.
#[derive(Clone, Copy)]
pub(super) struct School<'a> {
    pub(super) ctx: &'a Ctx<'a>,
    pub(super) sw: &'a SchoolWindow,
    /// The school's place among the report's.
    at: u32,
    /// The id of the SCN of pupil number 0.
    scns: u32,
}

impl School<'_> {
    fn finding(&self, kind: QaKind, [scn, subject, teacher]: [u32; 3], detail: u32) -> Finding {
        Finding {
            school: self.at,
            window: self.sw.window,
            severity: self.ctx.config.severity(kind),
            kind,
            scn,
            subject,
            teacher,
            detail,
        }
    }

    /// A finding about row `r`, which names its SCN, subject and teacher
    /// by their ids in the window.
    pub(super) fn row(&self, kind: QaKind, r: &RowRef, detail: u32) -> Finding {
        let scn = self.scns + u32::try_from(r.pupil_id()).expect("fewer than 4 billion pupils");
        let subject = u32::try_from(r.subject_id()).expect("fewer than 4 billion texts");
        let teacher = r.teacher_id().unwrap_or(NONE);
        self.finding(kind, [scn, subject, teacher], detail)
    }
}

/// Builds the findings of one school's window.
pub(super) struct Collector<'a> {
    pub(super) s: School<'a>,
    pub(super) texts: FindingTexts,
    /// The ids of the texts made for the findings, by text.
    ids: PlHashMap<Box<str>, u32>,
    pub(super) out: Vec<Finding>,
}

impl<'a> Collector<'a> {
    pub(super) fn new(ctx: &'a Ctx<'a>, sw: &'a SchoolWindow, at: u32) -> Collector<'a> {
        let texts = FindingTexts::new(&sw.school, sw.texts_len(), sw.scns().len());
        let scns = texts.scn_id(0);
        Collector {
            s: School { ctx, sw, at, scns },
            texts,
            ids: PlHashMap::default(),
            out: Vec::new(),
        }
    }

    /// The id of a text made for the findings.
    pub(super) fn text(&mut self, text: Option<&str>) -> u32 {
        let Some(text) = text else { return NONE };
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = self.texts.add(text.into());
        self.ids.insert(text.into(), id);
        id
    }

    pub(super) fn push(
        &mut self,
        kind: QaKind,
        scn: Option<&str>,
        subject: Option<&str>,
        teacher: Option<&str>,
        detail: impl AsRef<str>,
    ) {
        let ids = [scn, subject, teacher].map(|t| self.text(t));
        let detail = self.text(Some(detail.as_ref()));
        self.out.push(self.s.finding(kind, ids, detail));
    }

    /// A run's findings, their details given ids among the school's texts.
    pub(super) fn join(&mut self, run: Run) -> impl Iterator<Item = Finding> {
        let base = self.texts.next_id();
        assert!(base < RUN, "fewer than 2 billion texts");
        self.texts.extend(run.made);
        run.out.into_iter().map(move |mut f| {
            if f.detail & RUN != 0 {
                f.detail = base + (f.detail & !RUN);
            }
            f
        })
    }
}

/// The findings of a run of rows, made on one core: its details made
/// there have ids from [`RUN`] until [`Collector::join`] gives them the
/// school's.
pub(super) struct Run<'a> {
    pub(super) s: School<'a>,
    made: Vec<Box<str>>,
    pub(super) out: Vec<Finding>,
    /// Each pupil's rows in the run, as (pupil number, rows, whether any
    /// is BGE): a pupil's rows come together, so each is listed about once.
    pub(super) pupils: Vec<(usize, usize, bool)>,
    /// The first row in the run of each subject `[faculties]` does not map.
    pub(super) unmapped: Vec<usize>,
}

/// The first id of a run's own texts.
const RUN: u32 = 1 << 31;

impl<'a> Run<'a> {
    /// An empty run of the school `s`.
    pub(super) fn new(s: School<'a>) -> Run<'a> {
        Run {
            s,
            made: Vec::new(),
            out: Vec::new(),
            pupils: Vec::new(),
            unmapped: Vec::new(),
        }
    }

    pub(super) fn row(&mut self, kind: QaKind, r: &RowRef, detail: u32) {
        self.out.push(self.s.row(kind, r, detail));
    }

    /// [`Run::row`] with a detail of its own.
    pub(super) fn row_text(&mut self, kind: QaKind, r: &RowRef, detail: String) {
        let id = RUN | u32::try_from(self.made.len()).expect("fewer than 2 billion texts");
        self.made.push(detail.into());
        self.row(kind, r, id);
    }
}
