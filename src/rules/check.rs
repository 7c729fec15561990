//! What the config's values mean, checked by the rules that read them: level
//! codes on the scale (aliases and pathway levels, SPEC 4.1) and checkpoints
//! spelled STAGE/PERIOD. `config` checks the file's shape and this its sense,
//! so `config` needs nothing from `rules`.

use std::collections::BTreeMap;

use crate::config::{Config, ConfigError};

use super::pathway::Checkpoint;
use super::scale::Scale;

/// `config` once its values make sense, else the first problem, named by
/// file and line.
pub fn checked(config: Config) -> Result<Config, ConfigError> {
    match problem(&config) {
        Some((offset, message)) => Err(config.error_at(offset, message)),
        None => Ok(config),
    }
}

/// The first problem: where it is in the text, and what is wrong.
fn problem(config: &Config) -> Option<(usize, String)> {
    let scale = Scale::new(&config.bge.scale, &BTreeMap::new());
    for (alias, target) in &config.bge.aliases {
        if scale.position(target.get_ref()).is_none() {
            return Some((
                target.span().start,
                format!(
                    "alias `{alias}` maps to `{}`, which is not on `bge.scale`",
                    target.get_ref()
                ),
            ));
        }
    }
    for cp in &config.pathway.checkpoints {
        if Checkpoint::parse(cp.get_ref()).is_none() {
            return Some((
                cp.span().start,
                format!(
                    "checkpoint `{}` is not STAGE/PERIOD, e.g. `S2/1`",
                    cp.get_ref()
                ),
            ));
        }
    }
    for band in &config.pathway.bands {
        for code in band.expected.get_ref() {
            if scale.position(code.get_ref()).is_none() {
                return Some((
                    code.span().start,
                    format!(
                        "pathway band `{}` uses `{}`, which is not on `bge.scale`; expected one of {}",
                        band.name,
                        code.get_ref(),
                        config.bge.scale.join(", ")
                    ),
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_TOML;

    /// The line of the default config that starts with `start`.
    fn line_of(start: &str) -> usize {
        DEFAULT_TOML
            .lines()
            .position(|l| l.starts_with(start))
            .unwrap()
            + 1
    }

    #[test]
    fn each_problem_names_the_line_and_what_is_wrong() {
        let band = "expected = [\"2a\", \"2b\", \"2c\"";
        let cases: &[(&str, &str, usize, &str)] = &[
            (
                band,
                "expected = [\"9z\", \"2b\", \"2c\"",
                line_of(band),
                "uses `9z`",
            ),
            (
                "checkpoints = [\"S1/1\"",
                "checkpoints = [\"S1/9\"",
                line_of("checkpoints = ["),
                "checkpoint `S1/9` is not STAGE/PERIOD",
            ),
        ];
        for (from, to, line, says) in cases {
            let text = DEFAULT_TOML.replacen(from, to, 1);
            assert_ne!(text, DEFAULT_TOML, "{from}");
            let config = Config::parse(&text, "t.toml").unwrap();
            let err = checked(config).unwrap_err().to_string();
            assert!(err.starts_with(&format!("t.toml:{line}:")), "{err}");
            assert!(err.contains(says), "{err}");
        }
    }

    #[test]
    fn an_alias_must_name_a_code_on_the_scale() {
        let example = "# \"3\" = \"3a\"";
        let text = DEFAULT_TOML.replacen(example, "\"Fourth\" = \"9z\"", 1);
        let err = checked(Config::parse(&text, "a.toml").unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("a.toml:{}:", line_of(example))),
            "{err}"
        );
        assert!(err.contains("alias `Fourth` maps to `9z`"), "{err}");
    }

    #[test]
    fn the_defaults_and_the_presets_make_sense() {
        for preset in [crate::config::Preset::Abc, crate::config::Preset::Abcd] {
            let text = crate::config::default_toml(preset);
            assert!(checked(Config::parse(&text, "preset").unwrap()).is_ok());
        }
    }
}
