//! `framelens serve` end to end over HTTP with the real binary, on a run of the sample corpus (MiniLM) to
//! which one article with markup in its text was added: the token guard, the table's filters, 20
//! paragraphs coded and still there after SIGKILL and restart, a second coder, agreement equal to
//! `framelens eval` on the exported sheet, corpus markup shown as text, import of a sheet, and a training
//! round (train + relabel) started from the page. The browser side (keyboard, screenshots) is
//! tests/workbench/e2e.mjs.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CB: &str = "models/codebooks/enforcement-discourse.toml";
const STANCES: [&str; 3] = ["supportive", "critical", "neutral"];
const MARKUP: &str = "<script>alert(1)</script>";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("framelens")
}

struct Server {
    child: Child,
    base: String,
    token: String,
}

impl Server {
    fn start(run: &Path) -> Server {
        let mut child = Command::new(bin())
            .current_dir(root())
            .args(["serve", &run.display().to_string(), "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start framelens serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim();
        let (base, token) = url.split_once("/?token=").unwrap_or_else(|| panic!("printed URL: {url:?}"));
        assert!(base.starts_with("http://127.0.0.1:"), "bound to loopback: {base}");
        Server { child, base: base.to_string(), token: token.to_string() }
    }

    fn url(&self, path: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{}{path}{sep}token={}", self.base, self.token)
    }

    fn get(&self, path: &str) -> String {
        ureq::get(&self.url(path)).call().unwrap_or_else(|e| panic!("GET {path}: {e}")).into_string().unwrap()
    }

    /// Posts a form; the answer (a redirect to the next page, which a browser follows with its cookie) is
    /// not followed.
    fn post(&self, path: &str, form: &[(&str, &str)]) -> u16 {
        let agent = ureq::AgentBuilder::new().redirects(0).build();
        agent.post(&self.url(path)).send_form(form).unwrap_or_else(|e| panic!("POST {path}: {e}")).status()
    }

    /// The row the coding page shows next for `coder`.
    fn next_row(&self, coder: &str) -> usize {
        let page = self.get(&format!("/code?coder={coder}&order=random&target=20"));
        let at = page.find("data-row=\"").expect("a paragraph to code") + 10;
        page[at..].split('"').next().unwrap().parse().unwrap()
    }

    fn code(&self, coder: &str, row: usize, frame: &str, stance: &str) {
        let path = format!("/code?coder={coder}&order=random&target=20");
        assert_eq!(self.post(&path, &[("row", &row.to_string()), ("action", &format!("frame:{frame}"))]), 303);
        assert_eq!(self.post(&path, &[("row", &row.to_string()), ("action", &format!("stance:{stance}"))]), 303);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn status(url: &str, post: bool) -> u16 {
    let r = if post { ureq::post(url).send_form(&[("row", "0"), ("action", "skip")]) } else { ureq::get(url).call() };
    match r {
        Ok(r) => r.status(),
        Err(ureq::Error::Status(code, _)) => code,
        Err(e) => panic!("{url}: {e}"),
    }
}

/// The sample corpus plus one article whose paragraph holds markup, run with MiniLM.
fn make_run(dir: &Path) -> PathBuf {
    let corpus = dir.join("corpus");
    let status = Command::new("cp").arg("-r").arg(root().join("corpora/sample")).arg(&corpus).status().unwrap();
    assert!(status.success());
    std::fs::remove_file(corpus.join("gold.csv")).unwrap();
    std::fs::write(
        corpus.join("meridian-wire/2026-02-01-markup.md"),
        format!(
            "---\ntitle: A page that quotes markup\ndate: 2026-02-01\noutlet: meridian-wire\n---\n\n\
             Officials said the compound raids would continue. {MARKUP} <img src=x onerror=alert(2)> was pasted \
             into the statement by mistake, the ministry said.\n"
        ),
    )
    .unwrap();
    let run = dir.join("run");
    let out = Command::new(bin())
        .current_dir(root())
        .args(["run", &corpus.display().to_string(), "--codebook", CB, "--out", &run.display().to_string()])
        .args(["--model", "minilm", "--precision", "fp32", "--no-cache", "--quiet"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    run
}

fn eval_csv(gold: &Path, run: &Path, out: &Path) -> Vec<csv::StringRecord> {
    let o = Command::new(bin())
        .current_dir(root())
        .args(["eval", "--gold", &gold.display().to_string(), "--pred", &run.display().to_string()])
        .args(["--csv", &out.display().to_string()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    csv::Reader::from_path(out).unwrap().records().map(Result::unwrap).collect()
}

/// The page's value of `metric` in the detail table (`data-metric="…">value<`).
fn page_metric(page: &str, metric: &str) -> String {
    let detail = &page[page.find("id=\"detail\"").expect("detail section")..];
    let at = detail.find(&format!("data-metric=\"{metric}\">")).unwrap_or_else(|| panic!("{metric} on the page"));
    let rest = &detail[at + metric.len() + 15..];
    rest[..rest.find('<').unwrap()].to_string()
}

#[test]
fn workbench_codes_survive_sigkill_and_agree_with_eval() {
    if common::minilm_model().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = make_run(dir.path());
    let paragraphs: Vec<csv::StringRecord> =
        csv::Reader::from_path(run.join("paragraphs.csv")).unwrap().records().map(Result::unwrap).collect();
    let codebook = framelens::codebook::load(&root().join(CB)).unwrap();
    let frames = codebook.codebook.frame_ids();
    let n = frames.len();
    let server = Server::start(&run);

    // The token guards every request; a change is refused even with the cookie alone.
    assert_eq!(status(&format!("{}/", server.base), false), 403);
    assert_eq!(status(&format!("{}/paragraphs", server.base), false), 403);
    assert_eq!(status(&format!("{}/code?coder=x", server.base), true), 403);
    assert_eq!(status(&format!("{}/?token=0000", server.base), false), 403);
    assert_eq!(status(&server.url("/"), false), 200);

    // Filters: the count the table reports is the count in paragraphs.csv.
    let want =
        paragraphs.iter().filter(|r| &r[1] == "meridian-wire" && &r[6] == "body" && &r[12] == "factual_report").count();
    let page = server.get("/paragraphs?outlet=meridian-wire&frame=factual_report");
    assert!(page.contains(&format!(">{want} paragraphs match")), "{want} expected");
    assert!(want > 0);

    // Corpus markup is shown as text, on the table and on the paragraph's page.
    let page = server.get("/paragraphs?q=script");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "escaped in the table");
    assert!(!page.contains(MARKUP) && !page.contains("<img src=x"), "never raw");
    let row = paragraphs.iter().position(|r| r[20].contains(MARKUP)).unwrap();
    let page = server.get(&format!("/p/{row}"));
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;") && !page.contains("<img src=x"));

    // Coder ana codes 20 paragraphs from the queue.
    let mut coded = Vec::new();
    for i in 0..20 {
        let row = server.next_row("ana");
        assert!(!coded.contains(&row), "the queue moves on");
        server.code("ana", row, frames[(row + i) % n], STANCES[row % 3]);
        coded.push(row);
    }
    drop(server); // SIGKILL (Child::kill), mid-session

    let server = Server::start(&run);
    let page = server.get("/code?coder=ana&order=random&target=20");
    assert!(page.contains("<span id=\"done\">20</span>"), "all 20 codes survived the kill");
    // Coder ben codes 10 of the same paragraphs: the queue is shared.
    for (i, &row) in coded.iter().take(10).enumerate() {
        assert_eq!(server.next_row("ben"), row, "ben meets ana's paragraphs in the same order");
        let frame = if i % 2 == 0 { frames[(row + i) % n] } else { frames[(row + i + 1) % n] };
        server.code("ben", row, frame, STANCES[row % 3]);
    }

    // Export: what train --data and eval --gold read; agreement on the page equals eval's.
    let export = dir.path().join("ana.csv");
    std::fs::write(&export, server.get("/export.csv?coder=ana")).unwrap();
    let rows = eval_csv(&export, &run, &dir.path().join("eval.csv"));
    for (task, label) in [("frames", "frames"), ("stance", "stance")] {
        let page = server.get(&format!("/agreement?a=ana&b=model&task={task}"));
        for metric in ["cohen_kappa", "krippendorff_alpha", "macro_f1", "n"] {
            let want = rows.iter().find(|r| &r[0] == label && &r[1] == "summary" && &r[4] == metric).unwrap();
            assert_eq!(page_metric(&page, metric), &want[5], "{task} {metric}: page vs framelens eval");
        }
    }
    let page = server.get("/agreement?a=ana&b=ben&task=frames");
    assert_eq!(page_metric(&page, "n"), "10");
    assert_eq!(page.matches("<li><a href=\"/p/").count(), 5, "ben differs on every other paragraph");

    // Import: ana's export stored as carol's gives carol the same 20 codes.
    let imported = ureq::post(&server.url("/import?coder=carol"))
        .send_bytes(&std::fs::read(&export).unwrap())
        .unwrap()
        .into_string()
        .unwrap();
    assert!(imported.contains("imported codes of 20 paragraphs"), "{imported}");
    let page = server.get("/agreement?a=ana&b=carol&task=frames");
    assert_eq!(page_metric(&page, "cohen_kappa"), "1.000000");
    let bad =
        ureq::post(&server.url("/import?coder=dan")).send_string("doc_id,text,label\nnope,Nothing,factual_report\n");
    assert!(matches!(bad, Err(ureq::Error::Status(400, _))), "an unmatched row is refused");
}

#[test]
fn a_training_round_from_the_page_relabels_the_run() {
    if common::minilm_model().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = make_run(dir.path());
    // A coding of the sample corpus's gold paragraphs, imported as one coder's codes.
    let sheet = dir.path().join("gold.csv");
    std::fs::copy(root().join("corpora/sample/gold.csv"), &sheet).unwrap();
    let out = Command::new(bin())
        .current_dir(root())
        .args(["serve", &run.display().to_string(), "--import", &sheet.display().to_string(), "--coder", "gold"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let server = Server::start(&run);
    let before = server.get("/agreement");
    assert!(!before.contains("model (before relabelling)"));
    assert_eq!(server.post("/train", &[("coder", "gold")]), 303);
    let deadline = Instant::now() + Duration::from_secs(600);
    let state = loop {
        let s: serde_json::Value = serde_json::from_str(&server.get("/train/status")).unwrap();
        if s["state"] != "running" {
            break s;
        }
        assert!(Instant::now() < deadline, "the round did not finish in 10 minutes");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(state["state"], "done", "{state:#}");
    let relabelled = run.join("workbench/relabel-1/run");
    assert!(relabelled.join("paragraphs.csv").is_file());
    assert!(run.join("workbench/relabel-1/head.json").is_file());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(relabelled.join("manifest.json")).unwrap()).unwrap();
    assert!(!manifest["options"]["head"].is_null(), "relabelled with the trained head");
    let after = server.get("/agreement");
    assert!(after.contains("model (before relabelling)"), "before and after are both shown");
}
