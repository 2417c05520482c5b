//! Labelling texts end to end (embed, then classify), the one way both `run` (paragraphs of a corpus)
//! and `eval --data` (rows of a coded file) do it, so that the same text gets the same labels from either.
//! Texts and sentences that occur more than once are embedded once.

use std::collections::HashMap;
use std::time::Instant;

use ndarray::{Array2, Axis};

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
/// than one), cue phrases, evidence. Distinct texts (paragraphs and sentences alike) are embedded once, in
/// order of first appearance.
pub fn label(
    inputs: &[LabelInput],
    classifier: &Classifier,
    embedder: &mut dyn Embed,
    use_sentences: bool,
    progress: &mut dyn FnMut(usize),
) -> Result<Labelled, EmbedError> {
    let sentence_texts = |u: &LabelInput<'_>| -> bool { use_sentences && u.sentences.len() > 1 };
    // Distinct texts: each paragraph, then (for sentence scoring) its sentences.
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut texts: Vec<&str> = Vec::new();
    for u in inputs {
        let mut candidates = vec![u.text];
        if sentence_texts(u) {
            candidates.extend(u.sentences.iter().map(|&(s, e)| &u.text[s..e]));
        }
        for t in candidates {
            if !index.contains_key(t) {
                index.insert(t, texts.len());
                texts.push(t);
            }
        }
    }
    let t = Instant::now();
    let emb = embedder.embed(&texts, progress)?;
    let encode_secs = t.elapsed().as_secs_f64();

    let sentence_mats: Vec<Array2<f32>> = inputs
        .iter()
        .map(|u| {
            let rows: Vec<usize> = if sentence_texts(u) {
                u.sentences.iter().map(|&(s, e)| index[&u.text[s..e]]).collect()
            } else {
                Vec::new()
            };
            emb.vectors.select(Axis(0), &rows)
        })
        .collect();
    let units: Vec<Unit> = inputs
        .iter()
        .zip(&sentence_mats)
        .map(|(u, sm)| Unit {
            text: u.text,
            embedding: emb.vectors.row(index[u.text]),
            sentences: u.sentences,
            sentence_embeddings: sm.view(),
            article: u.article,
        })
        .collect();
    let (frames, stances) = classifier.classify(&units);
    let rows: Vec<usize> = inputs.iter().map(|u| index[u.text]).collect();
    Ok(Labelled {
        frames,
        stances,
        n_tokens: rows.iter().map(|&r| emb.n_tokens[r]).collect(),
        windows: rows.iter().map(|&r| emb.windows[r]).collect(),
        encode_secs,
    })
}
