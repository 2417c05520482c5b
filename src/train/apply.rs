//! Trained heads in use: the classifier for `run` and `eval --data` with a frame head (`--head`) and/or the
//! general stance head (`--stance-head`) in place of the zero-shot prototypes, and the same labelling of a
//! list of texts that `run` does for paragraphs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2, Axis};
use serde::{Deserialize, Serialize};

use super::head::{Head, HeadError, HeadKind};
use super::stance_pair::{pair_feature_matrix, StanceHead, TargetStance};
use super::TrainError;
use crate::classify::relevance::{self, Relevance};
use crate::classify::scorer::Scorer;
use crate::classify::zeroshot::ZeroShotTexts;
use crate::classify::{Classifier, ClassifyOptions, FrameLabel, StanceLabel, Unit};
use crate::codebook::{LoadedCodebook, STANCE_LABELS};
use crate::encode::cached::{EmbedError, Embedder};

/// File name of the general stance head shipped in `models/heads/`.
pub const SHIPPED_STANCE_HEAD: &str = "stance-vast.json";

/// Whether a run's stance is validated for its corpus: it came from a stance head other than the shipped
/// general one (so, trained on coded data). Otherwise every stance figure carries
/// [`crate::classify::STANCE_CAVEAT`]. `heads` are the `(role, path)` pairs the manifest records.
pub fn stance_validated<'a>(heads: impl IntoIterator<Item = (&'a str, &'a str)>) -> bool {
    heads.into_iter().any(|(role, path)| role == "stance" && !path.ends_with(SHIPPED_STANCE_HEAD))
}

/// A head a run used, as the manifest records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadUse {
    /// `frames` or `stance`.
    pub role: String,
    pub path: String,
    /// sha256 of the head file's bytes.
    pub sha256: String,
    pub kind: HeadKind,
    pub labels: Vec<String>,
    /// Stance: the codebook target the head scores toward, and how many codebook examples refined it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refined_on: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum HeadUseError {
    #[error(transparent)]
    Head(#[from] HeadError),
    #[error(transparent)]
    Embed(#[from] EmbedError),
    #[error("refining the stance head on the codebook's examples: {0}")]
    Refine(#[from] TrainError),
    #[error(
        "{path}: the head's labels ({}) are not the frames of codebook {codebook} ({}); train a head for this \
         codebook with `framelens train --codebook {codebook} --data ...`",
        head.join(", "), codebook_frames.join(", ")
    )]
    Labels { path: PathBuf, head: Vec<String>, codebook: String, codebook_frames: Vec<String> },
    #[error("{path}: a stance head must have the labels supportive, critical, neutral (in that order); it has {}", .labels.join(", "))]
    StanceLabels { path: PathBuf, labels: Vec<String> },
    #[error("{path}: a {found:?} head cannot label frames; pass it as --stance-head")]
    NotAFrameHead { path: PathBuf, found: HeadKind },
}

/// Loads a frame head for `cb` and the encoder with weights sha256 `encoder_sha256`: refuses a head for
/// another encoder, a stance head, or a head whose labels are not the codebook's frames (in order).
pub fn frame_head_for(path: &Path, cb: &LoadedCodebook, encoder_sha256: &str) -> Result<(Head, HeadUse), HeadUseError> {
    let bytes = std::fs::read(path).map_err(|source| HeadError::Io { path: path.to_path_buf(), source })?;
    let text = String::from_utf8_lossy(&bytes);
    let head = Head::from_json(&text, path)?;
    if head.kind == HeadKind::StancePair {
        return Err(HeadUseError::NotAFrameHead { path: path.to_path_buf(), found: head.kind });
    }
    head.check_encoder(encoder_sha256, path)?;
    let frames: Vec<String> = cb.codebook.frames.iter().map(|f| f.id.clone()).collect();
    // A head trained on coded `other` rows has that class after the frames.
    let with_other = head.labels.len() == frames.len() + 1
        && head.labels.last().is_some_and(|l| l == crate::codebook::OTHER)
        && head.labels[..frames.len()] == frames[..];
    if head.labels != frames && !with_other {
        return Err(HeadUseError::Labels {
            path: path.to_path_buf(),
            head: head.labels.clone(),
            codebook: cb.path.display().to_string(),
            codebook_frames: frames,
        });
    }
    let used = HeadUse {
        role: "frames".into(),
        path: path.display().to_string(),
        sha256: crate::encode::model::sha256_hex(&bytes),
        kind: head.kind,
        labels: head.labels.clone(),
        target: None,
        refined_on: None,
    };
    Ok((head, used))
}

/// Loads the general stance head and points it at the codebook's first stance target: the target is the
/// embedded target description; with `refine_strength > 0` the head is refit on the target's example
/// statements with a prior centred on the shipped weights ([`StanceHead::refine`]).
///
/// `known` gives embeddings the caller already has (e.g. of the codebook's texts, so that a run embeds each
/// text once); the rest are embedded here.
pub fn stance_head_for(
    path: &Path,
    cb: &LoadedCodebook,
    embedder: &mut Embedder,
    refine_strength: f64,
    known: &dyn Fn(&str) -> Option<Array1<f32>>,
) -> Result<Option<(TargetStance, HeadUse)>, HeadUseError> {
    let Some(target) = cb.codebook.stance_targets.first() else { return Ok(None) };
    let bytes = std::fs::read(path).map_err(|source| HeadError::Io { path: path.to_path_buf(), source })?;
    let head = Head::from_json(&String::from_utf8_lossy(&bytes), path)?;
    head.check_encoder(&embedder.model().manifest.weights_sha256, path)?;
    let mut stance = StanceHead::from_head(head, path)?;
    if stance.labels() != STANCE_LABELS {
        return Err(HeadUseError::StanceLabels { path: path.to_path_buf(), labels: stance.labels().to_vec() });
    }
    let mut texts: Vec<&str> = vec![target.description.as_str()];
    let mut y = Vec::new();
    for (k, examples) in target.examples().iter().enumerate() {
        for e in examples.iter() {
            texts.push(e.as_str());
            y.push(k);
        }
    }
    let missing: Vec<&str> = texts.iter().copied().filter(|t| known(t).is_none()).collect();
    let fresh = embedder.embed(&missing, &mut |_| {})?.vectors;
    let mut emb = Array2::<f32>::zeros((texts.len(), embedder.model().manifest.hidden_size));
    for (i, t) in texts.iter().enumerate() {
        let v = match known(t) {
            Some(v) => v,
            None => fresh.row(missing.iter().position(|m| m == t).expect("embedded above")).to_owned(),
        };
        emb.row_mut(i).assign(&v);
    }
    let t = emb.row(0);
    let mut refined_on = None;
    if refine_strength > 0.0 && !y.is_empty() {
        let rows: Vec<usize> = (1..texts.len()).collect();
        let examples: Array2<f32> = emb.select(Axis(0), &rows);
        let targets = t.insert_axis(Axis(0));
        let x = pair_feature_matrix(targets, &vec![0; y.len()], examples.view(), &(0..y.len()).collect::<Vec<_>>())?;
        stance = stance.refine(x.view(), &y, refine_strength, None)?;
        refined_on = Some(y.len());
    }
    let used = HeadUse {
        role: "stance".into(),
        path: path.display().to_string(),
        sha256: crate::encode::model::sha256_hex(&bytes),
        kind: HeadKind::StancePair,
        labels: stance.labels().to_vec(),
        target: Some(target.id.clone()),
        refined_on,
    };
    Ok(Some((stance.toward(t), used)))
}

/// The classifier for a codebook: a frame head if given, else zero-shot prototypes; the stance head
/// toward the codebook's target if given (and the codebook has one), else stance prototypes.
pub fn build_classifier(
    cb: &LoadedCodebook,
    embedder: &mut Embedder,
    opts: &ClassifyOptions,
    frame_head: Option<&Path>,
    stance_head: Option<&Path>,
) -> Result<(Classifier, Vec<HeadUse>), HeadUseError> {
    let zs = ZeroShotTexts::new(&cb.codebook);
    let mut refs: Vec<&str> = zs.texts.iter().map(String::as_str).collect();
    let n_zs = refs.len();
    // Every codebook text is embedded in one call: the prototypes' texts, then the descriptions (topic
    // relevance; the stance head's target), then the relevance background.
    refs.push(cb.codebook.description.as_str());
    refs.extend(cb.codebook.stance_targets.iter().map(|t| t.description.as_str()));
    refs.extend(cb.codebook.topic_examples.iter().map(String::as_str));
    let n_topic = refs.len();
    let background = relevance::background_texts();
    refs.extend(&background);
    let all = embedder.embed(&refs, &mut |_| {})?.vectors;
    let index: HashMap<&str, usize> = refs.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    let known = |t: &str| index.get(t).map(|&i| all.row(i).to_owned());
    let zs_emb = all.slice(ndarray::s![..n_zs, ..]).to_owned();
    let topic = Relevance::new(
        all.slice(ndarray::s![..n_topic, ..]),
        all.slice(ndarray::s![n_topic.., ..]),
        relevance::TOPIC_NEIGHBOURS,
        relevance::BACKGROUND_NEIGHBOURS,
    );
    let (proto_frames, proto_stance) = zs.build(&zs_emb);
    let mut used = Vec::new();
    let frames: Box<dyn Scorer> = match frame_head {
        Some(p) => {
            let (head, u) = frame_head_for(p, cb, &embedder.model().manifest.weights_sha256)?;
            used.push(u);
            Box::new(head)
        }
        None => Box::new(proto_frames),
    };
    let mut stance: Option<Box<dyn Scorer>> = proto_stance.map(|s| Box::new(s) as Box<dyn Scorer>);
    if let Some(p) = stance_head {
        if let Some((s, u)) = stance_head_for(p, cb, embedder, opts.stance_refine_strength, &known)? {
            stance = Some(Box::new(s));
            used.push(u);
        }
    }
    Ok((Classifier::new(&cb.codebook, frames, stance, opts.clone()).with_relevance(topic), used))
}

/// The shipped general stance head, if it can be found: `$FRAMELENS_HOME/heads/`, then `models/heads/`
/// beside the binary's source tree (`target/<profile>/framelens` → `models/heads/`), then `models/heads/`
/// under the current directory.
pub fn shipped_stance_head() -> Option<PathBuf> {
    let mut candidates = vec![crate::encode::runtime::framelens_home().join("heads").join(SHIPPED_STANCE_HEAD)];
    if let Ok(exe) = std::env::current_exe() {
        for up in exe.ancestors().skip(1).take(4) {
            candidates.push(up.join("models").join("heads").join(SHIPPED_STANCE_HEAD));
        }
    }
    candidates.push(PathBuf::from("models").join("heads").join(SHIPPED_STANCE_HEAD));
    candidates.into_iter().find(|p| p.is_file())
}

/// Labels each text as `run` labels a body paragraph: the text's embedding mixed with its sentences'
/// (when the classifier's options use sentences), cue phrases, evidence.
pub fn classify_texts(
    texts: &[&str],
    classifier: &Classifier,
    embedder: &mut Embedder,
    use_sentences: bool,
    progress: &mut dyn FnMut(usize),
) -> Result<(Vec<FrameLabel>, Option<Vec<StanceLabel>>), EmbedError> {
    let sentences: Vec<Vec<(usize, usize)>> = texts.iter().map(|t| crate::segment::sentences(t)).collect();
    let mut all: Vec<&str> = texts.to_vec();
    let mut rows: Vec<Vec<usize>> = Vec::with_capacity(texts.len());
    for (t, s) in texts.iter().zip(&sentences) {
        if use_sentences && s.len() > 1 {
            let start = all.len();
            all.extend(s.iter().map(|&(a, b)| &t[a..b]));
            rows.push((start..all.len()).collect());
        } else {
            rows.push(Vec::new());
        }
    }
    let emb = embedder.embed(&all, progress)?.vectors;
    let mats: Vec<Array2<f32>> = rows.iter().map(|r| emb.select(Axis(0), r)).collect();
    let units: Vec<Unit> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| Unit {
            text: t,
            embedding: emb.row(i),
            sentences: &sentences[i],
            sentence_embeddings: mats[i].view(),
            article: i,
        })
        .collect();
    Ok(classifier.classify(&units))
}
