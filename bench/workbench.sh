#!/usr/bin/env bash
# The workbench on a 100,000-paragraph run: every page must be served in under 300 ms (#18). The run is
# tests/data/sample-run (316 rows, MPNet labels) repeated with new article ids until it holds N paragraphs:
# the workbench only reads the run folder, so its serving time depends on the rows, not on how they were
# labelled. Prints, per page, the median and slowest of 5 requests (curl's total time, on this machine).
#
#   bench/workbench.sh [N]          (default 100000; needs target/release/framelens, python3, curl)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
python3 - "$n" "$work/run" <<'PY'
import csv, json, shutil, sys, os
n, out = int(sys.argv[1]), sys.argv[2]
src = "tests/data/sample-run"
os.makedirs(out)
for f in ["manifest.json", "comparison.csv", "differences.csv"]:
    shutil.copy(os.path.join(src, f), out)
rows = list(csv.reader(open(os.path.join(src, "paragraphs.csv"), newline="")))
header, body = rows[0], rows[1:]
with open(os.path.join(out, "paragraphs.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(header)
    written, copy = 0, 0
    while written < n:
        for r in body:
            if written == n:
                break
            r = list(r)
            r[0] = f"{r[0]}-{copy}"
            w.writerow(r)
            written += 1
        copy += 1
print(f"run of {n} paragraphs ({copy} copies of the sample run) in {out}", file=sys.stderr)
PY
start=$(date +%s.%N)
target/release/framelens serve "$work/run" --port 0 > "$work/url" 2> "$work/log" &
pid=$!
while ! [ -s "$work/url" ]; do sleep 0.05; done
echo "started and loaded in $(python3 -c "import time;print(f'{time.time()-$start:.2f}')") s"
url=$(cat "$work/url"); base=${url%%/\?*}; token=${url##*token=}
curl -s -o /dev/null -X POST -d "row=1&action=frame:factual_report" "$base/code?coder=bench&token=$token"
printf "%-58s %10s %10s\n" page "median ms" "max ms"
for page in "/" "/paragraphs" "/paragraphs?page=1000" "/paragraphs?outlet=meridian-wire&frame=factual_report" \
  "/paragraphs?q=militia" "/paragraphs?max_margin=0.05&stance=critical" "/p/50000" \
  "/code?coder=bench&order=random" "/code?coder=bench&order=uncertain" "/code?coder=bench&order=outlet" \
  "/agreement?a=bench&b=model&task=frames" "/export.csv?coder=bench"; do
  sep='?'; [[ $page == *\?* ]] && sep='&'
  code=$(curl -s -o /dev/null -w "%{http_code}" "$base$page${sep}token=$token")
  [ "$code" = 200 ] || { echo "$page: HTTP $code"; exit 1; }
  times=$(for i in 1 2 3 4 5; do curl -s -o /dev/null -w "%{time_total}\n" "$base$page${sep}token=$token"; done | sort -n)
  printf "%-58s %10.1f %10.1f\n" "$page" "$(echo "$times" | sed -n 3p | awk '{print $1*1000}')" "$(echo "$times" | tail -1 | awk '{print $1*1000}')"
done
echo "peak RSS of the server: $(grep VmHWM /proc/$pid/status | awk '{print $2/1024 " MiB"}')"
