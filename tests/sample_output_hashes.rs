//! Byte identity of the sample corpus run: `framelens run corpora/sample --precision fp32 --no-cache` must
//! write every CSV table (paragraphs, articles, outlets, rejects and the comparison's four) with the sha256
//! recorded in tests/data/sample_output_hashes.txt. A refactor must leave them as they are (#14); a change
//! that means to change outputs (the encoder, the classifier, a table's columns) regenerates the file and
//! says why in its commit:
//!
//!     FRAMELENS_UPDATE_HASHES=1 cargo test --test sample_output_hashes
//!
//! fp32 because `auto` picks bf16 or int8 by CPU, which would tie the hashes to one machine kind. Needs the
//! real model (scripts/setup.sh): skipped without it, a failure in CI (`CI` set), as every real-model test.
//! manifest.json (timings, paths) is not hashed; its `outputs` field lists the hashes of the same tables.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use sha2::{Digest, Sha256};

const CODEBOOK: &str = "models/codebooks/enforcement-discourse.toml";
const HASHES: &str = "tests/data/sample_output_hashes.txt";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `<sha256>  <file>` lines (as `sha256sum` writes them) of every CSV of `dir`, by name.
fn hash_lines(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    names.sort();
    names.iter().map(|n| format!("{}  {n}", hex::encode(Sha256::digest(std::fs::read(dir.join(n)).unwrap())))).collect()
}

#[test]
fn the_sample_run_writes_the_committed_bytes() {
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
    let got = hash_lines(&out);
    assert!(got.iter().any(|l| l.ends_with("  comparison.csv")), "the run wrote no comparison: {got:?}");
    let path = root().join(HASHES);
    if std::env::var_os("FRAMELENS_UPDATE_HASHES").is_some() {
        let header = "# sha256 of the sample run's tables: see tests/sample_output_hashes.rs (regenerate with\n\
                      # FRAMELENS_UPDATE_HASHES=1 cargo test --test sample_output_hashes)\n";
        std::fs::write(&path, format!("{header}{}\n", got.join("\n"))).unwrap();
        eprintln!("wrote {}", path.display());
        return;
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let want: Vec<&str> = text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).collect();
    assert_eq!(
        got,
        want,
        "the sample run's tables differ from {HASHES}; if the change is meant to change outputs, regenerate with \
         FRAMELENS_UPDATE_HASHES=1 cargo test --test sample_output_hashes (outputs kept in {})",
        tmp.keep().display()
    );
}
