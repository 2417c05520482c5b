//! framelens: discourse analysis of news commentary.
//!
//! Data flows one way through typed stages:
//! `corpus` (ingest) → `segment` → `encode` → `classify` → `aggregate` → `export`.
//! No stage imports a later one; `pipeline` wires them for `framelens run`, and `quantize` uses the
//! pipeline to gate int8 graphs.

pub mod aggregate;
pub mod atomic;
pub mod classify;
pub mod codebook;
pub mod compare;
pub mod corpus;
pub mod display;
pub mod encode;
pub mod evaluate;
pub mod export;
pub mod memory;
pub mod pipeline;
pub mod quantize;
pub mod record;
pub mod run;
pub mod sample;
pub mod segment;
pub mod shard;
pub mod stats;
pub mod synth;
pub mod train;
