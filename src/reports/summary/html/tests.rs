//! Tests of `html`.

use super::*;

#[test]
fn escapes_markup_and_quotes() {
    assert_eq!(
        esc("<b>St Mary's & \"All\"</b>"),
        "&lt;b&gt;St Mary&#39;s &amp; &quot;All&quot;&lt;/b&gt;"
    );
}

#[test]
fn points_have_a_sign() {
    assert_eq!(points(3.26), "+3.3");
    assert_eq!(points(-0.04), "0.0");
    assert_eq!(points(-2.0), "\u{2212}2.0");
}
