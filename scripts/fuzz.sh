#!/usr/bin/env bash
# Runs the cargo-fuzz targets (fuzz/, docs/fuzzing.md) for a bounded time each. Not part of CI.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS (default 60) is libFuzzer's -max_total_time per target, build time not included.
# TARGETs default to all of: folder_file jsonl csv segment.
#
# Environment:
#   FUZZ_SANITIZER  address (default; falls back to none when the ASan build fails) or none
#   FUZZ_MAX_LEN    largest input libFuzzer makes (default 4096 bytes; longer seeds are cut to it:
#                   small inputs run many times faster and rarely hide a bug a long one would show)
#   FUZZ_ARGS       extra libFuzzer arguments, e.g. "-only_ascii=1 -dict=..."
#   FUZZ_CGU        codegen units for the fuzz build (default 16: a much faster build on 2 cores)
#
# Seeds are copied at run time from corpora/sample and ../shared/seeds into fuzz/corpus/<target>/
# (git-ignored, together with fuzz/artifacts/ where crashes land and fuzz/logs/ with each run's
# output). Exits non-zero when a target found a crash, a timeout or a leak.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

duration=${1:-60}
shift $(($# > 0 ? 1 : 0))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(folder_file jsonl csv segment codebook head_json run_folder)
case $duration in '' | *[!0-9]*) echo "SECONDS must be a whole number, got '$duration'" >&2; exit 2 ;; esac

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked || exit 1
fi

# cargo-fuzz passes -Z flags (sanitizers, sancov); the stable toolchain accepts them this way.
export RUSTC_BOOTSTRAP=1
# Share the 2 cores politely: one rustc at a time while other builds are running.
if [ "$(pgrep -c rustc || true)" -gt 0 ] && [ -z "${CARGO_BUILD_JOBS:-}" ]; then
    export CARGO_BUILD_JOBS=1
fi
cgu=${FUZZ_CGU:-16}
sanitizer=${FUZZ_SANITIZER:-address}

echo "== building fuzz targets (sanitizer: $sanitizer, jobs: ${CARGO_BUILD_JOBS:-default})"
if ! cargo fuzz build --sanitizer "$sanitizer" --codegen-units "$cgu"; then
    if [ "$sanitizer" = none ]; then
        exit 1
    fi
    echo "== the $sanitizer build failed; building without a sanitizer"
    sanitizer=none
    cargo fuzz build --sanitizer none --codegen-units "$cgu" || exit 1
fi

# --- seeds ----------------------------------------------------------------------------------
articles=()
while IFS= read -r -d '' f; do articles+=("$f"); done \
    < <(find corpora/sample ../shared/seeds -type f \( -name '*.md' -o -name '*.txt' \) -print0 2>/dev/null | sort -z)

seed_dir() {
    local dir="fuzz/corpus/$1"
    mkdir -p "$dir"
    echo "$dir"
}

# Plain article files: the folder reader and the segmenter.
for t in folder_file segment; do
    dir=$(seed_dir "$t")
    for f in "${articles[@]}"; do
        cp "$f" "$dir/seed-$(printf '%s' "$f" | tr '/.' '__')"
    done
done

# JSONL and CSV exports made from the same articles (front matter as fields), one file per
# outlet folder and a few small shapes that exercise the less common paths.
python3 - "$root/fuzz/corpus" "${articles[@]}" <<'PY'
import csv, io, json, os, sys

out, files = sys.argv[1], sys.argv[2:]
for t in ("jsonl", "csv"):
    os.makedirs(os.path.join(out, t), exist_ok=True)

def parse(path):
    text = open(path, encoding="utf-8").read()
    meta, body = {}, text
    if text.startswith("---\n"):
        head, sep, rest = text[4:].partition("\n---\n")
        if sep:
            body = rest
            for line in head.splitlines():
                k, colon, v = line.partition(":")
                if colon:
                    meta[k.strip()] = v.strip()
    return meta, body

groups = {}
for f in files:
    groups.setdefault(os.path.basename(os.path.dirname(f)), []).append(f)

for name, members in sorted(groups.items()):
    rows = []
    for f in members:
        meta, body = parse(f)
        rows.append({**meta, "id": os.path.splitext(os.path.basename(f))[0], "outlet": name, "text": body})
    with open(os.path.join(out, "jsonl", f"seed-{name}.jsonl"), "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    cols = ["id", "outlet", "date", "title", "url", "author", "text"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore", lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    open(os.path.join(out, "csv", f"seed-{name}.csv"), "w", encoding="utf-8", newline="").write(buf.getvalue())

small = {
    "jsonl": {
        "nested": '{"body": "Nested text.", "meta": {"id": 7, "date": "2025/11/14", "authors": ["A", "B"]}}\n',
        "mixed": '\ufeff{"id": "a", "text": "One."}\r\n\n[1]\n{"id": "a", "text": "Dup."}\n{"text": 3}\n{"id": {"x": 1}, "text": "x"}\n{"id":"b","text":\n',
    },
    "csv": {
        "ragged": '\ufeffid,Outlet,date,text\r\n1,Wire,14.11.2025,"Para one.\r\n\r\nPara two."\r\n2,Post\r\n3,Post,,   \r\n1,Dup,,again\r\n',
        "minimal": "text\nhello\n",
    },
}
for t, seeds in small.items():
    for name, content in seeds.items():
        open(os.path.join(out, t, f"seed-{name}.{t}"), "w", encoding="utf-8", newline="").write(content)
PY
[ -f corpora/sample/gold.csv ] && cp corpora/sample/gold.csv fuzz/corpus/csv/seed-gold.csv
# The files people edit: shipped codebooks, shipped heads, the sample run's files (first byte picks the file).
mkdir -p fuzz/corpus/codebook fuzz/corpus/head_json fuzz/corpus/run_folder
for f in models/codebooks/*.toml eval/*/*.toml; do [ -f "$f" ] && cp "$f" "fuzz/corpus/codebook/seed-$(basename "$f")"; done
for f in models/heads/*.json; do [ -f "$f" ] && cp "$f" "fuzz/corpus/head_json/seed-$(basename "$f")"; done
i=0
for f in manifest.json outlets.csv articles.csv paragraphs.csv rejects.csv comparison.csv distances.csv \
         differences.csv independence.csv; do
  { printf "\\$(printf '%03o' $i)"; head -c 3000 "tests/data/sample-run/$f"; } > "fuzz/corpus/run_folder/seed-$f"
  i=$((i + 1))
done

# --- runs -----------------------------------------------------------------------------------
mkdir -p fuzz/logs
failed=()
summary=()
for t in "${targets[@]}"; do
    log="fuzz/logs/$t.log"
    echo "== fuzzing $t for ${duration}s (log: $log)"
    # shellcheck disable=SC2086 # FUZZ_ARGS is a list of arguments
    cargo fuzz run --sanitizer "$sanitizer" --codegen-units "$cgu" "$t" -- \
        -max_total_time="$duration" -timeout=10 -max_len="${FUZZ_MAX_LEN:-4096}" -print_final_stats=1 ${FUZZ_ARGS:-} >"$log" 2>&1
    status=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    units=$(grep -o 'stat::new_units_added: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    cov=$(grep -oE '^#[0-9]+.*cov: [0-9]+' "$log" | grep -oE 'cov: [0-9]+' | tail -1)
    corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
    if [ $status -eq 0 ]; then
        result="nothing found"
    else
        result="FOUND (exit $status): $(grep -oE 'Test unit written to [^ ]+' "$log" | tail -1)"
        failed+=("$t")
        tail -40 "$log" >&2
    fi
    summary+=("$(printf '%-12s %10s runs %8s exec/s %6s new units %-9s corpus %5s  %s' \
        "$t" "${runs:-?}" "${speed:-?}" "${units:-?}" "${cov:-cov: ?}" "$corpus" "$result")")
done

echo
echo "== summary (sanitizer: $sanitizer, ${duration}s per target)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "targets with findings: ${failed[*]} (inputs in fuzz/artifacts/<target>/)" >&2
    exit 1
fi
