//! `framelens codebook check FILE`: validates a codebook and reports frames it cannot tell apart.

use std::path::PathBuf;

use anyhow::bail;
use clap::Subcommand;
use framelens::classify::build::{background_texts, topic_texts};
use framelens::classify::relevance;
use framelens::classify::zeroshot::ZeroShotTexts;
use framelens::codebook::Codebook;
use framelens::encode::{resolve_model, Encoder};
use ndarray::{s, Array2, Axis};

use super::EncoderArgs;

#[derive(Subcommand)]
pub enum CodebookCommand {
    /// Validate a codebook and report frame prototypes that are too close to tell apart.
    Check {
        file: PathBuf,
        /// Centred prototype cosine above which two frames are reported as too close.
        #[arg(long, default_value_t = 0.5)]
        max_similarity: f32,
        #[command(flatten)]
        encoder: EncoderArgs,
    },
}

pub fn run(cmd: CodebookCommand) -> anyhow::Result<()> {
    let CodebookCommand::Check { file, max_similarity, encoder } = cmd;
    let cb = framelens::codebook::load(&file)?;
    let c = &cb.codebook;
    println!(
        "{}: valid · {} {} · {} frames · {} stance target(s)",
        file.display(),
        c.name,
        c.version,
        c.frames.len(),
        c.stance_targets.len()
    );
    let texts = ZeroShotTexts::new(c);
    let model = resolve_model(encoder.model.as_deref())?;
    let mut enc = Encoder::open(&model, encoder.options())?;
    let refs: Vec<&str> = texts.texts.iter().map(String::as_str).collect();
    let emb = enc.encode(&refs, &mut |_| {})?.vectors;
    let check = texts.check(&emb);
    println!("\n| frame | examples | cues | nearest other frame | cosine | examples nearest their own frame (leave-one-out) |");
    println!("|---|---|---|---|---|---|");
    let mut close = Vec::new();
    for (i, f) in c.frames.iter().enumerate() {
        let (j, s) = (0..check.labels.len())
            .filter(|&j| j != i)
            .map(|j| (j, check.similarity[[i, j]]))
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((i, 0.0));
        let (ok, n) = check.leave_one_out[i];
        println!("| {} | {} | {} | {} | {:.3} | {ok}/{n} |", f.id, f.examples.len(), f.cues.len(), check.labels[j], s);
        if s > max_similarity && i < j {
            close.push(format!("{} ~ {} ({s:.3})", f.id, check.labels[j]));
        }
    }
    for (frame, k, to) in &check.confusions {
        println!("example {k} of `{frame}` is nearer `{to}`");
    }
    // Examples may be written in several languages (one English codebook can label Chinese outlets with a
    // multilingual model): how distinct the frames are, per language of the examples.
    println!("\n| examples in | count | nearest their own frame (leave-one-out) |");
    println!("|---|---|---|");
    for (lang, ok, n) in &check.by_language {
        println!("| {lang} | {n} | {ok}/{n} ({:.0}%) |", 100.0 * *ok as f64 / (*n).max(1) as f64);
    }
    if !c.topic_examples.is_empty() || !c.off_topic_examples.is_empty() {
        relevance_check(c, &texts, &emb, &mut enc, &model.manifest.weights_sha256)?;
    }
    if !close.is_empty() {
        bail!(
            "{}: frames too close to tell apart (centred prototype cosine > {max_similarity}): {}",
            file.display(),
            close.join(", ")
        );
    }
    println!("\nno two frames closer than {max_similarity}");
    Ok(())
}

/// How the codebook's own `topic_examples` and `off_topic_examples` fare under topic relevance, each scored
/// with itself left out: a topic example set aside here is a paragraph of the topic a run would lose, an
/// off-topic example kept one the background does not cover (docs/codebook.md).
/// `zs_emb` are the prototype texts' embeddings, already computed: the topic side starts with them.
fn relevance_check(
    c: &Codebook,
    texts: &ZeroShotTexts,
    zs_emb: &Array2<f32>,
    enc: &mut Encoder,
    weights: &str,
) -> anyhow::Result<()> {
    let mut refs = topic_texts(c, texts);
    let n_topic = refs.len();
    refs.extend(background_texts(c));
    let rest = enc.encode(&refs[zs_emb.nrows()..], &mut |_| {})?.vectors;
    let emb = ndarray::concatenate(Axis(0), &[zs_emb.view(), rest.view()])?;
    let (topic, background) = (emb.slice(s![..n_topic, ..]), emb.slice(s![n_topic.., ..]));
    let (n_on, n_off) = (c.topic_examples.len(), c.off_topic_examples.len());
    let (on, off) = relevance::held_out_scores(
        topic,
        background,
        n_topic - n_on..n_topic,
        background.nrows() - n_off..background.nrows(),
    );
    let threshold = c.relevance_threshold.unwrap_or_else(|| relevance::default_threshold(weights));
    let kept = on.iter().filter(|&&r| r >= threshold).count();
    let set_aside = off.iter().filter(|&&r| r < threshold).count();
    println!("\ntopic relevance at threshold {threshold} (each example scored without itself):");
    if n_on > 0 {
        println!("  topic_examples kept: {kept}/{n_on} ({:.0}%)", 100.0 * kept as f64 / n_on as f64);
    }
    if n_off > 0 {
        println!(
            "  off_topic_examples set aside: {set_aside}/{n_off} ({:.0}%)",
            100.0 * set_aside as f64 / n_off as f64
        );
    }
    for (k, r) in on.iter().enumerate().filter(|(_, &r)| r < threshold) {
        println!("  topic example {} would be `other` (relevance {r:.3})", k + 1);
    }
    Ok(())
}
