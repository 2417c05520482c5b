//! The head file format, as both its writer (`framelens train`) and its readers (`run`, `eval`) see it: one
//! definition of the fields, their order, the exact-`f32` number encoding and the checks a head must pass
//! before use, so that the trainer and the classifier cannot disagree about what a head file says. The
//! training report a head carries is the trainer's business: here it is a type parameter, which the
//! classify stage reads as [`IgnoredAny`] (skipped, never interpreted).
//!
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

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ndarray::{Array2, ArrayView1};
use serde::de::DeserializeOwned;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use super::affine;

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
    pub(crate) bias: Vec<f32>,
}

impl Layer {
    /// `W x + b`, each output accumulated in `f64` ([`affine`]).
    pub fn apply(&self, x: ArrayView1<f32>) -> Vec<f64> {
        (0..self.weights.nrows()).map(|c| affine(self.weights.row(c), x, self.bias[c])).collect()
    }
}

/// A head file. `Training`, `Report` and `Rows` are the trainer's provenance (its options, its
/// cross-validated report, the rows it was fitted on: `train::Head`); a reader that only scores leaves them
/// as [`IgnoredAny`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "Training: Deserialize<'de>, Report: Deserialize<'de>, Rows: Deserialize<'de>"))]
pub struct HeadFile<Training = IgnoredAny, Report = IgnoredAny, Rows = IgnoredAny> {
    pub(crate) format: String,
    pub(crate) format_version: u32,
    pub(crate) kind: HeadKind,
    /// Label order of the outputs.
    pub labels: Vec<String>,
    /// The encoder whose embedding space the head was trained in; checked before scoring.
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
    pub(crate) training: Training,
    /// Free-form provenance from the caller (data file hash, `--with-codebook-examples`, …), sorted.
    #[serde(default)]
    pub context: BTreeMap<String, String>,
    pub(crate) report: Report,
    /// The linear layer: one row of weights and one bias per label.
    pub output: Layer,
    /// The rows the head was fitted on; absent in heads trained before framelens recorded them (their
    /// overlap with evaluated rows cannot be checked). Last in the file, after the weights, so that the
    /// report stays at the top.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training_rows: Option<Rows>,
}

/// Why a head cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum HeadError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The head file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Not JSON, not a head, an unsupported format version, or inconsistent sizes.
    #[error("{path}: not a valid head file: {message}")]
    Invalid {
        /// The head file.
        path: PathBuf,
        /// What is wrong (serde's message with line and column, or the sizes that disagree).
        message: String,
    },
    /// The head was trained on another encoder's embeddings (both hashes are named).
    #[error(
        "{path}: this head was trained on embeddings of encoder `{head_model}` with weights sha256 {head_sha256}, \
         but the encoder in use has weights sha256 {expected_sha256}; a head only works in the embedding space \
         it was trained in — retrain it for this encoder (`framelens train`) or run with the encoder it names"
    )]
    EncoderMismatch {
        /// The head file.
        path: PathBuf,
        /// The model id the head records.
        head_model: String,
        /// The weights sha256 the head records.
        head_sha256: String,
        /// The weights sha256 of the encoder in use.
        expected_sha256: String,
    },
    /// E.g. a stance head passed where a frame head is expected.
    #[error("{path}: expected a {expected:?} head, found a {found:?} head")]
    WrongKind {
        /// The head file.
        path: PathBuf,
        /// The kind the caller needs.
        expected: HeadKind,
        /// The kind the file says it is.
        found: HeadKind,
    },
}

impl<T, R, W> HeadFile<T, R, W> {
    /// Assembles a head (format fields filled in). Used by the trainers.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        kind: HeadKind,
        labels: Vec<String>,
        encoder: EncoderRef,
        output: Layer,
        temperature: f32,
        thresholds: Option<Vec<f32>>,
        training: T,
        report: R,
    ) -> Self {
        HeadFile {
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
}

impl<T: Serialize, R: Serialize, W: Serialize> HeadFile<T, R, W> {
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
}

impl<T: DeserializeOwned, R: DeserializeOwned, W: DeserializeOwned> HeadFile<T, R, W> {
    /// Parses and validates a head without checking the encoder (for `head show`-style inspection).
    /// `path` only names the source in errors.
    pub fn from_json(text: &str, path: &Path) -> Result<Self, HeadError> {
        let head: Self = serde_json::from_str(text)
            .map_err(|e| HeadError::Invalid { path: path.to_path_buf(), message: e.to_string() })?;
        head.validate().map_err(|message| HeadError::Invalid { path: path.to_path_buf(), message })?;
        Ok(head)
    }

    /// Reads and validates a head file without checking the encoder.
    pub fn read(path: &Path) -> Result<Self, HeadError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| HeadError::Io { path: path.to_path_buf(), source })?;
        Self::from_json(&text, path)
    }

    /// Reads a head for use with the encoder whose weights have sha256 `encoder_sha256`; refuses a head
    /// trained for another encoder.
    pub fn load(path: &Path, encoder_sha256: &str) -> Result<Self, HeadError> {
        let head = Self::read(path)?;
        head.check_encoder(encoder_sha256, path)?;
        Ok(head)
    }
}

impl<T, R, W> HeadFile<T, R, W> {
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
    /// vector ([`super::pair_features`]).
    ///
    /// # Panics
    /// If `x` does not have [`Self::input_dim`] entries (a programming error: heads are checked against the
    /// encoder when loaded).
    pub fn logits_f64(&self, x: ArrayView1<f32>) -> Vec<f64> {
        assert_eq!(x.len(), self.input_dim(), "head expects {} inputs, got {}", self.input_dim(), x.len());
        let t = f64::from(self.temperature);
        self.output.apply(x).into_iter().map(|v| v / t).collect()
    }

    /// [`Self::logits_f64`] as `f32`, the numbers the classify stage's scorers give for the same input.
    pub fn logits(&self, x: ArrayView1<f32>) -> Vec<f32> {
        self.logits_f64(x).into_iter().map(|v| v as f32).collect()
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

/// Puts arrays whose elements are all numbers on one line in serde_json's pretty output.
pub(crate) fn collapse_number_arrays(pretty: &str) -> String {
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
