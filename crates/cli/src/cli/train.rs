//! `framelens train` (a frame head from hand-coded rows) and `framelens train-stance` (the general stance
//! head from stance data such as VAST).

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use framelens::codebook::STANCE_LABELS;
use framelens::encode::cached::Embedder;
use framelens::encode::resolve_model;
use framelens::train::data::{read_labelled, DataFields};
use framelens::train::frames::{calibration_slice, split_rows, train_frames, FrameTrainOptions, TrainedFrames};
use framelens::train::split::Holdout;
use framelens::train::stance_data::{read_stance_rows, train_stance, StanceFields, StanceRows, TrainedStance};
use framelens::train::{report, TrainOptions};
use framelens_tune::{PairRows, TuneRows};

use super::finetune::{finetune, FinetuneArgs, TuneData};
use super::progress::Progress;
use super::EncoderArgs;

/// Embedding cache options shared by the commands that embed labelled data.
#[derive(Args, Clone, Debug)]
pub struct CacheArgs {
    /// Embedding cache (SQLite). Default: $FRAMELENS_HOME/cache/embeddings.sqlite.
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// Encode everything, reading and writing no cache.
    #[arg(long, conflicts_with = "cache")]
    pub no_cache: bool,
}

impl CacheArgs {
    pub fn path(&self) -> Option<PathBuf> {
        if self.no_cache {
            None
        } else {
            Some(self.cache.clone().unwrap_or_else(super::run::default_cache))
        }
    }
}

/// Labelled-data columns shared by `train` and `eval --data`.
#[derive(Args, Clone, Debug)]
pub struct DataArgs {
    /// Column holding the text.
    #[arg(long, default_value = "text")]
    pub text_field: String,
    /// Column holding the label (a frame id or label; several separated by --label-sep make the data
    /// multi-label; empty = not coded yet, skipped).
    #[arg(long, default_value = "label")]
    pub label_field: String,
    /// Column holding a document id (keys the --holdout split; groups bootstrap resampling in eval).
    #[arg(long)]
    pub id_field: Option<String>,
    #[arg(long, default_value_t = ';')]
    pub label_sep: char,
    /// Treat the data as multi-label even when every row has one label.
    #[arg(long)]
    pub multi_label: bool,
    /// Hold out this share of the rows as dev (keyed by id or text with --split-seed): `train` fits on the
    /// rest and reports the dev scores; `eval` scores the same dev rows.
    #[arg(long, value_name = "FRACTION")]
    pub holdout: Option<f64>,
    #[arg(long, default_value_t = 13)]
    pub split_seed: u64,
}

impl DataArgs {
    pub fn fields(&self) -> DataFields {
        DataFields {
            text: self.text_field.clone(),
            label: self.label_field.clone(),
            id: self.id_field.clone(),
            label_sep: self.label_sep,
            stance: None,
        }
    }

    pub fn holdout(&self) -> anyhow::Result<Option<Holdout>> {
        self.holdout.map(|f| Holdout::new(f, self.split_seed).map_err(anyhow::Error::msg)).transpose()
    }
}

#[derive(Args)]
pub struct TrainArgs {
    /// The codebook whose frames the labels name.
    #[arg(long)]
    pub codebook: PathBuf,
    /// Labelled CSV (e.g. `framelens sample` output after coding).
    #[arg(long)]
    pub data: PathBuf,
    #[command(flatten)]
    pub data_args: DataArgs,
    /// Add the codebook's example paragraphs to the training rows.
    #[arg(long)]
    pub with_codebook_examples: bool,
    /// Where to write the head. Default: `<codebook stem>.head.json` next to the codebook.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write the training report as Markdown.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub cv: CvArgs,
    /// Use at most N training rows per label (learning curves), drawn with --subsample-seed.
    #[arg(long, value_name = "N")]
    pub per_class: Option<usize>,
    #[arg(long, default_value_t = 1)]
    pub subsample_seed: u64,
    #[command(flatten)]
    pub encoder: EncoderArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    #[command(flatten)]
    pub finetune: FinetuneArgs,
    #[arg(long, short)]
    pub quiet: bool,
}

/// A frame head trained in `model`'s embedding space, and what embedding cost.
struct Fitted {
    head: framelens::train::Head,
    rows: usize,
    dev_rows: usize,
    examples_added: usize,
    embed_secs: f64,
    train_secs: f64,
    cache_hits: u64,
    encoded: u64,
}

fn fit_head(
    a: &TrainArgs,
    cb: &framelens::codebook::LoadedCodebook,
    data: &framelens::train::data::LabelledData,
    model: &framelens::encode::ModelDir,
    opts: &FrameTrainOptions,
    unit: &str,
) -> anyhow::Result<Fitted> {
    let mut embedder = Embedder::new(model, a.encoder.options(), a.cache.path().as_deref())?;
    for w in &embedder.warnings {
        eprintln!("warning: {w}");
    }
    let mut bar = Progress::with_total(Some(data.rows.len() as u64), unit, a.quiet);
    let t: TrainedFrames = train_frames(cb, data, &mut embedder, opts, &mut |n| bar.inc(n as u64))
        .with_context(|| format!("training on {}", a.data.display()))?;
    bar.finish();
    Ok(Fitted {
        head: t.head,
        rows: t.rows,
        dev_rows: t.dev_rows,
        examples_added: t.examples_added,
        embed_secs: t.embed_secs,
        train_secs: t.train_secs,
        cache_hits: embedder.counters.cache_hits,
        encoded: embedder.counters.encoded,
    })
}

/// The report note of a `--finetune` run: what tuning bought, frozen → tuned, in cross-validation (optimistic:
/// the encoder saw `tuned_on`) and on every held-out set (honest), and how the temperature was fitted.
fn frozen_vs_tuned(
    summary: &str,
    frozen: &framelens::train::Head,
    tuned: &framelens::train::Head,
    tuned_on: &str,
    calibration: &str,
) -> String {
    let (fr, tr) = (frozen.training_report(), tuned.training_report());
    let mut note = format!(
        "{summary}. Frozen encoder → tuned: CV macro-F1 {:.3} → {:.3} (the tuned figure is optimistic: the encoder \
         was tuned on {tuned_on}); {calibration}",
        fr.cv_scores().1,
        tr.cv_scores().1
    );
    for (h0, h1) in fr.held_out_scores().iter().zip(tr.held_out_scores()) {
        note.push_str(&format!(
            "; {}: accuracy {:.3} → {:.3}, macro-F1 {:.3} → {:.3}",
            h0.name, h0.accuracy, h1.accuracy, h0.macro_f1, h1.macro_f1
        ));
        if let (Some(s0), Some(s1)) = (h0.scores, h1.scores) {
            note.push_str(&format!(
                ", mean top score {:.3} → {:.3}, calibration error {:.3} → {:.3}",
                s0.mean_top_score, s1.mean_top_score, s0.ece, s1.ece
            ));
        }
        note.push_str(" (rows never seen in tuning)");
    }
    note
}

/// Cross-validation settings shared by `train` and `train-stance`.
#[derive(Args)]
pub struct CvArgs {
    /// Cross-validation folds.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Seed of the fold assignment.
    #[arg(long, default_value_t = 13)]
    pub seed: u64,
    /// L2 strengths to try, comma-separated (default: a grid suited to sentence embeddings and the task).
    #[arg(long, value_delimiter = ',')]
    pub l2: Vec<f64>,
}

impl CvArgs {
    /// Training options; an empty `l2_grid` leaves the grid to the trainer (single- or multi-label default).
    pub fn options(&self) -> TrainOptions {
        TrainOptions { folds: self.folds, seed: self.seed, l2_grid: self.l2.clone(), ..Default::default() }
    }
}

/// `<codebook dir>/<codebook stem>.head.json`.
pub fn default_head_path(codebook: &Path) -> PathBuf {
    let stem = codebook.file_stem().map_or_else(|| "codebook".into(), |s| s.to_string_lossy().into_owned());
    codebook.with_file_name(format!("{stem}.head.json"))
}

pub fn run(a: TrainArgs) -> anyhow::Result<()> {
    let cb = framelens::codebook::load(&a.codebook)?;
    let data = read_labelled(&a.data, &a.data_args.fields(), &cb.codebook.frames, a.data_args.multi_label)?;
    let mut model = resolve_model(a.encoder.model.as_deref())?;
    let opts = FrameTrainOptions {
        train: a.cv.options(),
        with_codebook_examples: a.with_codebook_examples,
        holdout: a.data_args.holdout()?,
        per_class: a.per_class.map(|n| (n, a.subsample_seed)),
        calibrate_on: None,
    };
    let started = std::time::Instant::now();
    let mut finetuned = None;
    let mut calibrate_on = None;
    if a.finetune.finetune {
        // The frozen encoder's head first: the report puts what fine-tuning bought beside it.
        let frozen = fit_head(&a, &cb, &data, &model, &opts, "texts embedded (frozen encoder)")?;
        let (mut train_rows, _) = split_rows(&data, &opts)?;
        if a.finetune.calibration_slice > 0.0 {
            let cal = calibration_slice(&data, &train_rows, a.finetune.calibration_slice, a.finetune.tune_seed);
            train_rows.retain(|i| !cal.contains(i));
            calibrate_on = Some(cal);
        }
        let mut rows = TuneRows {
            texts: train_rows.iter().map(|&i| data.rows[i].text.clone()).collect(),
            labels: train_rows.iter().map(|&i| data.rows[i].labels.clone()).collect(),
            n_labels: data.labels.len(),
            multi_label: data.multi_label,
        };
        if a.with_codebook_examples {
            for (k, f) in cb.codebook.frames.iter().enumerate() {
                rows.texts.extend(f.examples.iter().cloned());
                rows.labels.extend(f.examples.iter().map(|_| vec![k]));
            }
        }
        let (tuned, summary) = finetune(&model, TuneData::Rows(&rows), &data.sha256, &a.finetune, a.quiet)?;
        if !a.quiet {
            eprintln!("{summary}");
        }
        model = tuned;
        finetuned = Some((frozen, summary));
    }
    let slice = calibrate_on.as_ref().map_or(0, Vec::len);
    let opts = FrameTrainOptions { calibrate_on, ..opts };
    let mut trained = fit_head(&a, &cb, &data, &model, &opts, "texts embedded")?;
    if let Some((frozen, summary)) = finetuned {
        let calibration = if slice > 0 {
            format!("the temperature fitted on the {slice} rows kept out of tuning (--calibration-slice)")
        } else {
            "the temperature fitted on rows the encoder was tuned on: scores are overconfident".into()
        };
        let note = frozen_vs_tuned(&summary, &frozen.head, &trained.head, "most of every fold's rows", &calibration);
        trained.head.add_note(note);
        trained.head.context.insert("finetuned_from".into(), frozen.head.encoder.model_id.clone());
    }
    let out = a.out.clone().unwrap_or_else(|| default_head_path(&a.codebook));
    trained.head.save(&out)?;
    let md = report::markdown(
        &trained.head,
        &format!("{} head for {}", if data.multi_label { "Multi-label" } else { "Frame" }, cb.codebook.name),
    );
    if let Some(r) = &a.report {
        std::fs::write(r, &md).with_context(|| format!("writing {}", r.display()))?;
    }
    if !a.quiet {
        println!("{md}");
        eprintln!(
            "{} rows ({} uncoded skipped, {} held out, {} codebook examples added) · embedding {:.1}s ({} cached, {} encoded) · training {:.1}s · total {:.1}s",
            trained.rows,
            data.uncoded,
            trained.dev_rows,
            trained.examples_added,
            trained.embed_secs,
            trained.cache_hits,
            trained.encoded,
            trained.train_secs,
            started.elapsed().as_secs_f64()
        );
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}

#[derive(Args)]
pub struct TrainStanceArgs {
    /// Stance training data, e.g. ../shared/datasets/vast/vast_train.csv.
    #[arg(long)]
    pub data: PathBuf,
    /// Dev data to score (zero- and few-shot targets apart). Default: `vast_dev.csv` beside --data if it
    /// exists.
    #[arg(long)]
    pub dev: Option<PathBuf>,
    /// Score no dev data.
    #[arg(long, conflicts_with = "dev")]
    pub no_dev: bool,
    /// Where to write the head; the Markdown report goes beside it (`.report.md`).
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, default_value = "post")]
    pub text_field: String,
    #[arg(long, default_value = "topic_str")]
    pub target_field: String,
    #[arg(long, default_value = "label")]
    pub label_field: String,
    #[arg(long, default_value = "seen?")]
    pub seen_field: String,
    #[command(flatten)]
    pub cv: CvArgs,
    #[command(flatten)]
    pub encoder: EncoderArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
    #[command(flatten)]
    pub finetune: FinetuneArgs,
    #[arg(long, short)]
    pub quiet: bool,
}

/// Epochs of `train-stance --finetune` unless `--epochs` says otherwise: one pass over VAST (13,477 rows,
/// 116 steps of 16 comments) is about as many steps as the frame recipe's four passes over GVFC (184), and
/// takes about 18 minutes with MiniLM on 2 cores; fixed before any VAST run, not selected on its dev split.
const STANCE_EPOCHS: usize = 1;

/// The stance head fitted in `model`'s embedding space.
fn fit_stance(
    a: &TrainStanceArgs,
    train: &StanceRows,
    dev: Option<&StanceRows>,
    model: &framelens::encode::ModelDir,
    unit: &str,
    calibrate_on: Option<Vec<usize>>,
) -> anyhow::Result<TrainedStance> {
    let mut embedder = Embedder::new(model, a.encoder.options(), a.cache.path().as_deref())?;
    for w in &embedder.warnings {
        eprintln!("warning: {w}");
    }
    let mut opts = a.cv.options();
    if opts.l2_grid.is_empty() {
        opts.l2_grid = TrainOptions::default().l2_grid;
    }
    opts.calibration_rows = calibrate_on;
    let total = train.targets.len() + train.texts.len() + dev.map_or(0, |d| d.targets.len() + d.texts.len());
    let mut bar = Progress::with_total(Some(total as u64), unit, a.quiet);
    let trained = train_stance(train, dev, &mut embedder, &opts, &mut |n| bar.inc(n as u64))?;
    bar.finish();
    Ok(trained)
}

/// The rows the encoder is tuned on: every row whose text is outside the calibration slice (`slice`, row
/// indices), over only those texts, since a tuning step encodes each of its texts.
fn tuned_pairs(train: &StanceRows, slice: &[usize]) -> PairRows {
    let in_slice: std::collections::HashSet<usize> = slice.iter().copied().collect();
    let mut text_at: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    let mut texts = Vec::new();
    let mut rows = Vec::new();
    for (i, (t, s, y)) in train.rows().enumerate() {
        if in_slice.contains(&i) {
            continue;
        }
        let at = *text_at.entry(s).or_insert_with(|| {
            texts.push(train.texts[s].clone());
            texts.len() - 1
        });
        rows.push((t, at, y));
    }
    PairRows { targets: train.targets.clone(), texts, rows, n_labels: STANCE_LABELS.len() }
}

pub fn run_stance(a: TrainStanceArgs) -> anyhow::Result<()> {
    let fields = StanceFields {
        text: a.text_field.clone(),
        target: a.target_field.clone(),
        label: a.label_field.clone(),
        seen: a.seen_field.clone(),
    };
    let train = read_stance_rows(&a.data, &fields)?;
    let dev_path = match (&a.dev, a.no_dev) {
        (_, true) => None,
        (Some(p), _) => Some(p.clone()),
        (None, _) => Some(a.data.with_file_name("vast_dev.csv")).filter(|p| p.is_file()),
    };
    let dev = dev_path.as_deref().map(|p| read_stance_rows(p, &fields)).transpose()?;
    let mut model = resolve_model(a.encoder.model.as_deref())?;
    let mut finetuned = None;
    let mut calibrate_on = None;
    if a.finetune.finetune {
        if a.finetune.recipe != "cross-entropy" {
            anyhow::bail!("train-stance --finetune takes --recipe cross-entropy only (the pair features' head)");
        }
        // The frozen encoder's head first: the report puts what fine-tuning bought beside it.
        let frozen = fit_stance(&a, &train, dev.as_ref(), &model, "texts embedded (frozen encoder)", None)?;
        let slice = train.calibration_slice(a.finetune.calibration_slice, a.finetune.tune_seed);
        let pairs = tuned_pairs(&train, &slice);
        calibrate_on = (!slice.is_empty()).then_some(slice);
        let mut args = a.finetune.clone();
        args.epochs.get_or_insert(STANCE_EPOCHS);
        let (tuned, summary) = finetune(&model, TuneData::Pairs(&pairs), train.sha256(), &args, a.quiet)?;
        if !a.quiet {
            eprintln!("{summary}");
        }
        model = tuned;
        finetuned = Some((frozen, summary));
    }
    let slice = calibrate_on.as_ref().map_or(0, Vec::len);
    let trained = fit_stance(&a, &train, dev.as_ref(), &model, "texts embedded", calibrate_on)?;
    let mut head = trained.head.head().clone();
    if let Some((frozen, summary)) = finetuned {
        let calibration = if slice > 0 {
            format!(
                "the temperature fitted on the {slice} rows whose texts were kept out of tuning (--calibration-slice)"
            )
        } else {
            "the temperature fitted on rows the encoder was tuned on: scores are overconfident".into()
        };
        let note = frozen_vs_tuned(&summary, frozen.head.head(), &head, "most of every fold's rows", &calibration);
        head.add_note(note);
        head.context.insert("finetuned_from".into(), frozen.head.head().encoder.model_id.clone());
    }
    head.save(&a.out)?;
    let mut md = format!(
        "# General stance head `{}`\n\nReproduce: `framelens train-stance --data {}{}{} --out {}`\n\n\
         Features `[t, s, |t−s|, t∘s]` of the target's and the text's embeddings; labels pro → supportive, \
         con → critical, neutral → neutral; cross-validation folds grouped by target. {} rows, {} distinct \
         targets, {} distinct texts; embedding {:.1}s, training {:.1}s.\n\n",
        a.out.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        a.data.display(),
        match (&a.dev, a.no_dev) {
            (Some(d), _) => format!(" --dev {}", d.display()),
            (None, true) => " --no-dev".into(),
            _ => String::new(),
        },
        if a.finetune.finetune { " --finetune" } else { "" },
        a.out.display(),
        train.y.len(),
        train.targets.len(),
        train.texts.len(),
        trained.embed_secs,
        trained.train_secs
    );
    md += &report::markdown(&head, "Training report");
    let report_path = a.out.with_extension("report.md");
    std::fs::write(&report_path, &md).with_context(|| format!("writing {}", report_path.display()))?;
    if !a.quiet {
        println!("{md}");
        eprintln!("wrote {} and {}", a.out.display(), report_path.display());
    }
    Ok(())
}
