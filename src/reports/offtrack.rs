//! `tracker offtrack`: one row per pupil with counts, faculties off track and lead.

use std::cmp::Reverse;

use polars::prelude::PlHashMap;

use super::Filter;
use super::model::{Pupil, RowRef, SchoolWindow, stage_name};
pub use super::ranks::Ranks;
use crate::output::{ColType, Val};
use crate::rules::followup::{
    Lead, assign_lead, band_for_count, band_for_role, cmp_text_key, counts_toward, lead_keys,
    misses_staff, off_track_faculties, off_track_faculties_into,
};
use crate::rules::senior::projected;
use crate::rules::{Ctx, Phase, Status};

/// One pupil's line: what `offtrack`, `followup`, `summary` and `qa` share.
pub struct PupilLine<'a> {
    pub sw: &'a SchoolWindow,
    pub scn: &'a str,
    pub pupil: Option<&'a Pupil>,
    pub rows: Vec<RowRef<'a>>,
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
            || self.rows.iter().any(|r| r.phase() == Phase::Senior),
            |s| s >= 4,
        )
    }
}

/// Every pupil with at least one subject row in the window (10.11).
pub fn pupil_lines<'a>(ctx: &Ctx, sw: &'a SchoolWindow) -> Vec<PupilLine<'a>> {
    let mut lines = lines_of(ctx, sw);
    sort_offtrack(&mut lines);
    lines
}

/// The lines of the pupils of one school's window, in no order.
pub fn lines_of<'a>(ctx: &Ctx, sw: &'a SchoolWindow) -> Vec<PupilLine<'a>> {
    lines_of_rows(ctx, sw, &|_| true)
}

/// The lines of the pupils with a row that `keep` keeps, each made of those
/// rows only (counts, faculties and lead), in no order.
pub fn lines_of_rows<'a>(
    ctx: &Ctx,
    sw: &'a SchoolWindow,
    keep: &(dyn Fn(&RowRef) -> bool + Sync),
) -> Vec<PupilLine<'a>> {
    lines_where(ctx, sw, keep, &|_| true)
}

/// [`lines_of_rows`] for the pupils whose kept rows' statuses `wanted`
/// accepts: the others' lines are never made.
fn lines_where<'a>(
    ctx: &Ctx,
    sw: &'a SchoolWindow,
    keep: &(dyn Fn(&RowRef) -> bool + Sync),
    wanted: &(dyn Fn(&mut dyn Iterator<Item = Status>) -> bool + Sync),
) -> Vec<PupilLine<'a>> {
    // Rows grouped by pupil number (`RowRef::pupil_id` indexes
    // `sw.scns()`), each pupil's in load order: no SCN is hashed. Kept by
    // hand rather than a polars group-by: with the leads, faculty names and
    // projections it is still faster than polars' group-by, join and sort
    // of the counts alone (`bench/relational.rs`; BENCHMARKS.md,
    // "Hand-written code against polars").
    let by_pupil = ByPupil::of(sw, keep);
    let mut interventions: PlHashMap<&str, usize> = PlHashMap::default();
    for i in &sw.interventions {
        *interventions.entry(i.scn.as_str()).or_default() += 1;
    }
    let cfg = ctx.config;
    // Each pupil's line is made on its own, so a large school's pupils
    // are spread over every core; the lines keep the pupils' order. Each
    // line's list of rows is made its size once.
    let pupils = sw.scns().len();
    let wants = crate::par::map_range(0..pupils, 4096, |id| {
        by_pupil.has(id) && wanted(&mut by_pupil.rows(id).map(|r| r.status()))
    });
    let ids: Vec<usize> = (0..pupils).filter(|&id| wants[id]).collect();
    crate::par::map_within(ids, 512, |id| {
        let rows: Vec<RowRef<'a>> = by_pupil.rows(id).collect();
        let scn = &*sw.scns()[id];
        let pupil = sw.pupil_of(id);
        let count = |s: Status| rows.iter().filter(|r| r.status() == s).count();
        let (faculties, stage, lead) = lead_of(ctx, pupil, rows.iter().copied());
        let (forename, surname) = names_of(pupil, rows.iter().copied());
        let (band, lead_role, lead_name, missing_staff) = match lead {
            Some(l) => (Some(l.band), Some(l.role), l.name, l.missing_staff),
            None => (None, None, None, Vec::new()),
        };
        let mut line = PupilLine {
            sw,
            scn,
            pupil,
            forename,
            surname,
            stage,
            on_track: count(Status::OnTrack),
            slightly_off_track: count(Status::SlightlyOffTrack),
            off_track: count(Status::OffTrack),
            missing: count(Status::Missing) + count(Status::NoPathway) + count(Status::NoTarget),
            band,
            lead_role,
            lead_name,
            missing_staff,
            overridden: false,
            concerns: rows.iter().filter(|r| r.concern()).count(),
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
                    .filter(|r| r.phase() == Phase::Senior)
                    .filter_map(|r| Some((r.course_level()?, r.working()))),
            ));
        }
        line
    })
}

/// The rows of a window that a filter keeps, grouped by pupil number, in
/// load order within each pupil: one array of row indexes for all, each
/// pupil's rows found by where they start, so no list is grown or made
/// per pupil until a pupil's rows are asked for.
struct ByPupil<'a> {
    sw: &'a SchoolWindow,
    /// Pupil `id`'s rows are `order[starts[id]..starts[id + 1]]`.
    starts: Vec<usize>,
    order: Vec<u32>,
}

impl<'a> ByPupil<'a> {
    fn of(sw: &'a SchoolWindow, keep: &(dyn Fn(&RowRef) -> bool + Sync)) -> ByPupil<'a> {
        // Each row's pupil (NONE for a row not kept), found on every core:
        // the rows are read once, and only their pupils, a tenth of their
        // bytes, are counted and placed on one core.
        const NONE: u32 = u32::MAX;
        let ids = crate::par::map_range(0..sw.len(), 1 << 14, |i| {
            let r = sw.row(i);
            match keep(&r) {
                true => u32::try_from(r.pupil_id()).expect("fewer than 4 billion pupils"),
                false => NONE,
            }
        });
        let pupils = sw.scns().len();
        let mut starts = vec![0usize; pupils + 1];
        for &id in ids.iter().filter(|&&id| id != NONE) {
            starts[id as usize + 1] += 1;
        }
        for id in 0..pupils {
            starts[id + 1] += starts[id];
        }
        let mut next = starts.clone();
        let mut order = vec![0u32; starts[pupils]];
        for (i, &id) in ids.iter().enumerate().filter(|(_, id)| **id != NONE) {
            let at = &mut next[id as usize];
            order[*at] = u32::try_from(i).expect("fewer than 4 billion rows");
            *at += 1;
        }
        ByPupil { sw, starts, order }
    }

    /// Whether pupil `id` has a row kept.
    fn has(&self, id: usize) -> bool {
        self.starts[id + 1] > self.starts[id]
    }

    fn rows(&self, id: usize) -> impl ExactSizeIterator<Item = RowRef<'a>> + Clone + '_ {
        let sw = self.sw;
        (self.order[self.starts[id]..self.starts[id + 1]].iter()).map(move |&i| sw.row(i as usize))
    }
}

/// A pupil's off-track faculties, stage and lead (before any override),
/// from its rows: what its line shows of them.
fn lead_of<'a>(
    ctx: &Ctx,
    pupil: Option<&'a Pupil>,
    rows: impl Iterator<Item = RowRef<'a>> + Clone,
) -> (Vec<&'a str>, Option<u8>, Option<Lead>) {
    let cfg = ctx.config;
    let faculties = off_track_faculties(
        rows.clone().map(|r| (r.faculty(), r.status())),
        cfg.followup.count,
    );
    let (stage, house) = stage_and_house(pupil, rows);
    let lead = assign_lead(&cfg.followup.band, &faculties, house, stage.map(stage_name));
    (faculties, stage, lead)
}

/// A pupil's stage and house as its lead is found by: its pupils row's
/// stage, else the first of its rows to have one, and its pupils row's
/// house.
fn stage_and_house<'a>(
    pupil: Option<&'a Pupil>,
    mut rows: impl Iterator<Item = RowRef<'a>>,
) -> (Option<u8>, Option<&'a str>) {
    let stage = pupil
        .and_then(|p| p.stage)
        .or_else(|| rows.find_map(|r| r.stage()));
    (stage, pupil.and_then(|p| p.house.as_deref()))
}

/// A pupil's forename and surname as its line shows them: its pupils
/// row's, else the first of its rows to have one.
fn names_of<'a>(
    pupil: Option<&'a Pupil>,
    rows: impl Iterator<Item = RowRef<'a>> + Clone,
) -> (Option<&'a str>, Option<&'a str>) {
    let name = |p: fn(&'a Pupil) -> Option<&'a str>, r: fn(&RowRef<'a>) -> Option<&'a str>| {
        pupil
            .and_then(p)
            .or_else(|| rows.clone().find_map(|x| r(&x)))
    };
    (
        name(|p| p.forename.as_deref(), |r| r.forename()),
        name(|p| p.surname.as_deref(), |r| r.surname()),
    )
}

/// A staff key that a pupil's default lead names and `[followup.band.staff]`
/// has no name for (an override names none): what `qa`'s `missing_staff`
/// needs of the pupil's line, without the line.
#[derive(Clone, Copy)]
pub struct StaffMiss<'a> {
    pub order: OrderKey<'a>,
    /// The pupil's number: it breaks ties between equal order keys.
    pub pupil: usize,
    /// The lead's band, and the key's place among its keys.
    pub band: usize,
    pub place: usize,
    /// A faculty, house or stage; empty for a pupil with no house or
    /// stage.
    pub key: &'a str,
}

impl StaffMiss<'_> {
    /// Where the line comes in `offtrack`'s order, then the key in the line.
    pub fn cmp_line(&self, other: &StaffMiss) -> std::cmp::Ordering {
        (self.order.cmp_at(self.pupil, &other.order, other.pupil))
            .then(self.place.cmp(&other.place))
    }
}

/// The keys that pupils' default leads name and the staff tables lack,
/// each kept when `keep` passes it with the pupil's stage and the band:
/// every empty key, in pupil number order, then the first of each band
/// and key in `offtrack`'s order. Found from each pupil's rows alone, with
/// no lead or line made: in a school of thousands most off-track pupils
/// may miss staff, and `qa` has a finding for a few dozen keys.
pub fn staff_misses<'a>(
    ctx: &Ctx,
    sw: &'a SchoolWindow,
    keep: &(dyn Fn(Option<u8>, usize, &str) -> bool + Sync),
) -> Vec<StaffMiss<'a>> {
    let bands = &ctx.config.followup.band;
    let by_pupil = ByPupil::of(sw, &|_| true);
    let runs = crate::par::map_runs(0..sw.scns().len(), STAFF_RUN, |pupils| {
        let mut faculties = Vec::new();
        let mut empty = Vec::new();
        let mut first: PlHashMap<(usize, &str), StaffMiss> = PlHashMap::default();
        for id in pupils {
            let scn = &*sw.scns()[id];
            if !by_pupil.has(id) || sw.overrides.contains_key(scn) {
                continue;
            }
            let rows = by_pupil.rows(id);
            let statuses = rows.clone().map(|r| (r.faculty(), r.status()));
            off_track_faculties_into(statuses, ctx.config.followup.count, &mut faculties);
            let Some(b) = band_for_count(bands, faculties.len()) else {
                continue;
            };
            let pupil = sw.pupil_of(id);
            let (stage, house) = stage_and_house(pupil, rows.clone());
            let keys = lead_keys(&bands[b], &faculties, house, stage.map(stage_name));
            let mut order = None;
            for (place, key) in keys.enumerate() {
                if !misses_staff(&bands[b], key) || !keep(stage, b, key) {
                    continue;
                }
                let order = *order.get_or_insert_with(|| {
                    let (forename, surname) = names_of(pupil, rows.clone());
                    OrderKey {
                        faculties: faculties.len(),
                        off_track: (rows.clone())
                            .filter(|r| r.status() == Status::OffTrack)
                            .count(),
                        surname,
                        forename,
                        scn,
                        school: &sw.school,
                    }
                });
                let miss = StaffMiss {
                    order,
                    pupil: id,
                    band: b,
                    place,
                    key,
                };
                match key.is_empty() {
                    true => empty.push(miss),
                    false => keep_first(&mut first, miss),
                }
            }
        }
        (empty, first)
    });
    let mut first: PlHashMap<(usize, &str), StaffMiss> = PlHashMap::default();
    let mut out = Vec::new();
    for (empty, firsts) in runs {
        out.extend(empty);
        for miss in firsts.into_values() {
            keep_first(&mut first, miss);
        }
    }
    out.extend(first.into_values());
    out
}

/// Keep `miss` in `first` when it comes before the one held for its band
/// and key.
fn keep_first<'a>(first: &mut PlHashMap<(usize, &'a str), StaffMiss<'a>>, miss: StaffMiss<'a>) {
    let f = first.entry((miss.band, miss.key)).or_insert(miss);
    if miss.cmp_line(f).is_lt() {
        *f = miss;
    }
}

/// Pupils [`staff_misses`] looks at together on one core.
const STAFF_RUN: usize = 4096;

/// What 7.3 orders a pupil's line by.
#[derive(Clone, Copy)]
pub struct OrderKey<'a> {
    pub faculties: usize,
    pub off_track: usize,
    pub surname: Option<&'a str>,
    pub forename: Option<&'a str>,
    pub scn: &'a str,
    pub school: &'a str,
}

impl OrderKey<'_> {
    /// Where the key of line `i` comes against that of line `j` in
    /// [`order_values`]' order, found from the two keys alone: a few
    /// lines compared among many need no ranks of every line's names.
    pub fn cmp_at(&self, i: usize, other: &OrderKey, j: usize) -> std::cmp::Ordering {
        let name = |n: Option<&str>, m: Option<&str>| {
            cmp_text_key(n.unwrap_or_default(), m.unwrap_or_default())
        };
        (Reverse(self.faculties), Reverse(self.off_track))
            .cmp(&(Reverse(other.faculties), Reverse(other.off_track)))
            .then_with(|| name(self.surname, other.surname))
            .then_with(|| name(self.forename, other.forename))
            .then_with(|| (self.scn, self.school, i).cmp(&(other.scn, other.school, j)))
    }
}

impl<'a> PupilLine<'a> {
    pub fn order_key(&self) -> OrderKey<'a> {
        OrderKey {
            faculties: self.faculties_off_track(),
            off_track: self.off_track,
            surname: self.surname,
            forename: self.forename,
            scn: self.scn,
            school: self.sw.school.as_str(),
        }
    }
}

/// A value that orders as 7.3 orders lines; the last part is the line's
/// index, so no two are equal.
pub type OrderValue<'a> = (
    Reverse<usize>,
    Reverse<usize>,
    u32,
    u32,
    &'a str,
    &'a str,
    usize,
);

/// The [`OrderValue`] of each of `n` keys, `key(i)` the `i`th: names are
/// ranked among these keys' only, so values compare only with each other.
pub fn order_values<'a>(
    n: usize,
    key: impl Fn(usize) -> OrderKey<'a> + Sync + Send,
) -> Vec<OrderValue<'a>> {
    let names = crate::par::map_range(0..n, 4096, |i| {
        let k = key(i);
        (
            k.surname.unwrap_or_default(),
            k.forename.unwrap_or_default(),
        )
    });
    let surnames = Ranks::text(names.iter().map(|n| n.0));
    let forenames = Ranks::text(names.iter().map(|n| n.1));
    crate::par::map_range(0..n, 4096, |i| {
        let k = key(i);
        (
            Reverse(k.faculties),
            Reverse(k.off_track),
            surnames.get(names[i].0),
            forenames.get(names[i].1),
            k.scn,
            k.school,
            // Equal keys keep their order, as a stable sort would.
            i,
        )
    })
}

/// 7.3: faculties_off_track desc, off_track desc, surname, forename, scn
/// (then school, so the order never depends on chance).
pub fn sort_offtrack(lines: &mut [PupilLine]) {
    let order = offtrack_order(lines);
    super::ranks::permute(lines, order);
}

/// The indexes of `lines` in [`sort_offtrack`]'s order, the lines left
/// where they are.
pub fn offtrack_order(lines: &[PupilLine]) -> Vec<usize> {
    let mut keys = order_values(lines.len(), |i| lines[i].order_key());
    // Every key is distinct (the index), so an unstable sort, on every
    // core when nothing else runs, gives the stable sort's order.
    crate::par::sort_unstable(&mut keys);
    keys.into_iter().map(|k| k.6).collect()
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

/// Y/N, empty when unknown, without allocating.
pub fn yn_val(v: Option<bool>) -> Val<'static> {
    match v {
        Some(true) => Val::Text("Y"),
        Some(false) => Val::Text("N"),
        None => Val::Null,
    }
}

/// A count as a value.
fn count(n: usize) -> Val<'static> {
    Val::Int(n as i64)
}

/// The values of one line, in `COLUMNS` order. `window` is the window's
/// label and `faculties` the line's faculties joined with `; `.
pub fn values<'l>(l: &'l PupilLine, window: &'l str, faculties: &'l str) -> [Val<'l>; 28] {
    let p = l.pupil;
    [
        Val::Text(&l.sw.school),
        Val::Text(window),
        Val::Text(l.scn),
        Val::from(l.forename),
        Val::from(l.surname),
        Val::from(l.stage.map(stage_name)),
        Val::from(p.and_then(|p| p.reg_class.as_deref())),
        Val::from(p.and_then(|p| p.house.as_deref())),
        count(l.rows.len()),
        count(l.on_track),
        count(l.slightly_off_track),
        count(l.off_track),
        count(l.missing),
        count(l.faculties_off_track()),
        Val::from(Some(faculties).filter(|s| !s.is_empty())),
        Val::from(l.lead_role.as_deref()),
        Val::from(l.lead_name.as_deref()),
        Val::Text(if l.overridden { "Y" } else { "N" }),
        count(l.concerns),
        p.and_then(|p| p.attendance).map_or(Val::Null, Val::Float),
        Val::from(p.and_then(|p| p.simd_quintile).map(i64::from)),
        yn_val(p.and_then(|p| p.fsm)),
        yn_val(p.and_then(|p| p.asn)),
        yn_val(p.and_then(|p| p.care_experienced)),
        yn_val(p.and_then(|p| p.young_carer)),
        count(l.interventions),
        Val::from(l.projected.map(|p| p.0 as i64)),
        Val::from(l.projected.map(|p| p.1 as i64)),
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

/// The pupils of one school's window that a listing, stage set and filter
/// select, in no order.
pub fn select_in<'a>(
    ctx: &Ctx,
    sw: &'a SchoolWindow,
    listing: Listing,
    stages: &dyn Fn(Option<u8>) -> bool,
    filter: &Filter,
) -> Vec<PupilLine<'a>> {
    let warn = ctx.config.ratings.warn_subjects.max(0) as usize;
    // Whether a pupil has a faculty off track, as its line would count.
    let mode = ctx.config.followup.count;
    let off = |mut statuses: &mut dyn Iterator<Item = Status>| {
        Iterator::any(&mut statuses, |s| counts_toward(s, mode))
    };
    let wanted = |statuses: &mut dyn Iterator<Item = Status>| match listing {
        Listing::OffTrack => off(statuses),
        Listing::All => true,
        Listing::EarlyWarning => !off(statuses),
    };
    let mut lines = lines_where(ctx, sw, &|_| true, &wanted);
    lines.retain(|l| {
        stages(l.stage)
            && (filter.is_empty() || l.rows.iter().any(|r| filter.accepts(r)))
            && match listing {
                Listing::OffTrack => l.faculties_off_track() >= 1,
                Listing::All => true,
                Listing::EarlyWarning => l.faculties_off_track() == 0 && l.concerns >= warn,
            }
    });
    lines
}

/// [`select_in`] over every school on every core, sorted as 7.3 says.
pub fn select<'a>(
    ctx: &Ctx,
    schools: &'a [SchoolWindow],
    listing: Listing,
    stages: &(dyn Fn(Option<u8>) -> bool + Sync),
    filter: &Filter,
) -> anyhow::Result<Vec<PupilLine<'a>>> {
    let refs: Vec<&'a SchoolWindow> = schools.iter().collect();
    let per_school = crate::par::map(&refs, |sw| Ok(select_in(ctx, sw, listing, stages, filter)))?;
    let mut lines: Vec<PupilLine> = super::concat(per_school);
    sort_offtrack(&mut lines);
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Two keys compare alone as their values do among all keys',
        /// with names that differ only in case, accents and absence.
        #[test]
        fn keys_compare_alone_as_their_values_do(
            keys in proptest::collection::vec(
                (0usize..3, 0usize..3, 0usize..5, 0usize..5, 0usize..3, 0usize..2),
                1..40,
            )
        ) {
            let names = [None, Some("Ann"), Some("ann"), Some("Ánn"), Some("Bob")];
            let keys: Vec<OrderKey> = keys
                .iter()
                .map(|&(f, o, s, n, scn, school)| OrderKey {
                    faculties: f,
                    off_track: o,
                    surname: names[s],
                    forename: names[n],
                    scn: ["1", "2", "10"][scn],
                    school: ["A", "B"][school],
                })
                .collect();
            let values = order_values(keys.len(), |i| keys[i]);
            for i in 0..keys.len() {
                for j in 0..keys.len() {
                    proptest::prop_assert_eq!(
                        keys[i].cmp_at(i, &keys[j], j),
                        values[i].cmp(&values[j]),
                        "{} {}", i, j
                    );
                }
            }
        }
    }
}
