//! Writing the CSV tables of a run: the rows of the tables whose names, columns and row types
//! [`crate::run`] defines.
//!
//! Tables are streamed: rows are appended to `.<name>.part` in the output folder as batches complete, and
//! [`CsvSink::finish`] renames the file into place. A killed run leaves only `.part` files, which the next
//! run overwrites; a file under its final name is always complete.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use crate::aggregate::{ArticleAggregate, Counts, OutletAggregate};
use crate::export::spreadsheet_safe;
use crate::record::ParagraphRecord;
use crate::run::labels::{Stance, STANCE_LABELS};

/// Output file names inside a run's folder, under the names `run` and `merge` have always used for them
/// (defined in [`crate::run::files`]).
pub use crate::run::files::{
    ARTICLES_CSV as ARTICLES, MANIFEST_JSON as MANIFEST, OUTLETS_CSV as OUTLETS, PARAGRAPHS_CSV as PARAGRAPHS,
    REJECTS_CSV as REJECTS,
};
pub use crate::run::tables::{
    article_header, column_positions, outlet_header, paragraph_header, reject_header, RejectRow, PARAGRAPH_COLUMNS,
    SPREADSHEET_SAFE_COLUMNS,
};

/// A CSV file being written under a temporary name.
pub struct CsvSink {
    part: PathBuf,
    path: PathBuf,
    w: csv::Writer<BufWriter<File>>,
}

impl CsvSink {
    pub(crate) fn create(path: &Path, header: &[String]) -> io::Result<Self> {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let part = path.with_file_name(format!(".{name}.part"));
        // The header is written here, from the table's column list; `serialize` never adds one.
        let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(BufWriter::new(File::create(&part)?));
        w.write_record(header).map_err(io::Error::other)?;
        Ok(CsvSink { part, path: path.to_path_buf(), w })
    }

    pub(crate) fn row(&mut self, fields: &[String]) -> io::Result<()> {
        self.w.write_record(fields).map_err(io::Error::other)
    }

    /// Writes a row type of [`crate::run::tables`] (its fields in column order).
    pub fn serialize(&mut self, row: &impl serde::Serialize) -> io::Result<()> {
        self.w.serialize(row).map_err(io::Error::other)
    }

    /// Writes a record as raw bytes (merge copies shard rows through unchanged).
    pub fn byte_row(&mut self, rec: &csv::ByteRecord) -> io::Result<()> {
        self.w.write_byte_record(rec).map_err(io::Error::other)
    }

    /// Deletes the unfinished file, for a run that read nothing and should leave nothing behind.
    pub fn discard(self) -> io::Result<()> {
        drop(self.w);
        std::fs::remove_file(&self.part)
    }

    /// Flushes, syncs and renames into place.
    pub fn finish(self) -> io::Result<PathBuf> {
        let buf = self.w.into_inner().map_err(|e| io::Error::other(e.to_string()))?;
        let file = buf.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&self.part, std::fs::Permissions::from_mode(0o644))?;
        }
        std::fs::rename(&self.part, &self.path)?;
        Ok(self.path)
    }
}

fn score(v: Option<f32>) -> String {
    v.map(|x| format!("{x:.4}")).unwrap_or_default()
}

/// A `paragraphs.csv` row; with `spreadsheet_safe`, its text cells ([`SPREADSHEET_SAFE_COLUMNS`]) cannot
/// run as formulas in a spreadsheet.
pub fn paragraph_row(
    r: &ParagraphRecord,
    n_frames: usize,
    scores: bool,
    stance: bool,
    spreadsheet_safe: bool,
) -> Vec<String> {
    let mut row = vec![
        r.doc_id.clone(),
        r.outlet.clone(),
        r.published.clone(),
        r.title.clone(),
        r.section.clone(),
        r.para_index.to_string(),
        r.kind.as_str().to_string(),
        r.char_start.to_string(),
        r.char_end.to_string(),
        r.n_tokens.to_string(),
        r.windows.to_string(),
        score(r.relevance),
        r.frame.clone(),
        score(r.frame_score),
        score(r.frame_margin),
        r.frames.clone(),
        r.stance.map(Stance::as_str).unwrap_or_default().to_string(),
        score(r.stance_score),
        r.uncertain.map(|u| u.to_string()).unwrap_or_default(),
        r.evidence.clone(),
        r.text.clone(),
        r.lang.clone(),
    ];
    if spreadsheet_safe {
        neutralise_text_cells(&mut row);
    }
    if scores {
        if r.scores.is_empty() {
            row.extend((0..n_frames).map(|_| String::new()));
        } else {
            // A head with an `other` class has one probability more than the codebook has frames.
            row.extend(r.scores.iter().take(n_frames).map(|s| format!("{s:.4}")));
        }
        if stance {
            // Before the abstention that turns a weak supportive or critical reading into `neutral`.
            match r.stance_probs {
                Some(p) => row.extend(p.iter().map(|s| format!("{s:.4}"))),
                None => row.extend(std::iter::repeat_n(String::new(), STANCE_LABELS.len())),
            }
        }
    }
    row
}

/// Neutralises the [`SPREADSHEET_SAFE_COLUMNS`] cells of a row laid out as [`PARAGRAPH_COLUMNS`].
fn neutralise_text_cells(row: &mut [String]) {
    for name in SPREADSHEET_SAFE_COLUMNS {
        if let Some(cell) = PARAGRAPH_COLUMNS.iter().position(|c| *c == name).and_then(|i| row.get_mut(i)) {
            if let Cow::Owned(safe) = spreadsheet_safe::neutralise(cell) {
                *cell = safe;
            }
        }
    }
}

/// Undoes `--spreadsheet-safe` on a row read back from a run whose manifest says it was written so.
pub fn restore_paragraph(r: &mut ParagraphRecord) {
    for cell in [&mut r.title, &mut r.section, &mut r.evidence, &mut r.text] {
        spreadsheet_safe::restore_in_place(cell);
    }
}

fn count_values(c: &Counts) -> Vec<String> {
    let mut v: Vec<String> = c.shares().iter().map(|s| format!("{s:.4}")).collect();
    v.extend(c.stance.iter().map(u64::to_string));
    v
}

pub(crate) fn article_row(a: &ArticleAggregate, labels: &[String]) -> Vec<String> {
    let mut row = vec![
        a.doc_id.clone(),
        a.doc_seq.to_string(),
        a.outlet.clone(),
        a.published.clone(),
        a.title.clone(),
        a.paragraphs.to_string(),
        a.counts.body.to_string(),
        a.counts.dominant(labels).unwrap_or("").to_string(),
    ];
    row.extend(count_values(&a.counts));
    row
}

pub(crate) fn outlet_row(o: &OutletAggregate, labels: &[String]) -> Vec<String> {
    let mut row = vec![
        o.outlet.clone(),
        o.articles.to_string(),
        o.counts.body.to_string(),
        o.counts.dominant(labels).unwrap_or("").to_string(),
    ];
    row.extend(count_values(&o.counts));
    row
}

/// Writes a whole small table (outlets) through a sink.
pub fn write_table(path: &Path, header: &[String], rows: impl IntoIterator<Item = Vec<String>>) -> io::Result<PathBuf> {
    let mut sink = CsvSink::create(path, header)?;
    for r in rows {
        sink.row(&r)?;
    }
    sink.finish()
}

/// An I/O error with the file it happened on.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct FileError {
    pub(crate) path: PathBuf,
    #[source]
    pub(crate) source: io::Error,
}

fn at(path: &Path) -> impl FnOnce(io::Error) -> FileError + '_ {
    move |source| FileError { path: path.to_path_buf(), source }
}

/// Completes a run's tables (runs and merges alike): renames the streamed paragraph and article files into
/// place, writes the outlet and reject tables, and returns the finished files with their sha256 (for the
/// manifest, written last).
pub fn finish_run_tables(
    out: &Path,
    streamed: [CsvSink; 2],
    labels: &[String],
    outlets: &[OutletAggregate],
    rejects: &[RejectRow],
) -> Result<(Vec<PathBuf>, BTreeMap<String, String>), FileError> {
    let mut files = Vec::new();
    for sink in streamed {
        let path = sink.path.clone();
        files.push(sink.finish().map_err(at(&path))?);
    }
    let p = out.join(OUTLETS);
    files.push(write_table(&p, &outlet_header(labels), outlets.iter().map(|o| outlet_row(o, labels))).map_err(at(&p))?);
    let p = out.join(REJECTS);
    let mut sink = CsvSink::create(&p, &reject_header()).map_err(at(&p))?;
    for r in rejects {
        sink.serialize(r).map_err(at(&p))?;
    }
    files.push(sink.finish().map_err(at(&p))?);
    let mut hashes = BTreeMap::new();
    for f in &files {
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        hashes.insert(name, file_sha256(f).map_err(at(f))?);
    }
    Ok((files, hashes))
}

/// sha256 of a finished output file, recorded in the manifest so a reader can tell a complete set.
pub fn file_sha256(path: &Path) -> io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut f = File::open(path)?;
    io::copy(&mut f, &mut h)?;
    Ok(hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::labels::Kind;

    fn record(cell: &str) -> ParagraphRecord {
        ParagraphRecord {
            doc_id: cell.into(),
            outlet: cell.into(),
            published: cell.into(),
            title: format!("{cell} title"),
            section: format!("{cell} section"),
            para_index: 3,
            kind: Kind::Body,
            char_start: 0,
            char_end: 10,
            n_tokens: 4,
            windows: 1,
            relevance: None,
            frame: cell.into(),
            frame_score: Some(-0.5),
            frame_margin: None,
            frames: cell.into(),
            stance: Some(Stance::Critical),
            stance_score: None,
            uncertain: None,
            evidence: format!("{cell} evidence"),
            text: format!("{cell} text"),
            lang: "en".into(),
            scores: vec![],
            stance_probs: None,
        }
    }

    #[test]
    fn scores_add_frame_then_stance_probabilities_under_their_own_names() {
        let frames = ["f1".to_string(), "f2".to_string()];
        let mut r = record("x");
        r.scores = vec![0.25, 0.75];
        r.stance_probs = Some([0.1, 0.6, 0.3]);
        let header = paragraph_header(&frames, true, true);
        let row = paragraph_row(&r, 2, true, true, false);
        assert_eq!(header.len(), row.len());
        let tail: Vec<(&str, &str)> =
            header.iter().zip(&row).skip(PARAGRAPH_COLUMNS.len()).map(|(h, v)| (h.as_str(), v.as_str())).collect();
        assert_eq!(
            tail,
            [
                ("score_f1", "0.2500"),
                ("score_f2", "0.7500"),
                ("stance_p_supportive", "0.1000"),
                ("stance_p_critical", "0.6000"),
                ("stance_p_neutral", "0.3000"),
            ]
        );
        // A paragraph without a stance (heading, `other`) has empty cells; a codebook without a stance
        // target has no stance columns; without `--scores`, no probability columns at all.
        r.stance_probs = None;
        assert_eq!(&paragraph_row(&r, 2, true, true, false)[header.len() - 3..], ["", "", ""]);
        assert_eq!(paragraph_header(&frames, true, false).len(), PARAGRAPH_COLUMNS.len() + 2);
        assert_eq!(paragraph_row(&r, 2, true, false, false).len(), PARAGRAPH_COLUMNS.len() + 2);
        assert_eq!(paragraph_header(&frames, false, true), PARAGRAPH_COLUMNS);
        assert_eq!(paragraph_row(&r, 2, false, true, false).len(), PARAGRAPH_COLUMNS.len());
    }

    #[test]
    fn spreadsheet_safe_rows_quote_the_text_cells_only_and_read_back_restored() {
        let r = record("=HYPERLINK(\"http://example.com\",\"x\")");
        let plain = paragraph_row(&r, 0, false, false, false);
        let safe = paragraph_row(&r, 0, false, false, true);
        let header = paragraph_header(&[], false, false);
        for ((name, p), s) in header.iter().zip(&plain).zip(&safe) {
            if SPREADSHEET_SAFE_COLUMNS.contains(&name.as_str()) {
                assert_eq!(*s, format!("'{p}"), "{name}");
            } else {
                assert_eq!(s, p, "{name} is not a text column and is written as is");
            }
        }
        // A negative score stays a number: only text columns are quoted.
        assert_eq!(safe[header.iter().position(|h| h == "frame_score").unwrap()], "-0.5000");
        let mut back: ParagraphRecord =
            csv::StringRecord::from(safe).deserialize(Some(&csv::StringRecord::from(header))).unwrap();
        assert_ne!(back, r);
        restore_paragraph(&mut back);
        assert_eq!(back, ParagraphRecord { frame_score: Some(-0.5), ..r });
    }
}
