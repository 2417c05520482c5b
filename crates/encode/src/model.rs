//! An imported model folder: `model.onnx` (written by framelens), `tokenizer.json` and `model.toml`.
//! This is what the encoder loads; `import` makes it from a Hugging Face folder.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::{EncodeError, Result};
use super::quant::Int8Scheme;

pub(crate) const MANIFEST: &str = "model.toml";
/// The fp32 graph, which bf16 runs too (on OpenVINO); always present in a model folder.
pub const GRAPH: &str = "model.onnx";
/// The fp32 graph in ONNX Runtime's fused transformer ops, which fp32 runs on the CPU provider
/// ([`crate::graph::build_fused`]); written by imports since it existed.
pub const FUSED_GRAPH: &str = "model.fused.onnx";
pub(crate) const TOKENIZER: &str = "tokenizer.json";
/// The graph's input and output names: the importer writes them, the encoder feeds and reads them.
pub const INPUT_IDS: &str = "input_ids";
/// Input `[batch, seq]`, int64: 1 for a real token, 0 for padding (which gets no attention or pooling weight).
pub const ATTENTION_MASK: &str = "attention_mask";
/// Output `[batch, hidden]`, float32: mean-pooled, not yet normalised.
pub const OUTPUT: &str = "sentence_embedding";
/// The int8 graph of the default scheme; other schemes' graphs are `model.int8.<scheme>.onnx`.
pub const INT8_GRAPH: &str = "model.int8.onnx";
/// The int8 scheme `--precision int8` runs unless `--int8-scheme` says otherwise, and the one `auto` may
/// pick: the fastest batch-independent scheme measured (docs/int8.md).
pub const DEFAULT_INT8_SCHEME: Int8Scheme = Int8Scheme::Static;

/// The quality gate: below this mean cosine to fp32 on the calibration set, an int8 graph is not used (a
/// request for int8 runs fp32, with a warning).
pub const GATE_MIN_MEAN_COSINE: f64 = 0.995;
/// `auto` also needs this share of the sample corpus' body paragraphs to keep their fp32 frame label, with
/// every shipped codebook.
pub const GATE_MIN_LABEL_AGREEMENT: f64 = 0.98;

/// File name of a scheme's int8 graph.
pub fn int8_graph_file(scheme: Int8Scheme) -> String {
    if scheme == DEFAULT_INT8_SCHEME {
        INT8_GRAPH.to_string()
    } else {
        format!("model.int8.{}.onnx", scheme.as_str())
    }
}

/// `model.toml`: identity and shape of an imported model. The weights' sha256 is what manifests, caches and
/// trained heads key on, so that a result is never attributed to the wrong model.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelManifest {
    /// Short name (the source folder's or hub id's last component).
    pub id: String,
    /// Where it was imported from (a folder path or a hub id).
    pub source: String,
    /// Hex sha256 of `model.safetensors` as imported: the model's identity for heads, caches and manifests.
    pub weights_sha256: String,
    /// `bert` or `mpnet`, the graph family it was written as (MiniLM is `bert`).
    pub architecture: String,
    /// Embedding dimension (384 for MiniLM, 768 for MPNet).
    pub hidden_size: usize,
    /// Transformer layers in the graph.
    pub num_layers: usize,
    /// Tokens per window, special tokens included (sentence-transformers' `max_seq_length`).
    pub max_seq_length: usize,
    pub(crate) pooling: String,
    pub(crate) normalize: bool,
    /// Vocabulary id every window starts with (`[CLS]`, `<s>` for MPNet).
    pub cls_token_id: u32,
    /// Vocabulary id every window ends with (`[SEP]`, `</s>` for MPNet).
    pub sep_token_id: u32,
    /// Vocabulary id of the padding token, as recorded at import (the encoder pads with zeros under the mask).
    pub pad_token_id: u32,
    /// Hex sha256 of `model.onnx` when written; the cache hashes the file itself instead of trusting this.
    pub graph_sha256: String,
    /// Hex sha256 of `model.fused.onnx`, the graph fp32 runs on the CPU provider (1.13× MiniLM's standard
    /// graph on news paragraphs, docs/performance.md). Absent in folders imported before it existed: their
    /// fp32 runs `model.onnx`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fused_graph_sha256: Option<String>,
    pub(crate) import_version: String,
    /// int8 graphs written by `framelens model quantize` (or `import --precision int8`), each with its
    /// quality gate. Absent in manifests written before int8 existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub int8: Vec<Int8Graph>,
    /// Text put before every input, as the model was trained to see it (multilingual-e5's `passage: `;
    /// sentence-transformers' default prompt). Empty for models without one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub prompt: String,
    /// Throughput of each precision measured on a CPU (`framelens model speed`, or `auto`'s first use on a
    /// CPU): what `auto` chooses by. Absent in manifests written before it existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub speed: Vec<SpeedRecord>,
    /// Set when the weights are a fine-tuned copy of another model (`framelens train --finetune`): what they
    /// were tuned from and on, so a head trained on them can be traced back to its parent and its data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuned: Option<Tuning>,
}

/// How a fine-tuned model was made (`framelens train --finetune`, crates/tune).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Tuning {
    /// The model it was tuned from: its id and the sha256 of its weights.
    pub parent_id: String,
    /// sha256 of the parent's `model.safetensors`.
    pub parent_weights_sha256: String,
    /// sha256 of the labelled data file the training rows came from.
    pub data_sha256: String,
    /// Rows the encoder was tuned on (after any hold-out split: the held-out rows are never seen).
    pub rows: usize,
    /// `contrastive` (SetFit-style pairs) or `cross-entropy` (encoder plus a linear head).
    pub recipe: String,
    /// Seed of pair sampling and batch order.
    pub seed: u64,
    /// Passes over the training rows (or pairs).
    pub epochs: usize,
    /// Peak learning rate of the encoder's weights.
    pub learning_rate: f64,
    /// Rows (or pairs) per optimizer step.
    pub batch_size: usize,
    /// The rest of the recipe's settings, as `name = value` text (pairs per row, head learning rate...).
    #[serde(default)]
    pub settings: std::collections::BTreeMap<String, String>,
    /// Wall-clock seconds the tuning took, and the threads it ran on.
    pub seconds: f64,
    /// Threads of the training engine.
    pub threads: usize,
    /// framelens version that tuned it.
    pub tuned_by: String,
}

/// One precision's measured speed on one CPU: `auto` runs the fastest faithful precision measured on the
/// CPU it runs on, since CPU flags alone chose wrong (int8 ran at 0.65× bf16 on an Intel Xeon with AMX
/// where it ran at 1.3× on an AMD EPYC; issue #19).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SpeedRecord {
    /// The CPU it was measured on ([`crate::runtime::cpu_id`]: model name and its bf16/int8 unit flags).
    pub cpu: String,
    /// `fp32`, `bf16` or `int8-<scheme>` ([`crate::runtime::ResolvedPrecision::label`]).
    pub precision: String,
    /// sha256 of the graph that ran: a record of a graph since replaced (a new quantization) is ignored.
    pub graph_sha256: String,
    /// Texts per second on the fixed speed batch, best of the timed repetitions.
    pub paragraphs_per_second: f64,
    /// Seconds to open the session (load and compile the graph), paid once per process.
    pub open_secs: f64,
    /// Inference threads it ran with.
    pub threads: usize,
    /// framelens version that measured it.
    pub measured_by: String,
}

/// One int8 graph of a model and what its quality gate measured against the fp32 graph.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Int8Graph {
    /// How its Linears are quantized, and thereby which provider runs it.
    pub scheme: Int8Scheme,
    /// File name inside the model folder.
    pub file: String,
    /// Hex sha256 of the graph file when it was written.
    pub graph_sha256: String,
    /// Texts of the calibration set: the shipped codebooks' definitions and examples and the body
    /// paragraphs of the shipped sample corpus.
    pub calibration_texts: usize,
    /// Cosine of each calibration text's int8 embedding to its fp32 embedding: mean and minimum.
    pub cosine_mean: f64,
    /// The lowest of those cosines (reported; the gate looks at the mean only).
    pub cosine_min: f64,
    /// Share of the sample corpus' body paragraphs whose frame label (zero-shot, as `framelens run --no-cache`
    /// labels them) is the same in int8 as in fp32: the lowest over the shipped codebooks.
    pub label_agreement: f64,
    /// The same share per shipped codebook (file name).
    #[serde(default)]
    pub label_agreement_by_codebook: std::collections::BTreeMap<String, f64>,
    /// Sample corpus body paragraphs the label agreement is over.
    pub label_paragraphs: usize,
    /// framelens version that ran the quantization and its gate.
    pub quantize_version: String,
}

impl Int8Graph {
    /// Why the quality gate failed (mean cosine to fp32 below [`GATE_MIN_MEAN_COSINE`]), None when it held:
    /// a graph that failed it is never used; `--precision int8` falls back to fp32 with a warning.
    pub fn gate_failure(&self) -> Option<String> {
        (self.cosine_mean < GATE_MIN_MEAN_COSINE).then(|| {
            format!(
                "mean cosine to fp32 {:.4} < {GATE_MIN_MEAN_COSINE} on {} calibration texts",
                self.cosine_mean, self.calibration_texts
            )
        })
    }

    /// Why `auto` may not pick this graph, None when it may: the gate must hold and frame labels must agree
    /// with fp32 on at least [`GATE_MIN_LABEL_AGREEMENT`] of the sample paragraphs with every shipped codebook.
    pub fn auto_failure(&self) -> Option<String> {
        if let Some(why) = self.gate_failure() {
            return Some(why);
        }
        (self.label_agreement < GATE_MIN_LABEL_AGREEMENT).then(|| {
            let worst = self
                .label_agreement_by_codebook
                .iter()
                .filter(|(_, &a)| a < GATE_MIN_LABEL_AGREEMENT)
                .map(|(c, a)| format!("{:.1}% with {c}", a * 100.0))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "frame labels agree with fp32 on {:.1}% < {:.0}% of {} sample paragraphs ({worst})",
                self.label_agreement * 100.0,
                GATE_MIN_LABEL_AGREEMENT * 100.0,
                self.label_paragraphs
            )
        })
    }
}

impl ModelManifest {
    /// The graph fp32 runs, file name and sha256: the fused one where the folder has it, else `model.onnx`.
    pub fn fp32_graph(&self) -> (&'static str, &str) {
        match &self.fused_graph_sha256 {
            Some(sha) => (FUSED_GRAPH, sha),
            None => (GRAPH, &self.graph_sha256),
        }
    }

    /// The speed records measured on `cpu` ([`crate::runtime::cpu_id`]).
    pub fn speeds_on(&self, cpu: &str) -> Vec<SpeedRecord> {
        self.speed.iter().filter(|r| r.cpu == cpu).cloned().collect()
    }

    /// The int8 graph of `scheme`, or of the default scheme (else the first one written) for None.
    pub fn int8_graph(&self, scheme: Option<Int8Scheme>) -> Option<&Int8Graph> {
        match scheme {
            Some(s) => self.int8.iter().find(|g| g.scheme == s),
            None => self.int8.iter().find(|g| g.scheme == DEFAULT_INT8_SCHEME).or_else(|| self.int8.first()),
        }
    }
}

/// A loadable model folder.
#[derive(Debug, Clone)]
pub struct ModelDir {
    /// The folder, as given to [`ModelDir::open`].
    pub dir: PathBuf,
    /// Its `model.toml`, read at open.
    pub manifest: ModelManifest,
}

impl ModelDir {
    /// Reads the manifest and checks that the graph, the tokenizer and every listed int8 graph are there;
    /// each failure says which file is missing and the command that makes it.
    pub fn open(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(EncodeError::bad(dir, "model folder does not exist"));
        }
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            EncodeError::bad(
                &path,
                format!("cannot read the model manifest ({e}); import the model with `framelens model import`"),
            )
        })?;
        let manifest: ModelManifest =
            toml::from_str(&text).map_err(|e| EncodeError::bad(&path, format!("invalid model manifest: {e}")))?;
        let fused = manifest.fused_graph_sha256.as_ref().map(|_| FUSED_GRAPH);
        for f in [Some(GRAPH), Some(TOKENIZER), fused].into_iter().flatten() {
            if !dir.join(f).is_file() {
                return Err(EncodeError::bad(dir.join(f), "missing from the model folder; re-run the import"));
            }
        }
        for g in &manifest.int8 {
            if !dir.join(&g.file).is_file() {
                return Err(EncodeError::bad(
                    dir.join(&g.file),
                    format!(
                        "missing from the model folder; re-run `framelens model quantize {} --scheme {}`",
                        dir.display(),
                        g.scheme
                    ),
                ));
            }
        }
        Ok(ModelDir { dir: dir.to_path_buf(), manifest })
    }

    /// The standard-op graph's path, which bf16 runs (int8 graphs: [`ModelManifest::int8_graph`]'s `file`
    /// in `dir`).
    pub fn graph_path(&self) -> PathBuf {
        self.dir.join(GRAPH)
    }
    /// The graph fp32 runs ([`ModelManifest::fp32_graph`]).
    pub fn fp32_graph_path(&self) -> PathBuf {
        self.dir.join(self.manifest.fp32_graph().0)
    }
    /// The `tokenizer.json` copied from the source folder at import.
    pub fn tokenizer_path(&self) -> PathBuf {
        self.dir.join(TOKENIZER)
    }

    /// Rewrites `model.toml` from `manifest` (atomically).
    pub fn write_manifest(&self) -> Result<()> {
        let path = self.dir.join(MANIFEST);
        let text = toml::to_string_pretty(&self.manifest).map_err(|e| EncodeError::bad(&path, e.to_string()))?;
        crate::atomic::write_atomic(&path, text.as_bytes()).map_err(|e| EncodeError::io(&path, e))
    }
}

/// Hex sha256 of a byte slice.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// Hex sha256 of a file, read in blocks (a graph is ~90 MB; no need to hold it twice). The embedding cache
/// keys on the graph file's own hash rather than `model.toml`'s record of it, so that a graph replaced after
/// import is never taken for the one the manifest describes. Costs 0.13 s for MiniLM's `model.onnx` once per
/// cached run (docs/scale.md), so it is computed afresh, not memoised beside the file where a stale memo
/// could bring the stale vectors back.
pub fn file_sha256(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| EncodeError::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| EncodeError::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}
