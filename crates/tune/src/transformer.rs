//! BERT/MiniLM and MPNet as one trainable candle module: the same layers, names and arithmetic as the ONNX
//! graph the importer writes (crates/encode/src/arch/, graph.rs), so weights tuned here and imported there give
//! the same embeddings (tests/tune_roundtrip.rs checks cosine ≥ 0.9999). The two families differ as they do
//! there: BERT has token-type embeddings and positions from 0; MPNet positions from 2, no token types, and a
//! relative position bias shared by every layer's attention scores.
//!
//! LayerNorm, softmax and GELU are written with tensor ops candle can differentiate (its fused LayerNorm and
//! softmax kernels have no backward pass).

use candle_core::{DType, Module, Result, Tensor, D};
use candle_nn::{Embedding, VarBuilder};
use framelens_encode::arch::mpnet::bucket;
use framelens_encode::config::{Architecture, EncoderConfig};

/// LayerNorm over the last dimension from differentiable ops.
struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f64,
}

impl LayerNorm {
    fn new(size: usize, eps: f64, vb: VarBuilder) -> Result<Self> {
        Ok(LayerNorm { weight: vb.get(size, "weight")?, bias: vb.get(size, "bias")?, eps })
    }
}

impl Module for LayerNorm {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mean = x.mean_keepdim(D::Minus1)?;
        let centred = x.broadcast_sub(&mean)?;
        let var = centred.sqr()?.mean_keepdim(D::Minus1)?;
        let normed = centred.broadcast_div(&(var + self.eps)?.sqrt()?)?;
        normed.broadcast_mul(&self.weight)?.broadcast_add(&self.bias)
    }
}

/// `x W^T + b` on `[batch, seq, in]` as one `[batch·seq, in]` product. candle-nn's Linear broadcasts `W` over
/// the batch instead, whose backward pass materialises a weight gradient per batch row before summing them.
struct Linear {
    weight_t: Tensor,
    bias: Tensor,
}

impl Linear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (b, t, n_in) = x.dims3()?;
        let y = x.reshape((b * t, n_in))?.matmul(&self.weight_t)?.broadcast_add(&self.bias)?;
        y.reshape((b, t, ()))
    }
}

fn linear(n_in: usize, n_out: usize, vb: VarBuilder) -> Result<Linear> {
    Ok(Linear { weight_t: vb.get((n_out, n_in), "weight")?.t()?, bias: vb.get(n_out, "bias")? })
}

struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attn_out: Linear,
    attn_norm: LayerNorm,
    ffn_in: Linear,
    ffn_out: Linear,
    ffn_norm: LayerNorm,
    heads: usize,
}

impl Layer {
    fn new(cfg: &EncoderConfig, vb: VarBuilder) -> Result<Self> {
        let (h, i, eps) = (cfg.hidden_size, cfg.intermediate_size, cfg.layer_norm_eps);
        let att = vb.pp("attention");
        // BERT: attention.self.{query,key,value}, attention.output.{dense,LayerNorm};
        // MPNet: attention.attn.{q,k,v,o}, attention.LayerNorm.
        let (q, k, v, o, norm) = match cfg.architecture() {
            Architecture::Bert => (
                att.pp("self").pp("query"),
                att.pp("self").pp("key"),
                att.pp("self").pp("value"),
                att.pp("output").pp("dense"),
                att.pp("output").pp("LayerNorm"),
            ),
            Architecture::MPNet => (
                att.pp("attn").pp("q"),
                att.pp("attn").pp("k"),
                att.pp("attn").pp("v"),
                att.pp("attn").pp("o"),
                att.pp("LayerNorm"),
            ),
        };
        Ok(Layer {
            query: linear(h, h, q)?,
            key: linear(h, h, k)?,
            value: linear(h, h, v)?,
            attn_out: linear(h, h, o)?,
            attn_norm: LayerNorm::new(h, eps, norm)?,
            ffn_in: linear(h, i, vb.pp("intermediate").pp("dense"))?,
            ffn_out: linear(i, h, vb.pp("output").pp("dense"))?,
            ffn_norm: LayerNorm::new(h, eps, vb.pp("output").pp("LayerNorm"))?,
            heads: cfg.num_attention_heads,
        })
    }

    /// `x` `[batch, seq, hidden]`; `bias` `[batch, 1, 1, seq]`, 0 on tokens and a large negative on padding;
    /// `relative` `[1, heads, seq, seq]` (MPNet).
    fn forward(&self, x: &Tensor, bias: &Tensor, relative: Option<&Tensor>) -> Result<Tensor> {
        let (b, t, h) = x.dims3()?;
        let d = h / self.heads;
        let split = |y: Tensor| -> Result<Tensor> { y.reshape((b, t, self.heads, d))?.transpose(1, 2)?.contiguous() };
        let q = split(self.query.forward(x)?)?;
        let k = split(self.key.forward(x)?)?;
        let v = split(self.value.forward(x)?)?;
        let mut scores = (q.matmul(&k.t()?.contiguous()?)? / (d as f64).sqrt())?.broadcast_add(bias)?;
        if let Some(r) = relative {
            scores = scores.broadcast_add(r)?;
        }
        let max = scores.max_keepdim(D::Minus1)?.detach();
        let e = scores.broadcast_sub(&max)?.exp()?;
        let probs = e.broadcast_div(&e.sum_keepdim(D::Minus1)?)?;
        let ctx = probs.matmul(&v)?.transpose(1, 2)?.contiguous()?.reshape((b, t, h))?;
        let x = self.attn_norm.forward(&(self.attn_out.forward(&ctx)? + x)?)?;
        let f = self.ffn_out.forward(&self.ffn_in.forward(&x)?.gelu_erf()?)?;
        self.ffn_norm.forward(&(f + x)?)
    }
}

/// The encoder: token ids and mask in, mean-pooled L2-normalised sentence vectors out.
pub struct Transformer {
    word: Embedding,
    position: Embedding,
    /// First row of the position table a window's first token uses (BERT 0, MPNet 2).
    position_offset: u32,
    /// BERT's token-type table (every framelens input is segment 0); MPNet has none.
    token_type: Option<Embedding>,
    emb_norm: LayerNorm,
    layers: Vec<Layer>,
    /// MPNet's `[buckets, heads]` relative position bias table and its bucket count.
    relative: Option<(Tensor, usize)>,
}

impl Transformer {
    /// Declares every weight under `vb` with the Hugging Face names (`embeddings.…`, `encoder.layer.N.…`).
    pub fn new(cfg: &EncoderConfig, vb: VarBuilder) -> Result<Self> {
        let h = cfg.hidden_size;
        let e = vb.pp("embeddings");
        let layers = (0..cfg.num_hidden_layers)
            .map(|l| Layer::new(cfg, vb.pp("encoder").pp("layer").pp(l)))
            .collect::<Result<_>>()?;
        let mpnet = cfg.architecture() == Architecture::MPNet;
        let token_type = if mpnet {
            None
        } else {
            Some(Embedding::new(e.get((cfg.type_vocab_size, h), "token_type_embeddings.weight")?, h))
        };
        let relative = if mpnet {
            let buckets = cfg.relative_attention_num_buckets.unwrap_or(32);
            Some((vb.pp("encoder").get((buckets, cfg.num_attention_heads), "relative_attention_bias.weight")?, buckets))
        } else {
            None
        };
        Ok(Transformer {
            // The word table stays frozen (a detached view of its variable): it is half of MiniLM's weights, the
            // rows of words absent from the coded rows would only decay, and its dense gradient and AdamW
            // update were the largest per-step cost.
            word: Embedding::new(e.get((cfg.vocab_size, h), "word_embeddings.weight")?.detach(), h),
            position: Embedding::new(e.get((cfg.max_position_embeddings, h), "position_embeddings.weight")?, h),
            position_offset: if mpnet { 2 } else { 0 },
            token_type,
            emb_norm: LayerNorm::new(h, cfg.layer_norm_eps, e.pp("LayerNorm"))?,
            layers,
            relative,
        })
    }

    /// `[1, heads, t, t]`: bias[h, q, k] = table[bucket(k − q), h], as the importer's MPNet graph gathers it.
    fn relative_bias(&self, t: usize, dev: &candle_core::Device) -> Result<Option<Tensor>> {
        let Some((table, buckets)) = &self.relative else { return Ok(None) };
        let ids: Vec<u32> = (0..t as i64)
            .flat_map(|q| (0..t as i64).map(move |k| (q, k)))
            .map(|(q, k)| bucket(k - q, *buckets as i64) as u32)
            .collect();
        let ids = Tensor::from_vec(ids, t * t, dev)?;
        let bias = table.index_select(&ids, 0)?.reshape((t, t, ()))?.permute((2, 0, 1))?.contiguous()?;
        Ok(Some(bias.unsqueeze(0)?))
    }

    /// Transformer layers (BERT/MiniLM 6 or 12, MPNet 12).
    pub fn num_layers(&self) -> usize {
        self.layers.len()
    }

    /// `ids` and `mask` `[batch, seq]` (u32; mask 1 on tokens, 0 on padding) → `[batch, hidden]`, unit length.
    /// The embeddings and the first `frozen` layers run detached (0: everything is differentiable): no gradient
    /// reaches them and their activations are freed layer by layer, which is what makes tuning only the top
    /// layers cheaper in time and memory. MPNet's relative position bias, shared by every layer, is then
    /// detached too, so the frozen layers compute exactly what the parent computed.
    pub fn embed(&self, ids: &Tensor, mask: &Tensor, frozen: usize) -> Result<Tensor> {
        let (b, t) = ids.dims2()?;
        let dev = ids.device();
        let positions = Tensor::arange(self.position_offset, self.position_offset + t as u32, dev)?.unsqueeze(0)?;
        let mut x = self.word.forward(ids)?.broadcast_add(&self.position.forward(&positions)?)?;
        if let Some(types) = &self.token_type {
            x = x.broadcast_add(&types.forward(&Tensor::zeros((1, t), DType::U32, dev)?)?)?;
        }
        let mut x = self.emb_norm.forward(&x)?;
        if frozen > 0 {
            x = x.detach();
        }
        let maskf = mask.to_dtype(DType::F32)?;
        let bias = ((maskf.clone() - 1.0)? * 1e9)?.reshape((b, 1, 1, t))?;
        let mut relative = self.relative_bias(t, dev)?;
        if frozen > 0 {
            relative = relative.map(|r| r.detach());
        }
        for (i, layer) in self.layers.iter().enumerate() {
            x = layer.forward(&x, &bias, relative.as_ref())?;
            if i < frozen {
                x = x.detach();
            }
        }
        let m = maskf.unsqueeze(2)?;
        let summed = x.broadcast_mul(&m)?.sum(1)?;
        let pooled = summed.broadcast_div(&m.sum(1)?.clamp(1e-9, f64::MAX)?)?;
        let norm = pooled.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
        pooled.broadcast_div(&norm)
    }
}
