//! The sentence encoder: texts in, L2-normalised embeddings out, in input order.
//!
//! Work flows in chunks of inputs: while ONNX Runtime runs the batches of one chunk, a second thread
//! tokenizes the next (rayon), so tokenization costs no wall time once the pipeline is full.

use std::sync::mpsc;
use std::time::Instant;

use ndarray::Array2;
use ort::session::{builder::GraphOptimizationLevel, Session};
use ort::value::TensorRef;
use rayon::prelude::*;
use tokenizers::Tokenizer;

use super::batch::{self, Window};
use super::device::Device;
use super::error::{EncodeError, Result};
use super::model::{int8_graph_file, ModelDir, ModelManifest, ATTENTION_MASK, INPUT_IDS, OUTPUT};
use super::options::{EncodeOptions, EncodeStats};
use super::quant::Int8Scheme;
use super::runtime::{environment_for, Precision, ResolvedPrecision};

/// Inputs tokenized ahead of inference at a time.
const CHUNK: usize = 1024;
/// Padded tokens per batch at least, on the GPU (256 rows of 128 tokens).
const GPU_TOKEN_BUDGET: usize = 256 * 128;
/// Rows per batch at most, on the GPU.
const GPU_MAX_BATCH_ROWS: usize = 256;

/// Embeddings of a list of inputs, row `i` for input `i`.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// `[inputs, hidden_size]`, each row L2-normalised (the direction of the mean of its windows' vectors).
    pub vectors: Array2<f32>,
    /// Token count of each input (special tokens included, before windowing or truncation).
    pub n_tokens: Vec<usize>,
    /// Windows each input was split into (1 unless longer than the model's max length).
    pub windows: Vec<usize>,
    /// Work and inference time of this call alone.
    pub stats: EncodeStats,
}

/// An ONNX Runtime session on one model folder's graph, with its tokenizer; not cached (see `cached::Embedder`).
pub struct Encoder {
    session: Session,
    tokenizer: Tokenizer,
    manifest: ModelManifest,
    precision: ResolvedPrecision,
    opts: EncodeOptions,
}

impl Encoder {
    /// Loads the runtime (once per process), the tokenizer and a session on the resolved provider.
    pub fn open(model: &ModelDir, opts: EncodeOptions) -> Result<Self> {
        let precision = opts.resolve_precision(model)?;
        Self::open_resolved(model, opts, precision)
    }

    /// Opens a session in an already resolved precision (the int8 quality gate runs a graph before the
    /// manifest lists it).
    pub fn open_resolved(model: &ModelDir, mut opts: EncodeOptions, precision: ResolvedPrecision) -> Result<Self> {
        let env = environment_for(precision.device)?;
        let threads = opts.threads.max(1);
        if precision.device == Device::Cuda {
            // A GPU is fed by large batches; rows of one padded length still share a batch, as on the CPU.
            opts.token_budget = opts.token_budget.max(GPU_TOKEN_BUDGET);
            opts.max_batch_rows = opts.max_batch_rows.max(GPU_MAX_BATCH_ROWS);
        }
        let mut builder = Session::builder(env)?
            .with_intra_threads(threads)?
            .with_optimization_level(GraphOptimizationLevel::Level3)?
            // Idle intra-op threads sleep instead of spinning: as fast on a quiet machine, 3-6% less CPU, and
            // 8-27% faster when another process shares the cores (docs/int8.md, "Session options").
            .with_intra_op_spinning(false)?;
        let openvino = match precision.precision {
            Precision::Fp32 => false,
            Precision::Bf16 => true,
            Precision::Int8 => precision.int8_scheme.is_some_and(Int8Scheme::openvino),
        };
        if precision.device == Device::Cuda {
            // TF32 off: fp32 products stay fp32, so rows stay within parity of the CPU's.
            let ep = ort::ep::CUDA::default().with_device_id(0).with_tf32(false).build().error_on_failure();
            builder = builder.with_execution_providers([ep])?;
        } else if openvino {
            use ort::ep::ArbitrarilyConfigurableExecutionProvider;
            let ep = ort::ep::OpenVINO::default()
                .with_device_type("CPU")
                .with_num_threads(threads)
                .with_arbitrary_config("load_config", r#"{"CPU":{"INFERENCE_PRECISION_HINT":"bf16"}}"#)
                .build()
                .error_on_failure();
            builder = builder.with_execution_providers([ep])?;
        }
        let graph = graph_file(model, &precision)?;
        let session = builder
            .commit_from_file(&graph)
            .map_err(|e| EncodeError::Runtime(format!("loading {}: {e}", graph.display())))?;
        let tokenizer = load_tokenizer(model)?;
        Ok(Encoder { session, tokenizer, manifest: model.manifest.clone(), precision, opts })
    }

    /// The manifest of the model folder it was opened on, as read then.
    pub fn manifest(&self) -> &ModelManifest {
        &self.manifest
    }
    /// The precision the session runs, and why (its `warning` says when it fell back from the one asked for).
    pub fn precision(&self) -> &ResolvedPrecision {
        &self.precision
    }
    /// The options it was opened with (threads, batch limits, truncation).
    pub fn options(&self) -> &EncodeOptions {
        &self.opts
    }
    pub(crate) fn dim(&self) -> usize {
        self.manifest.hidden_size
    }

    /// Embeds `texts`; `progress` is called with the number of inputs finished since the last call.
    pub fn encode(&mut self, texts: &[&str], progress: &mut dyn FnMut(usize)) -> Result<Encoded> {
        let dim = self.dim();
        let mut vectors = Array2::<f32>::zeros((texts.len(), dim));
        let mut n_tokens = vec![0usize; texts.len()];
        let mut n_windows = vec![0usize; texts.len()];
        let mut stats = EncodeStats { inputs: texts.len(), ..Default::default() };

        // Split borrows: the tokenizer thread reads the tokenizer, this thread drives the session.
        let Encoder { session, tokenizer, manifest, opts, .. } = self;
        let (tokenizer, manifest, opts) = (&*tokenizer, &*manifest, &*opts);
        let (tx, rx) = mpsc::sync_channel::<Result<Tokenized>>(1);
        let mut outcome = Ok(());
        std::thread::scope(|s| {
            s.spawn(move || {
                for (c, chunk) in texts.chunks(CHUNK).enumerate() {
                    let msg = tokenize_chunk(tokenizer, manifest, opts.truncate, c * CHUNK, chunk);
                    let failed = msg.is_err();
                    if tx.send(msg).is_err() || failed {
                        return;
                    }
                }
            });
            for msg in rx {
                let step = msg.and_then(|chunk| {
                    for (i, l) in chunk.lens.iter().enumerate() {
                        n_tokens[chunk.start + i] = *l;
                    }
                    let rows = run_chunk(session, opts, dim, &chunk.windows, &mut stats)?;
                    Ok((chunk.windows, rows))
                });
                match step {
                    Ok((windows, rows)) => {
                        accumulate(&mut vectors, &mut n_windows, &windows, &rows);
                        progress(windows.iter().filter(|w| w.first).count());
                    }
                    Err(e) => {
                        outcome = Err(e);
                        break;
                    }
                }
            }
        });
        outcome?;
        for mut row in vectors.rows_mut() {
            let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
            row.mapv_inplace(|v| v / norm);
        }
        Ok(Encoded { vectors, n_tokens, windows: n_windows, stats })
    }
}

/// The ONNX graph file a session in `precision` loads. The embedding cache keys on this file's hash, so the
/// encoder and the cache must both take it from here: a key naming another graph than the one that ran
/// would serve its vectors as current.
pub fn graph_file(model: &ModelDir, precision: &ResolvedPrecision) -> Result<std::path::PathBuf> {
    Ok(match (precision.precision, precision.int8_scheme) {
        (Precision::Int8, Some(s)) => {
            let file = model.manifest.int8_graph(Some(s)).map(|g| g.file.clone()).unwrap_or(int8_graph_file(s));
            model.dir.join(file)
        }
        (Precision::Int8, None) => return Err(EncodeError::Runtime("int8 precision without a scheme".into())),
        (Precision::Fp32, _) => model.fp32_graph_path(),
        (Precision::Bf16, _) => model.graph_path(),
    })
}

/// One chunk of inputs, tokenized and windowed.
struct Tokenized {
    start: usize,
    windows: Vec<Window>,
    lens: Vec<usize>,
}

fn tokenize_chunk(
    tokenizer: &Tokenizer,
    manifest: &ModelManifest,
    truncate: bool,
    start: usize,
    chunk: &[&str],
) -> Result<Tokenized> {
    let toks: Vec<Vec<u32>> = chunk
        .par_iter()
        .enumerate()
        .map(|(i, text)| {
            let row = start + i;
            if text.trim().is_empty() {
                return Err(EncodeError::BadInput { row, message: "empty text".into() });
            }
            content_ids(tokenizer, manifest, text).map_err(|message| EncodeError::BadInput { row, message })
        })
        .collect::<Result<_>>()?;
    let lens = toks.iter().map(|t| t.len() + 2).collect();
    let mut windows = Vec::with_capacity(toks.len());
    for (i, t) in toks.iter().enumerate() {
        let ws = batch::windows(t, manifest.max_seq_length, truncate, manifest.cls_token_id, manifest.sep_token_id);
        for (k, ids) in ws.into_iter().enumerate() {
            windows.push(Window { input: start + i, first: k == 0, ids });
        }
    }
    Ok(Tokenized { start, windows, lens })
}

/// A model's tokenizer with the padding and truncation its tokenizer.json may carry switched off: framelens
/// windows and pads by itself ([`batch`]).
pub fn load_tokenizer(model: &ModelDir) -> Result<Tokenizer> {
    let tok_path = model.tokenizer_path();
    let mut tokenizer = Tokenizer::from_file(&tok_path)
        .map_err(|e| EncodeError::Tokenizer { path: tok_path.clone(), message: e.to_string() })?;
    tokenizer.with_padding(None);
    tokenizer.with_truncation(None).map_err(|e| EncodeError::Tokenizer { path: tok_path, message: e.to_string() })?;
    Ok(tokenizer)
}

/// A text's token ids as the model sees them, the model's prompt put first, no special tokens. The one place
/// a text becomes ids, so that fine-tuning (crates/tune) trains on exactly what inference will run.
pub fn content_ids(
    tokenizer: &Tokenizer,
    manifest: &ModelManifest,
    text: &str,
) -> std::result::Result<Vec<u32>, String> {
    let prompted;
    let input = if manifest.prompt.is_empty() {
        text
    } else {
        prompted = format!("{}{text}", manifest.prompt);
        prompted.as_str()
    };
    let enc = tokenizer.encode(input, false).map_err(|e| format!("tokenizer: {e}"))?;
    Ok(enc.get_ids().to_vec())
}

/// Runs every batch of a chunk; returns one (unnormalised, mean-pooled) vector per window.
fn run_chunk(
    session: &mut Session,
    opts: &EncodeOptions,
    dim: usize,
    windows: &[Window],
    stats: &mut EncodeStats,
) -> Result<Array2<f32>> {
    let mut out = Array2::<f32>::zeros((windows.len(), dim));
    for b in batch::plan(windows, opts.token_budget, opts.max_batch_rows) {
        let (n, len) = (b.rows.len(), b.padded_len);
        let mut ids = Array2::<i64>::zeros((n, len));
        let mut mask = Array2::<i64>::zeros((n, len));
        for (r, &w) in b.rows.iter().enumerate() {
            for (c, &t) in windows[w].ids.iter().enumerate() {
                ids[[r, c]] = t as i64;
                mask[[r, c]] = 1;
            }
            stats.tokens += windows[w].ids.len();
        }
        stats.padded_tokens += n * len;
        stats.batches += 1;
        stats.windows += n;
        let t0 = Instant::now();
        let outputs = session.run(ort::inputs![
            INPUT_IDS => TensorRef::from_array_view(&ids)?,
            ATTENTION_MASK => TensorRef::from_array_view(&mask)?,
        ])?;
        let pooled = outputs[OUTPUT].try_extract_array::<f32>()?;
        if pooled.shape() != [n, dim] {
            return Err(EncodeError::Runtime(format!(
                "graph returned shape {:?}, expected [{n}, {dim}]",
                pooled.shape()
            )));
        }
        for (r, &w) in b.rows.iter().enumerate() {
            out.row_mut(w).assign(&pooled.slice(ndarray::s![r, ..]));
        }
        stats.inference_secs += t0.elapsed().as_secs_f64();
    }
    Ok(out)
}

/// Adds each window's normalised vector into its input's row; rows are normalised again at the end, so an
/// input's embedding is the direction of the mean of its windows' embeddings.
fn accumulate(vectors: &mut Array2<f32>, n_windows: &mut [usize], windows: &[Window], rows: &Array2<f32>) {
    for (w, row) in windows.iter().zip(rows.rows()) {
        let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
        let mut dst = vectors.row_mut(w.input);
        dst.zip_mut_with(&row, |d, s| *d += s / norm);
        n_windows[w.input] += 1;
    }
}
