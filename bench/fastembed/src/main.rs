//! fastembed-bench: the fastembed-rs peer of framelens' encoder benchmark (bench/README.md).
//!
//! Embeds FILE (one paragraph per line, as `framelens embed`) with fastembed-rs' user-defined model path:
//! framelens' own all-MiniLM-L6-v2 graph (`model.onnx`) and tokenizer, CPU provider, fp32, max length 256
//! (truncated, as sentence-transformers), `--threads` intra-op threads, L2-normalised output. Warms up on
//! 64 rows, then times `TextEmbedding::embed(all rows, Some(batch))` (fastest of `--repeat`) and prints one
//! JSON line with the keys of `framelens bench encode --json` where they apply.
//!
//! framelens' graph already ends in mean pooling (output `sentence_embedding`, `[batch, 384]`). fastembed's
//! `Pooling::Mean` passes a 2-D output through unchanged ("pooling is already done within the model",
//! fastembed 7.7.0 src/pooling.rs) and then L2-normalises each row, so `Pooling::Mean` on this graph is
//! exactly "pooled in the graph, normalised by fastembed".

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use fastembed::{InitOptionsUserDefined, Pooling, TextEmbedding, TokenizerFiles, UserDefinedEmbeddingModel};

const FASTEMBED_VERSION: &str = "7.7.0"; // pinned `=7.7.0` in Cargo.toml
const ORT_CRATE_VERSION: &str = "2.0.0-rc.15"; // the `ort` fastembed 7.7.0 pins
const MAX_LENGTH: usize = 256;
const WARMUP_ROWS: usize = 64;

const USAGE: &str = "usage: fastembed-bench FILE [--batch 32] [--threads 2] [--repeat 1] [--out X.npy] \
[--model-dir DIR] [--hf-dir DIR] [--compare REF.npy] [--no-spin]

  FILE         one paragraph per line (empty lines are an error, as in `framelens embed`)
  --model-dir  framelens model folder with model.onnx and tokenizer.json
               (default $FRAMELENS_HOME/models/all-MiniLM-L6-v2, FRAMELENS_HOME default ~/.cache/framelens)
  --hf-dir     Hugging Face folder for the tokenizer files fastembed needs and the model folder lacks
               (config.json, special_tokens_map.json, tokenizer_config.json;
               default $FRAMELENS_HOME/hf/all-MiniLM-L6-v2)
  --compare    float32 .npy of the same rows (e.g. `framelens embed FILE --truncate --precision fp32`):
               adds cosine_mean / cosine_min of each row against it to the JSON line
  --no-spin    idle intra-op threads sleep instead of spinning (session.intra_op.allow_spinning=0, set
               through fastembed's `with_session_config`; framelens' own session does this). Default: ONNX
               Runtime's default (spinning), which is what a fastembed user gets
  ONNX Runtime: $ORT_DYLIB_PATH, else $FRAMELENS_HOME/runtime/libonnxruntime.so.1.24.1";

struct Args {
    input: PathBuf,
    batch: usize,
    threads: usize,
    repeat: usize,
    out: Option<PathBuf>,
    model_dir: PathBuf,
    hf_dir: PathBuf,
    compare: Option<PathBuf>,
    no_spin: bool,
}

fn framelens_home() -> PathBuf {
    match std::env::var_os("FRAMELENS_HOME") {
        Some(h) if !h.is_empty() => PathBuf::from(h),
        _ => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/framelens"),
    }
}

fn parse_args() -> Result<Args, String> {
    let home = framelens_home();
    let mut a = Args {
        input: PathBuf::new(),
        batch: 32,
        threads: 2,
        repeat: 1,
        out: None,
        model_dir: home.join("models/all-MiniLM-L6-v2"),
        hf_dir: home.join("hf/all-MiniLM-L6-v2"),
        compare: None,
        no_spin: false,
    };
    let mut input = None;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        let num = |name: &str, v: String| -> Result<usize, String> {
            v.parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("{name}: expected a positive integer, got {v:?}"))
        };
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            "--batch" => a.batch = num("--batch", value("--batch")?)?,
            "--threads" => a.threads = num("--threads", value("--threads")?)?,
            "--repeat" => a.repeat = num("--repeat", value("--repeat")?)?,
            "--out" => a.out = Some(value("--out")?.into()),
            "--model-dir" => a.model_dir = value("--model-dir")?.into(),
            "--hf-dir" => a.hf_dir = value("--hf-dir")?.into(),
            "--no-spin" => a.no_spin = true,
            "--compare" => a.compare = Some(value("--compare")?.into()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            _ if input.is_some() => return Err(format!("unexpected argument {arg}")),
            _ => input = Some(PathBuf::from(arg)),
        }
    }
    a.input = input.ok_or("missing FILE")?;
    Ok(a)
}

/// Lines of FILE as `framelens embed` reads a text file: UTF-8, BOM stripped, `str::lines` (so `\r\n` too),
/// an empty line is an error.
fn read_rows(path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            return Err(format!("{}:{}: empty line (one paragraph per line expected)", path.display(), i + 1));
        }
        rows.push(line.to_string());
    }
    if rows.is_empty() {
        return Err(format!("{}: no paragraphs", path.display()));
    }
    Ok(rows)
}

/// `name` from the model folder, else from the Hugging Face folder.
fn read_file(a: &Args, name: &str) -> Result<(Vec<u8>, PathBuf), String> {
    for dir in [&a.model_dir, &a.hf_dir] {
        let p = dir.join(name);
        if p.is_file() {
            return std::fs::read(&p).map(|b| (b, p.clone())).map_err(|e| format!("{}: {e}", p.display()));
        }
    }
    Err(format!("{name}: in neither {} nor {}", a.model_dir.display(), a.hf_dir.display()))
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// User + system CPU seconds of this process (all threads).
fn cpu_seconds() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// float32 .npy (format 1.0), C order, `rows × dim`.
fn write_npy(path: &Path, emb: &[Vec<f32>]) -> std::io::Result<()> {
    let dim = emb.first().map_or(0, Vec::len);
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", emb.len(), dim);
    // magic (6) + version (2) + header length (2) + header + '\n', a multiple of 64
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    f.write_all(b"\x93NUMPY\x01\x00")?;
    f.write_all(&(header.len() as u16).to_le_bytes())?;
    f.write_all(header.as_bytes())?;
    for row in emb {
        assert_eq!(row.len(), dim, "ragged embeddings");
        for v in row {
            f.write_all(&v.to_le_bytes())?;
        }
    }
    f.flush()
}

/// A float32 (`<f4`), C-order, 2-D .npy (format 1.x or 2.x) as rows.
fn read_npy(path: &Path) -> Result<Vec<Vec<f32>>, String> {
    let err = |m: &str| format!("{}: {m}", path.display());
    let b = std::fs::read(path).map_err(|e| err(&e.to_string()))?;
    if b.len() < 10 || &b[..6] != b"\x93NUMPY" {
        return Err(err("not a .npy file"));
    }
    let (hlen, start) = match b[6] {
        1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10),
        _ if b.len() >= 12 => (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12),
        _ => return Err(err("truncated header")),
    };
    let header = std::str::from_utf8(b.get(start..start + hlen).ok_or_else(|| err("truncated header"))?)
        .map_err(|_| err("header is not UTF-8"))?;
    if !header.contains("'<f4'") || header.contains("'fortran_order': True") {
        return Err(err("expected float32 (<f4), C order"));
    }
    let shape = header.split("'shape': (").nth(1).and_then(|s| s.split(')').next()).ok_or_else(|| err("no shape"))?;
    let dims: Vec<usize> =
        shape.split(',').filter(|s| !s.trim().is_empty()).map(|s| s.trim().parse().unwrap_or(0)).collect();
    let [rows, dim] = dims[..] else { return Err(err("expected a 2-D array")) };
    let data = &b[start + hlen..];
    if data.len() != rows * dim * 4 {
        return Err(err("data size does not match the shape"));
    }
    let vals: Vec<f32> = data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    Ok(vals.chunks(dim.max(1)).take(rows).map(<[f32]>::to_vec).collect())
}

/// Cosine of each row of `a` to the same row of `b`: (mean, min).
fn cosines(a: &[Vec<f32>], b: &[Vec<f32>]) -> (f64, f64) {
    let c: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(x, y)| {
            let dot: f64 = x.iter().zip(y).map(|(p, q)| *p as f64 * *q as f64).sum();
            let n = |v: &[f32]| v.iter().map(|p| (*p as f64).powi(2)).sum::<f64>().sqrt();
            dot / (n(x) * n(y)).max(1e-30)
        })
        .collect();
    (c.iter().sum::<f64>() / c.len() as f64, c.iter().copied().fold(f64::INFINITY, f64::min))
}

fn round(x: f64, digits: i32) -> f64 {
    let m = 10f64.powi(digits);
    (x * m).round() / m
}

fn run(a: Args) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let rows = read_rows(&a.input)?;

    // ONNX Runtime: framelens' runtime, loaded by path (ort's `load-dynamic`: `init_from` loads it now;
    // without it ort would dlopen $ORT_DYLIB_PATH or `libonnxruntime.so` at the first API call).
    let dylib = match std::env::var_os("ORT_DYLIB_PATH") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => framelens_home().join("runtime/libonnxruntime.so.1.24.1"),
    };
    let env = ort::init_from(&dylib)
        .map_err(|e| format!("loading ONNX Runtime from {}: {e}", dylib.display()))?
        .with_name("fastembed-bench")
        .build()?;
    let ort_build = ort::info().to_string();
    let onnxruntime = ort_build
        .split([',', ' '])
        .find_map(|s| s.strip_prefix("git-branch=rel-"))
        .map(str::to_string)
        .unwrap_or_else(|| ort_build.clone());

    let (onnx, onnx_path) = read_file(&a, "model.onnx")?;
    let (tokenizer_json, tokenizer_path) = read_file(&a, "tokenizer.json")?;
    let tokenizer_files = TokenizerFiles {
        tokenizer_file: tokenizer_json.clone(),
        config_file: read_file(&a, "config.json")?.0,
        special_tokens_map_file: read_file(&a, "special_tokens_map.json")?.0,
        tokenizer_config_file: read_file(&a, "tokenizer_config.json")?.0,
    };
    // Pooling::Mean: a no-op on framelens' already pooled [batch, 384] output (see the module docs); it is
    // also what fastembed itself uses for AllMiniLML6V2. Output is L2-normalised by fastembed's `embed`.
    let model = UserDefinedEmbeddingModel::new(onnx, tokenizer_files).with_pooling(Pooling::Mean);
    // CPU only: no execution providers registered (fastembed's default, the CPU provider with ORT's
    // default arena) and no automatic device selection (ort's own default policy is MaxEfficiency).
    let mut options = InitOptionsUserDefined::new()
        .with_environment(env)
        .with_max_length(MAX_LENGTH)
        .with_intra_threads(a.threads)
        .with_auto_device(fastembed::AutoDevicePolicy::PreferCPU);
    if a.no_spin {
        options = options.with_session_config("session.intra_op.allow_spinning", "0");
    }

    let t0 = Instant::now();
    let mut embedder = TextEmbedding::try_new_from_user_defined(model, options)?;
    let load_seconds = t0.elapsed().as_secs_f64();

    // Token counts, before timing, with the same tokenizer.json: truncated at 256 incl. special tokens,
    // unpadded (tokens) and padded as fastembed batches (consecutive chunks of `batch`, input order, each
    // padded to its longest row).
    let mut counter = tokenizers::Tokenizer::from_bytes(&tokenizer_json)?;
    counter
        .with_truncation(Some(tokenizers::TruncationParams { max_length: MAX_LENGTH, ..Default::default() }))?
        .with_padding(None);
    let lens: Vec<usize> = counter
        .encode_batch(rows.iter().map(String::as_str).collect::<Vec<_>>(), true)?
        .iter()
        .map(|e| e.len())
        .collect();
    let tokens: usize = lens.iter().sum();
    let padded_tokens: usize = lens.chunks(a.batch).map(|c| c.iter().max().unwrap() * c.len()).sum();

    embedder.embed(&rows[..rows.len().min(WARMUP_ROWS)], Some(a.batch))?;

    let mut best: Option<(f64, f64, Vec<Vec<f32>>)> = None;
    for _ in 0..a.repeat {
        let (c0, t0) = (cpu_seconds(), Instant::now());
        let emb = embedder.embed(&rows, Some(a.batch))?;
        let (secs, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
        if best.as_ref().is_none_or(|b| secs < b.0) {
            best = Some((secs, cpu, emb));
        }
    }
    let (seconds, cpu, emb) = best.expect("repeat >= 1");
    assert_eq!(emb.len(), rows.len());

    if let Some(out) = &a.out {
        write_npy(out, &emb).map_err(|e| format!("{}: {e}", out.display()))?;
    }

    let cosine = match &a.compare {
        None => None,
        Some(p) => {
            let r = read_npy(p)?;
            if r.len() != emb.len() || r.first().map(Vec::len) != emb.first().map(Vec::len) {
                return Err(format!(
                    "{}: {} rows, expected {} rows of {}",
                    p.display(),
                    r.len(),
                    emb.len(),
                    emb[0].len()
                )
                .into());
            }
            Some(cosines(&emb, &r))
        }
    };

    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()).display().to_string();
    let mut rec = serde_json::json!({
        "system": format!("fastembed-rs {FASTEMBED_VERSION}"),
        "input": abs(&a.input),
        "precision": "fp32",
        "rows": rows.len(),
        "tokens": tokens,
        "padded_tokens": padded_tokens,
        "padding_overhead": round(padded_tokens as f64 / tokens as f64 - 1.0, 4),
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "paragraphs_per_s": round(rows.len() as f64 / seconds, 2),
        "tokens_per_s": round(tokens as f64 / seconds, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "load_seconds": round(load_seconds, 3),
        "repeat": a.repeat,
        "threads": a.threads,
        "intra_op_spinning": !a.no_spin,
        "batch_size": a.batch,
        "max_seq_length": MAX_LENGTH,
        "dim": emb.first().map_or(0, Vec::len),
        "fastembed": FASTEMBED_VERSION,
        "ort": ORT_CRATE_VERSION,
        "onnxruntime": onnxruntime,
        "onnxruntime_dylib": abs(&dylib),
        "model": abs(&onnx_path),
        "tokenizer": abs(&tokenizer_path),
    });
    if let (Some((mean, min)), Some(p)) = (cosine, &a.compare) {
        rec["cosine_mean"] = round(mean, 7).into();
        rec["cosine_min"] = round(min, 7).into();
        rec["compare"] = abs(p).into();
    }
    println!("{rec}");
    Ok(())
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fastembed-bench: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(args) {
        eprintln!("fastembed-bench: {e}");
        std::process::exit(1);
    }
}
