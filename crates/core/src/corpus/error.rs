//! Fatal ingest errors: problems that leave nothing to ingest. Anything about a single record is a
//! [`crate::corpus::Reject`] instead, so the run can go on.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum CorpusError {
    #[error("corpus path {0} does not exist")]
    NotFound(PathBuf),
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "cannot tell the format of {0}: expected a folder, a .jsonl/.ndjson, .csv, .txt or .md file \
         (or pass the format explicitly)"
    )]
    UnknownFormat(PathBuf),
    #[error("{path} is a folder, but format {format} needs a file")]
    NotAFile { path: PathBuf, format: &'static str },
    #[error("folder {0} contains no .txt or .md files")]
    NoDocuments(PathBuf),
    /// The mapped text field is in none of the first records (or not in the CSV header), so every record
    /// would be rejected; `detail` says where it was looked for, lists the fields found and names the flag.
    #[error("{file}: no text field \"{field}\" in {detail}")]
    MissingField { file: PathBuf, field: String, detail: String },
}
