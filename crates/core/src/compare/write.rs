//! Writing the four comparison tables into the run folder (or `compare --out DIR`), named by
//! [`ComparisonFiles`]: the outlet comparison as `comparison.csv` …, any other as
//! `comparison_by_<grouping>.csv` …, so comparing by month never overwrites the outlet tables.
//!
//! Why long format: one row per (group, measure, label) loads directly into spreadsheets' pivot tables,
//! pandas, R and charting tools, and the table keeps its shape whatever the codebook's frames are.
//! Why each file is written atomically (`crate::atomic`): an interrupted `compare` never leaves a
//! truncated CSV that looks complete. Numbers are rounded only here, at output; the typed rows keep full
//! precision.

use std::path::Path;

use super::Comparison;
use crate::atomic::write_atomic_with;
/// The CSV number formats (defined with the tables in [`crate::run::comparison`]).
pub use crate::run::comparison::{fixed4, p_value};
use crate::run::comparison::{
    write_rows, COMPARISON_COLUMNS, DIFFERENCE_COLUMNS, DISTANCE_COLUMNS, INDEPENDENCE_COLUMNS,
};
use crate::run::ComparisonFiles;

/// How p-values read to people (defined with the other rules for numbers people read).
pub use crate::display::{p_display, p_statement, P_FLOOR};

/// Writes the comparison's four tables (`comparison.csv`, `distances.csv`, `differences.csv`,
/// `independence.csv`, suffixed by grouping, see [`ComparisonFiles`]) into `dir`; returns their names.
pub fn write(dir: &Path, c: &Comparison) -> std::io::Result<ComparisonFiles> {
    let files = ComparisonFiles::new(dir, &c.group_by);
    write_atomic_with(&files.comparison(), |w| write_rows(w, &COMPARISON_COLUMNS, &c.shares))?;
    write_atomic_with(&files.distances(), |w| write_rows(w, &DISTANCE_COLUMNS, &c.distances))?;
    write_atomic_with(&files.differences(), |w| write_rows(w, &DIFFERENCE_COLUMNS, &c.differences))?;
    write_atomic_with(&files.independence(), |w| write_rows(w, &INDEPENDENCE_COLUMNS, &c.independence))?;
    Ok(files)
}
