//! Errors of the encode stage. Each names the file (or input row) and the problem, because a user who
//! points framelens at the wrong folder must be told which file is wrong, not that "something failed".

use std::path::PathBuf;

/// Why importing, opening or running a model failed.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder the operation was on.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A file was read but is not what it should be (invalid JSON or TOML, wrong tensor shape, missing from
    /// the model folder), or a request cannot be met (`--precision int8` without an int8 graph).
    #[error("{path}: {message}")]
    BadFile {
        /// The offending file, or the model folder.
        path: PathBuf,
        /// What is wrong and, where there is one, the command that fixes it.
        message: String,
    },
    /// The safetensors file lacks a weight the architecture needs.
    #[error("{path}: tensor `{name}` is missing (is this a BERT-family sentence-transformer?)")]
    MissingTensor {
        /// The safetensors file.
        path: PathBuf,
        /// The tensor's full name, prefix included.
        name: String,
    },
    /// The Hugging Face model is of a kind the importer does not write (another `model_type`, position
    /// embedding, activation or pooling, or sizes that do not fit together).
    #[error("{path}: unsupported model: {message}")]
    Unsupported {
        /// The config file that says so.
        path: PathBuf,
        /// Which setting, and what framelens supports instead.
        message: String,
    },
    /// `tokenizer.json` does not load, or lacks a special token.
    #[error("{path}: tokenizer: {message}")]
    Tokenizer {
        /// The `tokenizer.json` file.
        path: PathBuf,
        /// The tokenizer library's error.
        message: String,
    },
    /// The ONNX Runtime library is not where [`crate::runtime::runtime_path`] looks; callers see its message
    /// inside [`EncodeError::Runtime`], since the environment's outcome is shared by every session.
    #[error(
        "ONNX Runtime not found at {path}. Install it with `scripts/setup.sh` (into $FRAMELENS_HOME/runtime, \
         default ~/.cache/framelens/runtime) or point ORT_DYLIB_PATH at libonnxruntime.so"
    )]
    RuntimeMissing {
        /// The library path that does not exist.
        path: PathBuf,
    },
    /// ONNX Runtime failed to load, to open a session or to run a batch, or a graph could not be built.
    #[error("ONNX Runtime: {0}")]
    Runtime(String),
    /// An input text cannot be encoded: empty (after trimming) or rejected by the tokenizer.
    #[error("input row {row}: {message}")]
    BadInput {
        /// Index of the text in the call's input list.
        row: usize,
        /// What is wrong with it.
        message: String,
    },
    /// Downloading a model from the Hugging Face hub failed.
    #[error("model `{id}`: {message}")]
    Hub {
        /// The hub id asked for, e.g. `sentence-transformers/all-MiniLM-L6-v2`.
        id: String,
        /// The hub client's error, and what to pass instead.
        message: String,
    },
}

impl EncodeError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EncodeError::Io { path: path.into(), source }
    }
    pub(crate) fn bad(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        EncodeError::BadFile { path: path.into(), message: message.into() }
    }
}

#[cfg(feature = "runtime")]
impl<T> From<ort::Error<T>> for EncodeError {
    fn from(e: ort::Error<T>) -> Self {
        EncodeError::Runtime(e.to_string())
    }
}

/// Result of the encode stage's fallible calls (all but the embedding cache's, which has its own error).
pub type Result<T> = std::result::Result<T, EncodeError>;
