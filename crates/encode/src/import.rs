//! `framelens model import`: a Hugging Face sentence-transformer folder in, a framelens model folder out.
//! No Python and no torch: the graph is written from the safetensors by [`super::graph`].

use std::path::Path;

use super::config::{default_prompt, max_seq_length, EncoderConfig, PoolingConfig, SpecialTokens};
use super::error::{EncodeError, Result};
use super::graph;
use super::model::{int8_graph_file, sha256_hex, ModelDir, ModelManifest, FUSED_GRAPH, GRAPH, TOKENIZER};
use super::quant::Int8Scheme;
use super::weights::Weights;

/// Imports `src` into `out` (created; files written atomically, the manifest last so that a folder with a
/// manifest is always complete). `source` is what the manifest records as the origin.
pub fn import(src: &Path, out: &Path, source: &str) -> Result<ModelDir> {
    if !src.is_dir() {
        return Err(EncodeError::bad(src, "model folder does not exist"));
    }
    let cfg = EncoderConfig::read(src)?;
    PoolingConfig::read(src)?;
    let max_len = max_seq_length(src, &cfg)?;

    let weights_path = src.join("model.safetensors");
    let bytes = std::fs::read(&weights_path).map_err(|e| EncodeError::io(&weights_path, e))?;
    let weights_sha256 = sha256_hex(&bytes);
    let weights = Weights::parse(&weights_path, &bytes)?;
    let onnx = graph::build(&cfg, &weights)?;
    let fused = graph::build_fused(&cfg, &weights)?;

    let tok_path = src.join(TOKENIZER);
    let tokenizer = tokenizers::Tokenizer::from_file(&tok_path)
        .map_err(|e| EncodeError::Tokenizer { path: tok_path.clone(), message: e.to_string() })?;
    let special = SpecialTokens::read(src)?;
    let token = |t: &str| {
        tokenizer.token_to_id(t).ok_or_else(|| EncodeError::Tokenizer {
            path: tok_path.clone(),
            message: format!("vocabulary has no `{t}` token (special_tokens_map.json names it, or BERT's default)"),
        })
    };
    let manifest = ModelManifest {
        id: model_id(src, source),
        source: source.to_string(),
        weights_sha256,
        architecture: cfg.architecture().as_str().into(),
        hidden_size: cfg.hidden_size,
        num_layers: cfg.num_hidden_layers,
        max_seq_length: max_len,
        pooling: "mean".into(),
        normalize: true,
        cls_token_id: token(&special.cls)?,
        sep_token_id: token(&special.sep)?,
        pad_token_id: token(&special.pad)?,
        graph_sha256: sha256_hex(&onnx),
        fused_graph_sha256: Some(sha256_hex(&fused)),
        import_version: env!("CARGO_PKG_VERSION").into(),
        int8: Vec::new(),
        prompt: default_prompt(src)?,
        speed: Vec::new(),
        tuned: None,
    };
    let tok_bytes = std::fs::read(&tok_path).map_err(|e| EncodeError::io(&tok_path, e))?;
    let manifest = keep_measured(out, manifest, &tok_bytes);

    std::fs::create_dir_all(out).map_err(|e| EncodeError::io(out, e))?;
    write_atomic(&out.join(GRAPH), &onnx)?;
    write_atomic(&out.join(FUSED_GRAPH), &fused)?;
    write_atomic(&out.join(TOKENIZER), &tok_bytes)?;
    ModelDir { dir: out.to_path_buf(), manifest }.write_manifest()?;
    ModelDir::open(out)
}

/// A re-import over a folder imported from the same weights, tokenizer and prompt into the same
/// standard graph keeps what was measured on it: the int8 graphs (built from those weights alone) with
/// their quality gates, and the speed records (each names the graph it timed, so a record of a graph
/// that changed is ignored anyway). Re-importing to add a graph the importer learned to write then costs
/// no new quantization.
fn keep_measured(out: &Path, mut manifest: ModelManifest, tokenizer: &[u8]) -> ModelManifest {
    let Ok(old) = ModelDir::open(out) else { return manifest };
    let o = &old.manifest;
    let same = o.weights_sha256 == manifest.weights_sha256
        && o.graph_sha256 == manifest.graph_sha256
        && o.prompt == manifest.prompt
        && std::fs::read(old.tokenizer_path()).is_ok_and(|t| t == tokenizer);
    if same {
        manifest.int8 = o.int8.clone();
        manifest.speed = o.speed.clone();
        manifest.tuned = o.tuned.clone();
    }
    manifest
}

/// The Hugging Face folder an imported model came from (its manifest's `source`), when it is still there.
pub fn source_dir(model: &ModelDir) -> Option<std::path::PathBuf> {
    let p = Path::new(&model.manifest.source);
    p.join("model.safetensors").is_file().then(|| p.to_path_buf())
}

/// An int8 graph written into a model folder (not yet in its manifest: the quality gate decides that).
#[derive(Debug, Clone)]
pub struct WrittenGraph {
    /// The scheme it was built in.
    pub scheme: Int8Scheme,
    /// Its file name inside the model folder ([`int8_graph_file`] of the scheme).
    pub file: String,
    /// Hex sha256 of the file as written, for the manifest's `graph_sha256`.
    pub sha256: String,
}

/// Writes the int8 graph of each scheme into `model`'s folder, built from the safetensors in `src`, which
/// must be the weights the model was imported from (same sha256). `calibration` texts set the activation
/// ranges of the `static` scheme.
pub fn write_int8_graphs(
    src: &Path,
    model: &ModelDir,
    schemes: &[Int8Scheme],
    calibration: &[String],
) -> Result<Vec<WrittenGraph>> {
    let cfg = EncoderConfig::read(src)?;
    let weights_path = src.join("model.safetensors");
    let bytes = std::fs::read(&weights_path).map_err(|e| EncodeError::io(&weights_path, e))?;
    let sha = sha256_hex(&bytes);
    if sha != model.manifest.weights_sha256 {
        return Err(EncodeError::bad(
            &weights_path,
            format!(
                "weights sha256 {} differ from the model's ({}); quantize from the folder it was imported from",
                &sha[..16],
                &model.manifest.weights_sha256[..16.min(model.manifest.weights_sha256.len())]
            ),
        ));
    }
    let weights = Weights::parse(&weights_path, &bytes)?;
    let mut out = Vec::new();
    for &scheme in schemes {
        let onnx = match scheme {
            Int8Scheme::Static => {
                let ranges = calibrate(&cfg, &weights, model, calibration)?;
                graph::build_static(&cfg, &weights, &ranges)?
            }
            _ => graph::build_with(&cfg, &weights, Some(scheme))?,
        };
        let file = int8_graph_file(scheme);
        write_atomic(&model.dir.join(&file), &onnx)?;
        out.push(WrittenGraph { scheme, file, sha256: sha256_hex(&onnx) });
    }
    Ok(out)
}

/// Runs the fp32 graph over the calibration texts (one text per run, so no padding enters the statistics)
/// and returns the range of every Linear's input.
fn calibrate(cfg: &EncoderConfig, weights: &Weights, model: &ModelDir, texts: &[String]) -> Result<graph::ActRanges> {
    use ort::value::TensorRef;
    let (onnx, probes) = graph::build_probe(cfg, weights)?;
    let env = super::runtime::environment()?;
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut session = ort::session::Session::builder(env)?
        .with_intra_threads(threads)?
        .commit_from_memory(&onnx)
        .map_err(|e| EncodeError::Runtime(format!("calibration graph: {e}")))?;
    let tok_path = model.tokenizer_path();
    let tokenizer = tokenizers::Tokenizer::from_file(&tok_path)
        .map_err(|e| EncodeError::Tokenizer { path: tok_path.clone(), message: e.to_string() })?;
    let m = &model.manifest;
    let mut values: std::collections::BTreeMap<String, graph::ChannelRange> = std::collections::BTreeMap::new();
    for (row, text) in texts.iter().enumerate() {
        let enc = tokenizer
            .encode(format!("{}{text}", m.prompt), false)
            .map_err(|e| EncodeError::BadInput { row, message: format!("tokenizer: {e}") })?;
        let content = enc.get_ids();
        let mut ids = vec![m.cls_token_id as i64];
        ids.extend(content.iter().take(m.max_seq_length - 2).map(|&t| t as i64));
        ids.push(m.sep_token_id as i64);
        let n = ids.len();
        let ids = ndarray::Array2::from_shape_vec((1, n), ids).expect("one row");
        let mask = ndarray::Array2::<i64>::ones((1, n));
        let outputs = session.run(ort::inputs![
            graph::INPUT_IDS => TensorRef::from_array_view(&ids)?,
            graph::ATTENTION_MASK => TensorRef::from_array_view(&mask)?,
        ])?;
        for (_, value) in &probes {
            let a = outputs[value.as_str()].try_extract_array::<f32>()?;
            let k = *a.shape().last().unwrap_or(&0);
            let e = values.entry(value.clone()).or_insert_with(|| graph::ChannelRange {
                min: vec![f32::INFINITY; k],
                max: vec![f32::NEG_INFINITY; k],
            });
            let flat = a.as_standard_layout();
            for row in flat.as_slice().unwrap_or(&[]).chunks_exact(k.max(1)) {
                for (j, &v) in row.iter().enumerate() {
                    e.min[j] = e.min[j].min(v);
                    e.max[j] = e.max[j].max(v);
                }
            }
        }
    }
    Ok(probes.into_iter().map(|(name, value)| (name, values[&value].clone())).collect())
}

fn model_id(src: &Path, source: &str) -> String {
    let from_source = source.rsplit('/').find(|s| !s.is_empty()).map(str::to_string);
    from_source.or_else(|| src.file_name().map(|n| n.to_string_lossy().into_owned())).unwrap_or_else(|| "model".into())
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::atomic::write_atomic(path, bytes).map_err(|e| EncodeError::io(path, e))
}
