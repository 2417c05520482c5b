//! The seam between a run and its encoder: what the pipeline, `eval` and the classifier builder need from
//! "something that turns texts into vectors". It exists so that the pipeline, merge and compare can be
//! tested in milliseconds with a fake embedder instead of the ONNX model, and so that no stage past this
//! one names the concrete, cache-fronted [`Embedder`].

use super::cached::{EmbedCounters, EmbedError, Embedded, Embedder};
use super::model::ModelManifest;
use super::runtime::ResolvedPrecision;

/// Embeds texts, row `i` for text `i`, and says which encoder it is (for manifests and head checks).
pub trait Embed {
    /// Embeds `texts`; `progress` gets the number of texts finished as they finish.
    fn embed(&mut self, texts: &[&str], progress: &mut dyn FnMut(usize)) -> Result<Embedded, EmbedError>;
    /// The encoder's manifest: its id, source, weights sha256 (what a head is checked against) and dimension.
    fn manifest(&self) -> &ModelManifest;
    /// The precision that runs, as the run's manifest records it.
    fn precision(&self) -> &ResolvedPrecision;
    /// Texts asked for, found in the cache and encoded so far.
    fn counters(&self) -> &EmbedCounters;
    /// Problems met and worked around, for the caller to show and the manifest to record.
    fn warnings(&self) -> &[String];
}

impl Embed for Embedder {
    fn embed(&mut self, texts: &[&str], progress: &mut dyn FnMut(usize)) -> Result<Embedded, EmbedError> {
        Embedder::embed(self, texts, progress)
    }
    fn manifest(&self) -> &ModelManifest {
        &self.model().manifest
    }
    fn precision(&self) -> &ResolvedPrecision {
        Embedder::precision(self)
    }
    fn counters(&self) -> &EmbedCounters {
        &self.counters
    }
    fn warnings(&self) -> &[String] {
        &self.warnings
    }
}
