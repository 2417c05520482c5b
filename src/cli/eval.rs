//! `framelens eval --gold FILE --pred OUTDIR|paragraphs.csv`: agreement with a hand coding.

use std::path::PathBuf;

use clap::Args;
use framelens::evaluate::{match_gold, score};

#[derive(Args)]
pub struct EvalArgs {
    /// Gold CSV: doc_id, text_prefix, frame[, stance].
    #[arg(long)]
    pub gold: PathBuf,
    /// A run's output folder or its paragraphs.csv.
    #[arg(long)]
    pub pred: PathBuf,
}

pub fn run(a: EvalArgs) -> anyhow::Result<()> {
    let pred = if a.pred.is_dir() { a.pred.join("paragraphs.csv") } else { a.pred.clone() };
    let pairs = match_gold(&a.gold, &pred)?;
    println!("{}", score(&pairs.frame).markdown("Frames"));
    if !pairs.stance.is_empty() {
        println!("{}", score(&pairs.stance).markdown("Stance"));
    }
    Ok(())
}
