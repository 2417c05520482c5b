#!/usr/bin/env bash
# Topic relevance on a keyword-drawn corpus coded paragraph by paragraph (eval/relevance/near_topic.py,
# docs/evaluation.md "Near the topic"): leave-one-out on-topic dev recall for 0-8 off-topic examples per
# subject, then kept / rejected / AUC on the 320 coded ABP paragraphs with the shipped codebook.
# Usage: eval/relevance/near_topic.sh [OUT_DIR]; FRAMELENS_RUN_ARGS adds options (e.g. "--model minilm").
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-target/near-topic}
fl=${FRAMELENS:-target/release/framelens}
read -r -a extra <<< "${FRAMELENS_RUN_ARGS:-}"
python3 eval/relevance/near_topic.py texts "$out"
for n in topic bg near; do "$fl" embed "$out/$n.txt" --out "$out/$n.npy" --quiet "${extra[@]}"; done
python3 eval/relevance/near_topic.py loo "$out"
python3 eval/relevance/near_topic.py articles "$out/articles.jsonl"
"$fl" run "$out/articles.jsonl" --codebook models/codebooks/enforcement-discourse.toml --out "$out/run" \
  --id-field ID --text-field content_original --outlet-field source --title-field title --no-compare --quiet "${extra[@]}"
python3 eval/relevance/near_topic.py score "$out/run"
