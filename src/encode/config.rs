//! The parts of a Hugging Face sentence-transformer folder that decide how to build and run the graph:
//! `config.json` (architecture and sizes), `1_Pooling/config.json` and `sentence_bert_config.json`.

use std::path::Path;

use serde::Deserialize;

use super::error::{EncodeError, Result};

/// Architecture hyper-parameters of a BERT-family encoder (BERT, MiniLM: absolute positions, post-LayerNorm).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct BertConfig {
    #[serde(default)]
    pub architectures: Vec<String>,
    #[serde(default)]
    pub model_type: String,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    #[serde(default = "default_act")]
    pub hidden_act: String,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    pub vocab_size: usize,
    pub max_position_embeddings: usize,
    #[serde(default = "default_type_vocab")]
    pub type_vocab_size: usize,
    #[serde(default = "default_pos")]
    pub position_embedding_type: String,
}

fn default_act() -> String {
    "gelu".into()
}
fn default_eps() -> f64 {
    1e-12
}
fn default_type_vocab() -> usize {
    2
}
fn default_pos() -> String {
    "absolute".into()
}

/// Model types whose layer layout is BERT's (same tensor names, post-LayerNorm, absolute positions).
const BERT_FAMILY: &[&str] = &["bert", "minilm"];

impl BertConfig {
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join("config.json");
        let text = std::fs::read_to_string(&path).map_err(|e| EncodeError::io(&path, e))?;
        let cfg: BertConfig = serde_json::from_str(&text)
            .map_err(|e| EncodeError::bad(&path, format!("not a valid model config: {e}")))?;
        cfg.check(&path)?;
        Ok(cfg)
    }

    fn check(&self, path: &Path) -> Result<()> {
        let unsupported = |message: String| Err(EncodeError::Unsupported { path: path.into(), message });
        if !BERT_FAMILY.contains(&self.model_type.as_str()) {
            return unsupported(format!(
                "model_type `{}`; framelens imports the BERT family ({})",
                self.model_type,
                BERT_FAMILY.join(", ")
            ));
        }
        if self.position_embedding_type != "absolute" {
            return unsupported(format!("position_embedding_type `{}`", self.position_embedding_type));
        }
        if !matches!(self.hidden_act.as_str(), "gelu" | "gelu_python") {
            return unsupported(format!("hidden_act `{}` (only exact gelu)", self.hidden_act));
        }
        if self.num_attention_heads == 0 || !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return unsupported(format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                self.hidden_size, self.num_attention_heads
            ));
        }
        Ok(())
    }

    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }
}

/// How token vectors become one sentence vector. framelens implements mean pooling, which is what
/// sentence-transformers' general-purpose models use; other modes are refused rather than approximated.
#[derive(Debug, Clone, Deserialize)]
pub struct PoolingConfig {
    #[serde(default)]
    pub pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pub pooling_mode_cls_token: bool,
    #[serde(default)]
    pub pooling_mode_max_tokens: bool,
    #[serde(default)]
    pub pooling_mode_mean_sqrt_len_tokens: bool,
}

impl PoolingConfig {
    /// Reads `1_Pooling/config.json`; a folder without one is a plain transformer, pooled by mean as ST does.
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join("1_Pooling").join("config.json");
        if !path.exists() {
            return Ok(PoolingConfig {
                pooling_mode_mean_tokens: true,
                pooling_mode_cls_token: false,
                pooling_mode_max_tokens: false,
                pooling_mode_mean_sqrt_len_tokens: false,
            });
        }
        let text = std::fs::read_to_string(&path).map_err(|e| EncodeError::io(&path, e))?;
        let cfg: PoolingConfig =
            serde_json::from_str(&text).map_err(|e| EncodeError::bad(&path, format!("invalid pooling config: {e}")))?;
        if !cfg.pooling_mode_mean_tokens
            || cfg.pooling_mode_cls_token
            || cfg.pooling_mode_max_tokens
            || cfg.pooling_mode_mean_sqrt_len_tokens
        {
            return Err(EncodeError::Unsupported { path, message: "only mean pooling is supported".into() });
        }
        Ok(cfg)
    }
}

/// The sequence length sentence-transformers truncates at (256 for all-MiniLM-L6-v2); it is shorter than
/// the position table (512), and parity with sentence-transformers depends on using it.
pub fn max_seq_length(dir: &Path, cfg: &BertConfig) -> Result<usize> {
    let path = dir.join("sentence_bert_config.json");
    if !path.exists() {
        return Ok(cfg.max_position_embeddings);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| EncodeError::io(&path, e))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| EncodeError::bad(&path, format!("invalid JSON: {e}")))?;
    let n = v.get("max_seq_length").and_then(|x| x.as_u64()).map(|x| x as usize).unwrap_or(cfg.max_position_embeddings);
    Ok(n.min(cfg.max_position_embeddings))
}
