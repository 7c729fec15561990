//! Synthetic SEEMiS exports for `tracker demo` and the benchmarks.

pub mod generate;
