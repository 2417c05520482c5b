//! framelens-tune: fine-tuning the encoder's own weights on an analyst's coded rows (issue #17).
//!
//! A frozen encoder never sees the analyst's coding; tuning it first lets the calibrated head separate what the
//! codebook separates. The engine is candle (autodiff, AdamW); [`transformer`] is the model (BERT/MiniLM and MPNet) in one small
//! file with the importer's weight names, [`train`] the loop with its two [`recipe`]s, and [`export`] turns the tuned
//! weights into a framelens model through the same importer every other model goes through.
//!
//! Flow: [`Engine::load`] (parent model) → [`tune`] (in place) → [`write_model`] (new model folder) →
//! framelens-core fits the head on the tuned model's embeddings.
#![warn(missing_docs)]

pub mod engine;
pub mod error;
pub mod export;
pub mod memory;
pub mod recipe;
pub mod train;
pub mod transformer;

pub use engine::Engine;
pub use error::{Result, TuneError};
pub use export::write_model;
pub use recipe::{Fingerprint, PairRows, Recipe, TuneOptions, TuneRows};
pub use train::{run_key, tune, tune_pairs, Step, TuneReport};

/// The device training runs on: the first CUDA GPU when asked and built with the `cuda` feature, else the CPU.
pub fn device(cuda: bool) -> Result<candle_core::Device> {
    if cuda {
        Ok(candle_core::Device::new_cuda(0)?)
    } else {
        Ok(candle_core::Device::Cpu)
    }
}

/// Threads the CPU engine computes with (candle's matrix products; `RAYON_NUM_THREADS` sets it).
pub fn threads() -> usize {
    candle_core::utils::get_num_threads()
}
