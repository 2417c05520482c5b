//! `--finetune` of `framelens train` and `train-stance`: the encoder tuned on the training rows
//! (framelens-tune), written as a model folder, before the head is fitted on its embeddings.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use framelens::encode::model::Tuning;
use framelens::encode::runtime::framelens_home;
use framelens::encode::ModelDir;
use framelens_tune::{Engine, PairRows, Recipe, TuneOptions, TuneRows};

use super::progress::Progress;

#[derive(Args, Clone, Debug)]
pub struct FinetuneArgs {
    /// Fine-tune the encoder's own weights on the training rows (never the held-out ones) before fitting the
    /// head; the tuned encoder is written as a new model (docs/finetune.md).
    #[arg(long)]
    pub finetune: bool,
    /// cross-entropy (encoder plus linear head, end to end; chosen on GVFC, docs/finetune.md) or contrastive
    /// (SetFit-style pairs).
    #[arg(long, default_value = "cross-entropy", value_parser = ["cross-entropy", "contrastive"])]
    pub recipe: String,
    /// Passes over the rows (default: the recipe's, 1 contrastive, 4 cross-entropy; 1 for train-stance).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Peak learning rate of the encoder (default: the recipe's).
    #[arg(long)]
    pub learning_rate: Option<f64>,
    /// Rows or pairs per step (default 16).
    #[arg(long)]
    pub tune_batch: Option<usize>,
    /// Contrastive pairs per row and epoch (default 10).
    #[arg(long)]
    pub pairs_per_row: Option<usize>,
    /// Share of the training rows kept out of tuning (drawn by document id, else text, with --tune-seed) to
    /// calibrate the tuned head's scores on: out-of-fold scores of rows the encoder was tuned on are
    /// overconfident. 0 tunes on every row and calibrates on them (docs/finetune.md). `train-stance` draws it
    /// by text: all the targets of a slice text stay out of tuning.
    #[arg(long, default_value_t = 0.2, value_name = "FRACTION")]
    pub calibration_slice: f64,
    /// Seed of pair drawing and row order.
    #[arg(long, default_value_t = 13)]
    pub tune_seed: u64,
    /// Tune only the top N transformer layers (the embeddings and the layers below keep the parent's weights):
    /// less time and memory per step, less to forget on few rows. Default: every layer.
    #[arg(long, value_name = "N")]
    pub tune_layers: Option<usize>,
    /// Where to write the tuned model. Default: $FRAMELENS_HOME/models/<parent>-tuned-<hash of data and
    /// settings>.
    #[arg(long, value_name = "DIR")]
    pub tuned_model: Option<PathBuf>,
    /// Continue an interrupted fine-tuning of the same rows and settings from its last finished epoch.
    #[arg(long)]
    pub resume: bool,
    /// Train on the first CUDA GPU (needs a build with `--features cuda`).
    #[arg(long)]
    pub cuda: bool,
}

impl FinetuneArgs {
    pub fn options(&self) -> TuneOptions {
        let recipe = Recipe::parse(&self.recipe).expect("clap checked the name");
        let mut o = TuneOptions::new(recipe);
        o.epochs = self.epochs.unwrap_or(o.epochs);
        o.learning_rate = self.learning_rate.unwrap_or(o.learning_rate);
        o.batch_size = self.tune_batch.unwrap_or(o.batch_size);
        o.pairs_per_row = self.pairs_per_row.unwrap_or(o.pairs_per_row);
        o.seed = self.tune_seed;
        o.tune_layers = self.tune_layers;
        o
    }
}

/// What the encoder is tuned on: coded rows (`train`) or stance rows toward targets (`train-stance`).
pub enum TuneData<'a> {
    Rows(&'a TuneRows),
    Pairs(&'a PairRows),
}

impl TuneData<'_> {
    fn len(&self) -> usize {
        match self {
            TuneData::Rows(r) => r.texts.len(),
            TuneData::Pairs(p) => p.rows.len(),
        }
    }

    fn key(&self, parent: &ModelDir, opts: &TuneOptions) -> String {
        let sha = &parent.manifest.weights_sha256;
        match self {
            TuneData::Rows(r) => framelens_tune::run_key(sha, *r, opts),
            TuneData::Pairs(p) => framelens_tune::run_key(sha, *p, opts),
        }
    }
}

/// Tunes `parent` on `data` and writes the tuned model; returns it and a one-line summary.
pub fn finetune(
    parent: &ModelDir,
    data: TuneData<'_>,
    data_sha256: &str,
    args: &FinetuneArgs,
    quiet: bool,
) -> anyhow::Result<(ModelDir, String)> {
    let opts = args.options();
    let key = data.key(parent, &opts);
    let id = format!("{}-tuned-{}", parent.manifest.id, &key[..10]);
    let out = args.tuned_model.clone().unwrap_or_else(|| framelens_home().join("models").join(&id));
    let work = out.with_file_name(format!(
        "{}.checkpoint",
        out.file_name().map_or_else(|| "tuned".into(), |n| n.to_string_lossy().into_owned())
    ));
    let device = framelens_tune::device(args.cuda)?;
    let engine =
        Engine::load(parent, &device).with_context(|| format!("loading {} for fine-tuning", parent.dir.display()))?;
    let mut bar: Option<Progress> = None;
    let started = std::time::Instant::now();
    let mut on_step = |s: framelens_tune::Step| {
        let b = bar.get_or_insert_with(|| Progress::new((s.steps * s.epochs) as u64, "steps", quiet));
        b.set_message(format!("epoch {}/{} · loss {:.4}", s.epoch, s.epochs, s.loss));
        b.inc(1);
        // Lines also where the bar is hidden (logs, batch jobs): an estimate once the first steps are timed,
        // then one per epoch with where it got to and that a checkpoint now exists to --resume from.
        let (done, total) = ((s.epoch - 1) * s.steps + s.step, s.steps * s.epochs);
        if s.epoch == 1 && s.step == 5.min(s.steps) && !quiet {
            let per_step = started.elapsed().as_secs_f64() / done as f64;
            eprintln!(
                "fine-tuning: {total} steps ({} per epoch), about {per_step:.1} s each: ~{:.0} min to go",
                s.steps,
                per_step * (total - done) as f64 / 60.0
            );
        }
        if s.step == s.steps && !quiet {
            eprintln!(
                "fine-tuning: epoch {}/{} done ({} steps, {:.0} s so far); checkpoint in {}",
                s.epoch,
                s.epochs,
                s.steps,
                started.elapsed().as_secs_f64(),
                work.display()
            );
        }
    };
    let report = match data {
        TuneData::Rows(r) => framelens_tune::tune(&engine, r, &opts, Some(&work), args.resume, &mut on_step),
        TuneData::Pairs(p) => framelens_tune::tune_pairs(&engine, p, &opts, Some(&work), args.resume, &mut on_step),
    }
    .context("fine-tuning the encoder")?;
    if let Some(b) = bar {
        b.finish();
    }
    let tuning = Tuning {
        parent_id: parent.manifest.id.clone(),
        parent_weights_sha256: parent.manifest.weights_sha256.clone(),
        data_sha256: data_sha256.to_string(),
        rows: data.len(),
        recipe: opts.recipe.as_str().into(),
        seed: opts.seed,
        epochs: opts.epochs,
        learning_rate: opts.learning_rate,
        batch_size: opts.batch_size,
        settings: opts.settings(),
        seconds: report.seconds,
        threads: framelens_tune::threads(),
        tuned_by: env!("CARGO_PKG_VERSION").into(),
    };
    let model = framelens_tune::write_model(&engine, &out, &id, tuning)
        .with_context(|| format!("writing the tuned model {}", out.display()))?;
    let _ = std::fs::remove_dir_all(&work);
    let losses: Vec<String> = report.epoch_loss.iter().map(|(e, l)| format!("{e}: {l:.4}")).collect();
    let summary = format!(
        "fine-tuned {} on {} rows ({}, {} epochs{}{}, {:.0} s on {} threads; mean loss by epoch {}) → {}",
        parent.manifest.id,
        data.len(),
        opts.recipe.as_str(),
        opts.epochs,
        opts.tune_layers.map(|k| format!(", top {k} layers")).unwrap_or_default(),
        if report.resumed_epochs > 0 { format!(", {} resumed", report.resumed_epochs) } else { String::new() },
        report.seconds,
        framelens_tune::threads(),
        losses.join(", "),
        model.dir.display()
    );
    Ok((model, summary))
}
