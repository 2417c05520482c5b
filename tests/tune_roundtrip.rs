//! Fine-tuning (crates/tune) on a tiny random BERT: the training engine's forward pass is the imported graph's,
//! tuned weights written as a model embed in ONNX Runtime exactly as the engine computes them, the loss falls,
//! runs are deterministic, and a checkpoint resumes.

mod common;

use framelens::encode::import::import;
use framelens::encode::{EncodeOptions, Encoder, ModelDir, PrecisionChoice};
use framelens_tune::{tune, tune_pairs, Engine, PairRows, Recipe, TuneOptions, TuneRows};

fn parent(tmp: &std::path::Path) -> ModelDir {
    let src = tmp.join("hf");
    common::write_tiny_bert(&src, None);
    import(&src, &tmp.join("parent"), &src.display().to_string()).expect("import")
}

fn onnx_embed(model: &ModelDir, texts: &[String]) -> ndarray::Array2<f32> {
    let opts = EncodeOptions { precision: PrecisionChoice::Fp32, threads: 2, truncate: true, ..Default::default() };
    let mut enc = Encoder::open(model, opts).expect("open encoder");
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    enc.encode(&refs, &mut |_| {}).expect("encode").vectors
}

fn min_cosine(engine: &Engine, model: &ModelDir, texts: &[String]) -> f64 {
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let ours = engine.embed(&refs).expect("engine embed");
    let theirs = onnx_embed(model, texts);
    ours.iter().enumerate().map(|(i, v)| common::cosine(v, theirs.row(i).as_slice().unwrap())).fold(1.0, f64::min)
}

fn rows() -> TuneRows {
    let texts = common::tiny_sentences();
    let labels = (0..texts.len()).map(|i| vec![i % 3]).collect();
    TuneRows { texts, labels, n_labels: 3, multi_label: false }
}

fn options(recipe: Recipe) -> TuneOptions {
    let mut o = TuneOptions::new(recipe);
    o.epochs = 3;
    o.learning_rate = 1e-3;
    o.head_learning_rate = 1e-2;
    o.batch_size = 8;
    o.pairs_per_row = 2;
    o
}

fn tuning(parent: &ModelDir, rows: usize) -> framelens::encode::model::Tuning {
    framelens::encode::model::Tuning {
        parent_id: parent.manifest.id.clone(),
        parent_weights_sha256: parent.manifest.weights_sha256.clone(),
        data_sha256: "test".into(),
        rows,
        recipe: "cross-entropy".into(),
        seed: 13,
        epochs: 3,
        learning_rate: 1e-3,
        batch_size: 8,
        settings: Default::default(),
        seconds: 0.0,
        threads: 1,
        tuned_by: "test".into(),
    }
}

#[test]
fn the_engine_computes_what_the_imported_graph_computes() {
    if !common::runtime_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let model = parent(tmp.path());
    let engine = Engine::load(&model, &candle_core::Device::Cpu).expect("load");
    let c = min_cosine(&engine, &model, &common::tiny_sentences());
    assert!(c >= 0.9999, "engine vs ONNX min cosine {c}");
}

#[test]
fn tuned_weights_round_trip_through_the_importer() {
    if !common::runtime_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let model = parent(tmp.path());
    let engine = Engine::load(&model, &candle_core::Device::Cpu).expect("load");
    let texts = common::tiny_sentences();
    let report = tune(&engine, &rows(), &options(Recipe::CrossEntropy), None, false, &mut |_| {}).expect("tune");
    assert_eq!(report.epoch_loss.len(), 3);
    let tuning = tuning(&model, texts.len());
    let tuned = framelens_tune::write_model(&engine, &tmp.path().join("tuned"), "tiny-tuned", tuning).expect("write");
    assert_eq!(tuned.manifest.id, "tiny-tuned");
    assert_ne!(tuned.manifest.weights_sha256, model.manifest.weights_sha256, "the weights must have changed");
    let t = tuned.manifest.tuned.as_ref().expect("tuning recorded");
    assert_eq!(t.parent_weights_sha256, model.manifest.weights_sha256);
    // The written model reopens as a model and its ONNX graph embeds as the engine does.
    let reopened = ModelDir::open(&tmp.path().join("tuned")).unwrap();
    assert_eq!(reopened.manifest, tuned.manifest);
    let c = min_cosine(&engine, &tuned, &texts);
    assert!(c >= 0.9999, "tuned engine vs imported tuned graph: min cosine {c}");
    // ... and not as the parent does any more.
    let before = onnx_embed(&model, &texts);
    let after = onnx_embed(&tuned, &texts);
    let moved = common::row_cosines(&before, &after).into_iter().fold(1.0, f64::min);
    assert!(moved < 0.999, "tuning must move the embeddings (min cosine to parent {moved})");
    // A tuned model can itself be loaded for further tuning (its source folder travels with it).
    Engine::load(&tuned, &candle_core::Device::Cpu).expect("tuned model reloads");
}

#[test]
fn both_recipes_lower_their_loss_and_repeat_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let model = parent(tmp.path());
    for recipe in [Recipe::Contrastive, Recipe::CrossEntropy] {
        let texts = rows().texts;
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let run = || {
            let engine = Engine::load(&model, &candle_core::Device::Cpu).expect("load");
            let loss = tune(&engine, &rows(), &options(recipe), None, false, &mut |_| {}).expect("tune").epoch_loss;
            (loss, engine.embed(&refs).expect("embed"))
        };
        let (a, va) = run();
        assert!(a[2].1 < a[0].1, "{recipe:?}: loss must fall over epochs: {a:?}");
        let (b, vb) = run();
        assert_eq!(a, b, "{recipe:?}: same seed, same losses");
        assert_eq!(va, vb, "{recipe:?}: same seed, bit-identical tuned embeddings");
    }
}

/// Stance rows: every text toward two of three targets, the label a function of both (so only the pair
/// features can fit it).
fn stance_pairs() -> PairRows {
    let texts = common::tiny_sentences();
    let targets: Vec<String> = ["the crackdown", "regional cooperation", "the casinos"].map(String::from).to_vec();
    let mut rows = Vec::new();
    for s in 0..texts.len() {
        for t in [s % 3, (s + 1) % 3] {
            rows.push((t, s, (s + 2 * t) % 3));
        }
    }
    PairRows { targets, texts, rows, n_labels: 3 }
}

#[test]
fn stance_pairs_lower_their_loss_repeat_exactly_and_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let model = parent(tmp.path());
    let texts = common::tiny_sentences();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut o = options(Recipe::CrossEntropy);
    o.batch_size = 4;
    let run = |work: Option<&std::path::Path>| {
        let engine = Engine::load(&model, &candle_core::Device::Cpu).expect("load");
        let r = tune_pairs(&engine, &stance_pairs(), &o, work, false, &mut |_| {}).expect("tune pairs");
        (r, engine.embed(&refs).expect("embed"))
    };
    let (a, va) = run(None);
    // Every row counted once per epoch: the step's units are the rows of its texts, not the texts.
    assert_eq!(a.epoch_loss.len(), 3);
    assert!(a.epoch_loss[2].1 < a.epoch_loss[0].1, "loss must fall over epochs: {:?}", a.epoch_loss);
    let work = tmp.path().join("work");
    let (b, vb) = run(Some(&work));
    assert_eq!(a.epoch_loss, b.epoch_loss, "same seed, same losses");
    assert_eq!(va, vb, "same seed, bit-identical tuned embeddings");
    // Its checkpoint resumes (3 epochs done); other rows are another run.
    let again = Engine::load(&model, &candle_core::Device::Cpu).expect("load");
    let r = tune_pairs(&again, &stance_pairs(), &o, Some(&work), true, &mut |_| {}).expect("resume");
    assert_eq!((r.resumed_epochs, again.embed(&refs).unwrap() == vb), (3, true));
    let mut other = stance_pairs();
    other.rows[0].2 = (other.rows[0].2 + 1) % 3;
    let fresh = Engine::load(&model, &candle_core::Device::Cpu).expect("load");
    assert_eq!(tune_pairs(&fresh, &other, &o, Some(&work), true, &mut |_| {}).unwrap().resumed_epochs, 0);
    // The contrastive recipe has no pair form; rows pointing past the texts are refused.
    let e = tune_pairs(&fresh, &stance_pairs(), &options(Recipe::Contrastive), None, false, &mut |_| {});
    assert!(e.unwrap_err().to_string().contains("cross-entropy"));
    let mut bad = stance_pairs();
    bad.rows[1].1 = 99;
    assert!(tune_pairs(&fresh, &bad, &o, None, false, &mut |_| {}).is_err());
}

#[test]
fn multi_label_rows_train_on_per_label_binary_loss() {
    let tmp = tempfile::tempdir().unwrap();
    let model = parent(tmp.path());
    let mut r = rows();
    r.multi_label = true;
    for (i, l) in r.labels.iter_mut().enumerate() {
        if i % 4 == 0 {
            l.push((l[0] + 1) % 3);
        }
    }
    let engine = Engine::load(&model, &candle_core::Device::Cpu).expect("load");
    let loss = tune(&engine, &r, &options(Recipe::CrossEntropy), None, false, &mut |_| {}).expect("tune").epoch_loss;
    assert!(loss[2].1 < loss[0].1, "{loss:?}");
}

#[test]
fn an_interrupted_run_resumes_from_its_last_epoch_and_not_from_another_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let model = parent(tmp.path());
    let work = tmp.path().join("work");
    let mut o = options(Recipe::CrossEntropy);
    o.epochs = 2;
    let engine = Engine::load(&model, &candle_core::Device::Cpu).expect("load");
    tune(&engine, &rows(), &o, Some(&work), false, &mut |_| {}).expect("first run");
    // The same settings with more epochs are another run: nothing is resumed from it.
    o.epochs = 3;
    let fresh = Engine::load(&model, &candle_core::Device::Cpu).expect("load");
    let r = tune(&fresh, &rows(), &o, Some(&work), true, &mut |_| {}).expect("other run");
    assert_eq!(r.resumed_epochs, 0);
    // Its own checkpoint (3 epochs done) resumes with nothing left to run.
    let again = Engine::load(&model, &candle_core::Device::Cpu).expect("load");
    let r = tune(&again, &rows(), &o, Some(&work), true, &mut |_| {}).expect("resumed");
    assert_eq!((r.resumed_epochs, r.epoch_loss.len()), (3, 0));
    let texts = rows().texts;
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    assert_eq!(again.embed(&refs).unwrap(), fresh.embed(&refs).unwrap(), "resumed weights are the checkpoint's");
}

#[test]
fn mpnet_trains_and_round_trips_with_its_relative_position_bias() {
    if !common::runtime_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("hf-mpnet");
    common::write_tiny_mpnet(&src, None);
    let model = import(&src, &tmp.path().join("mpnet"), &src.display().to_string()).expect("import");
    let engine = Engine::load(&model, &candle_core::Device::Cpu).expect("load");
    let texts = common::tiny_sentences();
    let c = min_cosine(&engine, &model, &texts);
    assert!(c >= 0.9999, "MPNet engine vs ONNX min cosine {c}");
    tune(&engine, &rows(), &options(Recipe::CrossEntropy), None, false, &mut |_| {}).expect("tune");
    let tuning = tuning(&model, texts.len());
    let tuned = framelens_tune::write_model(&engine, &tmp.path().join("tuned"), "mpnet-tuned", tuning).expect("write");
    let c = min_cosine(&engine, &tuned, &texts);
    assert!(c >= 0.9999, "tuned MPNet engine vs its imported graph: min cosine {c}");
}

#[test]
fn tune_layers_moves_only_the_top_layers_and_loss_still_falls() {
    let tmp = tempfile::tempdir().unwrap();
    let bert = tmp.path().join("hf-bert");
    common::write_tiny_bert(&bert, None);
    let mpnet = tmp.path().join("hf-mpnet");
    common::write_tiny_mpnet(&mpnet, None);
    for (name, src) in [("bert", bert), ("mpnet", mpnet)] {
        let model = import(&src, &tmp.path().join(name), &src.display().to_string()).expect("import");
        let engine = Engine::load(&model, &candle_core::Device::Cpu).expect("load");
        let mut opts = options(Recipe::CrossEntropy);
        opts.tune_layers = Some(1);
        let loss = tune(&engine, &rows(), &opts, None, false, &mut |_| {}).expect("tune").epoch_loss;
        assert!(loss[2].1 < loss[0].1, "{name}: the top layer alone still learns: {loss:?}");
        let out = tmp.path().join(format!("{name}-tuned.safetensors"));
        engine.write_weights(&out).expect("write");
        let parent = candle_core::safetensors::load(src.join("model.safetensors"), &candle_core::Device::Cpu).unwrap();
        let tuned = candle_core::safetensors::load(&out, &candle_core::Device::Cpu).unwrap();
        let top =
            (0..).take_while(|l| parent.keys().any(|k| k.contains(&format!("encoder.layer.{l}.")))).last().unwrap();
        let (mut moved, mut kept) = (0, 0);
        for (k, p) in &parent {
            let t = &tuned[k];
            let same = p.to_dtype(candle_core::DType::F32).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap()
                == t.to_dtype(candle_core::DType::F32).unwrap().flatten_all().unwrap().to_vec1::<f32>().unwrap();
            if k.contains(&format!("encoder.layer.{top}.")) {
                assert!(!same || k.contains("LayerNorm"), "{name}: the top layer's {k} must have been tuned");
                moved += usize::from(!same);
            } else {
                assert!(same, "{name}: {k} is below the tuned layer and must keep the parent's values");
                kept += 1;
            }
        }
        assert!(moved >= 4 && kept > moved, "{name}: {moved} tensors tuned, {kept} kept");
    }
    // More layers than the model has is refused by name.
    let model = ModelDir::open(&tmp.path().join("bert")).unwrap();
    let engine = Engine::load(&model, &candle_core::Device::Cpu).expect("load");
    let mut opts = options(Recipe::CrossEntropy);
    opts.tune_layers = Some(99);
    let e = tune(&engine, &rows(), &opts, None, false, &mut |_| {}).expect_err("refused").to_string();
    assert!(e.contains("--tune-layers 99") && e.contains("transformer layers"), "{e}");
}
