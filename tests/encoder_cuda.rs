//! The GPU path (`--device cuda`, issue #19) on a machine that has an NVIDIA GPU and the runtime of
//! `scripts/setup.sh gpu`: parity with sentence-transformers, agreement with the CPU's fp32 rows, and batch
//! independence (the rule the CPU keeps: a row's embedding never depends on its batch). Skipped, with a
//! message, on machines without a GPU or without that runtime (CI's).
//!
//! One test function: ONNX Runtime allows one runtime per process, and the GPU build must be the first
//! loaded (its CPU provider then computes the CPU rows).

mod common;

use framelens::encode::device::{cuda_runtime_dir, gpu_present, missing_cuda_file, DeviceChoice};
use framelens::encode::{EncodeOptions, Encoder, PrecisionChoice};

fn embed(device: DeviceChoice, texts: &[String]) -> ndarray::Array2<f32> {
    let model = common::minilm_model().expect("MiniLM set up");
    let opts = EncodeOptions { precision: PrecisionChoice::Fp32, device, truncate: true, ..Default::default() };
    let mut enc = Encoder::open(&model, opts).expect("open encoder");
    assert_eq!(enc.precision().label(), if device == DeviceChoice::Cuda { "fp32-cuda" } else { "fp32" });
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    enc.encode(&refs, &mut |_| {}).expect("encode").vectors
}

#[test]
fn the_gpu_matches_sentence_transformers_and_the_cpu_and_rows_do_not_depend_on_their_batch() {
    if !gpu_present() {
        eprintln!("no NVIDIA GPU: the CUDA path is not tested here");
        return;
    }
    if let Some(f) = missing_cuda_file(&cuda_runtime_dir()) {
        eprintln!("a GPU but no CUDA runtime ({} missing): run `scripts/setup.sh gpu`", f.display());
        return;
    }
    let (Some(texts), Some(reference), Some(_)) =
        (common::fixture_paragraphs(), common::fixture_reference(), common::minilm_model())
    else {
        return;
    };
    let gpu = embed(DeviceChoice::Cuda, &texts);
    let reference = ndarray::Array2::from_shape_vec((texts.len(), 384), reference).unwrap();
    let min = |c: Vec<f64>| c.into_iter().fold(1.0f64, f64::min);
    let to_st = min(common::row_cosines(&gpu, &reference));
    eprintln!("GPU fp32: min cosine to sentence-transformers {to_st:.7}");
    assert!(to_st >= 0.9999, "GPU rows: min cosine {to_st} to sentence-transformers");
    let cpu = embed(DeviceChoice::Cpu, &texts);
    let to_cpu = min(common::row_cosines(&gpu, &cpu));
    eprintln!("GPU fp32: min cosine to the CPU's fp32 rows {to_cpu:.7}");
    assert!(to_cpu >= 0.9999, "GPU rows: min cosine {to_cpu} to the CPU's");

    let first = embed(DeviceChoice::Cuda, &texts[..77]);
    let mut reversed = texts.clone();
    reversed.reverse();
    let rev = embed(DeviceChoice::Cuda, &reversed);
    for i in 0..texts.len() {
        if i < 77 {
            assert_eq!(gpu.row(i), first.row(i), "GPU row {i}: splitting the input changed it");
        }
        assert_eq!(gpu.row(i), rev.row(texts.len() - 1 - i), "GPU row {i}: reversing the input changed it");
    }
}
