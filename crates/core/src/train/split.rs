//! Reproducible train/dev splits and per-class subsamples of labelled rows.
//!
//! A row goes to dev when the first 8 bytes of sha256(seed, key) — read as a fraction of 2⁶⁴ — are below
//! the dev fraction. The key is the row's id when the data have an id column, else its text (whitespace
//! collapsed). So the split depends on the seed and on the row alone, not on the file's order or on the
//! other rows: `train --holdout` and `eval --holdout` with the same seed pick the same dev rows, and
//! adding rows to a file never moves old rows between train and dev. Duplicate texts (or ids) always
//! land on the same side, so dev never contains a copy of a training row.

use sha2::{Digest, Sha256};

use crate::stats::random::{seeded, shuffle};

use super::data::LabelledRow;

/// A train/dev split.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Holdout {
    /// Share of rows in dev, in (0, 1).
    pub fraction: f64,
    pub(crate) seed: u64,
}

/// Which side of a [`Holdout`] to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The rows a head is fitted on.
    Train,
    /// The rows held out to score it.
    Dev,
}

impl Holdout {
    /// A split putting `fraction` of the rows in dev; fails with a message for the user unless
    /// 0 < `fraction` < 1.
    pub fn new(fraction: f64, seed: u64) -> Result<Self, String> {
        if fraction > 0.0 && fraction < 1.0 {
            Ok(Holdout { fraction, seed })
        } else {
            Err(format!("the held-out fraction must be between 0 and 1 (exclusive), got {fraction}"))
        }
    }

    /// The split that keeps `fraction` of a fine-tuning run's training rows out of tuning to calibrate the
    /// tuned head on (`--calibration-slice`). Its seed is `seed` mixed with a constant: the same number as
    /// the hold-out's `--split-seed` would otherwise draw exactly the dev rows again, none of which are
    /// training rows.
    pub fn calibration(fraction: f64, seed: u64) -> Result<Self, String> {
        const SALT: u64 = 0x9E37_79B9_7F4A_7C15;
        Holdout::new(fraction, seed ^ SALT)
    }

    /// Whether the row keyed by `key` is in dev.
    pub fn is_dev(&self, key: &str) -> bool {
        let key: String = key.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut h = Sha256::new();
        h.update(self.seed.to_le_bytes());
        h.update(key.as_bytes());
        let d = h.finalize();
        let v = u64::from_le_bytes(d[..8].try_into().expect("8 bytes"));
        (v as f64) / 18_446_744_073_709_551_616.0 < self.fraction
    }

    /// The part a row belongs to (keyed by id if it has one, else by text).
    pub fn part_of(&self, row: &LabelledRow) -> Part {
        let key = row.id.as_deref().filter(|s| !s.is_empty()).unwrap_or(&row.text);
        if self.is_dev(key) {
            Part::Dev
        } else {
            Part::Train
        }
    }
}

/// At most `n` rows per label (single-label data: `labels[i]` is row i's label), drawn with ChaCha8
/// seeded by `seed`; labels with fewer rows keep them all. Returns row indices in ascending order.
pub fn per_class_subsample(labels: &[usize], n: usize, seed: u64) -> Vec<usize> {
    let mut rng = seeded(seed);
    let k = labels.iter().max().map_or(0, |m| m + 1);
    let mut keep = Vec::new();
    for label in 0..k {
        let mut rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == label).collect();
        shuffle(&mut rows, &mut rng);
        rows.truncate(n);
        keep.extend(rows);
    }
    keep.sort_unstable();
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holdout_is_a_stable_function_of_seed_and_key() {
        let h = Holdout::new(0.2, 13).unwrap();
        let keys: Vec<String> = (0..5000).map(|i| format!("row {i}")).collect();
        let dev = keys.iter().filter(|k| h.is_dev(k)).count();
        assert!((850..1150).contains(&dev), "{dev}");
        assert_eq!(h.is_dev("a  b\n c"), h.is_dev("a b c"));
        let other = Holdout::new(0.2, 14).unwrap();
        assert!(keys.iter().any(|k| h.is_dev(k) != other.is_dev(k)));
        assert!(Holdout::new(1.0, 1).is_err() && Holdout::new(0.0, 1).is_err());
    }

    #[test]
    fn subsample_caps_each_label() {
        let labels = [0, 0, 0, 1, 1, 2, 0, 1, 1, 1];
        let s = per_class_subsample(&labels, 2, 7);
        let count = |l| s.iter().filter(|&&i| labels[i] == l).count();
        assert_eq!((count(0), count(1), count(2)), (2, 2, 1));
        assert_eq!(s, per_class_subsample(&labels, 2, 7));
        assert!(s.windows(2).all(|w| w[0] < w[1]));
    }
}
