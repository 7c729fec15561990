//! The texts a school's findings name, each held once and named by id: the
//! window's own texts and SCNs, taken from it whole, then the texts made
//! for the findings. A large school has most of a million findings and a
//! few thousand texts.

use crate::reports::model::Text;

/// No text.
pub const NONE: u32 = u32::MAX;

/// The texts a school's findings name by id: ids below the number of the
/// window's texts are those (subjects, teachers), then come its SCNs
/// (by pupil number), then the texts made for the findings.
#[derive(Debug, Default)]
pub struct FindingTexts {
    pub school: Box<str>,
    /// How many window texts and SCNs the ids were given for.
    counts: (usize, usize),
    window: Vec<Box<str>>,
    scns: Vec<Text>,
    more: Vec<Box<str>>,
}

impl FindingTexts {
    /// A school's table, its window's texts and SCNs still to be given
    /// ([`FindingTexts::set_window`]); the ids of the texts added meanwhile
    /// come after theirs, `window` and `scns` of them.
    pub fn new(school: &str, window: usize, scns: usize) -> FindingTexts {
        FindingTexts {
            school: school.into(),
            counts: (window, scns),
            ..FindingTexts::default()
        }
    }

    /// Give the window's texts and SCNs, as many as [`FindingTexts::new`] was told.
    pub fn set_window(&mut self, window: Vec<Box<str>>, scns: Vec<Text>) {
        assert_eq!(
            (window.len(), scns.len()),
            self.counts,
            "the window's texts are those the ids were given for"
        );
        (self.window, self.scns) = (window, scns);
    }

    /// The id of the SCN of pupil number `pupil`.
    pub fn scn_id(&self, pupil: usize) -> u32 {
        to_id(self.counts.0 + pupil)
    }

    /// The id the next text added will have.
    pub fn next_id(&self) -> u32 {
        to_id(self.len())
    }

    /// Add a text made for the findings.
    pub fn add(&mut self, text: Box<str>) -> u32 {
        let id = self.next_id();
        self.more.push(text);
        id
    }

    /// Add texts made for the findings; the first has [`FindingTexts::next_id`].
    pub fn extend(&mut self, texts: Vec<Box<str>>) {
        self.more.extend(texts);
    }

    /// The text `id` names; none for [`NONE`].
    pub fn get(&self, id: u32) -> Option<&str> {
        let id = id as usize;
        let (w, s) = self.counts;
        if id < w {
            self.window.get(id).map(|t| &**t)
        } else if id < w + s {
            self.scns.get(id - w).map(|t| &**t)
        } else {
            self.more.get(id - w - s).map(|t| &**t)
        }
    }

    /// [`FindingTexts::get`], the empty text for none.
    pub fn text(&self, id: u32) -> &str {
        self.get(id).unwrap_or_default()
    }

    /// One more than the largest id.
    pub fn len(&self) -> usize {
        self.counts.0 + self.counts.1 + self.more.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn to_id(i: usize) -> u32 {
    u32::try_from(i)
        .ok()
        .filter(|&i| i != NONE)
        .expect("fewer than 4 billion texts")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_the_window_texts_then_the_scns_then_the_rest() {
        let mut t = FindingTexts::new("EHS", 2, 3);
        let made = t.add("made first".into());
        assert_eq!(made, 5);
        assert_eq!(t.scn_id(1), 3);
        t.set_window(
            vec!["Art".into(), "Mr A".into()],
            vec!["1".into(), "2".into(), "3".into()],
        );
        t.extend(vec!["made second".into()]);
        let cases: &[(u32, Option<&str>)] = &[
            (0, Some("Art")),
            (1, Some("Mr A")),
            (2, Some("1")),
            (4, Some("3")),
            (5, Some("made first")),
            (6, Some("made second")),
            (7, None),
            (NONE, None),
        ];
        for &(id, want) in cases {
            assert_eq!(t.get(id), want, "{id}");
        }
        assert_eq!(t.len(), 7);
    }
}
