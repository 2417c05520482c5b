#!/usr/bin/env bash
# The workbench in a real browser: installs playwright-core (npm, no browser download: it drives the
# system Chromium), makes a MiniLM run of the sample corpus plus one article quoting markup, and runs
# e2e.mjs against it. Screenshots go to docs/images (README shows them). Needs node, npm and chromium
# (.ci/run installs them); target/release/framelens must be built (scripts/setup.sh does).
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
npm ci --no-audit --no-fund --silent
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$root/corpora/sample" "$work/corpus"
rm "$work/corpus/gold.csv"
cat > "$work/corpus/meridian-wire/2026-02-01-markup.md" <<'MD'
---
title: A page that quotes markup
date: 2026-02-01
outlet: meridian-wire
---

Officials said the compound raids would continue. <script>alert(1)</script> <img src=x onerror=alert(2)> was pasted into the statement by mistake, the ministry said.
MD
(cd "$root" && target/release/framelens run "$work/corpus" --codebook models/codebooks/enforcement-discourse.toml \
  --out "$work/run" --model minilm --precision fp32 --no-cache --quiet)
(cd "$root" && node tests/workbench/e2e.mjs "$work/run")
