//! Agreement between framelens' labels and a hand coding: per-label precision, recall and F1, macro-F1,
//! accuracy and Cohen's kappa, from a gold CSV and a run's `paragraphs.csv`.
//!
//! Gold rows name a paragraph by `doc_id` and `text_prefix` (the paragraph's first characters), so a gold
//! file stays valid when segmentation changes paragraph numbering. Both cells are read through
//! [`spreadsheet_safe::restore`] (a coding sheet from `framelens sample` quotes cells a spreadsheet would run
//! as formulas), and so is the run's `text` when its manifest says it was written `--spreadsheet-safe`.

pub mod agreement;
pub mod article;
pub mod matching;
pub mod report;
pub use agreement::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::export::spreadsheet_safe::{self, restore};

/// Why gold rows could not be paired with a run's paragraphs.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A gold CSV or `paragraphs.csv` cannot be opened, or a row does not parse.
    #[error("{path}: {message}")]
    Read {
        /// The gold CSV or the run's `paragraphs.csv`.
        path: PathBuf,
        /// The CSV reader's error, as text.
        message: String,
    },
    /// A gold row names no body paragraph of the run: another run, or a paragraph edited since coding.
    #[error(
        "{path} line {line}: gold paragraph not found in the predictions (doc_id `{doc_id}`, text starting `{prefix}`)"
    )]
    Unmatched {
        /// The gold CSV.
        path: PathBuf,
        /// Line of the gold row, the header being line 1 (off when a cell holds a line break).
        line: u64,
        /// The row's article, as restored from a spreadsheet-safe cell.
        doc_id: String,
        /// The first 40 characters of the row's `text_prefix`.
        prefix: String,
    },
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
    /// Empty in runs written before the column existed, and for a paragraph without the label.
    #[serde(default, deserialize_with = "score_cell")]
    frame_score: Option<f64>,
    stance: String,
    #[serde(default, deserialize_with = "score_cell")]
    stance_score: Option<f64>,
    text: String,
}

/// A score cell: empty or unparseable reads as no score, so an edited or older `paragraphs.csv` still
/// evaluates (the scores only feed the calibration line, never the agreement figures).
fn score_cell<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let cell = String::deserialize(d)?;
    Ok(cell.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
}

/// Gold and predicted labels of the matched paragraphs.
#[derive(Debug, Clone, Default)]
pub struct Pairs {
    /// (gold, predicted) frame of every gold row whose frame cell is not empty, in gold-file order.
    pub frame: Vec<(String, String)>,
    /// (gold, predicted) stance of every gold row whose stance cell is not empty, in gold-file order.
    pub stance: Vec<(String, String)>,
    /// Document id of each frame pair / stance pair (for bootstrap resampling by article).
    pub frame_docs: Vec<String>,
    /// Article of each stance pair, the bootstrap's resampling unit.
    pub stance_docs: Vec<String>,
    /// Text of the predicted paragraph of each frame pair / stance pair (to check it against a head's
    /// training rows).
    pub frame_texts: Vec<String>,
    /// Predicted paragraph text of each stance pair, for the training-overlap check.
    pub stance_texts: Vec<String>,
    /// The run's `frame_score` of each frame pair (`None` where the cell is empty).
    pub frame_scores: Vec<Option<f64>>,
    /// The run's `stance_score` of each stance pair.
    pub stance_scores: Vec<Option<f64>>,
}

impl Pairs {
    /// Each pair's score and whether its label was right, when every pair has a score (`scores` is
    /// [`Pairs::frame_scores`] or [`Pairs::stance_scores`] beside `pairs`); `None` when any is missing, since
    /// a calibration figure over a subset would not describe the labels scored.
    pub fn confidences(pairs: &[(String, String)], scores: &[Option<f64>]) -> Option<Vec<(f64, bool)>> {
        pairs.iter().zip(scores).map(|((gold, pred), s)| s.map(|s| (s, gold == pred))).collect()
    }
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
    let mut pred: Vec<(u64, PredRow)> = read_csv(paragraphs_csv)?;
    if spreadsheet_safe::paragraphs_csv_is_safe(paragraphs_csv) {
        for (_, p) in &mut pred {
            spreadsheet_safe::restore_in_place(&mut p.text);
        }
    }
    let mut by_doc: BTreeMap<&str, Vec<&PredRow>> = BTreeMap::new();
    for (_, p) in &pred {
        if p.kind == crate::segment::Kind::Body.as_str() {
            by_doc.entry(p.doc_id.as_str()).or_default().push(p);
        }
    }
    let mut pairs = Pairs::default();
    for (line, g) in &gold {
        let prefix = restore(g.text_prefix.trim()).trim();
        let doc_id = restore(&g.doc_id);
        let found = by_doc.get(doc_id).and_then(|ps| ps.iter().find(|p| p.text.starts_with(prefix)));
        let Some(p) = found else {
            return Err(EvalError::Unmatched {
                path: gold_path.to_path_buf(),
                line: *line,
                doc_id: doc_id.to_string(),
                prefix: prefix.chars().take(40).collect(),
            });
        };
        if !g.frame.trim().is_empty() {
            pairs.frame.push((g.frame.trim().to_string(), p.frame.clone()));
            pairs.frame_docs.push(doc_id.to_string());
            pairs.frame_texts.push(p.text.clone());
            pairs.frame_scores.push(p.frame_score);
        }
        if !g.stance.is_empty() {
            pairs.stance.push((g.stance.clone(), p.stance.clone()));
            pairs.stance_docs.push(doc_id.to_string());
            pairs.stance_texts.push(p.text.clone());
            pairs.stance_scores.push(p.stance_score);
        }
    }
    Ok(pairs)
}

/// One label's line of a [`Report`]; a score whose denominator is 0 is 0.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LabelScore {
    /// A gold or predicted label.
    pub(crate) label: String,
    /// Share of the label's predictions that the gold data confirms.
    pub(crate) precision: f64,
    /// Share of the label's gold occurrences that were predicted.
    pub(crate) recall: f64,
    /// 0 when there is no true positive.
    pub(crate) f1: f64,
    /// Gold occurrences.
    pub(crate) support: usize,
}

/// Agreement of one kind of label (frame or stance) with the hand coding, as [`score`] computes it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// Pairs scored: the matched gold rows that have this kind of label.
    pub(crate) n: usize,
    /// Share of pairs whose two labels are equal; 0 when there are no pairs.
    pub(crate) accuracy: f64,
    /// Mean F1 over the union of gold and predicted labels (see [`score`]).
    pub macro_f1: f64,
    /// Cohen's kappa; 0 when chance agreement is 1 or there are no pairs.
    pub(crate) kappa: f64,
    /// Every gold or predicted label, in `label_order` (a label only predicted has support 0 and F1 0).
    pub labels: Vec<LabelScore>,
    /// `confusion[gold][pred]` over `label_order`.
    pub confusion: Vec<Vec<usize>>,
    /// Gold labels sorted, then labels only predicted in order of first appearance: the order of `labels`
    /// and `confusion`.
    pub(crate) label_order: Vec<String>,
}

/// Scores `(gold, predicted)` pairs. Macro-F1 averages over the union of gold and predicted labels, as
/// scikit-learn's `f1_score(average="macro")` does: a label the model predicts but the gold data never use
/// has F1 0 and counts, so a model is not flattered by leaving its spurious labels out of the average.
pub fn score(pairs: &[(String, String)]) -> Report {
    let (order, gold, pred) = index_pairs(pairs);
    let conf = Confusion::from_indices(&gold, &pred, order.len());
    let labels: Vec<LabelScore> = conf
        .class_scores(&order)
        .into_iter()
        .map(|c| LabelScore { label: c.label, precision: c.precision, recall: c.recall, f1: c.f1, support: c.support })
        .collect();
    Report {
        n: pairs.len(),
        accuracy: conf.accuracy(),
        macro_f1: conf.macro_f1(),
        kappa: conf.cohen_kappa(),
        labels,
        confusion: conf.counts,
        label_order: order,
    }
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
    fn a_coding_sheets_quoted_cells_match_the_runs_paragraphs() {
        let dir = tempfile::tempdir().unwrap();
        let formula = r#"=HYPERLINK("http://example.com","x")"#;
        let gold = dir.path().join("coded.csv");
        // As `framelens sample` writes it, then coded.
        std::fs::write(&gold, "doc_id,text_prefix,label,stance\n'-d1,\"'=HYPERLINK(\"\"http\",a,\n'-d1,'Tis,b,\n")
            .unwrap();
        let pred = dir.path().join("paragraphs.csv");
        let write_pred = |text: &str| {
            let mut w = csv::Writer::from_path(&pred).unwrap();
            w.write_record(["doc_id", "kind", "frame", "stance", "text"]).unwrap();
            w.write_record(["-d1", "body", "a", "", text]).unwrap();
            w.write_record(["-d1", "body", "b", "", "'Tis the season"]).unwrap();
            w.flush().unwrap();
        };
        let frame_pairs = |p: &Pairs| p.frame.clone();
        let want = vec![p("a", "a"), p("b", "b")];
        // A run written as is.
        write_pred(formula);
        let pairs = match_gold(&gold, &pred).unwrap();
        assert_eq!(frame_pairs(&pairs), want);
        assert_eq!(pairs.frame_docs, ["-d1", "-d1"]);
        // A run written --spreadsheet-safe: its text is restored because its manifest says so ...
        write_pred(&format!("'{formula}"));
        std::fs::write(dir.path().join("manifest.json"), r#"{"options": {"spreadsheet_safe": true}}"#).unwrap();
        let pairs = match_gold(&gold, &pred).unwrap();
        assert_eq!(frame_pairs(&pairs), want);
        assert_eq!(pairs.frame_texts[0], formula);
        // ... and only then.
        std::fs::remove_file(dir.path().join("manifest.json")).unwrap();
        let e = match_gold(&gold, &pred).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("=HYPERLINK"), "{e}");
    }

    #[test]
    fn the_runs_scores_come_with_the_pairs_and_a_missing_one_drops_the_calibration() {
        let dir = tempfile::tempdir().unwrap();
        let gold = dir.path().join("gold.csv");
        std::fs::write(&gold, "doc_id,text_prefix,frame,stance\nd1,First,a,critical\nd1,Second,b,neutral\n").unwrap();
        let pred = dir.path().join("paragraphs.csv");
        let write_pred = |second_stance_score: &str| {
            let mut w = csv::Writer::from_path(&pred).unwrap();
            w.write_record(["doc_id", "kind", "frame", "frame_score", "stance", "stance_score", "text"]).unwrap();
            w.write_record(["d1", "body", "a", "0.9", "critical", "0.75", "First paragraph."]).unwrap();
            w.write_record(["d1", "body", "a", "0.6", "neutral", second_stance_score, "Second paragraph."]).unwrap();
            w.flush().unwrap();
        };
        write_pred("0.5");
        let pairs = match_gold(&gold, &pred).unwrap();
        assert_eq!(pairs.frame_scores, [Some(0.9), Some(0.6)]);
        assert_eq!(Pairs::confidences(&pairs.frame, &pairs.frame_scores), Some(vec![(0.9, true), (0.6, false)]));
        assert_eq!(Pairs::confidences(&pairs.stance, &pairs.stance_scores), Some(vec![(0.75, true), (0.5, true)]));
        // An empty cell is no score, and a calibration figure over part of the pairs is not given.
        write_pred("");
        let pairs = match_gold(&gold, &pred).unwrap();
        assert_eq!(pairs.stance_scores, [Some(0.75), None]);
        assert_eq!(Pairs::confidences(&pairs.stance, &pairs.stance_scores), None);
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
    fn predicted_only_labels_are_listed_and_averaged() {
        let r = score(&[p("a", "a"), p("a", "other")]);
        assert_eq!(r.labels.iter().map(|l| l.label.as_str()).collect::<Vec<_>>(), ["a", "other"]);
        assert!((r.labels[0].recall - 0.5).abs() < 1e-12 && (r.labels[0].precision - 1.0).abs() < 1e-12);
        let other = &r.labels[1];
        assert_eq!((other.precision, other.recall, other.f1, other.support), (0.0, 0.0, 0.0, 0));
        // a: F1 = 2/3; other: 0 → macro (2/3 + 0)/2.
        assert!((r.macro_f1 - 1.0 / 3.0).abs() < 1e-12, "{}", r.macro_f1);
    }

    #[test]
    fn macro_f1_matches_scikit_learn_on_a_fixed_example() {
        // Gold uses a, b, c; the model also predicts d and e, which gold never uses.
        let gold = ["a", "a", "a", "b", "b", "b", "c", "c", "a", "b", "c", "a"];
        let pred = ["a", "d", "a", "b", "e", "b", "c", "a", "a", "d", "c", "e"];
        let pairs: Vec<(String, String)> = gold.iter().zip(pred).map(|(g, q)| p(g, q)).collect();
        let r = score(&pairs);
        // Independent recomputation (scikit-learn 1.x):
        // python3 -c 'from sklearn.metrics import f1_score as f;
        //   g="a a a b b b c c a b c a".split(); p="a d a b e b c a a d c e".split();
        //   print(repr(f(g,p,average="macro",zero_division=0)))'
        // → 0.42666666666666664 (over the gold labels alone it would be 0.7111: the flattering figure).
        const SKLEARN_MACRO_F1: f64 = 0.42666666666666664;
        assert!((r.macro_f1 - SKLEARN_MACRO_F1).abs() < 1e-12, "{} vs scikit-learn {}", r.macro_f1, SKLEARN_MACRO_F1);
        assert_eq!(r.labels.len(), 5);
    }
}
