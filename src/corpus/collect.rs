//! The checks every reader shares (empty text, duplicate ids), applied in one place so the three
//! formats cannot drift apart.

use std::collections::HashMap;
use std::path::Path;

use crate::corpus::{Corpus, Document, Reject};

/// Accumulates documents and rejects in input order.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    corpus: Corpus,
    /// id → index of the document that first used it.
    seen: HashMap<String, usize>,
}

impl Collector {
    /// Keeps `doc` unless its text is blank or its id was already used; the first document with an
    /// id wins, because input order is the only tie-break a user can predict.
    pub(crate) fn add(&mut self, doc: Document) {
        if doc.text.trim().is_empty() {
            let Document { id, source, .. } = doc;
            self.reject(Reject::record(
                source.file,
                source.line,
                Some(id),
                "empty document",
            ));
            return;
        }
        if let Some(&first) = self.seen.get(&doc.id) {
            let prev = &self.corpus.documents[first].source;
            let reason = format!(
                "duplicate document id (first seen in {}{})",
                prev.file.display(),
                prev.line.map(|l| format!(" line {l}")).unwrap_or_default()
            );
            let Document { id, source, .. } = doc;
            self.reject(Reject::record(source.file, source.line, Some(id), reason));
            return;
        }
        self.seen
            .insert(doc.id.clone(), self.corpus.documents.len());
        self.corpus.documents.push(doc);
    }

    pub(crate) fn reject(&mut self, reject: Reject) {
        self.corpus.rejects.push(reject);
    }

    /// Shorthand for a reject without a known document id.
    pub(crate) fn reject_at(&mut self, file: &Path, line: Option<u64>, reason: impl Into<String>) {
        self.reject(Reject::record(file, line, None, reason));
    }

    pub(crate) fn finish(self) -> Corpus {
        self.corpus
    }
}
