//! The training page: choose whose codes to train on, start a round (train a head, relabel the run), watch
//! its output, then compare agreement before and after on the agreement page.

use maud::{html, Markup};

use super::{layout, Ctx};
use crate::jobs::{Job, Status};

/// The page; `available` is false when the binary gave no way to train (or the run cannot be relabelled).
pub fn page(
    ctx: &Ctx,
    coders: &[(String, usize)],
    job: &Job,
    available: Result<(), String>,
    relabelled: bool,
) -> Markup {
    let running = matches!(job.status, Status::Running(_));
    let body = html! {
        h1 { "Train and relabel" }
        p { "Trains a frame head on one coder's codes (" code { "framelens train" } ", with its cross-validated report), then labels the run's corpus again with it (" code { "framelens run --head" } "). The workbench then reads the relabelled run; the agreement page shows each coder against the model before and after." }
        @if relabelled { p.note { "This workbench now shows a relabelled run." } }
        @match &available {
            Err(why) => { p.error { "Training is not available: " (why) } }
            Ok(()) => {
                @if coders.is_empty() { p { "Nothing coded yet." } } @else {
                    form #train method="post" action=(ctx.action("/train")) {
                        label { "Codes of " select name="coder" { @for (c, n) in coders { option value=(c) { (c) " (" (n) " coded)" } } } }
                        button type="submit" disabled[running] { "Train and relabel" }
                    }
                }
            }
        }
        h2 { "Status" }
        p #status data-state=(match &job.status { Status::Idle => "idle", Status::Running(_) => "running", Status::Done(_) => "done", Status::Failed(_) => "failed" }) {
            @match &job.status {
                Status::Idle => { "Nothing run yet." }
                Status::Running(step) => { "Running: " (step) "…" }
                Status::Done(dir) => { "Done: the workbench now reads " code { (dir.display()) } ". " a href="/agreement" { "Agreement before and after" } }
                Status::Failed(m) => { "Failed: " (m) }
            }
        }
        @if let Some(dir) = &job.dir { p.muted { "Files of this round: " code { (dir.display()) } } }
        pre #log { @for l in &job.log { (l) "\n" } }
    };
    layout(ctx, "Train", "/train", body)
}
