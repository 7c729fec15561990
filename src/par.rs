//! Parallel work on every core through rayon's pool, sized once at start-up
//! (`TRACKER_THREADS` pins it, so fault-injection tests see one order of
//! system calls).

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

/// `f` over `items` on every core, results in the order of `items`; the
/// first error in that order wins.
pub fn map<I: Sync, T: Send>(
    items: &[I],
    f: impl Fn(&I) -> anyhow::Result<T> + Sync + Send,
) -> anyhow::Result<Vec<T>> {
    let done: Vec<anyhow::Result<T>> = items.par_iter().map(f).collect();
    done.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
