//! What followed an intervention (issue 15, README "Impact of
//! interventions"): whether a pupil's status in a subject, or their count of
//! faculties off track, got better, stayed or got worse from one window to
//! the next, and how several such changes of one pupil add up.

use super::Status;

/// How one thing a pupil was helped with changed by the next window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Improved,
    Unchanged,
    Worse,
}

/// A status's place on the traffic light, worst first; None for a status
/// that says nothing about progress (`missing`, `no_pathway`, `no_target`).
fn rank(status: Status) -> Option<u8> {
    match status {
        Status::OffTrack => Some(0),
        Status::SlightlyOffTrack => Some(1),
        Status::OnTrack => Some(2),
        Status::Missing | Status::NoPathway | Status::NoTarget => None,
    }
}

/// A subject's status then and next: better, the same or worse on the order
/// off_track < slightly_off_track < on_track. None when either status is
/// off that scale: a missing entry, no pathway or no target cannot be
/// compared, so the pair is left out rather than counted as unchanged.
pub fn status_change(then: Status, next: Status) -> Option<Change> {
    let (a, b) = (rank(then)?, rank(next)?);
    Some(match b.cmp(&a) {
        std::cmp::Ordering::Greater => Change::Improved,
        std::cmp::Ordering::Equal => Change::Unchanged,
        std::cmp::Ordering::Less => Change::Worse,
    })
}

/// Faculties off track then and next: fewer is better.
pub fn faculties_change(then: usize, next: usize) -> Change {
    match next.cmp(&then) {
        std::cmp::Ordering::Less => Change::Improved,
        std::cmp::Ordering::Equal => Change::Unchanged,
        std::cmp::Ordering::Greater => Change::Worse,
    }
}

/// Where a pupil stood in the first window in what an intervention is
/// about: their status in a subject, or their faculties off track.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    Subject(Status),
    WholeSchool(usize),
}

/// Whether a pupil belongs to the comparison for a subject or the whole
/// school: off track in it at the start (`off_track` in the subject, or in
/// 1+ faculties) with no intervention recorded for it. `helped` is whether
/// one was: for a subject, one for that subject or a whole-school one; for
/// the whole school, any at all.
pub fn compared(start: Start, helped: bool) -> bool {
    !helped
        && match start {
            Start::Subject(status) => status == Status::OffTrack,
            Start::WholeSchool(faculties) => faculties >= 1,
        }
}

/// One pupil's outcome within a group, over every subject (or the whole
/// school) the group's interventions were about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Things improved minus things worse.
    net: i32,
    /// Off track next in one of them (or in 1+ faculties, whole-school).
    pub still_off_track: bool,
}

impl Outcome {
    /// Count one more change; `off_next` is whether it is still off track.
    pub fn add(&mut self, change: Change, off_next: bool) {
        self.net += match change {
            Change::Improved => 1,
            Change::Unchanged => 0,
            Change::Worse => -1,
        };
        self.still_off_track |= off_next;
    }

    /// The pupil's change: improved when more got better than worse, worse
    /// when more got worse, unchanged when they balance.
    pub fn change(&self) -> Change {
        match self.net.cmp(&0) {
            std::cmp::Ordering::Greater => Change::Improved,
            std::cmp::Ordering::Equal => Change::Unchanged,
            std::cmp::Ordering::Less => Change::Worse,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Change::*;
    use Status::*;

    #[test]
    fn statuses_compare_on_the_traffic_light() {
        let cases: &[(Status, Status, Option<Change>)] = &[
            (OffTrack, SlightlyOffTrack, Some(Improved)),
            (OffTrack, OnTrack, Some(Improved)),
            (SlightlyOffTrack, OnTrack, Some(Improved)),
            (OffTrack, OffTrack, Some(Unchanged)),
            (OnTrack, OnTrack, Some(Unchanged)),
            (OnTrack, SlightlyOffTrack, Some(Worse)),
            (SlightlyOffTrack, OffTrack, Some(Worse)),
            (OnTrack, OffTrack, Some(Worse)),
            // Off the scale in either window: not comparable.
            (OffTrack, Missing, None),
            (Missing, OnTrack, None),
            (NoPathway, OnTrack, None),
            (OffTrack, NoTarget, None),
            (Missing, Missing, None),
        ];
        for &(then, next, want) in cases {
            assert_eq!(status_change(then, next), want, "{then} -> {next}");
        }
    }

    #[test]
    fn the_comparison_is_off_track_with_no_intervention() {
        use Start::*;
        let cases: &[(Start, bool, bool)] = &[
            (Subject(OffTrack), false, true),
            (Subject(OffTrack), true, false),
            (Subject(SlightlyOffTrack), false, false),
            (Subject(OnTrack), false, false),
            (Subject(Missing), false, false),
            (WholeSchool(1), false, true),
            (WholeSchool(4), false, true),
            (WholeSchool(2), true, false),
            (WholeSchool(0), false, false),
        ];
        for &(start, helped, want) in cases {
            assert_eq!(compared(start, helped), want, "{start:?} helped {helped}");
        }
    }

    #[test]
    fn fewer_faculties_off_track_is_better() {
        let cases: &[(usize, usize, Change)] = &[
            (3, 1, Improved),
            (1, 0, Improved),
            (2, 2, Unchanged),
            (0, 0, Unchanged),
            (1, 4, Worse),
        ];
        for &(then, next, want) in cases {
            assert_eq!(faculties_change(then, next), want, "{then} -> {next}");
        }
    }

    /// (changes, each with whether it is still off track), then the
    /// pupil's change and whether they are still off track.
    type Case = (&'static [(Change, bool)], Change, bool);

    #[test]
    fn a_pupils_changes_add_up() {
        let cases: &[Case] = &[
            (&[(Improved, false)], Improved, false),
            (&[(Unchanged, true)], Unchanged, true),
            (&[(Worse, true)], Worse, true),
            (&[(Improved, false), (Worse, true)], Unchanged, true),
            (&[(Improved, false), (Unchanged, true)], Improved, true),
            (
                &[(Improved, false), (Improved, false), (Worse, false)],
                Improved,
                false,
            ),
            (&[(Worse, false), (Unchanged, false)], Worse, false),
            (&[], Unchanged, false),
        ];
        for (changes, want, off) in cases {
            let mut o = Outcome::default();
            changes.iter().for_each(|&(c, off)| o.add(c, off));
            assert_eq!(
                (o.change(), o.still_off_track),
                (*want, *off),
                "{changes:?}"
            );
        }
    }
}
