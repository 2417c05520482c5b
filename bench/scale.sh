#!/usr/bin/env bash
# Large-corpus benchmark for docs/performance.md: end-to-end paragraphs/s and peak RSS of `framelens run`
# on synthetic corpora of ~1k, ~10k and ~100k body paragraphs (recombined from corpora/sample by
# `framelens bench corpus`), a re-run with another codebook (all corpus texts cached), and a killed +
# resumed run's encode counts. Not run in CI (the 100k run takes many minutes on 2 cores).
#
#   bench/scale.sh [OUTDIR]        (default target/bench/scale; FRAMELENS=path/to/binary)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${FRAMELENS:-target/release/framelens}
out=${1:-target/bench/scale}
sizes=${SIZES:-"154 1540 15400"}   # documents; about 6.5 body paragraphs each
mkdir -p "$out"
cb=models/codebooks/enforcement-discourse.toml
report="$out/report.md"
echo "| documents | body paragraphs | seconds | paragraphs/s | texts encoded | peak RSS MB |" > "$report"
echo "|---|---|---|---|---|---|" >> "$report"
for docs in $sizes; do
  corpus="$out/synth-$docs.jsonl"
  [ -f "$corpus" ] || "$bin" bench corpus --docs "$docs" --seed 1 --out "$corpus"
  rm -rf "$out/run-$docs" "$out/cache-$docs.sqlite"*
  "$bin" run "$corpus" --codebook "$cb" --out "$out/run-$docs" --cache "$out/cache-$docs.sqlite" --no-compare --quiet
  python3 - "$out/run-$docs/manifest.json" "$docs" >> "$report" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); c = m["counts"]; t = m["timings"]["total"]
print(f"| {sys.argv[2]} | {c['paragraphs_body']} | {t:.1f} | {c['paragraphs_body']/t:.1f} | {c['texts_encoded']} | {c['peak_rss_mb']} |")
PY
done

# Re-run of the largest corpus with another codebook: every corpus text comes from the cache.
last=${sizes##* }
"$bin" run "$out/synth-$last.jsonl" --codebook models/codebooks/policy-frames.toml --out "$out/rerun-$last" \
  --cache "$out/cache-$last.sqlite" --no-compare --quiet
python3 - "$out/run-$last/manifest.json" "$out/rerun-$last/manifest.json" >> "$report" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ta, tb = a["timings"]["total"], b["timings"]["total"]
print(f"\nRe-run with another codebook: {tb:.1f} s vs {ta:.1f} s first run ({ta/tb:.0f}x faster); "
      f"texts encoded {b['counts']['texts_encoded']} (the new codebook's own), cached {b['counts']['texts_cached']}.")
PY

# Kill the middle-sized run halfway and resume it.
mid=$(echo $sizes | awk '{print $2}')
rm -rf "$out/resume-$mid" "$out/resume-$mid.sqlite"*
"$bin" run "$out/synth-$mid.jsonl" --codebook "$cb" --out "$out/resume-$mid" --cache "$out/resume-$mid.sqlite" --no-compare --quiet &
pid=$!
first=$(python3 -c "import json;print(json.load(open('$out/run-$mid/manifest.json'))['timings']['total'])")
sleep "$(python3 -c "print($first/2)")"
kill -9 "$pid" || true
wait "$pid" 2>/dev/null || true
before=$("$bin" cache stats --cache "$out/resume-$mid.sqlite" --json | python3 -c "import json,sys;print(sum(e['entries'] for e in json.load(sys.stdin)))")
"$bin" run "$out/synth-$mid.jsonl" --codebook "$cb" --out "$out/resume-$mid" --cache "$out/resume-$mid.sqlite" --no-compare --quiet
python3 - "$out/run-$mid" "$out/resume-$mid" "$before" >> "$report" <<'PY'
import json, sys, filecmp
a, b, before = sys.argv[1], sys.argv[2], int(sys.argv[3])
ma, mb = (json.load(open(f"{p}/manifest.json")) for p in (a, b))
same = all(filecmp.cmp(f"{a}/{t}", f"{b}/{t}", shallow=False) for t in ("paragraphs.csv", "articles.csv", "outlets.csv", "rejects.csv"))
print(f"\nKilled halfway and resumed: {before} texts encoded before the kill + {mb['counts']['texts_encoded']} after = "
      f"{before + mb['counts']['texts_encoded']} (uninterrupted run: {ma['counts']['texts_encoded']}); tables byte-identical: {same}.")
PY
cat "$report"
