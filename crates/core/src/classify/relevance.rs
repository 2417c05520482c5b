//! Topic relevance: is a paragraph about the codebook's topic at all?
//!
//! A corpus drawn from a news database by keyword is always partly off-topic, and a nearest-frame
//! classifier gives every paragraph *some* frame, often with a high softmax score. Raw cosine to the
//! codebook's texts does not separate topic from non-topic well with small sentence encoders (all news
//! sits in one region of the space: measured in docs/evaluation.md, 61% of off-topic news paragraphs
//! rejected at 95% on-topic recall). Contrasting with a background sample of ordinary news does: the score
//! is the mean of the `k` highest cosines to the codebook's own texts (description, frame definitions and
//! examples, stance statements, and its `topic_examples`: plain reports, testimony and background of the
//! topic, which the argued frame examples do not cover) minus the mean of the `k` highest cosines to the
//! background paragraphs
//! (`models/relevance/background.txt`, general news written for framelens, plus the codebook's own
//! `off_topic_examples`: news near its topic that its author counts as off it). Above 0 a paragraph sits
//! nearer the topic than ordinary news; the default threshold was chosen on a dev split
//! (`eval/relevance/`), never on the figures reported.
//!
//! Both sets are embedded with the run's own encoder, so the score works for any codebook and encoder;
//! the threshold is chosen per encoder on dev data ([`default_threshold`]), and a codebook may set its own
//! (`relevance_threshold`).

use ndarray::{Array2, ArrayView1, ArrayView2, Axis};

/// General news paragraphs written for framelens (one per line): what "not this topic" looks like.
pub const BACKGROUND: &str = include_str!("../../../../models/relevance/background.txt");

/// Neighbours averaged on the topic side and on the background side (chosen on the dev split of
/// `eval/relevance/`: docs/evaluation.md).
pub const TOPIC_NEIGHBOURS: usize = 10;
pub(crate) const BACKGROUND_NEIGHBOURS: usize = 20;

/// Default threshold below which a body paragraph is `other` (chosen on the dev split; docs/evaluation.md).
pub const DEFAULT_THRESHOLD: f32 = 0.04;

/// Encoders whose cosines sit on another scale get their own default, chosen the same way (keyed by the
/// weights' sha256, the model's identity): multilingual-e5-small puts every text near every other (cosines
/// of unrelated news ~0.75), so differences are small; 0.01 kept every paragraph of the Chinese dev corpus
/// (`corpora/sample-zh`, lowest 0.016) and set aside 94.9% of the off-topic dev half of the ABP news sample
/// (docs/evaluation.md, "Chinese-language outlets").
///
/// all-mpnet-base-v2 (the default encoder) spreads on- and off-topic further apart than MiniLM: 0.08 is the
/// highest threshold on a 0.01 grid that keeps ≥ 95% of the on-topic dev paragraphs (the enforcement codebook's
/// `topic_examples`, each scored without itself), and it sets aside 94.9% of the dev half of the coded
/// keyword-drawn news (`eval/relevance/near_topic_gold.csv`) against 81.4% at MiniLM's 0.04 (docs/evaluation.md,
/// "Near the topic"). MiniLM's own 0.04 is already its highest such value.
const ENCODER_THRESHOLDS: &[(&str, f32)] = &[
    ("e5a63fd821d92f8dd846e6480eac1aa0cef77a1ccba319f49a6c948168e1e787", 0.01),
    ("78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658", 0.08),
];

/// The threshold for an encoder when neither the user nor the codebook sets one.
pub fn default_threshold(weights_sha256: &str) -> f32 {
    ENCODER_THRESHOLDS.iter().find(|(sha, _)| *sha == weights_sha256).map_or(DEFAULT_THRESHOLD, |(_, t)| *t)
}

/// Paragraphs within this distance above the threshold are flagged `uncertain`.
pub const UNCERTAIN_BAND: f32 = 0.02;

/// The background paragraphs, one per non-empty line.
pub fn background_texts() -> Vec<&'static str> {
    super::language::background_texts(BACKGROUND)
}

/// Scores embeddings for closeness to a topic against a background.
#[derive(Debug, Clone)]
pub struct Relevance {
    /// L2-normalised rows.
    topic: Array2<f32>,
    background: Array2<f32>,
    k_topic: usize,
    k_background: usize,
}

impl Relevance {
    /// `topic` and `background` are embeddings, one row per text (normalised here).
    pub fn new(topic: ArrayView2<f32>, background: ArrayView2<f32>, k_topic: usize, k_background: usize) -> Self {
        Relevance {
            topic: normalized_rows(topic),
            background: normalized_rows(background),
            k_topic: k_topic.max(1),
            k_background: k_background.max(1),
        }
    }

    /// Mean top-k cosine to the topic minus mean top-k cosine to the background.
    pub fn score(&self, x: ArrayView1<f32>) -> f32 {
        let n = x.dot(&x).sqrt().max(1e-12);
        (top_k_mean(self.topic.dot(&x).to_vec(), self.k_topic)
            - top_k_mean(self.background.dot(&x).to_vec(), self.k_background))
            / n
    }
}

/// Relevance of the texts a codebook carries on either side, each scored with itself left out of its side:
/// how its `topic_examples` (rows `topic_held` of `topic`) and `off_topic_examples` (rows `background_held`
/// of `background`) would fare as corpus paragraphs, without the trivial match to themselves. This is the
/// check behind "keep ≥ 95% of the on-topic dev paragraphs" (`codebook check`, docs/evaluation.md).
pub fn held_out_scores(
    topic: ArrayView2<f32>,
    background: ArrayView2<f32>,
    topic_held: std::ops::Range<usize>,
    background_held: std::ops::Range<usize>,
) -> (Vec<f32>, Vec<f32>) {
    let without = |m: ArrayView2<f32>, i: usize| {
        let keep: Vec<usize> = (0..m.nrows()).filter(|&j| j != i).collect();
        m.select(Axis(0), &keep)
    };
    let score = |t: ArrayView2<f32>, b: ArrayView2<f32>, x: ArrayView1<f32>| {
        Relevance::new(t, b, TOPIC_NEIGHBOURS, BACKGROUND_NEIGHBOURS).score(x)
    };
    let on = topic_held.map(|i| score(without(topic, i).view(), background, topic.row(i))).collect();
    let off = background_held.map(|i| score(topic, without(background, i).view(), background.row(i))).collect();
    (on, off)
}

fn normalized_rows(m: ArrayView2<f32>) -> Array2<f32> {
    let mut out = m.to_owned();
    for mut row in out.axis_iter_mut(Axis(0)) {
        let n = row.dot(&row).sqrt().max(1e-12);
        row /= n;
    }
    out
}

fn top_k_mean(mut v: Vec<f32>, k: usize) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    let k = k.min(v.len());
    v.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
    v[..k].iter().sum::<f32>() / k as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn nearer_the_topic_than_the_background_scores_above_zero() {
        let topic = array![[1.0, 0.0, 0.0], [0.9, 0.1, 0.0]];
        let background = array![[0.0, 1.0, 0.0], [0.0, 0.9, 0.1]];
        let r = Relevance::new(topic.view(), background.view(), 2, 2);
        assert!(r.score(array![2.0, 0.1, 0.0].view()) > 0.5, "scale-free and on topic");
        assert!(r.score(array![0.1, 1.0, 0.0].view()) < -0.5);
        // Equidistant from a one-text topic and a one-text background: zero.
        let one = Relevance::new(array![[1.0, 0.0, 0.0]].view(), array![[0.0, 2.0, 0.0]].view(), 1, 1);
        let mid = one.score(array![1.0, 1.0, 0.0].view());
        assert!(mid.abs() < 1e-6, "{mid}");
    }

    #[test]
    fn held_out_scores_leave_each_text_out_of_its_own_side() {
        // Two topic texts on axis 0 and one off-topic text on axis 1, which the ordinary background (axis 2)
        // does not resemble; k = 10 and 20 take every row here.
        let topic = array![[1.0, 0.0, 0.0], [0.8, 0.6, 0.0]];
        let background = array![[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]];
        let (on, off) = held_out_scores(topic.view(), background.view(), 0..2, 1..2);
        // Topic row 0 against topic row 1 only (0.8) minus the mean over both background rows (0.0).
        assert!((on[0] - 0.8).abs() < 1e-6 && (on[1] - (0.8 - 0.3)).abs() < 1e-6, "{on:?}");
        // The off-topic text against the topic (0.0 and 0.6) minus the ordinary background only (0.0).
        assert!((off[0] - 0.3).abs() < 1e-6, "{off:?}");
    }

    #[test]
    fn top_k_mean_takes_the_largest() {
        assert!((top_k_mean(vec![0.1, 0.9, 0.5, 0.7], 2) - 0.8).abs() < 1e-6);
        assert_eq!(top_k_mean(vec![0.3], 5), 0.3);
        assert_eq!(top_k_mean(vec![], 3), 0.0);
    }

    #[test]
    fn background_is_shipped() {
        let b = background_texts();
        assert!(b.len() >= 450, "{} background paragraphs", b.len());
        assert!(b.iter().all(|t| t.split_whitespace().count() >= 10));
    }
}
