//! What `framelens eval` reports: agreement of single-label codings (per-label precision, recall and F1,
//! macro-F1, accuracy, Cohen's kappa, Krippendorff's alpha, each summary with a bootstrap 95% interval,
//! the confusion matrix) and of label sets (SemEval-2023 Task 3 micro- and macro-F1 with intervals), as
//! Markdown for the terminal and docs, and as rows of one long CSV.
//!
//! Intervals resample *articles* when the units carry a document id (paragraphs of one article are not
//! independent, so resampling them one by one would give intervals that are too narrow), else units.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use super::agreement::{
    bootstrap_agreement_by_unit, bootstrap_intervals, semeval_multilabel_f1, AgreementIntervals, Interval,
    LabelSetError, MultiLabelScores,
};
use super::{score, Report};

/// Bootstrap replicates and seed used by `eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bootstrap {
    /// Resamples per interval (`eval --replicates`).
    pub replicates: usize,
    /// Seed of the resampling: the same seed and data give the same intervals.
    pub seed: u64,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap { replicates: 2000, seed: 13 }
    }
}

/// The header of `eval --csv` files. `train_overlap` is empty unless the figures of that row's task include
/// rows the head was trained on (`eval --allow-train-overlap`), so a table built from the file cannot lose
/// that caveat.
pub const CSV_HEADER: [&str; 9] =
    ["task", "section", "label", "predicted", "metric", "value", "ci_low", "ci_high", "train_overlap"];

/// Agreement of single-label codings.
#[derive(Debug, Clone)]
pub struct Agreement {
    pub(crate) title: String,
    /// What a unit is (`paragraphs`, `rows`).
    pub unit: String,
    pub(crate) report: Report,
    pub(crate) intervals: AgreementIntervals,
    /// What the bootstrap resampled, e.g. `24 articles` or `152 paragraphs`.
    pub resampled: String,
}

/// Scores `(gold, predicted)` pairs; `groups[i]` (e.g. pair i's document id) makes the bootstrap resample
/// whole groups.
pub fn agreement(
    title: &str,
    unit: &str,
    pairs: &[(String, String)],
    groups: Option<&[String]>,
    boot: Bootstrap,
) -> Agreement {
    let report = score(pairs);
    let (unit_of, resampled) = match groups {
        Some(g) => {
            let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
            let unit_of: Vec<usize> = g
                .iter()
                .map(|d| {
                    let n = ids.len();
                    *ids.entry(d.as_str()).or_insert(n)
                })
                .collect();
            let n = ids.len();
            (unit_of, crate::display::count(n as u64, "article"))
        }
        None => ((0..pairs.len()).collect(), format!("{} {unit}", pairs.len())),
    };
    let intervals = bootstrap_agreement_by_unit(pairs, &unit_of, boot.replicates, boot.seed);
    Agreement { title: title.to_string(), unit: unit.to_string(), report, intervals, resampled }
}

fn iv(i: &Option<Interval>) -> String {
    match i {
        Some(i) => format!("{:.3} [{:.3}, {:.3}]", i.estimate, i.lo, i.hi),
        None => "undefined".into(),
    }
}

fn iv_cells(i: &Option<Interval>) -> [String; 3] {
    match i {
        Some(i) => [format!("{:.6}", i.estimate), format!("{:.6}", i.lo), format!("{:.6}", i.hi)],
        None => [String::new(), String::new(), String::new()],
    }
}

impl Agreement {
    /// The terminal's and docs/evaluation.md's form: summary measures with intervals, per-label scores and
    /// the confusion matrix (labels never in the gold data get no row).
    pub fn markdown(&self) -> String {
        let r = &self.report;
        let i = &self.intervals;
        let mut s = format!("### {}\n\n", self.title);
        let _ = writeln!(
            s,
            "{} {} · bootstrap 95% intervals over {} ({} replicates, seed {})\n",
            r.n, self.unit, self.resampled, i.replicates, i.seed
        );
        let _ = writeln!(s, "| measure | value [95% interval] |\n|---|---|");
        for (name, v) in [
            ("accuracy", &i.accuracy),
            ("macro-F1", &i.macro_f1),
            ("Cohen's kappa", &i.kappa),
            ("Krippendorff's alpha (nominal)", &i.alpha),
        ] {
            let _ = writeln!(s, "| {name} | {} |", iv(v));
        }
        let _ = writeln!(s, "\n| label | precision | recall | F1 | support |\n|---|---|---|---|---|");
        for l in &r.labels {
            let _ = writeln!(s, "| {} | {:.3} | {:.3} | {:.3} | {} |", l.label, l.precision, l.recall, l.f1, l.support);
        }
        let _ = writeln!(s, "\nConfusion matrix (rows: gold, columns: predicted)\n");
        let _ = writeln!(s, "| gold \\ predicted | {} |", r.label_order.join(" | "));
        let _ = writeln!(s, "|---|{}", "---|".repeat(r.label_order.len()));
        for (g, row) in r.label_order.iter().zip(&r.confusion) {
            if row.iter().sum::<usize>() == 0 {
                continue;
            }
            let cells: Vec<String> = row.iter().map(|c| c.to_string()).collect();
            let _ = writeln!(s, "| {g} | {} |", cells.join(" | "));
        }
        s
    }

    /// Rows for `eval --csv` (see [`CSV_HEADER`]).
    pub fn csv_rows(&self, task: &str) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        let i = &self.intervals;
        let mut summary = |metric: &str, v: &Option<Interval>| {
            let [a, b, c] = iv_cells(v);
            rows.push(vec![task.into(), "summary".into(), String::new(), String::new(), metric.into(), a, b, c]);
        };
        summary("accuracy", &i.accuracy);
        summary("macro_f1", &i.macro_f1);
        summary("cohen_kappa", &i.kappa);
        summary("krippendorff_alpha", &i.alpha);
        rows.push(vec![
            task.into(),
            "summary".into(),
            String::new(),
            String::new(),
            "n".into(),
            self.report.n.to_string(),
            String::new(),
            String::new(),
        ]);
        for l in &self.report.labels {
            for (m, v) in
                [("precision", l.precision), ("recall", l.recall), ("f1", l.f1), ("support", l.support as f64)]
            {
                rows.push(vec![
                    task.into(),
                    "label".into(),
                    l.label.clone(),
                    String::new(),
                    m.into(),
                    if m == "support" { l.support.to_string() } else { format!("{v:.6}") },
                    String::new(),
                    String::new(),
                ]);
            }
        }
        let order = &self.report.label_order;
        for (g, row) in order.iter().zip(&self.report.confusion) {
            for (p, c) in order.iter().zip(row) {
                if *c > 0 {
                    rows.push(vec![
                        task.into(),
                        "confusion".into(),
                        g.clone(),
                        p.clone(),
                        "count".into(),
                        c.to_string(),
                        String::new(),
                        String::new(),
                    ]);
                }
            }
        }
        rows
    }
}

/// Agreement of label sets (multi-label rows or articles).
#[derive(Debug, Clone)]
pub struct SetAgreement {
    pub(crate) title: String,
    pub(crate) unit: String,
    pub(crate) scores: MultiLabelScores,
    pub(crate) micro_f1: Option<Interval>,
    pub(crate) macro_f1: Option<Interval>,
    /// Share of units whose predicted set equals the gold set.
    pub exact_match: f64,
    pub(crate) boot: Bootstrap,
    /// Notes for the reader (e.g. predictions outside the task labels that were dropped).
    pub notes: Vec<String>,
}

/// SemEval-2023 Task 3 scores of predicted label sets against gold sets over the task `labels`, with
/// bootstrap intervals resampling units (articles or rows).
pub fn set_agreement(
    title: &str,
    unit: &str,
    gold: &BTreeMap<String, BTreeSet<String>>,
    pred: &BTreeMap<String, BTreeSet<String>>,
    labels: &[String],
    boot: Bootstrap,
) -> Result<SetAgreement, LabelSetError> {
    let scores = semeval_multilabel_f1(gold, pred, labels)?;
    // Per unit and label: (tp, fp, fn).
    let index: BTreeMap<&str, usize> = labels.iter().enumerate().map(|(i, l)| (l.as_str(), i)).collect();
    let k = labels.len();
    let cells: Vec<Vec<(usize, usize, usize)>> = gold
        .iter()
        .map(|(a, g)| {
            let p = &pred[a];
            let mut c = vec![(0, 0, 0); k];
            for l in g {
                let j = index[l.as_str()];
                if p.contains(l) {
                    c[j].0 += 1;
                } else {
                    c[j].2 += 1;
                }
            }
            for l in p.difference(g) {
                c[index[l.as_str()]].1 += 1;
            }
            c
        })
        .collect();
    let ratio = |num: usize, den: usize| if den == 0 { 1.0 } else { num as f64 / den as f64 };
    let sums = |idx: &[usize]| {
        let mut t = vec![(0usize, 0usize, 0usize); k];
        for &u in idx {
            for (j, c) in cells[u].iter().enumerate() {
                t[j].0 += c.0;
                t[j].1 += c.1;
                t[j].2 += c.2;
            }
        }
        t
    };
    let micro = |idx: &[usize]| {
        let t = sums(idx);
        let (tp, fp, fn_) = t.iter().fold((0, 0, 0), |a, c| (a.0 + c.0, a.1 + c.1, a.2 + c.2));
        Some(ratio(2 * tp, 2 * tp + fp + fn_))
    };
    let macro_ = |idx: &[usize]| {
        let t = sums(idx);
        Some(if k == 0 { 1.0 } else { t.iter().map(|c| ratio(2 * c.0, 2 * c.0 + c.1 + c.2)).sum::<f64>() / k as f64 })
    };
    let out = bootstrap_intervals(cells.len(), boot.replicates, boot.seed, &[&micro, &macro_]);
    let exact = gold.iter().filter(|(a, g)| pred[*a] == **g).count() as f64 / gold.len().max(1) as f64;
    Ok(SetAgreement {
        title: title.to_string(),
        unit: unit.to_string(),
        scores,
        micro_f1: out[0],
        macro_f1: out[1],
        exact_match: exact,
        boot,
        notes: Vec::new(),
    })
}

impl SetAgreement {
    /// The terminal's and docs/evaluation.md's form: micro- and macro-F1 with intervals, exact match,
    /// per-label scores and the notes.
    pub fn markdown(&self) -> String {
        let s0 = &self.scores;
        let mut s = format!("### {}\n\n", self.title);
        let _ = writeln!(
            s,
            "{} {} · SemEval-2023 Task 3 scoring (micro-F1 is the official metric) · bootstrap 95% intervals over \
             {} ({} replicates, seed {})\n",
            s0.articles, self.unit, self.unit, self.boot.replicates, self.boot.seed
        );
        let _ = writeln!(s, "| measure | value [95% interval] |\n|---|---|");
        let _ = writeln!(s, "| micro-F1 | {} |", iv(&self.micro_f1));
        let _ = writeln!(s, "| micro precision / recall | {:.3} / {:.3} |", s0.micro_precision, s0.micro_recall);
        let _ = writeln!(s, "| macro-F1 | {} |", iv(&self.macro_f1));
        let _ = writeln!(s, "| exact match | {:.3} |", self.exact_match);
        let _ = writeln!(s, "\n| label | precision | recall | F1 | support |\n|---|---|---|---|---|");
        for l in &s0.labels {
            let _ = writeln!(s, "| {} | {:.3} | {:.3} | {:.3} | {} |", l.label, l.precision, l.recall, l.f1, l.support);
        }
        for n in &self.notes {
            let _ = writeln!(s, "\n{n}");
        }
        s
    }

    /// Rows for `eval --csv` (see [`CSV_HEADER`]); `n` counts the gold units.
    pub fn csv_rows(&self, task: &str) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        for (metric, v) in [("micro_f1", &self.micro_f1), ("macro_f1", &self.macro_f1)] {
            let [a, b, c] = iv_cells(v);
            rows.push(vec![task.into(), "summary".into(), String::new(), String::new(), metric.into(), a, b, c]);
        }
        for (metric, v) in [
            ("micro_precision", self.scores.micro_precision),
            ("micro_recall", self.scores.micro_recall),
            ("exact_match", self.exact_match),
            ("n", self.scores.articles as f64),
        ] {
            rows.push(vec![
                task.into(),
                "summary".into(),
                String::new(),
                String::new(),
                metric.into(),
                if metric == "n" { self.scores.articles.to_string() } else { format!("{v:.6}") },
                String::new(),
                String::new(),
            ]);
        }
        for l in &self.scores.labels {
            for (m, v) in [("precision", l.precision), ("recall", l.recall), ("f1", l.f1)] {
                rows.push(vec![
                    task.into(),
                    "label".into(),
                    l.label.clone(),
                    String::new(),
                    m.into(),
                    format!("{v:.6}"),
                    String::new(),
                    String::new(),
                ]);
            }
            rows.push(vec![
                task.into(),
                "label".into(),
                l.label.clone(),
                String::new(),
                "support".into(),
                l.support.to_string(),
                String::new(),
                String::new(),
            ]);
        }
        rows
    }
}

/// Writes `eval --csv` rows (with [`CSV_HEADER`]) atomically.
pub fn write_csv(path: &std::path::Path, rows: &[Vec<String>]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER).map_err(std::io::Error::other)?;
    for r in rows {
        // Rows without the trailing columns (e.g. no `train_overlap` marker) get empty cells.
        let cells = r.iter().map(String::as_str).chain(std::iter::repeat("")).take(CSV_HEADER.len().max(r.len()));
        w.write_record(cells).map_err(std::io::Error::other)?;
    }
    let bytes = w.into_inner().map_err(|e| std::io::Error::other(e.to_string()))?;
    crate::atomic::write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn single_label_report_with_intervals_and_confusion() {
        let pairs = p(&[("a", "a"), ("a", "b"), ("b", "b"), ("b", "b"), ("c", "a"), ("c", "c")]);
        let docs: Vec<String> = ["d1", "d1", "d2", "d2", "d3", "d3"].iter().map(|s| s.to_string()).collect();
        let a = agreement("Frames", "paragraphs", &pairs, Some(&docs), Bootstrap { replicates: 200, seed: 1 });
        assert_eq!(a.resampled, "3 articles");
        let md = a.markdown();
        assert!(md.contains("Krippendorff's alpha"), "{md}");
        assert!(md.contains("| gold \\ predicted | a | b | c |"), "{md}");
        assert!(md.contains("| a | 1 | 1 | 0 |"), "{md}");
        let rows = a.csv_rows("frames");
        assert!(rows.iter().any(|r| r[1] == "confusion" && r[2] == "c" && r[3] == "a" && r[5] == "1"));
        let mf1 = rows.iter().find(|r| r[4] == "macro_f1").unwrap();
        let (v, lo, hi): (f64, f64, f64) = (mf1[5].parse().unwrap(), mf1[6].parse().unwrap(), mf1[7].parse().unwrap());
        assert!(lo <= v && v <= hi, "{mf1:?}");
        assert!((v - a.report.macro_f1).abs() < 1e-6);
    }

    #[test]
    fn set_report_matches_semeval_and_bounds_the_estimate() {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<String>>();
        let gold: BTreeMap<String, BTreeSet<String>> =
            [("a1", set(&["x", "y"])), ("a2", set(&["y"])), ("a3", set(&["z"]))]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
        let pred: BTreeMap<String, BTreeSet<String>> =
            [("a1", set(&["x"])), ("a2", set(&["y", "z"])), ("a3", set(&["z"]))]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
        let labels: Vec<String> = ["x", "y", "z"].iter().map(|s| s.to_string()).collect();
        let r =
            set_agreement("Frames", "articles", &gold, &pred, &labels, Bootstrap { replicates: 300, seed: 2 }).unwrap();
        // tp 3 (x, y, z of a3), fp 1 (z in a2), fn 1 (y in a1): micro-F1 = 6/8.
        assert!((r.scores.micro_f1 - 0.75).abs() < 1e-12);
        let m = r.micro_f1.unwrap();
        assert!((m.estimate - 0.75).abs() < 1e-12 && m.lo <= 0.75 && m.hi >= 0.75);
        assert!((r.exact_match - 1.0 / 3.0).abs() < 1e-12);
        assert!(r.markdown().contains("micro-F1 | 0.750"));
    }
}
