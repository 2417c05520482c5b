//! Test helpers: a tiny randomly-initialised BERT written to disk (config, safetensors, tokenizer), and the
//! real model set up by `scripts/setup.sh`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, TensorView};

pub const TINY_HIDDEN: usize = 32;
const WORDS: &[&str] = &[
    "the",
    "state",
    "crackdown",
    "scam",
    "compound",
    "border",
    "police",
    "workers",
    "regional",
    "cooperation",
    "militia",
    "court",
    "sentence",
    "network",
    "victims",
    "public",
    "trust",
    "china",
    "myanmar",
    "thailand",
    "a",
    "of",
    "and",
    "in",
    "to",
    "is",
    "was",
    "on",
    "new",
    "old",
    "##s",
    "##ed",
    "##ing",
    ".",
    ",",
    "!",
    "?",
];

/// Deterministic pseudo-random floats in [-0.1, 0.1): a test model needs variety, not quality.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.2
    }
}

/// Writes a 2-layer BERT with hidden size 32 into `dir`; `skip` leaves one tensor out (for error tests).
pub fn write_tiny_bert(dir: &Path, skip: Option<&str>) {
    write_tiny(dir, false, skip);
}

/// Writes a 2-layer MPNet with hidden size 32 (MPNet's tensor names, relative attention bias, `<s>`/`</s>`/`<pad>`
/// special tokens) into `dir`; `skip` leaves one tensor out.
pub fn write_tiny_mpnet(dir: &Path, skip: Option<&str>) {
    write_tiny(dir, true, skip);
}

fn write_tiny(dir: &Path, mpnet: bool, skip: Option<&str>) {
    std::fs::create_dir_all(dir.join("1_Pooling")).unwrap();
    let specials: &[&str] = if mpnet {
        &["<s>", "<pad>", "</s>", "[UNK]", "<mask>"]
    } else {
        &["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    };
    let vocab: Vec<String> =
        specials.iter().map(|s| s.to_string()).chain(WORDS.iter().map(|s| s.to_string())).collect();
    let (h, layers, inter, max_pos) = (TINY_HIDDEN, 2, 64, 64);
    let mut config = serde_json::json!({
        "architectures": ["BertModel"], "model_type": "bert", "hidden_size": h, "num_hidden_layers": layers,
        "num_attention_heads": 4, "intermediate_size": inter, "hidden_act": "gelu", "layer_norm_eps": 1e-12,
        "vocab_size": vocab.len(), "max_position_embeddings": max_pos, "type_vocab_size": 2,
        "position_embedding_type": "absolute"
    });
    if mpnet {
        config["architectures"] = serde_json::json!(["MPNetForMaskedLM"]);
        config["model_type"] = serde_json::json!("mpnet");
        config["relative_attention_num_buckets"] = serde_json::json!(32);
        config["layer_norm_eps"] = serde_json::json!(1e-5);
        std::fs::write(
            dir.join("special_tokens_map.json"),
            r#"{"cls_token": "<s>", "sep_token": "</s>", "pad_token": "<pad>", "mask_token": {"content": "<mask>"}}"#,
        )
        .unwrap();
    }
    std::fs::write(dir.join("config.json"), serde_json::to_string_pretty(&config).unwrap()).unwrap();
    std::fs::write(
        dir.join("1_Pooling/config.json"),
        r#"{"word_embedding_dimension": 32, "pooling_mode_mean_tokens": true}"#,
    )
    .unwrap();
    std::fs::write(dir.join("sentence_bert_config.json"), r#"{"max_seq_length": 16, "do_lower_case": false}"#).unwrap();

    let mut rng = Lcg(42);
    let mut shapes: Vec<(String, Vec<usize>)> = vec![
        ("embeddings.word_embeddings.weight".into(), vec![vocab.len(), h]),
        ("embeddings.position_embeddings.weight".into(), vec![max_pos, h]),
        ("embeddings.LayerNorm.weight".into(), vec![h]),
        ("embeddings.LayerNorm.bias".into(), vec![h]),
    ];
    let (linears, norms): (&[&str], [&str; 2]) = if mpnet {
        shapes.push(("encoder.relative_attention_bias.weight".into(), vec![32, 4]));
        (
            &["attention.attn.q", "attention.attn.k", "attention.attn.v", "attention.attn.o"],
            ["attention.LayerNorm", "output.LayerNorm"],
        )
    } else {
        shapes.insert(2, ("embeddings.token_type_embeddings.weight".into(), vec![2, h]));
        (
            &["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"],
            ["attention.output.LayerNorm", "output.LayerNorm"],
        )
    };
    for l in 0..layers {
        let p = format!("encoder.layer.{l}");
        for n in linears {
            shapes.push((format!("{p}.{n}.weight"), vec![h, h]));
            shapes.push((format!("{p}.{n}.bias"), vec![h]));
        }
        shapes.push((format!("{p}.intermediate.dense.weight"), vec![inter, h]));
        shapes.push((format!("{p}.intermediate.dense.bias"), vec![inter]));
        shapes.push((format!("{p}.output.dense.weight"), vec![h, inter]));
        shapes.push((format!("{p}.output.dense.bias"), vec![h]));
        for n in norms {
            shapes.push((format!("{p}.{n}.weight"), vec![h]));
            shapes.push((format!("{p}.{n}.bias"), vec![h]));
        }
    }
    let mut data: BTreeMap<String, (Vec<usize>, Vec<u8>)> = BTreeMap::new();
    for (name, shape) in shapes {
        if skip == Some(name.as_str()) {
            continue;
        }
        let n: usize = shape.iter().product();
        let is_ln_weight = name.contains("LayerNorm.weight");
        let bytes: Vec<u8> =
            (0..n).flat_map(|_| (if is_ln_weight { 1.0 + rng.next() } else { rng.next() }).to_le_bytes()).collect();
        data.insert(name, (shape, bytes));
    }
    let views: Vec<(String, TensorView)> =
        data.iter().map(|(k, (s, b))| (k.clone(), TensorView::new(Dtype::F32, s.clone(), b).unwrap())).collect();
    safetensors::serialize_to_file(views, None, &dir.join("model.safetensors")).unwrap();

    let vocab_map: serde_json::Map<String, serde_json::Value> =
        vocab.iter().enumerate().map(|(i, w)| (w.clone(), serde_json::json!(i))).collect();
    let tokenizer = serde_json::json!({
        "version": "1.0", "truncation": null, "padding": null, "added_tokens": [],
        "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
                       "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": null, "decoder": null,
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab_map}
    });
    std::fs::write(dir.join("tokenizer.json"), serde_json::to_string(&tokenizer).unwrap()).unwrap();
}

/// Called where a test finds something it needs missing (`what` says what, and how to get it). Outside
/// CI the test is then skipped, so a checkout without the model or `../shared` still runs the rest; in CI
/// (`CI` set) a missing prerequisite panics, so a test can never pass there by skipping its checks.
/// Returns false, for `return common::require(..)` style early exits.
pub fn require(what: &str) -> bool {
    assert!(std::env::var_os("CI").is_none(), "required in CI but missing: {what}");
    eprintln!("skipping: {what} missing");
    false
}

/// Whether this CPU runs bf16 (avx512_bf16 or amx_bf16). Where it does not, `--precision bf16` runs fp32
/// with a warning, and this checks that instead of the bf16 kernels (which the machine does not have):
/// the bf16 tests then prove the fallback, not bf16, and say so.
pub fn bf16_or_check_fallback(model: &framelens::encode::ModelDir) -> bool {
    use framelens::encode::runtime::{bf16_units, Precision, PrecisionChoice};
    if bf16_units().is_some() {
        return true;
    }
    let r = PrecisionChoice::Bf16.resolve(model, None).unwrap();
    assert_eq!(r.precision, Precision::Fp32, "bf16 without bf16 units must run fp32: {r:?}");
    assert!(r.warning.as_deref().is_some_and(|w| w.contains("no bf16 units")), "{r:?}");
    eprintln!("this CPU has no bf16 units: checked that bf16 falls back to fp32 with a warning instead");
    false
}

/// ONNX Runtime, which every test that encodes needs; `require`d.
pub fn runtime_available() -> bool {
    framelens::encode::runtime::environment().is_ok() || require("ONNX Runtime (run scripts/setup.sh)")
}

/// The shared folder beside the checkout (`../shared`).
pub fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// `../shared/<rel>` when it exists; `require`d.
pub fn shared_path(rel: &str) -> Option<PathBuf> {
    let p = shared().join(rel);
    (p.exists() || require(&format!("{} (the shared data beside the checkout)", p.display()))).then_some(p)
}

/// The default model set up by `scripts/setup.sh` (all-mpnet-base-v2), or `None` (with a message) when it is not
/// set up. In CI (`CI` set) a missing model is a failure, never a silent skip.
pub fn real_model() -> Option<framelens::encode::ModelDir> {
    named_model(None)
}

/// all-MiniLM-L6-v2 as `scripts/setup.sh` sets it up (`--model minilm`), for the tests of its parity fixture.
pub fn minilm_model() -> Option<framelens::encode::ModelDir> {
    named_model(Some("minilm"))
}

fn named_model(name: Option<&str>) -> Option<framelens::encode::ModelDir> {
    match framelens::encode::resolve_model(name) {
        Ok(m) => Some(m),
        Err(e) => {
            require(&format!("the real model {} ({e})", name.unwrap_or("(default)")));
            None
        }
    }
}

/// all-MiniLM-L6-v2 with its default int8 graph (`scripts/setup.sh` writes it with `framelens model quantize`),
/// or `None` with a message; a failure in CI.
pub fn real_int8_model() -> Option<framelens::encode::ModelDir> {
    let m = minilm_model()?;
    if m.manifest.int8_graph(None).is_none() {
        require(&format!("the real model's int8 graph; run `framelens model quantize {}`", m.dir.display()));
        return None;
    }
    Some(m)
}

/// The parity fixture's paragraphs (`../shared/fixtures`), or None where it is absent; `require`d.
pub fn fixture_paragraphs() -> Option<Vec<String>> {
    let text = std::fs::read_to_string(shared_path("fixtures/minilm-parity/paras.txt")?).unwrap();
    Some(text.lines().map(str::to_string).collect())
}

/// sentence-transformers' embeddings of `fixture_paragraphs`, 384 floats a row; `require`d.
pub fn fixture_reference() -> Option<Vec<f32>> {
    let bytes = std::fs::read(shared_path("fixtures/minilm-parity/reference.f32")?).unwrap();
    Some(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
}

/// dot(a, b) / (|a| |b|), in f64. A bare dot product is a cosine only for unit rows, and the rows under
/// test are exactly the ones whose normalisation could be broken; a zero row panics instead of dividing.
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    assert_eq!(a.len(), b.len(), "cosine of vectors of different lengths");
    let dot: f64 = a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum();
    let norm = |v: &[f32]| v.iter().map(|x| (*x as f64).powi(2)).sum::<f64>().sqrt();
    let (na, nb) = (norm(a), norm(b));
    assert!(na > 0.0 && nb > 0.0, "cosine of a zero vector");
    dot / (na * nb)
}

/// The cosine of every row of `a` with the same row of `b`, checked both ways round (a against b and b
/// against a must agree, and lie in [-1, 1]), so an argument-order slip or a broken helper shows up here.
pub fn row_cosines(a: &ndarray::Array2<f32>, b: &ndarray::Array2<f32>) -> Vec<f64> {
    assert_eq!(a.shape(), b.shape());
    a.rows()
        .into_iter()
        .zip(b.rows())
        .enumerate()
        .map(|(i, (x, y))| {
            let (x, y) = (x.to_vec(), y.to_vec());
            let (ab, ba) = (cosine(&x, &y), cosine(&y, &x));
            assert!((ab - ba).abs() < 1e-12, "row {i}: cosine {ab} one way, {ba} the other");
            assert!((-1.0 - 1e-9..=1.0 + 1e-9).contains(&ab), "row {i}: cosine {ab} outside [-1, 1]");
            ab
        })
        .collect()
}

pub fn tiny_sentences() -> Vec<String> {
    let base = [
        "The state crackdown on the scam compound was new.",
        "Police and court sentence the network!",
        "Workers and victims in Myanmar and Thailand.",
        "Regional cooperation of China and Thailand is old, and public trust was low?",
        "The militia",
        "Scam scams scammed scamming on the border of the state and the compound, and the police in the court of the public.",
    ];
    (0..24).map(|i| format!("{} {}", base[i % base.len()], WORDS[i % 20])).collect()
}

/// A tiny random BERT written and imported into `tmp` (`tiny-model/`), or None (a skip outside CI) without
/// ONNX Runtime: for CLI tests that need a model folder but not the real model.
#[allow(dead_code)]
pub fn imported_tiny_model(tmp: &Path) -> Option<std::path::PathBuf> {
    if !runtime_available() {
        return None;
    }
    let src = tmp.join("hf");
    write_tiny_bert(&src, None);
    let dir = tmp.join("tiny-model");
    framelens::encode::import::import(&src, &dir, "tiny").expect("import the tiny model");
    Some(dir)
}

/// The sample corpus' gold paragraphs as a labelled CSV (`doc_id,text,label`) in `dir`: real coded rows for the
/// training commands' tests.
#[allow(dead_code)]
pub fn sample_labelled(dir: &Path) -> PathBuf {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/sample");
    let docs = framelens::corpus::read_corpus(&corpus, Default::default(), &Default::default()).unwrap();
    let mut gold = csv::Reader::from_path(corpus.join("gold.csv")).unwrap();
    let headers = gold.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let path = dir.join("labelled.csv");
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(["doc_id", "text", "label", "stance"]).unwrap();
    for rec in gold.records() {
        let rec = rec.unwrap();
        let d = docs.documents.iter().find(|d| d.id == rec[col("doc_id")]).unwrap();
        let p = framelens::segment::segment(&d.text)
            .into_iter()
            .find(|p| p.text.starts_with(rec[col("text_prefix")].trim()))
            .unwrap();
        w.write_record([&rec[col("doc_id")], p.text.as_str(), &rec[col("frame")], &rec[col("stance")]]).unwrap();
    }
    w.flush().unwrap();
    path
}

/// The first value under `key` anywhere in a JSON document (depth first).
#[allow(dead_code)]
pub fn find_key<'a>(v: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> {
    match v {
        serde_json::Value::Object(m) => m.get(key).or_else(|| m.values().find_map(|x| find_key(x, key))),
        serde_json::Value::Array(a) => a.iter().find_map(|x| find_key(x, key)),
        _ => None,
    }
}
