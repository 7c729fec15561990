//! The cell values of SEEMiS exports (SPEC 2.1, 2.5, 4.3, 10.3): stages, booleans,
//! ratings, SCNs, numbers, SIMD and comments, parsed the one way every
//! report agrees on.

/// `S1`..`S6`, `s3`, `1`..`6`, with surrounding spaces: the stage number 1..=6.
pub fn parse_stage(raw: &str) -> Option<u8> {
    let t = raw.trim();
    let digits = t.strip_prefix(['S', 's']).map(str::trim_start).unwrap_or(t);
    match digits.as_bytes() {
        [d @ b'1'..=b'6'] => Some(d - b'0'),
        _ => None,
    }
}

/// The display spelling of a stage: 3 -> `S3`.
pub fn stage_label(stage: u8) -> String {
    format!("S{stage}")
}

const TRUE_WORDS: [&str; 5] = ["y", "yes", "true", "1", "x"];
const FALSE_WORDS: [&str; 5] = ["n", "no", "false", "0", ""];

/// A boolean cell (2.5, 10.3); `Err` for text that is neither, a QA `invalid_value`.
#[allow(clippy::result_unit_err)] // the caller only needs "invalid"; it keeps the text
pub fn parse_bool(raw: &str) -> Result<bool, ()> {
    let t = raw.trim();
    if TRUE_WORDS.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Ok(true)
    } else if FALSE_WORDS.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Ok(false)
    } else {
        Err(())
    }
}

/// An Effort, Behaviour or Homework rating: empty is `None` (does not attend,
/// no homework issued); `Err` for anything but 1-4, a QA `invalid_rating`.
#[allow(clippy::result_unit_err)] // the caller only needs "invalid"; it keeps the text
pub fn parse_rating(raw: &str) -> Result<Option<u8>, ()> {
    match raw.trim().as_bytes() {
        [] => Ok(None),
        [d @ b'1'..=b'4'] => Ok(Some(d - b'0')),
        _ => Err(()),
    }
}

/// Whether a rating is a concern (4.3); an empty or invalid rating never is (10.7).
pub fn is_concern(rating: Option<u8>, concern_from: i64) -> bool {
    rating.is_some_and(|r| i64::from(r) >= concern_from)
}

/// A Scottish Candidate Number: exactly 9 ASCII digits (the caller trims).
pub fn is_valid_scn(raw: &str) -> bool {
    raw.len() == 9 && raw.bytes().all(|b| b.is_ascii_digit())
}

/// A valid SCN as a number: nine digits are one number each way round,
/// so SCNs can be keyed and compared as integers.
pub fn scn_number(raw: &str) -> Option<u64> {
    is_valid_scn(raw).then(|| (raw.bytes()).fold(0, |n, b| n * 10 + u64::from(b - b'0')))
}

/// A finite number such as an attendance `95.5` or `95.5%`, or a CAT SAS.
pub fn parse_number(raw: &str) -> Option<f64> {
    let t = raw.trim();
    let t = t.strip_suffix('%').map(str::trim_end).unwrap_or(t);
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The SIMD quintile: the quintile cell when it holds 1-5, else derived from a
/// 1-10 decile as `ceil(decile / 2)` (10.3: also when the quintile cell is empty).
pub fn simd_quintile(quintile: Option<&str>, decile: Option<&str>) -> Option<u8> {
    let in_range = |raw: Option<&str>, max: u8| {
        raw.and_then(|r| r.trim().parse::<u8>().ok())
            .filter(|v| (1..=max).contains(v))
    };
    in_range(quintile, 5).or_else(|| in_range(decile, 10).map(|d| d.div_ceil(2)))
}

/// Whether a report comment is over the limit, counted in Unicode scalar values (4.3).
pub fn comment_too_long(comment: &str, max_chars: usize) -> bool {
    // A text has no more characters than bytes, so most comments need no count.
    comment.len() > max_chars && comment.chars().count() > max_chars
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stages() {
        let cases: &[(&str, Option<u8>)] = &[
            ("S1", Some(1)),
            ("S6", Some(6)),
            ("s3", Some(3)),
            (" S3 ", Some(3)),
            ("3", Some(3)),
            ("S 4", Some(4)),
            ("S7", None),
            ("S0", None),
            ("7", None),
            ("S", None),
            ("", None),
            ("S12", None),
            ("P7", None),
            ("Year 3", None),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_stage(raw), *want, "{raw:?}");
        }
        assert_eq!(stage_label(3), "S3");
    }

    #[test]
    fn booleans() {
        let cases: &[(&str, Result<bool, ()>)] = &[
            ("Y", Ok(true)),
            ("Yes", Ok(true)),
            ("True", Ok(true)),
            ("1", Ok(true)),
            ("X", Ok(true)),
            ("yes", Ok(true)),
            ("TRUE", Ok(true)),
            (" x ", Ok(true)),
            ("N", Ok(false)),
            ("No", Ok(false)),
            ("False", Ok(false)),
            ("0", Ok(false)),
            ("", Ok(false)),
            ("  ", Ok(false)),
            ("no ", Ok(false)),
            ("Maybe", Err(())),
            ("2", Err(())),
            ("Yess", Err(())),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_bool(raw), *want, "{raw:?}");
        }
    }

    #[test]
    fn ratings_and_concerns() {
        let cases: &[(&str, Result<Option<u8>, ()>)] = &[
            ("", Ok(None)),
            (" ", Ok(None)),
            ("1", Ok(Some(1))),
            ("4", Ok(Some(4))),
            (" 2 ", Ok(Some(2))),
            ("0", Err(())),
            ("5", Err(())),
            ("7", Err(())),
            ("x", Err(())),
            ("12", Err(())),
            ("3.0", Err(())),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_rating(raw), *want, "{raw:?}");
        }
        let concerns: &[(Option<u8>, i64, bool)] = &[
            (Some(3), 3, true),
            (Some(4), 3, true),
            (Some(2), 3, false),
            (None, 3, false),
            (Some(1), 1, true),
        ];
        for (rating, from, want) in concerns {
            assert_eq!(is_concern(*rating, *from), *want, "{rating:?} >= {from}");
        }
    }

    #[test]
    fn scns() {
        let cases: &[(&str, bool)] = &[
            ("123456789", true),
            ("000000001", true),
            ("12345678", false),
            ("1234567890", false),
            ("12345678a", false),
            (" 23456789", false),
            ("", false),
            ("１２３４５６７８９", false),
        ];
        for (raw, want) in cases {
            assert_eq!(is_valid_scn(raw), *want, "{raw:?}");
            let number = scn_number(raw);
            assert_eq!(number.is_some(), *want, "{raw:?}");
            if let Some(n) = number {
                assert_eq!(format!("{n:09}"), *raw);
            }
        }
    }

    #[test]
    fn numbers() {
        let cases: &[(&str, Option<f64>)] = &[
            ("95.5", Some(95.5)),
            ("95.5%", Some(95.5)),
            (" 95.5 % ", Some(95.5)),
            ("100", Some(100.0)),
            ("112", Some(112.0)),
            ("", None),
            ("%", None),
            ("n/a", None),
            ("NaN", None),
            ("inf", None),
        ];
        for (raw, want) in cases {
            assert_eq!(parse_number(raw), *want, "{raw:?}");
        }
    }

    #[test]
    fn simd() {
        let cases: &[(Option<&str>, Option<&str>, Option<u8>)] = &[
            (Some("1"), Some("10"), Some(1)),
            (Some("5"), None, Some(5)),
            (None, Some("1"), Some(1)),
            (None, Some("2"), Some(1)),
            (None, Some("3"), Some(2)),
            (None, Some("9"), Some(5)),
            (None, Some("10"), Some(5)),
            (Some(""), Some("7"), Some(4)),
            (Some(" "), Some("4"), Some(2)),
            (Some("6"), Some("4"), Some(2)),
            (None, Some("0"), None),
            (None, Some("11"), None),
            (None, None, None),
            (Some("x"), Some("y"), None),
        ];
        for (q, d, want) in cases {
            assert_eq!(simd_quintile(*q, *d), *want, "{q:?} {d:?}");
        }
    }

    #[test]
    fn comment_length_counts_characters_not_bytes() {
        let cases: &[(&str, usize, bool)] = &[
            ("", 400, false),
            ("abcd", 4, false),
            ("abcde", 4, true),
            ("éééé", 4, false),
            ("ééééé", 4, true),
            ("Gàidhlig", 8, false),
        ];
        for (comment, max, want) in cases {
            assert_eq!(
                comment_too_long(comment, *max),
                *want,
                "{comment:?} > {max}"
            );
        }
        assert!(!comment_too_long(&"é".repeat(400), 400));
        assert!(comment_too_long(&"é".repeat(401), 400));
    }

    proptest! {
        #[test]
        fn stage_label_round_trips(stage in 1u8..=6) {
            prop_assert_eq!(parse_stage(&stage_label(stage)), Some(stage));
            prop_assert_eq!(parse_stage(&stage_label(stage).to_lowercase()), Some(stage));
        }

        #[test]
        fn quintile_from_decile_is_in_range(decile in 1u8..=10) {
            let q = simd_quintile(None, Some(&decile.to_string())).unwrap();
            prop_assert!((1..=5).contains(&q));
            prop_assert!(u16::from(q) * 2 >= u16::from(decile) && u16::from(q) * 2 - 1 <= u16::from(decile));
        }
    }
}
