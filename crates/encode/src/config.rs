//! The parts of a Hugging Face sentence-transformer folder that decide how to build and run the graph:
//! `config.json` (architecture and sizes), `1_Pooling/config.json`, `sentence_bert_config.json` and
//! `special_tokens_map.json`.

use std::path::Path;

use serde::Deserialize;

use super::error::{EncodeError, Result};

/// The encoder families framelens writes graphs for, one file each under [`super::arch`]. Both are post-LayerNorm
/// transformers with the same layer layout; they differ in tensor names, position handling and MPNet's relative
/// attention bias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    /// BERT and MiniLM: absolute positions from 0, token-type embeddings.
    Bert,
    /// MPNet: absolute positions from 2 (after the padding index), no token types, a relative position bias.
    MPNet,
}

impl Architecture {
    /// The name `model.toml` records.
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::Bert => "bert",
            Architecture::MPNet => "mpnet",
        }
    }
}

/// Architecture hyper-parameters of a supported encoder (`config.json`).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct EncoderConfig {
    #[serde(default)]
    pub(crate) architectures: Vec<String>,
    #[serde(default)]
    pub(crate) model_type: String,
    /// Width of every hidden state and of the embedding.
    pub hidden_size: usize,
    /// Transformer layers.
    pub num_hidden_layers: usize,
    /// Attention heads per layer.
    pub num_attention_heads: usize,
    /// Width of the feed-forward layer.
    pub intermediate_size: usize,
    #[serde(default = "default_act")]
    /// Feed-forward activation (`gelu`: the exact, erf-based one).
    pub hidden_act: String,
    #[serde(default = "default_eps")]
    /// Epsilon of every LayerNorm.
    pub layer_norm_eps: f64,
    /// Rows of the word embedding table.
    pub vocab_size: usize,
    /// Rows of the position embedding table.
    pub max_position_embeddings: usize,
    #[serde(default = "default_type_vocab")]
    /// Rows of the token-type embedding table (BERT).
    pub type_vocab_size: usize,
    #[serde(default = "default_pos")]
    pub(crate) position_embedding_type: String,
    /// MPNet's relative position buckets (32 in every released MPNet).
    #[serde(default)]
    pub relative_attention_num_buckets: Option<usize>,
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

/// `model_type`s framelens imports, and the architecture each is built as.
const SUPPORTED: &[(&str, Architecture)] =
    &[("bert", Architecture::Bert), ("minilm", Architecture::Bert), ("mpnet", Architecture::MPNet)];

impl EncoderConfig {
    /// Reads `config.json` and refuses, as [`EncodeError::Unsupported`], what the importer cannot build.
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join("config.json");
        let text = std::fs::read_to_string(&path).map_err(|e| EncodeError::io(&path, e))?;
        let cfg: EncoderConfig = serde_json::from_str(&text)
            .map_err(|e| EncodeError::bad(&path, format!("not a valid model config: {e}")))?;
        cfg.check(&path)?;
        Ok(cfg)
    }

    fn check(&self, path: &Path) -> Result<()> {
        let unsupported = |message: String| Err(EncodeError::Unsupported { path: path.into(), message });
        if !SUPPORTED.iter().any(|(t, _)| *t == self.model_type) {
            let names: Vec<&str> = SUPPORTED.iter().map(|(t, _)| *t).collect();
            return unsupported(format!("model_type `{}`; framelens imports {}", self.model_type, names.join(", ")));
        }
        if self.architecture() == Architecture::MPNet && self.relative_attention_num_buckets.unwrap_or(32) < 2 {
            return unsupported("relative_attention_num_buckets below 2".into());
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

    pub(crate) fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }

    /// The graph family `model_type` names.
    pub fn architecture(&self) -> Architecture {
        SUPPORTED.iter().find(|(t, _)| *t == self.model_type).map(|(_, a)| *a).unwrap_or(Architecture::Bert)
    }

    /// Rows of the position table a window can use: MPNet's first two rows belong to the padding index and
    /// below, so its positions start at row 2.
    pub fn usable_positions(&self) -> usize {
        match self.architecture() {
            Architecture::Bert => self.max_position_embeddings,
            Architecture::MPNet => self.max_position_embeddings.saturating_sub(2),
        }
    }
}

/// How token vectors become one sentence vector. framelens implements mean pooling, which is what
/// sentence-transformers' general-purpose models use; other modes are refused rather than approximated.
#[derive(Debug, Clone, Deserialize)]
pub struct PoolingConfig {
    #[serde(default)]
    pub(crate) pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pub(crate) pooling_mode_cls_token: bool,
    #[serde(default)]
    pub(crate) pooling_mode_max_tokens: bool,
    #[serde(default)]
    pub(crate) pooling_mode_mean_sqrt_len_tokens: bool,
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
pub fn max_seq_length(dir: &Path, cfg: &EncoderConfig) -> Result<usize> {
    let path = dir.join("sentence_bert_config.json");
    if !path.exists() {
        return Ok(cfg.usable_positions());
    }
    let text = std::fs::read_to_string(&path).map_err(|e| EncodeError::io(&path, e))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| EncodeError::bad(&path, format!("invalid JSON: {e}")))?;
    let n = v.get("max_seq_length").and_then(|x| x.as_u64()).map(|x| x as usize).unwrap_or(cfg.usable_positions());
    Ok(n.min(cfg.usable_positions()))
}

/// The prompt sentence-transformers puts before every text by default (`config_sentence_transformers.json`:
/// `prompts[default_prompt_name]`), empty when the model has none. e5 models are trained with `query: ` and
/// `passage: ` and embed worse without them.
pub fn default_prompt(dir: &Path) -> Result<String> {
    let path = dir.join("config_sentence_transformers.json");
    if !path.exists() {
        return Ok(String::new());
    }
    let text = std::fs::read_to_string(&path).map_err(|e| EncodeError::io(&path, e))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| EncodeError::bad(&path, format!("invalid JSON: {e}")))?;
    let Some(name) = v.get("default_prompt_name").and_then(|n| n.as_str()) else {
        return Ok(String::new());
    };
    v.get("prompts")
        .and_then(|p| p.get(name))
        .and_then(|p| p.as_str())
        .map(str::to_string)
        .ok_or_else(|| EncodeError::bad(&path, format!("default_prompt_name `{name}` names no entry of `prompts`")))
}

/// The tokens a window starts with, ends with and is padded with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialTokens {
    pub(crate) cls: String,
    pub(crate) sep: String,
    pub(crate) pad: String,
}

impl SpecialTokens {
    /// `special_tokens_map.json`'s `cls_token`, `sep_token` and `pad_token` (`<s>`, `</s>`, `<pad>` for MPNet);
    /// BERT's `[CLS]`, `[SEP]`, `[PAD]` where the file or an entry is missing.
    pub fn read(dir: &Path) -> Result<Self> {
        let mut tokens = SpecialTokens { cls: "[CLS]".into(), sep: "[SEP]".into(), pad: "[PAD]".into() };
        let path = dir.join("special_tokens_map.json");
        if !path.exists() {
            return Ok(tokens);
        }
        let text = std::fs::read_to_string(&path).map_err(|e| EncodeError::io(&path, e))?;
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| EncodeError::bad(&path, format!("invalid JSON: {e}")))?;
        // An entry is either the token itself or an object with its `content`.
        let entry = |key: &str| {
            let e = v.get(key)?;
            e.as_str().or_else(|| e.get("content").and_then(|c| c.as_str())).map(str::to_string)
        };
        for (key, slot) in
            [("cls_token", &mut tokens.cls), ("sep_token", &mut tokens.sep), ("pad_token", &mut tokens.pad)]
        {
            if let Some(t) = entry(key) {
                *slot = t;
            }
        }
        Ok(tokens)
    }
}
