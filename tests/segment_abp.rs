//! Segmentation measured on real news pages (the Article-Bias-Prediction subset under ../shared,
//! read at run time; nothing of it is stored here). Ignored by default because the data lives
//! outside the repository:
//!
//! ```sh
//! FRAMELENS_SEGMENT_DUMP=/tmp/abp_kinds.tsv cargo test --test segment_abp -- --ignored --nocapture
//! ```
//!
//! It prints how many body sentences are shorter than 3 words, and how many of those are fragments
//! (pieces of a longer paragraph, which used to become evidence cells like `ET.`) rather than whole
//! one-line paragraphs; and, with `FRAMELENS_SEGMENT_DUMP`, writes every paragraph's kind so two versions of
//! the segmenter can be diffed.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;

use framelens::segment::{segment, sentences, Kind};

fn abp_path() -> PathBuf {
    std::env::var_os("FRAMELENS_ABP").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/datasets/article_bias_prediction/abp_subset_china_asia_trafficking.jsonl")
    })
}

fn words(s: &str) -> usize {
    s.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count()
}

#[test]
#[ignore = "reads ../shared/datasets at run time"]
fn abp_sentences_and_boilerplate() {
    let path = abp_path();
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut dump = std::env::var_os("FRAMELENS_SEGMENT_DUMP").map(|p| std::fs::File::create(p).unwrap());
    let (mut docs, mut body, mut boiler, mut n_sent, mut short, mut fragments) = (0, 0, 0, 0, 0, 0);
    for line in BufReader::new(file).lines() {
        let record: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        let id = record["ID"].as_str().unwrap_or_default();
        let text = record["content_original"].as_str().unwrap_or_default();
        docs += 1;
        for p in segment(text) {
            if let Some(out) = dump.as_mut() {
                writeln!(out, "{id}\t{}\t{}\t{}", p.para_index, p.kind, p.text.replace('\t', " ")).unwrap();
            }
            match p.kind {
                Kind::Body => body += 1,
                Kind::Boilerplate => boiler += 1,
                Kind::Heading => {}
            }
            if p.kind != Kind::Body {
                continue;
            }
            let ranges = sentences(&p.text);
            for &(s, e) in &ranges {
                n_sent += 1;
                if words(&p.text[s..e]) < 3 {
                    short += 1;
                    fragments += usize::from(ranges.len() > 1);
                }
            }
        }
    }
    println!(
        "{docs} documents: {body} body paragraphs, {boiler} boilerplate; {n_sent} body sentences, {short} under 3 \
         words, {fragments} of them fragments of a longer paragraph"
    );
    assert!(docs > 0);
}
