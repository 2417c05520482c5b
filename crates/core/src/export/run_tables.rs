//! A finished run folder read back into typed tables, shared by the workbook and the HTML report.
//!
//! Both outputs are built from the files on disk, not from the pipeline's memory, so that they can be
//! (re)made for any earlier run, after `framelens compare` was re-run with other options, or from merged
//! shard outputs, and so that what they show is exactly what the CSVs say. Only the small tables are held in
//! memory; `paragraphs.csv` (which can hold millions of rows) is streamed by its users.

use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::corpus::date::month_of;
use crate::record::ParagraphRecord;

pub use crate::run::comparison::{ComparisonRow, DifferenceRow, DistanceRow, IndependenceRow};
pub use crate::run::files::{
    ComparisonFiles, ARTICLES_CSV, COMPARISON_CSV, DIFFERENCES_CSV, DISTANCES_CSV, INDEPENDENCE_CSV, MANIFEST_JSON,
    OUTLETS_CSV, PARAGRAPHS_CSV, REJECTS_CSV,
};
use crate::run::labels::{Measure, OTHER};
use crate::run::tables::{OUTLET_COLUMNS, SHARE_PREFIX, STANCE_PREFIX};

/// Why a workbook or report could not be made. Each variant names the file, since a user fixing a run
/// folder needs to know which one is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file read or written.
        path: PathBuf,
        /// Why it failed.
        source: io::Error,
    },
    /// A CSV file is malformed or a value does not fit its column.
    #[error("{}: {source}", path.display())]
    Csv {
        /// The CSV file.
        path: PathBuf,
        /// What is malformed, with its line.
        source: csv::Error,
    },
    /// `manifest.json` is not valid JSON.
    #[error("{}: {source}", path.display())]
    Json {
        /// The `manifest.json` read.
        path: PathBuf,
        /// Where the JSON is malformed.
        source: serde_json::Error,
    },
    /// A required column is absent (e.g. an `outlets.csv` from another tool).
    #[error("{}: missing column `{column}`", path.display())]
    MissingColumn {
        /// The CSV file.
        path: PathBuf,
        /// The column it lacks.
        column: String,
    },
    /// rust_xlsxwriter refused a value or a sheet setting.
    #[error("building the workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

impl ReportError {
    pub(crate) fn io(path: &Path, source: io::Error) -> Self {
        ReportError::Io { path: path.to_path_buf(), source }
    }
    pub(crate) fn csv(path: &Path, source: csv::Error) -> Self {
        ReportError::Csv { path: path.to_path_buf(), source }
    }
}

/// A CSV file as written: its header and its rows as strings. Kept untyped so the workbook can show every
/// column (including optional `score_<frame>` and metadata columns) exactly as the CSV has it.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvTable {
    pub(crate) path: PathBuf,
    pub(crate) headers: Vec<String>,
    pub(crate) rows: Vec<Vec<String>>,
}

impl CsvTable {
    /// Reads a whole CSV file.
    pub fn read(path: &Path) -> Result<CsvTable, ReportError> {
        let mut reader = open_csv(path)?;
        let headers = reader.headers().map_err(|e| ReportError::csv(path, e))?.iter().map(str::to_string).collect();
        let mut rows = Vec::new();
        for rec in reader.records() {
            let rec = rec.map_err(|e| ReportError::csv(path, e))?;
            rows.push(rec.iter().map(str::to_string).collect());
        }
        Ok(CsvTable { path: path.to_path_buf(), headers, rows })
    }

    /// Index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    fn require(&self, name: &str) -> Result<usize, ReportError> {
        self.column(name)
            .ok_or_else(|| ReportError::MissingColumn { path: self.path.clone(), column: name.to_string() })
    }

    /// Deserializes every row into `T` (by header name; extra columns are ignored).
    pub fn typed<T: DeserializeOwned>(&self) -> Result<Vec<T>, ReportError> {
        let headers = csv::StringRecord::from(self.headers.clone());
        self.rows
            .iter()
            .map(|row| {
                csv::StringRecord::from(row.clone())
                    .deserialize(Some(&headers))
                    .map_err(|e| ReportError::csv(&self.path, e))
            })
            .collect()
    }
}

/// Opens a CSV file with the settings framelens writes with (header row, strict field counts).
pub fn open_csv(path: &Path) -> Result<csv::Reader<File>, ReportError> {
    let file = File::open(path).map_err(|e| ReportError::io(path, e))?;
    Ok(csv::ReaderBuilder::new().has_headers(true).from_reader(file))
}

/// A CSV file together with its rows parsed into `T`: the table for the workbook, the rows for charts.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    /// The file as written (for the workbook).
    pub table: CsvTable,
    /// The same rows, typed (for the charts).
    pub rows: Vec<T>,
}

impl<T: DeserializeOwned> Loaded<T> {
    fn read(path: &Path) -> Result<Self, ReportError> {
        let table = CsvTable::read(path)?;
        let rows = table.typed()?;
        Ok(Loaded { table, rows })
    }

    /// `None` when the file does not exist: the compare step is optional, and its absence is reported
    /// in the outputs rather than treated as an error.
    fn read_optional(path: &Path) -> Result<Option<Self>, ReportError> {
        if path.exists() {
            Self::read(path).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// One row of `outlets.csv`, with the `share_<frame>` columns gathered in frame order.
#[derive(Debug, Clone, PartialEq)]
pub struct OutletRow {
    pub(crate) outlet: String,
    pub(crate) articles: u64,
    pub(crate) body_paragraphs: u64,
    pub(crate) top_frame: String,
    /// `(frame, share)` in [`RunTables::frames`] order; frames without a column are left out.
    pub shares: Vec<(String, f64)>,
    /// `(stance, paragraph count)` from the `stance_<label>` columns, in CSV order.
    pub stance_counts: Vec<(String, u64)>,
    /// Share of the outlet's body paragraphs labelled `other` (off-topic), from `share_other`.
    pub off_topic: Option<f64>,
}

/// Everything the workbook and the report need from a run folder, except the paragraphs themselves.
#[derive(Debug, Clone)]
pub struct RunTables {
    pub(crate) dir: PathBuf,
    pub(crate) manifest: serde_json::Value,
    /// The manifest flattened to `(dotted.key, scalar)` pairs in the file's own order (`model.id`,
    /// `codebook.frames[0]`, …), for key/value listings that read like the manifest.
    pub manifest_entries: Vec<(String, serde_json::Value)>,
    /// Frame order for every output: the codebook's frames (manifest `codebook.frames`), then `other`.
    pub frames: Vec<String>,
    pub(crate) articles: CsvTable,
    pub(crate) outlets: Loaded<OutletRow>,
    pub(crate) rejects: CsvTable,
    pub(crate) comparison: Option<Loaded<ComparisonRow>>,
    pub(crate) distances: Option<Loaded<DistanceRow>>,
    pub(crate) differences: Option<Loaded<DifferenceRow>>,
    pub(crate) independence: Option<Loaded<IndependenceRow>>,
    /// Which comparison's files were read (whether or not they exist).
    pub compare_files: ComparisonFiles,
}

impl RunTables {
    /// Reads a run folder with its outlet comparison. The run's own files must be present; the compare
    /// step's files are optional.
    pub fn load(dir: &Path) -> Result<RunTables, ReportError> {
        RunTables::load_with(dir, &ComparisonFiles::outlet(dir))
    }

    /// Reads the run folder `dir` with the comparison `files` (e.g. the one by month, or one written to
    /// `compare --out DIR`).
    pub fn load_with(dir: &Path, files: &ComparisonFiles) -> Result<RunTables, ReportError> {
        let manifest_path = dir.join(MANIFEST_JSON);
        let manifest_text = std::fs::read_to_string(&manifest_path).map_err(|e| ReportError::io(&manifest_path, e))?;
        let manifest: serde_json::Value = serde_json::from_str(&manifest_text)
            .map_err(|e| ReportError::Json { path: manifest_path.clone(), source: e })?;
        let manifest_entries = flatten_json_ordered(&manifest_text)
            .map_err(|e| ReportError::Json { path: manifest_path.clone(), source: e })?;
        let outlets_table = CsvTable::read(&dir.join(OUTLETS_CSV))?;
        let frames = frame_order(&manifest, &outlets_table);
        let outlet_rows = outlet_rows(&outlets_table, &frames)?;
        let paragraphs = dir.join(PARAGRAPHS_CSV);
        if !paragraphs.exists() {
            return Err(ReportError::io(&paragraphs, io::Error::new(io::ErrorKind::NotFound, "not found")));
        }
        Ok(RunTables {
            dir: dir.to_path_buf(),
            frames,
            articles: CsvTable::read(&dir.join(ARTICLES_CSV))?,
            outlets: Loaded { table: outlets_table, rows: outlet_rows },
            rejects: read_optional_table(&dir.join(REJECTS_CSV))?,
            comparison: Loaded::read_optional(&files.comparison())?,
            distances: Loaded::read_optional(&files.distances())?,
            differences: Loaded::read_optional(&files.differences())?,
            independence: Loaded::read_optional(&files.independence())?,
            compare_files: files.clone(),
            manifest,
            manifest_entries,
        })
    }

    /// The caveat every stance figure of this run carries, unless its stance came from a head trained on
    /// coded data (a `stance` head in the manifest other than the shipped general one).
    pub fn stance_caveat<'a>(&'a self) -> Option<String> {
        let heads = self.manifest.get("heads").and_then(|h| h.as_array()).map(Vec::as_slice).unwrap_or_default();
        let field = |h: &'a serde_json::Value, k: &str| h.get(k).and_then(|v| v.as_str()).unwrap_or("");
        let validated =
            crate::classify::heads::stance_validated(heads.iter().map(|h| (field(h, "role"), field(h, "path"))));
        let model = self.manifest.get("model").and_then(|m| m.get("id")).and_then(|v| v.as_str()).unwrap_or("");
        (!validated).then(|| crate::classify::stance_caveat(model))
    }

    /// Body paragraphs labelled `other` (off-topic) over all body paragraphs of the run, from the outlets.
    pub fn off_topic_share(&self) -> Option<f64> {
        let (mut off, mut body) = (0.0, 0.0);
        for o in &self.outlets.rows {
            off += o.off_topic? * o.body_paragraphs as f64;
            body += o.body_paragraphs as f64;
        }
        (body > 0.0).then(|| off / body)
    }

    /// `paragraphs.csv` of this run; streamed by its users rather than held in memory.
    pub fn paragraphs_path(&self) -> PathBuf {
        self.dir.join(PARAGRAPHS_CSV)
    }

    /// A manifest value by path (`["model", "id"]`), if present.
    pub fn manifest_at(&self, path: &[&str]) -> Option<&serde_json::Value> {
        path.iter().try_fold(&self.manifest, |v, key| v.get(key)).filter(|v| !v.is_null())
    }

    /// A manifest value by path as display text (strings unquoted), if present.
    pub fn manifest_str(&self, path: &[&str]) -> Option<String> {
        self.manifest_at(path).map(|v| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    /// A manifest number by path, if present and numeric.
    pub fn manifest_f64(&self, path: &[&str]) -> Option<f64> {
        self.manifest_at(path).and_then(serde_json::Value::as_f64)
    }

    /// The grouping the charts show: `outlet` when the comparison has it, else the first one it has.
    pub fn primary_group_by(&self) -> Option<String> {
        let rows = &self.comparison.as_ref()?.rows;
        rows.iter().find(|r| r.group_by == "outlet").or_else(|| rows.first()).map(|r| r.group_by.clone())
    }

    /// Comparison rows of one grouping and measure, in CSV order.
    pub fn comparison_rows(&self, group_by: &str, measure: Measure) -> Vec<&ComparisonRow> {
        self.comparison
            .iter()
            .flat_map(|c| &c.rows)
            .filter(|r| r.group_by == group_by && r.measure == measure)
            .collect()
    }

    /// Reads `paragraphs.csv` once and keeps what the report needs from it.
    pub fn paragraph_digest(&self, typical_per_frame: usize) -> Result<ParagraphDigest, ReportError> {
        ParagraphDigest::read(&self.paragraphs_path(), &self.frames, typical_per_frame)
    }
}

fn read_optional_table(path: &Path) -> Result<CsvTable, ReportError> {
    if path.exists() {
        CsvTable::read(path)
    } else {
        Ok(CsvTable { path: path.to_path_buf(), headers: Vec::new(), rows: Vec::new() })
    }
}

/// Codebook frames from the manifest, then `other`; falls back to the `share_<frame>` columns of
/// `outlets.csv` for manifests written without the codebook's frame list.
fn frame_order(manifest: &serde_json::Value, outlets: &CsvTable) -> Vec<String> {
    let mut frames: Vec<String> = manifest
        .pointer("/codebook/frames")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    if frames.is_empty() {
        frames = outlets
            .headers
            .iter()
            .filter_map(|h| h.strip_prefix(SHARE_PREFIX))
            .filter(|f| *f != OTHER)
            .map(str::to_string)
            .collect();
    }
    // `other` (off-topic) is not a frame: its share is of all body paragraphs, the frames' of the rest, so
    // it is reported beside the frames (`OutletRow::off_topic`), never stacked with them.
    frames.retain(|f| f != OTHER);
    frames
}

fn outlet_rows(table: &CsvTable, frames: &[String]) -> Result<Vec<OutletRow>, ReportError> {
    let [outlet, articles, body, top] = OUTLET_COLUMNS;
    let outlet = table.require(outlet)?;
    let articles = table.column(articles);
    let body = table.column(body);
    let top = table.column(top);
    let other = table.column(&format!("{SHARE_PREFIX}{OTHER}"));
    let share_cols: Vec<(String, usize)> =
        frames.iter().filter_map(|f| table.column(&format!("{SHARE_PREFIX}{f}")).map(|i| (f.clone(), i))).collect();
    let stance_cols: Vec<(String, usize)> = table
        .headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.strip_prefix(STANCE_PREFIX).map(|s| (s.to_string(), i)))
        .collect();
    let num = |row: &[String], i: usize| row.get(i).and_then(|v| v.trim().parse::<f64>().ok());
    Ok(table
        .rows
        .iter()
        .map(|row| OutletRow {
            outlet: row[outlet].clone(),
            articles: articles.and_then(|i| num(row, i)).unwrap_or(0.0) as u64,
            body_paragraphs: body.and_then(|i| num(row, i)).unwrap_or(0.0) as u64,
            top_frame: top.and_then(|i| row.get(i).cloned()).unwrap_or_default(),
            shares: share_cols.iter().map(|(f, i)| (f.clone(), num(row, *i).unwrap_or(0.0))).collect(),
            stance_counts: stance_cols.iter().map(|(s, i)| (s.clone(), num(row, *i).unwrap_or(0.0) as u64)).collect(),
            off_topic: other.and_then(|i| num(row, i)),
        })
        .collect())
}

/// Flattens a JSON document to `(key, scalar)` pairs in document order: object keys joined with `.`,
/// array items as `[i]`; empty objects and arrays keep one row so their presence stays visible.
///
/// `serde_json::Value` sorts object keys (without its `preserve_order` feature, which would change key
/// order crate-wide), so this walks the text with its own deserializer seed instead.
pub fn flatten_json_ordered(text: &str) -> Result<Vec<(String, serde_json::Value)>, serde_json::Error> {
    let mut out = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    serde::de::DeserializeSeed::deserialize(Flatten { prefix: String::new(), out: &mut out }, &mut de)?;
    de.end()?;
    Ok(out)
}

struct Flatten<'a> {
    prefix: String,
    out: &'a mut Vec<(String, serde_json::Value)>,
}

impl Flatten<'_> {
    fn push(self, v: serde_json::Value) {
        self.out.push((self.prefix, v));
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Flatten<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Flatten<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.push(v.into());
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.push(v.into());
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.push(v.into());
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.push(v.into());
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.push(v.into());
        Ok(())
    }
    fn visit_string<E>(self, v: String) -> Result<(), E> {
        self.push(v.into());
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.push(serde_json::Value::Null);
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        self.push(serde_json::Value::Null);
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        loop {
            let seed = Flatten { prefix: format!("{}[{i}]", self.prefix), out: &mut *self.out };
            if seq.next_element_seed(seed)?.is_none() {
                break;
            }
            i += 1;
        }
        if i == 0 {
            self.push(serde_json::Value::Array(Vec::new()));
        }
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut any = false;
        while let Some(key) = map.next_key::<String>()? {
            any = true;
            let prefix = if self.prefix.is_empty() { key } else { format!("{}.{key}", self.prefix) };
            map.next_value_seed(Flatten { prefix, out: &mut *self.out })?;
        }
        if !any {
            self.push(serde_json::Value::Object(Default::default()));
        }
        Ok(())
    }
}

/// What the report takes from `paragraphs.csv`, gathered in one streaming pass.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParagraphDigest {
    /// Rows of `paragraphs.csv` (all kinds).
    pub paragraphs: u64,
    /// Classified body paragraphs (the denominator of every share).
    pub body: u64,
    /// Body paragraphs per month (`YYYY-MM`) and label (`frame`), for the time chart.
    pub by_month: BTreeMap<String, BTreeMap<String, u64>>,
    /// Labelled body paragraphs whose `published` is not an ISO date, and up to five distinct such values.
    pub undated_body: u64,
    /// Up to five distinct undated `published` values, quoted in the report so the user sees why.
    pub undated_examples: Vec<String>,
    /// The `typical_per_frame` body paragraphs with the highest `frame_score`, per frame in frame order.
    pub typical: Vec<(String, Vec<ParagraphRecord>)>,
}

impl ParagraphDigest {
    /// Streams `paragraphs.csv`. Ties in `frame_score` are broken by `doc_id` and `para_index`, so the
    /// same run always shows the same examples. Text cells of a run written `--spreadsheet-safe` are
    /// restored: the report shows the paragraph, not its quoted cell.
    pub fn read(path: &Path, frames: &[String], per_frame: usize) -> Result<Self, ReportError> {
        let quoted = crate::export::spreadsheet_safe::paragraphs_csv_is_safe(path);
        let mut reader = open_csv(path)?;
        let mut digest =
            ParagraphDigest { typical: frames.iter().map(|f| (f.clone(), Vec::new())).collect(), ..Default::default() };
        for rec in reader.deserialize::<ParagraphRecord>() {
            let mut p = rec.map_err(|e| ReportError::csv(path, e))?;
            if quoted {
                crate::export::tables::restore_paragraph(&mut p);
            }
            digest.paragraphs += 1;
            if !p.is_body() || p.frame.is_empty() {
                continue;
            }
            digest.body += 1;
            match month_of(&p.published) {
                Some(m) => *digest.by_month.entry(m.to_string()).or_default().entry(p.frame.clone()).or_default() += 1,
                None => {
                    digest.undated_body += 1;
                    let raw = p.published.trim().to_string();
                    if digest.undated_examples.len() < 5 && !digest.undated_examples.contains(&raw) {
                        digest.undated_examples.push(raw);
                    }
                }
            }
            if per_frame == 0 || p.frame_score.is_none() {
                continue;
            }
            if let Some((_, top)) = digest.typical.iter_mut().find(|(f, _)| *f == p.frame) {
                top.push(p);
                top.sort_by(|a, b| {
                    let (sa, sb) = (a.frame_score.unwrap_or(0.0), b.frame_score.unwrap_or(0.0));
                    sb.total_cmp(&sa)
                        .then_with(|| a.doc_id.cmp(&b.doc_id))
                        .then_with(|| a.para_index.cmp(&b.para_index))
                });
                top.truncate(per_frame);
            }
        }
        Ok(digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_flattens_in_document_order() {
        let rows = flatten_json_ordered(
            r#"{"z": 1, "model": {"id": "m", "n": 2.5}, "frames": ["a", "b"], "e": {}, "x": null}"#,
        )
        .unwrap();
        let keys: Vec<&str> = rows.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["z", "model.id", "model.n", "frames[0]", "frames[1]", "e", "x"]);
        assert_eq!(rows[2].1, serde_json::json!(2.5));
        assert_eq!(rows[6].1, serde_json::Value::Null);
    }

    #[test]
    fn frames_fall_back_to_outlet_columns_and_end_with_other() {
        let outlets = CsvTable {
            path: PathBuf::from("outlets.csv"),
            headers: vec!["outlet".into(), "share_a".into(), "share_b".into(), "share_other".into()],
            rows: vec![],
        };
        let m = serde_json::json!({});
        assert_eq!(frame_order(&m, &outlets), ["a", "b"]);
        let m = serde_json::json!({"codebook": {"frames": ["x", "y"]}});
        assert_eq!(frame_order(&m, &outlets), ["x", "y"]);
    }
}
