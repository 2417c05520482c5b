#!/usr/bin/env bash
# Topic relevance on Chinese paragraphs with the multilingual encoder, through the real pipeline: on-topic kept
# (eval/zh, the Chinese test set) and Chinese off-topic news rejected (the test split of off_topic_zh.jsonl),
# at the encoder's default threshold. Usage: eval/relevance/measure_zh.sh [OUT_DIR]   (docs/evaluation.md)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-target/relevance-zh}
fl=${FRAMELENS:-target/release/framelens}
cb=models/codebooks/enforcement-discourse.toml
split=${RELEVANCE_SPLIT:-test}
python3 eval/relevance/measure.py prepare-zh "$out" "$split"
run() { "$fl" run "$1" --codebook "$cb" --out "$out/run_$2" --no-compare --quiet --model multilingual; }
on=$out/on_zh.jsonl; [ "$split" = dev ] && on=corpora/sample-zh
run "$on" on_zh
run "$out/off_zh.jsonl" off_zh
python3 eval/relevance/measure.py score-zh "$out"
