//! MPNet (all-mpnet-base-v2), as Hugging Face's `MPNetModel` computes it.
//!
//! Positions start after the padding index (row 2 of the table: `create_position_ids_from_input_ids` with
//! padding index 1). framelens pads only on the right and masks padded keys, so every real token's position
//! is its index plus 2 and the table is sliced from row 2 at import; padded rows get other positions than in
//! Hugging Face, which cannot reach a real token's output. There are no token-type embeddings.
//!
//! Every layer adds the same relative position bias to its attention scores: one `[buckets, heads]` table,
//! indexed by T5-style log buckets of the key-minus-query distance (half the buckets per direction, exact up to
//! a quarter of the buckets, logarithmic up to 128). The bucket of every distance a window can have is
//! computed here, in the float32 arithmetic torch uses, so that the graph only gathers.

use super::LayerNames;
use crate::config::EncoderConfig;
use crate::error::Result;
use crate::onnx::{Attr, GraphBuilder};
use crate::weights::Weights;

/// First row of the position table a real token uses (padding index 1, plus one).
const POSITION_OFFSET: usize = 2;
/// Distances beyond this share the last bucket (`relative_position_bucket`'s `max_distance`).
const MAX_DISTANCE: i64 = 128;
const DEFAULT_BUCKETS: usize = 32;

pub(crate) fn embeddings(g: &mut GraphBuilder, w: &Weights, cfg: &EncoderConfig, ids: &str) -> Result<String> {
    let h = cfg.hidden_size;
    let word = w.get_shaped("embeddings.word_embeddings.weight", &[cfg.vocab_size, h])?;
    let pos = w.get_shaped("embeddings.position_embeddings.weight", &[cfg.max_position_embeddings, h])?;
    let rows = cfg.usable_positions();
    let tok = super::word_table::gather(g, &word, cfg.vocab_size, h, ids);
    let pos = g.init_f32("position_embeddings", &[rows, h], &pos[POSITION_OFFSET * h..]);
    let seq_len = g.op_with("Shape", &[ids], &[("start", Attr::Int(1)), ("end", Attr::Int(2))]);
    let zero = g.init_i64("zero_1d", &[0]);
    let pos_slice = g.op("Slice", &[&pos, &zero, &seq_len, &zero]);
    Ok(g.op("Add", &[&tok, &pos_slice]))
}

/// `[1, heads, seq, seq]`: bias[h, q, k] = table[bucket(k - q), h].
pub fn attention_bias(g: &mut GraphBuilder, w: &Weights, cfg: &EncoderConfig, ids: &str) -> Result<String> {
    let heads = cfg.num_attention_heads;
    let buckets = cfg.relative_attention_num_buckets.unwrap_or(DEFAULT_BUCKETS);
    let table = w.get_shaped("encoder.relative_attention_bias.weight", &[buckets, heads])?;
    let table = g.init_f32("relative_attention_bias", &[buckets, heads], &table);
    // The bucket of every distance k - q in [-(n-1), n-1], at index k - q + n - 1.
    let n = cfg.usable_positions() as i64;
    let by_distance: Vec<i64> = (-(n - 1)..n).map(|d| bucket(d, buckets as i64)).collect();
    let by_distance = g.init_i64("relative_bucket_by_distance", &by_distance);

    let seq_len = g.op_with("Shape", &[ids], &[("start", Attr::Int(1)), ("end", Attr::Int(2))]);
    let seq_len = g.op_with("Squeeze", &[&seq_len], &[]);
    let start = g.init_i64_scalar("relative_zero", 0);
    let step = g.init_i64_scalar("relative_one", 1);
    let positions = g.op("Range", &[&start, &seq_len, &step]);
    let axis0 = g.init_i64("relative_axis_0", &[0]);
    let axis1 = g.init_i64("relative_axis_1", &[1]);
    let keys = g.op("Unsqueeze", &[&positions, &axis0]);
    let queries = g.op("Unsqueeze", &[&positions, &axis1]);
    let distance = g.op("Sub", &[&keys, &queries]);
    let offset = g.init_i64_scalar("relative_offset", n - 1);
    let index = g.op("Add", &[&distance, &offset]);
    let bucket_ids = g.op_with("Gather", &[&by_distance, &index], &[("axis", Attr::Int(0))]);
    let bias = g.op_with("Gather", &[&table, &bucket_ids], &[("axis", Attr::Int(0))]);
    let bias = g.op_with("Transpose", &[&bias], &[("perm", Attr::Ints(&[2, 0, 1]))]);
    Ok(g.op("Unsqueeze", &[&bias, &axis0]))
}

/// Hugging Face's `MPNetEncoder.relative_position_bucket` for one distance `k - q`, step by step in float32
/// as torch runs it (the truncation of the log term decides buckets at their borders).
pub fn bucket(relative_position: i64, num_buckets: i64) -> i64 {
    let half = num_buckets / 2;
    let n = -relative_position;
    let mut ret = if n < 0 { half } else { 0 };
    let n = n.abs();
    let max_exact = half / 2;
    if n < max_exact {
        return ret + n;
    }
    let log_ratio = (n as f32 / max_exact as f32).ln() / ((MAX_DISTANCE as f64 / max_exact as f64).ln() as f32);
    let large = max_exact + (log_ratio * (half - max_exact) as f32) as i64;
    ret += large.min(half - 1);
    ret
}

pub(crate) fn layer_names(l: usize) -> LayerNames {
    let p = format!("encoder.layer.{l}");
    LayerNames {
        qkv: ["q", "k", "v"].map(|n| format!("{p}.attention.attn.{n}")),
        attn_out: format!("{p}.attention.attn.o"),
        attn_norm: format!("{p}.attention.LayerNorm"),
        ffn_in: format!("{p}.intermediate.dense"),
        ffn_out: format!("{p}.output.dense"),
        ffn_norm: format!("{p}.output.LayerNorm"),
    }
}

#[cfg(test)]
mod tests {
    use super::bucket;

    /// Buckets given by transformers' `MPNetEncoder.relative_position_bucket(torch.arange(-600, 601), 32, 128)`
    /// (torch 2.15, transformers 5.25) on both sides of every bucket border, where float32 truncation decides.
    #[test]
    fn buckets_match_torch_at_their_borders() {
        let expected: &[(i64, i64)] = &[
            (-600, 15),
            (-91, 15),
            (-90, 14),
            (-64, 14),
            (-63, 13),
            (-46, 13),
            (-45, 12),
            (-32, 12),
            (-31, 11),
            (-23, 11),
            (-22, 10),
            (-16, 10),
            (-15, 9),
            (-12, 9),
            (-11, 8),
            (-8, 8),
            (-7, 7),
            (-6, 6),
            (-5, 5),
            (-4, 4),
            (-3, 3),
            (-2, 2),
            (-1, 1),
            (0, 0),
            (1, 17),
            (2, 18),
            (3, 19),
            (4, 20),
            (5, 21),
            (6, 22),
            (7, 23),
            (8, 24),
            (11, 24),
            (12, 25),
            (15, 25),
            (16, 26),
            (22, 26),
            (23, 27),
            (31, 27),
            (32, 28),
            (45, 28),
            (46, 29),
            (63, 29),
            (64, 30),
            (90, 30),
            (91, 31),
            (600, 31),
        ];
        for &(d, b) in expected {
            assert_eq!(bucket(d, 32), b, "distance {d}");
        }
    }
}
