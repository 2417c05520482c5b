//! The seam between a run and its encoder: what the pipeline, `eval` and the classifier builder need from
//! "something that turns texts into vectors". It exists so that the pipeline, merge and compare can be
//! tested in milliseconds with a fake embedder instead of the ONNX model, and so that no stage past this
//! one names the concrete, cache-fronted `cached::Embedder` (feature `cache`).

use ndarray::Array2;

use super::error::EncodeError;
use super::model::ModelManifest;
use super::runtime::ResolvedPrecision;

/// Why [`Embed::embed`] failed: the encoder, or (with the `cache` feature) the embedding cache.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The model could not be loaded or run, or an input was rejected (an empty text).
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The SQLite cache could not be opened, read or written.
    #[cfg(feature = "cache")]
    #[error(transparent)]
    Cache(#[from] crate::cache::CacheError),
}

/// Embeddings of a list of texts, row `i` for text `i`.
pub struct Embedded {
    /// `[texts, hidden_size]`, each row L2-normalised.
    pub vectors: Array2<f32>,
    /// Tokens per text, `[CLS]` and `[SEP]` included, before windowing (so above the max length for long texts).
    pub n_tokens: Vec<usize>,
    /// Windows each text was encoded in (1 unless it was longer than the max length and not truncated).
    pub windows: Vec<usize>,
}

/// Counters over the embedder's life, for manifests and the resume test.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct EmbedCounters {
    /// Texts asked for.
    pub requested: u64,
    /// Texts found in the cache.
    pub cache_hits: u64,
    /// Texts the encoder ran on.
    pub encoded: u64,
    /// The encoder's own counters, summed over its calls (cache hits add nothing).
    pub encoder: crate::options::EncodeStats,
}

/// Embeds texts, row `i` for text `i`, and says which encoder it is (for manifests and head checks).
pub trait Embed {
    /// Embeds `texts`; `progress` gets the number of texts finished as they finish.
    fn embed(&mut self, texts: &[&str], progress: &mut dyn FnMut(usize)) -> Result<Embedded, EmbedError>;
    /// The encoder's manifest: its id, source, weights sha256 (what a head is checked against) and dimension.
    fn manifest(&self) -> &ModelManifest;
    /// The precision that runs, as the run's manifest records it.
    fn precision(&self) -> &ResolvedPrecision;
    /// Texts asked for, found in the cache and encoded so far.
    fn counters(&self) -> &EmbedCounters;
    /// Problems met and worked around, for the caller to show and the manifest to record.
    fn warnings(&self) -> &[String];
}

#[cfg(feature = "cache")]
impl Embed for crate::cached::Embedder {
    fn embed(&mut self, texts: &[&str], progress: &mut dyn FnMut(usize)) -> Result<Embedded, EmbedError> {
        crate::cached::Embedder::embed(self, texts, progress)
    }
    fn manifest(&self) -> &ModelManifest {
        &self.model().manifest
    }
    fn precision(&self) -> &ResolvedPrecision {
        crate::cached::Embedder::precision(self)
    }
    fn counters(&self) -> &EmbedCounters {
        &self.counters
    }
    fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// A fake embedder for tests: each word of a text (lowercased, punctuation trimmed) adds a ±1 to one of a
/// few dimensions chosen by its hash, and the sum is L2-normalised. Deterministic, instant, and texts that
/// share words are similar, so the pipeline, merge and compare can be tested without the model.
#[cfg(any(test, feature = "fake"))]
pub mod fake {
    use ndarray::Array2;

    use super::Embed;
    use super::{EmbedCounters, EmbedError, Embedded};
    use crate::model::ModelManifest;
    use crate::runtime::{Precision, ResolvedPrecision};

    pub(crate) const DIM: usize = 16;

    /// The fake [`Embed`]: 16 dimensions, a manifest with id `fake-hashing`, fp32; counts every text as encoded.
    pub struct FakeEmbedder {
        manifest: ModelManifest,
        precision: ResolvedPrecision,
        counters: EmbedCounters,
        /// Calls after which `embed` fails (an encoder error), if any.
        pub fail_after_calls: Option<usize>,
        calls: usize,
    }

    impl FakeEmbedder {
        /// One that never fails (set `fail_after_calls` to make it).
        pub fn new() -> Self {
            FakeEmbedder {
                manifest: ModelManifest {
                    id: "fake-hashing".into(),
                    source: "tests".into(),
                    weights_sha256: "f".repeat(64),
                    architecture: "hashing".into(),
                    hidden_size: DIM,
                    num_layers: 0,
                    max_seq_length: 256,
                    pooling: "mean".into(),
                    normalize: true,
                    cls_token_id: 0,
                    sep_token_id: 0,
                    pad_token_id: 0,
                    graph_sha256: "0".repeat(64),
                    fused_graph_sha256: None,
                    import_version: "test".into(),
                    int8: Vec::new(),
                    prompt: String::new(),
                    speed: Vec::new(),
                    tuned: None,
                },
                precision: ResolvedPrecision {
                    precision: Precision::Fp32,
                    reason: "fake embedder".into(),
                    int8_scheme: None,
                    warning: None,
                    device: crate::device::Device::Cpu,
                },
                counters: EmbedCounters::default(),
                fail_after_calls: None,
                calls: 0,
            }
        }
    }

    impl Default for FakeEmbedder {
        fn default() -> Self {
            Self::new()
        }
    }

    fn fnv1a(s: &str) -> u64 {
        s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
    }

    impl Embed for FakeEmbedder {
        fn embed(&mut self, texts: &[&str], progress: &mut dyn FnMut(usize)) -> Result<Embedded, EmbedError> {
            self.calls += 1;
            if self.fail_after_calls.is_some_and(|n| self.calls > n) {
                return Err(crate::EncodeError::Runtime("fake encoder failure".into()).into());
            }
            let mut vectors = Array2::<f32>::zeros((texts.len(), DIM));
            let mut n_tokens = Vec::with_capacity(texts.len());
            for (i, t) in texts.iter().enumerate() {
                let words: Vec<String> = t
                    .split_whitespace()
                    .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
                    .filter(|w| !w.is_empty())
                    .collect();
                for w in &words {
                    let h = fnv1a(w);
                    vectors[[i, (h % DIM as u64) as usize]] += if h & (1 << 40) == 0 { 1.0 } else { -1.0 };
                }
                vectors[[i, 0]] += 0.5; // never the zero vector
                let norm = vectors.row(i).dot(&vectors.row(i)).sqrt();
                vectors.row_mut(i).mapv_inplace(|v| v / norm);
                n_tokens.push(words.len() + 2);
            }
            self.counters.requested += texts.len() as u64;
            self.counters.encoded += texts.len() as u64;
            progress(texts.len());
            Ok(Embedded { vectors, n_tokens, windows: vec![1; texts.len()] })
        }
        fn manifest(&self) -> &ModelManifest {
            &self.manifest
        }
        fn precision(&self) -> &ResolvedPrecision {
            &self.precision
        }
        fn counters(&self) -> &EmbedCounters {
            &self.counters
        }
        fn warnings(&self) -> &[String] {
            &[]
        }
    }
}
