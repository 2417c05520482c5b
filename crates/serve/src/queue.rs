//! Which paragraph a coder sees next. The queue is the whole draw order of the run's body paragraphs
//! (`framelens::sample::draw_order`, the order `framelens sample` draws in), so two coders with the same
//! strategy meet the same paragraphs in the same order and code them independently; the next item is the
//! first one the coder has not finished.

use std::collections::HashMap;

use framelens::sample::{draw_order, Strategy};

use crate::codes::Code;
use crate::run_data::{Key, RunData};

/// The seed of every queue: fixed, so that coders share an order.
pub const QUEUE_SEED: u64 = 13;

/// How the queue is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// At random.
    Random,
    /// Outlets in turn.
    ByOutlet,
    /// Smallest frame margin first.
    Uncertain,
    /// Paragraphs where other coders disagree with the model or with each other first, then at random.
    Disagreements,
}

impl Order {
    /// All orders, as the coding page offers them.
    pub const ALL: [Order; 4] = [Order::Random, Order::ByOutlet, Order::Uncertain, Order::Disagreements];

    /// The query-string spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Order::Random => "random",
            Order::ByOutlet => "outlet",
            Order::Uncertain => "uncertain",
            Order::Disagreements => "disagreements",
        }
    }

    /// Parses [`Order::as_str`]; anything else is random.
    pub fn parse(s: &str) -> Order {
        Order::ALL.into_iter().find(|o| o.as_str() == s).unwrap_or(Order::Random)
    }

    /// What the coding page says about it.
    pub fn describe(self) -> &'static str {
        match self {
            Order::Random => "at random",
            Order::ByOutlet => "evenly by outlet",
            Order::Uncertain => "least certain first",
            Order::Disagreements => "disagreements first (model vs other coders)",
        }
    }
}

/// Rows of the run's body paragraphs in queue order. `others` are the other coders' codes (used only by
/// [`Order::Disagreements`]).
pub fn order(run: &RunData, order: Order, others: &[HashMap<Key, Code>]) -> Vec<usize> {
    let outlets: Vec<&str> = run.body.iter().map(|&r| run.paragraphs[r].outlet.as_str()).collect();
    let margins: Vec<f64> =
        run.body.iter().map(|&r| run.paragraphs[r].frame_margin.map_or(f64::INFINITY, f64::from)).collect();
    let strategy = match order {
        Order::ByOutlet => Strategy::ByOutlet,
        Order::Uncertain => Strategy::Uncertain,
        Order::Random | Order::Disagreements => Strategy::Random,
    };
    let mut rows: Vec<usize> =
        draw_order(&outlets, &margins, strategy, QUEUE_SEED).into_iter().map(|i| run.body[i]).collect();
    if order == Order::Disagreements {
        let disputed = |row: &usize| {
            let key = run.key(*row);
            let frames: Vec<&str> =
                others.iter().filter_map(|c| c.get(&key)).map(|c| c.frame.as_str()).filter(|f| !f.is_empty()).collect();
            let model = run.paragraphs[*row].frame.as_str();
            !frames.is_empty() && frames.iter().any(|f| *f != model || *f != frames[0])
        };
        // Stable: disputed first, each part in random order.
        rows.sort_by_key(|r| !disputed(r));
    }
    rows
}

/// The first row of `queue` the coder has not finished, and how many of the queue they have finished.
pub fn next(run: &RunData, queue: &[usize], mine: &HashMap<Key, Code>) -> (Option<usize>, usize) {
    let needs_stance = run.stance_target.is_some();
    let mut first = None;
    let mut done = 0;
    for &row in queue {
        match mine.get(&run.key(row)) {
            Some(c) if c.is_complete(needs_stance) => done += 1,
            _ => {
                if first.is_none() {
                    first = Some(row);
                }
            }
        }
    }
    (first, done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use framelens::record::ParagraphRecord;
    use framelens::run::labels::Kind;

    fn run() -> RunData {
        let rows = (0..30)
            .map(|i| ParagraphRecord {
                doc_id: format!("d{}", i / 5),
                outlet: ["A", "B", "C"][i % 3].into(),
                para_index: i % 5,
                kind: if i == 0 { Kind::Heading } else { Kind::Body },
                frame: "f1".into(),
                frame_margin: Some((30 - i) as f32 / 100.0),
                ..Default::default()
            })
            .collect();
        crate::run_data::test_run(rows)
    }

    #[test]
    fn queues_hold_every_body_paragraph_once_and_coders_share_them() {
        let r = run();
        for o in Order::ALL {
            let mut q = order(&r, o, &[]);
            assert_eq!(q, order(&r, o, &[]), "{o:?} is deterministic");
            q.sort_unstable();
            assert_eq!(q, (1..30).collect::<Vec<_>>(), "{o:?}");
        }
        let u = order(&r, Order::Uncertain, &[]);
        assert_eq!(u[0], 29, "smallest margin first");
        let by = order(&r, Order::ByOutlet, &[]);
        let outlets: Vec<&str> = by[..3].iter().map(|&i| r.paragraphs[i].outlet.as_str()).collect();
        assert_eq!(outlets, ["A", "B", "C"]);
    }

    #[test]
    fn disagreements_come_first_and_next_skips_finished_items() {
        let r = run();
        let mut other = HashMap::new();
        other.insert(r.key(7), Code { frame: "f2".into(), ..Code::default() });
        other.insert(r.key(8), Code { frame: "f1".into(), ..Code::default() });
        let q = order(&r, Order::Disagreements, &[other]);
        assert_eq!(q[0], 7, "the other coder said f2 where the model said f1");
        let mut mine = HashMap::new();
        mine.insert(r.key(q[0]), Code { frame: "f1".into(), ..Code::default() });
        mine.insert(r.key(q[1]), Code { skipped: true, ..Code::default() });
        assert_eq!(next(&r, &q, &mine), (Some(q[2]), 2));
    }
}
