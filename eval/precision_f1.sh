#!/usr/bin/env bash
# Macro-F1 on labelled dev sets in each encoder precision (issue 9: int8 may lose at most 1 point). For each
# precision the whole route runs in it: zero-shot prototypes embedded in that precision, and a head trained
# on that precision's embeddings of the train part (`--holdout 0.2 --split-seed 13`, as docs/evaluation.md).
#
#   eval/precision_f1.sh [OUTDIR]      (default out/precision-f1; FL=path/to/framelens; PRECISIONS="fp32 bf16 int8")
# Writes OUTDIR/report.md. Not run in CI (about a minute per precision on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
FL=${FL:-target/release/framelens}
out=${1:-out/precision-f1}
precisions=${PRECISIONS:-"fp32 bf16 int8"}
mkdir -p "$out"
G="--codebook eval/codebooks/gun-violence-frames.toml --data ../shared/datasets/gvfc/gvfc_headlines.csv --text-field headline --label-field theme1_name --holdout 0.2 --split-seed 13"
F="--codebook eval/codebooks/frac-frames.toml --data ../shared/datasets/frac/frac_gold_sentences.csv --text-field sentence --label-field label_name --holdout 0.2 --split-seed 13"
macro() { grep -m1 -iE '^\| *macro-F1' "$1" | awk -F'|' '{gsub(/ /,"",$3); print $3}'; }
{
  echo "| dataset | route | $(echo $precisions | sed 's/ / | /g') |"
  echo "|---|---|$(for p in $precisions; do printf -- '---|'; done)"
} > "$out/report.md"
for ds in gvfc frac; do
  args=$G; [ "$ds" = frac ] && args=$F
  zs=(); tr=()
  for p in $precisions; do
    cache="$out/cache-$p.sqlite"
    # shellcheck disable=SC2086
    "$FL" eval $args --precision "$p" --cache "$cache" > "$out/$ds-zeroshot-$p.md"
    # shellcheck disable=SC2086
    "$FL" train $args --precision "$p" --cache "$cache" --out "$out/$ds-$p.head.json" > "$out/$ds-train-$p.md"
    # shellcheck disable=SC2086
    "$FL" eval $args --precision "$p" --cache "$cache" --head "$out/$ds-$p.head.json" > "$out/$ds-trained-$p.md"
    zs+=("$(macro "$out/$ds-zeroshot-$p.md")"); tr+=("$(macro "$out/$ds-trained-$p.md")")
  done
  echo "| $ds | zero-shot | $(IFS='|'; echo "${zs[*]}" | sed 's/|/ | /g') |" >> "$out/report.md"
  echo "| $ds | trained head | $(IFS='|'; echo "${tr[*]}" | sed 's/|/ | /g') |" >> "$out/report.md"
done
cat "$out/report.md"
