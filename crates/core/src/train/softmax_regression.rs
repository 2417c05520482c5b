//! Multinomial logistic regression (softmax regression) on frozen embeddings: L2-regularised, optionally
//! class-weighted, fitted deterministically with [`crate::train::optim`]'s L-BFGS.
//!
//! Objective, for rows `x_i` with labels `y_i` and weights `w_i = class_weight[y_i] · sample_weight_i`:
//!
//! ```text
//! J(W, b) = Σ_i w_i · (logsumexp(W x_i + b) − (W x_i + b)_{y_i}) / Σ_i w_i  +  λ/2 · ‖W − W₀‖²
//! ```
//!
//! The loss is a weighted *mean*, so λ means the same at any data size; the bias is not penalised; `W₀`
//! is zero except when refining a shipped head toward a few new examples (a prior centred on the old
//! weights). With balanced class weights (`n / (k · n_c)`, summing to `n`) this is scikit-learn's
//! `LogisticRegression(C = 1 / (λ · n), class_weight = "balanced")` (lbfgs, multinomial), up to solver
//! tolerance — a test checks against a value computed with scikit-learn once.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::optim::{minimize, LbfgsOptions, LbfgsReport};
use super::TrainError;

/// How rows are weighted by class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeight {
    /// Each class weighs the same in total (`n / (k · n_c)` per row, `k` = classes present): hand-coded
    /// frame data is skewed, and an unweighted fit would rarely predict the rare frames analysts care about.
    #[default]
    Balanced,
    /// Every row weighs the same.
    Uniform,
}

/// Settings of one fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoftmaxOptions {
    /// λ in the objective above (per mean-loss unit).
    pub l2: f64,
    pub(crate) class_weight: ClassWeight,
    pub(crate) solver: LbfgsOptions,
}

impl Default for SoftmaxOptions {
    fn default() -> Self {
        SoftmaxOptions { l2: 1e-3, class_weight: ClassWeight::Balanced, solver: LbfgsOptions::default() }
    }
}

/// Row weights `class_weight[y_i] · sample_weight_i`, normalised to sum 1.
pub(crate) fn row_weights(
    y: &[usize],
    n_classes: usize,
    class_weight: ClassWeight,
    sample_weight: Option<&[f64]>,
) -> Result<Vec<f64>, TrainError> {
    let mut counts = vec![0usize; n_classes];
    for &c in y {
        counts[c] += 1;
    }
    let present = counts.iter().filter(|&&c| c > 0).count().max(1);
    let n = y.len() as f64;
    let cw: Vec<f64> = counts
        .iter()
        .map(|&c| match class_weight {
            ClassWeight::Balanced if c > 0 => n / (present as f64 * c as f64),
            _ => 1.0,
        })
        .collect();
    let mut w: Vec<f64> = y.iter().map(|&c| cw[c]).collect();
    if let Some(sw) = sample_weight {
        if sw.len() != y.len() {
            return Err(TrainError::Shape(format!("{} sample weights for {} rows", sw.len(), y.len())));
        }
        for (wi, s) in w.iter_mut().zip(sw) {
            if !(s.is_finite() && *s >= 0.0) {
                return Err(TrainError::Shape(format!("sample weight {s} is not ≥ 0")));
            }
            *wi *= s;
        }
    }
    let total: f64 = w.iter().sum();
    if total.is_nan() || total <= 0.0 {
        return Err(TrainError::Empty("all rows have weight 0".into()));
    }
    for wi in w.iter_mut() {
        *wi /= total;
    }
    Ok(w)
}

/// Checks features (finite, non-empty) and labels (in range); returns `x` in standard (row-major) layout.
pub(crate) fn check_xy(x: ArrayView2<f32>, y: &[usize], n_classes: usize) -> Result<Array2<f32>, TrainError> {
    if x.nrows() == 0 {
        return Err(TrainError::Empty("no training rows".into()));
    }
    if x.nrows() != y.len() {
        return Err(TrainError::Shape(format!("{} feature rows but {} labels", x.nrows(), y.len())));
    }
    if let Some(&bad) = y.iter().find(|&&c| c >= n_classes) {
        return Err(TrainError::Shape(format!("label index {bad} out of range for {n_classes} labels")));
    }
    if let Some(i) = x.rows().into_iter().position(|r| r.iter().any(|v| !v.is_finite())) {
        return Err(TrainError::NonFinite { row: i });
    }
    Ok(x.as_standard_layout().into_owned())
}

/// `Σ w_j · x_j` with `f32` features widened exactly to `f64`, in eight interleaved partial sums (a fixed
/// order, so the result is the same on every platform; the compiler turns the lanes into SIMD).
///
/// Why not `ndarray::dot` (matrixmultiply): with few labels the products are very narrow, and
/// matrixmultiply re-packs the whole feature matrix on every call; one fused pass over `f32` rows (half
/// the bytes of `f64`) was ~5× faster on VAST-sized stance data (13k × 1536, 3 labels).
#[inline]
pub(crate) fn dot_wide(w: &[f64], x: &[f32]) -> f64 {
    debug_assert_eq!(w.len(), x.len());
    let mut acc = [0.0f64; 8];
    let wc = w.chunks_exact(8);
    let xc = x.chunks_exact(8);
    let (wr, xr) = (wc.remainder(), xc.remainder());
    for (a, b) in wc.zip(xc) {
        for l in 0..8 {
            acc[l] += a[l] * f64::from(b[l]);
        }
    }
    let mut tail = 0.0;
    for (a, b) in wr.iter().zip(xr) {
        tail += a * f64::from(*b);
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// `acc += a · x` with `f32` features widened to `f64`.
#[inline]
pub(crate) fn axpy_wide(acc: &mut [f64], a: f64, x: &[f32]) {
    for (g, v) in acc.iter_mut().zip(x) {
        *g += a * f64::from(*v);
    }
}

/// A prepared training set; solving it for several λ (warm-started along a grid) reuses the conversion.
#[derive(Debug, Clone)]
pub struct SoftmaxProblem {
    /// Row-major features, kept as `f32` (every `f32` widens exactly to `f64`, so nothing is lost).
    x: Array2<f32>,
    y: Vec<usize>,
    w: Vec<f64>,
    k: usize,
}

impl SoftmaxProblem {
    /// Validates and prepares `x` (rows), `y` (label indices `< n_classes`).
    pub fn new(
        x: ArrayView2<f32>,
        y: &[usize],
        n_classes: usize,
        class_weight: ClassWeight,
        sample_weight: Option<&[f64]>,
    ) -> Result<Self, TrainError> {
        if n_classes < 2 {
            return Err(TrainError::Shape(format!("need at least 2 labels, got {n_classes}")));
        }
        let x = check_xy(x, y, n_classes)?;
        let w = row_weights(y, n_classes, class_weight, sample_weight)?;
        Ok(SoftmaxProblem { x, y: y.to_vec(), w, k: n_classes })
    }

    /// Number of parameters: `k · d` weights then `k` biases.
    pub fn n_params(&self) -> usize {
        self.k * (self.x.ncols() + 1)
    }

    /// The objective and its gradient at `theta` (`[W row-major, b]`), `prior` = W₀ (same layout, biases
    /// ignored) or zero.
    pub fn objective(&self, theta: &[f64], l2: f64, prior: Option<&[f64]>, grad: &mut [f64]) -> f64 {
        let (k, d) = (self.k, self.x.ncols());
        let (w, b) = theta.split_at(k * d);
        let xs = self.x.as_slice().expect("standard layout");
        let mut gw = vec![0.0f64; k * d];
        let mut gb = vec![0.0f64; k];
        let mut z = vec![0.0f64; k];
        let mut loss = 0.0;
        for ((xi, &yi), &wi) in xs.chunks_exact(d).zip(&self.y).zip(&self.w) {
            for (c, zc) in z.iter_mut().enumerate() {
                *zc = dot_wide(&w[c * d..(c + 1) * d], xi) + b[c];
            }
            let max = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = z.iter().map(|v| (v - max).exp()).sum();
            let lse = max + sum.ln();
            loss += wi * (lse - z[yi]);
            if wi == 0.0 {
                continue;
            }
            for (c, zc) in z.iter().enumerate() {
                // Weighted residual r = w_i (p − onehot): ∇W_c += r x_i, ∇b_c += r.
                let r = wi * ((zc - lse).exp() - if c == yi { 1.0 } else { 0.0 });
                gb[c] += r;
                axpy_wide(&mut gw[c * d..(c + 1) * d], r, xi);
            }
        }
        let mut penalty = 0.0;
        for (i, (g, v)) in grad[..k * d].iter_mut().zip(&gw).enumerate() {
            let diff = theta[i] - prior.map_or(0.0, |p| p[i]);
            penalty += diff * diff;
            *g = v + l2 * diff;
        }
        grad[k * d..].copy_from_slice(&gb);
        loss + 0.5 * l2 * penalty
    }

    /// Minimises the objective from `init` (or zero).
    pub fn solve(
        &self,
        l2: f64,
        init: Option<&[f64]>,
        prior: Option<&[f64]>,
        solver: &LbfgsOptions,
    ) -> (Vec<f64>, LbfgsReport) {
        let mut theta = match init {
            Some(t) => t.to_vec(),
            None => vec![0.0; self.n_params()],
        };
        let report = minimize(|t, g| self.objective(t, l2, prior, g), &mut theta, solver);
        (theta, report)
    }
}

/// A fitted linear softmax classifier: `logits = W x + b`.
#[derive(Debug, Clone, PartialEq)]
pub struct SoftmaxRegression {
    /// `k × d`, one row per label.
    pub weights: Array2<f32>,
    /// One per label.
    pub bias: Array1<f32>,
}

pub use crate::classify::heads::affine;

impl SoftmaxRegression {
    /// Fits on `x` (rows) and `y` (label indices `< n_classes`).
    pub fn fit(
        x: ArrayView2<f32>,
        y: &[usize],
        n_classes: usize,
        opts: &SoftmaxOptions,
    ) -> Result<(Self, LbfgsReport), TrainError> {
        let problem = SoftmaxProblem::new(x, y, n_classes, opts.class_weight, None)?;
        let (theta, report) = problem.solve(opts.l2, None, None, &opts.solver);
        Ok((Self::from_theta(&theta, n_classes, x.ncols()), report))
    }

    /// Unpacks `[W row-major, b]` (as [`SoftmaxProblem::solve`] returns it) into `f32` weights.
    pub fn from_theta(theta: &[f64], k: usize, d: usize) -> Self {
        let weights = Array2::from_shape_fn((k, d), |(c, j)| theta[c * d + j] as f32);
        let bias = Array1::from_shape_fn(k, |c| theta[k * d + c] as f32);
        SoftmaxRegression { weights, bias }
    }

    /// Packs back into `[W row-major, b]` (for warm starts and priors).
    pub fn to_theta(&self) -> Vec<f64> {
        self.weights.iter().chain(self.bias.iter()).map(|v| f64::from(*v)).collect()
    }

    /// Number of labels (rows of `weights`).
    pub fn n_classes(&self) -> usize {
        self.weights.nrows()
    }

    /// One logit per label.
    pub fn logits(&self, x: ArrayView1<f32>) -> Array1<f32> {
        Array1::from_shape_fn(self.n_classes(), |c| affine(self.weights.row(c), x, self.bias[c]) as f32)
    }

    /// Logits of every row (row by row, bit-identical to [`Self::logits`]).
    pub fn logits_batch(&self, x: ArrayView2<f32>) -> Array2<f32> {
        let mut out = Array2::zeros((x.nrows(), self.n_classes()));
        for (mut o, r) in out.rows_mut().into_iter().zip(x.rows()) {
            o.assign(&self.logits(r));
        }
        out
    }

    /// Most likely label of each row.
    pub fn predict(&self, x: ArrayView2<f32>) -> Vec<usize> {
        argmax_rows(self.logits_batch(x).view())
    }
}

/// Index of the largest value in each row (first on ties).
pub fn argmax_rows(z: ArrayView2<f32>) -> Vec<usize> {
    z.rows()
        .into_iter()
        .map(|r| {
            let mut best = 0;
            for (i, v) in r.iter().enumerate() {
                if *v > r[best] {
                    best = i;
                }
            }
            best
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::testdata::gaussian_classes;
    use ndarray::array;

    fn tight() -> LbfgsOptions {
        LbfgsOptions { max_iter: 5000, grad_tol: 1e-11, rel_decrease_tol: 0.0, memory: 10 }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (x, y) = gaussian_classes(30, 5, 3, 1.0, 0.5, 3);
        let p = SoftmaxProblem::new(x.view(), &y, 3, ClassWeight::Balanced, None).unwrap();
        let theta: Vec<f64> = (0..p.n_params()).map(|i| ((i * 7 % 11) as f64 - 5.0) / 10.0).collect();
        let prior: Vec<f64> = (0..p.n_params()).map(|i| (i % 3) as f64 / 10.0).collect();
        let mut g = vec![0.0; p.n_params()];
        p.objective(&theta, 0.3, Some(&prior), &mut g);
        let mut scratch = vec![0.0; p.n_params()];
        for i in 0..p.n_params() {
            let mut t = theta.clone();
            t[i] += 1e-6;
            let fp = p.objective(&t, 0.3, Some(&prior), &mut scratch);
            t[i] -= 2e-6;
            let fm = p.objective(&t, 0.3, Some(&prior), &mut scratch);
            let fd = (fp - fm) / 2e-6;
            assert!((fd - g[i]).abs() < 1e-7, "param {i}: fd {fd} vs {}", g[i]);
        }
    }

    /// A tiny imbalanced 3-class problem whose optimum scikit-learn computed once:
    ///
    /// ```python
    /// import numpy as np; from sklearn.linear_model import LogisticRegression
    /// X = np.array([[0.,0.],[1.,0.],[0.,1.],[1.,1.],[2.,1.],[1.,2.],[2.,2.],[3.,1.],[0.5,2.5],[2.5,0.5],[0.2,0.4]])
    /// y = np.array([0,0,0,1,1,2,2,1,2,1,0])
    /// m = LogisticRegression(C=1/(0.1*len(y)), class_weight="balanced", tol=1e-12, max_iter=100000).fit(X, y)
    /// print(m.coef_, m.intercept_)   # scikit-learn 1.9.1, lbfgs
    /// ```
    #[test]
    fn reaches_scikit_learn_optimum_on_a_tiny_problem() {
        let x = array![
            [0.0f32, 0.0],
            [1.0, 0.0],
            [0.0, 1.0],
            [1.0, 1.0],
            [2.0, 1.0],
            [1.0, 2.0],
            [2.0, 2.0],
            [3.0, 1.0],
            [0.5, 2.5],
            [2.5, 0.5],
            [0.2, 0.4]
        ];
        let y = [0usize, 0, 0, 1, 1, 2, 2, 1, 2, 1, 0];
        let l2 = 0.1;
        let p = SoftmaxProblem::new(x.view(), &y, 3, ClassWeight::Balanced, None).unwrap();
        let (theta, report) = p.solve(l2, None, None, &tight());
        assert!(report.converged, "{report:?}");
        // Gradient ≈ 0 at the solution.
        let mut g = vec![0.0; p.n_params()];
        p.objective(&theta, l2, None, &mut g);
        assert!(g.iter().all(|v| v.abs() < 1e-9), "{g:?}");
        // scikit-learn's coef_ and intercept_ (centred: the softmax is invariant to a common shift).
        let sk_coef = SK_COEF;
        let sk_intercept = SK_INTERCEPT;
        for c in 0..3 {
            for j in 0..2 {
                let v = theta[c * 2 + j];
                assert!((v - sk_coef[c][j]).abs() < 1e-6, "W[{c}][{j}] = {v}, sklearn {}", sk_coef[c][j]);
            }
        }
        let mean_b: f64 = theta[6..].iter().sum::<f64>() / 3.0;
        let sk_mean: f64 = sk_intercept.iter().sum::<f64>() / 3.0;
        for c in 0..3 {
            let (v, s) = (theta[6 + c] - mean_b, sk_intercept[c] - sk_mean);
            assert!((v - s).abs() < 1e-6, "b[{c}] = {v}, sklearn {s}");
        }
    }

    // scikit-learn 1.9.1 output for the problem above (its solution's gradient under this module's
    // objective is below 1e-9, so both solve the same problem).
    const SK_COEF: [[f64; 2]; 3] = [
        [-0.8293853927337065, -0.833223894057207],
        [0.7986277019740501, -0.3569339840947951],
        [0.03075769075965641, 1.1901578781520024],
    ];
    const SK_INTERCEPT: [f64; 3] = [1.838671779824025, -0.4385163814497486, -1.4001553983742756];

    #[test]
    fn separates_separable_classes() {
        let (x, y) = gaussian_classes(300, 16, 4, 1.0, 0.2, 11);
        let (m, report) =
            SoftmaxRegression::fit(x.view(), &y, 4, &SoftmaxOptions { l2: 1e-4, ..Default::default() }).unwrap();
        assert!(report.converged, "{report:?}");
        let pred = m.predict(x.view());
        assert_eq!(pred, y);
    }

    #[test]
    fn class_weights_shift_the_boundary_toward_the_majority() {
        // 1-D: 40 rows of class 0 around −1, 4 rows of class 1 around +1, overlapping.
        let mut rows = Vec::new();
        let mut y = Vec::new();
        for i in 0..40 {
            rows.push(-1.0 + (i as f32 / 39.0 - 0.5) * 3.0);
            y.push(0);
        }
        for i in 0..4 {
            rows.push(1.0 + (i as f32 / 3.0 - 0.5) * 3.0);
            y.push(1);
        }
        let x = Array2::from_shape_vec((44, 1), rows).unwrap();
        let boundary = |cw| {
            let (m, _) = SoftmaxRegression::fit(
                x.view(),
                &y,
                2,
                &SoftmaxOptions { l2: 1e-3, class_weight: cw, ..Default::default() },
            )
            .unwrap();
            let w = m.weights[[1, 0]] - m.weights[[0, 0]];
            let b = m.bias[1] - m.bias[0];
            -b / w
        };
        let (balanced, uniform) = (boundary(ClassWeight::Balanced), boundary(ClassWeight::Uniform));
        assert!(balanced < uniform - 0.3, "balanced {balanced}, uniform {uniform}");
    }

    #[test]
    fn sample_weights_act_like_dropping_or_repeating_rows() {
        let (x, y) = gaussian_classes(40, 4, 3, 1.0, 0.8, 2);
        let solve = |x: ArrayView2<f32>, y: &[usize], sw: Option<&[f64]>| {
            let p = SoftmaxProblem::new(x, y, 3, ClassWeight::Uniform, sw).unwrap();
            p.solve(1e-2, None, None, &tight()).0
        };
        // Weight 0 on the first ten rows = training without them.
        let mut sw = vec![1.0; 40];
        sw[..10].iter_mut().for_each(|w| *w = 0.0);
        let a = solve(x.view(), &y, Some(&sw));
        let b = solve(x.slice(ndarray::s![10.., ..]), &y[10..], None);
        assert!(a.iter().zip(&b).all(|(u, v)| (u - v).abs() < 1e-7), "{a:?} vs {b:?}");
        // Weight 2 on row 0 = row 0 twice.
        let mut sw = vec![1.0; 40];
        sw[0] = 2.0;
        let a = solve(x.view(), &y, Some(&sw));
        let mut xd = x.clone();
        xd.push_row(x.row(0)).unwrap();
        let mut yd = y.clone();
        yd.push(y[0]);
        let b = solve(xd.view(), &yd, None);
        assert!(a.iter().zip(&b).all(|(u, v)| (u - v).abs() < 1e-7));
    }

    #[test]
    fn rejects_bad_input() {
        let x = array![[0.0f32, f32::NAN], [1.0, 1.0]];
        assert!(matches!(
            SoftmaxProblem::new(x.view(), &[0, 1], 2, ClassWeight::Balanced, None),
            Err(TrainError::NonFinite { row: 0 })
        ));
        let x = array![[0.0f32, 0.0], [1.0, 1.0]];
        assert!(SoftmaxProblem::new(x.view(), &[0, 2], 2, ClassWeight::Balanced, None).is_err());
        assert!(SoftmaxProblem::new(x.view(), &[0], 2, ClassWeight::Balanced, None).is_err());
    }
}
