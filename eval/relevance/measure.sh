#!/usr/bin/env bash
# Topic relevance through the real pipeline: on-topic kept (test split, sample corpus) and real off-topic news
# rejected at the codebook's threshold. Usage: eval/relevance/measure.sh [OUT_DIR]   (docs/evaluation.md)
# FRAMELENS_RUN_ARGS adds options to every run (e.g. "--model mpnet"); RELEVANCE_ARTICLES sets the off-topic articles.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-target/relevance}
fl=${FRAMELENS:-target/release/framelens}
cb=models/codebooks/enforcement-discourse.toml
python3 eval/relevance/measure.py prepare "$out"
read -r -a extra <<< "${FRAMELENS_RUN_ARGS:-}"
run() { "$fl" run "$1" --codebook "$cb" --out "$out/run_$2" --no-compare --quiet "${@:3}" "${extra[@]}"; }
run "$out/on_test.jsonl" on_test
run corpora/sample sample
run "$out/off_test.jsonl" off_test --id-field ID --outlet-field source
python3 eval/relevance/measure.py score "$out"
