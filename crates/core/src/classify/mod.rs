//! The classify stage: frames and stance for every body paragraph, computed in parallel from the same
//! embeddings (`rayon::join`), each with a probability, a margin and evidence a reader can check.
//!
//! A paragraph's logits mix the paragraph's own embedding with the mean over its sentences
//! (`sentence_weight`): commentary paragraphs often carry one framing sentence among reporting ones, and
//! sentence scoring finds it (docs/design.md measured it helps on the seed). Cue phrases add a small bonus per
//! distinct hit (`cue_weight`) and are reported as evidence.

pub mod build;
pub mod cues;
pub mod heads;
mod label;
pub mod language;
pub mod rebuttal;
pub mod relevance;
pub mod scorer;
pub mod zeroshot;

pub use build::build_classifier;
pub use label::{label, LabelInput, Labelled};

use ndarray::{Array1, ArrayView1, ArrayView2};
use rayon::prelude::*;

use crate::codebook::{Codebook, OTHER, STANCE_LABELS};
use crate::display::f32_as_written;
use cues::CueSet;
use language::LanguageShift;
use relevance::Relevance;
use scorer::{softmax, Scorer};

/// Agreement of the zero-shot stance route with hand coding on framelens' sample corpus, per encoder (model id,
/// macro-F1, accuracy): `framelens run corpora/sample --codebook models/codebooks/enforcement-discourse.toml
/// --model M --out out/sample && framelens eval --gold corpora/sample/gold.csv --pred out/sample`
/// (docs/evaluation.md). Re-measure when the classifier or an encoder changes.
pub const ZERO_SHOT_STANCE_AGREEMENT: &[(&str, f64, f64)] =
    &[("all-MiniLM-L6-v2", 0.44, 0.51), ("all-mpnet-base-v2", 0.60, 0.63)];

/// What every stance figure carries when stance comes from the codebook's prototypes or a shipped general
/// head rather than a head trained on the analyst's own coding: the shipped route's measured agreement with
/// hand coding for the run's encoder ([`ZERO_SHOT_STANCE_AGREEMENT`]), or that it was not measured.
pub fn stance_caveat(model_id: &str) -> String {
    let measured = match ZERO_SHOT_STANCE_AGREEMENT.iter().find(|(id, _, _)| *id == model_id) {
        Some((_, f1, acc)) => format!(
            "the shipped zero-shot route with {model_id} agrees with hand coding on framelens' sample corpus at \
             macro-F1 {f1:.2} (accuracy {acc:.2})"
        ),
        None => format!("the zero-shot route's agreement with hand coding was not measured for encoder `{model_id}`"),
    };
    format!(
        "Stance is not validated for this corpus: {measured}. Code a sample and train a stance head before \
         reporting stance figures."
    )
}

/// Tuning of the zero-shot route; defaults are the values measured best on `corpora/sample/gold.csv`
/// (docs/evaluation.md).
///
/// Every `f32` field carries `serialize_with = "f32_as_written"` so that `manifest.json` shows `0.05`, not
/// `0.05000000074505806`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ClassifyOptions {
    /// Softmax temperature over prototype cosines (`--temperature`); trained heads use 1, being calibrated.
    #[serde(serialize_with = "f32_as_written")]
    pub temperature: f32,
    /// Weight of the mean sentence logits against the paragraph's own, in [0, 1]; zero-shot scorers only.
    #[serde(serialize_with = "f32_as_written")]
    pub sentence_weight: f32,
    /// Logit bonus per distinct cue hit (at most 3 count); not applied to trained heads (cues are evidence only).
    #[serde(serialize_with = "f32_as_written")]
    pub cue_weight: f32,
    #[serde(serialize_with = "f32_as_written")]
    pub(crate) multi_label_margin: f32,
    #[serde(serialize_with = "f32_as_written")]
    pub(crate) other_threshold: Option<f32>,
    /// Topic relevance below which a body paragraph is `other` (off-topic); `None` = the codebook's
    /// `relevance_threshold`, else [`relevance::DEFAULT_THRESHOLD`].
    #[serde(default, serialize_with = "f32_as_written")]
    pub relevance_threshold: Option<f32>,
    /// Probability a supportive or critical reading needs; below it the paragraph is `neutral` (abstains).
    /// The default 0.5 is the even-odds rule, not a fitted value: the best value on the dev split (0.85)
    /// made nearly every paragraph neutral on the sample corpus (docs/evaluation.md). 0 = always the best.
    #[serde(default, serialize_with = "f32_as_written")]
    pub stance_min_score: f32,
    /// `sentence_weight` for trained heads (calibrated scorers). Heads are trained on whole units
    /// (paragraphs, comments), so by default they score the paragraph alone; its sentences still give the
    /// evidence.
    #[serde(default, serialize_with = "f32_as_written")]
    pub head_sentence_weight: f32,
    /// Prior strength when the general stance head is refit on the codebook target's example statements
    /// (`StanceHead::refine`); 0 = use the head as shipped.
    #[serde(default)]
    pub stance_refine_strength: f64,
}

impl Default for ClassifyOptions {
    fn default() -> Self {
        ClassifyOptions {
            temperature: 0.05,
            sentence_weight: 0.5,
            cue_weight: 0.02,
            multi_label_margin: 0.10,
            other_threshold: None,
            relevance_threshold: None,
            stance_min_score: 0.5,
            head_sentence_weight: 0.0,
            stance_refine_strength: 0.001,
        }
    }
}

impl ClassifyOptions {
    /// The codebook's own settings override the defaults.
    pub fn with_codebook(mut self, cb: &Codebook) -> Self {
        if let Some(t) = cb.other_threshold {
            self.other_threshold = Some(t);
        }
        if let Some(m) = cb.multi_label_margin {
            self.multi_label_margin = m;
        }
        if self.relevance_threshold.is_none() {
            self.relevance_threshold = Some(cb.relevance_threshold.unwrap_or(relevance::DEFAULT_THRESHOLD));
        }
        self
    }
}

/// One body paragraph, as the classifier sees it.
pub struct Unit<'a> {
    pub(crate) text: &'a str,
    pub(crate) embedding: ArrayView1<'a, f32>,
    /// Byte ranges of the paragraph's sentences in `text`.
    pub sentences: &'a [(usize, usize)],
    /// One row per sentence when the paragraph has two or more; empty otherwise.
    pub sentence_embeddings: ArrayView2<'a, f32>,
    /// Index of the paragraph's article among the units' articles: topic relevance is judged with the
    /// article's help (see [`Classifier::classify`]).
    pub article: usize,
}

/// The frame reading of one paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameLabel {
    /// Best frame id, or `other`.
    pub frame: String,
    pub(crate) score: f32,
    /// Probability of the best frame minus that of the runner-up: small means contested.
    pub margin: f32,
    /// Every frame within `multi_label_margin` of the best (multi-label reading).
    pub frames: Vec<String>,
    /// Probabilities in codebook frame order.
    pub probs: Vec<f32>,
    pub(crate) cues: Vec<String>,
    /// The sentence that scores highest for the chosen frame; empty for a paragraph set aside as off-topic.
    pub evidence: String,
    /// Closeness to the codebook's topic against ordinary news ([`relevance`]); `None` without a
    /// relevance model.
    pub relevance: Option<f32>,
    /// A reader should check this label: relevance near the threshold, or the best frame contested
    /// (margin under `multi_label_margin`) or below even odds.
    pub uncertain: bool,
}

/// The stance reading of one paragraph toward the codebook's first stance target.
#[derive(Debug, Clone, PartialEq)]
pub struct StanceLabel {
    /// A label of [`STANCE_LABELS`], or empty for an off-topic (`other`) paragraph: a stance toward the
    /// target means nothing there, and it is not counted.
    pub stance: &'static str,
    /// Probability of `stance` (of `neutral` where a weaker reading abstained): the `stance_score` column.
    pub score: f32,
    pub(crate) probs: [f32; 3],
    pub(crate) cues: Vec<String>,
}

/// Frame and stance scorers plus their cue sets.
pub struct Classifier {
    frames: Box<dyn Scorer>,
    frame_cues: Vec<CueSet>,
    stance: Option<Box<dyn Scorer>>,
    stance_cues: [CueSet; 3],
    relevance: Option<Relevance>,
    language: LanguageShift,
    opts: ClassifyOptions,
}

impl Classifier {
    pub(crate) fn new(
        cb: &Codebook,
        frames: Box<dyn Scorer>,
        stance: Option<Box<dyn Scorer>>,
        opts: ClassifyOptions,
    ) -> Self {
        let frame_cues = cb.frames.iter().map(|f| CueSet::new(&f.cues)).collect();
        let stance_cues = match cb.stance_targets.first() {
            Some(t) => [CueSet::new(&t.supportive_cues), CueSet::new(&t.critical_cues), CueSet::new(&[])],
            None => [CueSet::new(&[]), CueSet::new(&[]), CueSet::new(&[])],
        };
        Classifier {
            frames,
            frame_cues,
            stance,
            stance_cues,
            relevance: None,
            language: LanguageShift::default(),
            opts: opts.with_codebook(cb),
        }
    }

    /// Moves paragraphs in another language than the codebook's before the prototypes score them
    /// ([`language`]).
    pub fn with_language_shift(mut self, shift: LanguageShift) -> Self {
        self.language = shift;
        self
    }

    /// Scores topic relevance and labels paragraphs below the threshold `other`, unless the frame scorer
    /// has an `other` label of its own (a head trained on coded `other` rows decides for itself).
    pub fn with_relevance(mut self, relevance: Relevance) -> Self {
        self.relevance = Some(relevance);
        self
    }

    fn gates_on_relevance(&self) -> bool {
        self.relevance.is_some() && !self.frames.labels().iter().any(|l| l == OTHER)
    }

    /// Whether a paragraph with this relevance in context is set aside as off-topic (`other`) by the
    /// threshold, whatever its embedding says about frames: its sentences then need no embedding.
    pub(crate) fn sets_aside(&self, relevance: Option<f32>) -> bool {
        self.gates_on_relevance() && relevance.is_some_and(|r| r < self.relevance_threshold())
    }

    fn relevance_threshold(&self) -> f32 {
        self.opts.relevance_threshold.unwrap_or(relevance::DEFAULT_THRESHOLD)
    }

    /// The frame scorer's labels, in its output order: the codebook's frames, plus `other` for a head
    /// trained with coded `other` rows.
    pub fn frame_ids(&self) -> &[String] {
        self.frames.labels()
    }
    /// Whether [`Classifier::classify`] returns stance labels (the codebook has a stance target).
    pub fn has_stance(&self) -> bool {
        self.stance.is_some()
    }

    /// Labels every unit: frames and stance run side by side on the same embeddings.
    pub fn classify(&self, units: &[Unit]) -> (Vec<FrameLabel>, Option<Vec<StanceLabel>>) {
        let relevance = self.relevance_in_context(units);
        self.classify_with_relevance(units, &relevance)
    }

    /// [`Classifier::classify`] with each unit's relevance in context already computed
    /// ([`Classifier::relevance_in_context`] on the same units).
    pub(crate) fn classify_with_relevance(
        &self,
        units: &[Unit],
        relevance: &[Option<f32>],
    ) -> (Vec<FrameLabel>, Option<Vec<StanceLabel>>) {
        let lowered: Vec<String> = units.par_iter().map(|u| u.text.to_lowercase()).collect();
        let offsets: Vec<Option<&Array1<f32>>> = units.par_iter().map(|u| self.language.offset(u.text)).collect();
        let (frames, mut stances): (Vec<FrameLabel>, Option<Vec<StanceLabel>>) = rayon::join(
            || {
                units
                    .par_iter()
                    .zip(&lowered)
                    .zip(relevance)
                    .zip(&offsets)
                    .map(|(((u, l), r), o)| self.frame(u, l, *r, *o))
                    .collect()
            },
            || {
                self.stance.as_ref().map(|s| {
                    units
                        .par_iter()
                        .zip(&lowered)
                        .zip(&offsets)
                        .map(|((u, l), o)| self.stance(s.as_ref(), u, l, *o))
                        .collect()
                })
            },
        );
        if let Some(stances) = stances.as_mut() {
            for (s, f) in stances.iter_mut().zip(&frames) {
                if f.frame == OTHER {
                    s.stance = "";
                }
            }
        }
        (frames, stances)
    }

    /// Each unit's topic relevance: its own score or its article's mean, whichever is higher. A keyword-drawn
    /// corpus is off-topic article by article, while inside an article about the topic a paragraph of
    /// courtroom colour or background reads like ordinary news on its own and still belongs to the
    /// discourse. A paragraph's label so depends on its article only, never on the rest of the run.
    /// Only the paragraphs' own embeddings count, not their sentences'.
    pub(crate) fn relevance_in_context(&self, units: &[Unit]) -> Vec<Option<f32>> {
        let Some(rel) = self.relevance.as_ref() else { return vec![None; units.len()] };
        let own: Vec<f32> = units.par_iter().map(|u| rel.score(u.embedding)).collect();
        let mut sums: std::collections::HashMap<usize, (f32, usize)> = std::collections::HashMap::new();
        for (u, r) in units.iter().zip(&own) {
            let e = sums.entry(u.article).or_default();
            e.0 += r;
            e.1 += 1;
        }
        units.iter().zip(&own).map(|(u, &r)| Some(r.max(sums[&u.article].0 / sums[&u.article].1 as f32))).collect()
    }

    /// Paragraph logits mixed with the mean of sentence logits; also returns per-sentence logits.
    fn mixed_logits(&self, scorer: &dyn Scorer, u: &Unit, offset: Offset) -> (Vec<f32>, Vec<Vec<f32>>) {
        let (para, sents) = raw_logits(scorer, u, offset);
        (self.mix(scorer, para, &sents), sents)
    }

    /// `(1 - w)` × paragraph logits + `w` × mean sentence logits, `w` the sentence weight for this scorer.
    fn mix(&self, scorer: &dyn Scorer, para: Vec<f32>, sents: &[Vec<f32>]) -> Vec<f32> {
        let w = if scorer.calibrated() { self.opts.head_sentence_weight } else { self.opts.sentence_weight };
        if sents.is_empty() || w == 0.0 {
            return para;
        }
        let n = sents.len() as f32;
        (0..para.len()).map(|k| (1.0 - w) * para[k] + w * sents.iter().map(|s| s[k]).sum::<f32>() / n).collect()
    }

    fn frame(&self, u: &Unit, lower: &str, relevance: Option<f32>, offset: Offset) -> FrameLabel {
        let (mut logits, sents) = self.mixed_logits(self.frames.as_ref(), u, offset);
        let best_raw = logits.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        // Trained heads are calibrated: cues are evidence only, and their own probabilities are used.
        let calibrated = self.frames.calibrated();
        let cue_weight = if calibrated { 0.0 } else { self.opts.cue_weight };
        let mut cues = Vec::new();
        for (k, set) in self.frame_cues.iter().enumerate() {
            let hits = set.hits(lower);
            if let Some(l) = logits.get_mut(k) {
                *l += cue_weight * hits.len().min(3) as f32;
            }
            cues.extend(hits.into_iter().map(str::to_string));
        }
        let thresholds = self.frames.thresholds();
        let probs = match thresholds {
            Some(_) => logits.iter().map(|&z| 1.0 / (1.0 + (-z).exp())).collect(),
            None => softmax(&logits, if calibrated { 1.0 } else { self.opts.temperature }),
        };
        let (best, second) = top_two(&probs);
        let ids = self.frames.labels();
        let mut frames: Vec<String> = match thresholds {
            Some(t) => (0..probs.len()).filter(|&k| probs[k] >= t[k]).map(|k| ids[k].clone()).collect(),
            None => (0..probs.len())
                .filter(|&k| probs[k] >= probs[best] - self.opts.multi_label_margin)
                .map(|k| ids[k].clone())
                .collect(),
        };
        // Prototypes' and single-label heads' sets always hold the best frame. A multi-label head's set is the
        // frames that pass their thresholds, which may be none: "no frame" is a coding outcome such heads
        // learn (`none` rows in `train`), and `frame` still names the best one.
        if frames.is_empty() && thresholds.is_none() {
            frames.push(ids[best].clone());
        }
        let threshold = self.relevance_threshold();
        let off_topic = self.sets_aside(relevance);
        let is_other =
            off_topic || ids[best] == OTHER || (!calibrated && self.opts.other_threshold.is_some_and(|t| best_raw < t));
        // An off-topic paragraph has no frame to give evidence for.
        let evidence = if off_topic { String::new() } else { best_sentence(u, &sents, best) };
        let margin = probs[best] - second.map_or(0.0, |s| probs[s]);
        let near_threshold = relevance.is_some_and(|r| (r - threshold).abs() < relevance::UNCERTAIN_BAND);
        let contested = !is_other && (margin < self.opts.multi_label_margin || probs[best] < 0.5);
        FrameLabel {
            frame: if is_other { OTHER.to_string() } else { ids[best].clone() },
            score: probs[best],
            margin,
            frames: if is_other { vec![OTHER.to_string()] } else { frames },
            probs,
            cues,
            evidence,
            relevance,
            uncertain: near_threshold || contested,
        }
    }

    /// Stance logits with criticism of the critics turned around ([`rebuttal`]): per sentence, and for the
    /// paragraph itself when it is such a sentence or most of its sentences are.
    fn stance_logits(&self, scorer: &dyn Scorer, u: &Unit, lower: &str, offset: Offset) -> Vec<f32> {
        let swap = |l: &mut Vec<f32>| l.swap(0, 1);
        let (mut para, mut sents) = raw_logits(scorer, u, offset);
        let mut rebutting = 0;
        for (&(a, b), s) in u.sentences.iter().zip(sents.iter_mut()) {
            if rebuttal::rebuts_critics(&u.text[a..b].to_lowercase()) {
                swap(s);
                rebutting += 1;
            }
        }
        if (sents.is_empty() && rebuttal::rebuts_critics(lower)) || (!sents.is_empty() && 2 * rebutting > sents.len()) {
            swap(&mut para);
        }
        self.mix(scorer, para, &sents)
    }

    fn stance(&self, scorer: &dyn Scorer, u: &Unit, lower: &str, offset: Offset) -> StanceLabel {
        let mut logits = self.stance_logits(scorer, u, lower, offset);
        let calibrated = scorer.calibrated();
        let cue_weight = if calibrated { 0.0 } else { self.opts.cue_weight };
        let mut cues = Vec::new();
        for (k, set) in self.stance_cues.iter().enumerate() {
            let hits = set.hits(lower);
            logits[k] += cue_weight * hits.len().min(3) as f32;
            cues.extend(hits.into_iter().map(str::to_string));
        }
        let p = softmax(&logits, if calibrated { 1.0 } else { self.opts.temperature });
        let (mut best, _) = top_two(&p);
        // Weak evidence abstains: a supportive or critical reading below `stance_min_score` is neutral.
        if best != NEUTRAL && p[best] < self.opts.stance_min_score {
            best = NEUTRAL;
        }
        StanceLabel { stance: STANCE_LABELS[best], score: p[best], probs: [p[0], p[1], p[2]], cues }
    }
}

/// What a paragraph in another language than the codebook's is moved by ([`language`]).
type Offset<'a> = Option<&'a Array1<f32>>;

/// The paragraph's logits and one row per sentence. Prototypes (uncalibrated scorers) see embeddings moved
/// by the paragraph's language offset; trained heads see them as they are.
fn raw_logits(scorer: &dyn Scorer, u: &Unit, offset: Offset) -> (Vec<f32>, Vec<Vec<f32>>) {
    let logits = |x: ArrayView1<f32>| match offset.filter(|_| !scorer.calibrated()) {
        Some(o) => scorer.logits((&x - o).view()),
        None => scorer.logits(x),
    };
    let para = logits(u.embedding);
    let sents = u.sentence_embeddings.rows().into_iter().map(logits).collect();
    (para, sents)
}

/// Index of `neutral` in [`STANCE_LABELS`].
const NEUTRAL: usize = 2;

fn top_two(p: &[f32]) -> (usize, Option<usize>) {
    let mut idx: Vec<usize> = (0..p.len()).collect();
    idx.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(a.cmp(&b)));
    (idx[0], idx.get(1).copied())
}

/// The sentence with the highest logit for `label`; the whole paragraph when it is one sentence.
fn best_sentence(u: &Unit, sents: &[Vec<f32>], label: usize) -> String {
    let pick = sents
        .iter()
        .enumerate()
        .max_by(|a, b| a.1[label].total_cmp(&b.1[label]).then(b.0.cmp(&a.0)))
        .and_then(|(i, _)| u.sentences.get(i));
    match pick {
        Some(&(s, e)) => u.text[s..e].trim().to_string(),
        None => u.text.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::Frame;
    use ndarray::{array, Array2};

    /// Logits = the embedding itself (one label per dimension).
    struct Identity {
        labels: Vec<String>,
        calibrated: bool,
        thresholds: Option<Vec<f32>>,
    }
    impl Scorer for Identity {
        fn labels(&self) -> &[String] {
            &self.labels
        }
        fn logits(&self, x: ArrayView1<f32>) -> Vec<f32> {
            x.to_vec()
        }
        fn calibrated(&self) -> bool {
            self.calibrated
        }
        fn thresholds(&self) -> Option<&[f32]> {
            self.thresholds.as_deref()
        }
    }

    fn codebook() -> Codebook {
        let frame = |id: &str, cue: &str| Frame {
            id: id.into(),
            label: id.into(),
            definition: "d".into(),
            cues: vec![cue.into()],
            examples: vec![],
        };
        Codebook {
            name: "t".into(),
            version: "1".into(),
            description: "t".into(),
            other_threshold: Some(0.9),
            relevance_threshold: None,
            topic_examples: vec![],
            off_topic_examples: vec![],
            multi_label_margin: None,
            frames: vec![frame("a", "alpha"), frame("b", "beta"), frame("c", "gamma")],
            stance_targets: vec![],
        }
    }

    fn label(scorer: Identity, x: ndarray::Array1<f32>, text: &str) -> FrameLabel {
        let c = Classifier::new(&codebook(), Box::new(scorer), None, ClassifyOptions::default());
        let empty = Array2::<f32>::zeros((0, 3));
        let unit = Unit { text, embedding: x.view(), sentences: &[], sentence_embeddings: empty.view(), article: 0 };
        c.classify(&[unit]).0.remove(0)
    }

    #[test]
    fn calibrated_heads_use_their_own_probabilities_without_cue_bonus_or_other() {
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let head = Identity { labels: labels.clone(), calibrated: true, thresholds: None };
        let f = label(head, array![1.0, 0.5, 0.0], "beta beta");
        let p = scorer::softmax(&[1.0, 0.5, 0.0], 1.0);
        assert_eq!(f.probs, p, "softmax at temperature 1, no cue bonus");
        assert_eq!(f.frame, "a", "no cosine `other` threshold for heads");
        assert_eq!(f.cues, vec!["beta"], "cues still reported as evidence");
        // Prototypes: the run's temperature, the cue bonus and the other threshold apply.
        let proto = Identity { labels: labels.clone(), calibrated: false, thresholds: None };
        assert_eq!(label(proto, array![0.5, 0.45, 0.0], "x").frame, "other");
    }

    #[test]
    fn prototypes_see_another_language_moved_and_heads_see_it_as_it_is() {
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        // Chinese background mean − English background mean = (0.4, 0, 0).
        let (en, zh) = (array![[0.0, 0.0, 0.0]], array![[0.4, 0.0, 0.0]]);
        let shift = LanguageShift::new("en", &[("en", en.view()), ("zh", zh.view())]);
        let zh_text = "边境两国警方宣布从园区带出四百一十二人，其中多数被认定为受害者。";
        let frame_of = |calibrated: bool, text: &str| {
            let scorer = Identity { labels: labels.clone(), calibrated, thresholds: None };
            let cb = Codebook { other_threshold: None, ..codebook() };
            let c = Classifier::new(&cb, Box::new(scorer), None, ClassifyOptions::default())
                .with_language_shift(shift.clone());
            let (x, empty) = (array![0.9, 0.6, 0.0], Array2::<f32>::zeros((0, 3)));
            let unit =
                Unit { text, embedding: x.view(), sentences: &[], sentence_embeddings: empty.view(), article: 0 };
            c.classify(&[unit]).0.remove(0).frame
        };
        assert_eq!(frame_of(false, zh_text), "b", "prototypes score (0.5, 0.6, 0)");
        assert_eq!(frame_of(false, "Police on both sides of the border said they had freed 412 people."), "a");
        assert_eq!(frame_of(true, zh_text), "a", "a trained head scores the embedding as it is");
    }

    #[test]
    fn multi_label_heads_use_sigmoids_and_thresholds() {
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let head = Identity { labels: labels.clone(), calibrated: true, thresholds: Some(vec![0.5, 0.3, 0.9]) };
        let f = label(head, array![2.0, -0.5, 1.0], "x");
        // sigmoid: 0.88, 0.38, 0.73 → a (≥ 0.5) and b (≥ 0.3); c under 0.9.
        assert_eq!(f.frames, vec!["a", "b"]);
        assert_eq!(f.frame, "a");
        assert!((f.probs[1] - 1.0 / (1.0 + 0.5f32.exp())).abs() < 1e-6);
        let none = Identity { labels, calibrated: true, thresholds: Some(vec![0.99, 0.99, 0.99]) };
        let f = label(none, array![2.0, -0.5, 1.0], "x");
        assert!(f.frames.is_empty(), "no frame passes its threshold: {:?}", f.frames);
        assert_eq!(f.frame, "a", "`frame` still names the best");
    }
}
