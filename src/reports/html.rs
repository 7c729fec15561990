//! What the reports' HTML pages share: escaping, numbers as text, and the
//! geometry and axis of their bar charts.

use std::fmt::Write;

/// HTML-escape a text for element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub fn pct(v: f64) -> String {
    format!("{v:.1}%")
}

pub fn points(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r > 0.0 {
        format!("+{r:.1}")
    } else if r < 0.0 {
        format!("\u{2212}{:.1}", -r)
    } else {
        "0.0".to_string()
    }
}

/// A bar chart's label column, bar and row: wide enough for a stage or a
/// faculty name, and a whole page's width in all.
pub const LABEL_W: f64 = 190.0;
pub const BAR_W: f64 = 640.0;
pub const ROW_H: f64 = 24.0;

/// The 0-100% gridlines and their labels of a bar chart `height` high.
pub fn percent_axis(h: &mut String, height: f64) {
    for t in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let x = LABEL_W + BAR_W * t / 100.0;
        let _ = writeln!(
            h,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"0\" y2=\"{}\" stroke=\"#e3e6e9\"/>\
             <text x=\"{:.1}\" y=\"{}\">{t:.0}%</text>",
            height - 18.0,
            x - 10.0,
            height - 4.0
        );
    }
}

#[cfg(test)]
mod tests {
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
}
