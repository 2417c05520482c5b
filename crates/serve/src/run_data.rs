//! One run folder in memory: its paragraphs (all rows of `paragraphs.csv`, headings and boilerplate
//! included, so an article reads in context), the frame order and stance target from the manifest, the
//! codebook when it can be found, and the per-frame probabilities when the run wrote `--scores`.
//!
//! Codes refer to paragraphs by `(doc_id, para_index)`, not by row: a relabelled run of the same corpus
//! has the same keys, so codes survive relabelling.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use framelens::codebook::{self, LoadedCodebook};
use framelens::record::ParagraphRecord;

use crate::ServeError;

/// A paragraph's identity across runs of one corpus.
pub type Key = (String, usize);

/// A loaded run.
#[derive(Debug)]
pub struct RunData {
    /// The run folder.
    pub dir: PathBuf,
    /// Every row of `paragraphs.csv`, in file order (documents, then paragraphs).
    pub paragraphs: Vec<ParagraphRecord>,
    /// Rows of body paragraphs, the ones classified and coded.
    pub body: Vec<usize>,
    /// Lower-cased texts, searched by the table's free-text filter.
    pub(crate) lower: Vec<String>,
    /// Frame ids in the codebook's order (the manifest's `codebook.frames`).
    pub frames: Vec<String>,
    /// The stance target's id, when the run scored stance.
    pub stance_target: Option<String>,
    /// The codebook (from `--codebook`, else the manifest's path when it still exists).
    pub codebook: Option<LoadedCodebook>,
    /// Outlets in alphabetical order.
    pub outlets: Vec<String>,
    /// Articles (counted once at load: the overview shows it on every visit).
    pub articles: usize,
    /// Row of each `(doc_id, para_index)`.
    by_key: HashMap<Key, usize>,
    /// The manifest as written (model, options, corpus), for the overview and for relabelling.
    pub manifest: serde_json::Value,
}

impl RunData {
    /// Loads `dir` (a run folder). `codebook` overrides the manifest's codebook path.
    pub fn load(dir: &Path, codebook: Option<&Path>) -> Result<RunData, ServeError> {
        let manifest_path = dir.join("manifest.json");
        let manifest: serde_json::Value = match std::fs::read(&manifest_path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| ServeError::Run { path: manifest_path.clone(), message: e.to_string() })?,
            Err(e) => {
                return Err(ServeError::Run {
                    path: manifest_path,
                    message: format!("{e} (is this a framelens run folder?)"),
                })
            }
        };
        let frames: Vec<String> = manifest["codebook"]["frames"]
            .as_array()
            .map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let stance_target = manifest["codebook"]["stance_target"].as_str().map(str::to_string);
        let codebook = match codebook {
            Some(p) => Some(codebook::load(p)?),
            None => manifest["codebook"]["path"]
                .as_str()
                .map(PathBuf::from)
                .filter(|p| p.is_file())
                .and_then(|p| codebook::load(&p).ok()),
        };
        let csv_path = framelens::run::files::paragraphs_csv(dir);
        let paragraphs = read_paragraphs(&csv_path)?;
        Ok(RunData::from_rows(dir, paragraphs, frames, stance_target, codebook, manifest))
    }

    /// Builds the in-memory indexes over rows already read.
    pub fn from_rows(
        dir: &Path,
        paragraphs: Vec<ParagraphRecord>,
        frames: Vec<String>,
        stance_target: Option<String>,
        codebook: Option<LoadedCodebook>,
        manifest: serde_json::Value,
    ) -> RunData {
        let mut by_key = HashMap::with_capacity(paragraphs.len());
        let mut outlets: Vec<String> = Vec::new();
        let mut body = Vec::new();
        let mut articles = 0;
        for (i, p) in paragraphs.iter().enumerate() {
            // An article's rows are contiguous in paragraphs.csv (see `article`).
            if i == 0 || paragraphs[i - 1].doc_id != p.doc_id {
                articles += 1;
            }
            by_key.insert((p.doc_id.clone(), p.para_index), i);
            if p.is_body() {
                body.push(i);
            }
            if outlets.last() != Some(&p.outlet) && !outlets.contains(&p.outlet) {
                outlets.push(p.outlet.clone());
            }
        }
        // Alphabetical: a corpus of many outlets is found by name in the filter's list.
        outlets.sort_by_key(|o| o.to_lowercase());
        let lower = paragraphs.iter().map(|p| p.text.to_lowercase()).collect();
        RunData {
            dir: dir.to_path_buf(),
            paragraphs,
            body,
            lower,
            frames,
            stance_target,
            codebook,
            outlets,
            articles,
            by_key,
            manifest,
        }
    }

    /// The row of a paragraph key.
    pub fn row(&self, key: &Key) -> Option<usize> {
        self.by_key.get(key).copied()
    }

    /// The key of a row.
    pub fn key(&self, row: usize) -> Key {
        let p = &self.paragraphs[row];
        (p.doc_id.clone(), p.para_index)
    }

    /// The rows of `row`'s article, in order (it is contiguous in `paragraphs.csv`).
    pub fn article(&self, row: usize) -> std::ops::Range<usize> {
        let doc = &self.paragraphs[row].doc_id;
        let mut start = row;
        while start > 0 && &self.paragraphs[start - 1].doc_id == doc {
            start -= 1;
        }
        let mut end = row + 1;
        while end < self.paragraphs.len() && &self.paragraphs[end].doc_id == doc {
            end += 1;
        }
        start..end
    }

    /// The codebook's entry for a frame id: (label, definition, cues), when the codebook is loaded.
    pub fn frame_entry(&self, id: &str) -> Option<(&str, &str, &[String])> {
        let cb = &self.codebook.as_ref()?.codebook;
        cb.frames.iter().find(|f| f.id == id).map(|f| (f.label(), f.definition(), f.cues.as_slice()))
    }

    /// Whether `label` may be coded: a frame of the run or `other`.
    pub fn is_label(&self, label: &str) -> bool {
        label == framelens::codebook::OTHER || self.frames.iter().any(|f| f == label)
    }
}

/// A run of `rows` with frames `f1` and `f2`, no stance target, codebook or manifest: the unit tests' run.
#[cfg(test)]
pub(crate) fn test_run(rows: Vec<ParagraphRecord>) -> RunData {
    RunData::from_rows(Path::new("."), rows, vec!["f1".into(), "f2".into()], None, None, serde_json::Value::Null)
}

/// Reads every row of a run's `paragraphs.csv` (restoring spreadsheet-safe cells), with the `score_<frame>`
/// columns into `scores` when the run wrote them. A bad row is an error naming its line.
pub fn read_paragraphs(path: &Path) -> Result<Vec<ParagraphRecord>, ServeError> {
    let err = |line: u64, message: String| ServeError::Run {
        path: path.to_path_buf(),
        message: if line > 0 { format!("line {line}: {message}") } else { message },
    };
    let quoted = framelens::export::spreadsheet_safe::paragraphs_csv_is_safe(path);
    let mut reader = csv::Reader::from_path(path).map_err(|e| err(0, e.to_string()))?;
    let headers = reader.headers().map_err(|e| err(1, e.to_string()))?.clone();
    let score_cols: Vec<usize> =
        headers.iter().enumerate().filter(|(_, h)| h.starts_with("score_")).map(|(i, _)| i).collect();
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| err(0, e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let mut p: ParagraphRecord = rec.deserialize(Some(&headers)).map_err(|e| err(line, e.to_string()))?;
        if quoted {
            framelens::export::tables::restore_paragraph(&mut p);
        }
        p.scores = score_cols.iter().filter_map(|&c| rec.get(c)).filter_map(|s| s.parse().ok()).collect();
        out.push(p);
    }
    Ok(out)
}
