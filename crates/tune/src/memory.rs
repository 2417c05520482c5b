//! How the C allocator treats the blocks a training step frees.
//!
//! A step allocates and frees tensors of many MB (activations, gradients, AdamW's temporaries), and candle's CPU
//! tensors live in the process allocator, glibc's malloc on Linux. By default glibc serves blocks above its
//! mmap threshold with fresh `mmap`s and unmaps them on free, and trims free memory above 128 KiB off the top of
//! its heaps, so the kernel zero-fills the same pages again at every step: fine-tuning MiniLM on FrAC spent
//! 40 of 121 s in the kernel (13.5 M page faults). Raising the threshold to its maximum (32 MiB) and not
//! trimming keeps freed blocks for the next step: 16–17 s in the kernel, 2.0 M faults, tuning 119 → 89–91 s,
//! peak RSS 2.35 → 2.38 GB (AMD EPYC, 2 threads; docs/finetune.md). mimalloc was measured too: as fast only
//! without purging, and then at 3.2 GB.
//!
//! This is process-wide, so it is set where training starts, not for every framelens command (inference
//! gains nothing: ONNX Runtime keeps its own arenas; 500 paragraphs embedded lost 0.3 s of kernel time).

/// Keeps the blocks a training step frees for the next one (glibc; elsewhere nothing to do).
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    // SAFETY: mallopt only changes two numeric malloc parameters; it is thread-safe and may be called at any time.
    unsafe {
        // The largest threshold glibc accepts (HEAP_MAX_SIZE / 2 on 64-bit); larger values are refused.
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}
