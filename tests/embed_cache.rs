//! The embedding cache never serves vectors of a graph other than the one that runs: a tiny random BERT is
//! embedded through the cache, its graph is then rewritten from the same weights (as an importer fix would),
//! and the next cached run must encode everything again and say why, in the library and through the CLI.
//! Every cache here is a temporary file: a test must not pass on vectors that an older build left in the
//! user's cache.

mod common;

use std::path::{Path, PathBuf};

use framelens::encode::cached::Embedder;
use framelens::encode::config::EncoderConfig;
use framelens::encode::import::import;
use framelens::encode::model::{file_sha256, FUSED_GRAPH};
use framelens::encode::quant::Int8Scheme;
use framelens::encode::weights::Weights;
use framelens::encode::{EncodeOptions, Encoder, ModelDir, PrecisionChoice};

fn tiny_model(tmp: &Path) -> ModelDir {
    let src = tmp.join("hf");
    common::write_tiny_bert(&src, None);
    import(&src, &tmp.join("imported"), "tiny").expect("import")
}

/// Rewrites the graph fp32 runs from the same weights in another form (per-row int8 Linear layers stand in
/// for whatever an importer fix changes: same weights sha256, other graph bytes, slightly other vectors) and
/// records its hash in `model.toml`, as a re-import does.
fn rewrite_graph(model: &ModelDir, src: &Path) -> ModelDir {
    let cfg = EncoderConfig::read(src).unwrap();
    let path = src.join("model.safetensors");
    let bytes = std::fs::read(&path).unwrap();
    let weights = Weights::parse(&path, &bytes).unwrap();
    let onnx = framelens::encode::graph::build_with(&cfg, &weights, Some(Int8Scheme::PerRow)).unwrap();
    // The graph fp32 runs: the fused one (`model.fused.onnx`) in a folder imported now.
    assert_eq!(model.fp32_graph_path(), model.dir.join(FUSED_GRAPH));
    std::fs::write(model.fp32_graph_path(), &onnx).unwrap();
    let mut m = model.clone();
    m.manifest.fused_graph_sha256 = Some(file_sha256(&m.fp32_graph_path()).unwrap());
    m.write_manifest().unwrap();
    let reopened = ModelDir::open(&m.dir).unwrap();
    assert_eq!(reopened.manifest.weights_sha256, model.manifest.weights_sha256, "same weights");
    assert_ne!(reopened.manifest.fused_graph_sha256, model.manifest.fused_graph_sha256, "another graph");
    reopened
}

fn opts() -> EncodeOptions {
    EncodeOptions { precision: PrecisionChoice::Fp32, threads: 2, token_budget: 96, ..Default::default() }
}

fn embed(model: &ModelDir, cache: Option<&Path>, texts: &[&str]) -> (ndarray::Array2<f32>, Embedder) {
    let mut e = Embedder::new(model, opts(), cache).expect("embedder");
    let v = e.embed(texts, &mut |_| {}).expect("embed").vectors;
    (v, e)
}

#[test]
fn a_rewritten_graph_is_encoded_again_with_a_warning_not_served_from_the_cache() {
    if !common::runtime_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let model = tiny_model(tmp.path());
    let sentences = common::tiny_sentences();
    let texts: Vec<&str> = sentences.iter().map(String::as_str).collect();
    let cache = tmp.path().join("cache.sqlite");

    let (old, first) = embed(&model, Some(&cache), &texts);
    assert_eq!(first.counters.encoded, texts.len() as u64);
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);
    let (again, second) = embed(&model, Some(&cache), &texts);
    assert_eq!((second.counters.cache_hits, second.counters.encoded), (texts.len() as u64, 0), "a cached re-run");
    assert_eq!(again, old);

    let model = rewrite_graph(&model, &tmp.path().join("hf"));
    let (new, third) = embed(&model, Some(&cache), &texts);
    assert_eq!(third.counters.cache_hits, 0, "no vector of the old graph may be served");
    assert_eq!(third.counters.encoded, texts.len() as u64);
    let why = third.warnings.iter().find(|w| w.contains("another ONNX graph"));
    let why = why.unwrap_or_else(|| panic!("no warning says why: {:?}", third.warnings));
    let ran = model.manifest.fused_graph_sha256.as_deref().unwrap();
    assert!(why.contains(&ran[..12]) && why.contains("encoded again"), "{why}");

    // What came back is the new graph's output (the old vectors really were stale), and the cache now has it.
    let mut enc = Encoder::open(&model, opts()).unwrap();
    let fresh = enc.encode(&texts, &mut |_| {}).unwrap().vectors;
    assert_eq!(new, fresh);
    let moved = old.rows().into_iter().zip(new.rows()).filter(|(a, b)| a != b).count();
    assert!(moved > texts.len() / 2, "only {moved} of {} vectors changed with the graph", texts.len());
    let (_, fourth) = embed(&model, Some(&cache), &texts);
    assert_eq!(fourth.counters.cache_hits, texts.len() as u64);
    assert!(fourth.warnings.is_empty(), "the warning is for the run that re-encodes: {:?}", fourth.warnings);
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn run(corpus: &Path, model: &Path, cache: &Path, out: &Path) -> String {
    let output = assert_cmd::Command::cargo_bin("framelens")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("run")
        .arg(corpus)
        .args(["--codebook", "models/codebooks/enforcement-discourse.toml", "--no-compare", "--precision", "fp32"])
        .arg("--model")
        .arg(model)
        .arg("--cache")
        .arg(cache)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{err}");
    err
}

#[test]
fn run_after_a_graph_change_encodes_again_and_the_manifest_says_why() {
    if !common::runtime_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let model = tiny_model(tmp.path());
    let corpus: PathBuf = tmp.path().join("feed.jsonl");
    let lines: Vec<String> = common::tiny_sentences()
        .iter()
        .enumerate()
        .map(|(i, t)| {
            serde_json::json!({"id": format!("d{i}"), "outlet": "Wire", "date": "2024-03-01", "text": t}).to_string()
        })
        .collect();
    std::fs::write(&corpus, lines.join("\n") + "\n").unwrap();
    let cache = tmp.path().join("cache.sqlite");

    let counts = |dir: &str| {
        let m = manifest(&tmp.path().join(dir));
        let n = |k: &str| m["counts"][k].as_u64().unwrap();
        (n("texts_requested"), n("texts_cached"), n("texts_encoded"))
    };
    run(&corpus, &model.dir, &cache, &tmp.path().join("a"));
    let (requested, _, encoded) = counts("a");
    assert!(encoded > 0);
    run(&corpus, &model.dir, &cache, &tmp.path().join("b"));
    assert_eq!(counts("b"), (requested, requested, 0), "a re-run is served from the cache");

    rewrite_graph(&model, &tmp.path().join("hf"));
    let err = run(&corpus, &model.dir, &cache, &tmp.path().join("c"));
    // Like the first run on an empty cache: every distinct text encoded again (hits only within the run).
    assert_eq!(counts("c"), counts("a"));
    let c = manifest(&tmp.path().join("c"));
    assert!(err.lines().any(|l| l.starts_with("warning:") && l.contains("another ONNX graph")), "{err}");
    let warnings = c["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w.as_str().unwrap().contains("another ONNX graph")), "{warnings:?}");
}
