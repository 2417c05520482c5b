//! int8 quantization of the encoder's Linear layers, written natively (no Python, no
//! `onnxruntime.quantization`).
//!
//! Every scheme quantizes the weights of every Linear (Q, K, V, attention output, FFN in and out)
//! symmetrically to int8, with one scale per output channel (or finer: per block of 32 inputs of an output
//! channel for `MatMulNBits`). Embeddings, LayerNorm, softmax and GELU stay fp32. Activations are never
//! quantized with a scale computed from the batch tensor, because then a row's embedding would depend on the
//! other rows of its batch (docs/design.md measured rows moving by up to 0.03): they are quantized per row (per
//! token), with constant calibrated scales, or not at all. The schemes differ in the op that runs the
//! product and in the provider that runs it; docs/int8.md has their measured speed and fidelity.

use serde::{Deserialize, Serialize};

/// How the int8 graph computes its Linear layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Int8Scheme {
    /// ONNX Runtime's `com.microsoft::MatMulNBits`, 8-bit weights in blocks of 32 inputs with a scale each,
    /// `accuracy_level` 4: activations are quantized to int8 per row and block at run time and the product
    /// runs on int8 dot-product units (VNNI). CPU provider.
    Nbits,
    /// Weight-only int8: `DequantizeLinear` (int8 weights, per-channel scale) → `MatMul` on the OpenVINO
    /// provider in bf16, which keeps the weights compressed; batches of one padded length, as for bf16.
    WeightOnly,
    /// Dynamic quantization per row in standard ops: each token's activations get their own scale, uint8
    /// `MatMulInteger` against int8 weights, rescaled in fp32. CPU provider.
    PerRow,
    /// Static calibrated scales with SmoothQuant: each Linear input is divided per channel by factors that
    /// move its outliers into the (per-channel quantized) weights, then quantized per tensor with a
    /// constant scale measured on the calibration set at quantize time, so no row depends on its batch. QDQ
    /// form (`QuantizeLinear` → `DequantizeLinear` → `MatMul` with `DequantizeLinear` weights), run by the
    /// OpenVINO provider as int8 products, the rest in bf16; batches of one padded length, as for bf16.
    Static,
}

impl Int8Scheme {
    /// Every scheme, in the order manifests list them (`model quantize --all-schemes` writes them all).
    pub const ALL: [Int8Scheme; 4] =
        [Int8Scheme::Nbits, Int8Scheme::WeightOnly, Int8Scheme::PerRow, Int8Scheme::Static];

    /// The kebab-case name of `--int8-scheme`, manifests and graph file names (as serde writes it).
    pub fn as_str(self) -> &'static str {
        match self {
            Int8Scheme::Nbits => "nbits",
            Int8Scheme::WeightOnly => "weight-only",
            Int8Scheme::PerRow => "per-row",
            Int8Scheme::Static => "static",
        }
    }

    /// Whether the scheme runs on the OpenVINO provider (else the CPU provider).
    pub fn openvino(self) -> bool {
        matches!(self, Int8Scheme::WeightOnly | Int8Scheme::Static)
    }
}

impl std::fmt::Display for Int8Scheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Largest int8 magnitude used: symmetric quantization to [-127, 127] keeps zero exact and the range even.
const QMAX: f32 = 127.0;

/// Symmetric scale for values whose largest magnitude is `max_abs` (1 for an all-zero group, whose codes
/// are all 0 anyway).
fn scale_for(max_abs: f32) -> f32 {
    if max_abs > 0.0 {
        max_abs / QMAX
    } else {
        1.0
    }
}

fn code(v: f32, scale: f32) -> i8 {
    (v / scale).round().clamp(-QMAX, QMAX) as i8
}

/// Asymmetric uint8 quantization of the range [lo, hi] (widened to hold 0, so zero stays exact):
/// (scale, zero point).
pub fn asymmetric_u8(lo: f32, hi: f32) -> (f32, u8) {
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    if hi <= lo {
        return (1.0, 0);
    }
    let scale = (hi - lo) / 255.0;
    let zero = (-lo / scale).round().clamp(0.0, 255.0) as u8;
    (scale, zero)
}

/// A weight `[n_in, n_out]` (row-major, as the fp32 graph's `MatMul` takes it) quantized per output
/// channel: `w[i, o] ≈ codes[i, o] * scales[o]`.
#[derive(Debug, Clone)]
pub struct PerChannel {
    /// `[n_in, n_out]`, row-major like the weight, in [-127, 127].
    pub codes: Vec<i8>,
    /// `[n_out]`: the channel's largest magnitude / 127 (1 for an all-zero channel).
    pub scales: Vec<f32>,
}

/// Symmetric per-output-channel quantization of `w` (`[n_in, n_out]`, row-major); panics on a length mismatch.
pub fn per_channel(w: &[f32], n_in: usize, n_out: usize) -> PerChannel {
    assert_eq!(w.len(), n_in * n_out);
    let mut max_abs = vec![0f32; n_out];
    for row in w.chunks_exact(n_out) {
        for (m, v) in max_abs.iter_mut().zip(row) {
            *m = m.max(v.abs());
        }
    }
    let scales: Vec<f32> = max_abs.iter().map(|&m| scale_for(m)).collect();
    let codes = w.chunks_exact(n_out).flat_map(|row| row.iter().zip(&scales).map(|(&v, &s)| code(v, s))).collect();
    PerChannel { codes, scales }
}

/// A weight in `MatMulNBits`' 8-bit layout: `b` is `[n_out, n_blocks, block]` bytes, each the code plus
/// 128 (the op's default zero point for 8 bits, so no zero-point input is needed and the quantization is
/// symmetric); `scales` is `[n_out * n_blocks]`, one per output channel and block of `block` inputs.
/// Inputs past `n_in` in the last block are zero.
#[derive(Debug, Clone)]
pub struct NBits {
    /// `[n_out, n_blocks, block]` bytes: code + 128.
    pub b: Vec<u8>,
    /// `[n_out * n_blocks]`, output channel major.
    pub scales: Vec<f32>,
    /// Blocks per output channel: `n_in` / `block`, rounded up.
    pub n_blocks: usize,
}

/// The zero point `MatMulNBits` assumes for 8-bit codes when none is given.
pub const NBITS_ZERO_POINT: i32 = 128;

/// Quantizes `w` (`[n_in, n_out]`, row-major) into [`NBits`] blocks of `block` inputs; panics on a length
/// mismatch.
pub fn nbits(w: &[f32], n_in: usize, n_out: usize, block: usize) -> NBits {
    assert_eq!(w.len(), n_in * n_out);
    let n_blocks = n_in.div_ceil(block);
    let mut b = vec![NBITS_ZERO_POINT as u8; n_out * n_blocks * block];
    let mut scales = vec![0f32; n_out * n_blocks];
    let mut column = vec![0f32; n_blocks * block];
    for o in 0..n_out {
        column.iter_mut().for_each(|c| *c = 0.0);
        for i in 0..n_in {
            column[i] = w[i * n_out + o];
        }
        for k in 0..n_blocks {
            let vals = &column[k * block..(k + 1) * block];
            let s = scale_for(vals.iter().fold(0f32, |m, v| m.max(v.abs())));
            scales[o * n_blocks + k] = s;
            let dst = &mut b[(o * n_blocks + k) * block..(o * n_blocks + k + 1) * block];
            for (d, &v) in dst.iter_mut().zip(vals) {
                *d = (code(v, s) as i32 + NBITS_ZERO_POINT) as u8;
            }
        }
    }
    NBits { b, scales, n_blocks }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights(n_in: usize, n_out: usize) -> Vec<f32> {
        (0..n_in * n_out).map(|i| ((i * 7919 % 1000) as f32 / 1000.0 - 0.5) * (1.0 + (i % n_out) as f32)).collect()
    }

    #[test]
    fn per_channel_round_trips_within_half_a_step() {
        let (n_in, n_out) = (40, 6);
        let w = weights(n_in, n_out);
        let q = per_channel(&w, n_in, n_out);
        for i in 0..n_in {
            for o in 0..n_out {
                let back = q.codes[i * n_out + o] as f32 * q.scales[o];
                assert!((back - w[i * n_out + o]).abs() <= q.scales[o] * 0.5 + 1e-6);
            }
        }
        // The largest magnitude of each channel maps to ±127.
        for o in 0..n_out {
            assert!((0..n_in).any(|i| q.codes[i * n_out + o].unsigned_abs() == 127));
        }
    }

    #[test]
    fn nbits_layout_is_output_major_with_offset_codes() {
        let (n_in, n_out, block) = (40, 3, 16);
        let w = weights(n_in, n_out);
        let q = nbits(&w, n_in, n_out, block);
        assert_eq!(q.n_blocks, 3);
        assert_eq!(q.b.len(), n_out * 3 * block);
        assert_eq!(q.scales.len(), n_out * 3);
        for o in 0..n_out {
            for i in 0..n_in {
                let (k, j) = (i / block, i % block);
                let c = q.b[(o * q.n_blocks + k) * block + j] as i32 - NBITS_ZERO_POINT;
                let back = c as f32 * q.scales[o * q.n_blocks + k];
                assert!((back - w[i * n_out + o]).abs() <= q.scales[o * q.n_blocks + k] * 0.5 + 1e-6);
            }
            // Padding past n_in is code 0.
            for j in (n_in % block)..block {
                assert_eq!(q.b[(o * q.n_blocks + 2) * block + j] as i32, NBITS_ZERO_POINT);
            }
        }
    }
}
