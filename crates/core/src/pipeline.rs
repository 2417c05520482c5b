//! `framelens run`: wires the stages (ingest → segment → encode → classify → aggregate → export) into one
//! streaming run over a corpus. The stages know nothing of each other beyond their input types; this module
//! is the only place that knows all of them.
//!
//! Documents flow in bounded batches: an ingest thread reads and segments ahead through a bounded channel
//! while this thread embeds (cache first), classifies and appends rows to the output files. Memory holds a
//! batch, the outlet counts and the rejects, never the corpus, so it stays flat as corpora grow.
//! Outputs are `.part` files until the end; `manifest.json` is deleted at the start and written last, with the
//! sha256 of every output, so a folder with a manifest is a complete run and a killed run is recognisable. A run
//! that reads no document fails and leaves the folder as it found it (no `.part` files, no folder it created, a
//! previous run's manifest put back), so an empty result cannot be mistaken for an analysis.

use std::collections::{BTreeMap, HashMap};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use rayon::prelude::*;

use crate::aggregate::{aggregate_with_seq, labels_with_other, Aggregates, OutletTotals};
use crate::classify::heads::HeadUseError;
use crate::classify::{self, Classifier, ClassifyOptions, FrameLabel, LabelInput, StanceLabel};
use crate::codebook::{self, CodebookError, LoadedCodebook};
use crate::corpus::{self, CorpusError, Document, Fields, Format, Item};
use crate::encode::EmbedError;
use crate::encode::{Embed, EncodeOptions};
use crate::export::rejects::top_reject_reasons;
use crate::export::tables::{self, CsvSink};
use crate::export::{manifest, Manifest, OutDir, RejectRow};
use crate::record::ParagraphRecord;
use crate::run::counts::Counts;
use crate::run::labels::Stance;
use crate::segment::{self, Kind, Paragraph};
use crate::shard::Shard;

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The corpus cannot be read at all (bad records are rejects, not errors).
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    /// The codebook cannot be read or is invalid.
    #[error(transparent)]
    Codebook(#[from] CodebookError),
    /// The encoder or the embedding cache failed.
    #[error(transparent)]
    Embed(#[from] EmbedError),
    /// A head given for the run (or the shipped stance head) cannot be used with this codebook or encoder.
    #[error(transparent)]
    Head(#[from] HeadUseError),
    /// An output file or the output folder could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The thread reading and segmenting the corpus panicked: the outputs would be truncated, so the run
    /// fails (and leaves the folder as it found it) instead of finishing over part of the corpus.
    #[error("reading the corpus failed: the ingest thread panicked: {message}")]
    IngestPanicked {
        /// The panic's message, or `(no message)` when its payload was not a string.
        message: String,
    },
    /// Writing the files that follow the run's tables (the comparison, workbook, report) failed; the caller
    /// that wrote them has the reason.
    #[error("writing the comparison failed")]
    AfterTables,
    /// Every record was rejected, so there is nothing to classify; the most common reasons usually name the
    /// cause (a wrong field, a wrong encoding).
    #[error("read no documents: every record was rejected ({rejects} rejects; most common: {})", reason_list(.reasons))]
    NothingRead {
        /// Records rejected (all of them).
        rejects: usize,
        /// The three most common reject reasons with their counts ([`top_reject_reasons`]).
        reasons: Vec<(String, usize)>,
    },
}

fn reason_list(reasons: &[(String, usize)]) -> String {
    reasons.iter().map(|(r, n)| format!("{n} × {r}")).collect::<Vec<_>>().join("; ")
}

/// Everything a run needs besides the model.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// A folder, JSONL or CSV file (see [`crate::corpus::read_corpus`]).
    pub corpus: PathBuf,
    /// The corpus layout; `Auto` detects it from the path.
    pub format: Format,
    /// Field names of JSONL keys, CSV columns and front matter.
    pub fields: Fields,
    /// The codebook TOML file.
    pub codebook: PathBuf,
    /// The output folder, created with any missing parents.
    pub out: PathBuf,
    /// Recorded in the manifest only: the embedder passed to [`run`] was opened with its own options.
    pub encode: EncodeOptions,
    /// The classifier's tuning, before the codebook's own settings override it.
    pub classify: ClassifyOptions,
    /// Add `score_<frame>` columns to `paragraphs.csv`.
    pub scores: bool,
    /// Write `paragraphs.csv`'s text cells so a spreadsheet cannot run them as formulas (a `'` before a
    /// leading `=`, `+`, `-`, `@`, tab or CR); opt-in because it changes the bytes a script reads.
    pub spreadsheet_safe: bool,
    /// The embedding cache (SQLite file), or None.
    pub cache: Option<PathBuf>,
    /// Process only the documents of one shard.
    pub shard: Option<Shard>,
    /// Documents per batch.
    pub batch_docs: usize,
    /// A trained frame head (`framelens train`) used instead of the zero-shot frame prototypes.
    pub head: Option<PathBuf>,
    /// The general stance head, used toward the codebook's stance target instead of stance prototypes.
    pub stance_head: Option<PathBuf>,
}

/// What a run reports while it works (for progress bars); the library never prints.
pub enum Event<'a> {
    /// A stage begins (`export`), for verbose output.
    Stage(&'a str),
    /// Documents in the corpus, when cheaply known (for an ETA).
    DocumentsTotal(usize),
    /// Documents finished (all stages) since the last event, and their body paragraphs.
    Done {
        /// Documents finished.
        documents: usize,
        /// Their body paragraphs.
        paragraphs: usize,
    },
    /// Something went wrong and was worked around (also recorded in the manifest).
    Warning(&'a str),
}

/// What a finished run leaves for its caller to summarise.
pub struct RunSummary {
    /// As written to `manifest.json`.
    pub manifest: Manifest,
    /// Labels and outlet totals; per-article counts went to `articles.csv` as the run streamed and are not kept.
    pub aggregates: Aggregates,
    /// The files written, `manifest.json` last.
    pub files: Vec<PathBuf>,
    /// The three most common kinds of reject reason with their counts (see [`top_reject_reasons`]).
    pub top_rejects: Vec<(String, usize)>,
}

pub use crate::export::tables::{ARTICLES, MANIFEST, OUTLETS, PARAGRAPHS, REJECTS};

/// One document's paragraphs, with each body paragraph's sentence ranges, and its corpus position.
struct Segmented {
    seq: u64,
    doc: Document,
    paragraphs: Vec<Paragraph>,
    sentences: Vec<Vec<(usize, usize)>>,
}

/// A batch from the ingest thread: segmented documents and the rejects met while reading them.
#[derive(Default)]
struct Batch {
    docs: Vec<Segmented>,
    rejects: Vec<RejectRow>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> RunError + '_ {
    move |source| RunError::Io { path: path.to_path_buf(), source }
}

/// Runs `opts` with `embedder` (the real, cache-fronted [`crate::encode::cached::Embedder`], or a fake in
/// tests).
pub fn run(opts: &RunOptions, embedder: &mut dyn Embed, events: &mut dyn FnMut(Event)) -> Result<RunSummary, RunError> {
    run_then(opts, embedder, &mut |_| Ok(Vec::new()), events)
}

/// Writes the files that follow a run's tables into its folder (the comparison, workbook and report) and
/// returns their paths; `Err(())` when that failed, the caller keeping the reason.
pub type AfterTables<'a> = dyn FnMut(&Path) -> Result<Vec<PathBuf>, ()> + 'a;

/// [`run`], then `after_tables` on the output folder, so that the manifest's hashes cover the files it
/// writes too. Those files are made from the run's tables and manifest (the comparison takes its frame
/// order from `manifest.json`, the workbook and report show it), so the manifest is written first as
/// before, and written again with their sha256 added once they exist.
pub fn run_then(
    opts: &RunOptions,
    embedder: &mut dyn Embed,
    after_tables: &mut AfterTables,
    events: &mut dyn FnMut(Event),
) -> Result<RunSummary, RunError> {
    let t_start = Instant::now();
    let mut timings: BTreeMap<String, f64> = BTreeMap::new();
    let add_time = |name: &str, t: Instant, timings: &mut BTreeMap<String, f64>| {
        *timings.entry(name.to_string()).or_default() += t.elapsed().as_secs_f64();
    };

    // Codebook errors stop the run before any work.
    let cb = codebook::load(&opts.codebook)?;
    // So does a field mapping that fits none of the first records, before anything is created.
    let input_warnings = corpus::check_fields(&opts.corpus, opts.format, &opts.fields)?;
    let corpus_fingerprint = corpus::fingerprint(&opts.corpus, opts.format)?;

    for w in embedder.warnings().iter().chain(&input_warnings) {
        events(Event::Warning(w));
    }
    let t = Instant::now();
    let (classifier, heads) = classify::build_classifier(
        &cb,
        embedder,
        &opts.classify,
        opts.head.as_deref(),
        opts.stance_head.as_deref(),
        &crate::train::stance_pair::PriorRefit,
    )?;
    add_time("encode", t, &mut timings);
    let frame_ids: Vec<String> = cb.codebook.frames.iter().map(|f| f.id.clone()).collect();
    let labels = labels_with_other(&frame_ids);
    let stance_scored = !cb.codebook.stance_targets.is_empty();

    if let Some(n) = corpus::count_documents(&opts.corpus, opts.format) {
        events(Event::DocumentsTotal(opts.shard.map_or(n, |s| n.div_ceil(s.count as usize))));
    }

    // The output folder is touched only now, so that a model or head error leaves it as it was.
    let out_dir = OutDir::create(&opts.out).map_err(io_err(&opts.out))?;
    let manifest_path = opts.out.join(MANIFEST);
    let previous_manifest = std::fs::read(&manifest_path).ok();
    match std::fs::remove_file(&manifest_path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_err(&manifest_path)(e)),
        _ => {}
    }
    let out = &opts.out;
    let mut paragraphs =
        CsvSink::create(&out.join(PARAGRAPHS), &tables::paragraph_header(&frame_ids, opts.scores, stance_scored))
            .map_err(io_err(&out.join(PARAGRAPHS)))?;
    let mut articles =
        CsvSink::create(&out.join(ARTICLES), &tables::article_header(&labels)).map_err(io_err(&out.join(ARTICLES)))?;
    let mut outlets = OutletTotals::new(labels.len());
    let mut rejects: Vec<RejectRow> = Vec::new();
    let mut counts = Counts::default();

    let (tx, rx) = mpsc::sync_channel::<Batch>(2);
    let batch_docs = opts.batch_docs.max(1);
    let use_sentences = opts.classify.sentence_weight > 0.0;
    let ingest_result = std::thread::scope(|s| -> Result<Result<IngestTimes, RunError>, RunError> {
        let reader = s.spawn(|| ingest(opts, batch_docs, tx));
        for batch in rx {
            let t = Instant::now();
            rejects.extend(batch.rejects);
            let n_docs = batch.docs.len();
            let (records, encode_secs) = label_batch(&batch.docs, &classifier, embedder, use_sentences)?;
            *timings.entry("encode".into()).or_default() += encode_secs;
            *timings.entry("classify".into()).or_default() += t.elapsed().as_secs_f64() - encode_secs;
            let t = Instant::now();
            let seqs: HashMap<&str, u64> = batch.docs.iter().map(|d| (d.doc.id.as_str(), d.seq)).collect();
            let agg = aggregate_with_seq(&frame_ids, &records, |id| seqs.get(id).copied().unwrap_or(0));
            add_time("aggregate", t, &mut timings);
            let t = Instant::now();
            for r in &records {
                paragraphs
                    .row(&tables::paragraph_row(r, frame_ids.len(), opts.scores, stance_scored, opts.spreadsheet_safe))
                    .map_err(io_err(&out.join(PARAGRAPHS)))?;
                *counts.paragraphs_mut(r.kind) += 1;
            }
            for a in &agg.articles {
                articles.row(&tables::article_row(a, &labels)).map_err(io_err(&out.join(ARTICLES)))?;
                outlets.add(a);
            }
            counts.documents += n_docs as u64;
            add_time("export", t, &mut timings);
            let body = records.iter().filter(|r| r.is_body()).count();
            events(Event::Done { documents: n_docs, paragraphs: body });
        }
        Ok(match reader.join() {
            Ok(read) => read.map_err(RunError::from),
            Err(panic) => Err(RunError::IngestPanicked { message: panic_message(panic.as_ref()) }),
        })
    })?;
    let ingest_times = match ingest_result {
        Ok(t) if t.documents > 0 || counts.documents > 0 => t,
        outcome => {
            undo_outputs([paragraphs, articles], previous_manifest.as_deref(), &manifest_path, &out_dir)?;
            return Err(match outcome {
                Err(e) => e,
                Ok(_) => RunError::NothingRead { rejects: rejects.len(), reasons: top_reject_reasons(&rejects, 3) },
            });
        }
    };
    timings.insert("ingest".into(), ingest_times.ingest);
    timings.insert("segment".into(), ingest_times.segment);

    events(Event::Stage("export"));
    let t = Instant::now();
    rejects.sort();
    let outlet_rows = outlets.finish();
    let (mut files, outputs) = tables::finish_run_tables(out, [paragraphs, articles], &labels, &outlet_rows, &rejects)
        .map_err(|e| RunError::Io { path: e.path, source: e.source })?;
    add_time("export", t, &mut timings);
    timings.insert("total".into(), t_start.elapsed().as_secs_f64());

    counts.rejects = rejects.len() as u64;
    counts.peak_rss_mb = crate::memory::peak_rss_mb() as u64;
    counts.texts_requested = embedder.counters().requested;
    counts.texts_cached = embedder.counters().cache_hits;
    counts.texts_encoded = embedder.counters().encoded;
    let mut manifest = build_manifest(opts, &cb, embedder, counts, timings, outputs);
    manifest.heads = heads;
    manifest.corpus_fingerprint = Some(corpus_fingerprint);
    manifest.warnings.extend(input_warnings);
    manifest.write(&manifest_path).map_err(io_err(&manifest_path))?;
    let after = after_tables(out).map_err(|()| RunError::AfterTables)?;
    if !after.is_empty() {
        for f in &after {
            let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            manifest.outputs.insert(name, tables::file_sha256(f).map_err(io_err(f))?);
        }
        manifest.write(&manifest_path).map_err(io_err(&manifest_path))?;
    }
    files.push(manifest_path);
    let top_rejects = top_reject_reasons(&rejects, 3);
    Ok(RunSummary {
        manifest,
        aggregates: Aggregates { labels, articles: Vec::new(), outlets: outlet_rows },
        files,
        top_rejects,
    })
}

/// Leaves the output folder as a run that read nothing found it: its `.part` files deleted, a previous run's
/// manifest put back, the folders it created removed.
fn undo_outputs(
    sinks: [CsvSink; 2],
    previous_manifest: Option<&[u8]>,
    manifest_path: &Path,
    out_dir: &OutDir,
) -> Result<(), RunError> {
    for sink in sinks {
        // A .part file that cannot be deleted is harmless: the next run overwrites it.
        let _ = sink.discard();
    }
    if let Some(bytes) = previous_manifest {
        crate::atomic::write_atomic(manifest_path, bytes).map_err(io_err(manifest_path))?;
    }
    out_dir.remove_created();
    Ok(())
}

/// Seconds the ingest thread spent reading and segmenting (overlapped with encoding, so they add to wall
/// time only when the encoder waits for them).
#[derive(Default)]
struct IngestTimes {
    ingest: f64,
    segment: f64,
    /// Documents read, in every shard: none means the run has nothing to show.
    documents: u64,
}

/// Reads, filters (shard) and segments documents in batches, on the ingest thread.
fn ingest(opts: &RunOptions, batch_docs: usize, tx: mpsc::SyncSender<Batch>) -> Result<IngestTimes, CorpusError> {
    let mut times = IngestTimes::default();
    let mut t_read = Instant::now();
    let mut batch = Batch::default();
    let mut seq = 0u64;
    let mut closed = false;
    let flush = |batch: &mut Batch, closed: &mut bool, times: &mut IngestTimes, t_read: &mut Instant| {
        times.ingest += t_read.elapsed().as_secs_f64();
        let t = Instant::now();
        let full = std::mem::take(batch);
        let docs: Vec<Segmented> = full.docs.into_par_iter().map(segment_doc).collect();
        times.segment += t.elapsed().as_secs_f64();
        if !*closed && tx.send(Batch { docs, rejects: full.rejects }).is_err() {
            *closed = true;
        }
        *t_read = Instant::now();
    };
    corpus::stream_corpus(&opts.corpus, opts.format, &opts.fields, &mut |item| {
        match item {
            Item::Document(doc) => {
                #[cfg(test)]
                tests::panic_on(&doc.id);
                let s = seq;
                seq += 1;
                if opts.shard.is_none_or(|sh| sh.owns(&doc.id)) {
                    batch.docs.push(Segmented { seq: s, doc, paragraphs: Vec::new(), sentences: Vec::new() });
                    if batch.docs.len() >= batch_docs {
                        flush(&mut batch, &mut closed, &mut times, &mut t_read);
                    }
                }
            }
            Item::Reject(r) => {
                // A reject belongs to the shard of its document id; rejects without one go to shard 0.
                let owned = match (&opts.shard, &r.doc_id) {
                    (None, _) => true,
                    (Some(sh), Some(id)) => sh.owns(id),
                    (Some(sh), None) => sh.index == 0,
                };
                if owned {
                    batch.rejects.push(RejectRow {
                        file: r.file.display().to_string(),
                        line: r.line,
                        doc_id: r.doc_id.clone().unwrap_or_default(),
                        para_index: r.para_index,
                        reason: r.reason.clone(),
                    });
                }
            }
        }
        // The run stopped taking batches (an encoder error): read no further.
        if closed {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    if !batch.docs.is_empty() || !batch.rejects.is_empty() {
        flush(&mut batch, &mut closed, &mut times, &mut t_read);
    }
    times.documents = seq;
    Ok(times)
}

/// The message a panic carried (`panic!` with a literal or a formatted string), for the run's error.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(s), _) => (*s).to_string(),
        (_, Some(s)) => s.clone(),
        _ => "(no message)".to_string(),
    }
}

fn segment_doc(mut d: Segmented) -> Segmented {
    d.paragraphs = segment::segment(&d.doc.text);
    d.sentences = d
        .paragraphs
        .iter()
        .map(|p| if p.kind == Kind::Body { segment::sentences(&p.text) } else { Vec::new() })
        .collect();
    d
}

/// Labels a batch's body paragraphs ([`classify::label`]) and makes every paragraph's record; returns the
/// records and the seconds spent embedding.
fn label_batch(
    docs: &[Segmented],
    classifier: &Classifier,
    embedder: &mut dyn Embed,
    use_sentences: bool,
) -> Result<(Vec<ParagraphRecord>, f64), RunError> {
    let mut inputs: Vec<LabelInput> = Vec::new();
    let mut body: HashMap<(usize, usize), usize> = HashMap::new();
    for (di, d) in docs.iter().enumerate() {
        for (pi, (p, sents)) in d.paragraphs.iter().zip(&d.sentences).enumerate() {
            if p.kind == Kind::Body {
                body.insert((di, pi), inputs.len());
                inputs.push(LabelInput { text: &p.text, sentences: sents, article: di });
            }
        }
    }
    let labelled = classify::label(&inputs, classifier, embedder, use_sentences, &mut |_| {})?;
    let mut records = Vec::new();
    for (di, d) in docs.iter().enumerate() {
        let langs = segment::article_languages(d.paragraphs.iter().map(|p| p.text.as_str()));
        for (pi, (p, lang)) in d.paragraphs.iter().zip(langs).enumerate() {
            let k = body.get(&(di, pi)).copied();
            let label = k.map(|k| (&labelled.frames[k], labelled.stances.as_ref().map(|s| &s[k])));
            let (n_tokens, windows) = k.map_or((0, 0), |k| (labelled.n_tokens[k], labelled.windows[k]));
            records.push(record(&d.doc, p, lang, n_tokens, windows, label));
        }
    }
    Ok((records, labelled.encode_secs))
}

fn record(
    doc: &Document,
    p: &Paragraph,
    lang: &str,
    n_tokens: usize,
    windows: usize,
    label: Option<(&FrameLabel, Option<&StanceLabel>)>,
) -> ParagraphRecord {
    let mut r = ParagraphRecord {
        doc_id: doc.id.clone(),
        outlet: doc.outlet.clone(),
        published: doc.published.clone().unwrap_or_default(),
        title: doc.title.clone().unwrap_or_default(),
        section: p.section.clone().unwrap_or_default(),
        para_index: p.para_index,
        kind: p.kind,
        char_start: p.char_start,
        char_end: p.char_end,
        n_tokens,
        windows,
        text: p.text.clone(),
        lang: lang.to_string(),
        ..ParagraphRecord::default()
    };
    if let Some((f, s)) = label {
        r.frame = f.frame.clone();
        r.frame_score = Some(f.score);
        r.frame_margin = Some(f.margin);
        r.relevance = f.relevance;
        r.uncertain = Some(f.uncertain);
        r.frames = f.frames.join(";");
        r.scores = f.probs.clone();
        let mut cues: Vec<&str> = f.cues.iter().map(String::as_str).collect();
        if let Some((s, stance)) = s.and_then(|s| Some((s, Stance::parse(s.stance)?))) {
            r.stance = Some(stance);
            r.stance_score = Some(s.score);
            r.stance_probs = Some(s.probs);
            cues.extend(s.cues.iter().map(String::as_str));
        }
        r.evidence = match (cues.is_empty(), f.evidence.is_empty()) {
            (true, _) => f.evidence.clone(),
            (false, true) => format!("[cues: {}]", cues.join("; ")),
            (false, false) => format!("{} [cues: {}]", f.evidence, cues.join("; ")),
        };
    }
    r
}

fn build_manifest(
    opts: &RunOptions,
    cb: &LoadedCodebook,
    embedder: &dyn Embed,
    counts: Counts,
    timings: BTreeMap<String, f64>,
    outputs: BTreeMap<String, String>,
) -> Manifest {
    let m = embedder.manifest();
    Manifest {
        framelens_version: env!("CARGO_PKG_VERSION").to_string(),
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        corpus: opts.corpus.display().to_string(),
        corpus_fingerprint: None,
        model: manifest::ModelInfo {
            id: m.id.clone(),
            source: m.source.clone(),
            weights_sha256: m.weights_sha256.clone(),
            precision: embedder.precision().label(),
            precision_reason: embedder.precision().reason.clone(),
        },
        codebook: manifest::CodebookInfo {
            path: cb.path.display().to_string(),
            sha256: cb.sha256.clone(),
            name: cb.codebook.name.clone(),
            version: cb.codebook.version.clone(),
            frames: cb.codebook.frames.iter().map(|f| f.id.clone()).collect(),
            stance_target: cb.codebook.stance_targets.first().map(|t| t.id.clone()),
            cues: manifest::CodebookCues::of(&cb.codebook),
        },
        options: serde_json::json!({
            "format": opts.format,
            "fields": opts.fields,
            "encode": opts.encode,
            "classify": opts.classify,
            "scores": opts.scores,
            crate::export::spreadsheet_safe::MANIFEST_OPTION: opts.spreadsheet_safe,
            "cache": opts.cache.as_ref().map(|p| p.display().to_string()),
            "batch_docs": opts.batch_docs,
            "head": opts.head.as_ref().map(|p| p.display().to_string()),
            "stance_head": opts.stance_head.as_ref().map(|p| p.display().to_string()),
        }),
        shard: opts.shard.map(|s| s.to_string()),
        counts,
        timings,
        encode: serde_json::to_value(embedder.counters()).unwrap_or_default(),
        merged_from: Vec::new(),
        warnings: embedder.warnings().to_vec(),
        outputs,
        heads: Vec::new(),
    }
}

/// Where a run's outputs are, for callers that only know the folder.
pub fn output_files(out: &Path) -> [PathBuf; 5] {
    [PARAGRAPHS, ARTICLES, OUTLETS, REJECTS, MANIFEST].map(|f| out.join(f))
}

#[cfg(test)]
pub(crate) mod tests {
    //! The pipeline, merge and compare over a tiny corpus with the fake embedder: milliseconds, no model.

    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::encode::embed::fake::FakeEmbedder;

    /// Ingest panics on a document whose id contains this (a test of panic propagation).
    const PANIC_ID: &str = "framelens-test-panic";
    /// Documents read whose id starts with this (a test that ingest stops after an encoder error).
    const COUNTED_ID: &str = "stop-check";
    static COUNTED: AtomicUsize = AtomicUsize::new(0);

    /// Called by `ingest` for every document read.
    pub(super) fn panic_on(id: &str) {
        assert!(!id.contains(PANIC_ID), "test: ingest panics on {id}");
        if id.starts_with(COUNTED_ID) {
            COUNTED.fetch_add(1, Ordering::SeqCst);
        }
    }

    const ARTICLE: &str = "# Raid on the {outlet} compound\n\n\
        Police officers raided the compound at dawn and arrested {n} suspects accused of running an online \
        fraud operation. The ministry said the crackdown would continue.\n\n\
        Critics said the spectacle of the arrests was staged for cameras, while victims trafficked into the \
        compound still wait for help. Rights groups asked for protection of the workers.\n\n\
        The governments of both countries agreed to cooperate on extradition. Officials met on Tuesday.\n";

    /// A folder corpus: `outlets` sub-folders of `per_outlet` articles each, plus `extra` files at the root.
    fn corpus(dir: &Path, outlets: &[&str], per_outlet: usize, extra: &[&str]) -> PathBuf {
        let root = dir.join("corpus");
        for o in outlets {
            std::fs::create_dir_all(root.join(o)).unwrap();
            for n in 0..per_outlet {
                let text = ARTICLE.replace("{outlet}", o).replace("{n}", &(n + 2).to_string());
                std::fs::write(root.join(o).join(format!("2025-0{}-1{n}-article-{n}.md", 1 + n % 3)), text).unwrap();
            }
        }
        for name in extra {
            std::fs::create_dir_all(&root).unwrap();
            std::fs::write(root.join(name), ARTICLE.replace("{outlet}", "x").replace("{n}", "1")).unwrap();
        }
        root
    }

    fn options(corpus: &Path, out: &Path) -> RunOptions {
        RunOptions {
            corpus: corpus.to_path_buf(),
            format: Format::Auto,
            fields: Fields::default(),
            codebook: Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
                .join("models/codebooks/enforcement-discourse.toml"),
            out: out.to_path_buf(),
            encode: EncodeOptions::default(),
            // Every paragraph on topic, so that the comparison has something to compare.
            classify: ClassifyOptions { relevance_threshold: Some(-2.0), ..ClassifyOptions::default() },
            scores: true,
            spreadsheet_safe: false,
            cache: None,
            shard: None,
            batch_docs: 2,
            head: None,
            stance_head: None,
        }
    }

    fn run_fake(opts: &RunOptions) -> Result<RunSummary, RunError> {
        run(opts, &mut FakeEmbedder::new(), &mut |_| {})
    }

    const TABLES: [&str; 4] = [PARAGRAPHS, ARTICLES, OUTLETS, REJECTS];

    #[test]
    fn runs_a_tiny_corpus_with_a_fake_embedder() {
        let tmp = tempfile::tempdir().unwrap();
        let c = corpus(tmp.path(), &["alpha", "beta"], 3, &[]);
        let out = tmp.path().join("out");
        let s = run_fake(&options(&c, &out)).unwrap();
        assert_eq!(s.manifest.counts.documents, 6);
        assert!(s.manifest.counts.paragraphs_body >= 18, "{:?}", s.manifest.counts);
        assert_eq!(s.manifest.model.id, "fake-hashing");
        for (name, sha) in &s.manifest.outputs {
            assert_eq!(&tables::file_sha256(&out.join(name)).unwrap(), sha, "{name}");
        }
        let paragraphs = std::fs::read_to_string(out.join(PARAGRAPHS)).unwrap();
        assert!(paragraphs.lines().count() > 18);
        // The same corpus gives the same bytes.
        let again = tmp.path().join("again");
        run_fake(&options(&c, &again)).unwrap();
        for t in TABLES {
            assert_eq!(std::fs::read(out.join(t)).unwrap(), std::fs::read(again.join(t)).unwrap(), "{t}");
        }
    }

    #[test]
    fn a_paragraph_too_short_to_tell_gets_its_articles_language() {
        let tmp = tempfile::tempdir().unwrap();
        let c = corpus(tmp.path(), &["alpha"], 1, &[]);
        let out = tmp.path().join("out");
        run_fake(&options(&c, &out)).unwrap();
        let mut rdr = csv::Reader::from_path(out.join(PARAGRAPHS)).unwrap();
        let rows: Vec<ParagraphRecord> = rdr.deserialize().map(Result::unwrap).collect();
        let alone: Vec<&str> = rows
            .iter()
            .filter(|r| segment::language(&r.text) == segment::UNDETERMINED)
            .map(|r| r.text.as_str())
            .collect();
        assert!(!alone.is_empty(), "the tiny article has a paragraph whatlang cannot tell on its own");
        assert!(
            rows.iter().all(|r| r.lang == "en"),
            "{:?}",
            rows.iter().map(|r| (&r.text, &r.lang)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn merging_two_shard_runs_gives_the_unsharded_run() {
        let tmp = tempfile::tempdir().unwrap();
        let c = corpus(tmp.path(), &["alpha", "beta", "gamma"], 4, &[]);
        let full = tmp.path().join("full");
        run_fake(&options(&c, &full)).unwrap();
        let mut shards = Vec::new();
        for k in 0..2u32 {
            let out = tmp.path().join(format!("shard{k}"));
            let mut o = options(&c, &out);
            o.shard = Some(format!("{k}/2").parse().unwrap());
            run_fake(&o).unwrap();
            shards.push(out);
        }
        let merged = tmp.path().join("merged");
        crate::export::merge::merge(&shards, &merged, false).unwrap();
        for t in TABLES {
            assert_eq!(std::fs::read(full.join(t)).unwrap(), std::fs::read(merged.join(t)).unwrap(), "{t}");
        }
    }

    #[test]
    fn compares_the_outlets_of_a_run() {
        let tmp = tempfile::tempdir().unwrap();
        let c = corpus(tmp.path(), &["alpha", "beta"], 3, &[]);
        let out = tmp.path().join("out");
        run_fake(&options(&c, &out)).unwrap();
        let opts = crate::compare::CompareOptions { resamples: 50, ..Default::default() };
        let cmp = crate::compare::compare(&out, &opts).unwrap();
        let files = crate::compare::write(&out, &cmp).unwrap();
        assert!(files.path(crate::export::run_tables::COMPARISON_CSV).is_file());
        let rows = std::fs::read_to_string(files.path(crate::export::run_tables::COMPARISON_CSV)).unwrap();
        assert!(rows.contains("alpha") && rows.contains("beta"), "{rows}");
    }

    #[test]
    fn the_manifest_covers_the_files_written_after_the_tables() {
        let tmp = tempfile::tempdir().unwrap();
        let c = corpus(tmp.path(), &["alpha"], 2, &[]);
        let out = tmp.path().join("out");
        let mut after = |dir: &Path| -> Result<Vec<PathBuf>, ()> {
            // What the CLI's comparison does: read the run's manifest and tables, write beside them.
            assert!(dir.join(MANIFEST).is_file());
            let p = dir.join("comparison.csv");
            std::fs::write(&p, "group\nalpha\n").unwrap();
            Ok(vec![p])
        };
        let s = run_then(&options(&c, &out), &mut FakeEmbedder::new(), &mut after, &mut |_| {}).unwrap();
        let written: Manifest = serde_json::from_slice(&std::fs::read(out.join(MANIFEST)).unwrap()).unwrap();
        assert_eq!(written.outputs, s.manifest.outputs);
        assert_eq!(written.outputs["comparison.csv"], tables::file_sha256(&out.join("comparison.csv")).unwrap());
        assert!(written.outputs.contains_key(PARAGRAPHS));
        // A failure there fails the run.
        let err = run_then(&options(&c, &out), &mut FakeEmbedder::new(), &mut |_| Err(()), &mut |_| {});
        assert!(matches!(err, Err(RunError::AfterTables)));
    }

    #[test]
    fn a_panicking_ingest_thread_fails_the_run_and_leaves_no_outputs() {
        let tmp = tempfile::tempdir().unwrap();
        let c = corpus(tmp.path(), &["alpha"], 3, &[&format!("zz-{PANIC_ID}.txt")]);
        let out = tmp.path().join("out");
        let err = run_fake(&options(&c, &out)).err().expect("the run must fail");
        assert!(matches!(&err, RunError::IngestPanicked { message } if message.contains(PANIC_ID)), "{err}");
        assert!(!out.exists(), "the run created the folder, so it removes it");
    }

    #[test]
    fn ingest_stops_reading_after_an_encoder_error() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join(COUNTED_ID);
        std::fs::create_dir_all(&root).unwrap();
        for n in 0..200 {
            std::fs::write(root.join(format!("{n:03}.txt")), format!("Article {n} on the raid.\n")).unwrap();
        }
        let mut o = options(tmp.path(), &tmp.path().join("out"));
        o.batch_docs = 1;
        let mut e = FakeEmbedder::new();
        e.fail_after_calls = Some(1); // the codebook's texts embed; the first batch fails
        let err = run(&o, &mut e, &mut |_| {}).err().expect("the run must fail");
        assert!(matches!(err, RunError::Embed(_)), "{err}");
        let read = COUNTED.load(Ordering::SeqCst);
        assert!(read < 20, "ingest read {read} of 200 documents after the encoder failed");
    }
}
