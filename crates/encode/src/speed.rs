//! Measuring each precision's speed on this CPU, so that `auto` runs the fastest faithful one.
//!
//! CPU flags alone chose wrong: the int8 graph ran at 1.28× bf16 on an AMD EPYC and at 0.65× on an Intel
//! Xeon with AMX (issue #19). So the first `auto` run of a model on a CPU times every candidate
//! ([`crate::runtime::auto_candidates`]) on a fixed batch, records the figures in `model.toml` (one
//! [`SpeedRecord`] per precision, keyed by [`cpu_id`] and the graph's sha256) and every later run reads
//! them. `framelens model speed` measures again; `FRAMELENS_AUTO_MEASURE=0` keeps `auto` on the flag rule.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use super::encoder::Encoder;
use super::error::Result;
use super::model::{ModelDir, SpeedRecord};
use super::options::EncodeOptions;
use super::runtime::{auto_candidates, cpu_flags, cpu_id, graph_sha256, unmeasured, ResolvedPrecision};

/// Texts in the timed batch.
pub const SPEED_TEXTS: usize = 32;
/// Timed passes over the batch after one untimed pass (OpenVINO prepares kernels for each new batch shape on its first run); the fastest counts (the others carry other processes'
/// noise on a shared machine).
const REPEATS: usize = 2;

/// The words the timed batch is cut from: news commentary of the kind framelens reads, written for this
/// purpose. Only its token lengths matter to the timing.
const SPEED_WORDS: &str = "The announcement came on a Tuesday, timed for the evening bulletins: hundreds of \
suspects detained, compounds along the border sealed, buses of returnees filmed as they crossed back. \
Officials spoke of a decisive blow against the fraud networks that had drawn workers across the region \
with promises of office jobs and held them behind fences to run scripted romance and investment scams. \
Observers who have followed the trade for years were less certain. The same districts had been raided \
before, they noted, and operations moved a few kilometres downriver within weeks. The people who finance \
the compounds rarely appear in the footage, and local militias that rent out the land keep their \
arrangements with every side. Regional governments meanwhile disagree about who should prosecute the \
organisers, who should shelter the victims, and whether workers who were trafficked should be treated as \
offenders. Without shared rules on evidence, extradition and victim protection, a crackdown in one \
country mostly pushes the business into the next one, where enforcement is weaker and the cameras are \
absent. Several analysts argued that the campaign served an audience at home as much as the victims \
abroad, a show of resolve that answers public anger over relatives defrauded of their savings.";

/// The fixed batch: [`SPEED_TEXTS`] passages of 24 to 160 words cut from a fixed paragraph, about the
/// spread of paragraph lengths in news articles.
pub fn speed_batch() -> Vec<String> {
    let words: Vec<&str> = SPEED_WORDS.split_whitespace().collect();
    (0..SPEED_TEXTS)
        .map(|i| {
            let len = 24 + (i * 37) % 137;
            let start = (i * 53) % words.len();
            (0..len).map(|k| words[(start + k) % words.len()]).collect::<Vec<_>>().join(" ")
        })
        .collect()
}

/// Times one precision on the fixed batch: session open, one warm-up pass, then the best of two timed passes.
pub fn measure(model: &ModelDir, precision: &ResolvedPrecision, threads: usize) -> Result<SpeedRecord> {
    let batch = speed_batch();
    let texts: Vec<&str> = batch.iter().map(String::as_str).collect();
    let opts = EncodeOptions { threads, ..EncodeOptions::default() };
    let t0 = Instant::now();
    let mut encoder = Encoder::open_resolved(model, opts, precision.clone())?;
    let open_secs = t0.elapsed().as_secs_f64();
    encoder.encode(&texts, &mut |_| {})?;
    let mut best = f64::INFINITY;
    for _ in 0..REPEATS {
        let t = Instant::now();
        encoder.encode(&texts, &mut |_| {})?;
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(SpeedRecord {
        cpu: cpu_id(),
        precision: precision.label(),
        graph_sha256: graph_sha256(model, precision),
        paragraphs_per_second: texts.len() as f64 / best.max(1e-9),
        open_secs,
        threads,
        measured_by: env!("CARGO_PKG_VERSION").into(),
    })
}

/// Measures every precision `auto` may run on this CPU (all of them, measured before or not), records the
/// figures in `model.toml` in place of this CPU's earlier ones, and returns the updated model.
pub fn measure_all(model: &ModelDir, threads: usize, progress: &mut dyn FnMut(&SpeedRecord)) -> Result<ModelDir> {
    let cpu = cpu_id();
    let mut records = Vec::new();
    for c in auto_candidates(&cpu_flags(), model, None) {
        let r = measure(model, &c, threads)?;
        progress(&r);
        records.push(r);
    }
    let mut updated = ModelDir::open(&model.dir)?;
    updated.manifest.speed.retain(|r| r.cpu != cpu);
    updated.manifest.speed.extend(records);
    updated.write_manifest()?;
    memo().lock().unwrap_or_else(|e| e.into_inner()).remove(&model.dir);
    Ok(updated)
}

/// Whether `auto` measures on first use (`FRAMELENS_AUTO_MEASURE`, on unless `0`).
pub fn auto_measure_enabled() -> bool {
    std::env::var("FRAMELENS_AUTO_MEASURE").map(|v| v.trim() != "0").unwrap_or(true)
}

/// Records measured in this process, by model folder: `resolve_precision` runs more than once per run and
/// must not measure twice, even where `model.toml` could not be written.
fn memo() -> &'static Mutex<HashMap<PathBuf, Vec<SpeedRecord>>> {
    static MEMO: std::sync::OnceLock<Mutex<HashMap<PathBuf, Vec<SpeedRecord>>>> = std::sync::OnceLock::new();
    MEMO.get_or_init(Default::default)
}

/// Whether `auto` would measure `model` on this CPU: it has more than one candidate here and one of them
/// has no record (for its current graph).
pub fn needs_measuring(model: &ModelDir) -> bool {
    !to_measure(model).is_empty()
}

/// The candidates `auto` would measure: those without a record on this CPU, none where there is only one.
fn to_measure(model: &ModelDir) -> Vec<ResolvedPrecision> {
    let candidates = auto_candidates(&cpu_flags(), model, None);
    match candidates.len() {
        0 | 1 => Vec::new(),
        _ => unmeasured(&candidates, &model.manifest.speeds_on(&cpu_id()), model),
    }
}

/// `model` with speed records for every `auto` candidate on this CPU: as it is when they are there (or there
/// is only one candidate), else after measuring the missing ones (`auto`'s first use on this CPU). The
/// records are added to `model.toml` unless another process added some for this CPU meanwhile (then those
/// count, so that concurrent first runs agree); a folder that cannot be written keeps them for this process.
pub fn ensure_measured(model: &ModelDir, threads: usize) -> Result<Option<ModelDir>> {
    let missing = to_measure(model);
    if missing.is_empty() {
        return Ok(None);
    }
    let mut memo = memo().lock().unwrap_or_else(|e| e.into_inner());
    let with = |records: &[SpeedRecord]| {
        let mut m = model.clone();
        m.manifest.speed.extend(records.iter().cloned());
        m
    };
    if let Some(records) = memo.get(&model.dir) {
        return Ok(Some(with(records)));
    }
    let mut records = Vec::new();
    for c in &missing {
        records.push(measure(model, c, threads)?);
    }
    let mut on_disk = ModelDir::open(&model.dir)?;
    if to_measure(&on_disk).is_empty() {
        records = on_disk.manifest.speeds_on(&cpu_id());
    } else {
        on_disk.manifest.speed.extend(records.iter().cloned());
        // A read-only model folder: the figures serve this process only.
        let _ = on_disk.write_manifest();
    }
    memo.insert(model.dir.clone(), records.clone());
    Ok(Some(with(&records)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_speed_batch_is_fixed_and_spans_paragraph_lengths() {
        let a = speed_batch();
        assert_eq!(a, speed_batch());
        assert_eq!(a.len(), SPEED_TEXTS);
        let lens: Vec<usize> = a.iter().map(|t| t.split_whitespace().count()).collect();
        assert_eq!(*lens.iter().min().unwrap(), 24);
        assert!(*lens.iter().max().unwrap() >= 150, "{lens:?}");
    }
}
