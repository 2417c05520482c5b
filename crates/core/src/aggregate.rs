//! The aggregate stage: per-article and per-outlet frame shares and stance counts.
//!
//! Aggregates are kept as integer counts and shares are derived from them at the end, so that results of
//! separate runs (shards) can later be merged exactly.

use std::collections::BTreeMap;

use crate::record::ParagraphRecord;
use crate::run::labels::OTHER;

/// Frame and stance counts over a set of body paragraphs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Per label in `labels` order (codebook frames, then `other`).
    pub frames: Vec<u64>,
    pub(crate) stance: [u64; 3],
    /// Body paragraphs (headings and boilerplate are not counted anywhere in `Counts`).
    pub body: u64,
}

impl Counts {
    fn new(n_labels: usize) -> Self {
        Counts { frames: vec![0; n_labels], stance: [0; 3], body: 0 }
    }

    fn add(&mut self, labels: &[String], r: &ParagraphRecord) {
        self.body += 1;
        if let Some(k) = labels.iter().position(|l| *l == r.frame) {
            self.frames[k] += 1;
        }
        if let Some(s) = r.stance {
            self.stance[s.index()] += 1;
        }
    }

    /// Paragraphs labelled `other` (off-topic, or no frame close enough): the last label.
    pub fn other(&self) -> u64 {
        self.frames.last().copied().unwrap_or(0)
    }

    /// Body paragraphs with a frame: the denominator of frame shares.
    pub fn on_topic(&self) -> u64 {
        self.body - self.other()
    }

    /// Share of each label. A frame's share is over the paragraphs that have a frame, so off-topic text in a
    /// keyword-drawn corpus does not dilute (or, labelled with some frame, distort) the comparison; the last
    /// label's (`other`) is its share of all body paragraphs. Zeros when there is nothing to divide by.
    pub fn shares(&self) -> Vec<f64> {
        let ratio = |c: u64, n: u64| if n == 0 { 0.0 } else { c as f64 / n as f64 };
        let last = self.frames.len().saturating_sub(1);
        self.frames
            .iter()
            .enumerate()
            .map(|(k, &c)| if k == last { ratio(c, self.body) } else { ratio(c, self.on_topic()) })
            .collect()
    }

    /// The most frequent frame (first in codebook order on ties); `other` only when no paragraph has a
    /// frame; None without body paragraphs.
    pub fn dominant<'a>(&self, labels: &'a [String]) -> Option<&'a str> {
        let frames = &self.frames[..self.frames.len().saturating_sub(1)];
        let max = frames.iter().copied().max().unwrap_or(0);
        if max == 0 {
            return (self.other() > 0).then(|| labels.last().map(String::as_str)).flatten();
        }
        frames.iter().position(|&c| c == max).map(|k| labels[k].as_str())
    }
}

/// One document's counts and the metadata its `articles.csv` row repeats.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleAggregate {
    pub(crate) doc_id: String,
    /// Position of the document in the corpus (ingest order); shards keep it, so merges restore the order.
    pub doc_seq: u64,
    pub(crate) outlet: String,
    pub(crate) published: String,
    pub(crate) title: String,
    pub(crate) paragraphs: u64,
    pub(crate) counts: Counts,
}

/// One outlet's counts: the sums of its articles' counts.
#[derive(Debug, Clone, PartialEq)]
pub struct OutletAggregate {
    /// The outlet as the corpus spells it (its grouping key, not normalised).
    pub outlet: String,
    /// Documents of the outlet with at least one record.
    pub articles: u64,
    /// Body paragraph counts over all its articles.
    pub counts: Counts,
}

/// Aggregates of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregates {
    /// Codebook frame ids followed by `other`.
    pub labels: Vec<String>,
    pub(crate) articles: Vec<ArticleAggregate>,
    /// Sorted by outlet name.
    pub outlets: Vec<OutletAggregate>,
}

/// Labels used by aggregates: the codebook's frames plus `other`.
pub fn labels_with_other(frames: &[String]) -> Vec<String> {
    frames.iter().cloned().chain(std::iter::once(OTHER.to_string())).collect()
}

/// Aggregates records (in document order) per article and per outlet (outlets sorted by name).
pub fn aggregate(frames: &[String], records: &[ParagraphRecord]) -> Aggregates {
    aggregate_with_seq(frames, records, |_| 0)
}

/// As [`aggregate`], with each document's corpus position from `seq`.
pub fn aggregate_with_seq(frames: &[String], records: &[ParagraphRecord], seq: impl Fn(&str) -> u64) -> Aggregates {
    let labels = labels_with_other(frames);
    let mut articles: Vec<ArticleAggregate> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for r in records {
        let i = *index.entry(r.doc_id.as_str()).or_insert_with(|| {
            articles.push(ArticleAggregate {
                doc_id: r.doc_id.clone(),
                doc_seq: seq(&r.doc_id),
                outlet: r.outlet.clone(),
                published: r.published.clone(),
                title: r.title.clone(),
                paragraphs: 0,
                counts: Counts::new(labels.len()),
            });
            articles.len() - 1
        });
        let a = &mut articles[i];
        a.paragraphs += 1;
        if r.is_body() {
            a.counts.add(&labels, r);
        }
    }
    let mut outlets = OutletTotals::new(labels.len());
    for a in &articles {
        outlets.add(a);
    }
    Aggregates { labels, articles, outlets: outlets.finish() }
}

/// Outlet totals accumulated article by article (streaming runs and merges add articles as they come).
#[derive(Debug, Clone)]
pub struct OutletTotals {
    n_labels: usize,
    outlets: BTreeMap<String, OutletAggregate>,
}

impl OutletTotals {
    pub(crate) fn new(n_labels: usize) -> Self {
        OutletTotals { n_labels, outlets: BTreeMap::new() }
    }

    pub(crate) fn add(&mut self, a: &ArticleAggregate) {
        let n_labels = self.n_labels;
        let o = self.outlets.entry(a.outlet.clone()).or_insert_with(|| OutletAggregate {
            outlet: a.outlet.clone(),
            articles: 0,
            counts: Counts::new(n_labels),
        });
        o.articles += 1;
        o.counts.body += a.counts.body;
        for (t, s) in o.counts.frames.iter_mut().zip(&a.counts.frames) {
            *t += s;
        }
        for (t, s) in o.counts.stance.iter_mut().zip(&a.counts.stance) {
            *t += s;
        }
    }

    /// Outlets sorted by name.
    pub fn finish(self) -> Vec<OutletAggregate> {
        self.outlets.into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::labels::Stance;

    fn rec(doc: &str, outlet: &str, kind: &str, frame: &str, stance: &str) -> ParagraphRecord {
        ParagraphRecord {
            doc_id: doc.into(),
            outlet: outlet.into(),
            published: String::new(),
            title: String::new(),
            section: String::new(),
            para_index: 0,
            kind: serde_json::from_value(serde_json::Value::String(kind.into())).unwrap(),
            char_start: 0,
            char_end: 0,
            n_tokens: 0,
            windows: 0,
            relevance: None,
            frame: frame.into(),
            frame_score: None,
            frame_margin: None,
            frames: String::new(),
            stance: Stance::parse(stance),
            stance_score: None,
            uncertain: None,
            evidence: String::new(),
            text: String::new(),
            lang: String::new(),
            scores: vec![],
            stance_probs: None,
        }
    }

    #[test]
    fn counts_roll_up_from_articles_to_outlets() {
        let frames = vec!["a".to_string(), "b".to_string()];
        let rs = vec![
            rec("d1", "X", "body", "a", "critical"),
            rec("d1", "X", "body", "a", "neutral"),
            rec("d1", "X", "boilerplate", "", ""),
            rec("d2", "X", "body", "b", "critical"),
            rec("d3", "Y", "body", "other", "supportive"),
        ];
        let agg = aggregate(&frames, &rs);
        assert_eq!(agg.labels, ["a", "b", "other"]);
        assert_eq!(agg.articles.len(), 3);
        assert_eq!(agg.articles[0].paragraphs, 3);
        assert_eq!(agg.articles[0].counts.body, 2);
        assert_eq!(agg.articles[0].counts.dominant(&agg.labels), Some("a"));
        let x = &agg.outlets[0];
        assert_eq!((x.outlet.as_str(), x.articles, x.counts.body), ("X", 2, 3));
        assert_eq!(x.counts.frames, [2, 1, 0]);
        assert_eq!(x.counts.stance, [0, 2, 1]);
        let shares = x.counts.shares();
        assert!((shares[0] - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(agg.outlets[1].counts.dominant(&agg.labels), Some("other"));
    }
}
