//! Large-corpus machinery end to end with the real binary: the embedding cache (a re-run with another
//! codebook encodes nothing of the corpus), kill-and-resume giving byte-identical outputs, and shards
//! merged into exactly the unsharded outputs.

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;

const CB: &str = "models/codebooks/enforcement-discourse.toml";
const TABLES: [&str; 4] = ["paragraphs.csv", "articles.csv", "outlets.csv", "rejects.csv"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("framelens")
}

fn run_args(corpus: &Path, out: &Path, cache: &Path, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = vec!["run".into(), corpus.display().to_string(), "--codebook".into(), CB.into()];
    a.extend(["--out".into(), out.display().to_string(), "--cache".into(), cache.display().to_string()]);
    // The small model: these tests are about caching, resuming and sharding, not label quality, and run
    // the corpus several times each (MPNet in fp32 took 10 minutes for the four on an AVX2-only CPU).
    a.extend(["--quiet".into(), "--no-compare".into(), "--model".into(), "minilm".into()]);
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn count(dir: &Path, key: &str) -> u64 {
    manifest(dir)["counts"][key].as_u64().unwrap()
}

fn assert_same_tables(a: &Path, b: &Path) {
    for t in TABLES {
        let (x, y) = (std::fs::read(a.join(t)).unwrap(), std::fs::read(b.join(t)).unwrap());
        assert!(x == y, "{t} differs between {} and {}", a.display(), b.display());
    }
}

fn cache_entries(cache: &Path) -> u64 {
    let out = Command::new(bin()).args(["cache", "stats", "--cache"]).arg(cache).arg("--json").output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_array().unwrap().iter().map(|e| e["entries"].as_u64().unwrap()).sum()
}

#[test]
fn rerun_with_another_codebook_encodes_no_corpus_text() {
    if common::minilm_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache.sqlite");
    let corpus = root().join("corpora/sample");
    Command::new(bin())
        .current_dir(root())
        .args(run_args(&corpus, &tmp.path().join("a"), &cache, &[]))
        .assert()
        .success();
    let first = count(&tmp.path().join("a"), "texts_encoded");
    assert!(first > 500);
    let mut args = run_args(&corpus, &tmp.path().join("b"), &cache, &[]);
    args[3] = "models/codebooks/policy-frames.toml".into();
    Command::new(bin()).current_dir(root()).args(&args).assert().success();
    let b = tmp.path().join("b");
    // Only the new codebook's own texts are encoded: definitions and examples, plus its description, stance
    // targets' descriptions, topic and off-topic examples (topic relevance); the language backgrounds and
    // every corpus text come from the cache.
    let own_texts = |path: &str| {
        let cb = framelens::codebook::load(&root().join(path)).unwrap().codebook;
        framelens::classify::zeroshot::ZeroShotTexts::new(&cb).texts.len() as u64
            + 1
            + cb.stance_targets.len() as u64
            + cb.topic_examples.len() as u64
            + cb.off_topic_examples.len() as u64
    };
    let codebook_texts = own_texts("models/codebooks/policy-frames.toml");
    assert!(count(&b, "texts_encoded") <= codebook_texts, "{} > {codebook_texts}", count(&b, "texts_encoded"));
    let first_codebook = own_texts("models/codebooks/enforcement-discourse.toml");
    assert!(count(&b, "texts_cached") >= first - first_codebook);
}

#[test]
fn killed_run_resumes_to_identical_outputs_encoding_each_text_once() {
    if common::minilm_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("synth.jsonl");
    Command::new(bin())
        .current_dir(root())
        .args(["bench", "corpus", "--docs", "150", "--seed", "7", "--out"])
        .arg(&corpus)
        .assert()
        .success();
    let extra = ["--batch-docs", "4", "--sentence-weight", "0"];

    // Reference: one uninterrupted run with its own cache.
    let reference = tmp.path().join("reference");
    let ref_cache = tmp.path().join("ref.sqlite");
    Command::new(bin()).current_dir(root()).args(run_args(&corpus, &reference, &ref_cache, &extra)).assert().success();
    let total = count(&reference, "texts_encoded");

    // Killed run: SIGKILL once some batches are in the cache.
    let out = tmp.path().join("out");
    let cache = tmp.path().join("cache.sqlite");
    let mut child = std::process::Command::new(bin())
        .current_dir(root())
        .args(run_args(&corpus, &out, &cache, &extra))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(200));
        if cache.exists() && cache_entries(&cache) > total / 4 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "run made no progress");
        assert!(child.try_wait().unwrap().is_none(), "the run finished before it could be killed; make it longer");
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!out.join("manifest.json").exists(), "a killed run must not look complete");
    for t in TABLES {
        assert!(!out.join(t).exists(), "{t} under its final name after a kill");
    }
    let encoded_before = cache_entries(&cache);
    assert!(encoded_before < total, "killed too late to test resuming");

    // Resume: same arguments.
    Command::new(bin()).current_dir(root()).args(run_args(&corpus, &out, &cache, &extra)).assert().success();
    assert_same_tables(&reference, &out);
    let resumed = count(&out, "texts_encoded");
    assert_eq!(encoded_before + resumed, total, "every text encoded exactly once across the kill");
    assert!(!std::fs::read_dir(&out).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".part")));
}

#[test]
fn shards_merge_into_the_unsharded_outputs() {
    if common::minilm_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache.sqlite");
    let corpus = root().join("corpora/sample");
    let full = tmp.path().join("full");
    Command::new(bin()).current_dir(root()).args(run_args(&corpus, &full, &cache, &["--scores"])).assert().success();
    let shards: Vec<PathBuf> = (0..3).map(|k| tmp.path().join(format!("s{k}"))).collect();
    for (k, dir) in shards.iter().enumerate() {
        let shard = format!("{k}/3");
        Command::new(bin())
            .current_dir(root())
            .args(run_args(&corpus, dir, &cache, &["--scores", "--shard", &shard]))
            .assert()
            .success();
        assert!(count(dir, "documents") < 24);
    }
    let merged = tmp.path().join("merged");
    Command::new(bin()).arg("merge").args(&shards).arg("--out").arg(&merged).arg("--quiet").assert().success();
    assert_same_tables(&full, &merged);
    assert_eq!(count(&merged, "documents"), 24);
    // Every shard recorded the corpus fingerprint of the whole run, and the merge kept it.
    let fp = manifest(&full)["corpus_fingerprint"].clone();
    assert!(fp.as_str().is_some_and(|f| f.starts_with("folder-v1:")), "{fp}");
    for dir in shards.iter().chain([&merged]) {
        assert_eq!(manifest(dir)["corpus_fingerprint"], fp, "{}", dir.display());
    }

    // A shard made with another codebook is refused, naming it; so is an incomplete set.
    let other = tmp.path().join("other");
    let mut args = run_args(&corpus, &other, &cache, &["--scores", "--shard", "2/3"]);
    args[3] = "models/codebooks/policy-frames.toml".into();
    Command::new(bin()).current_dir(root()).args(&args).assert().success();
    let a = Command::new(bin())
        .arg("merge")
        .args(&shards[..2])
        .arg(&other)
        .arg("--out")
        .arg(tmp.path().join("x"))
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("codebook") && err.contains("other"), "{err}");
    let a =
        Command::new(bin()).arg("merge").args(&shards[..2]).arg("--out").arg(tmp.path().join("y")).assert().failure();
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("2/3"));
}

#[test]
fn damaged_cache_is_rebuilt_with_a_warning() {
    if common::minilm_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache.sqlite");
    std::fs::write(&cache, vec![0x5au8; 8192]).unwrap();
    let corpus = root().join("corpora/sample");
    let out = tmp.path().join("out");
    let a = Command::new(bin()).current_dir(root()).args(run_args(&corpus, &out, &cache, &[])).assert().success();
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("warning") && err.contains("damaged"), "{err}");
    assert!(tmp.path().join("cache.corrupt").exists());
    assert!(manifest(&out)["warnings"][0].as_str().unwrap().contains("damaged"));
    assert_eq!(count(&out, "texts_cached"), 0, "nothing may be read from a damaged cache");
    assert!(cache_entries(&cache) > 500, "the new cache is filled");
}
