//! Reading BERT weights from `model.safetensors` by their Hugging Face names, as float32.

use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensors};

use super::error::{EncodeError, Result};

/// The weights file plus the name prefix its tensors use (`""` for sentence-transformers exports,
/// `"bert."` for checkpoints saved from a `BertForX` head model).
pub struct Weights<'a> {
    path: PathBuf,
    tensors: SafeTensors<'a>,
    prefix: &'static str,
}

impl<'a> Weights<'a> {
    /// Borrows `bytes` (the file's contents, read by the caller); `path` is for error messages only. Detects
    /// the `bert.` prefix.
    pub fn parse(path: &Path, bytes: &'a [u8]) -> Result<Self> {
        let tensors = SafeTensors::deserialize(bytes)
            .map_err(|e| EncodeError::bad(path, format!("not a valid safetensors file: {e}")))?;
        let names = tensors.names();
        let prefix = if names.contains(&"bert.embeddings.word_embeddings.weight") { "bert." } else { "" };
        Ok(Weights { path: path.to_path_buf(), tensors, prefix })
    }

    /// A tensor as float32 with its shape; f16/bf16 checkpoints are widened so the graph is always fp32.
    pub fn get(&self, name: &str) -> Result<(Vec<usize>, Vec<f32>)> {
        let full = format!("{}{}", self.prefix, name);
        let view = self
            .tensors
            .tensor(&full)
            .map_err(|_| EncodeError::MissingTensor { path: self.path.clone(), name: full.clone() })?;
        let data = view.data();
        let values: Vec<f32> = match view.dtype() {
            Dtype::F32 => data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
            Dtype::F16 => data.chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
            Dtype::BF16 => data.chunks_exact(2).map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
            other => {
                return Err(EncodeError::bad(&self.path, format!("tensor `{full}` has unsupported dtype {other:?}")))
            }
        };
        Ok((view.shape().to_vec(), values))
    }

    /// A tensor that must have exactly `shape`; a mismatch means config.json and the weights disagree.
    pub fn get_shaped(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        let (got, values) = self.get(name)?;
        if got != shape {
            return Err(EncodeError::bad(
                &self.path,
                format!("tensor `{}{name}` has shape {got:?}, config.json implies {shape:?}", self.prefix),
            ));
        }
        Ok(values)
    }

    /// A `torch.nn.Linear` weight (`[out, in]`) transposed to `[in, out]` for a plain `MatMul`.
    pub fn linear(&self, name: &str, n_in: usize, n_out: usize) -> Result<Vec<f32>> {
        let w = self.get_shaped(name, &[n_out, n_in])?;
        let mut t = vec![0f32; w.len()];
        for o in 0..n_out {
            for i in 0..n_in {
                t[i * n_out + o] = w[o * n_in + i];
            }
        }
        Ok(t)
    }
}
