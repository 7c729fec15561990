//! `tracker followup`: off-track pupils grouped by lead, for the meeting.

use super::model::stage_name;
use super::offtrack::{PupilLine, Ranks};
use crate::config::FollowupBand;
use crate::output::{ColType, PART_ROWS, Sink, Val};
use crate::rules::followup::band_rank;

pub const COLUMNS: &[(&str, ColType)] = &[
    ("school", ColType::Text),
    ("window", ColType::Text),
    ("lead_role", ColType::Text),
    ("lead_name", ColType::Text),
    ("scn", ColType::Text),
    ("forename", ColType::Text),
    ("surname", ColType::Text),
    ("stage", ColType::Text),
    ("reg_class", ColType::Text),
    ("house", ColType::Text),
    ("faculties_off_track", ColType::Int),
    ("off_track_faculties", ColType::Text),
    ("override", ColType::Text),
];

/// 7.3/10.10: band highest first (overrides under the band of their role,
/// else after all bands), lead name (empty last), surname, forename, scn
/// (then school, so the order never depends on chance). Bands rank by
/// their `min` ([`band_rank`]), not by where the config lists them.
pub fn sort(lines: &mut [PupilLine], bands: &[FollowupBand]) {
    let leads = Ranks::text_owned(lines.iter().filter_map(|l| l.lead_name.as_deref()));
    let surnames = Ranks::text(lines.iter().map(|l| l.surname.unwrap_or_default()));
    let forenames = Ranks::text(lines.iter().map(|l| l.forename.unwrap_or_default()));
    lines.sort_by_cached_key(|l| {
        (
            band_rank(bands, l.band),
            l.lead_name.is_none(),
            l.lead_name.as_deref().map_or(0, |n| leads.get(n)),
            surnames.get(l.surname.unwrap_or_default()),
            forenames.get(l.forename.unwrap_or_default()),
            l.scn,
            l.sw.school.as_str(),
        )
    });
}

/// The values of one line, in `COLUMNS` order; `window` is the window's
/// label and `faculties` the line's faculties joined with `; `.
pub fn values<'l>(l: &'l PupilLine, window: &'l str, faculties: &'l str) -> [Val<'l>; 13] {
    let p = l.pupil;
    [
        Val::Text(&l.sw.school),
        Val::Text(window),
        Val::from(l.lead_role.as_deref()),
        Val::from(l.lead_name.as_deref()),
        Val::Text(l.scn),
        Val::from(l.forename),
        Val::from(l.surname),
        Val::from(l.stage.map(stage_name)),
        Val::from(p.and_then(|p| p.reg_class.as_deref())),
        Val::from(p.and_then(|p| p.house.as_deref())),
        Val::Int(l.faculties_off_track() as i64),
        Val::from(Some(faculties).filter(|s| !s.is_empty())),
        Val::Text(if l.overridden { "Y" } else { "N" }),
    ]
}

/// The lead roles of the follow-up bands, each once, in the config's order:
/// what the meeting picks from.
pub fn roles(bands: &[FollowupBand]) -> Vec<&str> {
    let mut roles: Vec<&str> = Vec::new();
    for band in bands {
        if !roles.contains(&band.role.as_str()) {
            roles.push(&band.role);
        }
    }
    roles
}

/// SPEC 11.3: the xlsx for the meeting carries the followup columns, then
/// the empty `agreed` columns that `ingest --kind overrides` reads back.
/// CSV, JSON and Parquet keep the columns of SPEC 7.3.
pub fn meeting_columns<'a>(agreed: &[&'a str]) -> Vec<(&'a str, ColType)> {
    let mut columns = COLUMNS.to_vec();
    columns.extend(agreed.iter().map(|c| (*c, ColType::Text)));
    columns
}

/// Part `part` of `lines` (each [`PART_ROWS`] rows) to `sink`, each row
/// followed by `agreed` empty cells.
pub fn meeting_rows(
    lines: &[PupilLine],
    part: usize,
    window: &str,
    agreed: usize,
    sink: &mut dyn Sink,
) -> anyhow::Result<()> {
    for l in lines.iter().skip(part * PART_ROWS).take(PART_ROWS) {
        let faculties = l.faculties.join("; ");
        let vals = values(l, window, &faculties);
        if agreed == 0 {
            sink.row(&vals)?;
        } else {
            let mut row = vals.to_vec();
            row.resize(vals.len() + agreed, Val::Null);
            sink.row(&row)?;
        }
    }
    Ok(())
}
