//! Zero-shot scorers built from a codebook: each frame's prototype is the mean of its embedded definition
//! and examples; each stance label's, the mean of its example statements.

use ndarray::{Array1, Array2, Axis};

use super::scorer::PrototypeScorer;
use crate::codebook::{Codebook, StanceTarget, STANCE_LABELS};

/// Texts whose embeddings the zero-shot scorers need, in a fixed order; embed them with the run's encoder
/// and pass the rows to [`ZeroShotTexts::build`].
pub struct ZeroShotTexts {
    pub texts: Vec<String>,
    /// `(label, range of rows in texts)` for frames, then for the stance labels of the first target.
    frame_groups: Vec<(String, std::ops::Range<usize>)>,
    stance_groups: Vec<(String, std::ops::Range<usize>)>,
}

impl ZeroShotTexts {
    pub fn new(codebook: &Codebook) -> Self {
        let mut texts = Vec::new();
        let mut group = |label: &str, items: Vec<&String>| {
            let start = texts.len();
            texts.extend(items.into_iter().cloned());
            (label.to_string(), start..texts.len())
        };
        let frame_groups = codebook
            .frames
            .iter()
            .map(|f| {
                group(
                    &f.id,
                    std::iter::once(&f.definition).chain(&f.examples).collect(),
                )
            })
            .collect();
        let stance_groups = match codebook.stance_targets.first() {
            Some(t) => stance_groups(t, &mut group),
            None => Vec::new(),
        };
        ZeroShotTexts {
            texts,
            frame_groups,
            stance_groups,
        }
    }

    /// Builds (frame scorer, stance scorer if the codebook has a target) from the texts' embeddings.
    pub fn build(&self, emb: &Array2<f32>) -> (PrototypeScorer, Option<PrototypeScorer>) {
        let center: Array1<f32> = emb
            .mean_axis(Axis(0))
            .unwrap_or_else(|| Array1::zeros(emb.ncols()));
        let make = |groups: &[(String, std::ops::Range<usize>)]| {
            let labels = groups.iter().map(|(l, _)| l.clone()).collect();
            let rows: Vec<Array2<f32>> = groups
                .iter()
                .map(|(_, r)| emb.slice(ndarray::s![r.clone(), ..]).to_owned())
                .collect();
            PrototypeScorer::new(labels, &rows, center.clone())
        };
        let frames = make(&self.frame_groups);
        let stance = (!self.stance_groups.is_empty()).then(|| make(&self.stance_groups));
        (frames, stance)
    }
}

fn stance_groups(
    t: &StanceTarget,
    group: &mut impl FnMut(&str, Vec<&String>) -> (String, std::ops::Range<usize>),
) -> Vec<(String, std::ops::Range<usize>)> {
    STANCE_LABELS
        .iter()
        .zip(t.examples())
        .map(|(label, ex)| group(label, ex.iter().collect()))
        .collect()
}
