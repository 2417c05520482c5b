//! Finding and loading ONNX Runtime, and choosing the precision it runs in.
//!
//! The runtime is loaded at run time (`ort`'s `load-dynamic`) from the `onnxruntime-openvino` wheel's
//! libraries, which `scripts/setup.sh` unpacks into `$FRAMELENS_HOME/runtime`: one runtime that carries both
//! the CPU execution provider (fp32) and the OpenVINO execution provider (bf16). Nothing is downloaded at
//! build time, so framelens builds offline.

use std::path::{Path, PathBuf};
#[cfg(feature = "runtime")]
use std::sync::OnceLock;

#[cfg(feature = "runtime")]
use ort::environment::Environment;

use super::device::Device;
use super::error::{EncodeError, Result};
use super::model::{ModelDir, SpeedRecord};
use super::quant::Int8Scheme;

/// File name of the runtime inside `$FRAMELENS_HOME/runtime`, as the platform's wheel names it
/// (`scripts/setup.sh` picks the wheel).
#[cfg(not(target_os = "macos"))]
pub const RUNTIME_LIB: &str = "libonnxruntime.so.1.24.1";
/// File name of the runtime inside `$FRAMELENS_HOME/runtime`, as the macOS wheel names it.
#[cfg(target_os = "macos")]
pub const RUNTIME_LIB: &str = "libonnxruntime.1.24.1.dylib";

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

#[cfg(feature = "runtime")]
static ENVIRONMENT: OnceLock<(Device, std::result::Result<Environment, String>)> = OnceLock::new();

#[cfg(feature = "runtime")]
/// The process-wide ONNX Runtime environment. ONNX Runtime allows one per process, so it is created once
/// and shared by every session (encoder sessions in tests run in one process, too): the CPU runtime unless
/// a CUDA session came first ([`environment_for`]), whose runtime has the CPU provider too.
pub fn environment() -> Result<&'static Environment> {
    let (_, env) = ENVIRONMENT.get_or_init(|| (Device::Cpu, load(&runtime_path(), Device::Cpu)));
    env.as_ref().map_err(|m| EncodeError::Runtime(m.clone()))
}

#[cfg(feature = "runtime")]
/// The environment of the runtime that runs `device`: the CUDA provider needs ONNX Runtime's GPU build
/// (`$FRAMELENS_HOME/runtime-cuda`), which must be the first runtime this process loads.
pub fn environment_for(device: Device) -> Result<&'static Environment> {
    if device == Device::Cpu {
        return environment();
    }
    let dir = super::device::cuda_runtime_dir();
    let (loaded, env) = ENVIRONMENT.get_or_init(|| {
        let env = super::device::preload_cuda_libraries(&dir)
            .map_err(|e| e.to_string())
            .and_then(|()| load(&dir.join(super::device::CUDA_RUNTIME_LIB), Device::Cuda));
        (Device::Cuda, env)
    });
    if *loaded != device {
        return Err(EncodeError::Runtime(
            "this process already loaded ONNX Runtime's CPU build, and ONNX Runtime allows one runtime per \
             process: choose the device before the first session opens"
                .into(),
        ));
    }
    env.as_ref().map_err(|m| EncodeError::Runtime(m.clone()))
}

#[cfg(feature = "runtime")]
fn load(path: &Path, device: Device) -> std::result::Result<Environment, String> {
    if !path.exists() {
        return Err(match device {
            Device::Cpu => EncodeError::RuntimeMissing { path: path.to_path_buf() }.to_string(),
            Device::Cuda => format!("{} is missing; install it with `scripts/setup.sh gpu`", path.display()),
        });
    }
    let builder = ort::init_from(path).map_err(|e| format!("loading {}: {e}", path.display()))?;
    builder.with_name("framelens").build().map_err(|e| format!("creating the environment from {}: {e}", path.display()))
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
    /// The model's int8 graph (`framelens model quantize`), in one of the [`Int8Scheme`]s.
    Int8,
}

impl Precision {
    /// The lowercase name manifests and `--precision` use (as serde writes it).
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Fp32 => "fp32",
            Precision::Bf16 => "bf16",
            Precision::Int8 => "int8",
        }
    }
}

/// What the user asked for; `Auto` is resolved against the CPU and the model's int8 quality gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PrecisionChoice {
    /// An int8 graph that passed its gate where the CPU has int8 units, else bf16 where it has bf16 units,
    /// else fp32.
    #[default]
    Auto,
    /// Always fp32.
    Fp32,
    /// bf16, or fp32 with a warning on a CPU without bf16 units.
    Bf16,
    /// The model's int8 graph (an error if it has none), or fp32 with a warning where its gate failed or it
    /// needs bf16 units the CPU lacks.
    Int8,
}

impl std::fmt::Display for PrecisionChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PrecisionChoice::Auto => "auto",
            PrecisionChoice::Fp32 => "fp32",
            PrecisionChoice::Bf16 => "bf16",
            PrecisionChoice::Int8 => "int8",
        })
    }
}

/// The precision that will run and the reason, recorded in manifests and printed by `--verbose`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ResolvedPrecision {
    /// What runs, which may differ from what was asked (see `warning`).
    pub precision: Precision,
    /// One sentence on why this precision, for `--verbose` and the run manifest.
    pub reason: String,
    /// The int8 scheme, when `precision` is int8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub int8_scheme: Option<Int8Scheme>,
    /// Set when the request could not be honoured as asked (int8 whose quality gate failed runs fp32):
    /// commands print it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// Where it runs: the CPU, or the GPU (`--device`, [`crate::device`]).
    #[serde(skip_serializing_if = "Device::is_cpu")]
    pub device: Device,
}

impl ResolvedPrecision {
    fn new(precision: Precision, reason: impl Into<String>) -> Self {
        ResolvedPrecision { precision, reason: reason.into(), int8_scheme: None, warning: None, device: Device::Cpu }
    }

    /// fp32 on the GPU's CUDA provider, with a warning when another precision was asked for.
    pub fn cuda(asked: PrecisionChoice) -> Self {
        let warning = matches!(asked, PrecisionChoice::Bf16 | PrecisionChoice::Int8)
            .then(|| format!("--precision {}: the GPU runs fp32 (no {} path on CUDA yet)", asked, asked));
        ResolvedPrecision {
            warning,
            device: Device::Cuda,
            ..Self::new(Precision::Fp32, "the GPU (CUDA provider), fp32")
        }
    }

    /// `fp32`, `bf16`, or `int8-<scheme>`, and `fp32-cuda` on the GPU: what the embedding cache and
    /// benchmark rows key on (the GPU's kernels round differently from the CPU's).
    pub fn label(&self) -> String {
        match (self.int8_scheme, self.device) {
            (_, Device::Cuda) => format!("{}-cuda", self.precision.as_str()),
            (Some(s), _) if self.precision == Precision::Int8 => format!("int8-{s}"),
            _ => self.precision.as_str().to_string(),
        }
    }
}

/// Without a measurement on this CPU (`FRAMELENS_AUTO_MEASURE=0`), whether `auto` prefers an eligible int8
/// graph over bf16 where the CPU has both kinds of units. It does not: int8 ran at 1.28× bf16 on an AMD EPYC
/// but at 0.65× on an Intel Xeon with AMX (MiniLM, 2,000 news paragraphs; issue #19), and 0.37× for
/// multilingual-e5, so only a measurement may trade bf16's fidelity for int8.
pub const AUTO_INT8_OVER_BF16: bool = false;

/// How much faster a less faithful precision must have measured than the most faithful faster one before
/// `auto` runs it (fp32 > bf16 > int8 in fidelity): a gain inside timing noise is not worth the fidelity.
pub const AUTO_MIN_GAIN: f64 = 1.15;

/// CPU flags of int8 dot-product units, which the int8 schemes need to be fast.
const INT8_FLAGS: &[&str] = &["avx512_vnni", "avx_vnni", "amx_int8"];
const BF16_FLAGS: &[&str] = &["avx512_bf16", "amx_bf16"];

impl PrecisionChoice {
    /// Resolves against this machine's CPU and the model's int8 graphs (`scheme`: `--int8-scheme`, None for
    /// the model's default). Fails only for an explicit int8 request on a model without that int8 graph.
    /// `auto` runs the fastest faithful precision measured on this CPU ([`SpeedRecord`]s in the manifest)
    /// when every candidate was measured, else it decides by CPU flags.
    pub fn resolve(self, model: &ModelDir, scheme: Option<Int8Scheme>) -> Result<ResolvedPrecision> {
        self.resolve_with(&cpu_flags(), &model.manifest.speeds_on(&cpu_id()), model, scheme)
    }

    /// Resolution against an explicit flag list and this CPU's speed records (testable without the
    /// machine's `/proc/cpuinfo`).
    pub fn resolve_with(
        self,
        flags: &[String],
        speeds: &[SpeedRecord],
        model: &ModelDir,
        scheme: Option<Int8Scheme>,
    ) -> Result<ResolvedPrecision> {
        let has = |set: &[&str]| flags.iter().find(|f| set.contains(&f.as_str())).cloned();
        let int8 = model.manifest.int8_graph(scheme);
        match self {
            PrecisionChoice::Fp32 => Ok(ResolvedPrecision::new(Precision::Fp32, "requested")),
            PrecisionChoice::Bf16 => Ok(match has(BF16_FLAGS) {
                Some(_) => ResolvedPrecision::new(Precision::Bf16, "requested"),
                // OpenVINO would run the bf16 graph in fp32 here, with kernels whose results moved with the
                // batch (MPNet rows by 4e-8 on an AVX2-only AMD EPYC): no speed to gain and the
                // batch-independence guarantee lost, so the faithful fp32 path runs instead.
                None => {
                    let msg = "bf16 requested, but the CPU has no bf16 units (no avx512_bf16 or amx_bf16 flag); \
                               running fp32 instead";
                    ResolvedPrecision { warning: Some(msg.into()), ..ResolvedPrecision::new(Precision::Fp32, msg) }
                }
            }),
            PrecisionChoice::Int8 => {
                let Some(g) = int8 else {
                    let what = scheme.map(|s| format!("int8 graph of scheme `{s}`")).unwrap_or("int8 graph".into());
                    let with = scheme.map(|s| format!(" --scheme {s}")).unwrap_or_default();
                    return Err(EncodeError::bad(
                        &model.dir,
                        format!(
                            "--precision int8: the model has no {what}; add it with `framelens model quantize {}{with}`",
                            model.dir.display()
                        ),
                    ));
                };
                if let Some(msg) = openvino_without_bf16(g.scheme, &has(BF16_FLAGS)) {
                    return Ok(ResolvedPrecision {
                        warning: Some(msg.clone()),
                        ..ResolvedPrecision::new(Precision::Fp32, msg)
                    });
                }
                match g.gate_failure() {
                    None => Ok(ResolvedPrecision {
                        int8_scheme: Some(g.scheme),
                        ..ResolvedPrecision::new(Precision::Int8, format!("requested (scheme {})", g.scheme))
                    }),
                    Some(why) => {
                        let msg = format!("int8 ({}) failed its quality gate: {why}; running fp32 instead", g.scheme);
                        Ok(ResolvedPrecision {
                            warning: Some(msg.clone()),
                            ..ResolvedPrecision::new(Precision::Fp32, msg)
                        })
                    }
                }
            }
            PrecisionChoice::Auto => {
                let candidates = auto_candidates(flags, model, scheme);
                if let Some(r) = pick_measured(&candidates, speeds, model) {
                    return Ok(r);
                }
                let unmeasured_note = match candidates.len() {
                    0 | 1 => "",
                    _ => "; not measured on this CPU, so chosen by its flags",
                };
                let vnni = has(INT8_FLAGS);
                let bf16 = has(BF16_FLAGS);
                let gated = int8.filter(|_| candidates.iter().any(|c| c.precision == Precision::Int8));
                if let (Some(g), Some(v)) = (gated, &vnni) {
                    if bf16.is_none() || AUTO_INT8_OVER_BF16 {
                        return Ok(ResolvedPrecision {
                            int8_scheme: Some(g.scheme),
                            ..ResolvedPrecision::new(
                                Precision::Int8,
                                format!(
                                    "auto: int8 ({}) passed its quality gate (mean cosine {:.4}, labels {:.1}%) and \
                                     the CPU has int8 units ({v})",
                                    g.scheme,
                                    g.cosine_mean,
                                    g.label_agreement * 100.0
                                ),
                            )
                        });
                    }
                }
                // Say why a model with an int8 graph does not run it (printed by --verbose, kept in manifests).
                let not_int8 = match (int8, &vnni) {
                    (None, _) => String::new(),
                    (Some(g), _) if g.auto_failure().is_some() => {
                        format!("; int8 ({}) not eligible: {}", g.scheme, g.auto_failure().unwrap_or_default())
                    }
                    (Some(g), _) if openvino_without_bf16(g.scheme, &bf16).is_some() => {
                        format!("; int8 ({}) not used: it runs on OpenVINO, which needs bf16 units", g.scheme)
                    }
                    (Some(_), None) => "; int8 not used: the CPU has no int8 dot-product units".into(),
                    (Some(_), Some(_)) => "; int8 not preferred over bf16 on this CPU".into(),
                };
                Ok(match bf16 {
                    Some(f) => ResolvedPrecision::new(
                        Precision::Bf16,
                        format!("auto: the CPU has bf16 units ({f}){not_int8}{unmeasured_note}"),
                    ),
                    None => ResolvedPrecision::new(
                        Precision::Fp32,
                        format!(
                            "auto: the CPU has no bf16 units (no avx512_bf16 or amx_bf16 flag){not_int8}{unmeasured_note}"
                        ),
                    ),
                })
            }
        }
    }
}

/// The precisions `auto` may run on a CPU with these flags, most faithful first: fp32; bf16 where the CPU
/// has bf16 units; the model's int8 graph where it passed its gate and label agreement, the CPU has int8
/// units and, for the OpenVINO schemes, bf16 units. These are what `framelens model speed` measures.
pub fn auto_candidates(flags: &[String], model: &ModelDir, scheme: Option<Int8Scheme>) -> Vec<ResolvedPrecision> {
    let has = |set: &[&str]| flags.iter().find(|f| set.contains(&f.as_str())).cloned();
    let bf16 = has(BF16_FLAGS);
    let mut out = vec![ResolvedPrecision::new(Precision::Fp32, "auto")];
    if bf16.is_some() {
        out.push(ResolvedPrecision::new(Precision::Bf16, "auto"));
    }
    let int8 = model.manifest.int8_graph(scheme).filter(|g| {
        g.auto_failure().is_none() && has(INT8_FLAGS).is_some() && openvino_without_bf16(g.scheme, &bf16).is_none()
    });
    if let Some(g) = int8 {
        out.push(ResolvedPrecision { int8_scheme: Some(g.scheme), ..ResolvedPrecision::new(Precision::Int8, "auto") });
    }
    out
}

/// The sha256 of the graph a precision runs: what a [`SpeedRecord`] must match to count.
pub fn graph_sha256(model: &ModelDir, p: &ResolvedPrecision) -> String {
    match (p.precision, p.int8_scheme) {
        (Precision::Int8, Some(s)) => {
            model.manifest.int8_graph(Some(s)).map(|g| g.graph_sha256.clone()).unwrap_or_default()
        }
        (Precision::Fp32, _) => model.manifest.fp32_graph().1.to_string(),
        _ => model.manifest.graph_sha256.clone(),
    }
}

/// The candidates that have no speed record (for this graph) among `speeds`.
pub fn unmeasured(
    candidates: &[ResolvedPrecision],
    speeds: &[SpeedRecord],
    model: &ModelDir,
) -> Vec<ResolvedPrecision> {
    candidates.iter().filter(|c| find_speed(c, speeds, model).is_none()).cloned().collect()
}

fn find_speed<'a>(c: &ResolvedPrecision, speeds: &'a [SpeedRecord], model: &ModelDir) -> Option<&'a SpeedRecord> {
    let sha = graph_sha256(model, c);
    speeds.iter().rev().find(|r| r.precision == c.label() && r.graph_sha256 == sha)
}

/// `auto`'s choice by measurement: walking from the most faithful candidate, a less faithful one replaces
/// the choice only when it measured at least [`AUTO_MIN_GAIN`] times as fast. None when a candidate has no
/// record (the flag rule decides) or there is nothing to choose between.
fn pick_measured(
    candidates: &[ResolvedPrecision],
    speeds: &[SpeedRecord],
    model: &ModelDir,
) -> Option<ResolvedPrecision> {
    if candidates.len() < 2 {
        return None;
    }
    let measured: Vec<(&ResolvedPrecision, &SpeedRecord)> =
        candidates.iter().map(|c| find_speed(c, speeds, model).map(|r| (c, r))).collect::<Option<_>>()?;
    let mut best = measured[0];
    for m in &measured[1..] {
        if m.1.paragraphs_per_second >= AUTO_MIN_GAIN * best.1.paragraphs_per_second {
            best = *m;
        }
    }
    let figures = measured
        .iter()
        .map(|(c, r)| format!("{} {:.0}/s", c.label(), r.paragraphs_per_second))
        .collect::<Vec<_>>()
        .join(", ");
    Some(ResolvedPrecision {
        reason: format!(
            "auto: fastest measured on this CPU ({figures}; a less faithful precision must be {AUTO_MIN_GAIN}× \
             faster; `framelens model speed` measures again)"
        ),
        ..best.0.clone()
    })
}

/// The CPU a speed record belongs to: `/proc/cpuinfo`'s model name with the bf16 and int8 unit flags it
/// has, since a generic model name (\"Intel(R) Xeon(R) Processor\") covers CPUs with and without AMX.
pub fn cpu_id() -> String {
    let text = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    cpu_id_from(&text)
}

fn cpu_id_from(cpuinfo: &str) -> String {
    let name = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let flags = flags_from(cpuinfo);
    let units: Vec<&str> =
        BF16_FLAGS.iter().chain(INT8_FLAGS).copied().filter(|u| flags.iter().any(|f| f == u)).collect();
    if units.is_empty() {
        name
    } else {
        format!("{name} [{}]", units.join(" "))
    }
}

/// Why an int8 scheme must not run here: the OpenVINO schemes (weight-only, static) compute what is not
/// int8 in bf16, and on a CPU without bf16 units OpenVINO falls back to fp32 kernels whose results moved
/// with the batch (MiniLM weight-only rows on an AVX2-only AMD EPYC), so framelens runs fp32 instead.
fn openvino_without_bf16(scheme: Int8Scheme, bf16: &Option<String>) -> Option<String> {
    (scheme.openvino() && bf16.is_none()).then(|| {
        format!(
            "int8 ({scheme}) runs on the OpenVINO provider, which needs bf16 units (avx512_bf16 or amx_bf16) for \
             batch-independent results; the CPU has none: running fp32 instead"
        )
    })
}

/// The CPU flag of bf16 units, if this machine has them (else `--precision bf16` runs fp32).
pub fn bf16_units() -> Option<String> {
    cpu_flags().into_iter().find(|f| BF16_FLAGS.contains(&f.as_str()))
}

/// The CPU flag of int8 dot-product units, if this machine has them (the int8 schemes' speed and, for the
/// CPU provider's u8×s8 products, their accuracy depend on them).
pub fn int8_units() -> Option<String> {
    cpu_flags().into_iter().find(|f| INT8_FLAGS.contains(&f.as_str()))
}

/// CPU feature flags from `/proc/cpuinfo` (empty where it does not exist, which means fp32).
pub fn cpu_flags() -> Vec<String> {
    cpu_flags_from(Path::new("/proc/cpuinfo"))
}

fn cpu_flags_from(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).map(|t| flags_from(&t)).unwrap_or_default()
}

fn flags_from(text: &str) -> Vec<String> {
    text.lines()
        .find(|l| l.starts_with("flags"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, f)| f.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Int8Graph, ModelManifest, INT8_GRAPH};

    fn model(int8: Vec<Int8Graph>) -> ModelDir {
        let manifest = ModelManifest {
            id: "m".into(),
            source: "s".into(),
            weights_sha256: "0".repeat(64),
            architecture: "bert".into(),
            hidden_size: 8,
            num_layers: 1,
            max_seq_length: 16,
            pooling: "mean".into(),
            normalize: true,
            cls_token_id: 2,
            sep_token_id: 3,
            pad_token_id: 0,
            graph_sha256: "0".repeat(64),
            fused_graph_sha256: None,
            import_version: "0".into(),
            int8,
            prompt: String::new(),
            speed: Vec::new(),
            tuned: None,
        };
        ModelDir { dir: "/models/m".into(), manifest }
    }

    fn graph(cosine_mean: f64, label_agreement: f64) -> Int8Graph {
        let by_codebook = [("a.toml".to_string(), label_agreement)].into_iter().collect();
        Int8Graph {
            scheme: crate::model::DEFAULT_INT8_SCHEME,
            file: INT8_GRAPH.into(),
            graph_sha256: "0".repeat(64),
            calibration_texts: 100,
            cosine_mean,
            cosine_min: cosine_mean - 0.005,
            label_agreement,
            label_agreement_by_codebook: by_codebook,
            label_paragraphs: 100,
            quantize_version: "0".into(),
        }
    }

    fn flags(f: &[&str]) -> Vec<String> {
        f.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn auto_picks_bf16_only_with_bf16_units() {
        let m = model(vec![]);
        let with = flags(&["avx2", "avx512_bf16"]);
        let without = flags(&["avx2", "avx512f"]);
        let r = |c: PrecisionChoice, f: &[String]| c.resolve_with(f, &[], &m, None).unwrap();
        assert_eq!(r(PrecisionChoice::Auto, &with).precision, Precision::Bf16);
        assert_eq!(r(PrecisionChoice::Auto, &without).precision, Precision::Fp32);
        assert_eq!(r(PrecisionChoice::Fp32, &with).precision, Precision::Fp32);
        assert!(r(PrecisionChoice::Auto, &with).reason.contains("avx512_bf16"));
    }

    #[test]
    fn openvino_int8_schemes_need_bf16_units() {
        let g = Int8Graph { scheme: Int8Scheme::Static, ..graph(0.998, 0.99) };
        let m = model(vec![g]);
        let vnni_only = flags(&["avx2", "avx512_vnni"]);
        let r = PrecisionChoice::Int8.resolve_with(&vnni_only, &[], &m, Some(Int8Scheme::Static)).unwrap();
        assert_eq!(r.precision, Precision::Fp32);
        assert!(r.warning.expect("a warning").contains("needs bf16 units"));
        let auto = PrecisionChoice::Auto.resolve_with(&vnni_only, &[], &m, None).unwrap();
        assert_eq!(auto.precision, Precision::Fp32);
        assert!(auto.reason.contains("OpenVINO"), "{}", auto.reason);
        let both = flags(&["avx512_vnni", "avx512_bf16"]);
        let r = PrecisionChoice::Int8.resolve_with(&both, &[], &m, Some(Int8Scheme::Static)).unwrap();
        assert_eq!(r.precision, Precision::Int8);
    }

    #[test]
    fn a_bf16_request_without_bf16_units_runs_fp32_and_says_so() {
        let m = model(vec![]);
        let with = PrecisionChoice::Bf16.resolve_with(&flags(&["avx2", "amx_bf16"]), &[], &m, None).unwrap();
        assert_eq!((with.precision, with.warning), (Precision::Bf16, None));
        let without = PrecisionChoice::Bf16.resolve_with(&flags(&["avx2", "avx512f"]), &[], &m, None).unwrap();
        assert_eq!(without.precision, Precision::Fp32);
        assert!(without.warning.expect("a warning").contains("no bf16 units"));
    }

    fn rec(precision: &str, per_sec: f64, sha: &str) -> SpeedRecord {
        SpeedRecord {
            cpu: "test CPU".into(),
            precision: precision.into(),
            graph_sha256: sha.repeat(64),
            paragraphs_per_second: per_sec,
            open_secs: 0.5,
            threads: 2,
            measured_by: "test".into(),
        }
    }

    #[test]
    fn auto_picks_int8_only_when_its_gate_passed_the_cpu_has_int8_units_and_it_measured_faster() {
        // bf16 units too: the default scheme (static) runs on OpenVINO, which needs them.
        let units = flags(&["avx2", "avx512_vnni", "amx_bf16"]);
        let passed = model(vec![graph(0.998, 0.99)]);
        let int8 = format!("int8-{}", crate::model::DEFAULT_INT8_SCHEME);
        let speeds =
            |int8_per_sec: f64| vec![rec("fp32", 100.0, "0"), rec("bf16", 300.0, "0"), rec(&int8, int8_per_sec, "0")];
        let r =
            |m: &ModelDir, f: &[String], s: &[SpeedRecord]| PrecisionChoice::Auto.resolve_with(f, s, m, None).unwrap();
        // Measured 1.33× bf16 (an AMD EPYC): int8, and the reason gives the figures.
        let fast = r(&passed, &units, &speeds(400.0));
        assert_eq!(fast.label(), int8);
        assert!(fast.reason.contains("bf16 300/s") && fast.reason.contains("/s"), "{}", fast.reason);
        // Slower than bf16 (an Intel Xeon with AMX), or faster by less than the margin: bf16.
        assert_eq!(r(&passed, &units, &speeds(200.0)).precision, Precision::Bf16);
        assert_eq!(r(&passed, &units, &speeds(300.0 * AUTO_MIN_GAIN - 1.0)).precision, Precision::Bf16);
        // Not measured: the flag rule, which does not trade bf16 for int8.
        let expect = if AUTO_INT8_OVER_BF16 { Precision::Int8 } else { Precision::Bf16 };
        assert_eq!(r(&passed, &units, &[]).precision, expect);
        // A record of a graph since replaced does not count.
        let stale = vec![rec("fp32", 100.0, "0"), rec("bf16", 300.0, "0"), rec(&int8, 900.0, "1")];
        assert_eq!(r(&passed, &units, &stale).precision, expect);
        // However fast it measured, int8 needs its gate, its label agreement and int8 units.
        assert_eq!(r(&model(vec![graph(0.990, 0.99)]), &units, &speeds(900.0)).precision, Precision::Bf16);
        assert_eq!(r(&model(vec![graph(0.998, 0.95)]), &units, &speeds(900.0)).precision, Precision::Bf16);
        assert_eq!(r(&passed, &flags(&["avx2", "amx_bf16"]), &speeds(900.0)).precision, Precision::Bf16);
        assert_eq!(r(&passed, &flags(&["avx2"]), &speeds(900.0)).precision, Precision::Fp32);
        // bf16 that measured slower than fp32 is not run.
        let slow_bf16 = vec![rec("fp32", 100.0, "0"), rec("bf16", 90.0, "0")];
        assert_eq!(r(&model(vec![]), &units, &slow_bf16).precision, Precision::Fp32);
    }

    #[test]
    fn candidates_are_what_auto_may_run_here_most_faithful_first() {
        let passed = model(vec![graph(0.998, 0.99)]);
        let labels = |f: &[&str]| -> Vec<String> {
            auto_candidates(&flags(f), &passed, None).iter().map(ResolvedPrecision::label).collect()
        };
        let int8 = format!("int8-{}", crate::model::DEFAULT_INT8_SCHEME);
        assert_eq!(labels(&["avx512_vnni", "amx_bf16"]), ["fp32", "bf16", int8.as_str()]);
        assert_eq!(labels(&["amx_bf16"]), ["fp32", "bf16"]);
        assert_eq!(labels(&["avx2"]), ["fp32"]);
        let c = auto_candidates(&flags(&["avx512_vnni", "amx_bf16"]), &passed, None);
        let some = [rec("fp32", 1.0, "0"), rec("bf16", 2.0, "0")];
        assert_eq!(unmeasured(&c, &some, &passed).iter().map(ResolvedPrecision::label).collect::<Vec<_>>(), [int8]);
    }

    #[test]
    fn cpu_id_names_the_model_and_its_bf16_and_int8_units() {
        let info = "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu avx2 avx512_bf16 amx_bf16 amx_int8 avx512_vnni\n";
        assert_eq!(cpu_id_from(info), "Intel(R) Xeon(R) Processor [avx512_bf16 amx_bf16 avx512_vnni amx_int8]");
        assert_eq!(cpu_id_from("model name : Some laptop\nflags : avx2\n"), "Some laptop");
        assert_eq!(cpu_id_from(""), "unknown CPU");
    }

    #[test]
    fn int8_request_falls_back_to_fp32_with_a_warning_when_the_gate_failed() {
        let bf16 = flags(&["avx512_bf16"]);
        let failed = model(vec![graph(0.990, 0.99)]);
        let r = PrecisionChoice::Int8.resolve_with(&bf16, &[], &failed, None).unwrap();
        assert_eq!(r.precision, Precision::Fp32);
        let w = r.warning.expect("a warning");
        assert!(w.contains("quality gate") && w.contains("0.9900"), "{w}");
        let ok = PrecisionChoice::Int8.resolve_with(&bf16, &[], &model(vec![graph(0.998, 0.99)]), None).unwrap();
        assert_eq!((ok.precision, ok.warning), (Precision::Int8, None));
        // Label agreement below the bar keeps `auto` away, but an explicit request runs int8.
        let low_labels = model(vec![graph(0.998, 0.95)]);
        let r = PrecisionChoice::Int8.resolve_with(&bf16, &[], &low_labels, None).unwrap();
        assert_eq!((r.precision, r.warning), (Precision::Int8, None));
    }

    #[test]
    fn int8_request_without_an_int8_graph_names_the_command() {
        let err = PrecisionChoice::Int8.resolve_with(&[], &[], &model(vec![]), None).unwrap_err().to_string();
        assert!(err.contains("framelens model quantize /models/m"), "{err}");
        let other = *Int8Scheme::ALL.iter().find(|s| **s != crate::model::DEFAULT_INT8_SCHEME).unwrap();
        let err = PrecisionChoice::Int8
            .resolve_with(&[], &[], &model(vec![graph(0.998, 0.99)]), Some(other))
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("--scheme {other}")), "{err}");
    }
}
