//! `framelens run` on input that cannot work: a field mapping that fits none of the records, a corpus whose
//! every record is rejected, a missing codebook. Each must fail at once with a message naming the file and the
//! fix, exit non-zero, and leave no output folder or `.part` file behind.
//!
//! The field checks run before the model is loaded, so those tests need no model; the runs that get as far as
//! reading use a tiny random model (ONNX Runtime only), because what they check does not depend on the labels.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const CODEBOOK: &str = "models/codebooks/enforcement-discourse.toml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `framelens run CORPUS --codebook … --out OUT EXTRA…`, returning the exit code and stderr.
fn run(corpus: &Path, out: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let output = Command::cargo_bin("framelens")
        .unwrap()
        .current_dir(root())
        .arg("run")
        .arg(corpus)
        .args(["--codebook", CODEBOOK, "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    (output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// Names in `dir` (recursively) ending in `.part`.
fn part_files(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if e.path().is_dir() {
            found.extend(part_files(&e.path()));
        } else if name.ends_with(".part") {
            found.push(name);
        }
    }
    found
}

fn tiny_model(tmp: &Path) -> Option<PathBuf> {
    common::imported_tiny_model(tmp)
}

#[test]
fn jsonl_without_the_text_field_fails_at_once_naming_fields_and_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("export.jsonl");
    let record = r#"{"ID": "a1", "source": "Wire", "date": "2024-03-01", "content": "Police raided a compound."}"#;
    std::fs::write(&corpus, format!("{record}\n").repeat(30)).unwrap();
    let out = tmp.path().join("out");

    let (code, err) = run(&corpus, &out, &["--no-compare"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("export.jsonl: no text field \"text\" in the first 20 records"), "{err}");
    assert!(err.contains("fields found: ") && err.contains("ID") && err.contains("source"), "{err}");
    assert!(err.contains("pass `--text-field content`"), "{err}");
    assert!(!err.contains("compare"), "the old downstream message must not appear: {err}");
    assert!(!out.exists(), "no output folder for a run that cannot read anything");

    // A wrong name given with the flag is reported the same way.
    let (code, err) = run(&corpus, &out, &["--text-field", "contnet"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("no text field \"contnet\"") && err.contains("`--text-field content`"), "{err}");
    assert!(!out.exists());
}

#[test]
fn csv_without_the_text_column_fails_naming_the_header() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("table.csv");
    std::fs::write(&corpus, "doc,publication,published,article_id,body_text\n1,Wire,2024-03-01,9,Text here.\n")
        .unwrap();
    let out = tmp.path().join("out");
    let (code, err) = run(&corpus, &out, &[]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("table.csv: no text field \"text\" in the header"), "{err}");
    assert!(err.contains("(fields found: doc, publication, published, article_id, body_text)"), "{err}");
    assert!(err.contains("`--text-field body_text`"), "{err}");
    assert!(!out.exists());
}

#[test]
fn missing_codebook_says_codebook_and_the_path_once() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let output = Command::cargo_bin("framelens")
        .unwrap()
        .current_dir(root())
        .args(["run", "corpora/sample", "--codebook", "nope.toml", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("cannot read codebook nope.toml"), "{err}");
    assert_eq!(err.matches("nope.toml").count(), 1, "{err}");
    assert_eq!(err.matches("No such file").count(), 1, "the cause once: {err}");
    assert!(!out.exists());
}

#[test]
fn every_record_rejected_fails_and_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(model) = tiny_model(tmp.path()) else { return };
    let model = model.to_str().unwrap().to_string();
    let corpus = tmp.path().join("feed.jsonl");
    std::fs::write(
        &corpus,
        "{\"id\":\"a\",\"outlet\":\"W\",\"date\":\"2024\",\"text\":\"   \"}\n{\"id\":\"b\",\"text\":3}\n\
         {\"id\":\"c\",\"text\":\"\"}\n{broken\n",
    )
    .unwrap();
    let extra = ["--model", model.as_str(), "--no-cache", "--no-compare"];

    // A folder the run creates itself (with a parent it also creates) is removed again.
    let out = tmp.path().join("new/out");
    let (code, err) = run(&corpus, &out, &extra);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("read no documents: every record was rejected (4 rejects; most common: "), "{err}");
    assert!(err.contains("2 × empty document"), "{err}");
    assert!(err.contains("1 × malformed JSON") && err.contains("must be a string"), "{err}");
    assert!(!tmp.path().join("new").exists(), "no folder left by a run that read nothing");

    // A folder that was there keeps everything but the run's .part files, the old manifest included.
    let out = tmp.path().join("old");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("manifest.json"), "{\"previous\": true}").unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let (code, err) = run(&corpus, &out, &extra);
    assert_eq!(code, Some(1), "{err}");
    assert!(part_files(&out).is_empty(), "{:?}", part_files(&out));
    assert_eq!(std::fs::read_to_string(out.join("manifest.json")).unwrap(), "{\"previous\": true}");
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
    assert!(!out.join("paragraphs.csv").exists() && !out.join("rejects.csv").exists());
}

#[test]
fn a_run_with_rejects_prints_the_top_reasons_and_warns_about_missing_outlets() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(model) = tiny_model(tmp.path()) else { return };
    let corpus = tmp.path().join("feed.jsonl");
    std::fs::write(
        &corpus,
        "{\"id\":\"a\",\"source\":\"Wire\",\"text\":\"Police raided a compound near the border.\"}\n{bad\n{worse\n\
         {\"id\":\"a\",\"text\":\"Again.\"}\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let (code, err) = run(&corpus, &out, &["--model", model.to_str().unwrap(), "--no-cache", "--no-compare"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("1 documents") && err.contains("3 rejects"), "{err}");
    let top = err.split("most common reject reasons").nth(1).unwrap_or_else(|| panic!("no reject reasons: {err}"));
    let lines: Vec<&str> = top.lines().skip(1).take(2).map(str::trim).collect();
    assert_eq!(lines, ["2  malformed JSON", "1  duplicate document id"], "{err}");

    // The outlet field is `source` here: warned about once, with the flag, and recorded in the manifest.
    let warning = err.lines().find(|l| l.starts_with("warning:") && l.contains("no outlet field"));
    let warning = warning.unwrap_or_else(|| panic!("no outlet warning: {err}"));
    assert!(warning.contains("`--outlet-field source`"), "{warning}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let warnings = manifest["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w.as_str().unwrap().contains("no outlet field \"outlet\"")), "{warnings:?}");
    assert!(part_files(&out).is_empty());
}
