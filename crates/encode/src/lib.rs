//! framelens-encode, the encode stage: paragraphs in, sentence embeddings out.
//!
//! A crate of its own with no dependency on the rest of framelens, so that importing a model, running it
//! and caching its vectors can be used, built and tested alone; `framelens-core` re-exports it as
//! `framelens::encode`.
//!
//! Read top-down: [`config`] and [`weights`] read a Hugging Face sentence-transformer, [`graph`] writes its
//! ONNX graph (with [`onnx`], and [`arch`] for what differs between BERT and MPNet), [`import`] makes a framelens model folder ([`model`]) and [`resolve`] finds
//! one for `--model`; [`runtime`] loads ONNX Runtime and picks the precision; [`batch`] turns tokens into
//! windows and batches; [`encoder`] runs them.

pub mod arch;
pub mod atomic;
pub mod batch;
pub mod cache;
pub mod cached;
pub mod config;
pub mod embed;
pub mod encoder;
pub mod error;
pub mod graph;
pub mod import;
pub mod model;
pub mod onnx;
pub mod quant;
pub mod resolve;
pub mod runtime;
pub mod weights;

pub use embed::Embed;
pub use encoder::{EncodeOptions, EncodeStats, Encoded, Encoder};
pub use error::EncodeError;
pub use model::{ModelDir, ModelManifest};
pub use resolve::resolve_model;
pub use runtime::{Precision, PrecisionChoice, ResolvedPrecision};
