//! `framelens model quantize` (and `model import --precision int8`): int8 graphs for an imported model,
//! each behind a quality gate measured at once against the model's own fp32 graph.
//!
//! The gate has two parts, both recorded in `model.toml`:
//! - **cosine**: a calibration set (the shipped codebooks' definitions, examples and stance statements, and
//!   the body paragraphs of the shipped sample corpus, all compiled into the binary so the gate runs
//!   wherever framelens does) is embedded in fp32 and in int8; mean and minimum cosine per text.
//! - **labels**: the sample corpus is run through the whole pipeline (`framelens run`, zero-shot, no cache)
//!   with each shipped codebook in fp32 and in int8, and the share of body paragraphs whose frame label is
//!   the same is recorded (per codebook, and the lowest).
//!
//! Below the cosine gate ([`GATE_MIN_MEAN_COSINE`]) a graph is kept but never used: `--precision int8` on it
//! falls back to fp32 with a warning. `auto` picks int8 only when the gate holds and the label agreement
//! reaches [`GATE_MIN_LABEL_AGREEMENT`] with every shipped codebook.

use std::collections::HashMap;
use std::path::Path;

use ndarray::Array2;

use crate::classify::ClassifyOptions;
use crate::corpus::{Fields, Format};
use crate::encode::device::{Device, DeviceChoice};
use crate::encode::import::write_int8_graphs;
use crate::encode::model::{Int8Graph, GATE_MIN_LABEL_AGREEMENT, GATE_MIN_MEAN_COSINE};
use crate::encode::quant::Int8Scheme;
use crate::encode::runtime::{Precision, ResolvedPrecision};
use crate::encode::{EncodeError, EncodeOptions, Encoder, ModelDir, PrecisionChoice};
use crate::pipeline::{self, RunError, RunOptions};

/// The shipped codebooks, compiled in: their texts join the calibration set, and the first one labels the
/// sample corpus for the label-agreement part of the gate.
pub const CODEBOOKS: [(&str, &str); 2] = [
    ("enforcement-discourse.toml", include_str!("../../../models/codebooks/enforcement-discourse.toml")),
    ("policy-frames.toml", include_str!("../../../models/codebooks/policy-frames.toml")),
];

/// The shipped sample corpus (`corpora/sample`) as JSON Lines, compiled in (a test keeps it in sync).
pub const SAMPLE_CORPUS: &str = include_str!("../../../models/calibration/sample-corpus.jsonl");

/// Why int8 graphs could not be written or their quality gate measured.
#[derive(Debug, thiserror::Error)]
pub enum QuantizeError {
    /// Writing a graph, or embedding the calibration texts, failed.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// Running the sample corpus through the pipeline (the label part of the gate) failed.
    #[error("running the sample corpus for the label gate: {0}")]
    Run(#[from] RunError),
    /// A temporary file could not be written or read back, or the fp32 and int8 runs found different
    /// body paragraphs.
    #[error("{0}")]
    Other(String),
}

/// The calibration texts: codebook definitions, examples and stance statements, then the sample corpus'
/// body paragraphs, each once, in a fixed order.
pub fn calibration_texts() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut push = |t: &str| {
        let t = t.trim();
        if !t.is_empty() && seen.insert(t.to_string()) {
            out.push(t.to_string());
        }
    };
    for (name, text) in CODEBOOKS {
        let cb: crate::codebook::Codebook =
            toml::from_str(text).unwrap_or_else(|e| panic!("shipped codebook {name} does not parse: {e}"));
        for f in &cb.frames {
            push(&f.definition);
            f.examples.iter().for_each(|e| push(e));
        }
        for t in &cb.stance_targets {
            push(&t.description);
            for group in t.examples() {
                group.iter().for_each(|e| push(e));
            }
        }
    }
    for line in SAMPLE_CORPUS.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("the compiled-in sample corpus is valid JSON");
        let text = v.get("text").and_then(|t| t.as_str()).unwrap_or("");
        for p in crate::segment::segment(text) {
            if p.kind == crate::segment::Kind::Body {
                push(&p.text);
            }
        }
    }
    out
}

/// Settings of a quantize run.
#[derive(Debug, Clone)]
pub struct QuantizeOptions {
    /// Schemes to write and gate, one graph each.
    pub schemes: Vec<Int8Scheme>,
    /// Encoder threads for the calibration texts and the sample corpus runs; 0 counts as 1.
    pub threads: usize,
}

/// Writes the int8 graph of every scheme into `model`'s folder from the safetensors in `src`, measures its
/// gate and records it in `model.toml`. `progress` gets one line per step.
pub fn quantize(
    model: &ModelDir,
    src: &Path,
    opts: &QuantizeOptions,
    progress: &mut dyn FnMut(&str),
) -> Result<ModelDir, QuantizeError> {
    let texts = calibration_texts();
    progress("writing the int8 graphs");
    let written = write_int8_graphs(src, model, &opts.schemes, &texts)?;
    let tmp = tempfile::tempdir().map_err(|e| QuantizeError::Other(format!("creating a temporary folder: {e}")))?;
    let corpus = tmp.path().join("sample-corpus.jsonl");
    let write_err = |e: std::io::Error| QuantizeError::Other(format!("writing to {}: {e}", tmp.path().display()));
    std::fs::write(&corpus, SAMPLE_CORPUS).map_err(write_err)?;
    for (name, text) in CODEBOOKS {
        std::fs::write(tmp.path().join(name), text).map_err(write_err)?;
    }

    // The gate measures the CPU's int8 graphs against the CPU's fp32, whatever GPU the machine has.
    let base = EncodeOptions { threads: opts.threads.max(1), device: DeviceChoice::Cpu, ..Default::default() };
    progress(&format!("fp32 reference: {} calibration texts and the sample corpus", texts.len()));
    let fp32 = ResolvedPrecision {
        precision: Precision::Fp32,
        reason: "quality gate reference".into(),
        int8_scheme: None,
        warning: None,
        device: Device::Cpu,
    };
    let reference = embed(model, &base, fp32, &texts)?;
    // Frame labels of the sample corpus with each shipped codebook.
    let run = |m: &ModelDir, precision: PrecisionChoice, scheme: Option<Int8Scheme>, name: &str| {
        let encode = EncodeOptions { precision, int8_scheme: scheme, ignore_int8_gate: true, ..base.clone() };
        CODEBOOKS
            .iter()
            .map(|(cb, _)| {
                let out = tmp.path().join(format!("{name}-{cb}"));
                frame_labels(m, encode.clone(), &corpus, &tmp.path().join(cb), &out).map(|l| (cb.to_string(), l))
            })
            .collect::<Result<Vec<_>, _>>()
    };
    let reference_labels = run(model, PrecisionChoice::Fp32, None, "fp32")?;
    let label_paragraphs = reference_labels[0].1.len();

    let mut updated = model.clone();
    for w in written {
        progress(&format!("int8 {}: calibration texts and the sample corpus", w.scheme));
        // The graph runs before the manifest lists it: a provisional entry lets the encoder find it.
        let mut entry = Int8Graph {
            scheme: w.scheme,
            file: w.file.clone(),
            graph_sha256: w.sha256.clone(),
            calibration_texts: texts.len(),
            cosine_mean: 1.0,
            cosine_min: 1.0,
            label_agreement: 1.0,
            label_agreement_by_codebook: Default::default(),
            label_paragraphs,
            quantize_version: env!("CARGO_PKG_VERSION").into(),
        };
        let mut provisional = updated.clone();
        provisional.manifest.int8.retain(|g| g.scheme != w.scheme);
        provisional.manifest.int8.push(entry.clone());
        let int8 = ResolvedPrecision {
            precision: Precision::Int8,
            reason: "quality gate".into(),
            int8_scheme: Some(w.scheme),
            warning: None,
            device: Device::Cpu,
        };
        let v = embed(&provisional, &base, int8, &texts)?;
        let (mean, min) = cosines(&reference, &v);
        let labels = run(&provisional, PrecisionChoice::Int8, Some(w.scheme), w.scheme.as_str())?;
        entry.cosine_mean = mean;
        entry.cosine_min = min;
        for ((cb, reference), (_, labels)) in reference_labels.iter().zip(&labels) {
            entry.label_agreement_by_codebook.insert(cb.clone(), agreement(reference, labels)?);
        }
        entry.label_agreement = entry.label_agreement_by_codebook.values().copied().fold(1.0, f64::min);
        updated.manifest.int8.retain(|g| g.scheme != w.scheme);
        updated.manifest.int8.push(entry);
    }
    updated.manifest.int8.sort_by_key(|g| Int8Scheme::ALL.iter().position(|s| *s == g.scheme));
    updated.write_manifest()?;
    Ok(updated)
}

fn embed(
    model: &ModelDir,
    opts: &EncodeOptions,
    precision: ResolvedPrecision,
    texts: &[String],
) -> Result<Array2<f32>, EncodeError> {
    let mut enc = Encoder::open_resolved(model, opts.clone(), precision)?;
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    Ok(enc.encode(&refs, &mut |_| {})?.vectors)
}

/// Mean and minimum row cosine of two matrices of unit rows.
pub fn cosines(a: &Array2<f32>, b: &Array2<f32>) -> (f64, f64) {
    let cos: Vec<f64> =
        a.rows().into_iter().zip(b.rows()).map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p * q) as f64).sum()).collect();
    let mean = cos.iter().sum::<f64>() / cos.len().max(1) as f64;
    (mean, cos.iter().copied().fold(f64::INFINITY, f64::min))
}

#[derive(serde::Deserialize)]
struct LabelRow {
    doc_id: String,
    para_index: usize,
    kind: String,
    frame: String,
}

/// Frame label of every body paragraph of the sample corpus, as `framelens run --no-cache` gives them.
fn frame_labels(
    model: &ModelDir,
    encode: EncodeOptions,
    corpus: &Path,
    codebook: &Path,
    out: &Path,
) -> Result<HashMap<(String, usize), String>, QuantizeError> {
    let opts = RunOptions {
        corpus: corpus.to_path_buf(),
        format: Format::Jsonl,
        fields: Fields::default(),
        codebook: codebook.to_path_buf(),
        out: out.to_path_buf(),
        encode,
        classify: ClassifyOptions::default(),
        scores: false,
        spreadsheet_safe: false,
        cache: None,
        shard: None,
        batch_docs: 256,
        head: None,
        stance_head: None,
    };
    let mut embedder = crate::encode::cached::Embedder::new(model, opts.encode.clone(), opts.cache.as_deref())
        .map_err(RunError::from)?;
    pipeline::run(&opts, &mut embedder, &mut |_| {})?;
    let path = out.join(pipeline::PARAGRAPHS);
    let mut rd =
        csv::Reader::from_path(&path).map_err(|e| QuantizeError::Other(format!("reading {}: {e}", path.display())))?;
    let mut labels = HashMap::new();
    for row in rd.deserialize::<LabelRow>() {
        let row = row.map_err(|e| QuantizeError::Other(format!("reading {}: {e}", path.display())))?;
        if row.kind == "body" {
            labels.insert((row.doc_id, row.para_index), row.frame);
        }
    }
    Ok(labels)
}

fn agreement(
    reference: &HashMap<(String, usize), String>,
    other: &HashMap<(String, usize), String>,
) -> Result<f64, QuantizeError> {
    if reference.len() != other.len() || reference.is_empty() {
        return Err(QuantizeError::Other(format!(
            "the sample corpus gave {} body paragraphs in fp32 and {} in int8",
            reference.len(),
            other.len()
        )));
    }
    let same = reference.iter().filter(|(k, v)| other.get(*k) == Some(*v)).count();
    Ok(same as f64 / reference.len() as f64)
}

/// One line per int8 graph for the CLI: the gate's numbers and verdict.
pub fn describe(g: &Int8Graph) -> String {
    let verdict = match (g.gate_failure(), g.auto_failure()) {
        (Some(why), _) => format!("GATE FAILED ({why}): `--precision int8` runs fp32 instead"),
        (None, Some(why)) => format!("gate passed; `auto` will not pick it ({why})"),
        (None, None) => "gate passed; `auto` may pick it".to_string(),
    };
    let labels: Vec<String> =
        g.label_agreement_by_codebook.iter().map(|(cb, a)| format!("{:.1}% with {cb}", a * 100.0)).collect();
    format!(
        "int8 {} → {}: cosine to fp32 mean {:.5} / min {:.5} on {} calibration texts (gate: mean ≥ \
         {GATE_MIN_MEAN_COSINE}); frame labels of {} sample paragraphs agree with fp32: {} (auto: ≥ {:.0}%); \
         {verdict}",
        g.scheme,
        g.file,
        g.cosine_mean,
        g.cosine_min,
        g.calibration_texts,
        g.label_paragraphs,
        labels.join(", "),
        GATE_MIN_LABEL_AGREEMENT * 100.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `models/calibration/sample-corpus.jsonl` must hold exactly the documents of `corpora/sample`.
    /// `FRAMELENS_BLESS=1 cargo test --lib sample_corpus` rewrites it after the sample corpus changed.
    #[test]
    fn compiled_in_sample_corpus_matches_corpora_sample() {
        let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
        let corpus =
            crate::corpus::read_corpus(&root.join("corpora/sample"), Format::Folder, &Fields::default()).unwrap();
        let mut text = String::new();
        for d in &corpus.documents {
            let v = serde_json::json!({
                "id": d.id, "outlet": d.outlet, "date": d.published, "title": d.title, "url": d.url,
                "author": d.author, "text": d.text,
            });
            text += &serde_json::to_string(&v).unwrap();
            text.push('\n');
        }
        let path = root.join("models/calibration/sample-corpus.jsonl");
        if std::env::var_os("FRAMELENS_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        assert!(text == SAMPLE_CORPUS, "{} is out of date: re-run with FRAMELENS_BLESS=1", path.display());
        // Read back as JSON Lines, the documents are the folder's.
        let back = crate::corpus::read_corpus(&path, Format::Jsonl, &Fields::default()).unwrap();
        assert_eq!(back.documents.len(), corpus.documents.len());
        for (a, b) in back.documents.iter().zip(&corpus.documents) {
            assert_eq!(
                (&a.id, &a.outlet, &a.published, &a.title, &a.text),
                (&b.id, &b.outlet, &b.published, &b.title, &b.text)
            );
        }
    }

    #[test]
    fn calibration_set_has_codebook_texts_and_sample_paragraphs() {
        let texts = calibration_texts();
        assert!(texts.len() > 300, "{}", texts.len());
        let cb: crate::codebook::Codebook = toml::from_str(CODEBOOKS[0].1).unwrap();
        assert!(texts.contains(&cb.frames[0].examples[0].trim().to_string()));
        let unique: std::collections::HashSet<&String> = texts.iter().collect();
        assert_eq!(unique.len(), texts.len());
    }
}
