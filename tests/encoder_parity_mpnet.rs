//! The real all-mpnet-base-v2 (`scripts/setup.sh mpnet`) against sentence-transformers' own embeddings
//! (tests/fixtures/mpnet-parity, written by scripts/mpnet_parity_fixture.py from paragraphs in ../shared),
//! and batch independence, in fp32, bf16 and every int8 scheme whose quality gate held (nbits, as
//! `scripts/setup.sh` writes it).

mod common;

use framelens::encode::model::GATE_MIN_MEAN_COSINE;
use framelens::encode::quant::Int8Scheme;
use framelens::encode::{EncodeOptions, Encoder, ModelDir, PrecisionChoice};

const DIM: usize = 768;

fn mpnet() -> Option<ModelDir> {
    match framelens::encode::resolve_model(Some("mpnet")) {
        Ok(m) => Some(m),
        Err(e) => {
            common::require(&format!("all-mpnet-base-v2 ({e})"));
            None
        }
    }
}

/// The fixture's paragraphs (read from ../shared by the row numbers the fixture names) and references.
fn fixture() -> Option<(Vec<String>, ndarray::Array2<f32>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mpnet-parity");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("reference.json")).unwrap()).unwrap();
    let paragraphs = common::fixture_paragraphs()?;
    let rows: Vec<usize> = meta["rows"].as_array().unwrap().iter().map(|r| r.as_u64().unwrap() as usize).collect();
    let texts: Vec<String> = rows.iter().map(|&r| paragraphs[r].clone()).collect();
    let bytes = std::fs::read(dir.join("reference.f32")).unwrap();
    let flat: Vec<f32> = bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    assert_eq!(flat.len(), rows.len() * DIM);
    Some((texts, ndarray::Array2::from_shape_vec((rows.len(), DIM), flat).unwrap()))
}

/// The precisions under test: fp32, bf16 (where the CPU has it), and each int8 graph whose cosine gate held (at least one in CI).
fn precisions(model: &ModelDir) -> Vec<(PrecisionChoice, Option<Int8Scheme>)> {
    let mut out = vec![(PrecisionChoice::Fp32, None)];
    if common::bf16_or_check_fallback(model) {
        out.push((PrecisionChoice::Bf16, None));
    }
    let gated: Vec<Int8Scheme> =
        model.manifest.int8.iter().filter(|g| g.cosine_mean >= GATE_MIN_MEAN_COSINE).map(|g| g.scheme).collect();
    if gated.is_empty() {
        common::require("an int8 graph of all-mpnet-base-v2 that passed its gate (scripts/setup.sh writes nbits)");
    }
    out.extend(gated.into_iter().map(|s| (PrecisionChoice::Int8, Some(s))));
    out
}

fn embed(
    model: &ModelDir,
    (precision, int8_scheme): (PrecisionChoice, Option<Int8Scheme>),
    truncate: bool,
    texts: &[String],
) -> ndarray::Array2<f32> {
    let opts = EncodeOptions {
        precision,
        int8_scheme,
        truncate,
        // The graph itself is under test, whatever its quality gate says.
        ignore_int8_gate: true,
        ..Default::default()
    };
    let mut enc = Encoder::open(model, opts).expect("open encoder");
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    enc.encode(&refs, &mut |_| {}).expect("encode").vectors
}

/// Cosines of every row to its own reference, and the largest cosine of a row to its *neighbour's*
/// reference (over pairs whose references differ), so that a threshold is seen to tell paragraphs apart.
fn parity(v: &ndarray::Array2<f32>, reference: &ndarray::Array2<f32>) -> (Vec<f64>, f64) {
    let own = common::row_cosines(v, reference);
    let n = v.nrows();
    let other = (0..n)
        .map(|i| (i, (i + 1) % n))
        .filter(|&(i, j)| common::cosine(&reference.row(i).to_vec(), &reference.row(j).to_vec()) < 0.99)
        .map(|(i, j)| common::cosine(&v.row(i).to_vec(), &reference.row(j).to_vec()))
        .fold(-1f64, f64::max);
    (own, other)
}

#[test]
fn mpnet_matches_sentence_transformers_in_every_precision() {
    let (Some(model), Some((texts, reference))) = (mpnet(), fixture()) else { return };
    assert_eq!(model.manifest.architecture, "mpnet");
    for p in precisions(&model) {
        // fp32 and bf16 on every row; int8 on the mean (the quality gate's measure).
        let (threshold, on_min) = if p.0 == PrecisionChoice::Int8 { (0.995, false) } else { (0.9999, true) };
        let precision = format!("{:?}{}", p.0, p.1.map(|s| format!("-{s}")).unwrap_or_default());
        let v = embed(&model, p, true, &texts);
        let (cos, other) = parity(&v, &reference);
        let mean = cos.iter().sum::<f64>() / cos.len() as f64;
        let (at, min) = cos.iter().enumerate().fold((0, 1f64), |m, (i, &c)| if c < m.1 { (i, c) } else { m });
        eprintln!("mpnet {precision}: cosine mean {mean:.6}, min {min:.6} at row {at}; to a neighbour ≤ {other:.4}");
        let measured = if on_min { min } else { mean };
        assert!(measured >= threshold, "{precision}: cosine {measured} < {threshold}");
        assert!(other < threshold, "{precision}: a row is as close to another paragraph ({other})");
    }
}

#[test]
fn mpnet_rows_do_not_depend_on_their_batch() {
    let (Some(model), Some((texts, _))) = (mpnet(), fixture()) else { return };
    let texts: Vec<String> = texts.into_iter().take(40).collect();
    for p in precisions(&model) {
        let precision = format!("{:?}{}", p.0, p.1.map(|s| format!("-{s}")).unwrap_or_default());
        let all = embed(&model, p, false, &texts);
        let mut reversed = texts.clone();
        reversed.reverse();
        let rev = embed(&model, p, false, &reversed);
        let first = embed(&model, p, false, &texts[..17]);
        let second = embed(&model, p, false, &texts[17..]);
        for i in 0..texts.len() {
            assert_eq!(all.row(i), rev.row(texts.len() - 1 - i), "{precision} row {i}: reversed input changed it");
            let h = if i < 17 { first.row(i) } else { second.row(i - 17) };
            assert_eq!(all.row(i), h, "{precision} row {i}: splitting the input changed it");
        }
    }
}
