//! Tracking windows (`2025-26/1`): parsing, ordering and the store's directory spelling.

use std::fmt;
use std::str::FromStr;

/// One tracking period of one school session. Orders by session, then period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Window {
    /// First calendar year of the session: 2025 for `2025-26`.
    pub session: u16,
    /// 1-4.
    pub period: u8,
}

pub const WINDOW_FORM: &str =
    "SESSION/PERIOD, e.g. `2025-26/1`: SESSION is YYYY-YY with consecutive years, PERIOD is 1-4";

impl Window {
    /// The spelling used in store paths: `2025-26_1`.
    pub fn dir_name(&self) -> String {
        format!(
            "{}-{:02}_{}",
            self.session,
            (self.session + 1) % 100,
            self.period
        )
    }

    /// Parse either `2025-26/1` or the directory spelling `2025-26_1`.
    pub fn parse_any(s: &str) -> Option<Window> {
        s.parse()
            .ok()
            .or_else(|| s.replacen('_', "/", 1).parse().ok())
    }

    /// The window a school would track next: the next period, or period 1
    /// of the next session after period 4.
    pub fn following(&self) -> Window {
        if self.period < 4 {
            Window {
                session: self.session,
                period: self.period + 1,
            }
        } else {
            Window {
                session: self.session + 1,
                period: 1,
            }
        }
    }

    /// The session label, `2025-26`.
    pub fn session_label(&self) -> String {
        format!("{}-{:02}", self.session, (self.session + 1) % 100)
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.session_label(), self.period)
    }
}

impl FromStr for Window {
    type Err = String;
    fn from_str(s: &str) -> Result<Window, String> {
        let bad = || format!("`{s}` is not a window; expected {WINDOW_FORM}");
        let (session, period) = s.trim().split_once('/').ok_or_else(bad)?;
        let (y1, y2) = session.split_once('-').ok_or_else(bad)?;
        if y1.len() != 4 || y2.len() != 2 || period.len() != 1 {
            return Err(bad());
        }
        let y1: u16 = y1.parse().map_err(|_| bad())?;
        let y2: u16 = y2.parse().map_err(|_| bad())?;
        let period: u8 = period.parse().map_err(|_| bad())?;
        if (y1 + 1) % 100 != y2 || !(1..=4).contains(&period) {
            return Err(bad());
        }
        Ok(Window {
            session: y1,
            period,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let cases: &[(&str, Option<(u16, u8)>)] = &[
            ("2025-26/1", Some((2025, 1))),
            ("2025-26/4", Some((2025, 4))),
            ("1999-00/2", Some((1999, 2))),
            ("2025-27/1", None),
            ("2025-26/5", None),
            ("2025-26/0", None),
            ("2025/1", None),
            ("25-26/1", None),
            ("2025-26", None),
        ];
        for (text, want) in cases {
            let got = text.parse::<Window>().ok().map(|w| (w.session, w.period));
            assert_eq!(got, *want, "{text}");
        }
    }

    #[test]
    fn the_following_window() {
        let cases = [
            ("2025-26/1", "2025-26/2"),
            ("2025-26/3", "2025-26/4"),
            ("2025-26/4", "2026-27/1"),
            ("1999-00/4", "2000-01/1"),
        ];
        for (w, want) in cases {
            let w: Window = w.parse().unwrap();
            assert_eq!(w.following().to_string(), want);
            assert!(w.following() > w);
        }
    }

    #[test]
    fn orders_by_session_then_period_and_round_trips() {
        let a: Window = "2024-25/4".parse().unwrap();
        let b: Window = "2025-26/1".parse().unwrap();
        assert!(a < b);
        assert_eq!(b.dir_name(), "2025-26_1");
        assert_eq!(Window::parse_any("2025-26_1"), Some(b));
        assert_eq!(b.to_string(), "2025-26/1");
    }
}
