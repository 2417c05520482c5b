//! Errors of the fine-tuning crate.

use std::path::PathBuf;

/// Why fine-tuning could not run or could not write its model.
#[derive(Debug, thiserror::Error)]
pub enum TuneError {
    /// The training engine failed (shapes, a missing weight, out of memory).
    #[error("training engine: {0}")]
    Engine(#[from] candle_core::Error),
    /// The parent model or its files.
    #[error(transparent)]
    Model(#[from] framelens_encode::EncodeError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
    /// The input or the options do not allow training, with the reason.
    #[error("{0}")]
    Invalid(String),
}

impl TuneError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        TuneError::Io { path: path.to_path_buf(), source }
    }
}

/// Result of the fine-tuning crate.
pub type Result<T> = std::result::Result<T, TuneError>;
