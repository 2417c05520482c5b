//! What to train and how: the two recipes, their settings, and the contrastive pairs.

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// How the encoder's weights learn from the coded rows. Both end the same way: the calibrated logistic head is
/// then fitted on the tuned embeddings (framelens-core's trainer), so only the encoder differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipe {
    /// SetFit-style: pairs of rows, pulled together when they share a label and apart when not (the squared
    /// error of their cosine to 1 or 0).
    Contrastive,
    /// The encoder with a linear head on top, trained end to end on class-weighted cross-entropy (binary
    /// cross-entropy per label for multi-label data); the head is discarded afterwards.
    CrossEntropy,
}

impl Recipe {
    /// The name options and `model.toml` use.
    pub fn as_str(self) -> &'static str {
        match self {
            Recipe::Contrastive => "contrastive",
            Recipe::CrossEntropy => "cross-entropy",
        }
    }

    /// Parses [`Recipe::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "contrastive" | "setfit" => Some(Recipe::Contrastive),
            "cross-entropy" | "ce" => Some(Recipe::CrossEntropy),
            _ => None,
        }
    }
}

/// Settings of one fine-tuning run.
#[derive(Debug, Clone)]
pub struct TuneOptions {
    /// Which objective.
    pub recipe: Recipe,
    /// Passes over the rows (cross-entropy) or over freshly drawn pairs (contrastive).
    pub epochs: usize,
    /// Peak learning rate of the encoder (linear warm-up over the first tenth of the steps, then linear decay).
    pub learning_rate: f64,
    /// Learning rate of the cross-entropy recipe's linear head.
    pub head_learning_rate: f64,
    /// Rows (cross-entropy) or pairs (contrastive) per step.
    pub batch_size: usize,
    /// Contrastive pairs drawn per row and epoch, alternately same-label and different-label.
    pub pairs_per_row: usize,
    /// Seed of pair drawing and row order.
    pub seed: u64,
    /// Tune only the top this many transformer layers; the embeddings and the layers below stay the parent's.
    /// `None` tunes every layer and the embeddings (the word table always stays). Fewer layers cost less time
    /// and memory per step, and leave less of the parent's general knowledge to forget on few rows.
    pub tune_layers: Option<usize>,
}

impl TuneOptions {
    /// The defaults of `recipe`.
    pub fn new(recipe: Recipe) -> Self {
        match recipe {
            Recipe::Contrastive => TuneOptions {
                recipe,
                epochs: 1,
                learning_rate: 2e-5,
                head_learning_rate: 0.0,
                batch_size: 16,
                pairs_per_row: 10,
                seed: 13,
                tune_layers: None,
            },
            Recipe::CrossEntropy => TuneOptions {
                recipe,
                epochs: 4,
                learning_rate: 3e-5,
                head_learning_rate: 3e-3,
                batch_size: 16,
                pairs_per_row: 0,
                seed: 13,
                tune_layers: None,
            },
        }
    }

    /// The recipe-specific settings for `model.toml`.
    pub fn settings(&self) -> std::collections::BTreeMap<String, String> {
        let mut m = std::collections::BTreeMap::new();
        match self.recipe {
            Recipe::Contrastive => {
                m.insert("pairs_per_row".into(), self.pairs_per_row.to_string());
            }
            Recipe::CrossEntropy => {
                m.insert("head_learning_rate".into(), self.head_learning_rate.to_string());
                m.insert("class_weights".into(), "balanced".into());
            }
        }
        if let Some(k) = self.tune_layers {
            m.insert("tune_layers".into(), k.to_string());
        }
        m.insert("schedule".into(), "linear warm-up 10%, linear decay".into());
        m.insert("weight_decay".into(), WEIGHT_DECAY.to_string());
        m
    }
}

/// AdamW weight decay of the encoder's weights.
pub const WEIGHT_DECAY: f64 = 0.01;

/// The coded rows to tune on: texts and their label indices (one for single-label data).
#[derive(Debug, Clone)]
pub struct TuneRows {
    /// The texts, as they will later be embedded.
    pub texts: Vec<String>,
    /// Each text's labels (indices below `n_labels`).
    pub labels: Vec<Vec<usize>>,
    /// Labels in the scheme.
    pub n_labels: usize,
    /// Several labels per row allowed (cross-entropy becomes per-label binary).
    pub multi_label: bool,
}

/// Stance rows for the pair recipe: each row a (target, text, label) over distinct targets and texts, as
/// stance data repeats both (VAST: 13,477 rows over 1,845 comments and 4,641 topics).
#[derive(Debug, Clone)]
pub struct PairRows {
    /// Each distinct target once.
    pub targets: Vec<String>,
    /// Each distinct text once.
    pub texts: Vec<String>,
    /// Rows as (index into `targets`, index into `texts`, label index).
    pub rows: Vec<(usize, usize, usize)>,
    /// Labels in the scheme.
    pub n_labels: usize,
}

/// What a tuning run's outcome depends on besides the parent and the options: fed to the run key.
pub trait Fingerprint {
    /// Feeds every byte that decides the run into `h`.
    fn fingerprint(&self, h: &mut sha2::Sha256);
}

impl Fingerprint for TuneRows {
    fn fingerprint(&self, h: &mut sha2::Sha256) {
        use sha2::Digest;
        for (t, l) in self.texts.iter().zip(&self.labels) {
            h.update(t.as_bytes());
            h.update(format!("{l:?}\n").as_bytes());
        }
    }
}

impl Fingerprint for PairRows {
    fn fingerprint(&self, h: &mut sha2::Sha256) {
        use sha2::Digest;
        h.update(format!("pairs, labels {}\n", self.n_labels).as_bytes());
        for (i, t) in self.targets.iter().chain(&self.texts).enumerate() {
            h.update(format!("{i}:").as_bytes());
            h.update(t.as_bytes());
            h.update(b"\n");
        }
        for r in &self.rows {
            h.update(format!("{r:?}").as_bytes());
        }
    }
}

/// One contrastive pair: two row indices and the cosine they should have.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    /// First row.
    pub a: usize,
    /// Second row.
    pub b: usize,
    /// 1 when the rows share a label, else 0.
    pub target: f32,
}

/// Pairs for one epoch: for every row, `per_row` partners drawn alternately among the rows sharing a label
/// with it and among those sharing none (a row with no partner of a kind gets one of the other kind), in a
/// shuffled order. Deterministic in `seed`.
pub fn draw_pairs(labels: &[Vec<usize>], per_row: usize, seed: u64) -> Vec<Pair> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let shares = |i: usize, j: usize| labels[i].iter().any(|l| labels[j].contains(l));
    let mut pairs = Vec::with_capacity(labels.len() * per_row);
    for i in 0..labels.len() {
        let same: Vec<usize> = (0..labels.len()).filter(|&j| j != i && shares(i, j)).collect();
        let other: Vec<usize> = (0..labels.len()).filter(|&j| !shares(i, j)).collect();
        for k in 0..per_row {
            let (first, second) = if k % 2 == 0 { (&same, &other) } else { (&other, &same) };
            let pool = if first.is_empty() { second } else { first };
            if let Some(&j) = pool.choose(&mut rng) {
                pairs.push(Pair { a: i, b: j, target: if shares(i, j) { 1.0 } else { 0.0 } });
            }
        }
    }
    shuffle(&mut pairs, &mut rng);
    pairs
}

/// Fisher–Yates with the crate's seeded generator (`rand`'s `shuffle` would do; this keeps one RNG stream).
pub(crate) fn shuffle<T>(v: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..v.len()).rev() {
        v.swap(i, rng.random_range(0..=i));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_alternate_and_are_deterministic() {
        let labels: Vec<Vec<usize>> = [0, 0, 0, 1, 1, 2].iter().map(|&l| vec![l]).collect();
        let p = draw_pairs(&labels, 4, 7);
        assert_eq!(p.len(), 24);
        assert_eq!(p, draw_pairs(&labels, 4, 7));
        assert_ne!(p, draw_pairs(&labels, 4, 8));
        for x in &p {
            assert_ne!(x.a, x.b);
            assert_eq!(x.target, if labels[x.a] == labels[x.b] { 1.0 } else { 0.0 });
        }
        // Row 5 is alone in its label: all its pairs are negatives; row 0 gets 2 positives, 2 negatives.
        assert!(p.iter().filter(|x| x.a == 5).all(|x| x.target == 0.0));
        assert_eq!(p.iter().filter(|x| x.a == 0 && x.target == 1.0).count(), 2);
    }

    #[test]
    fn multi_label_pairs_share_any_label() {
        let labels = vec![vec![0, 1], vec![1], vec![2], vec![0]];
        for x in draw_pairs(&labels, 6, 1) {
            let share = labels[x.a].iter().any(|l| labels[x.b].contains(l));
            assert_eq!(x.target == 1.0, share);
        }
    }
}
