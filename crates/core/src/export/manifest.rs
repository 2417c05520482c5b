//! `manifest.json`: what produced a run's outputs (versions, model and codebook hashes, every option), what
//! went in and out (counts), and where the time went (stage timings).
//!
//! `f32` options are written as written (`0.05`) through [`crate::display::f32_as_written`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::run::Stance;

/// The contents of `manifest.json`: how a run was made, what went in and out, and a hash of every output;
/// `merge` reads it back from every shard.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Version of the framelens that wrote the run.
    pub framelens_version: String,
    /// When the manifest was written, RFC 3339 UTC to the second.
    pub created: String,
    /// The corpus path as given to `run` (where it lay then; `corpus_fingerprint` says what it was).
    pub corpus: String,
    /// What the corpus was, independent of where it lies ([`crate::corpus::fingerprint`]), so that `merge` can
    /// refuse shards of different corpora. Absent in manifests written before framelens recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corpus_fingerprint: Option<String>,
    /// The encoder that embedded the paragraphs, and in which precision.
    pub model: ModelInfo,
    /// The codebook the paragraphs were labelled with, identified by hash.
    pub codebook: CodebookInfo,
    /// Every option the run was made with (format, fields, encode, classify, heads, …): `merge` refuses
    /// shards whose result-changing options differ.
    pub options: serde_json::Value,
    /// `K/N` when the run processed one shard of the corpus.
    #[serde(default)]
    pub shard: Option<String>,
    /// What went in and came out; `merge` sums the shards'.
    pub counts: crate::run::counts::Counts,
    /// Seconds per stage, plus `total`.
    pub timings: BTreeMap<String, f64>,
    /// The embedder's counters: texts requested, cache hits, texts encoded and the encoder's work.
    pub encode: serde_json::Value,
    /// Problems the run met and worked around (e.g. a damaged cache rebuilt).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Shard folders a `framelens merge` combined.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    /// sha256 of every output file: a folder whose files match its manifest is a complete run.
    #[serde(default)]
    pub outputs: BTreeMap<String, String>,
    /// Trained heads used instead of zero-shot prototypes (path, sha256, role), if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub heads: Vec<crate::classify::heads::HeadUse>,
}

/// The encoder of a run, as `manifest.json` records it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ModelInfo {
    /// The model manifest's short name (its folder's or hub id's last component).
    pub id: String,
    /// Where the model was imported from (a folder or a hub id).
    pub source: String,
    /// sha256 of the weights: what trained heads and the cache are checked against.
    pub weights_sha256: String,
    /// `fp32`, `bf16` or `int8-<scheme>`: the precision the encoder ran in.
    pub precision: String,
    /// Why that precision ran (requested, or what `auto` found on the CPU), with any fallback.
    pub precision_reason: String,
}

/// The codebook of a run, as `manifest.json` records it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CodebookInfo {
    /// The codebook file as given to `run`.
    pub path: String,
    /// sha256 of its bytes: `merge` refuses shards of different codebooks by it.
    pub sha256: String,
    /// The codebook's own name.
    pub name: String,
    /// The codebook's own version string.
    pub version: String,
    /// Frame ids in codebook order: the order of `score_<frame>` columns and of the report.
    pub frames: Vec<String>,
    /// Id of the codebook's first stance target; `None` when it has none and the run labelled frames only.
    pub stance_target: Option<String>,
    /// The codebook's cue phrases, so that the report can show which frame or stance each cue found in a
    /// paragraph belongs to without the codebook file (which may have moved or changed since the run).
    #[serde(default, skip_serializing_if = "CodebookCues::is_empty")]
    pub cues: CodebookCues,
}

/// Cue phrases per frame id and per stance label (`supportive`, `critical`) of the first stance target,
/// as the codebook lists them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct CodebookCues {
    /// Frame id → its cue phrases; frames without cues are left out.
    #[serde(default)]
    pub frames: BTreeMap<String, Vec<String>>,
    /// `supportive` or `critical` → the first stance target's cue phrases for that label.
    #[serde(default)]
    pub stance: BTreeMap<String, Vec<String>>,
}

impl CodebookCues {
    /// The cues of `cb`; frames and stance labels without cues are left out.
    pub fn of(cb: &crate::codebook::Codebook) -> CodebookCues {
        let frames = cb.frames.iter().filter(|f| !f.cues.is_empty()).map(|f| (f.id.clone(), f.cues.clone())).collect();
        let stance = cb
            .stance_targets
            .first()
            .map(|t| {
                [(Stance::Supportive.as_str(), &t.supportive_cues), (Stance::Critical.as_str(), &t.critical_cues)]
                    .into_iter()
                    .filter(|(_, c)| !c.is_empty())
                    .map(|(l, c)| (l.to_string(), c.clone()))
                    .collect()
            })
            .unwrap_or_default();
        CodebookCues { frames, stance }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.frames.is_empty() && self.stance.is_empty()
    }
}

impl Manifest {
    pub(crate) fn write(&self, path: &std::path::Path) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        crate::atomic::write_atomic(path, &json)
    }
}
