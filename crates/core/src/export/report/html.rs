//! The report page: run summary, charts, tables and typical paragraphs, as one HTML document with
//! inline CSS and inline SVG. It makes no requests (a Content-Security-Policy forbids them, so a
//! mistake cannot quietly add one) and needs no JavaScript: tooltips are SVG `<title>`s, full
//! paragraphs open with `<details>`.

use std::fmt::Write;

use super::charts::{
    distance_heatmap, group_noun, interval_panels, label_name, stacked_bars, time_panels, top_groups, MonthSeries,
    ShareTable,
};
use super::cues::{CueOwners, Owner};
use super::svg::{esc, exact, fixed, frame_colour, pct, stance_colour};
use super::ReportOptions;
use crate::display::count;
use crate::display::p_statement;
use crate::export::run_tables::{ParagraphDigest, RunTables};
use crate::run::comparison::{DifferenceRow, DistanceRow, IndependenceRow};
use crate::run::files::{COMPARISON_CSV, DIFFERENCES_CSV, DISTANCES_CSV, INDEPENDENCE_CSV};
use crate::run::labels::{Measure, Stance, STANCE_DISPLAY_ORDER};

/// Chart ids (on each chart's `<figure>`), stable for tests, links (`report.html#chart-time`) and
/// users' own tooling.
pub const CHART_FRAMES: &str = "chart-frames";
#[allow(missing_docs)]
pub const CHART_DISTANCES: &str = "chart-distances";
#[allow(missing_docs)]
pub const CHART_STANCE: &str = "chart-stance";
#[allow(missing_docs)]
pub const CHART_TIME: &str = "chart-time";

const CSS: &str = r#"
:root { --ink:#222; --muted:#666; --rule:#ddd; --warn:#B34700; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 8px; padding-top: 12px; border-top: 1px solid var(--rule); }
h3 { font-size: 16px; margin: 20px 0 6px; }
h1, h2, h3, .para .meta, .sub { overflow-wrap: anywhere; }
.sub { color: var(--muted); margin: 0 0 16px; }
.summary { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 4px 32px; }
.summary table { border-collapse: collapse; width: 100%; }
.summary th { text-align: left; font-weight: 600; padding: 3px 12px 3px 0; vertical-align: top;
  white-space: nowrap; color: var(--muted); }
.summary td { padding: 3px 0; vertical-align: top; overflow-wrap: anywhere; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
figure { margin: 12px 0 8px; }
figcaption { color: var(--muted); font-size: 14px; margin-bottom: 8px; max-width: 80ch; }
svg.chart { display: block; max-width: 100%; height: auto; margin: 8px 0; }
.note { background: #FFF8E5; border-left: 4px solid #E69F00; padding: 8px 12px; margin: 12px 0; }
.stat { margin: 6px 0; }
table.data { border-collapse: collapse; margin: 8px 0; font-size: 14px; width: 100%; }
table.data th, table.data td { border-bottom: 1px solid var(--rule); padding: 4px 8px; text-align: left; vertical-align: top; }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.clear td { font-weight: 600; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 6px; vertical-align: -1px;
  border: 0.5px solid #555; }
.frame-block { margin: 18px 0 26px; }
.para { border: 1px solid var(--rule); border-left-width: 5px; border-radius: 4px; padding: 10px 14px; margin: 10px 0; }
.para .meta { color: var(--muted); font-size: 13px; margin-bottom: 4px; }
.para blockquote { margin: 4px 0; font-size: 15px; }
.cue { display: inline-block; background: #EEE; border-radius: 3px; padding: 0 6px; margin: 2px 4px 0 0; font-size: 12px; }
.cue-group { display: inline-block; margin: 2px 12px 0 0; padding-left: 6px; border-left: 3px solid #999; }
.cue-owner { color: var(--muted); font-size: 12px; margin-right: 4px; }
details summary { cursor: pointer; color: var(--muted); font-size: 13px; }
details p { margin: 6px 0 0; }
.small-group { color: var(--warn); }
footer { color: var(--muted); font-size: 13px; margin-top: 40px; border-top: 1px solid var(--rule); padding-top: 8px; }
@media print { h2 { break-before: auto; } figure, .para { break-inside: avoid; } }
"#;

fn section(out: &mut String, id: &str, title: &str) {
    let _ = writeln!(out, "<h2 id=\"{}\">{}</h2>", esc(id), esc(title));
}

fn note(out: &mut String, omitted: Option<&str>, text: &str) {
    match omitted {
        Some(id) => {
            let _ = writeln!(out, "<p class=\"note\" data-omitted=\"{}\">{}</p>", esc(id), text);
        }
        None => {
            let _ = writeln!(out, "<p class=\"note\">{text}</p>");
        }
    }
}

/// Longest corpus name the page heading shows whole; a longer one (usually a path) is cut with an
/// ellipsis and shown whole on hover, so the heading stays on one or two lines at 1280 px.
pub const HEADING_CHARS: usize = 70;
/// Longest article title a paragraph's header line shows whole (likewise cut, whole on hover).
pub const TITLE_CHARS: usize = 90;

/// `s` cut to `max` characters, the last one an ellipsis.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `text` escaped and cut to `max` characters; when cut, the whole text is its tooltip.
fn clipped(text: &str, max: usize) -> String {
    let shown = clip(text, max);
    if shown == text {
        esc(text)
    } else {
        format!("<span title=\"{}\">{}</span>", esc(text), esc(&shown))
    }
}

/// The whole page.
pub fn page(t: &RunTables, digest: &ParagraphDigest, cues: &CueOwners, opts: &ReportOptions) -> String {
    let corpus = t.manifest_str(&["corpus"]).unwrap_or_else(|| t.dir.display().to_string());
    let by = match t.compare_files.group_by.as_str() {
        "outlet" => String::new(),
        g => format!(" — by {g}"),
    };
    let mut out = String::new();
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n";
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    let _ = writeln!(out, "<title>framelens report — {}{}</title>", esc(&corpus), esc(&by));
    let _ = writeln!(out, "<style>{CSS}</style>\n</head>\n<body>\n<main>");
    let _ = writeln!(out, "<h1>Framing report: {}{}</h1>", clipped(&corpus, HEADING_CHARS), esc(&by));
    let codebook = [t.manifest_str(&["codebook", "name"]), t.manifest_str(&["codebook", "version"])]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let _ = writeln!(
        out,
        "<p class=\"sub\">Codebook <b>{}</b> · {} frames · created {}</p>",
        esc(if codebook.is_empty() { "?" } else { &codebook }),
        t.frames.len(),
        esc(&t.manifest_str(&["created"]).unwrap_or_else(|| "—".into()))
    );

    summary(&mut out, t, digest);
    off_topic_note(&mut out, t);
    frames_section(&mut out, t);
    distances_section(&mut out, t, opts);
    stance_section(&mut out, t);
    time_section(&mut out, t, digest);
    differences_section(&mut out, t);
    typical_section(&mut out, t, digest, cues);

    let compare_files = if t.comparison.is_some() {
        let f = &t.compare_files;
        [COMPARISON_CSV, DISTANCES_CSV, DIFFERENCES_CSV, INDEPENDENCE_CSV]
            .iter()
            .map(|b| format!(", {}", f.name(b)))
            .collect::<String>()
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "<footer>Made by framelens {} from the files in this run folder (paragraphs.csv, articles.csv, outlets.csv, manifest.json{}). \
         Percentages are rounded for display; hover a mark for its exact value and interval, or open the CSVs.</footer>",
        esc(&t.manifest_str(&["framelens_version"]).unwrap_or_else(|| "?".into())),
        esc(&compare_files)
    );
    out += "</main>\n</body>\n</html>\n";
    out
}

fn summary(out: &mut String, t: &RunTables, d: &ParagraphDigest) {
    section(out, "summary", "Run summary");
    let v = |p: &[&str]| t.manifest_str(p);
    let mut left: Vec<(&str, String)> = Vec::new();
    left.push(("Corpus", v(&["corpus"]).unwrap_or_else(|| "—".into())));
    let mut model = v(&["model", "id"]).unwrap_or_else(|| "—".into());
    if let Some(sha) = v(&["model", "weights_sha256"]) {
        model += &format!(" (sha256 {}…)", sha.chars().take(12).collect::<String>());
    }
    left.push(("Model", model));
    let mut precision = v(&["model", "precision"]).unwrap_or_else(|| "—".into());
    if let Some(reason) = v(&["model", "precision_reason"]) {
        precision += &format!(" — {reason}");
    }
    left.push(("Precision", precision));
    let mut cb =
        [v(&["codebook", "name"]), v(&["codebook", "version"])].into_iter().flatten().collect::<Vec<_>>().join(" ");
    if let Some(sha) = v(&["codebook", "sha256"]) {
        cb += &format!(" (sha256 {}…)", sha.chars().take(12).collect::<String>());
    }
    left.push(("Codebook", cb));
    left.push(("Frames", t.frames.iter().map(|f| label_name(f)).collect::<Vec<_>>().join(", ")));
    if let Some(target) = v(&["codebook", "stance_target"]) {
        left.push(("Stance toward", label_name(&target)));
    }
    left.push(("framelens", v(&["framelens_version"]).unwrap_or_else(|| "—".into())));

    let mut right: Vec<(&str, String)> = Vec::new();
    let count = |k: &str| t.manifest_f64(&["counts", k]);
    if let Some(n) = count("documents") {
        right.push(("Documents", format!("{n}")));
    }
    right.push(("Outlets", t.outlets.rows.len().to_string()));
    let paras = match (count("paragraphs_body"), count("paragraphs_heading"), count("paragraphs_boilerplate")) {
        (Some(b), h, bp) => format!(
            "{b} body (classified){}{}",
            h.map(|h| format!(", {h} headings")).unwrap_or_default(),
            bp.map(|x| format!(", {x} boilerplate")).unwrap_or_default()
        ),
        _ => format!("{} body (classified)", d.body),
    };
    right.push(("Paragraphs", paras));
    right.push((
        "Rejected records",
        count("rejects").map(|n| n.to_string()).unwrap_or_else(|| t.rejects.rows.len().to_string()),
    ));
    if let Some(total) = t.manifest_f64(&["timings", "total"]) {
        let mut s = format!("{total:.2} s total");
        if let Some(enc) = t.manifest_f64(&["timings", "encode"]) {
            s += &format!(", encoding {enc:.2} s");
            if let Some(n) = count("encoded_texts") {
                if enc > 0.0 {
                    s += &format!(" ({:.0} texts/s)", n / enc);
                }
            }
        }
        right.push(("Time", s));
    }
    if let Some(stages) = t.manifest_at(&["timings"]).and_then(|x| x.as_object()) {
        let parts: Vec<String> = stages
            .iter()
            .filter(|(k, _)| *k != "total")
            .filter_map(|(k, v)| v.as_f64().map(|x| format!("{k} {x:.3} s")))
            .collect();
        if !parts.is_empty() {
            right.push(("Stages", parts.join(" · ")));
        }
    }
    right.push((
        "Comparison",
        match t.primary_group_by() {
            Some(g) => format!("by {g} ({})", t.compare_files.name(COMPARISON_CSV)),
            None => "not run".into(),
        },
    ));
    out.push_str("<div class=\"summary\">\n");
    for col in [left, right] {
        out.push_str("<table>\n");
        for (k, val) in col {
            let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(&val));
        }
        out.push_str("</table>\n");
    }
    out.push_str("</div>\n");
    out.push_str("<details><summary>Full manifest</summary><table class=\"data\">\n");
    for (k, val) in &t.manifest_entries {
        let shown = match val {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        let _ = writeln!(out, "<tr><td class=\"mono\">{}</td><td class=\"mono\">{}</td></tr>", esc(k), esc(&shown));
    }
    out.push_str("</table></details>\n");
}

fn independence_sentence(r: &IndependenceRow) -> String {
    let f = |x: Option<f64>, d: usize| match x {
        Some(v) if v.is_finite() => fixed(v, d),
        _ => "—".into(),
    };
    let p = match r.p_value {
        Some(p) if p.is_finite() => p_statement(p),
        _ => "p = —".into(),
    };
    // The shuffled-articles p-value, where the run's comparison has one: the figure to read when paragraphs
    // cluster in articles or cells are sparse (`compare::independence`).
    let shuffled = r
        .p_articles
        .filter(|p| p.is_finite())
        .map(|p| format!("; with whole articles shuffled between groups, {}", p_statement(p)))
        .unwrap_or_default();
    format!(
        "<p class=\"stat\" data-measure=\"{}\" data-chi2=\"{}\" data-p-value=\"{}\" data-cramers-v=\"{}\" \
         data-p-articles=\"{}\">\
         Test of independence ({} × {}): χ² = {}, df = {}, {}, Cramér's V = {} ({}, {}){}.</p>\n",
        r.measure.as_str(),
        exact(r.chi2),
        r.p_value.map(exact).unwrap_or_default(),
        r.cramers_v.map(exact).unwrap_or_default(),
        r.p_articles.map(exact).unwrap_or_default(),
        "group",
        r.measure.as_str(),
        f(Some(r.chi2), 3),
        f(Some(r.df as f64), 0),
        p,
        f(r.cramers_v, 3),
        count(r.n_paragraphs, "paragraph"),
        count(r.n_groups, "group"),
        shuffled
    )
}

fn independence_for(t: &RunTables, measure: Measure) -> Option<&IndependenceRow> {
    t.independence.as_ref()?.rows.iter().find(|r| r.measure == measure)
}

fn frames_section(out: &mut String, t: &RunTables) {
    let group_by = t.primary_group_by();
    let title = format!("Frame shares by {}", group_by.as_deref().unwrap_or("outlet"));
    section(out, "frames", &title);
    let table = match &group_by {
        Some(g) => ShareTable::from_comparison(&t.comparison_rows(g, Measure::Frame), "frame", &t.frames),
        None => ShareTable::frames_from_outlets(&t.outlets.rows, &t.frames),
    };
    let _ = write!(out, "<figure id=\"{CHART_FRAMES}\">\n<figcaption>");
    out.push_str(
        "Share of each group's classified paragraphs per frame. Top: the mix of frames (bars add to 100%). \
         Below: one panel per frame on a common scale, with the 95% interval as a whisker. The intervals \
         resample whole articles, since paragraphs of one article are not independent. Whiskers are drawn \
         on these panels rather than on the stacked bars because a stacked segment starts where the \
         previous one ends, so its whisker would float on a different baseline for every group.",
    );
    out.push_str("</figcaption>\n");
    out.push_str(&stacked_bars(&format!("{CHART_FRAMES}-stacked"), &format!("{title}: mix of frames"), &table));
    if table.has_intervals() {
        out.push_str(&interval_panels(
            &format!("{CHART_FRAMES}-intervals"),
            &format!("{title}, with 95% intervals"),
            &table,
        ));
    }
    out.push_str("</figure>\n");
    if group_by.is_none() {
        note(
            out,
            None,
            &format!(
                "No <code>{}</code> in this run folder, so these shares come from <code>outlets.csv</code> \
                 and have no intervals. Run <code>framelens compare</code> for intervals, distances and tests.",
                esc(&t.compare_files.name(COMPARISON_CSV))
            ),
        );
    } else if !table.has_intervals() {
        note(out, None, "The comparison has no intervals (too few articles to resample).");
    }
    if let Some(r) = independence_for(t, Measure::Frame) {
        out.push_str(&independence_sentence(r));
        out.push_str(
            "<p class=\"stat\">The chi-square test counts paragraphs as independent, which paragraphs of one \
             article are not, so its p-value is optimistic; the article-resampled intervals above are the safer guide.</p>\n",
        );
    }
    if table.groups.iter().any(|g| g.small) {
        out.push_str("<p class=\"stat small-group\">⚠ marks groups with fewer than 5 articles: their shares rest on too few articles to compare reliably.</p>\n");
    }
}

/// Percentage points with an explicit sign and a true minus (`+10.0`, `−7.0`).
fn signed_pp(x: f64) -> String {
    let v = fixed(x * 100.0, 1);
    match v.strip_prefix('-') {
        Some(abs) => format!("−{abs}"),
        None => format!("+{v}"),
    }
}

fn differences_section(out: &mut String, t: &RunTables) {
    let Some(diffs) = &t.differences else {
        return;
    };
    section(out, "differences", "Where groups differ most from the rest");
    out.push_str(
        "<p class=\"stat\">For each frame, the two groups whose share differs most from all other groups pooled \
         (in percentage points, with the 95% interval of the difference). Bold rows: the interval excludes zero.</p>\n",
    );
    out.push_str(
        "<table class=\"data\" id=\"table-differences\">\n<thead><tr><th>Frame</th><th>Group</th>\
        <th class=\"num\">Share</th><th class=\"num\">Rest</th><th class=\"num\">Difference (pp)</th>\
        <th class=\"num\">95% interval</th><th class=\"num\">Articles</th></tr></thead>\n<tbody>\n",
    );
    let mut labels: Vec<&str> = t.frames.iter().map(String::as_str).collect();
    for r in &diffs.rows {
        if !labels.contains(&r.label.as_str()) {
            labels.push(&r.label);
        }
    }
    for (i, label) in labels.iter().enumerate() {
        // A frame no group uses has nothing to compare.
        let mut rows: Vec<&DifferenceRow> =
            diffs.rows.iter().filter(|r| r.label == *label && (r.share != 0.0 || r.rest_share != 0.0)).collect();
        rows.sort_by(|a, b| b.diff.abs().total_cmp(&a.diff.abs()));
        for r in rows.iter().take(2) {
            let clear = r.ci_low > 0.0 || r.ci_high < 0.0;
            let interval = format!("{} to {}", signed_pp(r.ci_low), signed_pp(r.ci_high));
            let _ = writeln!(
                out,
                "<tr class=\"{}\" data-label=\"{}\" data-group=\"{}\" data-diff=\"{}\"><td><span class=\"swatch\" style=\"background:{}\"></span>{}</td>\
                 <td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                if clear { "clear" } else { "" },
                esc(label),
                esc(&r.group),
                exact(r.diff),
                frame_colour(i, label),
                esc(&label_name(label)),
                esc(&r.group),
                pct(r.share),
                pct(r.rest_share),
                signed_pp(r.diff),
                interval,
                r.n_articles
            );
        }
    }
    out.push_str("</tbody></table>\n");
}

fn distances_section(out: &mut String, t: &RunTables, opts: &ReportOptions) {
    section(out, "distances", "How far apart are the groups?");
    match &t.distances {
        Some(d) if !d.rows.is_empty() => {
            let group_by = t.primary_group_by().unwrap_or_else(|| t.compare_files.group_by.clone());
            let top = top_groups(&d.rows, &group_articles(t, &group_by), opts.heatmap_groups);
            let rows: Vec<DistanceRow> = d
                .rows
                .iter()
                .filter(|r| top.kept.contains(&r.group_a) && top.kept.contains(&r.group_b))
                .cloned()
                .collect();
            let left_out = (top.left_out > 0).then(|| {
                format!(
                    "Showing the {} with the most articles; {} with fewer left out (all are in {}).",
                    group_noun(&group_by, top.kept.len()),
                    group_noun(&group_by, top.left_out),
                    t.compare_files.name(DISTANCES_CSV)
                )
            });
            let _ = write!(out, "<figure id=\"{CHART_DISTANCES}\" data-left-out=\"{}\">\n<figcaption>", top.left_out);
            out.push_str(
                "Jensen–Shannon distance between the groups' frame distributions: 0 = identical mix of \
                 frames, 1 = no frame in common. Darker cells are further apart.",
            );
            if let Some(l) = &left_out {
                let _ = write!(out, " {}", esc(l));
            }
            out.push_str("</figcaption>\n");
            out.push_str(&distance_heatmap(
                &format!("{CHART_DISTANCES}-svg"),
                "Jensen–Shannon distance between groups",
                &rows,
                left_out.as_deref(),
            ));
            out.push_str("</figure>\n");
        }
        _ => note(
            out,
            Some(CHART_DISTANCES),
            &format!(
                "No <code>{}</code> in this run folder: run <code>framelens compare</code> for the distance matrix.",
                esc(&t.compare_files.name(DISTANCES_CSV))
            ),
        ),
    }
}

/// Articles per group of the grouping `group_by`: from the comparison, or for outlets from `outlets.csv`
/// when the comparison has no rows for them.
fn group_articles(t: &RunTables, group_by: &str) -> std::collections::HashMap<String, u64> {
    let mut sizes: std::collections::HashMap<String, u64> =
        t.comparison_rows(group_by, Measure::Frame).into_iter().map(|r| (r.group.clone(), r.n_articles)).collect();
    if sizes.is_empty() && group_by == "outlet" {
        sizes = t.outlets.rows.iter().map(|o| (o.outlet.clone(), o.articles)).collect();
    }
    sizes
}

/// How much of each outlet was off-topic (`other`): frame and stance shares leave those paragraphs out, so a
/// reader needs to see what was set aside before reading any share.
fn off_topic_note(out: &mut String, t: &RunTables) {
    let Some(total) = t.off_topic_share() else { return };
    let mut rows: Vec<&crate::export::run_tables::OutletRow> = t.outlets.rows.iter().collect();
    rows.sort_by(|a, b| b.off_topic.unwrap_or(0.0).total_cmp(&a.off_topic.unwrap_or(0.0)));
    let list = rows
        .iter()
        .take(20)
        .map(|o| format!("{} {}", esc(&o.outlet), pct(o.off_topic.unwrap_or(0.0))))
        .collect::<Vec<_>>()
        .join(" · ");
    let most = if total > 0.5 { " <b>Most paragraphs of this run are off-topic for the codebook.</b>" } else { "" };
    note(
        out,
        None,
        &format!(
            "Off-topic paragraphs (<code>other</code>: nearer ordinary news than the codebook's topic) are left out \
             of every frame and stance share: {} of the run's body paragraphs.{most} By outlet: {list}.",
            pct(total)
        ),
    );
}

fn stance_section(out: &mut String, t: &RunTables) {
    let target = t
        .manifest_str(&["codebook", "stance_target"])
        .map(|s| label_name(&s))
        .unwrap_or_else(|| "the codebook's target".into());
    let group_by = t.primary_group_by();
    section(out, "stance", &format!("Stance toward {target} by {}", group_by.as_deref().unwrap_or("outlet")));
    let order: Vec<String> = STANCE_DISPLAY_ORDER.iter().map(|s| s.to_string()).collect();
    let table = match &group_by {
        Some(g) if !t.comparison_rows(g, Measure::Stance).is_empty() => {
            ShareTable::from_comparison(&t.comparison_rows(g, Measure::Stance), "stance", &order)
        }
        _ => ShareTable::stance_from_outlets(&t.outlets.rows),
    };
    if table.groups.is_empty() || table.labels.is_empty() {
        note(out, Some(CHART_STANCE), "No stance labels in this run.");
        return;
    }
    if let Some(caveat) = t.stance_caveat() {
        note(out, None, &format!("<b>Caveat.</b> {}", esc(&caveat)));
    }
    let _ = write!(out, "<figure id=\"{CHART_STANCE}\">\n<figcaption>");
    out.push_str("Share of each group's classified paragraphs by stance (supportive, neutral, critical). Hover a segment for its 95% interval.");
    out.push_str("</figcaption>\n");
    out.push_str(&stacked_bars(&format!("{CHART_STANCE}-svg"), &format!("Stance toward {target}"), &table));
    out.push_str("</figure>\n");
    if let Some(r) = independence_for(t, Measure::Stance) {
        out.push_str(&independence_sentence(r));
    }
}

fn time_section(out: &mut String, t: &RunTables, d: &ParagraphDigest) {
    section(out, "time", "Frames over time");
    let series = MonthSeries::from_digest(d, &t.frames);
    match series {
        Some(s) if s.months.len() >= 2 => {
            let _ = write!(out, "<figure id=\"{CHART_TIME}\">\n<figcaption>");
            out.push_str(
                "Share of the month's classified paragraphs per frame (all groups together), by publication \
                 month, on a common scale. The last panel shows how many paragraphs each month has: \
                 months with few paragraphs swing widely.",
            );
            out.push_str("</figcaption>\n");
            out.push_str(&time_panels(&format!("{CHART_TIME}-svg"), "Frame shares by month", &s, &t.frames));
            out.push_str("</figure>\n");
        }
        _ => note(
            out,
            Some(CHART_TIME),
            "Fewer than two publication months among the dated paragraphs, so there is no timeline.",
        ),
    }
    if d.undated_body > 0 {
        let examples = d
            .undated_examples
            .iter()
            .map(|e| if e.is_empty() { "(empty)".to_string() } else { format!("“{}”", esc(e)) })
            .collect::<Vec<_>>()
            .join(", ");
        note(
            out,
            None,
            &format!(
                "{} left out of the timeline because their date is not YYYY-MM-DD: {}.",
                count(d.undated_body, "classified paragraph"),
                examples
            ),
        );
    }
}

/// Splits framelens' evidence (`best sentence [cues: a; b]`) into the sentence and the cue phrases.
pub fn split_evidence(evidence: &str) -> (&str, Vec<&str>) {
    let e = evidence.trim();
    if let Some(start) = e.rfind(" [cues: ").or_else(|| e.starts_with("[cues: ").then_some(0)) {
        if e.ends_with(']') {
            let inner = &e[start..e.len() - 1];
            let inner = inner.trim_start().trim_start_matches("[cues: ");
            let cues = inner.split(';').map(str::trim).filter(|c| !c.is_empty()).collect();
            return (e[..start].trim_end(), cues);
        }
    }
    (e, Vec::new())
}

fn typical_section(out: &mut String, t: &RunTables, d: &ParagraphDigest, owners: &CueOwners) {
    section(out, "typical", "Typical paragraphs per frame");
    out.push_str(
        "<p class=\"stat\">For each frame, the paragraphs labelled with it at the highest score, with the sentence \
         that matched best and the cue phrases found, under the frame or stance whose codebook cues they are. \
         Open a paragraph to read it whole.</p>\n",
    );
    for (i, (frame, paras)) in d.typical.iter().enumerate() {
        let colour = frame_colour(i, frame);
        let _ = writeln!(
            out,
            "<div class=\"frame-block\" data-label=\"{}\">\n<h3><span class=\"swatch\" style=\"background:{colour}\"></span>{}</h3>",
            esc(frame),
            esc(&label_name(frame))
        );
        if paras.is_empty() {
            out.push_str("<p class=\"stat\">No paragraph was labelled with this frame.</p>\n");
        }
        for p in paras {
            let (sentence, cues) = split_evidence(&p.evidence);
            let score = p.frame_score.map(|s| fixed(f64::from(s), 3)).unwrap_or_default();
            let _ = writeln!(
                out,
                "<div class=\"para typical\" style=\"border-left-color:{colour}\" data-label=\"{}\" data-doc-id=\"{}\" data-para-index=\"{}\" data-score=\"{}\">\n\
                 <div class=\"meta\"><b>{}</b> · {} · {} · ¶{} · score {} · stance {}</div>",
                esc(frame),
                esc(&p.doc_id),
                p.para_index,
                p.frame_score.map(|s| format!("{s}")).unwrap_or_default(),
                esc(&p.outlet),
                clipped(&p.title, TITLE_CHARS),
                esc(&p.published),
                p.para_index,
                score,
                esc(p.stance.map_or("—", Stance::as_str)),
            );
            let shown = if sentence.is_empty() { p.text.as_str() } else { sentence };
            let _ = writeln!(out, "<blockquote>{}</blockquote>", esc(shown));
            cue_chips(out, t, owners, &cues);
            let _ =
                writeln!(out, "<details><summary>Full paragraph</summary><p>{}</p></details>\n</div>", esc(&p.text));
        }
        out.push_str("</div>\n");
    }
}

/// A paragraph's cue chips, grouped under the frame or stance whose codebook cues they are; flat when the
/// run's cue lists are unknown.
fn cue_chips(out: &mut String, t: &RunTables, owners: &CueOwners, cues: &[&str]) {
    if cues.is_empty() {
        return;
    }
    out.push_str("<div class=\"cues\">");
    if owners.is_empty() {
        for c in cues {
            let _ = write!(out, "<span class=\"cue\">{}</span>", esc(c));
        }
        out.push_str("</div>\n");
        return;
    }
    for g in owners.group(cues) {
        let (key, name, colour) = match &g.owner {
            Some(o @ Owner::Frame(f)) => {
                let i = t.frames.iter().position(|x| x == f).unwrap_or(t.frames.len());
                (o.key(), label_name(f), frame_colour(i, f))
            }
            Some(o @ Owner::Stance(s)) => (o.key(), format!("{s} (stance)"), stance_colour(s)),
            None => (String::new(), "not in the codebook".to_string(), "#999999"),
        };
        let _ = write!(
            out,
            "<span class=\"cue-group\" data-owner=\"{}\" style=\"border-left-color:{colour}\"><span class=\"cue-owner\">{}:</span>",
            esc(&key),
            esc(&name)
        );
        for c in g.cues {
            let _ = write!(out, "<span class=\"cue\">{}</span>", esc(c));
        }
        out.push_str("</span>");
    }
    out.push_str("</div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_independence_sentence_gives_the_shuffled_articles_p_value_when_the_file_has_it() {
        let mut r = IndependenceRow {
            measure: Measure::Frame,
            chi2: 403.64,
            df: 180,
            p_value: Some(3.3e-19),
            cramers_v: Some(0.655),
            n_paragraphs: 157,
            n_groups: 31,
            p_articles: None,
        };
        let old = independence_sentence(&r);
        assert!(old.contains("p < 0.001, Cramér's V = 0.655 (157 paragraphs, 31 groups).</p>"), "{old}");
        r.p_articles = Some(0.06);
        let new = independence_sentence(&r);
        assert!(new.contains("31 groups); with whole articles shuffled between groups, p = 0.060.</p>"), "{new}");
        assert!(new.contains("data-p-articles=\"0.06\""), "{new}");
    }

    #[test]
    fn evidence_splits_into_sentence_and_cues() {
        assert_eq!(
            split_evidence("They were moved to a shelter. [cues: victims; shelter]"),
            ("They were moved to a shelter.", vec!["victims", "shelter"])
        );
        assert_eq!(split_evidence("No cues here."), ("No cues here.", vec![]));
        assert_eq!(split_evidence("[cues: a]"), ("", vec!["a"]));
        assert_eq!(split_evidence("odd [cues: a"), ("odd [cues: a", vec![]));
    }

    #[test]
    fn long_titles_are_cut_and_whole_on_hover() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("abcdefghijk", 5), "abcd…");
        let long = "A".repeat(TITLE_CHARS + 20);
        let html = clipped(&long, TITLE_CHARS);
        assert!(html.starts_with(&format!("<span title=\"{long}\">")), "{html}");
        assert_eq!(html.matches('A').count(), long.len() + TITLE_CHARS - 1);
        assert_eq!(clipped("<b>", 10), "&lt;b&gt;");
    }
}
