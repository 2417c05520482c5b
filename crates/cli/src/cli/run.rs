//! `framelens run CORPUS --codebook FILE --out DIR`: the main job.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use framelens::classify::ClassifyOptions;
use framelens::corpus::{Fields, Format};
use framelens::encode::{resolve_model, Precision};
use framelens::pipeline::{self, Event, RunOptions, RunSummary};

use super::progress::Progress;
use super::EncoderArgs;

#[derive(Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Auto,
    Folder,
    Jsonl,
    Csv,
}

#[derive(Args)]
pub struct RunArgs {
    /// A folder of .txt/.md articles (sub-folder = outlet unless front matter says otherwise), a .jsonl or a .csv.
    pub corpus: PathBuf,
    /// Codebook TOML (frames and stance targets), e.g. models/codebooks/enforcement-discourse.toml.
    #[arg(long)]
    pub codebook: PathBuf,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    pub format: FormatArg,
    /// JSONL/CSV field holding the document id.
    #[arg(long, default_value = "id")]
    pub id_field: String,
    #[arg(long, default_value = "text")]
    pub text_field: String,
    #[arg(long, default_value = "outlet")]
    pub outlet_field: String,
    #[arg(long, default_value = "date")]
    pub date_field: String,
    #[arg(long, default_value = "title")]
    pub title_field: String,
    /// Add one score_<frame> column per frame to paragraphs.csv.
    #[arg(long)]
    pub scores: bool,
    /// Write paragraphs.csv's text cells (title, section, evidence, text) with a `'` before a leading `=`,
    /// `+`, `-`, `@`, tab or CR, so a spreadsheet opening the file cannot run them as formulas. Off by
    /// default: it changes the text a script reads (framelens' own readers undo it).
    #[arg(long)]
    pub spreadsheet_safe: bool,
    /// Softmax temperature over centred cosine similarities.
    #[arg(long)]
    pub temperature: Option<f32>,
    /// Weight of the mean sentence score against the paragraph's own (0 = paragraphs only, encodes less).
    #[arg(long)]
    pub sentence_weight: Option<f32>,
    /// Logit bonus per distinct cue phrase found (up to 3).
    #[arg(long)]
    pub cue_weight: Option<f32>,
    /// Topic relevance below which a body paragraph is labelled `other` (off-topic). Default: the codebook's
    /// `relevance_threshold`, else the encoder's (MPNet 0.08, MiniLM 0.04, multilingual-e5-small 0.01: its
    /// cosines sit closer together), each chosen on dev splits; a large negative value such as -2 keeps every paragraph.
    #[arg(long, allow_negative_numbers = true)]
    pub relevance_threshold: Option<f32>,
    /// Probability a supportive or critical stance needs; weaker readings are `neutral` (default 0.5: no
    /// reading less likely than not; 0 = always the most probable label; docs/evaluation.md).
    #[arg(long)]
    pub stance_min_score: Option<f32>,
    #[command(flatten)]
    pub encoder: EncoderArgs,
    /// Embedding cache (SQLite). Default: $FRAMELENS_HOME/cache/embeddings.sqlite.
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// Encode everything, reading and writing no cache.
    #[arg(long, conflicts_with = "cache")]
    pub no_cache: bool,
    /// Process only shard K of N (0-based), chosen by a stable hash of the document id; combine shards with
    /// `framelens merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<framelens::shard::Shard>,
    /// Documents per batch (memory is bounded by a couple of batches).
    #[arg(long, default_value_t = 256)]
    pub batch_docs: usize,
    /// Skip the outlet comparison (comparison.csv, distances.csv, ...) at the end of the run.
    #[arg(long)]
    pub no_compare: bool,
    #[command(flatten)]
    pub compare: super::compare::CompareArgs,
    #[command(flatten)]
    pub heads: HeadArgs,
    #[arg(long, short)]
    pub quiet: bool,
    #[arg(long, short)]
    pub verbose: bool,
}

pub fn run(a: RunArgs) -> anyhow::Result<()> {
    let mut classify = ClassifyOptions::default();
    if let Some(t) = a.temperature {
        classify.temperature = t;
    }
    if let Some(w) = a.sentence_weight {
        classify.sentence_weight = w;
    }
    if let Some(w) = a.cue_weight {
        classify.cue_weight = w;
    }
    classify.relevance_threshold = a.relevance_threshold;
    if let Some(m) = a.stance_min_score {
        classify.stance_min_score = m;
    }
    let mut opts = RunOptions {
        corpus: a.corpus.clone(),
        format: match a.format {
            FormatArg::Auto => Format::Auto,
            FormatArg::Folder => Format::Folder,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Csv => Format::Csv,
        },
        fields: Fields {
            id: a.id_field.clone(),
            text: a.text_field.clone(),
            outlet: a.outlet_field.clone(),
            date: a.date_field.clone(),
            title: a.title_field.clone(),
            ..Fields::default()
        },
        codebook: a.codebook.clone(),
        out: a.out.clone(),
        encode: a.encoder.options(),
        classify,
        scores: a.scores,
        spreadsheet_safe: a.spreadsheet_safe,
        cache: if a.no_cache { None } else { Some(a.cache.clone().unwrap_or_else(default_cache)) },
        shard: a.shard,
        batch_docs: a.batch_docs,
        head: a.heads.head.clone(),
        stance_head: None,
    };
    a.heads.apply_to(&mut opts.classify);
    // Fail on a bad codebook, and on a corpus whose fields do not fit the mapping, before loading the model.
    // The corpus's warnings (a missing outlet or date field) are left to the pipeline, which records them.
    let cb = framelens::codebook::load(&a.codebook)?;
    framelens::corpus::check_fields(&opts.corpus, opts.format, &opts.fields)?;
    let model = a.heads.model(a.encoder.model.as_deref(), a.quiet)?;
    opts.stance_head = a.heads.stance_head(&cb, &model, a.quiet)?;
    // Fail on an unusable precision request (int8 graph missing) before reading the corpus; its warning, if
    // any, is printed once by the pipeline and recorded in the manifest.
    let resolved = opts.encode.resolve_precision(&model)?;
    // A base-size default encoder (MPNet, 768 wide) in fp32 is what a laptop without bf16 units runs: 12 news
    // paragraphs/s against MiniLM's 92 on an AVX2-only CPU (bench/README.md), so say once that MiniLM exists.
    if !a.quiet
        && a.encoder.model.is_none()
        && a.heads.head.is_none()
        && resolved.device.is_cpu()
        && resolved.precision == Precision::Fp32
        && model.manifest.hidden_size >= 768
    {
        eprintln!(
            "note: {} runs fp32 here ({}); on such a CPU `--model minilm` is about 7× faster, at some cost in \
             labels (README, \"Choosing the encoder\")",
            model.manifest.id, resolved.reason
        );
    }
    let mut bar: Option<Progress> = None;
    let mut paragraphs = 0usize;
    let started = std::time::Instant::now();
    let quiet = a.quiet;
    let verbose = a.verbose;
    let mut embedder = framelens::encode::cached::Embedder::new(&model, opts.encode.clone(), opts.cache.as_deref())
        .with_context(|| format!("running on {}", a.corpus.display()))?;
    // The comparison is written inside the run, before its final manifest, so that the manifest's hashes
    // cover it; its summary and any error come back through these.
    let mut comparison: Option<String> = None;
    let mut compare_error: Option<anyhow::Error> = None;
    let mut after_tables = |_: &std::path::Path| -> Result<Vec<PathBuf>, ()> {
        if a.no_compare {
            return Ok(Vec::new());
        }
        match compare_after_run(&a) {
            Ok(Some((c, files))) => {
                comparison = Some(c);
                Ok(files)
            }
            Ok(None) => Ok(Vec::new()),
            Err(e) => {
                compare_error = Some(e);
                Err(())
            }
        }
    };
    let result = pipeline::run_then(&opts, &mut embedder, &mut after_tables, &mut |e| match e {
        Event::Stage(s) if verbose => eprintln!("stage: {s}"),
        Event::Stage(_) => {}
        Event::Warning(w) => eprintln!("warning: {w}"),
        Event::DocumentsTotal(n) => bar = Some(Progress::with_total(Some(n as u64), "documents", quiet)),
        Event::Done { documents, paragraphs: p } => {
            let b = bar.get_or_insert_with(|| Progress::with_total(None, "documents", quiet));
            paragraphs += p;
            b.inc(documents as u64);
            let secs = started.elapsed().as_secs_f64().max(1e-3);
            b.set_message(format!("{paragraphs} paragraphs, {:.0}/s", paragraphs as f64 / secs));
        }
    });
    let summary = match result {
        Ok(s) => s,
        Err(pipeline::RunError::AfterTables) => {
            return Err(compare_error.take().unwrap_or_else(|| anyhow::anyhow!("writing the comparison failed")))
        }
        Err(e) => return Err(anyhow::Error::new(e).context(format!("running on {}", a.corpus.display()))),
    };
    if let Some(b) = bar {
        b.finish();
    }
    if !quiet {
        print_summary(&summary);
        if let Some(c) = comparison {
            eprint!("{c}");
        }
    }
    Ok(())
}

fn print_summary(s: &RunSummary) {
    let m = &s.manifest;
    let c = &m.counts;
    let t = |k: &str| m.timings.get(k).copied().unwrap_or(0.0);
    eprintln!(
        "{} documents · {} body paragraphs ({} headings, {} boilerplate) · {} rejects · {:.1}s ({:.1}s encoding, {} {})",
        c.documents,
        c.paragraphs_body,
        c.paragraphs_heading,
        c.paragraphs_boilerplate,
        c.rejects,
        t("total"),
        t("encode"),
        m.model.id,
        m.model.precision
    );
    print_top_rejects(&s.top_rejects);
    eprintln!("top frame per outlet (share of on-topic paragraphs; off-topic = `other`, left out of shares):");
    let labels = &s.aggregates.labels;
    let (mut off, mut body) = (0u64, 0u64);
    for o in &s.aggregates.outlets {
        let shares = o.counts.shares();
        let top = o.counts.dominant(labels).unwrap_or("-");
        let share = labels.iter().position(|l| l == top).map(|k| shares[k] * 100.0).unwrap_or(0.0);
        let articles = framelens::display::count(o.articles, "article");
        // The last share is `other`'s, of all body paragraphs (`Counts::shares`).
        let off_share = shares.last().copied().unwrap_or(0.0) * 100.0;
        eprintln!("  {:<32} {articles:>12}  {:<28} {:>5.1}%   off-topic {:>5.1}%", o.outlet, top, share, off_share);
        off += o.counts.other();
        body += o.counts.body;
    }
    if body > 0 && 2 * off > body {
        eprintln!(
            "warning: {off} of {body} body paragraphs ({:.0}%) are off-topic for this codebook: is this the corpus \
             it was written for? (`--relevance-threshold` or the codebook's `relevance_threshold` moves the line)",
            off as f64 * 100.0 / body as f64
        );
    }
    if s.manifest
        .heads
        .iter()
        .all(|h| h.role != "stance" || framelens::classify::heads::is_shipped_stance_head(&h.path))
        && s.manifest.codebook.stance_target.is_some()
    {
        eprintln!("note: {}", framelens::classify::stance_caveat(&s.manifest.model.id));
    }
    eprintln!("wrote:");
    for f in &s.files {
        eprintln!("  {}", f.display());
    }
}

/// The comparison at the end of a run; a run whose every paragraph is off-topic has written its tables and
/// succeeded, so having nothing to compare is a warning there, not a failure.
fn compare_after_run(a: &RunArgs) -> anyhow::Result<Option<(String, Vec<PathBuf>)>> {
    match super::compare::compare_dir_files(&a.out, None, &a.compare) {
        Ok(c) => Ok(Some(c)),
        Err(e) => match e.downcast_ref::<framelens::compare::CompareError>() {
            Some(framelens::compare::CompareError::AllOffTopic { .. }) => {
                eprintln!("warning: no comparison: {e}");
                Ok(None)
            }
            _ => Err(e),
        },
    }
}

/// The most common reject reasons, so a systematic problem is seen without opening rejects.csv.
fn print_top_rejects(top: &[(String, usize)]) {
    if top.is_empty() {
        return;
    }
    eprintln!("most common reject reasons (every reject is in rejects.csv):");
    for (reason, n) in top {
        eprintln!("  {n:>7}  {reason}");
    }
}

/// Trained heads in place of the zero-shot prototypes (shared by `run` and `eval --data`).
#[derive(Args, Clone, Debug)]
pub struct HeadArgs {
    /// A trained frame head (`framelens train`) used instead of the codebook's zero-shot frame prototypes.
    #[arg(long, value_name = "FILE")]
    pub head: Option<PathBuf>,
    /// The general stance head scored toward the codebook's stance target: a file, or `shipped` for the one in
    /// models/heads/ trained for the run's encoder (stance-vast.json: MiniLM; stance-vast-mpnet.json: MPNet). Default: the codebook's stance prototypes, because the shipped head did not
    /// beat them on the sample corpus and leaned to `supportive` on the seed article (docs/evaluation.md).
    #[arg(long, value_name = "FILE", conflicts_with = "no_stance_head")]
    pub stance_head: Option<PathBuf>,
    /// Stance from the codebook's example statements (zero-shot prototypes) instead of the stance head.
    #[arg(long)]
    pub no_stance_head: bool,
    /// Prior strength when refitting the stance head on the codebook's stance examples (0 = no refit).
    #[arg(long, value_name = "STRENGTH")]
    pub stance_refine: Option<f64>,
    /// Weight of the mean sentence score for trained heads (default 0: heads score the whole paragraph).
    #[arg(long, value_name = "W")]
    pub head_sentence_weight: Option<f32>,
}

impl HeadArgs {
    /// The encoder to run: `--model` when given; without it, the model a `--head` was trained for when that
    /// model is in $FRAMELENS_HOME/models with the same weights (a fine-tuned model needs no `--model`);
    /// else the default model.
    pub fn model(&self, model: Option<&str>, quiet: bool) -> anyhow::Result<framelens::encode::ModelDir> {
        if let (None, Some(head)) = (model, &self.head) {
            let file: framelens::classify::heads::HeadFile = framelens::classify::heads::HeadFile::read(head)?;
            let dir = framelens::encode::runtime::framelens_home().join("models").join(&file.encoder.model_id);
            if let Ok(m) = framelens::encode::ModelDir::open(&dir) {
                if m.manifest.weights_sha256.eq_ignore_ascii_case(&file.encoder.weights_sha256) {
                    if !quiet {
                        eprintln!("encoder: {} (the model {} was trained for)", dir.display(), head.display());
                    }
                    return Ok(m);
                }
            }
        }
        Ok(resolve_model(model)?)
    }

    pub fn apply_to(&self, c: &mut ClassifyOptions) {
        if let Some(s) = self.stance_refine {
            c.stance_refine_strength = s.max(0.0);
        }
        if let Some(w) = self.head_sentence_weight {
            c.head_sentence_weight = w;
        }
    }

    /// The stance head to use: the file given, or the shipped one for `shipped` when it was trained for this
    /// encoder (otherwise prototypes, with a note); None means prototypes.
    pub fn stance_head(
        &self,
        cb: &framelens::codebook::LoadedCodebook,
        model: &framelens::encode::ModelDir,
        quiet: bool,
    ) -> anyhow::Result<Option<PathBuf>> {
        if self.no_stance_head || cb.codebook.stance_targets.is_empty() {
            return Ok(None);
        }
        match &self.stance_head {
            None => return Ok(None),
            Some(p) if p.as_os_str() != "shipped" => return Ok(Some(p.clone())),
            Some(_) => {}
        }
        let shipped = framelens::classify::heads::shipped_stance_heads();
        if shipped.is_empty() {
            anyhow::bail!("--stance-head shipped: no shipped stance head found (models/heads/stance-vast*.json)")
        }
        // The one trained for this encoder, else the first (refused below with a note).
        let p = shipped
            .iter()
            .find(|p| {
                <framelens::classify::heads::HeadFile>::read(p)
                    .is_ok_and(|h| h.encoder.weights_sha256.eq_ignore_ascii_case(&model.manifest.weights_sha256))
            })
            .unwrap_or(&shipped[0])
            .clone();
        match <framelens::classify::heads::HeadFile>::read(&p) {
            Ok(h) if h.encoder.weights_sha256.eq_ignore_ascii_case(&model.manifest.weights_sha256) => Ok(Some(p)),
            Ok(h) => {
                if !quiet {
                    eprintln!(
                        "note: the shipped stance head {} was trained for encoder `{}`, not `{}`; stance comes from \
                         the codebook's example statements (train one with `framelens train-stance`)",
                        p.display(),
                        h.encoder.model_id,
                        model.manifest.id
                    );
                }
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// The default embedding cache: one per user, shared by every run and output folder.
pub fn default_cache() -> PathBuf {
    framelens::encode::runtime::framelens_home().join("cache").join("embeddings.sqlite")
}
