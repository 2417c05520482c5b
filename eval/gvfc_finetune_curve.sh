#!/usr/bin/env bash
# GVFC learning curve, frozen vs fine-tuned encoder (docs/finetune.md): accuracy and macro-F1 on the fixed dev
# split (20% of the coded headlines, split seed 13) against training rows per frame (8, 16, 32, 64: subsample
# seeds 1..SEEDS; then all 728 rows). Each `train --finetune` fits the frozen head too, so one run gives both.
# Usage: eval/gvfc_finetune_curve.sh [framelens binary]   (repository root, ../shared beside it)
#   MODEL=minilm SEEDS=3 OUT=out/gvfc-finetune-curve
set -euo pipefail
FL=${1:-target/release/framelens}
MODEL=${MODEL:-minilm}
SEEDS=${SEEDS:-3}
OUT=${OUT:-out/gvfc-finetune-curve}
mkdir -p "$OUT"
COMMON=(--codebook eval/codebooks/gun-violence-frames.toml --data ../shared/datasets/gvfc/gvfc_headlines.csv
        --text-field headline --label-field theme1_name --holdout 0.2 --split-seed 13 --model "$MODEL")
for n in 8 16 32 64 all; do
  for s in $(seq 1 "$SEEDS"); do
    extra=()
    [ "$n" != all ] && extra+=(--per-class "$n" --subsample-seed "$s")
    [ -f "$OUT/head-$n-$s.json" ] || "$FL" train "${COMMON[@]}" "${extra[@]}" --finetune --quiet \
      --tuned-model "$OUT/model-$n-$s" --out "$OUT/head-$n-$s.json"
    rm -rf "$OUT/model-$n-$s"
    [ "$n" = all ] && break
  done
done
python3 - "$OUT" <<'PY'
import glob, json, re, statistics, sys
out = sys.argv[1]
def cell(v):
    return f"{statistics.mean(v):.3f}" + (f" ± {statistics.stdev(v):.3f}" if len(v) > 1 else "")
print("| rows per frame | frozen accuracy | tuned accuracy | frozen macro-F1 | tuned macro-F1 | tuning s (mean) |")
print("|---|---|---|---|---|---|")
pat = re.compile(r"accuracy ([0-9.]+) → ([0-9.]+), macro-F1 ([0-9.]+) → ([0-9.]+)")
for n in ["8", "16", "32", "64", "all"]:
    rows = []
    for p in sorted(glob.glob(f"{out}/head-{n}-*.json")):
        note = next(x for x in json.load(open(p))["report"]["notes"] if "Frozen encoder" in x)
        a0, a1, f0, f1 = map(float, pat.search(note).groups())
        secs = float(re.search(r"epochs, ([0-9.]+) s on", note).group(1))
        rows.append((a0, a1, f0, f1, secs))
    cols = list(zip(*rows))
    print(f"| {n} | {cell(cols[0])} | {cell(cols[1])} | {cell(cols[2])} | {cell(cols[3])} | {statistics.mean(cols[4]):.0f} |")
PY
