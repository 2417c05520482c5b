use std::path::PathBuf;

/// Why the workbench cannot start or an action failed; each names the file involved.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The run folder's `paragraphs.csv` or `manifest.json` is missing or unreadable.
    #[error("{path}: {message}")]
    Run {
        /// The file read.
        path: PathBuf,
        /// What is wrong, with the line where known.
        message: String,
    },
    /// The codes database could not be opened or written.
    #[error("codes database {path}: {source}")]
    Codes {
        /// The SQLite file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A coding sheet could not be read, or names paragraphs or labels the run does not have.
    #[error("{path}: {message}")]
    Sheet {
        /// The sheet.
        path: PathBuf,
        /// Which rows are wrong and why.
        message: String,
    },
    /// The address could not be bound, or the server failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A codebook given with `--codebook` could not be loaded.
    #[error(transparent)]
    Codebook(#[from] framelens::codebook::CodebookError),
}
