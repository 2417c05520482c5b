//! The checks every reader shares (empty text, duplicate ids), applied in one place so the three
//! formats cannot drift apart.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use crate::corpus::{Corpus, Document, Item, Reject};

/// Where accepted documents and rejects go: into memory, or to a caller's sink as they are read
/// (streaming, so a corpus of a million articles never sits in memory at once). A sink that answers
/// `Break` stops the reading: nothing more is forwarded and the readers stop at their next record.
enum Target<'a> {
    Collect(Corpus),
    Stream(&'a mut dyn FnMut(Item) -> ControlFlow<()>),
}

/// Applies the shared checks and forwards documents and rejects in input order.
pub(crate) struct Collector<'a> {
    target: Target<'a>,
    /// id → where the document that first used it came from (file, line).
    seen: HashMap<String, (PathBuf, Option<u64>)>,
    /// The sink asked to stop.
    stopped: bool,
}

impl Default for Collector<'static> {
    fn default() -> Self {
        Collector { target: Target::Collect(Corpus::default()), seen: HashMap::new(), stopped: false }
    }
}

impl<'a> Collector<'a> {
    pub(crate) fn streaming(sink: &'a mut dyn FnMut(Item) -> ControlFlow<()>) -> Self {
        Collector { target: Target::Stream(sink), seen: HashMap::new(), stopped: false }
    }

    /// Whether the sink asked to stop: readers check it before each record.
    pub(crate) fn stopped(&self) -> bool {
        self.stopped
    }

    fn send(&mut self, item: Item) {
        match &mut self.target {
            Target::Collect(c) => match item {
                Item::Document(d) => c.documents.push(d),
                Item::Reject(r) => c.rejects.push(r),
            },
            Target::Stream(_) if self.stopped => {}
            Target::Stream(sink) => self.stopped = sink(item).is_break(),
        }
    }

    /// Keeps `doc` unless its text is blank or its id was already used; the first document with an
    /// id wins, because input order is the only tie-break a user can predict.
    pub(crate) fn add(&mut self, doc: Document) {
        if doc.text.trim().is_empty() {
            let Document { id, source, .. } = doc;
            self.reject(Reject::record(source.file, source.line, Some(id), "empty document"));
            return;
        }
        if let Some((file, line)) = self.seen.get(&doc.id) {
            let reason = format!(
                "duplicate document id (first seen in {}{})",
                file.display(),
                line.map(|l| format!(" line {l}")).unwrap_or_default()
            );
            let Document { id, source, .. } = doc;
            self.reject(Reject::record(source.file, source.line, Some(id), reason));
            return;
        }
        self.seen.insert(doc.id.clone(), (doc.source.file.clone(), doc.source.line));
        self.send(Item::Document(doc));
    }

    pub(crate) fn reject(&mut self, reject: Reject) {
        self.send(Item::Reject(reject));
    }

    /// Shorthand for a reject without a known document id.
    pub(crate) fn reject_at(&mut self, file: &Path, line: Option<u64>, reason: impl Into<String>) {
        self.reject(Reject::record(file, line, None, reason));
    }

    /// The collected corpus (empty when streaming: everything went to the sink).
    pub(crate) fn finish(self) -> Corpus {
        match self.target {
            Target::Collect(c) => c,
            Target::Stream(_) => Corpus::default(),
        }
    }
}
