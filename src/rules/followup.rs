//! Who follows up an off-track pupil (SPEC 5.1, 5.2, 10.9, 10.10): which
//! faculties count against a pupil, the lead band and name that follow, and
//! the text order reports sort names in.

use std::collections::BTreeMap;

use super::same_text;
use super::status::Status;
use super::values::parse_stage;
use crate::config::{CountMode, FollowupBand, LeadBy};

/// Whether a status counts towards `faculties_off_track` under config `followup.count`.
pub fn counts_toward(status: Status, mode: CountMode) -> bool {
    match status {
        Status::OffTrack => true,
        Status::SlightlyOffTrack => mode == CountMode::OffTrackOrSlightly,
        _ => false,
    }
}

/// The distinct faculties (exact names) of the pupil's `(faculty, status)` rows
/// with a counting status, sorted by [`text_key`].
pub fn off_track_faculties<'a>(
    rows: impl IntoIterator<Item = (&'a str, Status)>,
    mode: CountMode,
) -> Vec<&'a str> {
    let mut faculties = Vec::new();
    off_track_faculties_into(rows, mode, &mut faculties);
    faculties
}

/// [`off_track_faculties`] into `out` (cleared first), so a caller that
/// looks at every pupil of a school reuses one list.
pub fn off_track_faculties_into<'a>(
    rows: impl IntoIterator<Item = (&'a str, Status)>,
    mode: CountMode,
    out: &mut Vec<&'a str>,
) {
    out.clear();
    out.extend(
        rows.into_iter()
            .filter(|&(_, status)| counts_toward(status, mode))
            .map(|(faculty, _)| faculty),
    );
    // Equal text_keys are equal texts, so the distinct texts in text_key
    // order are the same however they are made distinct first.
    out.sort_unstable();
    out.dedup();
    if out.len() > 1 {
        out.sort_by(|a, b| cmp_text_key(a, b));
    }
}

/// The sort key of report text (10.10): Unicode lowercase, ties by the exact text.
pub fn text_key(s: &str) -> (String, String) {
    (s.to_lowercase(), s.to_string())
}

/// `text_key(a).cmp(&text_key(b))`, allocating nothing when both texts
/// are ASCII (a pupil's faculties are compared for every pupil).
pub fn cmp_text_key(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        (a.bytes().map(|c| c.to_ascii_lowercase()))
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
            .then_with(|| a.cmp(b))
    } else {
        text_key(a).cmp(&text_key(b))
    }
}

/// A pupil's default lead: the band (index into `followup.band`), its role,
/// the lead's name when the staff tables know it, and the staff keys they lack.
#[derive(Debug, Clone, PartialEq)]
pub struct Lead {
    pub band: usize,
    pub role: String,
    pub name: Option<String>,
    /// Faculties, or the house or stage, with no name in the band's staff table:
    /// each is a QA `missing_staff` finding.
    pub missing_staff: Vec<String>,
}

/// The name for `key` in a staff table, matched ignoring case and surrounding
/// spaces (and, for stages, `3` = `S3`). A blank name is no name.
fn staff_name<'b>(staff: &'b BTreeMap<String, String>, key: &str, by: LeadBy) -> Option<&'b str> {
    let stage = (by == LeadBy::Stage).then(|| parse_stage(key)).flatten();
    staff
        .iter()
        .filter(|(k, _)| same_text(k, key) || stage.is_some_and(|s| parse_stage(k) == Some(s)))
        .map(|(_, name)| name.trim())
        .find(|name| !name.is_empty())
}

/// The default lead for a pupil (5.2, 10.9): `None` with no faculty off track
/// or when no band's `min..=max` holds the count.
///
/// `lead_by = "faculty"` names the PT of each off-track faculty, the known ones
/// joined `; ` in faculty order (a PT of two faculties is named once); `house`
/// and `stage` name the staff for the pupil's house or stage, and a pupil with
/// none gives `missing_staff = [""]`.
pub fn assign_lead(
    bands: &[FollowupBand],
    off_track_faculties: &[&str],
    house: Option<&str>,
    stage: Option<&str>,
) -> Option<Lead> {
    let index = band_for_count(bands, off_track_faculties.len())?;
    let band = &bands[index];
    let mut names: Vec<&str> = Vec::new();
    let mut missing_staff = Vec::new();
    for key in lead_keys(band, off_track_faculties, house, stage) {
        match staff_for(band, key) {
            Some(name) if !names.contains(&name) => names.push(name),
            Some(_) => {}
            None => missing_staff.push(key.to_string()),
        }
    }
    Some(Lead {
        band: index,
        role: band.role.clone(),
        name: (!names.is_empty()).then(|| names.join("; ")),
        missing_staff,
    })
}

/// The band of a pupil with `count` faculties off track: the first whose
/// `min..=max` holds it; none for no faculty off track.
pub fn band_for_count(bands: &[FollowupBand], count: usize) -> Option<usize> {
    let count = i64::try_from(count).ok().filter(|&c| c > 0)?;
    bands
        .iter()
        .position(|b| count >= b.min && b.max.is_none_or(|max| count <= max))
}

/// The staff keys a band's lead is found by, in order: each off-track
/// faculty, or the pupil's house or stage (empty when it has none).
pub fn lead_keys<'k>(
    band: &FollowupBand,
    off_track_faculties: &[&'k str],
    house: Option<&'k str>,
    stage: Option<&'k str>,
) -> impl Iterator<Item = &'k str> {
    let (many, one) = match band.lead_by {
        LeadBy::Faculty => (off_track_faculties, None),
        LeadBy::House => (&[][..], Some(house.map_or("", str::trim))),
        LeadBy::Stage => (&[][..], Some(stage.map_or("", str::trim))),
    };
    many.iter().copied().chain(one)
}

/// Whether `[followup.band.staff]` has no name for `key` (one of
/// [`lead_keys`]): what [`assign_lead`] lists in `missing_staff`.
pub fn misses_staff(band: &FollowupBand, key: &str) -> bool {
    staff_for(band, key).is_none()
}

/// The band's staff name for `key` (one of [`lead_keys`]); none for an
/// empty key (a pupil with no house or stage).
fn staff_for<'b>(band: &'b FollowupBand, key: &str) -> Option<&'b str> {
    (!key.is_empty())
        .then(|| staff_name(&band.staff, key, band.lead_by))
        .flatten()
}

/// The band an overridden pupil sorts under (10.10): the first whose `role`
/// equals the override's `Lead Role`, ignoring case (and surrounding spaces).
pub fn band_for_role(bands: &[FollowupBand], role: &str) -> Option<usize> {
    bands.iter().position(|b| same_text(&b.role, role))
}

/// Where a band sorts in `followup` (7.3 "band highest first"): by its `min`,
/// so a config may list its bands in any order; bands of equal `min` keep
/// the config's order. No band (an override whose role names none) sorts
/// after every band. Smaller ranks sort first.
pub fn band_rank(bands: &[FollowupBand], band: Option<usize>) -> (i64, usize) {
    match band.and_then(|b| bands.get(b).map(|x| (x.min, b))) {
        Some((min, b)) => (-min, b),
        None => (i64::MAX, usize::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use CountMode::{OffTrack as Strict, OffTrackOrSlightly as Lenient};
    use proptest::prelude::*;

    #[test]
    fn which_statuses_count() {
        let cases: &[(Status, bool, bool)] = &[
            (Status::OnTrack, false, false),
            (Status::SlightlyOffTrack, false, true),
            (Status::OffTrack, true, true),
            (Status::Missing, false, false),
            (Status::NoPathway, false, false),
            (Status::NoTarget, false, false),
        ];
        for &(status, strict, lenient) in cases {
            assert_eq!(counts_toward(status, Strict), strict, "{status}");
            assert_eq!(counts_toward(status, Lenient), lenient, "{status}");
        }
    }

    #[test]
    fn faculties_off_track_with_and_without_slightly() {
        use Status::*;
        let rows = [
            ("Sciences", OffTrack),
            ("Mathematics", SlightlyOffTrack),
            ("Sciences", OffTrack), // Biology and Physics: one faculty
            ("English", OnTrack),
            ("art", OffTrack),
            ("Expressive Arts", Missing),
            ("Technologies", NoTarget),
            ("RMPS", SlightlyOffTrack),
        ];
        let cases: &[(CountMode, &[&str])] = &[
            (Strict, &["art", "Sciences"]),
            (Lenient, &["art", "Mathematics", "RMPS", "Sciences"]),
        ];
        for (mode, want) in cases {
            assert_eq!(off_track_faculties(rows, *mode), *want, "{mode:?}");
        }
        assert!(off_track_faculties([("English", OnTrack)], Strict).is_empty());
        assert!(off_track_faculties([], Lenient).is_empty());
    }

    #[test]
    fn text_sorts_case_insensitively_then_exactly() {
        let mut names = vec!["beta", "Alpha", "alpha", "Ésa", "esb", "Beta"];
        names.sort_by_cached_key(|s| text_key(s));
        assert_eq!(names, ["Alpha", "alpha", "Beta", "beta", "esb", "Ésa"]);
        assert_eq!(text_key("Ab"), ("ab".to_string(), "Ab".to_string()));
    }

    fn bands_with_staff() -> Vec<FollowupBand> {
        let mut bands = Config::default().followup.band;
        let staff = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        bands[0].staff = staff(&[
            ("Mathematics", "Mr A Sum"),
            ("sciences ", "Dr B Flask"),
            ("Technologies", "Dr B Flask"),
            ("English", "  "),
        ]);
        bands[1].staff = staff(&[("Arran", "Ms C Isle")]);
        bands[2].staff = staff(&[("S3", "Mrs D Year")]);
        bands
    }

    fn lead(band: usize, role: &str, name: Option<&str>, missing: &[&str]) -> Option<Lead> {
        Some(Lead {
            band,
            role: role.to_string(),
            name: name.map(String::from),
            missing_staff: missing.iter().map(|s| s.to_string()).collect(),
        })
    }

    /// (faculties off track, house, stage, lead)
    type LeadCase<'a> = (
        &'a [&'a str],
        Option<&'a str>,
        Option<&'a str>,
        Option<Lead>,
    );

    #[test]
    fn lead_bands_and_names() {
        let bands = bands_with_staff();
        let (pt, wst, yh) = ("Subject PT", "Wellbeing Support Teacher", "Year Head");
        let five = ["A", "B", "C", "D", "E"];
        let cases: &[LeadCase] = &[
            (&[], Some("Arran"), Some("S3"), None),
            // 1-2: the PT of each faculty, in faculty order.
            (
                &["Mathematics"],
                None,
                None,
                lead(0, pt, Some("Mr A Sum"), &[]),
            ),
            (
                &["Mathematics", "Sciences"],
                None,
                None,
                lead(0, pt, Some("Mr A Sum; Dr B Flask"), &[]),
            ),
            (
                &["Sciences", "Mathematics"],
                None,
                None,
                lead(0, pt, Some("Dr B Flask; Mr A Sum"), &[]),
            ),
            (
                &["MATHEMATICS", "Latin"],
                None,
                None,
                lead(0, pt, Some("Mr A Sum"), &["Latin"]),
            ),
            (
                &["Latin", "English"],
                None,
                None,
                lead(0, pt, None, &["Latin", "English"]),
            ),
            (
                &["Sciences", "Technologies"],
                None,
                None,
                lead(0, pt, Some("Dr B Flask"), &[]),
            ),
            // 3-4: the house.
            (
                &["A", "B", "C"],
                Some("Arran"),
                Some("S3"),
                lead(1, wst, Some("Ms C Isle"), &[]),
            ),
            (
                &["A", "B", "C", "D"],
                Some(" arran "),
                None,
                lead(1, wst, Some("Ms C Isle"), &[]),
            ),
            (
                &["A", "B", "C"],
                Some("Bute"),
                Some("S3"),
                lead(1, wst, None, &["Bute"]),
            ),
            (
                &["A", "B", "C"],
                None,
                Some("S3"),
                lead(1, wst, None, &[""]),
            ),
            (
                &["A", "B", "C"],
                Some(""),
                Some("S3"),
                lead(1, wst, None, &[""]),
            ),
            // 5+: the stage.
            (
                &five,
                Some("Arran"),
                Some("S3"),
                lead(2, yh, Some("Mrs D Year"), &[]),
            ),
            (
                &five,
                None,
                Some("s3"),
                lead(2, yh, Some("Mrs D Year"), &[]),
            ),
            (&five, None, Some("3"), lead(2, yh, Some("Mrs D Year"), &[])),
            (&five, None, Some("S4"), lead(2, yh, None, &["S4"])),
            (&five, None, None, lead(2, yh, None, &[""])),
        ];
        for (faculties, house, stage, want) in cases {
            assert_eq!(
                assign_lead(&bands, faculties, *house, *stage),
                *want,
                "{faculties:?} {house:?} {stage:?}"
            );
            // The band, keys and misses found without making the lead.
            let band = band_for_count(&bands, faculties.len());
            assert_eq!(band, want.as_ref().map(|l| l.band), "{faculties:?}");
            let missing: Vec<String> = band.map_or(Vec::new(), |b| {
                lead_keys(&bands[b], faculties, *house, *stage)
                    .filter(|k| misses_staff(&bands[b], k))
                    .map(String::from)
                    .collect()
            });
            let want_missing = want
                .as_ref()
                .map_or(Vec::new(), |l| l.missing_staff.clone());
            assert_eq!(missing, want_missing, "{faculties:?} {house:?} {stage:?}");
        }
    }

    #[test]
    fn missing_staff_with_the_default_empty_tables() {
        let bands = Config::default().followup.band;
        let got = assign_lead(
            &bands,
            &["Mathematics", "Sciences"],
            Some("Arran"),
            Some("S2"),
        );
        assert_eq!(
            got,
            lead(0, "Subject PT", None, &["Mathematics", "Sciences"])
        );
    }

    #[test]
    fn a_count_no_band_holds_has_no_lead() {
        let mut bands = Config::default().followup.band;
        bands[2].max = Some(6);
        let seven = ["A", "B", "C", "D", "E", "F", "G"];
        assert_eq!(assign_lead(&bands, &seven, None, None), None);
        assert_eq!(
            assign_lead(&bands, &seven[..6], None, None).map(|l| l.band),
            Some(2)
        );
    }

    #[test]
    fn bands_rank_by_min_highest_first() {
        let mut bands = Config::default().followup.band;
        // (band, rank order) for the default 1-2, 3-4, 5+ bands.
        let ranks: Vec<(i64, usize)> = [Some(2), Some(1), Some(0), None]
            .iter()
            .map(|b| band_rank(&bands, *b))
            .collect();
        assert!(ranks.windows(2).all(|w| w[0] < w[1]), "{ranks:?}");
        // Listed highest first in the config: the order is the same by `min`.
        bands.reverse();
        let cases: &[(Option<usize>, (i64, usize))] = &[
            (Some(0), (-5, 0)),
            (Some(1), (-3, 1)),
            (Some(2), (-1, 2)),
            (None, (i64::MAX, usize::MAX)),
            (Some(9), (i64::MAX, usize::MAX)),
        ];
        for (band, want) in cases {
            assert_eq!(band_rank(&bands, *band), *want, "{band:?}");
        }
    }

    #[test]
    fn band_for_an_override_role() {
        let bands = Config::default().followup.band;
        let cases: &[(&str, Option<usize>)] = &[
            ("Subject PT", Some(0)),
            ("subject pt", Some(0)),
            ("WELLBEING SUPPORT TEACHER", Some(1)),
            (" Year Head ", Some(2)),
            ("Head Teacher", None),
            ("", None),
        ];
        for (role, want) in cases {
            assert_eq!(band_for_role(&bands, role), *want, "{role:?}");
        }
    }

    proptest! {
        #[test]
        fn cmp_text_key_agrees_with_text_key(
            a in "[A-Za-z é_-]{0,6}",
            b in "[A-Za-z é_-]{0,6}",
        ) {
            prop_assert_eq!(cmp_text_key(&a, &b), text_key(&a).cmp(&text_key(&b)));
        }

        #[test]
        fn off_track_faculties_are_sorted_distinct_and_counting(
            rows in prop::collection::vec(
                (prop::sample::select(vec!["Art", "art", "Maths", "Sciences", "RMPS", "Éire"]),
                 prop::sample::select(Status::ALL.to_vec())),
                0..12,
            ),
            lenient in any::<bool>(),
        ) {
            let mode = if lenient { Lenient } else { Strict };
            let got = off_track_faculties(rows.iter().copied(), mode);
            prop_assert!(got.windows(2).all(|w| text_key(w[0]) < text_key(w[1])));
            for (faculty, status) in &rows {
                prop_assert_eq!(got.contains(faculty), rows.iter().any(|(f, s)| f == faculty && counts_toward(*s, mode)), "{} {}", faculty, status);
            }
        }
    }
}
