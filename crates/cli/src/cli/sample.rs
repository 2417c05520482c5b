//! `framelens sample RUN_DIR --n 100 [--by outlet | --uncertain] --seed S --out tocode.csv`: paragraphs for
//! hand coding.

use std::collections::HashSet;
use std::path::PathBuf;

use clap::Args;
use framelens::sample::{coded_texts, sample_paragraphs, write_sample, Strategy};

#[derive(Args)]
pub struct SampleArgs {
    /// A finished run's output folder (or its paragraphs.csv).
    pub run_dir: PathBuf,
    /// Paragraphs to draw.
    #[arg(long, default_value_t = 100)]
    pub n: usize,
    /// Stratify: the same number of paragraphs from every value of this column (only `outlet`).
    #[arg(long, value_parser = ["outlet"], conflicts_with = "uncertain")]
    pub by: Option<String>,
    /// The least certain paragraphs (smallest margin between the two best frames) for the next round.
    #[arg(long)]
    pub uncertain: bool,
    #[arg(long, default_value_t = 13)]
    pub seed: u64,
    /// Leave out paragraphs already in these coding files (their `text` column).
    #[arg(long, value_name = "FILE")]
    pub exclude: Vec<PathBuf>,
    /// The coding sheet to write (empty `label` and `stance` columns; `framelens train --data` reads it back).
    #[arg(long)]
    pub out: PathBuf,
    /// Add the model's labels (predicted_frame, frame_score, frame_margin, predicted_stance). Off by
    /// default: seeing them steers coders toward the model.
    #[arg(long)]
    pub show_predictions: bool,
}

pub fn run(a: SampleArgs) -> anyhow::Result<()> {
    let csv = framelens::run::files::paragraphs_csv(&a.run_dir);
    let strategy = match (a.by.is_some(), a.uncertain) {
        (true, _) => Strategy::ByOutlet,
        (_, true) => Strategy::Uncertain,
        _ => Strategy::Random,
    };
    let mut exclude = HashSet::new();
    for f in &a.exclude {
        exclude.extend(coded_texts(f)?);
    }
    let rows = sample_paragraphs(&csv, a.n, strategy, a.seed, &exclude)?;
    write_sample(&a.out, &rows, a.show_predictions)?;
    eprintln!("wrote {} paragraphs to code to {}", rows.len(), a.out.display());
    if rows.len() < a.n {
        eprintln!("note: only {} body paragraphs were available", rows.len());
    }
    Ok(())
}
