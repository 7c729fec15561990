//! Texts ranked in report order, so that sorting many rows compares
//! integers rather than strings: names, leads, subjects and teachers repeat.

use std::borrow::Cow;

use polars::prelude::PlHashMap;

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

    /// Ranks in byte order.
    pub fn bytes(texts: impl IntoIterator<Item = &'a str>) -> Ranks<'a> {
        Ranks::of(Self::distinct(texts).into_iter().map(Cow::Borrowed))
    }

    /// How many texts are ranked.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn distinct(texts: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
        Self::distinct_of(texts)
    }

    fn distinct_of<'t>(texts: impl IntoIterator<Item = &'t str>) -> Vec<&'t str> {
        // Names repeat: hash sets, on every core, get the few distinct
        // ones cheaply.
        let texts: Vec<&str> = texts.into_iter().collect();
        let mut all = crate::par::distinct(&texts);
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

/// Put `v` in `order` (the new position `k` takes the element at
/// `order[k]`) in place, a cycle at a time: most of a million findings are
/// swapped where they lie, rather than moved out and back into new memory.
pub fn permute<T>(v: &mut [T], mut order: Vec<usize>) {
    debug_assert_eq!(v.len(), order.len());
    for start in 0..v.len() {
        // Each cycle is followed once; its positions are then marked done.
        let mut at = start;
        while order[at] != at {
            let from = order[at];
            order[at] = at;
            if from == start {
                break;
            }
            v.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy as _;

    #[test]
    fn permute_puts_each_element_where_the_order_says() {
        // (order, expected result of permuting [0, 1, ..])
        let cases: &[&[usize]] = &[
            &[],
            &[0],
            &[1, 0],
            &[2, 0, 1],
            &[1, 2, 0],
            &[0, 2, 1, 3],
            &[3, 2, 1, 0, 4],
            &[4, 0, 3, 1, 2, 5, 7, 6],
        ];
        for order in cases {
            let mut v: Vec<usize> = (0..order.len()).collect();
            permute(&mut v, order.to_vec());
            assert_eq!(&v, order, "{order:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn permute_agrees_with_moving_each_element(
            order in (0usize..64).prop_flat_map(|n| {
                proptest::strategy::Just((0..n).collect::<Vec<usize>>()).prop_shuffle()
            })
        ) {
            let old: Vec<String> = (0..order.len()).map(|i| format!("f{i}")).collect();
            let want: Vec<String> = order.iter().map(|&i| old[i].clone()).collect();
            let mut got = old;
            permute(&mut got, order);
            proptest::prop_assert_eq!(got, want);
        }
    }
}
