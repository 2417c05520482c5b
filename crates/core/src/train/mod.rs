//! Learning from labelled examples on frozen embeddings: trained frame heads (single- and multi-label),
//! the general stance head, cross-validation, calibration, and the saved head file.
//!
//! Everything here is deterministic: the same rows, labels, options and seed give a head file with the same
//! bytes (single-threaded `f64` arithmetic in a fixed order, ChaCha8 for every random choice, no
//! timestamps in the file). Timings belong in the caller's output, not in the head.

pub mod calibrate;
pub mod cv;
pub mod data;
pub mod frames;
pub mod head;
pub mod multilabel;
pub mod overlap;
pub mod report;
pub mod softmax_regression;
pub mod split;
pub mod stance_data;
pub mod stance_pair;
pub mod testdata;

/// The L-BFGS minimiser lives with the other statistics; `train::optim` keeps naming it.
pub use crate::stats::optim;

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::evaluate::Confusion;
use calibrate::calibration_report;
use cv::{cross_validate_l2, stratified_folds};
use head::{CvScores, Layer, TrainingReport};
use optim::LbfgsOptions;
use softmax_regression::{argmax_rows, SoftmaxProblem, SoftmaxRegression};

pub use head::{EncoderRef, Head, HeadError, HeadKind};
pub use multilabel::train_multi_label;
pub use softmax_regression::ClassWeight;
pub use stance_pair::{train_stance_pair, StanceHead};

/// Why training could not run. Messages name the offending row or size so a user can fix the data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainError {
    /// No rows, all-zero weights, or too few rows/groups for the folds.
    #[error("nothing to train on: {0}")]
    Empty(String),
    /// Sizes or label indices that do not fit together.
    #[error("inconsistent training data: {0}")]
    Shape(String),
    /// NaN or infinity in a feature row (a broken embedding).
    #[error("row {row}: the embedding has a non-finite value")]
    NonFinite {
        /// 0-based index of the row in the feature matrix.
        row: usize,
    },
    /// Invalid training options.
    #[error("{0}")]
    Options(String),
}

/// The L2 grid used unless the caller gives one: half-decade steps over the strengths that suit
/// L2-normalised sentence embeddings with a mean loss (λ = 1/(C·n) in scikit-learn's terms). Measured with
/// real all-MiniLM-L6-v2 embeddings of GVFC headlines (9 frames, 905 rows, 5-fold CV): macro-F1 peaks at
/// λ = 1e-4–3e-4 (0.70; scikit-learn: 0.67 at 1e-5 and at 3e-3, 0.62 at 1e-2), and with only 8–32 rows
/// per frame the best λ is still 1e-4–1e-3, so the grid brackets that range.
pub const DEFAULT_L2_GRID: [f64; 6] = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3];

/// The grid for one-vs-rest multi-label heads, a decade stronger: each binary problem sees few positives.
/// Measured on SemEval-2023 Task 3 English articles (306 articles, 14 frames, article embedding = mean of
/// its paragraphs' all-MiniLM-L6-v2 embeddings, 5-fold CV, macro-F1 of cross-fitted predictions): 0.487
/// at 1e-5, 0.523 at 3e-4, 0.538 at 3e-3, 0.542 at 1e-2, 0.527 at 3e-2.
pub const DEFAULT_MULTI_LABEL_L2_GRID: [f64; 6] = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2];

/// Training options, recorded verbatim in the head so a report can be reproduced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// k of the stratified k-fold cross-validation (used to choose λ, fit the temperature and thresholds,
    /// and produce the report).
    pub folds: usize,
    /// Seed of the fold assignment (ChaCha8).
    pub seed: u64,
    /// Candidate L2 strengths λ; the one with the best mean cross-validated macro-F1 is used.
    pub l2_grid: Vec<f64>,
    /// Balanced by default, so that rare frames count as much as common ones.
    pub class_weight: ClassWeight,
    /// Stopping rules of every fit: each fold's, for each λ, and the final one.
    pub solver: LbfgsOptions,
    /// Bins of the expected calibration error.
    pub ece_bins: usize,
    /// Rows (indices into the training matrix) whose out-of-fold logits alone fit the temperature; `None`:
    /// all rows. `train --finetune` keeps a slice of its rows out of tuning and calibrates on it, since the
    /// out-of-fold logits of rows the encoder was tuned on are overconfident (docs/finetune.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration_rows: Option<Vec<usize>>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            folds: 5,
            seed: 13,
            l2_grid: DEFAULT_L2_GRID.to_vec(),
            class_weight: ClassWeight::Balanced,
            solver: LbfgsOptions::default(),
            ece_bins: 10,
            calibration_rows: None,
        }
    }
}

impl TrainOptions {
    /// Defaults for [`train_multi_label`]: as [`Default`], with [`DEFAULT_MULTI_LABEL_L2_GRID`].
    pub fn multi_label_default() -> Self {
        TrainOptions { l2_grid: DEFAULT_MULTI_LABEL_L2_GRID.to_vec(), ..Default::default() }
    }

    pub(crate) fn validate(&self, n_rows: usize) -> Result<(), TrainError> {
        if self.folds < 2 {
            return Err(TrainError::Options(format!("cross-validation needs at least 2 folds, got {}", self.folds)));
        }
        if n_rows < self.folds {
            return Err(TrainError::Empty(format!(
                "{n_rows} labelled rows cannot fill {} cross-validation folds",
                self.folds
            )));
        }
        if self.l2_grid.is_empty() || self.l2_grid.iter().any(|l| !(l.is_finite() && *l > 0.0)) {
            return Err(TrainError::Options(format!(
                "the L2 grid must be non-empty and positive, got {:?}",
                self.l2_grid
            )));
        }
        if self.ece_bins == 0 {
            return Err(TrainError::Options("ece_bins must be at least 1".into()));
        }
        if let Some(rows) = &self.calibration_rows {
            if rows.is_empty() || rows.iter().any(|&i| i >= n_rows) {
                return Err(TrainError::Options(format!(
                    "the calibration rows must be a non-empty subset of the {n_rows} training rows"
                )));
            }
        }
        Ok(())
    }
}

/// Warnings a user should see in the report (small classes make CV and calibration noisy).
pub(crate) fn small_class_notes(labels: &[String], counts: &[usize], folds: usize) -> Vec<String> {
    labels
        .iter()
        .zip(counts)
        .filter(|(_, &c)| c < folds)
        .map(|(l, &c)| {
            if c == 0 {
                format!("label `{l}` has no training rows: the head will rarely predict it")
            } else {
                format!("label `{l}` has {c} rows, fewer than the {folds} folds: its CV scores are unreliable")
            }
        })
        .collect()
}

/// Trains a single-label frame head: multinomial logistic regression on embeddings `x` (rows) with label
/// indices `y` into `labels`; λ chosen by stratified k-fold CV (mean macro-F1), temperature fitted on the
/// out-of-fold logits, report from the out-of-fold predictions, final weights fitted on all rows.
///
/// `sample_weight` (optional, ≥ 0) down- or up-weights rows, e.g. codebook examples added with
/// `--with-codebook-examples`.
pub fn train_single_label(
    x: ArrayView2<f32>,
    y: &[usize],
    labels: &[String],
    sample_weight: Option<&[f64]>,
    opts: &TrainOptions,
    encoder: &EncoderRef,
) -> Result<Head, TrainError> {
    opts.validate(x.nrows())?;
    check_dim(x.ncols(), encoder.dim, encoder)?;
    let folds = stratified_folds(y, opts.folds, opts.seed);
    train_softmax_head(x, y, labels, sample_weight, &folds, opts, encoder, HeadKind::Single)
}

pub(crate) fn check_dim(got: usize, want: usize, encoder: &EncoderRef) -> Result<(), TrainError> {
    if got == want {
        Ok(())
    } else {
        Err(TrainError::Shape(format!(
            "the features have {got} dimensions but the encoder `{}` ({} dimensions) needs {want}",
            encoder.model_id, encoder.dim
        )))
    }
}

/// The softmax-head pipeline shared by frame and stance heads, on a given fold assignment.
#[allow(clippy::too_many_arguments)]
pub(crate) fn train_softmax_head(
    x: ArrayView2<f32>,
    y: &[usize],
    labels: &[String],
    sample_weight: Option<&[f64]>,
    folds: &[usize],
    opts: &TrainOptions,
    encoder: &EncoderRef,
    kind: HeadKind,
) -> Result<Head, TrainError> {
    let k = labels.len();
    // Validates x and y before any work.
    let problem = SoftmaxProblem::new(x, y, k, opts.class_weight, sample_weight)?;
    let cv = cross_validate_l2(x, y, k, folds, &opts.l2_grid, opts.class_weight, sample_weight, &opts.solver)?;
    let l2 = cv.grid[cv.best].l2;
    let oof_pred = argmax_rows(cv.oof_logits.view());
    let confusion = Confusion::from_indices(y, &oof_pred, k);
    let calibration = match opts.calibration_rows.as_deref() {
        None => calibration_report(cv.oof_logits.view(), y, folds, opts.ece_bins),
        Some(rows) => {
            let pick = |v: &[usize]| rows.iter().map(|&i| v[i]).collect::<Vec<_>>();
            calibration_report(
                cv.oof_logits.select(ndarray::Axis(0), rows).view(),
                &pick(y),
                &pick(folds),
                opts.ece_bins,
            )
        }
    };
    let temperature = calibration.head_temperature();
    let (theta, final_fit) = problem.solve(l2, None, None, &opts.solver);
    let model = SoftmaxRegression::from_theta(&theta, k, x.ncols());
    let mut counts = vec![0usize; k];
    for &c in y {
        counts[c] += 1;
    }
    let n_folds = folds.iter().max().map_or(0, |m| m + 1);
    let report = TrainingReport {
        rows: y.len(),
        label_counts: counts.clone(),
        folds: n_folds,
        grid: cv.grid.clone(),
        chosen_l2: l2,
        cv: CvScores {
            accuracy: confusion.accuracy(),
            macro_f1: confusion.macro_f1(),
            micro_f1: None,
            kappa: Some(confusion.cohen_kappa()),
            alpha: confusion.krippendorff_alpha(),
            labels: confusion.class_scores(labels),
        },
        calibration,
        final_fit,
        held_out: Vec::new(),
        notes: small_class_notes(labels, &counts, n_folds),
    };
    Ok(Head::new(
        kind,
        labels.to_vec(),
        encoder.clone(),
        Layer { weights: model.weights, bias: model.bias.to_vec() },
        temperature,
        None,
        opts.clone(),
        report,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use testdata::{embedding_like, test_encoder};

    #[test]
    fn trains_a_single_label_head_with_a_sane_report() {
        let (x, y) = embedding_like(240, 32, 4, 0.9, 5);
        let labels: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        let opts = TrainOptions { folds: 4, ..Default::default() };
        let head = train_single_label(x.view(), &y, &labels, None, &opts, &test_encoder(32)).unwrap();
        let r = &head.report;
        assert_eq!(r.rows, 240);
        assert_eq!(r.grid.len(), DEFAULT_L2_GRID.len());
        assert!(r.cv.macro_f1 > 0.6 && r.cv.macro_f1 < 1.0, "{r:?}");
        assert!(r.final_fit.converged);
        assert!(head.temperature > 0.0);
        assert_eq!(head.labels, labels);
        // The head predicts its own training data well.
        let correct = (0..x.nrows())
            .filter(|&i| {
                argmax_rows(ndarray::Array2::from_shape_vec((1, 4), head.logits(x.row(i))).unwrap().view())[0] == y[i]
            })
            .count();
        assert!(correct as f64 / 240.0 > r.cv.accuracy - 0.05);
    }

    #[test]
    fn calibration_rows_alone_fit_the_temperature() {
        // Rows 0..120 keep their labels, every third of 120..240 gets another one: out-of-fold logits are
        // sharper on the clean half than the noisy half can bear.
        let (x, mut y) = embedding_like(240, 32, 4, 0.9, 5);
        for i in (120..240).step_by(3) {
            y[i] = (y[i] + 1) % 4;
        }
        let labels: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        let enc = test_encoder(32);
        let fit = |rows: Option<Vec<usize>>| {
            let opts = TrainOptions { folds: 4, calibration_rows: rows, ..Default::default() };
            train_single_label(x.view(), &y, &labels, None, &opts, &enc).unwrap()
        };
        let (clean, noisy, all) = (fit(Some((0..120).collect())), fit(Some((120..240).collect())), fit(None));
        let t = |h: &Head| h.report.calibration.temperature;
        assert!(t(&clean) < t(&all) && t(&all) < t(&noisy), "{} {} {}", t(&clean), t(&all), t(&noisy));
        // Only the temperature moves: the weights are fitted on every row either way.
        assert_eq!(clean.output.weights, noisy.output.weights);
        assert!(clean.to_json().contains("calibration_rows") && !all.to_json().contains("calibration_rows"));
        let bad = TrainOptions { folds: 4, calibration_rows: Some(vec![240]), ..Default::default() };
        assert!(train_single_label(x.view(), &y, &labels, None, &bad, &enc).is_err());
    }

    #[test]
    fn held_out_scores_say_whether_the_scores_are_probabilities() {
        let (x, y) = embedding_like(240, 32, 4, 0.9, 5);
        let labels: Vec<String> = ["a", "b", "c", "d"].iter().map(|s| s.to_string()).collect();
        let opts = TrainOptions { folds: 4, ..Default::default() };
        let head = train_single_label(x.view(), &y, &labels, None, &opts, &test_encoder(32)).unwrap();
        let truth: Vec<Vec<usize>> = y.iter().map(|&l| vec![l]).collect();
        let truth: Vec<&Vec<usize>> = truth.iter().collect();
        let s = frames::score_dev(&head, x.view(), &truth, "rows".into());
        let c = s.scores.expect("single-label heads report their scores");
        assert!(c.mean_top_score > 0.25 && c.mean_top_score <= 1.0, "{c:?}");
        // The binned error is never below the gap between the mean score and the accuracy.
        assert!(c.ece >= (c.mean_top_score - s.accuracy).abs() - 1e-9 && c.ece <= 1.0, "{c:?} {}", s.accuracy);
        // A head made overconfident (temperature divided by 20) shows it.
        let mut sharp = head.clone();
        sharp.temperature /= 20.0;
        let o = frames::score_dev(&sharp, x.view(), &truth, "rows".into()).scores.unwrap();
        assert!(o.mean_top_score > c.mean_top_score, "{o:?} {c:?}");
    }

    #[test]
    fn same_seed_gives_identical_head_bytes() {
        let (x, y) = embedding_like(150, 16, 3, 1.0, 8);
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let enc = test_encoder(16);
        let opts = TrainOptions { folds: 3, seed: 5, ..Default::default() };
        let a = train_single_label(x.view(), &y, &labels, None, &opts, &enc).unwrap().to_json();
        let b = train_single_label(x.view(), &y, &labels, None, &opts, &enc).unwrap().to_json();
        assert_eq!(a, b);
        // Another seed gives other folds, hence another report.
        let other = TrainOptions { seed: 6, ..opts };
        let c = train_single_label(x.view(), &y, &labels, None, &other, &enc).unwrap().to_json();
        assert_ne!(a, c);
    }

    #[test]
    fn refuses_bad_options_and_data() {
        let (x, y) = embedding_like(20, 8, 2, 0.5, 1);
        let labels = vec!["a".to_string(), "b".to_string()];
        let enc = test_encoder(8);
        let bad = TrainOptions { folds: 1, ..Default::default() };
        assert!(matches!(train_single_label(x.view(), &y, &labels, None, &bad, &enc), Err(TrainError::Options(_))));
        let e =
            train_single_label(x.view(), &y, &labels, None, &TrainOptions::default(), &test_encoder(9)).unwrap_err();
        assert!(e.to_string().contains("8 dimensions"), "{e}");
        let few = TrainOptions { folds: 30, ..Default::default() };
        assert!(matches!(train_single_label(x.view(), &y, &labels, None, &few, &enc), Err(TrainError::Empty(_))));
    }
}
