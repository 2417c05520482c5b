//! `framelens train-stance`: the general stance head from (text, target, stance) rows such as VAST
//! (Allaway & McKeown 2020), scored on a dev file with zero-shot and few-shot targets apart.
//!
//! Labels accepted in the label column: VAST's codes `0` (con), `1` (pro), `2` (neutral), the words
//! `con`/`pro`/`neutral`, `against`/`favor`/`none`, or framelens' own `critical`/`supportive`/`neutral`;
//! they map to framelens' stance labels (pro → supportive, con → critical).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use ndarray::{Array2, Axis};

use super::data::{csv_error, CsvHeader, DataError};
use super::frames::{encoder_ref, score_dev};
use super::head::TrainingRows;
use super::split::Holdout;
use super::stance_pair::{pair_feature_matrix, train_stance_pair, StanceHead};
use super::{TrainError, TrainOptions};
use crate::codebook::STANCE_LABELS;
use crate::encode::{Embed, EmbedError};

/// Columns of a stance file (VAST's names by default).
#[derive(Debug, Clone, serde::Serialize)]
pub struct StanceFields {
    /// Column of the texts (VAST's `post`).
    pub text: String,
    /// Column of the target each text takes a stance on (VAST's `topic_str`).
    pub target: String,
    /// Column of the stance: VAST's `0`/`1`/`2` or a word the module doc lists.
    pub label: String,
    /// 1 = the target occurs in the training data (few-shot), 0 = it does not (zero-shot); optional.
    pub seen: String,
}

impl Default for StanceFields {
    fn default() -> Self {
        StanceFields { text: "post".into(), target: "topic_str".into(), label: "label".into(), seen: "seen?".into() }
    }
}

/// Stance rows with texts and targets stored once each.
#[derive(Debug, Clone, Default)]
pub struct StanceRows {
    pub(crate) path: PathBuf,
    /// Each distinct target once, in order of first appearance (a row's is `targets[target_of[row]]`).
    pub targets: Vec<String>,
    /// Each distinct text once, in order of first appearance (a row's is `texts[text_of[row]]`).
    pub texts: Vec<String>,
    pub(crate) target_of: Vec<usize>,
    pub(crate) text_of: Vec<usize>,
    /// Index into [`STANCE_LABELS`].
    pub y: Vec<usize>,
    /// Per row: `Some(true)` few-shot target, `Some(false)` zero-shot, `None` unknown.
    pub seen: Vec<Option<bool>>,
    pub(crate) sha256: String,
}

impl StanceRows {
    /// Each row as (index into `targets`, index into `texts`, index into [`STANCE_LABELS`]).
    pub fn rows(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        self.target_of.iter().zip(&self.text_of).zip(&self.y).map(|((&t, &s), &y)| (t, s, y))
    }

    /// The rows whose text falls in the share `fraction` of texts kept out of fine-tuning to calibrate the
    /// tuned head on (`train-stance --finetune --calibration-slice`). Drawn by text, so all the targets of a
    /// text fall on one side (the encoder has seen none of a slice text's rows), with the frame slice's
    /// seed ([`Holdout::calibration`]). Empty for `fraction` 0; never every row.
    pub fn calibration_slice(&self, fraction: f64, seed: u64) -> Vec<usize> {
        let Ok(h) = Holdout::calibration(fraction, seed) else { return Vec::new() };
        let in_slice: Vec<bool> = self.texts.iter().map(|t| h.is_dev(t)).collect();
        if in_slice.iter().all(|&s| s) {
            return Vec::new();
        }
        (0..self.y.len()).filter(|&i| in_slice[self.text_of[i]]).collect()
    }

    /// sha256 of the file the rows were read from.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

/// Maps a written stance label to an index into [`STANCE_LABELS`].
pub fn stance_label(s: &str) -> Option<usize> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "pro" | "favor" | "favour" | "supportive" | "support" => Some(0),
        "0" | "con" | "against" | "critical" => Some(1),
        "2" | "neutral" | "none" => Some(2),
        _ => None,
    }
}

/// Reads a stance file, storing each distinct text and target once; every row must carry a text, a
/// target and a known stance label.
pub fn read_stance_rows(path: &Path, fields: &StanceFields) -> Result<StanceRows, DataError> {
    let bytes = std::fs::read(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes.as_slice());
    let csv_err = |e: csv::Error| csv_error(path, &e);
    let header = CsvHeader::read(&mut reader, path)?;
    let (tc, gc, lc) = (
        header.column(&fields.text, "--text-field")?,
        header.column(&fields.target, "--target-field")?,
        header.column(&fields.label, "--label-field")?,
    );
    let sc = header.find(&fields.seen);
    let mut out =
        StanceRows { path: path.to_path_buf(), sha256: crate::encode::model::sha256_hex(&bytes), ..Default::default() };
    let mut targets: HashMap<String, usize> = HashMap::new();
    let mut texts: HashMap<String, usize> = HashMap::new();
    for rec in reader.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec.position().map_or(0, |p| p.line());
        let get = |c: usize| rec.get(c).unwrap_or("").trim();
        let (text, target, label) = (get(tc), get(gc), get(lc));
        if text.is_empty() || target.is_empty() {
            return Err(DataError::EmptyText {
                path: path.to_path_buf(),
                line,
                column: if text.is_empty() { fields.text.clone() } else { fields.target.clone() },
                label: label.to_string(),
            });
        }
        let Some(y) = stance_label(label) else {
            return Err(DataError::UnknownStance { path: path.to_path_buf(), line, label: label.to_string() });
        };
        let n = targets.len();
        let t = *targets.entry(target.to_string()).or_insert(n);
        if t == out.targets.len() {
            out.targets.push(target.to_string());
        }
        let n = texts.len();
        let s = *texts.entry(text.to_string()).or_insert(n);
        if s == out.texts.len() {
            out.texts.push(text.to_string());
        }
        out.target_of.push(t);
        out.text_of.push(s);
        out.y.push(y);
        out.seen.push(sc.and_then(|c| match get(c) {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        }));
    }
    if out.y.is_empty() {
        return Err(DataError::NoRows { path: path.to_path_buf(), uncoded: 0, column: fields.label.clone() });
    }
    Ok(out)
}

/// Why a stance head could not be trained.
#[derive(Debug, thiserror::Error)]
pub enum StanceTrainError {
    /// Embedding the texts or targets failed.
    #[error(transparent)]
    Embed(#[from] EmbedError),
    /// The head could not be fitted, e.g. too few targets for the folds.
    #[error(transparent)]
    Train(#[from] TrainError),
}

/// A trained stance head, with the time each step took for the caller to report (timings stay out of
/// the head file, which must be reproducible).
pub struct TrainedStance {
    /// The head, with its dev scores when a dev file was given.
    pub head: StanceHead,
    /// Wall-clock seconds spent embedding the training and dev texts and targets.
    pub embed_secs: f64,
    /// Wall-clock seconds spent fitting the head, cross-validation included.
    pub train_secs: f64,
}

/// Embeds the distinct targets and texts, one pair-feature row per stance row.
fn features(
    rows: &StanceRows,
    embedder: &mut dyn Embed,
    progress: &mut dyn FnMut(usize),
) -> Result<Array2<f32>, StanceTrainError> {
    let mut all: Vec<&str> = rows.targets.iter().map(String::as_str).collect();
    all.extend(rows.texts.iter().map(String::as_str));
    let emb = embedder.embed(&all, progress)?.vectors;
    let nt = rows.targets.len();
    let targets = emb.slice(ndarray::s![..nt, ..]);
    let texts = emb.slice(ndarray::s![nt.., ..]);
    Ok(pair_feature_matrix(targets, &rows.target_of, texts, &rows.text_of)?)
}

/// Trains the stance head on `train` (cross-validation folds grouped by target) and scores `dev`: all
/// rows, then zero-shot and few-shot targets apart when the file says which is which.
pub fn train_stance(
    train: &StanceRows,
    dev: Option<&StanceRows>,
    embedder: &mut dyn Embed,
    opts: &TrainOptions,
    progress: &mut dyn FnMut(usize),
) -> Result<TrainedStance, StanceTrainError> {
    let t = Instant::now();
    let x = features(train, embedder, progress)?;
    let dev_x = match dev {
        Some(d) => Some(features(d, embedder, progress)?),
        None => None,
    };
    let embed_secs = t.elapsed().as_secs_f64();
    let labels: Vec<String> = STANCE_LABELS.iter().map(|s| s.to_string()).collect();
    let t = Instant::now();
    let head = train_stance_pair(x.view(), &train.y, &labels, Some(&train.target_of), opts, &encoder_ref(embedder))?;
    let train_secs = t.elapsed().as_secs_f64();
    let mut inner = head.head().clone();
    if let (Some(d), Some(dx)) = (dev, dev_x) {
        let name = d.path.file_name().map_or_else(|| d.path.display().to_string(), |n| n.to_string_lossy().into());
        let all: Vec<usize> = (0..d.y.len()).collect();
        let zero: Vec<usize> = all.iter().copied().filter(|&i| d.seen[i] == Some(false)).collect();
        let few: Vec<usize> = all.iter().copied().filter(|&i| d.seen[i] == Some(true)).collect();
        for (part, rows) in [("all rows", &all), ("zero-shot targets", &zero), ("few-shot targets", &few)] {
            if rows.is_empty() {
                continue;
            }
            let sub = dx.select(Axis(0), rows);
            let gold: Vec<Vec<usize>> = rows.iter().map(|&i| vec![d.y[i]]).collect();
            let truth: Vec<&Vec<usize>> = gold.iter().collect();
            let scores = score_dev(&inner, sub.view(), &truth, format!("{name}, {part}"));
            inner.report.held_out.push(scores);
        }
        inner.context.insert("dev".into(), d.path.display().to_string());
        inner.context.insert("dev_sha256".into(), d.sha256.clone());
    }
    inner.training_rows = Some(TrainingRows::new(&train.sha256, None, train.texts.iter().map(String::as_str)));
    inner.context.insert("data".into(), train.path.display().to_string());
    inner.context.insert("data_sha256".into(), train.sha256.clone());
    inner.context.insert("targets".into(), train.targets.len().to_string());
    inner.context.insert("texts".into(), train.texts.len().to_string());
    inner.context.insert("label_map".into(), "pro → supportive, con → critical, neutral → neutral".into());
    inner.context.insert("precision".into(), embedder.precision().precision.as_str().to_string());
    let head = StanceHead::from_head(inner, &train.path).expect("a stance head");
    Ok(TrainedStance { head, embed_secs, train_secs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vast_style_rows_once_per_text_and_target() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.csv");
        std::fs::write(&p, "post,topic_str,label,seen?\nA text,guns,0,1\nA text,taxes,1,0\nB text,guns,2,1\n").unwrap();
        let r = read_stance_rows(&p, &StanceFields::default()).unwrap();
        assert_eq!(r.texts, ["A text", "B text"]);
        assert_eq!(r.targets, ["guns", "taxes"]);
        assert_eq!((r.target_of.clone(), r.text_of.clone()), (vec![0, 1, 0], vec![0, 0, 1]));
        assert_eq!(r.y, vec![1, 0, 2]);
        assert_eq!(r.seen, vec![Some(true), Some(false), Some(true)]);
        std::fs::write(&p, "post,topic_str,label\nA,guns,maybe\n").unwrap();
        let e = read_stance_rows(&p, &StanceFields::default()).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("`maybe`"), "{e}");
        std::fs::write(&p, "text,topic_str,label\nA,guns,1\n").unwrap();
        let e = read_stance_rows(&p, &StanceFields::default()).unwrap_err().to_string();
        assert!(e.contains("no column `post`"), "{e}");
    }

    #[test]
    fn the_calibration_slice_keeps_every_row_of_a_text_on_one_side() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.csv");
        let mut csv = String::from("post,topic_str,label\n");
        for i in 0..40 {
            for t in ["guns", "taxes", "schools"] {
                csv += &format!("comment number {i},{t},{}\n", i % 3);
            }
        }
        std::fs::write(&p, csv).unwrap();
        let r = read_stance_rows(&p, &StanceFields::default()).unwrap();
        let slice = r.calibration_slice(0.2, 13);
        assert!(!slice.is_empty() && slice.len() < r.y.len() / 2, "{} of {}", slice.len(), r.y.len());
        let texts: std::collections::BTreeSet<usize> = slice.iter().map(|&i| r.text_of[i]).collect();
        assert_eq!(slice.len(), 3 * texts.len(), "all three targets of a slice text are in the slice");
        assert_eq!(slice, r.calibration_slice(0.2, 13), "deterministic");
        assert_ne!(slice, r.calibration_slice(0.2, 14), "seeded");
        assert!(r.calibration_slice(0.0, 13).is_empty());
        assert!(r.calibration_slice(0.999_999, 13).len() < r.y.len(), "never every row");
    }
}
