//! The `tracker.toml` schema, its built-in defaults and its validation.
//!
//! The built-in defaults are the commented `default.toml` beside this file, so
//! the file `tracker init` writes and the defaults used without one can never
//! drift apart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

mod kinds;
pub use kinds::QaKind;

/// The commented default configuration, written by `tracker init`.
pub const DEFAULT_TOML: &str = include_str!("default.toml");

/// A config that could not be used, with where and why.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: String,
        line: usize,
        message: String,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "builtin_school")]
    pub school: School,
    #[serde(default = "builtin_bge")]
    pub bge: Bge,
    #[serde(default = "builtin_pathway")]
    pub pathway: Pathway,
    #[serde(default = "builtin_senior")]
    pub senior: Senior,
    #[serde(default = "builtin_ratings")]
    pub ratings: Ratings,
    /// SPEC 10.8: a `[faculties]` table replaces the built-in one entirely.
    #[serde(default = "builtin_faculties")]
    pub faculties: BTreeMap<String, Vec<String>>,
    /// The faculties in the order the config lists them (the grid's column
    /// order); `faculties` itself is keyed by name.
    #[serde(skip)]
    pub faculty_order: Vec<String>,
    #[serde(default = "builtin_followup")]
    pub followup: Followup,
    #[serde(default = "builtin_projection")]
    pub projection: BTreeMap<String, Projection>,
    #[serde(default)]
    pub qa: Qa,
    #[serde(default)]
    pub suppression: Suppression,
    #[serde(default)]
    pub columns: BTreeMap<String, Vec<String>>,
    /// Where the config came from, so a problem found later (by
    /// `rules::check`) still names the file and line.
    #[serde(skip)]
    origin: Origin,
}

/// The config's file name and where each of its lines starts.
#[derive(Debug, Clone, Default)]
struct Origin {
    name: String,
    line_starts: Vec<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct School {
    #[serde(default)]
    pub name: String,
    #[serde(default = "builtin_code")]
    pub code: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bge {
    #[serde(default = "builtin_scale")]
    pub scale: Vec<String>,
    #[serde(default = "one")]
    pub amber_steps: i64,
    #[serde(default = "four_hundred")]
    pub comment_max_chars: usize,
    #[serde(default)]
    pub aliases: BTreeMap<String, Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pathway {
    #[serde(default = "builtin_checkpoints")]
    pub checkpoints: Vec<Spanned<String>>,
    #[serde(default = "builtin_bands")]
    pub bands: Vec<PathwayBand>,
    #[serde(default = "builtin_cat_thresholds")]
    pub cat_thresholds: Vec<CatThreshold>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathwayBand {
    pub name: String,
    pub expected: Spanned<Vec<Spanned<String>>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatThreshold {
    pub min_sas: f64,
    pub band: Spanned<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Senior {
    #[serde(default = "one")]
    pub amber_grades: i64,
    #[serde(default)]
    pub level_aliases: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ratings {
    #[serde(default = "three")]
    pub concern_from: i64,
    #[serde(default = "three")]
    pub warn_subjects: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CountMode {
    OffTrack,
    OffTrackOrSlightly,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Followup {
    #[serde(default = "builtin_count")]
    pub count: CountMode,
    #[serde(default = "builtin_followup_bands")]
    pub band: Vec<FollowupBand>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadBy {
    Faculty,
    House,
    Stage,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowupBand {
    pub min: i64,
    pub max: Option<i64>,
    pub role: String,
    pub lead_by: LeadBy,
    #[serde(default)]
    pub staff: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Projection {
    pub five_at_five: f64,
    pub five_at_six: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qa {
    #[serde(default)]
    pub severity: BTreeMap<QaKind, Severity>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    pub min_group: usize,
}

impl Default for Suppression {
    fn default() -> Self {
        Suppression { min_group: 5 }
    }
}

/// The faculties of a config's `[faculties]` table in the order the file
/// lists them (each key's span gives its place), or None without the table.
fn faculty_order(text: &str) -> Option<Vec<String>> {
    #[derive(Deserialize)]
    struct Faculties {
        faculties: Option<BTreeMap<String, Spanned<toml::Value>>>,
    }
    let table = toml::from_str::<Faculties>(text).ok()?.faculties?;
    let mut keys: Vec<(usize, String)> = table
        .into_iter()
        .map(|(name, v)| (v.span().start, name))
        .collect();
    keys.sort();
    Some(keys.into_iter().map(|(_, name)| name).collect())
}

/// The parsed built-in defaults. A config may leave out any section or
/// setting; what it leaves out comes from here (SPEC 6: "else the built-in
/// defaults"), so a file holding only `[faculties]` is a whole config.
fn builtin() -> &'static Config {
    static BUILTIN: std::sync::OnceLock<Config> = std::sync::OnceLock::new();
    // DEFAULT_TOML holds every setting, so parsing it never calls these
    // defaults and cannot recurse.
    BUILTIN.get_or_init(|| {
        Config::parse(DEFAULT_TOML, "<built-in defaults>").expect("built-in config is valid")
    })
}

fn builtin_school() -> School {
    builtin().school.clone()
}
fn builtin_code() -> String {
    builtin().school.code.clone()
}
fn builtin_bge() -> Bge {
    builtin().bge.clone()
}
fn builtin_scale() -> Vec<String> {
    builtin().bge.scale.clone()
}
fn builtin_pathway() -> Pathway {
    builtin().pathway.clone()
}
fn builtin_checkpoints() -> Vec<Spanned<String>> {
    builtin().pathway.checkpoints.clone()
}
fn builtin_bands() -> Vec<PathwayBand> {
    builtin().pathway.bands.clone()
}
fn builtin_cat_thresholds() -> Vec<CatThreshold> {
    builtin().pathway.cat_thresholds.clone()
}
fn builtin_senior() -> Senior {
    builtin().senior.clone()
}
fn builtin_ratings() -> Ratings {
    builtin().ratings.clone()
}
fn builtin_faculties() -> BTreeMap<String, Vec<String>> {
    builtin().faculties.clone()
}
fn builtin_followup() -> Followup {
    builtin().followup.clone()
}
fn builtin_count() -> CountMode {
    builtin().followup.count
}
fn builtin_followup_bands() -> Vec<FollowupBand> {
    builtin().followup.band.clone()
}
fn builtin_projection() -> BTreeMap<String, Projection> {
    builtin().projection.clone()
}

fn one() -> i64 {
    1
}
fn three() -> i64 {
    3
}
fn four_hundred() -> usize {
    400
}

/// Which built-in level scale `tracker init` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Preset {
    /// `E, Ea .. 3c, 4`: a/b/c progress within a level.
    Abc,
    /// `1A .. 4D`: A-D progress codes, "2A" = second level achieved, beginning third.
    Abcd,
}

/// The commented default config text for a preset.
pub fn default_toml(preset: Preset) -> String {
    match preset {
        Preset::Abc => DEFAULT_TOML.to_string(),
        Preset::Abcd => abcd_toml(),
    }
}

/// The A-D preset: the same file with the scale and pathway codes mapped
/// a->A, b->B, c->C and "4"->"4A" (the pathway's shape is unchanged).
fn abcd_toml() -> String {
    let scale: Vec<String> = (1..=4)
        .flat_map(|n| ["A", "B", "C", "D"].map(|p| format!("\"{n}{p}\"")))
        .collect();
    let mut out = String::with_capacity(DEFAULT_TOML.len());
    for line in DEFAULT_TOML.lines() {
        if line.starts_with("scale = [") {
            out.push_str(&format!("scale = [{}]", scale.join(", ")));
        } else if line.starts_with("# The level scale") {
            out.push_str(
                "# The level scale, lowest first (A-D preset). \"2A\" = second level achieved,",
            );
        } else if line.starts_with("# progressing through third") {
            out.push_str("# beginning third.");
        } else if let Some(rest) = line.strip_prefix("expected = ") {
            out.push_str("expected = ");
            out.push_str(&rest.to_uppercase().replace("\"4\"", "\"4A\""));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

impl Default for Config {
    fn default() -> Self {
        builtin().clone()
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Config {
    /// Read and validate a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// Parse and validate config text; `name` is used in messages.
    pub fn parse(text: &str, name: &str) -> Result<Config, ConfigError> {
        let invalid = |offset: usize, message: String| ConfigError::Invalid {
            path: name.to_string(),
            line: line_of(text, offset),
            message,
        };
        let mut config: Config = toml::from_str(text).map_err(|e| {
            invalid(
                e.span().map(|s| s.start).unwrap_or(0),
                e.message().trim().to_string(),
            )
        })?;
        if config.bge.scale.is_empty() {
            return Err(invalid(
                0,
                "`bge.scale` is empty; expected a list of level codes".into(),
            ));
        }
        let n = config.pathway.checkpoints.len();
        for band in &config.pathway.bands {
            if band.expected.get_ref().len() != n {
                return Err(invalid(
                    band.expected.span().start,
                    format!(
                        "band `{}` has {} expected levels; expected {n}, one per checkpoint",
                        band.name,
                        band.expected.get_ref().len()
                    ),
                ));
            }
        }
        for t in &config.pathway.cat_thresholds {
            if !config
                .pathway
                .bands
                .iter()
                .any(|b| b.name == *t.band.get_ref())
            {
                return Err(invalid(
                    t.band.span().start,
                    format!(
                        "CAT threshold names band `{}`, which is not in `pathway.bands`",
                        t.band.get_ref()
                    ),
                ));
            }
        }
        config.faculty_order =
            faculty_order(text).unwrap_or_else(|| builtin().faculty_order.clone());
        config.origin = Origin {
            name: name.to_string(),
            line_starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        };
        Ok(config)
    }

    /// A problem at byte `offset` of the config's text, named by its file
    /// and line.
    pub fn error_at(&self, offset: usize, message: String) -> ConfigError {
        ConfigError::Invalid {
            path: self.origin.name.clone(),
            line: self
                .origin
                .line_starts
                .partition_point(|&s| s <= offset)
                .max(1),
            message,
        }
    }

    /// The severity of a QA finding kind, after the config's `[qa.severity]`.
    pub fn severity(&self, kind: QaKind) -> Severity {
        self.qa
            .severity
            .get(&kind)
            .copied()
            .unwrap_or_else(|| kind.default_severity())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_parses_and_has_every_section() {
        let c = Config::default();
        assert_eq!(c.bge.scale.len(), 14);
        assert_eq!(c.pathway.bands.len(), 4);
        assert_eq!(c.followup.band.len(), 3);
        assert_eq!(c.suppression.min_group, 5);
        assert!(c.faculties.contains_key("RMPS"));
        assert_eq!(
            c.faculty_order[..3],
            ["English", "Mathematics", "Modern Languages"],
            "the order the file lists them, not the names' order"
        );
        assert_eq!(c.severity(QaKind::LevelRegressed), Severity::Info);
    }

    #[test]
    fn abcd_preset_parses() {
        let c = Config::parse(&default_toml(Preset::Abcd), "abcd").unwrap();
        assert_eq!(c.bge.scale.first().unwrap(), "1A");
        assert_eq!(c.bge.scale.len(), 16);
        assert_eq!(c.pathway.bands[0].expected.get_ref()[4].get_ref(), "4A");
    }

    #[test]
    fn a_partial_config_takes_the_rest_from_the_defaults() {
        let c = Config::parse("[faculties]\n\"Maths Faculty\" = [\"Maths\"]\n", "p.toml").unwrap();
        assert_eq!(
            c.faculties.len(),
            1,
            "[faculties] replaces the built-in table"
        );
        assert_eq!(c.bge.scale.len(), 14);
        assert_eq!(c.followup.band.len(), 3);
        assert_eq!(c.school.code, "SCHOOL");
        let c = Config::parse(
            "[school]\ncode = \"EHS\"\n[bge]\namber_steps = 2\n",
            "p.toml",
        )
        .unwrap();
        assert_eq!(
            (c.school.code.as_str(), c.bge.amber_steps, c.bge.scale.len()),
            ("EHS", 2, 14)
        );
        assert!(c.faculties.contains_key("RMPS"));
        assert_eq!(
            c.faculty_order[..3],
            ["English", "Mathematics", "Modern Languages"],
            "the order the file lists them, not the names' order"
        );
        assert_eq!(c.projection.len(), 4);
    }

    #[test]
    fn faculties_keep_the_order_the_file_lists_them() {
        let text =
            "[faculties]\n\"Zoology\" = [\"Zoo\"]\n\"Art\" = [\"Art\"]\n\"Music\" = [\"Music\"]\n";
        let c = Config::parse(text, "p.toml").unwrap();
        assert_eq!(c.faculty_order, ["Zoology", "Art", "Music"]);
    }

    #[test]
    fn syntax_error_names_the_line() {
        let err = Config::parse("[school]\ncode = \n", "t.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("t.toml:2:"), "{err}");
    }
}
