//! The `counts` object of `manifest.json`: what went into a run and what came out. Typed, so that the run
//! summary, `merge` and any other reader name a count by a field (a misspelt key is a compile error, not a
//! silent 0), while the JSON stays what it was: one key per field, in alphabetical order.

use serde::{Deserialize, Serialize};

use crate::run::labels::Kind;

/// Counts of a run (or the sum over merged shards). Fields are in alphabetical order so that the JSON is
/// the same as the sorted map it replaced; a manifest from an older framelens that lacks a count reads as
/// 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Counts {
    /// Documents read from the corpus (of this shard).
    pub documents: u64,
    /// Paragraphs of kind `body` (the classified ones).
    pub paragraphs_body: u64,
    /// Paragraphs of kind `boilerplate`.
    pub paragraphs_boilerplate: u64,
    /// Paragraphs of kind `heading`.
    pub paragraphs_heading: u64,
    /// Peak resident memory of the process, in MB.
    pub peak_rss_mb: u64,
    /// Rows of `rejects.csv`.
    pub rejects: u64,
    /// Texts found in the embedding cache.
    pub texts_cached: u64,
    /// Texts run through the encoder.
    pub texts_encoded: u64,
    /// Texts the classifier asked embeddings for.
    pub texts_requested: u64,
}

impl Counts {
    /// The paragraph count of one kind.
    pub fn paragraphs_mut(&mut self, kind: Kind) -> &mut u64 {
        match kind {
            Kind::Body => &mut self.paragraphs_body,
            Kind::Heading => &mut self.paragraphs_heading,
            Kind::Boilerplate => &mut self.paragraphs_boilerplate,
        }
    }

    /// Adds every count of `other` (merging shards: their documents, paragraphs and texts add up).
    pub fn add(&mut self, other: &Counts) {
        self.documents += other.documents;
        self.paragraphs_body += other.paragraphs_body;
        self.paragraphs_boilerplate += other.paragraphs_boilerplate;
        self.paragraphs_heading += other.paragraphs_heading;
        self.peak_rss_mb += other.peak_rss_mb;
        self.rejects += other.rejects;
        self.texts_cached += other.texts_cached;
        self.texts_encoded += other.texts_encoded;
        self.texts_requested += other.texts_requested;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn counts_serialize_as_the_sorted_map_they_replaced() {
        let keys = [
            "documents",
            "paragraphs_body",
            "paragraphs_boilerplate",
            "paragraphs_heading",
            "peak_rss_mb",
            "rejects",
            "texts_cached",
            "texts_encoded",
            "texts_requested",
        ];
        let map: BTreeMap<String, u64> = keys.iter().enumerate().map(|(i, k)| (k.to_string(), i as u64 + 1)).collect();
        let c = Counts {
            documents: 1,
            paragraphs_body: 2,
            paragraphs_boilerplate: 3,
            paragraphs_heading: 4,
            peak_rss_mb: 5,
            rejects: 6,
            texts_cached: 7,
            texts_encoded: 8,
            texts_requested: 9,
        };
        assert_eq!(serde_json::to_string_pretty(&c).unwrap(), serde_json::to_string_pretty(&map).unwrap());
        assert_eq!(*Counts::default().paragraphs_mut(Kind::Heading) + 1, 1);
        let mut sum = c;
        sum.add(&c);
        assert_eq!(sum.texts_requested, 18);
        // An older manifest: missing counts are 0, unknown ones ignored.
        let old: Counts = serde_json::from_str(r#"{"documents": 24, "encoded_texts": 728}"#).unwrap();
        assert_eq!(old, Counts { documents: 24, ..Counts::default() });
    }
}
