//! `framelens eval`: agreement with a hand coding, from a run's output (`--gold FILE --pred DIR`) or by
//! running the model on labelled data (`--codebook FILE --data labelled.csv [--head FILE]`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use framelens::classify::heads::HeadUse;
use framelens::classify::{build_classifier, label, LabelInput};
use framelens::codebook::LoadedCodebook;
use framelens::codebook::STANCE_LABELS;
use framelens::encode::cached::Embedder;
use framelens::encode::model::sha256_hex;
use framelens::evaluate::article::{article_sets_from_run, read_article_gold, ArticleSets};
use framelens::evaluate::matching::{match_articles, task_labels, ArticleMatch};
use framelens::evaluate::report::{agreement, set_agreement, write_csv, Bootstrap, SetAgreement, CSV_HEADER};
use framelens::evaluate::{match_gold, Pairs};
use framelens::train::data::{read_labelled, DataFields, LabelMatcher};
use framelens::train::head::Head;
use framelens::train::head::ScoreCalibration;
use framelens::train::overlap::{EvalSplit, OverlapCheck, Verdict};
use framelens::train::split::{Holdout, Part};

use super::run::HeadArgs;
use super::train::{CacheArgs, DataArgs};
use super::EncoderArgs;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Level {
    /// Gold rows name paragraphs (doc_id, text_prefix, frame[, stance]).
    Paragraph,
    /// Gold rows name articles with label sets; predictions are reduced from paragraph labels.
    Article,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PartArg {
    Train,
    Dev,
    All,
}

#[derive(Args)]
pub struct EvalArgs {
    /// Gold CSV: paragraph level `doc_id, text_prefix, frame[, stance]` (`label` for `frame` also works);
    /// article level an id column and a label-set column (or frame_<label> 0/1 columns).
    #[arg(long, requires = "pred", conflicts_with = "data")]
    pub gold: Option<PathBuf>,
    /// A run's output folder or its paragraphs.csv.
    #[arg(long)]
    pub pred: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Level::Paragraph)]
    pub level: Level,
    /// Codebook: required with --data; with --level article it maps gold labels to frame ids.
    #[arg(long)]
    pub codebook: Option<PathBuf>,
    /// Labelled CSV to run the model on (frames from --head or the codebook's prototypes).
    #[arg(long, requires = "codebook")]
    pub data: Option<PathBuf>,
    /// With --data: column of each row's coded stance toward the codebook's stance target (supportive,
    /// critical, neutral; empty = not coded): stance is scored too, from --stance-head or the prototypes.
    #[arg(long, requires = "data")]
    pub stance_field: Option<String>,
    #[command(flatten)]
    pub data_args: DataArgs,
    /// With --holdout: which rows to score (default dev).
    #[arg(long, value_enum)]
    pub part: Option<PartArg>,
    /// Article level: gold column naming the article (must match the run's doc_id).
    #[arg(long, default_value = "doc_id")]
    pub gold_id_field: String,
    /// Article level: gold column with the article's labels (separated by --label-sep).
    #[arg(long, default_value = "frames")]
    pub gold_label_field: String,
    /// Article level: a frame is present in an article when at least this share of its body paragraphs
    /// carry it (0 = at least one paragraph).
    #[arg(long, default_value_t = 0.2)]
    pub share_threshold: f64,
    /// Article level: paragraphs.csv column giving each paragraph's labels (`frame` = top frame,
    /// `frames` = its multi-label set).
    #[arg(long, default_value = "frame")]
    pub pred_column: String,
    /// Also write every figure to this CSV (task, section, label, predicted, metric, value, ci_low, ci_high).
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Bootstrap replicates for the 95% intervals.
    #[arg(long, default_value_t = 2000)]
    pub replicates: usize,
    #[arg(long, default_value_t = 13)]
    pub bootstrap_seed: u64,
    /// Score rows a trained head was fitted on anyway (refused by default: such figures overstate agreement).
    /// A warning is printed and every `--csv` row of the task says so in its `train_overlap` column.
    #[arg(long)]
    pub allow_train_overlap: bool,
    #[command(flatten)]
    pub heads: HeadArgs,
    #[command(flatten)]
    pub encoder: EncoderArgs,
    #[command(flatten)]
    pub cache: CacheArgs,
}

fn part(a: &EvalArgs) -> anyhow::Result<Option<(Holdout, Part)>> {
    let Some(h) = a.data_args.holdout()? else {
        if a.part.is_some_and(|p| p != PartArg::All) {
            bail!("--part needs --holdout FRACTION (and the --split-seed used for training)");
        }
        return Ok(None);
    };
    Ok(match a.part.unwrap_or(PartArg::Dev) {
        PartArg::Train => Some((h, Part::Train)),
        PartArg::Dev => Some((h, Part::Dev)),
        PartArg::All => None,
    })
}

pub fn run(a: EvalArgs) -> anyhow::Result<()> {
    let boot = Bootstrap { replicates: a.replicates, seed: a.bootstrap_seed };
    let mut csv_rows: Vec<Vec<String>> = Vec::new();
    if a.data.is_some() {
        run_on_data(&a, boot, &mut csv_rows)?;
    } else {
        let (Some(gold), Some(pred)) = (&a.gold, &a.pred) else {
            bail!("give --gold FILE --pred DIR (a run's output), or --codebook FILE --data labelled.csv");
        };
        let heads = run_heads(pred);
        let pred = framelens::run::files::paragraphs_csv(pred);
        match a.level {
            Level::Paragraph => {
                let pairs = match_gold(gold, &pred)?;
                let mut frame_mark = None;
                let mut stance_mark = None;
                for u in &heads {
                    match u.role.as_str() {
                        "frames" => frame_mark = check_run_head(u, "frame", &pairs.frame_texts, a.allow_train_overlap)?,
                        "stance" => {
                            stance_mark = check_run_head(u, "stance", &pairs.stance_texts, a.allow_train_overlap)?;
                        }
                        _ => {}
                    }
                }
                let f = agreement("Frames", "paragraphs", &pairs.frame, Some(&pairs.frame_docs), boot);
                println!("{}", f.markdown());
                if let Some(conf) = Pairs::confidences(&pairs.frame, &pairs.frame_scores) {
                    print_scores("frame score", &conf);
                }
                csv_rows.extend(marked(f.csv_rows("frames"), &frame_mark));
                if !pairs.stance.is_empty() {
                    let s = agreement("Stance", "paragraphs", &pairs.stance, Some(&pairs.stance_docs), boot);
                    println!("{}", s.markdown());
                    if let Some(conf) = Pairs::confidences(&pairs.stance, &pairs.stance_scores) {
                        print_scores("stance score", &conf);
                    }
                    csv_rows.extend(marked(s.csv_rows("stance"), &stance_mark));
                }
            }
            Level::Article => {
                let r = article_level(&a, gold, &pred, boot)?;
                println!("{}", r.markdown());
                csv_rows.extend(r.csv_rows("frames"));
            }
        }
    }
    if let Some(p) = &a.csv {
        write_csv(p, &csv_rows).with_context(|| format!("writing {}", p.display()))?;
        eprintln!("wrote {}", p.display());
    }
    Ok(())
}

fn load_codebook(a: &EvalArgs) -> anyhow::Result<Option<LoadedCodebook>> {
    Ok(match &a.codebook {
        Some(p) => Some(framelens::codebook::load(p)?),
        None => None,
    })
}

fn article_level(
    a: &EvalArgs,
    gold_path: &std::path::Path,
    pred_path: &std::path::Path,
    boot: Bootstrap,
) -> anyhow::Result<SetAgreement> {
    let cb = load_codebook(a)?;
    let matcher = cb.as_ref().map(|c| LabelMatcher::new(&c.codebook.frames));
    let map = |s: &str| -> Result<String, String> {
        match &matcher {
            Some(m) => m.get(s).map(|i| m.ids[i].clone()).ok_or_else(|| {
                format!("label `{s}` is not a frame of the codebook; its labels are: {}", m.known.join(", "))
            }),
            None => Ok(s.trim().to_string()),
        }
    };
    let mut gold = read_article_gold(gold_path, &a.gold_id_field, &a.gold_label_field, a.data_args.label_sep, &map)?;
    if let Some((h, want)) = part(a)? {
        gold.retain(|id, _| (if h.is_dev(id) { Part::Dev } else { Part::Train }) == want);
    }
    let all_pred = article_sets_from_run(pred_path, &a.pred_column, a.share_threshold)?;
    let frames = matcher.as_ref().map(|m| m.ids.as_slice());
    let ArticleMatch { pred, labels, dropped } = match_articles(&gold, &all_pred, frames).map_err(|m| {
        anyhow::anyhow!(
            "{} gold article(s) have no body paragraphs in {} (e.g. `{}`): was the run made on the same \
             articles with the same id column?",
            m.count,
            pred_path.display(),
            m.first
        )
    })?;
    let mut r = set_agreement("Frames (article level)", "articles", &gold, &pred, &labels, boot)?;
    r.notes.push(format!(
        "Predicted sets: `{}` labels of each article's body paragraphs with a share ≥ {}; {dropped} predicted \
         labels outside the {} task labels (gold or predicted codebook frames; e.g. `other`) dropped.",
        a.pred_column,
        a.share_threshold,
        labels.len()
    ));
    Ok(r)
}

fn run_on_data(a: &EvalArgs, boot: Bootstrap, csv_rows: &mut Vec<Vec<String>>) -> anyhow::Result<()> {
    let cb = load_codebook(a)?.expect("clap requires --codebook with --data");
    let data_path = a.data.as_ref().expect("checked");
    if a.stance_field.is_some() && cb.codebook.stance_targets.is_empty() {
        bail!("--stance-field: the codebook {} has no stance target to score stance toward", cb.path().display());
    }
    let fields = DataFields { stance: a.stance_field.clone(), ..a.data_args.fields() };
    let mut data = read_labelled(data_path, &fields, &cb.codebook.frames, a.data_args.multi_label)?;
    let split = part(a)?;
    if let Some((h, want)) = split {
        data.retain(|r| h.part_of(r) == want);
        if data.rows.is_empty() {
            bail!("no rows in the selected part of {}", data_path.display());
        }
    }
    let texts: Vec<&str> = data.rows.iter().map(|r| r.text.as_str()).collect();
    let mark = match a.heads.head.as_deref() {
        Some(path) => {
            let head = Head::read(path)?;
            let eval_split = EvalSplit { data_sha256: data.sha256.clone(), split };
            guard(&OverlapCheck::new(&head, path, "frame", &texts, Some(&eval_split)), a.allow_train_overlap)?
        }
        None => None,
    };
    let model = a.heads.model(a.encoder.model.as_deref(), false)?;
    let mut embedder = Embedder::new(&model, a.encoder.options(), a.cache.path().as_deref())?;
    for w in &embedder.warnings {
        eprintln!("warning: {w}");
    }
    let mut classify = framelens::classify::ClassifyOptions::default();
    a.heads.apply_to(&mut classify);
    let refit = framelens::train::stance_pair::PriorRefit;
    let stance_head = match a.stance_field {
        Some(_) => a.heads.stance_head(&cb, &model, false)?,
        None => None,
    };
    let (classifier, used) =
        build_classifier(&cb, &mut embedder, &classify, a.heads.head.as_deref(), stance_head.as_deref(), &refit)?;
    let use_sentences = classify.sentence_weight > 0.0;
    let sentences: Vec<Vec<(usize, usize)>> = texts.iter().map(|t| framelens::segment::sentences(t)).collect();
    let inputs: Vec<LabelInput> = texts
        .iter()
        .zip(&sentences)
        .enumerate()
        .map(|(i, (t, s))| LabelInput { text: t, sentences: s, article: i })
        .collect();
    let labelled = label(&inputs, &classifier, &mut embedder, use_sentences, &mut |_| {})?;
    let frames = labelled.frames;
    let route = match used.iter().find(|u| u.role == "frames") {
        Some(u) => format!("trained head {}", u.path),
        None => "zero-shot prototypes".to_string(),
    };
    let groups: Option<Vec<String>> =
        a.data_args.id_field.as_ref().map(|_| data.rows.iter().map(|r| r.id.clone().unwrap_or_default()).collect());
    let title = format!("Frames on {} ({route})", data_path.display());
    if data.multi_label {
        let key = |i: usize| format!("{:08}", data.rows[i].line);
        let gold: ArticleSets = (0..data.rows.len())
            .map(|i| (key(i), data.rows[i].labels.iter().map(|&l| data.labels[l].clone()).collect()))
            .collect();
        let pred: ArticleSets = frames
            .iter()
            .enumerate()
            .map(|(i, f)| (key(i), f.frames.iter().filter(|l| data.labels.contains(l)).cloned().collect()))
            .collect();
        // Task labels: every frame in the gold sets or the predicted ones (a frame only predicted scores 0
        // and counts, as in macro-F1 everywhere in framelens).
        let labels = task_labels(&data.labels, &gold, &pred);
        let r = set_agreement(&title, "rows", &gold, &pred, &labels, boot)?;
        println!("{}", r.markdown());
        csv_rows.extend(marked(r.csv_rows("frames"), &mark));
    } else {
        let pairs: Vec<(String, String)> =
            data.rows.iter().zip(&frames).map(|(r, f)| (data.labels[r.labels[0]].clone(), f.frame.clone())).collect();
        let r = agreement(&title, "rows", &pairs, groups.as_deref(), boot);
        println!("{}", r.markdown());
        if used.iter().any(|u| u.role == "frames") {
            let conf: Vec<(f64, bool)> = frames
                .iter()
                .zip(&pairs)
                .map(|(f, (gold, pred))| (f64::from(f.probs.iter().copied().fold(0.0, f32::max)), gold == pred))
                .collect();
            print_scores("top-frame score", &conf);
        }
        csv_rows.extend(marked(r.csv_rows("frames"), &mark));
    }
    if let Some(stances) = labelled.stances.as_ref().filter(|_| a.stance_field.is_some()) {
        // Rows with a coded stance; a row labelled `other` has no stance, as in a run's paragraphs.csv.
        let coded: Vec<usize> = (0..data.rows.len()).filter(|&i| data.rows[i].stance.is_some()).collect();
        if coded.is_empty() {
            bail!("--stance-field: no row of {} has a coded stance", data_path.display());
        }
        let pairs: Vec<(String, String)> = coded
            .iter()
            .map(|&i| {
                (STANCE_LABELS[data.rows[i].stance.unwrap_or_default()].to_string(), stances[i].stance.to_string())
            })
            .collect();
        let stance_groups: Option<Vec<String>> = groups.as_ref().map(|g| coded.iter().map(|&i| g[i].clone()).collect());
        let route = match used.iter().find(|u| u.role == "stance") {
            Some(u) => format!("stance head {}", u.path),
            None => "zero-shot prototypes".to_string(),
        };
        let title = format!("Stance on {} ({route})", data_path.display());
        let s = agreement(&title, "rows", &pairs, stance_groups.as_deref(), boot);
        println!("{}", s.markdown());
        let conf: Vec<(f64, bool)> =
            coded.iter().zip(&pairs).map(|(&i, (gold, pred))| (f64::from(stances[i].score), gold == pred)).collect();
        print_scores("stance score", &conf);
        csv_rows.extend(s.csv_rows("stance"));
    }
    Ok(())
}

/// Is a score a probability? The mean of the scores of the labels given against their accuracy, and the
/// binned gap between them (`conf`: each row's score and whether its label was right).
fn print_scores(what: &str, conf: &[(f64, bool)]) {
    let c = ScoreCalibration::of(conf);
    let acc = conf.iter().filter(|c| c.1).count() as f64 / conf.len().max(1) as f64;
    println!(
        "Scores: mean {what} {:.3} at accuracy {acc:.3}; expected calibration error {:.3} \
         (10 bins; a calibrated head has a mean score near its accuracy and a small error)\n",
        c.mean_top_score, c.ece
    );
}

/// Applies the training-overlap policy: refuses an overlap, warns, or (allowed) warns loudly on stderr and
/// in the printed report and returns the marker for the task's `--csv` rows.
fn guard(check: &OverlapCheck, allow: bool) -> anyhow::Result<Option<String>> {
    match check.verdict(allow)? {
        Verdict::Clean => Ok(None),
        Verdict::Unchecked { warning } => {
            eprintln!("{warning}");
            Ok(None)
        }
        Verdict::Marked { warning, marker } => {
            let bar = "!".repeat(78);
            eprintln!("{bar}\n{warning}\n{bar}");
            println!("> **{warning}**\n");
            Ok(Some(marker))
        }
    }
}

/// `--csv` rows with the `train_overlap` cell filled in (empty when the figures include no training rows).
fn marked(rows: Vec<Vec<String>>, marker: &Option<String>) -> Vec<Vec<String>> {
    let cell = marker.clone().unwrap_or_default();
    rows.into_iter()
        .map(|mut r| {
            r.resize(CSV_HEADER.len() - 1, String::new());
            r.push(cell.clone());
            r
        })
        .collect()
}

/// The trained heads a run used, from its manifest (none when there is no readable manifest).
fn run_heads(pred: &Path) -> Vec<HeadUse> {
    let dir = if pred.is_dir() { Some(pred) } else { pred.parent() };
    let Some(bytes) = dir.and_then(|d| std::fs::read(d.join(framelens::run::files::MANIFEST_JSON)).ok()) else {
        return Vec::new();
    };
    let Ok(manifest) = serde_json::from_slice::<serde_json::Value>(&bytes) else { return Vec::new() };
    manifest.get("heads").and_then(|h| serde_json::from_value(h.clone()).ok()).unwrap_or_default()
}

/// Checks a head a run used against the evaluated paragraphs; a head file that is gone or changed since
/// the run cannot be checked, which is said.
fn check_run_head(u: &HeadUse, role: &str, texts: &[String], allow: bool) -> anyhow::Result<Option<String>> {
    let path = Path::new(&u.path);
    let bytes = match std::fs::read(path) {
        Ok(b) if sha256_hex(&b) == u.sha256 => b,
        found => {
            let why = if found.is_ok() { "has changed since the run" } else { "cannot be read" };
            eprintln!(
                "warning: the {role} head {} the run used {why}, so whether the evaluated paragraphs include rows \
                 it was trained on cannot be checked",
                u.path
            );
            return Ok(None);
        }
    };
    let head = Head::from_json(&String::from_utf8_lossy(&bytes), path)?;
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    guard(&OverlapCheck::new(&head, path, role, &texts, None), allow)
}
