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
    assert!(html.contains("6 classified paragraphs left out of the timeline"));
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
    // `other` (off-topic) is not a frame: it has no typical-paragraph panel.
    assert!(!html.contains("class=\"frame-block\" data-label=\"other\""));
}

#[test]
fn summary_shows_the_manifest() {
    let dir = sample_copy(true);
    let html = report(dir.path());
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json")).unwrap()).unwrap();
    let c = &m["counts"];
    // The frame row of independence.csv, as the summary words it (three decimals; p below 0.001 as a bound).
    let ind = Csv::read(&dir.path().join("independence.csv"));
    let frame = ind.rows.iter().find(|r| r[ind.col("measure")] == "frame").unwrap();
    let get = |k: &str| frame[ind.col(k)].clone();
    let p = num(&get("p_value"));
    let p = if p < 0.001 { "p < 0.001".to_string() } else { format!("p = {p:.3}") };
    let chi = format!(
        "χ² = {:.3}, df = {}, {p}, Cramér's V = {:.3} ({} paragraphs, {} groups)",
        num(&get("chi2")),
        get("df"),
        num(&get("cramers_v")),
        get("n_paragraphs"),
        get("n_groups")
    );
    for needle in [
        m["corpus"].as_str().unwrap().to_string(),
        m["model"]["id"].as_str().unwrap().to_string(),
        format!("{} — {}", m["model"]["precision"].as_str().unwrap(), m["model"]["precision_reason"].as_str().unwrap()),
        format!("{} {}", m["codebook"]["name"].as_str().unwrap(), m["codebook"]["version"].as_str().unwrap()),
        format!(
            "{} body (classified), {} headings, {} boilerplate",
            c["paragraphs_body"], c["paragraphs_heading"], c["paragraphs_boilerplate"]
        ),
        "crackdown narrative".to_string(),
        chi,
    ] {
        assert!(common::unescape(&html).contains(&needle), "missing {needle:?}");
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
            // `share_other` is the off-topic share, reported beside the frames, not as a frame segment.
            let Some(frame) = h.strip_prefix("share_").filter(|f| *f != "other") else {
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

/// Rewrites the copy's `manifest.json` with `edit`.
fn edit_manifest(dir: &std::path::Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut m);
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap()).unwrap();
}

/// Cue chips of the typical paragraphs: `(data-owner, cues)` per group, in page order.
fn cue_groups(html: &str) -> Vec<(String, Vec<String>)> {
    html.split("<span class=\"cue-group\" data-owner=\"")
        .skip(1)
        .map(|g| {
            let owner = common::unescape(&g[..g.find('"').unwrap()]);
            let body = &g[..g.find("</span></span>").map_or(g.len(), |i| i + 7)];
            let cues = body
                .split("<span class=\"cue\">")
                .skip(1)
                .map(|c| common::unescape(&c[..c.find("</span>").unwrap()]))
                .collect();
            (owner, cues)
        })
        .collect()
}

#[test]
fn cue_chips_are_grouped_under_the_frame_or_stance_they_are_cues_of() {
    let dir = sample_copy(true);
    let codebook =
        framelens::codebook::load(std::path::Path::new("models/codebooks/enforcement-discourse.toml")).unwrap();
    let cues = framelens::export::manifest::CodebookCues::of(&codebook.codebook);
    edit_manifest(dir.path(), |m| m["codebook"]["cues"] = serde_json::to_value(&cues).unwrap());
    let html = report(dir.path());
    let groups = cue_groups(&html);
    assert!(!groups.is_empty(), "no grouped cue chips");
    let lower = |v: &[String]| v.iter().map(|c| c.to_lowercase()).collect::<Vec<_>>();
    for (owner, chips) in &groups {
        assert!(!chips.is_empty(), "{owner}: empty group");
        let list = match owner.split_once(':') {
            Some(("frame", f)) => lower(&cues.frames[f]),
            Some(("stance", s)) => lower(&cues.stance[s]),
            _ => {
                // Ownerless chips are in no list at all.
                for c in chips {
                    assert!(cues.frames.values().chain(cues.stance.values()).all(|l| !lower(l).contains(c)), "{c}");
                }
                continue;
            }
        };
        for c in chips {
            assert!(list.contains(&c.to_lowercase()), "{c:?} is not a cue of {owner}");
        }
    }
    // Every cue of the evidence is shown: the chips of the first paragraph with cues are its cues.
    assert!(groups.iter().any(|(o, _)| o.starts_with("frame:")));
}

#[test]
fn without_the_runs_cue_lists_chips_stay_flat() {
    let dir = sample_copy(true);
    // A codebook file that is not the one the run used must not be used to group cues.
    edit_manifest(dir.path(), |m| {
        m["codebook"]["sha256"] = serde_json::json!("0".repeat(64));
        m["codebook"].as_object_mut().unwrap().remove("cues");
    });
    let html = report(dir.path());
    assert!(html.contains("<span class=\"cue\">"));
    assert!(cue_groups(&html).is_empty());
}

#[test]
fn tiny_p_values_read_as_a_bound() {
    let dir = sample_copy(true);
    let path = dir.path().join("independence.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let csv = Csv::read(&path);
    let p = csv.col("p_value");
    let mut cells: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    cells[p] = "3.200e-9".into();
    lines[1] = cells.join(",");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let html = report(dir.path());
    assert!(html.contains(", p < 0.001, "), "no bound for a tiny p-value");
    assert!(!html.contains("e-9,") && !html.contains("3.2e-9 "));
    assert!(html.contains("data-p-value=\"0.0000000032\""));
}

#[test]
fn heat_map_keeps_the_outlets_with_most_articles_and_says_how_many_are_left_out() {
    use framelens::export::report::{write_report_with, ReportOptions};
    use framelens::export::run_tables::ComparisonFiles;
    let dir = sample_copy(true);
    // The sample's outlets all have six articles: give two of them more.
    let big = ["Mekong Policy Review", "meridian-wire"];
    let path = dir.path().join("comparison.csv");
    let csv = Csv::read(&path);
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(&csv.headers).unwrap();
    for r in &csv.rows {
        let mut r = r.clone();
        if big.contains(&r[csv.col("group")].as_str()) {
            r[csv.col("n_articles")] = "9".into();
        }
        w.write_record(&r).unwrap();
    }
    w.flush().unwrap();
    let files = ComparisonFiles::outlet(dir.path());
    let path = write_report_with(dir.path(), &files, &ReportOptions { heatmap_groups: 2 }).unwrap();
    let html = std::fs::read_to_string(path).unwrap();
    let cells = tags_with(&html, "data-jsd");
    assert_eq!(cells.len(), 4);
    for c in &cells {
        for g in [&c["data-group-a"], &c["data-group-b"]] {
            assert!(big.contains(&g.as_str()), "{g} is not among the two largest");
        }
    }
    assert!(html.contains(&format!("id=\"{CHART_DISTANCES}\" data-left-out=\"2\"")));
    assert!(html.contains("Showing the 2 outlets with the most articles; 2 outlets with fewer left out"));
    // By default (20) all four outlets are shown.
    let html = report(dir.path());
    assert_eq!(tags_with(&html, "data-jsd").len(), 16);
    assert!(html.contains("data-left-out=\"0\"") && !html.contains("with fewer left out"));
}

#[test]
fn long_titles_are_cut_to_fit() {
    let dir = sample_copy(true);
    let long_corpus = format!("/data/{}/commentary.jsonl", "very-long-folder-name".repeat(10));
    edit_manifest(dir.path(), |m| m["corpus"] = serde_json::json!(long_corpus));
    let path = dir.path().join("paragraphs.csv");
    let csv = Csv::read(&path);
    let long_title = format!("{} End", "A headline that goes on and on ".repeat(10));
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(&csv.headers).unwrap();
    for r in &csv.rows {
        let mut r = r.clone();
        r[csv.col("title")] = long_title.clone();
        w.write_record(&r).unwrap();
    }
    w.flush().unwrap();
    let html = report(dir.path());
    let h1 = &html[html.find("<h1>").unwrap()..html.find("</h1>").unwrap()];
    assert!(h1.contains(&format!("title=\"{long_corpus}\"")), "{h1}");
    assert!(h1.chars().filter(|c| c.is_alphanumeric()).count() < long_corpus.len() + 100);
    assert!(!html.contains(&format!(">{long_title}<")), "an article title is shown whole");
    assert!(html.contains(&format!("<span title=\"{long_title}\">")));
    assert!(html.contains("overflow-wrap: anywhere"));
}

#[test]
fn a_comparison_by_month_gets_its_own_report_and_workbook() {
    use framelens::compare::{compare, write, CompareOptions, GroupBy};
    use framelens::export::report::{write_report_with, ReportOptions};
    use framelens::export::xlsx::write_workbook_with;
    let dir = sample_copy(true);
    let d = dir.path();
    let outlet_report = std::fs::read(framelens::export::write_report(d).unwrap()).unwrap();
    let before: Vec<Vec<u8>> = common::COMPARE_FILES.iter().map(|f| std::fs::read(d.join(f)).unwrap()).collect();
    let opts = CompareOptions { by: GroupBy::Month, resamples: 50, ..Default::default() };
    let files = write(d, &compare(d, &opts).unwrap()).unwrap();
    let report = write_report_with(d, &files, &ReportOptions::default()).unwrap();
    let workbook = write_workbook_with(d, &files).unwrap();
    assert_eq!((report.clone(), workbook.clone()), (d.join("report_by_month.html"), d.join("framelens_by_month.xlsx")));
    // The outlet files are untouched.
    assert_eq!(std::fs::read(d.join("report.html")).unwrap(), outlet_report);
    for (f, bytes) in common::COMPARE_FILES.iter().zip(&before) {
        assert_eq!(&std::fs::read(d.join(f)).unwrap(), bytes, "{f}");
    }
    let html = std::fs::read_to_string(report).unwrap();
    assert!(html.contains("— by month</h1>"));
    assert!(html.contains("comparison_by_month.csv"));
    let marks = tags_with(&html, "data-share");
    assert!(marks.iter().any(|m| m.get("data-group").map(String::as_str) == Some("2025-09")), "no month groups");
    assert!(!marks.iter().any(|m| m.get("data-group").map(String::as_str) == Some("meridian-wire")));
}

#[test]
fn compare_cli_by_month_writes_its_own_files_or_into_out() {
    let dir = sample_copy(true);
    let d = dir.path();
    let before: Vec<Vec<u8>> = common::COMPARE_FILES.iter().map(|f| std::fs::read(d.join(f)).unwrap()).collect();
    let out = assert_cmd::Command::cargo_bin("framelens")
        .unwrap()
        .arg("compare")
        .arg(d)
        .args(["--by", "month", "--resamples", "50", "--xlsx", "--report"])
        .assert()
        .success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    for (f, bytes) in common::COMPARE_FILES.iter().zip(&before) {
        assert_eq!(&std::fs::read(d.join(f)).unwrap(), bytes, "{f} was overwritten");
        let own = f.replace(".csv", "_by_month.csv");
        assert!(d.join(&own).exists() && err.contains(&own), "{own}: {err}");
    }
    for f in ["framelens_by_month.xlsx", "report_by_month.html"] {
        assert!(d.join(f).exists() && err.contains(f), "{f}: {err}");
    }
    assert!(!d.join("report.html").exists() && !d.join("framelens.xlsx").exists());
    // The p-value in the summary is a bound or three decimals, never scientific notation.
    assert!(err.contains("month × frame: chi2 ") && !err.contains("e-"), "{err}");

    let elsewhere = d.join("monthly");
    assert_cmd::Command::cargo_bin("framelens")
        .unwrap()
        .arg("compare")
        .arg(d)
        .args(["--by", "month", "--resamples", "50", "--report", "--out"])
        .arg(&elsewhere)
        .assert()
        .success();
    assert!(elsewhere.join("comparison_by_month.csv").exists() && elsewhere.join("report_by_month.html").exists());
    assert_eq!(
        std::fs::read(elsewhere.join("comparison_by_month.csv")).unwrap(),
        std::fs::read(d.join("comparison_by_month.csv")).unwrap()
    );
}

/// Rewrites every row of `paragraphs.csv` with `edit(column, value)`.
fn edit_paragraphs(dir: &std::path::Path, edit: impl Fn(&str, &str) -> String) {
    let path = dir.join("paragraphs.csv");
    let mut r = csv::Reader::from_path(&path).unwrap();
    let headers = r.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(&headers).unwrap();
    for row in rows {
        let row: Vec<String> = headers.iter().zip(row.iter()).map(|(h, v)| edit(h, v)).collect();
        w.write_record(&row).unwrap();
    }
    w.flush().unwrap();
}

/// Every string from a user's files that the report quotes (article title, paragraph text, document id,
/// evidence, cue phrases, the corpus path, outlet names are tested above) reaches the page as text: a tag
/// in any of them is escaped, never markup.
#[test]
fn every_quoted_user_string_is_escaped() {
    let dir = sample_copy(true);
    let tag = |field: &str| format!("<evil-{field} a=\"1\">&'");
    edit_paragraphs(dir.path(), |column, value| match column {
        // First, since long titles and paragraphs are cut at the end.
        "title" | "text" | "doc_id" => format!("{} {value}", tag(column)),
        "evidence" if !value.is_empty() => format!("{} [cues: {}]", tag("evidence"), tag("cue")),
        _ => value.to_string(),
    });
    edit_manifest(dir.path(), |m| m["corpus"] = serde_json::Value::String(format!("corpora/{}", tag("corpus"))));
    let html = report(dir.path());
    assert!(!html.contains("<evil-"), "a user string reached the page as markup");
    for field in ["title", "text", "doc_id", "evidence", "cue", "corpus"] {
        let escaped = format!("&lt;evil-{field} a=&quot;1&quot;&gt;&amp;&#39;");
        assert!(html.contains(&escaped), "the report does not show the {field} (escaped as {escaped})");
    }
}
