//! The labelled paragraph: the type that crosses from classification to aggregation and export, one per
//! row of `paragraphs.csv`. Non-body paragraphs (headings, boilerplate) are records too, unlabelled, so
//! that every input paragraph is accounted for in the output.

use serde::{Deserialize, Serialize};

use crate::run::labels::{Kind, Stance};

/// `Default` is a body paragraph with no position, text or label: the label fields start empty and the
/// classify stage fills them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParagraphRecord {
    /// Document id (folder corpora: the path under the corpus root, without extension).
    pub doc_id: String,
    /// The document's outlet, as the corpus gives it: the unit outlets are compared by.
    pub outlet: String,
    /// `YYYY-MM-DD` when the date could be parsed, else verbatim (so nothing is lost).
    pub published: String,
    /// The document's title, carried on every row so a paragraph can be read alone.
    pub title: String,
    /// Text of the latest heading above the paragraph (empty before the first heading).
    pub section: String,
    /// 0-based position among all blocks of the document, headings and boilerplate included.
    pub para_index: usize,
    /// `body`, `heading` or `boilerplate`; only body paragraphs are classified.
    pub kind: Kind,
    /// Unicode scalar offset into the document body (after BOM and front matter) where it starts.
    pub char_start: usize,
    /// Offset where it ends, exclusive: `char_start..char_end` cuts it out of the body again.
    pub char_end: usize,
    /// Tokens including `[CLS]`/`[SEP]`, before windowing: long paragraphs are where labels blur.
    pub n_tokens: usize,
    /// Windows it was encoded in (1 unless longer than the model's max length; their mean is its vector).
    pub windows: usize,
    /// Topic relevance (`classify::relevance`); body paragraphs below the threshold are `other`.
    #[serde(default)]
    pub relevance: Option<f32>,
    /// Best frame id, or `other` (off-topic, or no frame close enough); empty for headings and boilerplate.
    pub frame: String,
    /// The best frame's probability among the codebook's frames.
    pub frame_score: Option<f32>,
    /// Best minus runner-up probability: small means a contested label.
    pub frame_margin: Option<f32>,
    /// `;`-separated multi-label reading.
    pub frames: String,
    /// Empty (`None`) for headings, boilerplate and runs whose codebook has no stance target.
    pub stance: Option<Stance>,
    /// Probability of `stance`.
    pub stance_score: Option<f32>,
    /// Body paragraphs whose label a reader should check (relevance near the threshold, contested frame);
    /// `None` for headings and boilerplate.
    #[serde(default)]
    pub uncertain: Option<bool>,
    /// The sentence scoring highest for the chosen frame, then `[cues: …]` with the cue phrases found.
    pub evidence: String,
    /// The paragraph, inner line breaks joined by spaces.
    pub text: String,
    /// The paragraph's language (`en`, `zh`, …, or `und`; [`crate::segment::language`]), so runs that mix
    /// outlets in several languages can be compared within one (`compare --by lang`). The last fixed
    /// column, so every older column keeps its position; empty when read from a run made before it.
    #[serde(default)]
    pub lang: String,
    /// Probability per codebook frame (written as `score_<frame>` columns with `--scores`).
    #[serde(skip)]
    pub scores: Vec<f32>,
    /// Probability of each stance in [`crate::run::labels::STANCE_LABELS`] order, before the abstention
    /// (written as `stance_p_<stance>` columns with `--scores`); `None` where no stance was scored.
    #[serde(skip)]
    pub stance_probs: Option<[f32; 3]>,
}

impl ParagraphRecord {
    /// Only body paragraphs are classified, counted and compared.
    pub fn is_body(&self) -> bool {
        self.kind == Kind::Body
    }
}
