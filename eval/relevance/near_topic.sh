#!/usr/bin/env bash
# Topic relevance on a keyword-drawn corpus coded paragraph by paragraph (eval/relevance/near_topic.py,
# docs/evaluation.md "Near the topic"): on-topic dev paragraphs kept (held out, `codebook check` at 0.04) for
# 0-8 off-topic examples per subject, then kept / rejected / AUC on the 320 coded ABP paragraphs with the
# shipped codebook. Usage: eval/relevance/near_topic.sh [OUT_DIR]; FRAMELENS_RUN_ARGS adds options (e.g.
# "--model minilm").
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-target/near-topic}
fl=${FRAMELENS:-target/release/framelens}
read -r -a extra <<< "${FRAMELENS_RUN_ARGS:-}"
mkdir -p "$out"
for per in 0 2 4 6 8; do
  python3 eval/relevance/near_topic.py variant "$per" "$out/codebook-$per.toml"
  echo "$per off-topic examples per subject:"
  "$fl" codebook check "$out/codebook-$per.toml" "${extra[@]}" | grep -E '^  (topic|off_topic)_examples'
done
python3 eval/relevance/near_topic.py articles "$out/articles.jsonl"
"$fl" run "$out/articles.jsonl" --codebook models/codebooks/enforcement-discourse.toml --out "$out/run" \
  --id-field ID --text-field content_original --outlet-field source --title-field title --no-compare --quiet "${extra[@]}"
python3 eval/relevance/near_topic.py score "$out/run"
