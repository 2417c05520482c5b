//! The training report as Markdown: what `framelens train` prints and what `*.report.md` beside a shipped
//! head holds.

use std::fmt::Write;

use super::head::{Head, HeadKind};
use crate::evaluate::ClassScore;

fn label_table(s: &mut String, labels: &[ClassScore], thresholds: Option<&[f32]>) {
    let _ = writeln!(
        s,
        "| label | precision | recall | F1 | support |{}\n|---|---|---|---|---|{}",
        if thresholds.is_some() { " threshold |" } else { "" },
        if thresholds.is_some() { "---|" } else { "" }
    );
    for (i, l) in labels.iter().enumerate() {
        let thr = thresholds.and_then(|t| t.get(i)).map_or(String::new(), |t| format!(" {t:.3} |"));
        let _ =
            writeln!(s, "| {} | {:.3} | {:.3} | {:.3} | {} |{thr}", l.label, l.precision, l.recall, l.f1, l.support);
    }
}

/// The head's training report in Markdown (title level `###`).
pub fn markdown(head: &Head, title: &str) -> String {
    let r = &head.report;
    let mut s = String::new();
    let kind = match head.kind {
        HeadKind::Single => "single-label frame head (multinomial logistic regression)",
        HeadKind::Multi => "multi-label frame head (one-vs-rest logistic regression, per-label thresholds)",
        HeadKind::StancePair => "stance head on [t, s, |t−s|, t∘s] (multinomial logistic regression)",
    };
    let _ = writeln!(s, "### {title}\n");
    let _ = writeln!(
        s,
        "{kind} · encoder `{}` (weights sha256 {}…) · {} training rows · {} labels\n",
        head.encoder.model_id,
        &head.encoder.weights_sha256[..head.encoder.weights_sha256.len().min(12)],
        r.rows,
        head.labels.len()
    );
    let grid: Vec<String> = r
        .grid
        .iter()
        .map(|g| {
            let mark = if g.l2 == r.chosen_l2 { " ←" } else { "" };
            format!("{:e}: {:.3}{mark}", g.l2, g.mean_macro_f1)
        })
        .collect();
    let _ = writeln!(s, "L2 strength by {}-fold cross-validation (mean macro-F1): {}\n", r.folds, grid.join(" · "));
    let mut line = format!(
        "Cross-validated (out-of-fold) scores: macro-F1 **{:.3}** · {} {:.3}",
        r.cv.macro_f1,
        if head.kind == HeadKind::Multi { "exact match" } else { "accuracy" },
        r.cv.accuracy
    );
    if let Some(m) = r.cv.micro_f1 {
        let _ = write!(line, " · micro-F1 {m:.3}");
    }
    if let Some(k) = r.cv.kappa {
        let _ = write!(line, " · Cohen's kappa {k:.3}");
    }
    if let Some(a) = r.cv.alpha {
        let _ = write!(line, " · Krippendorff's alpha {a:.3}");
    }
    let _ = writeln!(s, "{line}\n");
    label_table(&mut s, &r.cv.labels, head.thresholds.as_deref());
    let c = &r.calibration;
    let _ = writeln!(
        s,
        "\nCalibration (temperature scaling on out-of-fold logits, cross-fitted): T = {:.3} (fitted {:.3}) · \
         NLL {:.4} → {:.4} · expected calibration error ({} bins) {:.3} → {:.3}",
        c.temperature,
        c.fitted_temperature,
        c.nll_uncalibrated,
        c.nll_calibrated,
        c.bins,
        c.ece_uncalibrated,
        c.ece_calibrated
    );
    let f = &r.final_fit;
    let _ = writeln!(
        s,
        "\nFinal fit on all rows: {} iterations, converged: {} (largest gradient {:.1e})",
        f.iterations, f.converged, f.grad_max
    );
    for h in &r.held_out {
        let _ = writeln!(s, "\n#### {} ({} rows)\n", h.name, h.rows);
        let mut line = format!(
            "macro-F1 **{:.3}** · {} {:.3}",
            h.macro_f1,
            if head.kind == HeadKind::Multi { "exact match" } else { "accuracy" },
            h.accuracy
        );
        if let Some(m) = h.micro_f1 {
            let _ = write!(line, " · micro-F1 **{m:.3}**");
        }
        if let Some(c) = h.scores {
            let _ = write!(line, " · mean top score {:.3} · expected calibration error {:.3}", c.mean_top_score, c.ece);
        }
        let _ = writeln!(s, "{line}\n");
        label_table(&mut s, &h.labels, None);
    }
    if !r.notes.is_empty() {
        let _ = writeln!(s, "\nNotes:");
        for n in &r.notes {
            let _ = writeln!(s, "- {n}");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::testdata::{embedding_like, test_encoder};
    use crate::train::{train_single_label, TrainOptions};

    #[test]
    fn report_names_the_figures() {
        let (x, y) = embedding_like(90, 8, 3, 0.8, 2);
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let opts = TrainOptions { folds: 3, l2_grid: vec![1e-3, 1e-2], ..Default::default() };
        let head = train_single_label(x.view(), &y, &labels, None, &opts, &test_encoder(8)).unwrap();
        let md = markdown(&head, "Frames");
        for needle in ["### Frames", "macro-F1", "Krippendorff's alpha", "| a |", "T = ", "calibration error"] {
            assert!(md.contains(needle), "{needle} missing in\n{md}");
        }
    }
}
