//! `framelens train --finetune` end to end on a tiny random BERT (CI time): the tuned model is written into
//! $FRAMELENS_HOME/models with its provenance, the head names it, `eval --head` finds it without `--model`,
//! `model list` shows its parent and `model remove` deletes it.

mod common;

use std::path::Path;

use assert_cmd::Command;

const CODEBOOK: &str = "models/codebooks/enforcement-discourse.toml";

fn framelens(home: &Path) -> Command {
    let mut c = Command::cargo_bin("framelens").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    // A home of the test's own (models, cache), the real ONNX Runtime.
    c.env("ORT_DYLIB_PATH", framelens::encode::runtime::runtime_path());
    c.env("FRAMELENS_HOME", home);
    c
}

/// The tiny random model imported into `tmp`, its manifest naming its Hugging Face folder (fine-tuning reads
/// the weights there); None without ONNX Runtime outside CI.
fn tunable_tiny_model(tmp: &Path) -> Option<(std::path::PathBuf, framelens::encode::ModelDir)> {
    let tiny = common::imported_tiny_model(tmp)?;
    let mut m = framelens::encode::ModelDir::open(&tiny).unwrap();
    m.manifest.source = tmp.join("hf").display().to_string();
    m.write_manifest().unwrap();
    Some((tiny, m))
}

#[test]
fn finetune_writes_a_model_the_head_finds_and_model_list_and_remove_manage_it() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((tiny, m)) = tunable_tiny_model(tmp.path()) else { return };
    let home = tmp.path().join("home");
    let data = common::sample_labelled(tmp.path());
    let head = tmp.path().join("tuned.head.json");
    let common_args = ["--codebook", CODEBOOK, "--id-field", "doc_id", "--holdout", "0.3", "--split-seed", "13"];
    let out = framelens(&home)
        .arg("train")
        .args(common_args)
        .arg("--data")
        .arg(&data)
        .arg("--model")
        .arg(&tiny)
        .args(["--finetune", "--epochs", "2", "--folds", "3", "--l2", "1e-3", "--out"])
        .arg(&head)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("Frozen encoder → tuned"), "{stdout}");
    assert!(stdout.contains("rows never seen in tuning"), "{stdout}");
    // The default calibration slice: some training rows kept out of tuning, the temperature fitted on them.
    let kept = stdout.split("temperature fitted on the ").nth(1).and_then(|r| r.split(' ').next());
    let kept: usize = kept.and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("no calibration slice: {stdout}"));
    let tuned_on =
        stdout.split("fine-tuned ").nth(1).and_then(|r| r.split(" on ").nth(1)).and_then(|r| r.split(' ').next());
    let tuned_on: usize = tuned_on.and_then(|n| n.parse().ok()).unwrap();
    assert!(kept > 0 && tuned_on > kept, "{kept} kept, {tuned_on} tuned: {stdout}");

    let h = framelens::train::Head::read(&head).unwrap();
    assert!(h.encoder.model_id.contains("-tuned-"), "{}", h.encoder.model_id);
    let dir = home.join("models").join(&h.encoder.model_id);
    let tuned = framelens::encode::ModelDir::open(&dir).unwrap();
    assert_eq!(tuned.manifest.weights_sha256, h.encoder.weights_sha256);
    let t = tuned.manifest.tuned.as_ref().expect("[tuned] in model.toml");
    assert_eq!(
        (t.parent_weights_sha256.as_str(), t.recipe.as_str(), t.epochs, t.rows),
        (m.manifest.weights_sha256.as_str(), "cross-entropy", 2, tuned_on)
    );
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&head).unwrap()).unwrap();
    let recorded = common::find_key(&json, "calibration_rows").and_then(|v| v.as_array().map(Vec::len));
    assert_eq!(recorded, Some(kept), "the head records the rows its temperature was fitted on");
    assert!(dir.join("source/model.safetensors").is_file());
    assert!(!dir.with_file_name(format!("{}.checkpoint", h.encoder.model_id)).exists(), "checkpoint removed");

    // eval without --model runs the tuned encoder the head names.
    let ev = framelens(&home)
        .arg("eval")
        .args(common_args)
        .arg("--data")
        .arg(&data)
        .arg("--head")
        .arg(&head)
        .args(["--replicates", "20", "--no-cache"])
        .assert()
        .success();
    let err = String::from_utf8_lossy(&ev.get_output().stderr).into_owned();
    assert!(err.contains(&format!("encoder: {}", dir.display())), "{err}");
    let report = String::from_utf8_lossy(&ev.get_output().stdout).into_owned();
    assert!(
        report.contains("Scores: mean top-frame score") && report.contains("expected calibration error"),
        "{report}"
    );

    let list = framelens(&home).args(["model", "list"]).assert().success();
    let listed = String::from_utf8_lossy(&list.get_output().stdout).into_owned();
    assert!(
        listed.contains(&h.encoder.model_id) && listed.contains(&format!("{} (tuned on", m.manifest.id)),
        "{listed}"
    );
    framelens(&home).args(["model", "remove", &h.encoder.model_id]).assert().success();
    assert!(!dir.exists());
    framelens(&home).args(["model", "remove", "../escape"]).assert().failure();
}

/// A VAST-shaped stance file (post, topic_str, label, seen?) from the tiny sentences: each post toward two
/// of five targets.
fn stance_file(path: &Path, posts: std::ops::Range<usize>) {
    let texts = common::tiny_sentences();
    let targets = ["the crackdown", "regional cooperation", "the casinos", "border police", "victims"];
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(["post", "topic_str", "label", "seen?"]).unwrap();
    for s in posts {
        for t in [s % 5, (s + 2) % 5] {
            w.write_record([texts[s % texts.len()].as_str(), targets[t], &((s + t) % 3).to_string(), "1"]).unwrap();
        }
    }
    w.flush().unwrap();
}

#[test]
fn train_stance_finetune_tunes_on_pairs_and_reports_frozen_against_tuned() {
    let tmp = tempfile::tempdir().unwrap();
    let Some((tiny, m)) = tunable_tiny_model(tmp.path()) else { return };
    let home = tmp.path().join("home");
    let (train, dev) = (tmp.path().join("train.csv"), tmp.path().join("dev.csv"));
    stance_file(&train, 0..18);
    stance_file(&dev, 18..24);
    let head = tmp.path().join("stance.json");
    let args = ["--folds", "3", "--l2", "1e-3", "--finetune", "--epochs", "2", "--tune-batch", "4", "--no-cache"];
    let out = framelens(&home)
        .args(["train-stance", "--data"])
        .arg(&train)
        .arg("--dev")
        .arg(&dev)
        .arg("--model")
        .arg(&tiny)
        .args(args)
        .arg("--out")
        .arg(&head)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("--finetune") && stdout.contains("Frozen encoder → tuned"), "{stdout}");
    assert!(stdout.contains("dev.csv, all rows: accuracy") && stdout.contains("rows never seen in tuning"), "{stdout}");
    assert!(stdout.contains("mean top score") && stdout.contains("calibration error"), "{stdout}");
    // The default calibration slice, drawn by post: both rows of a post fall on one side.
    let kept = stdout.split("temperature fitted on the ").nth(1).and_then(|r| r.split(' ').next());
    let kept: usize = kept.and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("no calibration slice: {stdout}"));
    assert!(stdout.contains("whose texts were kept out of tuning"), "{stdout}");
    let h = framelens::train::Head::read(&head).unwrap();
    assert!(h.encoder.model_id.contains("-tuned-"), "{}", h.encoder.model_id);
    let tuned = framelens::encode::ModelDir::open(&home.join("models").join(&h.encoder.model_id)).unwrap();
    let t = tuned.manifest.tuned.as_ref().expect("[tuned] in model.toml");
    assert!(kept > 0 && kept.is_multiple_of(2) && t.rows + kept == 36, "{kept} kept, {} tuned", t.rows);
    assert_eq!((t.epochs, t.parent_id.as_str()), (2, m.manifest.id.as_str()));
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&head).unwrap()).unwrap();
    let recorded = common::find_key(&json, "calibration_rows").and_then(|v| v.as_array().map(Vec::len));
    assert_eq!(recorded, Some(kept), "the head records the rows its temperature was fitted on");
    // The contrastive recipe has no stance form: refused before anything is trained.
    let bad = framelens(&home)
        .args(["train-stance", "--data"])
        .arg(&train)
        .arg("--model")
        .arg(&tiny)
        .args(["--finetune", "--recipe", "contrastive", "--no-cache", "--out"])
        .arg(tmp.path().join("x.json"))
        .assert()
        .failure();
    assert!(String::from_utf8_lossy(&bad.get_output().stderr).contains("cross-entropy only"));
}
