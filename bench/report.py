#!/usr/bin/env python3
"""Turn the raw records of bench/run.sh into target/bench/encoder-report.md (and results.json).

Reads, under BENCH_DIR/raw/:
  framelens_<input>[_<prec>].json   `framelens bench encode --json` records (timing, tokens, padding, RSS)
  framelens_<input>_<prec>.npy      `framelens embed --truncate --precision <prec>` embeddings
  framelens_<input>_<prec>.log/.time  that embed run's stderr and /usr/bin/time (used for timing only
                                    when the binary has no `bench encode` subcommand)
  st.jsonl                          one record per st_baseline.py run
  st_<input>_<backend>.npy          its embeddings
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess
from pathlib import Path

import numpy as np

LABELS = {"fixture_x4": "parity fixture ×4", "news_2000": "news paragraphs"}
GOALS = [  # (numerator system, denominator system, minimum ratio) from issue 8
    ("framelens/bf16", "sentence-transformers/torch", 2.2),
    ("framelens/bf16", "sentence-transformers/openvino", 1.1),
    ("framelens/fp32", "sentence-transformers/torch", 1.2),
]


def cosine_rows(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


def parse_embed_log(log: Path, time_file: Path):
    """Timing from `framelens embed -v` stderr: 'embedded N paragraphs (W windows, T tokens) in Xs: ...'."""
    text = log.read_text(errors="replace") if log.exists() else ""
    m = re.search(r"embedded (\d+) paragraphs \((\d+) windows, (\d+) tokens\) in ([\d.]+)(ms|s)", text)
    if not m:
        return None
    rows, _, tokens, secs, unit = m.groups()
    secs = float(secs) / (1000.0 if unit == "ms" else 1.0)
    rec = {"rows": int(rows), "tokens": int(tokens), "seconds": secs,
           "paragraphs_per_s": int(rows) / secs, "tokens_per_s": int(tokens) / secs}
    if time_file.exists():
        t = time_file.read_text()
        m = re.search(r"peak_rss_kb=(\d+)", t)
        if m:
            rec["peak_rss_mb"] = int(m.group(1)) / 1024.0
    return rec


def fmt(x, nd=1):
    if x is None:
        return "–"
    return f"{x:,.{nd}f}"


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench-dir", required=True)
    ap.add_argument("--framelens", required=True)
    ap.add_argument("--inputs", nargs="+", required=True)
    ap.add_argument("--backends", nargs="+", required=True)
    ap.add_argument("--have-bench", type=int, default=1)
    a = ap.parse_args()
    bd = Path(a.bench_dir)
    raw = bd / "raw"

    # ---- collect records: recs[(system, input)] = dict
    recs = {}
    for line in (raw / "st.jsonl").read_text().splitlines() if (raw / "st.jsonl").exists() else []:
        r = json.loads(line)
        name = Path(r["input"]).stem
        r["source"] = "st_baseline.py"
        recs[(r["system"], name)] = r
    for name in a.inputs:
        bench = []  # one file per input (both precisions) or one per input and precision
        for bench_json in [raw / f"framelens_{name}.json"] + [raw / f"framelens_{name}_{p}.json" for p in ("fp32", "bf16")]:
            if bench_json.exists():
                bench += json.loads(bench_json.read_text())
        for p in ("fp32", "bf16"):
            r = next((x for x in bench if x.get("precision") == p), None)
            if r is not None:
                r = dict(r, source="framelens bench encode")
            else:
                r = parse_embed_log(raw / f"framelens_{name}_{p}.log", raw / f"framelens_{name}_{p}.time")
                if r is not None:
                    r["source"] = "framelens embed -v (whole run; no `bench encode`)"
            if r is not None:
                r["system"] = f"framelens/{p}"
                recs[(r["system"], name)] = r

    # ---- cosine against the torch baseline's rows
    for name in a.inputs:
        ref_path = raw / f"st_{name}_torch.npy"
        if not ref_path.exists():
            continue
        ref = np.load(ref_path)
        cands = {f"framelens/{p}": raw / f"framelens_{name}_{p}.npy" for p in ("fp32", "bf16")}
        cands.update({f"sentence-transformers/{b}": raw / f"st_{name}_{b}.npy" for b in a.backends if b != "torch"})
        for system, path in cands.items():
            if path.exists() and (system, name) in recs:
                x = np.load(path)
                if x.shape != ref.shape:
                    recs[(system, name)]["cosine_error"] = f"shape {x.shape} vs {ref.shape}"
                    continue
                c = cosine_rows(x.astype(np.float64), ref.astype(np.float64))
                recs[(system, name)]["cosine_mean"] = float(c.mean())
                recs[(system, name)]["cosine_min"] = float(c.min())

    systems = [f"sentence-transformers/{b}" for b in a.backends] + ["framelens/fp32", "framelens/bf16"]
    torch_sys = "sentence-transformers/torch"

    def pps(system, name):
        r = recs.get((system, name))
        return r.get("paragraphs_per_s") if r else None

    # ---- main table
    L = []
    head = ["system"]
    for name in a.inputs:
        lab = LABELS.get(name, name)
        head += [f"{lab}: para/s", "× torch"]
    head += ["tokens/s (" + " / ".join(LABELS.get(n, n).split()[0] for n in a.inputs) + ")",
             "padding overhead", "peak RSS MB"]
    head += [f"cosine to ST torch, {LABELS.get(n, n).split()[0]} (mean / min)" for n in a.inputs]
    L.append("| " + " | ".join(head) + " |")
    L.append("|" + "---|" * len(head))
    for s in systems:
        row = [s.replace("sentence-transformers/", "sentence-transformers, ").replace("framelens/", "framelens ")]
        if s == "sentence-transformers/openvino":
            prec = next((recs[(s, n)].get("ov_inference_precision") for n in a.inputs if (s, n) in recs), None)
            if prec:
                row[0] += f" ({prec})"
        for name in a.inputs:
            v, t = pps(s, name), pps(torch_sys, name)
            row += [fmt(v), (f"{v / t:.2f}×" if v and t else "–")]
        row.append(" / ".join(fmt(recs.get((s, n), {}).get("tokens_per_s"), 0) for n in a.inputs))
        po = []
        for n in a.inputs:
            r = recs.get((s, n), {})
            po.append(f"{100 * r['padding_overhead']:.0f}%" if r.get("padding_overhead") is not None else "–")
        row.append(" / ".join(po))
        row.append(" / ".join(fmt(recs.get((s, n), {}).get("peak_rss_mb"), 0) for n in a.inputs))
        for n in a.inputs:
            r = recs.get((s, n), {})
            if s == torch_sys:
                row.append("reference")
            elif "cosine_mean" in r:
                row.append(f"{r['cosine_mean']:.6f} / {r['cosine_min']:.6f}")
            else:
                row.append(r.get("cosine_error", "–"))
        L.append("| " + " | ".join(row) + " |")

    # ---- goals
    G = []
    for num, den, goal in GOALS:
        if den.split("/")[-1] not in a.backends:
            continue
        cells = []
        for n in a.inputs:
            v, d = pps(num, n), pps(den, n)
            if v and d:
                cells.append(f"{LABELS.get(n, n)} {v / d:.2f}× {'✓' if v / d >= goal else '✗'}")
            else:
                cells.append(f"{LABELS.get(n, n)} –")
        G.append(f"- {num} ≥ {goal}× {den}: " + "; ".join(cells))

    # ---- details
    D = ["| system | input | rows | tokens | tokens/row | padded tokens | seconds | para/s | tokens/s | peak RSS MB | timing from |",
         "|---|---|---|---|---|---|---|---|---|---|---|"]
    for n in a.inputs:
        for s in systems:
            r = recs.get((s, n))
            if not r:
                D.append(f"| {s} | {n} | missing | | | | | | | | |")
                continue
            tpr = r["tokens"] / r["rows"] if r.get("tokens") and r.get("rows") else None
            D.append("| " + " | ".join([
                s, n, str(r.get("rows", "–")), str(r.get("tokens", "–")), fmt(tpr), str(r.get("padded_tokens", "–")),
                fmt(r.get("seconds"), 2), fmt(r.get("paragraphs_per_s")), fmt(r.get("tokens_per_s"), 0),
                fmt(r.get("peak_rss_mb"), 0), r.get("source", "")]) + " |")

    # ---- context
    try:
        fl_version = subprocess.run([a.framelens, "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        fl_version = "?"
    st_any = next((recs[k] for k in recs if k[0].startswith("sentence-transformers")), {})
    build = "release" if "/release/" in a.framelens else ("debug (dependencies optimised)" if "/debug/" in a.framelens else "?")
    load0 = (raw / "loadavg_start.txt").read_text().split()[:3] if (raw / "loadavg_start.txt").exists() else ["?"]
    load1 = (raw / "loadavg_end.txt").read_text().split()[:3] if (raw / "loadavg_end.txt").exists() else ["?"]
    ctx = [
        f"- Run: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}, {cpu_model()}, {os.cpu_count()} cores; "
        f"load average {' '.join(load0)} before, {' '.join(load1)} after.",
        f"- framelens: `{a.framelens}` ({build}), {fl_version}; `--truncate`, default threads and batching.",
        f"- sentence-transformers {st_any.get('sentence_transformers', '?')}, torch {st_any.get('torch', '?')}"
        + (f", OpenVINO {st_any.get('openvino', recs.get(('sentence-transformers/openvino', a.inputs[0]), {}).get('openvino', '?'))}"
           if "openvino" in a.backends else "")
        + f"; {st_any.get('threads', 2)} threads, batch size {st_any.get('batch_size', 32)}, max_seq_length "
          f"{st_any.get('max_seq_length', 256)}; warm-up on 64 rows, then one timed pass.",
        "- Inputs: " + "; ".join(
            f"{LABELS.get(n, n)} (`{n}.txt`, {recs.get((torch_sys, n), {}).get('rows', '?')} rows, "
            f"{fmt(recs[(torch_sys, n)]['tokens'] / recs[(torch_sys, n)]['rows']) if (torch_sys, n) in recs else '?'} "
            "tokens per row after truncation at 256)" for n in a.inputs) + ".",
        "- Peak RSS is each process's maximum resident set (model load included). sentence-transformers' "
        "figure includes torch's CUDA libraries, which the PyPI wheel loads even on a CPU-only machine.",
        "- Padding overhead = padded tokens / real tokens − 1 (sentence-transformers: batches of 32 sorted by "
        "character length, each padded to its longest row).",
    ]
    cont = raw / "contention.tsv"
    if cont.exists():
        last = {}
        for line in cont.read_text().splitlines():
            label, tries, other = line.split("\t")
            last[label] = (int(tries), int(other))
        ctx.append("- CPU taken by other processes during each reported run (its try number): " + "; ".join(
            f"{label} {other}% (try {t})" for label, (t, other) in last.items()) + ".")
    warn = raw / "warnings.txt"
    if warn.exists():
        ctx += [f"- **Warning**: {w}" for w in warn.read_text().splitlines() if w.strip()]
    if not a.have_bench:
        ctx.append("- This framelens binary has no `bench encode` subcommand yet: its timings are the whole "
                   "`framelens embed` run after model load as the binary reports it (one pass, no warm-up, "
                   "reading and writing files included), and its peak RSS is that process's.")

    md = ["# Encoder benchmark: framelens vs sentence-transformers", "",
          "Written by `bench/run.sh` (see `bench/README.md`). Same input, same machine, one system after the "
          "other in one session.", "", *L, "", "Goals (issue 8):", "", *G, "", "Context:", "", *ctx, "",
          "## Every run", "", *D, ""]
    for n in a.inputs:
        for suffix in ("", "_fp32", "_bf16"):
            p = raw / f"framelens_{n}{suffix}.md"
            if p.exists():
                md += [f"### `framelens bench encode` output, {n}{suffix.replace('_', ', ')}", "",
                       p.read_text().rstrip(), ""]
    (bd / "encoder-report.md").write_text("\n".join(md))
    (bd / "results.json").write_text(json.dumps(
        [dict(r, input_name=k[1]) for k, r in sorted(recs.items())], indent=1, default=float))


if __name__ == "__main__":
    main()
