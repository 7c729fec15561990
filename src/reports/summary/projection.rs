//! The 5@5 / 5@6 estimate for BGE stages (SPEC 8): what share of a stage is
//! likely to reach five or more passes at SCQF 5 (in S4) and SCQF 6 (in S5).
//!
//! A BGE pupil's chance is the share of earlier pupils of the same band who
//! got there, learned from earlier sessions in the store, or else the
//! config's `[projection]` share for the band. The stage's estimate is the
//! mean over its pupils with a band, so it follows the stage's band mix.

use std::collections::HashMap;

use crate::reports::model::SchoolWindow;
use crate::reports::offtrack::pupil_lines;
use crate::rules::Ctx;
use crate::rules::same_text;

/// Where an estimate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Counted from the pupils' own working grades (Senior Phase).
    Tracking,
    /// From earlier sessions in the store.
    History,
    /// From `[projection]` in the config.
    Config,
    /// Some bands from history, others from the config.
    Mixed,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Tracking => "tracking",
            Basis::History => "history",
            Basis::Config => "config",
            Basis::Mixed => "history+config",
        }
    }

    /// The basis of a mean over pupils whose shares came from `self` and `other`.
    pub fn join(self, other: Basis) -> Basis {
        if self == other { self } else { Basis::Mixed }
    }
}

/// Which measure: five passes at SCQF 5+ (in S4) or at SCQF 6+ (in S5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    FiveAtFive,
    FiveAtSix,
}

/// Earlier pupils per band: (reached, total) for each goal.
#[derive(Debug, Default, Clone)]
struct Outcomes {
    at5: HashMap<usize, (usize, usize)>,
    at6: HashMap<usize, (usize, usize)>,
}

/// What earlier sessions say, per school, and the smallest number of earlier
/// pupils of a band worth learning from.
#[derive(Debug, Default)]
pub struct History {
    schools: HashMap<String, Outcomes>,
    /// The band each pupil last had in S1-S3, by SCN.
    bge_band: HashMap<String, usize>,
    min_pupils: usize,
}

impl History {
    pub fn new(min_pupils: usize) -> History {
        History {
            min_pupils: min_pupils.max(1),
            ..History::default()
        }
    }

    /// Learn from one earlier session's window; call in window order. Each
    /// S4 pupil's 5@5 and each S5 pupil's 5@6 from their tracking count
    /// under the band they had in the BGE, matched by SCN across sessions;
    /// a pupil never seen in S1-S3 counts under the band of their own
    /// pupils row.
    pub fn learn(&mut self, ctx: &Ctx, sw: &SchoolWindow) {
        for p in sw.pupils.iter() {
            if let (Some(1..=3), Some(band)) = (p.stage, p.band) {
                self.bge_band.insert(p.scn.to_string(), band);
            }
        }
        let outcomes = self.schools.entry(sw.school.clone()).or_default();
        for line in pupil_lines(ctx, sw) {
            let Some((at5, at6)) = line.projected else {
                continue;
            };
            let band = self
                .bge_band
                .get(line.scn)
                .copied()
                .or_else(|| line.pupil.and_then(|p| p.band));
            let Some(band) = band else { continue };
            let (tally, reached) = match line.stage {
                Some(4) => (&mut outcomes.at5, at5 >= 5),
                Some(5) => (&mut outcomes.at6, at6 >= 5),
                _ => continue,
            };
            let t = tally.entry(band).or_default();
            t.0 += usize::from(reached);
            t.1 += 1;
        }
    }

    /// A pupil's chance of the goal, by school and band, and where it came
    /// from: history when at least `min_pupils` earlier pupils of the band
    /// are known, else the config; None when neither knows the band.
    pub fn share(&self, ctx: &Ctx, school: &str, band: usize, goal: Goal) -> Option<(f64, Basis)> {
        let learned = self.schools.get(school).and_then(|o| {
            let tally = match goal {
                Goal::FiveAtFive => &o.at5,
                Goal::FiveAtSix => &o.at6,
            };
            tally.get(&band).copied()
        });
        if let Some((reached, total)) = learned
            && total >= self.min_pupils
        {
            return Some((reached as f64 / total as f64, Basis::History));
        }
        let name = ctx.pathway.band_name(band);
        let configured = ctx.config.projection.get(name).or_else(|| {
            ctx.config
                .projection
                .iter()
                .find(|(k, _)| same_text(k, name))
                .map(|(_, v)| v)
        })?;
        let share = match goal {
            Goal::FiveAtFive => configured.five_at_five,
            Goal::FiveAtSix => configured.five_at_six,
        };
        Some((share, Basis::Config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn without_history_the_config_share_is_used() {
        let config = Config::default();
        let ctx = Ctx::new(&config);
        let h = History::new(5);
        assert_eq!(
            h.share(&ctx, "X", 0, Goal::FiveAtFive),
            Some((0.85, Basis::Config))
        );
        assert_eq!(
            h.share(&ctx, "X", 3, Goal::FiveAtSix),
            Some((0.01, Basis::Config))
        );
    }

    #[test]
    fn history_needs_enough_earlier_pupils_of_the_band() {
        let config = Config::default();
        let ctx = Ctx::new(&config);
        let mut o = Outcomes::default();
        o.at5.insert(0, (4, 5));
        o.at5.insert(1, (1, 4));
        let h = History {
            schools: HashMap::from([("X".to_string(), o)]),
            ..History::new(5)
        };
        assert_eq!(
            h.share(&ctx, "X", 0, Goal::FiveAtFive),
            Some((0.8, Basis::History))
        );
        assert_eq!(
            h.share(&ctx, "X", 1, Goal::FiveAtFive),
            Some((0.55, Basis::Config))
        );
        assert_eq!(
            h.share(&ctx, "Y", 0, Goal::FiveAtFive),
            Some((0.85, Basis::Config))
        );
    }

    #[test]
    fn bases_join() {
        assert_eq!(Basis::History.join(Basis::History), Basis::History);
        assert_eq!(Basis::History.join(Basis::Config), Basis::Mixed);
    }
}
