//! `tracker followup`: off-track pupils grouped by lead, for the meeting.

use std::cmp::Reverse;

use crate::output::{Cell, ColType, Table};
use crate::rules::followup::text_key;
use crate::rules::values::stage_label;

use super::offtrack::PupilLine;

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
/// else after all bands), lead name (empty last), surname, forename, scn.
pub fn sort(lines: &mut [PupilLine]) {
    lines.sort_by_cached_key(|l| {
        (
            Reverse(l.band.map(|b| b as i64).unwrap_or(-1)),
            l.lead_name.is_none(),
            text_key(l.lead_name.as_deref().unwrap_or_default()),
            text_key(l.surname.unwrap_or_default()),
            text_key(l.forename.unwrap_or_default()),
            l.scn.to_string(),
            l.sw.school.clone(),
        )
    });
}

pub fn table(lines: &mut [PupilLine]) -> Table {
    sort(lines);
    let mut t = Table::new("followup", COLUMNS);
    t.rows = lines
        .iter()
        .map(|l| {
            let p = l.pupil;
            vec![
                Cell::from(l.sw.school.as_str()),
                Cell::from(l.sw.window.to_string()),
                Cell::from(l.lead_role.clone()),
                Cell::from(l.lead_name.clone()),
                Cell::from(l.scn),
                Cell::from(l.forename),
                Cell::from(l.surname),
                Cell::from(l.stage.map(stage_label)),
                Cell::from(p.and_then(|p| p.reg_class.as_deref())),
                Cell::from(p.and_then(|p| p.house.as_deref())),
                Cell::from(l.faculties_off_track()),
                Cell::from(Some(l.faculties.join("; ")).filter(|s| !s.is_empty())),
                Cell::from(if l.overridden { "Y" } else { "N" }),
            ]
        })
        .collect();
    t
}
