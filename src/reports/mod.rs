//! One file per report: rows built from the store through the pure rules.

pub mod comments;
pub mod followup;
pub mod grid;
pub mod html;
pub mod impact;
pub mod model;
pub mod offtrack;
pub mod pupil;
pub mod qa;
pub mod ranks;
pub mod subjects;
pub mod summary;

use crate::rules::window::Window;
use crate::store::Store;
use crate::store::read::Snapshot;

/// What a report covers, resolved against the store (SPEC 3, 7.2, 10.14).
pub struct Scope {
    pub window: Window,
    pub schools: Vec<String>,
    pub stages: Vec<u8>,
}

/// The hint every "nothing to report" message ends with.
pub const HOW_TO_INGEST: &str = "hint: ingest exports first, e.g. `tracker ingest --window 2025-26/1 pupils.csv bge.csv senior.csv`";

/// What a report was asked to cover, before it is resolved against the store.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// None: the latest window in the store.
    pub window: Option<Window>,
    /// None: every school.
    pub school: Option<String>,
    /// Empty: every stage.
    pub stages: Vec<u8>,
}

/// Open the store for reading and pick the window and schools.
pub fn open(
    store: &Store,
    args: &Request,
    timeout: std::time::Duration,
) -> anyhow::Result<(Snapshot, Scope)> {
    if !store.exists() {
        anyhow::bail!("no store at `{}`\n{HOW_TO_INGEST}", store.root.display());
    }
    let snap = Snapshot::open(store, timeout)?;
    let school = args.school.as_deref();
    let windows = snap.windows(school);
    let window = match args.window {
        Some(w) if windows.contains(&w) => w,
        Some(w) => anyhow::bail!(
            "the store `{}` holds no data for window `{w}`{}; it holds: {}\n{HOW_TO_INGEST}",
            store.root.display(),
            school
                .map(|s| format!(" of school `{s}`"))
                .unwrap_or_default(),
            if windows.is_empty() {
                "nothing".to_string()
            } else {
                windows
                    .iter()
                    .map(|w| format!("`{w}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ),
        None => match windows.last() {
            Some(w) => *w,
            None => anyhow::bail!(
                "the store `{}` holds no windows{}\n{HOW_TO_INGEST}",
                store.root.display(),
                school
                    .map(|s| format!(" for school `{s}`"))
                    .unwrap_or_default()
            ),
        },
    };
    let schools = snap
        .schools(Some(window))
        .into_iter()
        .filter(|s| school.is_none_or(|c| c == s))
        .collect();
    Ok((
        snap,
        Scope {
            window,
            schools,
            stages: args.stages.clone(),
        },
    ))
}

impl Scope {
    pub fn wants_stage(&self, stage: Option<u8>) -> bool {
        self.stages.is_empty() || stage.is_some_and(|s| self.stages.contains(&s))
    }
}

/// Ask the processor to bring `value` into cache ahead of its use. Rows
/// visited in a report's order rather than load order each missed the
/// cache: half of the time `subjects` spent on a row's values.
#[inline(always)]
pub fn prefetch<T: ?Sized>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it reads nothing the program sees and
    // cannot fault, and the address comes from a live reference.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// Each school's lines as one list, in school order. One school's list is
/// taken as it is, and several are copied once into a list made their size:
/// collected through `flatten`, a large school's lines (60 MB at 300,000
/// pupils) were copied again at every doubling.
pub fn concat<T>(per_school: Vec<Vec<T>>) -> Vec<T> {
    if per_school.len() == 1 {
        return per_school.into_iter().next().unwrap_or_default();
    }
    let mut all = Vec::with_capacity(per_school.iter().map(Vec::len).sum());
    for part in per_school {
        all.extend(part);
    }
    all
}

/// Case-insensitive equality after trimming, for the `--teacher` family.
pub fn matches(filter: &Option<String>, value: Option<&str>) -> bool {
    match filter {
        None => true,
        Some(f) => value.is_some_and(|v| v.trim().to_lowercase() == f.trim().to_lowercase()),
    }
}

/// `--teacher`, `--class`, `--faculty` and `--subject`: which subject rows a
/// report keeps, each matched ignoring case and surrounding spaces.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub teacher: Option<String>,
    pub class: Option<String>,
    pub faculty: Option<String>,
    pub subject: Option<String>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.teacher.is_none()
            && self.class.is_none()
            && self.faculty.is_none()
            && self.subject.is_none()
    }

    /// The selection in words, `class 2A1, subject Maths`; None for none.
    pub fn describe(&self) -> Option<String> {
        let parts: Vec<String> = [
            ("teacher", &self.teacher),
            ("class", &self.class),
            ("faculty", &self.faculty),
            ("subject", &self.subject),
        ]
        .iter()
        .filter_map(|(what, v)| v.as_ref().map(|v| format!("{what} {}", v.trim())))
        .collect();
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// Whether a subject row passes the filter.
    pub fn accepts(&self, row: &model::RowRef) -> bool {
        // Asked of every row: a filter not given reads no text.
        (self.teacher.is_none() || matches(&self.teacher, row.teacher()))
            && (self.class.is_none() || matches(&self.class, row.class()))
            && (self.faculty.is_none() || matches(&self.faculty, Some(row.faculty())))
            && (self.subject.is_none() || matches(&self.subject, Some(row.subject())))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn concat_keeps_every_line_in_school_order() {
        // (per school, all)
        let cases: &[(&[&[u8]], &[u8])] = &[
            (&[], &[]),
            (&[&[]], &[]),
            (&[&[1, 2]], &[1, 2]),
            (&[&[1], &[], &[2, 3]], &[1, 2, 3]),
        ];
        for (per_school, all) in cases {
            let parts: Vec<Vec<u8>> = per_school.iter().map(|p| p.to_vec()).collect();
            assert_eq!(super::concat(parts), *all, "{per_school:?}");
        }
    }
}
