//! Agreement measures, once: the confusion matrix and what is read off it (per-label precision, recall
//! and F1, accuracy, macro-F1, Cohen's kappa, Krippendorff's alpha), for `eval`, cross-validation in
//! `train` and the bootstrap replicates of both, which score thousands of resamples and so work on label
//! indices rather than strings.
//!
//! Conventions match scikit-learn so the numbers can be checked: labels are ordered gold labels (sorted)
//! first, then labels only predicted; macro-F1 averages over the union of gold and predicted labels
//! (`f1_score(average="macro")`); F1 of a label never predicted, or only predicted, is 0; Cohen's kappa is
//! 0 when chance agreement is 1.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// Precision, recall and F1 of one label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassScore {
    pub(crate) label: String,
    pub(crate) precision: f64,
    pub(crate) recall: f64,
    pub(crate) f1: f64,
    /// Gold occurrences.
    pub support: usize,
}

/// A `k × k` confusion matrix, `counts[gold][pred]`, over label indices `0..k`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusion {
    pub(crate) counts: Vec<Vec<usize>>,
}

/// Precision, recall and F1 from true positives, false positives and false negatives; each 0 when its
/// denominator is 0 (and F1 0 when there is no true positive).
pub fn precision_recall_f1(tp: usize, fp: usize, fn_: usize) -> (f64, f64, f64) {
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
                let (precision, recall, f1) = precision_recall_f1(tp, self.col(i) - tp, support - tp);
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
                precision_recall_f1(tp, self.col(i) - tp, self.row(i) - tp).2
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
    fn precision_recall_f1_by_hand() {
        // tp 3, fp 1, fn 2: precision 3/4, recall 3/5, F1 = 6/9.
        let (p, r, f) = precision_recall_f1(3, 1, 2);
        assert!(close(p, 0.75) && close(r, 0.6) && close(f, 2.0 / 3.0));
        assert_eq!(precision_recall_f1(0, 0, 0), (0.0, 0.0, 0.0));
        assert_eq!(precision_recall_f1(0, 2, 1), (0.0, 0.0, 0.0));
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
}
