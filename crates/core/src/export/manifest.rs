//! `manifest.json`: what produced a run's outputs (versions, model and codebook hashes, every option), what
//! went in and out (counts), and where the time went (stage timings).
//!
//! `f32` options are written as written (`0.05`) through [`crate::display::f32_as_written`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::run::Stance;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub framelens_version: String,
    pub created: String,
    pub corpus: String,
    /// What the corpus was, independent of where it lies ([`crate::corpus::fingerprint`]), so that `merge` can
    /// refuse shards of different corpora. Absent in manifests written before framelens recorded it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corpus_fingerprint: Option<String>,
    pub model: ModelInfo,
    pub codebook: CodebookInfo,
    pub options: serde_json::Value,
    /// `K/N` when the run processed one shard of the corpus.
    #[serde(default)]
    pub shard: Option<String>,
    pub counts: crate::run::counts::Counts,
    /// Seconds per stage, plus `total`.
    pub timings: BTreeMap<String, f64>,
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ModelInfo {
    pub id: String,
    pub source: String,
    pub weights_sha256: String,
    pub precision: String,
    pub precision_reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CodebookInfo {
    pub path: String,
    pub sha256: String,
    pub name: String,
    pub version: String,
    pub frames: Vec<String>,
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
    #[serde(default)]
    pub frames: BTreeMap<String, Vec<String>>,
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

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty() && self.stance.is_empty()
    }
}

impl Manifest {
    pub fn write(&self, path: &std::path::Path) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        crate::atomic::write_atomic(path, &json)
    }
}
