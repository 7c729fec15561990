//! Texts ranked in report order, so that sorting many rows compares
//! integers rather than strings: names, leads, subjects and teachers repeat.

use std::borrow::Cow;

use polars::prelude::{PlHashMap, PlHashSet};

use crate::rules::followup::text_key;

/// Texts ranked in report order, so that sorting many lines compares
/// integers rather than strings (most names and leads repeat).
pub struct Ranks<'a>(PlHashMap<Cow<'a, str>, u32>);

impl<'a> Ranks<'a> {
    /// Ranks in [`text_key`] order (10.10): Unicode lowercase, ties by the exact text.
    pub fn text(texts: impl IntoIterator<Item = &'a str>) -> Ranks<'a> {
        let mut all = Self::distinct(texts);
        all.sort_by_cached_key(|s| text_key(s));
        Ranks::of(all.into_iter().map(Cow::Borrowed))
    }

    /// As [`Ranks::text`], keeping copies of the texts, so that the lines
    /// they come from can be sorted while the ranks are in use.
    pub fn text_owned<'t>(texts: impl IntoIterator<Item = &'t str>) -> Ranks<'static> {
        let mut all = Self::distinct_of(texts);
        all.sort_by_cached_key(|s| text_key(s));
        Ranks::of(all.into_iter().map(|s| Cow::Owned(s.to_string())))
    }

    fn distinct(texts: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        Self::distinct_of(texts)
    }

    fn distinct_of<'t>(texts: impl IntoIterator<Item = &'t str>) -> Vec<&'t str> {
        // Names repeat: a hash set gets the few distinct ones cheaply.
        let set: PlHashSet<&str> = texts.into_iter().collect();
        let mut all: Vec<&str> = set.into_iter().collect();
        all.sort_unstable();
        all
    }

    fn of<'b>(sorted: impl Iterator<Item = Cow<'b, str>>) -> Ranks<'b> {
        Ranks(sorted.enumerate().map(|(i, s)| (s, i as u32)).collect())
    }

    pub fn get(&self, s: &str) -> u32 {
        self.0.get(s).copied().unwrap_or(u32::MAX)
    }
}
