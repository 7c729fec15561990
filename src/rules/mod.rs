//! The pure domain rules of SPEC sections 4 and 5: typed values in, typed values out.
//!
//! Nothing here opens a file, prints or reads the clock, so every rule can be
//! tested with a table of cases and applied to millions of rows. Lookups that
//! run per row (`Scale::position`, `FacultyMap::faculty_of`, the `parse_*`
//! functions) precompute their keys in constructors and fold a cell's text on
//! the stack, so they do not allocate for ordinary ASCII cells; their maps
//! hash with polars' fast hasher, as std's SipHash showed in national profiles.

pub mod check;
pub mod faculties;
pub mod followup;
pub mod impact;
pub mod pathway;
pub mod replace;
pub mod scale;
pub mod senior;
pub mod status;
pub mod validity;
pub mod values;
pub mod verdict;
pub mod window;

pub use status::Status;
pub use verdict::{Ctx, Phase};

/// Longest ASCII text [`with_folded`] folds on the stack; longer or non-ASCII
/// text takes the allocating path, which gives the same result.
const STACK_KEY: usize = 64;

/// Lowercase `raw` and remove the characters `skip` picks, allocating.
///
/// The key builder for constructors, and the fallback of [`with_folded`].
pub(crate) fn folded(raw: &str, skip: impl Fn(char) -> bool) -> String {
    raw.chars()
        .filter(|&c| !skip(c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Hand `f` the same text as [`folded`] without allocating for short ASCII text.
pub(crate) fn with_folded<R>(
    raw: &str,
    skip: impl Fn(char) -> bool,
    f: impl FnOnce(&str) -> R,
) -> R {
    if raw.len() > STACK_KEY || !raw.is_ascii() {
        return f(&folded(raw, skip));
    }
    let mut buf = [0u8; STACK_KEY];
    let mut n = 0;
    for b in raw.bytes().filter(|&b| !skip(char::from(b))) {
        buf[n] = b.to_ascii_lowercase();
        n += 1;
    }
    // Lowercased ASCII is still ASCII, so this cannot fail.
    f(std::str::from_utf8(&buf[..n]).unwrap_or_default())
}

/// Whether two texts are equal ignoring case and surrounding whitespace, without allocating.
pub(crate) fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// A hash of `text` as [`same_text`] sees it: texts it calls the same hash
/// alike, so a lookup compares this number before it compares any text.
pub(crate) fn text_key(text: &str) -> u64 {
    // FNV-1a over the lowercased characters: short texts, no setup.
    let step = |h: u64, c: u32| (h ^ u64::from(c)).wrapping_mul(0x0000_0100_0000_01b3);
    let text = text.trim();
    let start = 0xcbf2_9ce4_8422_2325;
    if text.is_ascii() {
        return text
            .bytes()
            .fold(start, |h, b| step(h, u32::from(b.to_ascii_lowercase())));
    }
    text.chars()
        .flat_map(char::to_lowercase)
        .fold(start, |h, c| step(h, u32::from(c)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folding_drops_and_lowercases() {
        let cases: &[(&str, &str)] = &[
            ("2 B", "2b"),
            ("Gàidhlig", "gàidhlig"),
            ("  A-b.C ", "abc"),
            ("", ""),
        ];
        let skip = |c: char| c.is_whitespace() || c == '-' || c == '.';
        for (raw, want) in cases {
            assert_eq!(folded(raw, skip), *want, "{raw:?}");
            assert_eq!(with_folded(raw, skip, str::to_string), *want, "{raw:?}");
        }
    }

    #[test]
    fn same_text_ignores_case_and_surrounding_space() {
        let cases: &[(&str, &str, bool)] = &[
            ("Arran", " arran ", true),
            ("GÀIDHLIG", "gàidhlig", true),
            ("Arran", "Arran Hall", false),
            ("Year Head", "yearhead", false),
            ("", "  ", true),
        ];
        for (a, b, want) in cases {
            assert_eq!(same_text(a, b), *want, "{a:?} {b:?}");
        }
    }

    #[test]
    fn texts_the_same_have_one_key() {
        let cases: &[(&str, &str, bool)] = &[
            ("Arran", " arran ", true),
            ("GÀIDHLIG", "gàidhlig", true),
            ("\u{212A}elvin", "kelvin", true),
            ("Arran", "Arran Hall", false),
            ("Maths", "Music", false),
        ];
        for (a, b, same) in cases {
            assert_eq!(text_key(a) == text_key(b), *same, "{a:?} {b:?}");
        }
    }

    proptest! {
        #[test]
        fn texts_the_same_have_one_key_always(
            a in "[ aAbBÀà\u{212A}kK]{0,8}",
            b in "[ aAbBÀà\u{212A}kK]{0,8}",
        ) {
            if same_text(&a, &b) {
                prop_assert_eq!(text_key(&a), text_key(&b));
            }
        }

        #[test]
        fn stack_and_heap_folding_agree(raw in "\\PC{0,80}") {
            let skip = |c: char| c.is_whitespace() || c == '.';
            prop_assert_eq!(with_folded(&raw, skip, str::to_string), folded(&raw, skip));
        }
    }
}
