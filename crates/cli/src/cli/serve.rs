//! `framelens serve RUN_DIR`: the local web workbench (crates/serve). This module parses the flags, exports
//! or imports codes without a browser, and hands the workbench the `train` and `run --head` commands it
//! runs for "Train and relabel" (this binary, so the round uses the same framelens as the run).

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use framelens_serve::codes::CodeStore;
use framelens_serve::run_data::RunData;
use framelens_serve::{sheet, Relabel, ServeOptions};

#[derive(Args)]
pub struct ServeArgs {
    /// A finished run's output folder. Codes are kept in `workbench/codes.sqlite` inside it.
    pub run_dir: PathBuf,
    /// The codebook to show coders (default: the one the run's manifest names, if it is still there).
    #[arg(long)]
    pub codebook: Option<PathBuf>,
    /// Port to listen on (0: any free port).
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// Address to listen on. Anything but a loopback address lets other machines reach the workbench
    /// (the session token still guards it, over plain HTTP).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Write this coder's codes as a coding sheet (the CSV `train --data` and `eval --gold` read) to --out,
    /// and exit.
    #[arg(long, value_name = "CODER", requires = "out", conflicts_with = "import")]
    pub export: Option<String>,
    /// Store the codes of a coding sheet coded elsewhere as --coder's, and exit.
    #[arg(long, value_name = "FILE", requires = "coder")]
    pub import: Option<PathBuf>,
    /// The coder --import stores codes for.
    #[arg(long)]
    pub coder: Option<String>,
    /// Where --export writes.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(a: ServeArgs) -> anyhow::Result<()> {
    if let (Some(coder), Some(out)) = (&a.export, &a.out) {
        let run = RunData::load(&a.run_dir, a.codebook.as_deref())?;
        let store = CodeStore::open(&CodeStore::path_in(&a.run_dir))?;
        let rows = sheet::export_rows(&run, &store.coder(coder)?);
        framelens::sample::write_coded(out, &rows)?;
        eprintln!("wrote {} coded paragraphs of {coder} to {}", rows.len(), out.display());
        return Ok(());
    }
    if let (Some(file), Some(coder)) = (&a.import, &a.coder) {
        let run = RunData::load(&a.run_dir, a.codebook.as_deref())?;
        let mut store = CodeStore::open(&CodeStore::path_in(&a.run_dir))?;
        let n = sheet::import(&run, &mut store, coder, file)?;
        eprintln!("imported codes of {} paragraphs as {coder}", n.rows);
        return Ok(());
    }
    if !a.host.is_loopback() {
        eprintln!(
            "warning: listening on {}: other machines can reach the workbench over plain HTTP; the token in the \
             URL is all that guards it",
            a.host
        );
    }
    let exe = std::env::current_exe().context("cannot find the framelens binary to train with")?;
    let opts = ServeOptions {
        run_dir: a.run_dir.clone(),
        codebook: a.codebook.clone(),
        host: a.host,
        port: a.port,
        relabel: Some(Arc::new(Rounds { exe, codebook: a.codebook })),
    };
    framelens_serve::serve(opts, |url| {
        // The URL is the only way in: print it on stdout (scripts read it) and say what it is on stderr.
        println!("{url}");
        eprintln!("framelens workbench for {} — open the URL above; Ctrl-C stops it", a.run_dir.display());
    })?;
    Ok(())
}

/// Training rounds as this binary's `train` and `run --head`, with the run's own model, precision, corpus
/// and reading options from its manifest.
struct Rounds {
    exe: PathBuf,
    codebook: Option<PathBuf>,
}

impl Relabel for Rounds {
    fn steps(&self, run: &RunData, coded: &Path, head: &Path, out: &Path) -> Result<Vec<(String, Command)>, String> {
        let m = &run.manifest;
        let codebook = self
            .codebook
            .clone()
            .or_else(|| run.codebook.as_ref().map(|c| c.path().to_path_buf()))
            .ok_or("the run's codebook is not where its manifest says; start the workbench with --codebook")?;
        let corpus = m["corpus"].as_str().map(PathBuf::from).ok_or("the manifest names no corpus")?;
        if !corpus.exists() {
            return Err(format!(
                "the run's corpus `{}` is not there (paths in the manifest are relative to where `run` was started)",
                corpus.display()
            ));
        }
        let source = m["model"]["source"].as_str().filter(|s| Path::new(s).exists());
        let model = source.or_else(|| m["model"]["id"].as_str()).ok_or("the manifest names no model")?;
        let precision = m["options"]["encode"]["precision"].as_str().unwrap_or("auto");
        let encoder = ["--model", model, "--precision", precision];
        let mut train = Command::new(&self.exe);
        train.arg("train").arg("--codebook").arg(&codebook).arg("--data").arg(coded).arg("--out").arg(head);
        train.arg("--report").arg(head.with_extension("md")).args(encoder);
        let mut relabel = Command::new(&self.exe);
        relabel.arg("run").arg(&corpus).arg("--codebook").arg(&codebook).arg("--head").arg(head).arg("--out").arg(out);
        relabel.args(encoder);
        if let Some(format) = m["options"]["format"].as_str() {
            relabel.args(["--format", format]);
        }
        for field in ["id", "text", "outlet", "date", "title"] {
            if let Some(v) = m["options"]["fields"][field].as_str() {
                relabel.arg(format!("--{field}-field")).arg(v);
            }
        }
        if m["options"]["scores"].as_bool() == Some(true) {
            relabel.arg("--scores");
        }
        Ok(vec![("train a head on the codes".into(), train), ("relabel the run with it".into(), relabel)])
    }
}
