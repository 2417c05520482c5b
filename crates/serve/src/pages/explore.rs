//! Reading a run: the overview (shares by outlet with intervals, the clearest differences), the paragraph
//! table, and one paragraph in its article.

use std::collections::BTreeMap;

use framelens::run::comparison::{ComparisonRow, DifferenceRow};
use framelens::run::labels::Measure;
use maud::{html, Markup};

use super::{bar, layout, opt3, pct, url_encode, Ctx};
use crate::codes::Code;
use crate::filter::{Filter, Page};
use crate::run_data::RunData;

/// The run's comparison tables, when `run` or `compare` wrote them.
#[derive(Debug, Default)]
pub struct Tables {
    /// `comparison.csv`.
    pub comparison: Vec<ComparisonRow>,
    /// `differences.csv`.
    pub differences: Vec<DifferenceRow>,
    /// Whether `report.html` exists.
    pub has_report: bool,
}

impl Tables {
    /// Reads what exists in the run folder; a missing or unreadable table is an empty one.
    pub fn read(run: &RunData) -> Tables {
        fn rows<T: serde::de::DeserializeOwned>(path: std::path::PathBuf) -> Vec<T> {
            csv::Reader::from_path(path)
                .map(|mut r| r.deserialize().filter_map(Result::ok).collect())
                .unwrap_or_default()
        }
        Tables {
            comparison: rows(run.dir.join("comparison.csv")),
            differences: rows(run.dir.join("differences.csv")),
            has_report: run.dir.join("report.html").is_file(),
        }
    }
}

/// The overview page.
pub fn overview(ctx: &Ctx, run: &RunData, tables: &Tables) -> Markup {
    let model = run.manifest["model"]["id"].as_str().unwrap_or("?");
    let codebook = run.manifest["codebook"]["name"].as_str().unwrap_or("?");
    let share_table = |measure: Measure, labels: Vec<String>| {
        let mut by: BTreeMap<&str, BTreeMap<&str, &ComparisonRow>> = BTreeMap::new();
        for r in tables.comparison.iter().filter(|r| r.measure == measure) {
            by.entry(r.group.as_str()).or_default().insert(r.label.as_str(), r);
        }
        html! {
            @if by.is_empty() {
                p.muted { "No comparison table in this run folder (run `framelens compare` on it)." }
            } @else {
                div.scroll { table.shares {
                    thead { tr { th { "outlet" } th.num title="on-topic body paragraphs" { "n" } @for l in &labels { th { (l.replace('_', "_\u{200b}")) } } } }
                    tbody { @for (group, cells) in &by {
                        tr {
                            td { a href=(format!("/paragraphs?outlet={}", url_encode(group))) { (group) } }
                            td.num { (cells.values().next().map_or(0, |r| r.n_paragraphs)) }
                            @for l in &labels { td {
                                @if let Some(r) = cells.get(l.as_str()) {
                                    a href=(format!("/paragraphs?outlet={}&{}={}", url_encode(group), if measure == Measure::Frame { "frame" } else { "stance" }, url_encode(l))) title=(format!("{} [{}, {}], {} articles", pct(r.share), pct(r.ci_low), pct(r.ci_high), r.n_articles)) {
                                        (bar(r.share, r.ci_low, r.ci_high)) " " span.num { (pct(r.share)) }
                                    }
                                }
                            } }
                        }
                    } }
                } }
            }
        }
    };
    let mut diffs: Vec<&DifferenceRow> =
        tables.differences.iter().filter(|d| d.ci_low > 0.0 || d.ci_high < 0.0).collect();
    diffs.sort_by(|a, b| b.diff.abs().total_cmp(&a.diff.abs()));
    let off_topic = run.body.iter().filter(|&&r| run.paragraphs[r].frame == framelens::codebook::OTHER).count();
    let body = html! {
        h1 { "Overview" }
        p {
            (run.paragraphs.len()) " paragraphs (" (run.body.len()) " body) in " (run.articles) " articles from "
            (run.outlets.len()) " outlets · model " code { (model) } " · codebook " code { (codebook) }
            @if tables.has_report { " · " a href="/report" { "the full report" } }
        }
        h2 { "Frame shares by outlet" }
        p.muted {
            "Bars: share of the on-topic body paragraphs (" (off_topic) " of " (run.body.len()) " body paragraphs are "
            a href="/paragraphs?frame=other" { "other" } ", off-topic or no frame close enough, and left out of shares); "
            "whiskers: 95% bootstrap interval over articles. Click a share for its paragraphs."
        }
        (share_table(Measure::Frame, run.frames.clone()))
        @if run.stance_target.is_some() {
            h2 { "Stance toward " code { (run.stance_target.as_deref().unwrap_or("")) } }
            (share_table(Measure::Stance, framelens::codebook::STANCE_LABELS.iter().map(|s| s.to_string()).collect()))
        }
        h2 { "Differences whose interval excludes zero" }
        @if diffs.is_empty() { p.muted { "None (or no differences table)." } } @else {
            table { thead { tr { th { "outlet" } th { "frame" } th.num { "share" } th.num { "rest" } th.num { "difference [95% interval]" } } }
                tbody { @for d in diffs.iter().take(20) { tr {
                    td { (d.group) } td { (d.label) } td.num { (pct(d.share)) } td.num { (pct(d.rest_share)) }
                    td.num { (format!("{:+.1} [{:+.1}, {:+.1}] points", d.diff * 100.0, d.ci_low * 100.0, d.ci_high * 100.0)) }
                } } }
            }
        }
    };
    layout(ctx, "Overview", "/", body)
}

/// The paragraph table with its filter form.
pub fn table(ctx: &Ctx, run: &RunData, f: &Filter, page: &Page) -> Markup {
    let query = f.query();
    let link = |p: usize| {
        if query.is_empty() {
            format!("/paragraphs?page={p}")
        } else {
            format!("/paragraphs?{query}&page={p}")
        }
    };
    let mut frames = run.frames.clone();
    frames.push(framelens::codebook::OTHER.to_string());
    let body = html! {
        h1 { "Paragraphs" }
        form.filters method="get" action="/paragraphs" {
            label { "outlet " select name="outlet" { option value="" { "any" } @for o in &run.outlets { option value=(o) selected[*o == f.outlet] { (o) } } } }
            label { "from " input type="date" name="from" value=(f.from); }
            label { "to " input type="date" name="to" value=(f.to); }
            label { "frame " select name="frame" { option value="" { "any" } @for fr in &frames { option value=(fr) selected[*fr == f.frame] { (fr) } } } }
            @if run.stance_target.is_some() {
                label { "stance " select name="stance" { option value="" { "any" } @for s in framelens::codebook::STANCE_LABELS { option value=(s) selected[s == f.stance] { (s) } } } }
            }
            label { "margin ≤ " input type="number" step="0.01" min="0" max="1" name="max_margin" value=(f.max_margin) size="4"; }
            label { "text " input type="search" name="q" value=(f.q) placeholder="words in the paragraph"; }
            label { input type="checkbox" name="all_kinds" value="1" checked[!f.all_kinds.is_empty()]; " headings too" }
            button type="submit" { "Filter" }
        }
        p.muted #count { (page.total) " paragraphs match · page " (page.page) " of " (page.pages) }
        table.paragraphs {
            thead { tr { th { "outlet" } th { "date" } th { "frame" } th.num { "score" } th.num { "margin" } th { "stance" } th { "text" } } }
            tbody { @for &row in &page.rows { @let p = &run.paragraphs[row]; tr {
                td { (p.outlet) } td.nowrap { (p.published) }
                td { (p.frame) @if p.uncertain == Some(true) { " " span.flag title="the model is unsure" { "?" } } }
                td.num { (opt3(p.frame_score)) } td.num { (opt3(p.frame_margin)) }
                td { (p.stance.map_or("", |s| s.as_str())) }
                td { a href=(format!("/p/{row}")) { (snippet(&p.text, 220)) } }
            } } }
        }
        nav.pager {
            @if page.page > 1 { a href=(link(page.page - 1)) rel="prev" { "← previous" } }
            " "
            @if page.page < page.pages { a href=(link(page.page + 1)) rel="next" { "next →" } }
        }
    };
    layout(ctx, "Paragraphs", "/paragraphs", body)
}

/// At most `n` characters of `s`, with an ellipsis when cut.
pub fn snippet(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// One paragraph in its article, with the model's reading, the codebook entry of its label and the codes
/// it has been given.
pub fn paragraph(ctx: &Ctx, run: &RunData, row: usize, codes: &[(String, Code)]) -> Markup {
    let p = &run.paragraphs[row];
    let article = run.article(row);
    let prev = (article.start..row).rev().find(|&r| run.paragraphs[r].is_body());
    let next = (row + 1..article.end).find(|&r| run.paragraphs[r].is_body());
    let body = html! {
        h1 { (p.title) }
        p.muted { (p.outlet) " · " (p.published) " · " code { (p.doc_id) } " · paragraph " (p.para_index) @if !p.section.is_empty() { " · section “" (p.section) "”" } }
        nav.pager {
            @if let Some(r) = prev { a href=(format!("/p/{r}")) rel="prev" { "← previous paragraph" } }
            " "
            @if let Some(r) = next { a href=(format!("/p/{r}")) rel="next" { "next paragraph →" } }
            " · " a href=(format!("/code?row={row}")) { "code this paragraph" }
        }
        div.reading {
            section.article {
                @for r in article.clone() { @let q = &run.paragraphs[r];
                    @if q.kind == framelens::run::labels::Kind::Heading { h3 { (q.text) } }
                    @else {
                        p.current[r == row].furniture[!q.is_body()] id=(format!("r{r}")) {
                            @if r == row { (q.text) } @else { a.plain href=(format!("/p/{r}")) { (q.text) } }
                        }
                    }
                }
            }
            aside {
                @if p.is_body() {
                    h2 { "Model" }
                    dl {
                        dt { "frame" } dd { strong { (p.frame) } " " (opt3(p.frame_score)) " (margin " (opt3(p.frame_margin)) ")" }
                        @if !p.frames.is_empty() && p.frames != p.frame { dt { "frames (multi-label)" } dd { (p.frames) } }
                        @if let Some(s) = p.stance { dt { "stance" } dd { strong { (s.as_str()) } " " (opt3(p.stance_score)) } }
                        dt { "topic relevance" } dd { (opt3(p.relevance)) }
                        @if p.uncertain == Some(true) { dt { "check" } dd { "the model is unsure of this label" } }
                        dt { "evidence" } dd { (p.evidence) }
                        dt { "tokens" } dd { (p.n_tokens) " in " (p.windows) " window(s)" }
                    }
                    @if !p.scores.is_empty() && p.scores.len() == run.frames.len() {
                        h3 { "Frame probabilities" }
                        table { tbody { @for (f, s) in run.frames.iter().zip(&p.scores) {
                            tr { td { (f) } td { (bar(f64::from(*s), f64::from(*s), f64::from(*s))) } td.num { (format!("{s:.3}")) } }
                        } } }
                    }
                    @if let Some((label, definition, cues)) = run.frame_entry(&p.frame) {
                        h3 { "Codebook: " (label) }
                        p { (definition) }
                        @if !cues.is_empty() { p.muted { "cues: " (cues.join("; ")) } }
                    }
                    h2 { "Codes" }
                    @if codes.is_empty() { p.muted { "Not coded yet." } }
                    @else { table { tbody { @for (coder, c) in codes { tr {
                        td { (coder) } td { @if c.skipped { "skipped" } @else { (c.frame) } } td { (c.stance) } td { (c.note) }
                    } } } } }
                } @else {
                    p.muted { "A " (p.kind.as_str()) " block: not classified." }
                }
            }
        }
    };
    layout(ctx, &snippet(&p.title, 60), "/paragraphs", body)
}
