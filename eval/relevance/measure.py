"""Topic relevance measured through the real pipeline (docs/evaluation.md, "Relevance").

  python3 eval/relevance/measure.py prepare OUT_DIR   # writes the corpora
  (framelens run on each, see measure.sh)
  python3 eval/relevance/measure.py score OUT_DIR     # prints kept / rejected shares
  python3 eval/relevance/measure.py prepare-zh OUT_DIR [test|dev]; score-zh OUT_DIR   (measure_zh.sh)

On-topic: the *test* split of eval/relevance/on_topic.jsonl (the dev split is the codebook's
topic_examples and chose the threshold) and the sample corpus. Off-topic: real news paragraphs from the
ABP 4,000-article sample, articles whose ID hashes to the test half (sha256(ID) odd), paragraphs mentioning
the topic's keywords set aside (counted, not scored). Chinese (`measure_zh.sh`, `--model multilingual`):
on-topic, the Chinese test set eval/zh (test) or the Chinese sample corpus (dev); off-topic, the matching split of
off_topic_zh.jsonl (Chinese news written for framelens, no paragraph on the topic). Standard library only.
"""
import csv, hashlib, json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("FRAMELENS_SHARED", os.path.join(HERE, "..", "..", "..", "shared"))
ABP = os.path.join(SHARED, "datasets", "article_bias_prediction", "abp_sample_4000.jsonl")
KEYWORDS = re.compile(r"scam|traffick|myanmar|cambodia|laos|compound|fraud|crackdown|casino|repatriat|extradit", re.I)
N_ARTICLES = int(os.environ.get("RELEVANCE_ARTICLES", "300"))


def half(article_id):
    return "dev" if int(hashlib.sha256(article_id.encode()).hexdigest(), 16) % 2 == 0 else "test"


def prepare(out):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "on_test.jsonl"), "w") as f:
        for line in open(os.path.join(HERE, "on_topic.jsonl")):
            r = json.loads(line)
            if r["split"] == "test":
                f.write(json.dumps({"id": r["id"], "text": r["text"], "outlet": r["register"]}) + "\n")
    n = 0
    with open(os.path.join(out, "off_test.jsonl"), "w") as f:
        for line in open(ABP):
            a = json.loads(line)
            if half(a["ID"]) != "test":
                continue
            f.write(json.dumps({"id": a["ID"], "text": a["content_original"], "outlet": a["source"],
                                "date": a["date"]}) + "\n")
            n += 1
            if n >= N_ARTICLES:
                break


def body(run):
    with open(os.path.join(run, "paragraphs.csv"), newline="") as f:
        return [r for r in csv.DictReader(f) if r["kind"] == "body"]


def score(out):
    def kept(rows):
        return sum(r["frame"] != "other" for r in rows), len(rows)
    for name in ["on_test", "sample"]:
        k, n = kept(body(os.path.join(out, "run_" + name)))
        print(f"{name:10s} on-topic kept      {k}/{n} = {k / n:.3f}")
    rows = body(os.path.join(out, "run_off_test"))
    scored = [r for r in rows if not KEYWORDS.search(r["text"])]
    k, n = kept(scored)
    print(f"off_test   off-topic rejected {n - k}/{n} = {(n - k) / n:.3f} "
          f"({len(rows) - n} paragraphs naming the topic's keywords set aside)")


def prepare_zh(out, split="test"):
    os.makedirs(out, exist_ok=True)
    root = os.path.join(HERE, "..", "..")
    if split == "test":  # dev: the Chinese sample corpus, read in place by the run
        with open(os.path.join(out, "on_zh.jsonl"), "w", encoding="utf-8") as f, \
                open(os.path.join(root, "eval", "zh", "paragraphs.csv"), newline="", encoding="utf-8") as g:
            for r in csv.DictReader(g):
                f.write(json.dumps({"id": r["id"], "text": r["text"], "outlet": r["lang"]}, ensure_ascii=False) + "\n")
    with open(os.path.join(out, "off_zh.jsonl"), "w", encoding="utf-8") as f:
        for line in open(os.path.join(HERE, "off_topic_zh.jsonl"), encoding="utf-8"):
            r = json.loads(line)
            if r["split"] == split:
                f.write(json.dumps({"id": r["id"], "text": r["text"], "outlet": r["register"]}, ensure_ascii=False) + "\n")


def score_zh(out):
    rows = body(os.path.join(out, "run_on_zh"))
    k = sum(r["frame"] != "other" for r in rows)
    print(f"on_zh      on-topic kept      {k}/{len(rows)} = {k / len(rows):.3f}")
    rows = body(os.path.join(out, "run_off_zh"))
    k = sum(r["frame"] != "other" for r in rows)
    print(f"off_zh     off-topic rejected {len(rows) - k}/{len(rows)} = {(len(rows) - k) / len(rows):.3f}")


if __name__ == "__main__":
    cmd = {"prepare": prepare, "score": score, "prepare-zh": prepare_zh, "score-zh": score_zh}[sys.argv[1]]
    cmd(*sys.argv[2:])
