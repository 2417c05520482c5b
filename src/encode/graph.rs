//! Writes the ONNX inference graph of a BERT-family sentence encoder from its safetensors weights.
//!
//! The graph uses opset-17 standard ops only (Gather, LayerNormalization, MatMul, Softmax, Erf-based GELU):
//! measured on this machine kind, ONNX Runtime fuses BiasGelu and FusedMatMul in it by itself, and
//! emitting the `com.microsoft` contrib ops directly ran no faster (DESIGN.md), while standard ops keep the
//! graph runnable by the OpenVINO provider and by any ONNX runtime. Mean pooling over the attention mask is
//! part of the graph, so only one `[batch, hidden]` array crosses back to Rust; L2 normalisation happens
//! in Rust after windows are averaged.
//!
//! Token type ids are not an input: framelens always encodes single segments (type 0), so the type-0
//! embedding row is folded into the position table at import time.

use onnx_protobuf::tensor_proto::DataType;

use super::config::BertConfig;
use super::error::Result;
use super::onnx::{Attr, GraphBuilder};
use super::weights::Weights;

/// Names of the graph's inputs and output, shared with the session code.
pub const INPUT_IDS: &str = "input_ids";
pub const ATTENTION_MASK: &str = "attention_mask";
pub const OUTPUT: &str = "sentence_embedding";

/// Builds the serialized ONNX model.
pub fn build_bert(cfg: &BertConfig, w: &Weights) -> Result<Vec<u8>> {
    let h = cfg.hidden_size;
    let mut g = GraphBuilder::new("framelens_bert");
    let batch_seq = [Err("batch"), Err("sequence")];
    let ids = g.input(INPUT_IDS, DataType::INT64, &batch_seq);
    let mask = g.input(ATTENTION_MASK, DataType::INT64, &batch_seq);
    g.output(OUTPUT, DataType::FLOAT, &[Err("batch"), Ok(h as i64)]);

    // Embeddings: word + (position + type 0), then LayerNorm.
    let word = w.get_shaped("embeddings.word_embeddings.weight", &[cfg.vocab_size, h])?;
    let mut pos = w.get_shaped("embeddings.position_embeddings.weight", &[cfg.max_position_embeddings, h])?;
    let types = w.get_shaped("embeddings.token_type_embeddings.weight", &[cfg.type_vocab_size, h])?;
    for row in pos.chunks_exact_mut(h) {
        for (p, t) in row.iter_mut().zip(&types[..h]) {
            *p += t;
        }
    }
    let word = g.init_f32("word_embeddings", &[cfg.vocab_size, h], &word);
    let pos = g.init_f32("position_type_embeddings", &[cfg.max_position_embeddings, h], &pos);
    let tok = g.op_with("Gather", &[&word, &ids], &[("axis", Attr::Int(0))]);
    let seq_len = g.op_with("Shape", &[&ids], &[("start", Attr::Int(1)), ("end", Attr::Int(2))]);
    let zero = g.init_i64("zero_1d", &[0]);
    let pos_slice = g.op("Slice", &[&pos, &zero, &seq_len, &zero]);
    let emb = g.op("Add", &[&tok, &pos_slice]);
    let mut x = layer_norm(&mut g, w, cfg, "embeddings.LayerNorm", &emb)?;

    // Additive attention mask [batch, 1, 1, seq]: 0 where attended, a large negative where padded, so that
    // padded keys get exactly zero probability and a row never depends on its batch's padding.
    let mask_f = g.op_with("Cast", &[&mask], &[("to", Attr::Int(DataType::FLOAT as i64))]);
    let one = g.scalar_f32("one", 1.0);
    let neg = g.scalar_f32("mask_neg", -1.0e4);
    let inv = g.op("Sub", &[&one, &mask_f]);
    let add_mask = g.op("Mul", &[&inv, &neg]);
    let axes12 = g.init_i64("axes_1_2", &[1, 2]);
    let add_mask = g.op("Unsqueeze", &[&add_mask, &axes12]);

    for l in 0..cfg.num_hidden_layers {
        x = encoder_layer(&mut g, w, cfg, l, &x, &add_mask)?;
    }

    // Mean pooling over the attention mask.
    let axis2 = g.init_i64("axis_2", &[2]);
    let mask3 = g.op("Unsqueeze", &[&mask_f, &axis2]);
    let masked = g.op("Mul", &[&x, &mask3]);
    let axis1 = g.init_i64("axis_1", &[1]);
    let summed = g.op_with("ReduceSum", &[&masked, &axis1], &[("keepdims", Attr::Int(0))]);
    let count = g.op_with("ReduceSum", &[&mask_f, &axis1], &[("keepdims", Attr::Int(1))]);
    let tiny = g.scalar_f32("min_count", 1e-9);
    let count = g.op("Max", &[&count, &tiny]);
    g.node_into("Div", &[&summed, &count], &[], OUTPUT);

    g.finish(env!("CARGO_PKG_VERSION"))
        .map_err(|e| super::error::EncodeError::Runtime(format!("serialising the ONNX graph: {e}")))
}

fn layer_norm(g: &mut GraphBuilder, w: &Weights, cfg: &BertConfig, name: &str, x: &str) -> Result<String> {
    let h = cfg.hidden_size;
    let gamma = w.get_shaped(&format!("{name}.weight"), &[h])?;
    let beta = w.get_shaped(&format!("{name}.bias"), &[h])?;
    let gamma = g.init_f32(&format!("{name}.weight"), &[h], &gamma);
    let beta = g.init_f32(&format!("{name}.bias"), &[h], &beta);
    Ok(g.op_with(
        "LayerNormalization",
        &[x, &gamma, &beta],
        &[("axis", Attr::Int(-1)), ("epsilon", Attr::Float(cfg.layer_norm_eps as f32))],
    ))
}

/// `x @ W + b` for a `torch.nn.Linear` named `name`.
fn linear(g: &mut GraphBuilder, w: &Weights, name: &str, x: &str, n_in: usize, n_out: usize) -> Result<String> {
    let weight = w.linear(&format!("{name}.weight"), n_in, n_out)?;
    let bias = w.get_shaped(&format!("{name}.bias"), &[n_out])?;
    let weight = g.init_f32(&format!("{name}.weight_t"), &[n_in, n_out], &weight);
    let bias = g.init_f32(&format!("{name}.bias"), &[n_out], &bias);
    let y = g.op("MatMul", &[x, &weight]);
    Ok(g.op("Add", &[&y, &bias]))
}

fn encoder_layer(
    g: &mut GraphBuilder,
    w: &Weights,
    cfg: &BertConfig,
    l: usize,
    x: &str,
    add_mask: &str,
) -> Result<String> {
    let h = cfg.hidden_size;
    let heads = cfg.num_attention_heads as i64;
    let dh = cfg.head_dim() as i64;
    let p = format!("encoder.layer.{l}");
    let split_shape = g.init_i64(&format!("{p}.split_shape"), &[0, 0, heads, dh]);
    let merge_shape = g.init_i64(&format!("{p}.merge_shape"), &[0, 0, h as i64]);

    let q = linear(g, w, &format!("{p}.attention.self.query"), x, h, h)?;
    let k = linear(g, w, &format!("{p}.attention.self.key"), x, h, h)?;
    let v = linear(g, w, &format!("{p}.attention.self.value"), x, h, h)?;
    let q = g.op("Reshape", &[&q, &split_shape]);
    let k = g.op("Reshape", &[&k, &split_shape]);
    let v = g.op("Reshape", &[&v, &split_shape]);
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
    let attn = linear(g, w, &format!("{p}.attention.output.dense"), &ctx, h, h)?;
    let res = g.op("Add", &[&attn, x]);
    let x = layer_norm(g, w, cfg, &format!("{p}.attention.output.LayerNorm"), &res)?;

    // Feed-forward with exact (erf) GELU, as BERT was trained.
    let i = cfg.intermediate_size;
    let hid = linear(g, w, &format!("{p}.intermediate.dense"), &x, h, i)?;
    let sqrt2 = g.scalar_f32(&format!("{p}.sqrt2"), std::f32::consts::SQRT_2);
    let half = g.scalar_f32(&format!("{p}.half"), 0.5);
    let one = g.scalar_f32(&format!("{p}.one"), 1.0);
    let scaled = g.op("Div", &[&hid, &sqrt2]);
    let erf = g.op("Erf", &[&scaled]);
    let erf1 = g.op("Add", &[&erf, &one]);
    let gelu = g.op("Mul", &[&hid, &erf1]);
    let gelu = g.op("Mul", &[&gelu, &half]);
    let out = linear(g, w, &format!("{p}.output.dense"), &gelu, i, h)?;
    let res = g.op("Add", &[&out, &x]);
    layer_norm(g, w, cfg, &format!("{p}.output.LayerNorm"), &res)
}
