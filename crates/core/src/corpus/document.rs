//! The records that leave the ingest stage: documents that made it, and rejects that did not.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// One article, whatever its input format, so that every later stage sees a single shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    /// Stable identifier: ids drive sharding, caching and de-duplication, so they must not depend on
    /// the order in which files are read.
    pub id: String,
    /// The publishing outlet; outlets are the unit of comparison, so a missing one is `"unknown"`
    /// rather than an error.
    pub outlet: String,
    /// `YYYY-MM-DD` when the source date could be read, otherwise the source value verbatim, so that
    /// nothing the user supplied is silently dropped.
    pub published: Option<String>,
    /// Metadata carried through to the outputs as found; `None` when absent or blank.
    pub title: Option<String>,
    /// As `title`: the article's address, not checked.
    pub url: Option<String>,
    /// As `title`: the byline as given (several authors stay one string).
    pub author: Option<String>,
    /// The body exactly as found (BOM and front matter removed, line endings untouched), because
    /// paragraph offsets point into this string.
    pub text: String,
    /// Where the document came from, so every label can be traced back to a file and line.
    pub source: Source,
}

/// The place a document was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The file read (the corpus path itself for JSONL and CSV, one article file of a folder).
    pub file: PathBuf,
    /// 1-based line of the record (JSONL/CSV) or of the first body line (folder files), so an
    /// offset within the text can be turned into a line of the original file.
    pub line: Option<u64>,
}

/// A record that could not be used; collected instead of aborting, so one bad article does not
/// cost a whole overnight run. Later stages reuse it for paragraph-level problems (`para_index`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    /// The file the record was read from, as in [`Source::file`].
    pub file: PathBuf,
    /// 1-based line of the record, when the problem has one (not for an empty file).
    pub line: Option<u64>,
    /// The record's id, when it could be read.
    pub doc_id: Option<String>,
    /// Set only for paragraph-level rejects of later stages; `None` from ingest.
    pub para_index: Option<usize>,
    /// A sentence a user can act on (what is wrong and where).
    pub reason: String,
}

impl Reject {
    /// A record-level reject (no paragraph), the only kind ingest produces.
    pub fn record(
        file: impl Into<PathBuf>,
        line: Option<u64>,
        doc_id: Option<String>,
        reason: impl Into<String>,
    ) -> Self {
        Reject { file: file.into(), line, doc_id, para_index: None, reason: reason.into() }
    }
}

/// Everything ingest produced: kept documents in input order plus the rejects, so that the caller
/// can both process and report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Corpus {
    /// Input order (sorted paths for a folder), ids unique.
    pub documents: Vec<Document>,
    /// In the order met; each names its file and, where it can, line and id.
    pub rejects: Vec<Reject>,
}
