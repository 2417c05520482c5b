//! Statistics shared by `compare`, `evaluate` and `train`, written once so that two analyses can never
//! disagree on what a quantile, an F1 or a bootstrap interval is.
//!
//! - [`random`]: the random streams (seeding, integer draws, shuffling) and the FNV-1a hash that keys them.
//! - [`bootstrap`]: the type-7 quantile, the 95% percentile interval and the one resampling loop that both
//!   the article-level share bootstrap of `compare` and the agreement bootstrap of `evaluate` run on.
//! - [`agreement`]: the confusion matrix and what is read off it (precision/recall/F1, accuracy,
//!   macro-F1, Cohen's kappa, Krippendorff's alpha).
//! - [`optim`]: the hand-written L-BFGS minimiser that `train` fits its heads with.
//!
//! # Seeding policy
//!
//! Every random choice framelens makes is drawn from ChaCha8, whose output stream for a 32-byte key is
//! fixed by its specification (and by `rand_chacha`'s stability promise), and only through raw `next_u64`
//! values, never through `rand`'s sampling conveniences (`random_range`, `shuffle`), whose algorithms may
//! change between `rand` versions. A `u64` seed becomes a key in one of two ways, both pinned by tests in
//! [`random`] so that an upgrade that moved either stream fails CI instead of silently moving published
//! numbers:
//!
//! - [`random::stream_rng`] builds the key by hand (seed ‖ FNV-1a(stream) ‖ FNV-1a(group)); it gives
//!   independent streams per purpose and per group. `compare` uses it, and new code should.
//! - [`random::seeded`] is `rand_core`'s `SeedableRng::seed_from_u64` (a PCG32 expansion of the seed), which
//!   `rand_core` declares value-stable (changing it is a value-breaking change). The fold assignment and
//!   splits of `train`, the draws of `sample` and the bootstrap of `evaluate` use it. It is kept, not
//!   replaced by [`random::stream_rng`], because switching would change every cross-validated score,
//!   held-out split and agreement interval framelens has already published.
//!
//! Integer draws follow the same rule: [`random::index_below`] (Lemire's multiply-and-reject) for the
//! `compare` bootstrap and new code, [`random::uniform_below`] (threshold rejection, then modulo) for the
//! `seeded` streams of `train`, `sample` and `evaluate`. Both are exactly uniform; they differ only in which
//! raw values they reject, so each caller keeps the draw its published outputs were made with.

pub mod agreement;
pub mod bootstrap;
pub mod optim;
pub mod random;
