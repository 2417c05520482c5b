//! `framelens train`, `run --head`, `sample`, `eval` and `train-stance` end to end with the real binary and
//! model, on small data (CI time): the sample corpus' gold paragraphs as labelled rows, a few hundred VAST
//! rows when ../shared is present. They exercise the commands, not an encoder's quality, so every command runs
//! all-MiniLM-L6-v2 (`FRAMELENS_MODEL=minilm`, about five times faster than the default MPNet): CI time.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use framelens::train::Head;

const CODEBOOK: &str = "models/codebooks/enforcement-discourse.toml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn framelens() -> Command {
    let mut c = Command::cargo_bin("framelens").unwrap();
    c.current_dir(root()).env("FRAMELENS_MODEL", "minilm");
    c
}

/// `--cache DIR/cache.sqlite`: every test embeds through a cache of its own in its temporary folder, never
/// the user's, so that no test passes on vectors another build (or a parallel test) wrote.
fn cache(dir: &Path) -> [std::ffi::OsString; 2] {
    ["--cache".into(), dir.join("cache.sqlite").into()]
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| headers.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect())
        .collect()
}

fn train(data: &Path, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    framelens()
        .args(["train", "--codebook", CODEBOOK, "--data"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(["--folds", "3", "--l2", "1e-3", "--quiet"])
        .args(cache(data.parent().unwrap()))
        .args(extra)
        .assert()
}

#[test]
fn train_save_load_predict_is_bit_identical_through_the_cli() {
    let Some(model) = common::minilm_model() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = common::sample_labelled(tmp.path());
    let file = tmp.path().join("enforcement.head.json");
    train(&data, &file, &["--id-field", "doc_id"]).success();

    // The same training in this process gives the same head, byte for byte.
    let cb = framelens::codebook::load(&root().join(CODEBOOK)).unwrap();
    let fields = framelens::train::data::DataFields { id: Some("doc_id".into()), ..Default::default() };
    let labelled = framelens::train::data::read_labelled(&data, &fields, &cb.codebook.frames, false).unwrap();
    let cache_file = tmp.path().join("cache.sqlite");
    let mut embedder = framelens::encode::cached::Embedder::new(&model, Default::default(), Some(&cache_file)).unwrap();
    let opts = framelens::train::frames::FrameTrainOptions {
        train: framelens::train::TrainOptions { folds: 3, l2_grid: vec![1e-3], ..Default::default() },
        ..Default::default()
    };
    let mut trained =
        framelens::train::frames::train_frames(&cb, &labelled, &mut embedder, &opts, &mut |_| {}).unwrap();
    // The CLI records where the data came from as given on its command line.
    trained.head.context.insert("codebook".into(), CODEBOOK.into());
    trained.head.context.insert("data".into(), data.display().to_string());
    let saved = std::fs::read_to_string(&file).unwrap();
    assert_eq!(trained.head.to_json(), saved, "in-process training and the CLI's file differ");
    let loaded = Head::load(&file, &model.manifest.weights_sha256).unwrap();
    assert_eq!(loaded, trained.head);
    let texts: Vec<&str> = labelled.rows.iter().map(|r| r.text.as_str()).collect();
    let emb = embedder.embed(&texts, &mut |_| {}).unwrap().vectors;
    for row in emb.rows() {
        let bits = |v: Vec<f32>| v.into_iter().map(f32::to_bits).collect::<Vec<_>>();
        assert_eq!(bits(loaded.logits(row)), bits(trained.head.logits(row)));
    }

    // `run --head` labels every gold paragraph with the loaded head's argmax and its probabilities.
    let out = tmp.path().join("run");
    framelens()
        .args(["run", "corpora/sample", "--codebook", CODEBOOK, "--scores", "--quiet", "--no-compare", "--head"])
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .args(cache(tmp.path()))
        .assert()
        .success();
    let rows = read_csv(&out.join("paragraphs.csv"));
    for (r, e) in labelled.rows.iter().zip(emb.rows()) {
        let p = rows.iter().find(|p| p["text"] == r.text).unwrap();
        let probs = loaded.probabilities(e);
        let best = (0..probs.len()).max_by(|&a, &b| probs[a].total_cmp(&probs[b])).unwrap();
        assert_eq!(p["frame"], loaded.labels[best], "{}", r.text);
        for (k, id) in loaded.labels.iter().enumerate() {
            let v: f32 = p[&format!("score_{id}")].parse().unwrap();
            assert!((v - probs[k]).abs() <= 5e-5, "{id}: {v} vs {}", probs[k]);
        }
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let heads = manifest["heads"].as_array().unwrap();
    let frames = heads.iter().find(|h| h["role"] == "frames").unwrap();
    assert_eq!(frames["sha256"], framelens::encode::model::sha256_hex(saved.as_bytes()));
    assert_eq!(frames["path"], file.display().to_string());
}

#[test]
fn a_head_for_another_encoder_is_refused() {
    let Some(model) = common::minilm_model() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let data = common::sample_labelled(tmp.path());
    // Without --out the head goes next to the codebook as `<codebook stem>.head.json`.
    let cb_copy = tmp.path().join("my-codebook.toml");
    std::fs::copy(root().join(CODEBOOK), &cb_copy).unwrap();
    framelens()
        .args(["train", "--folds", "3", "--l2", "1e-3", "--quiet", "--codebook"])
        .arg(&cb_copy)
        .arg("--data")
        .arg(&data)
        .args(cache(tmp.path()))
        .assert()
        .success();
    let file = tmp.path().join("my-codebook.head.json");
    assert!(file.is_file());
    let other = "0f".repeat(32);
    let text = std::fs::read_to_string(&file).unwrap().replace(&model.manifest.weights_sha256, &other);
    let bad = tmp.path().join("other-encoder.head.json");
    std::fs::write(&bad, text).unwrap();
    let out = framelens()
        .args(["run", "corpora/sample", "--codebook", CODEBOOK, "--quiet", "--head"])
        .arg(&bad)
        .arg("--out")
        .arg(tmp.path().join("run"))
        .args(cache(tmp.path()))
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("other-encoder.head.json"), "{err}");
    assert!(err.contains(&other) && err.contains(&model.manifest.weights_sha256), "{err}");
    assert!(err.contains("retrain it for this encoder"), "{err}");
    // The same file as a stance head, and a frame head for another codebook, are refused too.
    let out = framelens()
        .args(["run", "corpora/sample", "--codebook", "models/codebooks/policy-frames.toml", "--quiet", "--head"])
        .arg(&file)
        .arg("--out")
        .arg(tmp.path().join("run2"))
        .args(cache(tmp.path()))
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("are not the frames of codebook"), "{err}");
}

#[test]
fn labelled_csv_errors_name_line_label_and_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let case = |name: &str, body: &str, extra: &[&str], needles: &[&str]| {
        let p = tmp.path().join(name);
        std::fs::write(&p, body).unwrap();
        let out = train(&p, &tmp.path().join("x.json"), extra).failure();
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        for n in needles {
            assert!(err.contains(n), "{name}: `{n}` missing in: {err}");
        }
    };
    case(
        "unknown.csv",
        "text,label\nThe raid was staged for cameras.,performative_enforcement\nA second text.,sports\n",
        &[],
        &[
            "unknown.csv line 3",
            "label `sports`",
            "performative_enforcement (Performative enforcement)",
            "factual_report",
        ],
    );
    case(
        "empty.csv",
        "text,label\nOne text.,factual_report\n\"  \",factual_report\n",
        &[],
        &["empty.csv line 3", "text", "empty"],
    );
    case(
        "columns.csv",
        "paragraph,code\nx,factual_report\n",
        &[],
        &["no column `text`", "--text-field", "paragraph, code"],
    );
    case("columns2.csv", "text,code\nx,factual_report\n", &[], &["no column `label`", "--label-field"]);
    case("uncoded.csv", "text,label\nx,\n", &[], &["no coded rows"]);
}

#[test]
fn sample_writes_a_sheet_that_train_and_eval_accept_back() {
    if common::minilm_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    framelens()
        .args(["run", "corpora/sample", "--codebook", CODEBOOK, "--quiet", "--no-compare", "--no-stance-head", "--out"])
        .arg(&run)
        .args(cache(tmp.path()))
        .assert()
        .success();
    let sheet = tmp.path().join("tocode.csv");
    framelens()
        .arg("sample")
        .arg(&run)
        .args(["--n", "60", "--by", "outlet", "--seed", "3", "--out"])
        .arg(&sheet)
        .assert()
        .success();
    let rows = read_csv(&sheet);
    assert_eq!(rows.len(), 60);
    assert!(rows.iter().all(|r| r["label"].is_empty()));
    // The model's labels are hidden by default: they would steer the coders.
    assert!(rows.iter().all(|r| !r.contains_key("predicted_frame") && !r.contains_key("frame_score")));
    let shown = tmp.path().join("tocode-shown.csv");
    framelens()
        .arg("sample")
        .arg(&run)
        .args(["--n", "60", "--by", "outlet", "--seed", "3", "--show-predictions", "--out"])
        .arg(&shown)
        .assert()
        .success();
    let shown = read_csv(&shown);
    let predicted = |r: &BTreeMap<String, String>| r["predicted_frame"].clone();
    assert!(shown.iter().all(|r| !predicted(r).is_empty() && r["label"].is_empty()));
    // The same draw, only with the model's labels added.
    assert!(shown.iter().zip(&rows).all(|(s, r)| s["text"] == r["text"]));
    let mut per_outlet: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &rows {
        *per_outlet.entry(r["outlet"].as_str()).or_default() += 1;
    }
    assert_eq!(per_outlet.values().copied().collect::<Vec<_>>(), vec![15; 4], "{per_outlet:?}");
    // Uncoded, the sheet is refused; coded (here: from the gold file), train and eval take it.
    train(&sheet, &tmp.path().join("h.json"), &[]).failure();
    let gold = read_csv(&root().join("corpora/sample/gold.csv"));
    let mut w = csv::Writer::from_path(&sheet).unwrap();
    let header = framelens::sample::header(false);
    w.write_record(&header).unwrap();
    for r in &rows {
        let g =
            gold.iter().find(|g| g["doc_id"] == r["doc_id"] && r["text"].starts_with(g["text_prefix"].trim())).unwrap();
        let rec: Vec<String> = header
            .iter()
            .map(|h| match *h {
                "label" => g["frame"].clone(),
                "stance" => g["stance"].clone(),
                _ => r[*h].clone(),
            })
            .collect();
        w.write_record(&rec).unwrap();
    }
    w.flush().unwrap();
    train(&sheet, &tmp.path().join("h.json"), &[]).success();
    let csv_out = tmp.path().join("agreement.csv");
    let out = framelens()
        .args(["eval", "--gold"])
        .arg(&sheet)
        .arg("--pred")
        .arg(&run)
        .arg("--csv")
        .arg(&csv_out)
        .args(["--replicates", "200"])
        .assert()
        .success();
    let md = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(md.contains("60 paragraphs") && md.contains("Krippendorff's alpha") && md.contains(" articles ("), "{md}");
    assert!(md.contains("Confusion matrix"), "{md}");
    let figures = read_csv(&csv_out);
    let alpha = figures.iter().find(|r| r["task"] == "frames" && r["metric"] == "krippendorff_alpha").unwrap();
    let (v, lo, hi): (f64, f64, f64) =
        (alpha["value"].parse().unwrap(), alpha["ci_low"].parse().unwrap(), alpha["ci_high"].parse().unwrap());
    assert!(lo <= v && v <= hi && v > 0.3, "{alpha:?}");
    assert!(figures.iter().any(|r| r["task"] == "stance" && r["section"] == "confusion"));
    // The run's own scores, read back from paragraphs.csv: are they probabilities?
    let (_, frame_acc, _) = scores_line(&md, "frame score");
    let (_, stance_acc, _) = scores_line(&md, "stance score");
    let accuracy = |task: &str| {
        let r = figures.iter().find(|r| r["task"] == task && r["metric"] == "accuracy").unwrap();
        r["value"].parse::<f64>().unwrap()
    };
    assert!((frame_acc - accuracy("frames")).abs() < 1e-3, "{md}");
    assert!((stance_acc - accuracy("stance")).abs() < 1e-3, "{md}");
}

/// The `Scores:` line `eval` prints under an agreement table for `what` ("stance score", "frame score"):
/// (mean score, accuracy, expected calibration error), checked to be consistent with each other.
fn scores_line(md: &str, what: &str) -> (f64, f64, f64) {
    let start = format!("Scores: mean {what} ");
    let line = md.lines().find(|l| l.starts_with(&start)).unwrap_or_else(|| panic!("no `{start}` in {md}"));
    let num = |after: &str| -> f64 {
        line.split(after).nth(1).and_then(|r| r.split([' ', ';']).next()).and_then(|v| v.parse().ok()).unwrap()
    };
    let (mean, acc, ece) = (num(&start), num("at accuracy "), num("calibration error "));
    assert!((0.0..=1.0).contains(&mean) && (0.0..=1.0).contains(&acc), "{line}");
    // The binned gap is at least the gap of the means (the triangle inequality over bins), up to the
    // rounding of three printed figures.
    assert!(ece + 2e-3 >= (mean - acc).abs(), "{line}");
    (mean, acc, ece)
}

#[test]
fn eval_on_labelled_data_and_at_article_level() {
    if common::minilm_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = common::sample_labelled(tmp.path());
    // Zero-shot on the labelled rows, with a hold-out part.
    let out = framelens()
        .args(["eval", "--codebook", CODEBOOK, "--data"])
        .arg(&data)
        .args(["--id-field", "doc_id", "--holdout", "0.3", "--replicates", "100"])
        .args(cache(tmp.path()))
        .assert()
        .success();
    let md = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(md.contains("zero-shot prototypes") && md.contains("macro-F1"), "{md}");
    assert!(!md.contains("Stance on"), "stance is scored only when asked for: {md}");
    // Stance too, from the coded stance column: every row counted, agreement above chance.
    let figures_csv = tmp.path().join("figures.csv");
    let out = framelens()
        .args(["eval", "--codebook", CODEBOOK, "--stance-field", "stance", "--replicates", "50", "--data"])
        .arg(&data)
        .arg("--csv")
        .arg(&figures_csv)
        .args(cache(tmp.path()))
        .assert()
        .success();
    let md = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(md.contains("Stance on") && md.contains("152 rows"), "{md}");
    // How far the stance scores are from probabilities: their mean against the accuracy, and the binned gap.
    scores_line(&md, "stance score");
    let figures = read_csv(&figures_csv);
    let kappa = figures.iter().find(|r| r["task"] == "stance" && r["metric"] == "cohen_kappa").unwrap();
    assert!(kappa["value"].parse::<f64>().unwrap() > 0.1, "{kappa:?}");
    // Article level: gold article frame sets against the run's paragraph labels.
    let run = tmp.path().join("run");
    framelens()
        .args(["run", "corpora/sample", "--codebook", CODEBOOK, "--quiet", "--no-compare", "--no-stance-head", "--out"])
        .arg(&run)
        .args(cache(tmp.path()))
        .assert()
        .success();
    let gold = read_csv(&root().join("corpora/sample/gold.csv"));
    let mut sets: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for g in &gold {
        *sets.entry(g["doc_id"].clone()).or_default().entry(g["frame"].clone()).or_default() += 1;
    }
    let mut w = csv::Writer::from_path(tmp.path().join("articles.csv")).unwrap();
    w.write_record(["doc_id", "frames"]).unwrap();
    for (d, fr) in &sets {
        let n: usize = fr.values().sum();
        let present: Vec<&str> =
            fr.iter().filter(|(_, &c)| c as f64 / n as f64 >= 0.2).map(|(f, _)| f.as_str()).collect();
        w.write_record([d.as_str(), &present.join(";")]).unwrap();
    }
    w.flush().unwrap();
    let out = framelens()
        .args(["eval", "--level", "article", "--codebook", CODEBOOK, "--gold"])
        .arg(tmp.path().join("articles.csv"))
        .arg("--pred")
        .arg(&run)
        .args(["--replicates", "100"])
        .assert()
        .success();
    let md = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(md.contains("24 articles") && md.contains("micro-F1"), "{md}");
}

#[test]
fn train_stance_on_a_small_vast_subset_and_use_it_in_a_run() {
    let Some(_) = common::minilm_model() else { return };
    let Some(vast) =
        common::shared_path("datasets/vast/vast_train.csv").and_then(|p| p.parent().map(Path::to_path_buf))
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let subset = |name: &str, n: usize| {
        let mut r = csv::Reader::from_path(vast.join(name)).unwrap();
        let mut w = csv::Writer::from_path(tmp.path().join(name)).unwrap();
        w.write_record(r.headers().unwrap()).unwrap();
        for rec in r.records().take(n) {
            w.write_record(&rec.unwrap()).unwrap();
        }
        w.flush().unwrap();
    };
    subset("vast_train.csv", 240);
    subset("vast_dev.csv", 90);
    let head = tmp.path().join("stance.json");
    framelens()
        .args(["train-stance", "--data"])
        .arg(tmp.path().join("vast_train.csv"))
        .arg("--out")
        .arg(&head)
        .args(["--folds", "3", "--l2", "1e-3", "--quiet"])
        .args(cache(tmp.path()))
        .assert()
        .success();
    let report = std::fs::read_to_string(tmp.path().join("stance.report.md")).unwrap();
    assert!(report.contains("vast_dev.csv, zero-shot targets") && report.contains("few-shot targets"), "{report}");
    let h = Head::read(&head).unwrap();
    assert_eq!(h.labels, ["supportive", "critical", "neutral"]);
    let out = tmp.path().join("run");
    framelens()
        .args(["run", "corpora/sample", "--codebook", CODEBOOK, "--quiet", "--no-compare", "--stance-head"])
        .arg(&head)
        .arg("--out")
        .arg(&out)
        .args(cache(tmp.path()))
        .assert()
        .success();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let stance = manifest["heads"].as_array().unwrap().iter().find(|h| h["role"] == "stance").unwrap().clone();
    assert_eq!(stance["target"], "crackdown_narrative");
    assert_eq!(stance["refined_on"], 28);
    let rows = read_csv(&out.join("paragraphs.csv"));
    assert!(rows.iter().filter(|r| r["kind"] == "body").all(|r| !r["stance"].is_empty()));
    // A frame head is not a stance head.
    framelens()
        .args(["run", "corpora/sample", "--codebook", CODEBOOK, "--quiet", "--head"])
        .arg(&head)
        .arg("--out")
        .arg(tmp.path().join("bad"))
        .args(cache(tmp.path()))
        .assert()
        .failure();
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

fn eval_data(data: &Path, head: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    framelens()
        .args(["eval", "--codebook", CODEBOOK, "--id-field", "doc_id", "--replicates", "50", "--data"])
        .arg(data)
        .arg("--head")
        .arg(head)
        .args(cache(data.parent().unwrap()))
        .args(extra)
        .assert()
}

/// Accuracy and macro-F1 over the union of gold and predicted labels, written out here independently of
/// `framelens::evaluate` (per label: F1 = 2·tp / (2·tp + fp + fn), 0 when tp = 0).
fn accuracy_and_union_macro_f1(pairs: &[(String, String)]) -> (f64, f64) {
    let labels: std::collections::BTreeSet<&str> = pairs.iter().flat_map(|(g, p)| [g.as_str(), p.as_str()]).collect();
    let f1s: Vec<f64> = labels
        .iter()
        .map(|l| {
            let tp = pairs.iter().filter(|(g, p)| g == l && p == l).count();
            let fp = pairs.iter().filter(|(g, p)| g != l && p == l).count();
            let fn_ = pairs.iter().filter(|(g, p)| g == l && p != l).count();
            if tp == 0 {
                0.0
            } else {
                2.0 * tp as f64 / (2 * tp + fp + fn_) as f64
            }
        })
        .collect();
    let correct = pairs.iter().filter(|(g, p)| g == p).count();
    (correct as f64 / pairs.len() as f64, f1s.iter().sum::<f64>() / f1s.len() as f64)
}

#[test]
fn eval_refuses_a_heads_training_rows_unless_allowed_and_then_marks_them() {
    if common::minilm_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = common::sample_labelled(tmp.path());
    let head = tmp.path().join("all.head.json");
    train(&data, &head, &["--id-field", "doc_id"]).success();
    let h = Head::read(&head).unwrap();
    let rows = h.training_rows.as_ref().expect("a new head records its training rows");
    assert_eq!(rows.count, 152);
    assert_eq!(rows.data_sha256, framelens::encode::model::sha256_hex(&std::fs::read(&data).unwrap()));

    // On its own training rows: refused, naming the count and the flag.
    let err = stderr(&eval_data(&data, &head, &[]).failure());
    assert!(err.contains("152 of 152 evaluated rows were used to train the frame head"), "{err}");
    assert!(err.contains("--allow-train-overlap"), "{err}");
    // The dev part of a split the head was not trained with is training data too.
    let err = stderr(&eval_data(&data, &head, &["--holdout", "0.3", "--split-seed", "13"]).failure());
    assert!(err.contains("without --holdout"), "{err}");

    // Allowed: a loud warning, and every CSV figure says it includes training rows.
    let csv_out = tmp.path().join("figures.csv");
    let ok = eval_data(&data, &head, &["--allow-train-overlap", "--csv", csv_out.to_str().unwrap()]).success();
    assert!(stderr(&ok).contains("INCLUDE TRAINING ROWS"), "{}", stderr(&ok));
    let md = String::from_utf8_lossy(&ok.get_output().stdout).into_owned();
    assert!(md.contains("INCLUDE TRAINING ROWS"), "{md}");
    let figures = read_csv(&csv_out);
    assert!(!figures.is_empty());
    for f in &figures {
        assert_eq!(f["train_overlap"], "includes 152 of 152 rows the frame head was trained on", "{f:?}");
    }

    // A head from before row hashes loads and warns that overlap cannot be checked.
    let mut old: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&head).unwrap()).unwrap();
    old.as_object_mut().unwrap().remove("training_rows");
    let old_path = tmp.path().join("old.head.json");
    std::fs::write(&old_path, serde_json::to_string_pretty(&old).unwrap()).unwrap();
    assert_eq!(Head::read(&old_path).unwrap().training_rows, None);
    let warn = stderr(&eval_data(&data, &old_path, &[]).success());
    assert!(warn.contains("records no training rows") && warn.contains("cannot be checked"), "{warn}");
}

#[test]
fn eval_scores_a_holdout_dev_part_and_refuses_another_split() {
    if common::minilm_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = common::sample_labelled(tmp.path());
    let head = tmp.path().join("split.head.json");
    train(&data, &head, &["--id-field", "doc_id", "--holdout", "0.3", "--split-seed", "13"]).success();
    let h = Head::read(&head).unwrap();
    let rows = h.training_rows.as_ref().unwrap();
    assert_eq!(rows.holdout, Some(framelens::train::split::Holdout::new(0.3, 13).unwrap()));
    assert!(rows.count > 60 && rows.count < 152, "{}", rows.count);
    // The head's own dev part: scored, without a word about training rows.
    let ok = eval_data(&data, &head, &["--holdout", "0.3", "--split-seed", "13"]).success();
    assert!(!stderr(&ok).contains("training rows"), "{}", stderr(&ok));
    // Another seed picks dev rows the head was trained on: refused, naming both splits.
    let err = stderr(&eval_data(&data, &head, &["--holdout", "0.3", "--split-seed", "14"]).failure());
    assert!(err.contains("trained with --holdout 0.3 --split-seed 13"), "{err}");
    assert!(err.contains("--holdout 0.3 --split-seed 14 picks other dev rows"), "{err}");
    assert!(err.contains("--allow-train-overlap"), "{err}");
    // Every row (no --holdout) includes the training part.
    let err = stderr(&eval_data(&data, &head, &[]).failure());
    assert!(err.contains(&format!("{} of 152 evaluated rows", rows.count)), "{err}");
}

#[test]
fn eval_of_a_run_with_a_head_refuses_overlap_and_its_figures_recompute() {
    if common::minilm_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let data = common::sample_labelled(tmp.path());
    let head = tmp.path().join("all.head.json");
    train(&data, &head, &["--id-field", "doc_id"]).success();
    let run = tmp.path().join("run");
    framelens()
        .args([
            "run",
            "corpora/sample",
            "--codebook",
            CODEBOOK,
            "--quiet",
            "--no-compare",
            "--no-stance-head",
            "--head",
        ])
        .arg(&head)
        .arg("--out")
        .arg(&run)
        .args(cache(tmp.path()))
        .assert()
        .success();
    let eval = |extra: &[&str]| {
        framelens()
            .args(["eval", "--gold", "corpora/sample/gold.csv", "--replicates", "50", "--pred"])
            .arg(&run)
            .args(extra)
            .assert()
    };
    let err = stderr(&eval(&[]).failure());
    assert!(err.contains("152 of 152 evaluated rows were used to train the frame head"), "{err}");
    let csv_out = tmp.path().join("figures.csv");
    eval(&["--allow-train-overlap", "--csv", csv_out.to_str().unwrap()]).success();
    let figures = read_csv(&csv_out);
    let frames: Vec<_> = figures.iter().filter(|f| f["task"] == "frames").collect();
    assert!(frames.iter().all(|f| f["train_overlap"].starts_with("includes 152 of 152")));
    // Stance came from prototypes: its figures carry no marker.
    assert!(figures.iter().filter(|f| f["task"] == "stance").all(|f| f["train_overlap"].is_empty()));

    // The printed figures against a recomputation from gold.csv and paragraphs.csv.
    let paragraphs = read_csv(&run.join("paragraphs.csv"));
    let pairs: Vec<(String, String)> = read_csv(&root().join("corpora/sample/gold.csv"))
        .iter()
        .map(|g| {
            let p = paragraphs
                .iter()
                .find(|p| {
                    p["kind"] == "body" && p["doc_id"] == g["doc_id"] && p["text"].starts_with(g["text_prefix"].trim())
                })
                .unwrap();
            (g["frame"].trim().to_string(), p["frame"].clone())
        })
        .collect();
    let (accuracy, macro_f1) = accuracy_and_union_macro_f1(&pairs);
    let value =
        |metric: &str| -> f64 { frames.iter().find(|f| f["metric"] == metric).unwrap()["value"].parse().unwrap() };
    assert!((value("accuracy") - accuracy).abs() < 1e-6, "{} vs {accuracy}", value("accuracy"));
    assert!((value("macro_f1") - macro_f1).abs() < 1e-6, "{} vs {macro_f1}", value("macro_f1"));
}

/// A paragraph that a spreadsheet would run as a formula, if written as such (a sentence after the formula,
/// as the formula alone is taken for a heading).
const FORMULA: &str = r#"=HYPERLINK("http://example.com","x") was pasted under the story by a reader, and editors removed it within the hour."#;

/// A small corpus (two outlets, one article each) with [`FORMULA`] as one of its paragraphs.
fn formula_corpus(dir: &Path) -> PathBuf {
    let corpus = dir.join("corpus");
    let paragraphs = [
        "Thai police said on Tuesday they had raided a scam compound near the border and freed dozens of workers held there against their will.",
        FORMULA,
        "Officials promised further raids, although residents said similar operations in past years had changed little once the cameras left.",
        "Aid groups urged authorities to treat the freed workers as victims of trafficking rather than as offenders to be deported.",
        "Analysts said the militia that controls the area earns far more from the compounds than from any other local business.",
    ];
    for (outlet, title) in [("wire-a", "Compound raided"), ("wire-b", "Raid on scam site")] {
        std::fs::create_dir_all(corpus.join(outlet)).unwrap();
        let body = paragraphs.join("\n\n");
        std::fs::write(
            corpus.join(outlet).join("2025-09-01-raid.md"),
            format!("---\ntitle: {title}\ndate: 2025-09-01\n---\n\n{body}\n"),
        )
        .unwrap();
    }
    corpus
}

#[test]
fn a_formula_paragraph_survives_sample_train_and_eval() {
    if common::minilm_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let corpus = formula_corpus(tmp.path());
    for safe in [false, true] {
        let run = tmp.path().join(format!("run-{safe}"));
        let mut cmd = framelens();
        cmd.arg("run").arg(&corpus).args(["--codebook", CODEBOOK, "--quiet", "--no-compare", "--no-stance-head"]);
        if safe {
            cmd.arg("--spreadsheet-safe");
        }
        cmd.arg("--out").arg(&run).assert().success();
        let paragraphs = read_csv(&run.join("paragraphs.csv"));
        let written = if safe { format!("'{FORMULA}") } else { FORMULA.to_string() };
        assert_eq!(paragraphs.iter().filter(|p| p["kind"] == "body" && p["text"] == written).count(), 2, "{safe}");
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(run.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(manifest["options"]["spreadsheet_safe"], safe);

        let sheet = tmp.path().join(format!("tocode-{safe}.csv"));
        framelens().arg("sample").arg(&run).args(["--n", "100", "--out"]).arg(&sheet).assert().success();
        let rows = read_csv(&sheet);
        assert_eq!(rows.len(), 10);
        // The sheet users open in a spreadsheet: the formula is quoted, in `text` and in `text_prefix`.
        let quoted: Vec<_> = rows.iter().filter(|r| r["text"] == format!("'{FORMULA}")).collect();
        assert_eq!(quoted.len(), 2);
        assert!(quoted.iter().all(|r| r["text_prefix"].starts_with("'=HYPERLINK")));
        assert!(rows.iter().all(|r| r.values().all(|v| !v.starts_with(['=', '+', '-', '@', '\t', '\r']))));

        // Coded (alternating two frames) and read back: the formula paragraph's text is the run's again.
        let header = framelens::sample::header(false);
        let mut w = csv::Writer::from_path(&sheet).unwrap();
        w.write_record(&header).unwrap();
        for (i, r) in rows.iter().enumerate() {
            let label = if i % 2 == 0 { "factual_report" } else { "victim_protection" };
            w.write_record(header.iter().map(|h| if *h == "label" { label } else { r[*h].as_str() })).unwrap();
        }
        w.flush().unwrap();
        let cb = framelens::codebook::load(&root().join(CODEBOOK)).unwrap();
        let data =
            framelens::train::data::read_labelled(&sheet, &Default::default(), &cb.codebook.frames, false).unwrap();
        assert_eq!(data.rows.iter().filter(|r| r.text == FORMULA).count(), 2);
        train(&sheet, &tmp.path().join(format!("h-{safe}.json")), &[]).success();
        // eval --gold matches every coded row (an unmatched one is an error) by doc_id and text_prefix.
        let out = framelens()
            .args(["eval", "--gold"])
            .arg(&sheet)
            .arg("--pred")
            .arg(&run)
            .args(["--replicates", "50"])
            .assert()
            .success();
        let md = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        assert!(md.contains("10 paragraphs"), "{md}");
        // The coded sheet as `--exclude` leaves nothing to draw, the formula paragraphs included.
        framelens()
            .arg("sample")
            .arg(&run)
            .args(["--n", "100", "--out"])
            .arg(tmp.path().join("next.csv"))
            .arg("--exclude")
            .arg(&sheet)
            .assert()
            .success();
        assert!(read_csv(&tmp.path().join("next.csv")).is_empty());
    }
}
