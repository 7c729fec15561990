//! Which bytes of a 64-byte chunk are which, as a bit mask (bit `i` for
//! byte `i`): what the export scanner and the record splitter look for 64
//! bytes at a time. SSE2 on x86_64 (part of every such processor), a byte
//! loop elsewhere.

/// The bytes equal to `b`.
#[inline]
pub(super) fn equal(chunk: &[u8; 64], b: u8) -> u64 {
    each_16(chunk, |v| {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_set1_epi8};
            // SAFETY: SSE2 is part of every x86_64 processor.
            unsafe { _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8)) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            v.map(|c| c == b)
        }
    })
}

/// The bytes below 0x20 (control bytes, tab, CR and LF among them).
#[inline]
pub(super) fn control(chunk: &[u8; 64]) -> u64 {
    each_16(chunk, |v| {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_max_epu8, _mm_set1_epi8};
            // SAFETY: SSE2 is part of every x86_64 processor. A byte below
            // 0x20: the larger of it and 0x1f is 0x1f.
            unsafe {
                let below_space = _mm_set1_epi8(0x1f);
                _mm_cmpeq_epi8(_mm_max_epu8(v, below_space), below_space)
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            v.map(|c| c < 0x20)
        }
    })
}

/// `test` of each 16 bytes of the chunk, as one mask.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn each_16(
    chunk: &[u8; 64],
    test: impl Fn(std::arch::x86_64::__m128i) -> std::arch::x86_64::__m128i,
) -> u64 {
    use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_movemask_epi8};
    let mut mask = 0;
    for k in 0..4 {
        // SAFETY: SSE2 is part of every x86_64 processor; each load reads
        // 16 bytes inside the 64-byte chunk.
        let bits = unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().add(16 * k).cast::<__m128i>());
            _mm_movemask_epi8(test(v))
        };
        mask |= u64::from(bits as u16) << (16 * k);
    }
    mask
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn each_16(chunk: &[u8; 64], test: impl Fn([u8; 16]) -> [bool; 16]) -> u64 {
    let mut mask = 0;
    for k in 0..4 {
        let v: [u8; 16] = chunk[16 * k..16 * k + 16].try_into().expect("16 bytes");
        for (i, hit) in test(v).into_iter().enumerate() {
            mask |= u64::from(hit) << (16 * k + i);
        }
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_mark_exactly_the_bytes_asked_for() {
        let chunk: [u8; 64] =
            std::array::from_fn(|i| [b'a', b',', 0, b'\n', 0x1f, 0x20, 0xff][i % 7]);
        for b in [b'a', b',', 0, b'\n', 0xff, b'"'] {
            let want = (0..64)
                .filter(|&i| chunk[i] == b)
                .fold(0u64, |m, i| m | 1 << i);
            assert_eq!(equal(&chunk, b), want, "{b}");
        }
        let want = (0..64)
            .filter(|&i| chunk[i] < 0x20)
            .fold(0u64, |m, i| m | 1 << i);
        assert_eq!(control(&chunk), want);
    }
}
