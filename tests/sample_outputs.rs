//! The sample corpus run against committed tables: `framelens run corpora/sample --precision fp32 --no-cache`
//! must write every CSV table (paragraphs, articles, outlets, rejects and the comparison's four) as recorded in
//! tests/data/sample-run/. The same folder (with the run's manifest.json) is what the report and workbook
//! tests read, so this one command regenerates every fixture made from a run. A refactor must leave them as they are (#14); a change that means to change outputs
//! (the encoder, the classifier, a table's columns) regenerates them and says why in its commit:
//!
//!     FRAMELENS_UPDATE_FIXTURES=1 cargo test --test sample_outputs
//!
//! Cells compare as text, except that two numbers may differ by 2e-4: tables print four decimals, and fp32
//! kernels differ in their last bits between CPU kinds (AVX-512 or AVX2 code paths), which moves a rounded
//! fourth decimal by one now and then. A byte hash would tie the fixture to the machine that wrote it (a
//! hash-based first version of this test would have failed on any other CI host). fp32 because `auto` picks
//! bf16 or int8 by CPU. Needs the real model (scripts/setup.sh): skipped without it, a failure in CI (`CI`
//! set), as every real-model test. manifest.json (timings, paths) is not compared; its `outputs` field
//! lists hashes of the same tables.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const CODEBOOK: &str = "models/codebooks/enforcement-discourse.toml";
const FIXTURES: &str = "tests/data/sample-run";
/// Two printed numbers closer than this are the same value: one unit of the fourth decimal, plus rounding.
const TOLERANCE: f64 = 2e-4;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn csv_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    names.sort();
    names
}

fn rows(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_path(path).unwrap();
    reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect()
}

fn same_cell(want: &str, got: &str) -> bool {
    if want == got {
        return true;
    }
    match (want.parse::<f64>(), got.parse::<f64>()) {
        (Ok(a), Ok(b)) => (a - b).abs() <= TOLERANCE,
        _ => false,
    }
}

/// Every difference between two tables, as `file:row:column want → got` lines (at most a few per file).
fn differences(name: &str, want: &[Vec<String>], got: &[Vec<String>]) -> Vec<String> {
    let mut out = Vec::new();
    if want.len() != got.len() {
        out.push(format!("{name}: {} rows expected, {} written", want.len(), got.len()));
    }
    for (i, (w, g)) in want.iter().zip(got).enumerate() {
        if w.len() != g.len() {
            out.push(format!("{name}:{}: {} cells expected, {} written", i + 1, w.len(), g.len()));
            continue;
        }
        for (j, (a, b)) in w.iter().zip(g).enumerate() {
            if !same_cell(a, b) {
                let column = want[0].get(j).map_or("?", String::as_str);
                out.push(format!("{name}:{}:{column}: {a:?} → {b:?}", i + 1));
            }
        }
    }
    out.truncate(20);
    out
}

#[test]
fn tolerance_accepts_a_last_digit_and_nothing_more() {
    assert!(same_cell("0.4213", "0.4214"));
    assert!(same_cell("structural_critique", "structural_critique"));
    assert!(!same_cell("0.4213", "0.4216"));
    assert!(!same_cell("structural_critique", "performative_enforcement"));
    assert!(!same_cell("1", "one"));
    let want = vec![vec!["a".to_owned(), "p".to_owned()], vec!["x".to_owned(), "0.5000".to_owned()]];
    let got = vec![vec!["a".to_owned(), "p".to_owned()], vec!["x".to_owned(), "0.5100".to_owned()]];
    assert_eq!(differences("t.csv", &want, &got), vec!["t.csv:2:p: \"0.5000\" → \"0.5100\"".to_owned()]);
}

#[test]
fn the_sample_run_writes_the_committed_tables() {
    if common::real_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    Command::cargo_bin("framelens")
        .unwrap()
        .current_dir(root())
        .args(["run", "corpora/sample", "--codebook", CODEBOOK, "--precision", "fp32", "--no-cache", "--quiet"])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let names = csv_names(&out);
    assert!(names.iter().any(|n| n == "comparison.csv"), "the run wrote no comparison: {names:?}");
    let fixtures = root().join(FIXTURES);
    if std::env::var_os("FRAMELENS_UPDATE_FIXTURES").is_some() {
        let _ = std::fs::remove_dir_all(&fixtures);
        std::fs::create_dir_all(&fixtures).unwrap();
        for n in names.iter().map(String::as_str).chain(["manifest.json"]) {
            std::fs::copy(out.join(n), fixtures.join(n)).unwrap();
        }
        eprintln!("wrote {}", fixtures.display());
        return;
    }
    assert_eq!(names, csv_names(&fixtures), "the run wrote other tables than {FIXTURES} holds");
    let diffs: Vec<String> =
        names.iter().flat_map(|n| differences(n, &rows(&fixtures.join(n)), &rows(&out.join(n)))).collect();
    assert!(
        diffs.is_empty(),
        "the sample run's tables differ from {FIXTURES}; if the change is meant to change outputs, regenerate \
         with FRAMELENS_UPDATE_FIXTURES=1 cargo test --test sample_outputs (outputs kept in {}):\n{}",
        tmp.keep().display(),
        diffs.join("\n")
    );
}
