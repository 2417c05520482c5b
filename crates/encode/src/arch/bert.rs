//! BERT and MiniLM (all-MiniLM-L6-v2): absolute positions from 0 and token-type embeddings.
//!
//! Token type ids are not a graph input: framelens always encodes single segments (type 0), so the type-0
//! embedding row is folded into the position table at import time.

use super::LayerNames;
use crate::config::EncoderConfig;
use crate::error::Result;
use crate::onnx::{Attr, GraphBuilder};
use crate::weights::Weights;

pub(crate) fn embeddings(g: &mut GraphBuilder, w: &Weights, cfg: &EncoderConfig, ids: &str) -> Result<String> {
    let h = cfg.hidden_size;
    let word = w.get_shaped("embeddings.word_embeddings.weight", &[cfg.vocab_size, h])?;
    let mut pos = w.get_shaped("embeddings.position_embeddings.weight", &[cfg.max_position_embeddings, h])?;
    let types = w.get_shaped("embeddings.token_type_embeddings.weight", &[cfg.type_vocab_size, h])?;
    for row in pos.chunks_exact_mut(h) {
        for (p, t) in row.iter_mut().zip(&types[..h]) {
            *p += t;
        }
    }
    let tok = super::word_table::gather(g, &word, cfg.vocab_size, h, ids);
    let pos = g.init_f32("position_type_embeddings", &[cfg.max_position_embeddings, h], &pos);
    let seq_len = g.op_with("Shape", &[ids], &[("start", Attr::Int(1)), ("end", Attr::Int(2))]);
    let zero = g.init_i64("zero_1d", &[0]);
    let pos_slice = g.op("Slice", &[&pos, &zero, &seq_len, &zero]);
    Ok(g.op("Add", &[&tok, &pos_slice]))
}

pub(crate) fn layer_names(l: usize) -> LayerNames {
    let p = format!("encoder.layer.{l}");
    LayerNames {
        qkv: ["query", "key", "value"].map(|n| format!("{p}.attention.self.{n}")),
        attn_out: format!("{p}.attention.output.dense"),
        attn_norm: format!("{p}.attention.output.LayerNorm"),
        ffn_in: format!("{p}.intermediate.dense"),
        ffn_out: format!("{p}.output.dense"),
        ffn_norm: format!("{p}.output.LayerNorm"),
    }
}
