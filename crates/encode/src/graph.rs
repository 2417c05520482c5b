//! Writes the ONNX inference graphs of a sentence encoder (BERT/MiniLM or MPNet, [`super::arch`]) from its
//! safetensors weights.
//!
//! Two fp32 graphs of the same computation. [`build`]'s uses opset-17 standard ops only (Gather,
//! LayerNormalization, MatMul, Softmax, Erf-based GELU): OpenVINO runs it in bf16, any ONNX runtime can run
//! it, and the int8 graphs below are built on it. [`build_fused`]'s writes each layer in ONNX Runtime's
//! `com.microsoft` transformer ops (`Attention` with Q/K/V packed into one product, `SkipLayerNormalization`,
//! `BiasGelu`), which ONNX Runtime does not fuse from the standard graph by itself (it fuses only BiasGelu
//! and FusedMatMul there): fp32 runs it on the CPU provider, 1.13× the standard graph for MiniLM on news
//! paragraphs (docs/performance.md). Mean pooling over the attention mask is part of both graphs, so only one
//! `[batch, hidden]` array crosses back to Rust; L2 normalisation happens in Rust after windows are averaged.
//!
//! The int8 graphs ([`Int8Scheme`], docs/int8.md) differ only in their Linear layers: QDQ standard ops for
//! `static` and `weight-only` (OpenVINO provider), ONNX Runtime's `com.microsoft` `MatMulNBits` and
//! `MatMulIntegerToFloat` for `nbits` and `per-row` (CPU provider). Embeddings, LayerNorm, attention,
//! softmax, GELU and pooling are the fp32 graph's.

use onnx_protobuf::tensor_proto::DataType;

use super::arch;
use super::config::EncoderConfig;
use super::error::Result;
use super::onnx::{Attr, GraphBuilder};
use super::quant::{self, Int8Scheme};
use super::weights::Weights;

pub use super::model::{ATTENTION_MASK, INPUT_IDS, OUTPUT};

/// Inputs per scale block of `MatMulNBits` weights (the op allows 16 to 256, powers of two).
pub const NBITS_BLOCK: usize = 32;
/// `MatMulNBits` accuracy level 4: int8 activations (quantized per row and block), int32 accumulation.
const NBITS_ACCURACY_LEVEL: i64 = 4;

/// Builds the serialized fp32 ONNX model.
pub fn build(cfg: &EncoderConfig, w: &Weights) -> Result<Vec<u8>> {
    build_with(cfg, w, None)
}

/// The fp32 graph with ONNX Runtime's fused transformer ops (`com.microsoft` `Attention` with packed
/// Q/K/V weights, `SkipLayerNormalization`), for the CPU provider only: OpenVINO runs [`build`]'s graph.
pub fn build_fused(cfg: &EncoderConfig, w: &Weights) -> Result<Vec<u8>> {
    build_graph(cfg, w, None, None, false, true).map(|(bytes, _)| bytes)
}

/// Builds the serialized ONNX model, with int8 Linear layers when `int8` names a scheme. The `static`
/// scheme needs the activation ranges measured by [`build_probe`]'s graph ([`ActRanges`]).
pub fn build_with(cfg: &EncoderConfig, w: &Weights, int8: Option<Int8Scheme>) -> Result<Vec<u8>> {
    build_graph(cfg, w, int8, None, false, false).map(|(bytes, _)| bytes)
}

/// The int8 graph of the `static` scheme: activations quantized per tensor with the calibrated `ranges`.
pub fn build_static(cfg: &EncoderConfig, w: &Weights, ranges: &ActRanges) -> Result<Vec<u8>> {
    build_graph(cfg, w, Some(Int8Scheme::Static), Some(ranges), false, false).map(|(bytes, _)| bytes)
}

/// The fp32 graph with every Linear's input as an extra output, for calibration: returns the graph and,
/// per Linear name, the output that carries its input.
pub fn build_probe(cfg: &EncoderConfig, w: &Weights) -> Result<(Vec<u8>, Probes)> {
    build_graph(cfg, w, None, None, true, false)
}

/// (Linear name, name of the graph output carrying its input), in graph order.
pub type Probes = Vec<(String, String)>;

/// Calibrated range of each input channel of a Linear's input.
#[derive(Debug, Clone, Default)]
pub struct ChannelRange {
    pub(crate) min: Vec<f32>,
    pub(crate) max: Vec<f32>,
}

/// Calibrated input ranges of the Linears, by Linear name.
pub type ActRanges = std::collections::BTreeMap<String, ChannelRange>;

/// SmoothQuant migration strength α of the static scheme. Measured on all-MiniLM-L6-v2 (mean cosine to fp32
/// on the calibration set): no smoothing 0.9928, α 0.5 0.9831, 0.6 0.9945, 0.7 0.9975, 0.75 0.99745 (best
/// label agreement), 0.8 0.9976, 0.85 0.9973.
const SMOOTH_ALPHA: f32 = 0.75;

/// The graph of every builder above: `fused` (fp32 only) writes the layers in ONNX Runtime's fused ops.
fn build_graph(
    cfg: &EncoderConfig,
    w: &Weights,
    int8: Option<Int8Scheme>,
    ranges: Option<&ActRanges>,
    probe: bool,
    fused: bool,
) -> Result<(Vec<u8>, Probes)> {
    let h = cfg.hidden_size;
    let mut g = GraphBuilder::new(&format!("framelens_{}", cfg.architecture().as_str()));
    let lin = Linears { w, int8, ranges, probes: probe.then(Default::default) };
    let batch_seq = [Err("batch"), Err("sequence")];
    let ids = g.input(INPUT_IDS, DataType::INT64, &batch_seq);
    let mask = g.input(ATTENTION_MASK, DataType::INT64, &batch_seq);
    g.output(OUTPUT, DataType::FLOAT, &[Err("batch"), Ok(h as i64)]);

    let emb = arch::embeddings(&mut g, w, cfg, &ids)?;
    let mut x = layer_norm(&mut g, w, cfg, "embeddings.LayerNorm", &emb)?;
    let mask_f = g.op_with("Cast", &[&mask], &[("to", Attr::Int(DataType::FLOAT as i64))]);

    if fused {
        let mask_i32 = g.op_with("Cast", &[&mask], &[("to", Attr::Int(DataType::INT32 as i64))]);
        let bias = arch::attention_bias(&mut g, w, cfg, &ids)?;
        for l in 0..cfg.num_hidden_layers {
            x = fused_layer(&mut g, w, cfg, l, &x, &mask_i32, bias.as_deref())?;
        }
    } else {
        x = standard_layers(&mut g, &lin, w, cfg, &ids, &mask_f, x)?;
    }

    // Mean pooling over the attention mask, as one `[1, seq] × [seq, hidden]` product per row: ONNX Runtime's
    // CPU ReduceSum over the sequence axis summed a row in an order that moved with the batch's size (MPNet
    // fp32 rows changed by up to 7e-8 with their batch), while a batched MatMul runs the same product for every
    // row whatever its batch. Padded positions have mask 0 and add exact zeros.
    let axis1 = g.init_i64("axis_1", &[1]);
    let mask_row = g.op("Unsqueeze", &[&mask_f, &axis1]);
    let summed = g.op("MatMul", &[&mask_row, &x]);
    let summed = g.op("Squeeze", &[&summed, &axis1]);
    let count = g.op_with("ReduceSum", &[&mask_f, &axis1], &[("keepdims", Attr::Int(1))]);
    let tiny = g.scalar_f32("min_count", 1e-9);
    let count = g.op("Max", &[&count, &tiny]);
    g.node_into("Div", &[&summed, &count], &[], OUTPUT);

    let probes = lin.probes.map(|p| p.into_inner()).unwrap_or_default();
    let mut exposed = std::collections::HashSet::new();
    for (_, value) in &probes {
        if exposed.insert(value.clone()) {
            g.output(value, DataType::FLOAT, &[Err("batch"), Err("sequence"), Err("features")]);
        }
    }
    let bytes = g
        .finish(env!("CARGO_PKG_VERSION"))
        .map_err(|e| super::error::EncodeError::Runtime(format!("serialising the ONNX graph: {e}")))?;
    Ok((bytes, probes))
}

/// The encoder layers in standard ops (every precision but the fused fp32 graph).
fn standard_layers(
    g: &mut GraphBuilder,
    lin: &Linears,
    w: &Weights,
    cfg: &EncoderConfig,
    ids: &str,
    mask_f: &str,
    mut x: String,
) -> Result<String> {
    // Additive attention mask [batch, 1, 1, seq]: 0 where attended, a large negative where padded, so that
    // padded keys get exactly zero probability and a row never depends on its batch's padding.
    let one = g.scalar_f32("one", 1.0);
    let neg = g.scalar_f32("mask_neg", -1.0e4);
    let inv = g.op("Sub", &[&one, mask_f]);
    let add_mask = g.op("Mul", &[&inv, &neg]);
    let axes12 = g.init_i64("axes_1_2", &[1, 2]);
    let mut add_mask = g.op("Unsqueeze", &[&add_mask, &axes12]);
    // A position bias shared by all layers is added to the mask once: where a key is attended the mask is
    // exactly 0, so each score gets exactly the bias.
    if let Some(bias) = arch::attention_bias(g, w, cfg, ids)? {
        add_mask = g.op("Add", &[&bias, &add_mask]);
    }
    for l in 0..cfg.num_hidden_layers {
        x = encoder_layer(g, lin, cfg, l, &x, &add_mask)?;
    }
    Ok(x)
}

/// One encoder layer in ONNX Runtime's fused ops: `Attention` (Q/K/V as one `[h, 3h]` product, the padding
/// mask as raw 0/1 rows, which the kernel turns into the same -10000 the standard graph adds, and MPNet's
/// position bias as its `attention_bias` input), then the output projection and `SkipLayerNormalization`
/// (bias + residual + LayerNorm in one pass), and the feed-forward likewise with `BiasGelu` (bias + exact erf
/// GELU).
fn fused_layer(
    g: &mut GraphBuilder,
    w: &Weights,
    cfg: &EncoderConfig,
    l: usize,
    x: &str,
    mask_i32: &str,
    bias: Option<&str>,
) -> Result<String> {
    let h = cfg.hidden_size;
    let names = arch::layer_names(cfg, l);
    let qkv: Vec<&str> = names.qkv.iter().map(String::as_str).collect();
    let (qkv_w, qkv_b) = side_by_side(w, &qkv, h, &[h, h, h])?;
    let p = format!("encoder.layer.{l}.fused");
    let qkv_w = g.init_f32(&format!("{p}.qkv_weight"), &[h, 3 * h], &qkv_w);
    let qkv_b = g.init_f32(&format!("{p}.qkv_bias"), &[3 * h], &qkv_b);
    let mut inputs = vec![x, qkv_w.as_str(), qkv_b.as_str(), mask_i32];
    if let Some(bias) = bias {
        inputs.extend(["", bias]);
    }
    let ctx = g.ms_op_with(
        "Attention",
        &inputs,
        &[("num_heads", Attr::Int(cfg.num_attention_heads as i64)), ("mask_filter_value", Attr::Float(-1.0e4))],
    );
    let x = fused_linear_norm(g, w, cfg, &names.attn_out, &names.attn_norm, &ctx, x, h, h)?;

    let i = cfg.intermediate_size;
    let w_in = w.linear(&format!("{}.weight", names.ffn_in), h, i)?;
    let w_in = g.init_f32(&format!("{}.weight_t", names.ffn_in), &[h, i], &w_in);
    let b_in = w.get_shaped(&format!("{}.bias", names.ffn_in), &[i])?;
    let b_in = g.init_f32(&format!("{}.bias", names.ffn_in), &[i], &b_in);
    let hid = g.op("MatMul", &[&x, &w_in]);
    let gelu = g.ms_op_with("BiasGelu", &[&hid, &b_in], &[]);
    fused_linear_norm(g, w, cfg, &names.ffn_out, &names.ffn_norm, &gelu, &x, i, h)
}

/// `LayerNorm(input @ W + b + residual)` as a MatMul and one `SkipLayerNormalization`.
#[allow(clippy::too_many_arguments)]
fn fused_linear_norm(
    g: &mut GraphBuilder,
    w: &Weights,
    cfg: &EncoderConfig,
    linear: &str,
    norm: &str,
    input: &str,
    residual: &str,
    n_in: usize,
    n_out: usize,
) -> Result<String> {
    let wt = w.linear(&format!("{linear}.weight"), n_in, n_out)?;
    let wt = g.init_f32(&format!("{linear}.weight_t"), &[n_in, n_out], &wt);
    let b = w.get_shaped(&format!("{linear}.bias"), &[n_out])?;
    let b = g.init_f32(&format!("{linear}.bias"), &[n_out], &b);
    let (gamma, beta) = norm_params(g, w, norm, n_out)?;
    let y = g.op("MatMul", &[input, &wt]);
    Ok(g.ms_op_with(
        "SkipLayerNormalization",
        &[&y, residual, &gamma, &beta, &b],
        &[("epsilon", Attr::Float(cfg.layer_norm_eps as f32))],
    ))
}

fn layer_norm(g: &mut GraphBuilder, w: &Weights, cfg: &EncoderConfig, name: &str, x: &str) -> Result<String> {
    let (gamma, beta) = norm_params(g, w, name, cfg.hidden_size)?;
    Ok(g.op_with(
        "LayerNormalization",
        &[x, &gamma, &beta],
        &[("axis", Attr::Int(-1)), ("epsilon", Attr::Float(cfg.layer_norm_eps as f32))],
    ))
}

/// The LayerNorm `name`'s scale and shift (`n` each) as initializers.
fn norm_params(g: &mut GraphBuilder, w: &Weights, name: &str, n: usize) -> Result<(String, String)> {
    let gamma = w.get_shaped(&format!("{name}.weight"), &[n])?;
    let beta = w.get_shaped(&format!("{name}.bias"), &[n])?;
    Ok((g.init_f32(&format!("{name}.weight"), &[n], &gamma), g.init_f32(&format!("{name}.bias"), &[n], &beta)))
}

/// The Linears `names` (inputs `n_in`, outputs `n_outs`) side by side: one `[n_in, Σ n_outs]` weight
/// (transposed for `MatMul`) and the biases in the same column order, so one product computes them all.
fn side_by_side(w: &Weights, names: &[&str], n_in: usize, n_outs: &[usize]) -> Result<(Vec<f32>, Vec<f32>)> {
    let n: usize = n_outs.iter().sum();
    let mut weight = vec![0f32; n_in * n];
    let mut bias = Vec::with_capacity(n);
    let mut col = 0;
    for (name, &n_out) in names.iter().zip(n_outs) {
        let wt = w.linear(&format!("{name}.weight"), n_in, n_out)?;
        for i in 0..n_in {
            weight[i * n + col..i * n + col + n_out].copy_from_slice(&wt[i * n_out..(i + 1) * n_out]);
        }
        bias.extend(w.get_shaped(&format!("{name}.bias"), &[n_out])?);
        col += n_out;
    }
    Ok((weight, bias))
}

/// Writes the Linear layers, in fp32 or in one int8 scheme.
struct Linears<'a> {
    w: &'a Weights<'a>,
    int8: Option<Int8Scheme>,
    /// Calibrated input ranges (the `static` scheme).
    ranges: Option<&'a ActRanges>,
    /// When probing for calibration: (Linear name, its input's value name), in graph order.
    probes: Option<std::cell::RefCell<Vec<(String, String)>>>,
}

impl Linears<'_> {
    /// `x @ W + b` for a `torch.nn.Linear` named `name`.
    fn linear(&self, g: &mut GraphBuilder, name: &str, x: &str, n_in: usize, n_out: usize) -> Result<String> {
        if self.int8 == Some(Int8Scheme::PerRow) {
            let rows = per_row_quantize(g, name, x, n_in);
            return Ok(self.per_row_linear(g, &rows, x, &[name], n_in, &[n_out])?.remove(0));
        }
        if self.int8 == Some(Int8Scheme::Static) {
            return Ok(self.static_linears(g, &[name], x, n_in, &[n_out])?.remove(0));
        }
        if let Some(p) = &self.probes {
            p.borrow_mut().push((name.to_string(), x.to_string()));
        }
        let weight = self.w.linear(&format!("{name}.weight"), n_in, n_out)?;
        let bias = self.w.get_shaped(&format!("{name}.bias"), &[n_out])?;
        let bias = g.init_f32(&format!("{name}.bias"), &[n_out], &bias);
        let y = match self.int8 {
            None => {
                let weight = g.init_f32(&format!("{name}.weight_t"), &[n_in, n_out], &weight);
                g.op("MatMul", &[x, &weight])
            }
            Some(Int8Scheme::Nbits) => {
                let q = quant::nbits(&weight, n_in, n_out, NBITS_BLOCK);
                let b = g.init_u8(&format!("{name}.weight_q8"), &[n_out, q.n_blocks, NBITS_BLOCK], &q.b);
                let s = g.init_f32(&format!("{name}.weight_scales"), &[n_out * q.n_blocks], &q.scales);
                g.ms_op_with(
                    "MatMulNBits",
                    &[x, &b, &s],
                    &[
                        ("K", Attr::Int(n_in as i64)),
                        ("N", Attr::Int(n_out as i64)),
                        ("bits", Attr::Int(8)),
                        ("block_size", Attr::Int(NBITS_BLOCK as i64)),
                        ("accuracy_level", Attr::Int(NBITS_ACCURACY_LEVEL)),
                    ],
                )
            }
            Some(Int8Scheme::WeightOnly) => {
                let q = quant::per_channel(&weight, n_in, n_out);
                let codes = g.init_i8(&format!("{name}.weight_q8"), &[n_in, n_out], &q.codes);
                let scales = g.init_f32(&format!("{name}.weight_scales"), &[n_out], &q.scales);
                let zeros = g.init_i8(&format!("{name}.weight_zero"), &[n_out], &vec![0; n_out]);
                let weight = g.op_with("DequantizeLinear", &[&codes, &scales, &zeros], &[("axis", Attr::Int(1))]);
                g.op("MatMul", &[x, &weight])
            }
            Some(Int8Scheme::PerRow) => unreachable!("handled above"),
            Some(Int8Scheme::Static) => unreachable!("handled above"),
        };
        Ok(g.op("Add", &[&y, &bias]))
    }

    /// Q, K and V of one attention layer (the Linears `names`), all from `x`. In the per-row scheme
    /// `x` is quantized once and one product with the three weights side by side gives all three.
    fn qkv(&self, g: &mut GraphBuilder, names: &[String; 3], x: &str, h: usize) -> Result<Vec<String>> {
        if self.int8 == Some(Int8Scheme::PerRow) {
            // Tagged by the Linears' common prefix (`encoder.layer.N.attention.self` in BERT).
            let prefix = names[0].rsplit_once('.').map_or(names[0].as_str(), |(p, _)| p);
            let rows = per_row_quantize(g, prefix, x, h);
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            return self.per_row_linear(g, &rows, x, &names, h, &[h, h, h]);
        }
        if self.int8 == Some(Int8Scheme::Static) {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            return self.static_linears(g, &names, x, h, &[h, h, h]);
        }
        names.iter().map(|n| self.linear(g, n, x, h, h)).collect()
    }

    /// The Linears `names` of one input `x`, quantized with a static (calibrated) per-tensor scale: `x` is
    /// first divided per channel by SmoothQuant factors `s_j = max|x_j|^α / max|w_j|^(1-α)` (the weights'
    /// rows multiplied by the same factors, so the product is unchanged in exact arithmetic), which moves
    /// the activation outliers into the weights, where per-channel scales absorb them; then one
    /// QuantizeLinear → DequantizeLinear, and a MatMul against each Linear's DequantizeLinear weights.
    fn static_linears(
        &self,
        g: &mut GraphBuilder,
        names: &[&str],
        x: &str,
        n_in: usize,
        n_outs: &[usize],
    ) -> Result<Vec<String>> {
        let stats = self.ranges.and_then(|r| r.get(names[0])).ok_or_else(|| {
            super::error::EncodeError::Runtime(format!("no calibrated activation range for `{}`", names[0]))
        })?;
        let mut weights = Vec::new();
        for (name, &n_out) in names.iter().zip(n_outs) {
            weights.push(self.w.linear(&format!("{name}.weight"), n_in, n_out)?);
        }
        // Largest weight magnitude per input channel, over all the Linears that read x.
        let mut w_max = vec![0f32; n_in];
        for (w, &n_out) in weights.iter().zip(n_outs) {
            for (j, row) in w.chunks_exact(n_out).enumerate() {
                w_max[j] = row.iter().fold(w_max[j], |m, v| m.max(v.abs()));
            }
        }
        let smooth: Vec<f32> = (0..n_in)
            .map(|j| {
                let a = stats.min[j].abs().max(stats.max[j].abs()).max(1e-5);
                let s = a.powf(SMOOTH_ALPHA) / w_max[j].max(1e-5).powf(1.0 - SMOOTH_ALPHA);
                s.clamp(1e-3, 1e3)
            })
            .collect();
        let tag = names.join("+");
        let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
        for ((mn, mx), s) in stats.min.iter().zip(&stats.max).zip(&smooth) {
            lo = lo.min(mn / s);
            hi = hi.max(mx / s);
        }
        let inv: Vec<f32> = smooth.iter().map(|v| 1.0 / v).collect();
        let inv = g.init_f32(&format!("{tag}.smooth_inv"), &[n_in], &inv);
        let xs = g.op("Mul", &[x, &inv]);
        let (scale, zero) = quant::asymmetric_u8(lo, hi);
        let x_scale = g.scalar_f32(&format!("{tag}.x_scale"), scale);
        let x_zero = g.init_u8(&format!("{tag}.x_zero"), &[], &[zero]);
        let xq = g.op("QuantizeLinear", &[&xs, &x_scale, &x_zero]);
        let xd = g.op("DequantizeLinear", &[&xq, &x_scale, &x_zero]);
        let mut out = Vec::new();
        for ((name, &n_out), mut w) in names.iter().zip(n_outs).zip(weights) {
            for (j, row) in w.chunks_exact_mut(n_out).enumerate() {
                row.iter_mut().for_each(|v| *v *= smooth[j]);
            }
            let bias = self.w.get_shaped(&format!("{name}.bias"), &[n_out])?;
            let bias = g.init_f32(&format!("{name}.bias"), &[n_out], &bias);
            let q = quant::per_channel(&w, n_in, n_out);
            let codes = g.init_i8(&format!("{name}.weight_q8"), &[n_in, n_out], &q.codes);
            let scales = g.init_f32(&format!("{name}.weight_scales"), &[n_out], &q.scales);
            let zeros = g.init_i8(&format!("{name}.weight_zero"), &[n_out], &vec![0; n_out]);
            let wd = g.op_with("DequantizeLinear", &[&codes, &scales, &zeros], &[("axis", Attr::Int(1))]);
            let y = g.op("MatMul", &[&xd, &wd]);
            out.push(g.op("Add", &[&y, &bias]));
        }
        Ok(out)
    }

    /// The Linears `names` (outputs `n_outs`) of the per-row quantized `x`: one `MatMulIntegerToFloat` with
    /// their int8 weights side by side (per output channel scales), then the row scale and the bias in fp32,
    /// then split back into one `[batch, seq, n_out]` tensor per Linear.
    fn per_row_linear(
        &self,
        g: &mut GraphBuilder,
        rows: &RowQuantized,
        x: &str,
        names: &[&str],
        n_in: usize,
        n_outs: &[usize],
    ) -> Result<Vec<String>> {
        let n: usize = n_outs.iter().sum();
        let (weight, bias) = side_by_side(self.w, names, n_in, n_outs)?;
        let tag = names.join("+");
        let q = quant::per_channel(&weight, n_in, n);
        let codes = g.init_i8(&format!("{tag}.weight_q8"), &[n_in, n], &q.codes);
        let w_scales = g.init_f32(&format!("{tag}.weight_scales"), &[n], &q.scales);
        let bias = g.init_f32(&format!("{tag}.bias"), &[n], &bias);
        let one = g.scalar_f32(&format!("{tag}.x_unit_scale"), 1.0);
        let y = g.ms_op_with("MatMulIntegerToFloat", &[&rows.codes, &codes, &one, &w_scales, &rows.zero], &[]);
        let y = g.op("Mul", &[&y, &rows.scale]);
        let y = g.op("Add", &[&y, &bias]);
        // Back to [batch, seq, n]: the first two dimensions of x, then n.
        let shape = g.op("Shape", &[x]);
        let (z, two) = (g.init_i64(&format!("{tag}.zero"), &[0]), g.init_i64(&format!("{tag}.two"), &[2]));
        let bs = g.op("Slice", &[&shape, &z, &two]);
        let nn = g.init_i64(&format!("{tag}.n"), &[n as i64]);
        let shape = g.op_with("Concat", &[&bs, &nn], &[("axis", Attr::Int(0))]);
        let y = g.op("Reshape", &[&y, &shape]);
        if names.len() == 1 {
            return Ok(vec![y]);
        }
        let sizes: Vec<i64> = n_outs.iter().map(|&k| k as i64).collect();
        let sizes = g.init_i64(&format!("{tag}.split"), &sizes);
        Ok(g.op_multi("Split", &[&y, &sizes], &[("axis", Attr::Int(-1))], names.len()))
    }
}

/// Activations quantized per row (per token): uint8 codes `[batch * seq, k]` with zero point 128, and each
/// row's scale (max |x| / 127) as a `[batch * seq, 1]` column.
struct RowQuantized {
    codes: String,
    zero: String,
    scale: String,
}

/// Per-row quantization in as few ops as standard ONNX allows: `x` is viewed as a matrix of rows, so that
/// `QuantizeLinear` with a per-axis scale (axis 0) rounds, saturates and casts every row with its own
/// scale in one op. A row's codes depend on that row alone, so a paragraph's embedding never depends on
/// its batch.
fn per_row_quantize(g: &mut GraphBuilder, tag: &str, x: &str, k: usize) -> RowQuantized {
    let rows_shape = g.init_i64(&format!("{tag}.rows_shape"), &[-1, k as i64]);
    let x2 = g.op("Reshape", &[x, &rows_shape]);
    let abs = g.op("Abs", &[&x2]);
    let max = g.op_with("ReduceMax", &[&abs], &[("axes", Attr::Ints(&[1])), ("keepdims", Attr::Int(0))]);
    let inv_qmax = g.scalar_f32(&format!("{tag}.inv_qmax"), 1.0 / 127.0);
    let scale = g.op("Mul", &[&max, &inv_qmax]);
    let tiny = g.scalar_f32(&format!("{tag}.tiny"), 1e-30);
    let scale = g.op("Max", &[&scale, &tiny]);
    let zero = g.init_u8(&format!("{tag}.x_zero"), &[], &[128]);
    let scale_shape = g.op("Shape", &[&scale]);
    let zeros = g.op("Expand", &[&zero, &scale_shape]);
    let codes = g.op_with("QuantizeLinear", &[&x2, &scale, &zeros], &[("axis", Attr::Int(0))]);
    let one = g.init_i64(&format!("{tag}.axis_1"), &[1]);
    let scale = g.op("Unsqueeze", &[&scale, &one]);
    RowQuantized { codes, zero, scale }
}

fn encoder_layer(
    g: &mut GraphBuilder,
    lin: &Linears,
    cfg: &EncoderConfig,
    l: usize,
    x: &str,
    add_mask: &str,
) -> Result<String> {
    let h = cfg.hidden_size;
    let heads = cfg.num_attention_heads as i64;
    let dh = cfg.head_dim() as i64;
    let w = lin.w;
    let p = format!("encoder.layer.{l}");
    let split_shape = g.init_i64(&format!("{p}.split_shape"), &[0, 0, heads, dh]);
    let merge_shape = g.init_i64(&format!("{p}.merge_shape"), &[0, 0, h as i64]);

    let names = arch::layer_names(cfg, l);
    let qkv = lin.qkv(g, &names.qkv, x, h)?;
    let (q, k, v) = (&qkv[0], &qkv[1], &qkv[2]);
    let q = g.op("Reshape", &[q, &split_shape]);
    let k = g.op("Reshape", &[k, &split_shape]);
    let v = g.op("Reshape", &[v, &split_shape]);
    let q = g.op_with("Transpose", &[&q], &[("perm", Attr::Ints(&[0, 2, 1, 3]))]);
    let kt = g.op_with("Transpose", &[&k], &[("perm", Attr::Ints(&[0, 2, 3, 1]))]);
    let v = g.op_with("Transpose", &[&v], &[("perm", Attr::Ints(&[0, 2, 1, 3]))]);
    let scores = g.op("MatMul", &[&q, &kt]);
    let scale = g.scalar_f32(&format!("{p}.scale"), 1.0 / (dh as f32).sqrt());
    let scores = g.op("Mul", &[&scores, &scale]);
    let scores = g.op("Add", &[&scores, add_mask]);
    let probs = g.op_with("Softmax", &[&scores], &[("axis", Attr::Int(-1))]);
    let ctx = g.op("MatMul", &[&probs, &v]);
    let ctx = g.op_with("Transpose", &[&ctx], &[("perm", Attr::Ints(&[0, 2, 1, 3]))]);
    let ctx = g.op("Reshape", &[&ctx, &merge_shape]);
    let attn = lin.linear(g, &names.attn_out, &ctx, h, h)?;
    let res = g.op("Add", &[&attn, x]);
    let x = layer_norm(g, w, cfg, &names.attn_norm, &res)?;

    // Feed-forward with exact (erf) GELU, as BERT and MPNet were trained.
    let i = cfg.intermediate_size;
    let hid = lin.linear(g, &names.ffn_in, &x, h, i)?;
    let sqrt2 = g.scalar_f32(&format!("{p}.sqrt2"), std::f32::consts::SQRT_2);
    let half = g.scalar_f32(&format!("{p}.half"), 0.5);
    let one = g.scalar_f32(&format!("{p}.one"), 1.0);
    let scaled = g.op("Div", &[&hid, &sqrt2]);
    let erf = g.op("Erf", &[&scaled]);
    let erf1 = g.op("Add", &[&erf, &one]);
    let gelu = g.op("Mul", &[&hid, &erf1]);
    let gelu = g.op("Mul", &[&gelu, &half]);
    let out = lin.linear(g, &names.ffn_out, &gelu, i, h)?;
    let res = g.op("Add", &[&out, &x]);
    layer_norm(g, w, cfg, &names.ffn_norm, &res)
}
