//! A parent model's weights loaded as trainable variables, its tokenizer, and the forward pass: what both the
//! training loop and the round-trip check (tuned weights imported to ONNX embed the same) run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use framelens_encode::batch::windows;
use framelens_encode::config::EncoderConfig;
use framelens_encode::encoder::{content_ids, load_tokenizer};
use framelens_encode::import::source_dir;
use framelens_encode::{ModelDir, ModelManifest};

use crate::error::{Result, TuneError};
use crate::transformer::Transformer;

/// Name of the weights file in a Hugging Face folder.
pub const WEIGHTS: &str = "model.safetensors";

/// A trainable copy of an imported model.
pub struct Engine {
    /// The imported model it was loaded from (tokenizer, special tokens, prompt, window length).
    pub manifest: ModelManifest,
    /// The Hugging Face folder the weights came from.
    pub source: PathBuf,
    pub(crate) varmap: VarMap,
    pub(crate) network: Transformer,
    pub(crate) device: Device,
    tokenizer: tokenizers::Tokenizer,
}

impl Engine {
    /// Loads `model`'s weights from the Hugging Face folder it was imported from.
    pub fn load(model: &ModelDir, device: &Device) -> Result<Self> {
        let source = source_dir(model).ok_or_else(|| {
            TuneError::Invalid(format!(
                "model {}: its source folder {} (with model.safetensors) is gone; fine-tuning starts from the \
                 Hugging Face weights (re-run scripts/setup.sh or `framelens model import`)",
                model.dir.display(),
                model.manifest.source
            ))
        })?;
        let cfg = EncoderConfig::read(&source)?;
        let weights_path = source.join(WEIGHTS);
        let stored = candle_core::safetensors::load(&weights_path, &Device::Cpu)?;
        let prefix = if stored.contains_key("bert.embeddings.word_embeddings.weight") { "bert." } else { "" };
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, device);
        let vb = if prefix.is_empty() { vb } else { vb.pp("bert") };
        let network = Transformer::new(&cfg, vb)?;
        set_vars(&varmap, &stored, &weights_path, device)?;
        let tokenizer = load_tokenizer(model)?;
        Ok(Engine { manifest: model.manifest.clone(), source, varmap, network, device: device.clone(), tokenizer })
    }

    /// A text's ids exactly as the imported model runs them: prompt, `[CLS]`, the first window, `[SEP]`
    /// (sentence-transformers truncates likewise).
    pub fn ids(&self, text: &str) -> Result<Vec<u32>> {
        let m = &self.manifest;
        let content = content_ids(&self.tokenizer, m, text).map_err(TuneError::Invalid)?;
        Ok(windows(&content, m.max_seq_length, true, m.cls_token_id, m.sep_token_id).swap_remove(0))
    }

    /// Ids and mask `[batch, longest]`, padded with zeros under the mask.
    pub(crate) fn batch(&self, seqs: &[&[u32]]) -> Result<(Tensor, Tensor)> {
        let t = seqs.iter().map(|s| s.len()).max().unwrap_or(1);
        let mut ids = vec![0u32; seqs.len() * t];
        let mut mask = vec![0u32; seqs.len() * t];
        for (r, s) in seqs.iter().enumerate() {
            ids[r * t..r * t + s.len()].copy_from_slice(s);
            mask[r * t..r * t + s.len()].fill(1);
        }
        Ok((
            Tensor::from_vec(ids, (seqs.len(), t), &self.device)?,
            Tensor::from_vec(mask, (seqs.len(), t), &self.device)?,
        ))
    }

    /// Sentence vectors `[batch, hidden]` of tokenized texts ([`Engine::ids`]), differentiable.
    pub fn embed_tokens(&self, seqs: &[&[u32]]) -> Result<Tensor> {
        self.forward(seqs, 0)
    }

    /// Transformer layers below the top `tune_layers` (`None`: all are tuned, 0 frozen); an error names the
    /// range when `tune_layers` is 0 or more than the model has.
    pub fn frozen_layers(&self, tune_layers: Option<usize>) -> Result<usize> {
        let n = self.network.num_layers();
        match tune_layers {
            None => Ok(0),
            Some(k) if (1..=n).contains(&k) => Ok(n - k),
            Some(k) => Err(TuneError::Invalid(format!(
                "--tune-layers {k}: {} has {n} transformer layers; tune 1 to {n} of them",
                self.manifest.id
            ))),
        }
    }

    /// The variables training updates. The word table is always frozen ([`crate::transformer`]); with `frozen`
    /// layers, so are the other embeddings, MPNet's shared relative position bias and layers `0..frozen`.
    pub fn trainable(&self, frozen: usize) -> Vec<candle_core::Var> {
        self.varmap
            .data()
            .lock()
            .expect("varmap lock")
            .iter()
            .filter(|(name, _)| !name.ends_with("word_embeddings.weight"))
            .filter(|(name, _)| frozen == 0 || layer_of(name).is_some_and(|l| l >= frozen))
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Sentence vectors with the embeddings and the first `frozen` layers detached ([`Transformer::embed`]).
    pub(crate) fn forward(&self, seqs: &[&[u32]], frozen: usize) -> Result<Tensor> {
        let (ids, mask) = self.batch(seqs)?;
        Ok(self.network.embed(&ids, &mask, frozen)?)
    }

    /// Unit-length embeddings of `texts` with the current weights, one row per text (no gradients kept).
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(32) {
            let ids = chunk.iter().map(|t| self.ids(t)).collect::<Result<Vec<_>>>()?;
            let refs: Vec<&[u32]> = ids.iter().map(|v| v.as_slice()).collect();
            out.extend(self.forward(&refs, 0)?.detach().to_vec2::<f32>()?);
        }
        Ok(out)
    }

    /// The current weights under their names in the parent's file.
    pub(crate) fn tensors(&self) -> HashMap<String, Tensor> {
        self.varmap
            .data()
            .lock()
            .expect("varmap lock")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
            .collect()
    }

    /// Overwrites the weights with `tensors` (a checkpoint): every variable must be there.
    pub(crate) fn set(&self, tensors: &HashMap<String, Tensor>, from: &Path) -> Result<()> {
        set_vars(&self.varmap, tensors, from, &self.device)
    }

    /// The parent's weights file with every tuned tensor replaced (in the file's own dtype); tensors the
    /// encoder does not train (a pooler, position ids) are kept as they were, so the layout is the parent's.
    pub fn write_weights(&self, out: &Path) -> Result<()> {
        let src = self.source.join(WEIGHTS);
        let mut all = candle_core::safetensors::load(&src, &Device::Cpu)?;
        for (name, t) in self.tensors() {
            let dtype = all.get(&name).map_or(DType::F32, |o| o.dtype());
            all.insert(name, t.to_device(&Device::Cpu)?.to_dtype(dtype)?);
        }
        save_tensors(&all, out)
    }
}

/// The transformer layer a weight belongs to (`encoder.layer.N.…`, with or without a `bert.` prefix); `None`
/// for the embeddings and MPNet's `encoder.relative_attention_bias`.
fn layer_of(name: &str) -> Option<usize> {
    let rest = &name[name.find("encoder.layer.")? + "encoder.layer.".len()..];
    rest.split('.').next()?.parse().ok()
}

/// Sets every variable of `varmap` from the tensor of its name in `tensors` (read from `from`), as float32 on
/// `device`: the parent's weights at load, a checkpoint at resume.
fn set_vars(varmap: &VarMap, tensors: &HashMap<String, Tensor>, from: &Path, device: &Device) -> Result<()> {
    for (name, var) in varmap.data().lock().expect("varmap lock").iter() {
        let t =
            tensors.get(name).ok_or_else(|| TuneError::Invalid(format!("{}: no tensor `{name}`", from.display())))?;
        var.set(&t.to_dtype(DType::F32)?.to_device(device)?)?;
    }
    Ok(())
}

/// Writes `tensors` as a safetensors file at `path` through a temporary file beside it, so that a file under
/// the final name is always complete (tuned weights, checkpoints).
pub(crate) fn save_tensors(tensors: &HashMap<String, Tensor>, path: &Path) -> Result<()> {
    let tmp = path.with_extension("safetensors.part");
    candle_core::safetensors::save(tensors, &tmp)?;
    std::fs::rename(&tmp, path).map_err(|e| TuneError::io(path, e))
}
