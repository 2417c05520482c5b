#!/usr/bin/env bash
# The test command (README): sets up model and runtime when missing, runs every Rust test, then executes the
# notebook against a fresh run of the sample corpus so it cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
# multilingual-e5-small too: its parity tests (tests/encoder_parity_e5.rs) fail, not skip, under CI without it.
scripts/setup.sh minilm mpnet multilingual
cargo test --all-targets "$@"
target/release/framelens run corpora/sample --codebook models/codebooks/enforcement-discourse.toml --out out/sample --quiet
notebooks/run_notebook.sh out/sample
