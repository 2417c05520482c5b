//! Trained heads in use by `run` and `eval --data`: loading a frame head (`--head`) or the general stance
//! head (`--stance-head`) for a codebook and an encoder, refusing one that does not fit, and recording what
//! was used in the run's manifest. One place, so that the two commands cannot accept different heads.

use std::path::{Path, PathBuf};

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::file::{HeadError, HeadFile, HeadKind, Layer};
use super::{FrameScorer, StancePairHead, TargetStance};
use crate::codebook::{LoadedCodebook, STANCE_LABELS};
use crate::encode::Embed;
use crate::encode::EmbedError;

/// File names of the general stance heads shipped in `models/heads/`, one per encoder (trained on VAST with
/// `framelens train-stance`; each head file names its encoder).
pub const SHIPPED_STANCE_HEADS: &[&str] = &["stance-vast.json", "stance-vast-mpnet.json"];

/// Whether `path` names one of the shipped general stance heads.
pub fn is_shipped_stance_head(path: &str) -> bool {
    let name = Path::new(path).file_name().and_then(|n| n.to_str()).unwrap_or("");
    SHIPPED_STANCE_HEADS.contains(&name)
}

/// Whether a run's stance is validated for its corpus: it came from a stance head other than the shipped
/// general one (so, trained on coded data). Otherwise every stance figure carries
/// [`crate::classify::stance_caveat`]. `heads` are the `(role, path)` pairs the manifest records.
pub fn stance_validated<'a>(heads: impl IntoIterator<Item = (&'a str, &'a str)>) -> bool {
    heads.into_iter().any(|(role, path)| role == "stance" && !is_shipped_stance_head(path))
}

/// A head a run used, as the manifest records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadUse {
    /// `frames` or `stance`.
    pub role: String,
    /// The head file as given (`--head`, `--stance-head`) or found among the shipped heads.
    pub path: String,
    /// sha256 of the head file's bytes.
    pub sha256: String,
    pub(crate) kind: HeadKind,
    pub(crate) labels: Vec<String>,
    /// Stance: the codebook target the head scores toward, and how many codebook examples refined it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) refined_on: Option<usize>,
}

/// Why refitting the stance head failed (the trainer's error, kept for its message).
pub type RefineError = Box<dyn std::error::Error + Send + Sync>;

/// Refits the general stance head toward a codebook target's example statements, with a prior centred on
/// the shipped weights. Fitting is the trainer's job (`train::stance_pair::PriorRefit`); the classify stage
/// only asks for the refit output layer, so it never depends on the trainer.
pub trait RefineStance {
    /// `head_json` is the stance head file's text (read from `path`); `target` the target's embedding,
    /// `examples` the example statements' embeddings (rows) with stance label indices `y`.
    fn refine(
        &self,
        head_json: &str,
        path: &Path,
        target: ArrayView1<f32>,
        examples: ArrayView2<f32>,
        y: &[usize],
        strength: f64,
    ) -> Result<Layer, RefineError>;
}

/// Why a head given for a run (or the shipped stance head) cannot label it.
#[derive(Debug, thiserror::Error)]
pub enum HeadUseError {
    /// The file is unreadable, invalid, of the wrong kind or for another encoder.
    #[error(transparent)]
    Head(#[from] HeadError),
    /// Embedding the stance target's description and example statements (for the stance head) failed.
    #[error(transparent)]
    Embed(#[from] EmbedError),
    /// Refitting the stance head on the codebook's examples failed.
    #[error("refining the stance head on the codebook's examples: {0}")]
    Refine(RefineError),
    /// A frame head whose labels are not the codebook's frames in order (optionally plus `other`).
    #[error(
        "{path}: the head's labels ({}) are not the frames of codebook {codebook} ({}); train a head for this \
         codebook with `framelens train --codebook {codebook} --data ...`",
        head.join(", "), codebook_frames.join(", ")
    )]
    Labels {
        /// The head file.
        path: PathBuf,
        /// The head's labels, in its output order.
        head: Vec<String>,
        /// The codebook file's path, as displayed.
        codebook: String,
        /// The codebook's frame ids, in order.
        codebook_frames: Vec<String>,
    },
    /// A stance head whose labels are not [`crate::codebook::STANCE_LABELS`] in order.
    #[error("{path}: a stance head must have the labels supportive, critical, neutral (in that order); it has {}", .labels.join(", "))]
    StanceLabels {
        /// The head file.
        path: PathBuf,
        /// The head's labels.
        labels: Vec<String>,
    },
    /// A stance head given where a frame head is expected (`--head`).
    #[error("{path}: a {found:?} head cannot label frames; pass it as --stance-head")]
    NotAFrameHead {
        /// The head file.
        path: PathBuf,
        /// The kind the file says it is.
        found: HeadKind,
    },
}

/// Loads a frame head for `cb` and the encoder with weights sha256 `encoder_sha256`: refuses a head for
/// another encoder, a stance head, or a head whose labels are not the codebook's frames (in order).
pub fn frame_head_for(
    path: &Path,
    cb: &LoadedCodebook,
    encoder_sha256: &str,
) -> Result<(FrameScorer, HeadUse), HeadUseError> {
    let bytes = std::fs::read(path).map_err(|source| HeadError::Io { path: path.to_path_buf(), source })?;
    let text = String::from_utf8_lossy(&bytes);
    let head: HeadFile = HeadFile::from_json(&text, path)?;
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
    let kind = head.kind;
    let scorer =
        FrameScorer::from_file(head).ok_or(HeadUseError::NotAFrameHead { path: path.to_path_buf(), found: kind })?;
    Ok((scorer, used))
}

/// Loads the general stance head and points it at the codebook's first stance target: the target is the
/// embedded target description; with `refine_strength > 0` the head is refit on the target's example
/// statements with a prior centred on the shipped weights ([`RefineStance`]).
///
/// `known` gives embeddings the caller already has (e.g. of the codebook's texts, so that a run embeds each
/// text once); the rest are embedded here.
pub fn stance_head_for(
    path: &Path,
    cb: &LoadedCodebook,
    embedder: &mut dyn Embed,
    refine_strength: f64,
    refiner: &dyn RefineStance,
    known: &dyn Fn(&str) -> Option<Array1<f32>>,
) -> Result<Option<(TargetStance, HeadUse)>, HeadUseError> {
    let Some(target) = cb.codebook.stance_targets.first() else { return Ok(None) };
    let bytes = std::fs::read(path).map_err(|source| HeadError::Io { path: path.to_path_buf(), source })?;
    let text = String::from_utf8_lossy(&bytes);
    let head: HeadFile = HeadFile::from_json(&text, path)?;
    head.check_encoder(&embedder.manifest().weights_sha256, path)?;
    head.expect_kind(HeadKind::StancePair, path)?;
    if head.labels != STANCE_LABELS {
        return Err(HeadUseError::StanceLabels { path: path.to_path_buf(), labels: head.labels.clone() });
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
    let mut emb = Array2::<f32>::zeros((texts.len(), embedder.manifest().hidden_size));
    for (i, t) in texts.iter().enumerate() {
        let v = match known(t) {
            Some(v) => v,
            None => fresh.row(missing.iter().position(|m| m == t).expect("embedded above")).to_owned(),
        };
        emb.row_mut(i).assign(&v);
    }
    let t = emb.row(0);
    let mut refined_on = None;
    let mut refined = None;
    if refine_strength > 0.0 && !y.is_empty() {
        let rows: Vec<usize> = (1..texts.len()).collect();
        let examples: Array2<f32> = emb.select(Axis(0), &rows);
        let layer =
            refiner.refine(&text, path, t, examples.view(), &y, refine_strength).map_err(HeadUseError::Refine)?;
        refined = Some(layer);
        refined_on = Some(y.len());
    }
    let stance = StancePairHead::from_file(head, refined);
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

/// The shipped general stance heads that can be found, one per file name: each from `$FRAMELENS_HOME/heads/`,
/// else `models/heads/` beside the binary's source tree (`target/<profile>/framelens` → `models/heads/`), else
/// `models/heads/` under the current directory.
pub fn shipped_stance_heads() -> Vec<PathBuf> {
    let mut dirs = vec![crate::encode::runtime::framelens_home().join("heads")];
    if let Ok(exe) = std::env::current_exe() {
        dirs.extend(exe.ancestors().skip(1).take(4).map(|up| up.join("models").join("heads")));
    }
    dirs.push(PathBuf::from("models").join("heads"));
    SHIPPED_STANCE_HEADS.iter().filter_map(|name| dirs.iter().map(|d| d.join(name)).find(|p| p.is_file())).collect()
}
