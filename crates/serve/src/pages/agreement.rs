//! The agreement page: every coder pair and every coder against the model (before and after relabelling),
//! then one comparison in full: framelens' agreement figures with intervals, per-label scores, the
//! confusion matrix and the disagreeing paragraphs one click away.

use maud::{html, Markup};

use super::{layout, url_encode, Ctx};
use crate::agreement::{Paired, Task};

/// One comparison row of the summary.
pub struct Line {
    /// First side (a coder).
    pub a: String,
    /// Second side (a coder, `model`, or `model (before relabelling)`).
    pub b: String,
    /// Frame pairs.
    pub frames: Paired,
    /// Stance pairs.
    pub stance: Paired,
}

fn cell(rows: Option<&Vec<Vec<String>>>, metric: &str) -> Markup {
    let Some(rows) = rows else { return html! { td.num { "–" } } };
    let row = rows.iter().find(|r| r[1] == "summary" && r[4] == metric);
    html! { td.num data-metric=(metric) { @if let Some(r) = row { @if r[5].is_empty() { "undefined" } @else {
        (format!("{:.3}", r[5].parse::<f64>().unwrap_or(f64::NAN)))
    } } } }
}

/// The summary of every comparison, and the detail of one when `detail` is given.
pub fn page(ctx: &Ctx, lines: &[Line], detail: Option<(&Line, Task)>, run_rows: &dyn Fn(usize) -> String) -> Markup {
    let body = html! {
        h1 { "Agreement" }
        p.muted { "Computed by the code behind " code { "framelens eval" } ": bootstrap 95% intervals resample articles (2000 replicates, seed 13). "
            "Coder vs model pairs are in run order, the order of the exported sheet, so " code { "framelens eval --gold <export>" } " gives the same figures." }
        @if lines.is_empty() { p { "Nothing coded yet: " a href="/code" { "start coding" } "." } } @else {
            table.agreement {
                thead {
                    tr { th rowspan="2" { "coder" } th rowspan="2" { "against" } th colspan="4" { "frames" } th colspan="4" { "stance" } }
                    tr { @for _ in 0..2 { th.num { "n" } th.num { "kappa" } th.num { "alpha" } th.num { "macro-F1" } } }
                }
                tbody { @for l in lines { tr {
                    td { (l.a) } td { (l.b) }
                    @for (p, task) in [(&l.frames, Task::Frame), (&l.stance, Task::Stance)] {
                        @let rows = p.agreement("").map(|a| a.csv_rows(task.as_str()));
                        td.num { a href=(format!("/agreement?a={}&b={}&task={}#detail", url_encode(&l.a), url_encode(&l.b), task.as_str())) { (p.pairs.len()) } }
                        (cell(rows.as_ref(), "cohen_kappa")) (cell(rows.as_ref(), "krippendorff_alpha")) (cell(rows.as_ref(), "macro_f1"))
                    }
                } } }
            }
        }
        @if let Some((l, task)) = detail {
            @let p = if task == Task::Frame { &l.frames } else { &l.stance };
            h2 #detail { (l.a) " vs " (l.b) ": " (task.as_str()) }
            @match p.agreement(&format!("{} vs {}", l.a, l.b)) {
                None => { p { "No paragraphs coded by both." } }
                Some(a) => {
                    @let rows = a.csv_rows(task.as_str());
                    table.summary { thead { tr { th { "measure" } th.num { "value" } th.num { "95% interval" } } }
                        tbody { @for r in rows.iter().filter(|r| r[1] == "summary") { tr {
                            td { (r[4]) } td.num.metric data-metric=(r[4]) { (r[5]) }
                            td.num { @if !r[6].is_empty() { "[" (r[6]) ", " (r[7]) "]" } }
                        } } }
                    }
                    p.muted { (a.resampled) " resampled" }
                    h3 { "Per label (first side as reference)" }
                    table { thead { tr { th { "label" } th.num { "precision" } th.num { "recall" } th.num { "F1" } th.num { "support" } } }
                        tbody { @for label in labels(&rows) { tr {
                            td { (label) }
                            @for m in ["precision", "recall", "f1", "support"] {
                                td.num { (rows.iter().find(|r| r[1] == "label" && r[2] == label && r[4] == m).map_or("", |r| r[5].as_str())) }
                            }
                        } } }
                    }
                    h3 { "Confusion matrix (rows: " (l.a) ", columns: " (l.b) ")" }
                    @let order = labels(&rows);
                    div.scroll { table.confusion {
                        thead { tr { th {} @for c in &order { th { (c) } } } }
                        tbody { @for g in &order { tr { th { (g) } @for c in &order {
                            @let n = rows.iter().find(|r| r[1] == "confusion" && r[2] == *g && r[3] == *c).map_or("", |r| r[5].as_str());
                            td.num.diag[g == c] { (n) }
                        } } } }
                    } }
                    h3 { "Where they disagree (" (p.disagreements().len()) ")" }
                    ul.disagreements { @for (i, (x, y)) in p.pairs.iter().enumerate().filter(|(_, (x, y))| x != y) {
                        li { a href=(format!("/p/{}", p.rows[i])) { (x) " / " (y) } " — " (run_rows(p.rows[i])) }
                    } }
                }
            }
        }
    };
    layout(ctx, "Agreement", "/agreement", body)
}

/// Labels of an agreement's per-label rows, in its order.
fn labels(rows: &[Vec<String>]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in rows.iter().filter(|r| r[1] == "label") {
        if !out.contains(&r[2]) {
            out.push(r[2].clone());
        }
    }
    out
}
