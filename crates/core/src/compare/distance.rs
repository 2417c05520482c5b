//! Jensen–Shannon distance between label distributions.
//!
//! Why Jensen–Shannon: unlike Kullback–Leibler it is symmetric and finite when one group never uses a frame
//! that another uses (common with small outlets); with log base 2 the divergence lies in [0, 1], and its
//! square root, the distance, is a true metric (triangle inequality), so distances between outlets can be
//! compared, clustered and plotted. Base 2 makes the scale fixed: 0 = identical, 1 = disjoint frames.

/// Shares of a row of counts (all zeros if the row is empty, which the caller never passes for a group).
pub fn normalise(counts: &[u64]) -> Vec<f64> {
    let n: u64 = counts.iter().sum();
    counts.iter().map(|&c| if n == 0 { 0.0 } else { c as f64 / n as f64 }).collect()
}

/// Jensen–Shannon divergence in bits: ½ KL(p‖m) + ½ KL(q‖m), m = ½(p + q); terms with p_i = 0 are 0.
pub fn js_divergence(p: &[f64], q: &[f64]) -> f64 {
    assert_eq!(p.len(), q.len(), "distributions over different label sets");
    let kl_to_m = |a: f64, b: f64| {
        if a > 0.0 {
            a * (2.0 * a / (a + b)).log2()
        } else {
            0.0
        }
    };
    let d: f64 = p.iter().zip(q).map(|(&a, &b)| 0.5 * kl_to_m(a, b) + 0.5 * kl_to_m(b, a)).sum();
    // Rounding can push an identical pair a hair below 0 or a disjoint pair a hair above 1.
    d.clamp(0.0, 1.0)
}

/// Jensen–Shannon distance: sqrt of the base-2 divergence, in [0, 1].
pub fn js_distance(p: &[f64], q: &[f64]) -> f64 {
    js_divergence(p, q).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_is_zero_and_disjoint_is_one() {
        let p = [0.2, 0.3, 0.5, 0.0];
        assert_eq!(js_distance(&p, &p), 0.0);
        assert_eq!(js_distance(&[1.0, 0.0], &[0.0, 1.0]), 1.0);
        assert_eq!(js_distance(&[0.5, 0.5, 0.0, 0.0], &[0.0, 0.0, 0.25, 0.75]), 1.0);
    }

    #[test]
    fn worked_example() {
        // p = (1, 0), q = (½, ½), m = (¾, ¼).
        // KL(p‖m) = 1·log2(1/¾) = log2(4/3) = 0.4150375
        // KL(q‖m) = ½·log2(½/¾) + ½·log2(½/¼) = ½·(−0.5849625) + ½·1 = 0.2075187
        // JSD = ½(0.4150375 + 0.2075187) = 0.3112781; distance = sqrt = 0.5579230
        // (scipy.spatial.distance.jensenshannon([1, 0], [.5, .5], base=2) = 0.5579230452841438)
        let d = js_distance(&[1.0, 0.0], &[0.5, 0.5]);
        assert!((d - 0.557_923_045_284_143_8).abs() < 1e-12, "{d}");
        assert!((js_divergence(&[1.0, 0.0], &[0.5, 0.5]) - 0.311_278_124_459_132_8).abs() < 1e-12);
    }

    #[test]
    fn symmetric() {
        let p = normalise(&[4, 2, 0]);
        let q = normalise(&[1, 5, 0]);
        assert_eq!(js_distance(&p, &q), js_distance(&q, &p));
    }
}
