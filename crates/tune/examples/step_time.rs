//! Times one training step's parts (forward, backward, AdamW) on a batch of short texts:
//! `cargo run --release -p framelens-tune --example step_time -- $FRAMELENS_HOME/models/all-MiniLM-L6-v2 [batch]`.

use std::time::Instant;

use candle_nn::{AdamW, Optimizer, ParamsAdamW};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: step_time MODEL_DIR [BATCH]")?;
    let batch: usize = args.next().map_or(Ok(16), |b| b.parse())?;
    if std::env::var_os("STEP_TIME_DEFAULT_MALLOC").is_none() {
        framelens_tune::memory::keep_freed_memory(); // as every training run does
    }
    let model = framelens_encode::ModelDir::open(std::path::Path::new(&dir))?;
    let engine = framelens_tune::Engine::load(&model, &candle_core::Device::Cpu)?;
    let texts: Vec<String> =
        (0..batch).map(|i| format!("Headline number {i} about the state of gun laws after the shooting")).collect();
    let ids: Vec<Vec<u32>> = texts.iter().map(|t| engine.ids(t)).collect::<Result<_, _>>()?;
    let seqs: Vec<&[u32]> = ids.iter().map(|v| v.as_slice()).collect();
    let mut opt = AdamW::new(engine.trainable(0), ParamsAdamW { lr: 1e-5, ..Default::default() })?;
    for rep in 0..4 {
        let t = Instant::now();
        let v = engine.embed_tokens(&seqs)?;
        let loss = v.sum_all()?;
        let f = t.elapsed().as_secs_f64();
        let grads = loss.backward()?;
        let b = t.elapsed().as_secs_f64() - f;
        opt.step(&grads)?;
        let o = t.elapsed().as_secs_f64() - f - b;
        println!(
            "rep {rep}: forward {f:.3} s, backward {b:.3} s, AdamW {o:.3} s ({batch} texts, {} threads)",
            framelens_tune::threads()
        );
    }
    Ok(())
}
