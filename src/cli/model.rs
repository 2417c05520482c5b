//! `framelens model import|show`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use framelens::encode::{import::import, resolve_model, runtime::framelens_home};

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
    },
    /// Print the manifest of the model that --model (or the default) resolves to.
    Show {
        #[arg(long)]
        model: Option<String>,
    },
}

pub fn run(cmd: ModelCommand) -> anyhow::Result<()> {
    match cmd {
        ModelCommand::Import { dir, out } => {
            let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into());
            let out = out.unwrap_or_else(|| framelens_home().join("models").join(&name));
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
            Ok(())
        }
        ModelCommand::Show { model } => {
            let m = resolve_model(model.as_deref())?;
            println!("# {}", m.dir.display());
            print!("{}", toml::to_string_pretty(&m.manifest)?);
            Ok(())
        }
    }
}
