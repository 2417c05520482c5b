//! `framelens run` when writing its outputs goes wrong: an output folder it cannot write, a re-run into a
//! folder that holds a complete run, and a kill during that re-run. Whatever happens, a folder must never
//! hold a `manifest.json` that disagrees with its tables: a manifest says "complete run", and its sha256 list
//! is what a reader checks that claim against.
//!
//! What is checked does not depend on the labels, so a tiny random model does (ONNX Runtime only).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const CODEBOOK: &str = "models/codebooks/enforcement-discourse.toml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run_command(corpus: &Path, out: &Path, model: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_framelens"));
    c.current_dir(root())
        .arg("run")
        .arg(corpus)
        .args(["--codebook", CODEBOOK, "--out"])
        .arg(out)
        .arg("--model")
        .arg(model)
        .args(["--no-cache", "--quiet", "--batch-docs", "2", "--sentence-weight", "0"]);
    c
}

fn run(corpus: &Path, out: &Path, model: &Path) -> Output {
    run_command(corpus, out, model).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tiny_model(tmp: &Path) -> Option<PathBuf> {
    common::imported_tiny_model(tmp)
}

/// A synthetic JSONL corpus of `docs` articles (`framelens bench corpus`).
fn corpus(tmp: &Path, name: &str, docs: usize) -> PathBuf {
    let path = tmp.join(name);
    let o = Command::new(env!("CARGO_BIN_EXE_framelens"))
        .current_dir(root())
        .args(["bench", "corpus", "--docs", &docs.to_string(), "--seed", "7", "--out"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    path
}

/// Names in `dir` ending in `.part`.
fn part_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.ends_with(".part")).collect()
}

/// The folder's manifest, after checking that every output it lists is there with the recorded sha256 and
/// that it lists the run tables. Panics on any disagreement: that would be a mix of two runs posing as one.
fn assert_manifest_matches_files(dir: &Path) -> serde_json::Value {
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let outputs = m["outputs"].as_object().expect("manifest lists its outputs");
    for t in ["paragraphs.csv", "articles.csv", "outlets.csv", "rejects.csv"] {
        assert!(outputs.contains_key(t), "manifest does not list {t}: {outputs:?}");
    }
    for (name, sha) in outputs {
        let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name} listed but unreadable: {e}"));
        assert_eq!(
            framelens::encode::model::sha256_hex(&bytes),
            sha.as_str().unwrap(),
            "{name} does not match the manifest: the folder mixes two runs"
        );
    }
    m
}

/// Article rows of `articles.csv`.
fn article_rows(dir: &Path) -> usize {
    csv::Reader::from_path(dir.join("articles.csv")).unwrap().records().count()
}

/// An output folder the run cannot write to. As root, permission bits are not enforced, so the folder is
/// made unwritable for the run by occupying the name of its first `.part` file (`.paragraphs.csv.part`) with a folder; where bits
/// are enforced (not root), a read-only folder is tried as well. Either way: a non-zero exit, a message that
/// names the path, and no manifest.json (the old run's tables are left, but nothing claims they are complete
/// together with anything new).
#[test]
fn an_unwritable_output_folder_fails_naming_the_path_and_leaves_no_complete_looking_run() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(model) = tiny_model(tmp.path()) else { return };
    let corpus = corpus(tmp.path(), "c.jsonl", 6);

    // Blocked inside: a previous complete run, and `.paragraphs.csv.part` taken by a folder.
    let out = tmp.path().join("blocked");
    let first = run(&corpus, &out, &model);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_manifest_matches_files(&out);
    let blocker = out.join(".paragraphs.csv.part");
    std::fs::create_dir(&blocker).unwrap();
    let o = run(&corpus, &out, &model);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let table = out.join("paragraphs.csv").display().to_string();
    assert!(stderr(&o).contains(&table), "message must name the table it could not write: {}", stderr(&o));
    assert!(!out.join("manifest.json").exists(), "a failed run left a manifest.json");

    // A read-only folder, where the permission bits hold.
    use std::os::unix::fs::PermissionsExt;
    let ro = tmp.path().join("read-only");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    let enforced = std::fs::write(ro.join("probe"), "x").is_err();
    if enforced {
        for out in [ro.clone(), ro.join("run")] {
            let o = run(&corpus, &out, &model);
            assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
            assert!(
                stderr(&o).contains(&out.display().to_string()),
                "message must name {}: {}",
                out.display(),
                stderr(&o)
            );
            assert!(!out.join("manifest.json").exists() && part_files(&out).is_empty());
        }
    } else {
        eprintln!("read-only folder not checked: permission bits are not enforced for this user (root)");
    }
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A re-run into a folder that holds a complete run replaces it: it succeeds, and the folder then holds the
/// new run only (its manifest counts the new corpus and every listed file matches its hash).
#[test]
fn a_rerun_replaces_a_complete_run_and_never_mixes_the_two() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(model) = tiny_model(tmp.path()) else { return };
    let (small, large) = (corpus(tmp.path(), "small.jsonl", 4), corpus(tmp.path(), "large.jsonl", 9));
    let out = tmp.path().join("out");

    let o = run(&large, &out, &model);
    assert!(o.status.success(), "{}", stderr(&o));
    let old = assert_manifest_matches_files(&out);
    assert_eq!(old["counts"]["documents"], 9);

    let o = run(&small, &out, &model);
    assert!(o.status.success(), "a re-run into a finished run's folder must succeed: {}", stderr(&o));
    let new = assert_manifest_matches_files(&out);
    assert_eq!(new["counts"]["documents"], 4, "the manifest is the new run's");
    assert_eq!(article_rows(&out), 4, "the tables are the new run's");
    assert_ne!(old["outputs"]["paragraphs.csv"], new["outputs"]["paragraphs.csv"]);
    assert!(part_files(&out).is_empty(), "{:?}", part_files(&out));
}

/// SIGKILL during a re-run, once it has started writing `.part` files: the folder must then hold no
/// manifest.json, or one whose hashes match its files (the old complete run, untouched) — never a manifest
/// that disagrees with the tables. 1500 documents keep the tiny model busy ~20 s in a debug build, far past
/// the moment of the kill.
#[test]
fn a_kill_during_a_rerun_never_leaves_a_manifest_that_disagrees_with_the_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(model) = tiny_model(tmp.path()) else { return };
    let (small, large) = (corpus(tmp.path(), "small.jsonl", 5), corpus(tmp.path(), "large.jsonl", 1500));
    let out = tmp.path().join("out");
    let o = run(&small, &out, &model);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_manifest_matches_files(&out);

    let mut child = run_command(&large, &out, &model).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let start = Instant::now();
    loop {
        if !part_files(&out).is_empty() {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "the re-run finished before it wrote .part files; make it longer");
        assert!(start.elapsed() < Duration::from_secs(120), "the re-run wrote no .part file");
        std::thread::sleep(Duration::from_millis(5));
    }
    // Let it write some rows, so the kill lands mid-table rather than on an empty file.
    std::thread::sleep(Duration::from_millis(200));
    assert!(child.try_wait().unwrap().is_none(), "the re-run finished before it could be killed; make it longer");
    child.kill().unwrap();
    child.wait().unwrap();

    assert!(!part_files(&out).is_empty(), "killed after .part files appeared, yet none is left");
    if out.join("manifest.json").exists() {
        let m = assert_manifest_matches_files(&out);
        assert_eq!(m["counts"]["documents"], 5, "a manifest after a kill can only be the old run's");
    }
}
