"""Topic relevance on news *near* the topic: a keyword-drawn corpus coded paragraph by paragraph.

The ABP China/Asia/trafficking subset (762 articles drawn by keyword) is what a user would feed framelens, and
almost none of it is about crackdowns on transnational organised crime. 320 of its body paragraphs, drawn at
random (seed 20261207, 160 from each half of the articles split by sha256(ID) as in measure.py), were coded on
or off the topic by the framelens developers under near_topic_guide.md, blind to any score:
near_topic_gold.csv (`key` = doc_id#para_index, the paragraph's text as sha256 only: the text is public data,
read from ../shared at run time). docs/evaluation.md, "Near the topic", has the figures.

  python3 eval/relevance/near_topic.py articles OUT.jsonl        # the coded paragraphs' 245 articles
  framelens run OUT.jsonl --codebook C --out RUN --id-field ID --text-field content_original \
      --outlet-field source --title-field title --no-compare      # (near_topic.sh does both)
  python3 eval/relevance/near_topic.py score RUN                 # per half: kept, rejected, AUC
  python3 eval/relevance/near_topic.py variant N OUT.toml        # the codebook with N candidates per subject
  python3 eval/relevance/near_topic.py sample RUN OUT_DIR        # how the 320 were drawn (from a full run)

`variant` writes the shipped codebook with its `off_topic_examples` replaced by the first N of each subject's 8
in near_topic_candidates.txt and `relevance_threshold = 0.04`; `framelens codebook check` on it scores the 60
on-topic dev paragraphs (the topic_examples, each without itself) as a run would: near_topic.sh does this for
N = 0, 2, 4, 6, 8, the choice of how many examples the codebook may carry before on-topic recall falls under
0.95.
Standard library only.
"""
import csv, hashlib, json, os, random, sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("FRAMELENS_SHARED", os.path.join(HERE, "..", "..", "..", "shared"))
SUBSET = os.path.join(SHARED, "datasets", "article_bias_prediction", "abp_subset_china_asia_trafficking.jsonl")
GOLD = os.path.join(HERE, "near_topic_gold.csv")
csv.field_size_limit(1 << 30)


def half(article_id):
    return "dev" if int(hashlib.sha256(article_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def gold():
    with open(GOLD, newline="") as f:
        return list(csv.DictReader(f))


def run_rows(run):
    with open(os.path.join(run, "paragraphs.csv"), newline="") as f:
        return {f"{r['doc_id']}#{r['para_index']}": r for r in csv.DictReader(f)}


def sample(run, out):
    rows = [r for r in run_rows(run).values() if r["kind"] == "body"]
    random.seed(20261207)
    os.makedirs(out, exist_ok=True)
    for part in ["dev", "test"]:
        pool = [r for r in rows if half(r["doc_id"]) == part]
        drawn = sorted(random.sample(pool, 160), key=lambda r: (r["doc_id"], int(r["para_index"])))
        with open(os.path.join(out, f"{part}_to_code.jsonl"), "w") as f:
            for r in drawn:
                f.write(json.dumps({"key": f"{r['doc_id']}#{r['para_index']}", "title": r["title"],
                                    "text": r["text"]}) + "\n")


def articles(out):
    ids = {g["key"].split("#")[0] for g in gold()}
    with open(SUBSET) as src, open(out, "w") as dst:
        for line in src:
            if json.loads(line)["ID"] in ids:
                dst.write(line)


def auc(pos, neg):
    pairs = [1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg]
    return sum(pairs) / len(pairs) if pairs else float("nan")


def score(run):
    rows, coded_rows = run_rows(run), gold()
    for g in coded_rows:
        r = rows[g["key"]]
        if hashlib.sha256(r["text"].encode()).hexdigest() != g["text_sha256"]:
            sys.exit(f"{g['key']}: the paragraph's text differs from the coded one (segmentation changed?)")
    for split in ["dev", "test"]:
        coded = [(rows[g["key"]], g["on_topic"] == "1") for g in coded_rows if g["split"] == split]
        on = [r for r, t in coded if t]
        off = [r for r, t in coded if not t]
        kept_on = sum(r["frame"] != "other" for r in on)
        rej_off = sum(r["frame"] == "other" for r in off)
        rel = lambda rs: [float(r["relevance"]) for r in rs]
        print(f"{split:4s} on-topic kept {kept_on}/{len(on)} · off-topic rejected {rej_off}/{len(off)} = "
              f"{rej_off / len(off):.3f} · AUC {auc(rel(on), rel(off)):.3f}")


def variant(per, out):
    """The shipped codebook with the first `per` candidates of each subject as its off-topic examples."""
    root = os.path.join(HERE, "..", "..")
    with open(os.path.join(root, "models", "codebooks", "enforcement-discourse.toml")) as f:
        lines = f.read().split("\n")
    start = lines.index("off_topic_examples = [")
    end = lines.index("]", start)
    with open(os.path.join(HERE, "near_topic_candidates.txt")) as f:
        near = [line.strip() for line in f if line.strip()]
    chosen = [t for i, t in enumerate(near) if i % 8 < per]
    block = ["relevance_threshold = 0.04", "off_topic_examples = ["] + [f"  {json.dumps(t)}," for t in chosen] + ["]"]
    with open(out, "w") as f:
        f.write("\n".join(lines[:start] + block + lines[end + 1:]))


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "sample":
        sample(sys.argv[2], sys.argv[3])
    elif cmd == "articles":
        articles(sys.argv[2])
    elif cmd == "score":
        score(sys.argv[2])
    elif cmd == "variant":
        variant(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(__doc__)
