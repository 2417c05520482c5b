#!/usr/bin/env bash
# Executes compare_outlets.ipynb against a framelens run folder, so the notebook cannot rot unnoticed.
#
#   ./run_notebook.sh [RUN_DIR]        (default: $FRAMELENS_RUN, else out/sample)
#
# Makes (once) a venv with pandas, matplotlib and the Jupyter execution tools, runs every cell with
# `jupyter nbconvert --execute`, and fails if any cell fails (the notebook asserts that its numbers
# equal outlets.csv). The executed copy is written to a temporary folder; the committed notebook is
# left untouched. Env: FRAMELENS_NOTEBOOK_VENV (venv location), FRAMELENS_NOTEBOOK_OUT (output folder).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
run="${1:-${FRAMELENS_RUN:-out/sample}}"
venv="${FRAMELENS_NOTEBOOK_VENV:-$here/.venv-notebook}"

if [ ! -f "$run/paragraphs.csv" ] || [ ! -f "$run/outlets.csv" ]; then
  echo "run_notebook.sh: $run is not a framelens run folder (no paragraphs.csv / outlets.csv)" >&2
  exit 2
fi
# The kernel runs in the notebook's folder, so hand it an absolute path.
run="$(cd "$run" && pwd)"

if [ ! -x "$venv/bin/jupyter" ]; then
  echo "run_notebook.sh: creating $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet pandas matplotlib nbconvert nbclient ipykernel
fi

out="${FRAMELENS_NOTEBOOK_OUT:-$(mktemp -d)}"
mkdir -p "$out"
FRAMELENS_RUN="$run" "$venv/bin/jupyter" nbconvert \
  --to notebook --execute \
  --ExecutePreprocessor.timeout=600 \
  --ExecutePreprocessor.kernel_name=python3 \
  --output-dir "$out" \
  "$here/compare_outlets.ipynb"
echo "run_notebook.sh: executed OK against $run -> $out/compare_outlets.ipynb"
