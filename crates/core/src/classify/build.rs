//! The one place a codebook becomes a [`Classifier`]: zero-shot prototypes from the codebook's embedded
//! texts, topic relevance, and trained heads in their place when given. `run` and `eval --data` both call
//! it, so a paragraph is scored by the same classifier whichever command labels it.

use std::collections::HashMap;
use std::path::Path;

use super::heads::using::{frame_head_for, stance_head_for};
use super::heads::{HeadUse, HeadUseError, RefineStance};
use super::language::{self, LanguageShift};
use super::relevance::{self, Relevance};
use super::scorer::Scorer;
use super::zeroshot::ZeroShotTexts;
use super::{Classifier, ClassifyOptions};
use crate::codebook::{Codebook, LoadedCodebook};
use crate::encode::Embed;

/// The classifier for a codebook: a frame head if given, else zero-shot prototypes; the stance head
/// toward the codebook's target if given (and the codebook has one), else stance prototypes. `refiner`
/// refits the stance head on the codebook's examples when `opts.stance_refine_strength > 0`.
pub fn build_classifier(
    cb: &LoadedCodebook,
    embedder: &mut dyn Embed,
    opts: &ClassifyOptions,
    frame_head: Option<&Path>,
    stance_head: Option<&Path>,
    refiner: &dyn RefineStance,
) -> Result<(Classifier, Vec<HeadUse>), HeadUseError> {
    let zs = ZeroShotTexts::new(&cb.codebook);
    let n_zs = zs.texts.len();
    // Every codebook text is embedded in one call: the topic side of relevance (which starts with the
    // prototypes' texts and holds the stance head's target), then the backgrounds.
    let mut refs = topic_texts(&cb.codebook, &zs);
    let n_topic = refs.len();
    // Then the relevance background, whose ordinary news is also the codebook language's background.
    refs.extend(background_texts(&cb.codebook));
    let background = n_topic..refs.len();
    let mut spans = vec![(language::BACKGROUNDS[0].0, n_topic..n_topic + relevance::background_texts().len())];
    // Then the other languages' backgrounds (their means only move paragraphs; relevance never sees them).
    for (lang, text) in &language::BACKGROUNDS[1..] {
        let start = refs.len();
        refs.extend(language::background_texts(text));
        spans.push((*lang, start..refs.len()));
    }
    let all = embedder.embed(&refs, &mut |_| {})?.vectors;
    let index: HashMap<&str, usize> = refs.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    let known = |t: &str| index.get(t).map(|&i| all.row(i).to_owned());
    let zs_emb = all.slice(ndarray::s![..n_zs, ..]).to_owned();
    let rows = |r: &std::ops::Range<usize>| all.slice(ndarray::s![r.clone(), ..]);
    let topic = Relevance::new(
        rows(&(0..n_topic)),
        rows(&background),
        relevance::TOPIC_NEIGHBOURS,
        relevance::BACKGROUND_NEIGHBOURS,
    );
    let means: Vec<_> = spans.iter().map(|(lang, r)| (*lang, rows(r))).collect();
    let shift = LanguageShift::new(language::codebook_language(&cb.codebook), &means);
    let (proto_frames, proto_stance) = zs.build(&zs_emb);
    let mut used = Vec::new();
    let frames: Box<dyn Scorer> = match frame_head {
        Some(p) => {
            let (head, u) = frame_head_for(p, cb, &embedder.manifest().weights_sha256)?;
            used.push(u);
            head.boxed()
        }
        None => Box::new(proto_frames),
    };
    let mut stance: Option<Box<dyn Scorer>> = proto_stance.map(|s| Box::new(s) as Box<dyn Scorer>);
    if let Some(p) = stance_head {
        if let Some((s, u)) = stance_head_for(p, cb, embedder, opts.stance_refine_strength, refiner, &known)? {
            stance = Some(Box::new(s));
            used.push(u);
        }
    }
    let mut opts = opts.clone();
    if opts.relevance_threshold.is_none() && cb.codebook.relevance_threshold.is_none() {
        opts.relevance_threshold = Some(relevance::default_threshold(&embedder.manifest().weights_sha256));
    }
    Ok((Classifier::new(&cb.codebook, frames, stance, opts).with_relevance(topic).with_language_shift(shift), used))
}

/// The codebook's texts on the topic side of relevance, in the order the classifier embeds them: the
/// prototypes' texts ([`ZeroShotTexts`]), the description, the stance targets' descriptions, and last the
/// `topic_examples` (`codebook check` scores those held out).
pub fn topic_texts<'a>(cb: &'a Codebook, zs: &'a ZeroShotTexts) -> Vec<&'a str> {
    let mut refs: Vec<&str> = zs.texts.iter().map(String::as_str).collect();
    refs.push(cb.description.as_str());
    refs.extend(cb.stance_targets.iter().map(|t| t.description.as_str()));
    refs.extend(cb.topic_examples.iter().map(String::as_str));
    refs
}

/// The background side of relevance: ordinary news ([`relevance::background_texts`], also the codebook
/// language's background for [`language`]), then the codebook's `off_topic_examples` last (`codebook check`
/// scores those held out). The examples never join a language's mean, which must stay ordinary news.
pub fn background_texts(cb: &Codebook) -> Vec<&str> {
    let mut refs = relevance::background_texts();
    refs.extend(cb.off_topic_examples.iter().map(String::as_str));
    refs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::heads::file::Layer;
    use crate::classify::heads::using::RefineError;
    use crate::classify::Unit;
    use crate::encode::embed::fake::FakeEmbedder;
    use ndarray::{Array2, ArrayView1, ArrayView2};

    struct NoRefit;
    impl RefineStance for NoRefit {
        fn refine(
            &self,
            _: &str,
            _: &Path,
            _: ArrayView1<f32>,
            _: ArrayView2<f32>,
            _: &[usize],
            _: f64,
        ) -> Result<Layer, RefineError> {
            unreachable!("no stance head in these tests")
        }
    }

    const CODEBOOK: &str = r#"
name = "t"
version = "1"
description = "raids on online scam compounds and the trafficking victims freed from them"
topic_examples = ["police raided a scam compound and freed trafficking victims held by the syndicate"]
OFF
[[frames]]
id = "a"
label = "A"
definition = "raids on scam compounds"
[[frames]]
id = "b"
label = "B"
definition = "victims freed from trafficking"
"#;

    /// The relevance `text` gets with `off_topic` as the codebook's off-topic examples.
    fn relevance_of(off_topic: &str, text: &str) -> f32 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cb.toml");
        std::fs::write(&path, CODEBOOK.replace("OFF", off_topic)).unwrap();
        let cb = crate::codebook::load(&path).unwrap();
        let mut embedder = FakeEmbedder::new();
        let opts = ClassifyOptions::default();
        let (classifier, _) = build_classifier(&cb, &mut embedder, &opts, None, None, &NoRefit).unwrap();
        let x = embedder.embed(&[text], &mut |_| {}).unwrap().vectors;
        let none = Array2::<f32>::zeros((0, x.ncols()));
        let unit = Unit { text, embedding: x.row(0), sentences: &[], sentence_embeddings: none.view(), article: 0 };
        classifier.classify(&[unit]).0.remove(0).relevance.unwrap()
    }

    #[test]
    fn off_topic_examples_lower_relevance_of_what_resembles_them_only() {
        // Background relevance averages the 20 nearest background texts, so a handful of examples moves it.
        let off = r#"off_topic_examples = [
            "police detained students at a protest camp near the border",
            "students at the protest camp were detained by border police",
            "border police cleared a student protest camp and detained dozens",
            "a protest camp of students near the border was raided and its leaders detained",
        ]"#;
        let near = "police raided a protest camp and detained students near the border";
        let on = "the syndicate held trafficking victims in the scam compound until police freed them";
        let drop = |text: &str| relevance_of("", text) - relevance_of(off, text);
        let (near_drop, on_drop) = (drop(near), drop(on));
        assert!(near_drop > 0.02, "a paragraph like the off-topic examples drops: {near_drop}");
        assert!(on_drop < near_drop / 4.0, "the topic's own barely moves: {on_drop} vs {near_drop}");
    }
}
