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

/// Smallest p-value shown as a number; below it every output a person reads says "< 0.001".
pub const P_FLOOR: f64 = 0.001;

/// A p-value as people read it (report, workbook, command-line summaries): three decimals, or
/// "< 0.001". Why not the CSV's scientific notation: "1.500e-12" invites reading precision that a
/// chi-square over paragraphs that are not independent does not have; below 0.001 only the bound
/// matters. The CSVs keep the number itself for those who compute with it.
pub fn p_display(p: f64) -> String {
    if p < P_FLOOR {
        format!("< {P_FLOOR}")
    } else {
        crate::export::report::svg::fixed(p, 3)
    }
}

/// "p = 0.002", or "p < 0.001": [`p_display`] in a sentence.
pub fn p_statement(p: f64) -> String {
    let shown = p_display(p);
    if shown.starts_with('<') {
        format!("p {shown}")
    } else {
        format!("p = {shown}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_values_below_the_floor_read_as_a_bound() {
        assert_eq!(p_display(0.0021), "0.002");
        assert_eq!(p_display(0.001), "0.001");
        assert_eq!(p_display(0.000999), "< 0.001");
        assert_eq!(p_display(1.5e-12), "< 0.001");
        assert_eq!(p_display(0.0), "< 0.001");
        assert_eq!(p_display(0.2075), "0.208");
        assert_eq!(p_statement(3.2e-9), "p < 0.001");
        assert_eq!(p_statement(0.0021), "p = 0.002");
    }
}
