//! A tuned encoder becomes a model like any other: its Hugging Face folder (the parent's configs and tokenizer,
//! the tuned `model.safetensors`) is written under `<model>/source/` and imported by the native importer into
//! `<model>/`, so `run`, `embed`, bf16, int8 with its gate, the cache (keyed by the tuned weights' hash) and batch
//! independence need nothing new. `model.toml` records the parent and the training in `tuned`.

use std::path::Path;

use framelens_encode::import::import;
use framelens_encode::model::Tuning;
use framelens_encode::ModelDir;

use crate::engine::{Engine, WEIGHTS};
use crate::error::{Result, TuneError};

/// Folder inside a tuned model that holds its Hugging Face files.
pub const SOURCE: &str = "source";

/// Writes `engine`'s current weights as the model `out` (replaced if it exists) named `id`.
pub fn write_model(engine: &Engine, out: &Path, id: &str, tuning: Tuning) -> Result<ModelDir> {
    let parent = out.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| TuneError::io(parent, e))?;
    // Built beside `out` and renamed into place: a folder named `out` is always a complete model.
    let staging =
        tempfile::Builder::new().prefix(".tuning-").tempdir_in(parent).map_err(|e| TuneError::io(parent, e))?;
    let src = staging.path().join(SOURCE);
    copy_dir(&engine.source, &src, &[WEIGHTS])?;
    engine.write_weights(&src.join(WEIGHTS))?;
    let final_src = std::path::absolute(out).map_err(|e| TuneError::io(out, e))?.join(SOURCE);
    import(&src, staging.path(), &final_src.display().to_string())?;
    let mut model = ModelDir::open(staging.path())?;
    model.manifest.id = id.to_string();
    model.manifest.tuned = Some(tuning);
    model.write_manifest()?;
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| TuneError::io(out, e))?;
    }
    let kept = staging.keep();
    std::fs::rename(&kept, out).map_err(|e| TuneError::io(out, e))?;
    Ok(ModelDir::open(out)?)
}

/// Copies a Hugging Face folder (configs, tokenizer, `1_Pooling/`), leaving out the files named in `skip`.
fn copy_dir(from: &Path, to: &Path, skip: &[&str]) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| TuneError::io(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| TuneError::io(from, e))? {
        let entry = entry.map_err(|e| TuneError::io(from, e))?;
        let name = entry.file_name();
        let path = entry.path();
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        if path.is_dir() {
            copy_dir(&path, &to.join(&name), &[])?;
        } else if path.extension().is_none_or(|e| e != "onnx" && e != "bin" && e != "h5" && e != "msgpack") {
            std::fs::copy(&path, to.join(&name)).map_err(|e| TuneError::io(&path, e))?;
        }
    }
    Ok(())
}
