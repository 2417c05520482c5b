#!/usr/bin/env bash
# Runs every command that writes a run folder or reads one back (run --xlsx --report, compare by outlet and
# by month, eval --gold, sample three ways, run --shard + merge, train, eval --data, run --head + compare) on
# the sample corpus, for checking that a refactor leaves every output as it was (#14):
#
#   scripts/outputs_snapshot.sh BEFORE            # with the binary built before the change
#   scripts/outputs_snapshot.sh AFTER             # after it
#   python3 scripts/outputs_compare.py BEFORE AFTER
#
# The commands run in one fixed folder ($SNAPSHOT_WORK, default /tmp/framelens-snapshot-work) and are then
# moved to the folder given, because outputs record the paths they were written to.
#
# Environment:
#   FRAMELENS   the binary (default: $CARGO_TARGET_DIR/debug/framelens, else target/debug/framelens)
set -euo pipefail
FINAL=$(realpath -m "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
R=${SNAPSHOT_WORK:-/tmp/framelens-snapshot-work}
B=${FRAMELENS:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/framelens}
CB=models/codebooks/enforcement-discourse.toml
cd "$ROOT"
rm -rf "$R"
mkdir -p "$R"
$B run corpora/sample --codebook $CB --out $R/run --xlsx --report --no-cache -q >/dev/null 2>$R/run.stderr
$B compare $R/run --out $R/cmp-outlet --xlsx --report >$R/cmp-outlet.stdout 2>&1
$B compare $R/run --by month --out $R/cmp-month --xlsx --report --resamples 500 --seed 7 >$R/cmp-month.stdout 2>&1
$B eval --gold corpora/sample/gold.csv --pred $R/run --csv $R/eval.csv >$R/eval.stdout 2>&1
$B sample $R/run --n 30 --seed 5 --out $R/sample-rand.csv >$R/sample1.stdout 2>&1
$B sample $R/run --n 20 --by outlet --seed 5 --show-predictions --out $R/sample-outlet.csv >$R/sample2.stdout 2>&1
$B sample $R/run --n 20 --uncertain --out $R/sample-unc.csv >$R/sample3.stdout 2>&1
for k in 0 1; do
    $B run corpora/sample --codebook $CB --out $R/shard$k --shard $k/2 --no-cache -q >/dev/null 2>&1
done
$B merge $R/shard0 $R/shard1 --out $R/merged -q >$R/merge.stdout 2>&1
# The gold paragraphs as labelled rows (doc_id, text, label) for train and eval --data.
python3 - "$R" <<'PY'
import csv, sys
R = sys.argv[1]
paras = list(csv.DictReader(open(R + '/run/paragraphs.csv')))
w = csv.writer(open(R + '/labelled.csv', 'w', newline=''))
w.writerow(['doc_id', 'text', 'label'])
for g in csv.DictReader(open('corpora/sample/gold.csv')):
    p = [p for p in paras if p['doc_id'] == g['doc_id'] and p['text'].startswith(g['text_prefix'].strip())]
    if p:
        w.writerow([g['doc_id'], p[0]['text'], g['frame']])
PY
$B train --codebook $CB --data $R/labelled.csv --id-field doc_id --folds 3 --holdout 0.3 --split-seed 13 \
    --out $R/head.json --cache $R/cache.sqlite >$R/train.stdout 2>&1
$B eval --codebook $CB --data $R/labelled.csv --head $R/head.json --id-field doc_id --holdout 0.3 --split-seed 13 \
    --replicates 300 --csv $R/eval-data.csv --cache $R/cache.sqlite >$R/eval-data.stdout 2>&1
$B run corpora/sample --codebook $CB --head $R/head.json --out $R/run-head --report --no-cache >$R/run-head.stdout 2>&1
$B compare $R/run-head --out $R/cmp-head >$R/cmp-head.stdout 2>&1
rm -f $R/cache.sqlite*
rm -rf "$FINAL"
mv "$R" "$FINAL"
echo "$FINAL"
