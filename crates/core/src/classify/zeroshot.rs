//! Zero-shot scorers built from a codebook: each frame's prototype is the mean of its embedded definition
//! and examples; each stance label's, the mean of its example statements.

use ndarray::{Array1, Array2, Axis};

use super::scorer::PrototypeScorer;
use crate::codebook::{Codebook, StanceTarget, STANCE_LABELS};

/// Texts whose embeddings the zero-shot scorers need, in a fixed order; embed them with the run's encoder
/// and pass the rows to [`ZeroShotTexts::build`].
pub struct ZeroShotTexts {
    /// Each frame's definition then examples, then the first stance target's statements per stance label.
    pub texts: Vec<String>,
    /// `(label, range of rows in texts)` for frames, then for the stance labels of the first target.
    frame_groups: Vec<(String, std::ops::Range<usize>)>,
    stance_groups: Vec<(String, std::ops::Range<usize>)>,
}

impl ZeroShotTexts {
    /// Collects the texts; nothing is embedded yet.
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
            .map(|f| group(&f.id, std::iter::once(&f.definition).chain(&f.examples).collect()))
            .collect();
        let stance_groups = match codebook.stance_targets.first() {
            Some(t) => stance_groups(t, &mut group),
            None => Vec::new(),
        };
        ZeroShotTexts { texts, frame_groups, stance_groups }
    }

    /// Builds (frame scorer, stance scorer if the codebook has a target) from the texts' embeddings.
    pub fn build(&self, emb: &Array2<f32>) -> (PrototypeScorer, Option<PrototypeScorer>) {
        let center: Array1<f32> = emb.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(emb.ncols()));
        let make = |groups: &[(String, std::ops::Range<usize>)]| {
            let labels = groups.iter().map(|(l, _)| l.clone()).collect();
            let rows: Vec<Array2<f32>> =
                groups.iter().map(|(_, r)| emb.slice(ndarray::s![r.clone(), ..]).to_owned()).collect();
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
    STANCE_LABELS.iter().zip(t.examples()).map(|(label, ex)| group(label, ex.iter().collect())).collect()
}

/// What `framelens codebook check` reports about a codebook's frames.
#[derive(Debug, Clone)]
pub struct CodebookCheck {
    /// Frame ids in codebook order: the rows and columns of `similarity`, the entries of `leave_one_out`.
    pub labels: Vec<String>,
    /// Cosine between centred frame prototypes.
    pub similarity: Array2<f32>,
    /// Per frame: examples whose nearest prototype (built without them) is their own frame, and the count.
    pub leave_one_out: Vec<(usize, usize)>,
    /// `(example's frame, example index, frame it fell to)` for every misplaced example.
    pub confusions: Vec<(String, usize, String)>,
    /// Per language of the examples (`en`, `zh`, …, as the `lang` column detects it): examples nearest their
    /// own frame and the count, most examples first. A codebook may give examples in several languages;
    /// this says whether its frames are as distinct in each language as in the codebook overall.
    pub by_language: Vec<(String, usize, usize)>,
}

impl ZeroShotTexts {
    /// Prototype overlap and leave-one-out consistency of the frame examples: an example that lands nearer
    /// another frame's prototype than its own (built without it) signals frames a reader cannot tell apart.
    pub fn check(&self, emb: &Array2<f32>) -> CodebookCheck {
        let (frames, _) = self.build(emb);
        let center: Array1<f32> = emb.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(emb.ncols()));
        let labels: Vec<String> = self.frame_groups.iter().map(|(l, _)| l.clone()).collect();
        let centred_sum = |r: &std::ops::Range<usize>, skip: Option<usize>| {
            let mut s = Array1::<f32>::zeros(emb.ncols());
            let mut n = 0.0;
            for i in r.clone().filter(|i| Some(*i) != skip) {
                s += &emb.row(i);
                n += 1.0;
            }
            super::scorer::normalized(&(s / n - &center))
        };
        let full: Vec<Array1<f32>> = self.frame_groups.iter().map(|(_, r)| centred_sum(r, None)).collect();
        let mut leave_one_out = Vec::new();
        let mut confusions = Vec::new();
        let mut by_language: std::collections::BTreeMap<&'static str, (usize, usize)> = Default::default();
        for (f, (label, r)) in self.frame_groups.iter().enumerate() {
            let mut ok = 0;
            // Row r.start is the definition; examples follow.
            let examples: Vec<usize> = (r.start + 1..r.end).collect();
            for (k, &i) in examples.iter().enumerate() {
                let x = super::scorer::normalized(&(emb.row(i).to_owned() - &center));
                let best = (0..full.len())
                    .map(|g| if g == f { centred_sum(r, Some(i)) } else { full[g].clone() })
                    .map(|p| p.dot(&x))
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(g, _)| g)
                    .unwrap_or(f);
                let lang = by_language.entry(crate::segment::language(&self.texts[i])).or_default();
                lang.1 += 1;
                if best == f {
                    ok += 1;
                    lang.0 += 1;
                } else {
                    confusions.push((label.clone(), k + 1, labels[best].clone()));
                }
            }
            leave_one_out.push((ok, examples.len()));
        }
        let mut by_language: Vec<(String, usize, usize)> =
            by_language.into_iter().map(|(l, (ok, n))| (l.to_string(), ok, n)).collect();
        by_language.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        CodebookCheck { labels, similarity: frames.prototype_similarities(), leave_one_out, confusions, by_language }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two frames, each with two English and two Chinese examples; a frame's English examples sit on its
    /// own axis, its Chinese examples on the other frame's axis (the encoder "confuses" them).
    #[test]
    fn check_reports_each_language_of_the_examples() {
        let toml = r#"
            name = "t"
            version = "1"
            description = "test"
            [[frames]]
            id = "a"
            label = "A"
            definition = "Frame a is about enforcement operations and the arrests they make."
            examples = ["Police arrested dozens of suspects in the raid on the compound.",
                        "The operation ended with hundreds of suspects handed over at the border.",
                        "警方在突击行动中逮捕了数十名嫌疑人。", "行动结束时数百名嫌疑人在边境被移交。"]
            [[frames]]
            id = "b"
            label = "B"
            definition = "Frame b is about the victims and the help they are given afterwards."
            examples = ["The rescued workers were given shelter and legal advice by the charity.",
                        "Victims said they had been beaten and forced to work without pay.",
                        "获救的务工人员得到了慈善机构提供的住所和法律咨询。", "受害者说他们被殴打并被迫无偿工作。"]
        "#;
        let codebook: Codebook = toml::from_str(toml).unwrap();
        codebook.validate().unwrap();
        let texts = ZeroShotTexts::new(&codebook);
        assert_eq!(texts.texts.len(), 10);
        // Rows: a definition, a en, a en, a zh, a zh, b definition, b en, b en, b zh, b zh.
        let axis = |x: f32, y: f32| [x, y, 0.1];
        let rows = [
            axis(1.0, 0.0),
            axis(1.0, 0.05),
            axis(0.95, 0.0),
            axis(0.0, 1.0),
            axis(0.05, 1.0),
            axis(0.0, 1.0),
            axis(0.0, 0.95),
            axis(0.05, 1.0),
            axis(1.0, 0.0),
            axis(1.0, 0.05),
        ];
        let emb = Array2::from_shape_vec((10, 3), rows.iter().flatten().copied().collect()).unwrap();
        let check = texts.check(&emb);
        assert_eq!(check.by_language, [("en".to_string(), 4, 4), ("zh".to_string(), 0, 4)]);
        assert_eq!(check.leave_one_out, [(2, 4), (2, 4)]);
    }
}
