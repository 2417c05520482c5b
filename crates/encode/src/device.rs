//! Where the encoder runs: the CPU (ONNX Runtime's CPU and OpenVINO providers) or an NVIDIA GPU (its CUDA
//! provider).
//!
//! The GPU runtime is a second ONNX Runtime build, the `onnxruntime-gpu` wheel's, with the CUDA 12 and cuDNN 9
//! libraries it needs from NVIDIA's PyPI packages, all unpacked flat into `$FRAMELENS_HOME/runtime-cuda` by
//! `scripts/setup.sh gpu`. The CUDA provider library names those libraries without a path (no RUNPATH), so
//! they are loaded by absolute path before the provider is registered ([`preload_cuda_libraries`]): a later
//! request for an already loaded library name is served by it, which is how the `onnxruntime-gpu` Python
//! package does it too. Nothing else needs `LD_LIBRARY_PATH`.
//!
//! ONNX Runtime allows one runtime per process, so the device is chosen once per process, before the first
//! session opens.

use std::path::{Path, PathBuf};

use super::error::{EncodeError, Result};

/// `--device`: where to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// The GPU where one is present and `scripts/setup.sh gpu` installed its runtime, else the CPU.
    #[default]
    Auto,
    /// The CPU, whatever else the machine has.
    Cpu,
    /// The first NVIDIA GPU; an error where there is none or its runtime is not installed.
    Cuda,
}

/// Where a session runs, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Device {
    /// ONNX Runtime's CPU provider (fp32, CPU int8 schemes) or OpenVINO (bf16, OpenVINO int8 schemes).
    Cpu,
    /// ONNX Runtime's CUDA provider on GPU 0, fp32.
    Cuda,
}

impl Device {
    /// For serde's `skip_serializing_if`: manifests name the device only when it is not the CPU.
    pub fn is_cpu(&self) -> bool {
        *self == Device::Cpu
    }
}

/// The libraries the CUDA provider names (CUDA 12, cuDNN 9), in `$FRAMELENS_HOME/runtime-cuda`, in load
/// order (each after what it needs).
pub const CUDA_LIBRARIES: &[&str] =
    &["libcudart.so.12", "libcublasLt.so.12", "libcublas.so.12", "libcurand.so.10", "libcufft.so.11", "libcudnn.so.9"];
/// What cuDNN and NVRTC open by name at run time, preloaded where they load: some need the driver's
/// `libcuda.so.1`, so on a machine without the driver they cannot load, and an encoder does not need them
/// (cuDNN's kernels are for convolutions and some attention backends).
pub const CUDA_RUNTIME_PARTS: &[&str] = &[
    "libnvrtc-builtins.so.12.9",
    "libnvrtc.so.12",
    "libcudnn_graph.so.9",
    "libcudnn_ops.so.9",
    "libcudnn_heuristic.so.9",
    "libcudnn_adv.so.9",
    "libcudnn_cnn.so.9",
    "libcudnn_engines_precompiled.so.9",
    "libcudnn_engines_tensor_ir.so.9",
    "libcudnn_engines_runtime_compiled.so.9",
    "libcudnn_ext.so.9",
];
/// ONNX Runtime's GPU build inside `runtime-cuda` (loaded as the runtime, not preloaded).
pub const CUDA_RUNTIME_LIB: &str = "libonnxruntime.so.1.24.1";
/// The CUDA provider library ONNX Runtime opens from beside itself.
pub const CUDA_PROVIDER_LIB: &str = "libonnxruntime_providers_cuda.so";

/// `$FRAMELENS_HOME/runtime-cuda`.
pub fn cuda_runtime_dir() -> PathBuf {
    super::runtime::framelens_home().join("runtime-cuda")
}

/// Whether the NVIDIA driver reports a GPU (`/proc/driver/nvidia/gpus/*`, or a `/dev/nvidia0` device).
pub fn gpu_present() -> bool {
    let listed = std::fs::read_dir("/proc/driver/nvidia/gpus").is_ok_and(|mut d| d.next().is_some());
    listed || Path::new("/dev/nvidia0").exists()
}

/// The first file of the CUDA runtime missing from `dir`, if any.
pub fn missing_cuda_file(dir: &Path) -> Option<PathBuf> {
    [CUDA_RUNTIME_LIB, CUDA_PROVIDER_LIB].iter().chain(CUDA_LIBRARIES).map(|f| dir.join(f)).find(|p| !p.is_file())
}

impl DeviceChoice {
    /// The device these options run on, on this machine.
    pub fn resolve(self) -> Result<Device> {
        self.resolve_with(gpu_present(), missing_cuda_file(&cuda_runtime_dir()))
    }

    fn resolve_with(self, gpu: bool, missing: Option<PathBuf>) -> Result<Device> {
        match self {
            DeviceChoice::Cpu => Ok(Device::Cpu),
            DeviceChoice::Auto => Ok(if gpu && missing.is_none() { Device::Cuda } else { Device::Cpu }),
            DeviceChoice::Cuda if !gpu => Err(EncodeError::Runtime(
                "--device cuda: no NVIDIA GPU found (/proc/driver/nvidia/gpus is empty and there is no /dev/nvidia0)"
                    .into(),
            )),
            DeviceChoice::Cuda => match missing {
                Some(f) => Err(EncodeError::Runtime(format!(
                    "--device cuda: {} is missing; install the GPU runtime with `scripts/setup.sh gpu`",
                    f.display()
                ))),
                None => Ok(Device::Cuda),
            },
        }
    }
}

/// Loads CUDA and cuDNN from `dir` by absolute path, so that the CUDA provider finds them by name.
#[cfg(feature = "runtime")]
pub fn preload_cuda_libraries(dir: &Path) -> Result<()> {
    for lib in CUDA_RUNTIME_PARTS {
        // Best effort (see CUDA_RUNTIME_PARTS): cuDNN says what it misses if a kernel needs it.
        let _ = ort::util::preload_dylib(dir.join(lib));
    }
    for lib in CUDA_LIBRARIES {
        let path = dir.join(lib);
        ort::util::preload_dylib(&path)
            .map_err(|e| EncodeError::Runtime(format!("loading {} for the CUDA provider: {e}", path.display())))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_runs_the_gpu_only_where_one_is_present_and_its_runtime_installed() {
        let missing = Some(PathBuf::from("/x/libcudnn.so.9"));
        assert_eq!(DeviceChoice::Auto.resolve_with(true, None).unwrap(), Device::Cuda);
        assert_eq!(DeviceChoice::Auto.resolve_with(true, missing.clone()).unwrap(), Device::Cpu);
        assert_eq!(DeviceChoice::Auto.resolve_with(false, None).unwrap(), Device::Cpu);
        assert_eq!(DeviceChoice::Cpu.resolve_with(true, None).unwrap(), Device::Cpu);
    }

    #[test]
    fn cuda_without_a_gpu_or_its_runtime_says_which() {
        let no_gpu = DeviceChoice::Cuda.resolve_with(false, None).unwrap_err().to_string();
        assert!(no_gpu.contains("no NVIDIA GPU"), "{no_gpu}");
        let missing = DeviceChoice::Cuda.resolve_with(true, Some(PathBuf::from("/x/libcudnn.so.9")));
        let msg = missing.unwrap_err().to_string();
        assert!(msg.contains("/x/libcudnn.so.9"), "{msg}");
    }
}
