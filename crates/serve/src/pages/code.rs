//! The coding page: one paragraph at a time from the coder's queue, the codebook at hand, every decision a
//! key (1–9 frames, 0 none of them, s/c/n stance, x skip, u undo, t note) that is committed at once.

use maud::{html, Markup};
use serde::Deserialize;

use super::{layout, url_encode, Ctx};
use crate::codes::Code;
use crate::queue::Order;
use crate::run_data::RunData;

/// The coding page's query: who codes, in which order, toward what target, and optionally one paragraph.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CodeQuery {
    /// The coder's name (empty: the page asks for it).
    pub coder: String,
    /// [`Order::as_str`].
    pub order: String,
    /// Paragraphs the coder means to code (progress is shown against it).
    pub target: Option<usize>,
    /// A paragraph to code now instead of the queue's next one.
    pub row: Option<usize>,
}

impl CodeQuery {
    /// The default target.
    pub const TARGET: usize = 100;

    /// The query string of the coding page for the same coder and queue.
    pub fn query(&self) -> String {
        format!(
            "coder={}&order={}&target={}",
            url_encode(&self.coder),
            Order::parse(&self.order).as_str(),
            self.target.unwrap_or(Self::TARGET)
        )
    }
}

/// The page asking for a name and a queue.
pub fn start(ctx: &Ctx, coders: &[String], q: &CodeQuery) -> Markup {
    let body = html! {
        h1 { "Code paragraphs" }
        p { "Codes are saved at each key press. Coders code independently: nobody sees another's codes here, and the model's labels are hidden while coding." }
        form.start method="get" action="/code" {
            label { "Your name " input name="coder" required autofocus list="coders" value=(q.coder); }
            datalist #coders { @for c in coders { option value=(c) {} } }
            label { "Queue " select name="order" { @for o in Order::ALL { option value=(o.as_str()) { (o.describe()) } } } }
            label { "Target " input type="number" name="target" min="1" value=(q.target.unwrap_or(CodeQuery::TARGET)); }
            @if let Some(r) = q.row { input type="hidden" name="row" value=(r); }
            button type="submit" { "Start coding" }
        }
        h2 { "Import a sheet coded elsewhere" }
        p.muted { "A coding sheet (" code { "framelens sample" } " output, coded in a spreadsheet): its codes are stored as this coder's." }
        p {
            label { "Coder " input #import-coder type="text" value=(q.coder); }
            " "
            label { "Sheet " input #import-file type="file" accept=".csv,text/csv"; }
        }
        p.muted #import-result {}
    };
    layout(ctx, "Code", "/code", body)
}

/// The coding page for `row` (`None`: the queue is finished).
pub fn item(
    ctx: &Ctx,
    run: &RunData,
    q: &CodeQuery,
    row: Option<usize>,
    code: &Code,
    done: usize,
    queue_len: usize,
) -> Markup {
    let target = q.target.unwrap_or(CodeQuery::TARGET);
    let action = ctx.action(&format!("/code?{}", q.query()));
    let key_button = |key: &str, action_value: String, text: Markup, chosen: bool| {
        html! {
            form.key method="post" action=(action) {
                input type="hidden" name="row" value=(row.unwrap_or(0));
                input type="hidden" name="action" value=(action_value);
                button type="submit" data-key=(key) class=[chosen.then_some("chosen")] { kbd { (key) } " " (text) }
            }
        }
    };
    let body = html! {
        div.progress {
            strong #coder { (q.coder) } " · " span #done { (done) } " coded of target " (target)
            " (queue " (queue_len) ", " (Order::parse(&q.order).describe()) ")"
            progress max=(target) value=(done.min(target)) {}
            " · " a href=(format!("/export.csv?coder={}", url_encode(&q.coder))) { "export my codes (CSV)" }
            " · " a href="/code" { "change coder" }
        }
        @match row {
            None => { p #finished { "Every paragraph in this queue is coded. " a href="/agreement" { "See agreement" } "." } }
            Some(row) => {
                @let p = &run.paragraphs[row];
                @let article = run.article(row);
                @let before = (article.start..row).rev().find(|&r| run.paragraphs[r].is_body());
                @let after = (row + 1..article.end).find(|&r| run.paragraphs[r].is_body());
                div.coding {
                    section.item {
                        p.muted { (p.outlet) " · " (p.published) " · " (p.title) @if !p.section.is_empty() { " · " (p.section) } }
                        @if let Some(b) = before { p.context { (run.paragraphs[b].text) } }
                        p.current #paragraph data-row=(row) { (p.text) }
                        @if let Some(a) = after { p.context { (run.paragraphs[a].text) } }
                        form.note method="post" action=(action) {
                            input type="hidden" name="row" value=(row);
                            input type="hidden" name="action" value="note";
                            label { "Note (t) " input #note type="text" name="value" value=(code.note) placeholder="Enter saves"; }
                        }
                    }
                    aside.keys {
                        h2 { "Frame" }
                        @for (i, f) in run.frames.iter().enumerate().take(9) {
                            @let entry = run.frame_entry(f);
                            (key_button(&(i + 1).to_string(), format!("frame:{f}"), html! {
                                strong { (entry.map_or(f.as_str(), |e| e.0)) }
                                @if let Some(e) = entry { br; span.definition title=(e.1) { (e.1) } }
                            }, code.frame == *f))
                        }
                        (key_button("0", "frame:other".into(), html! { strong { "none of them" } " (other)" }, code.frame == framelens::codebook::OTHER))
                        @if let Some(t) = &run.stance_target {
                            h2 { "Stance toward " code { (t) } }
                            div.row { @for (key, s) in [("s", "supportive"), ("c", "critical"), ("n", "neutral")] {
                                (key_button(key, format!("stance:{s}"), html! { strong { (s) } }, code.stance == s))
                            } }
                        }
                        h2 { "Other" }
                        div.row {
                            (key_button("x", "skip".into(), html! { "skip" }, code.skipped))
                            (key_button("u", "undo".into(), html! { "undo the last code" }, false))
                        }
                    }
                }
            }
        }
    };
    layout(ctx, "Code", "/code", body)
}
