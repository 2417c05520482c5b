//! `report.html`: one self-contained page that answers "how do these outlets frame this differently?"
//! with charts a reader can check and paste: frame shares with intervals, distances between outlets,
//! stance, frames over time, and the paragraphs that typify each frame.
//!
//! The page is built from the run folder's files (see [`crate::export::run_tables`]), so its numbers
//! are the CSVs' numbers; every chart mark carries them as `data-*` attributes.

pub mod charts;
pub mod cues;
pub mod html;
pub mod svg;

use std::path::{Path, PathBuf};

use crate::atomic::write_atomic;
use crate::export::run_tables::{ComparisonFiles, ReportError, RunTables};

pub use html::{CHART_DISTANCES, CHART_FRAMES, CHART_STANCE, CHART_TIME};

/// File name of the report inside the run folder (of the outlet comparison; see [`ComparisonFiles`]).
pub use crate::run::files::REPORT_HTML as REPORT_FILE;

/// How many typical paragraphs the report shows per frame: enough to see what a frame means in this
/// corpus, few enough to keep the page short.
pub const TYPICAL_PER_FRAME: usize = 3;

/// Groups shown in the distance heat map by default. A real corpus has dozens of outlets, many with a
/// handful of articles; at 1280 px more than about 20 rows make unreadable cells, and the distances of
/// tiny outlets are mostly noise.
pub const HEATMAP_GROUPS: usize = 20;

/// Choices a user can make about the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOptions {
    /// The heat map keeps the groups with the most articles, at most this many, and says how many it
    /// left out.
    pub heatmap_groups: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions { heatmap_groups: HEATMAP_GROUPS }
    }
}

/// Reads the run folder `run_dir` and writes `run_dir/report.html` atomically, with the outlet comparison.
///
/// The compare step's files are optional: without them the report shows shares from `outlets.csv`
/// without intervals and says which charts are missing and how to get them.
pub fn write_report(run_dir: &Path) -> Result<PathBuf, ReportError> {
    write_report_with(run_dir, &ComparisonFiles::outlet(run_dir), &ReportOptions::default())
}

/// The report of the comparison `files` (e.g. by month), written to the comparison's own report name
/// (`report_by_month.html`) in its folder, so it never replaces the outlet report.
pub fn write_report_with(
    run_dir: &Path,
    files: &ComparisonFiles,
    opts: &ReportOptions,
) -> Result<PathBuf, ReportError> {
    let tables = RunTables::load_with(run_dir, files)?;
    let page = render_report(&tables, opts)?;
    let path = files.report();
    write_atomic(&path, page.as_bytes()).map_err(|e| ReportError::io(&path, e))?;
    Ok(path)
}

/// The report page for already loaded tables (streams `paragraphs.csv` once).
pub fn render_report(tables: &RunTables, opts: &ReportOptions) -> Result<String, ReportError> {
    let digest = tables.paragraph_digest(TYPICAL_PER_FRAME)?;
    let cues = cues::CueOwners::for_run(tables);
    Ok(html::page(tables, &digest, &cues, opts))
}
