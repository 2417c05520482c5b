//! `framelens cache stats|prune`: inspect and trim the embedding cache.

use std::path::PathBuf;

use clap::Subcommand;
use framelens::encode::cache;

use super::run::default_cache;

#[derive(Subcommand)]
pub enum CacheCommand {
    /// Entries and size per model, ONNX graph and encoding mode.
    Stats {
        #[arg(long)]
        cache: Option<PathBuf>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Delete entries (all, or all but one model's) and compact the file.
    Prune {
        #[arg(long)]
        cache: Option<PathBuf>,
        /// Keep the entries of this model (weights sha256, as in `cache stats`).
        #[arg(long)]
        keep_model: Option<String>,
    },
}

pub fn run(cmd: CacheCommand) -> anyhow::Result<()> {
    match cmd {
        CacheCommand::Stats { cache, json } => {
            let path = cache.unwrap_or_else(default_cache);
            let stats = if path.exists() {
                if let Some(w) = cache::upgrade(&path)? {
                    eprintln!("warning: {w}");
                }
                cache::stats(&path)?
            } else {
                Vec::new()
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                println!("{}", path.display());
                println!("| model (weights sha256) | graph (sha256) | mode | entries | MB |");
                println!("|---|---|---|---|---|");
                for s in &stats {
                    let g = s.graph.get(..12).unwrap_or(&s.graph);
                    println!("| {} | {g} | {} | {} | {:.1} |", &s.model, s.mode, s.entries, s.bytes as f64 / 1e6);
                }
            }
            Ok(())
        }
        CacheCommand::Prune { cache, keep_model } => {
            let path = cache.unwrap_or_else(default_cache);
            if let Some(w) = cache::upgrade(&path)? {
                eprintln!("warning: {w}");
            }
            let n = cache::prune(&path, keep_model.as_deref())?;
            eprintln!("deleted {n} entries from {}", path.display());
            Ok(())
        }
    }
}
