//! `framelens bench encode`: paragraphs/s, tokens/s, padding overhead and peak RSS per input and precision.
//!
//! Each configuration runs in a child `framelens embed` process, so peak RSS is that configuration's own
//! and model loading is timed apart from encoding. Throughput counts encoding only (tokenization
//! included, session creation excluded), best of `--repeat` runs. The configurations take turns (A B C A B C
//! …), so that load from other processes on a shared machine falls on all of them alike. When fp32 is among
//! them, every other configuration's rows are compared with fp32's (cosine mean / min).

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use framelens::encode::quant::Int8Scheme;
use framelens::encode::PrecisionChoice;

use super::embed::EmbedStats;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Encoder throughput and memory.
    Encode(EncodeBench),
    /// Generate a synthetic corpus (JSON Lines) by recombining a corpus' sentences, for run benchmarks.
    Corpus(CorpusBench),
}

#[derive(Args)]
pub struct CorpusBench {
    /// Documents to generate (about 6.5 body paragraphs each).
    #[arg(long)]
    pub docs: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Source corpus whose sentences, headings and boilerplate are recombined.
    #[arg(long, default_value = "corpora/sample")]
    pub from: PathBuf,
    /// Output .jsonl file.
    #[arg(long)]
    pub out: PathBuf,
}

fn corpus(b: CorpusBench) -> anyhow::Result<()> {
    let m = framelens::synth::Material::from_corpus(&b.from)?;
    let mut body = 0;
    framelens::atomic::write_atomic_with(&b.out, |w| {
        body = framelens::synth::generate(&m, b.docs, b.seed, w)?;
        Ok(())
    })?;
    eprintln!("wrote {} documents ({body} body paragraphs) to {}", b.docs, b.out.display());
    Ok(())
}

#[derive(Args)]
pub struct EncodeBench {
    /// Input files, one paragraph per line (see bench/make_inputs.py for the standard ones).
    #[arg(long, required = true)]
    pub input: Vec<PathBuf>,
    #[arg(long, value_parser = super::values::precision(), default_values_t = vec![PrecisionChoice::Fp32, PrecisionChoice::Bf16])]
    pub precision: Vec<PrecisionChoice>,
    /// int8 schemes to run for `--precision int8` (repeatable; default: the model's default scheme).
    #[arg(long, value_parser = super::values::int8_scheme())]
    pub int8_scheme: Vec<Int8Scheme>,
    /// Truncate at the model's max length (as sentence-transformers does), for like-for-like comparison.
    #[arg(long)]
    pub truncate: bool,
    #[arg(long, default_value_t = 2)]
    pub repeat: usize,
    #[arg(long)]
    pub threads: Option<usize>,
    #[arg(long)]
    pub model: Option<String>,
    /// Where `framelens embed` runs (`cuda`: the GPU, fp32; see `framelens embed --help`).
    #[arg(long, value_parser = ["auto", "cpu", "cuda"], default_value = "auto")]
    pub device: String,
    /// Write the results as JSON too.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

#[derive(serde::Serialize)]
struct Row {
    input: String,
    precision: String,
    rows: usize,
    tokens: usize,
    padded_tokens: usize,
    padding_overhead: f64,
    seconds: f64,
    /// CPU seconds (all threads) of the fastest pass.
    cpu_seconds: f64,
    paragraphs_per_s: f64,
    tokens_per_s: f64,
    peak_rss_mb: f64,
    /// Cosine of each row to the fp32 row (mean, min), when fp32 ran too.
    cosine_mean: Option<f64>,
    cosine_min: Option<f64>,
}

pub fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    let b = match cmd {
        BenchCommand::Encode(b) => b,
        BenchCommand::Corpus(c) => return corpus(c),
    };
    let exe = std::env::current_exe()?;
    let tmp = tempfile::tempdir()?;
    // Configurations: each precision, int8 once per scheme.
    let mut configs: Vec<(String, Option<Int8Scheme>)> = Vec::new();
    for precision in &b.precision {
        let p = format!("{precision:?}").to_lowercase();
        if *precision == PrecisionChoice::Int8 && !b.int8_scheme.is_empty() {
            configs.extend(b.int8_scheme.iter().map(|s| (p.clone(), Some(*s))));
        } else {
            configs.push((p, None));
        }
    }
    let mut rows = Vec::new();
    for input in &b.input {
        let mut best: Vec<Option<EmbedStats>> = vec![None; configs.len()];
        for _ in 0..b.repeat.max(1) {
            for (c, (p, scheme)) in configs.iter().enumerate() {
                let stats_path = tmp.path().join("stats.json");
                let mut cmd = Command::new(&exe);
                cmd.arg("embed").arg(input).arg("--out").arg(tmp.path().join(format!("emb{c}.npy")));
                cmd.args(["--precision", p, "--quiet", "--stats"]).arg(&stats_path);
                cmd.args(["--device", &b.device]);
                if let Some(s) = scheme {
                    cmd.args(["--int8-scheme", s.as_str(), "--ignore-int8-gate"]);
                }
                if b.truncate {
                    cmd.arg("--truncate");
                }
                if let Some(t) = b.threads {
                    cmd.args(["--threads", &t.to_string()]);
                }
                if let Some(m) = &b.model {
                    cmd.args(["--model", m]);
                }
                let status = cmd.status().context("running framelens embed")?;
                if !status.success() {
                    bail!("framelens embed failed on {} ({p})", input.display());
                }
                let s: EmbedStats = serde_json::from_slice(&std::fs::read(&stats_path)?)?;
                if best[c].as_ref().is_none_or(|b| s.encode_secs < b.encode_secs) {
                    best[c] = Some(s);
                }
            }
        }
        let read = |c: usize| -> anyhow::Result<ndarray::Array2<f32>> {
            let path = tmp.path().join(format!("emb{c}.npy"));
            let f = std::fs::File::open(&path).with_context(|| format!("reading {}", path.display()))?;
            Ok(ndarray_npy::ReadNpyExt::read_npy(f)?)
        };
        let fp32 = match configs.iter().position(|(p, _)| p == "fp32") {
            Some(c) => Some(read(c)?),
            None => None,
        };
        for (c, s) in best.into_iter().enumerate() {
            let s = s.context("no run")?;
            let (cosine_mean, cosine_min) = match &fp32 {
                Some(reference) => {
                    let (mean, min) = framelens::quantize::cosines(reference, &read(c)?);
                    (Some(mean), Some(min))
                }
                None => (None, None),
            };
            rows.push(Row {
                input: input.display().to_string(),
                precision: s.precision.clone(),
                rows: s.rows,
                tokens: s.tokens,
                padded_tokens: s.padded_tokens,
                padding_overhead: s.padded_tokens as f64 / s.tokens.max(1) as f64 - 1.0,
                seconds: s.encode_secs,
                cpu_seconds: s.encode_cpu_secs,
                paragraphs_per_s: s.rows as f64 / s.encode_secs,
                tokens_per_s: s.tokens as f64 / s.encode_secs,
                peak_rss_mb: s.peak_rss_mb,
                cosine_mean,
                cosine_min,
            });
        }
    }
    println!(
        "| input | precision | paragraphs | tokens | padding | seconds | CPU s | paragraphs/s | tokens/s | \
         peak RSS MB | cosine to fp32 (mean / min) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {:.1}% | {:.2} | {:.2} | {:.1} | {:.0} | {:.0} | {} |",
            r.input,
            r.precision,
            r.rows,
            r.tokens,
            r.padding_overhead * 100.0,
            r.seconds,
            r.cpu_seconds,
            r.paragraphs_per_s,
            r.tokens_per_s,
            r.peak_rss_mb,
            match (r.cosine_mean, r.cosine_min) {
                (Some(m), Some(n)) => format!("{m:.5} / {n:.5}"),
                _ => "—".into(),
            }
        );
    }
    if let Some(path) = &b.json {
        framelens::atomic::write_atomic(path, &serde_json::to_vec_pretty(&rows)?)?;
    }
    Ok(())
}
