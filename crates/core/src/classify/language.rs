//! Zero-shot prototypes across languages: a paragraph in another language than the codebook's is moved by
//! the difference between the two languages' mean embeddings before it is compared with the prototypes.
//!
//! A multilingual encoder (multilingual-e5-small) places every text partly by its language: the mean of
//! ordinary Chinese news sits apart from the mean of ordinary English news, and that offset is shared by all
//! Chinese text. Compared with English prototypes, it acts as a per-label bias that is the same for every
//! Chinese paragraph and has nothing to do with its content (it pushed most Chinese paragraphs to `neutral`
//! stance). Subtracting the language's mean is the usual remedy (Libovický, Rosa & Fraser 2020, "On the
//! Language Neutrality of Pre-trained Multilingual Representations"); the means here are those of the
//! relevance backgrounds (`models/relevance/`), ordinary news without the topic in each language. Measured on
//! the Chinese dev corpus (docs/evaluation.md, "Chinese-language outlets").
//!
//! Only the codebook's prototypes are scored on moved embeddings. Trained heads are not (a head trained on
//! coded Chinese paragraphs already knows their place), nor is topic relevance (moving made it separate
//! Chinese on- from off-topic paragraphs worse on the dev half: AUC 0.994 → 0.975).

use std::collections::HashMap;

use ndarray::{Array1, ArrayView2, Axis};

use super::relevance;
use crate::segment::language;

/// Ordinary Chinese news written for framelens (one paragraph per line; `models/relevance/README.md`).
pub const BACKGROUND_ZH: &str = include_str!("../../../../models/relevance/background.zh.txt");

/// The background of each language that has one: (ISO 639-1 code, paragraphs one per line).
pub const BACKGROUNDS: &[(&str, &str)] = &[("en", relevance::BACKGROUND), ("zh", BACKGROUND_ZH)];

/// The paragraphs of a language's background, one per non-empty line.
pub fn background_texts(text: &'static str) -> Vec<&'static str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
}

/// Per language, what to subtract from a paragraph's embedding to place it as if written in the codebook's
/// language.
#[derive(Debug, Clone, Default)]
pub struct LanguageShift {
    offsets: HashMap<&'static str, Array1<f32>>,
}

impl LanguageShift {
    /// `means`: each language's background embeddings (rows). Languages other than `codebook_language` get
    /// the offset `mean(language) - mean(codebook_language)`; none at all when the codebook's language has no
    /// background.
    pub fn new(codebook_language: &str, means: &[(&'static str, ArrayView2<f32>)]) -> Self {
        let mean = |rows: &ArrayView2<f32>| rows.mean_axis(Axis(0));
        let Some(home) = means.iter().find(|(l, _)| *l == codebook_language).and_then(|(_, r)| mean(r)) else {
            return LanguageShift::default();
        };
        let offsets = means
            .iter()
            .filter(|(l, _)| *l != codebook_language)
            .filter_map(|(l, rows)| mean(rows).map(|m| (*l, m - &home)))
            .collect();
        LanguageShift { offsets }
    }

    /// The offset for a paragraph, from the language its own text is detected as (not its article's, so a
    /// text gets the same labels from `run` and from `eval --data`); `None` for the codebook's language and
    /// for languages without a background.
    pub fn offset(&self, text: &str) -> Option<&Array1<f32>> {
        if self.offsets.is_empty() {
            return None;
        }
        self.offsets.get(language(text))
    }
}

/// The language a codebook is written in: that of its description and frame definitions together.
pub fn codebook_language(cb: &crate::codebook::Codebook) -> &'static str {
    let mut text = cb.description.clone();
    for f in &cb.frames {
        text.push(' ');
        text.push_str(&f.definition);
    }
    language(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn other_languages_move_by_the_difference_of_background_means() {
        let en = array![[1.0, 0.0], [0.0, 1.0]];
        let zh = array![[3.0, 1.0], [3.0, 3.0]];
        let shift = LanguageShift::new("en", &[("en", en.view()), ("zh", zh.view())]);
        let zh_text = "联合行动目前已进入第三阶段，重点转向追缴涉案资金。";
        assert_eq!(shift.offset(zh_text), Some(&array![2.5, 1.5]));
        let en_text = "The joint operation has entered its third phase, officials said on Tuesday.";
        assert_eq!(shift.offset(en_text), None, "the codebook's own language is not moved");
        assert_eq!(shift.offset("短"), None, "too short to tell: not moved");
        // A codebook in a language without a background moves nothing.
        let none = LanguageShift::new("fr", &[("en", en.view()), ("zh", zh.view())]);
        assert_eq!(none.offset(zh_text), None);
    }

    #[test]
    fn backgrounds_are_in_their_languages() {
        for (lang, text) in BACKGROUNDS {
            let lines = background_texts(text);
            assert!(lines.len() >= 90, "{lang}: {} lines", lines.len());
            // whatlang calls some English news paragraphs unreliable (`und`); none may read as another language.
            let wrong: Vec<_> =
                lines.iter().filter(|l| ![*lang, crate::segment::UNDETERMINED].contains(&language(l))).collect();
            assert!(wrong.is_empty(), "{lang} background lines detected as another language: {wrong:?}");
            let told = lines.iter().filter(|l| language(l) == *lang).count();
            assert!(told * 10 >= lines.len() * 9, "{lang}: {told} of {} lines told", lines.len());
        }
    }
}
