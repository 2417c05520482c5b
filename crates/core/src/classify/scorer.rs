//! The classifier seam: anything that turns an embedding into one logit per label. The zero-shot
//! prototype scorer is one; a trained head (`framelens train`) is another and drops in unchanged.

use ndarray::{Array1, Array2, ArrayView1, Axis};

/// Scores embeddings against a fixed label set.
pub trait Scorer: Send + Sync {
    /// Label ids in logit order (codebook frames, possibly with `other`; or the three stance labels).
    fn labels(&self) -> &[String];
    /// One logit per label; the classify stage turns them into probabilities with a softmax.
    fn logits(&self, x: ArrayView1<f32>) -> Vec<f32>;
    /// `true` when the logits are already calibrated (a trained head divides by its fitted temperature):
    /// the classify stage then uses softmax(logits) as they are, adds no cue bonus and applies no
    /// cosine-based `other` threshold. Zero-shot prototypes return `false` and get the run's temperature.
    fn calibrated(&self) -> bool {
        false
    }
    /// Multi-label heads: per-label probability thresholds on sigmoid(logits); a label is present when its
    /// probability reaches its threshold. `None`: one softmax over the labels.
    fn thresholds(&self) -> Option<&[f32]> {
        None
    }
}

/// Zero-shot scoring: cosine similarity, in a centred space, between an embedding and each label's
/// prototype (the mean of its embedded definition and examples).
///
/// Centring matters on real commentary: every paragraph of a corpus is about one topic, so raw cosines are
/// dominated by that shared direction. Subtracting a centre removes it (measured in docs/design.md: 4 → 5 of 12
/// seed paragraphs right, more with sentence scoring). The centre is the mean of the codebook's own
/// embedded texts, not of the corpus, so a paragraph's label never depends on which other documents are in
/// the run: shards and resumed runs label it identically.
#[derive(Debug, Clone)]
pub struct PrototypeScorer {
    labels: Vec<String>,
    /// Centred, L2-normalised prototypes, one row per label.
    prototypes: Array2<f32>,
    center: Array1<f32>,
}

impl PrototypeScorer {
    /// `groups[i]` are the embeddings (rows) of label `i`'s texts; `center` is subtracted from everything.
    pub fn new(labels: Vec<String>, groups: &[Array2<f32>], center: Array1<f32>) -> Self {
        let dim = center.len();
        let mut prototypes = Array2::<f32>::zeros((labels.len(), dim));
        for (i, g) in groups.iter().enumerate() {
            let mean = g.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(dim));
            prototypes.row_mut(i).assign(&normalized(&(mean - &center)));
        }
        PrototypeScorer { labels, prototypes, center }
    }

    /// Cosine similarities between prototypes (for `codebook check`).
    pub fn prototype_similarities(&self) -> Array2<f32> {
        self.prototypes.dot(&self.prototypes.t())
    }
}

impl Scorer for PrototypeScorer {
    fn labels(&self) -> &[String] {
        &self.labels
    }
    fn logits(&self, x: ArrayView1<f32>) -> Vec<f32> {
        let c = normalized(&(&x - &self.center));
        self.prototypes.dot(&c).to_vec()
    }
}

pub(crate) fn normalized(v: &Array1<f32>) -> Array1<f32> {
    let n = v.dot(v).sqrt().max(1e-12);
    v / n
}

/// Numerically stable softmax of `logits / temperature`.
pub fn softmax(logits: &[f32], temperature: f32) -> Vec<f32> {
    let t = temperature.max(1e-6);
    let max = logits.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = logits.iter().map(|l| ((l - max) / t).exp()).collect();
    let sum: f32 = exps.iter().sum();
    exps.iter().map(|e| e / sum).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn nearest_prototype_wins_after_centring() {
        let groups = vec![array![[1.0, 0.1, 0.0]], array![[0.0, 1.0, 0.1]]];
        let s = PrototypeScorer::new(vec!["a".into(), "b".into()], &groups, array![0.1, 0.1, 0.0]);
        let l = s.logits(array![0.9, 0.2, 0.0].view());
        assert!(l[0] > l[1]);
        let p = softmax(&l, 0.05);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6 && p[0] > 0.9);
    }
}
