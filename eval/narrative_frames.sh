#!/usr/bin/env bash
# Narrative Frames Corpus (Frermann et al. 2023; docs/evaluation.md): five article-level narrative frames of
# climate-change news, zero-shot (codebook prototypes per pseudo-paragraph, reduced to article sets) and a
# trained multi-label head, both scored on the dev part of `--holdout 0.2 --split-seed 13` (keyed by article id),
# plus constant baselines.
# Usage: eval/narrative_frames.sh [framelens binary]   (from the repository root, ../shared beside it)
# Writes out/nfc/ (tidy CSV, runs, head, eval CSVs); prints the tables.
set -euo pipefail
FL=${1:-target/release/framelens}
SRC=../shared/datasets/narrative_frames_corpus/narrative_frames_articles_clean.csv
CB=eval/codebooks/narrative-frames.toml
OUT=${OUT:-out/nfc}
D=$OUT/nfc.csv
mkdir -p "$OUT"
python3 eval/narrative_frames_labels.py "$SRC" "$D"
python3 eval/narrative_frames_baseline.py "$D"

SPLIT=(--holdout 0.2 --split-seed 13)
GOLD=(--level article --codebook "$CB" --gold "$D" --gold-id-field id --gold-label-field frames)

# Zero-shot: pseudo-paragraphs (text_paras), frames column, share threshold picked on the train part.
"$FL" run "$D" --id-field id --text-field text_paras --outlet-field source --codebook "$CB" --out "$OUT/zs" --no-compare --quiet
for col in frame frames; do
  for t in 0 0.1 0.2 0.3 0.4 0.5; do
    for part in train dev; do
      "$FL" eval "${GOLD[@]}" --pred "$OUT/zs" --pred-column "$col" --share-threshold "$t" "${SPLIT[@]}" --part "$part" \
        --csv "$OUT/zs-$col-$t-$part.csv" > "$OUT/zs-$col-$t-$part.md" 2>/dev/null
    done
  done
done

# Trained: one-vs-rest head on the whole article text (train part; articles coded `none` are rows with every
# frame absent), then `run --head` over all articles and the same article-level eval on dev (no-frame articles
# are empty gold sets). `eval --data --head` scores the same dev rows directly.
T=(--codebook "$CB" --data "$D" --text-field text --label-field frames --id-field id "${SPLIT[@]}")
"$FL" train "${T[@]}" --out "$OUT/nfc.head.json" --report "$OUT/nfc.head.report.md" --quiet
"$FL" run "$D" --id-field id --text-field text --outlet-field source --codebook "$CB" --head "$OUT/nfc.head.json" \
  --out "$OUT/head" --no-compare --quiet
"$FL" eval "${GOLD[@]}" --pred "$OUT/head" --pred-column frames --share-threshold 0 "${SPLIT[@]}" --part dev \
  --csv "$OUT/head-dev.csv" | tee "$OUT/head-dev.md"
"$FL" eval "${T[@]}" --head "$OUT/nfc.head.json" --csv "$OUT/head-data-dev.csv" | tee "$OUT/head-data-dev.md"

python3 - "$OUT" <<'PY'
import csv, sys
out, ts = sys.argv[1], ["0", "0.1", "0.2", "0.3", "0.4", "0.5"]
def get(p, m):
    return next(float(r["value"]) for r in csv.DictReader(open(p)) if r["metric"] == m)
for m in ["micro_f1", "macro_f1"]:
    print(f"\n| zero-shot reduction ({m}, train / dev) | " + " | ".join(f"share ≥ {t}" for t in ts) + " |")
    print("|---" * (len(ts) + 1) + "|")
    for col in ["frame", "frames"]:
        cells = [f"{get(f'{out}/zs-{col}-{t}-train.csv', m):.3f} / {get(f'{out}/zs-{col}-{t}-dev.csv', m):.3f}" for t in ts]
        print(f"| `{col}` | " + " | ".join(cells) + " |")
PY
