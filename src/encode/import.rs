//! `framelens model import`: a Hugging Face sentence-transformer folder in, a framelens model folder out.
//! No Python and no torch: the graph is written from the safetensors by [`super::graph`].

use std::path::Path;

use super::config::{max_seq_length, BertConfig, PoolingConfig};
use super::error::{EncodeError, Result};
use super::graph;
use super::model::{sha256_hex, ModelDir, ModelManifest, GRAPH, MANIFEST, TOKENIZER};
use super::weights::Weights;

/// Imports `src` into `out` (created; files written atomically, the manifest last so that a folder with a
/// manifest is always complete). `source` is what the manifest records as the origin.
pub fn import(src: &Path, out: &Path, source: &str) -> Result<ModelDir> {
    if !src.is_dir() {
        return Err(EncodeError::bad(src, "model folder does not exist"));
    }
    let cfg = BertConfig::read(src)?;
    PoolingConfig::read(src)?;
    let max_len = max_seq_length(src, &cfg)?;

    let weights_path = src.join("model.safetensors");
    let bytes = std::fs::read(&weights_path).map_err(|e| EncodeError::io(&weights_path, e))?;
    let weights_sha256 = sha256_hex(&bytes);
    let weights = Weights::parse(&weights_path, &bytes)?;
    let onnx = graph::build_bert(&cfg, &weights)?;

    let tok_path = src.join(TOKENIZER);
    let tokenizer = tokenizers::Tokenizer::from_file(&tok_path)
        .map_err(|e| EncodeError::Tokenizer { path: tok_path.clone(), message: e.to_string() })?;
    let token = |t: &str| {
        tokenizer.token_to_id(t).ok_or_else(|| EncodeError::Tokenizer {
            path: tok_path.clone(),
            message: format!("vocabulary has no `{t}` token (BERT tokenizers have [CLS], [SEP], [PAD])"),
        })
    };
    let manifest = ModelManifest {
        id: model_id(src, source),
        source: source.to_string(),
        weights_sha256,
        architecture: "bert".into(),
        hidden_size: cfg.hidden_size,
        num_layers: cfg.num_hidden_layers,
        max_seq_length: max_len,
        pooling: "mean".into(),
        normalize: true,
        cls_token_id: token("[CLS]")?,
        sep_token_id: token("[SEP]")?,
        pad_token_id: token("[PAD]")?,
        graph_sha256: sha256_hex(&onnx),
        import_version: env!("CARGO_PKG_VERSION").into(),
    };

    std::fs::create_dir_all(out).map_err(|e| EncodeError::io(out, e))?;
    write_atomic(&out.join(GRAPH), &onnx)?;
    let tok_bytes = std::fs::read(&tok_path).map_err(|e| EncodeError::io(&tok_path, e))?;
    write_atomic(&out.join(TOKENIZER), &tok_bytes)?;
    let text = toml::to_string_pretty(&manifest).map_err(|e| EncodeError::bad(out.join(MANIFEST), e.to_string()))?;
    write_atomic(&out.join(MANIFEST), text.as_bytes())?;
    ModelDir::open(out)
}

fn model_id(src: &Path, source: &str) -> String {
    let from_source = source.rsplit('/').find(|s| !s.is_empty()).map(str::to_string);
    from_source.or_else(|| src.file_name().map(|n| n.to_string_lossy().into_owned())).unwrap_or_else(|| "model".into())
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::atomic::write_atomic(path, bytes).map_err(|e| EncodeError::io(path, e))
}
