//! Temperature scaling (Guo et al. 2017) and expected calibration error.
//!
//! A logistic-regression head fitted with weak regularisation is over-confident; one scalar T, fitted on
//! held-out logits by minimising the negative log-likelihood of softmax(z / T), fixes most of that without
//! changing any decision (argmax and threshold order are invariant). The fit uses out-of-fold logits,
//! never the training rows' own, and the head keeps the fitted T only if it lowers the NLL of held-out
//! folds (cross-fitted), so an already-calibrated head is not tuned to noise. NLL(1/T) is convex in β = 1/T (its second derivative is the variance of
//! the logits under the model), so bisection on the sign of the derivative finds the optimum exactly and
//! deterministically.

use ndarray::{ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::cv::split;

/// The range of temperatures considered; beyond it the data say "separable" or "pure noise" and the
/// bound is used.
pub const T_MIN: f64 = 1e-3;
/// Upper bound of the temperatures considered.
pub const T_MAX: f64 = 1e3;

fn log_softmax_at(z: &[f64], beta: f64, target: usize) -> (f64, f64) {
    // Returns (log p_target, E_p[z] − z_target) at scale beta.
    let max = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max) * beta;
    let mut sum = 0.0;
    let mut ez = 0.0;
    for &v in z {
        let e = (beta * v - max).exp();
        sum += e;
        ez += e * v;
    }
    let lse = max + sum.ln();
    (beta * z[target] - lse, ez / sum - z[target])
}

/// Mean negative log-likelihood of `y` under softmax(logits / T).
pub fn mean_nll(logits: ArrayView2<f32>, y: &[usize], temperature: f64) -> f64 {
    let beta = 1.0 / temperature;
    let mut total = 0.0;
    for (row, &t) in logits.rows().into_iter().zip(y) {
        let z: Vec<f64> = row.iter().map(|v| f64::from(*v)).collect();
        total -= log_softmax_at(&z, beta, t).0;
    }
    total / y.len().max(1) as f64
}

fn bisect_beta(mut derivative: impl FnMut(f64) -> f64) -> f64 {
    let (mut lo, mut hi) = ((1.0 / T_MAX).ln(), (1.0 / T_MIN).ln());
    if derivative(hi.exp()) <= 0.0 {
        return hi.exp();
    }
    if derivative(lo.exp()) >= 0.0 {
        return lo.exp();
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if derivative(mid.exp()) > 0.0 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    (0.5 * (lo + hi)).exp()
}

/// The temperature minimising the mean NLL of softmax(logits / T) on `y`, in [`T_MIN`, `T_MAX`].
/// Stored as `f32` because the head stores it so (the value used at run time is the one reported).
pub fn fit_temperature(logits: ArrayView2<f32>, y: &[usize]) -> f32 {
    if y.is_empty() {
        return 1.0;
    }
    let rows: Vec<Vec<f64>> = logits.rows().into_iter().map(|r| r.iter().map(|v| f64::from(*v)).collect()).collect();
    let beta = bisect_beta(|beta| rows.iter().zip(y).map(|(z, &t)| log_softmax_at(z, beta, t).1).sum::<f64>());
    (1.0 / beta) as f32
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// log(1 + e^z) without overflow.
pub(crate) fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

/// Mean binary NLL over every (row, label) cell of one-vs-rest logits `n × L` with truth `y` (n × L).
pub fn mean_nll_binary(logits: ArrayView2<f32>, y: ArrayView2<bool>, temperature: f64) -> f64 {
    let beta = 1.0 / temperature;
    let mut total = 0.0;
    for (z, t) in logits.iter().zip(y.iter()) {
        let s = beta * f64::from(*z);
        total += softplus(s) - if *t { s } else { 0.0 };
    }
    total / logits.len().max(1) as f64
}

/// One shared temperature for one-vs-rest logits, minimising [`mean_nll_binary`].
pub fn fit_temperature_binary(logits: ArrayView2<f32>, y: ArrayView2<bool>) -> f32 {
    if logits.is_empty() {
        return 1.0;
    }
    let cells: Vec<(f64, bool)> = logits.iter().zip(y.iter()).map(|(z, t)| (f64::from(*z), *t)).collect();
    let beta = bisect_beta(|beta| {
        cells.iter().map(|&(z, t)| (sigmoid(beta * z) - if t { 1.0 } else { 0.0 }) * z).sum::<f64>()
    });
    (1.0 / beta) as f32
}

fn bin_of(p: f64, bins: usize) -> usize {
    // Bins ((b−1)/B, b/B]; p = 0 goes to the first.
    ((p * bins as f64).ceil() as usize).clamp(1, bins) - 1
}

/// Expected calibration error of softmax(logits / T) with `bins` equal-width confidence bins:
/// Σ_b (n_b / n) · |accuracy_b − mean confidence_b|, confidence = the top probability (Guo et al. 2017).
pub fn expected_calibration_error(logits: ArrayView2<f32>, y: &[usize], temperature: f64, bins: usize) -> f64 {
    let pairs: Vec<(f64, bool)> = logits
        .rows()
        .into_iter()
        .zip(y)
        .map(|(row, &t)| {
            let z: Vec<f64> = row.iter().map(|v| f64::from(*v)).collect();
            let mut top = 0;
            for (i, v) in z.iter().enumerate() {
                if *v > z[top] {
                    top = i;
                }
            }
            (log_softmax_at(&z, 1.0 / temperature, top).0.exp(), top == t)
        })
        .collect();
    confidence_ece(&pairs, bins)
}

/// Expected calibration error of (confidence, was the prediction right) pairs in `bins` equal-width bins:
/// Σ_b (n_b / n) · |accuracy_b − mean confidence_b|. Also what `eval` reports for a head's scores on coded rows.
pub fn confidence_ece(pairs: &[(f64, bool)], bins: usize) -> f64 {
    let mut conf = vec![0.0; bins];
    let mut correct = vec![0.0; bins];
    for &(p, right) in pairs {
        let b = bin_of(p, bins);
        conf[b] += p;
        correct[b] += f64::from(u8::from(right));
    }
    let n = pairs.len().max(1) as f64;
    (0..bins).map(|b| (correct[b] - conf[b]).abs() / n).sum()
}

/// Binary ECE for one-vs-rest outputs: every (row, label) cell binned by its probability σ(z / T),
/// Σ_b (n_b / N) · |positive rate_b − mean probability_b| (a reliability diagram's gap).
pub fn expected_calibration_error_binary(
    logits: ArrayView2<f32>,
    y: ArrayView2<bool>,
    temperature: f64,
    bins: usize,
) -> f64 {
    let mut count = vec![0usize; bins];
    let mut prob = vec![0.0; bins];
    let mut pos = vec![0.0; bins];
    for (z, t) in logits.iter().zip(y.iter()) {
        let p = sigmoid(f64::from(*z) / temperature);
        let b = bin_of(p, bins);
        count[b] += 1;
        prob[b] += p;
        if *t {
            pos[b] += 1.0;
        }
    }
    let n = logits.len().max(1) as f64;
    (0..bins).filter(|&b| count[b] > 0).map(|b| (pos[b] - prob[b]).abs() / n).sum()
}

/// Calibration figures for the training report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationReport {
    /// The temperature the head uses: `fitted_temperature` when scaling lowered the cross-fitted NLL,
    /// else 1 (a head that is already calibrated is left alone rather than tuned to noise; measured on
    /// VAST's topic-grouped folds, where T = 0.93 moved held-out NLL from 0.7628 to 0.7632).
    pub temperature: f64,
    /// Fitted on all out-of-fold logits (its `f32`, widened).
    pub fitted_temperature: f64,
    pub(crate) bins: usize,
    /// Out-of-fold NLL / ECE at T = 1.
    pub nll_uncalibrated: f64,
    pub(crate) ece_uncalibrated: f64,
    /// Out-of-fold NLL / ECE after scaling, cross-fitted: each fold's logits are scaled by a temperature
    /// fitted on the other folds, so these are honest held-out figures for the scaled head.
    pub nll_calibrated: f64,
    pub(crate) ece_calibrated: f64,
}

impl CalibrationReport {
    /// Assembles the report and decides whether the fitted temperature is used.
    pub fn new(
        fitted: f32,
        bins: usize,
        (nll_uncalibrated, ece_uncalibrated): (f64, f64),
        (nll_calibrated, ece_calibrated): (f64, f64),
    ) -> Self {
        let fitted_temperature = f64::from(fitted);
        CalibrationReport {
            temperature: if nll_calibrated < nll_uncalibrated { fitted_temperature } else { 1.0 },
            fitted_temperature,
            bins,
            nll_uncalibrated,
            ece_uncalibrated,
            nll_calibrated,
            ece_calibrated,
        }
    }

    /// The temperature to store in the head.
    pub fn head_temperature(&self) -> f32 {
        self.temperature as f32
    }
}

/// Calibration report of out-of-fold logits (single-label) with the fold assignment used to produce them.
pub fn calibration_report(oof_logits: ArrayView2<f32>, y: &[usize], folds: &[usize], bins: usize) -> CalibrationReport {
    let temperature = fit_temperature(oof_logits, y);
    let k_folds = folds.iter().max().map_or(0, |m| m + 1);
    let mut nll = 0.0;
    let mut ece = 0.0;
    for f in 0..k_folds {
        let (rest, this) = split(folds, f);
        if this.is_empty() {
            continue;
        }
        let yr: Vec<usize> = rest.iter().map(|&i| y[i]).collect();
        let yt: Vec<usize> = this.iter().map(|&i| y[i]).collect();
        let t = f64::from(fit_temperature(oof_logits.select(Axis(0), &rest).view(), &yr));
        let lt = oof_logits.select(Axis(0), &this);
        let w = this.len() as f64 / y.len() as f64;
        nll += w * mean_nll(lt.view(), &yt, t);
        ece += w * expected_calibration_error(lt.view(), &yt, t, bins);
    }
    CalibrationReport::new(
        temperature,
        bins,
        (mean_nll(oof_logits, y, 1.0), expected_calibration_error(oof_logits, y, 1.0, bins)),
        (nll, ece),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::softmax_regression::{SoftmaxOptions, SoftmaxRegression};
    use crate::train::testdata::gaussian_classes;
    use ndarray::array;

    #[test]
    fn confidence_ece_is_the_binned_gap_between_confidence_and_accuracy() {
        // Ten rows at 0.8, eight right: calibrated. The same rows at 0.95: a gap of 0.15.
        let at = |p: f64| (0..10).map(|i| (p, i < 8)).collect::<Vec<_>>();
        assert!(confidence_ece(&at(0.8), 10) < 1e-12);
        assert!((confidence_ece(&at(0.95), 10) - 0.15).abs() < 1e-12);
        // Two bins, each off by 0.1 in opposite directions: the gaps add, weighted by their rows.
        let mut two = vec![(0.3, true), (0.3, false), (0.3, false), (0.3, false), (0.3, false)];
        two.extend([(0.9, true); 4].iter().copied().chain([(0.9, true)]));
        let e = confidence_ece(&two, 10);
        assert!((e - (0.5 * 0.1 + 0.5 * 0.1)).abs() < 1e-12, "{e}");
    }

    #[test]
    fn temperature_is_the_nll_minimiser() {
        let z = array![[2.0f32, 0.0, -1.0], [0.5, 1.5, 0.0], [3.0, -2.0, 0.0], [0.0, 0.2, 0.1]];
        let y = [0usize, 0, 0, 2];
        let t = f64::from(fit_temperature(z.view(), &y));
        let at = mean_nll(z.view(), &y, t);
        for dt in [0.97, 0.99, 1.01, 1.03] {
            assert!(mean_nll(z.view(), &y, t * dt) > at, "T {t} not a minimum");
        }
    }

    #[test]
    fn calibration_lowers_nll_on_held_out_data() {
        // Overlapping classes in many dimensions, almost no regularisation: an over-confident model.
        let (x, y) = gaussian_classes(600, 40, 3, 1.0, 0.45, 21);
        let (xa, ya) = (x.slice(ndarray::s![..200, ..]), &y[..200]);
        let (xb, yb) = (x.slice(ndarray::s![200..400, ..]), &y[200..400]);
        let (xc, yc) = (x.slice(ndarray::s![400.., ..]), &y[400..]);
        let (m, _) = SoftmaxRegression::fit(xa, ya, 3, &SoftmaxOptions { l2: 1e-6, ..Default::default() }).unwrap();
        let t = f64::from(fit_temperature(m.logits_batch(xb).view(), yb));
        assert!(t > 1.2, "an over-confident model needs T > 1, got {t}");
        let lc = m.logits_batch(xc);
        let (before, after) = (mean_nll(lc.view(), yc, 1.0), mean_nll(lc.view(), yc, t));
        assert!(after < before * 0.9, "held-out NLL {before} → {after}");
        let (e0, e1) =
            (expected_calibration_error(lc.view(), yc, 1.0, 10), expected_calibration_error(lc.view(), yc, t, 10));
        assert!(e1 < e0, "held-out ECE {e0} → {e1}");
    }

    #[test]
    fn temperature_is_used_only_when_it_helps_held_out_folds() {
        let helps = CalibrationReport::new(2.5, 10, (0.9, 0.2), (0.7, 0.05));
        assert_eq!((helps.temperature, helps.head_temperature()), (2.5, 2.5));
        let hurts = CalibrationReport::new(0.93, 10, (0.7628, 0.013), (0.7632, 0.032));
        assert_eq!((hurts.temperature, hurts.fitted_temperature as f32), (1.0, 0.93));
    }

    #[test]
    fn ece_by_hand() {
        // Two-class logits with T = 1:
        //   row 0: z = (ln 9, 0) → p = 0.9 top 0, correct   → bin (0.8, 0.9]
        //   row 1: z = (ln 9, 0) → p = 0.9 top 0, wrong     → bin (0.8, 0.9]
        //   row 2: z = (0, ln 3) → p = 0.75 top 1, correct  → bin (0.7, 0.8]
        //   row 3: z = (0, 0)    → p = 0.5 top 0, correct   → bin (0.4, 0.5]
        // ECE = 2/4·|0.5 − 0.9| + 1/4·|1 − 0.75| + 1/4·|1 − 0.5| = 0.2 + 0.0625 + 0.125 = 0.3875
        let l9 = 9f32.ln();
        let l3 = 3f32.ln();
        let z = array![[l9, 0.0], [l9, 0.0], [0.0, l3], [0.0, 0.0]];
        let e = expected_calibration_error(z.view(), &[0, 1, 1, 0], 1.0, 10);
        assert!((e - 0.3875).abs() < 1e-6, "{e}");
        assert_eq!(bin_of(0.0, 10), 0);
        assert_eq!(bin_of(0.1, 10), 0);
        assert_eq!(bin_of(1.0, 10), 9);
    }

    #[test]
    fn binary_temperature_shrinks_overconfident_logits() {
        // Logits 4× too large for the observed rates: p(σ(4)) = 0.982 where the truth is ~0.73.
        let mut z = Vec::new();
        let mut y = Vec::new();
        for i in 0..100 {
            z.push(4.0f32);
            y.push(i % 4 != 0); // 75% positive
            z.push(-4.0);
            y.push(i % 4 == 0); // 25% positive
        }
        let z = ndarray::Array2::from_shape_vec((100, 2), z).unwrap();
        let y = ndarray::Array2::from_shape_vec((100, 2), y).unwrap();
        let t = f64::from(fit_temperature_binary(z.view(), y.view()));
        // Optimum: σ(4/T) = 0.75 → T = 4 / ln 3.
        assert!((t - 4.0 / 3f64.ln()).abs() < 1e-4, "{t}");
        assert!(mean_nll_binary(z.view(), y.view(), t) < mean_nll_binary(z.view(), y.view(), 1.0));
        assert!(
            expected_calibration_error_binary(z.view(), y.view(), t, 10)
                < expected_calibration_error_binary(z.view(), y.view(), 1.0, 10)
        );
    }
}
