//! `framelens compare OUTDIR`: frame and stance shares per group with bootstrap intervals, tests of
//! independence, distances and the groups that differ most, from a finished run's outputs.

use std::path::PathBuf;

use clap::Args;
use framelens::compare::{self, CompareOptions, GroupBy};

#[derive(Args, Clone)]
pub struct CompareArgs {
    /// Group by: outlet, month, or any column of paragraphs.csv / articles.csv.
    #[arg(long, default_value = "outlet")]
    pub by: String,
    /// Seed of the bootstrap (same seed, same intervals).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Bootstrap resamples.
    #[arg(long, default_value_t = 2000)]
    pub resamples: usize,
    /// Groups with fewer articles are flagged small_group=true.
    #[arg(long, default_value_t = 5)]
    pub min_articles: usize,
    /// Also write framelens.xlsx (sheets Paragraphs, Articles, Outlets, Comparison, Distances, Run, ...).
    #[arg(long)]
    pub xlsx: bool,
    /// Also write report.html (self-contained, charts as inline SVG).
    #[arg(long)]
    pub report: bool,
}

#[derive(Args)]
pub struct CompareCmd {
    /// Output folder of a finished `framelens run`.
    pub dir: PathBuf,
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

/// Runs the comparison on `dir` and writes its four tables; returns a short summary.
pub fn compare_dir(dir: &std::path::Path, a: &CompareArgs) -> anyhow::Result<String> {
    let c = compare::compare(dir, &a.options())?;
    compare::write(dir, &c)?;
    let mut s = String::new();
    if a.xlsx {
        s += &format!("wrote {}\n", framelens::export::write_workbook(dir)?.display());
    }
    if a.report {
        s += &format!("wrote {}\n", framelens::export::write_report(dir)?.display());
    }
    for t in &c.independence {
        let p = t.p_value.map(|p| format!("{p:.4}")).unwrap_or_else(|| "-".into());
        let v = t.cramers_v.map(|v| format!("{v:.3}")).unwrap_or_else(|| "-".into());
        s += &format!(
            "{} × {}: chi2 {:.2}, df {}, p {p}, Cramér's V {v}\n",
            c.group_by,
            t.measure.as_str(),
            t.chi2,
            t.df
        );
    }
    Ok(s)
}

pub fn run(cmd: CompareCmd) -> anyhow::Result<()> {
    let s = compare_dir(&cmd.dir, &cmd.opts)?;
    eprint!("{s}");
    eprintln!("wrote comparison.csv, distances.csv, differences.csv, independence.csv in {}", cmd.dir.display());
    Ok(())
}
