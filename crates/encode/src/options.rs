//! How the encoder runs and what it did: the settings a caller chooses (kept apart from the ONNX Runtime
//! session so that run options, manifests and the cache key can name them without building the runtime).

use super::device::{Device, DeviceChoice};
use super::error::Result;
use super::model::ModelDir;
use super::quant::Int8Scheme;
use super::runtime::{Precision, PrecisionChoice, ResolvedPrecision};

/// Encoder settings.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EncodeOptions {
    /// `--precision`, resolved against the CPU and the model when a session opens ([`Self::resolve_precision`]).
    pub precision: PrecisionChoice,
    /// The int8 scheme for `--precision int8` (and `auto`); None: the model's default int8 graph.
    pub int8_scheme: Option<Int8Scheme>,
    /// Run an explicitly requested int8 graph even though its quality gate failed (benchmarks).
    pub ignore_int8_gate: bool,
    /// Threads for ONNX Runtime (and the OpenVINO provider).
    pub threads: usize,
    /// Cut inputs at the model's max length, as sentence-transformers does, instead of averaging windows.
    pub truncate: bool,
    /// Padded tokens per batch: 32 rows of 256 tokens by default.
    pub token_budget: usize,
    /// Upper bound on rows per batch whatever the budget (64 by default).
    pub max_batch_rows: usize,
    /// `--device`: the CPU, or an NVIDIA GPU (`auto`: for `--precision auto`, where one is present and its
    /// runtime installed).
    pub device: DeviceChoice,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            precision: PrecisionChoice::Auto,
            int8_scheme: None,
            ignore_int8_gate: false,
            threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            truncate: false,
            token_budget: 32 * 256,
            max_batch_rows: 64,
            device: DeviceChoice::Auto,
        }
    }
}

impl EncodeOptions {
    /// The precision these options run `model` in (see [`PrecisionChoice::resolve`]).
    /// `auto` measures the precisions it may choose between on first use on a CPU (crate::speed).
    pub fn resolve_precision(&self, model: &ModelDir) -> Result<ResolvedPrecision> {
        // `--device auto` runs the GPU for `--precision auto` only: fp32, bf16 and int8 asked for by name are
        // the CPU's precisions, and run there unless `--device cuda` says otherwise.
        let device = match (self.device, self.precision) {
            (DeviceChoice::Auto, p) if p != PrecisionChoice::Auto => Device::Cpu,
            (d, _) => d.resolve()?,
        };
        if device == Device::Cuda {
            return Ok(ResolvedPrecision::cuda(self.precision));
        }
        #[cfg(feature = "runtime")]
        let measured = match self.precision == PrecisionChoice::Auto && crate::speed::auto_measure_enabled() {
            true => crate::speed::ensure_measured(model, self.threads.max(1))?,
            false => None,
        };
        #[cfg(feature = "runtime")]
        let model = measured.as_ref().unwrap_or(model);
        let mut r = self.precision.resolve(model, self.int8_scheme)?;
        if self.ignore_int8_gate && self.precision == PrecisionChoice::Int8 && r.precision != Precision::Int8 {
            let g = model.manifest.int8_graph(self.int8_scheme).expect("resolve checked that the graph exists");
            r = ResolvedPrecision {
                precision: Precision::Int8,
                reason: format!("requested (scheme {}), quality gate ignored", g.scheme),
                int8_scheme: Some(g.scheme),
                warning: g
                    .gate_failure()
                    .map(|why| format!("int8 ({}) runs although its quality gate failed: {why}", g.scheme)),
                device: Device::Cpu,
            };
        }
        Ok(r)
    }
}

/// Work counters of one `encode` call, for benchmarks and manifests.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct EncodeStats {
    /// Texts given to `encode`.
    pub inputs: usize,
    /// Windows run (at least `inputs`: long inputs are split unless truncated).
    pub windows: usize,
    /// ONNX Runtime calls.
    pub batches: usize,
    /// Tokens the model saw, special tokens included.
    pub tokens: usize,
    /// Tokens including padding; `padded_tokens / tokens - 1` is the padding overhead.
    pub padded_tokens: usize,
    /// Wall seconds of the batches' session runs (tokenization excluded: it overlaps them on another thread).
    pub inference_secs: f64,
}
