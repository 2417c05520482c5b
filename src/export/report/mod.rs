//! `report.html`: one self-contained page that answers "how do these outlets frame this differently?"
//! with charts a reader can check and paste: frame shares with intervals, distances between outlets,
//! stance, frames over time, and the paragraphs that typify each frame.
//!
//! The page is built from the run folder's files (see [`crate::export::run_tables`]), so its numbers
//! are the CSVs' numbers; every chart mark carries them as `data-*` attributes.

pub mod charts;
pub mod html;
pub mod svg;

use std::path::{Path, PathBuf};

use crate::atomic::write_atomic;
use crate::export::run_tables::{ReportError, RunTables};

pub use html::{CHART_DISTANCES, CHART_FRAMES, CHART_STANCE, CHART_TIME};

/// File name of the report inside the run folder.
pub const REPORT_FILE: &str = "report.html";

/// How many typical paragraphs the report shows per frame: enough to see what a frame means in this
/// corpus, few enough to keep the page short.
pub const TYPICAL_PER_FRAME: usize = 3;

/// Reads the run folder `run_dir` and writes `run_dir/report.html` atomically.
///
/// The compare step's files are optional: without them the report shows shares from `outlets.csv`
/// without intervals and says which charts are missing and how to get them.
pub fn write_report(run_dir: &Path) -> Result<PathBuf, ReportError> {
    let tables = RunTables::load(run_dir)?;
    let page = render_report(&tables)?;
    let path = run_dir.join(REPORT_FILE);
    write_atomic(&path, page.as_bytes()).map_err(|e| ReportError::io(&path, e))?;
    Ok(path)
}

/// The report page for already loaded tables (streams `paragraphs.csv` once).
pub fn render_report(tables: &RunTables) -> Result<String, ReportError> {
    let digest = tables.paragraph_digest(TYPICAL_PER_FRAME)?;
    Ok(html::page(tables, &digest))
}
