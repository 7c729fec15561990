//! The traffic light of one pupil in one subject (SPEC 4.1, 4.2, 10.5), and the
//! BGE rule that decides it; the Senior Phase rule is in `senior`.

use std::fmt;

/// A pupil-subject's status. The order is the order reports list them in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    OnTrack,
    SlightlyOffTrack,
    OffTrack,
    /// Empty or invalid level or working grade.
    Missing,
    /// BGE pupil with no band, or no checkpoint for the stage and period.
    NoPathway,
    /// Graded Senior Phase course with no effective target.
    NoTarget,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::OnTrack,
        Status::SlightlyOffTrack,
        Status::OffTrack,
        Status::Missing,
        Status::NoPathway,
        Status::NoTarget,
    ];

    /// The status word of the outputs (7.3).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::OnTrack => "on_track",
            Status::SlightlyOffTrack => "slightly_off_track",
            Status::OffTrack => "off_track",
            Status::Missing => "missing",
            Status::NoPathway => "no_pathway",
            Status::NoTarget => "no_target",
        }
    }

    /// A status word, ignoring case and surrounding spaces.
    pub fn parse(s: &str) -> Option<Status> {
        let s = s.trim();
        Status::ALL
            .into_iter()
            .find(|status| status.as_str().eq_ignore_ascii_case(s))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A BGE pupil-subject's status and steps (10.5): an empty or invalid level is
/// `missing`, then no band (or no checkpoint) is `no_pathway`, then
/// steps = actual - expected decide: >= 0 on track, down to `-amber_steps`
/// slightly off track, lower off track.
pub fn bge_status(
    actual: Option<usize>,
    band: Option<usize>,
    expected: Option<usize>,
    amber_steps: i64,
) -> (Status, Option<i64>) {
    let Some(actual) = actual else {
        return (Status::Missing, None);
    };
    let (Some(_), Some(expected)) = (band, expected) else {
        return (Status::NoPathway, None);
    };
    // Scale positions are small, so these conversions never saturate in practice.
    let as_i64 = |p: usize| i64::try_from(p).unwrap_or(i64::MAX);
    let steps = as_i64(actual) - as_i64(expected);
    let status = if steps >= 0 {
        Status::OnTrack
    } else if steps >= -amber_steps {
        Status::SlightlyOffTrack
    } else {
        Status::OffTrack
    };
    (status, Some(steps))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn words_round_trip() {
        let words = [
            "on_track",
            "slightly_off_track",
            "off_track",
            "missing",
            "no_pathway",
            "no_target",
        ];
        for (status, word) in Status::ALL.into_iter().zip(words) {
            assert_eq!(status.as_str(), word);
            assert_eq!(status.to_string(), word);
            assert_eq!(Status::parse(word), Some(status));
        }
        assert_eq!(Status::parse(" OFF_TRACK "), Some(Status::OffTrack));
        assert_eq!(Status::parse("off track"), None);
        assert_eq!(Status::parse(""), None);
    }

    /// (actual, band, expected, amber_steps, status, steps)
    type BgeCase = (
        Option<usize>,
        Option<usize>,
        Option<usize>,
        i64,
        Status,
        Option<i64>,
    );

    #[test]
    fn bge_statuses() {
        use Status::*;
        // (actual, band, expected, amber_steps) -> (status, steps)
        let cases: &[BgeCase] = &[
            (Some(8), Some(0), Some(8), 1, OnTrack, Some(0)),
            (Some(10), Some(0), Some(8), 1, OnTrack, Some(2)),
            (Some(7), Some(0), Some(8), 1, SlightlyOffTrack, Some(-1)),
            (Some(6), Some(0), Some(8), 1, OffTrack, Some(-2)),
            (Some(6), Some(0), Some(8), 2, SlightlyOffTrack, Some(-2)),
            (Some(5), Some(0), Some(8), 2, OffTrack, Some(-3)),
            (Some(7), Some(0), Some(8), 0, OffTrack, Some(-1)),
            (Some(0), Some(3), Some(13), 1, OffTrack, Some(-13)),
            // Precedence: missing level, then no band, then no checkpoint.
            (None, None, None, 1, Missing, None),
            (None, Some(0), Some(8), 1, Missing, None),
            (Some(8), None, Some(8), 1, NoPathway, None),
            (Some(8), None, None, 1, NoPathway, None),
            (Some(8), Some(0), None, 1, NoPathway, None),
        ];
        for &(actual, band, expected, amber, status, steps) in cases {
            assert_eq!(
                bge_status(actual, band, expected, amber),
                (status, steps),
                "{actual:?} {band:?} {expected:?} amber {amber}"
            );
        }
    }

    proptest! {
        #[test]
        fn steps_sign_agrees_with_status(actual in 0usize..20, expected in 0usize..20, amber in 0i64..4) {
            let (status, steps) = bge_status(Some(actual), Some(0), Some(expected), amber);
            let steps = steps.unwrap();
            prop_assert_eq!(steps, actual as i64 - expected as i64);
            match status {
                Status::OnTrack => prop_assert!(steps >= 0),
                Status::SlightlyOffTrack => prop_assert!(steps < 0 && steps >= -amber),
                Status::OffTrack => prop_assert!(steps < -amber),
                other => prop_assert!(false, "unexpected {other:?}"),
            }
        }
    }
}
