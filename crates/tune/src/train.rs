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
use crate::recipe::{draw_pairs, shuffle, Fingerprint, PairRows, Recipe, TuneOptions, TuneRows, WEIGHT_DECAY};
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
    let ids = rows.texts.iter().map(|t| engine.ids(t)).collect::<Result<Vec<_>>>()?;
    let dev = engine.device.clone();
    let k = rows.n_labels;
    let class_weights = balanced_weights(rows.labels.iter().filter_map(|l| l.first().copied()), k);
    let frozen = engine.frozen_layers(opts.tune_layers)?;
    let run =
        Run { engine, opts, frozen, fingerprint: run_key(&engine.manifest.weights_sha256, rows, opts), work, resume };
    let head = (k, engine.manifest.hidden_size);
    match opts.recipe {
        Recipe::Contrastive => run.drive(
            Objective {
                head,
                trains_head: false,
                steps: (rows.texts.len() * opts.pairs_per_row).div_ceil(opts.batch_size),
                batches: |epoch: usize, _: &mut ChaCha8Rng| {
                    let pairs = draw_pairs(&rows.labels, opts.pairs_per_row, opts.seed.wrapping_add(epoch as u64));
                    pairs.chunks(opts.batch_size).map(<[_]>::to_vec).collect()
                },
                loss: |batch: &Vec<crate::recipe::Pair>, _: &Var, _: &Var| {
                    let mut seqs: Vec<&[u32]> = batch.iter().map(|p| ids[p.a].as_slice()).collect();
                    seqs.extend(batch.iter().map(|p| ids[p.b].as_slice()));
                    let v = engine.forward(&seqs, frozen)?;
                    let n = batch.len();
                    let cos = (v.narrow(0, 0, n)? * v.narrow(0, n, n)?)?.sum(1)?;
                    let target = Tensor::from_vec(batch.iter().map(|p| p.target).collect::<Vec<_>>(), n, &dev)?;
                    Ok(((cos - target)?.sqr()?.mean_all()?, n))
                },
            },
            progress,
        ),
        Recipe::CrossEntropy => run.drive(
            Objective {
                head,
                trains_head: true,
                steps: rows.texts.len().div_ceil(opts.batch_size),
                batches: |_: usize, rng: &mut ChaCha8Rng| shuffled_chunks(rows.texts.len(), opts.batch_size, rng),
                loss: |batch: &Vec<usize>, w: &Var, b: &Var| {
                    let seqs: Vec<&[u32]> = batch.iter().map(|&i| ids[i].as_slice()).collect();
                    let logits = logits(&engine.forward(&seqs, frozen)?, w, b)?;
                    let loss = if rows.multi_label {
                        binary_cross_entropy(&logits, batch, &rows.labels, k)?
                    } else {
                        let y: Vec<usize> = batch.iter().map(|&i| rows.labels[i][0]).collect();
                        weighted_cross_entropy(&logits, &y, &class_weights)?
                    };
                    Ok((loss, batch.len()))
                },
            },
            progress,
        ),
    }
}

/// Fine-tunes `engine` for stance toward a target (`train-stance --finetune`): the target and the text are
/// embedded by the same encoder, their pair features `[t, s, |t − s|, t ∘ s]` (the stance head's, so the head
/// fitted afterwards sees the features it was tuned through) go into a linear layer trained end to end on
/// class-weighted cross-entropy. A step takes `batch_size` texts with every row of theirs, so each text is
/// encoded once per epoch however many targets it has. Only the cross-entropy recipe applies; checkpoints and
/// `resume` as in [`tune`].
pub fn tune_pairs(
    engine: &Engine,
    rows: &PairRows,
    opts: &TuneOptions,
    work: Option<&Path>,
    resume: bool,
    progress: &mut dyn FnMut(Step),
) -> Result<TuneReport> {
    validate_pairs(rows, opts)?;
    let text_ids = rows.texts.iter().map(|t| engine.ids(t)).collect::<Result<Vec<_>>>()?;
    let target_ids = rows.targets.iter().map(|t| engine.ids(t)).collect::<Result<Vec<_>>>()?;
    let mut rows_of_text = vec![Vec::new(); rows.texts.len()];
    for (r, &(_, s, _)) in rows.rows.iter().enumerate() {
        rows_of_text[s].push(r);
    }
    let dev = engine.device.clone();
    let k = rows.n_labels;
    let class_weights = balanced_weights(rows.rows.iter().map(|r| r.2), k);
    let frozen = engine.frozen_layers(opts.tune_layers)?;
    let run =
        Run { engine, opts, frozen, fingerprint: run_key(&engine.manifest.weights_sha256, rows, opts), work, resume };
    run.drive(
        Objective {
            head: (k, 4 * engine.manifest.hidden_size),
            trains_head: true,
            steps: rows.texts.len().div_ceil(opts.batch_size),
            batches: |_: usize, rng: &mut ChaCha8Rng| shuffled_chunks(rows.texts.len(), opts.batch_size, rng),
            loss: |batch: &Vec<usize>, w: &Var, b: &Var| {
                let picked: Vec<usize> = batch.iter().flat_map(|&s| rows_of_text[s].iter().copied()).collect();
                // Each distinct target of the batch once; texts are distinct by construction.
                let mut slot: HashMap<usize, u32> = HashMap::new();
                let mut targets: Vec<&[u32]> = Vec::new();
                let mut t_at = Vec::with_capacity(picked.len());
                let mut s_at = Vec::with_capacity(picked.len());
                let text_slot: HashMap<usize, u32> = batch.iter().enumerate().map(|(i, &s)| (s, i as u32)).collect();
                for &r in &picked {
                    let (t, s, _) = rows.rows[r];
                    let next = slot.len() as u32;
                    let at = *slot.entry(t).or_insert_with(|| {
                        targets.push(target_ids[t].as_slice());
                        next
                    });
                    t_at.push(at);
                    s_at.push(text_slot[&s]);
                }
                let texts: Vec<&[u32]> = batch.iter().map(|&s| text_ids[s].as_slice()).collect();
                let n = picked.len();
                let t = engine.forward(&targets, frozen)?.index_select(&Tensor::from_vec(t_at, n, &dev)?, 0)?;
                let s = engine.forward(&texts, frozen)?.index_select(&Tensor::from_vec(s_at, n, &dev)?, 0)?;
                let features = Tensor::cat(&[&t, &s, &(&t - &s)?.abs()?, &(&t * &s)?], 1)?;
                let y: Vec<usize> = picked.iter().map(|&r| rows.rows[r].2).collect();
                Ok((weighted_cross_entropy(&logits(&features, w, b)?, &y, &class_weights)?, n))
            },
        },
        progress,
    )
}

/// What one recipe trains: the shape of its throw-away linear head, its batches per epoch and a batch's loss.
struct Objective<FB, FL> {
    /// `(labels, input width)` of the linear head (unused by a recipe that trains none).
    head: (usize, usize),
    trains_head: bool,
    /// Batches per epoch (the schedule's length is known before the first batch is drawn).
    steps: usize,
    /// The epoch's batches, from the epoch's seeded generator.
    batches: FB,
    /// A batch's loss and how many units it averaged over.
    loss: FL,
}

/// The part of a run every recipe shares: optimizers, the learning-rate schedule, progress, checkpoints.
struct Run<'a> {
    engine: &'a Engine,
    opts: &'a TuneOptions,
    /// Transformer layers left as the parent's ([`TuneOptions::tune_layers`]).
    frozen: usize,
    fingerprint: String,
    work: Option<&'a Path>,
    resume: bool,
}

impl Run<'_> {
    fn drive<B, FB, FL>(&self, mut o: Objective<FB, FL>, progress: &mut dyn FnMut(Step)) -> Result<TuneReport>
    where
        FB: FnMut(usize, &mut ChaCha8Rng) -> Vec<B>,
        FL: FnMut(&B, &Var, &Var) -> Result<(Tensor, usize)>,
    {
        let (engine, opts) = (self.engine, self.opts);
        crate::memory::keep_freed_memory();
        let started = Instant::now();
        // The head starts at zero (no random init: runs are deterministic for a seed).
        let head_w = Var::zeros(o.head, DType::F32, &engine.device)?;
        let head_b = Var::zeros(o.head.0, DType::F32, &engine.device)?;
        let mut start_epoch = 0;
        if let (Some(w), true) = (self.work, self.resume) {
            start_epoch = restore(engine, &head_w, &head_b, w, &self.fingerprint)?;
        }
        let adam = |lr: f64, wd: f64| ParamsAdamW { lr, weight_decay: wd, ..Default::default() };
        let mut enc_opt = AdamW::new(engine.trainable(self.frozen), adam(opts.learning_rate, WEIGHT_DECAY))?;
        let mut head_opt = AdamW::new(vec![head_w.clone(), head_b.clone()], adam(opts.head_learning_rate, 0.0))?;
        let steps = o.steps;
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
            let (mut loss_sum, mut seen) = (0.0f64, 0usize);
            for (s, batch) in (o.batches)(epoch, &mut rng).iter().enumerate() {
                let (loss, n) = (o.loss)(batch, &head_w, &head_b)?;
                let f = lr_at(epoch * steps + s);
                let head = o.trains_head.then_some((&mut head_opt, opts.head_learning_rate * f));
                let l = step_with(&loss, &mut enc_opt, head, opts.learning_rate * f)?;
                loss_sum += l as f64 * n as f64;
                seen += n;
                progress(Step { epoch: epoch + 1, epochs: opts.epochs, step: s + 1, steps, loss: l });
            }
            report.epoch_loss.push((epoch + 1, (loss_sum / seen.max(1) as f64) as f32));
            if let Some(w) = self.work {
                save_checkpoint(engine, &head_w, &head_b, w, &self.fingerprint, epoch + 1)?;
            }
        }
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }
}

/// `0..n` shuffled and cut into batches.
fn shuffled_chunks(n: usize, batch: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..n).collect();
    shuffle(&mut order, rng);
    order.chunks(batch).map(<[_]>::to_vec).collect()
}

/// `scale · (x Wᵀ + b)`.
fn logits(x: &Tensor, w: &Var, b: &Var) -> Result<Tensor> {
    Ok((x.matmul(&w.as_tensor().t()?)?.broadcast_add(b.as_tensor())? * LOGIT_SCALE)?)
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
    validate_steps(opts)?;
    if opts.recipe == Recipe::Contrastive && opts.pairs_per_row == 0 {
        return Err(TuneError::Invalid("the contrastive recipe needs at least 1 pair per row".into()));
    }
    Ok(())
}

/// Settings every recipe needs: at least one row per step and one epoch.
fn validate_steps(opts: &TuneOptions) -> Result<()> {
    if opts.batch_size == 0 || opts.epochs == 0 {
        return Err(TuneError::Invalid("batch size and epochs must be at least 1".into()));
    }
    Ok(())
}

fn validate_pairs(rows: &PairRows, opts: &TuneOptions) -> Result<()> {
    if rows.rows.len() < 2 {
        return Err(TuneError::Invalid(format!("need at least 2 stance rows to fine-tune, got {}", rows.rows.len())));
    }
    if let Some(r) =
        rows.rows.iter().find(|r| r.0 >= rows.targets.len() || r.1 >= rows.texts.len() || r.2 >= rows.n_labels)
    {
        return Err(TuneError::Invalid(format!("stance row {r:?} points past its targets, texts or labels")));
    }
    if opts.recipe != Recipe::CrossEntropy {
        return Err(TuneError::Invalid(format!(
            "stance fine-tuning takes the cross-entropy recipe only (got {})",
            opts.recipe.as_str()
        )));
    }
    validate_steps(opts)?;
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
fn balanced_weights(labels: impl Iterator<Item = usize>, k: usize) -> Vec<f32> {
    let mut counts = vec![0usize; k];
    for c in labels {
        counts[c] += 1;
    }
    let n = counts.iter().sum::<usize>() as f32;
    counts.iter().map(|&c| if c == 0 { 1.0 } else { n / (k as f32 * c as f32) }).collect()
}

/// Class-weighted mean cross-entropy of `logits` `[n, k]` against labels `y`.
fn weighted_cross_entropy(logits: &Tensor, y: &[usize], w: &[f32]) -> Result<Tensor> {
    let dev = logits.device();
    let n = y.len();
    let wy: Vec<f32> = y.iter().map(|&c| w[c]).collect();
    let y: Vec<u32> = y.iter().map(|&c| c as u32).collect();
    let log_p = candle_nn::ops::log_softmax(logits, D::Minus1)?;
    let picked = log_p.gather(&Tensor::from_vec(y, (n, 1), dev)?, 1)?.squeeze(1)?;
    let wt = Tensor::from_vec(wy.clone(), n, dev)?;
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
pub fn run_key(parent_weights_sha256: &str, rows: &impl Fingerprint, opts: &TuneOptions) -> String {
    let mut h = Sha256::new();
    h.update(parent_weights_sha256.as_bytes());
    h.update(format!("{opts:?}").as_bytes());
    rows.fingerprint(&mut h);
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
