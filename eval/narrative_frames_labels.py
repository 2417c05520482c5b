"""Narrative Frames Corpus (Frermann et al. 2023) -> tidy CSV for framelens (docs/evaluation.md).

Reads narrative_frames_articles_clean.csv (five 0/1 columns frame_resolution, frame_human_interest,
frame_conflict, frame_moral, frame_economic) and writes one row per labelled article:

  id, source, mbfc, date, frames, text, text_paras

- `frames`: the article's frame ids (the codebook eval/codebooks/narrative-frames.toml), `;`-separated, in
  codebook order. An article coded with none of the five frames (35 of 313) gets `none`: "coded, no frame",
  the empty label set for `framelens eval --level article`, `train` and `eval --data` alike (an empty cell
  would mean "not coded yet" and be skipped; see docs/evaluation.md).
- The one article without annotations (ID 405, all frame cells empty) is left out.
- `text`: the article as given (one block: the corpus has no paragraph breaks).
- `text_paras`: the same text with a blank line after every 3rd sentence (sentences split with a simple
  regular expression that does not break after initials such as "U.N." or titles such as "Rep."), so that `framelens run` sees pseudo-paragraphs and the paragraph -> article
  reduction (`eval --share-threshold`) has something to count. Whitespace inside sentences is unchanged.

Usage (from the repository root): python3 eval/narrative_frames_labels.py [SRC.csv] [OUT.csv]
Defaults: ../shared/datasets/narrative_frames_corpus/narrative_frames_articles_clean.csv, out/nfc/nfc.csv"""
import csv
import os
import re
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else "../shared/datasets/narrative_frames_corpus/narrative_frames_articles_clean.csv"
OUT = sys.argv[2] if len(sys.argv) > 2 else "out/nfc/nfc.csv"
FRAMES = ["resolution", "human_interest", "conflict", "moral", "economic"]
SENTENCES_PER_PARA = 3
# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace and a capital,
# digit or opening quote.
BOUNDARY = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’)\]]))\s+(?=[A-Z0-9\"“‘(])")


# No break after initials and common abbreviations ("U.N.", "Rep.", "Jan.").
ABBREV = re.compile(r"(?:\b[A-Z]\.)+$|\b(?:Mr|Mrs|Ms|Dr|Rep|Reps|Sen|Sens|Gov|Gen|Lt|Col|St|Jr|Sr|Prof|Inc|Co|Corp|Ltd|No|vs|Jan|Feb|Mar|Apr|Aug|Sept|Sep|Oct|Nov|Dec)\.$")


def paragraphs(text):
    sents = []
    for s in BOUNDARY.split(" ".join(text.split())):
        if sents and ABBREV.search(sents[-1]):
            sents[-1] += " " + s
        elif s:
            sents.append(s)
    return "\n\n".join(" ".join(sents[i : i + SENTENCES_PER_PARA]) for i in range(0, len(sents), SENTENCES_PER_PARA))


def main():
    rows = list(csv.DictReader(open(SRC, newline="", encoding="utf-8")))
    out, skipped, empty = [], 0, 0
    for r in rows:
        cells = [r[f"frame_{f}"].strip() for f in FRAMES]
        if all(c == "" for c in cells):
            skipped += 1
            continue
        if any(c not in ("0", "1", "0.0", "1.0") for c in cells):
            sys.exit(f"{SRC}: article {r['ID']}: unexpected frame cells {cells}")
        frames = [f for f, c in zip(FRAMES, cells) if float(c) == 1.0]
        empty += not frames
        out.append(
            {
                "id": r["ID"].strip(),
                "source": r["source_norm"].strip() or r["source"].strip(),
                "mbfc": r["mbfc"].strip(),
                "date": r["date"].strip(),
                "frames": ";".join(frames) or "none",
                "text": r["text"].strip(),
                "text_paras": paragraphs(r["text"]),
            }
        )
    os.makedirs(os.path.dirname(OUT) or ".", exist_ok=True)
    with open(OUT, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(out[0]))
        w.writeheader()
        w.writerows(out)
    print(f"{OUT}: {len(out)} articles ({empty} with no frame, empty `frames`); {skipped} unannotated left out")


if __name__ == "__main__":
    main()
