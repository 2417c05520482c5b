//! The saved head: a small JSON file next to the codebook (or in `models/heads/`) that holds everything
//! needed to score embeddings and to judge the head before using it: format version, kind, label order,
//! weights and biases, temperature, thresholds, the encoder it was trained for (its weights' sha256), the
//! codebook's sha256, the training options, the cross-validated report, and short hashes of the rows it
//! was fitted on (so that `eval` can refuse to score it on them).
//!
//! Why JSON: heads are small (k × 384 numbers), a user can read the report at the top of the file, and
//! diffs between heads are legible. Numbers are written so that loading gives back the exact `f32` bits
//! (each `f32` is written as the shortest decimal of its exact `f64` widening; reading that decimal back as
//! `f64` is within one f64 ulp, which rounds to the same `f32` — exact with or without serde_json's
//! `float_roundtrip` feature). So train → save → load → predict is bit-identical.
//!
//! A head only makes sense for the embeddings it was trained on: loading checks the encoder's weights
//! sha256 and refuses a mismatch with both hashes in the message.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ndarray::{Array2, ArrayView1};
use serde::{Deserialize, Serialize};

use super::calibrate::CalibrationReport;
use super::cv::GridPoint;
use super::optim::LbfgsReport;
use super::softmax_regression::affine;
use super::split::Holdout;
use super::TrainOptions;
use crate::classify::scorer::Scorer;
use crate::evaluate::ClassScore;

/// The `format` field of every head file.
pub const HEAD_FORMAT: &str = "framelens-head";
/// Bumped when a change would make older readers misread a head.
pub const HEAD_FORMAT_VERSION: u32 = 1;

/// What a head's outputs mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadKind {
    /// One label per paragraph: softmax over the logits.
    Single,
    /// Any number of labels per paragraph: one sigmoid per label, present when its probability reaches
    /// the label's threshold.
    Multi,
    /// Stance of a text toward a target: the input is the pair feature vector `[t, s, |t−s|, t∘s]` of the
    /// target's and the text's embeddings; softmax over the labels.
    StancePair,
}

/// The encoder whose embeddings a head was trained on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncoderRef {
    /// Human-readable id, e.g. `sentence-transformers/all-MiniLM-L6-v2`.
    pub model_id: String,
    /// sha256 of the encoder's weights file (hex): what identifies the embedding space.
    pub weights_sha256: String,
    /// Embedding dimension.
    pub dim: usize,
}

/// One dense layer, `W x + b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layer {
    /// `outputs × inputs`.
    #[serde(with = "matrix_f32")]
    pub weights: Array2<f32>,
    #[serde(with = "vec_f32")]
    pub bias: Vec<f32>,
}

impl Layer {
    fn apply(&self, x: ArrayView1<f32>) -> Vec<f64> {
        (0..self.weights.nrows()).map(|c| affine(self.weights.row(c), x, self.bias[c])).collect()
    }
}

/// Cross-validated (out-of-fold) scores of the training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvScores {
    pub accuracy: f64,
    pub macro_f1: f64,
    /// Multi-label heads: micro-F1 over all (row, label) cells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub micro_f1: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kappa: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alpha: Option<f64>,
    pub labels: Vec<ClassScore>,
}

/// Scores on data kept out of training (e.g. VAST dev, zero-shot and few-shot topics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldOutScores {
    pub name: String,
    pub rows: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    /// Multi-label heads: micro-F1 over all (row, label) cells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub micro_f1: Option<f64>,
    pub labels: Vec<ClassScore>,
}

/// The training report stored in the head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingReport {
    pub rows: usize,
    /// Training rows per label (label order); for multi-label heads, rows carrying the label.
    pub label_counts: Vec<usize>,
    pub folds: usize,
    /// Every L2 strength tried, with its cross-validated score.
    pub grid: Vec<GridPoint>,
    pub chosen_l2: f64,
    pub cv: CvScores,
    pub calibration: CalibrationReport,
    /// The solver's outcome on the final fit (all rows, chosen λ); for one-vs-rest heads the worst label.
    pub final_fit: LbfgsReport,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held_out: Vec<HeldOutScores>,
    /// Warnings for the user (e.g. labels with fewer rows than folds).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// What a head was fitted on, so that `eval` can refuse to score a head on its own training rows (which
/// printed 1.000 everywhere in a trial without a word). Only short hashes are kept: the texts themselves
/// may be licensed data that must not travel with a head, and the file stays small.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingRows {
    /// sha256 of the data file the rows came from.
    pub data_sha256: String,
    /// The train/dev split training used (`None`: every coded row of the file was a candidate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holdout: Option<Holdout>,
    /// Number of distinct texts fitted on.
    pub count: usize,
    /// [`row_hash`] of every distinct text fitted on (codebook examples included), sorted and
    /// space-separated: one JSON line however many rows, about 17 bytes per row.
    pub hashes: String,
}

/// Short fingerprint of a text: the first 16 hex digits of the sha256 of its whitespace-collapsed form, so
/// that the same paragraph re-exported with other line breaks or padding still matches. 64 bits make a
/// chance collision among even millions of rows negligible.
pub fn row_hash(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::encode::model::sha256_hex(collapsed.as_bytes())[..16].to_string()
}

impl TrainingRows {
    /// Records the distinct `texts` fitted on.
    pub fn new<'a>(data_sha256: &str, holdout: Option<Holdout>, texts: impl IntoIterator<Item = &'a str>) -> Self {
        let set: BTreeSet<String> = texts.into_iter().map(row_hash).collect();
        TrainingRows {
            data_sha256: data_sha256.to_string(),
            holdout,
            count: set.len(),
            hashes: set.into_iter().collect::<Vec<_>>().join(" "),
        }
    }

    /// How many of `texts` were fitted on (a text counts once per occurrence in `texts`).
    pub fn overlap<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> usize {
        let known: BTreeSet<&str> = self.hashes.split_whitespace().collect();
        texts.into_iter().filter(|t| known.contains(row_hash(t).as_str())).count()
    }
}

/// A trained classifier head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Head {
    pub format: String,
    pub format_version: u32,
    pub kind: HeadKind,
    /// Label order of the outputs.
    pub labels: Vec<String>,
    pub encoder: EncoderRef,
    /// sha256 of the codebook the labels come from, if any.
    #[serde(default)]
    pub codebook_sha256: Option<String>,
    /// Logits are divided by this (temperature scaling).
    #[serde(with = "scalar_f32")]
    pub temperature: f32,
    /// Multi-label heads: per-label probability thresholds (on the temperature-scaled sigmoid).
    #[serde(default, with = "opt_vec_f32", skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<Vec<f32>>,
    pub training: TrainOptions,
    /// Free-form provenance from the caller (data file hash, `--with-codebook-examples`, …), sorted.
    #[serde(default)]
    pub context: BTreeMap<String, String>,
    pub report: TrainingReport,
    /// The linear layer: one row of weights and one bias per label.
    pub output: Layer,
    /// The rows the head was fitted on; absent in heads trained before framelens recorded them (their
    /// overlap with evaluated rows cannot be checked). Last in the file, after the weights, so that the
    /// report stays at the top.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_rows: Option<TrainingRows>,
}

/// Why a head cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum HeadError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not JSON, not a head, an unsupported format version, or inconsistent sizes.
    #[error("{path}: not a valid head file: {message}")]
    Invalid { path: PathBuf, message: String },
    /// The head was trained on another encoder's embeddings (both hashes are named).
    #[error(
        "{path}: this head was trained on embeddings of encoder `{head_model}` with weights sha256 {head_sha256}, \
         but the encoder in use has weights sha256 {expected_sha256}; a head only works in the embedding space \
         it was trained in — retrain it for this encoder (`framelens train`) or run with the encoder it names"
    )]
    EncoderMismatch { path: PathBuf, head_model: String, head_sha256: String, expected_sha256: String },
    /// E.g. a stance head passed where a frame head is expected.
    #[error("{path}: expected a {expected:?} head, found a {found:?} head")]
    WrongKind { path: PathBuf, expected: HeadKind, found: HeadKind },
}

impl Head {
    /// Assembles a head (format fields filled in). Used by the trainers.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        kind: HeadKind,
        labels: Vec<String>,
        encoder: EncoderRef,
        output: Layer,
        temperature: f32,
        thresholds: Option<Vec<f32>>,
        training: TrainOptions,
        report: TrainingReport,
    ) -> Head {
        Head {
            format: HEAD_FORMAT.into(),
            format_version: HEAD_FORMAT_VERSION,
            kind,
            labels,
            encoder,
            codebook_sha256: None,
            temperature,
            thresholds,
            training,
            context: BTreeMap::new(),
            report,
            output,
            training_rows: None,
        }
    }

    /// Length of the input vector: the embedding, or the pair features for stance heads.
    pub fn input_dim(&self) -> usize {
        match self.kind {
            HeadKind::StancePair => 4 * self.encoder.dim,
            _ => self.encoder.dim,
        }
    }

    /// The file's bytes: pretty JSON with number arrays kept on one line (a 9 × 384 head is ~75 kB and
    /// its metadata and report read from the top). Deterministic: the same head gives the same bytes.
    pub fn to_json(&self) -> String {
        let pretty = serde_json::to_string_pretty(self).expect("a head always serialises");
        collapse_number_arrays(&pretty)
    }

    /// Writes the head to `path` atomically (temporary file in the same folder, then rename), so an
    /// interrupted save never leaves a truncated head under the final name.
    pub fn save(&self, path: &Path) -> Result<(), HeadError> {
        let io = |source| HeadError::Io { path: path.to_path_buf(), source };
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = path.file_name().map_or("head".into(), |n| n.to_string_lossy());
        let tmp = dir.join(format!(".{name}.{}.part", std::process::id()));
        std::fs::write(&tmp, self.to_json()).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(e)
        })
    }

    /// Parses and validates a head without checking the encoder (for `head show`-style inspection).
    /// `path` only names the source in errors.
    pub fn from_json(text: &str, path: &Path) -> Result<Head, HeadError> {
        let head: Head = serde_json::from_str(text)
            .map_err(|e| HeadError::Invalid { path: path.to_path_buf(), message: e.to_string() })?;
        head.validate().map_err(|message| HeadError::Invalid { path: path.to_path_buf(), message })?;
        Ok(head)
    }

    /// Reads and validates a head file without checking the encoder.
    pub fn read(path: &Path) -> Result<Head, HeadError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| HeadError::Io { path: path.to_path_buf(), source })?;
        Head::from_json(&text, path)
    }

    /// Reads a head for use with the encoder whose weights have sha256 `encoder_sha256`; refuses a head
    /// trained for another encoder.
    pub fn load(path: &Path, encoder_sha256: &str) -> Result<Head, HeadError> {
        let head = Head::read(path)?;
        head.check_encoder(encoder_sha256, path)?;
        Ok(head)
    }

    /// Errors unless the head was trained on the encoder with weights sha256 `encoder_sha256`
    /// (hex, case-insensitive).
    pub fn check_encoder(&self, encoder_sha256: &str, path: &Path) -> Result<(), HeadError> {
        if self.encoder.weights_sha256.trim().eq_ignore_ascii_case(encoder_sha256.trim()) {
            Ok(())
        } else {
            Err(HeadError::EncoderMismatch {
                path: path.to_path_buf(),
                head_model: self.encoder.model_id.clone(),
                head_sha256: self.encoder.weights_sha256.clone(),
                expected_sha256: encoder_sha256.to_string(),
            })
        }
    }

    /// Errors unless the head is of `kind` (e.g. a stance head passed where a frame head is expected).
    pub fn expect_kind(&self, kind: HeadKind, path: &Path) -> Result<(), HeadError> {
        if self.kind == kind {
            Ok(())
        } else {
            Err(HeadError::WrongKind { path: path.to_path_buf(), expected: kind, found: self.kind })
        }
    }

    fn validate(&self) -> Result<(), String> {
        if self.format != HEAD_FORMAT {
            return Err(format!("format is `{}`, expected `{HEAD_FORMAT}`", self.format));
        }
        if self.format_version == 0 || self.format_version > HEAD_FORMAT_VERSION {
            return Err(format!(
                "format version {} is not supported (this framelens reads up to {HEAD_FORMAT_VERSION}); update framelens",
                self.format_version
            ));
        }
        let k = self.labels.len();
        if k == 0 {
            return Err("no labels".into());
        }
        check_layer(&self.output, "output", self.input_dim())?;
        if self.output.weights.nrows() != k {
            return Err(format!("{} labels but {} output rows", k, self.output.weights.nrows()));
        }
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return Err(format!("temperature {} is not positive", self.temperature));
        }
        match (&self.thresholds, self.kind) {
            (Some(t), HeadKind::Multi) if t.len() == k && t.iter().all(|v| v.is_finite()) => {}
            (None, HeadKind::Single | HeadKind::StancePair) => {}
            (Some(t), HeadKind::Multi) => return Err(format!("{} thresholds for {k} labels", t.len())),
            (None, HeadKind::Multi) => return Err("a multi-label head needs thresholds".into()),
            (Some(_), _) => return Err("only multi-label heads have thresholds".into()),
        }
        Ok(())
    }

    /// Logits `(W x + b) / T`. For stance heads `x` is the pair feature
    /// vector ([`crate::train::stance_pair::pair_features`]).
    ///
    /// # Panics
    /// If `x` does not have [`Self::input_dim`] entries (a programming error: heads are checked against the
    /// encoder when loaded).
    pub fn logits_f64(&self, x: ArrayView1<f32>) -> Vec<f64> {
        assert_eq!(x.len(), self.input_dim(), "head expects {} inputs, got {}", self.input_dim(), x.len());
        let t = f64::from(self.temperature);
        self.output.apply(x).into_iter().map(|v| v / t).collect()
    }

    /// Probabilities: softmax for single-label and stance heads, per-label sigmoid for multi-label heads.
    pub fn probabilities(&self, x: ArrayView1<f32>) -> Vec<f32> {
        let z = self.logits_f64(x);
        match self.kind {
            HeadKind::Multi => z.iter().map(|&v| (1.0 / (1.0 + (-v).exp())) as f32).collect(),
            _ => {
                let max = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let e: Vec<f64> = z.iter().map(|v| (v - max).exp()).collect();
                let s: f64 = e.iter().sum();
                e.iter().map(|v| (v / s) as f32).collect()
            }
        }
    }

    /// Predicted label indices: the argmax for single-label and stance heads; every label whose
    /// probability reaches its threshold for multi-label heads (possibly none).
    pub fn predict(&self, x: ArrayView1<f32>) -> Vec<usize> {
        let p = self.probabilities(x);
        match (&self.thresholds, self.kind) {
            (Some(t), HeadKind::Multi) => (0..p.len()).filter(|&i| p[i] >= t[i]).collect(),
            _ => {
                let mut best = 0;
                for (i, v) in p.iter().enumerate() {
                    if *v > p[best] {
                        best = i;
                    }
                }
                vec![best]
            }
        }
    }
}

fn check_layer(l: &Layer, name: &str, inputs: usize) -> Result<(), String> {
    if l.weights.ncols() != inputs {
        return Err(format!("{name} layer takes {} inputs, expected {inputs}", l.weights.ncols()));
    }
    if l.bias.len() != l.weights.nrows() {
        return Err(format!("{name} layer has {} rows but {} biases", l.weights.nrows(), l.bias.len()));
    }
    if l.weights.iter().chain(&l.bias).any(|v| !v.is_finite()) {
        return Err(format!("{name} layer has non-finite weights"));
    }
    Ok(())
}

/// The classify stage's view of a head: one logit per label, `(W x + b) / T`. For multi-label heads
/// these are per-label logits (apply a sigmoid and the thresholds, not a softmax: use
/// [`Head::predict`]); stance heads take pair features (use `StanceHead::toward`).
impl Scorer for Head {
    fn labels(&self) -> &[String] {
        &self.labels
    }

    fn logits(&self, x: ArrayView1<f32>) -> Vec<f32> {
        self.logits_f64(x).into_iter().map(|v| v as f32).collect()
    }

    fn calibrated(&self) -> bool {
        true
    }

    fn thresholds(&self) -> Option<&[f32]> {
        match self.kind {
            HeadKind::Multi => self.thresholds.as_deref(),
            _ => None,
        }
    }
}

/// Puts arrays whose elements are all numbers on one line in serde_json's pretty output.
fn collapse_number_arrays(pretty: &str) -> String {
    let lines: Vec<&str> = pretty.lines().collect();
    let mut out = String::with_capacity(pretty.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.ends_with('[') {
            let mut j = i + 1;
            let mut numbers = Vec::new();
            while j < lines.len() {
                let t = lines[j].trim();
                let t = t.strip_suffix(',').unwrap_or(t);
                if t.parse::<f64>().is_ok() {
                    numbers.push(t);
                    j += 1;
                } else {
                    break;
                }
            }
            if !numbers.is_empty() && j < lines.len() && lines[j].trim().starts_with(']') {
                out.push_str(line);
                out.push_str(&numbers.join(", "));
                out.push_str(lines[j].trim_start());
                out.push('\n');
                i = j + 1;
                continue;
            }
        }
        out.push_str(line);
        out.push('\n');
        i += 1;
    }
    out
}

// Exact f32 (de)serialisation through f64 widening; see the module documentation.

mod scalar_f32 {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(f64::from(*v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
        Ok(f64::deserialize(d)? as f32)
    }
}

mod vec_f32 {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| f64::from(*x)))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        Ok(Vec::<f64>::deserialize(d)?.into_iter().map(|x| x as f32).collect())
    }
}

mod opt_vec_f32 {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &Option<Vec<f32>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_seq(v.iter().map(|x| f64::from(*x))),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<f32>>, D::Error> {
        Ok(Option::<Vec<f64>>::deserialize(d)?.map(|v| v.into_iter().map(|x| x as f32).collect()))
    }
}

mod matrix_f32 {
    use ndarray::Array2;
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(m: &Array2<f32>, s: S) -> Result<S::Ok, S::Error> {
        let rows: Vec<Vec<f64>> = m.rows().into_iter().map(|r| r.iter().map(|x| f64::from(*x)).collect()).collect();
        s.collect_seq(rows)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Array2<f32>, D::Error> {
        let rows = Vec::<Vec<f64>>::deserialize(d)?;
        let cols = rows.first().map_or(0, |r| r.len());
        if rows.iter().any(|r| r.len() != cols) {
            return Err(D::Error::custom("weight rows differ in length"));
        }
        let flat: Vec<f32> = rows.iter().flatten().map(|x| *x as f32).collect();
        Array2::from_shape_vec((rows.len(), cols), flat).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::testdata::{embedding_like, test_encoder};
    use crate::train::{train_single_label, TrainOptions};

    fn labels(k: usize) -> Vec<String> {
        (0..k).map(|i| format!("frame_{i}")).collect()
    }

    fn small_head() -> (Head, ndarray::Array2<f32>) {
        let (x, y) = embedding_like(120, 24, 3, 0.8, 4);
        let opts = TrainOptions { folds: 3, l2_grid: vec![1e-3, 1e-2], ..Default::default() };
        let head = train_single_label(x.view(), &y, &labels(3), None, &opts, &test_encoder(24)).unwrap();
        (head, x)
    }

    #[test]
    fn save_load_predict_is_bit_identical() {
        let (head, x) = small_head();
        let dir = std::env::temp_dir().join(format!("framelens-head-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("frames.head.json");
        head.save(&path).unwrap();
        let loaded = Head::load(&path, &head.encoder.weights_sha256.to_uppercase()).unwrap();
        assert_eq!(loaded.output.weights, head.output.weights);
        assert_eq!(loaded.output.bias, head.output.bias);
        assert_eq!(loaded.temperature.to_bits(), head.temperature.to_bits());
        for row in x.rows() {
            let (a, b) = (head.logits(row), loaded.logits(row));
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b));
        }
        // Saving the loaded head gives the same bytes.
        assert_eq!(loaded.to_json(), head.to_json());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn exact_f32_round_trip_of_awkward_values() {
        let (mut head, _) = small_head();
        // Finite f32 values from all over the range (normal, subnormal, large), via their bit patterns.
        let mut bits = 0x1234_5678u32;
        for v in head.output.weights.iter_mut() {
            loop {
                bits = bits.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let f = f32::from_bits(bits);
                if f.is_finite() {
                    *v = f;
                    break;
                }
            }
        }
        head.temperature = 0.7;
        let back = Head::from_json(&head.to_json(), Path::new("mem")).unwrap();
        for (a, b) in back.output.weights.iter().zip(head.output.weights.iter()) {
            assert_eq!(a.to_bits(), b.to_bits());
        }
        assert_eq!(back.temperature.to_bits(), 0.7f32.to_bits());
    }

    #[test]
    fn refuses_a_head_for_another_encoder() {
        let (head, _) = small_head();
        let other = "cd".repeat(32);
        let err = Head::from_json(&head.to_json(), Path::new("models/frames.head.json"))
            .unwrap()
            .check_encoder(&other, Path::new("models/frames.head.json"))
            .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, HeadError::EncoderMismatch { .. }));
        assert!(msg.contains(&head.encoder.weights_sha256), "{msg}");
        assert!(msg.contains(&other), "{msg}");
        assert!(msg.contains("models/frames.head.json"), "{msg}");
    }

    #[test]
    fn rejects_corrupt_heads_with_reasons() {
        let (head, _) = small_head();
        let json = head.to_json();
        let p = Path::new("h.json");
        let mut bad = head.clone();
        bad.output.bias.pop();
        let e = Head::from_json(&bad.to_json(), p).unwrap_err().to_string();
        assert!(e.contains("biases"), "{e}");
        let e = Head::from_json(&json.replace("\"format_version\": 1", "\"format_version\": 99"), p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("version 99"), "{e}");
        let e = Head::from_json(&json[..json.len() / 2], p).unwrap_err().to_string();
        assert!(e.contains("not a valid head"), "{e}");
        let mut bad = head.clone();
        bad.thresholds = Some(vec![0.5; 3]);
        assert!(Head::from_json(&bad.to_json(), p).is_err());
        let mut bad = head;
        bad.encoder.dim = 25;
        let e = Head::from_json(&bad.to_json(), p).unwrap_err().to_string();
        assert!(e.contains("expected 25"), "{e}");
    }

    #[test]
    fn json_layout_keeps_numbers_on_one_line_and_report_readable() {
        let (head, _) = small_head();
        let json = head.to_json();
        // 3 weight rows + 1 bias line + grid lines: far fewer lines than numbers.
        assert!(json.lines().count() < 200, "{} lines", json.lines().count());
        assert!(json.find("\"report\"").unwrap() < json.find("\"output\"").unwrap());
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["kind"], "single");
        assert_eq!(v["output"]["weights"].as_array().unwrap().len(), 3);
        assert_eq!(v["format"], HEAD_FORMAT);
    }

    #[test]
    fn training_rows_round_trip_and_find_overlap_despite_whitespace() {
        let (mut head, _) = small_head();
        let holdout = Holdout::new(0.2, 13).unwrap();
        let rows =
            TrainingRows::new("ab".repeat(32).as_str(), Some(holdout), ["First  text.", "Second text.", "First text."]);
        assert_eq!(rows.count, 2, "duplicate texts are stored once");
        assert_eq!(rows.hashes.len(), 2 * 16 + 1);
        head.training_rows = Some(rows.clone());
        let json = head.to_json();
        assert!(json.find("\"training_rows\"").unwrap() > json.find("\"output\"").unwrap());
        let back = Head::from_json(&json, Path::new("h.json")).unwrap();
        assert_eq!(back.training_rows.as_ref(), Some(&rows));
        assert_eq!(rows.overlap([" First text.\n", "Second text.", "Third text.", "Second text."]), 3);
        assert_eq!(rows.overlap(["Third text."]), 0);
    }

    #[test]
    fn the_shipped_stance_head_loads_without_training_rows() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/heads/stance-vast.json");
        let text = std::fs::read_to_string(&path).unwrap();
        let head = Head::from_json(&text, &path).unwrap();
        assert_eq!(head.training_rows, None);
        assert_eq!(head.kind, HeadKind::StancePair);
        // Written back, an old head keeps its bytes: the new field is left out when absent.
        assert_eq!(head.to_json(), text);
    }

    #[test]
    fn collapse_leaves_strings_and_nested_arrays_alone() {
        let pretty = "{\n  \"a\": [\n    1,\n    -2.5e-7\n  ],\n  \"b\": [\n    \"x\",\n    \"1\"\n  ],\n  \"c\": [\n    [\n      3\n    ]\n  ]\n}";
        let c = collapse_number_arrays(pretty);
        assert!(c.contains("\"a\": [1, -2.5e-7],"), "{c}");
        assert!(c.contains("    \"x\",\n"), "{c}");
        assert!(c.contains("    [3]\n"), "{c}");
        let a: serde_json::Value = serde_json::from_str(pretty).unwrap();
        let b: serde_json::Value = serde_json::from_str(&c).unwrap();
        assert_eq!(a, b);
    }
}
