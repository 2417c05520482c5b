//! Trained heads at inference time: the head file format ([`file`](mod@file)), one scorer per head kind (a frame
//! head's softmax, a multi-label head's per-label sigmoids and thresholds, the stance head's target/text
//! pairs), and loading a head for a codebook and an encoder ([`using`]). It lives in the classify stage so
//! that `run` and `eval` label paragraphs without depending on the trainer; `train` writes the same file
//! format and may use these scorers, never the other way round.

pub mod file;
pub mod using;

use std::sync::Arc;

use ndarray::{concatenate, Array1, ArrayView1, Axis};

use super::scorer::Scorer;
pub use file::{EncoderRef, HeadError, HeadFile, HeadKind, Layer, HEAD_FORMAT, HEAD_FORMAT_VERSION};
pub use using::{
    is_shipped_stance_head, shipped_stance_heads, stance_validated, HeadUse, HeadUseError, RefineStance,
    SHIPPED_STANCE_HEADS,
};

/// `w · x + b` accumulated in `f64` in index order: the one place logits are computed, so training reports,
/// saved heads and runs all give the same bits for the same weights.
pub fn affine(w: ArrayView1<f32>, x: ArrayView1<f32>, b: f32) -> f64 {
    let mut acc = 0.0f64;
    for (wi, xi) in w.iter().zip(x.iter()) {
        acc += f64::from(*wi) * f64::from(*xi);
    }
    acc + f64::from(b)
}

/// `(W x + b) / T` as `f32`: what every head scorer returns.
///
/// # Panics
/// If `x` does not have the layer's number of inputs (a programming error: heads are checked against the
/// encoder when loaded).
fn scaled_logits(layer: &Layer, temperature: f32, x: ArrayView1<f32>) -> Vec<f32> {
    assert_eq!(x.len(), layer.weights.ncols(), "head expects {} inputs, got {}", layer.weights.ncols(), x.len());
    let t = f64::from(temperature);
    layer.apply(x).into_iter().map(|v| (v / t) as f32).collect()
}

/// `[t, s, |t − s|, t ∘ s]` for one (target, text) pair: the stance head's input (see `train::stance_pair`).
pub fn pair_features(target: ArrayView1<f32>, text: ArrayView1<f32>) -> Array1<f32> {
    let diff = (&target - &text).mapv(f32::abs);
    let prod = &target * &text;
    concatenate(Axis(0), &[target, text, diff.view(), prod.view()]).expect("same length vectors")
}

/// A single-label frame head: calibrated logits, one softmax over the labels.
#[derive(Debug, Clone)]
pub struct FrameHead {
    labels: Vec<String>,
    output: Layer,
    temperature: f32,
}

/// A multi-label frame head: per-label logits; a label is present when its sigmoid reaches its threshold.
#[derive(Debug, Clone)]
pub struct MultiLabelHead {
    labels: Vec<String>,
    output: Layer,
    temperature: f32,
    thresholds: Vec<f32>,
}

/// The general stance head: scores a text's stance toward a target from the pair of their embeddings.
#[derive(Debug, Clone)]
pub struct StancePairHead {
    labels: Vec<String>,
    output: Arc<Layer>,
    temperature: f32,
    dim: usize,
}

/// A frame head of either kind, as a scorer for the classifier.
pub enum FrameScorer {
    /// One softmax over the labels: exactly one frame per paragraph.
    Single(FrameHead),
    /// A sigmoid and threshold per label: any number of frames per paragraph.
    Multi(MultiLabelHead),
}

impl FrameScorer {
    /// The scorer for a frame head file; `None` for a stance head (which scores pairs, not texts).
    pub fn from_file<T, R, W>(head: HeadFile<T, R, W>) -> Option<FrameScorer> {
        let HeadFile { kind, labels, output, temperature, thresholds, .. } = head;
        match (kind, thresholds) {
            (HeadKind::Single, _) => Some(FrameScorer::Single(FrameHead { labels, output, temperature })),
            (HeadKind::Multi, Some(thresholds)) => {
                Some(FrameScorer::Multi(MultiLabelHead { labels, output, temperature, thresholds }))
            }
            // A validated multi-label head always has thresholds.
            (HeadKind::Multi, None) | (HeadKind::StancePair, _) => None,
        }
    }

    pub(crate) fn boxed(self) -> Box<dyn Scorer> {
        match self {
            FrameScorer::Single(h) => Box::new(h),
            FrameScorer::Multi(h) => Box::new(h),
        }
    }
}

impl Scorer for FrameHead {
    fn labels(&self) -> &[String] {
        &self.labels
    }
    fn logits(&self, x: ArrayView1<f32>) -> Vec<f32> {
        scaled_logits(&self.output, self.temperature, x)
    }
    fn calibrated(&self) -> bool {
        true
    }
}

impl Scorer for MultiLabelHead {
    fn labels(&self) -> &[String] {
        &self.labels
    }
    fn logits(&self, x: ArrayView1<f32>) -> Vec<f32> {
        scaled_logits(&self.output, self.temperature, x)
    }
    fn calibrated(&self) -> bool {
        true
    }
    fn thresholds(&self) -> Option<&[f32]> {
        Some(&self.thresholds)
    }
}

impl StancePairHead {
    /// The scorer for a stance head file (checked to be of kind `stance_pair`), with its output layer
    /// replaced by `output` when given (a head refit toward a codebook's examples).
    pub fn from_file<T, R, W>(head: HeadFile<T, R, W>, output: Option<Layer>) -> StancePairHead {
        let dim = head.encoder.dim;
        StancePairHead {
            labels: head.labels,
            output: Arc::new(output.unwrap_or(head.output)),
            temperature: head.temperature,
            dim,
        }
    }

    /// Stance labels in output order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// A [`Scorer`] of text embeddings toward one fixed target (e.g. a codebook stance target's embedded
    /// description), to drop into the classify stage like any other scorer.
    pub fn toward(&self, target: ArrayView1<f32>) -> TargetStance {
        assert_eq!(target.len(), self.dim, "target embedding dimension");
        TargetStance { head: self.clone(), target: target.to_owned() }
    }
}

/// Stance toward one target, as a [`Scorer`] over text embeddings.
#[derive(Debug, Clone)]
pub struct TargetStance {
    head: StancePairHead,
    target: Array1<f32>,
}

impl Scorer for TargetStance {
    fn labels(&self) -> &[String] {
        &self.head.labels
    }
    fn logits(&self, x: ArrayView1<f32>) -> Vec<f32> {
        scaled_logits(&self.head.output, self.head.temperature, pair_features(self.target.view(), x).view())
    }
    fn calibrated(&self) -> bool {
        true
    }
}
