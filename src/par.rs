//! Parallel work on every core through rayon's pool, sized once at start-up
//! (`TRACKER_THREADS` pins it, so fault-injection tests see one order of
//! system calls).

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

/// Size rayon's global pool: `TRACKER_THREADS`, else every core.
pub fn init() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = crate::store::threads(cores);
    // Fails only when the pool was already built (tests calling twice).
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global();
}

/// Maps over several items (schools) running now: while one is, the work
/// within an item runs on its own thread (see [`nested`]).
static OUTER: AtomicUsize = AtomicUsize::new(0);

/// `f` over `items` on every core, results in the order of `items`; the
/// first error in that order wins.
pub fn map<I: Sync, T: Send>(
    items: &[I],
    f: impl Fn(&I) -> anyhow::Result<T> + Sync + Send,
) -> anyhow::Result<Vec<T>> {
    let many = items.len() > 1;
    if many {
        OUTER.fetch_add(1, Ordering::SeqCst);
    }
    let done: Vec<anyhow::Result<T>> = items.par_iter().map(f).collect();
    if many {
        OUTER.fetch_sub(1, Ordering::SeqCst);
    }
    done.into_iter().collect()
}

/// Whether work within one item (one file's parts, one school's rows) goes
/// on every core: yes, unless a [`map`] over several items already keeps
/// every core busy. Nested, a thread waiting for its inner work may start
/// a further item, and hold both items' memory at once.
pub fn nested() -> bool {
    OUTER.load(Ordering::SeqCst) == 0
}

/// `f` over `items`, in order: on every core when [`nested`] allows, in
/// runs of at least `min_len` items.
pub fn map_within<I: Send, T: Send>(
    items: Vec<I>,
    min_len: usize,
    f: impl Fn(I) -> T + Sync + Send,
) -> Vec<T> {
    if nested() {
        items.into_par_iter().with_min_len(min_len).map(f).collect()
    } else {
        items.into_iter().map(f).collect()
    }
}

/// `f` over `range` into `out` (cleared first), in order: on every core
/// when [`nested`] allows. `out` keeps its memory from call to call, so a
/// large school judged a block at a time fills the same pages each time.
/// Each run of consecutive items shares one `init()` state, so `f` can
/// remember what the item before it looked up.
pub fn map_range_into<T: Send, S>(
    range: std::ops::Range<usize>,
    min_len: usize,
    out: &mut Vec<T>,
    init: impl Fn() -> S + Sync + Send,
    f: impl Fn(&mut S, usize) -> T + Sync + Send,
) {
    if nested() {
        range
            .into_par_iter()
            .with_min_len(min_len)
            .map_init(init, f)
            .collect_into_vec(out);
    } else {
        out.clear();
        let mut state = init();
        out.extend(range.map(|i| f(&mut state, i)));
    }
}

/// Append `f` of each of `items` to `out`, in order, written in place on
/// every core when [`nested`] allows.
pub fn extend_map<I: Sync, T: Send>(
    out: &mut Vec<T>,
    items: &[I],
    f: impl Fn(&I) -> T + Sync + Send,
) {
    if nested() {
        out.par_extend(items.par_iter().map(f));
    } else {
        out.extend(items.iter().map(f));
    }
}

/// `f` over `range` cut into runs of `run` (the last may be shorter), in
/// order: on every core when [`nested`] allows. For work that keeps
/// something from item to item within a run.
pub fn map_runs<T: Send>(
    range: std::ops::Range<usize>,
    run: usize,
    f: impl Fn(std::ops::Range<usize>) -> T + Sync + Send,
) -> Vec<T> {
    let end = range.end;
    let starts: Vec<usize> = range.step_by(run).collect();
    map_within(starts, 1, |start| f(start..(start + run).min(end)))
}

/// `f` over `range`, in order, on every core when [`nested`] allows, in
/// runs of at least `min_len` items: [`map_range_into`] for work that
/// keeps nothing from item to item and a new vector.
pub fn map_range<T: Send>(
    range: std::ops::Range<usize>,
    min_len: usize,
    f: impl Fn(usize) -> T + Sync + Send,
) -> Vec<T> {
    let mut out = Vec::new();
    map_range_into(range, min_len, &mut out, || (), |_, i| f(i));
    out
}

/// Sort `v` on every core when [`nested`] allows, else on this one.
pub fn sort_unstable<T: Ord + Send>(v: &mut [T]) {
    if nested() {
        v.par_sort_unstable();
    } else {
        v.sort_unstable();
    }
}

/// The distinct items of `items`, in no order: runs of them gathered into
/// sets on every core when [`nested`] allows, the sets then joined.
pub fn distinct<T: Eq + std::hash::Hash + Copy + Send + Sync>(items: &[T]) -> Vec<T> {
    use polars::prelude::PlHashSet;
    let set: PlHashSet<T> = if nested() {
        items
            .par_chunks(DISTINCT_RUN)
            .map(|run| run.iter().copied().collect::<PlHashSet<T>>())
            .reduce(PlHashSet::default, |mut a, b| {
                a.extend(b);
                a
            })
    } else {
        items.iter().copied().collect()
    };
    set.into_iter().collect()
}

/// Items [`distinct`] gathers into one set on one core.
const DISTINCT_RUN: usize = 1 << 14;

/// `a` and `b`, side by side when [`nested`] allows.
pub fn join_within<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if nested() {
        rayon::join(a, b)
    } else {
        (a(), b())
    }
}

/// Drop `value` on a core that has nothing else to do while the caller
/// goes on; or now, when a [`map`] over several items keeps every core
/// busy (a worker would hold each item's value until its share is done).
pub fn drop_later<T: Send + 'static>(value: T) {
    if nested() {
        rayon::spawn(move || drop(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cover_the_range_in_order() {
        // (range, run, each run's start and end)
        type Case = ((usize, usize), usize, &'static [(usize, usize)]);
        let cases: &[Case] = &[
            ((0, 0), 4, &[]),
            ((0, 3), 4, &[(0, 3)]),
            ((0, 8), 4, &[(0, 4), (4, 8)]),
            ((2, 11), 4, &[(2, 6), (6, 10), (10, 11)]),
        ];
        for &((start, end), run, want) in cases {
            let got = map_runs(start..end, run, |r| (r.start, r.end));
            assert_eq!(got, want, "{start}..{end} by {run}");
        }
    }

    #[test]
    fn map_keeps_order_and_reports_the_first_error() {
        let items: Vec<String> = (0..50).map(|i| format!("S{i:02}")).collect();
        let out = map(&items, |s| Ok(s.clone())).unwrap();
        assert_eq!(out, items);
        let err = map(&items, |s| {
            if s == "S07" || s == "S30" {
                anyhow::bail!("bad {s}")
            }
            Ok(())
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "bad S07");
    }

    #[test]
    fn map_range_maps_in_order() {
        // (range, expected)
        let cases = [
            (0..4, vec![0, 10, 20, 30]),
            (3..3, vec![]),
            (7..9, vec![70, 80]),
        ];
        for (range, want) in cases {
            assert_eq!(map_range(range, 2, |i| i * 10), want);
        }
    }

    #[test]
    fn map_range_into_replaces_what_out_held() {
        let mut out = vec![7; 3];
        for (range, want) in [
            (0..5, vec![0, 10, 20, 30, 40]),
            (3..4, vec![30]),
            (2..2, vec![]),
        ] {
            map_range_into(range, 2, &mut out, || (), |_, i| i * 10);
            assert_eq!(out, want);
        }
    }

    #[test]
    fn distinct_finds_each_item_once_over_many_runs() {
        let many: Vec<u32> = (0..3 * DISTINCT_RUN as u32 + 5).map(|i| i % 1000).collect();
        // (items, expected distinct items, sorted)
        let cases: [(&[u32], Vec<u32>); 4] = [
            (&[], vec![]),
            (&[3, 3, 3], vec![3]),
            (&[5, 1, 5, 2, 1], vec![1, 2, 5]),
            (&many, (0..1000).collect()),
        ];
        for (items, want) in cases {
            let mut got = distinct(items);
            got.sort_unstable();
            assert_eq!(got, want, "{} items", items.len());
        }
    }
}
