#!/usr/bin/env bash
# The Chinese test set through the real pipeline with the multilingual encoder: frames and stance of each
# paragraph, one document per row (docs/evaluation.md, "Chinese-language outlets").
# Usage: eval/zh/measure.sh [OUT_DIR]; FRAMELENS_RUN_ARGS adds options to the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-target/eval-zh}
fl=${FRAMELENS:-target/release/framelens}
mkdir -p "$out"
python3 - "$out" <<'PY'
import csv, json, os, sys
out = sys.argv[1]
rows = list(csv.DictReader(open("eval/zh/paragraphs.csv", newline="", encoding="utf-8")))
with open(os.path.join(out, "zh.jsonl"), "w", encoding="utf-8") as f:
    for r in rows:
        f.write(json.dumps({"id": r["id"], "outlet": r["lang"], "text": r["text"]}, ensure_ascii=False) + "\n")
with open(os.path.join(out, "gold.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["doc_id", "text_prefix", "frame", "stance"])
    for r in rows:
        w.writerow([r["id"], r["text"][:30], r["frame"], r["stance"]])
PY
read -r -a extra <<< "${FRAMELENS_RUN_ARGS:-}"
"$fl" run "$out/zh.jsonl" --codebook models/codebooks/enforcement-discourse.toml --model multilingual \
  --out "$out/run" --no-compare --quiet "${extra[@]}" 2>/dev/null
"$fl" eval --gold "$out/gold.csv" --pred "$out/run"
