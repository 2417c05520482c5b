//! Command-line interface: one module per subcommand.

mod bench;
mod cache;
mod codebook;
mod compare;
mod embed;
mod eval;
mod finetune;
mod merge;
mod model;
mod progress;
mod run;
mod sample;
mod serve;
mod train;
mod values;

use clap::{Args, Parser, Subcommand};
use framelens::encode::device::DeviceChoice;
use framelens::encode::quant::Int8Scheme;
use framelens::encode::{EncodeOptions, PrecisionChoice};

#[derive(Parser)]
#[command(name = "framelens", version, about = "Frame and stance analysis of news commentary, per paragraph")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Embed paragraphs (one per line, or JSON Lines with id/text) into a .npy matrix.
    Embed(embed::EmbedArgs),
    /// Label every paragraph of a corpus with frames and stance; write CSV tables and a manifest.
    Run(Box<run::RunArgs>),
    /// Train a frame head on hand-coded rows (single- or multi-label), with a cross-validated report.
    Train(Box<train::TrainArgs>),
    /// Train the general stance head on stance data such as VAST.
    TrainStance(Box<train::TrainStanceArgs>),
    /// Agreement with a hand coding (F1, kappa, Krippendorff's alpha, bootstrap intervals, confusion matrix).
    Eval(Box<eval::EvalArgs>),
    /// Draw paragraphs of a run for hand coding (at random, by outlet, or the least certain).
    Sample(sample::SampleArgs),
    /// The local web workbench: read a run, code paragraphs, agreement, train and relabel.
    Serve(Box<serve::ServeArgs>),
    /// Benchmarks (encoder throughput and memory).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Check a codebook.
    #[command(subcommand)]
    Codebook(codebook::CodebookCommand),
    /// Compare framing across outlets (or months, or any column) of a finished run.
    Compare(compare::CompareCmd),
    /// Combine the outputs of `run --shard K/N` into the outputs of one unsharded run.
    Merge(merge::MergeArgs),
    /// Inspect or trim the embedding cache.
    #[command(subcommand)]
    Cache(cache::CacheCommand),
    /// Manage encoder models.
    #[command(subcommand)]
    Model(model::ModelCommand),
}

/// Encoder options shared by every command that embeds text.
#[derive(Args, Debug, Clone)]
pub struct EncoderArgs {
    /// Model: `mpnet` (all-mpnet-base-v2, the default: better labels) or `minilm` (all-MiniLM-L6-v2, about five
    /// times faster), both set up by scripts/setup.sh in $FRAMELENS_HOME; an imported framelens model folder, a
    /// Hugging Face sentence-transformer folder, or a hub id. Without it, $FRAMELENS_MODEL when set (so a
    /// cluster profile or a test harness picks the encoder once; the manifest records the one used).
    #[arg(long, env = "FRAMELENS_MODEL")]
    pub model: Option<String>,
    /// Numeric precision. auto: bf16 (OpenVINO provider) where the CPU has bf16 units, else fp32; int8 only
    /// where the model's int8 graph passed its quality gate and the CPU has int8 units (docs/int8.md).
    /// int8 needs `framelens model quantize` first.
    #[arg(long, value_parser = values::precision(), default_value_t = PrecisionChoice::Auto)]
    pub precision: PrecisionChoice,
    /// The int8 graph to run with --precision int8 (default: the model's default scheme).
    #[arg(long, value_parser = values::int8_scheme())]
    pub int8_scheme: Option<Int8Scheme>,
    /// Run --precision int8 even where its quality gate failed (for benchmarks; the default falls back to
    /// fp32 with a warning).
    #[arg(long)]
    pub ignore_int8_gate: bool,
    /// Inference threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Cut paragraphs at the model's max length (as sentence-transformers does) instead of averaging windows.
    #[arg(long)]
    pub truncate: bool,
    /// Padded tokens per batch (at least 32,768 on the GPU).
    #[arg(long, default_value_t = 8192)]
    pub batch_tokens: usize,
    /// Where the encoder runs: `auto` (the GPU for --precision auto where one is present and
    /// `scripts/setup.sh gpu` installed its runtime, else the CPU), `cpu` or `cuda`.
    #[arg(long, value_parser = values::device(), default_value = "auto")]
    pub device: DeviceChoice,
}

impl EncoderArgs {
    pub fn options(&self) -> EncodeOptions {
        let mut o = EncodeOptions {
            precision: self.precision,
            int8_scheme: self.int8_scheme,
            ignore_int8_gate: self.ignore_int8_gate,
            truncate: self.truncate,
            device: self.device,
            ..Default::default()
        };
        if let Some(t) = self.threads {
            o.threads = t.max(1);
        }
        o.token_budget = self.batch_tokens.max(256);
        o
    }
}

pub fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Embed(a) => embed::run(a),
        Command::Model(c) => model::run(c),
        Command::Run(a) => run::run(*a),
        Command::Eval(a) => eval::run(*a),
        Command::Sample(a) => sample::run(a),
        Command::Serve(a) => serve::run(*a),
        Command::Train(a) => train::run(*a),
        Command::TrainStance(a) => train::run_stance(*a),
        Command::Bench(c) => bench::run(c),
        Command::Codebook(c) => codebook::run(c),
        Command::Compare(c) => compare::run(c),
        Command::Merge(a) => merge::run(a),
        Command::Cache(c) => cache::run(c),
    }
}
