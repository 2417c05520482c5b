//! Chi-square test of independence of group × label, and Cramér's V.
//!
//! Why chi-square plus Cramér's V: the test answers "is the label distribution the same in every group?",
//! and V (in [0, 1], comparable across tables of different sizes) answers "how strongly does it differ?",
//! which matters because with thousands of paragraphs even trivial differences become "significant".
//!
//! Why label columns that are empty in every group are dropped before computing the degrees of freedom:
//! an all-zero column has expected count 0 everywhere, contributes nothing to the statistic and carries no
//! information; counting it in df would inflate df and make the test too conservative. (A codebook frame
//! that nothing fell into, or `other` in a run with no fallback, is the usual case.)
//!
//! Caveat written down for users: the test counts paragraphs as independent observations. Paragraphs of
//! one article are correlated, so the p-value is optimistic (too small) when articles are long and
//! internally uniform; read it together with the article-level bootstrap intervals of `comparison.csv` and
//! `differences.csv`, which do account for the clustering. The chi-square approximation also wants
//! expected counts of about 5 or more per cell.

use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::{IndependenceRow, Measure};

/// Pearson's chi-square statistic and degrees of freedom of a contingency table (rows = groups), after
/// dropping all-zero rows and columns. Returns `(chi2, df, rows, cols, n)` with the kept sizes.
pub fn chi_square(table: &[Vec<u64>]) -> (f64, usize, usize, usize, u64) {
    let n_cols = table.first().map_or(0, Vec::len);
    let col_tot: Vec<u64> = (0..n_cols).map(|j| table.iter().map(|r| r[j]).sum()).collect();
    let keep_cols: Vec<usize> = (0..n_cols).filter(|&j| col_tot[j] > 0).collect();
    let rows: Vec<&Vec<u64>> = table.iter().filter(|r| keep_cols.iter().any(|&j| r[j] > 0)).collect();
    let n: u64 = col_tot.iter().sum();
    let (r, c) = (rows.len(), keep_cols.len());
    if r < 2 || c < 2 {
        return (0.0, 0, r, c, n);
    }
    let mut chi2 = 0.0;
    for row in &rows {
        let row_tot: u64 = keep_cols.iter().map(|&j| row[j]).sum();
        for &j in &keep_cols {
            let expected = row_tot as f64 * col_tot[j] as f64 / n as f64;
            let d = row[j] as f64 - expected;
            chi2 += d * d / expected;
        }
    }
    (chi2, (r - 1) * (c - 1), r, c, n)
}

/// Upper-tail p-value of `chi2` with `df` degrees of freedom. Uses the survival function directly rather
/// than `1 − cdf`, which would round small p-values to 0.
pub fn p_value(chi2: f64, df: usize) -> f64 {
    let dist = ChiSquared::new(df as f64).expect("df > 0");
    dist.sf(chi2).clamp(0.0, 1.0)
}

/// Cramér's V = sqrt(chi2 / (n · (min(r, c) − 1))), r and c the kept table sizes.
pub fn cramers_v(chi2: f64, n: u64, r: usize, c: usize) -> f64 {
    let k = r.min(c) - 1;
    (chi2 / (n as f64 * k as f64)).sqrt().min(1.0)
}

/// The full test of one measure. With fewer than two non-empty groups or labels independence cannot be
/// tested: chi2 = 0, df = 0 and p-value and V are `None` (written as empty cells, not as a fake 1 or 0).
pub fn test(measure: Measure, table: &[Vec<u64>]) -> IndependenceRow {
    let (chi2, df, r, c, n) = chi_square(table);
    let defined = df > 0;
    IndependenceRow {
        measure,
        chi2,
        df: df as u64,
        p_value: defined.then(|| p_value(chi2, df)),
        cramers_v: defined.then(|| cramers_v(chi2, n, r, c)),
        n_paragraphs: n,
        n_groups: table.len() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_by_two_by_hand() {
        // [[10, 20], [30, 40]]: n = 100, rows 30/70, cols 40/60.
        // E = [[12, 18], [28, 42]]; chi2 = 4/12 + 4/18 + 4/28 + 4/42 = 0.7936507936...
        // df = 1, so p = erfc(sqrt(chi2 / 2)) = erfc(0.6299408) = 0.3729984836; scipy 1.17
        // chi2_contingency(..., correction=False) agrees: chi2 0.7936507936507936, p 0.37299848361348686.
        let (chi2, df, r, c, n) = chi_square(&[vec![10, 20], vec![30, 40]]);
        assert!((chi2 - (4.0 / 12.0 + 4.0 / 18.0 + 4.0 / 28.0 + 4.0 / 42.0)).abs() < 1e-12);
        assert_eq!((df, r, c, n), (1, 2, 2, 100));
        assert!((p_value(chi2, df) - P_2X2).abs() < 1e-9);
        // V = sqrt(0.79365 / 100) = 0.0890871...
        assert!((cramers_v(chi2, n, r, c) - (chi2 / 100.0).sqrt()).abs() < 1e-15);
    }
    const P_2X2: f64 = 0.372_998_483_613_486_9;

    #[test]
    fn empty_columns_do_not_count_in_df() {
        let with_zero = chi_square(&[vec![10, 0, 20], vec![30, 0, 40]]);
        let without = chi_square(&[vec![10, 20], vec![30, 40]]);
        assert_eq!(with_zero, without);
    }

    #[test]
    fn degenerate_tables_have_no_p_value() {
        let one_group = test(Measure::Frame, &[vec![3, 4]]);
        assert_eq!((one_group.df, one_group.p_value), (0, None));
        let one_label = test(Measure::Frame, &[vec![3, 0], vec![5, 0]]);
        assert_eq!((one_label.df, one_label.cramers_v), (0, None));
        assert_eq!(one_label.n_paragraphs, 8);
    }

    #[test]
    fn perfect_association_has_v_one() {
        let t = test(Measure::Stance, &[vec![5, 0], vec![0, 5]]);
        assert!((t.cramers_v.unwrap() - 1.0).abs() < 1e-12);
        assert!((t.chi2 - 10.0).abs() < 1e-12);
    }
}
