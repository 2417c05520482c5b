//! `framelens compare OUTDIR`: frame and stance shares per group with bootstrap intervals, tests of
//! independence, distances and the groups that differ most, from a finished run's outputs.

use std::path::{Path, PathBuf};

use clap::Args;
use framelens::compare::write::p_statement;
use framelens::compare::{self, CompareOptions, GroupBy};
use framelens::export::report::{write_report_with, ReportOptions, HEATMAP_GROUPS};
use framelens::export::xlsx::write_workbook_with;
use framelens::run::files::{ComparisonFiles, COMPARISON_CSV, DIFFERENCES_CSV, DISTANCES_CSV, INDEPENDENCE_CSV};

#[derive(Args, Clone)]
pub struct CompareArgs {
    /// Group by: outlet, month, lang (each paragraph's language: en, zh, ..., und), or any column of
    /// paragraphs.csv / articles.csv; several joined by commas combine (lang,outlet: each outlet within
    /// each language, groups named "zh | Outlet").
    #[arg(long, default_value = "outlet")]
    pub by: String,
    /// Seed of the bootstrap and of the article shuffles (same seed, same intervals and p_articles).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Bootstrap resamples, and article shuffles of the independence test.
    #[arg(long, default_value_t = 2000)]
    pub resamples: usize,
    /// Groups with fewer articles are flagged small_group=true.
    #[arg(long, default_value_t = 5)]
    pub min_articles: usize,
    /// Also write the workbook: framelens.xlsx for --by outlet, framelens_by_<by>.xlsx otherwise (sheets
    /// Paragraphs, Articles, Outlets, Comparison, Distances, Run, ...).
    #[arg(long)]
    pub xlsx: bool,
    /// Also write the report: report.html for --by outlet, report_by_<by>.html otherwise (self-contained,
    /// charts as inline SVG).
    #[arg(long)]
    pub report: bool,
    /// The report's distance heat map shows at most this many groups, those with the most articles.
    #[arg(long, default_value_t = HEATMAP_GROUPS, value_name = "N")]
    pub heatmap_groups: usize,
}

#[derive(Args)]
pub struct CompareCmd {
    /// Output folder of a finished `framelens run`.
    pub dir: PathBuf,
    /// Write the comparison's files here instead of into the run folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub opts: CompareArgs,
}

impl CompareArgs {
    fn options(&self) -> CompareOptions {
        CompareOptions {
            by: GroupBy::parse(&self.by),
            seed: self.seed,
            resamples: self.resamples,
            min_articles: self.min_articles,
        }
    }
}

/// Runs the comparison on the run folder `dir`, writes its four tables (and workbook and report when asked)
/// into `out` (default: `dir`) under the comparison's own names; returns a short summary.
pub fn compare_dir(dir: &Path, out: Option<&Path>, a: &CompareArgs) -> anyhow::Result<String> {
    compare_dir_files(dir, out, a).map(|(summary, _)| summary)
}

/// [`compare_dir`], also returning the paths of every file it wrote.
pub fn compare_dir_files(dir: &Path, out: Option<&Path>, a: &CompareArgs) -> anyhow::Result<(String, Vec<PathBuf>)> {
    let c = compare::compare(dir, &a.options())?;
    let out = out.unwrap_or(dir);
    std::fs::create_dir_all(out).map_err(|e| anyhow::anyhow!("{}: cannot create: {e}", out.display()))?;
    let files = compare::write(out, &c)?;
    let mut s = format!(
        "wrote {}, {}, {}, {} in {}\n",
        files.name(COMPARISON_CSV),
        files.name(DISTANCES_CSV),
        files.name(DIFFERENCES_CSV),
        files.name(INDEPENDENCE_CSV),
        out.display()
    );
    let mut written: Vec<PathBuf> =
        [COMPARISON_CSV, DISTANCES_CSV, DIFFERENCES_CSV, INDEPENDENCE_CSV].iter().map(|b| files.path(b)).collect();
    s += &outputs(dir, &files, a, &mut written)?;
    for t in &c.independence {
        let p = t.p_value.map(p_statement).unwrap_or_else(|| "p -".into());
        let v = t.cramers_v.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into());
        let shuffled = t.p_articles.map(|p| format!(" (articles shuffled between groups: {})", p_statement(p)));
        s += &format!(
            "{} × {}: chi2 {:.2}, df {}, {p}{}, Cramér's V {v}\n",
            c.group_by,
            t.measure.as_str(),
            t.chi2,
            t.df,
            shuffled.unwrap_or_default()
        );
    }
    Ok((s, written))
}

/// The workbook and report of the comparison `files`, when asked for; their paths go to `written`.
fn outputs(dir: &Path, files: &ComparisonFiles, a: &CompareArgs, written: &mut Vec<PathBuf>) -> anyhow::Result<String> {
    let mut s = String::new();
    if a.xlsx {
        let p = write_workbook_with(dir, files)?;
        s += &format!("wrote {}\n", p.display());
        written.push(p);
    }
    if a.report {
        let opts = ReportOptions { heatmap_groups: a.heatmap_groups };
        let p = write_report_with(dir, files, &opts)?;
        s += &format!("wrote {}\n", p.display());
        written.push(p);
    }
    Ok(s)
}

pub fn run(cmd: CompareCmd) -> anyhow::Result<()> {
    let s = compare_dir(&cmd.dir, cmd.out.as_deref(), &cmd.opts)?;
    eprint!("{s}");
    Ok(())
}
