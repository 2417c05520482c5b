//! `framelens run`: wires the stages (ingest → segment → encode → classify → aggregate → export) into one
//! run over a corpus. The stages know nothing of each other beyond their input types; this module is the
//! only place that knows all of them.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use ndarray::{Array2, Axis};
use rayon::prelude::*;

use crate::aggregate::{aggregate, Aggregates};
use crate::classify::{zeroshot::ZeroShotTexts, Classifier, ClassifyOptions, Unit};
use crate::codebook::{self, CodebookError, LoadedCodebook};
use crate::corpus::{self, CorpusError, Document, Fields, Format};
use crate::encode::{EncodeError, EncodeOptions, Encoder, ModelDir};
use crate::export::{self, manifest, Manifest, RejectRow};
use crate::record::ParagraphRecord;
use crate::segment::{self, Kind, Paragraph};

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    #[error(transparent)]
    Codebook(#[from] CodebookError),
    #[error(transparent)]
    Encode(#[from] EncodeError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
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
}

/// What a run reports while it works (for progress bars); the library never prints.
pub enum Event<'a> {
    Stage(&'a str),
    /// Texts to encode, once known.
    EncodeTotal(usize),
    Encoded(usize),
}

/// What a finished run leaves for its caller to summarise.
pub struct RunSummary {
    pub manifest: Manifest,
    pub aggregates: Aggregates,
    pub files: Vec<PathBuf>,
}

/// Output file names inside `--out`.
pub const PARAGRAPHS: &str = "paragraphs.csv";
pub const ARTICLES: &str = "articles.csv";
pub const OUTLETS: &str = "outlets.csv";
pub const REJECTS: &str = "rejects.csv";
pub const MANIFEST: &str = "manifest.json";

/// One document's paragraphs, with each body paragraph's sentence ranges.
struct Segmented {
    doc: Document,
    paragraphs: Vec<Paragraph>,
    sentences: Vec<Vec<(usize, usize)>>,
}

pub fn run(
    opts: &RunOptions,
    model: &ModelDir,
    events: &mut dyn FnMut(Event),
) -> Result<RunSummary, RunError> {
    let t_start = Instant::now();
    let mut timings = BTreeMap::new();
    let mut lap = {
        let mut t = Instant::now();
        move |name: &str, timings: &mut BTreeMap<String, f64>| {
            timings.insert(name.to_string(), t.elapsed().as_secs_f64());
            t = Instant::now();
        }
    };

    // Codebook errors stop the run before any work.
    let cb = codebook::load(&opts.codebook)?;
    std::fs::create_dir_all(&opts.out).map_err(|source| RunError::Io {
        path: opts.out.clone(),
        source,
    })?;

    events(Event::Stage("ingest"));
    let corpus = corpus::read_corpus(&opts.corpus, opts.format, &opts.fields)?;
    lap("ingest", &mut timings);

    events(Event::Stage("segment"));
    let docs: Vec<Segmented> = corpus
        .documents
        .into_par_iter()
        .map(|doc| {
            let paragraphs = segment::segment(&doc.text);
            let sentences = paragraphs
                .iter()
                .map(|p| {
                    if p.kind == Kind::Body {
                        segment::sentences(&p.text)
                    } else {
                        Vec::new()
                    }
                })
                .collect();
            Segmented {
                doc,
                paragraphs,
                sentences,
            }
        })
        .collect();
    lap("segment", &mut timings);

    events(Event::Stage("encode"));
    let use_sentences = opts.classify.sentence_weight > 0.0;
    let zs = ZeroShotTexts::new(&cb.codebook);
    let mut texts = TextTable::default();
    for t in &zs.texts {
        texts.add(t);
    }
    for d in &docs {
        for (p, sents) in d.paragraphs.iter().zip(&d.sentences) {
            if p.kind == Kind::Body {
                texts.add(&p.text);
                if use_sentences && sents.len() > 1 {
                    for &(s, e) in sents {
                        texts.add(&p.text[s..e]);
                    }
                }
            }
        }
    }
    events(Event::EncodeTotal(texts.list.len()));
    let mut encoder = Encoder::open(model, opts.encode.clone())?;
    let refs: Vec<&str> = texts.list.iter().map(String::as_str).collect();
    let encoded = encoder.encode(&refs, &mut |n| events(Event::Encoded(n)))?;
    lap("encode", &mut timings);

    events(Event::Stage("classify"));
    let zs_rows: Vec<usize> = zs.texts.iter().map(|t| texts.index[t.as_str()]).collect();
    let (frame_scorer, stance_scorer) = zs.build(&encoded.vectors.select(Axis(0), &zs_rows));
    let classifier = Classifier::new(
        &cb.codebook,
        Box::new(frame_scorer),
        stance_scorer.map(|s| Box::new(s) as Box<dyn crate::classify::scorer::Scorer>),
        opts.classify.clone(),
    );
    let mut sentence_mats: Vec<Array2<f32>> = Vec::new();
    let mut body_refs: Vec<(usize, usize)> = Vec::new();
    for (di, d) in docs.iter().enumerate() {
        for (pi, (p, sents)) in d.paragraphs.iter().zip(&d.sentences).enumerate() {
            if p.kind == Kind::Body {
                let rows: Vec<usize> = if use_sentences && sents.len() > 1 {
                    sents
                        .iter()
                        .map(|&(s, e)| texts.index[&p.text[s..e]])
                        .collect()
                } else {
                    Vec::new()
                };
                sentence_mats.push(encoded.vectors.select(Axis(0), &rows));
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
                embedding: encoded.vectors.row(texts.index[p.text.as_str()]),
                sentences: &docs[di].sentences[pi],
                sentence_embeddings: sm.view(),
            }
        })
        .collect();
    let (frames, stances) = classifier.classify(&units);
    drop(units);
    let mut labels: HashMap<(usize, usize), usize> = HashMap::new();
    for (k, key) in body_refs.iter().enumerate() {
        labels.insert(*key, k);
    }
    let mut records = Vec::new();
    for (di, d) in docs.iter().enumerate() {
        for (pi, p) in d.paragraphs.iter().enumerate() {
            let label = labels
                .get(&(di, pi))
                .map(|&k| (&frames[k], stances.as_ref().map(|s| &s[k])));
            let (n_tokens, windows) = if p.kind == Kind::Body {
                let row = texts.index[p.text.as_str()];
                (encoded.n_tokens[row], encoded.windows[row])
            } else {
                (0, 0)
            };
            records.push(record(&d.doc, p, n_tokens, windows, label));
        }
    }
    lap("classify", &mut timings);

    events(Event::Stage("aggregate"));
    let frame_ids: Vec<String> = cb.codebook.frames.iter().map(|f| f.id.clone()).collect();
    let aggregates = aggregate(&frame_ids, &records);
    lap("aggregate", &mut timings);

    events(Event::Stage("export"));
    let rejects: Vec<RejectRow> = corpus
        .rejects
        .iter()
        .map(|r| RejectRow {
            file: r.file.display().to_string(),
            line: r.line,
            doc_id: r.doc_id.clone().unwrap_or_default(),
            para_index: r.para_index,
            reason: r.reason.clone(),
        })
        .collect();
    let out = &opts.out;
    let io = |path: PathBuf| move |source| RunError::Io { path, source };
    let files: Vec<PathBuf> = [PARAGRAPHS, ARTICLES, OUTLETS, REJECTS, MANIFEST]
        .iter()
        .map(|f| out.join(f))
        .collect();
    export::write_paragraphs(&files[0], &records, &frame_ids, opts.scores)
        .map_err(io(files[0].clone()))?;
    export::write_articles(&files[1], &aggregates).map_err(io(files[1].clone()))?;
    export::write_outlets(&files[2], &aggregates).map_err(io(files[2].clone()))?;
    export::write_rejects(&files[3], &rejects).map_err(io(files[3].clone()))?;
    lap("export", &mut timings);
    timings.insert("total".into(), t_start.elapsed().as_secs_f64());

    let mut counts = BTreeMap::new();
    counts.insert("documents".to_string(), docs.len() as u64);
    counts.insert("rejects".to_string(), rejects.len() as u64);
    for kind in ["body", "heading", "boilerplate"] {
        counts.insert(
            format!("paragraphs_{kind}"),
            records.iter().filter(|r| r.kind == kind).count() as u64,
        );
    }
    counts.insert("encoded_texts".to_string(), encoded.stats.inputs as u64);
    let manifest = build_manifest(
        opts,
        &cb,
        encoder_info(&encoder),
        counts,
        timings,
        &encoded.stats,
    );
    manifest.write(&files[4]).map_err(io(files[4].clone()))?;
    Ok(RunSummary {
        manifest,
        aggregates,
        files,
    })
}

/// Distinct texts to encode and the row of each (paragraphs repeated across documents, and codebook texts,
/// are encoded once).
#[derive(Default)]
struct TextTable {
    list: Vec<String>,
    index: HashMap<String, usize>,
}

impl TextTable {
    fn add(&mut self, t: &str) {
        if !self.index.contains_key(t) {
            self.index.insert(t.to_string(), self.list.len());
            self.list.push(t.to_string());
        }
    }
}

fn record(
    doc: &Document,
    p: &Paragraph,
    n_tokens: usize,
    windows: usize,
    label: Option<(
        &crate::classify::FrameLabel,
        Option<&crate::classify::StanceLabel>,
    )>,
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
        frame: String::new(),
        frame_score: None,
        frame_margin: None,
        frames: String::new(),
        stance: String::new(),
        stance_score: None,
        evidence: String::new(),
        text: p.text.clone(),
        scores: Vec::new(),
    };
    if let Some((f, s)) = label {
        r.frame = f.frame.clone();
        r.frame_score = Some(f.score);
        r.frame_margin = Some(f.margin);
        r.frames = f.frames.join(";");
        r.scores = f.probs.clone();
        let mut cues: Vec<&str> = f.cues.iter().map(String::as_str).collect();
        if let Some(s) = s {
            r.stance = s.stance.to_string();
            r.stance_score = Some(s.score);
            cues.extend(s.cues.iter().map(String::as_str));
        }
        r.evidence = if cues.is_empty() {
            f.evidence.clone()
        } else {
            format!("{} [cues: {}]", f.evidence, cues.join("; "))
        };
    }
    r
}

fn encoder_info(e: &Encoder) -> manifest::ModelInfo {
    let m = e.manifest();
    manifest::ModelInfo {
        id: m.id.clone(),
        source: m.source.clone(),
        weights_sha256: m.weights_sha256.clone(),
        precision: e.precision().precision.as_str().to_string(),
        precision_reason: e.precision().reason.clone(),
    }
}

fn build_manifest(
    opts: &RunOptions,
    cb: &LoadedCodebook,
    model: manifest::ModelInfo,
    counts: BTreeMap<String, u64>,
    timings: BTreeMap<String, f64>,
    stats: &crate::encode::EncodeStats,
) -> Manifest {
    Manifest {
        framelens_version: env!("CARGO_PKG_VERSION").to_string(),
        created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        corpus: opts.corpus.display().to_string(),
        model,
        codebook: manifest::CodebookInfo {
            path: cb.path.display().to_string(),
            sha256: cb.sha256.clone(),
            name: cb.codebook.name.clone(),
            version: cb.codebook.version.clone(),
            frames: cb.codebook.frames.iter().map(|f| f.id.clone()).collect(),
            stance_target: cb.codebook.stance_targets.first().map(|t| t.id.clone()),
        },
        options: serde_json::json!({
            "format": opts.format,
            "fields": opts.fields,
            "encode": opts.encode,
            "classify": opts.classify,
            "scores": opts.scores,
            "out": opts.out.display().to_string(),
        }),
        counts,
        timings,
        encode: serde_json::to_value(stats).unwrap_or_default(),
    }
}

/// Where a run's outputs are, for callers that only know the folder.
pub fn output_files(out: &Path) -> [PathBuf; 5] {
    [PARAGRAPHS, ARTICLES, OUTLETS, REJECTS, MANIFEST].map(|f| out.join(f))
}
