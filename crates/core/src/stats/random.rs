//! The random streams: why framelens draws integers and seeds generators by hand, see the seeding policy
//! in [`crate::stats`]. Outputs must be byte-identical across platforms and crate versions, so nothing here
//! depends on `std`'s randomly keyed hasher or on `rand`'s sampling algorithms.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// 64-bit FNV-1a. Fixed and tiny, so shard assignment and stream keys never change with the Rust or std
/// version.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The generator for one (stream, group): key = seed ‖ FNV-1a(stream) ‖ FNV-1a(group) ‖ 0, little-endian.
/// A separate stream per group keeps a group's intervals unchanged when other groups are added or
/// removed; a separate stream per purpose ("shares", "differences") keeps the two analyses independent.
/// Concatenating instead of XOR-ing avoids two (seed, group) pairs colliding on one key.
pub fn stream_rng(seed: u64, stream: &str, group: &str) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&fnv1a64(stream.as_bytes()).to_le_bytes());
    key[16..24].copy_from_slice(&fnv1a64(group.as_bytes()).to_le_bytes());
    ChaCha8Rng::from_seed(key)
}

/// ChaCha8 keyed by `rand_core`'s `seed_from_u64(seed)`: the generator of `train`, `sample` and
/// `evaluate` (see the seeding policy in [`crate::stats`] for why it is kept beside [`stream_rng`]).
pub fn seeded(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Uniform integer in `0..n` (n > 0), unbiased (Lemire 2019), from raw 64-bit outputs only. The draw of
/// [`stream_rng`] streams.
pub fn index_below(rng: &mut impl RngCore, n: usize) -> usize {
    debug_assert!(n > 0);
    let n = n as u64;
    let mut m = u128::from(rng.next_u64()) * u128::from(n);
    if (m as u64) < n {
        let threshold = n.wrapping_neg() % n;
        while (m as u64) < threshold {
            m = u128::from(rng.next_u64()) * u128::from(n);
        }
    }
    (m >> 64) as usize
}

/// Uniform integer in `0..n` (n > 0), unbiased: raw values at or above the largest multiple of `n` are
/// rejected, the rest taken modulo `n`. The draw of [`seeded`] streams, kept so that their folds, splits
/// and intervals stay as published.
pub fn uniform_below(rng: &mut impl RngCore, n: usize) -> usize {
    assert!(n > 0);
    let n = n as u64;
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let v = rng.next_u64();
        if v < zone {
            return (v % n) as usize;
        }
    }
}

/// Fisher–Yates shuffle on [`uniform_below`].
pub fn shuffle<T>(items: &mut [T], rng: &mut impl RngCore) {
    for i in (1..items.len()).rev() {
        let j = uniform_below(rng, i + 1);
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_reference_vectors() {
        // Published FNV-1a 64 test vectors.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn stream_rng_is_pinned() {
        // Guards reproducibility across versions: if the key layout or the ChaCha8 stream changed, every
        // published interval would silently move. The value was checked against an independent ChaCha8
        // written in Python from the specification (RFC 7539 block function, 8 rounds, key =
        // 42 ‖ fnv1a("shares") ‖ fnv1a("Outlet A") ‖ 0 little-endian, counter 0, nonce 0; the first u64 is
        // words 0 and 1 of the first block, low word first).
        let mut rng = stream_rng(42, "shares", "Outlet A");
        let first = rng.next_u64();
        let mut again = stream_rng(42, "shares", "Outlet A");
        assert_eq!(first, again.next_u64());
        assert_ne!(first, stream_rng(43, "shares", "Outlet A").next_u64());
        assert_ne!(first, stream_rng(42, "shares", "Outlet B").next_u64());
        assert_ne!(first, stream_rng(42, "differences", "Outlet A").next_u64());
        assert_eq!(first, 2_055_089_637_217_443_816);
    }

    #[test]
    fn seeded_is_pinned() {
        // `seed_from_u64` is rand_core's to define; this value (first output for seed 13, the default of
        // `eval` and `train --split-seed`) makes an upgrade that changed it fail here, not in the numbers.
        assert_eq!(seeded(13).next_u64(), PINNED_SEEDED_13);
    }
    const PINNED_SEEDED_13: u64 = 6_234_031_553_773_679_537;

    #[test]
    fn draws_are_in_range_and_roughly_uniform() {
        let mut rng = stream_rng(1, "t", "g");
        let mut lemire = [0usize; 3];
        let mut modulo = [0usize; 3];
        for _ in 0..30_000 {
            lemire[index_below(&mut rng, 3)] += 1;
            modulo[uniform_below(&mut rng, 3)] += 1;
        }
        for h in lemire.into_iter().chain(modulo) {
            assert!((9_500..10_500).contains(&h), "{lemire:?} {modulo:?}");
        }
        assert_eq!(index_below(&mut rng, 1), 0);
        assert_eq!(uniform_below(&mut rng, 1), 0);
    }

    #[test]
    fn shuffle_is_a_seeded_permutation() {
        let mut a: Vec<u32> = (0..20).collect();
        let mut b = a.clone();
        shuffle(&mut a, &mut seeded(7));
        shuffle(&mut b, &mut seeded(7));
        assert_eq!(a, b);
        assert_ne!(a, (0..20).collect::<Vec<_>>());
        a.sort_unstable();
        assert_eq!(a, (0..20).collect::<Vec<_>>());
    }
}
