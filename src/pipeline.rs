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
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use ndarray::{Array2, Axis};
use rayon::prelude::*;

use crate::aggregate::{aggregate_with_seq, labels_with_other, Aggregates, OutletTotals};
use crate::classify::{Classifier, ClassifyOptions, FrameLabel, StanceLabel, Unit};
use crate::codebook::{self, CodebookError, LoadedCodebook};
use crate::corpus::{self, CorpusError, Document, Fields, Format, Item};
use crate::encode::cached::{EmbedError, Embedder};
use crate::encode::{EncodeOptions, ModelDir};
use crate::export::rejects::top_reject_reasons;
use crate::export::tables::{self, CsvSink};
use crate::export::{manifest, Manifest, OutDir, RejectRow};
use crate::record::ParagraphRecord;
use crate::segment::{self, Kind, Paragraph};
use crate::shard::Shard;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    #[error(transparent)]
    Codebook(#[from] CodebookError),
    #[error(transparent)]
    Embed(#[from] EmbedError),
    #[error(transparent)]
    Head(#[from] crate::train::apply::HeadUseError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Every record was rejected, so there is nothing to classify; the most common reasons usually name the
    /// cause (a wrong field, a wrong encoding).
    #[error("read no documents: every record was rejected ({rejects} rejects; most common: {})", reason_list(.reasons))]
    NothingRead { rejects: usize, reasons: Vec<(String, usize)> },
}

fn reason_list(reasons: &[(String, usize)]) -> String {
    reasons.iter().map(|(r, n)| format!("{n} × {r}")).collect::<Vec<_>>().join("; ")
}

/// Everything a run needs besides the model.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub corpus: PathBuf,
    pub format: Format,
    pub fields: Fields,
    pub codebook: PathBuf,
    pub out: PathBuf,
    pub encode: EncodeOptions,
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
    Stage(&'a str),
    /// Documents in the corpus, when cheaply known (for an ETA).
    DocumentsTotal(usize),
    /// Documents finished (all stages) since the last event, and their body paragraphs.
    Done {
        documents: usize,
        paragraphs: usize,
    },
    /// Something went wrong and was worked around (also recorded in the manifest).
    Warning(&'a str),
}

/// What a finished run leaves for its caller to summarise.
pub struct RunSummary {
    pub manifest: Manifest,
    pub aggregates: Aggregates,
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

pub fn run(opts: &RunOptions, model: &ModelDir, events: &mut dyn FnMut(Event)) -> Result<RunSummary, RunError> {
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

    let mut embedder = Embedder::new(model, opts.encode.clone(), opts.cache.as_deref())?;
    for w in embedder.warnings.iter().chain(&input_warnings) {
        events(Event::Warning(w));
    }
    let t = Instant::now();
    let mut heads = Vec::new();
    let classifier = zero_shot_classifier(&cb, &mut embedder, opts, &mut heads)?;
    add_time("encode", t, &mut timings);
    let frame_ids: Vec<String> = cb.codebook.frames.iter().map(|f| f.id.clone()).collect();
    let labels = labels_with_other(&frame_ids);

    if let Some(n) = count_documents(&opts.corpus, opts.format) {
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
    let mut paragraphs = CsvSink::create(&out.join(PARAGRAPHS), &tables::paragraph_header(&frame_ids, opts.scores))
        .map_err(io_err(&out.join(PARAGRAPHS)))?;
    let mut articles =
        CsvSink::create(&out.join(ARTICLES), &tables::article_header(&labels)).map_err(io_err(&out.join(ARTICLES)))?;
    let mut outlets = OutletTotals::new(labels.len());
    let mut rejects: Vec<RejectRow> = Vec::new();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();

    let (tx, rx) = mpsc::sync_channel::<Batch>(2);
    let batch_docs = opts.batch_docs.max(1);
    let use_sentences = opts.classify.sentence_weight > 0.0;
    let ingest_result = std::thread::scope(|s| -> Result<Result<IngestTimes, CorpusError>, RunError> {
        let reader = s.spawn(|| ingest(opts, batch_docs, tx));
        for batch in rx {
            let t = Instant::now();
            rejects.extend(batch.rejects);
            let n_docs = batch.docs.len();
            let (records, encode_secs) = label_batch(&batch.docs, &classifier, &mut embedder, use_sentences)?;
            *timings.entry("encode".into()).or_default() += encode_secs;
            *timings.entry("classify".into()).or_default() += t.elapsed().as_secs_f64() - encode_secs;
            let t = Instant::now();
            let seqs: HashMap<&str, u64> = batch.docs.iter().map(|d| (d.doc.id.as_str(), d.seq)).collect();
            let agg = aggregate_with_seq(&frame_ids, &records, |id| seqs.get(id).copied().unwrap_or(0));
            add_time("aggregate", t, &mut timings);
            let t = Instant::now();
            for r in &records {
                paragraphs
                    .row(&tables::paragraph_row(r, frame_ids.len(), opts.scores, opts.spreadsheet_safe))
                    .map_err(io_err(&out.join(PARAGRAPHS)))?;
                *counts.entry(format!("paragraphs_{}", r.kind)).or_default() += 1;
            }
            for a in &agg.articles {
                articles.row(&tables::article_row(a, &labels)).map_err(io_err(&out.join(ARTICLES)))?;
                outlets.add(a);
            }
            *counts.entry("documents".into()).or_default() += n_docs as u64;
            add_time("export", t, &mut timings);
            let body = records.iter().filter(|r| r.is_body()).count();
            events(Event::Done { documents: n_docs, paragraphs: body });
        }
        Ok(reader.join().unwrap_or_else(|_| Ok(IngestTimes::default())))
    })?;
    let ingest_times = match ingest_result {
        Ok(t) if t.documents > 0 || counts.get("documents").is_some_and(|&n| n > 0) => t,
        outcome => {
            undo_outputs([paragraphs, articles], previous_manifest.as_deref(), &manifest_path, &out_dir)?;
            return Err(match outcome {
                Err(e) => e.into(),
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

    counts.insert("rejects".into(), rejects.len() as u64);
    counts.insert("peak_rss_mb".into(), crate::memory::peak_rss_mb() as u64);
    counts.insert("texts_requested".into(), embedder.counters.requested);
    counts.insert("texts_cached".into(), embedder.counters.cache_hits);
    counts.insert("texts_encoded".into(), embedder.counters.encoded);
    for k in ["documents", "paragraphs_body", "paragraphs_heading", "paragraphs_boilerplate"] {
        counts.entry(k.into()).or_default();
    }
    let mut manifest = build_manifest(opts, &cb, &embedder, counts, timings, outputs);
    manifest.heads = heads;
    manifest.corpus_fingerprint = Some(corpus_fingerprint);
    manifest.warnings.extend(input_warnings);
    manifest.write(&manifest_path).map_err(io_err(&manifest_path))?;
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
    corpus::stream_corpus(&opts.corpus, opts.format, &opts.fields, &mut |item| match item {
        Item::Document(doc) => {
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
    })?;
    if !batch.docs.is_empty() || !batch.rejects.is_empty() {
        flush(&mut batch, &mut closed, &mut times, &mut t_read);
    }
    times.documents = seq;
    Ok(times)
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

/// Prototypes from the codebook's texts, embedded with the run's embedder (and cache).
fn zero_shot_classifier(
    cb: &LoadedCodebook,
    embedder: &mut Embedder,
    opts: &RunOptions,
    heads: &mut Vec<crate::train::apply::HeadUse>,
) -> Result<Classifier, RunError> {
    let (classifier, used) = crate::train::apply::build_classifier(
        cb,
        embedder,
        &opts.classify,
        opts.head.as_deref(),
        opts.stance_head.as_deref(),
    )?;
    heads.extend(used);
    Ok(classifier)
}

fn label_batch(
    docs: &[Segmented],
    classifier: &Classifier,
    embedder: &mut Embedder,
    use_sentences: bool,
) -> Result<(Vec<ParagraphRecord>, f64), RunError> {
    // Distinct texts of the batch: body paragraphs and, for sentence scoring, their sentences.
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut texts: Vec<&str> = Vec::new();
    for d in docs {
        for (p, sents) in d.paragraphs.iter().zip(&d.sentences) {
            if p.kind != Kind::Body {
                continue;
            }
            let mut candidates = vec![p.text.as_str()];
            if use_sentences && sents.len() > 1 {
                candidates.extend(sents.iter().map(|&(s, e)| &p.text[s..e]));
            }
            for t in candidates {
                if !index.contains_key(t) {
                    index.insert(t, texts.len());
                    texts.push(t);
                }
            }
        }
    }
    let t = Instant::now();
    let emb = embedder.embed(&texts, &mut |_| {})?;
    let encode_secs = t.elapsed().as_secs_f64();

    let mut body_refs: Vec<(usize, usize)> = Vec::new();
    let mut sentence_mats: Vec<Array2<f32>> = Vec::new();
    for (di, d) in docs.iter().enumerate() {
        for (pi, (p, sents)) in d.paragraphs.iter().zip(&d.sentences).enumerate() {
            if p.kind == Kind::Body {
                let rows: Vec<usize> = if use_sentences && sents.len() > 1 {
                    sents.iter().map(|&(s, e)| index[&p.text[s..e]]).collect()
                } else {
                    Vec::new()
                };
                sentence_mats.push(emb.vectors.select(Axis(0), &rows));
                body_refs.push((di, pi));
            }
        }
    }
    let units: Vec<Unit> = body_refs
        .iter()
        .zip(&sentence_mats)
        .map(|(&(di, pi), sm)| {
            let p = &docs[di].paragraphs[pi];
            Unit {
                text: &p.text,
                embedding: emb.vectors.row(index[p.text.as_str()]),
                sentences: &docs[di].sentences[pi],
                sentence_embeddings: sm.view(),
                article: di,
            }
        })
        .collect();
    let (frames, stances) = classifier.classify(&units);
    let labels: HashMap<(usize, usize), usize> = body_refs.iter().enumerate().map(|(k, key)| (*key, k)).collect();
    let mut records = Vec::new();
    for (di, d) in docs.iter().enumerate() {
        for (pi, p) in d.paragraphs.iter().enumerate() {
            let label = labels.get(&(di, pi)).map(|&k| (&frames[k], stances.as_ref().map(|s| &s[k])));
            let (n_tokens, windows) = match label {
                Some(_) => {
                    let row = index[p.text.as_str()];
                    (emb.n_tokens[row], emb.windows[row])
                }
                None => (0, 0),
            };
            records.push(record(&d.doc, p, n_tokens, windows, label));
        }
    }
    Ok((records, encode_secs))
}

fn record(
    doc: &Document,
    p: &Paragraph,
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
        kind: p.kind.as_str().to_string(),
        char_start: p.char_start,
        char_end: p.char_end,
        n_tokens,
        windows,
        relevance: None,
        frame: String::new(),
        frame_score: None,
        frame_margin: None,
        frames: String::new(),
        stance: String::new(),
        stance_score: None,
        uncertain: None,
        evidence: String::new(),
        text: p.text.clone(),
        scores: Vec::new(),
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
        if let Some(s) = s.filter(|s| !s.stance.is_empty()) {
            r.stance = s.stance.to_string();
            r.stance_score = Some(s.score);
            cues.extend(s.cues.iter().map(String::as_str));
        }
        r.evidence =
            if cues.is_empty() { f.evidence.clone() } else { format!("{} [cues: {}]", f.evidence, cues.join("; ")) };
    }
    r
}

/// Documents in a corpus, counted cheaply for the progress bar's ETA (files in a folder, non-blank lines
/// of JSON Lines, records of a CSV); None when counting would cost real work.
fn count_documents(path: &Path, format: Format) -> Option<usize> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if path.is_dir() {
        let mut n = 0;
        let mut stack = vec![path.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).ok()?.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    let e = e.to_ascii_lowercase();
                    e == "txt" || e == "md"
                }) {
                    n += 1;
                }
            }
        }
        return Some(n);
    }
    let jsonl = format == Format::Jsonl || (format == Format::Auto && (ext == "jsonl" || ext == "ndjson"));
    let csv = format == Format::Csv || (format == Format::Auto && ext == "csv");
    if jsonl {
        use std::io::BufRead;
        let f = std::io::BufReader::new(std::fs::File::open(path).ok()?);
        return Some(
            f.split(b'\n').filter_map(Result::ok).filter(|l| l.iter().any(|b| !b.is_ascii_whitespace())).count(),
        );
    }
    if csv {
        let mut r = csv::ReaderBuilder::new().flexible(true).from_path(path).ok()?;
        let mut rec = csv::ByteRecord::new();
        let mut n = 0;
        while r.read_byte_record(&mut rec).ok()? {
            n += 1;
        }
        return Some(n);
    }
    None
}

fn build_manifest(
    opts: &RunOptions,
    cb: &LoadedCodebook,
    embedder: &Embedder,
    counts: BTreeMap<String, u64>,
    timings: BTreeMap<String, f64>,
    outputs: BTreeMap<String, String>,
) -> Manifest {
    let m = &embedder.model().manifest;
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
        counts: crate::run::counts::Counts::from_keyed(&counts),
        timings,
        encode: serde_json::to_value(&embedder.counters).unwrap_or_default(),
        merged_from: Vec::new(),
        warnings: embedder.warnings.clone(),
        outputs,
        heads: Vec::new(),
    }
}

/// Where a run's outputs are, for callers that only know the folder.
pub fn output_files(out: &Path) -> [PathBuf; 5] {
    [PARAGRAPHS, ARTICLES, OUTLETS, REJECTS, MANIFEST].map(|f| out.join(f))
}
