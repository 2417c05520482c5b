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
//!
//! Both caveats are why the test also reports `p_articles`: the share of tables, with whole articles
//! shuffled between the groups (each group keeping its number of articles), whose chi-square is at least the
//! observed one. Articles are the sampling unit there, as in the bootstrap intervals, so neither the
//! clustering of paragraphs nor small expected counts make it optimistic: on a keyword-drawn corpus where a
//! few on-topic paragraphs spread over dozens of outlets, the asymptotic p-value can read "p < 0.001" where
//! shuffled articles produce such a table routinely.

use rand::RngCore;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::{IndependenceRow, Measure};
use crate::stats::random::shuffle;

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

/// The group × label table of `articles` (each article's label counts) placed in groups by `group_of`.
fn table_of(articles: &[Vec<u64>], group_of: &[usize], n_groups: usize) -> Vec<Vec<u64>> {
    let n_labels = articles.first().map_or(0, Vec::len);
    let mut table = vec![vec![0u64; n_labels]; n_groups];
    for (counts, &g) in articles.iter().zip(group_of) {
        for (acc, &c) in table[g].iter_mut().zip(counts) {
            *acc += c;
        }
    }
    table
}

/// Permutation p-value of the `observed` chi-square statistic with whole articles shuffled between groups:
/// (1 + tables at least as extreme) / (1 + `resamples`), so it is never 0.
fn p_articles(
    observed: f64,
    articles: &[Vec<u64>],
    group_of: &[usize],
    n_groups: usize,
    resamples: usize,
    rng: &mut impl RngCore,
) -> f64 {
    // Ties in floating point: a shuffled table equal to the observed one must count as "at least as extreme".
    let bar = observed * (1.0 - 1e-9);
    let mut shuffled = group_of.to_vec();
    let mut extreme = 0usize;
    for _ in 0..resamples {
        shuffle(&mut shuffled, rng);
        if chi_square(&table_of(articles, &shuffled, n_groups)).0 >= bar {
            extreme += 1;
        }
    }
    (1 + extreme) as f64 / (1 + resamples) as f64
}

/// The full test of one measure: `articles` holds each article's counts over the measure's labels and
/// `group_of` its group (`0..n_groups`). With fewer than two non-empty groups or labels independence cannot be
/// tested: chi2 = 0, df = 0 and the p-values and V are `None` (written as empty cells, not as a fake 1 or 0).
pub fn test(
    measure: Measure,
    articles: &[Vec<u64>],
    group_of: &[usize],
    n_groups: usize,
    resamples: usize,
    rng: &mut impl RngCore,
) -> IndependenceRow {
    let (chi2, df, r, c, n) = chi_square(&table_of(articles, group_of, n_groups));
    let defined = df > 0;
    IndependenceRow {
        measure,
        chi2,
        df: df as u64,
        p_value: defined.then(|| p_value(chi2, df)),
        cramers_v: defined.then(|| cramers_v(chi2, n, r, c)),
        n_paragraphs: n,
        n_groups: n_groups as u64,
        p_articles: defined.then(|| p_articles(chi2, articles, group_of, n_groups, resamples, rng)),
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

    /// The test with one article per group (each row of `table` one article).
    fn by_group(measure: Measure, table: &[Vec<u64>]) -> IndependenceRow {
        let group_of: Vec<usize> = (0..table.len()).collect();
        test(measure, table, &group_of, table.len(), 199, &mut crate::stats::random::seeded(1))
    }

    #[test]
    fn degenerate_tables_have_no_p_value() {
        let one_group = by_group(Measure::Frame, &[vec![3, 4]]);
        assert_eq!((one_group.df, one_group.p_value, one_group.p_articles), (0, None, None));
        let one_label = by_group(Measure::Frame, &[vec![3, 0], vec![5, 0]]);
        assert_eq!((one_label.df, one_label.cramers_v), (0, None));
        assert_eq!(one_label.n_paragraphs, 8);
    }

    #[test]
    fn perfect_association_has_v_one() {
        let t = by_group(Measure::Stance, &[vec![5, 0], vec![0, 5]]);
        assert!((t.cramers_v.unwrap() - 1.0).abs() < 1e-12);
        assert!((t.chi2 - 10.0).abs() < 1e-12);
    }

    #[test]
    fn shuffling_articles_sees_through_clustered_paragraphs() {
        // Six articles, each all one label: 40/20 against 20/40 paragraphs looks decisive paragraph by
        // paragraph (chi2 13.3, p ≈ 0.0003), but every way of dealing the six articles into two groups of three
        // gives a table at least as uneven, so the groups do not differ beyond their articles.
        let (x, y) = (vec![20, 0], vec![0, 20]);
        let articles = [x.clone(), y.clone(), x.clone(), y.clone(), x.clone(), y.clone()];
        let group_of = [0, 0, 0, 1, 1, 1];
        let mut rng = crate::stats::random::seeded(7);
        let t = test(Measure::Frame, &articles, &group_of, 2, 999, &mut rng);
        assert!(t.p_value.unwrap() < 0.001 && (t.chi2 - 40.0 / 3.0).abs() < 1e-9, "{t:?}");
        assert!(t.p_articles.unwrap() > 0.99, "{t:?}");
        // Ten articles a side, each group's all one label: only 2 of the C(20, 10) = 184,756 deals are as
        // extreme, so the shuffled p-value is as small as 999 shuffles can show.
        let mut articles = vec![vec![3, 0]; 10];
        articles.extend(vec![vec![0, 3]; 10]);
        let group_of: Vec<usize> = (0..20).map(|i| i / 10).collect();
        let t = test(Measure::Frame, &articles, &group_of, 2, 999, &mut rng);
        assert_eq!(t.p_articles, Some(0.001), "{t:?}");
        // Seeded: the same stream gives the same p-value.
        let again = |seed| {
            let art = [vec![3, 1], vec![1, 2], vec![2, 2], vec![0, 3], vec![4, 1], vec![1, 1]];
            let t = test(Measure::Frame, &art, &[0, 0, 0, 1, 1, 1], 2, 500, &mut crate::stats::random::seeded(seed));
            t.p_articles.unwrap()
        };
        assert_eq!(again(3), again(3));
    }
}
