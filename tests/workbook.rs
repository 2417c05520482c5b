//! The workbook read back with calamine: sheets, headers, and every value against the CSVs.

mod report_common;
use report_common as common;

use std::io::Read;

use calamine::{open_workbook, Data, Reader, Xlsx};
use common::{sample_copy, Csv};
use framelens::export::run_tables::ReportError;
use framelens::export::xlsx::{write_workbook, MAX_COLUMN_WIDTH, WORKBOOK_FILE};

fn open(path: &std::path::Path) -> Xlsx<std::io::BufReader<std::fs::File>> {
    open_workbook(path).unwrap()
}

fn sheet(path: &std::path::Path, name: &str) -> calamine::Range<Data> {
    open(path).worksheet_range(name).unwrap()
}

/// Excel serial day number of an ISO date (1900 date system), for comparing date cells.
fn serial(date: &str) -> f64 {
    let (y, m, d): (i64, i64, i64) =
        (date[0..4].parse().unwrap(), date[5..7].parse().unwrap(), date[8..10].parse().unwrap());
    // Days from civil (Howard Hinnant), then shift: Excel's day 25569 is 1970-01-01.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146097 + doe - 719468 + 25569) as f64
}

/// Checks one sheet against one CSV: same header, and each cell equals the CSV value (numbers as
/// numbers, dates as dates, booleans as booleans, blanks as empty).
fn assert_sheet_equals_csv(xlsx: &std::path::Path, name: &str, csv: &Csv) -> usize {
    let range = sheet(xlsx, name);
    let rows: Vec<&[Data]> = range.rows().collect();
    let header: Vec<String> = rows[0].iter().take(csv.headers.len()).map(|c| c.to_string()).collect();
    assert_eq!(header, csv.headers, "{name}: header");
    assert_eq!(rows.len() - 1, csv.rows.len(), "{name}: row count");
    let mut numeric = 0;
    for (r, csv_row) in csv.rows.iter().enumerate() {
        for (c, raw) in csv_row.iter().enumerate() {
            let cell = rows[r + 1].get(c).cloned().unwrap_or(Data::Empty);
            let col = &csv.headers[c];
            let at = format!("{name}!R{}C{} ({col})", r + 2, c + 1);
            match &cell {
                Data::Empty => assert!(raw.is_empty(), "{at}: empty, CSV has {raw:?}"),
                Data::Float(x) => {
                    assert_eq!(*x, raw.parse::<f64>().unwrap(), "{at}");
                    numeric += 1;
                }
                Data::Int(x) => {
                    assert_eq!(*x as f64, raw.parse::<f64>().unwrap(), "{at}");
                    numeric += 1;
                }
                Data::Bool(b) => assert_eq!(b.to_string(), *raw, "{at}"),
                Data::String(s) => {
                    assert_eq!(s, raw, "{at}");
                    assert!(
                        raw.parse::<f64>().is_err() || col == "doc_id" || col == "group",
                        "{at}: number {raw} written as text"
                    );
                }
                Data::DateTime(d) => assert_eq!(d.as_f64(), serial(raw), "{at}: {raw}"),
                other => panic!("{at}: unexpected {other:?}"),
            }
        }
    }
    numeric
}

#[test]
fn workbook_has_every_sheet_with_the_csv_values() {
    let dir = sample_copy(true);
    let path = write_workbook(dir.path()).unwrap();
    assert_eq!(path, dir.path().join(WORKBOOK_FILE));
    assert_eq!(
        open(&path).sheet_names(),
        [
            "Paragraphs",
            "Articles",
            "Outlets",
            "Comparison",
            "Differences",
            "Distances",
            "Independence",
            "Rejects",
            "Run"
        ]
    );
    let d = dir.path();
    let outlets = assert_sheet_equals_csv(&path, "Outlets", &Csv::read(&d.join("outlets.csv")));
    let comparison = assert_sheet_equals_csv(&path, "Comparison", &Csv::read(&d.join("comparison.csv")));
    // Outlets: 4 rows × (articles, body_paragraphs, 8 shares, 3 stance counts);
    // Comparison: every row × (share, ci_low, ci_high, n_articles, n_paragraphs).
    assert_eq!(outlets, 4 * 13);
    assert_eq!(comparison, Csv::read(&d.join("comparison.csv")).rows.len() * 5);
    assert_sheet_equals_csv(&path, "Paragraphs", &Csv::read(&d.join("paragraphs.csv")));
    assert_sheet_equals_csv(&path, "Articles", &Csv::read(&d.join("articles.csv")));
    assert_sheet_equals_csv(&path, "Differences", &Csv::read(&d.join("differences.csv")));
    assert_sheet_equals_csv(&path, "Independence", &Csv::read(&d.join("independence.csv")));
    assert_sheet_equals_csv(&path, "Rejects", &Csv::read(&d.join("rejects.csv")));
}

#[test]
fn published_dates_are_dates_and_odd_dates_stay_text() {
    let dir = sample_copy(true);
    let path = write_workbook(dir.path()).unwrap();
    let range = sheet(&path, "Paragraphs");
    let col =
        range.rows().next().unwrap().iter().position(|c| matches!(c, Data::String(s) if s == "published")).unwrap();
    let values: Vec<&Data> = range.rows().skip(1).map(|r| &r[col]).collect();
    assert!(values.iter().any(|v| matches!(v, Data::DateTime(_))));
    assert!(values.iter().any(|v| **v == Data::String("late autumn 2025".into())));
}

#[test]
fn distance_sheet_has_the_long_table_and_a_matching_matrix() {
    let dir = sample_copy(true);
    let path = write_workbook(dir.path()).unwrap();
    let csv = Csv::read(&dir.path().join("distances.csv"));
    let range = sheet(&path, "Distances");
    let rows: Vec<&[Data]> = range.rows().collect();
    assert_eq!(rows[0][..3].iter().map(|c| c.to_string()).collect::<Vec<_>>(), csv.headers);
    let groups: Vec<String> = rows[0][5..].iter().map(|c| c.to_string()).collect();
    assert_eq!(groups.len(), 4);
    for (i, row) in csv.rows.iter().enumerate() {
        assert_eq!(rows[i + 1][0].to_string(), row[0]);
        assert_eq!(rows[i + 1][2], Data::Float(row[2].parse().unwrap()));
        let a = groups.iter().position(|g| *g == row[0]).unwrap();
        let b = groups.iter().position(|g| *g == row[1]).unwrap();
        assert_eq!(rows[a + 1][4].to_string(), row[0]);
        assert_eq!(rows[a + 1][5 + b], Data::Float(row[2].parse().unwrap()), "matrix {a},{b}");
    }
}

#[test]
fn run_sheet_lists_the_manifest_in_order_with_numbers_as_numbers() {
    let dir = sample_copy(true);
    let path = write_workbook(dir.path()).unwrap();
    let range = sheet(&path, "Run");
    let rows: Vec<(String, Data)> = range.rows().skip(1).map(|r| (r[0].to_string(), r[1].clone())).collect();
    assert_eq!(rows[0], ("framelens_version".into(), Data::String("0.1.0".into())));
    let get = |k: &str| rows.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    assert_eq!(get("model.id"), Some(Data::String("all-mpnet-base-v2".into())));
    assert_eq!(get("codebook.frames[0]"), Some(Data::String("performative_enforcement".into())));
    assert_eq!(get("counts.documents"), Some(Data::Float(24.0)));
    assert_eq!(get("options.scores"), Some(Data::Bool(false)));
    assert_eq!(get("options.classify.other_threshold"), Some(Data::Empty));
    // With every comparison file present, the only notes are what every reader needs: the off-topic share and
    // what `share_other` means, and the caveat on zero-shot stance.
    let notes: Vec<String> = rows.iter().filter(|(k, _)| k == "note").map(|(_, v)| v.to_string()).collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[0].starts_with("0.0% of the body paragraphs are off-topic") && notes[0].contains("share_other"));
    // The stored run is all-mpnet-base-v2's: the caveat gives that encoder's measured agreement.
    assert_eq!(notes[1], framelens::classify::stance_caveat("all-mpnet-base-v2"));
    assert!(notes[1].contains("macro-F1 0.60"), "{}", notes[1]);
}

#[test]
fn without_comparison_files_the_sheets_are_left_out_with_a_note() {
    let dir = sample_copy(false);
    let path = write_workbook(dir.path()).unwrap();
    assert_eq!(open(&path).sheet_names(), ["Paragraphs", "Articles", "Outlets", "Rejects", "Run"]);
    let range = sheet(&path, "Run");
    let notes: Vec<String> =
        range.rows().filter(|r| matches!(&r[0], Data::String(s) if s == "note")).map(|r| r[1].to_string()).collect();
    let notes: Vec<&String> = notes.iter().filter(|n| n.contains(".csv") && !n.contains("share_other")).collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[0].contains("comparison.csv") && notes[0].contains("framelens compare"));
    assert!(notes[1].contains("distances.csv"));
}

#[test]
fn header_is_bold_and_values_are_formatted_by_meaning() {
    let dir = sample_copy(true);
    let path = write_workbook(dir.path()).unwrap();
    let mut wb = open(&path);
    let fmt = |styles: &calamine::StyleRange, pos| {
        styles.get(pos).and_then(|s| s.number_format.clone()).map(|f| f.format_code).unwrap_or_default()
    };
    let styles = wb.worksheet_style("Outlets").unwrap();
    assert!(styles.get((0, 0)).unwrap().font.as_ref().unwrap().is_bold());
    assert_eq!(fmt(&styles, (1, 4)), "0.0%"); // share_performative_enforcement
    let styles = wb.worksheet_style("Paragraphs").unwrap();
    let csv = Csv::read(&dir.path().join("paragraphs.csv"));
    assert_eq!(fmt(&styles, (1, csv.col("frame_score") as u32)), "0.000");
    assert_eq!(fmt(&styles, (1, csv.col("published") as u32)), "yyyy-mm-dd");
    let text = styles.get((1, csv.col("text") as u32)).unwrap();
    assert!(text.alignment.as_ref().unwrap().wrap_text);
    let styles = wb.worksheet_style("Comparison").unwrap();
    assert_eq!(fmt(&styles, (1, 5)), "0.0%"); // ci_low
}

/// Reads one part of the xlsx package (calamine does not expose panes, filters or widths).
fn sheet_xml(path: &std::path::Path, index: usize) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut part = zip.by_name(&format!("xl/worksheets/sheet{index}.xml")).unwrap();
    let mut xml = String::new();
    part.read_to_string(&mut xml).unwrap();
    xml
}

#[test]
fn header_is_frozen_filtered_and_columns_fit_their_content() {
    let dir = sample_copy(true);
    let path = write_workbook(dir.path()).unwrap();
    for index in 1..=9 {
        let xml = sheet_xml(&path, index);
        assert!(xml.contains("ySplit=\"1\"") && xml.contains("state=\"frozen\""), "sheet{index}: frozen header");
        assert!(xml.contains("<autoFilter ref=\"A1:"), "sheet{index}: autofilter");
    }
    // Paragraphs: the text column is capped, para_index is narrow.
    let xml = sheet_xml(&path, 1);
    let widths: Vec<f64> = xml
        .split("<col ")
        .skip(1)
        .map(|c| {
            let w = &c[c.find("width=\"").unwrap() + 7..];
            w[..w.find('"').unwrap()].parse().unwrap()
        })
        .collect();
    assert!(widths.iter().all(|&w| w <= MAX_COLUMN_WIDTH as f64 + 1.0), "{widths:?}");
    assert!(widths.iter().any(|&w| w >= MAX_COLUMN_WIDTH as f64), "text column at the cap: {widths:?}");
    assert!(widths.iter().any(|&w| w < 15.0), "short columns stay narrow: {widths:?}");
}

#[test]
fn writing_is_atomic_and_repeatable() {
    let dir = sample_copy(true);
    let first = std::fs::read(write_workbook(dir.path()).unwrap()).unwrap();
    let second = std::fs::read(write_workbook(dir.path()).unwrap()).unwrap();
    assert!(!first.is_empty() && first.len() == second.len());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn a_missing_run_file_is_an_error_naming_it() {
    let dir = sample_copy(true);
    std::fs::remove_file(dir.path().join("paragraphs.csv")).unwrap();
    let err = write_workbook(dir.path()).unwrap_err();
    assert!(matches!(err, ReportError::Io { .. }));
    assert!(err.to_string().contains("paragraphs.csv"), "{err}");
    assert!(!dir.path().join(WORKBOOK_FILE).exists());
}

#[test]
fn p_values_show_as_a_bound_below_0_001() {
    let dir = sample_copy(true);
    let path = write_workbook(dir.path()).unwrap();
    let csv = Csv::read(&dir.path().join("independence.csv"));
    let styles = open(&path).worksheet_style("Independence").unwrap();
    let format = styles.get((1, csv.col("p_value") as u32)).and_then(|s| s.number_format.clone()).unwrap();
    assert_eq!(format.format_code, framelens::export::xlsx::P_VALUE_FORMAT);
    assert_eq!(framelens::export::xlsx::P_VALUE_FORMAT, "[<0.001]\"< 0.001\";0.000");
}

#[test]
fn a_comparison_by_month_gets_its_own_workbook() {
    use framelens::compare::{compare, write, CompareOptions, GroupBy};
    let dir = sample_copy(true);
    let d = dir.path();
    let outlet_workbook = std::fs::read(write_workbook(d).unwrap()).unwrap();
    let opts = CompareOptions { by: GroupBy::Month, resamples: 50, ..Default::default() };
    let files = write(d, &compare(d, &opts).unwrap()).unwrap();
    let path = framelens::export::xlsx::write_workbook_with(d, &files).unwrap();
    assert_eq!(path, d.join("framelens_by_month.xlsx"));
    assert_eq!(std::fs::read(d.join(WORKBOOK_FILE)).unwrap(), outlet_workbook);
    assert_sheet_equals_csv(&path, "Comparison", &Csv::read(&d.join("comparison_by_month.csv")));
    assert_sheet_equals_csv(&path, "Independence", &Csv::read(&d.join("independence_by_month.csv")));
    assert_sheet_equals_csv(&path, "Outlets", &Csv::read(&d.join("outlets.csv")));
}

/// Paragraph texts a spreadsheet would run as formulas if they were written as such.
const FORMULAS: [&str; 4] = [r#"=HYPERLINK("http://example.com","x")"#, "+1", "-2", "@SUM(A1)"];

/// Puts the formula-like texts into the first body paragraphs of the sample run (`quote`: as
/// `run --spreadsheet-safe` writes them, with the manifest saying so) and returns their row numbers.
fn formula_paragraphs(dir: &std::path::Path, quote: bool) -> Vec<usize> {
    let path = dir.join("paragraphs.csv");
    let mut csv = Csv::read(&path);
    let (text, title, kind) = (csv.col("text"), csv.col("title"), csv.col("kind"));
    let body: Vec<usize> = (0..csv.rows.len()).filter(|&r| csv.rows[r][kind] == "body").take(FORMULAS.len()).collect();
    let cell = |s: &str| if quote { framelens::export::spreadsheet_safe::neutralise(s).into_owned() } else { s.into() };
    for (&r, f) in body.iter().zip(FORMULAS) {
        csv.rows[r][text] = cell(f);
        csv.rows[r][title] = cell(f);
    }
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(&csv.headers).unwrap();
    for row in &csv.rows {
        w.write_record(row).unwrap();
    }
    w.flush().unwrap();
    if quote {
        let mpath = dir.join("manifest.json");
        let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&mpath).unwrap()).unwrap();
        m["options"]["spreadsheet_safe"] = true.into();
        std::fs::write(&mpath, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    }
    body
}

#[test]
fn formula_like_paragraphs_are_string_cells_with_the_text_unchanged() {
    for quote in [false, true] {
        let dir = sample_copy(false);
        let rows = formula_paragraphs(dir.path(), quote);
        let path = write_workbook(dir.path()).unwrap();
        let range = sheet(&path, "Paragraphs");
        let header: Vec<String> = range.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        for (&r, f) in rows.iter().zip(FORMULAS) {
            for c in [col("text"), col("title")] {
                // Row r of the CSV's records is sheet row r + 1 (after the header).
                let got = range.get((r + 1, c)).unwrap();
                assert_eq!(*got, Data::String(f.to_string()), "quoted CSV: {quote}, {}", header[c]);
            }
        }
        // And no cell of the sheet is a formula.
        let formulas = open(&path).worksheet_formula("Paragraphs").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "quoted CSV: {quote}");
        assert!(!sheet_xml(&path, 1).contains("<f>"), "quoted CSV: {quote}");
    }
}
