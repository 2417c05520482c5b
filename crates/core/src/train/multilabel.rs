//! Multi-label frame heads: one binary logistic regression per label (one-vs-rest), a shared L2 strength
//! chosen by cross-validation, one shared temperature, and per-label decision thresholds tuned on
//! out-of-fold scores to maximise each label's F1.
//!
//! Why per-label thresholds: with one-vs-rest and rare labels the 0.5 cut is arbitrary (class weighting
//! moves it, and rare frames need a lower bar to be found at all); F1-optimal thresholds on held-out
//! scores are the standard fix. Why honest reporting matters here: thresholds tuned on the same
//! predictions they are scored on look better than they are, so the report uses *cross-fitted* thresholds
//! (each fold's predictions are cut at thresholds tuned on the other folds' out-of-fold scores).

use ndarray::{Array2, ArrayView2, Axis};

use super::calibrate::{
    expected_calibration_error_binary, fit_temperature_binary, mean_nll_binary, softplus, CalibrationReport,
};
use super::cv::{split, stratified_folds, GridPoint};
use super::head::{CvScores, EncoderRef, Head, HeadKind, Layer, TrainingReport};
use super::optim::{minimize, LbfgsOptions, LbfgsReport};
use super::softmax_regression::{affine, axpy_wide, dot_wide, row_weights, ClassWeight};
use super::{small_class_notes, TrainError, TrainOptions};
use crate::evaluate::ClassScore;

/// A binary logistic regression problem on shared features (one per label and fold).
#[derive(Debug, Clone)]
pub struct BinaryProblem<'a> {
    /// Row-major (standard layout) features.
    x: ArrayView2<'a, f32>,
    y: Vec<bool>,
    w: Vec<f64>,
}

impl<'a> BinaryProblem<'a> {
    /// `x` rows with truth `y`; weights as in softmax regression (balanced: `n / (2 · n_class)`).
    pub fn new(
        x: ArrayView2<'a, f32>,
        y: &[bool],
        class_weight: ClassWeight,
        sample_weight: Option<&[f64]>,
    ) -> Result<Self, TrainError> {
        if !x.is_standard_layout() {
            return Err(TrainError::Shape("features must be in row-major layout".into()));
        }
        if x.nrows() != y.len() {
            return Err(TrainError::Shape(format!("{} feature rows but {} labels", x.nrows(), y.len())));
        }
        let yi: Vec<usize> = y.iter().map(|&b| usize::from(b)).collect();
        let w = row_weights(&yi, 2, class_weight, sample_weight)?;
        Ok(BinaryProblem { x, y: y.to_vec(), w })
    }

    /// Weighted mean log-loss + λ/2 ‖w‖² at `theta = [w, b]`, gradient into `grad`.
    pub fn objective(&self, theta: &[f64], l2: f64, grad: &mut [f64]) -> f64 {
        let d = self.x.ncols();
        let (w, b) = (&theta[..d], theta[d]);
        let xs = self.x.as_slice().expect("standard layout");
        let mut gw = vec![0.0f64; d];
        let mut gb = 0.0;
        let mut loss = 0.0;
        for ((xi, &yi), &wi) in xs.chunks_exact(d).zip(&self.y).zip(&self.w) {
            let s = dot_wide(w, xi) + b;
            loss += wi * (softplus(s) - if yi { s } else { 0.0 });
            let r = wi * (1.0 / (1.0 + (-s).exp()) - if yi { 1.0 } else { 0.0 });
            gb += r;
            axpy_wide(&mut gw, r, xi);
        }
        let mut penalty = 0.0;
        for ((g, v), t) in grad[..d].iter_mut().zip(&gw).zip(&theta[..d]) {
            *g = v + l2 * t;
            penalty += t * t;
        }
        grad[d] = gb;
        loss + 0.5 * l2 * penalty
    }

    /// Minimises from `init` (or zero).
    pub fn solve(&self, l2: f64, init: Option<&[f64]>, solver: &LbfgsOptions) -> (Vec<f64>, LbfgsReport) {
        let mut theta = init.map_or_else(|| vec![0.0; self.x.ncols() + 1], <[f64]>::to_vec);
        let report = minimize(|t, g| self.objective(t, l2, g), &mut theta, solver);
        (theta, report)
    }
}

/// The score threshold maximising F1 of "positive iff score ≥ threshold" on `(scores, truth)`, with that
/// F1. Thresholds lie midway between consecutive distinct scores (or 1 beyond the extremes); ties in F1
/// go to the threshold closest to 0 (probability ½ for logits). `None` without positives.
pub fn tune_threshold(scores: &[f64], truth: &[bool]) -> Option<(f64, f64)> {
    let positives = truth.iter().filter(|&&t| t).count();
    if positives == 0 || scores.is_empty() {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let f1 = |tp: usize, predicted: usize| 2.0 * tp as f64 / (predicted + positives) as f64;
    // Predict nothing.
    let mut best = (scores[order[0]] + 1.0, 0.0);
    let mut tp = 0usize;
    let mut i = 0;
    while i < order.len() {
        let s = scores[order[i]];
        while i < order.len() && scores[order[i]] == s {
            if truth[order[i]] {
                tp += 1;
            }
            i += 1;
        }
        let thr = if i < order.len() { 0.5 * (s + scores[order[i]]) } else { s - 1.0 };
        let v = f1(tp, i);
        if v > best.1 || (v == best.1 && thr.abs() < best.0.abs()) {
            best = (thr, v);
        }
    }
    Some(best)
}

/// A stratification key for multi-label rows: the row's rarest label (so rare labels spread over folds),
/// or `n_labels` for rows without labels.
pub fn stratify_key(y: &[Vec<usize>], n_labels: usize) -> Vec<usize> {
    let mut counts = vec![0usize; n_labels];
    for row in y {
        for &l in row {
            counts[l] += 1;
        }
    }
    y.iter().map(|row| row.iter().copied().min_by_key(|&l| (counts[l], l)).unwrap_or(n_labels)).collect()
}

fn f1_counts(pred: &[bool], truth: &[bool]) -> (usize, usize, usize) {
    let mut c = (0, 0, 0);
    for (&p, &t) in pred.iter().zip(truth) {
        match (p, t) {
            (true, true) => c.0 += 1,
            (true, false) => c.1 += 1,
            (false, true) => c.2 += 1,
            _ => {}
        }
    }
    c
}

fn f1_of(tp: usize, fp: usize, fn_: usize) -> f64 {
    crate::stats::agreement::precision_recall_f1(tp, fp, fn_).2
}

/// Cross-fitted predictions: fold `f`'s rows cut at thresholds tuned on the other rows' scores.
fn cross_fitted_predictions(oof: ArrayView2<f32>, truth: ArrayView2<bool>, folds: &[usize]) -> Array2<bool> {
    let (n, l) = oof.dim();
    let k_folds = folds.iter().max().map_or(0, |m| m + 1);
    let mut pred = Array2::from_elem((n, l), false);
    for f in 0..k_folds {
        let (rest, this) = split(folds, f);
        for j in 0..l {
            let s: Vec<f64> = rest.iter().map(|&i| f64::from(oof[[i, j]])).collect();
            let t: Vec<bool> = rest.iter().map(|&i| truth[[i, j]]).collect();
            let thr = tune_threshold(&s, &t).map_or(f64::INFINITY, |(thr, _)| thr);
            for &i in &this {
                pred[[i, j]] = f64::from(oof[[i, j]]) >= thr;
            }
        }
    }
    pred
}

/// Macro-F1 of label sets given as boolean matrices (rows × labels): the mean F1 over the labels that
/// occur in the truth or the predictions (the union, as scikit-learn's `f1_score(average="macro")` on
/// single-label data). A label only predicted has F1 0 and counts, so a model that sprays a label the
/// data never carry is not flattered; a label in neither is not a label of this sample. 0 when no label
/// occurs.
pub fn multilabel_macro_f1(pred: ArrayView2<bool>, truth: ArrayView2<bool>) -> f64 {
    let scores: Vec<f64> = (0..truth.ncols())
        .filter(|&j| truth.column(j).iter().chain(pred.column(j).iter()).any(|&v| v))
        .map(|j| {
            let (tp, fp, fn_) = f1_counts(&pred.column(j).to_vec(), &truth.column(j).to_vec());
            f1_of(tp, fp, fn_)
        })
        .collect();
    if scores.is_empty() {
        0.0
    } else {
        scores.iter().sum::<f64>() / scores.len() as f64
    }
}

/// Mean over folds of the macro-F1 ([`multilabel_macro_f1`]) of cross-fitted predictions.
fn fold_macro_f1(pred: ArrayView2<bool>, truth: ArrayView2<bool>, folds: &[usize]) -> Vec<f64> {
    let k_folds = folds.iter().max().map_or(0, |m| m + 1);
    (0..k_folds)
        .map(|f| {
            let (_, this) = split(folds, f);
            multilabel_macro_f1(pred.select(Axis(0), &this).view(), truth.select(Axis(0), &this).view())
        })
        .collect()
}

/// Trains a multi-label head. `y[i]` lists row i's label indices into `labels` (possibly empty).
/// Use [`TrainOptions::multi_label_default`] unless you have reasons for another grid.
///
/// Steps: stratified folds on [`stratify_key`]; for each fold and label, binary fits along the λ grid
/// (warm-started, strongest first); λ chosen by the mean over folds of macro-F1 of cross-fitted
/// predictions; one temperature fitted on all out-of-fold logits (binary NLL); per-label thresholds tuned
/// on all out-of-fold logits and stored as probabilities σ(threshold / T); final fits on all rows.
pub fn train_multi_label(
    x: ArrayView2<f32>,
    y: &[Vec<usize>],
    labels: &[String],
    sample_weight: Option<&[f64]>,
    opts: &TrainOptions,
    encoder: &EncoderRef,
) -> Result<Head, TrainError> {
    opts.validate(x.nrows())?;
    let l = labels.len();
    if l == 0 {
        return Err(TrainError::Shape("no labels".into()));
    }
    if x.ncols() != encoder.dim {
        return Err(TrainError::Shape(format!(
            "embeddings have {} dimensions but the encoder `{}` has {}",
            x.ncols(),
            encoder.model_id,
            encoder.dim
        )));
    }
    if y.len() != x.nrows() {
        return Err(TrainError::Shape(format!("{} feature rows but {} label sets", x.nrows(), y.len())));
    }
    let mut truth = Array2::from_elem((y.len(), l), false);
    for (i, row) in y.iter().enumerate() {
        for &j in row {
            if j >= l {
                return Err(TrainError::Shape(format!("row {i}: label index {j} out of range for {l} labels")));
            }
            truth[[i, j]] = true;
        }
    }
    let dummy: Vec<usize> = vec![0; y.len()];
    let xs = super::softmax_regression::check_xy(x, &dummy, 1)?;
    let folds = stratified_folds(&stratify_key(y, l), opts.folds, opts.seed);
    let grid = &opts.l2_grid;
    let mut walk: Vec<usize> = (0..grid.len()).collect();
    walk.sort_by(|&a, &b| grid[b].total_cmp(&grid[a]).then(a.cmp(&b)));
    let n = y.len();
    let mut oof: Vec<Array2<f32>> = vec![Array2::zeros((n, l)); grid.len()];
    for f in 0..opts.folds {
        let (train, test) = split(&folds, f);
        let xt = xs.select(Axis(0), &train);
        let xv = x.select(Axis(0), &test);
        let swt: Option<Vec<f64>> = sample_weight.map(|w| train.iter().map(|&i| w[i]).collect());
        for j in 0..l {
            let yt: Vec<bool> = train.iter().map(|&i| truth[[i, j]]).collect();
            let problem = BinaryProblem::new(xt.view(), &yt, opts.class_weight, swt.as_deref())?;
            let mut theta: Option<Vec<f64>> = None;
            for &g in &walk {
                let (t, _) = problem.solve(grid[g], theta.as_deref(), &opts.solver);
                let (w, b) = theta_to_f32(&t);
                for (row, &i) in xv.rows().into_iter().zip(&test) {
                    oof[g][[i, j]] = affine(w.view(), row, b) as f32;
                }
                theta = Some(t);
            }
        }
    }
    let mut points = Vec::with_capacity(grid.len());
    let mut preds = Vec::with_capacity(grid.len());
    for (g, &l2) in grid.iter().enumerate() {
        let pred = cross_fitted_predictions(oof[g].view(), truth.view(), &folds);
        let scores = fold_macro_f1(pred.view(), truth.view(), &folds);
        points.push(GridPoint {
            l2,
            mean_macro_f1: scores.iter().sum::<f64>() / scores.len() as f64,
            fold_macro_f1: scores,
        });
        preds.push(pred);
    }
    let mut best = walk[0];
    for &g in &walk {
        if points[g].mean_macro_f1 > points[best].mean_macro_f1 {
            best = g;
        }
    }
    let l2 = grid[best];
    let logits = &oof[best];
    let pred = &preds[best];
    // Report from cross-fitted predictions.
    let mut class_scores = Vec::with_capacity(l);
    let (mut stp, mut sfp, mut sfn) = (0, 0, 0);
    let mut counts = vec![0usize; l];
    for j in 0..l {
        let (tp, fp, fn_) = f1_counts(&pred.column(j).to_vec(), &truth.column(j).to_vec());
        stp += tp;
        sfp += fp;
        sfn += fn_;
        counts[j] = tp + fn_;
        class_scores.push(ClassScore {
            label: labels[j].clone(),
            precision: if tp + fp == 0 { 0.0 } else { tp as f64 / (tp + fp) as f64 },
            recall: if tp + fn_ == 0 { 0.0 } else { tp as f64 / (tp + fn_) as f64 },
            f1: f1_of(tp, fp, fn_),
            support: tp + fn_,
        });
    }
    let macro_f1 = multilabel_macro_f1(pred.view(), truth.view());
    let exact = (0..n).filter(|&i| pred.row(i) == truth.row(i)).count() as f64 / n as f64;
    // Calibration: one temperature; cross-fitted calibrated figures (on the calibration rows alone when
    // given).
    let cal_rows: Vec<usize> = opts.calibration_rows.clone().unwrap_or_else(|| (0..n).collect());
    let (cal_logits, truth_c) = (logits.select(Axis(0), &cal_rows), truth.select(Axis(0), &cal_rows));
    let folds_c: Vec<usize> = cal_rows.iter().map(|&i| folds[i]).collect();
    let fitted = fit_temperature_binary(cal_logits.view(), truth_c.view());
    let (mut nll, mut ece) = (0.0, 0.0);
    for f in 0..opts.folds {
        let (rest, this) = split(&folds_c, f);
        if this.is_empty() {
            continue;
        }
        let t = f64::from(fit_temperature_binary(
            cal_logits.select(Axis(0), &rest).view(),
            truth_c.select(Axis(0), &rest).view(),
        ));
        let (lt, yt) = (cal_logits.select(Axis(0), &this), truth_c.select(Axis(0), &this));
        let w = this.len() as f64 / cal_rows.len() as f64;
        nll += w * mean_nll_binary(lt.view(), yt.view(), t);
        ece += w * expected_calibration_error_binary(lt.view(), yt.view(), t, opts.ece_bins);
    }
    let calibration = CalibrationReport::new(
        fitted,
        opts.ece_bins,
        (
            mean_nll_binary(cal_logits.view(), truth_c.view(), 1.0),
            expected_calibration_error_binary(cal_logits.view(), truth_c.view(), 1.0, opts.ece_bins),
        ),
        (nll, ece),
    );
    let temperature = calibration.head_temperature();
    // Final thresholds (probabilities) and weights.
    let mut thresholds = Vec::with_capacity(l);
    let mut weights = Array2::<f32>::zeros((l, x.ncols()));
    let mut bias = Vec::with_capacity(l);
    let mut worst: Option<LbfgsReport> = None;
    for j in 0..l {
        let s: Vec<f64> = logits.column(j).iter().map(|v| f64::from(*v)).collect();
        let t: Vec<bool> = truth.column(j).to_vec();
        let thr = match tune_threshold(&s, &t) {
            Some((thr, _)) => (1.0 / (1.0 + (-thr / f64::from(temperature)).exp())) as f32,
            None => 1.0,
        };
        thresholds.push(thr);
        let problem = BinaryProblem::new(xs.view(), &t, opts.class_weight, sample_weight)?;
        let (theta, rep) = problem.solve(l2, None, &opts.solver);
        let (w, b) = theta_to_f32(&theta);
        weights.row_mut(j).assign(&w);
        bias.push(b);
        let replace = match &worst {
            None => true,
            Some(wr) => {
                (!rep.converged && wr.converged) || (rep.converged == wr.converged && rep.grad_max > wr.grad_max)
            }
        };
        if replace {
            worst = Some(rep);
        }
    }
    let mut notes = small_class_notes(labels, &counts, opts.folds);
    for (j, c) in counts.iter().enumerate() {
        if *c == 0 {
            notes.push(format!("label `{}` has threshold 1: it is never predicted", labels[j]));
        }
    }
    let report = TrainingReport {
        rows: n,
        label_counts: counts,
        folds: opts.folds,
        grid: points,
        chosen_l2: l2,
        cv: CvScores {
            accuracy: exact,
            macro_f1,
            micro_f1: Some(f1_of(stp, sfp, sfn)),
            kappa: None,
            alpha: None,
            labels: class_scores,
        },
        calibration,
        final_fit: worst.expect("at least one label"),
        held_out: Vec::new(),
        notes,
    };
    Ok(Head::new(
        HeadKind::Multi,
        labels.to_vec(),
        encoder.clone(),
        Layer { weights, bias },
        temperature,
        Some(thresholds),
        opts.clone(),
        report,
    ))
}

fn theta_to_f32(theta: &[f64]) -> (ndarray::Array1<f32>, f32) {
    let d = theta.len() - 1;
    (theta[..d].iter().map(|v| *v as f32).collect(), theta[d] as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::testdata::{normal, test_encoder};
    use ndarray::Array1;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn threshold_tuning_by_hand() {
        // scores 0.9 (pos), 0.8 (neg), 0.7 (pos), 0.2 (neg), 0.1 (pos); P = 3.
        // cut after 0.9: tp 1, k 1 → 2/4 = 0.5;  after 0.8: tp 1, k 2 → 2/5;  after 0.7: tp 2, k 3 → 4/6
        // after 0.2: tp 2, k 4 → 4/7;  after 0.1: tp 3, k 5 → 6/8 = 0.75 (best) → threshold 0.1 − 1 = −0.9.
        let (thr, f1) = tune_threshold(&[0.9, 0.8, 0.7, 0.2, 0.1], &[true, false, true, false, true]).unwrap();
        assert!((f1 - 0.75).abs() < 1e-12 && (thr + 0.9).abs() < 1e-12, "{thr} {f1}");
        // All rows positive: cut after 1 (thr 0): tp 1, k 1 → 2/3; after −1: tp 2, k 2 → 1.0 → thr −1 − 1.
        let (thr, f1) = tune_threshold(&[1.0, -1.0], &[true, true]).unwrap();
        assert_eq!((thr, f1), (-2.0, 1.0));
        // Equal scores are never split.
        let (thr, _) = tune_threshold(&[0.5, 0.5, 0.0], &[true, false, false]).unwrap();
        assert!(thr < 0.5 && thr > 0.0);
        assert_eq!(tune_threshold(&[0.3], &[false]), None);
    }

    #[test]
    fn binary_gradient_matches_finite_differences() {
        let x = ndarray::array![[0.5f32, -1.0], [1.0, 2.0], [-0.3, 0.2], [2.0, 0.1]];
        let p = BinaryProblem::new(x.view(), &[true, false, false, true], ClassWeight::Balanced, None).unwrap();
        let theta = [0.3, -0.2, 0.1];
        let mut g = [0.0; 3];
        p.objective(&theta, 0.05, &mut g);
        let mut s = [0.0; 3];
        for i in 0..3 {
            let mut t = theta;
            t[i] += 1e-6;
            let a = p.objective(&t, 0.05, &mut s);
            t[i] -= 2e-6;
            let b = p.objective(&t, 0.05, &mut s);
            assert!(((a - b) / 2e-6 - g[i]).abs() < 1e-8);
        }
    }

    /// Three labels driven by three directions; label 2 is rare (~10%).
    fn data(n: usize, seed: u64) -> (Array2<f32>, Vec<Vec<usize>>) {
        let d = 16;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut x = Array2::zeros((n, d));
        let mut y = Vec::new();
        for i in 0..n {
            let row: Array1<f32> = (0..d).map(|_| normal(&mut rng) as f32).collect();
            x.row_mut(i).assign(&row);
            let mut labels = Vec::new();
            if row[0] + 0.3 * normal(&mut rng) as f32 > 0.0 {
                labels.push(0);
            }
            if row[1] + 0.3 * normal(&mut rng) as f32 > 0.5 {
                labels.push(1);
            }
            if row[2] + 0.3 * normal(&mut rng) as f32 > 1.3 {
                labels.push(2);
            }
            y.push(labels);
        }
        (x, y)
    }

    #[test]
    fn one_vs_rest_learns_labels_and_tunes_thresholds() {
        let (x, y) = data(400, 3);
        let labels: Vec<String> = ["a", "b", "rare"].iter().map(|s| s.to_string()).collect();
        let opts = TrainOptions { folds: 4, ..Default::default() };
        let head = train_multi_label(x.view(), &y, &labels, None, &opts, &test_encoder(16)).unwrap();
        let r = &head.report;
        assert!(r.cv.micro_f1.unwrap() > 0.8, "{:?}", r.cv);
        assert!(r.cv.labels.iter().all(|c| c.f1 > 0.6), "{:?}", r.cv.labels);
        let thr = head.thresholds.as_ref().unwrap();
        assert!(thr.iter().all(|t| *t > 0.0 && *t < 1.0), "{thr:?}");
        // A well-specified model needs little scaling; cross-fitted NLL must not get worse by much.
        let c = &r.calibration;
        assert!(c.temperature > 0.7 && c.temperature < 1.4, "{c:?}");
        assert!(c.nll_calibrated < c.nll_uncalibrated + 0.005, "{c:?}");
        // Fresh data from the same process is labelled well.
        let (xt, yt) = data(300, 99);
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for (row, gold) in xt.rows().into_iter().zip(&yt) {
            let p = head.predict(row);
            tp += p.iter().filter(|l| gold.contains(l)).count();
            fp += p.iter().filter(|l| !gold.contains(l)).count();
            fn_ += gold.iter().filter(|l| !p.contains(l)).count();
        }
        let micro = f1_of(tp, fp, fn_);
        assert!(micro > 0.8, "held-out micro-F1 {micro}");
    }

    #[test]
    fn multilabel_macro_f1_matches_scikit_learn_and_counts_predicted_only_labels() {
        // Five rows, four labels; label 2 is only predicted, label 3 occurs nowhere.
        let truth = ndarray::array![
            [true, false, false, false],
            [true, true, false, false],
            [false, true, false, false],
            [false, false, false, false],
            [true, true, false, false]
        ];
        let pred = ndarray::array![
            [true, false, true, false],
            [false, true, false, false],
            [false, true, true, false],
            [true, false, false, false],
            [true, true, false, false]
        ];
        // Independent recomputation over the labels that occur (0, 1, 2):
        // python3 -c 'import numpy as n; from sklearn.metrics import f1_score as f;
        //   t=n.array([[1,0,0],[1,1,0],[0,1,0],[0,0,0],[1,1,0]]); p=n.array([[1,0,1],[0,1,0],[0,1,1],[1,0,0],[1,1,0]]);
        //   print(repr(f(t,p,average="macro",zero_division=0)))'
        // → 0.5555555555555555
        const SKLEARN_ML_MACRO_F1: f64 = 0.5555555555555555;
        let m = multilabel_macro_f1(pred.view(), truth.view());
        assert!((m - SKLEARN_ML_MACRO_F1).abs() < 1e-12, "{m} vs scikit-learn {SKLEARN_ML_MACRO_F1}");
        // By hand: label 0 tp 2 fp 1 fn 1 → 4/6; label 1 tp 3 fp 0 fn 0 → 1; label 2 → 0; mean 5/9.
        assert!((m - 5.0 / 9.0).abs() < 1e-12, "{m}");
    }

    #[test]
    fn rejects_out_of_range_labels() {
        let (x, mut y) = data(20, 1);
        y[3] = vec![5];
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let e =
            train_multi_label(x.view(), &y, &labels, None, &TrainOptions::default(), &test_encoder(16)).unwrap_err();
        assert!(e.to_string().contains("row 3"), "{e}");
    }
}
