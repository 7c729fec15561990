//! `tracker offtrack`: one row per pupil with counts, faculties off track and lead.

use std::collections::HashMap;

use crate::cli::FilterArgs;
use crate::output::{Cell, ColType, Table};
use crate::rules::Status;
use crate::rules::followup::{assign_lead, band_for_role, off_track_faculties, text_key};
use crate::rules::senior::projected;
use crate::rules::values::stage_label;

use super::model::{Ctx, Phase, Pupil, Row, SchoolWindow};

/// One pupil's line: what `offtrack`, `followup` and `summary` share.
pub struct PupilLine<'a> {
    pub sw: &'a SchoolWindow,
    pub scn: &'a str,
    pub pupil: Option<&'a Pupil>,
    pub rows: Vec<&'a Row>,
    pub forename: Option<&'a str>,
    pub surname: Option<&'a str>,
    pub stage: Option<u8>,
    pub on_track: usize,
    pub slightly_off_track: usize,
    pub off_track: usize,
    pub missing: usize,
    pub faculties: Vec<&'a str>,
    pub lead_role: Option<String>,
    pub lead_name: Option<String>,
    /// Faculties, house or stage with no name in the staff table.
    pub missing_staff: Vec<String>,
    pub overridden: bool,
    /// The follow-up band to sort under (10.10): None sorts after all bands.
    pub band: Option<usize>,
    pub concerns: usize,
    pub interventions: usize,
    /// (5@5, 5@6) course counts for Senior Phase pupils.
    pub projected: Option<(usize, usize)>,
}

impl PupilLine<'_> {
    pub fn faculties_off_track(&self) -> usize {
        self.faculties.len()
    }
    pub fn is_senior(&self) -> bool {
        self.stage.map_or_else(
            || self.rows.iter().any(|r| r.phase == Phase::Senior),
            |s| s >= 4,
        )
    }
}

/// Every pupil with at least one subject row in the window (10.11).
pub fn pupil_lines<'a>(ctx: &Ctx, sw: &'a SchoolWindow) -> Vec<PupilLine<'a>> {
    let mut by_pupil: HashMap<&str, Vec<&Row>> = HashMap::new();
    for r in &sw.rows {
        by_pupil.entry(r.scn.as_str()).or_default().push(r);
    }
    let mut interventions: HashMap<&str, usize> = HashMap::new();
    for i in &sw.interventions {
        *interventions.entry(i.scn.as_str()).or_default() += 1;
    }
    let cfg = ctx.config;
    let mut lines: Vec<PupilLine> = by_pupil
        .into_iter()
        .map(|(scn, rows)| {
            let pupil = sw.pupil(scn);
            let count = |s: Status| rows.iter().filter(|r| r.status == s).count();
            let faculties = off_track_faculties(
                rows.iter().map(|r| (r.faculty.as_str(), r.status)),
                cfg.followup.count,
            );
            let first = |f: fn(&Row) -> Option<&str>| rows.iter().find_map(|r| f(r));
            let stage = pupil
                .and_then(|p| p.stage)
                .or_else(|| rows.iter().find_map(|r| r.stage));
            let house = pupil.and_then(|p| p.house.as_deref());
            let lead = assign_lead(
                &cfg.followup.band,
                &faculties,
                house,
                stage.map(stage_label).as_deref(),
            );
            let mut line = PupilLine {
                sw,
                scn,
                pupil,
                forename: pupil
                    .and_then(|p| p.forename.as_deref())
                    .or_else(|| first(|r| r.forename.as_deref())),
                surname: pupil
                    .and_then(|p| p.surname.as_deref())
                    .or_else(|| first(|r| r.surname.as_deref())),
                stage,
                on_track: count(Status::OnTrack),
                slightly_off_track: count(Status::SlightlyOffTrack),
                off_track: count(Status::OffTrack),
                missing: count(Status::Missing)
                    + count(Status::NoPathway)
                    + count(Status::NoTarget),
                lead_role: lead.as_ref().map(|l| l.role.clone()),
                lead_name: lead.as_ref().and_then(|l| l.name.clone()),
                missing_staff: lead
                    .as_ref()
                    .map(|l| l.missing_staff.clone())
                    .unwrap_or_default(),
                band: lead.as_ref().map(|l| l.band),
                overridden: false,
                concerns: rows.iter().filter(|r| r.concern).count(),
                interventions: interventions.get(scn).copied().unwrap_or(0),
                projected: None,
                faculties,
                rows,
            };
            if let Some(o) = sw.overrides.get(scn) {
                line.lead_role = Some(o.role.clone());
                line.lead_name = o.name.clone();
                line.missing_staff.clear();
                line.band = band_for_role(&cfg.followup.band, &o.role);
                line.overridden = true;
            }
            if line.is_senior() {
                line.projected = Some(projected(
                    line.rows
                        .iter()
                        .filter(|r| r.phase == Phase::Senior)
                        .filter_map(|r| Some((r.course_level?, r.working))),
                ));
            }
            line
        })
        .collect();
    sort_offtrack(&mut lines);
    lines
}

/// 7.3: faculties_off_track desc, off_track desc, surname, forename, scn.
pub fn sort_offtrack(lines: &mut [PupilLine]) {
    lines.sort_by_cached_key(|l| {
        (
            std::cmp::Reverse(l.faculties_off_track()),
            std::cmp::Reverse(l.off_track),
            text_key(l.surname.unwrap_or_default()),
            text_key(l.forename.unwrap_or_default()),
            l.scn.to_string(),
            l.sw.school.clone(),
        )
    });
}

pub const COLUMNS: &[(&str, ColType)] = &[
    ("school", ColType::Text),
    ("window", ColType::Text),
    ("scn", ColType::Text),
    ("forename", ColType::Text),
    ("surname", ColType::Text),
    ("stage", ColType::Text),
    ("reg_class", ColType::Text),
    ("house", ColType::Text),
    ("subjects", ColType::Int),
    ("on_track", ColType::Int),
    ("slightly_off_track", ColType::Int),
    ("off_track", ColType::Int),
    ("missing", ColType::Int),
    ("faculties_off_track", ColType::Int),
    ("off_track_faculties", ColType::Text),
    ("lead_role", ColType::Text),
    ("lead_name", ColType::Text),
    ("override", ColType::Text),
    ("concerns", ColType::Int),
    ("attendance", ColType::Float),
    ("simd_quintile", ColType::Int),
    ("fsm", ColType::Text),
    ("asn", ColType::Text),
    ("care_experienced", ColType::Text),
    ("young_carer", ColType::Text),
    ("interventions", ColType::Int),
    ("projected_5at5", ColType::Int),
    ("projected_5at6", ColType::Int),
];

/// Y/N, empty when unknown (10.3).
pub fn yn(v: Option<bool>) -> Cell {
    match v {
        Some(true) => Cell::from("Y"),
        Some(false) => Cell::from("N"),
        None => Cell::Null,
    }
}

pub fn cells(l: &PupilLine) -> Vec<Cell> {
    let p = l.pupil;
    vec![
        Cell::from(l.sw.school.as_str()),
        Cell::from(l.sw.window.to_string()),
        Cell::from(l.scn),
        Cell::from(l.forename),
        Cell::from(l.surname),
        Cell::from(l.stage.map(stage_label)),
        Cell::from(p.and_then(|p| p.reg_class.as_deref())),
        Cell::from(p.and_then(|p| p.house.as_deref())),
        Cell::from(l.rows.len()),
        Cell::from(l.on_track),
        Cell::from(l.slightly_off_track),
        Cell::from(l.off_track),
        Cell::from(l.missing),
        Cell::from(l.faculties_off_track()),
        Cell::from(Some(l.faculties.join("; ")).filter(|s| !s.is_empty())),
        Cell::from(l.lead_role.clone()),
        Cell::from(l.lead_name.clone()),
        Cell::from(if l.overridden { "Y" } else { "N" }),
        Cell::from(l.concerns),
        Cell::from(p.and_then(|p| p.attendance)),
        Cell::from(p.and_then(|p| p.simd_quintile).map(i64::from)),
        yn(p.and_then(|p| p.fsm)),
        yn(p.and_then(|p| p.asn)),
        yn(p.and_then(|p| p.care_experienced)),
        yn(p.and_then(|p| p.young_carer)),
        Cell::from(l.interventions),
        Cell::from(l.projected.map(|p| p.0)),
        Cell::from(l.projected.map(|p| p.1)),
    ]
}

/// Which pupils the report lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// Pupils with at least one faculty off track (the default).
    OffTrack,
    /// Every pupil with a subject row (`--all`).
    All,
    /// No faculty off track but concerns reach `ratings.warn_subjects`.
    EarlyWarning,
}

/// The pupils a listing, stage set and filter select, in report order.
pub fn select<'a>(
    ctx: &Ctx,
    loaded: &'a [SchoolWindow],
    listing: Listing,
    stages: &dyn Fn(Option<u8>) -> bool,
    filter: &FilterArgs,
) -> Vec<PupilLine<'a>> {
    let warn = ctx.config.ratings.warn_subjects.max(0) as usize;
    let mut lines: Vec<PupilLine> = loaded
        .iter()
        .flat_map(|sw| pupil_lines(ctx, sw))
        .filter(|l| stages(l.stage))
        .filter(|l| filter.is_empty() || l.rows.iter().any(|r| filter.accepts(r)))
        .filter(|l| match listing {
            Listing::OffTrack => l.faculties_off_track() >= 1,
            Listing::All => true,
            Listing::EarlyWarning => l.faculties_off_track() == 0 && l.concerns >= warn,
        })
        .collect();
    sort_offtrack(&mut lines);
    lines
}

pub fn table(lines: &[PupilLine]) -> Table {
    let mut t = Table::new("offtrack", COLUMNS);
    t.rows = lines.iter().map(cells).collect();
    t
}
