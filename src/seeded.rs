//! A seeded pseudo-random sequence for tests that make many cases: the
//! same seed gives the same cases on every run and machine.

/// A 64-bit linear congruential generator (Knuth's MMIX constants),
/// read from its high bits.
pub(crate) struct Seeded(u64);

impl Seeded {
    pub(crate) fn new(seed: u64) -> Seeded {
        Seeded(seed)
    }

    /// The next number below `n` (at least 1).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}
