#!/usr/bin/env python3
"""Writes tests/fixtures/mpnet-parity/: sentence-transformers' own all-mpnet-base-v2 embeddings of the first
rows and the edge-case rows of ../shared/fixtures/minilm-parity/paras.txt, the reference framelens' MPNet graph
is tested against (tests/encoder_parity_mpnet.rs).

The paragraphs are not copied into the repository: the fixture names the rows it used and the test reads
their text from ../shared at run time. Needs torch and sentence-transformers (any recent version; the one used
is recorded) and the Hugging Face folder of the model (scripts/setup.sh mpnet puts it in
$FRAMELENS_HOME/hf/all-mpnet-base-v2):

    python3 -m venv /tmp/stv && /tmp/stv/bin/pip install torch sentence-transformers
    /tmp/stv/bin/python scripts/mpnet_parity_fixture.py [HF_FOLDER]
"""
import hashlib
import json
import os
import sys

import numpy as np
import sentence_transformers
import torch
from sentence_transformers import SentenceTransformer

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PARAS = os.path.join(REPO, "..", "shared", "fixtures", "minilm-parity", "paras.txt")
OUT = os.path.join(REPO, "tests", "fixtures", "mpnet-parity")
# The first 96 paragraphs (1-6 sentences of commentary) and the five edge cases (rows 500-504: non-Latin
# script and emoji, a two-word line, a line far over the 384-token limit, accents and full-width forms,
# tabs/NBSP/zero-width characters). Small enough to embed in every CI run in each precision.
ROWS = list(range(96)) + list(range(500, 505))


def main():
    home = os.environ.get("FRAMELENS_HOME", os.path.expanduser("~/.cache/framelens"))
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(home, "hf", "all-mpnet-base-v2")
    with open(PARAS, encoding="utf-8") as f:
        lines = f.read().split("\n")
    texts = [lines[i] for i in ROWS]
    torch.manual_seed(0)
    model = SentenceTransformer(folder, device="cpu")
    emb = model.encode(texts, batch_size=16, normalize_embeddings=True, convert_to_numpy=True).astype("<f4")
    tokens = [len(model.tokenizer(t, truncation=True, max_length=model.max_seq_length)["input_ids"]) for t in texts]
    with open(os.path.join(folder, "model.safetensors"), "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    os.makedirs(OUT, exist_ok=True)
    emb.tofile(os.path.join(OUT, "reference.f32"))
    meta = {
        "model": "sentence-transformers/all-mpnet-base-v2",
        "model_safetensors_sha256": sha,
        "paragraphs": "../shared/fixtures/minilm-parity/paras.txt",
        "rows": ROWS,
        "dim": int(emb.shape[1]),
        "dtype": "float32 little-endian, row-major",
        "normalized": True,
        "max_seq_length": model.max_seq_length,
        "truncation": "sentence-transformers default: inputs cut at max_seq_length tokens",
        "tokens_per_row": tokens,
        "made_with": {
            "torch": torch.__version__,
            "sentence_transformers": sentence_transformers.__version__,
            "numpy": np.__version__,
        },
    }
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"wrote {len(ROWS)} x {emb.shape[1]} to {OUT}; tokens max {max(tokens)}")


if __name__ == "__main__":
    main()
