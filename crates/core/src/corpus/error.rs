//! Fatal ingest errors: problems that leave nothing to ingest. Anything about a single record is a
//! [`crate::corpus::Reject`] instead, so the run can go on.

use std::path::PathBuf;

use thiserror::Error;

/// Why a corpus cannot be read at all.
#[derive(Debug, Error)]
pub enum CorpusError {
    /// The corpus path does not exist.
    #[error("corpus path {0} does not exist")]
    NotFound(PathBuf),
    /// The corpus path, or a file that must be read whole, cannot be read.
    #[error("cannot read {path}: {source}")]
    Unreadable {
        /// The path that failed.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// `Format::Auto` on a file with an extension it does not know.
    #[error(
        "cannot tell the format of {0}: expected a folder, a .jsonl/.ndjson, .csv, .txt or .md file \
         (or pass the format explicitly)"
    )]
    UnknownFormat(PathBuf),
    /// A folder given with an explicit JSONL or CSV format.
    #[error("{path} is a folder, but format {format} needs a file")]
    NotAFile {
        /// The folder.
        path: PathBuf,
        /// `jsonl` or `csv`.
        format: &'static str,
    },
    /// A folder corpus without a single article file.
    #[error("folder {0} contains no .txt or .md files")]
    NoDocuments(PathBuf),
    /// The mapped text field is in none of the first records (or not in the CSV header), so every record
    /// would be rejected; `detail` says where it was looked for, lists the fields found and names the flag.
    #[error("{file}: no text field \"{field}\" in {detail}")]
    MissingField {
        /// The JSONL or CSV file.
        file: PathBuf,
        /// The text field's mapped name.
        field: String,
        /// Where it was looked for, the fields found and the flag to pass.
        detail: String,
    },
}
