//! Synthetic corpora for benchmarks: documents recombined from the sample corpus' sentences, headings and
//! boilerplate, so that throughput and memory can be measured at any size on text that reads like the real
//! thing (sentence lengths, vocabulary, page furniture), deterministically from a seed.
//!
//! Recombined paragraphs repeat sentences, so a run that scores sentences finds many of them cached after
//! the first documents: benchmarks report paragraphs/s with that said, and the encoder benchmark uses
//! real news paragraphs instead.

use std::io::Write;
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::corpus::{read_corpus, Fields, Format};
use crate::segment::{segment, sentences, Kind};

/// Sentences, headings and boilerplate lines per outlet of a source corpus.
pub struct Material {
    outlets: Vec<String>,
    sentences: Vec<String>,
    headings: Vec<String>,
    boilerplate: Vec<String>,
}

impl Material {
    /// Reads and segments a corpus (any format, default field names): body paragraphs give sentences.
    pub fn from_corpus(path: &Path) -> Result<Self, crate::corpus::CorpusError> {
        let corpus = read_corpus(path, Format::Auto, &Fields::default())?;
        let mut m =
            Material { outlets: Vec::new(), sentences: Vec::new(), headings: Vec::new(), boilerplate: Vec::new() };
        for d in &corpus.documents {
            if !m.outlets.contains(&d.outlet) {
                m.outlets.push(d.outlet.clone());
            }
            for p in segment(&d.text) {
                match p.kind {
                    Kind::Body => m.sentences.extend(sentences(&p.text).iter().map(|&(s, e)| p.text[s..e].to_string())),
                    Kind::Heading => m.headings.push(p.text.clone()),
                    Kind::Boilerplate => m.boilerplate.push(p.text.clone()),
                }
            }
        }
        Ok(m)
    }
}

/// Writes `docs` documents as JSON Lines (`id, outlet, date, title, text`); returns the body paragraphs written.
pub fn generate(m: &Material, docs: usize, seed: u64, out: &mut impl Write) -> std::io::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut body = 0;
    let pick = |rng: &mut ChaCha8Rng, v: &[String]| v[rng.random_range(0..v.len())].clone();
    for i in 0..docs {
        let outlet = m.outlets[rng.random_range(0..m.outlets.len())].clone();
        let mut blocks: Vec<String> = Vec::new();
        let n_paras = rng.random_range(4..=9);
        for p in 0..n_paras {
            if p > 0 && p % 3 == 0 && !m.headings.is_empty() {
                blocks.push(pick(&mut rng, &m.headings));
            }
            let n_sent = rng.random_range(2..=5);
            let para: Vec<String> = (0..n_sent).map(|_| pick(&mut rng, &m.sentences)).collect();
            blocks.push(para.join(" "));
            body += 1;
        }
        if !m.boilerplate.is_empty() {
            for _ in 0..rng.random_range(0..=4) {
                blocks.push(pick(&mut rng, &m.boilerplate));
            }
        }
        let month = 1 + (i % 12);
        let rec = serde_json::json!({
            "id": format!("synth-{i:07}"),
            "outlet": outlet,
            "date": format!("2025-{month:02}-{:02}", 1 + (i % 28)),
            "title": format!("Synthetic article {i}"),
            "text": blocks.join("\n\n"),
        });
        writeln!(out, "{rec}")?;
    }
    Ok(body)
}
