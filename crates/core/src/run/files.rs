//! File names of a run folder: named once so that the writers (`run`, `merge`, `compare`), the readers
//! (`compare`, `eval`, `sample`, workbook, report) and the messages that mention them cannot disagree.

use std::path::{Path, PathBuf};

/// `paragraphs.csv`: one row per input paragraph ([`crate::run::tables::PARAGRAPH_COLUMNS`]).
pub const PARAGRAPHS_CSV: &str = "paragraphs.csv";
/// `articles.csv`: one row per article.
pub const ARTICLES_CSV: &str = "articles.csv";
/// `outlets.csv`: one row per outlet.
pub const OUTLETS_CSV: &str = "outlets.csv";
/// `rejects.csv`: input records and paragraphs that could not be processed.
pub const REJECTS_CSV: &str = "rejects.csv";
/// `manifest.json`: what produced the run, its counts, timings and the sha256 of every output.
pub const MANIFEST_JSON: &str = "manifest.json";
/// `comparison.csv`: per group, shares of every label with intervals (written by `compare`).
pub const COMPARISON_CSV: &str = "comparison.csv";
/// `distances.csv`: Jensen–Shannon distances between groups.
pub const DISTANCES_CSV: &str = "distances.csv";
/// `differences.csv`: each group against all others pooled.
pub const DIFFERENCES_CSV: &str = "differences.csv";
/// `independence.csv`: chi-square tests of group × label.
pub const INDEPENDENCE_CSV: &str = "independence.csv";
/// The workbook of the outlet comparison (`--xlsx`).
pub const WORKBOOK_XLSX: &str = "framelens.xlsx";
/// The report of the outlet comparison (`--report`).
pub const REPORT_HTML: &str = "report.html";

/// The files `framelens run` (and `merge`) writes, in the order they are finished: the manifest last.
pub const RUN_FILES: [&str; 5] = [PARAGRAPHS_CSV, ARTICLES_CSV, OUTLETS_CSV, REJECTS_CSV, MANIFEST_JSON];

/// `paragraphs.csv` of a run given as its folder or as the file itself (`eval --pred`, `sample RUN_DIR`).
pub fn paragraphs_csv(run_dir_or_file: &Path) -> PathBuf {
    if run_dir_or_file.is_dir() {
        run_dir_or_file.join(PARAGRAPHS_CSV)
    } else {
        run_dir_or_file.to_path_buf()
    }
}

/// The files of one comparison: where they are and what they are called.
///
/// Why one naming rule here: a run folder holds one comparison per grouping (`compare --by outlet`, then
/// `--by month`, …), and each must keep its own tables, workbook and report instead of overwriting the
/// outlet ones. The outlet comparison, the one the tool exists for, keeps the plain names
/// (`comparison.csv`, `framelens.xlsx`, `report.html`); any other grouping adds `_by_<grouping>` before
/// the extension (`comparison_by_month.csv`, `framelens_by_month.xlsx`, `report_by_month.html`). Every
/// writer and reader of these files asks this type for their paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComparisonFiles {
    /// The folder the comparison's files are in (the run folder, or `compare --out DIR`).
    pub dir: PathBuf,
    /// The grouping, as `comparison.csv`'s `group_by` column names it.
    pub group_by: String,
}

impl ComparisonFiles {
    /// The files of the comparison by `group_by` (`outlet`, `month` or a column name) in `dir`.
    pub fn new(dir: &Path, group_by: &str) -> ComparisonFiles {
        ComparisonFiles { dir: dir.to_path_buf(), group_by: group_by.to_string() }
    }

    /// The outlet comparison in `dir`: the plain file names.
    pub fn outlet(dir: &Path) -> ComparisonFiles {
        ComparisonFiles::new(dir, "outlet")
    }

    /// `_by_<grouping>` for any grouping but `outlet`, else empty. Characters other than ASCII letters,
    /// digits, `-` and `_` become `_`, so a column name cannot leave the folder or make an odd file name.
    pub fn suffix(&self) -> String {
        if self.group_by == "outlet" {
            return String::new();
        }
        let slug: String = self
            .group_by
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
            .collect();
        format!("_by_{slug}")
    }

    /// The file `base` (e.g. `comparison.csv`) of this comparison: the suffix goes before the extension.
    pub fn path(&self, base: &str) -> PathBuf {
        let name = match base.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem}{}.{ext}", self.suffix()),
            None => format!("{base}{}", self.suffix()),
        };
        self.dir.join(name)
    }

    #[allow(missing_docs)]
    pub fn comparison(&self) -> PathBuf {
        self.path(COMPARISON_CSV)
    }
    #[allow(missing_docs)]
    pub fn distances(&self) -> PathBuf {
        self.path(DISTANCES_CSV)
    }
    #[allow(missing_docs)]
    pub fn differences(&self) -> PathBuf {
        self.path(DIFFERENCES_CSV)
    }
    #[allow(missing_docs)]
    pub fn independence(&self) -> PathBuf {
        self.path(INDEPENDENCE_CSV)
    }
    /// The workbook that shows this comparison (`framelens.xlsx`, `framelens_by_month.xlsx`).
    pub fn workbook(&self) -> PathBuf {
        self.path(WORKBOOK_XLSX)
    }
    /// The report that shows this comparison (`report.html`, `report_by_month.html`).
    pub fn report(&self) -> PathBuf {
        self.path(REPORT_HTML)
    }

    /// File name (no folder) of one of this comparison's files, for notes and summaries.
    pub fn name(&self, base: &str) -> String {
        self.path(base).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_files_keep_plain_names_for_outlets_only() {
        let dir = Path::new("run");
        let outlet = ComparisonFiles::outlet(dir);
        assert_eq!(outlet.comparison(), dir.join("comparison.csv"));
        assert_eq!(outlet.workbook(), dir.join("framelens.xlsx"));
        assert_eq!(outlet.report(), dir.join("report.html"));
        let month = ComparisonFiles::new(dir, "month");
        assert_eq!(month.comparison(), dir.join("comparison_by_month.csv"));
        assert_eq!(month.distances(), dir.join("distances_by_month.csv"));
        assert_eq!(month.differences(), dir.join("differences_by_month.csv"));
        assert_eq!(month.independence(), dir.join("independence_by_month.csv"));
        assert_eq!(month.workbook(), dir.join("framelens_by_month.xlsx"));
        assert_eq!(month.report(), dir.join("report_by_month.html"));
        // A column name cannot climb out of the folder or make an odd name.
        assert_eq!(ComparisonFiles::new(dir, "../sec tion").name(COMPARISON_CSV), "comparison_by____sec_tion.csv");
        assert_eq!(ComparisonFiles::new(dir, "dominant_frame").name("report.html"), "report_by_dominant_frame.html");
    }
}
