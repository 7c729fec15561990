//! The BGE level scale (SPEC 4.1): where a level code such as `2b` sits, however
//! a teacher typed it, so levels can be compared as steps.

use std::collections::BTreeMap;

use polars::prelude::PlHashMap;

use super::{folded, with_folded};

/// Characters a level code may carry that do not change it: `2 B`, `2-b`, `2.b`.
fn is_code_noise(c: char) -> bool {
    c.is_whitespace() || c == '-' || c == '.'
}

/// A level code as it is matched: lowercase, without spaces, `-` or `.`.
pub fn normalise_code(raw: &str) -> String {
    folded(raw, is_code_noise)
}

/// The ordered level codes of config `bge.scale`, lowest first, with their aliases.
#[derive(Debug, Clone)]
pub struct Scale {
    codes: Vec<String>,
    /// Normalised code or alias -> position.
    lookup: PlHashMap<String, usize>,
}

impl Scale {
    /// A scale of `codes` (lowest first) and `aliases` (spelling -> code).
    ///
    /// A configured code always means itself: an alias spelled like a code, or
    /// naming a code that is not on the scale, is ignored (config validation
    /// reports the latter). When two codes normalise alike the first wins.
    pub fn new(codes: &[String], aliases: &BTreeMap<String, String>) -> Scale {
        let mut lookup =
            PlHashMap::with_capacity_and_hasher(codes.len() + aliases.len(), Default::default());
        for (pos, code) in codes.iter().enumerate() {
            lookup.entry(normalise_code(code)).or_insert(pos);
        }
        for (alias, target) in aliases {
            if let Some(&pos) = lookup.get(&normalise_code(target)) {
                lookup.entry(normalise_code(alias)).or_insert(pos);
            }
        }
        lookup.remove("");
        Scale {
            codes: codes.to_vec(),
            lookup,
        }
    }

    /// The scale and aliases of the config's `[bge]` section.
    pub fn from_config(bge: &crate::config::Bge) -> Scale {
        let aliases: BTreeMap<String, String> = bge
            .aliases
            .iter()
            .map(|(alias, target)| (alias.clone(), target.get_ref().clone()))
            .collect();
        Scale::new(&bge.scale, &aliases)
    }

    /// The position of a level as entered; `None` for an empty or invalid level.
    pub fn position(&self, raw: &str) -> Option<usize> {
        with_folded(raw, is_code_noise, |key| self.lookup.get(key).copied())
    }

    /// The configured spelling of the code at `pos`.
    pub fn code(&self, pos: usize) -> &str {
        &self.codes[pos]
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use proptest::prelude::*;

    fn default_scale() -> Scale {
        Scale::from_config(&Config::default().bge)
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn normalises_codes() {
        let cases: &[(&str, &str)] = &[
            ("2 B", "2b"),
            ("2-b", "2b"),
            ("2B", "2b"),
            ("2.b", "2b"),
            (" Ea ", "ea"),
            ("Third Developing", "thirddeveloping"),
            ("", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(normalise_code(raw), *want, "{raw:?}");
        }
    }

    #[test]
    fn positions_on_the_default_scale() {
        let scale = default_scale();
        let cases: &[(&str, Option<usize>)] = &[
            ("E", Some(0)),
            ("e", Some(0)),
            ("Ea", Some(1)),
            ("1a", Some(4)),
            ("2b", Some(8)),
            ("2 B", Some(8)),
            ("2-b", Some(8)),
            ("2B", Some(8)),
            (" 2b ", Some(8)),
            ("3c", Some(12)),
            ("4", Some(13)),
            ("", None),
            ("  ", None),
            ("-", None),
            ("5", None),
            ("2d", None),
            ("3", None),
        ];
        for (raw, want) in cases {
            assert_eq!(scale.position(raw), *want, "{raw:?}");
        }
        assert_eq!(scale.len(), 14);
        assert!(!scale.is_empty());
        assert_eq!(scale.code(8), "2b");
        assert_eq!(scale.code(scale.position("EA").unwrap()), "Ea");
    }

    #[test]
    fn aliases_are_normalised_on_both_sides() {
        let codes = strings(&["2a", "2b", "3a", "3b"]);
        let aliases: BTreeMap<String, String> = [
            ("3", "3A"),
            ("Third Developing", "3 a"),
            ("2-B", "2c"), // names a code not on the scale: ignored
            ("2b", "3b"),  // spelled like a code: the code wins
        ]
        .into_iter()
        .map(|(a, t)| (a.to_string(), t.to_string()))
        .collect();
        let scale = Scale::new(&codes, &aliases);
        let cases: &[(&str, Option<usize>)] = &[
            ("3", Some(2)),
            ("third developing", Some(2)),
            ("THIRD-DEVELOPING", Some(2)),
            ("2b", Some(1)),
            ("2c", None),
        ];
        for (raw, want) in cases {
            assert_eq!(scale.position(raw), *want, "{raw:?}");
        }
    }

    #[test]
    fn from_config_reads_spanned_aliases() {
        let text = crate::config::DEFAULT_TOML.replace(
            "[bge.aliases]\n",
            "[bge.aliases]\n\"3\" = \"3a\"\n\"Third Developing\" = \"3a\"\n",
        );
        let config = Config::parse(&text, "t.toml").unwrap();
        let scale = Scale::from_config(&config.bge);
        assert_eq!(scale.position("3"), Some(10));
        assert_eq!(scale.position("third developing"), Some(10));
    }

    #[test]
    fn abcd_preset_scale() {
        let text = crate::config::default_toml(crate::config::Preset::Abcd);
        let scale = Scale::from_config(&Config::parse(&text, "abcd").unwrap().bge);
        assert_eq!(scale.position("1a"), Some(0));
        assert_eq!(scale.position("2 A"), Some(4));
        assert_eq!(scale.position("4-d"), Some(15));
        assert_eq!(scale.code(4), "2A");
    }

    proptest! {
        #[test]
        fn normalise_code_is_idempotent(raw in "\\PC{0,40}") {
            let once = normalise_code(&raw);
            prop_assert_eq!(normalise_code(&once), once.clone());
        }

        #[test]
        fn noise_and_case_do_not_change_a_position(
            pos in 0usize..14,
            upper in any::<bool>(),
            sep in prop::sample::select(vec!["", " ", "-", ".", "  ", " - "]),
            pad in prop::sample::select(vec!["", " ", "\t"]),
        ) {
            let scale = default_scale();
            let code = scale.code(pos).to_string();
            let mut spelled: String = code.chars().map(|c| format!("{c}{sep}")).collect();
            if upper {
                spelled = spelled.to_uppercase();
            }
            prop_assert_eq!(scale.position(&format!("{pad}{spelled}{pad}")), Some(pos));
        }
    }
}
