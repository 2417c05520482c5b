//! Seeded k-fold cross-validation: fold assignment (stratified by label, or by group so that no group is
//! split) and the choice of the L2 strength from a grid by mean cross-validated macro-F1.
//!
//! Stratification keeps every label in every fold's test part when it has at least k rows, which matters
//! for hand-coded data where rare frames have a handful of rows. Grouping matters for stance: VAST rows
//! that share a topic must not be split between training and test, or CV rewards memorising topics.

use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::optim::LbfgsOptions;
use super::softmax_regression::{argmax_rows, ClassWeight, SoftmaxProblem, SoftmaxRegression};
use super::TrainError;
use crate::evaluate::Confusion;
use crate::stats::random::{seeded, shuffle};

/// Fold index (`0..k`) of each row: each label's rows are shuffled (ChaCha8, `seed`) and dealt round-robin,
/// continuing where the previous label stopped so that fold sizes differ by at most one.
pub fn stratified_folds(y: &[usize], k: usize, seed: u64) -> Vec<usize> {
    assert!(k >= 1);
    let mut rng = seeded(seed);
    let n_labels = y.iter().max().map_or(0, |m| m + 1);
    let mut folds = vec![0usize; y.len()];
    let mut next = 0usize;
    for label in 0..n_labels {
        let mut rows: Vec<usize> = (0..y.len()).filter(|&i| y[i] == label).collect();
        shuffle(&mut rows, &mut rng);
        for r in rows {
            folds[r] = next % k;
            next += 1;
        }
    }
    folds
}

/// Fold index of each row such that all rows of a group share a fold: groups are shuffled (ChaCha8,
/// `seed`), then each goes to the fold with the fewest rows so far (ties: lowest index).
pub fn group_folds(groups: &[usize], k: usize, seed: u64) -> Vec<usize> {
    assert!(k >= 1);
    let mut rng = seeded(seed);
    let n_groups = groups.iter().max().map_or(0, |m| m + 1);
    let mut size = vec![0usize; n_groups];
    for &g in groups {
        size[g] += 1;
    }
    let mut order: Vec<usize> = (0..n_groups).filter(|&g| size[g] > 0).collect();
    shuffle(&mut order, &mut rng);
    let mut fold_of = vec![0usize; n_groups];
    let mut fill = vec![0usize; k];
    for g in order {
        let f = (0..k).min_by_key(|&f| (fill[f], f)).expect("k ≥ 1");
        fold_of[g] = f;
        fill[f] += size[g];
    }
    groups.iter().map(|&g| fold_of[g]).collect()
}

/// Rows of fold `f` and the rest.
pub fn split(folds: &[usize], f: usize) -> (Vec<usize>, Vec<usize>) {
    let mut train = Vec::new();
    let mut test = Vec::new();
    for (i, &fi) in folds.iter().enumerate() {
        if fi == f {
            test.push(i);
        } else {
            train.push(i);
        }
    }
    (train, test)
}

/// Cross-validated quality of one L2 strength.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridPoint {
    pub(crate) l2: f64,
    /// Mean over folds of each fold's macro-F1 (the selection criterion).
    pub mean_macro_f1: f64,
    pub(crate) fold_macro_f1: Vec<f64>,
}

/// Result of [`cross_validate_l2`].
#[derive(Debug, Clone)]
pub struct CvOutcome {
    /// In the caller's grid order.
    pub grid: Vec<GridPoint>,
    /// Index into `grid` of the chosen λ: best mean macro-F1, the stronger regularisation on ties.
    pub best: usize,
    /// Out-of-fold logits (n × k) at the chosen λ: each row scored by the model that did not see it.
    pub oof_logits: Array2<f32>,
}

/// Fits one softmax regression per fold and λ, scoring each fold's held-out rows. Within a fold the grid
/// is walked from the strongest to the weakest λ, each fit starting from the previous solution (warm
/// start), which cuts the iterations several-fold; the walk order is fixed, so results are deterministic.
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
pub fn cross_validate_l2(
    x: ArrayView2<f32>,
    y: &[usize],
    n_classes: usize,
    folds: &[usize],
    grid: &[f64],
    class_weight: ClassWeight,
    sample_weight: Option<&[f64]>,
    solver: &LbfgsOptions,
) -> Result<CvOutcome, TrainError> {
    if grid.is_empty() {
        return Err(TrainError::Options("empty L2 grid".into()));
    }
    let k_folds = folds.iter().max().map_or(0, |m| m + 1);
    let mut walk: Vec<usize> = (0..grid.len()).collect();
    walk.sort_by(|&a, &b| grid[b].total_cmp(&grid[a]).then(a.cmp(&b)));
    let mut fold_scores = vec![vec![0.0; k_folds]; grid.len()];
    let mut oof: Vec<Array2<f32>> = vec![Array2::zeros((y.len(), n_classes)); grid.len()];
    for f in 0..k_folds {
        let (train, test) = split(folds, f);
        if train.is_empty() || test.is_empty() {
            return Err(TrainError::Empty(format!("cross-validation fold {f} has no training or no test rows")));
        }
        let xt = x.select(Axis(0), &train);
        let yt: Vec<usize> = train.iter().map(|&i| y[i]).collect();
        let swt: Option<Vec<f64>> = sample_weight.map(|w| train.iter().map(|&i| w[i]).collect());
        let problem = SoftmaxProblem::new(xt.view(), &yt, n_classes, class_weight, swt.as_deref())?;
        let xv = x.select(Axis(0), &test);
        let yv: Vec<usize> = test.iter().map(|&i| y[i]).collect();
        let mut theta: Option<Vec<f64>> = None;
        for &g in &walk {
            let (t, _) = problem.solve(grid[g], theta.as_deref(), None, solver);
            let model = SoftmaxRegression::from_theta(&t, n_classes, x.ncols());
            let logits = model.logits_batch(xv.view());
            let pred = argmax_rows(logits.view());
            fold_scores[g][f] = Confusion::from_indices(&yv, &pred, n_classes).macro_f1();
            for (row, &i) in logits.rows().into_iter().zip(&test) {
                oof[g].row_mut(i).assign(&row);
            }
            theta = Some(t);
        }
    }
    let points: Vec<GridPoint> = grid
        .iter()
        .zip(fold_scores)
        .map(|(&l2, scores)| GridPoint {
            l2,
            mean_macro_f1: scores.iter().sum::<f64>() / scores.len() as f64,
            fold_macro_f1: scores,
        })
        .collect();
    // Strongest λ first, so that ties go to the simpler model.
    let mut best = walk[0];
    for &g in &walk {
        if points[g].mean_macro_f1 > points[best].mean_macro_f1 {
            best = g;
        }
    }
    Ok(CvOutcome { oof_logits: std::mem::take(&mut oof[best]), grid: points, best })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::testdata::embedding_like;

    #[test]
    fn stratified_folds_balance_labels_and_depend_on_seed() {
        let y: Vec<usize> = (0..103).map(|i| if i < 10 { 2 } else { i % 2 }).collect();
        let f = stratified_folds(&y, 5, 1);
        for label in 0..3 {
            let mut per = [0usize; 5];
            for (i, &fi) in f.iter().enumerate() {
                if y[i] == label {
                    per[fi] += 1;
                }
            }
            let (mn, mx) = (per.iter().min().unwrap(), per.iter().max().unwrap());
            assert!(mx - mn <= 1, "label {label}: {per:?}");
        }
        let mut sizes = [0usize; 5];
        for &fi in &f {
            sizes[fi] += 1;
        }
        assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{sizes:?}");
        assert_eq!(f, stratified_folds(&y, 5, 1));
        assert_ne!(f, stratified_folds(&y, 5, 2));
    }

    #[test]
    fn group_folds_keep_groups_together() {
        let groups: Vec<usize> = (0..200).map(|i| (i * 7) % 23).collect();
        let f = group_folds(&groups, 4, 3);
        for g in 0..23 {
            let fs: std::collections::BTreeSet<usize> = (0..200).filter(|&i| groups[i] == g).map(|i| f[i]).collect();
            assert_eq!(fs.len(), 1);
        }
        let mut sizes = [0usize; 4];
        for &fi in &f {
            sizes[fi] += 1;
        }
        assert!(sizes.iter().all(|&s| s > 30), "{sizes:?}");
    }

    #[test]
    fn grid_search_prefers_regularisation_on_noisy_small_data() {
        // 60 rows in 64 dimensions with weak signal: the weakest λ overfits, a moderate one is chosen.
        let (x, y) = embedding_like(60, 64, 3, 1.2, 9);
        let folds = stratified_folds(&y, 5, 0);
        let grid = [1e-6, 1e-3, 1e-1];
        let out =
            cross_validate_l2(x.view(), &y, 3, &folds, &grid, ClassWeight::Balanced, None, &LbfgsOptions::default())
                .unwrap();
        assert_eq!(out.grid.len(), 3);
        assert_eq!(out.oof_logits.dim(), (60, 3));
        let best = &out.grid[out.best];
        assert!(out.grid.iter().all(|g| g.mean_macro_f1 <= best.mean_macro_f1));
        assert!(out.oof_logits.iter().all(|v| v.is_finite()));
    }
}
