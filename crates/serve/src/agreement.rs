//! Agreement between coders, and between each coder and the model, computed by framelens' own
//! `evaluate::report::agreement` (the code behind `framelens eval`): accuracy, macro-F1, Cohen's kappa
//! and Krippendorff's alpha with bootstrap intervals resampling articles, per-label scores and the
//! confusion matrix. Pairs are taken in the run's row order, the order of the exported sheet, so
//! `framelens eval --gold <export>` gives the same figures, intervals included.

use std::collections::HashMap;

use framelens::evaluate::report::{agreement, Agreement, Bootstrap};

use crate::codes::Code;
use crate::run_data::{Key, RunData};

/// Frame or stance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// The frame code (a frame id or `other`).
    Frame,
    /// The stance code.
    Stance,
}

impl Task {
    fn of(self, c: &Code) -> &str {
        if c.skipped {
            return "";
        }
        match self {
            Task::Frame => &c.frame,
            Task::Stance => &c.stance,
        }
    }

    fn model(self, run: &RunData, row: usize) -> String {
        let p = &run.paragraphs[row];
        match self {
            Task::Frame => p.frame.clone(),
            Task::Stance => p.stance.map(|s| s.as_str().to_string()).unwrap_or_default(),
        }
    }

    /// `frames` or `stance`, as in `eval --csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Frame => "frames",
            Task::Stance => "stance",
        }
    }
}

/// Paired labels with their article and row, in run order.
#[derive(Debug, Default, Clone)]
pub struct Paired {
    /// (first, second) labels.
    pub pairs: Vec<(String, String)>,
    /// Article of each pair (the bootstrap's unit).
    pub docs: Vec<String>,
    /// Run row of each pair.
    pub rows: Vec<usize>,
}

impl Paired {
    /// Rows where the two differ.
    pub fn disagreements(&self) -> Vec<usize> {
        self.pairs.iter().zip(&self.rows).filter(|((a, b), _)| a != b).map(|(_, r)| *r).collect()
    }

    /// framelens' agreement report over the pairs, `None` when there are none.
    pub fn agreement(&self, title: &str) -> Option<Agreement> {
        (!self.pairs.is_empty())
            .then(|| agreement(title, "paragraphs", &self.pairs, Some(&self.docs), Bootstrap::default()))
    }
}

/// Pairs of a coder's codes with the model's labels (gold first, as `eval` has it).
pub fn coder_vs_model(run: &RunData, coder: &HashMap<Key, Code>, task: Task) -> Paired {
    pair(run, |row| {
        let c = coder.get(&run.key(row))?;
        let label = task.of(c);
        (!label.is_empty()).then(|| (label.to_string(), task.model(run, row)))
    })
}

/// Pairs of two coders' codes where both coded the paragraph.
pub fn coder_vs_coder(run: &RunData, a: &HashMap<Key, Code>, b: &HashMap<Key, Code>, task: Task) -> Paired {
    pair(run, |row| {
        let key = run.key(row);
        let (x, y) = (task.of(a.get(&key)?), task.of(b.get(&key)?));
        (!x.is_empty() && !y.is_empty()).then(|| (x.to_string(), y.to_string()))
    })
}

fn pair(run: &RunData, mut f: impl FnMut(usize) -> Option<(String, String)>) -> Paired {
    let mut out = Paired::default();
    for &row in &run.body {
        if let Some(p) = f(row) {
            out.pairs.push(p);
            out.docs.push(run.paragraphs[row].doc_id.clone());
            out.rows.push(row);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use framelens::record::ParagraphRecord;

    #[test]
    fn pairs_follow_run_order_and_leave_out_uncoded_and_skipped() {
        let rows = (0..6)
            .map(|i| ParagraphRecord {
                doc_id: format!("d{}", i / 3),
                para_index: i % 3,
                frame: if i < 3 { "f1".into() } else { "f2".into() },
                ..Default::default()
            })
            .collect();
        let run = crate::run_data::test_run(rows);
        let mut a = HashMap::new();
        let mut b = HashMap::new();
        for r in [4, 0, 1, 3] {
            a.insert(run.key(r), Code { frame: "f1".into(), ..Code::default() });
        }
        a.insert(run.key(5), Code { frame: "f2".into(), skipped: true, ..Code::default() });
        b.insert(run.key(1), Code { frame: "f2".into(), ..Code::default() });
        b.insert(run.key(3), Code { frame: "f1".into(), ..Code::default() });
        let m = coder_vs_model(&run, &a, Task::Frame);
        assert_eq!(m.rows, [0, 1, 3, 4]);
        assert_eq!(m.disagreements(), [3, 4]);
        assert_eq!(m.docs, ["d0", "d0", "d1", "d1"]);
        let c = coder_vs_coder(&run, &a, &b, Task::Frame);
        assert_eq!(c.pairs, [("f1".to_string(), "f2".to_string()), ("f1".into(), "f1".into())]);
        assert!(coder_vs_model(&run, &a, Task::Stance).agreement("x").is_none());
    }
}
