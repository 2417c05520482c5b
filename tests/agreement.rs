//! CSV, workbook and report agree: the same value for every comparison row in all three, and the same
//! displayed digits in the report as the workbook's `0.0%` format shows.

mod report_common;
use report_common as common;

use calamine::{open_workbook, Data, Reader, Xlsx};
use common::{sample_copy, Csv};
use framelens::export::{write_report, write_workbook};

/// A CSV share (decimal text such as `0.1795`) as the workbook's `0.0%` shows it (`18.0%`): the
/// decimal point moved two places, then rounded half up, all on the digits.
fn percent_as_displayed(decimal: &str) -> String {
    let (int, frac) = decimal.split_once('.').unwrap_or((decimal, ""));
    let frac = format!("{frac:0<4}");
    // value × 1000, i.e. tenths of a percent, plus the next digit for rounding.
    let tenths: u64 = format!("{int}{}", &frac[..3]).parse().unwrap();
    let tenths = tenths + u64::from(frac.as_bytes()[3] >= b'5');
    format!("{}.{}%", tenths / 10, tenths % 10)
}

#[test]
fn comparison_values_agree_in_csv_workbook_and_report() {
    let dir = sample_copy(true);
    let xlsx = write_workbook(dir.path()).unwrap();
    let html = std::fs::read_to_string(write_report(dir.path()).unwrap()).unwrap();
    let csv = Csv::read(&dir.path().join("comparison.csv"));
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    let sheet = wb.worksheet_range("Comparison").unwrap();
    let sheet_rows: Vec<&[Data]> = sheet.rows().skip(1).collect();
    let (g, m, l, s) = (csv.col("group"), csv.col("measure"), csv.col("label"), csv.col("share"));
    for (i, row) in csv.rows.iter().enumerate() {
        let value: f64 = row[s].parse().unwrap();
        assert_eq!(sheet_rows[i][s], Data::Float(value), "workbook row {}", i + 2);
        // The report's mark for this row: exact value, and a tooltip with the displayed percentage.
        let needle =
            format!("data-measure=\"{}\" data-group=\"{}\" data-label=\"{}\" data-share=\"", row[m], row[g], row[l]);
        let at = html.find(&needle).unwrap_or_else(|| panic!("no mark for {row:?}"));
        let rest = &html[at + needle.len()..];
        let attr = &rest[..rest.find('"').unwrap()];
        assert_eq!(attr.parse::<f64>().unwrap(), value, "{row:?}");
        let title = &rest[rest.find("<title>").unwrap() + 7..rest.find("</title>").unwrap()];
        let shown = percent_as_displayed(&row[s]);
        assert!(title.contains(&format!(": {shown}")), "{title} vs {shown}");
    }
}

#[test]
fn percent_display_rounds_half_up_on_the_decimal() {
    assert_eq!(percent_as_displayed("0.1795"), "18.0%");
    assert_eq!(percent_as_displayed("0.1081"), "10.8%");
    assert_eq!(percent_as_displayed("0.0000"), "0.0%");
    assert_eq!(percent_as_displayed("1"), "100.0%");
}
