//! `framelens embed INPUT --out emb.npy`: paragraphs to a float32 matrix (rows in input order) plus an
//! ids file beside it, for users who want embeddings for their own analysis.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Args;
use framelens::encode::{resolve_model, Encoder};

use super::progress::Progress;
use super::EncoderArgs;

#[derive(Args)]
pub struct EmbedArgs {
    /// Text file with one paragraph per line, or JSON Lines (.jsonl) with `id` and `text`.
    pub input: PathBuf,
    /// Output .npy file (float32, rows in input order); ids go to the same name with .ids.txt.
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub encoder: EncoderArgs,
    /// Say which precision ran and why, and the work counters.
    #[arg(long, short)]
    pub verbose: bool,
    #[arg(long, short)]
    pub quiet: bool,
    /// Write timings, work counters and peak memory as JSON (used by `framelens bench encode`).
    #[arg(long)]
    pub stats: Option<PathBuf>,
}

/// What one `embed` run measured; `bench encode` collects these from child processes, so each
/// configuration's peak RSS is its own.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone)]
pub struct EmbedStats {
    pub input: String,
    pub precision: String,
    pub rows: usize,
    pub tokens: usize,
    pub padded_tokens: usize,
    pub load_secs: f64,
    pub encode_secs: f64,
    /// CPU seconds (user + system, all threads) spent encoding.
    #[serde(default)]
    pub encode_cpu_secs: f64,
    pub peak_rss_mb: f64,
}

/// Reads the input rows; every problem names the file and line.
fn read_rows(path: &Path) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => {
            let off = e.valid_up_to();
            let line = bytes[..off].iter().filter(|&&b| b == b'\n').count() + 1;
            bail!("{}: invalid UTF-8 at byte offset {off} (line {line})", path.display());
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let jsonl = path.extension().is_some_and(|e| e == "jsonl" || e == "ndjson");
    let (mut ids, mut texts) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if jsonl {
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value =
                serde_json::from_str(line).with_context(|| format!("{}:{n}: malformed JSON", path.display()))?;
            let t = v.get("text").and_then(|t| t.as_str()).unwrap_or("");
            if t.trim().is_empty() {
                bail!("{}:{n}: missing or empty `text`", path.display());
            }
            let id = match v.get("id") {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(x) if !x.is_null() => x.to_string(),
                _ => n.to_string(),
            };
            ids.push(id);
            texts.push(t.to_string());
        } else {
            if line.trim().is_empty() {
                bail!("{}:{n}: empty line (one paragraph per line expected)", path.display());
            }
            ids.push(n.to_string());
            texts.push(line.to_string());
        }
    }
    if texts.is_empty() {
        bail!("{}: no paragraphs", path.display());
    }
    Ok((ids, texts))
}

pub fn run(a: EmbedArgs) -> anyhow::Result<()> {
    let (ids, texts) = read_rows(&a.input)?;
    let model = resolve_model(a.encoder.model.as_deref())?;
    let t0 = std::time::Instant::now();
    let mut encoder = Encoder::open(&model, a.encoder.options())?;
    if let Some(w) = &encoder.precision().warning {
        eprintln!("warning: {w}");
    }
    if a.verbose {
        let p = encoder.precision();
        eprintln!(
            "model {} · precision {} ({}) · {} threads",
            model.manifest.id,
            p.label(),
            p.reason,
            encoder.options().threads
        );
    }
    let load_secs = t0.elapsed().as_secs_f64();
    let t1 = std::time::Instant::now();
    let cpu0 = framelens::memory::cpu_secs();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let mut bar = Progress::new(refs.len() as u64, "paragraphs", a.quiet);
    let enc = encoder
        .encode(&refs, &mut |n| bar.inc(n as u64))
        .with_context(|| format!("embedding {}", a.input.display()))?;
    bar.finish();
    let encode_secs = t1.elapsed().as_secs_f64();
    let encode_cpu_secs = framelens::memory::cpu_secs() - cpu0;

    let out = a.out.clone();
    framelens::atomic::write_atomic_with(&out, |w| {
        ndarray_npy::WriteNpyExt::write_npy(&enc.vectors, w).map_err(std::io::Error::other)
    })
    .with_context(|| format!("writing {}", out.display()))?;
    let ids_path = ids_path(&out);
    let mut body = ids.join("\n");
    body.push('\n');
    framelens::atomic::write_atomic(&ids_path, body.as_bytes())
        .with_context(|| format!("writing {}", ids_path.display()))?;
    if let Some(path) = &a.stats {
        let stats = EmbedStats {
            input: a.input.display().to_string(),
            precision: encoder.precision().label(),
            rows: enc.stats.inputs,
            tokens: enc.stats.tokens,
            padded_tokens: enc.stats.padded_tokens,
            load_secs,
            encode_secs,
            encode_cpu_secs,
            peak_rss_mb: framelens::memory::peak_rss_mb(),
        };
        framelens::atomic::write_atomic(path, &serde_json::to_vec_pretty(&stats)?)?;
    }
    let secs = t0.elapsed().as_secs_f64();
    if !a.quiet {
        let s = &enc.stats;
        eprintln!(
            "embedded {} paragraphs ({} windows, {} tokens) in {:.1}s: {:.1} paragraphs/s; wrote {} and {}",
            s.inputs,
            s.windows,
            s.tokens,
            secs,
            s.inputs as f64 / secs,
            out.display(),
            ids_path.display()
        );
    }
    Ok(())
}

fn ids_path(out: &Path) -> PathBuf {
    out.with_extension("ids.txt")
}
