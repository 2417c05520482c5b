//! The bootstrap, once: resampling with replacement, the type-7 quantile and the 95% percentile interval,
//! for the article-level share intervals of `compare` and the agreement intervals of `evaluate`.
//!
//! Why articles are resampled, not paragraphs: the paragraphs of one article share an author, an argument
//! and usually a frame, so they are strongly correlated. The article is the unit that was sampled (an
//! outlet publishes articles), and resampling articles with replacement, then recomputing the share as
//! (labelled paragraphs in the resample) / (paragraphs in the resample), keeps each article's paragraphs
//! together and gives honest intervals. Resampling paragraphs would treat a 7-paragraph op-ed as 7
//! independent observations and give intervals that are too narrow. [`bootstrap_intervals`] resamples
//! whatever units its caller names (paragraphs, or articles through `evaluate`'s unit map).
//!
//! Why the percentile interval: shares live in [0, 1] and are skewed near the bounds; the percentile
//! interval respects the bounds (never below 0 or above 1) without a normal approximation. Quantiles use
//! linear interpolation between order statistics (R's type 7, numpy's default), so a user can reproduce
//! them from the resampled values with standard tools.
//!
//! The random streams and integer draws come from [`crate::stats::random`] under its seeding policy:
//! [`share_intervals`] and [`resample_sums`] draw with [`index_below`] from the caller's
//! [`crate::stats::random::stream_rng`]; [`bootstrap_intervals`] with [`uniform_below`] from
//! [`crate::stats::random::seeded`], each as its published outputs were made.

use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::random::{index_below, seeded, uniform_below};

/// One sampling unit (an article's body paragraphs within a group): label counts and paragraph total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Counts per label; for `compare`, frames (codebook order, `other`) then stances.
    pub counts: Vec<u32>,
    /// Paragraphs in the unit: the denominator weight. For `compare` it equals the sum of the frame
    /// counts and the sum of the stance counts.
    pub n: u32,
}

/// Units packed row-major into one array (the counts of the first `cols` labels, then `n`), built once per
/// bootstrap. Why: the resampling loop touches `resamples × units` rows (2·10⁹ for 50,000 articles in 20
/// outlets with the group-vs-rest contrasts), and contiguous rows keep it memory-bound instead of
/// pointer-chasing one heap allocation per article.
#[derive(Debug, Clone)]
pub struct Packed {
    cols: usize,
    data: Vec<u32>,
    len: usize,
}

impl Packed {
    /// Packs the first `cols` label counts (and `n`) of each unit.
    pub fn new(units: &[Unit], cols: usize) -> Packed {
        let mut data = Vec::with_capacity(units.len() * (cols + 1));
        for u in units {
            data.extend_from_slice(&u.counts[..cols]);
            data.push(u.n);
        }
        Packed { cols, data, len: units.len() }
    }

    /// Number of units.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no units.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Draws `units.len()` units with replacement, adds their counts into `sums` (zeroed first; its length is
/// the packed `cols`) and returns the resample's paragraph total.
pub fn resample_sums(units: &Packed, rng: &mut impl RngCore, sums: &mut [u64]) -> u64 {
    sums.iter_mut().for_each(|s| *s = 0);
    let stride = units.cols + 1;
    let mut total = 0u64;
    for _ in 0..units.len {
        let i = index_below(rng, units.len);
        let row = &units.data[i * stride..(i + 1) * stride];
        for (s, &c) in sums.iter_mut().zip(&row[..units.cols]) {
            *s += u64::from(c);
        }
        total += u64::from(row[units.cols]);
    }
    total
}

/// Quantile `p` of ascending `sorted` values, linear interpolation between order statistics (type 7,
/// numpy's default).
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    assert!(!sorted.is_empty(), "quantile of no values");
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    if lo + 1 < sorted.len() {
        sorted[lo] + (h - lo as f64) * (sorted[lo + 1] - sorted[lo])
    } else {
        sorted[lo]
    }
}

/// The 95% percentile interval of `values` (sorted in place).
pub fn percentile_interval(values: &mut [f64]) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    (quantile(values, 0.025), quantile(values, 0.975))
}

/// 95% intervals of the paragraph-weighted share of each of `width` labels, from `resamples` article-level
/// resamples. All labels are computed from the same resamples, so frame and stance intervals of one group
/// describe one bootstrap distribution.
///
/// Units must be non-empty, each with `n > 0` (a group only exists through its body paragraphs).
pub fn share_intervals(units: &[Unit], width: usize, resamples: usize, rng: &mut impl RngCore) -> Vec<(f64, f64)> {
    let packed = Packed::new(units, width);
    let mut values = vec![Vec::with_capacity(resamples); width];
    let mut sums = vec![0u64; width];
    for _ in 0..resamples {
        let total = resample_sums(&packed, rng, &mut sums);
        for (v, &s) in values.iter_mut().zip(&sums) {
            v.push(s as f64 / total as f64);
        }
    }
    values.iter_mut().map(|v| percentile_interval(v)).collect()
}

/// A statistic with its bootstrap 95% percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The statistic on the full sample.
    pub estimate: f64,
    /// 2.5th percentile of the bootstrap replicates.
    pub lo: f64,
    /// 97.5th percentile of the bootstrap replicates.
    pub hi: f64,
    /// Replicates in which the statistic was defined (the percentiles come from these).
    pub replicates: usize,
}

/// Bootstrap percentile intervals for several statistics of `n_units` units at once: each replicate draws
/// `n_units` unit indices with replacement ([`uniform_below`] on [`seeded`]`(seed)`) and evaluates every
/// statistic on the same draw. A statistic returning `None` (undefined on a replicate) skips that replicate.
/// Returns one interval per statistic, `None` where the full-sample value is undefined or no replicate was.
///
/// Units are whatever the caller resamples: paragraphs, or whole articles when paragraphs of one article
/// are not independent.
#[allow(clippy::type_complexity)]
pub fn bootstrap_intervals(
    n_units: usize,
    replicates: usize,
    seed: u64,
    stats: &[&dyn Fn(&[usize]) -> Option<f64>],
) -> Vec<Option<Interval>> {
    let all: Vec<usize> = (0..n_units).collect();
    let full: Vec<Option<f64>> = stats.iter().map(|s| s(&all)).collect();
    let mut values: Vec<Vec<f64>> = vec![Vec::with_capacity(replicates); stats.len()];
    let mut rng = seeded(seed);
    let mut draw = vec![0usize; n_units];
    if n_units > 0 {
        for _ in 0..replicates {
            for d in draw.iter_mut() {
                *d = uniform_below(&mut rng, n_units);
            }
            for (s, vals) in stats.iter().zip(values.iter_mut()) {
                if let Some(v) = s(&draw) {
                    if v.is_finite() {
                        vals.push(v);
                    }
                }
            }
        }
    }
    full.into_iter()
        .zip(values)
        .map(|(est, mut vals)| {
            let est = est?;
            if vals.is_empty() {
                return None;
            }
            let (lo, hi) = percentile_interval(&mut vals);
            Some(Interval { estimate: est, lo, hi, replicates: vals.len() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(counts: &[u32]) -> Unit {
        Unit { counts: counts.to_vec(), n: counts.iter().sum() }
    }

    #[test]
    fn quantile_is_type_7() {
        // numpy.quantile([1, 2, 3, 4], 0.025) = 1 + 0.075 * 1 = 1.075; at 0.975: 3 + 0.925 = 3.925.
        let v = [1.0, 2.0, 3.0, 4.0];
        assert!((quantile(&v, 0.025) - 1.075).abs() < 1e-12);
        assert!((quantile(&v, 0.975) - 3.925).abs() < 1e-12);
        assert_eq!(quantile(&[7.0], 0.5), 7.0);
        // R: quantile(c(3, 1, 10, 4, 7), c(0, .1, .5, .9, 1), type = 7) = 1.0 1.8 4.0 8.8 10.0
        let mut v = [3.0, 1.0, 10.0, 4.0, 7.0];
        v.sort_by(f64::total_cmp);
        let got: Vec<f64> = [0.0, 0.1, 0.5, 0.9, 1.0].iter().map(|&p| quantile(&v, p)).collect();
        for (g, want) in got.iter().zip([1.0, 1.8, 4.0, 8.8, 10.0]) {
            assert!((g - want).abs() < 1e-12, "{got:?}");
        }
        // The percentile interval sorts first: 2.5% of 1..=5 is 1.1, 97.5% is 4.9.
        let (lo, hi) = percentile_interval(&mut [5.0, 1.0, 4.0, 2.0, 3.0]);
        assert!((lo - 1.1).abs() < 1e-12 && (hi - 4.9).abs() < 1e-12, "{lo} {hi}");
    }

    #[test]
    fn bootstrap_intervals_are_seeded_and_skip_undefined_statistics() {
        let mean = |idx: &[usize]| Some(idx.iter().map(|&i| i as f64).sum::<f64>() / idx.len() as f64);
        let never = |_: &[usize]| None;
        let a = bootstrap_intervals(10, 200, 5, &[&mean, &never]);
        assert_eq!(a, bootstrap_intervals(10, 200, 5, &[&mean, &never]));
        let m = a[0].unwrap();
        assert_eq!((m.estimate, m.replicates), (4.5, 200));
        assert!(m.lo < 4.5 && 4.5 < m.hi && m.lo >= 0.0 && m.hi <= 9.0, "{m:?}");
        assert_eq!(a[1], None);
        assert_eq!(bootstrap_intervals(0, 200, 5, &[&mean])[0], None);
    }

    #[test]
    fn two_articles_give_the_three_possible_resample_shares() {
        // Articles (a=1 of 4) and (a=0 of 2). A resample of two articles is {1,1} with p=1/4 → share
        // 2/8 = 0.25, {1,2} with p=1/2 → 1/6, {2,2} with p=1/4 → 0. With 25% of the mass at each end,
        // the 2.5% and 97.5% quantiles are exactly 0 and 0.25. Paragraph-level resampling (6 draws from
        // one `a` among 6 paragraphs) would reach 2/6 and 3/6 and fail this test.
        let units = [unit(&[1, 3]), unit(&[0, 2])];
        let mut rng = crate::stats::random::stream_rng(42, "shares", "Y");
        let ci = share_intervals(&units, 2, 2000, &mut rng);
        assert_eq!(ci[0], (0.0, 0.25));
        assert_eq!(ci[1], (0.75, 1.0));
    }
}
