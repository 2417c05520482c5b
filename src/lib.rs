//! framelens: discourse analysis of news commentary.
//!
//! Data flows one way through typed stages:
//! `corpus` (ingest) → `segment` → `encode` → `classify` → `aggregate` → `export`.
//! No stage imports a later one; `pipeline` wires them for `framelens run`.

pub mod atomic;
pub mod encode;
