//! `framelens merge SHARD... --out DIR`: combine `--shard K/N` outputs into the unsharded run's outputs.

use std::path::PathBuf;

use clap::Args;

#[derive(Args)]
pub struct MergeArgs {
    /// Output folders of the shard runs.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    #[arg(long)]
    pub out: PathBuf,
    /// Merge even when some shards K/N are missing.
    #[arg(long)]
    pub allow_partial: bool,
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(a: MergeArgs) -> anyhow::Result<()> {
    let merged = framelens::export::merge::merge(&a.shards, &a.out, a.allow_partial)?;
    // Warnings are printed even with --quiet: an unchecked corpus is worth knowing about.
    for w in &merged.warnings {
        eprintln!("warning: {w}");
    }
    let m = &merged.manifest;
    if !a.quiet {
        let c = &m.counts;
        eprintln!(
            "merged {} shards: {} documents, {} body paragraphs, {} rejects into {}",
            a.shards.len(),
            c.documents,
            c.paragraphs_body,
            c.rejects,
            a.out.display()
        );
    }
    Ok(())
}
