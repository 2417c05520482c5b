//! The export stage: `paragraphs.csv`, `articles.csv`, `outlets.csv`, `rejects.csv` and `manifest.json`,
//! each written to a temporary name and renamed when complete (see [`crate::atomic`]); from a finished run
//! folder, the spreadsheet workbook ([`xlsx`]) and the self-contained HTML report ([`report`]).

pub mod manifest;
pub mod merge;
pub mod out_dir;
pub mod rejects;
pub mod report;
pub mod run_tables;
pub mod spreadsheet_safe;
pub mod tables;
pub mod xlsx;

pub use manifest::Manifest;
pub(crate) use out_dir::OutDir;
pub use report::write_report;
pub use run_tables::ReportError;
pub use tables::{CsvSink, RejectRow};
pub use xlsx::write_workbook;
