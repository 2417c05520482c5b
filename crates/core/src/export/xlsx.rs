//! `framelens.xlsx`: the run's tables as one workbook, for analysts who filter and sort in a spreadsheet
//! program rather than read CSV.
//!
//! Each CSV becomes one sheet with the same columns in the same order; values are typed (numbers as
//! numbers, ISO dates as dates, `true`/`false` as booleans) so that sorting, filtering and formulas work,
//! and formatted by what the column means (shares as percentages, scores to three decimals). The header is
//! bold, frozen and has an autofilter; widths fit the content up to a cap, and long text wraps.
//!
//! Text is written as string cells, never as formulas, so a paragraph beginning with `=`, `+`, `-` or `@`
//! is shown as written and cannot run: the quote that `framelens run --spreadsheet-safe` puts before such a
//! CSV cell is not needed here and is removed.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{
    ConditionalFormat2ColorScale, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
};

use crate::atomic::write_atomic;
use crate::export::run_tables::{
    open_csv, ComparisonFiles, CsvTable, ReportError, RunTables, COMPARISON_CSV, DISTANCES_CSV,
};
use crate::export::spreadsheet_safe;
use crate::run::tables::{SCORE_PREFIX, SHARE_PREFIX, STANCE_PREFIX, STANCE_SCORE_PREFIX};

/// File name of the workbook inside the run folder (of the outlet comparison; see [`ComparisonFiles`]).
pub use crate::run::files::WORKBOOK_XLSX as WORKBOOK_FILE;

/// Widest a column is made (in character units); longer text wraps (long-text columns) or is cut off
/// visually (other columns). 60 keeps a paragraph column readable without hiding the columns beside it.
pub const MAX_COLUMN_WIDTH: usize = 60;

/// Excel's limits: rows per sheet (header included) and characters per cell.
const MAX_ROWS: u32 = 1_048_576;
const MAX_CELL_CHARS: usize = 32_767;

/// Reads the run folder `run_dir` and writes `run_dir/framelens.xlsx` atomically, with the outlet
/// comparison.
///
/// The compare step's files are optional: without them the Comparison/Differences/Distances/Independence
/// sheets are left out and the Run sheet says so, so a workbook can be made right after `framelens run`.
pub fn write_workbook(run_dir: &Path) -> Result<PathBuf, ReportError> {
    write_workbook_with(run_dir, &ComparisonFiles::outlet(run_dir))
}

/// The workbook of the comparison `files` (e.g. by month): the run's tables from `run_dir`, the
/// comparison's from its files, written to the comparison's own workbook name (`framelens_by_month.xlsx`)
/// in the comparison's folder, so it never replaces the outlet workbook.
pub fn write_workbook_with(run_dir: &Path, files: &ComparisonFiles) -> Result<PathBuf, ReportError> {
    let tables = RunTables::load_with(run_dir, files)?;
    let bytes = build_workbook(&tables)?;
    let path = files.workbook();
    write_atomic(&path, &bytes).map_err(|e| ReportError::io(&path, e))?;
    Ok(path)
}

/// Builds the workbook in memory (paragraph rows are streamed through temporary files, see
/// rust_xlsxwriter's constant-memory mode) and returns the `.xlsx` bytes.
pub fn build_workbook(tables: &RunTables) -> Result<Vec<u8>, ReportError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let mut notes: Vec<String> = Vec::new();
    if let Some(off) = tables.off_topic_share() {
        notes.push(format!(
            "{:.1}% of the body paragraphs are off-topic (frame `other`): share_other in Articles and Outlets is their \
             share of all body paragraphs; every frame share is over the remaining on-topic paragraphs, and \
             off-topic paragraphs have no stance.",
            off * 100.0
        ));
    }
    if let Some(caveat) = tables.stance_caveat() {
        notes.push(caveat.clone());
    }

    let paragraphs = tables.paragraphs_path();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name("Paragraphs")?;
    let (headers, widths, rows) = scan_paragraphs(&paragraphs)?;
    if rows + 1 > MAX_ROWS as usize {
        notes.push(format!(
            "The Paragraphs sheet holds the first {} of {rows} paragraphs (a sheet's limit); paragraphs.csv has all of them.",
            MAX_ROWS - 1
        ));
    }
    let kinds: Vec<ColumnKind> = headers.iter().map(|h| column_kind(h)).collect();
    let quoted: Vec<bool> = headers
        .iter()
        .map(|h| {
            spreadsheet_safe::manifest_says_safe(&tables.manifest)
                && crate::export::tables::SPREADSHEET_SAFE_COLUMNS.contains(&h.as_str())
        })
        .collect();
    start_sheet(sheet, &headers, &kinds, &widths, &formats)?;
    let mut reader = open_csv(&paragraphs)?;
    let mut cut_cells = 0usize;
    for (i, rec) in reader.records().enumerate() {
        let row = i as u32 + 1;
        if row >= MAX_ROWS {
            break;
        }
        let rec = rec.map_err(|e| ReportError::csv(&paragraphs, e))?;
        for (c, raw) in rec.iter().enumerate() {
            let raw = if quoted[c] { spreadsheet_safe::restore(raw) } else { raw };
            cut_cells += write_cell(sheet, row, c as u16, kinds[c], raw, &formats)? as usize;
        }
    }
    finish_sheet(sheet, headers.len(), rows.min(MAX_ROWS as usize - 1))?;

    add_table_sheet(&mut workbook, "Articles", &tables.articles, &formats, &mut cut_cells)?;
    add_table_sheet(&mut workbook, "Outlets", &tables.outlets.table, &formats, &mut cut_cells)?;
    match &tables.comparison {
        Some(c) => {
            add_table_sheet(&mut workbook, "Comparison", &c.table, &formats, &mut cut_cells)?;
        }
        None => notes.push(format!(
            "No {} in the run folder: run `framelens compare` for shares with intervals (Comparison, Differences and Independence sheets).",
            tables.compare_files.name(COMPARISON_CSV)
        )),
    }
    if let Some(d) = &tables.differences {
        add_table_sheet(&mut workbook, "Differences", &d.table, &formats, &mut cut_cells)?;
    }
    match &tables.distances {
        Some(d) => {
            let sheet = add_table_sheet(&mut workbook, "Distances", &d.table, &formats, &mut cut_cells)?;
            write_distance_matrix(sheet, &d.rows, d.table.headers.len() as u16 + 1, &formats)?;
        }
        None => notes.push(format!(
            "No {} in the run folder: run `framelens compare` for the distance matrix (Distances sheet).",
            tables.compare_files.name(DISTANCES_CSV)
        )),
    }
    if let Some(t) = &tables.independence {
        add_table_sheet(&mut workbook, "Independence", &t.table, &formats, &mut cut_cells)?;
    }
    add_table_sheet(&mut workbook, "Rejects", &tables.rejects, &formats, &mut cut_cells)?;
    if cut_cells > 0 {
        notes.push(format!(
            "{cut_cells} cell(s) longer than a spreadsheet cell's {MAX_CELL_CHARS} characters were shortened; the CSVs hold the full text."
        ));
    }
    write_run_sheet(workbook.add_worksheet(), &tables.manifest_entries, &notes, &formats)?;
    Ok(workbook.save_to_buffer()?)
}

/// What a column holds, which decides how its cells are typed and formatted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Short text (ids, names, labels).
    Text,
    /// Paragraph text, evidence, titles: wrapped.
    LongText,
    /// Counts and indices: numbers with no decimals.
    Integer,
    /// A proportion in [0, 1] (or a difference of two): shown as a percentage.
    Share,
    /// A model score, margin or distance: three decimals.
    Score,
    /// A p-value: three decimals, "< 0.001" below that (the cell keeps the number, so it still sorts
    /// and computes), as the report and the command line print it.
    PValue,
    /// `published`: a date when it is ISO `YYYY-MM-DD`, otherwise the text as written.
    Date,
    /// `true` / `false`.
    Bool,
}

/// The kind of a column of any framelens CSV, by name. Unknown columns (user metadata carried through
/// by `--by`) stay text: guessing that an id column is numeric would drop leading zeros.
pub fn column_kind(name: &str) -> ColumnKind {
    use ColumnKind::*;
    match name {
        "text" | "evidence" | "title" | "reason" => LongText,
        "para_index" | "doc_seq" | "char_start" | "char_end" | "n_tokens" | "windows" | "paragraphs"
        | "body_paragraphs" | "articles" | "n_articles" | "n_paragraphs" | "df" | "n_groups" | "line" => Integer,
        "share" | "ci_low" | "ci_high" | "rest_share" | "diff" => Share,
        "frame_score" | "frame_margin" | "stance_score" | "relevance" | "jsd" | "chi2" | "cramers_v" => Score,
        "p_value" | "p_articles" => PValue,
        "published" => Date,
        "small_group" | "uncertain" => Bool,
        _ if name.starts_with(SHARE_PREFIX) => Share,
        _ if name.starts_with(SCORE_PREFIX) || name.starts_with(STANCE_SCORE_PREFIX) => Score,
        _ if name.starts_with(STANCE_PREFIX) => Integer,
        _ => Text,
    }
}

/// Excel's form of [`crate::display::p_display`]: values under 0.001 show as "< 0.001".
pub const P_VALUE_FORMAT: &str = "[<0.001]\"< 0.001\";0.000";

/// The formats, made once and shared by all sheets.
struct Formats {
    header: Format,
    text: Format,
    wrap: Format,
    integer: Format,
    share: Format,
    score: Format,
    p_value: Format,
    date: Format,
    plain: Format,
}

impl Formats {
    fn new() -> Formats {
        // Top alignment everywhere: wrapped text makes rows tall, and values should sit level with the
        // first line of their paragraph.
        let base = Format::new().set_align(FormatAlign::Top);
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color("#E8E8E8")
                .set_border_bottom(FormatBorder::Thin)
                .set_align(FormatAlign::Top),
            text: base.clone(),
            wrap: base.clone().set_text_wrap(),
            integer: base.clone().set_num_format("0"),
            share: base.clone().set_num_format("0.0%"),
            score: base.clone().set_num_format("0.000"),
            p_value: base.clone().set_num_format(P_VALUE_FORMAT),
            date: base.clone().set_num_format("yyyy-mm-dd"),
            plain: base,
        }
    }

    fn for_kind(&self, kind: ColumnKind) -> &Format {
        match kind {
            ColumnKind::Text | ColumnKind::Bool => &self.text,
            ColumnKind::LongText => &self.wrap,
            ColumnKind::Integer => &self.integer,
            ColumnKind::Share => &self.share,
            ColumnKind::Score => &self.score,
            ColumnKind::PValue => &self.p_value,
            ColumnKind::Date => &self.date,
        }
    }
}

/// A cell's typed value.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Blank,
    Number(f64),
    Date(u16, u8, u8),
    Bool(bool),
    Text(String),
}

/// Types one CSV value. A value that does not fit its column's kind is kept as text, never dropped:
/// the workbook must not lose what the CSV says.
fn typed_cell(kind: ColumnKind, raw: &str) -> Cell {
    let v = raw.trim();
    if v.is_empty() {
        return Cell::Blank;
    }
    match kind {
        ColumnKind::Integer | ColumnKind::Share | ColumnKind::Score | ColumnKind::PValue => {
            match v.parse::<f64>() {
                // Excel has no NaN or infinity; those stay visible as text.
                Ok(x) if x.is_finite() => Cell::Number(x),
                _ => Cell::Text(raw.to_string()),
            }
        }
        ColumnKind::Date => iso_date(v).map_or(Cell::Text(raw.to_string()), |(y, m, d)| Cell::Date(y, m, d)),
        ColumnKind::Bool => match v {
            "true" => Cell::Bool(true),
            "false" => Cell::Bool(false),
            _ => Cell::Text(raw.to_string()),
        },
        ColumnKind::Text | ColumnKind::LongText => Cell::Text(raw.to_string()),
    }
}

/// A strict `YYYY-MM-DD` (nothing after it), checked to be a real calendar date.
fn iso_date(v: &str) -> Option<(u16, u8, u8)> {
    let b = v.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (v[0..4].parse::<u16>().ok()?, v[5..7].parse::<u8>().ok()?, v[8..10].parse::<u8>().ok()?);
    // Dates before 1900 are not representable in Excel's 1900 date system.
    if y < 1900 || !v[0..4].bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    ExcelDateTime::from_ymd(y, m, d).ok().map(|_| (y, m, d))
}

/// How wide a value displays, in characters, once formatted (for column widths).
fn display_width(kind: ColumnKind, raw: &str) -> usize {
    match typed_cell(kind, raw) {
        Cell::Blank => 0,
        Cell::Number(x) => match kind {
            ColumnKind::Share => format!("{:.1}%", x * 100.0).len(),
            ColumnKind::Score => format!("{x:.3}").len(),
            ColumnKind::PValue => crate::display::p_display(x).len(),
            _ => format!("{x}").len(),
        },
        Cell::Date(..) => 10,
        Cell::Bool(b) => {
            if b {
                4
            } else {
                5
            }
        }
        Cell::Text(s) => s.lines().map(|l| l.chars().count()).max().unwrap_or(0),
    }
}

/// Tracks the widest value per column.
fn widen(widths: &mut Vec<usize>, kinds: &[ColumnKind], row: &[&str]) {
    if widths.len() < row.len() {
        widths.resize(row.len(), 0);
    }
    for (c, raw) in row.iter().enumerate() {
        let kind = kinds.get(c).copied().unwrap_or(ColumnKind::Text);
        widths[c] = widths[c].max(display_width(kind, raw));
    }
}

/// First pass over `paragraphs.csv`: header, content widths and row count, so the streamed sheet can be
/// laid out before its rows are written.
fn scan_paragraphs(path: &Path) -> Result<(Vec<String>, Vec<usize>, usize), ReportError> {
    let mut reader = open_csv(path)?;
    let headers: Vec<String> =
        reader.headers().map_err(|e| ReportError::csv(path, e))?.iter().map(str::to_string).collect();
    let kinds: Vec<ColumnKind> = headers.iter().map(|h| column_kind(h)).collect();
    let mut widths = vec![0; headers.len()];
    let mut rows = 0;
    for rec in reader.records() {
        let rec = rec.map_err(|e| ReportError::csv(path, e))?;
        widen(&mut widths, &kinds, &rec.iter().collect::<Vec<_>>());
        rows += 1;
    }
    Ok((headers, widths, rows))
}

/// Header row, widths, frozen header. `widths` are content widths (header excluded).
fn start_sheet(
    sheet: &mut Worksheet,
    headers: &[String],
    kinds: &[ColumnKind],
    widths: &[usize],
    formats: &Formats,
) -> Result<(), ReportError> {
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &formats.header)?;
        // +3 leaves room for the autofilter button beside the header text.
        let header_w = h.chars().count() + 3;
        let content_w = widths.get(c).copied().unwrap_or(0) + 1;
        let w = header_w.max(content_w).clamp(6, MAX_COLUMN_WIDTH);
        sheet.set_column_width(c as u16, w as f64)?;
        if kinds[c] == ColumnKind::LongText {
            sheet.set_column_format(c as u16, &formats.wrap)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

fn finish_sheet(sheet: &mut Worksheet, columns: usize, rows: usize) -> Result<(), ReportError> {
    if columns > 0 {
        sheet.autofilter(0, 0, rows as u32, columns as u16 - 1)?;
    }
    Ok(())
}

/// Writes one value; returns whether it had to be shortened to fit a cell.
fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    kind: ColumnKind,
    raw: &str,
    formats: &Formats,
) -> Result<bool, ReportError> {
    let format = formats.for_kind(kind);
    match typed_cell(kind, raw) {
        Cell::Blank => {}
        Cell::Number(x) => {
            sheet.write_number_with_format(row, col, x, format)?;
        }
        Cell::Date(y, m, d) => {
            sheet.write_datetime_with_format(row, col, ExcelDateTime::from_ymd(y, m, d)?, format)?;
        }
        Cell::Bool(b) => {
            sheet.write_boolean_with_format(row, col, b, format)?;
        }
        Cell::Text(s) => {
            let format = if kind == ColumnKind::LongText { format } else { &formats.text };
            if s.chars().count() > MAX_CELL_CHARS {
                let cut: String = s.chars().take(MAX_CELL_CHARS - 1).chain(['…']).collect();
                sheet.write_string_with_format(row, col, &cut, format)?;
                return Ok(true);
            }
            sheet.write_string_with_format(row, col, &s, format)?;
        }
    }
    Ok(false)
}

/// A sheet holding one in-memory CSV table.
fn add_table_sheet<'a>(
    workbook: &'a mut Workbook,
    name: &str,
    table: &CsvTable,
    formats: &Formats,
    cut_cells: &mut usize,
) -> Result<&'a mut Worksheet, ReportError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    let kinds: Vec<ColumnKind> = table.headers.iter().map(|h| column_kind(h)).collect();
    let mut widths = vec![0; table.headers.len()];
    for row in &table.rows {
        widen(&mut widths, &kinds, &row.iter().map(String::as_str).collect::<Vec<_>>());
    }
    start_sheet(sheet, &table.headers, &kinds, &widths, formats)?;
    let rows = table.rows.len().min(MAX_ROWS as usize - 1);
    for (r, row) in table.rows.iter().take(rows).enumerate() {
        for (c, raw) in row.iter().enumerate() {
            let kind = kinds.get(c).copied().unwrap_or(ColumnKind::Text);
            *cut_cells += write_cell(sheet, r as u32 + 1, c as u16, kind, raw, formats)? as usize;
        }
    }
    finish_sheet(sheet, table.headers.len(), rows)?;
    Ok(sheet)
}

/// The distance matrix beside the long table (from column `first_col`): the form people read, with a
/// white-to-blue colour scale. The long table stays the filterable source; the matrix holds the same
/// numbers.
fn write_distance_matrix(
    sheet: &mut Worksheet,
    rows: &[crate::export::run_tables::DistanceRow],
    first_col: u16,
    formats: &Formats,
) -> Result<(), ReportError> {
    let mut groups: Vec<&str> = Vec::new();
    for r in rows {
        for g in [r.group_a.as_str(), r.group_b.as_str()] {
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
    }
    if groups.is_empty() {
        return Ok(());
    }
    sheet.write_string_with_format(0, first_col, "JS distance", &formats.header)?;
    let label_w = groups.iter().map(|g| g.chars().count()).max().unwrap_or(0) + 2;
    sheet.set_column_width(first_col, label_w.clamp(12, MAX_COLUMN_WIDTH) as f64)?;
    for (j, g) in groups.iter().enumerate() {
        let col = first_col + 1 + j as u16;
        sheet.write_string_with_format(0, col, *g, &formats.header)?;
        sheet.set_column_width(col, (g.chars().count() + 2).clamp(8, 24) as f64)?;
    }
    for (i, a) in groups.iter().enumerate() {
        sheet.write_string_with_format(i as u32 + 1, first_col, *a, &formats.header)?;
    }
    for r in rows {
        let i = groups.iter().position(|g| *g == r.group_a).unwrap_or(0);
        let j = groups.iter().position(|g| *g == r.group_b).unwrap_or(0);
        if r.jsd.is_finite() {
            sheet.write_number_with_format(i as u32 + 1, first_col + 1 + j as u16, r.jsd, &formats.score)?;
        }
    }
    let n = groups.len() as u16;
    let scale = ConditionalFormat2ColorScale::new().set_minimum_color("#F7FBFF").set_maximum_color("#6BAED6");
    sheet.add_conditional_format(1, first_col + 1, n as u32, first_col + n, &scale)?;
    Ok(())
}

/// The manifest flattened to `key`/`value` rows (`model.id`, `codebook.frames[0]`, …), numbers kept as
/// numbers, followed by notes about what the workbook leaves out.
fn write_run_sheet(
    sheet: &mut Worksheet,
    manifest: &[(String, serde_json::Value)],
    notes: &[String],
    formats: &Formats,
) -> Result<(), ReportError> {
    sheet.set_name("Run")?;
    let mut rows: Vec<(String, serde_json::Value)> = manifest.to_vec();
    for n in notes {
        rows.push(("note".to_string(), serde_json::Value::String(n.clone())));
    }
    let headers = ["key".to_string(), "value".to_string()];
    let key_w = rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    let value_w = rows
        .iter()
        .map(|(_, v)| match v {
            serde_json::Value::String(s) => s.chars().count(),
            other => other.to_string().len(),
        })
        .max()
        .unwrap_or(0);
    start_sheet(sheet, &headers, &[ColumnKind::Text, ColumnKind::LongText], &[key_w, value_w], formats)?;
    for (i, (key, value)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string_with_format(r, 0, key, &formats.text)?;
        match value {
            serde_json::Value::Null => {}
            serde_json::Value::Bool(b) => {
                sheet.write_boolean_with_format(r, 1, *b, &formats.plain)?;
            }
            serde_json::Value::Number(n) => match n.as_f64() {
                Some(x) if x.is_finite() => {
                    sheet.write_number_with_format(r, 1, x, &formats.plain)?;
                }
                _ => {
                    sheet.write_string_with_format(r, 1, n.to_string(), &formats.wrap)?;
                }
            },
            serde_json::Value::String(s) => {
                sheet.write_string_with_format(r, 1, s, &formats.wrap)?;
            }
            other => {
                sheet.write_string_with_format(r, 1, other.to_string(), &formats.wrap)?;
            }
        }
    }
    finish_sheet(sheet, 2, rows.len())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_typed_by_column_meaning() {
        assert_eq!(typed_cell(column_kind("share_other"), "0.1081"), Cell::Number(0.1081));
        assert_eq!(typed_cell(column_kind("frame_score"), ""), Cell::Blank);
        assert_eq!(typed_cell(column_kind("published"), "2025-09-04"), Cell::Date(2025, 9, 4));
        assert_eq!(typed_cell(column_kind("published"), "late autumn 2025"), Cell::Text("late autumn 2025".into()));
        assert_eq!(typed_cell(column_kind("published"), "2025-02-30"), Cell::Text("2025-02-30".into()));
        assert_eq!(typed_cell(column_kind("small_group"), "true"), Cell::Bool(true));
        assert_eq!(typed_cell(column_kind("p_value"), "NaN"), Cell::Text("NaN".into()));
        assert_eq!(typed_cell(column_kind("doc_id"), "007"), Cell::Text("007".into()));
        assert_eq!(column_kind("stance_supportive"), ColumnKind::Integer);
        assert_eq!(column_kind("stance_score"), ColumnKind::Score);
        // The columns topic relevance added (#15) are numbers and flags, not text.
        assert_eq!(column_kind("relevance"), ColumnKind::Score);
        assert_eq!(column_kind("uncertain"), ColumnKind::Bool);
        assert_eq!(column_kind("score_victim_protection"), ColumnKind::Score);
        assert_eq!(column_kind("stance_p_critical"), ColumnKind::Score);
        assert_eq!(column_kind("stance_critical"), ColumnKind::Integer);
    }

    #[test]
    fn display_widths_follow_the_number_format() {
        assert_eq!(display_width(ColumnKind::Share, "0.1081"), 5); // 10.8%
        assert_eq!(display_width(ColumnKind::Score, "0.51234"), 5); // 0.512
        assert_eq!(display_width(ColumnKind::LongText, "ab\nabcd"), 4);
    }
}
