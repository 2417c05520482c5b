//! `framelens run` end to end with the real binary and model: the sample corpus, the seed article, and bad
//! input that must be reported without losing the rest of the corpus. Only the sample corpus' agreement floors
//! are about the default encoder; every other test here checks segmentation, rejects or the CLI, so it runs
//! all-MiniLM-L6-v2 (`FRAMELENS_MODEL=minilm`, about five times faster than MPNet): CI time.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use framelens::run::labels::STANCE_LABELS;
use framelens::run::tables::STANCE_SCORE_PREFIX;

const CODEBOOK: &str = "models/codebooks/enforcement-discourse.toml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn framelens() -> Command {
    let mut c = Command::cargo_bin("framelens").unwrap();
    c.current_dir(root()).env("FRAMELENS_MODEL", "minilm");
    c
}

fn run(corpus: &Path, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    run_with(framelens(), corpus, out, extra)
}

fn run_with(mut cmd: Command, corpus: &Path, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    cmd.arg("run")
        .arg(corpus)
        .args(["--codebook", CODEBOOK, "--out"])
        .arg(out)
        .arg("--quiet")
        // Caching is not what these tests check, and the user's cache could hand them another build's vectors.
        .arg("--no-cache")
        .args(extra)
        .assert()
}

fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| headers.iter().zip(rec.unwrap().iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect())
        .collect()
}

/// The macro-F1 value in `framelens eval`'s `### <section>` table (`| macro-F1 | 0.857 [0.795, 0.909] |`).
/// Panics when the section, the row or the number is not there: a changed output format must fail the
/// floor check, never pass it by finding nothing to compare.
fn eval_macro_f1(report: &str, section: &str) -> f64 {
    let heading = format!("### {section}");
    let body = report.split_once(heading.as_str()).unwrap_or_else(|| panic!("no `{heading}` in:\n{report}")).1;
    let body = body.split("\n### ").next().unwrap();
    let row = body
        .lines()
        .find_map(|l| l.strip_prefix("| macro-F1 |"))
        .unwrap_or_else(|| panic!("no macro-F1 row under `{heading}` in:\n{report}"));
    let value = row.split_whitespace().next().unwrap_or_default();
    value.parse().unwrap_or_else(|e| panic!("macro-F1 under `{heading}` is not a number ({value:?}: {e}): {row}"))
}

#[test]
fn eval_macro_f1_reads_the_number_of_its_own_section_and_fails_on_another_format() {
    let report = "### Frames\n\n| measure | value |\n|---|---|\n| macro-F1 | 0.857 [0.795, 0.909] |\n\n\
                  ### Stance\n\n| accuracy | 0.507 |\n| macro-F1 | 0.438 [0.347, 0.513] |\n";
    assert_eq!((eval_macro_f1(report, "Frames"), eval_macro_f1(report, "Stance")), (0.857, 0.438));
    for changed in [
        report.replace("| macro-F1 |", "| macro F1 |"),
        report.replace("0.438 [", "n/a ["),
        report.replace("### Stance", "## Stance"),
    ] {
        let r = std::panic::catch_unwind(|| eval_macro_f1(&changed, "Stance"));
        assert!(r.is_err(), "parsed a number from a changed format:\n{changed}");
    }
    // The stance section's own row, not the frames' one above it.
    let no_stance_row = report.replace("| macro-F1 | 0.438 [0.347, 0.513] |\n", "");
    assert!(std::panic::catch_unwind(|| eval_macro_f1(&no_stance_row, "Stance")).is_err());
}

#[test]
fn sample_corpus_every_paragraph_once_and_agreement_above_floor() {
    if common::real_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let corpus = root().join("corpora/sample");
    // The default encoder, as a user's first run gets it: its floors are the ones measured for it.
    let mut default_model = framelens();
    default_model.env_remove("FRAMELENS_MODEL");
    run_with(default_model, &corpus, tmp.path(), &["--scores"]).success();
    let rows = read_csv(&tmp.path().join("paragraphs.csv"));
    assert!(read_csv(&tmp.path().join("rejects.csv")).is_empty());

    // Every paragraph the segmenter finds in every document appears exactly once.
    let docs = framelens::corpus::read_corpus(&corpus, Default::default(), &Default::default()).unwrap();
    let mut expected = 0;
    for d in &docs.documents {
        let paras = framelens::segment::segment(&d.text);
        let mine: Vec<_> = rows.iter().filter(|r| r["doc_id"] == d.id).collect();
        assert_eq!(mine.len(), paras.len(), "{}", d.id);
        for (p, r) in paras.iter().zip(mine) {
            assert_eq!(r["para_index"], p.para_index.to_string());
            assert_eq!(r["text"], p.text);
        }
        expected += paras.len();
    }
    assert_eq!(rows.len(), expected);
    assert_eq!(docs.documents.len(), 24);

    for r in rows.iter().filter(|r| r["kind"] == "body") {
        assert!(!r["frame"].is_empty() && !r["stance"].is_empty() && !r["evidence"].is_empty());
        let sum: f64 = r.iter().filter(|(k, _)| k.starts_with("score_")).map(|(_, v)| v.parse::<f64>().unwrap()).sum();
        assert!((sum - 1.0).abs() < 2e-3, "scores sum to {sum}");
        let stance: Vec<f64> =
            STANCE_LABELS.iter().map(|s| r[&format!("{STANCE_SCORE_PREFIX}{s}")].parse::<f64>().unwrap()).collect();
        assert!((stance.iter().sum::<f64>() - 1.0).abs() < 2e-3, "stance probabilities {stance:?}");
        // The label is the likeliest stance, or neutral where a side's reading is below even odds.
        let best = STANCE_LABELS[(0..3).max_by(|&a, &b| stance[a].total_cmp(&stance[b])).unwrap()];
        assert!(r["stance"] == best || (r["stance"] == "neutral" && stance.iter().all(|&p| p < 0.5 + 1e-4)), "{r:?}");
    }
    for r in rows.iter().filter(|r| r["kind"] != "body") {
        assert!(r["frame"].is_empty(), "headings and boilerplate are not classified");
    }

    // Agreement with the intended labels, as `framelens eval` reports it. The floors sit 0.03–0.05 below
    // the measured values of the default encoder (MPNet: frames 0.887, stance 0.596, the same in fp32 on an
    // AMD EPYC without bf16 and in bf16 on one with it), so a real regression fails here rather than hiding
    // under a floor set far away; re-measure and move them when the classifier improves.
    let pairs = framelens::evaluate::match_gold(&corpus.join("gold.csv"), &tmp.path().join("paragraphs.csv")).unwrap();
    assert_eq!(pairs.frame.len(), rows.iter().filter(|r| r["kind"] == "body").count());
    let out = framelens().args(["eval", "--gold"]).arg(corpus.join("gold.csv")).arg("--pred").arg(tmp.path()).assert();
    let report = String::from_utf8(out.success().get_output().stdout.clone()).unwrap();
    let (frames, stance) = (eval_macro_f1(&report, "Frames"), eval_macro_f1(&report, "Stance"));
    eprintln!("frames macro-F1 {frames:.3}, stance macro-F1 {stance:.3}");
    // The printed figures are the library's, so the parser read the right rows.
    assert!((frames - framelens::evaluate::score(&pairs.frame).macro_f1).abs() < 6e-4, "{report}");
    assert!((stance - framelens::evaluate::score(&pairs.stance).macro_f1).abs() < 6e-4, "{report}");
    assert!(frames >= 0.85, "frame macro-F1 {frames:.3} fell below the floor 0.85");
    assert!(stance >= 0.55, "stance macro-F1 {stance:.3} fell below the floor 0.55");

    // The outlets were written to frame differently; at least one frame's interval for one outlet must
    // exclude every other outlet's share.
    let cmp = read_csv(&tmp.path().join("comparison.csv"));
    let frames: Vec<_> = cmp.iter().filter(|r| r["measure"] == "frame").collect();
    let f = |r: &BTreeMap<String, String>, k: &str| r[k].parse::<f64>().unwrap_or(f64::NAN);
    let separated = frames.iter().any(|a| {
        frames
            .iter()
            .filter(|b| b["label"] == a["label"] && b["group"] != a["group"])
            .all(|b| f(b, "share") < f(a, "ci_low") || f(b, "share") > f(a, "ci_high"))
    });
    assert!(separated, "no outlet's frame interval excludes the other outlets' shares");

    let outlets = read_csv(&tmp.path().join("outlets.csv"));
    assert_eq!(outlets.len(), 4);
    assert!(outlets.iter().any(|o| o["outlet"] == "meridian-wire"), "outlet from folder name");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["counts"]["documents"], 24);
    assert_eq!(manifest["model"]["weights_sha256"].as_str().unwrap().len(), 64);
    assert!(manifest["timings"]["encode"].as_f64().unwrap() > 0.0);
    // f32 options print as written, and the codebook's cue lists travel with the run (for the report).
    let classify = &manifest["options"]["classify"];
    assert_eq!(
        (classify["temperature"].to_string(), classify["cue_weight"].to_string()),
        ("0.05".into(), "0.02".into())
    );
    assert!(manifest["codebook"]["cues"]["frames"]["victim_protection"].as_array().is_some_and(|c| !c.is_empty()));
}

#[test]
fn seed_article_headings_and_boilerplate() {
    if common::minilm_model().is_none() {
        return;
    }
    let Some(seeds) = common::shared_path("seeds") else { return };
    let tmp = tempfile::tempdir().unwrap();
    run(&seeds, tmp.path(), &[]).success();
    let rows = read_csv(&tmp.path().join("paragraphs.csv"));
    let headings: Vec<&str> = rows.iter().filter(|r| r["kind"] == "heading").map(|r| r["text"].as_str()).collect();
    assert_eq!(
        headings,
        [
            "The Viral Kidnapping and the Domestic Backlash",
            "The Structural Realities Behind the Scam Economy",
            "The Need for a Multilateral Approach"
        ]
    );
    assert_eq!(rows.iter().filter(|r| r["kind"] == "body").count(), 12);
    let tail: Vec<&str> =
        rows.iter().rev().take_while(|r| r["kind"] == "boilerplate").map(|r| r["text"].as_str()).collect();
    assert!(tail.len() >= 9, "trailing boilerplate: {tail:?}");
    assert!(tail.contains(&"Image: ABC News") && tail.contains(&"Please accept the terms to continue."));
    let last_body = rows.iter().rposition(|r| r["kind"] == "body").unwrap();
    assert_eq!(rows[last_body]["section"], "The Need for a Multilateral Approach");
}

#[test]
fn bad_records_are_rejected_with_file_and_line_and_the_rest_is_processed() {
    if common::minilm_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    std::fs::create_dir_all(corpus.join("daily")).unwrap();
    std::fs::write(corpus.join("daily/empty.md"), "").unwrap();
    std::fs::write(corpus.join("daily/blank.txt"), "  \n\t\n").unwrap();
    std::fs::write(corpus.join("daily/bad.txt"), b"Fine start.\n\nThen a bad byte \xff here.\n").unwrap();
    std::fs::write(corpus.join("daily/good.md"), "---\noutlet: The Daily\ndate: 3 March 2025\n---\nPolice raided a compound near the border and freed forty workers.\n").unwrap();
    let out = tmp.path().join("out");
    run(&corpus, &out, &[]).success();
    let rejects = read_csv(&out.join("rejects.csv"));
    let reason =
        |f: &str| rejects.iter().find(|r| r["file"].ends_with(f)).map(|r| r["reason"].clone()).unwrap_or_default();
    assert!(reason("empty.md").contains("empty"), "{rejects:?}");
    assert!(reason("blank.txt").contains("empty"), "{rejects:?}");
    assert!(reason("bad.txt").contains("UTF-8") && reason("bad.txt").contains("offset 29"), "{rejects:?}");
    let rows = read_csv(&out.join("paragraphs.csv"));
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0]["outlet"].as_str(), rows[0]["published"].as_str()), ("The Daily", "2025-03-03"));

    // JSON Lines: a malformed line and a duplicate id are rejected with their line numbers.
    let jsonl = tmp.path().join("c.jsonl");
    std::fs::write(
        &jsonl,
        "{\"id\": \"a\", \"outlet\": \"X\", \"text\": \"Courts sentenced eleven members of the network.\"}\n{not json\n{\"id\": \"a\", \"text\": \"Again.\"}\n",
    )
    .unwrap();
    let out = tmp.path().join("out2");
    run(&jsonl, &out, &[]).success();
    let rejects = read_csv(&out.join("rejects.csv"));
    assert_eq!(rejects.len(), 2, "{rejects:?}");
    assert_eq!(rejects[0]["line"], "2");
    assert!(rejects[1]["reason"].contains("duplicate") && rejects[1]["line"] == "3", "{rejects:?}");
    assert_eq!(read_csv(&out.join("paragraphs.csv")).len(), 1);

    // CSV with a custom text column; a row without text is rejected.
    let csv_path = tmp.path().join("c.csv");
    std::fs::write(&csv_path, "doc,body,outlet\n1,Extradition talks resumed on Monday.,Wire\n2,,Wire\n").unwrap();
    let out = tmp.path().join("out3");
    run(&csv_path, &out, &["--id-field", "doc", "--text-field", "body"]).success();
    let rejects = read_csv(&out.join("rejects.csv"));
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0]["line"], "3");
    assert_eq!(read_csv(&out.join("paragraphs.csv")).len(), 1);
}

#[test]
fn codebook_errors_stop_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let cb = tmp.path().join("cb.toml");
    let text = std::fs::read_to_string(root().join(CODEBOOK)).unwrap().replacen("label = ", "lable = ", 1);
    std::fs::write(&cb, text).unwrap();
    let out = tmp.path().join("out");
    let a =
        framelens().args(["run", "corpora/sample", "--codebook"]).arg(&cb).arg("--out").arg(&out).assert().failure();
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("cb.toml") && err.contains("line ") && err.contains("lable"), "{err}");
    assert!(!out.exists(), "no output for a bad codebook");
}

#[test]
fn embed_rejects_empty_lines_and_invalid_utf8_naming_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("p.txt");
    std::fs::write(&f, "first paragraph\n\nthird\n").unwrap();
    let a = framelens().arg("embed").arg(&f).args(["--out"]).arg(tmp.path().join("e.npy")).assert().failure();
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("p.txt:2") && err.contains("empty line"), "{err}");
    std::fs::write(&f, b"ok\nbad \xc3\x28\n").unwrap();
    let a = framelens().arg("embed").arg(&f).args(["--out"]).arg(tmp.path().join("e.npy")).assert().failure();
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("invalid UTF-8 at byte offset 7") && err.contains("line 2"), "{err}");
}

#[test]
fn embed_writes_npy_and_ids_in_input_order() {
    if common::minilm_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("p.jsonl");
    std::fs::write(
        &f,
        "{\"id\": \"x\", \"text\": \"A long paragraph about scam compounds.\"}\n{\"id\": 7, \"text\": \"Short.\"}\n",
    )
    .unwrap();
    let npy = tmp.path().join("e.npy");
    framelens().arg("embed").arg(&f).arg("--out").arg(&npy).arg("--quiet").assert().success();
    let arr: ndarray::Array2<f32> = ndarray_npy::read_npy(&npy).unwrap();
    assert_eq!(arr.shape(), [2, common::minilm_model().unwrap().manifest.hidden_size]);
    assert_eq!(std::fs::read_to_string(tmp.path().join("e.ids.txt")).unwrap(), "x\n7\n");
}

/// A keyword-drawn corpus is partly off-topic: a paragraph about a football final is `other`, has no stance,
/// and is left out of the outlet's frame shares, while the crackdown paragraphs keep their frames.
#[test]
fn off_topic_paragraphs_are_other_and_left_out_of_shares() {
    if common::minilm_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("c.jsonl");
    let docs = [
        (
            "on",
            "Police in two provinces raided a compound where hundreds of trafficked workers had been forced to run \
             online investment scams, and announced that 300 suspects would be repatriated to face trial.\n\n\
             Critics said the raid was staged for the cameras while the syndicates simply moved across the river.",
        ),
        (
            "off",
            "The home side won the cup final 3-1 after extra time, with the captain scoring twice in front of a \
             sell-out crowd before the trophy was lifted under fireworks.",
        ),
    ];
    let lines: Vec<String> = docs
        .iter()
        .map(|(id, text)| {
            serde_json::json!({"id": id, "outlet": "Daily", "date": "2025-05-01", "text": text}).to_string()
        })
        .collect();
    std::fs::write(&corpus, lines.join("\n") + "\n").unwrap();
    let out = tmp.path().join("out");
    run(&corpus, &out, &["--no-compare"]).success();
    let rows: Vec<_> = read_csv(&out.join("paragraphs.csv")).into_iter().filter(|r| r["kind"] == "body").collect();
    let threshold = framelens::classify::relevance::DEFAULT_THRESHOLD;
    for r in &rows {
        let relevance: f32 = r["relevance"].parse().unwrap();
        if r["doc_id"] == "off" {
            assert_eq!((r["frame"].as_str(), r["stance"].as_str()), ("other", ""), "{r:?}");
            assert!(relevance < threshold, "{relevance}");
        } else {
            assert_ne!(r["frame"], "other", "{r:?}");
            assert!(relevance >= threshold, "{relevance}");
        }
    }
    let outlet = &read_csv(&out.join("outlets.csv"))[0];
    let on_topic = rows.iter().filter(|r| r["frame"] != "other").count() as f64;
    let other = rows.len() as f64 - on_topic;
    assert!((outlet["share_other"].parse::<f64>().unwrap() - other / rows.len() as f64).abs() < 1e-4);
    // Frame shares are over the on-topic paragraphs: they sum to 1.
    let frame_sum: f64 = outlet
        .iter()
        .filter(|(k, _)| k.starts_with("share_") && *k != "share_other")
        .map(|(_, v)| v.parse::<f64>().unwrap())
        .sum();
    assert!((frame_sum - 1.0).abs() < 1e-3, "{frame_sum}");
}

/// `run --xlsx --report` end to end (MiniLM: what is tested is the files, not the labels): the workbook and
/// report are written, the manifest's hashes cover them, the workbook's Paragraphs sheet has a row per
/// paragraph and the report names every outlet.
#[test]
fn run_with_workbook_and_report_writes_both_and_hashes_them() {
    if common::minilm_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    run(&root().join("corpora/sample"), tmp.path(), &["--model", "minilm", "--xlsx", "--report"]).success();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("manifest.json")).unwrap()).unwrap();
    for file in ["framelens.xlsx", "report.html", "paragraphs.csv", "comparison.csv"] {
        let bytes = std::fs::read(tmp.path().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let want = manifest["outputs"][file].as_str().unwrap_or_else(|| panic!("no hash of {file} in the manifest"));
        assert_eq!(framelens::encode::model::sha256_hex(&bytes), want, "{file}");
    }
    let paragraphs = read_csv(&tmp.path().join("paragraphs.csv"));
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(tmp.path().join("framelens.xlsx")).unwrap();
    let sheet = book.worksheet_range("Paragraphs").unwrap();
    assert_eq!(sheet.rows().count(), paragraphs.len() + 1);
    let html = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
    for outlet in read_csv(&tmp.path().join("outlets.csv")).iter().map(|o| o["outlet"].clone()) {
        assert!(html.contains(&outlet), "the report does not name {outlet}");
    }
}

/// `codebook check` on a codebook whose examples are in two languages: one table row per frame and one per
/// language of the examples, with counts that add up to the codebook's examples.
#[test]
fn codebook_check_reports_frames_and_each_language_of_the_examples() {
    if common::minilm_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let cb = tmp.path().join("bilingual.toml");
    // The shipped codebook plus one Chinese example in its first frame.
    let text = std::fs::read_to_string(root().join(CODEBOOK)).unwrap().replacen(
        "\nexamples = [",
        "\nexamples = [\n  \"边境口岸的移交仪式经过精心安排，直播镜头记录下每一名被押解回国的嫌疑人。\",",
        1,
    );
    std::fs::write(&cb, text).unwrap();
    let a = framelens().args(["codebook", "check"]).arg(&cb).args(["--model", "minilm"]).assert().success();
    let out = String::from_utf8_lossy(&a.get_output().stdout).to_string();
    let codebook = framelens::codebook::load(&cb).unwrap().codebook;
    for f in &codebook.frames {
        assert!(out.contains(&format!("| {} | {} |", f.id, f.examples.len())), "{out}");
    }
    let total: usize = codebook.frames.iter().map(|f| f.examples.len()).sum();
    let en = total - 1;
    assert!(out.contains(&format!("| en | {en} |")), "{out}");
    assert!(out.contains("| zh | 1 |"), "{out}");
    // Topic relevance of the codebook's own examples, each held out: the shipped codebook's off-topic
    // examples were chosen so that ≥ 95% of its topic examples stay on topic (docs/evaluation.md).
    let count = |label: &str| -> (usize, usize) {
        let line = out.lines().find(|l| l.trim_start().starts_with(label)).unwrap_or_else(|| panic!("{out}"));
        let (k, n) = line.split(": ").nth(1).unwrap().split(' ').next().unwrap().split_once('/').unwrap();
        (k.parse().unwrap(), n.parse().unwrap())
    };
    let (kept, n_on) = count("topic_examples kept");
    assert_eq!(n_on, codebook.topic_examples.len());
    assert!(kept as f64 >= 0.95 * n_on as f64, "{out}");
    let (set_aside, n_off) = count("off_topic_examples set aside");
    assert_eq!(n_off, codebook.off_topic_examples.len());
    assert!(set_aside * 2 > n_off, "most off-topic examples are off topic: {out}");
}

#[test]
fn the_default_encoder_on_a_cpu_without_bf16_units_points_to_minilm() {
    if common::real_model().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus/meridian-wire");
    std::fs::create_dir_all(&corpus).unwrap();
    let article = "2025-09-18-compound-raid-militia-ties.md";
    std::fs::copy(root().join("corpora/sample/meridian-wire").join(article), corpus.join(article)).unwrap();
    let out = tmp.path().join("out");
    // The note comes before any encoding: the first line of stderr, after which the run is not needed.
    let first_line = || {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("framelens"));
        cmd.current_dir(root()).env_remove("FRAMELENS_MODEL");
        cmd.arg("run").arg(tmp.path().join("corpus")).args(["--codebook", CODEBOOK, "--no-cache", "--out"]);
        let mut child = cmd.arg(&out).args(["--device", "cpu"]).stderr(std::process::Stdio::piped()).spawn().unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stderr.take().unwrap()), &mut line).unwrap();
        let _ = child.kill();
        child.wait().unwrap();
        line
    };
    let said = first_line().contains("`--model minilm` is about 7× faster");
    assert_eq!(said, framelens::encode::runtime::bf16_units().is_none(), "the note where MPNet runs fp32, only there");
}
