//! An imported model folder: `model.onnx` (written by framelens), `tokenizer.json` and `model.toml`.
//! This is what the encoder loads; `import` makes it from a Hugging Face folder.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::{EncodeError, Result};

pub const MANIFEST: &str = "model.toml";
pub const GRAPH: &str = "model.onnx";
pub const TOKENIZER: &str = "tokenizer.json";

/// `model.toml`: identity and shape of an imported model. The weights' sha256 is what manifests, caches and
/// trained heads key on, so that a result is never attributed to the wrong model.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ModelManifest {
    /// Short name (the source folder's or hub id's last component).
    pub id: String,
    /// Where it was imported from (a folder path or a hub id).
    pub source: String,
    pub weights_sha256: String,
    pub architecture: String,
    pub hidden_size: usize,
    pub num_layers: usize,
    /// Tokens per window, special tokens included (sentence-transformers' `max_seq_length`).
    pub max_seq_length: usize,
    pub pooling: String,
    pub normalize: bool,
    pub cls_token_id: u32,
    pub sep_token_id: u32,
    pub pad_token_id: u32,
    pub graph_sha256: String,
    pub import_version: String,
}

/// A loadable model folder.
#[derive(Debug, Clone)]
pub struct ModelDir {
    pub dir: PathBuf,
    pub manifest: ModelManifest,
}

impl ModelDir {
    pub fn open(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(EncodeError::bad(dir, "model folder does not exist"));
        }
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            EncodeError::bad(
                &path,
                format!("cannot read the model manifest ({e}); import the model with `framelens model import`"),
            )
        })?;
        let manifest: ModelManifest =
            toml::from_str(&text).map_err(|e| EncodeError::bad(&path, format!("invalid model manifest: {e}")))?;
        for f in [GRAPH, TOKENIZER] {
            if !dir.join(f).is_file() {
                return Err(EncodeError::bad(dir.join(f), "missing from the model folder; re-run the import"));
            }
        }
        Ok(ModelDir { dir: dir.to_path_buf(), manifest })
    }

    pub fn graph_path(&self) -> PathBuf {
        self.dir.join(GRAPH)
    }
    pub fn tokenizer_path(&self) -> PathBuf {
        self.dir.join(TOKENIZER)
    }
}

/// Hex sha256 of a byte slice.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}
