//! Import + inference on a tiny random BERT: the whole encoder path in seconds, plus its error messages.

mod common;

use framelens::encode::{import::import, EncodeError, EncodeOptions, Encoder, ModelDir, PrecisionChoice};

fn tiny_model(tmp: &std::path::Path) -> ModelDir {
    let src = tmp.join("hf");
    common::write_tiny_bert(&src, None);
    import(&src, &tmp.join("imported"), "tiny").expect("import")
}

fn embed(model: &ModelDir, precision: PrecisionChoice, truncate: bool, texts: &[String]) -> ndarray::Array2<f32> {
    let opts = EncodeOptions { precision, threads: 2, truncate, token_budget: 96, ..Default::default() };
    let mut enc = Encoder::open(model, opts).expect("open encoder");
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    enc.encode(&refs, &mut |_| {}).expect("encode").vectors
}

#[test]
fn import_writes_a_loadable_model_with_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tiny_model(tmp.path());
    assert_eq!(m.manifest.hidden_size, common::TINY_HIDDEN);
    assert_eq!(m.manifest.max_seq_length, 16);
    assert_eq!(m.manifest.weights_sha256.len(), 64);
    assert_eq!((m.manifest.cls_token_id, m.manifest.sep_token_id), (2, 3));
    let again = ModelDir::open(&tmp.path().join("imported")).unwrap();
    assert_eq!(again.manifest, m.manifest);
}

#[test]
fn embeddings_are_unit_length_and_distinct() {
    if !common::runtime_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let m = tiny_model(tmp.path());
    let texts = common::tiny_sentences();
    let v = embed(&m, PrecisionChoice::Fp32, false, &texts);
    assert_eq!(v.shape(), [texts.len(), common::TINY_HIDDEN]);
    for row in v.rows() {
        let n: f32 = row.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((n - 1.0).abs() < 1e-5, "norm {n}");
    }
    let d: f32 = v.row(0).iter().zip(v.row(1)).map(|(a, b)| (a - b).abs()).sum();
    assert!(d > 1e-3, "different texts must embed differently");
}

#[test]
fn long_inputs_are_windowed_unless_truncated() {
    if !common::runtime_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let m = tiny_model(tmp.path());
    let long = vec!["the state crackdown on the scam compound was new and old ".repeat(4)];
    let opts = EncodeOptions { precision: PrecisionChoice::Fp32, threads: 1, ..Default::default() };
    let mut enc = Encoder::open(&m, opts).unwrap();
    let out = enc.encode(&[long[0].as_str()], &mut |_| {}).unwrap();
    assert!(out.windows[0] > 1, "a 44-token input at max length 16 needs several windows");
    assert_eq!(out.n_tokens[0], 4 * 11 + 2);
    let windowed = out.vectors;
    let truncated = embed(&m, PrecisionChoice::Fp32, true, &long);
    assert_ne!(windowed, truncated);
}

/// A row's embedding must not depend on its batch: whole file, reversed, and halves give identical bits.
fn assert_rows_batch_independent(what: &str, texts: &[String], embed: impl Fn(&[String]) -> ndarray::Array2<f32>) {
    let all = embed(texts);
    let mut rev_texts = texts.to_vec();
    rev_texts.reverse();
    let rev = embed(&rev_texts);
    let (a, b) = texts.split_at(texts.len() / 2);
    let first = embed(a);
    let second = embed(b);
    for i in 0..texts.len() {
        let r = rev.row(texts.len() - 1 - i);
        let h = if i < a.len() { first.row(i) } else { second.row(i - a.len()) };
        assert_eq!(all.row(i), r, "{what} row {i} changed when the input was reversed");
        assert_eq!(all.row(i), h, "{what} row {i} changed when the input was halved");
    }
}

fn assert_batch_independent(precision: PrecisionChoice) {
    let tmp = tempfile::tempdir().unwrap();
    let m = tiny_model(tmp.path());
    assert_rows_batch_independent(&format!("{precision:?}"), &common::tiny_sentences(), |t| {
        embed(&m, precision, false, t)
    });
}

#[test]
fn fp32_rows_do_not_depend_on_their_batch() {
    if common::runtime_available() {
        assert_batch_independent(PrecisionChoice::Fp32);
    }
}

#[test]
fn bf16_rows_do_not_depend_on_their_batch() {
    let tmp = tempfile::tempdir().unwrap();
    if common::runtime_available() && common::bf16_or_check_fallback(&tiny_model(tmp.path())) {
        assert_batch_independent(PrecisionChoice::Bf16);
    }
}

#[test]
fn missing_tensor_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("hf");
    common::write_tiny_bert(&src, Some("encoder.layer.1.attention.self.key.weight"));
    let err = import(&src, &tmp.path().join("out"), "tiny").unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, EncodeError::MissingTensor { .. }), "{msg}");
    assert!(msg.contains("encoder.layer.1.attention.self.key.weight") && msg.contains("model.safetensors"), "{msg}");
}

#[test]
fn unsupported_architecture_and_corrupt_files_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("hf");
    common::write_tiny_bert(&src, None);
    let cfg = std::fs::read_to_string(src.join("config.json")).unwrap().replace("\"bert\"", "\"gpt2\"");
    std::fs::write(src.join("config.json"), cfg).unwrap();
    let msg = import(&src, &tmp.path().join("out"), "x").unwrap_err().to_string();
    assert!(msg.contains("config.json") && msg.contains("gpt2"), "{msg}");

    common::write_tiny_bert(&src, None);
    std::fs::write(src.join("model.safetensors"), b"not a safetensors file").unwrap();
    let msg = import(&src, &tmp.path().join("out"), "x").unwrap_err().to_string();
    assert!(msg.contains("model.safetensors") && msg.contains("not a valid safetensors"), "{msg}");

    let msg = import(&tmp.path().join("nowhere"), &tmp.path().join("out"), "x").unwrap_err().to_string();
    assert!(msg.contains("nowhere") && msg.contains("does not exist"), "{msg}");

    std::fs::remove_file(src.join("config.json")).unwrap();
    let msg = import(&src, &tmp.path().join("out"), "x").unwrap_err().to_string();
    assert!(msg.contains("config.json"), "{msg}");
}

#[test]
fn imported_folder_missing_a_graph_is_refused_by_its_name() {
    for file in ["model.onnx", "model.fused.onnx"] {
        let tmp = tempfile::tempdir().unwrap();
        let m = tiny_model(tmp.path());
        assert!(m.manifest.fused_graph_sha256.is_some());
        std::fs::remove_file(m.dir.join(file)).unwrap();
        let msg = ModelDir::open(&m.dir).unwrap_err().to_string();
        assert!(msg.contains(file), "{msg}");
    }
}

/// fp32 runs the fused graph (ONNX Runtime's `Attention`/`SkipLayerNormalization`/`BiasGelu`); a folder
/// imported before it existed runs the standard graph. Both give the same rows (to float rounding), for
/// BERT and for MPNet, whose position bias enters the fused `Attention` as its `attention_bias` input.
#[test]
fn the_fused_fp32_graph_gives_the_standard_graphs_rows() {
    if !common::runtime_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let bert = tiny_model(&tmp.path().join("bert"));
    let src = tmp.path().join("mpnet-hf");
    common::write_tiny_mpnet(&src, None);
    let mpnet = import(&src, &tmp.path().join("mpnet"), "tiny-mpnet").expect("import");
    let texts = common::tiny_sentences();
    for m in [bert, mpnet] {
        let fused = embed(&m, PrecisionChoice::Fp32, false, &texts);
        let mut standard = m.clone();
        standard.manifest.fused_graph_sha256 = None;
        assert_eq!(standard.fp32_graph_path(), m.graph_path());
        let plain = embed(&standard, PrecisionChoice::Fp32, false, &texts);
        for i in 0..texts.len() {
            let cos: f32 = fused.row(i).dot(&plain.row(i));
            assert!(cos > 0.99999, "{}: row {i} cosine {cos}", m.manifest.architecture);
        }
    }
}

/// Importing again from the same weights (as `scripts/setup.sh` does to add the fused graph to an older
/// folder) keeps the int8 graphs and their gates instead of asking for a new quantization.
#[test]
fn reimporting_the_same_weights_keeps_the_int8_graphs() {
    if !common::runtime_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let m = tiny_model(tmp.path());
    let opts = QuantizeOptions { schemes: vec![Int8Scheme::Nbits], threads: 2 };
    let q = quantize(&m, &tmp.path().join("hf"), &opts, &mut |_| {}).expect("quantize");
    assert_eq!(q.manifest.int8.len(), 1);
    let again = import(&tmp.path().join("hf"), &m.dir, "tiny").expect("import again");
    assert_eq!(again.manifest.int8, q.manifest.int8);
    // Other weights: nothing measured on the old ones is kept.
    let other = tmp.path().join("other-hf");
    common::write_tiny_mpnet(&other, None);
    let replaced = import(&other, &m.dir, "tiny").expect("import other weights");
    assert!(replaced.manifest.int8.is_empty());
}

// ---- int8 ------------------------------------------------------------------------------------------------

use framelens::encode::model::{int8_graph_file, DEFAULT_INT8_SCHEME, INT8_GRAPH};
use framelens::encode::quant::Int8Scheme;
use framelens::encode::runtime::Precision;
use framelens::quantize::{quantize, QuantizeOptions};

/// The tiny model imported and quantized in every scheme (graphs written natively, gate measured).
fn tiny_int8_model(tmp: &std::path::Path) -> ModelDir {
    let m = tiny_model(tmp);
    let opts = QuantizeOptions { schemes: Int8Scheme::ALL.to_vec(), threads: 2 };
    quantize(&m, &tmp.join("hf"), &opts, &mut |_| {}).expect("quantize")
}

/// The scheme's rows, or None where it cannot run as int8 here: an OpenVINO scheme on a CPU without bf16
/// units runs fp32 instead (checked), and its graph is tested on CPUs that have them.
fn embed_int8(model: &ModelDir, scheme: Int8Scheme, texts: &[String]) -> Option<ndarray::Array2<f32>> {
    if scheme.openvino() && framelens::encode::runtime::bf16_units().is_none() {
        let r = PrecisionChoice::Int8.resolve(model, Some(scheme)).unwrap();
        assert_eq!(r.precision, Precision::Fp32, "{r:?}");
        assert!(r.warning.as_deref().is_some_and(|w| w.contains("needs bf16 units")), "{r:?}");
        eprintln!("int8-{scheme}: OpenVINO without bf16 units; checked that it runs fp32 instead");
        return None;
    }
    let opts = EncodeOptions {
        precision: PrecisionChoice::Int8,
        int8_scheme: Some(scheme),
        threads: 2,
        token_budget: 96,
        ..Default::default()
    };
    let mut enc = Encoder::open(model, opts).expect("open int8 encoder");
    assert_eq!(enc.precision().precision, Precision::Int8, "{:?}", enc.precision());
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    Some(enc.encode(&refs, &mut |_| {}).expect("encode").vectors)
}

#[test]
fn quantize_writes_int8_graphs_natively_and_records_the_gate() {
    if !common::runtime_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let m = tiny_int8_model(tmp.path());
    assert!(m.dir.join(INT8_GRAPH).is_file());
    assert_eq!(m.manifest.int8.len(), Int8Scheme::ALL.len());
    for g in &m.manifest.int8 {
        assert_eq!(g.file, int8_graph_file(g.scheme));
        let bytes = std::fs::read(m.dir.join(&g.file)).unwrap();
        assert_eq!(framelens::encode::model::sha256_hex(&bytes), g.graph_sha256);
        assert!(g.calibration_texts > 300 && g.label_paragraphs > 100, "{g:?}");
        eprintln!("{}", framelens::quantize::describe(g));
    }
    assert_eq!(m.manifest.int8_graph(None).unwrap().scheme, DEFAULT_INT8_SCHEME);
    // The manifest round-trips with its int8 entries, and the fp32 part is untouched.
    let again = ModelDir::open(&m.dir).unwrap();
    assert_eq!(again.manifest, m.manifest);
    let plain = ModelDir::open(&tmp.path().join("imported")).unwrap();
    assert_eq!(plain.manifest.graph_sha256, m.manifest.graph_sha256);
}

/// Tolerance of the tiny random model's int8 graphs against its fp32 graph: every row's cosine ≥ 0.999
/// (measured: 0.999999 for the dynamic and weight-only schemes, 0.99956 for static scales)
/// (random weights spread evenly, so per-channel int8 loses less than on a trained model's outliers).
/// On a CPU without int8 dot-product units (no VNNI) ONNX Runtime's u8×s8 products go through AVX2
/// pair sums that saturate at 16 bits: per-row measured min 0.99841 there (AMD EPYC, AVX2 only), so the
/// bound is 0.998 on such CPUs (where `auto` never picks int8).
#[test]
fn int8_graphs_match_fp32_on_the_tiny_model() {
    if !common::runtime_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let m = tiny_int8_model(tmp.path());
    let texts = common::tiny_sentences();
    let reference = embed(&m, PrecisionChoice::Fp32, false, &texts);
    for scheme in Int8Scheme::ALL {
        let Some(v) = embed_int8(&m, scheme, &texts) else { continue };
        let cos = common::row_cosines(&reference, &v);
        let (mean, min) = (cos.iter().sum::<f64>() / cos.len() as f64, cos.iter().copied().fold(1.0, f64::min));
        eprintln!("{scheme}: cosine to fp32 mean {mean:.6} min {min:.6}");
        // The library's gate figure (a dot product of unit rows) must agree with the true cosine.
        let (gate_mean, gate_min) = framelens::quantize::cosines(&reference, &v);
        assert!((gate_mean - mean).abs() < 1e-5 && (gate_min - min).abs() < 1e-5, "{gate_mean} {gate_min}");
        let bound = if framelens::encode::runtime::int8_units().is_some() { 0.999 } else { 0.998 };
        assert!(min >= bound, "{scheme}: min cosine {min} < {bound}");
        assert_ne!(v, reference, "{scheme}: an int8 graph that equals fp32 bit for bit is not quantized");
    }
}

#[test]
fn int8_rows_do_not_depend_on_their_batch() {
    if !common::runtime_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let m = tiny_int8_model(tmp.path());
    let texts = common::tiny_sentences();
    for scheme in Int8Scheme::ALL {
        if embed_int8(&m, scheme, &texts[..1]).is_none() {
            continue;
        }
        assert_rows_batch_independent(&format!("int8-{scheme}"), &texts, |t| embed_int8(&m, scheme, t).unwrap());
    }
}

#[test]
fn int8_on_a_model_without_an_int8_graph_names_the_command() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tiny_model(tmp.path());
    let opts = EncodeOptions { precision: PrecisionChoice::Int8, ..Default::default() };
    let msg = Encoder::open(&m, opts).err().expect("no int8 graph").to_string();
    assert!(msg.contains("framelens model quantize") && msg.contains("imported"), "{msg}");
}

#[test]
fn int8_whose_gate_failed_falls_back_to_fp32_with_a_warning() {
    if !common::runtime_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut m = tiny_int8_model(tmp.path());
    for g in &mut m.manifest.int8 {
        g.cosine_mean = 0.98;
    }
    m.write_manifest().unwrap();
    let m = ModelDir::open(&m.dir).unwrap();
    // nbits runs on the CPU provider, so the gate (not the OpenVINO bf16 rule) decides on any CPU.
    let opts = EncodeOptions {
        precision: PrecisionChoice::Int8,
        int8_scheme: Some(Int8Scheme::Nbits),
        threads: 1,
        ..Default::default()
    };
    let enc = Encoder::open(&m, opts).unwrap();
    assert_eq!(enc.precision().precision, Precision::Fp32);
    let w = enc.precision().warning.clone().expect("a warning");
    assert!(w.contains("quality gate") && w.contains("fp32"), "{w}");
    let auto = EncodeOptions { precision: PrecisionChoice::Auto, threads: 1, ..Default::default() };
    assert_ne!(Encoder::open(&m, auto).unwrap().precision().precision, Precision::Int8);
}

// ---- MPNet -----------------------------------------------------------------------------------------------

#[test]
fn a_tiny_mpnet_imports_with_its_own_special_tokens_and_embeds_batch_independently() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("hf");
    common::write_tiny_mpnet(&src, None);
    let m = import(&src, &tmp.path().join("imported"), "tiny-mpnet").expect("import");
    assert_eq!(m.manifest.architecture, "mpnet");
    // <s>, </s>, <pad> from special_tokens_map.json, not BERT's [CLS]/[SEP]/[PAD].
    assert_eq!((m.manifest.cls_token_id, m.manifest.sep_token_id, m.manifest.pad_token_id), (0, 2, 1));
    if !common::runtime_available() {
        return;
    }
    let texts = common::tiny_sentences();
    let all = embed(&m, PrecisionChoice::Fp32, false, &texts);
    let split = embed(&m, PrecisionChoice::Fp32, false, &texts[..5]);
    for i in 0..5 {
        assert_eq!(all.row(i), split.row(i), "row {i} depends on its batch");
    }
    let d: f32 = all.row(0).iter().zip(all.row(1)).map(|(a, b)| (a - b).abs()).sum();
    assert!(d > 1e-3, "different texts must embed differently");
}

#[test]
fn a_tiny_mpnet_without_its_relative_attention_bias_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("hf");
    common::write_tiny_mpnet(&src, Some("encoder.relative_attention_bias.weight"));
    let err = import(&src, &tmp.path().join("imported"), "tiny-mpnet").unwrap_err().to_string();
    assert!(err.contains("encoder.relative_attention_bias.weight"), "{err}");
}

#[test]
fn auto_measures_each_candidate_once_per_cpu_and_runs_what_it_recorded() {
    use framelens::encode::runtime::{auto_candidates, cpu_flags, cpu_id, ResolvedPrecision};
    if !common::runtime_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let m = tiny_model(tmp.path());
    let opts = EncodeOptions { precision: PrecisionChoice::Auto, threads: 2, ..Default::default() };
    let chosen = opts.resolve_precision(&m).expect("resolve");
    let cpu = cpu_id();
    let mine = |m: &ModelDir| -> Vec<String> {
        m.manifest.speed.iter().filter(|r| r.cpu == cpu).map(|r| r.precision.clone()).collect()
    };
    let on_disk = ModelDir::open(&m.dir).unwrap();
    let candidates: Vec<String> =
        auto_candidates(&cpu_flags(), &m, None).iter().map(ResolvedPrecision::label).collect();
    if candidates.len() < 2 {
        // Nothing to choose between (a CPU without bf16 units): nothing measured.
        assert!(mine(&on_disk).is_empty());
        assert_eq!(chosen.label(), "fp32");
        return;
    }
    assert_eq!(mine(&on_disk), candidates, "one record per candidate, in model.toml");
    for r in &on_disk.manifest.speed {
        assert!(r.paragraphs_per_second > 0.0 && r.open_secs > 0.0, "{r:?}");
        // Each record names the graph its precision runs: fp32 the fused graph, bf16 the standard one.
        let graph = match r.precision.as_str() {
            "fp32" => m.manifest.fused_graph_sha256.clone().expect("imported with the fused graph"),
            _ => m.manifest.graph_sha256.clone(),
        };
        assert_eq!(r.graph_sha256, graph, "{r:?}");
    }
    assert!(chosen.reason.contains("measured on this CPU"), "{}", chosen.reason);
    // A later run reads the records: the same choice, nothing measured again.
    let again = opts.resolve_precision(&on_disk).unwrap();
    assert_eq!((again.label(), again.reason), (chosen.label(), chosen.reason));
    assert_eq!(ModelDir::open(&m.dir).unwrap().manifest.speed, on_disk.manifest.speed);
    // Measuring again replaces this CPU's records instead of adding to them.
    let remeasured = framelens::encode::speed::measure_all(&on_disk, 1, &mut |_| {}).unwrap();
    assert_eq!(mine(&remeasured), candidates);
    assert!(remeasured.manifest.speed.iter().all(|r| r.threads == 1));
    assert_eq!(ModelDir::open(&m.dir).unwrap().manifest, remeasured.manifest);
    // Without measuring, explicit requests never measure.
    let fp32 = EncodeOptions { precision: PrecisionChoice::Fp32, ..opts.clone() };
    let fresh = tiny_model(&tmp.path().join("second"));
    fp32.resolve_precision(&fresh).unwrap();
    assert!(ModelDir::open(&fresh.dir).unwrap().manifest.speed.is_empty());
}

/// Runs `framelens ARGS MODEL_DIR` (with `auto`'s measuring off) and returns stdout and stderr; panics
/// unless it succeeded.
fn framelens_model(args: &[&str], dir: &std::path::Path) -> (String, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_framelens"))
        .args(args)
        .arg(dir)
        .env("FRAMELENS_AUTO_MEASURE", "0")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn model_speed_prints_and_records_the_figures_and_model_info_shows_what_auto_runs() {
    if !common::runtime_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let m = tiny_model(tmp.path());
    let framelens = |args: &[&str]| framelens_model(args, &m.dir);
    let (info, _) = framelens(&["model", "info"]);
    assert!(info.contains("auto runs") && !info.contains("[[speed]]"), "{info}");
    let (_, err) = framelens(&["model", "speed", "--threads", "1"]);
    assert!(err.contains("fp32") && err.contains("paragraphs/s") && err.contains("auto runs"), "{err}");
    let recorded = ModelDir::open(&m.dir).unwrap().manifest.speed;
    assert!(!recorded.is_empty() && recorded.iter().all(|r| r.threads == 1), "{recorded:?}");
    let (info, _) = framelens(&["model", "info"]);
    assert!(info.contains("[[speed]]") && info.contains("paragraphs_per_second"), "{info}");
    if recorded.len() > 1 {
        assert!(info.contains("measured on this CPU"), "{info}");
    }
}

#[test]
fn model_speed_if_unmeasured_measures_only_what_auto_would() {
    if !common::runtime_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let m = tiny_model(tmp.path());
    let speed = || {
        framelens_model(&["model", "speed", "--if-unmeasured"], &m.dir);
        ModelDir::open(&m.dir).unwrap().manifest.speed
    };
    let first = speed();
    assert_eq!(first.is_empty(), !framelens::encode::speed::needs_measuring(&m));
    assert!(!framelens::encode::speed::needs_measuring(&ModelDir::open(&m.dir).unwrap()));
    assert_eq!(speed(), first, "a second call measures nothing");
}
