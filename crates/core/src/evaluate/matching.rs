//! Matching gold label sets to predicted ones before they are scored: which articles of a gold coding a run
//! must have, which labels make up the task, and which predicted labels fall outside it. `eval --level
//! article` and `eval --data --multi-label` call these; the agreement figures themselves are in
//! [`super::report`].

use std::collections::BTreeSet;

use super::article::ArticleSets;

/// Gold articles that have no body paragraph in the run: `count` of them, `first` in id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingArticles {
    /// Gold articles missing from the run.
    pub count: usize,
    /// The first of them by id, to name in the message.
    pub first: String,
}

/// Gold and predicted article sets, matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleMatch {
    /// The predicted set of every gold article, restricted to the task labels.
    pub pred: ArticleSets,
    /// The task labels (see [`match_articles`]).
    pub labels: Vec<String>,
    /// Predicted labels of gold articles left out because they are not task labels (e.g. `other`).
    pub dropped: usize,
}

/// Matches gold article sets with the sets predicted for every article of a run (`all_pred`).
///
/// Every gold article must be in `all_pred`. Task labels are those of the gold coding and those predicted
/// for gold articles (a frame only predicted scores 0 and counts, as in macro-F1 everywhere in framelens);
/// with the codebook's frame ids (`frames`), only those, in the codebook's order, so that a fallback such as
/// `other` is dropped; without, in label order.
pub fn match_articles(
    gold: &ArticleSets,
    all_pred: &ArticleSets,
    frames: Option<&[String]>,
) -> Result<ArticleMatch, MissingArticles> {
    let missing: Vec<&String> = gold.keys().filter(|k| !all_pred.contains_key(*k)).collect();
    if let Some(first) = missing.first() {
        return Err(MissingArticles { count: missing.len(), first: (*first).clone() });
    }
    let present: BTreeSet<&String> =
        gold.values().flatten().chain(gold.keys().filter_map(|k| all_pred.get(k)).flatten()).collect();
    let labels: Vec<String> = match frames {
        Some(ids) => ids.iter().filter(|l| present.contains(l)).cloned().collect(),
        None => present.iter().map(|s| (*s).clone()).collect(),
    };
    let task: BTreeSet<&String> = labels.iter().collect();
    let mut dropped = 0usize;
    let pred: ArticleSets = gold
        .keys()
        .map(|k| {
            let set: BTreeSet<String> = all_pred[k]
                .iter()
                .filter(|l| {
                    let keep = task.contains(l);
                    dropped += usize::from(!keep);
                    keep
                })
                .cloned()
                .collect();
            (k.clone(), set)
        })
        .collect();
    Ok(ArticleMatch { pred, labels, dropped })
}

/// The task labels of multi-label rows: every label (of `order`, in its order) that is in a gold or a
/// predicted set.
pub fn task_labels(order: &[String], gold: &ArticleSets, pred: &ArticleSets) -> Vec<String> {
    let present: BTreeSet<&String> = gold.values().chain(pred.values()).flatten().collect();
    order.iter().filter(|l| present.contains(l)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(rows: &[(&str, &[&str])]) -> ArticleSets {
        rows.iter().map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())).collect()
    }

    #[test]
    fn a_gold_article_the_run_lacks_is_named() {
        let gold = sets(&[("a", &["x"]), ("c", &["y"]), ("b", &[])]);
        let pred = sets(&[("a", &["x"])]);
        assert_eq!(match_articles(&gold, &pred, None), Err(MissingArticles { count: 2, first: "b".into() }));
    }

    #[test]
    fn task_labels_come_from_gold_and_predictions_and_the_codebook_orders_and_limits_them() {
        let gold = sets(&[("a", &["law"]), ("b", &[])]);
        // `z` is an article the gold coding does not have: its labels do not count.
        let pred = sets(&[("a", &["law", "other"]), ("b", &["cost"]), ("z", &["rights"])]);
        let m = match_articles(&gold, &pred, None).unwrap();
        assert_eq!(m.labels, ["cost", "law", "other"]);
        assert_eq!(m.dropped, 0);
        assert_eq!(m.pred, sets(&[("a", &["law", "other"]), ("b", &["cost"])]));

        let frames: Vec<String> = ["rights", "law", "cost"].map(String::from).to_vec();
        let m = match_articles(&gold, &pred, Some(&frames)).unwrap();
        assert_eq!(m.labels, ["law", "cost"], "codebook order, `other` and unseen frames left out");
        assert_eq!(m.dropped, 1, "`other` predicted for `a`");
        assert_eq!(m.pred, sets(&[("a", &["law"]), ("b", &["cost"])]));
    }

    #[test]
    fn multi_label_task_labels_keep_the_given_order() {
        let order: Vec<String> = ["c", "a", "b", "d"].map(String::from).to_vec();
        let gold = sets(&[("1", &["a"]), ("2", &["b"])]);
        let pred = sets(&[("1", &["c"]), ("2", &[])]);
        assert_eq!(task_labels(&order, &gold, &pred), ["c", "a", "b"]);
    }
}
