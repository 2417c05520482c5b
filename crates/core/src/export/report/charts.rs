//! The report's charts, each an inline SVG string. Every mark carries its numbers as `data-*`
//! attributes (exact values as read from the CSV) and a `<title>` tooltip, so a reader can check a bar
//! against the table without JavaScript, and a test can check all of them against the CSVs.

use std::collections::BTreeMap;

use super::svg::{
    exact, fit, fixed, frame_colour, humanize, line, nice_share_max, num, pct, rect, sequential, share_ticks,
    stance_colour, svg_root, text, text_colour_on, text_width, El,
};
use crate::display::count;
use crate::export::run_tables::{OutletRow, ParagraphDigest};
use crate::run::comparison::{ComparisonRow, DistanceRow};
use crate::run::labels::STANCE_DISPLAY_ORDER;

/// Drawing width of every chart (the SVGs scale down with the page).
pub const WIDTH: f64 = 960.0;
const FONT: f64 = 12.0;
const SMALL: f64 = 10.5;
const GRID: &str = "#E0E0E0";
const INK: &str = "#222222";
const MUTED: &str = "#666666";
const WARN: &str = "#B34700";

/// A group's size, shown beside its bar so small groups are seen as such.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub(crate) name: String,
    pub(crate) n_articles: Option<u64>,
    pub(crate) n_paragraphs: Option<u64>,
    /// Fewer than five articles: its intervals are too unreliable to compare (flagged, not hidden).
    pub small: bool,
}

/// One share with its interval, as in the CSV.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    pub(crate) share: f64,
    pub(crate) ci_low: Option<f64>,
    pub(crate) ci_high: Option<f64>,
}

/// Shares of each label per group, laid out for drawing: `cells[group][label]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareTable {
    pub(crate) group_by: String,
    /// `frame` or `stance`.
    pub measure: String,
    pub(crate) groups: Vec<Group>,
    pub(crate) labels: Vec<String>,
    pub(crate) colours: Vec<&'static str>,
    pub(crate) cells: Vec<Vec<Option<Share>>>,
}

impl ShareTable {
    /// From `comparison.csv` rows of one grouping and measure. Labels follow `order` (the codebook's
    /// frames then `other`, or the stance order); labels not in it follow in order of appearance.
    /// Groups keep their CSV order.
    pub fn from_comparison(rows: &[&ComparisonRow], measure: &str, order: &[String]) -> ShareTable {
        let mut groups: Vec<Group> = Vec::new();
        let mut extra: Vec<String> = Vec::new();
        for r in rows {
            if !groups.iter().any(|g| g.name == r.group) {
                groups.push(Group {
                    name: r.group.clone(),
                    n_articles: Some(r.n_articles),
                    n_paragraphs: Some(r.n_paragraphs),
                    small: r.small_group,
                });
            }
            if !order.contains(&r.label) && !extra.contains(&r.label) {
                extra.push(r.label.clone());
            }
        }
        let present = |l: &String| rows.iter().any(|r| &r.label == l);
        let all: Vec<String> = order.iter().chain(&extra).cloned().collect();
        let labels: Vec<String> = all.iter().filter(|l| present(l)).cloned().collect();
        let colours = colours_for(measure, &labels, &all);
        let mut cells = vec![vec![None; labels.len()]; groups.len()];
        for r in rows {
            let g = groups.iter().position(|g| g.name == r.group);
            let l = labels.iter().position(|l| *l == r.label);
            if let (Some(g), Some(l)) = (g, l) {
                cells[g][l] = Some(Share { share: r.share, ci_low: Some(r.ci_low), ci_high: Some(r.ci_high) });
            }
        }
        ShareTable {
            group_by: rows.first().map(|r| r.group_by.clone()).unwrap_or_default(),
            measure: measure.to_string(),
            groups,
            labels,
            colours,
            cells,
        }
    }

    /// Frame shares from `outlets.csv` (no intervals): the fallback when the compare step has not run.
    pub fn frames_from_outlets(rows: &[OutletRow], frames: &[String]) -> ShareTable {
        let labels: Vec<String> =
            frames.iter().filter(|f| rows.iter().any(|r| r.shares.iter().any(|(l, _)| l == *f))).cloned().collect();
        let cells = rows
            .iter()
            .map(|r| {
                labels
                    .iter()
                    .map(|l| {
                        r.shares.iter().find(|(f, _)| f == l).map(|(_, s)| Share {
                            share: *s,
                            ci_low: None,
                            ci_high: None,
                        })
                    })
                    .collect()
            })
            .collect();
        ShareTable {
            group_by: "outlet".into(),
            measure: "frame".into(),
            groups: outlet_groups(rows),
            colours: colours_for("frame", &labels, frames),
            labels,
            cells,
        }
    }

    /// Stance shares from the stance counts of `outlets.csv` (no intervals).
    pub fn stance_from_outlets(rows: &[OutletRow]) -> ShareTable {
        let mut labels: Vec<String> = STANCE_DISPLAY_ORDER.iter().map(|s| s.to_string()).collect();
        for r in rows {
            for (s, _) in &r.stance_counts {
                if !labels.contains(s) {
                    labels.push(s.clone());
                }
            }
        }
        labels.retain(|l| rows.iter().any(|r| r.stance_counts.iter().any(|(s, _)| s == l)));
        let cells = rows
            .iter()
            .map(|r| {
                let total: u64 = r.stance_counts.iter().map(|(_, n)| n).sum();
                labels
                    .iter()
                    .map(|l| {
                        let n = r.stance_counts.iter().find(|(s, _)| s == l)?.1;
                        (total > 0).then(|| Share { share: n as f64 / total as f64, ci_low: None, ci_high: None })
                    })
                    .collect()
            })
            .collect();
        ShareTable {
            group_by: "outlet".into(),
            measure: "stance".into(),
            groups: outlet_groups(rows),
            colours: colours_for("stance", &labels, &labels),
            labels,
            cells,
        }
    }

    /// Whether any share has an interval (whiskers can be drawn).
    pub fn has_intervals(&self) -> bool {
        self.cells.iter().flatten().flatten().any(|s| s.ci_low.is_some() && s.ci_high.is_some())
    }
}

fn outlet_groups(rows: &[OutletRow]) -> Vec<Group> {
    rows.iter()
        .map(|r| Group {
            name: r.outlet.clone(),
            n_articles: Some(r.articles),
            n_paragraphs: Some(r.body_paragraphs),
            small: r.articles < 5,
        })
        .collect()
}

/// Colours by the label's position in the full label list, so a frame has one colour in every chart.
fn colours_for(measure: &str, labels: &[String], all: &[String]) -> Vec<&'static str> {
    labels
        .iter()
        .map(|l| {
            if measure == "stance" {
                stance_colour(l)
            } else {
                let i = all.iter().position(|a| a == l).unwrap_or(0);
                frame_colour(i, l)
            }
        })
        .collect()
}

/// Display name of a label (frame ids are snake_case).
pub fn label_name(label: &str) -> String {
    humanize(label)
}

/// A legend: swatches and names, wrapping into rows of `width`. Returns the markup and its height.
pub fn legend(labels: &[String], colours: &[&str], x: f64, y: f64, width: f64) -> (String, f64) {
    let mut out = String::new();
    let (mut cx, mut cy) = (x, y);
    let row_h = 20.0;
    for (l, c) in labels.iter().zip(colours) {
        let name = label_name(l);
        let w = 16.0 + text_width(&name, FONT) + 18.0;
        if cx + w > x + width && cx > x {
            cx = x;
            cy += row_h;
        }
        out += &El::new("g")
            .attr("class", "legend-item")
            .attr("data-label", l)
            .child(rect(cx, cy + 3.0, 12.0, 12.0, c).attr("stroke", "#555").at("stroke-width", 0.5))
            .child(text(cx + 16.0, cy + 13.5, &name, FONT, "start").attr("fill", INK))
            .render();
        cx += w;
    }
    (out, cy - y + row_h)
}

fn share_tooltip(t: &ShareTable, g: usize, l: usize, s: &Share) -> String {
    let group = &t.groups[g];
    let mut tip = format!("{} — {}: {}", group.name, label_name(&t.labels[l]), pct(s.share));
    if let (Some(lo), Some(hi)) = (s.ci_low, s.ci_high) {
        tip += &format!(" (95% interval {}–{})", pct(lo), pct(hi));
    }
    if let (Some(a), Some(p)) = (group.n_articles, group.n_paragraphs) {
        tip += &format!("; {} in {}", count(p, "paragraph"), count(a, "article"));
    }
    if group.small {
        tip += "; small group (fewer than 5 articles)";
    }
    tip
}

/// The data attributes of a share mark.
fn share_attrs(el: El, t: &ShareTable, g: usize, l: usize, s: &Share) -> El {
    let mut el = el
        .attr("class", "mark")
        .attr("data-measure", &t.measure)
        .attr("data-group", &t.groups[g].name)
        .attr("data-label", &t.labels[l])
        .attr("data-share", exact(s.share));
    if let Some(lo) = s.ci_low {
        el = el.attr("data-ci-low", exact(lo));
    }
    if let Some(hi) = s.ci_high {
        el = el.attr("data-ci-high", exact(hi));
    }
    el
}

fn group_size_text(g: &Group) -> String {
    match (g.n_articles, g.n_paragraphs) {
        (Some(a), Some(p)) => format!("{a} art. · {p} para."),
        (Some(a), None) => format!("{a} art."),
        _ => String::new(),
    }
}

/// 100%-stacked horizontal bars, one per group, one segment per label, with the legend on top.
/// Segments wide enough carry their percentage.
pub fn stacked_bars(id: &str, title: &str, t: &ShareTable) -> String {
    let label_w = t.groups.iter().map(|g| text_width(&g.name, FONT)).fold(0.0, f64::max).clamp(60.0, 220.0) + 12.0;
    let right_w = 150.0;
    let x0 = label_w;
    let plot_w = WIDTH - label_w - right_w;
    let (legend_markup, legend_h) = legend(&t.labels, &t.colours, x0, 4.0, plot_w + right_w);
    let top = legend_h + 16.0;
    let (bar_h, gap) = (26.0, 10.0);
    let mut body = legend_markup;
    let bottom = top + t.groups.len() as f64 * (bar_h + gap);
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let x = x0 + tick * plot_w;
        body += &line(x, top - 4.0, x, bottom, GRID, 1.0).render();
        body += &text(x, bottom + 14.0, &format!("{:.0}%", tick * 100.0), SMALL, "middle").attr("fill", MUTED).render();
    }
    for (g, group) in t.groups.iter().enumerate() {
        let y = top + g as f64 * (bar_h + gap);
        body += &text(x0 - 8.0, y + bar_h / 2.0 + 4.0, &fit(&group.name, label_w - 12.0, FONT), FONT, "end")
            .attr("fill", INK)
            .tooltip(&group.name)
            .render();
        let total: f64 = t.cells[g].iter().flatten().map(|s| s.share.max(0.0)).sum();
        let scale = plot_w / total.max(1.0);
        let mut x = x0;
        for (l, cell) in t.cells[g].iter().enumerate() {
            let Some(s) = cell else { continue };
            let w = s.share.max(0.0) * scale;
            let colour = t.colours[l];
            let seg = rect(x, y, w, bar_h, colour)
                .attr("stroke", "#FFFFFF")
                .at("stroke-width", 0.75)
                .tooltip(&share_tooltip(t, g, l, s));
            body += &share_attrs(seg, t, g, l, s).render();
            if w >= 38.0 {
                body += &text(x + w / 2.0, y + bar_h / 2.0 + 4.0, &pct(s.share), SMALL, "middle")
                    .attr("fill", text_colour_on(colour))
                    .attr("pointer-events", "none")
                    .render();
            }
            x += w;
        }
        let size = group_size_text(group);
        let mut note = text(x0 + plot_w + 10.0, y + bar_h / 2.0 + 4.0, &size, SMALL, "start").attr("fill", MUTED);
        if group.small {
            note = text(x0 + plot_w + 10.0, y + bar_h / 2.0 + 4.0, &format!("{size} ⚠ small"), SMALL, "start")
                .attr("fill", WARN)
                .attr("class", "small-group")
                .tooltip("fewer than 5 articles: shares and intervals are unreliable");
        }
        body += &note.render();
    }
    svg_root(id, WIDTH, bottom + 24.0, title, &body)
}

/// Small multiples, one panel per label: each group's share as a bar from a common zero with its 95%
/// interval as a whisker, all panels on one scale.
///
/// Why not whiskers on the stacked bars: a stacked segment starts where the previous one ends, so its
/// whisker floats on a baseline that differs between groups and cannot be compared by eye. Here every
/// share starts at zero, so "does this outlet's interval exclude that outlet's share?" is read directly.
pub fn interval_panels(id: &str, title: &str, t: &ShareTable) -> String {
    let cols = 2usize;
    let gap = 28.0;
    let panel_w = (WIDTH - gap * (cols as f64 - 1.0)) / cols as f64;
    let label_w = t.groups.iter().map(|g| text_width(&g.name, SMALL)).fold(0.0, f64::max).clamp(50.0, 150.0) + 8.0;
    let value_w = 46.0;
    let plot_w = panel_w - label_w - value_w;
    let row_h = 18.0;
    let title_h = 22.0;
    let axis_h = 18.0;
    let panel_h = title_h + t.groups.len() as f64 * row_h + axis_h + 14.0;
    let max = t.cells.iter().flatten().flatten().map(|s| s.ci_high.unwrap_or(s.share).max(s.share)).fold(0.0, f64::max);
    let xmax = nice_share_max(max);
    let ticks = share_ticks(xmax);
    let mut body = String::new();
    // Labels with a zero share and no interval everywhere get no panel, only a mention below.
    let empty =
        |l: usize| t.cells.iter().all(|row| row[l].is_none_or(|s| s.share == 0.0 && s.ci_high.unwrap_or(0.0) == 0.0));
    let shown: Vec<usize> = (0..t.labels.len()).filter(|&l| !empty(l)).collect();
    let hidden: Vec<String> = (0..t.labels.len()).filter(|&l| empty(l)).map(|l| label_name(&t.labels[l])).collect();
    for (k, &l) in shown.iter().enumerate() {
        let label = &t.labels[l];
        let px = (k % cols) as f64 * (panel_w + gap);
        let py = (k / cols) as f64 * panel_h;
        let colour = t.colours[l];
        let mut panel = El::new("g")
            .attr("class", "panel")
            .attr("data-label", label)
            .child(rect(px, py + 4.0, 12.0, 12.0, colour))
            .child(
                text(px + 18.0, py + 14.5, &label_name(label), FONT, "start")
                    .attr("font-weight", "600")
                    .attr("fill", INK),
            );
        let x0 = px + label_w;
        let rows_top = py + title_h;
        let rows_bottom = rows_top + t.groups.len() as f64 * row_h;
        for &tick in &ticks {
            let x = x0 + tick / xmax * plot_w;
            panel = panel.child(line(x, rows_top, x, rows_bottom, GRID, 1.0)).child(
                text(x, rows_bottom + 12.0, &format!("{:.0}%", tick * 100.0), 9.5, "middle").attr("fill", MUTED),
            );
        }
        for (g, group) in t.groups.iter().enumerate() {
            let cy = rows_top + g as f64 * row_h + row_h / 2.0;
            panel = panel.child(
                text(x0 - 6.0, cy + 3.5, &fit(&group.name, label_w - 8.0, SMALL), SMALL, "end")
                    .attr("fill", if group.small { WARN } else { INK })
                    .tooltip(&group.name),
            );
            let Some(s) = t.cells[g][l] else { continue };
            let sx = |v: f64| x0 + (v.clamp(0.0, xmax) / xmax) * plot_w;
            let bar = rect(x0, cy - 5.0, sx(s.share) - x0, 10.0, colour)
                .attr("fill-opacity", "0.85")
                .tooltip(&share_tooltip(t, g, l, &s));
            panel = panel.child(share_attrs(bar, t, g, l, &s));
            if let (Some(lo), Some(hi)) = (s.ci_low, s.ci_high) {
                let (a, b) = (sx(lo), sx(hi));
                panel = panel.child(
                    El::new("g")
                        .attr("class", "whisker")
                        .attr("stroke", INK)
                        .at("stroke-width", 1.2)
                        .child(line(a, cy, b, cy, INK, 1.2))
                        .child(line(a, cy - 4.0, a, cy + 4.0, INK, 1.2))
                        .child(line(b, cy - 4.0, b, cy + 4.0, INK, 1.2)),
                );
            }
            panel = panel.child(text(px + panel_w - 2.0, cy + 3.5, &pct(s.share), SMALL, "end").attr("fill", INK));
        }
        body += &panel.render();
    }
    let mut height = shown.len().div_ceil(cols) as f64 * panel_h + 4.0;
    if !hidden.is_empty() {
        body +=
            &text(0.0, height + 8.0, &format!("Not shown, 0% in every group: {}.", hidden.join(", ")), SMALL, "start")
                .attr("fill", MUTED)
                .render();
        height += 16.0;
    }
    svg_root(id, WIDTH, height, title, &body)
}

/// The groups a heat map keeps: at most `max`, those with the most articles (ties: first in CSV order),
/// in CSV order; and how many it leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopGroups {
    pub(crate) kept: Vec<String>,
    pub(crate) left_out: usize,
}

/// Chooses the heat map's groups from the groups of `rows`, by `articles` per group (unknown: 0).
pub fn top_groups(rows: &[DistanceRow], articles: &std::collections::HashMap<String, u64>, max: usize) -> TopGroups {
    let mut groups: Vec<&str> = Vec::new();
    for r in rows {
        for g in [r.group_a.as_str(), r.group_b.as_str()] {
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
    }
    let mut by_size: Vec<usize> = (0..groups.len()).collect();
    by_size.sort_by_key(|&i| std::cmp::Reverse(articles.get(groups[i]).copied().unwrap_or(0)));
    let mut keep: Vec<usize> = by_size.into_iter().take(max.max(1)).collect();
    keep.sort_unstable();
    TopGroups { left_out: groups.len() - keep.len(), kept: keep.into_iter().map(|i| groups[i].to_string()).collect() }
}

/// "20 outlets", "1 month", "3 groups": what the groups of a grouping are called in notes.
pub fn group_noun(group_by: &str, n: usize) -> String {
    let noun = match group_by {
        "outlet" => "outlet",
        "month" => "month",
        _ => "group",
    };
    count(n as u64, noun)
}

/// A heat map of the Jensen–Shannon distance matrix, each cell labelled with its value; `left_out`, when
/// given, is printed under the matrix (so a copied chart still says it is not all groups).
pub fn distance_heatmap(id: &str, title: &str, rows: &[DistanceRow], left_out: Option<&str>) -> String {
    let mut groups: Vec<&str> = Vec::new();
    for r in rows {
        for g in [r.group_a.as_str(), r.group_b.as_str()] {
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
    }
    let n = groups.len().max(1);
    let label_w = groups.iter().map(|g| text_width(g, FONT)).fold(0.0, f64::max).clamp(60.0, 200.0) + 12.0;
    let cell = (560.0 / n as f64).clamp(26.0, 72.0);
    let top_h = (groups.iter().map(|g| text_width(g, FONT)).fold(0.0, f64::max).min(190.0)) * 0.6 + 24.0;
    let max = rows.iter().filter(|r| r.group_a != r.group_b && r.jsd.is_finite()).map(|r| r.jsd).fold(0.0, f64::max);
    let scale_max = if max > 0.0 { max } else { 1.0 };
    let x0 = label_w;
    let y0 = top_h;
    let mut body = String::new();
    for (j, g) in groups.iter().enumerate() {
        let x = x0 + j as f64 * cell + cell / 2.0;
        body += &text(0.0, 0.0, &fit(g, 190.0, FONT), FONT, "start")
            .attr("transform", format!("translate({} {}) rotate(-35)", num(x), num(y0 - 6.0)))
            .attr("fill", INK)
            .tooltip(g)
            .render();
    }
    for (i, g) in groups.iter().enumerate() {
        let y = y0 + i as f64 * cell + cell / 2.0 + 4.0;
        body += &text(x0 - 8.0, y, &fit(g, label_w - 12.0, FONT), FONT, "end").attr("fill", INK).tooltip(g).render();
    }
    for r in rows {
        let (Some(i), Some(j)) =
            (groups.iter().position(|g| *g == r.group_a), groups.iter().position(|g| *g == r.group_b))
        else {
            continue;
        };
        let (x, y) = (x0 + j as f64 * cell, y0 + i as f64 * cell);
        let fill = sequential(r.jsd / scale_max);
        let cell_el = rect(x, y, cell, cell, &fill)
            .attr("stroke", "#FFFFFF")
            .at("stroke-width", 1.0)
            .attr("class", "mark")
            .attr("data-group-a", &r.group_a)
            .attr("data-group-b", &r.group_b)
            .attr("data-jsd", exact(r.jsd))
            .tooltip(&format!("{} ↔ {}: JS distance {}", r.group_a, r.group_b, fixed(r.jsd, 3)));
        body += &cell_el.render();
        if cell >= 34.0 {
            body += &text(x + cell / 2.0, y + cell / 2.0 + 4.0, &fixed(r.jsd, 3), 11.0, "middle")
                .attr("fill", text_colour_on(&fill))
                .attr("pointer-events", "none")
                .render();
        }
    }
    // Colour key: a vertical ramp from 0 to the largest off-diagonal distance.
    let kx = x0 + n as f64 * cell + 36.0;
    let kh = (n as f64 * cell).max(120.0);
    let steps = 24;
    for s in 0..steps {
        let t0 = s as f64 / steps as f64;
        body += &rect(
            kx,
            y0 + kh * (1.0 - t0) - kh / steps as f64,
            14.0,
            kh / steps as f64 + 0.5,
            &sequential(t0 + 0.5 / steps as f64),
        )
        .render();
    }
    body += &rect(kx, y0, 14.0, kh, "none").attr("stroke", "#888").render();
    body += &text(kx + 20.0, y0 + 8.0, &fixed(scale_max, 3), SMALL, "start").attr("fill", MUTED).render();
    body += &text(kx + 20.0, y0 + kh, "0", SMALL, "start").attr("fill", MUTED).render();
    body += &text(kx, y0 - 10.0, "JS distance", SMALL, "start").attr("fill", MUTED).render();
    let width = (kx + 90.0).max(WIDTH * 0.5);
    let mut height = y0 + kh.max(n as f64 * cell) + 12.0;
    if let Some(note) = left_out {
        body += &text(0.0, height + 8.0, note, SMALL, "start").attr("fill", MUTED).attr("class", "left-out").render();
        height += 18.0;
    }
    svg_root(id, width.max(text_width(left_out.unwrap_or(""), SMALL) + 8.0), height, title, &body)
}

/// Month-by-month frame shares: every month from the first dated one to the last, with months without
/// paragraphs left as gaps (a line is not drawn across them).
#[derive(Debug, Clone, PartialEq)]
pub struct MonthSeries {
    /// Every `YYYY-MM` from the first dated month to the last, gaps included.
    pub months: Vec<String>,
    /// Classified paragraphs per month (the denominator of that month's shares).
    pub totals: Vec<u64>,
    /// `(label, count per month)` for every frame with at least one paragraph, in frame order.
    pub counts: Vec<(String, Vec<u64>)>,
}

impl MonthSeries {
    /// The series for the time chart; `None` when no paragraph has an ISO date.
    pub fn from_digest(d: &ParagraphDigest, frames: &[String]) -> Option<MonthSeries> {
        let first = d.by_month.keys().next()?;
        let last = d.by_month.keys().next_back()?;
        let months = month_range(first, last);
        let get = |m: &str, l: &str| d.by_month.get(m).and_then(|c| c.get(l)).copied().unwrap_or(0);
        let totals = months.iter().map(|m| d.by_month.get(m).map(|c| c.values().sum()).unwrap_or(0)).collect();
        let counts = frames
            .iter()
            .map(|f| (f.clone(), months.iter().map(|m| get(m, f)).collect::<Vec<u64>>()))
            .filter(|(_, c)| c.iter().any(|&n| n > 0))
            .collect();
        Some(MonthSeries { months, totals, counts })
    }
}

/// Every `YYYY-MM` from `first` to `last` inclusive.
pub fn month_range(first: &str, last: &str) -> Vec<String> {
    let parse = |m: &str| -> Option<(i32, u32)> { Some((m[..4].parse().ok()?, m[5..7].parse().ok()?)) };
    let (Some((mut y, mut m)), Some(end)) = (parse(first), parse(last)) else {
        return vec![first.to_string()];
    };
    let mut out = Vec::new();
    while (y, m) <= end && out.len() < 1200 {
        out.push(format!("{y:04}-{m:02}"));
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
    out
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn month_name(m: &str) -> (String, String) {
    let mi: usize = m.get(5..7).and_then(|s| s.parse().ok()).unwrap_or(1);
    (MONTHS[(mi.clamp(1, 12)) - 1].to_string(), m[..4].to_string())
}

/// Small multiples over months, one panel per frame on a common scale, plus a last panel with the
/// number of paragraphs per month (a share from few paragraphs moves a lot; the reader should see that).
pub fn time_panels(id: &str, title: &str, s: &MonthSeries, frames: &[String]) -> String {
    let cols = 3usize;
    let gap = 18.0;
    let panel_w = (WIDTH - gap * (cols as f64 - 1.0)) / cols as f64;
    let (left, right, title_h, plot_h, axis_h) = (38.0, 10.0, 24.0, 120.0, 36.0);
    let panel_h = title_h + plot_h + axis_h;
    let plot_w = panel_w - left - right;
    let n = s.months.len();
    let xpos = |px: f64, i: usize| {
        if n == 1 {
            px + left + plot_w / 2.0
        } else {
            px + left + 6.0 + i as f64 * (plot_w - 12.0) / (n - 1) as f64
        }
    };
    let max = s
        .counts
        .iter()
        .flat_map(|(_, c)| c.iter().zip(&s.totals).filter(|(_, &t)| t > 0).map(|(&k, &t)| k as f64 / t as f64))
        .fold(0.0, f64::max);
    let ymax = nice_share_max(max);
    let ticks = share_ticks(ymax);
    let label_step = n.div_ceil(7).max(1);
    let axis = |px: f64, py: f64| -> String {
        let mut out = String::new();
        let base = py + title_h + plot_h;
        out += &line(px + left, base, px + left + plot_w, base, "#999", 1.0).render();
        for (i, m) in s.months.iter().enumerate() {
            if i % label_step != 0 {
                continue;
            }
            let (name, year) = month_name(m);
            let x = xpos(px, i);
            out += &text(x, base + 12.0, &name, 9.5, "middle").attr("fill", MUTED).render();
            if i == 0 || name == "Jan" {
                out += &text(x, base + 23.0, &year, 9.5, "middle").attr("fill", MUTED).render();
            }
        }
        out
    };
    let mut body = String::new();
    let all: Vec<String> = frames.to_vec();
    for (k, (label, counts)) in s.counts.iter().enumerate() {
        let px = (k % cols) as f64 * (panel_w + gap);
        let py = (k / cols) as f64 * panel_h;
        let colour = frame_colour(all.iter().position(|f| f == label).unwrap_or(k), label);
        let y = |v: f64| py + title_h + plot_h - v / ymax * plot_h;
        let mut g = El::new("g")
            .attr("class", "panel")
            .attr("data-label", label)
            .child(rect(px, py + 4.0, 12.0, 12.0, colour))
            .child(
                text(px + 18.0, py + 14.5, &label_name(label), FONT, "start")
                    .attr("font-weight", "600")
                    .attr("fill", INK),
            );
        for &t in &ticks {
            g = g.child(line(px + left, y(t), px + left + plot_w, y(t), GRID, 1.0)).child(
                text(px + left - 4.0, y(t) + 3.5, &format!("{:.0}%", t * 100.0), 9.5, "end").attr("fill", MUTED),
            );
        }
        g = g.raw(&axis(px, py));
        // Line segments between consecutive months that both have paragraphs.
        let mut path = String::new();
        let mut pen_down = false;
        for (i, (&c, &t)) in counts.iter().zip(&s.totals).enumerate() {
            if t == 0 {
                pen_down = false;
                continue;
            }
            let v = c as f64 / t as f64;
            path += &format!("{}{} {} ", if pen_down { "L" } else { "M" }, num(xpos(px, i)), num(y(v)));
            pen_down = true;
        }
        if !path.is_empty() {
            // A thin dark casing under the coloured line keeps light palette colours (yellow) visible
            // on white.
            for (stroke, width) in [(INK, 3.6), (colour, 2.2)] {
                g = g.child(
                    El::new("path")
                        .attr("d", path.trim_end())
                        .attr("fill", "none")
                        .attr("stroke", stroke)
                        .attr("stroke-linejoin", "round")
                        .at("stroke-width", width),
                );
            }
        }
        for (i, (&c, &t)) in counts.iter().zip(&s.totals).enumerate() {
            if t == 0 {
                continue;
            }
            let v = c as f64 / t as f64;
            let (name, year) = month_name(&s.months[i]);
            g = g.child(
                El::new("circle")
                    .at("cx", xpos(px, i))
                    .at("cy", y(v))
                    .at("r", 3.0)
                    .attr("fill", colour)
                    .attr("stroke", INK)
                    .at("stroke-width", 0.6)
                    .attr("class", "mark")
                    .attr("data-measure", "frame")
                    .attr("data-month", &s.months[i])
                    .attr("data-label", label)
                    .attr("data-share", exact(v))
                    .attr("data-count", c.to_string())
                    .attr("data-n", t.to_string())
                    .tooltip(&format!(
                        "{name} {year} — {}: {} ({c} of {})",
                        label_name(label),
                        pct(v),
                        count(t, "paragraph")
                    )),
            );
        }
        body += &g.render();
    }
    // Last panel: paragraphs per month.
    let k = s.counts.len();
    let px = (k % cols) as f64 * (panel_w + gap);
    let py = (k / cols) as f64 * panel_h;
    let tmax = s.totals.iter().copied().max().unwrap_or(1).max(1) as f64;
    let mut g = El::new("g").attr("class", "panel totals").child(
        text(px, py + 14.5, "Body paragraphs per month", FONT, "start").attr("font-weight", "600").attr("fill", INK),
    );
    g = g.raw(&axis(px, py));
    let bw = ((plot_w - 12.0) / n.max(1) as f64 * 0.6).clamp(2.0, 22.0);
    for (i, &t) in s.totals.iter().enumerate() {
        let h = t as f64 / tmax * (plot_h - 14.0);
        let x = xpos(px, i);
        let base = py + title_h + plot_h;
        g = g.child(
            rect(x - bw / 2.0, base - h, bw, h, "#8C8C8C")
                .attr("data-month", &s.months[i])
                .attr("data-n", t.to_string())
                .tooltip(&format!("{}: {}", s.months[i], count(t, "paragraph"))),
        );
        if n <= 14 {
            g = g.child(text(x, base - h - 3.0, &t.to_string(), 9.5, "middle").attr("fill", MUTED));
        }
    }
    body += &g.render();
    let rows = (k + 1).div_ceil(cols);
    svg_root(id, WIDTH, rows as f64 * panel_h + 4.0, title, &body)
}

/// Counts per month for a quick check in tests and captions: months with dated paragraphs.
pub fn dated_months(d: &ParagraphDigest) -> BTreeMap<String, u64> {
    d.by_month.iter().map(|(m, c)| (m.clone(), c.values().sum())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_range_fills_gaps_across_years() {
        assert_eq!(month_range("2025-11", "2026-02"), ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert_eq!(month_range("2025-11", "2025-11"), ["2025-11"]);
    }

    fn row(group: &str, label: &str, share: f64) -> ComparisonRow {
        ComparisonRow {
            group_by: "outlet".into(),
            group: group.into(),
            measure: crate::run::Measure::Frame,
            label: label.into(),
            count: 0,
            share,
            ci_low: share / 2.0,
            ci_high: share,
            n_articles: 3,
            n_paragraphs: 9,
            small_group: true,
        }
    }

    #[test]
    fn share_table_orders_labels_by_codebook_and_keeps_unknown_ones() {
        let rows = [row("A", "zeta", 0.2), row("A", "b", 0.5), row("B", "a", 1.0)];
        let refs: Vec<&ComparisonRow> = rows.iter().collect();
        let order = ["a".to_string(), "b".to_string(), "other".to_string()];
        let t = ShareTable::from_comparison(&refs, "frame", &order);
        assert_eq!(t.labels, ["a", "b", "zeta"]);
        assert_eq!(t.groups.len(), 2);
        assert!(t.groups[0].small);
        assert_eq!(t.cells[0][0], None);
        assert_eq!(t.cells[1][0].unwrap().share, 1.0);
        assert!(t.has_intervals(), "comparison rows always carry their interval");
        // Colours follow the position in the full list: `zeta` comes after `other`.
        assert_eq!(t.colours[2], frame_colour(3, "zeta"));
    }

    fn dist(a: &str, b: &str) -> DistanceRow {
        DistanceRow { group_a: a.into(), group_b: b.into(), jsd: 0.1 }
    }

    #[test]
    fn heat_map_keeps_the_groups_with_most_articles_in_csv_order() {
        let names = ["a", "b", "c", "d"];
        let rows: Vec<DistanceRow> = names.iter().flat_map(|x| names.iter().map(move |y| dist(x, y))).collect();
        let articles: std::collections::HashMap<String, u64> =
            [("a", 3), ("b", 10), ("c", 1), ("d", 10)].into_iter().map(|(g, n)| (g.to_string(), n)).collect();
        let top = top_groups(&rows, &articles, 2);
        assert_eq!(top, TopGroups { kept: vec!["b".into(), "d".into()], left_out: 2 });
        assert_eq!(top_groups(&rows, &articles, 20).left_out, 0);
        let svg = distance_heatmap("h", "t", &rows[..1], Some("2 outlets left out"));
        assert!(svg.contains(">2 outlets left out</text>"), "{svg}");
        assert!(!distance_heatmap("h", "t", &rows[..1], None).contains("left-out"));
        assert_eq!(group_noun("outlet", 1), "1 outlet");
        assert_eq!(group_noun("section", 7), "7 groups");
    }

    #[test]
    fn charts_escape_group_names() {
        let rows = [row("<b>&\"x\"", "a", 0.5)];
        let refs: Vec<&ComparisonRow> = rows.iter().collect();
        let t = ShareTable::from_comparison(&refs, "frame", &["a".to_string()]);
        for svg in [stacked_bars("s", "t", &t), interval_panels("i", "t", &t)] {
            assert!(!svg.contains("<b>"));
            assert!(svg.contains("&lt;b&gt;&amp;&quot;x&quot;"));
        }
    }
}
