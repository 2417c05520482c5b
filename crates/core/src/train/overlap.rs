//! Refusing to score a trained head on its own training rows. A head scored on the rows it was fitted on
//! reports near-perfect agreement that says nothing about new text (a trial printed 1.000 everywhere), so
//! `eval` compares the evaluated texts with the row hashes the head records and refuses an overlap unless
//! the user asks for it, in which case the figures are marked.

use std::path::Path;

use crate::train::head::{Head, TrainingRows};
use crate::train::split::{Holdout, Part};

/// The flag that lets `eval` score training rows anyway.
pub const ALLOW_FLAG: &str = "--allow-train-overlap";

/// How the evaluated rows were chosen from a labelled file (`eval --data`), to explain an overlap.
#[derive(Debug, Clone)]
pub struct EvalSplit {
    /// sha256 of the evaluated data file.
    pub data_sha256: String,
    /// `eval --holdout`/`--split-seed` and the part scored; `None` = every row.
    pub split: Option<(Holdout, Part)>,
}

/// The evaluated rows against one head's training rows.
#[derive(Debug, Clone, PartialEq)]
pub struct OverlapCheck {
    /// The head file, for messages.
    pub head: String,
    /// `frame` or `stance`.
    pub role: String,
    /// Rows evaluated.
    pub rows: usize,
    /// Evaluated rows the head was fitted on; `None` when the head records no training rows.
    pub trained_on: Option<usize>,
    /// Why the rows overlap, when the split explains it (e.g. a different `--holdout`).
    pub note: Option<String>,
}

/// What `eval` should do about an overlap.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// No evaluated row was used for training.
    Clean,
    /// The head records no training rows: say so and go on.
    Unchecked {
        /// The sentence to show the user: the overlap cannot be checked.
        warning: String,
    },
    /// Overlap allowed by [`ALLOW_FLAG`]: warn loudly and mark every figure with `marker`.
    Marked {
        /// The sentence to show the user: how many evaluated rows the head was trained on.
        warning: String,
        /// What each affected figure is marked with, e.g. in the `train_overlap` column of `eval --csv`.
        marker: String,
    },
}

/// Scoring training rows without [`ALLOW_FLAG`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "{} of {} evaluated rows were used to train the {} head {}{}. Scores on training rows overstate \
     agreement: evaluate on rows the head did not see, or pass {ALLOW_FLAG} to score them anyway (the \
     figures are then marked as including training rows)",
    .0.trained_on.unwrap_or(0), .0.rows, .0.role, .0.head, .0.note.as_deref().unwrap_or("")
)]
pub struct TrainOverlapError(pub OverlapCheck);

impl OverlapCheck {
    /// Counts how many of `texts` `head` (read from `path`) was fitted on; `split` explains the count when
    /// the texts come from a labelled file.
    pub fn new(head: &Head, path: &Path, role: &str, texts: &[&str], split: Option<&EvalSplit>) -> Self {
        let trained_on = head.training_rows.as_ref().map(|t| t.overlap(texts.iter().copied()));
        let note = match (&head.training_rows, split) {
            (Some(t), Some(s)) if trained_on.unwrap_or(0) > 0 => split_note(t, s),
            _ => None,
        };
        OverlapCheck { head: path.display().to_string(), role: role.to_string(), rows: texts.len(), trained_on, note }
    }

    /// Refuses an overlap unless `allow`.
    pub fn verdict(&self, allow: bool) -> Result<Verdict, TrainOverlapError> {
        match self.trained_on {
            None => Ok(Verdict::Unchecked {
                warning: format!(
                    "warning: the {} head {} records no training rows (it predates framelens recording them), so \
                     whether the {} evaluated rows include rows it was trained on cannot be checked",
                    self.role, self.head, self.rows
                ),
            }),
            Some(0) => Ok(Verdict::Clean),
            Some(n) if allow => Ok(Verdict::Marked {
                warning: format!(
                    "WARNING: {n} of {} evaluated rows were used to train the {} head {}{}. These figures \
                     INCLUDE TRAINING ROWS and overstate agreement on new text ({ALLOW_FLAG}).",
                    self.rows,
                    self.role,
                    self.head,
                    self.note.as_deref().unwrap_or("")
                ),
                marker: format!("includes {n} of {} rows the {} head was trained on", self.rows, self.role),
            }),
            Some(_) => Err(TrainOverlapError(self.clone())),
        }
    }
}

/// Explains an overlap from the head's recorded split and the evaluation's, when both name the same file.
fn split_note(head: &TrainingRows, eval: &EvalSplit) -> Option<String> {
    if head.data_sha256 != eval.data_sha256 {
        return None;
    }
    let flags = |h: &Holdout| format!("--holdout {} --split-seed {}", h.fraction, h.seed);
    Some(match (head.holdout, eval.split) {
        (_, Some((_, Part::Train))) => " (--part train scores the rows the head was trained on)".to_string(),
        (None, Some((h, Part::Dev))) => format!(
            " (it was trained on every row of this file, without --holdout, so the dev part of {} is training data)",
            flags(&h)
        ),
        (Some(t), Some((h, Part::Dev))) if t != h => {
            format!(" (it was trained with {}; this evaluation's {} picks other dev rows)", flags(&t), flags(&h))
        }
        (Some(_), Some((_, Part::Dev))) => {
            " (the split is the head's own: these texts occur in both its train and dev parts)".to_string()
        }
        (Some(t), None) => {
            format!(" (it was trained on the train part of {}; add those flags to score its dev part)", flags(&t))
        }
        (None, None) => " (it was trained on this file)".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::testdata::{embedding_like, test_encoder};
    use crate::train::{train_single_label, TrainOptions};

    fn head(rows: Option<TrainingRows>) -> Head {
        let (x, y) = embedding_like(30, 8, 2, 0.8, 1);
        let labels = vec!["a".to_string(), "b".to_string()];
        let opts = TrainOptions { folds: 3, l2_grid: vec![1e-2], ..Default::default() };
        let mut h = train_single_label(x.view(), &y, &labels, None, &opts, &test_encoder(8)).unwrap();
        h.training_rows = rows;
        h
    }

    #[test]
    fn refuses_overlap_names_counts_and_flag_and_marks_when_allowed() {
        let h13 = Holdout::new(0.2, 13).unwrap();
        let h = head(Some(TrainingRows::new("f1", Some(h13), ["one", "two", "three"])));
        let split = EvalSplit { data_sha256: "f1".into(), split: Some((Holdout::new(0.2, 14).unwrap(), Part::Dev)) };
        let c = OverlapCheck::new(&h, Path::new("h.json"), "frame", &["two", "four", "three ", "five"], Some(&split));
        assert_eq!((c.rows, c.trained_on), (4, Some(2)));
        let e = c.verdict(false).unwrap_err().to_string();
        for needle in ["2 of 4 evaluated rows", "frame head h.json", ALLOW_FLAG, "--holdout 0.2 --split-seed 13"] {
            assert!(e.contains(needle), "`{needle}` missing in {e}");
        }
        match c.verdict(true).unwrap() {
            Verdict::Marked { warning, marker } => {
                assert!(warning.contains("INCLUDE TRAINING ROWS"), "{warning}");
                assert_eq!(marker, "includes 2 of 4 rows the frame head was trained on");
            }
            v => panic!("{v:?}"),
        }
        let clean = OverlapCheck::new(&h, Path::new("h.json"), "frame", &["four"], Some(&split));
        assert_eq!(clean.verdict(false), Ok(Verdict::Clean));
    }

    #[test]
    fn explains_a_head_trained_without_holdout_and_warns_for_old_heads() {
        let h = head(Some(TrainingRows::new("f1", None, ["one", "two"])));
        let split = EvalSplit { data_sha256: "f1".into(), split: Some((Holdout::new(0.3, 13).unwrap(), Part::Dev)) };
        let e = OverlapCheck::new(&h, Path::new("h.json"), "frame", &["one"], Some(&split)).verdict(false).unwrap_err();
        assert!(e.to_string().contains("without --holdout"), "{e}");
        // Another file: no explanation, still refused.
        let other = EvalSplit { data_sha256: "f2".into(), split: None };
        let c = OverlapCheck::new(&h, Path::new("h.json"), "frame", &["one"], Some(&other));
        assert_eq!(c.note, None);
        assert!(c.verdict(false).is_err());
        let old = head(None);
        match OverlapCheck::new(&old, Path::new("old.json"), "frame", &["one"], None).verdict(false).unwrap() {
            Verdict::Unchecked { warning } => assert!(warning.contains("cannot be checked"), "{warning}"),
            v => panic!("{v:?}"),
        }
    }
}
