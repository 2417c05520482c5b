//! Errors of the encode stage. Each names the file (or input row) and the problem, because a user who
//! points framelens at the wrong folder must be told which file is wrong, not that "something failed".

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    BadFile { path: PathBuf, message: String },
    #[error("{path}: tensor `{name}` is missing (is this a BERT-family sentence-transformer?)")]
    MissingTensor { path: PathBuf, name: String },
    #[error("{path}: unsupported model: {message}")]
    Unsupported { path: PathBuf, message: String },
    #[error("{path}: tokenizer: {message}")]
    Tokenizer { path: PathBuf, message: String },
    #[error(
        "ONNX Runtime not found at {path}. Install it with `scripts/setup.sh` (into $FRAMELENS_HOME/runtime, \
         default ~/.cache/framelens/runtime) or point ORT_DYLIB_PATH at libonnxruntime.so"
    )]
    RuntimeMissing { path: PathBuf },
    #[error("ONNX Runtime: {0}")]
    Runtime(String),
    #[error("input row {row}: {message}")]
    BadInput { row: usize, message: String },
    #[error("model `{id}`: {message}")]
    Hub { id: String, message: String },
}

impl EncodeError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EncodeError::Io { path: path.into(), source }
    }
    pub fn bad(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        EncodeError::BadFile { path: path.into(), message: message.into() }
    }
}

#[cfg(feature = "runtime")]
impl<T> From<ort::Error<T>> for EncodeError {
    fn from(e: ort::Error<T>) -> Self {
        EncodeError::Runtime(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, EncodeError>;
