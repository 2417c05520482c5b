"""Constant baseline for SemEval-2023 Task 3 subtask 2 on framelens's dev split (docs/evaluation.md): every
article gets the k most frequent frames of the train part, k chosen on the train part by micro-F1. The split
is framelens's `--holdout 0.2 --split-seed 13` keyed by article_id: dev iff the first 8 bytes of
sha256(seed as u64 little-endian + key), read little-endian, are below 0.2 * 2^64.
Run from the repository root: python3 eval/semeval_constant_baseline.py"""
import collections
import csv
import hashlib
import struct

PATH = "../shared/datasets/semeval2023_t3/semeval2023_t3_en_subtask2_articles.csv"


def is_dev(key, seed=13, fraction=0.2):
    digest = hashlib.sha256(struct.pack("<Q", seed) + " ".join(key.split()).encode()).digest()
    return struct.unpack("<Q", digest[:8])[0] / 2**64 < fraction


def micro_f1(pred, rows):
    tp = fp = fn = 0
    for r in rows:
        gold = {l for l in r["frames"].split(",") if l}
        tp, fp, fn = tp + len(gold & pred), fp + len(pred - gold), fn + len(gold - pred)
    return 2 * tp / (2 * tp + fp + fn)


rows = list(csv.DictReader(open(PATH)))
train = [r for r in rows if not is_dev(r["article_id"])]
dev = [r for r in rows if is_dev(r["article_id"])]
order = [l for l, _ in collections.Counter(l for r in train for l in r["frames"].split(",") if l).most_common()]
k = max(range(1, len(order) + 1), key=lambda k: micro_f1(set(order[:k]), train))
print(f"{len(train)} train / {len(dev)} dev articles; k = {k}: {', '.join(order[:k])}")
print(f"micro-F1 train {micro_f1(set(order[:k]), train):.3f}, dev {micro_f1(set(order[:k]), dev):.3f}")
