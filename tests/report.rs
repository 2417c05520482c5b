//! The HTML report against the CSVs: every number it shows as a data attribute equals the CSV value,
//! and the page is self-contained and escapes what it quotes.

mod report_common;
use report_common as common;

use std::collections::{BTreeMap, HashMap};

use common::{sample_copy, tags_with, Csv};
use framelens::export::report::{write_report, CHART_DISTANCES, CHART_FRAMES, CHART_STANCE, CHART_TIME, REPORT_FILE};

fn report(dir: &std::path::Path) -> String {
    let path = write_report(dir).unwrap();
    assert_eq!(path, dir.join(REPORT_FILE));
    std::fs::read_to_string(path).unwrap()
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

/// Rounds a CSV decimal string half away from zero, digit by digit (no binary floating point), as a
/// spreadsheet's number format displays it. Enough for the non-negative values tested here.
fn round_half_up(decimal: &str, places: usize) -> String {
    let (int, frac) = decimal.split_once('.').unwrap_or((decimal, ""));
    let frac = format!("{frac:0<width$}", width = places + 1);
    let scaled: u64 = format!("{int}{}", &frac[..places]).parse().unwrap();
    let scaled = scaled + u64::from(frac.as_bytes()[places] >= b'5');
    let s = format!("{scaled:0>width$}", width = places + 1);
    format!("{}.{}", &s[..s.len() - places], &s[s.len() - places..])
}

#[test]
fn every_chart_is_present() {
    let dir = sample_copy(true);
    let html = report(dir.path());
    for id in [CHART_FRAMES, CHART_DISTANCES, CHART_STANCE, CHART_TIME] {
        assert!(html.contains(&format!("id=\"{id}\"")), "missing {id}");
    }
    assert!(!html.contains("data-omitted"));
}

#[test]
fn share_marks_equal_comparison_csv() {
    let dir = sample_copy(true);
    let html = report(dir.path());
    let csv = Csv::read(&dir.path().join("comparison.csv"));
    let key = |m: &str, g: &str, l: &str| (m.to_string(), g.to_string(), l.to_string());
    let mut expected: HashMap<(String, String, String), (f64, f64, f64)> = HashMap::new();
    for r in &csv.rows {
        let c = |n: &str| r[csv.col(n)].clone();
        expected.insert(
            key(&c("measure"), &c("group"), &c("label")),
            (num(&c("share")), num(&c("ci_low")), num(&c("ci_high"))),
        );
    }
    let marks: Vec<_> = tags_with(&html, "data-share").into_iter().filter(|m| !m.contains_key("data-month")).collect();
    let mut seen = std::collections::HashSet::new();
    for m in &marks {
        let k = key(&m["data-measure"], &m["data-group"], &m["data-label"]);
        let (share, lo, hi) = expected.get(&k).unwrap_or_else(|| panic!("mark not in CSV: {k:?}"));
        assert_eq!(num(&m["data-share"]), *share, "{k:?}");
        assert_eq!(num(&m["data-ci-low"]), *lo, "{k:?}");
        assert_eq!(num(&m["data-ci-high"]), *hi, "{k:?}");
        seen.insert(k);
    }
    // Every CSV row is drawn (frame rows with 0% everywhere only in the stacked bars, which skip
    // nothing: each row appears at least once).
    assert_eq!(seen.len(), expected.len());
    // Stacked bars + interval panels for frames with any paragraph, stacked bars for stance.
    assert!(marks.len() > expected.len());
}

#[test]
fn heat_map_cells_equal_distances_csv() {
    let dir = sample_copy(true);
    let html = report(dir.path());
    let csv = Csv::read(&dir.path().join("distances.csv"));
    let cells = tags_with(&html, "data-jsd");
    assert_eq!(cells.len(), csv.rows.len());
    for r in &csv.rows {
        let cell = cells
            .iter()
            .find(|c| c["data-group-a"] == r[0] && c["data-group-b"] == r[1])
            .unwrap_or_else(|| panic!("no cell for {r:?}"));
        assert_eq!(num(&cell["data-jsd"]), num(&r[2]));
        // The printed value is the CSV value to three decimals, rounded half up as the workbook shows it.
        assert!(html.contains(&format!(">{}</text>", round_half_up(&r[2], 3))), "{r:?}");
    }
}

#[test]
fn time_chart_equals_monthly_shares_of_paragraphs_csv() {
    let dir = sample_copy(true);
    let html = report(dir.path());
    let csv = Csv::read(&dir.path().join("paragraphs.csv"));
    let (kind, frame, published) = (csv.col("kind"), csv.col("frame"), csv.col("published"));
    let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut totals: BTreeMap<String, u64> = BTreeMap::new();
    for r in &csv.rows {
        let p = &r[published];
        if r[kind] != "body" || r[frame].is_empty() || p.len() < 10 || !p.as_bytes()[0].is_ascii_digit() {
            continue;
        }
        *counts.entry((p[..7].to_string(), r[frame].clone())).or_default() += 1;
        *totals.entry(p[..7].to_string()).or_default() += 1;
    }
    let marks = tags_with(&html, "data-month");
    let points: Vec<_> = marks.iter().filter(|m| m.contains_key("data-share")).collect();
    let frames: std::collections::BTreeSet<&String> =
        csv.rows.iter().map(|r| &r[frame]).filter(|f| !f.is_empty()).collect();
    let mut expected = 0;
    for (month, total) in &totals {
        for f in &frames {
            let c = counts.get(&(month.clone(), (*f).clone())).copied().unwrap_or(0);
            let p = points
                .iter()
                .find(|m| m["data-month"] == *month && m["data-label"] == **f)
                .unwrap_or_else(|| panic!("no point {month} {f}"));
            assert_eq!(num(&p["data-share"]), c as f64 / *total as f64, "{month} {f}");
            assert_eq!(p["data-count"], c.to_string());
            assert_eq!(p["data-n"], total.to_string());
            expected += 1;
        }
        let bar = marks.iter().find(|m| m["data-month"] == *month && !m.contains_key("data-share")).unwrap();
        assert_eq!(bar["data-n"], total.to_string());
    }
    assert_eq!(points.len(), expected);
    assert!(html.contains("6 classified paragraph(s) are left out of the timeline"));
    assert!(html.contains("late autumn 2025"));
}

#[test]
fn typical_paragraphs_are_the_top_three_by_score() {
    let dir = sample_copy(true);
    let html = report(dir.path());
    let csv = Csv::read(&dir.path().join("paragraphs.csv"));
    let c = |n: &str| csv.col(n);
    let shown = tags_with(&html, "data-para-index");
    let frames: std::collections::BTreeSet<&String> =
        csv.rows.iter().map(|r| &r[c("frame")]).filter(|f| !f.is_empty()).collect();
    for f in frames {
        let mut rows: Vec<&Vec<String>> =
            csv.rows.iter().filter(|r| r[c("kind")] == "body" && r[c("frame")] == *f).collect();
        rows.sort_by(|a, b| {
            num(&b[c("frame_score")])
                .total_cmp(&num(&a[c("frame_score")]))
                .then(a[c("doc_id")].cmp(&b[c("doc_id")]))
                .then(num(&a[c("para_index")]).total_cmp(&num(&b[c("para_index")])))
        });
        let want: Vec<(String, String)> =
            rows.iter().take(3).map(|r| (r[c("doc_id")].clone(), r[c("para_index")].clone())).collect();
        let got: Vec<(String, String)> = shown
            .iter()
            .filter(|m| m["data-label"] == *f)
            .map(|m| (m["data-doc-id"].clone(), m["data-para-index"].clone()))
            .collect();
        assert_eq!(got, want, "{f}");
        for r in rows.iter().take(3) {
            let outlet = r[c("outlet")].replace('&', "&amp;");
            assert!(html.contains(&format!("<b>{outlet}</b>")));
        }
    }
    // `other` has no paragraph in the sample and says so.
    assert!(html.contains("No paragraph was labelled with this frame."));
}

#[test]
fn summary_shows_the_manifest() {
    let dir = sample_copy(true);
    let html = report(dir.path());
    for needle in [
        "corpora/sample",
        "all-MiniLM-L6-v2",
        "bf16 — auto: the CPU has bf16 units",
        "enforcement-discourse 1.0.0",
        "152 body (classified), 32 headings, 131 boilerplate",
        "crackdown narrative",
        "χ² = 40.307, df = 18, p = 0.002, Cramér's V = 0.297",
    ] {
        assert!(html.contains(needle), "missing {needle:?}");
    }
}

#[test]
fn report_is_self_contained() {
    let dir = sample_copy(true);
    let html = report(dir.path());
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"));
    assert!(!lower.contains("<link"));
    assert!(!lower.contains("<img"));
    assert!(!lower.contains("url("));
    assert!(!lower.contains("@import"));
    // The only URL is the SVG namespace, which is an identifier, not a request.
    let urls = lower.matches("http").count() - lower.matches("http-equiv").count();
    assert_eq!(urls, lower.matches("xmlns=\"http://www.w3.org/2000/svg\"").count());
    assert!(lower.contains("content-security-policy"));
}

/// Rewrites one outlet's name in every CSV of the run.
fn rename_outlet(dir: &std::path::Path, from: &str, to: &str) {
    for name in ["paragraphs.csv", "articles.csv", "outlets.csv", "comparison.csv", "distances.csv", "differences.csv"]
    {
        let path = dir.join(name);
        let mut r = csv::Reader::from_path(&path).unwrap();
        let headers = r.headers().unwrap().clone();
        let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        let mut w = csv::Writer::from_path(&path).unwrap();
        w.write_record(&headers).unwrap();
        for row in rows {
            let row: Vec<String> = row.iter().map(|v| if v == from { to.to_string() } else { v.to_string() }).collect();
            w.write_record(&row).unwrap();
        }
        w.flush().unwrap();
    }
}

#[test]
fn quoted_names_are_escaped() {
    let dir = sample_copy(true);
    let evil = "<script>alert(\"x\")</script> & 'Co'";
    rename_outlet(dir.path(), "meridian-wire", evil);
    let html = report(dir.path());
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;"));
    let marks = tags_with(&html, "data-share");
    assert!(marks.iter().any(|m| m.get("data-group").map(String::as_str) == Some(evil)));
}

#[test]
fn without_comparison_shares_come_from_outlets_csv_and_missing_charts_are_noted() {
    let dir = sample_copy(false);
    let html = report(dir.path());
    assert!(html.contains(&format!("id=\"{CHART_FRAMES}\"")));
    assert!(html.contains(&format!("id=\"{CHART_STANCE}\"")));
    assert!(html.contains(&format!("id=\"{CHART_TIME}\"")));
    assert!(!html.contains(&format!("id=\"{CHART_DISTANCES}\"")));
    assert!(html.contains(&format!("data-omitted=\"{CHART_DISTANCES}\"")));
    assert!(html.contains("framelens compare"));
    assert!(!html.contains("data-ci-low"));
    let csv = Csv::read(&dir.path().join("outlets.csv"));
    let marks = tags_with(&html, "data-share");
    for r in &csv.rows {
        for (i, h) in csv.headers.iter().enumerate() {
            let Some(frame) = h.strip_prefix("share_") else {
                continue;
            };
            let m = marks
                .iter()
                .find(|m| m["data-measure"] == "frame" && m["data-group"] == r[0] && m["data-label"] == frame)
                .unwrap();
            assert_eq!(num(&m["data-share"]), num(&r[i]));
        }
    }
}

#[test]
fn an_empty_run_still_gives_a_report_and_a_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sample = common::sample_dir();
    for name in ["paragraphs.csv", "articles.csv", "outlets.csv", "rejects.csv", "comparison.csv", "distances.csv"] {
        let text = std::fs::read_to_string(sample.join(name)).unwrap();
        std::fs::write(d.join(name), format!("{}\n", text.lines().next().unwrap())).unwrap();
    }
    std::fs::write(d.join("manifest.json"), "{}").unwrap();
    let html = report(d);
    assert!(html.contains(&format!("data-omitted=\"{CHART_TIME}\"")));
    assert!(html.contains(&format!("data-omitted=\"{CHART_DISTANCES}\"")));
    // Frames fall back to the share_ columns of outlets.csv.
    assert!(html.contains("victim protection"));
    framelens::export::write_workbook(d).unwrap();
}
