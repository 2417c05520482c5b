//! Agreement statistics beyond `evaluate::score`: an index-based confusion matrix (what training and the
//! bootstrap use, since they score thousands of resamples), Krippendorff's alpha, bootstrap percentile
//! intervals, multi-label micro-F1 as SemEval-2023 Task 3 subtask 2 scores it, and the reduction of
//! paragraph labels to article label sets.
//!
//! Conventions match `evaluate::score` so the numbers agree: labels are ordered gold labels (sorted) first,
//! then labels only predicted; macro-F1 averages over the union of gold and predicted labels (as
//! scikit-learn's `f1_score(average="macro")`); F1 of a label never predicted, or only predicted, is 0;
//! Cohen's kappa is 0 when chance agreement is 1.
//!
//! Merged into `crate::evaluate` (re-exported there); no item name clashes with that module's.

use std::collections::{BTreeMap, BTreeSet};

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Precision, recall and F1 of one label (the index-based twin of `evaluate::LabelScore`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassScore {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Gold occurrences.
    pub support: usize,
}

/// A `k × k` confusion matrix, `counts[gold][pred]`, over label indices `0..k`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusion {
    pub counts: Vec<Vec<usize>>,
}

fn f1_of(tp: usize, fp: usize, fn_: usize) -> (f64, f64, f64) {
    let precision = if tp + fp == 0 { 0.0 } else { tp as f64 / (tp + fp) as f64 };
    let recall = if tp + fn_ == 0 { 0.0 } else { tp as f64 / (tp + fn_) as f64 };
    let f1 = if tp == 0 { 0.0 } else { 2.0 * tp as f64 / (2 * tp + fp + fn_) as f64 };
    (precision, recall, f1)
}

impl Confusion {
    /// Counts `(gold[i], pred[i])`; every index must be `< k`.
    pub fn from_indices(gold: &[usize], pred: &[usize], k: usize) -> Self {
        assert_eq!(gold.len(), pred.len(), "gold and predictions differ in length");
        let mut counts = vec![vec![0usize; k]; k];
        for (&g, &p) in gold.iter().zip(pred) {
            counts[g][p] += 1;
        }
        Confusion { counts }
    }

    /// Number of labels.
    pub fn k(&self) -> usize {
        self.counts.len()
    }

    /// Number of units.
    pub fn n(&self) -> usize {
        self.counts.iter().map(|r| r.iter().sum::<usize>()).sum()
    }

    fn row(&self, i: usize) -> usize {
        self.counts[i].iter().sum()
    }

    fn col(&self, i: usize) -> usize {
        self.counts.iter().map(|r| r[i]).sum()
    }

    /// Share of units on the diagonal (0 for no units).
    pub fn accuracy(&self) -> f64 {
        let n = self.n();
        if n == 0 {
            return 0.0;
        }
        (0..self.k()).map(|i| self.counts[i][i]).sum::<usize>() as f64 / n as f64
    }

    /// Per-label scores, named by `labels` (same order as the matrix).
    pub fn class_scores(&self, labels: &[String]) -> Vec<ClassScore> {
        (0..self.k())
            .map(|i| {
                let tp = self.counts[i][i];
                let support = self.row(i);
                let (precision, recall, f1) = f1_of(tp, self.col(i) - tp, support - tp);
                ClassScore {
                    label: labels.get(i).cloned().unwrap_or_else(|| i.to_string()),
                    precision,
                    recall,
                    f1,
                    support,
                }
            })
            .collect()
    }

    /// Mean F1 over the labels that occur in the gold data or the predictions (their union, as
    /// scikit-learn's `f1_score(average="macro")` takes it): a label only predicted has F1 0 and counts, so
    /// spurious labels cannot be left out of the average; a label in neither is not a label of this sample.
    /// 0 when there are no units.
    pub fn macro_f1(&self) -> f64 {
        let present: Vec<usize> = (0..self.k()).filter(|&i| self.row(i) + self.col(i) > 0).collect();
        if present.is_empty() {
            return 0.0;
        }
        let sum: f64 = present
            .iter()
            .map(|&i| {
                let tp = self.counts[i][i];
                f1_of(tp, self.col(i) - tp, self.row(i) - tp).2
            })
            .sum();
        sum / present.len() as f64
    }

    /// Cohen's kappa, (p_o − p_e) / (1 − p_e); 0 when p_e = 1 (as `evaluate::score`).
    pub fn cohen_kappa(&self) -> f64 {
        let n = self.n() as f64;
        if n == 0.0 {
            return 0.0;
        }
        let po = self.accuracy();
        let pe: f64 = (0..self.k()).map(|i| self.row(i) as f64 * self.col(i) as f64).sum::<f64>() / (n * n);
        if pe >= 1.0 {
            0.0
        } else {
            (po - pe) / (1.0 - pe)
        }
    }

    /// Krippendorff's alpha for nominal data with two coders and no missing values, the two coders being
    /// gold (rows) and prediction (columns).
    ///
    /// Each unit contributes the ordered value pairs (g, p) and (p, g) to the coincidence matrix `o`;
    /// `n_c` are its margins and `n = 2N`. Then α = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c n_k
    /// (Krippendorff 2011, "Computing Krippendorff's alpha-reliability", section C). Unlike kappa, the
    /// expected disagreement pools both coders' value distributions. `None` when it is undefined: fewer
    /// than two units, or every value is the same (no expected disagreement).
    pub fn krippendorff_alpha(&self) -> Option<f64> {
        let units = self.n();
        if units < 2 {
            return None;
        }
        let k = self.k();
        let n = 2.0 * units as f64;
        // Margins of the symmetric coincidence matrix o = C + Cᵀ.
        let nc: Vec<f64> = (0..k).map(|c| (self.row(c) + self.col(c)) as f64).collect();
        // Σ_{c≠k} o_ck = 2 · (off-diagonal mass of C).
        let diag: usize = (0..k).map(|i| self.counts[i][i]).sum();
        let observed_off = 2.0 * (units - diag) as f64;
        let total: f64 = nc.iter().sum::<f64>();
        let expected_off = total * total - nc.iter().map(|v| v * v).sum::<f64>();
        if expected_off <= 0.0 {
            return None;
        }
        Some(1.0 - (n - 1.0) * observed_off / expected_off)
    }
}

/// Turns string pairs into indices with `evaluate::score`'s label order: gold labels sorted, then labels
/// only predicted, in order of first appearance.
pub fn index_pairs(pairs: &[(String, String)]) -> (Vec<String>, Vec<usize>, Vec<usize>) {
    let gold_set: BTreeSet<&str> = pairs.iter().map(|(g, _)| g.as_str()).collect();
    let mut order: Vec<String> = gold_set.iter().map(|s| s.to_string()).collect();
    for (_, p) in pairs {
        if !gold_set.contains(p.as_str()) && !order.contains(p) {
            order.push(p.clone());
        }
    }
    let index: BTreeMap<&str, usize> = order.iter().enumerate().map(|(i, l)| (l.as_str(), i)).collect();
    let gold = pairs.iter().map(|(g, _)| index[g.as_str()]).collect();
    let pred = pairs.iter().map(|(_, p)| index[p.as_str()]).collect();
    (order, gold, pred)
}

/// Krippendorff's alpha (nominal, two coders) from `(coder_a, coder_b)` value pairs; see
/// [`Confusion::krippendorff_alpha`].
pub fn krippendorff_alpha_nominal(pairs: &[(String, String)]) -> Option<f64> {
    let (order, gold, pred) = index_pairs(pairs);
    Confusion::from_indices(&gold, &pred, order.len()).krippendorff_alpha()
}

/// A statistic with its bootstrap 95% percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The statistic on the full sample.
    pub estimate: f64,
    /// 2.5th percentile of the bootstrap replicates.
    pub lo: f64,
    /// 97.5th percentile of the bootstrap replicates.
    pub hi: f64,
    /// Replicates in which the statistic was defined (the percentiles come from these).
    pub replicates: usize,
}

/// Draws uniformly from `0..n` using only `next_u64`, so the stream depends on ChaCha8 alone (whose output
/// is fixed across platforms and versions) and not on `rand`'s sampling algorithms, which may change.
pub fn uniform_below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    assert!(n > 0);
    let n = n as u64;
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let v = rng.next_u64();
        if v < zone {
            return (v % n) as usize;
        }
    }
}

/// Fisher–Yates shuffle on [`uniform_below`].
pub fn shuffle<T>(items: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..items.len()).rev() {
        let j = uniform_below(rng, i + 1);
        items.swap(i, j);
    }
}

/// Linear-interpolation quantile of sorted values (numpy's default, "type 7").
fn quantile_sorted(v: &[f64], q: f64) -> f64 {
    let pos = q * (v.len() - 1) as f64;
    let i = pos.floor() as usize;
    let frac = pos - i as f64;
    if i + 1 < v.len() {
        v[i] + frac * (v[i + 1] - v[i])
    } else {
        v[i]
    }
}

/// Bootstrap percentile intervals for several statistics of `n_units` units at once: each replicate draws
/// `n_units` unit indices with replacement (ChaCha8 seeded with `seed`) and evaluates every statistic on the
/// same draw. A statistic returning `None` (undefined on a replicate) skips that replicate. Returns one
/// interval per statistic, `None` where the full-sample value is undefined or no replicate was.
///
/// Units are whatever the caller resamples: paragraphs, or whole articles when paragraphs of one article
/// are not independent.
#[allow(clippy::type_complexity)]
pub fn bootstrap_intervals(
    n_units: usize,
    replicates: usize,
    seed: u64,
    stats: &[&dyn Fn(&[usize]) -> Option<f64>],
) -> Vec<Option<Interval>> {
    let all: Vec<usize> = (0..n_units).collect();
    let full: Vec<Option<f64>> = stats.iter().map(|s| s(&all)).collect();
    let mut values: Vec<Vec<f64>> = vec![Vec::with_capacity(replicates); stats.len()];
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draw = vec![0usize; n_units];
    if n_units > 0 {
        for _ in 0..replicates {
            for d in draw.iter_mut() {
                *d = uniform_below(&mut rng, n_units);
            }
            for (s, vals) in stats.iter().zip(values.iter_mut()) {
                if let Some(v) = s(&draw) {
                    if v.is_finite() {
                        vals.push(v);
                    }
                }
            }
        }
    }
    full.into_iter()
        .zip(values)
        .map(|(est, mut vals)| {
            let est = est?;
            if vals.is_empty() {
                return None;
            }
            vals.sort_by(f64::total_cmp);
            Some(Interval {
                estimate: est,
                lo: quantile_sorted(&vals, 0.025),
                hi: quantile_sorted(&vals, 0.975),
                replicates: vals.len(),
            })
        })
        .collect()
}

/// Agreement between gold and predicted labels with bootstrap 95% percentile intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementIntervals {
    pub n: usize,
    pub accuracy: Option<Interval>,
    pub macro_f1: Option<Interval>,
    pub kappa: Option<Interval>,
    /// `None` when alpha is undefined on the full sample (all values identical).
    pub alpha: Option<Interval>,
    pub replicates: usize,
    pub seed: u64,
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
    MissingPrediction { count: usize, example: String },
    /// Predictions for articles the gold data does not have.
    #[error("{count} predicted article(s) are not in the gold data, e.g. `{example}`")]
    ExtraPrediction { count: usize, example: String },
    /// A label outside the task's label list.
    #[error("label `{label}` (article `{article}`) is not one of the {n} task labels")]
    UnknownLabel { label: String, article: String, n: usize },
}

/// Multi-label scores over a fixed label list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiLabelScores {
    pub articles: usize,
    /// 2·ΣTP / (2·ΣTP + ΣFP + ΣFN) over all (article, label) cells; 1 when there is nothing to find and
    /// nothing was predicted (scikit-learn's `zero_division=1`, as the SemEval scorer sets it).
    pub micro_f1: f64,
    pub micro_precision: f64,
    pub micro_recall: f64,
    /// Mean of per-label F1 over all task labels, a label absent from gold and predictions counting 1
    /// (`zero_division=1`, as in the SemEval scorer).
    pub macro_f1: f64,
    pub labels: Vec<ClassScore>,
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
        return Err(LabelSetError::MissingPrediction { count: missing.len(), example: first.to_string() });
    }
    let extra: Vec<&String> = pred.keys().filter(|k| !gold.contains_key(*k)).collect();
    if let Some(first) = extra.first() {
        return Err(LabelSetError::ExtraPrediction { count: extra.len(), example: first.to_string() });
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

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn kappa_by_hand() {
        // gold \ pred   a  b  c
        //   a           4  1  0    (row 5)
        //   b           1  2  1    (row 4)
        //   c           0  0  1    (row 1)
        // column sums   5  3  2, n = 10
        // p_o = (4 + 2 + 1)/10 = 0.7
        // p_e = (5·5 + 4·3 + 1·2)/100 = 39/100 = 0.39
        // kappa = (0.7 − 0.39)/(1 − 0.39) = 0.31/0.61 = 0.508196721...
        let p = pairs(&[
            ("a", "a"),
            ("a", "a"),
            ("a", "a"),
            ("a", "a"),
            ("a", "b"),
            ("b", "a"),
            ("b", "b"),
            ("b", "b"),
            ("b", "c"),
            ("c", "c"),
        ]);
        let (order, g, q) = index_pairs(&p);
        assert_eq!(order, ["a", "b", "c"]);
        let c = Confusion::from_indices(&g, &q, 3);
        assert!(close(c.accuracy(), 0.7));
        assert!(close(c.cohen_kappa(), 0.31 / 0.61), "{}", c.cohen_kappa());
        // F1: a: tp 4, fp 1, fn 1 → 8/10 = 0.8; b: tp 2, fp 1, fn 2 → 4/7; c: tp 1, fp 1, fn 0 → 2/3.
        let s = c.class_scores(&order);
        assert!(close(s[0].f1, 0.8) && close(s[1].f1, 4.0 / 7.0) && close(s[2].f1, 2.0 / 3.0));
        assert!(close(c.macro_f1(), (0.8 + 4.0 / 7.0 + 2.0 / 3.0) / 3.0));
    }

    #[test]
    fn alpha_matches_krippendorffs_worked_binary_example() {
        // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section A: two observers,
        // ten units, binary data.
        //   Observer A: 0 1 0 0 0 0 0 0 1 0
        //   Observer B: 1 1 1 0 0 1 0 0 0 0
        // Coincidences: o00 = 2·5 = 10, o11 = 2·1 = 2, o01 = o10 = 4 (three (0,1) units, one (1,0)).
        // n0 = 14, n1 = 6, n = 20. α = 1 − (n − 1)·o01/(n0·n1) = 1 − 19·4/84 = 1 − 76/84 = 0.0952...
        // (the paper reports α = 0.095).
        let a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0];
        let b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0];
        let p: Vec<(String, String)> = a.iter().zip(&b).map(|(x, y)| (x.to_string(), y.to_string())).collect();
        let alpha = krippendorff_alpha_nominal(&p).unwrap();
        assert!(close(alpha, 1.0 - 76.0 / 84.0), "{alpha}");
        assert!((alpha - 0.095).abs() < 5e-4);
    }

    #[test]
    fn alpha_three_categories_by_hand() {
        // Units (A, B): (a,a) (a,a) (b,b) (b,c) (c,c) (a,b)
        // Coincidences: o_aa = 4, o_bb = 2, o_cc = 2, o_bc = o_cb = 1, o_ab = o_ba = 1.
        // Margins: n_a = 4 + 1 = 5, n_b = 2 + 1 + 1 = 4, n_c = 2 + 1 = 3, n = 12.
        // Σ_{c≠k} o_ck = 4; Σ_{c≠k} n_c n_k = 12² − (25 + 16 + 9) = 94.
        // α = 1 − 11·4/94 = 1 − 44/94 = 0.531914...
        // (kappa for comparison: gold margins a 3, b 2, c 1; predicted a 2, b 2, c 2;
        // p_o = 4/6 = 24/36, p_e = (3·2 + 2·2 + 1·2)/36 = 12/36 → kappa = (24 − 12)/(36 − 12) = 0.5.)
        let p = pairs(&[("a", "a"), ("a", "a"), ("b", "b"), ("b", "c"), ("c", "c"), ("a", "b")]);
        let alpha = krippendorff_alpha_nominal(&p).unwrap();
        assert!(close(alpha, 1.0 - 44.0 / 94.0), "{alpha}");
        let (order, g, q) = index_pairs(&p);
        let c = Confusion::from_indices(&g, &q, order.len());
        assert!(close(c.cohen_kappa(), 0.5));
    }

    #[test]
    fn alpha_undefined_without_variation() {
        assert_eq!(krippendorff_alpha_nominal(&pairs(&[("a", "a"), ("a", "a")])), None);
        assert_eq!(krippendorff_alpha_nominal(&pairs(&[("a", "b")])), None);
        // Perfect agreement with variation is 1.
        let a = krippendorff_alpha_nominal(&pairs(&[("a", "a"), ("b", "b")])).unwrap();
        assert!(close(a, 1.0));
    }

    #[test]
    fn f1_with_empty_classes() {
        // Labels 0..4; gold never contains 2 or 3; label 3 is never predicted either; label 2 is predicted once.
        // gold: 0 0 1 1, pred: 0 2 1 0.
        // class 0: tp 1, fp 1, fn 1 → F1 = 2/4 = 0.5;  class 1: tp 1, fp 0, fn 1 → 2/3
        // class 2: tp 0, fp 1, no gold → F1 0, averaged (predicted); class 3: nothing → not a label here.
        // macro-F1 = (0.5 + 2/3 + 0)/3 = 7/18.
        let c = Confusion::from_indices(&[0, 0, 1, 1], &[0, 2, 1, 0], 4);
        let s = c.class_scores(&[]);
        assert!(close(s[0].f1, 0.5) && close(s[1].f1, 2.0 / 3.0));
        assert_eq!((s[2].precision, s[2].recall, s[2].f1, s[2].support), (0.0, 0.0, 0.0, 0));
        assert_eq!((s[3].precision, s[3].recall, s[3].f1, s[3].support), (0.0, 0.0, 0.0, 0));
        assert!(close(c.macro_f1(), 7.0 / 18.0), "{}", c.macro_f1());
        // A gold class that is never predicted: precision 0 (0/0), recall 0, F1 0, and it is averaged.
        let c = Confusion::from_indices(&[0, 1], &[0, 0], 2);
        let s = c.class_scores(&[]);
        assert_eq!((s[1].precision, s[1].recall, s[1].f1), (0.0, 0.0, 0.0));
        // class 0: tp 1, fp 1, fn 0 → 2/3; macro = (2/3 + 0)/2.
        assert!(close(c.macro_f1(), 1.0 / 3.0));
        assert_eq!(Confusion::from_indices(&[], &[], 3).macro_f1(), 0.0);
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

    #[test]
    fn quantile_interpolates_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        // numpy.percentile([1,2,3,4], 2.5) = 1.075; 97.5 → 3.925
        assert!(close(quantile_sorted(&v, 0.025), 1.075));
        assert!(close(quantile_sorted(&v, 0.975), 3.925));
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
