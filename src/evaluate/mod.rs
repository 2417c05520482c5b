//! Agreement between framelens' labels and a hand coding: per-label precision, recall and F1, macro-F1,
//! accuracy and Cohen's kappa, from a gold CSV and a run's `paragraphs.csv`.
//!
//! Gold rows name a paragraph by `doc_id` and `text_prefix` (the paragraph's first characters), so a gold
//! file stays valid when segmentation changes paragraph numbering.

pub mod agreement;
pub mod article;
pub mod report;
pub use agreement::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error(
        "{path} line {line}: gold paragraph not found in the predictions (doc_id `{doc_id}`, text starting `{prefix}`)"
    )]
    Unmatched { path: PathBuf, line: u64, doc_id: String, prefix: String },
}

#[derive(Debug, Deserialize)]
struct GoldRow {
    doc_id: String,
    text_prefix: String,
    /// `label` is accepted too (the column `framelens sample` writes).
    #[serde(alias = "label")]
    frame: String,
    #[serde(default)]
    stance: String,
}

#[derive(Debug, Deserialize)]
struct PredRow {
    doc_id: String,
    kind: String,
    frame: String,
    stance: String,
    text: String,
}

/// Gold and predicted labels of the matched paragraphs.
#[derive(Debug, Clone, Default)]
pub struct Pairs {
    pub frame: Vec<(String, String)>,
    pub stance: Vec<(String, String)>,
    /// Document id of each frame pair / stance pair (for bootstrap resampling by article).
    pub frame_docs: Vec<String>,
    pub stance_docs: Vec<String>,
}

fn read_csv<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<(u64, T)>, EvalError> {
    let err = |message: String| EvalError::Read { path: path.to_path_buf(), message };
    let mut r = csv::Reader::from_path(path).map_err(|e| err(e.to_string()))?;
    let mut out = Vec::new();
    for rec in r.deserialize::<T>() {
        let line = 0;
        match rec {
            Ok(v) => out.push((line, v)),
            Err(e) => return Err(err(e.to_string())),
        }
    }
    // Line numbers: header is line 1; records are one line each unless quoted newlines (rare in gold).
    for (i, row) in out.iter_mut().enumerate() {
        row.0 = i as u64 + 2;
    }
    Ok(out)
}

/// Matches every gold row to a predicted body paragraph; an unmatched gold row is an error.
pub fn match_gold(gold_path: &Path, paragraphs_csv: &Path) -> Result<Pairs, EvalError> {
    let gold: Vec<(u64, GoldRow)> = read_csv(gold_path)?;
    let pred: Vec<(u64, PredRow)> = read_csv(paragraphs_csv)?;
    let mut by_doc: BTreeMap<&str, Vec<&PredRow>> = BTreeMap::new();
    for (_, p) in &pred {
        if p.kind == "body" {
            by_doc.entry(p.doc_id.as_str()).or_default().push(p);
        }
    }
    let mut pairs = Pairs::default();
    for (line, g) in &gold {
        let prefix = g.text_prefix.trim();
        let found = by_doc.get(g.doc_id.as_str()).and_then(|ps| ps.iter().find(|p| p.text.starts_with(prefix)));
        let Some(p) = found else {
            return Err(EvalError::Unmatched {
                path: gold_path.to_path_buf(),
                line: *line,
                doc_id: g.doc_id.clone(),
                prefix: prefix.chars().take(40).collect(),
            });
        };
        if !g.frame.trim().is_empty() {
            pairs.frame.push((g.frame.trim().to_string(), p.frame.clone()));
            pairs.frame_docs.push(g.doc_id.clone());
        }
        if !g.stance.is_empty() {
            pairs.stance.push((g.stance.clone(), p.stance.clone()));
            pairs.stance_docs.push(g.doc_id.clone());
        }
    }
    Ok(pairs)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct LabelScore {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub n: usize,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub kappa: f64,
    pub labels: Vec<LabelScore>,
    /// `confusion[gold][pred]` over `labels` order (plus predicted labels absent from gold).
    pub confusion: Vec<Vec<usize>>,
    pub label_order: Vec<String>,
}

/// Scores `(gold, predicted)` pairs. Macro-F1 averages over the labels that occur in the gold data.
pub fn score(pairs: &[(String, String)]) -> Report {
    let mut order: Vec<String> = Vec::new();
    for (g, _) in pairs {
        if !order.contains(g) {
            order.push(g.clone());
        }
    }
    order.sort();
    let gold_labels = order.len();
    for (_, p) in pairs {
        if !order.contains(p) {
            order.push(p.clone());
        }
    }
    let idx = |l: &str| order.iter().position(|o| o == l).unwrap_or(0);
    let k = order.len();
    let mut conf = vec![vec![0usize; k]; k];
    for (g, p) in pairs {
        conf[idx(g)][idx(p)] += 1;
    }
    let n = pairs.len();
    let correct: usize = (0..k).map(|i| conf[i][i]).sum();
    let labels: Vec<LabelScore> = (0..gold_labels)
        .map(|i| {
            let tp = conf[i][i] as f64;
            let pred: usize = (0..k).map(|g| conf[g][i]).sum();
            let support: usize = conf[i].iter().sum();
            let precision = if pred == 0 { 0.0 } else { tp / pred as f64 };
            let recall = if support == 0 { 0.0 } else { tp / support as f64 };
            let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
            LabelScore { label: order[i].clone(), precision, recall, f1, support }
        })
        .collect();
    let macro_f1 = labels.iter().map(|l| l.f1).sum::<f64>() / labels.len().max(1) as f64;
    let accuracy = if n == 0 { 0.0 } else { correct as f64 / n as f64 };
    let expected: f64 = (0..k)
        .map(|i| {
            let row: usize = conf[i].iter().sum();
            let col: usize = (0..k).map(|g| conf[g][i]).sum();
            row as f64 * col as f64
        })
        .sum::<f64>()
        / (n as f64 * n as f64).max(1.0);
    let kappa = if expected >= 1.0 { 0.0 } else { (accuracy - expected) / (1.0 - expected) };
    Report { n, accuracy, macro_f1, kappa, labels, confusion: conf, label_order: order }
}

impl Report {
    /// A Markdown table a terminal and docs/evaluation.md can both show.
    pub fn markdown(&self, title: &str) -> String {
        let mut s = format!(
            "### {title}\n\n{} paragraphs · accuracy {:.3} · macro-F1 {:.3} · Cohen's kappa {:.3}\n\n| label | precision | recall | F1 | support |\n|---|---|---|---|---|\n",
            self.n, self.accuracy, self.macro_f1, self.kappa
        );
        for l in &self.labels {
            s += &format!("| {} | {:.3} | {:.3} | {:.3} | {} |\n", l.label, l.precision, l.recall, l.f1, l.support);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(g: &str, q: &str) -> (String, String) {
        (g.into(), q.into())
    }

    #[test]
    fn perfect_and_chance_agreement() {
        let perfect = score(&[p("a", "a"), p("b", "b"), p("a", "a")]);
        assert_eq!((perfect.accuracy, perfect.macro_f1, perfect.kappa), (1.0, 1.0, 1.0));
        let r = score(&[p("a", "a"), p("a", "b"), p("b", "a"), p("b", "b")]);
        assert!((r.accuracy - 0.5).abs() < 1e-12 && r.kappa.abs() < 1e-12);
        assert!((r.macro_f1 - 0.5).abs() < 1e-12);
    }

    #[test]
    fn labels_only_predicted_do_not_enter_macro_average() {
        let r = score(&[p("a", "a"), p("a", "other")]);
        assert_eq!(r.labels.len(), 1);
        assert!((r.labels[0].recall - 0.5).abs() < 1e-12 && (r.labels[0].precision - 1.0).abs() < 1e-12);
    }
}
