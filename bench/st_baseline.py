#!/usr/bin/env python3
"""Baseline for framelens' encoder benchmark: Python sentence-transformers on the same input.

Embeds a file (one paragraph per line) with sentence-transformers' all-MiniLM-L6-v2, loaded offline from
the local folder $FRAMELENS_HOME/hf/all-MiniLM-L6-v2 (what scripts/setup.sh unpacks; FRAMELENS_HOME defaults
to ~/.cache/framelens), the way a user runs it: SentenceTransformer.encode(batch_size=32), which sorts the
inputs by character length, pads each batch of 32 to its longest row and truncates at 256 tokens.

  --backend torch     the default PyTorch backend (torch.set_num_threads(N), OMP/MKL_NUM_THREADS=N)
  --backend openvino  sentence-transformers' OpenVINO backend (exports the model through optimum-intel at
                      load time, outside the timing; INFERENCE_NUM_THREADS=N; on CPUs with bf16 units the
                      OpenVINO CPU plugin runs in bf16 by default: the JSON says which precision it used)
  --backend onnx      sentence-transformers' ONNX backend (needs `pip install "sentence-transformers[onnx]"`),
                      fp32 on ONNX Runtime's CPU provider (the ONNX export is made at load time, outside the timing)
  --backend onnx-int8 the same backend on sentence-transformers' own int8 export for avx512_vnni CPUs
                      (`export_dynamic_quantized_onnx_model(model, "avx512_vnni", ...)`: optimum's dynamic
                      quantization, activations quantized per batch tensor at run time), made once into a copy
                      of the model folder under --work-dir, outside the timing

Timing: model load, then one warm-up encode of the first 64 rows, then one timed encode of every row
(--repeat N times, best run reported). Prints one JSON line:
  backend, input, rows, tokens, padded_tokens, padding_overhead, seconds, paragraphs_per_s, tokens_per_s,
  peak_rss_mb (ru_maxrss of this process: includes model load/export), plus versions and threads.
tokens/padded_tokens are counted before timing with the model's own tokenizer and ST's own batch order.
--out X.npy writes the embeddings (float32, rows in input order, L2-normalised) so that framelens' rows can
be compared to them by cosine.
"""
import argparse
import json
import os
import sys
import time

# Threads must be fixed before torch / numpy / openvino load their thread pools.
_pre = argparse.ArgumentParser(add_help=False)
_pre.add_argument("--threads", type=int, default=2)
_THREADS = _pre.parse_known_args()[0].threads
for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_v] = str(_THREADS)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")

import resource  # noqa: E402

import numpy as np  # noqa: E402


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def padding_counts(model, lines, batch_size):
    """Real and padded token counts for ST's own batching (sorted by -len(text), batches of batch_size)."""
    tok = model.tokenizer
    max_len = model.get_max_seq_length() or 512
    lens = np.array(
        [len(ids) for ids in tok(lines, truncation=True, max_length=max_len, add_special_tokens=True)["input_ids"]]
    )
    order = np.argsort([-model._input_length(s) for s in lines])
    padded = 0
    for i in range(0, len(order), batch_size):
        b = lens[order[i : i + batch_size]]
        padded += int(b.max()) * len(b)
    return int(lens.sum()), padded


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="text file, one paragraph per line")
    ap.add_argument("--backend", choices=["torch", "openvino", "onnx", "onnx-int8"], default="torch")
    ap.add_argument("--work-dir", default=os.path.join("target", "bench", "st-model"),
                    help="writable copy of the model folder for the ONNX exports (onnx, onnx-int8)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--warmup", type=int, default=64, help="rows encoded once before timing")
    ap.add_argument("--repeat", type=int, default=1, help="timed full passes; the fastest is reported")
    home = os.environ.get("FRAMELENS_HOME", os.path.expanduser("~/.cache/framelens"))
    ap.add_argument("--model", default=os.path.join(home, "hf", "all-MiniLM-L6-v2"))
    ap.add_argument("--out", help="write embeddings to this .npy")
    a = ap.parse_args()

    if not os.path.isfile(os.path.join(a.model, "config.json")):
        sys.exit(f"{a.model}: no sentence-transformer model here (run scripts/setup.sh, or pass --model DIR)")
    lines = read_lines(a.input)
    if not lines:
        sys.exit(f"{a.input}: no lines")

    import torch
    from sentence_transformers import SentenceTransformer
    import sentence_transformers

    torch.set_num_threads(a.threads)
    info = {"torch": torch.__version__, "sentence_transformers": sentence_transformers.__version__}

    model_kwargs = {}
    if a.backend == "openvino":
        import openvino

        model_kwargs = {"ov_config": {"PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": str(a.threads)}}
        info["openvino"] = openvino.__version__
    elif a.backend in ("onnx", "onnx-int8"):
        import onnxruntime as ort

        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        so.inter_op_num_threads = 1
        model_kwargs = {"provider": "CPUExecutionProvider", "session_options": so}
        info["onnxruntime"] = ort.__version__

    backend, model_dir = a.backend, a.model
    if a.backend in ("onnx", "onnx-int8"):
        # ST writes its ONNX exports into the model folder: work on a copy, never on the shared cache.
        import shutil

        model_dir = os.path.abspath(a.work_dir)
        if not os.path.isfile(os.path.join(model_dir, "config.json")):
            shutil.copytree(a.model, model_dir, dirs_exist_ok=True)
        backend = "onnx"
    if a.backend == "onnx-int8":
        qfile = os.path.join(model_dir, "onnx", "model_qint8_avx512_vnni.onnx")
        if not os.path.isfile(qfile):
            from sentence_transformers import export_dynamic_quantized_onnx_model

            fp = SentenceTransformer(model_dir, device="cpu", backend="onnx", local_files_only=True)
            fp.save_pretrained(model_dir)  # keeps onnx/model.onnx beside the model
            export_dynamic_quantized_onnx_model(fp, "avx512_vnni", model_dir)
            del fp
        model_kwargs["file_name"] = os.path.join("onnx", "model_qint8_avx512_vnni.onnx")
        info["onnx_file"] = model_kwargs["file_name"]

    t0 = time.perf_counter()
    model = SentenceTransformer(
        model_dir, device="cpu", backend=backend, local_files_only=True, model_kwargs=model_kwargs or None
    )
    load_s = time.perf_counter() - t0

    if a.backend == "openvino":
        try:
            cm = model[0].auto_model.request  # an openvino CompiledModel in optimum-intel 2.x
            if not hasattr(cm, "get_property"):
                cm = cm.get_compiled_model()
            prec = cm.get_property("INFERENCE_PRECISION_HINT")
            info["ov_inference_precision"] = getattr(prec, "type_name", None) or str(prec)
            info["ov_num_threads"] = int(cm.get_property("INFERENCE_NUM_THREADS"))
        except Exception as e:  # informative only
            info["ov_inference_precision"] = f"unknown ({type(e).__name__})"

    tokens, padded = padding_counts(model, lines, a.batch_size)

    enc = dict(batch_size=a.batch_size, show_progress_bar=False, convert_to_numpy=True, normalize_embeddings=True)
    model.encode(lines[: a.warmup], **enc)

    best, emb = None, None
    for _ in range(max(1, a.repeat)):
        t0 = time.perf_counter()
        e = model.encode(lines, **enc)
        dt = time.perf_counter() - t0
        if best is None or dt < best:
            best, emb = dt, e

    if a.out:
        np.save(a.out, np.ascontiguousarray(emb, dtype=np.float32))

    rec = {
        "system": f"sentence-transformers/{a.backend}",
        "backend": a.backend,
        "input": os.path.abspath(a.input),
        "rows": len(lines),
        "tokens": tokens,
        "padded_tokens": padded,
        "padding_overhead": round(padded / tokens - 1.0, 4),
        "seconds": round(best, 3),
        "paragraphs_per_s": round(len(lines) / best, 2),
        "tokens_per_s": round(tokens / best, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "load_seconds": round(load_s, 2),
        "threads": a.threads,
        "batch_size": a.batch_size,
        "max_seq_length": model.get_max_seq_length(),
        **info,
    }
    print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
