//! framelens: discourse analysis of news commentary.
//!
//! Data flows one way through typed stages:
//! `corpus` (ingest) → `segment` → `encode` → `classify` → `aggregate` → `export`.
//! No stage imports a later one; `pipeline` wires them for `framelens run`, and `quantize` uses the
//! pipeline to gate int8 graphs.
//!
//! Feature `encoder` (on by default) brings the real encoder and `quantize`; without it every stage still
//! builds and runs on any [`encode::Embed`] (the fake embedder in tests), with no ONNX Runtime, tokenizer,
//! protobuf or SQLite in the build.

// Every public item says why it exists (Cargo.toml [workspace.lints] keeps the rest of the lints).
#![warn(missing_docs)]

// The encode stage is its own crate (crates/encode, no dependency on the rest); re-exported under its
// stage name so that every stage says `crate::encode::…` whichever crate holds it.
pub use framelens_encode as encode;
pub use framelens_encode::atomic;

pub mod aggregate;
pub mod classify;
pub mod codebook;
pub mod compare;
pub mod corpus;
pub mod display;
pub mod evaluate;
pub mod export;
pub mod memory;
pub mod pipeline;
#[cfg(feature = "encoder")]
pub mod quantize;
pub mod record;
pub mod run;
pub mod sample;
pub mod segment;
pub mod shard;
pub mod stats;
pub mod synth;
pub mod train;
