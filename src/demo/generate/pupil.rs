//! One invented pupil: name, context, band, ability and courses.

use super::rng::Rng;
use super::tables::*;

pub(super) struct Pupil {
    pub(super) scn: u32,
    pub(super) forename: &'static str,
    pub(super) surname: &'static str,
    pub(super) stage: u8,
    /// Position among the pupils of the same stage, which decides classes.
    pub(super) within: usize,
    pub(super) reg: u8,
    pub(super) house: u8,
    pub(super) gender: &'static str,
    pub(super) simd: u8,
    /// FSM, ASN, Care Experienced, Young Carer, EAL.
    pub(super) flags: [bool; 5],
    pub(super) attendance: u32,
    pub(super) sas: Option<u32>,
    pub(super) band_column: Option<usize>,
    /// The band the pathway gives (from `band_column` or SAS); hidden when SAS is blank.
    pub(super) band: usize,
    /// How far ahead of (positive) or behind the pathway the pupil works, in steps.
    pub(super) ability: f64,
    /// The subject an S3 pupil dropped (`u8::MAX` for none).
    pub(super) dropped: u8,
    /// Senior Phase: (subject, course level, target grade), the same in both windows.
    pub(super) courses: Vec<(u8, u8, u8)>,
}

pub(super) fn new_pupil(
    rng: &mut Rng,
    scn: u32,
    stage: u8,
    within: usize,
    per_reg: usize,
) -> Pupil {
    let gender = match rng.below(200) {
        0..=2 => "X",
        3..=100 => "F",
        _ => "M",
    };
    let girl = gender == "F" || (gender == "X" && rng.chance(0.5));
    let forename = match (within == 3 || rng.chance(0.03), girl) {
        (true, true) => rng.pick(&GIRLS_ACCENTED),
        (true, false) => rng.pick(&BOYS_ACCENTED),
        (false, true) => rng.pick(&GIRLS),
        (false, false) => rng.pick(&BOYS),
    };
    let surname = if rng.chance(0.02) {
        rng.pick(&SURNAMES_ACCENTED)
    } else {
        rng.pick(&SURNAMES)
    };
    // SIMD skews towards the most deprived deciles, FSM with it.
    let simd_weights = [14, 13, 12, 11, 10, 9, 9, 8, 7, 7];
    let (mut r, mut simd) = (rng.below(100), 1u8);
    for weight in simd_weights {
        if r < weight {
            break;
        }
        r -= weight;
        simd += 1;
    }
    let fsm_p = [0.32, 0.29, 0.24, 0.2, 0.15, 0.12, 0.09, 0.06, 0.045, 0.035];
    let flags = [
        rng.chance(fsm_p[simd as usize - 1]),
        rng.chance(0.30),
        rng.chance(0.02),
        rng.chance(0.04),
        rng.chance(0.08),
    ];
    let z = rng.normal();
    let penalty = [0.3, 0.3, 0.5, 0.2, 0.0];
    let ability = 1.2 * z - 0.05 + 0.04 * (simd as f64 - 5.5)
        - flags
            .iter()
            .zip(penalty)
            .map(|(&f, p)| if f { p } else { 0.0 })
            .sum::<f64>();
    let attendance = 940.0 + 30.0 * rng.normal() + 15.0 * z - if flags[2] { 60.0 } else { 0.0 };
    let attendance = attendance.round().clamp(700.0, 1000.0) as u32;
    let sas = (100.0 + 15.0 * rng.normal() + 0.8 * (simd as f64 - 5.5))
        .round()
        .clamp(60.0, 141.0) as u32;
    let sas_band = [112, 100, 89].iter().take_while(|&&t| sas < t).count();
    let band_column = rng.chance(0.04).then(|| match rng.below(10) {
        0 => sas_band.saturating_sub(1),
        1 => (sas_band + 1).min(3),
        _ => sas_band,
    });
    let dropped = if stage == 3 {
        [4, 5, 7, 8][rng.below(4)]
    } else {
        u8::MAX
    };
    let band = band_column.unwrap_or(sas_band);
    let courses = if stage >= 4 {
        choose_courses(rng, stage, band)
    } else {
        Vec::new()
    };
    Pupil {
        scn,
        forename,
        surname,
        stage,
        within,
        reg: 1 + rng.below(per_reg.min(9)) as u8,
        house: rng.below(4) as u8,
        gender,
        simd,
        flags,
        attendance,
        sas: (band_column.is_some() || !rng.chance(0.01)).then_some(sas),
        band_column,
        band,
        ability,
        dropped,
        courses,
    }
}

/// Six or seven courses: English, Mathematics (or Applications), and options,
/// at levels that suit the stage and band; targets from the band.
fn choose_courses(rng: &mut Rng, stage: u8, band: usize) -> Vec<(u8, u8, u8)> {
    let n = 6 + usize::from(rng.chance(0.5));
    let maths = if band >= 2 && rng.chance(0.5) {
        APP_MATHS
    } else {
        1
    };
    let mut options = ELECTIVES;
    let mut subjects = vec![0, maths];
    for i in 0..n - 2 {
        let k = i + rng.below(options.len() - i);
        options.swap(i, k);
        subjects.push(options[i]);
    }
    subjects
        .into_iter()
        .map(|s| {
            let level = match stage {
                4 if rng.chance([0.0, 0.05, 0.25, 0.7][band]) => 3,
                4 => 2,
                6 if rng.chance([0.35, 0.1, 0.0, 0.0][band]) => 0,
                _ if rng.chance([0.95, 0.78, 0.4, 0.1][band]) => 1,
                _ if band == 3 && rng.chance(0.35) => 3,
                _ => 2,
            };
            let base =
                [[3, 5, 6, 6], [2, 4, 5, 6], [2, 3, 5, 6], [8, 8, 8, 8]][level as usize][band];
            let target = if level == N4 {
                8
            } else {
                (base as f64 + 0.8 * rng.normal()).round().clamp(1.0, 6.0) as u8
            };
            (s, level, target)
        })
        .collect()
}
