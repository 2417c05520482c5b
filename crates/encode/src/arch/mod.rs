//! What differs between the encoder families framelens writes graphs for: how token ids become the first
//! hidden states, whether attention scores get a position bias, and the weights' names. Everything else (the
//! layer itself, int8 Linears, pooling) is [`super::graph`]'s and shared, so a new family is one small file here.

pub mod bert;
pub mod mpnet;
pub mod word_table;

use super::config::{Architecture, EncoderConfig};
use super::error::Result;
use super::onnx::GraphBuilder;
use super::weights::Weights;

/// The weight names of one encoder layer.
pub(crate) struct LayerNames {
    /// Query, key and value Linears.
    pub qkv: [String; 3],
    /// The attention output Linear and the LayerNorm after its residual.
    pub attn_out: String,
    pub attn_norm: String,
    /// Feed-forward in and out Linears and the LayerNorm after its residual.
    pub ffn_in: String,
    pub ffn_out: String,
    pub ffn_norm: String,
}

/// Word plus position embeddings `[batch, seq, hidden]` of the `ids` input, before the embedding LayerNorm
/// (named `embeddings.LayerNorm` in both families).
pub fn embeddings(g: &mut GraphBuilder, w: &Weights, cfg: &EncoderConfig, ids: &str) -> Result<String> {
    match cfg.architecture() {
        Architecture::Bert => bert::embeddings(g, w, cfg, ids),
        Architecture::MPNet => mpnet::embeddings(g, w, cfg, ids),
    }
}

/// An additive bias `[1, heads, seq, seq]` on every layer's attention scores, computed once per run.
pub fn attention_bias(g: &mut GraphBuilder, w: &Weights, cfg: &EncoderConfig, ids: &str) -> Result<Option<String>> {
    match cfg.architecture() {
        Architecture::Bert => Ok(None),
        Architecture::MPNet => mpnet::attention_bias(g, w, cfg, ids).map(Some),
    }
}

pub(crate) fn layer_names(cfg: &EncoderConfig, layer: usize) -> LayerNames {
    match cfg.architecture() {
        Architecture::Bert => bert::layer_names(layer),
        Architecture::MPNet => mpnet::layer_names(layer),
    }
}
