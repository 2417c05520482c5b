//! `framelens train`: a frame head from labelled rows and a codebook, with the run's embedder (and its
//! cache), optionally on a reproducible train part only (`holdout`), scored on the held-out part.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use ndarray::{Array2, Axis};

use super::data::LabelledData;
use super::head::{EncoderRef, HeldOutScores, ScoreCalibration, TrainingRows};
use super::multilabel::multilabel_macro_f1;
use super::split::{per_class_subsample, Holdout, Part};
use super::{train_multi_label, train_single_label, Head, TrainError, TrainOptions};
use crate::codebook::LoadedCodebook;
use crate::encode::{Embed, EmbedError};
use crate::evaluate::{semeval_multilabel_f1, Confusion};

/// What `framelens train` may vary.
#[derive(Debug, Clone)]
pub struct FrameTrainOptions {
    /// Cross-validation folds, seed, grid (`l2_grid` empty = the default grid for single- or multi-label).
    pub train: TrainOptions,
    /// Add the codebook's example paragraphs as training rows.
    pub with_codebook_examples: bool,
    /// Train on the train part only and score the dev part.
    pub holdout: Option<Holdout>,
    /// At most this many training rows per label, drawn with the seed (single-label; learning curves).
    pub per_class: Option<(usize, u64)>,
    /// Training rows (indices into the data's rows) whose out-of-fold logits alone fit the temperature:
    /// the calibration slice `train --finetune` keeps out of tuning ([`calibration_slice`]).
    pub calibrate_on: Option<Vec<usize>>,
}

impl Default for FrameTrainOptions {
    fn default() -> Self {
        FrameTrainOptions {
            train: TrainOptions { l2_grid: Vec::new(), ..Default::default() },
            with_codebook_examples: false,
            holdout: None,
            per_class: None,
            calibrate_on: None,
        }
    }
}

/// Why a frame head could not be trained.
#[derive(Debug, thiserror::Error)]
pub enum FrameTrainError {
    /// Embedding the rows or the codebook examples failed.
    #[error(transparent)]
    Embed(#[from] EmbedError),
    /// The head could not be fitted, e.g. too few rows for the folds.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// The options do not fit the data: `per_class` on multi-label data, or no row left to train on after
    /// the hold-out split.
    #[error("{0}")]
    Data(String),
}

/// A trained head and what it took.
pub struct TrainedFrames {
    /// The head, with the held-out part's scores in its report when `holdout` was set.
    pub head: Head,
    /// Labelled rows used for training (after holdout and subsampling), and codebook examples added.
    pub rows: usize,
    /// Codebook example paragraphs added as training rows (`with_codebook_examples`).
    pub examples_added: usize,
    /// Held-out rows scored; 0 without `holdout`.
    pub dev_rows: usize,
    /// Wall-clock seconds spent embedding the training, held-out and example texts.
    pub embed_secs: f64,
    /// Wall-clock seconds spent fitting the head, cross-validation included.
    pub train_secs: f64,
}

/// The encoder a head is trained for, from the embedder in use.
pub fn encoder_ref(embedder: &dyn Embed) -> EncoderRef {
    let m = embedder.manifest();
    EncoderRef { model_id: m.id.clone(), weights_sha256: m.weights_sha256.clone(), dim: m.hidden_size }
}

/// The rows `train_frames` fits on and the held-out rows it scores (indices into `data.rows`), after the
/// hold-out split and any per-label subsample. Fine-tuning (`train --finetune`) tunes on exactly the former.
pub fn split_rows(data: &LabelledData, opts: &FrameTrainOptions) -> Result<(Vec<usize>, Vec<usize>), FrameTrainError> {
    let (mut train_rows, mut dev_rows): (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
    for (i, r) in data.rows.iter().enumerate() {
        match opts.holdout.map_or(Part::Train, |h| h.part_of(r)) {
            Part::Train => train_rows.push(i),
            Part::Dev => dev_rows.push(i),
        }
    }
    if let Some((n, seed)) = opts.per_class {
        if data.multi_label {
            return Err(FrameTrainError::Data("--per-class applies to single-label data only".into()));
        }
        let y: Vec<usize> = train_rows.iter().map(|&i| data.rows[i].labels[0]).collect();
        train_rows = per_class_subsample(&y, n, seed).into_iter().map(|k| train_rows[k]).collect();
    }
    if train_rows.is_empty() {
        return Err(FrameTrainError::Data("no rows left to train on after the hold-out split".into()));
    }

    Ok((train_rows, dev_rows))
}

/// The share `fraction` of `train_rows` (indices into `data.rows`) kept out of fine-tuning to calibrate the
/// tuned head on, drawn as the hold-out split draws (keyed by document id, else text), so paragraphs of one
/// article fall on one side ([`Holdout::calibration`]). Never empty when `train_rows` has two rows or more,
/// never all of them.
pub fn calibration_slice(data: &LabelledData, train_rows: &[usize], fraction: f64, seed: u64) -> Vec<usize> {
    let Ok(h) = Holdout::calibration(fraction, seed) else { return Vec::new() };
    let mut slice: Vec<usize> = train_rows.iter().copied().filter(|&i| h.part_of(&data.rows[i]) == Part::Dev).collect();
    if slice.is_empty() && train_rows.len() >= 2 {
        slice.push(*train_rows.last().expect("two rows"));
    }
    if slice.len() == train_rows.len() {
        slice.pop();
    }
    slice
}

/// Trains a frame head on `data` (labels resolved against `cb`'s frames).
pub fn train_frames(
    cb: &LoadedCodebook,
    data: &LabelledData,
    embedder: &mut dyn Embed,
    opts: &FrameTrainOptions,
    progress: &mut dyn FnMut(usize),
) -> Result<TrainedFrames, FrameTrainError> {
    let multi = data.multi_label;
    let (train_rows, dev_rows) = split_rows(data, opts)?;

    // Texts: training rows, dev rows, codebook examples (with their frame).
    let mut texts: Vec<&str> = Vec::new();
    texts.extend(train_rows.iter().map(|&i| data.rows[i].text.as_str()));
    texts.extend(dev_rows.iter().map(|&i| data.rows[i].text.as_str()));
    let mut example_labels: Vec<usize> = Vec::new();
    if opts.with_codebook_examples {
        for (k, f) in cb.codebook.frames.iter().enumerate() {
            for ex in &f.examples {
                texts.push(ex.as_str());
                example_labels.push(k);
            }
        }
    }
    let t = Instant::now();
    let emb = embedder.embed(&texts, progress)?.vectors;
    let embed_secs = t.elapsed().as_secs_f64();

    let n_train = train_rows.len();
    let n_dev = dev_rows.len();
    let mut fit_rows: Vec<usize> = (0..n_train).collect();
    fit_rows.extend((n_train + n_dev)..texts.len());
    let x: Array2<f32> = emb.select(Axis(0), &fit_rows);
    let mut y: Vec<Vec<usize>> = train_rows.iter().map(|&i| data.rows[i].labels.clone()).collect();
    y.extend(example_labels.iter().map(|&k| vec![k]));

    let encoder = encoder_ref(embedder);
    let mut train_opts = opts.train.clone();
    if let Some(cal) = &opts.calibrate_on {
        let cal: BTreeSet<usize> = cal.iter().copied().collect();
        let rows: Vec<usize> = train_rows.iter().enumerate().filter(|(_, i)| cal.contains(i)).map(|(p, _)| p).collect();
        train_opts.calibration_rows = Some(rows);
    }
    let t = Instant::now();
    let mut head = if multi {
        if train_opts.l2_grid.is_empty() {
            train_opts.l2_grid = TrainOptions::multi_label_default().l2_grid;
        }
        train_multi_label(x.view(), &y, &data.labels, None, &train_opts, &encoder)?
    } else {
        if train_opts.l2_grid.is_empty() {
            train_opts.l2_grid = TrainOptions::default().l2_grid;
        }
        let y1: Vec<usize> = y.iter().map(|l| l[0]).collect();
        train_single_label(x.view(), &y1, &data.labels, None, &train_opts, &encoder)?
    };
    let train_secs = t.elapsed().as_secs_f64();

    if let Some(h) = opts.holdout {
        let dev_x = emb.slice(ndarray::s![n_train..n_train + n_dev, ..]);
        let truth: Vec<&Vec<usize>> = dev_rows.iter().map(|&i| &data.rows[i].labels).collect();
        let name = format!("held-out {:.0}% of {} (seed {})", h.fraction * 100.0, file_name(data), h.seed);
        head.report.held_out.push(score_dev(&head, dev_x, &truth, name));
    }

    // Every text the weights saw: the training rows and the codebook examples added to them.
    let fitted = train_rows.iter().map(|&i| data.rows[i].text.as_str()).chain(texts[n_train + n_dev..].iter().copied());
    head.training_rows = Some(TrainingRows::new(&data.sha256, opts.holdout, fitted));
    head.codebook_sha256 = Some(cb.sha256.clone());
    let ctx = &mut head.context;
    ctx.insert("codebook".into(), cb.path.display().to_string());
    ctx.insert("data".into(), data.path.display().to_string());
    ctx.insert("data_sha256".into(), data.sha256.clone());
    ctx.insert("data_rows_used".into(), n_train.to_string());
    ctx.insert("data_rows_uncoded".into(), data.uncoded.to_string());
    ctx.insert("with_codebook_examples".into(), opts.with_codebook_examples.to_string());
    ctx.insert("codebook_examples_added".into(), example_labels.len().to_string());
    ctx.insert("precision".into(), embedder.precision().precision.as_str().to_string());
    if let Some(h) = opts.holdout {
        ctx.insert("holdout".into(), format!("{} seed {}", h.fraction, h.seed));
    }
    if let Some((n, seed)) = opts.per_class {
        ctx.insert("per_class".into(), format!("{n} seed {seed}"));
    }
    Ok(TrainedFrames {
        head,
        rows: n_train,
        examples_added: example_labels.len(),
        dev_rows: n_dev,
        embed_secs,
        train_secs,
    })
}

fn file_name(data: &LabelledData) -> String {
    data.path.file_name().map_or_else(|| data.path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Scores a head on held-out rows: accuracy and macro-F1 (single-label), or SemEval-style micro- and
/// macro-F1 with exact-match accuracy (multi-label).
pub fn score_dev(head: &Head, x: ndarray::ArrayView2<f32>, truth: &[&Vec<usize>], name: String) -> HeldOutScores {
    let k = head.labels.len();
    let preds: Vec<Vec<usize>> = x.rows().into_iter().map(|r| head.predict(r)).collect();
    if head.kind == super::HeadKind::Multi {
        let to_sets = |v: &[&Vec<usize>]| -> BTreeMap<String, BTreeSet<String>> {
            v.iter()
                .enumerate()
                .map(|(i, l)| (format!("{i:08}"), l.iter().map(|&j| head.labels[j].clone()).collect()))
                .collect()
        };
        let gold = to_sets(truth);
        let pred = to_sets(&preds.iter().collect::<Vec<_>>());
        let s = semeval_multilabel_f1(&gold, &pred, &head.labels).expect("same rows and labels");
        let exact = gold.iter().filter(|(a, g)| pred[*a] == **g).count() as f64 / gold.len().max(1) as f64;
        // Macro-F1 over the labels in the dev truth or predictions, as everywhere else in framelens (the
        // SemEval scorer's zero_division=1 would count every label absent from both as a perfect 1).
        let matrix = |v: &[&Vec<usize>]| ndarray::Array2::from_shape_fn((v.len(), k), |(i, j)| v[i].contains(&j));
        let macro_f1 = multilabel_macro_f1(matrix(&preds.iter().collect::<Vec<_>>()).view(), matrix(truth).view());
        HeldOutScores {
            name,
            rows: truth.len(),
            accuracy: exact,
            macro_f1,
            micro_f1: Some(s.micro_f1),
            labels: s.labels,
            scores: None,
        }
    } else {
        let gold: Vec<usize> = truth.iter().map(|l| l[0]).collect();
        let pred: Vec<usize> = preds.iter().map(|p| p[0]).collect();
        let c = Confusion::from_indices(&gold, &pred, k);
        let conf: Vec<(f64, bool)> = x
            .rows()
            .into_iter()
            .zip(gold.iter().zip(&pred))
            .map(|(r, (g, p))| (f64::from(head.probabilities(r).into_iter().fold(0.0, f32::max)), g == p))
            .collect();
        HeldOutScores {
            name,
            rows: truth.len(),
            accuracy: c.accuracy(),
            macro_f1: c.macro_f1(),
            micro_f1: None,
            labels: c.class_scores(&head.labels),
            scores: Some(ScoreCalibration::of(&conf)),
        }
    }
}
