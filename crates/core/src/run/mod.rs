//! The run folder's contract, in one place. `run` and `merge` write a run folder; `compare` adds its
//! tables to it; `eval`, `sample`, the workbook and the report read it back. Every file name, every
//! column list, the row type of each table and the label vocabulary they use are defined here once, so
//! that a writer and its readers cannot drift apart (they did: two comparison row types disagreed on
//! whether an interval can be empty), and `docs/outputs.md` can point at one module.
//!
//! A foundation, like [`crate::stats`]: it depends on no stage after `segment` and never on the CLI.
//!
//! - [`files`]: the file names of a run folder and of each comparison ([`files::ComparisonFiles`]).
//! - [`labels`]: the label vocabulary (`other`, the stances, `frame`/`stance` measures).
//! - [`tables`]: the run's own tables (`paragraphs.csv`, `articles.csv`, `outlets.csv`, `rejects.csv`):
//!   column lists and row types.
//! - [`comparison`]: the comparison's tables, one Serialize + Deserialize row type each, and the number
//!   formats they are written with.
//! - [`counts`]: the `counts` object of `manifest.json`.

pub mod comparison;
pub mod counts;
pub mod files;
pub mod labels;
pub mod tables;

pub use files::ComparisonFiles;
pub use labels::{Measure, Stance};
