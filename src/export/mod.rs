//! The export stage: `paragraphs.csv`, `articles.csv`, `outlets.csv`, `rejects.csv` and `manifest.json`,
//! each written to a temporary name and renamed when complete (see [`crate::atomic`]).

pub mod manifest;
pub mod tables;

pub use manifest::Manifest;
pub use tables::{write_articles, write_outlets, write_paragraphs, write_rejects, RejectRow};
