#!/usr/bin/env python3
"""Write the three benchmark inputs of framelens' encoder benchmark (one paragraph per line).

  fixture_x4.txt : the parity fixture (shared/fixtures/minilm-parity/paras.txt, 505 rows) repeated 4 times
                   (2,020 lines), the same input the design notes' numbers were measured on.
  zh_2000.txt    : Chinese commentary paragraphs written for this project (the body paragraphs of
                   corpora/sample-zh and the texts of eval/zh/paragraphs.csv, distinct, of 40-1,500
                   characters), cycled to 2,000 lines. No public Chinese news set is available here, so
                   the lines repeat; encoders do not cache, so the timing is still one encode per line.
  news_2000.txt  : the first 2,000 real news paragraphs of the Article-Bias-Prediction sample
                   (shared/datasets/article_bias_prediction/abp_sample_4000.jsonl, field content_original),
                   in file order; article bodies split on newlines (blank or not), internal whitespace
                   collapsed, paragraphs of 40-1,500 characters kept.

Usage: make_inputs.py [OUT_DIR] [--shared DIR] [--tokenizer tokenizer.json] [--limit N]
Needs only the Python standard library; prints token counts when the `tokenizers` package is importable
and a tokenizer.json is found (the bench venv has it).
"""
import argparse
import json
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE.parent / "target" / "bench"
DEFAULT_SHARED = HERE.parent.parent / "shared"  # /work/main/bench -> /work/shared
N_NEWS = 2000
MIN_CHARS, MAX_CHARS = 40, 1500
WS = re.compile(r"\s+")


def news_paragraphs(jsonl: Path, n: int):
    out = []
    with jsonl.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            body = json.loads(line).get("content_original") or ""
            for para in re.split(r"[\r\n]+", body):
                para = WS.sub(" ", para).strip()
                if MIN_CHARS <= len(para) <= MAX_CHARS:
                    out.append(para)
                    if len(out) == n:
                        return out
    raise SystemExit(f"{jsonl}: only {len(out)} paragraphs of {MIN_CHARS}-{MAX_CHARS} chars, need {n}")


def zh_paragraphs(repo: Path, n: int):
    """The repository's own Chinese paragraphs, distinct, in a fixed order, cycled to `n` lines."""
    import csv

    seen, distinct = set(), []

    def keep(para):
        para = WS.sub(" ", para).strip()
        if MIN_CHARS <= len(para) <= MAX_CHARS and para not in seen:
            seen.add(para)
            distinct.append(para)

    for md in sorted((repo / "corpora" / "sample-zh").glob("*/*.md")):
        text = md.read_text(encoding="utf-8")
        if text.startswith("---\n"):
            text = text[4:].partition("\n---\n")[2]
        for para in re.split(r"\n\s*\n", text):
            if not para.lstrip().startswith("#"):
                keep(para)
    with (repo / "eval" / "zh" / "paragraphs.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            keep(row["text"])
    if not distinct:
        raise SystemExit(f"{repo}: no Chinese paragraphs found in corpora/sample-zh or eval/zh")
    return [distinct[i % len(distinct)] for i in range(n)], len(distinct)


def token_stats(lines, tokenizer_json):
    try:
        from tokenizers import Tokenizer
    except ImportError:
        return None
    if not tokenizer_json or not Path(tokenizer_json).is_file():
        return None
    tok = Tokenizer.from_file(str(tokenizer_json))
    tok.no_padding()
    tok.enable_truncation(256)  # sentence-transformers' max_seq_length for all-MiniLM-L6-v2
    lens = [len(e.ids) for e in tok.encode_batch(lines)]
    return sum(lens) / len(lens), sum(1 for n in lens if n >= 256)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", nargs="?", default=str(DEFAULT_OUT))
    ap.add_argument("--limit", type=int, default=0, help="keep only the first N lines of each (smoke tests)")
    ap.add_argument("--shared", default=os.environ.get("FRAMELENS_SHARED", str(DEFAULT_SHARED)))
    home = os.environ.get("FRAMELENS_HOME", os.path.expanduser("~/.cache/framelens"))
    ap.add_argument("--tokenizer", default=os.path.join(home, "hf", "all-MiniLM-L6-v2", "tokenizer.json"))
    a = ap.parse_args()

    shared = Path(a.shared)
    out = Path(a.out_dir)
    out.mkdir(parents=True, exist_ok=True)

    fixture = (shared / "fixtures" / "minilm-parity" / "paras.txt").read_text(encoding="utf-8").split("\n")
    if fixture and fixture[-1] == "":
        fixture.pop()
    if len(fixture) != 505:
        print(f"warning: parity fixture has {len(fixture)} rows, expected 505", file=sys.stderr)
    fx4 = fixture * 4
    news = news_paragraphs(shared / "datasets" / "article_bias_prediction" / "abp_sample_4000.jsonl", N_NEWS)
    zh, zh_distinct = zh_paragraphs(HERE.parent, N_NEWS)
    print(f"zh_2000.txt: {zh_distinct} distinct Chinese paragraphs, cycled")

    for name, lines in (("fixture_x4.txt", fx4), ("news_2000.txt", news), ("zh_2000.txt", zh)):
        if a.limit:
            lines = lines[: a.limit]
        # A line must stay one paragraph: no embedded newlines survive the split/collapse above, but the
        # fixture's edge-case rows may hold other separators; keep them as they are (framelens reads lines).
        path = out / name
        path.write_text("".join(l + "\n" for l in lines), encoding="utf-8")
        chars = sum(len(l) for l in lines) / len(lines)
        msg = f"{path}: {len(lines)} paragraphs, {chars:.0f} chars mean"
        st = token_stats(lines, a.tokenizer)
        if st:
            msg += f", {st[0]:.1f} tokens mean after truncation at 256 ({st[1]} truncated)"
        print(msg)


if __name__ == "__main__":
    main()
