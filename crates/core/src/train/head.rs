//! What a trained head carries besides its weights: the training options, the cross-validated report
//! (read at the top of the file by a user judging the head) and short hashes of the rows it was fitted on
//! (so that `eval` can refuse to score it on them). The file format itself, its exact-`f32` numbers and
//! its checks are the classify stage's ([`crate::classify::heads::file`]), which reads heads for `run` and
//! `eval`; [`Head`] is that format with this module's provenance filled in.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::calibrate::CalibrationReport;
use super::cv::GridPoint;
use super::optim::LbfgsReport;
use super::split::Holdout;
use super::TrainOptions;
use crate::evaluate::ClassScore;

pub use crate::classify::heads::file::{
    EncoderRef, HeadError, HeadFile, HeadKind, Layer, HEAD_FORMAT, HEAD_FORMAT_VERSION,
};

/// A trained head as `framelens train` writes it: the head file format with its training options,
/// report and fitted rows.
pub type Head = HeadFile<TrainOptions, TrainingReport, TrainingRows>;

/// Cross-validated (out-of-fold) scores of the training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvScores {
    pub(crate) accuracy: f64,
    pub(crate) macro_f1: f64,
    /// Multi-label heads: micro-F1 over all (row, label) cells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub micro_f1: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) kappa: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) alpha: Option<f64>,
    pub(crate) labels: Vec<ClassScore>,
}

/// Scores on data kept out of training (e.g. VAST dev, zero-shot and few-shot topics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldOutScores {
    /// The set's name, e.g. `vast_dev.csv, zero-shot targets`.
    pub name: String,
    pub(crate) rows: usize,
    /// Accuracy (exact-match accuracy for multi-label heads).
    pub accuracy: f64,
    /// Macro-F1 over the labels in the set's truth or predictions.
    pub macro_f1: f64,
    /// Multi-label heads: micro-F1 over all (row, label) cells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub micro_f1: Option<f64>,
    pub(crate) labels: Vec<ClassScore>,
    /// Single-label and stance heads: mean top probability on these rows and the expected calibration
    /// error (10 bins), so a report shows whether the head's scores are probabilities where it was not
    /// trained (a tuned encoder's head can be overconfident).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scores: Option<ScoreCalibration>,
}

/// Whether a head's top scores are probabilities on some rows: their mean against the accuracy, and the
/// binned gap between the two.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoreCalibration {
    /// Mean of each row's largest probability.
    pub mean_top_score: f64,
    /// Expected calibration error over 10 equal-width bins of the top probability.
    pub ece: f64,
}

impl ScoreCalibration {
    /// From each row's score of the label given and whether that label was right.
    pub fn of(conf: &[(f64, bool)]) -> Self {
        let mean_top_score = conf.iter().map(|c| c.0).sum::<f64>() / conf.len().max(1) as f64;
        ScoreCalibration { mean_top_score, ece: super::calibrate::confidence_ece(conf, 10) }
    }
}

/// The training report stored in the head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingReport {
    pub(crate) rows: usize,
    /// Training rows per label (label order); for multi-label heads, rows carrying the label.
    pub label_counts: Vec<usize>,
    pub(crate) folds: usize,
    /// Every L2 strength tried, with its cross-validated score.
    pub grid: Vec<GridPoint>,
    pub(crate) chosen_l2: f64,
    pub(crate) cv: CvScores,
    pub(crate) calibration: CalibrationReport,
    /// The solver's outcome on the final fit (all rows, chosen λ); for one-vs-rest heads the worst label.
    pub final_fit: LbfgsReport,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) held_out: Vec<HeldOutScores>,
    /// Warnings for the user (e.g. labels with fewer rows than folds).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl TrainingReport {
    /// Cross-validated accuracy and macro-F1 at the chosen λ.
    pub fn cv_scores(&self) -> (f64, f64) {
        (self.cv.accuracy, self.cv.macro_f1)
    }

    /// The scores on each held-out set (`train --holdout`, VAST dev).
    pub fn held_out_scores(&self) -> &[HeldOutScores] {
        &self.held_out
    }
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

impl Head {
    /// The trainer's report: cross-validated and held-out scores, notes.
    pub fn training_report(&self) -> &TrainingReport {
        &self.report
    }

    /// Adds a note for the user to the report (printed with it, stored in the file).
    pub fn add_note(&mut self, note: String) {
        self.report.notes.push(note);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

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
    fn the_classify_scorers_give_the_head_files_logits_bit_for_bit() {
        use crate::classify::heads::FrameScorer;
        let (head, x) = small_head();
        let mut multi = head.clone();
        multi.kind = HeadKind::Multi;
        multi.thresholds = Some(vec![0.3, 0.5, 0.7]);
        for h in [head, multi] {
            let thresholds = h.thresholds.clone();
            let scorer = FrameScorer::from_file(h.clone()).expect("a frame head").boxed();
            assert_eq!(scorer.labels(), &h.labels[..]);
            assert!(scorer.calibrated());
            assert_eq!(scorer.thresholds(), thresholds.as_deref());
            for row in x.rows() {
                let bits = |v: Vec<f32>| v.into_iter().map(f32::to_bits).collect::<Vec<_>>();
                assert_eq!(bits(scorer.logits(row)), bits(h.logits(row)));
            }
        }
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
        let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("models/heads/stance-vast.json");
        let text = std::fs::read_to_string(&path).unwrap();
        let head = Head::from_json(&text, &path).unwrap();
        assert_eq!(head.training_rows, None);
        assert_eq!(head.kind, HeadKind::StancePair);
        // Written back, an old head keeps its bytes: the new field is left out when absent.
        assert_eq!(head.to_json(), text);
    }
}
