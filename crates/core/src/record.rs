//! The labelled paragraph: the type that crosses from classification to aggregation and export, one per
//! row of `paragraphs.csv`. Non-body paragraphs (headings, boilerplate) are records too, unlabelled, so
//! that every input paragraph is accounted for in the output.

use serde::{Deserialize, Serialize};

use crate::run::labels::{Kind, Stance};

/// `Default` is a body paragraph with no position, text or label: the label fields start empty and the
/// classify stage fills them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParagraphRecord {
    pub doc_id: String,
    pub outlet: String,
    pub published: String,
    pub title: String,
    pub section: String,
    pub para_index: usize,
    /// `body`, `heading` or `boilerplate`; only body paragraphs are classified.
    pub kind: Kind,
    pub char_start: usize,
    pub char_end: usize,
    pub n_tokens: usize,
    pub windows: usize,
    /// Topic relevance (`classify::relevance`); body paragraphs below the threshold are `other`.
    #[serde(default)]
    pub relevance: Option<f32>,
    pub frame: String,
    pub frame_score: Option<f32>,
    pub frame_margin: Option<f32>,
    /// `;`-separated multi-label reading.
    pub frames: String,
    /// Empty (`None`) for headings, boilerplate and runs whose codebook has no stance target.
    pub stance: Option<Stance>,
    pub stance_score: Option<f32>,
    /// Body paragraphs whose label a reader should check (relevance near the threshold, contested frame);
    /// `None` for headings and boilerplate.
    #[serde(default)]
    pub uncertain: Option<bool>,
    pub evidence: String,
    pub text: String,
    /// Probability per codebook frame (written as `score_<frame>` columns with `--scores`).
    #[serde(skip)]
    pub scores: Vec<f32>,
}

impl ParagraphRecord {
    pub fn is_body(&self) -> bool {
        self.kind == Kind::Body
    }
}
