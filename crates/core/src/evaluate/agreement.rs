//! Agreement of a model with a hand coding, as `eval` reports it: accuracy, macro-F1, kappa and alpha with
//! bootstrap intervals (resampling paragraphs or whole articles), multi-label micro-F1 as SemEval-2023
//! Task 3 subtask 2 scores it, and the reduction of paragraph labels to article label sets. The measures
//! themselves (confusion matrix, F1, kappa, Krippendorff's alpha) and the bootstrap live in
//! [`crate::stats`] and are re-exported here.
//!
//! Conventions match `evaluate::score` so the numbers agree: labels are ordered gold labels (sorted) first,
//! then labels only predicted; macro-F1 averages over the union of gold and predicted labels (as
//! scikit-learn's `f1_score(average="macro")`); F1 of a label never predicted, or only predicted, is 0;
//! Cohen's kappa is 0 when chance agreement is 1.
//!
//! Merged into `crate::evaluate` (re-exported there); no item name clashes with that module's.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

pub use crate::stats::agreement::{index_pairs, krippendorff_alpha_nominal, ClassScore, Confusion};
pub use crate::stats::bootstrap::{bootstrap_intervals, Interval};
pub use crate::stats::random::{shuffle, uniform_below};

/// Agreement between gold and predicted labels with bootstrap 95% percentile intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementIntervals {
    /// (gold, predicted) pairs scored, whatever the resampling unit.
    pub(crate) n: usize,
    /// `None` when there are no pairs or no replicates; likewise `macro_f1` and `kappa`.
    pub(crate) accuracy: Option<Interval>,
    pub(crate) macro_f1: Option<Interval>,
    pub(crate) kappa: Option<Interval>,
    /// `None` when alpha is undefined on the full sample (all values identical).
    pub alpha: Option<Interval>,
    /// Bootstrap resamples asked for; [`Interval::replicates`] says how many were usable.
    pub(crate) replicates: usize,
    /// Seed of the resampling, kept so that the intervals can be reproduced exactly.
    pub(crate) seed: u64,
}

/// Accuracy, macro-F1, Cohen's kappa and Krippendorff's alpha of `(gold, pred)` pairs, each with a
/// bootstrap 95% percentile interval over `replicates` resamples of the pairs.
///
/// In a replicate, macro-F1 averages over the labels present in that replicate's gold or predicted labels
/// (the same definition as the point estimate, applied to the resample).
pub fn bootstrap_agreement(pairs: &[(String, String)], replicates: usize, seed: u64) -> AgreementIntervals {
    let units: Vec<usize> = (0..pairs.len()).collect();
    bootstrap_agreement_by_unit(pairs, &units, replicates, seed)
}

/// Like [`bootstrap_agreement`], but resamples whole units — `unit_of[i]` is pair i's unit, e.g. its
/// article — each drawn unit bringing all its pairs. Paragraphs of one article share author, topic and
/// style, so they are not independent; resampling articles gives honest (wider) intervals. With one pair
/// per unit (in order) this is exactly [`bootstrap_agreement`].
pub fn bootstrap_agreement_by_unit(
    pairs: &[(String, String)],
    unit_of: &[usize],
    replicates: usize,
    seed: u64,
) -> AgreementIntervals {
    assert_eq!(pairs.len(), unit_of.len(), "one unit id per pair");
    let (order, gold, pred) = index_pairs(pairs);
    let k = order.len();
    // Pairs of each unit, units numbered densely in order of first appearance.
    let mut dense: BTreeMap<usize, usize> = BTreeMap::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (i, u) in unit_of.iter().enumerate() {
        let next = dense.len();
        let d = *dense.entry(*u).or_insert(next);
        if d == members.len() {
            members.push(Vec::new());
        }
        members[d].push(i);
    }
    let confusion = |units: &[usize]| {
        let mut counts = vec![vec![0usize; k]; k];
        for &u in units {
            for &i in &members[u] {
                counts[gold[i]][pred[i]] += 1;
            }
        }
        Confusion { counts }
    };
    let n = pairs.len();
    let defined = |v: f64| if n == 0 { None } else { Some(v) };
    let acc = |idx: &[usize]| defined(confusion(idx).accuracy());
    let mf1 = |idx: &[usize]| defined(confusion(idx).macro_f1());
    let kap = |idx: &[usize]| defined(confusion(idx).cohen_kappa());
    let alp = |idx: &[usize]| confusion(idx).krippendorff_alpha();
    let out = bootstrap_intervals(members.len(), replicates, seed, &[&acc, &mf1, &kap, &alp]);
    AgreementIntervals { n, accuracy: out[0], macro_f1: out[1], kappa: out[2], alpha: out[3], replicates, seed }
}

/// Problems with multi-label gold/prediction sets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelSetError {
    /// The scorer requires a prediction (possibly empty) for every gold article.
    #[error("{count} article(s) of the gold data have no prediction, e.g. `{example}`")]
    MissingPrediction {
        /// Gold articles without a prediction.
        count: usize,
        /// One of them (the first in sorted order), for the message.
        example: String,
    },
    /// Predictions for articles the gold data does not have.
    #[error("{count} predicted article(s) are not in the gold data, e.g. `{example}`")]
    ExtraPrediction {
        /// Predicted articles not in the gold data.
        count: usize,
        /// One of them (the first in sorted order), for the message.
        example: String,
    },
    /// A label outside the task's label list.
    #[error("label `{label}` (article `{article}`) is not one of the {n} task labels")]
    UnknownLabel {
        /// The label as given, in gold or predictions.
        label: String,
        /// The article that carries it.
        article: String,
        /// Size of the task's label list.
        n: usize,
    },
}

/// Multi-label scores over a fixed label list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiLabelScores {
    /// Gold articles scored (the predictions cover exactly these).
    pub(crate) articles: usize,
    /// 2·ΣTP / (2·ΣTP + ΣFP + ΣFN) over all (article, label) cells; 1 when there is nothing to find and
    /// nothing was predicted (scikit-learn's `zero_division=1`, as the SemEval scorer sets it).
    pub micro_f1: f64,
    /// ΣTP / (ΣTP + ΣFP); 1 when nothing was predicted.
    pub(crate) micro_precision: f64,
    /// ΣTP / (ΣTP + ΣFN); 1 when the gold data has no labels.
    pub(crate) micro_recall: f64,
    /// Mean of per-label F1 over all task labels, a label absent from gold and predictions counting 1
    /// (`zero_division=1`, as in the SemEval scorer).
    pub macro_f1: f64,
    /// Per task label, in the order of the label list; support is the gold articles with the label.
    pub(crate) labels: Vec<ClassScore>,
}

/// Micro- and macro-F1 of per-article label sets, exactly as the official SemEval-2023 Task 3 subtask 2
/// scorer (`scorer-subtask-2.py`) computes them: both sides are binarised over the fixed task label list
/// (`MultiLabelBinarizer().fit([CLASSES])`) and scored with `sklearn.metrics.f1_score(average="micro" |
/// "macro", zero_division=1)`. Micro-F1 is the task's official metric: counts are pooled over every
/// (article, label) cell before computing F1, so frequent frames weigh more. Like the scorer, the
/// predictions must cover exactly the gold articles and use only task labels.
pub fn semeval_multilabel_f1(
    gold: &BTreeMap<String, BTreeSet<String>>,
    pred: &BTreeMap<String, BTreeSet<String>>,
    labels: &[String],
) -> Result<MultiLabelScores, LabelSetError> {
    let missing: Vec<&String> = gold.keys().filter(|k| !pred.contains_key(*k)).collect();
    if let Some(first) = missing.first() {
        return Err(LabelSetError::MissingPrediction { count: missing.len(), example: (*first).clone() });
    }
    let extra: Vec<&String> = pred.keys().filter(|k| !gold.contains_key(*k)).collect();
    if let Some(first) = extra.first() {
        return Err(LabelSetError::ExtraPrediction { count: extra.len(), example: (*first).clone() });
    }
    let index: BTreeMap<&str, usize> = labels.iter().enumerate().map(|(i, l)| (l.as_str(), i)).collect();
    let mut tp = vec![0usize; labels.len()];
    let mut fp = vec![0usize; labels.len()];
    let mut fn_ = vec![0usize; labels.len()];
    for (article, g) in gold {
        let p = &pred[article];
        for l in g.iter().chain(p.iter()) {
            if !index.contains_key(l.as_str()) {
                return Err(LabelSetError::UnknownLabel {
                    label: l.clone(),
                    article: article.clone(),
                    n: labels.len(),
                });
            }
        }
        for l in g {
            if p.contains(l) {
                tp[index[l.as_str()]] += 1;
            } else {
                fn_[index[l.as_str()]] += 1;
            }
        }
        for l in p.difference(g) {
            fp[index[l.as_str()]] += 1;
        }
    }
    let (stp, sfp, sfn): (usize, usize, usize) = (tp.iter().sum(), fp.iter().sum(), fn_.iter().sum());
    let ratio = |num: usize, den: usize| {
        if den == 0 {
            1.0
        } else {
            num as f64 / den as f64
        }
    };
    let micro_f1 = ratio(2 * stp, 2 * stp + sfp + sfn);
    let per_label: Vec<ClassScore> = (0..labels.len())
        .map(|i| ClassScore {
            label: labels[i].clone(),
            precision: ratio(tp[i], tp[i] + fp[i]),
            recall: ratio(tp[i], tp[i] + fn_[i]),
            f1: ratio(2 * tp[i], 2 * tp[i] + fp[i] + fn_[i]),
            support: tp[i] + fn_[i],
        })
        .collect();
    let macro_f1 =
        if labels.is_empty() { 1.0 } else { per_label.iter().map(|c| c.f1).sum::<f64>() / labels.len() as f64 };
    Ok(MultiLabelScores {
        articles: gold.len(),
        micro_f1,
        micro_precision: ratio(stp, stp + sfp),
        micro_recall: ratio(stp, stp + sfn),
        macro_f1,
        labels: per_label,
    })
}

/// Per-article label shares: for each article, the fraction of its paragraphs that carry each label.
/// A paragraph may carry several labels (multi-label) or none; every paragraph counts in its article's
/// denominator. The caller leaves out paragraphs that are not classified (boilerplate).
pub fn article_label_shares<'a, I, L>(paragraphs: I) -> BTreeMap<String, BTreeMap<String, f64>>
where
    I: IntoIterator<Item = (&'a str, L)>,
    L: IntoIterator<Item = &'a str>,
{
    let mut counts: BTreeMap<String, (usize, BTreeMap<String, usize>)> = BTreeMap::new();
    for (article, labels) in paragraphs {
        let entry = counts.entry(article.to_string()).or_default();
        entry.0 += 1;
        let unique: BTreeSet<&str> = labels.into_iter().collect();
        for l in unique {
            *entry.1.entry(l.to_string()).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|(a, (n, per))| {
            let shares = per.into_iter().map(|(l, c)| (l, c as f64 / n as f64)).collect();
            (a, shares)
        })
        .collect()
}

/// Article-level labels from paragraph labels: the labels present in an article are those whose paragraph
/// share is at least `threshold` (and above zero, so a threshold of 0 means "occurs at least once").
/// This is how paragraph-level framelens output is compared with article-level coding (SemEval-2023 Task 3,
/// the Narrative Frames Corpus). Every article passed in appears in the result, possibly with no label.
pub fn article_label_sets<'a, I, L>(paragraphs: I, threshold: f64) -> BTreeMap<String, BTreeSet<String>>
where
    I: IntoIterator<Item = (&'a str, L)>,
    L: IntoIterator<Item = &'a str>,
{
    article_label_shares(paragraphs)
        .into_iter()
        .map(|(a, shares)| {
            let set = shares.into_iter().filter(|&(_, s)| s > 0.0 && s >= threshold).map(|(l, _)| l).collect();
            (a, set)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn bootstrap_is_seeded_and_brackets_the_estimate() {
        let mut v = Vec::new();
        for i in 0..200 {
            let g = ["a", "b", "c"][i % 3];
            let p = if i % 5 == 0 { ["a", "b", "c"][(i + 1) % 3] } else { g };
            v.push((g.to_string(), p.to_string()));
        }
        let r1 = bootstrap_agreement(&v, 500, 7);
        let r2 = bootstrap_agreement(&v, 500, 7);
        let r3 = bootstrap_agreement(&v, 500, 8);
        assert_eq!(r1, r2);
        assert_ne!(r1, r3);
        for iv in [r1.accuracy, r1.macro_f1, r1.kappa, r1.alpha] {
            let iv = iv.unwrap();
            assert!(iv.lo < iv.estimate && iv.estimate < iv.hi, "{iv:?}");
            assert!(iv.hi - iv.lo < 0.2);
            assert_eq!(iv.replicates, 500);
        }
        assert!(close(r1.accuracy.unwrap().estimate, 0.8));
        // Binomial standard error of 0.8 at n = 200 is 0.028: the interval is about ±0.055.
        let acc = r1.accuracy.unwrap();
        assert!((acc.hi - acc.lo - 2.0 * 1.96 * 0.0283).abs() < 0.03, "{acc:?}");
    }

    #[test]
    fn unit_bootstrap_reduces_to_pairs_and_widens_with_clustering() {
        let mut v = Vec::new();
        for i in 0..120 {
            let g = ["a", "b"][i % 2];
            let p = if i % 4 == 0 { ["b", "a"][i % 2] } else { g };
            v.push((g.to_string(), p.to_string()));
        }
        let singles: Vec<usize> = (0..v.len()).collect();
        assert_eq!(bootstrap_agreement_by_unit(&v, &singles, 300, 3), bootstrap_agreement(&v, 300, 3));
        // Articles of 10 paragraphs whose errors cluster: paragraphs 0..30 are all wrong, the rest right.
        let clustered: Vec<(String, String)> = (0..120)
            .map(|i| {
                let g = ["a", "b"][i % 2];
                let p = if i < 30 { ["b", "a"][i % 2] } else { g };
                (g.to_string(), p.to_string())
            })
            .collect();
        let articles: Vec<usize> = (0..120).map(|i| i / 10).collect();
        let by_pair = bootstrap_agreement(&clustered, 500, 4).accuracy.unwrap();
        let by_article = bootstrap_agreement_by_unit(&clustered, &articles, 500, 4).accuracy.unwrap();
        assert!((by_pair.estimate - 0.75).abs() < 1e-12 && by_pair.estimate == by_article.estimate);
        assert!(by_article.hi - by_article.lo > 1.5 * (by_pair.hi - by_pair.lo), "{by_pair:?} {by_article:?}");
    }

    fn set(v: &[&str]) -> BTreeSet<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn semeval_micro_f1_by_hand() {
        // Labels E, M, S. Three articles:
        //   1: gold {E, M}  pred {E}        → tp E; fn M
        //   2: gold {S}     pred {S, M}     → tp S; fp M
        //   3: gold {}      pred {}         → nothing
        // ΣTP = 2, ΣFP = 1, ΣFN = 1 → micro-F1 = 4/(4 + 1 + 1) = 2/3.
        // Per label: E 2/2 = 1; M 0/(0 + 1 + 1) = 0; S 1. Macro = 2/3.
        let labels: Vec<String> = ["E", "M", "S"].iter().map(|s| s.to_string()).collect();
        let gold: BTreeMap<String, BTreeSet<String>> =
            [("1".to_string(), set(&["E", "M"])), ("2".to_string(), set(&["S"])), ("3".to_string(), set(&[]))].into();
        let pred: BTreeMap<String, BTreeSet<String>> =
            [("1".to_string(), set(&["E"])), ("2".to_string(), set(&["S", "M"])), ("3".to_string(), set(&[]))].into();
        let s = semeval_multilabel_f1(&gold, &pred, &labels).unwrap();
        assert!(close(s.micro_f1, 2.0 / 3.0), "{s:?}");
        assert!(close(s.micro_precision, 2.0 / 3.0) && close(s.micro_recall, 2.0 / 3.0));
        assert!(close(s.macro_f1, 2.0 / 3.0));
        // A label absent from gold and predictions counts 1 in the macro average (zero_division=1):
        // with a fourth label X, macro = (1 + 0 + 1 + 1)/4.
        let mut labels4 = labels.clone();
        labels4.push("X".into());
        let s = semeval_multilabel_f1(&gold, &pred, &labels4).unwrap();
        assert!(close(s.macro_f1, 0.75) && close(s.micro_f1, 2.0 / 3.0));
        // Nothing to find, nothing predicted: 1 by the scorer's zero_division=1.
        let empty: BTreeMap<String, BTreeSet<String>> = [("1".to_string(), set(&[]))].into();
        assert_eq!(semeval_multilabel_f1(&empty, &empty, &labels).unwrap().micro_f1, 1.0);
        // Errors.
        let mut missing = pred.clone();
        missing.remove("3");
        assert!(matches!(
            semeval_multilabel_f1(&gold, &missing, &labels),
            Err(LabelSetError::MissingPrediction { count: 1, .. })
        ));
        let mut bad = pred.clone();
        bad.insert("3".into(), set(&["Q"]));
        let e = semeval_multilabel_f1(&gold, &bad, &labels).unwrap_err();
        assert!(e.to_string().contains("`Q`"), "{e}");
    }

    #[test]
    fn article_reduction_by_share() {
        // Article x: 4 paragraphs: E, E, M, (none) → shares E 0.5, M 0.25.
        // Article y: 2 paragraphs: S;M, S → shares S 1.0, M 0.5.
        // Article z: 1 paragraph, no label → present with an empty set.
        let paras: Vec<(&str, Vec<&str>)> = vec![
            ("x", vec!["E"]),
            ("x", vec!["E"]),
            ("x", vec!["M"]),
            ("x", vec![]),
            ("y", vec!["S", "M"]),
            ("y", vec!["S", "S"]),
            ("z", vec![]),
        ];
        let shares = article_label_shares(paras.iter().map(|(a, l)| (*a, l.iter().copied())));
        assert!(close(shares["x"]["E"], 0.5) && close(shares["x"]["M"], 0.25));
        assert!(close(shares["y"]["S"], 1.0) && close(shares["y"]["M"], 0.5));
        let sets = article_label_sets(paras.iter().map(|(a, l)| (*a, l.iter().copied())), 0.3);
        assert_eq!(sets["x"], set(&["E"]));
        assert_eq!(sets["y"], set(&["M", "S"]));
        assert_eq!(sets["z"], set(&[]));
        let any = article_label_sets(paras.iter().map(|(a, l)| (*a, l.iter().copied())), 0.0);
        assert_eq!(any["x"], set(&["E", "M"]));
    }
}
