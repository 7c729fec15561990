//! The generator's own PRNG, so a seed gives the same bytes forever.

/// splitmix64's finaliser: seeds the PRNG and derives stable values from keys.
pub(super) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(super) fn key(parts: &[u64]) -> u64 {
    parts.iter().fold(0x7261_636B_6572, |h, &p| mix(h ^ p))
}

/// About normal(0, 1) from 64 random bits: the sum of four 16-bit uniforms
/// (Irwin-Hall), scaled. Exact arithmetic only, so identical everywhere.
pub(super) fn gauss(bits: u64) -> f64 {
    let sum = (bits & 0xFFFF) + (bits >> 16 & 0xFFFF) + (bits >> 32 & 0xFFFF) + (bits >> 48);
    (sum as f64 / 65536.0 - 2.0) * 1.732_050_807_568_877_2
}

/// xoshiro256**, written here rather than taken from a crate so it never changes.
pub(super) struct Rng([u64; 4]);

impl Rng {
    pub(super) fn new(parts: &[u64]) -> Rng {
        let mut h = key(parts);
        Rng(std::array::from_fn(|_| {
            h = mix(h);
            h
        }))
    }

    pub(super) fn next(&mut self) -> u64 {
        let s = &mut self.0;
        let out = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64) < p * (1u64 << 53) as f64
    }

    pub(super) fn normal(&mut self) -> f64 {
        gauss(self.next())
    }

    pub(super) fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}
