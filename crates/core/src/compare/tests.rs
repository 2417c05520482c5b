//! End-to-end tests of `compare` on a tiny hand-countable run folder.
//!
//! The fixture: codebook frames `a`, `b` (+ `other`, never used); three outlets with two articles each;
//! every body paragraph is (frame, stance):
//!
//! | outlet | article | paragraphs                         | frames a/b | stance s/c/n |
//! |--------|---------|------------------------------------|------------|--------------|
//! | X      | x1      | (a,s) (a,n) (b,n)                  | 2/1        | 1/0/2        |
//! | X      | x2      | (a,s) (a,n) (b,n)                  | 2/1        | 1/0/2        |
//! | Y      | y1      | (a,c) (b,c) (b,n) (b,n)            | 1/3        | 0/2/2        |
//! | Y      | y2      | (b,c) (b,n)                        | 0/2        | 0/1/1        |
//! | Z      | z1      | (a,s) (a,c) (b,n) (b,n)            | 2/2        | 1/1/2        |
//! | Z      | z2      | (a,n) (b,n)                        | 1/1        | 0/0/2        |
//!
//! Totals: X a4 b2 | s2 c0 n4; Y a1 b5 | s0 c3 n3; Z a3 b3 | s1 c1 n4; 18 body paragraphs.
//! Plus a heading and a boilerplate row (unlabelled, must be ignored) and `score_*` columns (ignored).

use std::path::Path;

use super::*;

const HEADER: &str = "doc_id,outlet,published,title,section,para_index,kind,char_start,char_end,\
n_tokens,windows,frame,frame_score,frame_margin,frames,stance,stance_score,evidence,text,score_a,score_b";

/// (doc_id, outlet, published, section, kind, frame, stance)
type Row = (&'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str);

fn rows() -> Vec<Row> {
    let mut v: Vec<Row> = Vec::new();
    let mut add = |doc, outlet, date, section, paras: &[(&'static str, &'static str)]| {
        for (f, s) in paras {
            v.push((doc, outlet, date, section, "body", f, s));
        }
    };
    add("x1", "X", "2025-09-04", "", &[("a", "supportive"), ("a", "neutral"), ("b", "neutral")]);
    add("x2", "X", "2025-10-01", "Background", &[("a", "supportive"), ("a", "neutral"), ("b", "neutral")]);
    add("y1", "Y", "2025-09-10", "", &[("a", "critical"), ("b", "critical"), ("b", "neutral"), ("b", "neutral")]);
    add("y2", "Y", "late autumn 2025", "Background", &[("b", "critical"), ("b", "neutral")]);
    add("z1", "Z", "2025-10-05", "", &[("a", "supportive"), ("a", "critical"), ("b", "neutral"), ("b", "neutral")]);
    add("z2", "Z", "2025-09-30", "", &[("a", "neutral"), ("b", "neutral")]);
    v.insert(1, ("x1", "X", "2025-09-04", "Background", "heading", "", ""));
    v.push(("y2", "Y", "late autumn 2025", "", "boilerplate", "", ""));
    v
}

fn paragraphs_csv(rows: &[Row]) -> String {
    let mut s = format!("{HEADER}\n");
    for (i, (doc, outlet, date, section, kind, frame, stance)) in rows.iter().enumerate() {
        let (score, margin, sscore) = if *kind == "body" { ("0.5000", "0.1000", "0.9000") } else { ("", "", "") };
        s.push_str(&format!(
            "{doc},{outlet},{date},\"Title, {doc}\",{section},{i},{kind},0,10,5,1,{frame},{score},{margin},\
             {frame},{stance},{sscore},,\"text of {doc}\",0.6,0.4\n"
        ));
    }
    s
}

const MANIFEST: &str = r#"{"framelens_version":"0.1.0","codebook":{"name":"t","frames":["a","b"]}}"#;

const ARTICLES: &str = "doc_id,outlet,published,title,region\n\
x1,X,2025-09-04,t,north\nx2,X,2025-10-01,t,north\ny1,Y,2025-09-10,t,south\n\
y2,Y,late autumn 2025,t,south\nz1,Z,2025-10-05,t,south\nz2,Z,2025-09-30,t,\n";

fn fixture_with(rows: &[Row], manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("paragraphs.csv"), paragraphs_csv(rows)).unwrap();
    std::fs::write(dir.path().join("articles.csv"), ARTICLES).unwrap();
    std::fs::write(dir.path().join("manifest.json"), manifest).unwrap();
    dir
}

fn fixture() -> tempfile::TempDir {
    fixture_with(&rows(), MANIFEST)
}

fn run(dir: &Path, by: GroupBy) -> Comparison {
    compare(dir, &CompareOptions { by, ..CompareOptions::default() }).unwrap()
}

fn share<'a>(c: &'a Comparison, group: &str, measure: Measure, label: &str) -> &'a ShareRow {
    c.shares.iter().find(|r| r.group == group && r.measure == measure && r.label == label).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn frame_independence_by_hand() {
    // Observed [[4,2],[1,5],[3,3]] (the `other` column is all zero and dropped). Row totals 6, 6, 6;
    // column totals 8, 10; n = 18. Expected: a = 6·8/18 = 8/3, b = 6·10/18 = 10/3 in every row.
    // chi2 = (4/3)²/(8/3) + (4/3)²/(10/3)        X: 2/3  + 8/15
    //      + (5/3)²/(8/3) + (5/3)²/(10/3)        Y: 25/24 + 5/6
    //      + (1/3)²/(8/3) + (1/3)²/(10/3)        Z: 1/24 + 1/30
    //      = (80 + 64 + 125 + 100 + 5 + 4) / 120 = 378/120 = 3.15
    // df = (3−1)(2−1) = 2 (it would be 4 if the empty `other` column were counted).
    // For df = 2 the chi-square survival function is exp(−x/2): p = exp(−1.575) = 0.20700755268115265
    // (scipy.stats.chi2_contingency gives 3.1499999999999995, dof 2, p 0.20700755268115265).
    // Cramér's V = sqrt(3.15 / (18 · (min(3, 2) − 1))) = sqrt(0.175) = 0.41833001326703778.
    let c = run(fixture().path(), GroupBy::Outlet);
    let t = &c.independence[0];
    assert_eq!(t.measure, Measure::Frame);
    assert!(close(t.chi2, 3.15), "{}", t.chi2);
    assert_eq!(t.df, 2);
    assert!(close(t.p_value.unwrap(), 0.207_007_552_681_152_65), "{:?}", t.p_value);
    assert!(close(t.cramers_v.unwrap(), 0.418_330_013_267_037_8));
    assert_eq!((t.n_paragraphs, t.n_groups), (18, 3));
}

#[test]
fn stance_independence_by_hand() {
    // Observed (s, c, n): X [2,0,4], Y [0,3,3], Z [1,1,4]; column totals 3, 4, 11; rows 6 each; n = 18.
    // Expected per row: s = 1, c = 4/3, n = 11/3.
    // X: 1 + (4/3)²/(4/3) + (1/3)²/(11/3) = 1 + 4/3 + 1/33
    // Y: 1 + (5/3)²/(4/3) + (2/3)²/(11/3) = 1 + 25/12 + 4/33
    // Z: 0 + (1/3)²/(4/3) + (1/3)²/(11/3) = 1/12 + 1/33
    // chi2 = 2 + 4/3 + 26/12 + 6/33 = (132 + 88 + 143 + 12)/66 = 375/66 = 125/22 = 5.681818...
    // df = (3−1)(3−1) = 4; for df = 4, sf(x) = exp(−x/2)(1 + x/2): exp(−125/44)(1 + 125/44)
    //    = 0.22420375727368577 (scipy agrees).
    // V = sqrt((125/22) / (18 · 2)) = sqrt(125/792) = 0.39727607885233013.
    let c = run(fixture().path(), GroupBy::Outlet);
    let t = &c.independence[1];
    assert_eq!(t.measure, Measure::Stance);
    assert!(close(t.chi2, 125.0 / 22.0), "{}", t.chi2);
    assert_eq!(t.df, 4);
    assert!(close(t.p_value.unwrap(), 0.224_203_757_273_685_77), "{:?}", t.p_value);
    assert!(close(t.cramers_v.unwrap(), 0.397_276_078_852_330_13));
}

#[test]
fn shares_and_flags() {
    let c = run(fixture().path(), GroupBy::Outlet);
    assert_eq!(c.groups, ["X", "Y", "Z"]);
    assert_eq!(c.frames, ["a", "b"], "`other` is not a frame: left out of the comparison");
    // 3 groups × (2 frames + 3 stances), groups in order, labels in codebook order.
    assert_eq!(c.shares.len(), 15);
    assert_eq!(c.shares[0].label, "a");
    assert_eq!(c.shares[2].label, "supportive");
    let xa = share(&c, "X", Measure::Frame, "a");
    assert_eq!((xa.count, xa.n_paragraphs, xa.n_articles), (4, 6, 2));
    assert!(close(xa.share, 4.0 / 6.0));
    // 2 articles < min_articles 5: flagged, still present.
    assert!(xa.small_group);
    let yc = share(&c, "Y", Measure::Stance, "critical");
    assert!(close(yc.share, 0.5));
    assert!(c.shares.iter().all(|r| r.label != "other"));
    let c2 = compare(fixture().path(), &CompareOptions { min_articles: 2, ..CompareOptions::default() }).unwrap();
    assert!(c2.shares.iter().all(|r| !r.small_group));
}

#[test]
fn articles_with_equal_shares_give_zero_width_intervals() {
    // x1 and x2 have identical compositions, so every article-level resample of X has exactly X's
    // shares: a zero-width interval. (A paragraph-level bootstrap would give a wide one.)
    let c = run(fixture().path(), GroupBy::Outlet);
    for r in c.shares.iter().filter(|r| r.group == "X") {
        assert_eq!((r.ci_low, r.ci_high), (r.share, r.share), "{r:?}");
    }
}

#[test]
fn intervals_resample_articles() {
    // Y: y1 has a = 1 of 4, y2 a = 0 of 2. Resamples of two articles: {y1,y1} (p ¼) → 2/8 = 0.25,
    // {y1,y2} (p ½) → 1/6, {y2,y2} (p ¼) → 0, so the 2.5% / 97.5% quantiles are exactly 0 and 0.25.
    // Resampling 6 paragraphs instead would produce shares 2/6, 3/6, ... above 0.25.
    let c = run(fixture().path(), GroupBy::Outlet);
    let ya = share(&c, "Y", Measure::Frame, "a");
    assert_eq!((ya.ci_low, ya.ci_high), (0.0, 0.25));
}

#[test]
fn intervals_contain_point_estimates() {
    let c = run(fixture().path(), GroupBy::Outlet);
    for r in &c.shares {
        assert!(r.ci_low <= r.share && r.share <= r.ci_high, "{r:?}");
    }
    for r in &c.differences {
        assert!(r.ci_low <= r.diff && r.diff <= r.ci_high, "{r:?}");
    }
}

#[test]
fn same_seed_same_result_other_seed_other_intervals() {
    let dir = fixture();
    let a = run(dir.path(), GroupBy::Outlet);
    let b = run(dir.path(), GroupBy::Outlet);
    assert_eq!(a, b);
    let other = compare(dir.path(), &CompareOptions { seed: 7, ..CompareOptions::default() }).unwrap();
    // Point estimates do not depend on the seed; at least one interval (the rest side of the
    // differences has 4 articles, hence many distinct resample values) does, and so may the shuffled-articles
    // p-value (a resampling estimate too), but not the asymptotic test.
    let asymptotic = |c: &Comparison| -> Vec<_> {
        c.independence.iter().map(|t| (t.chi2, t.df, t.p_value, t.cramers_v, t.n_paragraphs)).collect()
    };
    assert_eq!(asymptotic(&a), asymptotic(&other));
    for (x, y) in a.independence.iter().zip(&other.independence) {
        assert!((x.p_articles.unwrap() - y.p_articles.unwrap()).abs() < 0.03, "{x:?} {y:?}");
    }
    assert_eq!(a.distances, other.distances);
    assert!(a.differences.iter().zip(&other.differences).any(|(x, y)| (x.ci_low, x.ci_high) != (y.ci_low, y.ci_high)));
}

#[test]
fn row_order_does_not_matter() {
    let mut r = rows();
    r.reverse();
    let shuffled = run(fixture_with(&r, MANIFEST).path(), GroupBy::Outlet);
    assert_eq!(shuffled, run(fixture().path(), GroupBy::Outlet));
}

#[test]
fn distances_by_hand() {
    // X = (2/3, 1/3, 0), Y = (1/6, 5/6, 0); m = (5/12, 7/12).
    // KL(X‖m) = 2/3·log2(8/5) + 1/3·log2(4/7) = 0.4520 − 0.2691 = 0.1829
    // KL(Y‖m) = 1/6·log2(2/5) + 5/6·log2(10/7) = −0.2203 + 0.4288 = 0.2085
    // JSD = ½(0.1829 + 0.2085) = 0.1957; distance = sqrt = 0.44239
    // (scipy jensenshannon(X, Y, base=2) = 0.4423908100308266).
    let c = run(fixture().path(), GroupBy::Outlet);
    assert_eq!(c.distances.len(), 9);
    let d = |a: &str, b: &str| c.distances.iter().find(|r| r.group_a == a && r.group_b == b).unwrap().jsd;
    let xy = 0.5
        * (2.0 / 3.0 * (8.0f64 / 5.0).log2()
            + 1.0 / 3.0 * (4.0f64 / 7.0).log2()
            + 1.0 / 6.0 * (2.0f64 / 5.0).log2()
            + 5.0 / 6.0 * (10.0f64 / 7.0).log2());
    assert!(close(d("X", "Y"), xy.sqrt()));
    assert!((d("X", "Y") - 0.442_390_810_030_826_6).abs() < 1e-12);
    assert!((d("X", "Z") - 0.143_947_350_180_224_48).abs() < 1e-12);
    assert_eq!(d("X", "Y"), d("Y", "X"));
    for g in ["X", "Y", "Z"] {
        assert_eq!(d(g, g), 0.0);
    }
}

#[test]
fn differences_by_hand_and_sorted() {
    // Frame a: X 4/6 vs rest (1+3)/12 = 1/3 → +1/3; Y 1/6 vs 7/12 → −5/12; Z 3/6 vs 5/12 → +1/12.
    // Sorted by label, then |diff| descending: Y, X, Z. `other` is not a frame, so it has no rows.
    let c = run(fixture().path(), GroupBy::Outlet);
    assert_eq!(c.differences.len(), 6);
    let order: Vec<(&str, &str)> = c.differences.iter().map(|r| (r.label.as_str(), r.group.as_str())).collect();
    assert_eq!(order, [("a", "Y"), ("a", "X"), ("a", "Z"), ("b", "Y"), ("b", "X"), ("b", "Z"),]);
    let ya = &c.differences[0];
    assert!(close(ya.share, 1.0 / 6.0) && close(ya.rest_share, 7.0 / 12.0));
    assert!(close(ya.diff, -5.0 / 12.0));
    assert_eq!(ya.n_articles, 2);
    let xa = &c.differences[1];
    assert!(close(xa.diff, 1.0 / 3.0));
    // X's own side is constant (zero-width), so X's interval only reflects the rest: the rest's a-share
    // ranges over resamples of (1/4, 0/2, 2/4, 1/2) articles, all within [0, 1/2], hence
    // diff ∈ [2/3 − 1/2, 2/3 − 0].
    assert!(xa.ci_low >= 2.0 / 3.0 - 0.5 - 1e-12 && xa.ci_high <= 2.0 / 3.0 + 1e-12);
    assert!(xa.ci_low < xa.ci_high);
}

#[test]
fn by_month_keeps_unknown_last() {
    // 2025-09: x1 (3), y1 (4), z2 (2); 2025-10: x2 (3), z1 (4); unknown ("late autumn 2025"): y2 (2).
    let c = run(fixture().path(), GroupBy::Month);
    assert_eq!(c.group_by, "month");
    assert_eq!(c.groups, ["2025-09", "2025-10", "unknown"]);
    let n = |g| share(&c, g, Measure::Frame, "a").n_paragraphs;
    assert_eq!((n("2025-09"), n("2025-10"), n("unknown")), (9, 7, 2));
    assert_eq!(share(&c, "unknown", Measure::Frame, "b").share, 1.0);
}

#[test]
fn by_article_column_joins_articles_csv() {
    // region: x1, x2 north (6 paragraphs); y1, y2, z1 south (10); z2 empty → "(none)" (2).
    let c = run(fixture().path(), GroupBy::Column("region".into()));
    assert_eq!(c.group_by, "region");
    assert_eq!(c.groups, ["(none)", "north", "south"]);
    let r = share(&c, "south", Measure::Frame, "a");
    assert_eq!((r.n_articles, r.n_paragraphs, r.count), (3, 10, 3));
}

#[test]
fn by_paragraph_column_splits_articles() {
    // section: x2 and y2 are "Background" (3 + 2 body paragraphs), the rest empty → "(none)" (13).
    let c = run(fixture().path(), GroupBy::Column("section".into()));
    assert_eq!(c.groups, ["(none)", "Background"]);
    let r = share(&c, "Background", Measure::Frame, "a");
    assert_eq!((r.n_articles, r.n_paragraphs, r.count), (2, 5, 2));
}

#[test]
fn a_spreadsheet_safe_runs_text_column_groups_by_the_restored_text() {
    // `run --spreadsheet-safe` wrote the section "-Background" as "'-Background".
    let quoted: Vec<Row> = rows()
        .into_iter()
        .map(|r| if r.3 == "Background" { (r.0, r.1, r.2, "'-Background", r.4, r.5, r.6) } else { r })
        .collect();
    let safe = MANIFEST.replacen('{', r#"{"options":{"spreadsheet_safe":true},"#, 1);
    let c = run(fixture_with(&quoted, &safe).path(), GroupBy::Column("section".into()));
    assert_eq!(c.groups, ["(none)", "-Background"]);
    assert_eq!(share(&c, "-Background", Measure::Frame, "a").n_paragraphs, 5);
    // Without the manifest saying so, the cell is taken as written.
    let c = run(fixture_with(&quoted, MANIFEST).path(), GroupBy::Column("section".into()));
    assert_eq!(c.groups, ["'-Background", "(none)"]);
}

#[test]
fn errors_name_file_and_problem() {
    let dir = fixture();
    let err = compare(dir.path(), &CompareOptions { by: GroupBy::Column("nope".into()), ..CompareOptions::default() })
        .unwrap_err();
    assert!(matches!(&err, CompareError::MissingColumn { column, .. } if column == "nope"));
    let msg = err.to_string();
    assert!(msg.contains("articles.csv") && msg.contains("nope"), "{msg}");

    std::fs::write(dir.path().join("manifest.json"), r#"{"codebook":{}}"#).unwrap();
    let msg = compare(dir.path(), &CompareOptions::default()).unwrap_err().to_string();
    assert!(msg.contains("manifest.json") && msg.contains("codebook.frames"), "{msg}");

    std::fs::remove_file(dir.path().join("manifest.json")).unwrap();
    let err = compare(dir.path(), &CompareOptions::default()).unwrap_err();
    assert!(matches!(&err, CompareError::MissingFile { path } if path.ends_with("manifest.json")));

    // A body paragraph labelled with a frame that is not in the codebook: named with its line.
    let mut r = rows();
    r[0].5 = "c";
    let dir = fixture_with(&r, MANIFEST);
    let msg = compare(dir.path(), &CompareOptions::default()).unwrap_err().to_string();
    assert!(msg.contains("paragraphs.csv: line 2: frame `c`"), "{msg}");

    let err = compare(dir.path(), &CompareOptions { resamples: 0, ..CompareOptions::default() }).unwrap_err();
    assert!(matches!(err, CompareError::InvalidOption(_)));
}

#[test]
fn a_run_without_stance_compares_frames_only() {
    // A codebook without a stance target leaves the stance column empty: frames are compared as before,
    // stance has no shares and no test.
    let r: Vec<Row> = rows()
        .into_iter()
        .map(|mut r| {
            r.6 = "";
            r
        })
        .collect();
    let c = run(fixture_with(&r, MANIFEST).path(), GroupBy::Outlet);
    assert!(c.shares.iter().all(|s| s.measure == Measure::Frame));
    assert!(close(c.independence[0].chi2, 3.15));
    assert_eq!((c.independence[1].df, c.independence[1].p_value, c.independence[1].n_paragraphs), (0, None, 0));
    // A stance that is neither empty nor a known label is still an error naming the line.
    let mut r = rows();
    r[0].6 = "pro";
    let msg = compare(fixture_with(&r, MANIFEST).path(), &CompareOptions::default()).unwrap_err().to_string();
    assert!(msg.contains("paragraphs.csv: line 2: stance `pro`"), "{msg}");
}

#[test]
fn single_group_has_no_test_and_no_differences() {
    let r: Vec<Row> = rows().into_iter().filter(|r| r.1 == "X").collect();
    let c = run(fixture_with(&r, MANIFEST).path(), GroupBy::Outlet);
    assert_eq!(c.groups, ["X"]);
    assert!(c.differences.is_empty());
    assert_eq!((c.independence[0].df, c.independence[0].p_value), (0, None));
    assert_eq!(c.distances.len(), 1);
}

#[test]
fn writes_four_csvs_with_exact_headers() {
    let dir = fixture();
    let c = run(dir.path(), GroupBy::Outlet);
    write(dir.path(), &c).unwrap();
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let comparison = read("comparison.csv");
    let mut lines = comparison.lines();
    assert_eq!(
        lines.next().unwrap(),
        "group_by,group,measure,label,share,ci_low,ci_high,n_articles,n_paragraphs,small_group"
    );
    assert_eq!(lines.next().unwrap(), "outlet,X,frame,a,0.6667,0.6667,0.6667,2,6,true");
    assert_eq!(comparison.lines().count(), 1 + 15);
    assert!(comparison.contains("outlet,Y,frame,a,0.1667,0.0000,0.2500,2,6,true"));
    let distances = read("distances.csv");
    assert_eq!(distances.lines().next().unwrap(), "group_a,group_b,jsd");
    assert!(distances.contains("X,Y,0.4424\n"));
    assert_eq!(distances.lines().count(), 1 + 9);
    let differences = read("differences.csv");
    assert_eq!(differences.lines().next().unwrap(), "label,group,share,rest_share,diff,ci_low,ci_high,n_articles");
    assert!(differences.lines().nth(1).unwrap().starts_with("a,Y,0.1667,0.5833,-0.4167,"));
    assert_eq!(
        read("independence.csv"),
        "measure,chi2,df,p_value,cramers_v,n_paragraphs,n_groups,p_articles\n\
         frame,3.1500,2,0.2070,0.4183,18,3,0.0765\n\
         stance,5.6818,4,0.2242,0.3973,18,3,0.0615\n"
    );
    // Atomic writes leave no temporary files behind.
    let leftovers = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".part"))
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn a_comparison_by_month_keeps_the_outlet_files() {
    let dir = fixture();
    let by_outlet = run(dir.path(), GroupBy::Outlet);
    let files = write(dir.path(), &by_outlet).unwrap();
    assert_eq!(files.comparison(), dir.path().join("comparison.csv"));
    let names = ["comparison.csv", "distances.csv", "differences.csv", "independence.csv"];
    let before: Vec<String> = names.iter().map(|n| std::fs::read_to_string(dir.path().join(n)).unwrap()).collect();

    let by_month = run(dir.path(), GroupBy::Month);
    let files = write(dir.path(), &by_month).unwrap();
    assert_eq!(files.comparison(), dir.path().join("comparison_by_month.csv"));
    for (n, text) in names.iter().zip(&before) {
        assert_eq!(&std::fs::read_to_string(dir.path().join(n)).unwrap(), text, "{n} was overwritten");
        let own = dir.path().join(n.replace(".csv", "_by_month.csv"));
        assert!(std::fs::read_to_string(&own).unwrap().lines().count() > 1, "{}", own.display());
    }
    let months = std::fs::read_to_string(files.comparison()).unwrap();
    assert!(months.lines().nth(1).unwrap().starts_with("month,2025-09,frame,a,"), "{months}");
}

#[test]
fn off_topic_paragraphs_are_left_out_of_every_share() {
    // The same run plus off-topic (`other`, no stance) paragraphs in X and Z, and an off-topic-only article:
    // every share, count and test statistic is unchanged.
    let mut with_other = rows();
    with_other.push(("x1", "X", "2025-09-04", "", "body", "other", ""));
    with_other.push(("z2", "Z", "2025-09-30", "", "body", "other", ""));
    with_other.push(("x2", "X", "2025-10-01", "", "body", "other", ""));
    let plain = run(fixture().path(), GroupBy::Outlet);
    let gated = run(fixture_with(&with_other, MANIFEST).path(), GroupBy::Outlet);
    assert_eq!(plain.shares, gated.shares);
    assert_eq!(plain.independence, gated.independence);
}

/// The fixture's run with a `lang` column, as runs write it since paragraphs carry their language: X and
/// z1 write English, Y and z2 Chinese, and x1's last body paragraph (row 3) quotes a Chinese statement.
fn fixture_with_lang() -> tempfile::TempDir {
    let base = paragraphs_csv(&rows());
    let mut lines = base.lines();
    let mut csv = format!("{},lang\n", lines.next().unwrap());
    for line in lines {
        let chinese = line.starts_with('y') || line.starts_with("z2,") || line.contains(",3,body,");
        let lang = match (line.contains(",body,"), chinese) {
            (false, _) => "und",
            (true, true) => "zh",
            (true, false) => "en",
        };
        csv.push_str(&format!("{line},{lang}\n"));
    }
    let dir = fixture();
    std::fs::write(dir.path().join("paragraphs.csv"), csv).unwrap();
    dir
}

#[test]
fn by_lang_groups_paragraphs_by_their_language() {
    let by = GroupBy::parse("lang");
    assert_eq!(by.name(), "lang");
    let c = run(fixture_with_lang().path(), by);
    assert_eq!(c.group_by, "lang");
    // Headings and boilerplate (`und`) are not compared; x1 counts in both languages, one paragraph each way.
    assert_eq!(c.groups, ["en", "zh"]);
    // en: x1 (a a), x2 (a a b), z1 (a a b b); zh: x1 (b), y1 (a b b b), y2 (b b), z2 (a b).
    let en = share(&c, "en", Measure::Frame, "a");
    assert_eq!((en.n_articles, en.n_paragraphs, en.count), (3, 9, 6));
    let zh = share(&c, "zh", Measure::Frame, "a");
    assert_eq!((zh.n_articles, zh.n_paragraphs, zh.count), (4, 9, 2));
}

#[test]
fn by_lang_on_a_run_without_the_column_says_to_run_again() {
    let err = compare(fixture().path(), &CompareOptions { by: GroupBy::parse("lang"), ..CompareOptions::default() })
        .unwrap_err();
    assert!(matches!(&err, CompareError::MissingColumn { column, .. } if column == "lang"));
    assert!(err.to_string().contains("run it again"), "{err}");
}

#[test]
fn by_lang_and_outlet_compares_outlets_within_each_language() {
    let by = GroupBy::parse(" lang , outlet ");
    assert_eq!(by.name(), "lang,outlet");
    assert_eq!(GroupBy::parse("outlet,"), GroupBy::Outlet, "a trailing comma is not a second key");
    let c = run(fixture_with_lang().path(), by);
    assert_eq!(c.group_by, "lang,outlet");
    // x1 quotes Chinese once, so X appears in both languages; z1 is English and z2 Chinese.
    assert_eq!(c.groups, ["en | X", "en | Z", "zh | X", "zh | Y", "zh | Z"]);
    // The language groups split exactly into their outlets: en = X (x1 a a, x2 a a b) + Z (z1 a a b b).
    let en_x = share(&c, "en | X", Measure::Frame, "a");
    assert_eq!((en_x.n_articles, en_x.n_paragraphs, en_x.count), (2, 5, 4));
    let en_z = share(&c, "en | Z", Measure::Frame, "a");
    assert_eq!((en_z.n_articles, en_z.n_paragraphs, en_z.count), (1, 4, 2));
    let zh_x = share(&c, "zh | X", Measure::Frame, "a");
    assert_eq!((zh_x.n_articles, zh_x.n_paragraphs, zh_x.count), (1, 1, 0));
    let out = tempfile::tempdir().unwrap();
    let files = write(out.path(), &c).unwrap();
    assert!(files.comparison().ends_with("comparison_by_lang_outlet.csv"), "{}", files.comparison().display());
}
