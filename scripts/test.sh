#!/usr/bin/env bash
# The test command (README): sets up model and runtime when missing, runs every Rust test, then executes the
# notebook against a fresh run of the sample corpus so it cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
# multilingual-e5-small too: its parity tests (tests/encoder_parity_e5.rs) fail, not skip, under CI without it.
scripts/setup.sh minilm mpnet multilingual
# The tests that check the default encoder's outputs (tests/sample_outputs.rs, the sample corpus' floors) run
# without --model: a FRAMELENS_MODEL of the user's would swap their encoder.
unset FRAMELENS_MODEL
# In the release profile: setup.sh has just built every dependency there, so the tests reuse it instead of
# compiling the whole tree a second time for the dev profile (whose dependencies are opt-level 3 anyway); the
# suite also runs faster. The cost: debug assertions and overflow checks are off in the tests' own crates
# (no test relies on either; `cargo test --all-targets` still runs them in the dev profile).
cargo test --release --all-targets "$@"
# The workbench (framelens serve) in headless Chromium: keyboard coding, SIGKILL and restart, two coders,
# markup shown as text, import, train and relabel from the page (tests/workbench/e2e.mjs).
tests/workbench/run.sh
target/release/framelens run corpora/sample --codebook models/codebooks/enforcement-discourse.toml --out out/sample --quiet
notebooks/run_notebook.sh out/sample
