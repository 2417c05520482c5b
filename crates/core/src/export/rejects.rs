//! Summaries of a run's rejects, so that one systematic problem (a wrong field name, a wrong encoding)
//! stands out from a few broken records without opening `rejects.csv`.

use std::collections::BTreeMap;

use crate::export::RejectRow;

/// The most common kinds of reject reason with their counts, most frequent first (ties by name), at most
/// `n`. Reasons are grouped by their text before the first `: ` or ` (`, because what follows varies per
/// record (byte offsets, the line a duplicate id was first seen on) and would split one cause into many.
pub fn top_reject_reasons(rejects: &[RejectRow], n: usize) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rejects {
        *counts.entry(reason_kind(&r.reason)).or_default() += 1;
    }
    let mut top: Vec<(String, usize)> = counts.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(n);
    top
}

fn reason_kind(reason: &str) -> &str {
    let cut = [reason.find(": "), reason.find(" (")].into_iter().flatten().min().unwrap_or(reason.len());
    reason[..cut].trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(reason: &str) -> RejectRow {
        RejectRow { file: "f".into(), line: Some(1), doc_id: String::new(), para_index: None, reason: reason.into() }
    }

    #[test]
    fn groups_by_cause_and_orders_by_count() {
        let rejects: Vec<RejectRow> = [
            "malformed JSON: expected value at line 1 column 2",
            "duplicate document id (first seen in a.jsonl line 3)",
            "malformed JSON: EOF while parsing",
            "missing text field \"text\"",
            "duplicate document id (first seen in a.jsonl line 9)",
            "malformed JSON: trailing characters",
            "empty document",
        ]
        .iter()
        .map(|r| row(r))
        .collect();
        let top = top_reject_reasons(&rejects, 3);
        assert_eq!(
            top,
            [
                ("malformed JSON".to_string(), 3),
                ("duplicate document id".to_string(), 2),
                ("empty document".to_string(), 1)
            ]
        );
        assert!(top_reject_reasons(&[], 3).is_empty());
    }
}
