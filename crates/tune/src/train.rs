//! The fine-tuning loop: batches, loss, AdamW steps, the learning-rate schedule, and a checkpoint after every
//! epoch so that an interrupted run loses at most one epoch.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{DType, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::{save_tensors, Engine};
use crate::error::{Result, TuneError};
use crate::recipe::{draw_pairs, shuffle, Recipe, TuneOptions, TuneRows, WEIGHT_DECAY};
use framelens_encode::atomic::write_atomic;

/// Where a step stands, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// Epoch, from 1.
    pub epoch: usize,
    /// Epochs in all.
    pub epochs: usize,
    /// Step within the epoch, from 1.
    pub step: usize,
    /// Steps per epoch.
    pub steps: usize,
    /// This step's loss.
    pub loss: f32,
}

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct TuneReport {
    /// Mean loss of each epoch run in this process (a resumed run lacks the epochs before it).
    pub epoch_loss: Vec<(usize, f32)>,
    /// Epochs taken from a checkpoint instead of run.
    pub resumed_epochs: usize,
    /// Wall-clock seconds of this process' training.
    pub seconds: f64,
}

/// Checkpoint files in the work folder.
const CHECKPOINT: &str = "checkpoint.safetensors";
const CHECKPOINT_META: &str = "checkpoint.json";

#[derive(Serialize, Deserialize)]
struct CheckpointMeta {
    /// Hash of everything the run depends on: a checkpoint of another run is never resumed.
    fingerprint: String,
    epochs_done: usize,
}

/// Fine-tunes `engine`'s weights on `rows` in place. With `work`, writes a checkpoint there after each epoch
/// and, when `resume`, first continues from one written by the same run (same parent, rows and options).
/// Optimizer moments are not checkpointed: a resumed run restarts them, so its weights differ slightly from an
/// uninterrupted run's.
pub fn tune(
    engine: &Engine,
    rows: &TuneRows,
    opts: &TuneOptions,
    work: Option<&Path>,
    resume: bool,
    progress: &mut dyn FnMut(Step),
) -> Result<TuneReport> {
    validate(rows, opts)?;
    let started = Instant::now();
    let ids = rows.texts.iter().map(|t| engine.ids(t)).collect::<Result<Vec<_>>>()?;
    let dev = engine.device.clone();
    let hidden = engine.manifest.hidden_size;
    let k = rows.n_labels;
    // The cross-entropy head starts at zero (no random init: runs are deterministic for a seed).
    let head_w = Var::zeros((k, hidden), DType::F32, &dev)?;
    let head_b = Var::zeros(k, DType::F32, &dev)?;
    let fingerprint = run_key(&engine.manifest.weights_sha256, rows, opts);

    let mut start_epoch = 0;
    if let (Some(w), true) = (work, resume) {
        start_epoch = restore(engine, &head_w, &head_b, w, &fingerprint)?;
    }

    let enc_vars = engine.trainable();
    let adam = |lr: f64, wd: f64| ParamsAdamW { lr, weight_decay: wd, ..Default::default() };
    let mut enc_opt = AdamW::new(enc_vars, adam(opts.learning_rate, WEIGHT_DECAY))?;
    let mut head_opt = AdamW::new(vec![head_w.clone(), head_b.clone()], adam(opts.head_learning_rate, 0.0))?;
    let class_weights = balanced_weights(&rows.labels, k);

    let units = match opts.recipe {
        Recipe::Contrastive => rows.texts.len() * opts.pairs_per_row,
        Recipe::CrossEntropy => rows.texts.len(),
    };
    let steps = units.div_ceil(opts.batch_size);
    let total = steps * opts.epochs;
    let warmup = (total / 10).max(1);
    let lr_at = |s: usize| {
        let f = if s < warmup {
            (s + 1) as f64 / warmup as f64
        } else {
            (total - s) as f64 / (total - warmup).max(1) as f64
        };
        f.max(0.0)
    };

    let mut report = TuneReport { epoch_loss: Vec::new(), resumed_epochs: start_epoch, seconds: 0.0 };
    for epoch in start_epoch..opts.epochs {
        let mut rng = ChaCha8Rng::seed_from_u64(opts.seed.wrapping_add(epoch as u64));
        let mut loss_sum = 0.0f64;
        let mut seen = 0usize;
        match opts.recipe {
            Recipe::Contrastive => {
                let pairs = draw_pairs(&rows.labels, opts.pairs_per_row, opts.seed.wrapping_add(epoch as u64));
                for (s, batch) in pairs.chunks(opts.batch_size).enumerate() {
                    let mut seqs: Vec<&[u32]> = batch.iter().map(|p| ids[p.a].as_slice()).collect();
                    seqs.extend(batch.iter().map(|p| ids[p.b].as_slice()));
                    let v = engine.forward(&seqs)?;
                    let n = batch.len();
                    let cos = (v.narrow(0, 0, n)? * v.narrow(0, n, n)?)?.sum(1)?;
                    let target = Tensor::from_vec(batch.iter().map(|p| p.target).collect::<Vec<_>>(), n, &dev)?;
                    let loss = (cos - target)?.sqr()?.mean_all()?;
                    let l = step_with(&loss, &mut enc_opt, None, opts.learning_rate * lr_at(epoch * steps + s))?;
                    loss_sum += l as f64 * n as f64;
                    seen += n;
                    progress(Step { epoch: epoch + 1, epochs: opts.epochs, step: s + 1, steps, loss: l });
                }
            }
            Recipe::CrossEntropy => {
                let mut order: Vec<usize> = (0..rows.texts.len()).collect();
                shuffle(&mut order, &mut rng);
                for (s, batch) in order.chunks(opts.batch_size).enumerate() {
                    let seqs: Vec<&[u32]> = batch.iter().map(|&i| ids[i].as_slice()).collect();
                    let v = engine.forward(&seqs)?;
                    let logits =
                        (v.matmul(&head_w.as_tensor().t()?)?.broadcast_add(head_b.as_tensor())? * LOGIT_SCALE)?;
                    let loss = if rows.multi_label {
                        binary_cross_entropy(&logits, batch, &rows.labels, k)?
                    } else {
                        weighted_cross_entropy(&logits, batch, &rows.labels, &class_weights)?
                    };
                    let f = lr_at(epoch * steps + s);
                    let l = step_with(
                        &loss,
                        &mut enc_opt,
                        Some((&mut head_opt, opts.head_learning_rate * f)),
                        opts.learning_rate * f,
                    )?;
                    loss_sum += l as f64 * batch.len() as f64;
                    seen += batch.len();
                    progress(Step { epoch: epoch + 1, epochs: opts.epochs, step: s + 1, steps, loss: l });
                }
            }
        }
        report.epoch_loss.push((epoch + 1, (loss_sum / seen.max(1) as f64) as f32));
        if let Some(w) = work {
            save_checkpoint(engine, &head_w, &head_b, w, &fingerprint, epoch + 1)?;
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Logits are `scale · head(v)` on unit-length `v`: without a scale the head's weights would need many steps
/// to grow large enough for confident logits on vectors of length one.
const LOGIT_SCALE: f64 = 10.0;

fn validate(rows: &TuneRows, opts: &TuneOptions) -> Result<()> {
    if rows.texts.len() < 2 || rows.texts.len() != rows.labels.len() {
        return Err(TuneError::Invalid(format!("need at least 2 coded rows to fine-tune, got {}", rows.texts.len())));
    }
    if let Some(bad) = rows.labels.iter().flatten().find(|&&l| l >= rows.n_labels) {
        return Err(TuneError::Invalid(format!("label index {bad} is not below the {} labels", rows.n_labels)));
    }
    if opts.batch_size == 0 || opts.epochs == 0 {
        return Err(TuneError::Invalid("batch size and epochs must be at least 1".into()));
    }
    if opts.recipe == Recipe::Contrastive && opts.pairs_per_row == 0 {
        return Err(TuneError::Invalid("the contrastive recipe needs at least 1 pair per row".into()));
    }
    Ok(())
}

fn step_with(loss: &Tensor, enc: &mut AdamW, head: Option<(&mut AdamW, f64)>, lr: f64) -> Result<f32> {
    let grads = loss.backward()?;
    enc.set_learning_rate(lr);
    enc.step(&grads)?;
    if let Some((h, hlr)) = head {
        h.set_learning_rate(hlr);
        h.step(&grads)?;
    }
    Ok(loss.to_scalar::<f32>()?)
}

/// `n / (k · n_c)` per class (1 for a class with no row): rare frames weigh as much as common ones in all.
fn balanced_weights(labels: &[Vec<usize>], k: usize) -> Vec<f32> {
    let mut counts = vec![0usize; k];
    for l in labels {
        if let Some(&c) = l.first() {
            counts[c] += 1;
        }
    }
    let n = labels.len() as f32;
    counts.iter().map(|&c| if c == 0 { 1.0 } else { n / (k as f32 * c as f32) }).collect()
}

fn weighted_cross_entropy(logits: &Tensor, batch: &[usize], labels: &[Vec<usize>], w: &[f32]) -> Result<Tensor> {
    let dev = logits.device();
    let y: Vec<u32> = batch.iter().map(|&i| labels[i][0] as u32).collect();
    let wy: Vec<f32> = y.iter().map(|&c| w[c as usize]).collect();
    let log_p = candle_nn::ops::log_softmax(logits, D::Minus1)?;
    let picked = log_p.gather(&Tensor::from_vec(y, (batch.len(), 1), dev)?, 1)?.squeeze(1)?;
    let wt = Tensor::from_vec(wy.clone(), batch.len(), dev)?;
    let total: f32 = wy.iter().sum();
    Ok(((picked * wt)?.sum_all()? / (-(total as f64)))?)
}

fn binary_cross_entropy(logits: &Tensor, batch: &[usize], labels: &[Vec<usize>], k: usize) -> Result<Tensor> {
    let dev = logits.device();
    let mut y = vec![0f32; batch.len() * k];
    for (r, &i) in batch.iter().enumerate() {
        for &l in &labels[i] {
            y[r * k + l] = 1.0;
        }
    }
    let y = Tensor::from_vec(y, (batch.len(), k), dev)?;
    // log σ(x) = −softplus(−x), log(1 − σ(x)) = −softplus(x); softplus(x) = max(x, 0) + log(1 + e^{−|x|}).
    let softplus = |x: &Tensor| -> candle_core::Result<Tensor> { x.relu()? + (x.abs()?.neg()?.exp()? + 1.0)?.log()? };
    let loss = ((&y * softplus(&logits.neg()?)?)? + ((1.0 - &y)? * softplus(logits)?)?)?;
    Ok(loss.mean_all()?)
}

/// Hash of everything a tuning run's outcome depends on: the parent's weights, the settings and the rows. It
/// keys checkpoints (one of another run is never resumed) and names the tuned model.
pub fn run_key(parent_weights_sha256: &str, rows: &TuneRows, opts: &TuneOptions) -> String {
    let mut h = Sha256::new();
    h.update(parent_weights_sha256.as_bytes());
    h.update(format!("{opts:?}").as_bytes());
    for (t, l) in rows.texts.iter().zip(&rows.labels) {
        h.update(t.as_bytes());
        h.update(format!("{l:?}\n").as_bytes());
    }
    hex::encode(h.finalize())
}

fn save_checkpoint(engine: &Engine, w: &Var, b: &Var, dir: &Path, fingerprint: &str, epochs_done: usize) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| TuneError::io(dir, e))?;
    let mut all = engine.tensors();
    all.insert(HEAD_W.into(), w.as_tensor().clone());
    all.insert(HEAD_B.into(), b.as_tensor().clone());
    save_tensors(&all, &dir.join(CHECKPOINT))?;
    let meta = CheckpointMeta { fingerprint: fingerprint.into(), epochs_done };
    let mpath = dir.join(CHECKPOINT_META);
    write_atomic(&mpath, &serde_json::to_vec(&meta).expect("plain struct")).map_err(|e| TuneError::io(&mpath, e))
}

const HEAD_W: &str = "framelens_tune_head.weight";
const HEAD_B: &str = "framelens_tune_head.bias";

/// Epochs a checkpoint in `dir` holds for this run (0 when there is none or it belongs to another run).
fn restore(engine: &Engine, w: &Var, b: &Var, dir: &Path, fingerprint: &str) -> Result<usize> {
    let mpath = dir.join(CHECKPOINT_META);
    let Ok(bytes) = std::fs::read(&mpath) else { return Ok(0) };
    let meta: CheckpointMeta = serde_json::from_slice(&bytes)
        .map_err(|e| TuneError::Invalid(format!("{}: not a checkpoint record: {e}", mpath.display())))?;
    if meta.fingerprint != fingerprint {
        return Ok(0);
    }
    let path: PathBuf = dir.join(CHECKPOINT);
    let all: HashMap<String, Tensor> = candle_core::safetensors::load(&path, &engine.device)?;
    engine.set(&all, &path)?;
    let get = |n: &str| all.get(n).ok_or_else(|| TuneError::Invalid(format!("{}: no tensor `{n}`", path.display())));
    w.set(get(HEAD_W)?)?;
    b.set(get(HEAD_B)?)?;
    Ok(meta.epochs_done)
}
