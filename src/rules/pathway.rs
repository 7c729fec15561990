//! The Progression Pathway (SPEC 4.1, 10.4): a pupil's predicted band, and the
//! level that band is expected to have reached at each checkpoint.

use polars::prelude::PlHashMap;

use super::scale::Scale;
use super::values::{parse_number, parse_stage};
use super::{folded, with_folded};

/// A pathway checkpoint, `S2/1`: stage S2 in period 1 of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub stage: u8,
    pub period: u8,
}

impl Checkpoint {
    /// `S2/1`, case-insensitive, with spaces allowed around either part; the
    /// stage is S1-S6 (or `2`) and the period 1-4, as in a window.
    pub fn parse(s: &str) -> Option<Checkpoint> {
        let (stage, period) = s.split_once('/')?;
        let period = match period.trim().as_bytes() {
            [d @ b'1'..=b'4'] => d - b'0',
            _ => return None,
        };
        Some(Checkpoint {
            stage: parse_stage(stage)?,
            period,
        })
    }
}

/// A band name as it is matched (10.4): ignoring case and spaces.
fn band_key(raw: &str) -> String {
    folded(raw, char::is_whitespace)
}

/// The config's `[pathway]`, resolved against the level scale.
#[derive(Debug, Clone)]
pub struct Pathway {
    names: Vec<String>,
    /// Band name key -> band.
    lookup: PlHashMap<String, usize>,
    /// (minimum CAT SAS, band), in config order: the first match wins.
    thresholds: Vec<(f64, usize)>,
    /// Per band, each checkpoint with its expected scale position.
    expected: Vec<Vec<(Checkpoint, usize)>>,
}

impl Pathway {
    /// The pathway of a validated config. Anything validation would have
    /// refused (a bad checkpoint, a code off the scale, a threshold naming no
    /// band) is left out rather than guessed at.
    pub fn from_config(p: &crate::config::Pathway, scale: &Scale) -> Pathway {
        let names: Vec<String> = p.bands.iter().map(|b| b.name.clone()).collect();
        let mut lookup = PlHashMap::with_capacity_and_hasher(names.len(), Default::default());
        for (band, name) in names.iter().enumerate() {
            lookup.entry(band_key(name)).or_insert(band);
        }
        let thresholds = p
            .cat_thresholds
            .iter()
            .filter_map(|t| {
                let name = t.band.get_ref();
                let band = names
                    .iter()
                    .position(|n| n == name)
                    .or_else(|| lookup.get(&band_key(name)).copied())?;
                Some((t.min_sas, band))
            })
            .collect();
        let checkpoints: Vec<Option<Checkpoint>> = p
            .checkpoints
            .iter()
            .map(|c| Checkpoint::parse(c.get_ref()))
            .collect();
        let expected = p
            .bands
            .iter()
            .map(|b| {
                checkpoints
                    .iter()
                    .zip(b.expected.get_ref())
                    .filter_map(|(cp, code)| Some(((*cp)?, scale.position(code.get_ref())?)))
                    .collect()
            })
            .collect();
        Pathway {
            names,
            lookup,
            thresholds,
            expected,
        }
    }

    /// A pupil's band (10.4): `Pathway Band` when it names a configured band
    /// (ignoring case and spaces), else the first CAT threshold the SAS reaches,
    /// else none.
    pub fn band_index(&self, pathway_band: Option<&str>, cat_sas: Option<&str>) -> Option<usize> {
        let named = pathway_band.and_then(|raw| {
            with_folded(raw, char::is_whitespace, |key| {
                self.lookup.get(key).copied()
            })
        });
        named.or_else(|| {
            let sas = parse_number(cat_sas?)?;
            self.thresholds
                .iter()
                .find(|(min_sas, _)| sas >= *min_sas)
                .map(|&(_, band)| band)
        })
    }

    /// The configured name of a band.
    pub fn band_name(&self, band: usize) -> &str {
        &self.names[band]
    }

    /// Expected scale position for the band at stage/period: the checkpoint of
    /// that stage with the highest period <= period (so `S1/3` uses `S1/2`);
    /// `None` if the stage has none that early, or the band is unknown.
    pub fn expected(&self, band: usize, stage: u8, period: u8) -> Option<usize> {
        let mut best: Option<(u8, usize)> = None;
        for &(cp, pos) in self.expected.get(band)? {
            // Strictly later only: on a repeated checkpoint the first configured wins.
            if cp.stage == stage && cp.period <= period && best.is_none_or(|(p, _)| cp.period > p) {
                best = Some((cp.period, pos));
            }
        }
        best.map(|(_, pos)| pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn default_pathway() -> (Pathway, Scale) {
        let config = Config::default();
        let scale = Scale::from_config(&config.bge);
        (Pathway::from_config(&config.pathway, &scale), scale)
    }

    #[test]
    fn parses_checkpoints() {
        let cp = |stage, period| Some(Checkpoint { stage, period });
        let cases: &[(&str, Option<Checkpoint>)] = &[
            ("S2/1", cp(2, 1)),
            ("s2/1", cp(2, 1)),
            (" S3 / 2 ", cp(3, 2)),
            ("S1/4", cp(1, 4)),
            ("2/1", cp(2, 1)),
            ("S2/5", None),
            ("S2/0", None),
            ("S7/1", None),
            ("S2", None),
            ("S2/1/1", None),
            ("", None),
        ];
        for (raw, want) in cases {
            assert_eq!(Checkpoint::parse(raw), *want, "{raw:?}");
        }
    }

    #[test]
    fn default_pathway_table() {
        let (pathway, scale) = default_pathway();
        // SPEC 4.1, row by row: S1/1 S1/2 S2/1 S2/2 S3/1 S3/2.
        let table: &[(&str, [&str; 6])] = &[
            ("N5 A/B", ["2b", "2b", "3b", "3b", "4", "4"]),
            ("N5 C/D", ["2a", "2b", "2c", "3a", "3c", "4"]),
            ("N5 Sfw/SCQF L5", ["1c", "2a", "2b", "2c", "3b", "3c"]),
            ("N4/SCQF L4", ["1b", "1c", "2a", "2b", "2c", "3b"]),
        ];
        let checkpoints = [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (3, 2)];
        for (band, (name, codes)) in table.iter().enumerate() {
            assert_eq!(pathway.band_name(band), *name);
            for ((stage, period), code) in checkpoints.iter().zip(codes) {
                let got = pathway
                    .expected(band, *stage, *period)
                    .map(|p| scale.code(p));
                assert_eq!(got, Some(*code), "{name} S{stage}/{period}");
            }
        }
    }

    #[test]
    fn a_period_without_a_checkpoint_uses_the_latest_earlier_one() {
        let (pathway, scale) = default_pathway();
        let band = 1; // N5 C/D
        let cases: &[(u8, u8, Option<&str>)] = &[
            (1, 3, Some("2b")), // S1/3 uses S1/2
            (1, 4, Some("2b")),
            (2, 3, Some("3a")),
            (3, 4, Some("4")),
            (1, 0, None), // before the stage's first checkpoint
            (4, 1, None), // Senior Phase stages have no checkpoints
            (0, 1, None),
        ];
        for (stage, period, want) in cases {
            let got = pathway
                .expected(band, *stage, *period)
                .map(|p| scale.code(p));
            assert_eq!(got, *want, "S{stage}/{period}");
        }
        assert_eq!(pathway.expected(99, 1, 1), None);
    }

    #[test]
    fn band_from_pathway_band_then_cat_sas() {
        let (pathway, _) = default_pathway();
        let (ab, cd, sfw, n4) = (Some(0), Some(1), Some(2), Some(3));
        let cases: &[(Option<&str>, Option<&str>, Option<usize>)] = &[
            // SAS thresholds 112 / 100 / 89, boundaries included.
            (None, Some("141"), ab),
            (None, Some("112"), ab),
            (None, Some("111.9"), cd),
            (None, Some("100"), cd),
            (None, Some("99.5"), sfw),
            (None, Some("89"), sfw),
            (None, Some("88.9"), n4),
            (None, Some("60"), n4),
            (None, Some(" 112 "), ab),
            // Pathway Band overrides CAT, ignoring case and spaces.
            (Some("N5 C/D"), Some("130"), cd),
            (Some("n5 c/d"), None, cd),
            (Some("N5C/D"), None, cd),
            (Some(" n5 sfw / scqf l5 "), None, sfw),
            (Some("N4/SCQF L4"), Some("120"), n4),
            // An invalid or empty band falls back to CAT.
            (Some("N6"), Some("100"), cd),
            (Some(""), Some("89"), sfw),
            // No band and no SAS: no band.
            (None, None, None),
            (Some(""), Some(""), None),
            (Some("N6"), None, None),
            (None, Some("n/a"), None),
            (None, Some("-5"), None),
        ];
        for (band, sas, want) in cases {
            assert_eq!(pathway.band_index(*band, *sas), *want, "{band:?} {sas:?}");
        }
    }

    #[test]
    fn thresholds_keep_config_order() {
        let text = crate::config::DEFAULT_TOML
            .replace("min_sas = 112", "min_sas = 50")
            .replace("min_sas = 0\n", "min_sas = 200\n");
        let config = Config::parse(&text, "t.toml").unwrap();
        let scale = Scale::from_config(&config.bge);
        let pathway = Pathway::from_config(&config.pathway, &scale);
        // The first threshold now catches everything from 50: first match wins.
        assert_eq!(pathway.band_index(None, Some("120")), Some(0));
        assert_eq!(pathway.band_index(None, Some("49")), None);
    }
}
