//! Synthetic, seeded data shaped like sentence embeddings, for tests and the training benchmark (the real
//! encoder is not needed to exercise learning code, and real embeddings cannot be shipped in tests).

use ndarray::{Array1, Array2};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::head::EncoderRef;

/// A standard normal draw (Box–Muller on ChaCha8's `next_u64`, so the stream is platform-independent).
pub fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let u2 = ((rng.next_u64() >> 11) as f64) / (1u64 << 53) as f64;
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// `n` rows in `d` dimensions from `k` Gaussian classes (labels `i % k`): class means are random vectors
/// of length `separation`, rows are mean + `noise` · N(0, I).
pub fn gaussian_classes(
    n: usize,
    d: usize,
    k: usize,
    separation: f64,
    noise: f64,
    seed: u64,
) -> (Array2<f32>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let means: Vec<Array1<f64>> = (0..k)
        .map(|_| {
            let v = Array1::from_shape_fn(d, |_| normal(&mut rng));
            let norm = v.dot(&v).sqrt().max(1e-12);
            v * (separation / norm)
        })
        .collect();
    let y: Vec<usize> = (0..n).map(|i| i % k).collect();
    let x = Array2::from_shape_fn((n, d), |(i, j)| (means[y[i]][j] + noise * normal(&mut rng)) as f32);
    (x, y)
}

/// Like [`gaussian_classes`] but with every row L2-normalised and a shared "topic" direction added first,
/// as with real sentence embeddings of one corpus (cosines between rows are high; classes differ in a
/// few directions). `noise` ≈ 0.5 gives overlapping classes, ≈ 0.1 separable ones.
pub fn embedding_like(n: usize, d: usize, k: usize, noise: f64, seed: u64) -> (Array2<f32>, Vec<usize>) {
    let (mut x, y) = gaussian_classes(n, d, k, 1.0, noise / (d as f64).sqrt() * 4.0, seed);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15);
    let topic = Array1::from_shape_fn(d, |_| normal(&mut rng) as f32);
    let tn = topic.dot(&topic).sqrt();
    for mut row in x.rows_mut() {
        row.scaled_add(1.5 / tn, &topic);
        let norm = row.dot(&row).sqrt().max(1e-12);
        row.mapv_inplace(|v| v / norm);
    }
    (x, y)
}

/// An encoder reference for tests.
pub fn test_encoder(dim: usize) -> EncoderRef {
    EncoderRef { model_id: "test/encoder".into(), weights_sha256: "ab".repeat(32), dim }
}
