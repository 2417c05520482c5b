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
use crate::export::run_tables::ComparisonFiles;

/// Writes the comparison's four tables (`comparison.csv`, `distances.csv`, `differences.csv`,
/// `independence.csv`, suffixed by grouping, see [`ComparisonFiles`]) into `dir`; returns their names.
pub fn write(dir: &Path, c: &Comparison) -> std::io::Result<ComparisonFiles> {
    let files = ComparisonFiles::new(dir, &c.group_by);
    write_csv(
        &files.comparison(),
        &[
            "group_by",
            "group",
            "measure",
            "label",
            "share",
            "ci_low",
            "ci_high",
            "n_articles",
            "n_paragraphs",
            "small_group",
        ],
        c.shares.iter().map(|r| {
            vec![
                r.group_by.clone(),
                r.group.clone(),
                r.measure.as_str().to_string(),
                r.label.clone(),
                fixed4(r.share),
                fixed4(r.ci_low),
                fixed4(r.ci_high),
                r.n_articles.to_string(),
                r.n_paragraphs.to_string(),
                r.small_group.to_string(),
            ]
        }),
    )?;
    write_csv(
        &files.distances(),
        &["group_a", "group_b", "jsd"],
        c.distances.iter().map(|r| vec![r.group_a.clone(), r.group_b.clone(), fixed4(r.jsd)]),
    )?;
    write_csv(
        &files.differences(),
        &["label", "group", "share", "rest_share", "diff", "ci_low", "ci_high", "n_articles"],
        c.differences.iter().map(|r| {
            vec![
                r.label.clone(),
                r.group.clone(),
                fixed4(r.share),
                fixed4(r.rest_share),
                fixed4(r.diff),
                fixed4(r.ci_low),
                fixed4(r.ci_high),
                r.n_articles.to_string(),
            ]
        }),
    )?;
    write_csv(
        &files.independence(),
        &["measure", "chi2", "df", "p_value", "cramers_v", "n_paragraphs", "n_groups"],
        c.independence.iter().map(|r| {
            vec![
                r.measure.as_str().to_string(),
                fixed4(r.chi2),
                r.df.to_string(),
                r.p_value.map(p_value).unwrap_or_default(),
                r.cramers_v.map(fixed4).unwrap_or_default(),
                r.n_paragraphs.to_string(),
                r.n_groups.to_string(),
            ]
        }),
    )?;
    Ok(files)
}

fn write_csv(path: &Path, header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> std::io::Result<()> {
    write_atomic_with(path, |w| {
        let mut cw = csv::Writer::from_writer(w);
        cw.write_record(header)?;
        for r in rows {
            cw.write_record(&r)?;
        }
        cw.flush()?;
        Ok(())
    })
}

/// Four decimals, without a "-0.0000" for tiny negative differences (it reads like a sign error).
pub fn fixed4(x: f64) -> String {
    let s = format!("{x:.4}");
    if s == "-0.0000" {
        "0.0000".to_string()
    } else {
        s
    }
}

/// p-values: four decimals down to 0.001, below that scientific notation, because "0.0000" would hide
/// whether a p-value is 1e-5 or 1e-40 (with thousands of paragraphs it is often the latter).
pub fn p_value(p: f64) -> String {
    if p >= 0.001 {
        fixed4(p)
    } else if p == 0.0 {
        // Below f64's range (chi2 in the thousands): say so plainly rather than "0.000e0".
        "0".to_string()
    } else {
        format!("{p:.3e}")
    }
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
    fn number_formats() {
        assert_eq!(fixed4(-0.00001), "0.0000");
        assert_eq!(fixed4(2.0 / 3.0), "0.6667");
        assert_eq!(p_value(0.207), "0.2070");
        assert_eq!(p_value(1.5e-12), "1.500e-12");
        assert_eq!(p_value(0.0), "0");
    }

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
