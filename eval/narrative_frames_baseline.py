"""Constant baselines for the Narrative Frames Corpus on framelens's dev split (docs/evaluation.md).

Every article gets the same frame set: (a) every frame whose train prevalence is > 0.5, (b) all five frames,
(c) the k most frequent train frames, k chosen on the train part by micro-F1. Scored like `framelens eval
--level article` (SemEval-2023 Task 3 scoring: per-frame F1 = 2tp / (2tp + fp + fn), 1 when undefined;
micro over all frame decisions, macro the mean over frames; articles with no frame are empty gold sets).
The split is framelens's `--holdout 0.2 --split-seed 13` keyed by the article id (see
eval/semeval_constant_baseline.py). Input: the tidy CSV of eval/narrative_frames_labels.py.
Usage (from the repository root): python3 eval/narrative_frames_baseline.py [out/nfc/nfc.csv]"""
import collections
import csv
import hashlib
import struct
import sys

PATH = sys.argv[1] if len(sys.argv) > 1 else "out/nfc/nfc.csv"
FRAMES = ["resolution", "human_interest", "conflict", "moral", "economic"]


def is_dev(key, seed=13, fraction=0.2):
    digest = hashlib.sha256(struct.pack("<Q", seed) + " ".join(key.split()).encode()).digest()
    return struct.unpack("<Q", digest[:8])[0] / 2**64 < fraction


def gold(r):
    return {l for l in r["frames"].split(";") if l}


def ratio(num, den):
    return 1.0 if den == 0 else num / den


def score(pred, rows):
    """pred: one frame set for every row. Returns per-frame (P, R, F1, support), micro-F1, macro-F1."""
    per = {}
    tot = [0, 0, 0]
    for f in FRAMES:
        tp = sum(f in gold(r) and f in pred for r in rows)
        fp = sum(f not in gold(r) and f in pred for r in rows)
        fn = sum(f in gold(r) and f not in pred for r in rows)
        per[f] = (ratio(tp, tp + fp), ratio(tp, tp + fn), ratio(2 * tp, 2 * tp + fp + fn), tp + fn)
        tot = [tot[0] + tp, tot[1] + fp, tot[2] + fn]
    micro = ratio(2 * tot[0], 2 * tot[0] + tot[1] + tot[2])
    return per, micro, sum(v[2] for v in per.values()) / len(FRAMES)


rows = list(csv.DictReader(open(PATH, newline="", encoding="utf-8")))
train = [r for r in rows if not is_dev(r["id"])]
dev = [r for r in rows if is_dev(r["id"])]
prev = {f: sum(f in gold(r) for r in train) / len(train) for f in FRAMES}
print(f"{len(train)} train / {len(dev)} dev articles ({sum(not gold(r) for r in train)} / "
      f"{sum(not gold(r) for r in dev)} with no frame)")
print("train prevalence: " + ", ".join(f"{f} {prev[f]:.2f}" for f in FRAMES))
print("dev support: " + ", ".join(f"{f} {sum(f in gold(r) for r in dev)}" for f in FRAMES))
order = sorted(FRAMES, key=lambda f: -prev[f])
k = max(range(1, 6), key=lambda k: score(set(order[:k]), train)[1])
for name, pred in [
    ("prevalence > 0.5", {f for f in FRAMES if prev[f] > 0.5}),
    ("all five frames", set(FRAMES)),
    (f"{k} most frequent (k on train)", set(order[:k])),
]:
    per, micro, macro = score(pred, dev)
    _, tmicro, tmacro = score(pred, train)
    print(f"\n{name}: {{{', '.join(f for f in FRAMES if f in pred)}}}: dev micro-F1 {micro:.3f}, macro-F1 "
          f"{macro:.3f} (train {tmicro:.3f} / {tmacro:.3f})")
    print("| frame | P | R | F1 | support |")
    for f in FRAMES:
        p, r_, f1, n = per[f]
        print(f"| {f} | {p:.3f} | {r_:.3f} | {f1:.3f} | {n} |")
