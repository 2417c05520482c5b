#!/usr/bin/env bash
# GVFC learning curve (docs/evaluation.md): macro-F1 on a fixed dev split (20% of the coded headlines,
# split seed 13) against training rows per frame: 0 = zero-shot codebook prototypes, then 8, 16, 32, 64 and
# all rows per frame (5 subsamples each, subsample seeds 1-5), plus the same with the codebook's examples added.
# Usage: eval/gvfc_learning_curve.sh [framelens binary]   (from the repository root, ../shared beside it)
set -euo pipefail
FL=${1:-target/release/framelens}
DATA=../shared/datasets/gvfc/gvfc_headlines.csv
CB=eval/codebooks/gun-violence-frames.toml
OUT=${OUT:-out/gvfc-curve}
mkdir -p "$OUT"
COMMON=(--codebook "$CB" --data "$DATA" --text-field headline --label-field theme1_name --holdout 0.2 --split-seed 13)
"$FL" eval "${COMMON[@]}" --csv "$OUT/zero-shot.csv" > "$OUT/zero-shot.md"
for n in 8 16 32 64 all; do
  for s in 1 2 3 4 5; do
    for ex in no yes; do
      extra=()
      [ "$n" != all ] && extra+=(--per-class "$n" --subsample-seed "$s")
      [ "$ex" = yes ] && extra+=(--with-codebook-examples)
      "$FL" train "${COMMON[@]}" "${extra[@]}" --quiet --out "$OUT/head-$n-$s-$ex.json"
    done
    [ "$n" = all ] && break
  done
done
python3 - "$OUT" <<'PY'
import csv, glob, json, statistics, sys
out = sys.argv[1]
zs = next(r for r in csv.DictReader(open(f"{out}/zero-shot.csv")) if r["metric"] == "macro_f1")
print("| rows per frame | macro-F1 on dev (mean ± sd over subsamples) | with codebook examples |")
print("|---|---|---|")
print(f"| 0 (zero-shot prototypes) | {float(zs['value']):.3f} | — |")
for n in ["8", "16", "32", "64", "all"]:
    cells = []
    for ex in ["no", "yes"]:
        v = [json.load(open(p))["report"]["held_out"][0]["macro_f1"] for p in sorted(glob.glob(f"{out}/head-{n}-*-{ex}.json"))]
        cells.append(f"{statistics.mean(v):.3f}" + (f" ± {statistics.stdev(v):.3f}" if len(v) > 1 else ""))
    print(f"| {n} | {cells[0]} | {cells[1]} |")
PY
