//! The embedder the pipeline uses: the embedding cache in front of the encoder.
//!
//! Texts are normalised (whitespace runs collapsed, see [`super::cache::normalise`]) before lookup *and*
//! before encoding, so a run's outputs do not depend on whether the cache was on. The encoder session is
//! opened only on the first cache miss: a re-run whose texts are all cached never loads the model.

use ndarray::Array2;

use super::cache::{normalise, text_key, CacheError, CacheKey, Cached, EmbeddingCache};
use super::embed::{EmbedCounters, EmbedError, Embedded};
use super::encoder::{graph_file, Encoder};
use super::error::EncodeError;
use super::model::{file_sha256, ModelDir};
use super::options::{EncodeOptions, EncodeStats};
use super::runtime::ResolvedPrecision;

/// The [`Embed`](crate::Embed) a run uses: the embedding cache (when given) first, the encoder, opened on the
/// first miss, for the rest.
pub struct Embedder {
    model: ModelDir,
    opts: EncodeOptions,
    precision: ResolvedPrecision,
    encoder: Option<Encoder>,
    cache: Option<EmbeddingCache>,
    /// Texts requested, served from the cache and encoded over the embedder's life.
    pub counters: EmbedCounters,
    /// Problems met and worked around (a damaged cache rebuilt, an old-format cache emptied, cached vectors
    /// of another graph not used), for the caller to show.
    pub warnings: Vec<String>,
}

impl Embedder {
    /// `cache`: path of the SQLite cache, or None to encode everything.
    pub fn new(model: &ModelDir, opts: EncodeOptions, cache: Option<&std::path::Path>) -> Result<Self, EmbedError> {
        let precision = opts.resolve_precision(model)?;
        let mut warnings: Vec<String> = precision.warning.iter().cloned().collect();
        let cache = match cache {
            Some(p) => match EmbeddingCache::open(p, &cache_key(&opts, &precision, model)?) {
                Ok((c, w)) => {
                    warnings.extend(w);
                    Some(c)
                }
                // A newer framelens' cache is not ours to rewrite, and no reason to refuse the run.
                Err(e @ CacheError::NewerFormat { .. }) => {
                    warnings.push(format!("{e}; encoding without it"));
                    None
                }
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        Ok(Embedder {
            model: model.clone(),
            opts,
            precision,
            encoder: None,
            cache,
            counters: EmbedCounters::default(),
            warnings,
        })
    }

    pub(crate) fn precision(&self) -> &ResolvedPrecision {
        &self.precision
    }
    pub(crate) fn model(&self) -> &ModelDir {
        &self.model
    }

    /// Embeds `texts` (cache first); `progress` gets the number of texts finished as they finish.
    pub fn embed(&mut self, texts: &[&str], progress: &mut dyn FnMut(usize)) -> Result<Embedded, EmbedError> {
        let dim = self.model.manifest.hidden_size;
        let norm: Vec<String> = texts.iter().map(|t| normalise(t)).collect();
        let keys: Vec<[u8; 16]> = norm.iter().map(|t| text_key(t)).collect();
        let mut found: Vec<Option<Cached>> = match self.cache.as_mut() {
            // An entry of the wrong length cannot be this model's vector: treat it as a miss and overwrite it.
            Some(c) => c.get_many(&keys)?.into_iter().map(|f| f.filter(|c| c.vector.len() == dim)).collect(),
            None => vec![None; texts.len()],
        };
        self.counters.requested += texts.len() as u64;
        let hits = found.iter().filter(|f| f.is_some()).count();
        self.counters.cache_hits += hits as u64;
        progress(hits);

        // Distinct misses, encoded once each.
        let mut miss_index: std::collections::HashMap<[u8; 16], usize> = std::collections::HashMap::new();
        let mut miss_texts: Vec<&str> = Vec::new();
        for (i, f) in found.iter().enumerate() {
            if f.is_none() && !miss_index.contains_key(&keys[i]) {
                miss_index.insert(keys[i], miss_texts.len());
                miss_texts.push(&norm[i]);
            }
        }
        if !miss_texts.is_empty() {
            if self.encoder.is_none() {
                let enc = Encoder::open_resolved(&self.model, self.opts.clone(), self.precision.clone())?;
                self.encoder = Some(enc);
            }
            let enc = self.encoder.as_mut().expect("opened above").encode(&miss_texts, &mut |n| progress(n))?;
            self.counters.encoded += miss_texts.len() as u64;
            add_stats(&mut self.counters.encoder, &enc.stats);
            let fresh: Vec<([u8; 16], Cached)> = miss_index
                .iter()
                .map(|(k, &j)| {
                    (
                        *k,
                        Cached {
                            vector: enc.vectors.row(j).to_vec(),
                            n_tokens: enc.n_tokens[j],
                            windows: enc.windows[j],
                        },
                    )
                })
                .collect();
            if let Some(c) = self.cache.as_mut() {
                c.put_many(&fresh)?;
            }
            let fresh: std::collections::HashMap<[u8; 16], Cached> = fresh.into_iter().collect();
            for (i, f) in found.iter_mut().enumerate() {
                if f.is_none() {
                    *f = fresh.get(&keys[i]).cloned();
                }
            }
        }
        let mut vectors = Array2::<f32>::zeros((texts.len(), dim));
        let mut n_tokens = Vec::with_capacity(texts.len());
        let mut windows = Vec::with_capacity(texts.len());
        for (i, f) in found.into_iter().enumerate() {
            let c = f.expect("every text is cached or encoded");
            vectors.row_mut(i).assign(&ndarray::ArrayView1::from(&c.vector[..]));
            n_tokens.push(c.n_tokens);
            windows.push(c.windows);
        }
        Ok(Embedded { vectors, n_tokens, windows })
    }
}

/// The cache key of a run: everything besides the text that changes a vector. The graph is hashed from the
/// file that will run, in every precision (bf16 runs `model.onnx` too), once per embedder, so that a graph
/// rewritten from the same weights (an importer fix, a re-quantization) never inherits the old one's vectors.
fn cache_key(opts: &EncodeOptions, p: &ResolvedPrecision, model: &ModelDir) -> Result<CacheKey, EncodeError> {
    let cut = if opts.truncate { "truncate" } else { "windows" };
    // The prompt changes every vector; models without one keep the keys they always had.
    let prompt = match model.manifest.prompt.as_str() {
        "" => String::new(),
        p => format!("/prompt={p:?}"),
    };
    Ok(CacheKey {
        model: model.manifest.weights_sha256.clone(),
        graph: file_sha256(&graph_file(model, p)?)?,
        mode: format!("{}/{cut}/{}/pad{}{prompt}", p.label(), model.manifest.max_seq_length, super::batch::BUCKET),
    })
}

fn add_stats(total: &mut EncodeStats, s: &EncodeStats) {
    total.inputs += s.inputs;
    total.windows += s.windows;
    total.batches += s.batches;
    total.tokens += s.tokens;
    total.padded_tokens += s.padded_tokens;
    total.inference_secs += s.inference_secs;
}
