//! Finding and loading ONNX Runtime, and choosing the precision it runs in.
//!
//! The runtime is loaded at run time (`ort`'s `load-dynamic`) from the `onnxruntime-openvino` wheel's
//! libraries, which `scripts/setup.sh` unpacks into `$FRAMELENS_HOME/runtime`: one runtime that carries both
//! the CPU execution provider (fp32) and the OpenVINO execution provider (bf16). Nothing is downloaded at
//! build time, so framelens builds offline.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::environment::Environment;

use super::error::{EncodeError, Result};

/// File name of the runtime inside `$FRAMELENS_HOME/runtime`.
pub const RUNTIME_LIB: &str = "libonnxruntime.so.1.24.1";

/// framelens' cache root: `$FRAMELENS_HOME`, else `~/.cache/framelens`.
pub fn framelens_home() -> PathBuf {
    if let Some(h) = std::env::var_os("FRAMELENS_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(h);
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    home.join(".cache").join("framelens")
}

/// Where the runtime library is expected: `ORT_DYLIB_PATH` wins, then the cache.
pub fn runtime_path() -> PathBuf {
    match std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => framelens_home().join("runtime").join(RUNTIME_LIB),
    }
}

static ENVIRONMENT: OnceLock<std::result::Result<Environment, String>> = OnceLock::new();

/// The process-wide ONNX Runtime environment. ONNX Runtime allows one per process, so it is created once
/// and shared by every session (encoder sessions in tests run in one process, too).
pub fn environment() -> Result<&'static Environment> {
    let env = ENVIRONMENT.get_or_init(|| {
        let path = runtime_path();
        if !path.exists() {
            return Err(EncodeError::RuntimeMissing { path }.to_string());
        }
        let builder = ort::init_from(&path).map_err(|e| format!("loading {}: {e}", path.display()))?;
        builder
            .with_name("framelens")
            .build()
            .map_err(|e| format!("creating the environment from {}: {e}", path.display()))
    });
    env.as_ref().map_err(|m| EncodeError::Runtime(m.clone()))
}

/// Numeric precision of the encoder, and thereby its execution provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// CPU execution provider, float32: exact (bit-identical to itself, cosine 1.0 to sentence-transformers).
    Fp32,
    /// OpenVINO execution provider with bf16 inference precision: about twice fp32's speed where the CPU has
    /// bf16 units, cosine ≥ 0.99998 to fp32.
    Bf16,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Fp32 => "fp32",
            Precision::Bf16 => "bf16",
        }
    }
}

/// What the user asked for; `Auto` is resolved against the CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PrecisionChoice {
    #[default]
    Auto,
    Fp32,
    Bf16,
}

/// The precision that will run and the reason, recorded in manifests and printed by `--verbose`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ResolvedPrecision {
    pub precision: Precision,
    pub reason: String,
}

impl PrecisionChoice {
    pub fn resolve(self) -> ResolvedPrecision {
        self.resolve_with(&cpu_flags())
    }

    /// Resolution against an explicit flag list (testable without the machine's `/proc/cpuinfo`).
    pub fn resolve_with(self, flags: &[String]) -> ResolvedPrecision {
        match self {
            PrecisionChoice::Fp32 => ResolvedPrecision { precision: Precision::Fp32, reason: "requested".into() },
            PrecisionChoice::Bf16 => ResolvedPrecision { precision: Precision::Bf16, reason: "requested".into() },
            PrecisionChoice::Auto => {
                let bf16 = flags.iter().find(|f| *f == "avx512_bf16" || *f == "amx_bf16");
                match bf16 {
                    Some(f) => ResolvedPrecision {
                        precision: Precision::Bf16,
                        reason: format!("auto: the CPU has bf16 units ({f})"),
                    },
                    None => ResolvedPrecision {
                        precision: Precision::Fp32,
                        reason: "auto: the CPU has no bf16 units (no avx512_bf16 or amx_bf16 flag)".into(),
                    },
                }
            }
        }
    }
}

/// CPU feature flags from `/proc/cpuinfo` (empty where it does not exist, which means fp32).
pub fn cpu_flags() -> Vec<String> {
    cpu_flags_from(Path::new("/proc/cpuinfo"))
}

fn cpu_flags_from(path: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .find(|l| l.starts_with("flags"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, f)| f.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_picks_bf16_only_with_bf16_units() {
        let with = vec!["avx2".to_string(), "avx512_bf16".to_string()];
        let without = vec!["avx2".to_string(), "avx512f".to_string()];
        assert_eq!(PrecisionChoice::Auto.resolve_with(&with).precision, Precision::Bf16);
        assert_eq!(PrecisionChoice::Auto.resolve_with(&without).precision, Precision::Fp32);
        assert_eq!(PrecisionChoice::Fp32.resolve_with(&with).precision, Precision::Fp32);
        assert!(PrecisionChoice::Auto.resolve_with(&with).reason.contains("avx512_bf16"));
    }
}
