//! Labelling texts end to end (embed, then classify), the one way both `run` (paragraphs of a corpus)
//! and `eval --data` (rows of a coded file) do it, so that the same text gets the same labels from either.
//! Texts and sentences that occur more than once are embedded once.

use std::collections::HashMap;
use std::time::Instant;

use ndarray::{Array2, ArrayView2, Axis};

use super::{Classifier, FrameLabel, StanceLabel, Unit};
use crate::encode::Embed;
use crate::encode::EmbedError;

/// One text to label: a body paragraph of a run, or a row of coded data.
pub struct LabelInput<'a> {
    /// The paragraph or row; `sentences` index into it.
    pub text: &'a str,
    /// Byte ranges of the text's sentences ([`crate::segment::sentences`]).
    pub sentences: &'a [(usize, usize)],
    /// The article the text belongs to (texts of one article share context, e.g. for rebuttals).
    pub article: usize,
}

/// Labels of each input, in input order, with what embedding them cost.
pub struct Labelled {
    /// One per input.
    pub frames: Vec<FrameLabel>,
    /// One per input when the codebook has a stance target.
    pub stances: Option<Vec<StanceLabel>>,
    /// Tokens of each input's text and the windows it was encoded in.
    pub n_tokens: Vec<usize>,
    pub(crate) windows: Vec<usize>,
    /// Seconds spent embedding.
    pub encode_secs: f64,
}

/// Labels `inputs`: each text's embedding mixed with its sentences' when `use_sentences` (and it has more
/// than one), cue phrases, evidence. Distinct texts are embedded once: the paragraphs, then the sentences
/// still needed, each in order of first appearance.
///
/// Paragraphs are embedded first and their topic relevance judged; sentences are embedded only for the
/// paragraphs the relevance threshold keeps. A corpus drawn from a news database by keyword is mostly
/// off-topic, and an off-topic paragraph's label (`other`, no stance) does not depend on its sentences, so
/// their embeddings would be thrown away; every kept paragraph is labelled exactly as from one pass.
pub fn label(
    inputs: &[LabelInput],
    classifier: &Classifier,
    embedder: &mut dyn Embed,
    use_sentences: bool,
    progress: &mut dyn FnMut(usize),
) -> Result<Labelled, EmbedError> {
    let mut texts = DistinctTexts::default();
    for u in inputs {
        texts.add(u.text);
    }
    let t = Instant::now();
    let paragraphs = embedder.embed(&texts.list, progress)?;
    let mut encode_secs = t.elapsed().as_secs_f64();
    let n_paragraphs = texts.list.len();

    let no_sentences = Array2::<f32>::zeros((0, paragraphs.vectors.ncols()));
    let relevance =
        classifier.relevance_in_context(&units(inputs, &texts.index, &paragraphs.vectors, |_| no_sentences.view()));

    // Sentences of the paragraphs that stay on topic.
    let scored = |i: usize| use_sentences && inputs[i].sentences.len() > 1 && !classifier.sets_aside(relevance[i]);
    for (i, u) in inputs.iter().enumerate() {
        if scored(i) {
            for &(s, e) in u.sentences {
                texts.add(&u.text[s..e]);
            }
        }
    }
    let vectors = if texts.list.len() > n_paragraphs {
        let t = Instant::now();
        let sentences = embedder.embed(&texts.list[n_paragraphs..], progress)?;
        encode_secs += t.elapsed().as_secs_f64();
        ndarray::concatenate(Axis(0), &[paragraphs.vectors.view(), sentences.vectors.view()])
            .expect("embeddings of one encoder share their width")
    } else {
        paragraphs.vectors
    };
    let sentence_mats: Vec<Array2<f32>> = inputs
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let rows: Vec<usize> = if scored(i) {
                u.sentences.iter().map(|&(s, e)| texts.index[&u.text[s..e]]).collect()
            } else {
                Vec::new()
            };
            vectors.select(Axis(0), &rows)
        })
        .collect();
    let (frames, stances) = classifier
        .classify_with_relevance(&units(inputs, &texts.index, &vectors, |i| sentence_mats[i].view()), &relevance);
    let rows: Vec<usize> = inputs.iter().map(|u| texts.index[u.text]).collect();
    Ok(Labelled {
        frames,
        stances,
        n_tokens: rows.iter().map(|&r| paragraphs.n_tokens[r]).collect(),
        windows: rows.iter().map(|&r| paragraphs.windows[r]).collect(),
        encode_secs,
    })
}

/// The classifier's view of `inputs`: each text's row of `vectors`, and its sentences' rows.
fn units<'a>(
    inputs: &'a [LabelInput],
    index: &HashMap<&str, usize>,
    vectors: &'a Array2<f32>,
    sentence_rows: impl Fn(usize) -> ArrayView2<'a, f32>,
) -> Vec<Unit<'a>> {
    inputs
        .iter()
        .enumerate()
        .map(|(i, u)| Unit {
            text: u.text,
            embedding: vectors.row(index[u.text]),
            sentences: u.sentences,
            sentence_embeddings: sentence_rows(i),
            article: u.article,
        })
        .collect()
}

/// Texts to embed, each once, in order of first appearance.
#[derive(Default)]
struct DistinctTexts<'a> {
    list: Vec<&'a str>,
    index: HashMap<&'a str, usize>,
}

impl<'a> DistinctTexts<'a> {
    fn add(&mut self, text: &'a str) {
        if !self.index.contains_key(text) {
            self.index.insert(text, self.list.len());
            self.list.push(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::relevance::Relevance;
    use crate::classify::scorer::PrototypeScorer;
    use crate::classify::ClassifyOptions;
    use crate::codebook::{Codebook, OTHER};
    use crate::encode::embed::fake::FakeEmbedder;

    const TOPIC: [&str; 2] = [
        "police raided the scam compound and freed the trafficked workers",
        "the syndicate ran its fraud from the compound until the police raid",
    ];
    const BACKGROUND: [&str; 2] =
        ["the orchestra played a new symphony at the festival", "farmers expect a good harvest after the spring rain"];
    const ON: &str = "Police raided the scam compound at dawn. The trafficked workers were freed in the raid.";
    const OFF: &str = "The orchestra played a new symphony. The festival closed with a harvest dance in the rain.";

    /// Prototypes and relevance from the fake encoder's embeddings of the texts above.
    fn classifier(embedder: &mut FakeEmbedder, relevance_threshold: f32) -> Classifier {
        let codebook: Codebook = toml::from_str(
            r#"
            name = "t"
            version = "1"
            description = "raids on scam compounds"
            [[frames]]
            id = "raid"
            label = "Raid"
            definition = "police raids on compounds"
            [[frames]]
            id = "fraud"
            label = "Fraud"
            definition = "how the syndicate runs its fraud"
        "#,
        )
        .unwrap();
        let topic = embedder.embed(&TOPIC, &mut |_| {}).unwrap().vectors;
        let background = embedder.embed(&BACKGROUND, &mut |_| {}).unwrap().vectors;
        let groups = [topic.slice(ndarray::s![0..1, ..]).to_owned(), topic.slice(ndarray::s![1..2, ..]).to_owned()];
        let frames =
            PrototypeScorer::new(vec!["raid".into(), "fraud".into()], &groups, ndarray::Array1::zeros(topic.ncols()));
        let opts = ClassifyOptions { relevance_threshold: Some(relevance_threshold), ..ClassifyOptions::default() };
        Classifier::new(&codebook, Box::new(frames), None, opts).with_relevance(Relevance::new(
            topic.view(),
            background.view(),
            1,
            1,
        ))
    }

    /// Labels ON and OFF (two articles) at a threshold; returns the labels and the texts embedded for them.
    fn label_at(threshold: f32) -> (Vec<FrameLabel>, u64) {
        let mut embedder = FakeEmbedder::new();
        let classifier = classifier(&mut embedder, threshold);
        let (on, off) = (crate::segment::sentences(ON), crate::segment::sentences(OFF));
        assert_eq!((on.len(), off.len()), (2, 2));
        let inputs = [
            LabelInput { text: ON, sentences: &on, article: 0 },
            LabelInput { text: OFF, sentences: &off, article: 1 },
        ];
        let before = embedder.counters().requested;
        let labelled = label(&inputs, &classifier, &mut embedder, true, &mut |_| {}).unwrap();
        (labelled.frames, embedder.counters().requested - before)
    }

    #[test]
    fn sentences_of_paragraphs_set_aside_are_not_embedded_and_kept_ones_label_as_in_one_pass() {
        // Nothing set aside: both paragraphs and all four sentences are embedded, as in a single pass.
        let (all, embedded) = label_at(f32::NEG_INFINITY);
        assert_eq!(embedded, 6);
        let (on, off) = (all[0].relevance.unwrap(), all[1].relevance.unwrap());
        assert!(on > off, "the raid paragraph is nearer the topic: {on} vs {off}");
        assert_ne!(all[1].frame, OTHER);
        // A threshold between the two sets the orchestra paragraph aside, and its sentences are not embedded.
        let (split, embedded) = label_at((on + off) / 2.0);
        assert_eq!(embedded, 4, "two paragraphs and the kept paragraph's two sentences");
        assert_eq!(split[0], all[0], "the kept paragraph is labelled exactly as with every sentence embedded");
        assert_eq!(split[1].frame, OTHER);
        assert_eq!(split[1].evidence, "", "no frame, no evidence");
        assert!(!all[1].evidence.is_empty());
    }
}
