//! A small L-BFGS minimiser (two-loop recursion, strong-Wolfe line search) for smooth convex objectives.
//!
//! Why hand-written: the maintained Rust option, `linfa-logistic` 0.8.1 (checked November 2026), is built on
//! ndarray 0.16 (framelens uses 0.17, so every call would convert arrays between two ndarray versions), and it
//! has neither sample nor class weights — class-weighted training is a requirement here — and fits its
//! multinomial model through `argmin`, whose results are not documented as bit-reproducible. The objectives
//! framelens needs (weighted softmax / binary cross-entropy with an L2 penalty) are smooth and convex, where
//! L-BFGS is the standard solver (it is scikit-learn's default for `LogisticRegression`), and the whole method
//! is ~150 lines that the tests check against a scikit-learn optimum. Everything runs in `f64` on one thread
//! in a fixed order, so the same inputs give the same bits every time.

use std::collections::VecDeque;

/// Stopping rules for [`minimize`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LbfgsOptions {
    /// Upper bound on iterations (each costs one or a few objective evaluations).
    pub max_iter: usize,
    /// Converged when the largest absolute gradient component is at most this (scikit-learn's `tol`
    /// plays the same role on the same mean-loss scale).
    pub grad_tol: f64,
    /// Also converged when one iteration lowers the objective by less than this, relative to its size.
    /// Zero disables the rule (used by tests that want the exact optimum).
    pub rel_decrease_tol: f64,
    /// Number of correction pairs kept.
    pub memory: usize,
}

impl Default for LbfgsOptions {
    fn default() -> Self {
        LbfgsOptions { max_iter: 500, grad_tol: 1e-5, rel_decrease_tol: 64.0 * f64::EPSILON, memory: 10 }
    }
}

/// What the minimiser did; kept in training reports so a non-converged fit is visible.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LbfgsReport {
    pub(crate) iterations: usize,
    pub(crate) evaluations: usize,
    pub(crate) value: f64,
    /// Largest absolute gradient component at the returned point.
    pub grad_max: f64,
    pub(crate) converged: bool,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0f64, |m, v| m.max(v.abs()))
}

/// Minimises `f` starting from `x` (overwritten with the result). `f(x, grad)` returns the objective and
/// writes its gradient into `grad`.
pub fn minimize<F>(mut f: F, x: &mut [f64], opts: &LbfgsOptions) -> LbfgsReport
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    let n = x.len();
    let mut g = vec![0.0; n];
    let mut fx = f(x, &mut g);
    let mut evaluations = 1;
    let mut hist: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::new();
    let mut d = vec![0.0; n];
    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let mut alphas = vec![0.0; opts.memory.max(1)];
    let mut converged = false;
    let mut iterations = 0;
    while iterations < opts.max_iter {
        if !fx.is_finite() {
            break;
        }
        if max_abs(&g) <= opts.grad_tol {
            converged = true;
            break;
        }
        // Two-loop recursion: d = -H g.
        for (di, gi) in d.iter_mut().zip(&g) {
            *di = -gi;
        }
        for (i, (s, y, rho)) in hist.iter().enumerate().rev() {
            let a = rho * dot(s, &d);
            alphas[i] = a;
            for (di, yi) in d.iter_mut().zip(y) {
                *di -= a * yi;
            }
        }
        let gamma = match hist.back() {
            Some((s, y, _)) => dot(s, y) / dot(y, y),
            None => 1.0 / dot(&g, &g).sqrt().max(1e-300),
        };
        for di in d.iter_mut() {
            *di *= gamma;
        }
        for (i, (s, y, rho)) in hist.iter().enumerate() {
            let b = rho * dot(y, &d);
            for (di, si) in d.iter_mut().zip(s) {
                *di += si * (alphas[i] - b);
            }
        }
        let mut slope = dot(&g, &d);
        if slope.is_nan() || slope >= 0.0 {
            // Not a descent direction (numerical trouble): restart from steepest descent.
            hist.clear();
            let norm = dot(&g, &g).sqrt().max(1e-300);
            for (di, gi) in d.iter_mut().zip(&g) {
                *di = -gi / norm;
            }
            slope = dot(&g, &d);
        }
        let found = line_search(&mut f, x, fx, slope, &d, 1.0, &mut x_new, &mut g_new, &mut evaluations);
        iterations += 1;
        let Some(f_new) = found else {
            // No acceptable step: we are at the limit of floating-point resolution.
            converged = max_abs(&g) <= opts.grad_tol * 10.0;
            break;
        };
        let s: Vec<f64> = x_new.iter().zip(x.iter()).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 * dot(&y, &y).max(1e-300) && sy > 0.0 {
            if hist.len() == opts.memory.max(1) {
                hist.pop_front();
            }
            hist.push_back((s, y, 1.0 / sy));
        }
        let decrease = fx - f_new;
        x.copy_from_slice(&x_new);
        g.copy_from_slice(&g_new);
        fx = f_new;
        if opts.rel_decrease_tol > 0.0 && decrease <= opts.rel_decrease_tol * fx.abs().max(f_new.abs()).max(1.0) {
            converged = true;
            break;
        }
    }
    if !converged && max_abs(&g) <= opts.grad_tol {
        converged = true;
    }
    LbfgsReport { iterations, evaluations, value: fx, grad_max: max_abs(&g), converged }
}

/// Strong-Wolfe line search (Nocedal & Wright, algorithms 3.5 and 3.6, cubic interpolation with
/// safeguards). On success `x_new`/`g_new` hold the accepted point and its gradient.
#[allow(clippy::too_many_arguments)]
fn line_search<F>(
    f: &mut F,
    x: &[f64],
    f0: f64,
    slope0: f64,
    d: &[f64],
    step0: f64,
    x_new: &mut [f64],
    g_new: &mut [f64],
    evaluations: &mut usize,
) -> Option<f64>
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    const C1: f64 = 1e-4;
    const C2: f64 = 0.9;
    let mut eval = |a: f64, x_new: &mut [f64], g_new: &mut [f64]| -> (f64, f64) {
        for ((xn, xi), di) in x_new.iter_mut().zip(x).zip(d) {
            *xn = xi + a * di;
        }
        *evaluations += 1;
        let v = f(x_new, g_new);
        (v, dot(g_new, d))
    };
    // (step, value, slope) at the low end of the bracket; the low end always satisfies sufficient decrease.
    let mut lo = (0.0, f0, slope0);
    let mut a = step0;
    let mut hi: Option<(f64, f64, f64)> = None;
    for i in 0..30 {
        let (fa, da) = eval(a, x_new, g_new);
        if !fa.is_finite() || fa > f0 + C1 * a * slope0 || (i > 0 && fa >= lo.1) {
            hi = Some((a, fa, da));
            break;
        }
        if da.abs() <= -C2 * slope0 {
            return Some(fa);
        }
        if da >= 0.0 {
            hi = Some(lo);
            lo = (a, fa, da);
            break;
        }
        lo = (a, fa, da);
        a *= 2.0;
    }
    let Some(mut hi) = hi else {
        // The step kept growing and stayed acceptable; take the last point (already in x_new).
        return Some(lo.1);
    };
    // Zoom between lo and hi.
    for _ in 0..40 {
        let (al, fl, dl) = lo;
        let (ah, fh, dh) = hi;
        let width = ah - al;
        if width.abs() <= 1e-16 * al.abs().max(1e-300) {
            break;
        }
        let mut a = f64::NAN;
        if fh.is_finite() && dh.is_finite() {
            let d1 = dl + dh - 3.0 * (fl - fh) / (al - ah);
            let disc = d1 * d1 - dl * dh;
            if disc >= 0.0 {
                let d2 = width.signum() * disc.sqrt();
                a = ah - width * (dh + d2 - d1) / (dh - dl + 2.0 * d2);
            }
        }
        let (lo_b, hi_b) = if al < ah {
            (al + 0.1 * (ah - al), ah - 0.1 * (ah - al))
        } else {
            (ah + 0.1 * (al - ah), al - 0.1 * (al - ah))
        };
        if !a.is_finite() || a < lo_b || a > hi_b {
            a = 0.5 * (al + ah);
        }
        let (fa, da) = eval(a, x_new, g_new);
        if !fa.is_finite() || fa > f0 + C1 * a * slope0 || fa >= fl {
            hi = (a, fa, da);
        } else {
            if da.abs() <= -C2 * slope0 {
                return Some(fa);
            }
            if da * (ah - al) >= 0.0 {
                hi = lo;
            }
            lo = (a, fa, da);
        }
    }
    if lo.0 > 0.0 && lo.1 < f0 {
        // Sufficient decrease without the curvature condition: still progress.
        let (fa, _) = eval(lo.0, x_new, g_new);
        return Some(fa);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_rosenbrock() {
        let mut x = vec![-1.2, 1.0];
        let opts = LbfgsOptions { max_iter: 500, grad_tol: 1e-10, rel_decrease_tol: 0.0, memory: 7 };
        let r = minimize(
            |p, g| {
                let (a, b) = (p[0], p[1]);
                g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
                g[1] = 200.0 * (b - a * a);
                (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
            },
            &mut x,
            &opts,
        );
        assert!(r.converged, "{r:?}");
        assert!((x[0] - 1.0).abs() < 1e-8 && (x[1] - 1.0).abs() < 1e-8, "{x:?}");
    }

    #[test]
    fn minimises_ill_conditioned_quadratic_exactly() {
        // f(x) = 1/2 Σ c_i (x_i - i)^2 with condition number 1e4: optimum x_i = i. This is slow for any
        // L-BFGS (scipy's L-BFGS-B with m = 10 needs 684 iterations to gtol 1e-9), hence the budget.
        let c: Vec<f64> = (0..20).map(|i| 10f64.powf(i as f64 / 19.0 * 4.0)).collect();
        let mut x = vec![0.0; 20];
        let opts = LbfgsOptions { max_iter: 3000, grad_tol: 1e-9, rel_decrease_tol: 0.0, memory: 10 };
        let r = minimize(
            |p, g| {
                let mut v = 0.0;
                for i in 0..p.len() {
                    let e = p[i] - i as f64;
                    g[i] = c[i] * e;
                    v += 0.5 * c[i] * e * e;
                }
                v
            },
            &mut x,
            &opts,
        );
        assert!(r.converged, "{r:?}");
        for (i, v) in x.iter().enumerate() {
            assert!((v - i as f64).abs() < 1e-8, "x[{i}] = {v}");
        }
    }
}
