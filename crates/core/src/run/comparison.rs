//! The comparison's four tables (`comparison.csv`, `distances.csv`, `differences.csv`, `independence.csv`,
//! suffixed by grouping, see [`crate::run::ComparisonFiles`]): one row type each, written by `compare` and
//! read back by the workbook and the report, with the column list and the number formats of the file.
//!
//! Why one type per file for both directions: the writer and the readers had one each, and they had
//! already drifted apart (an interval written as a number was read as possibly empty, `df` written as an
//! integer was read as a float): the types here say what `compare` writes. Rows that `compare` computes carry full precision; rows read back carry
//! what the file says (four decimals).

use std::io;

use serde::{Deserialize, Serialize, Serializer};

use super::labels::Measure;

/// Columns of `comparison.csv`, in file order (the fields of [`ComparisonRow`] that are written).
pub const COMPARISON_COLUMNS: [&str; 10] = [
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
];
/// Columns of `distances.csv`.
pub const DISTANCE_COLUMNS: [&str; 3] = ["group_a", "group_b", "jsd"];
/// Columns of `differences.csv`.
pub const DIFFERENCE_COLUMNS: [&str; 8] =
    ["label", "group", "share", "rest_share", "diff", "ci_low", "ci_high", "n_articles"];
/// Columns of `independence.csv`.
pub const INDEPENDENCE_COLUMNS: [&str; 8] =
    ["measure", "chi2", "df", "p_value", "cramers_v", "n_paragraphs", "n_groups", "p_articles"];

/// One row of `comparison.csv`: a group's share of one frame or stance label, with its 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// How the run was grouped (`outlet`, `month` or a metadata column), so the file says it.
    pub group_by: String,
    /// The group: an outlet, a `YYYY-MM` month or a column value.
    pub group: String,
    /// Whether `label` is a frame or a stance.
    pub measure: Measure,
    /// A frame id or a stance label.
    pub label: String,
    /// Body paragraphs with this label in the group. Kept in memory (not written) so that shares can be
    /// merged exactly from counts, never from rounded shares; 0 in rows read back from a file.
    #[serde(skip)]
    pub count: u64,
    /// `count` over `n_paragraphs`.
    #[serde(serialize_with = "fixed4_cell")]
    pub share: f64,
    /// The 95% percentile-bootstrap interval (zero width for a single article).
    #[serde(serialize_with = "fixed4_cell")]
    pub ci_low: f64,
    /// Upper end of that interval.
    #[serde(serialize_with = "fixed4_cell")]
    pub ci_high: f64,
    /// Articles with at least one body paragraph in the group: the bootstrap's sampling units.
    pub n_articles: u64,
    /// Body paragraphs in the group: the share's denominator.
    pub n_paragraphs: u64,
    /// Fewer articles than `compare --min-articles`: the interval itself is unreliable.
    pub small_group: bool,
}

/// One row of `distances.csv`: the Jensen–Shannon distance (base 2, in [0, 1]) between two groups' frame
/// distributions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistanceRow {
    /// Row of the distance matrix: every ordered pair of groups is written, a group with itself included.
    pub group_a: String,
    /// Column of the matrix.
    pub group_b: String,
    /// 0: the same frame distribution; 1: no frame in common.
    #[serde(serialize_with = "fixed4_cell")]
    pub jsd: f64,
}

/// One row of `differences.csv`: a group's share of a frame against all other groups pooled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DifferenceRow {
    /// The frame id.
    pub label: String,
    /// The group set against all others pooled.
    pub group: String,
    /// The group's share of body paragraphs with this frame.
    #[serde(serialize_with = "fixed4_cell")]
    pub share: f64,
    /// The same share over all other groups pooled.
    #[serde(serialize_with = "fixed4_cell")]
    pub rest_share: f64,
    /// `share - rest_share`: above 0 the group uses the frame more than the rest.
    #[serde(serialize_with = "fixed4_cell")]
    pub diff: f64,
    /// Lower end of the 95% bootstrap interval of `diff` (articles resampled in both sides).
    #[serde(serialize_with = "fixed4_cell")]
    pub ci_low: f64,
    /// Upper end of that interval.
    #[serde(serialize_with = "fixed4_cell")]
    pub ci_high: f64,
    /// The group's articles: the bootstrap's sampling units on its side.
    pub n_articles: u64,
}

/// One row of `independence.csv`: the chi-square test of group × label over paragraphs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndependenceRow {
    /// Frames or stance: the test's label columns.
    pub measure: Measure,
    /// 0 when the test is undefined.
    #[serde(serialize_with = "fixed4_cell")]
    pub chi2: f64,
    /// (groups − 1) × (non-empty label columns − 1).
    pub df: u64,
    /// `None` when the test is undefined (fewer than two groups or two non-empty labels).
    #[serde(serialize_with = "optional_p_value_cell")]
    pub p_value: Option<f64>,
    /// Cramér's V in [0, 1], how strongly the groups differ; `None` when the test is undefined.
    #[serde(serialize_with = "optional_fixed4_cell")]
    pub cramers_v: Option<f64>,
    /// Body paragraphs in the table the test ran on.
    pub n_paragraphs: u64,
    /// Groups (rows) of that table.
    pub n_groups: u64,
    /// The chi-square's p-value with whole articles shuffled between groups (`compare::independence`): valid
    /// where `p_value` is optimistic (paragraphs clustered in articles, small expected counts). `None` when
    /// the test is undefined, and in files written before the column existed.
    #[serde(default, serialize_with = "optional_p_value_cell")]
    pub p_articles: Option<f64>,
}

/// Writes `rows` as CSV with the header `columns` (written even when there are no rows).
pub fn write_rows<'a, T: Serialize + 'a>(
    w: impl io::Write,
    columns: &[&str],
    rows: impl IntoIterator<Item = &'a T>,
) -> io::Result<()> {
    let mut cw = csv::WriterBuilder::new().has_headers(false).from_writer(w);
    cw.write_record(columns)?;
    for r in rows {
        cw.serialize(r)?;
    }
    cw.flush()?;
    Ok(())
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

fn fixed4_cell<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&fixed4(*x))
}

fn optional_fixed4_cell<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&x.map(fixed4).unwrap_or_default())
}

fn optional_p_value_cell<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&x.map(p_value).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_of<T: Serialize>(row: &T) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(row).unwrap();
        String::from_utf8(w.into_inner().unwrap()).unwrap().lines().next().unwrap().to_string()
    }

    fn round_trip<T: Serialize + for<'de> Deserialize<'de> + PartialEq + std::fmt::Debug>(
        columns: &[&str],
        row: &T,
    ) -> String {
        assert_eq!(header_of(row), columns.join(","), "the column list is the row type's field order");
        let mut buf = Vec::new();
        write_rows(&mut buf, columns, [row]).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let back: T = csv::Reader::from_reader(text.as_bytes()).deserialize().next().unwrap().unwrap();
        assert_eq!(&back, row, "{text}");
        text
    }

    #[test]
    fn rows_are_written_as_their_column_lists_say_and_read_back() {
        let c = ComparisonRow {
            group_by: "outlet".into(),
            group: "A, B".into(),
            measure: Measure::Stance,
            label: "neutral".into(),
            count: 0,
            share: 0.25,
            ci_low: 0.125,
            ci_high: 0.5,
            n_articles: 3,
            n_paragraphs: 8,
            small_group: true,
        };
        let text = round_trip(&COMPARISON_COLUMNS, &c);
        assert_eq!(text.lines().nth(1).unwrap(), "outlet,\"A, B\",stance,neutral,0.2500,0.1250,0.5000,3,8,true");
        round_trip(&DISTANCE_COLUMNS, &DistanceRow { group_a: "a".into(), group_b: "b".into(), jsd: 0.5 });
        let d = DifferenceRow {
            label: "x".into(),
            group: "a".into(),
            share: 0.5,
            rest_share: 0.25,
            diff: 0.25,
            ci_low: -0.125,
            ci_high: 0.5,
            n_articles: 2,
        };
        round_trip(&DIFFERENCE_COLUMNS, &d);
        let i = IndependenceRow {
            measure: Measure::Frame,
            chi2: 12.5,
            df: 6,
            p_value: Some(0.0625),
            cramers_v: None,
            n_paragraphs: 40,
            n_groups: 4,
            p_articles: Some(0.125),
        };
        let text = round_trip(&INDEPENDENCE_COLUMNS, &i);
        assert_eq!(text.lines().nth(1).unwrap(), "frame,12.5000,6,0.0625,,40,4,0.1250");
        // No rows: the header alone.
        let mut buf = Vec::new();
        write_rows::<DistanceRow>(&mut buf, &DISTANCE_COLUMNS, []).unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), "group_a,group_b,jsd\n");
    }

    #[test]
    fn number_formats() {
        assert_eq!(fixed4(-0.00001), "0.0000");
        assert_eq!(fixed4(2.0 / 3.0), "0.6667");
        assert_eq!(p_value(0.207), "0.2070");
        assert_eq!(p_value(1.5e-12), "1.500e-12");
        assert_eq!(p_value(0.0), "0");
    }
}
