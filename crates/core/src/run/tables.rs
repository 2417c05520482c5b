//! The run's own tables: `paragraphs.csv` (row type [`ParagraphRecord`]), `articles.csv` and `outlets.csv`
//! (fixed columns, then one `share_<label>` column per frame and `other` and one `stance_<label>` column per
//! stance, so they have no fixed row type) and `rejects.csv` ([`RejectRow`]). Column names are part of
//! framelens' interface (docs/outputs.md); `export` writes these tables, `compare`, `eval`, `sample`,
//! `merge`, the workbook and the report read them, all by the names defined here.

use serde::{Deserialize, Serialize};

use super::labels::STANCE_LABELS;
pub use crate::record::ParagraphRecord;

/// Columns of `paragraphs.csv` before the optional `score_<frame>` columns (the fields of
/// [`ParagraphRecord`]).
pub const PARAGRAPH_COLUMNS: [&str; 22] = [
    "doc_id",
    "outlet",
    "published",
    "title",
    "section",
    "para_index",
    "kind",
    "char_start",
    "char_end",
    "n_tokens",
    "windows",
    "relevance",
    "frame",
    "frame_score",
    "frame_margin",
    "frames",
    "stance",
    "stance_score",
    "uncertain",
    "evidence",
    "text",
    // Appended last (after `text`), so readers that index the older columns by position are undisturbed.
    "lang",
];

/// Columns of `paragraphs.csv` holding corpus text, which `framelens run --spreadsheet-safe` writes
/// quoted and every reader of a run restores.
pub const SPREADSHEET_SAFE_COLUMNS: [&str; 4] = ["title", "section", "evidence", "text"];

/// Columns of `articles.csv` before the share and stance columns ([`label_columns`]).
pub const ARTICLE_COLUMNS: [&str; 8] =
    ["doc_id", "doc_seq", "outlet", "published", "title", "paragraphs", "body_paragraphs", "dominant_frame"];

/// Columns of `outlets.csv` before the share and stance columns ([`label_columns`]).
pub const OUTLET_COLUMNS: [&str; 4] = ["outlet", "articles", "body_paragraphs", "top_frame"];

/// Columns of `rejects.csv` (the fields of [`RejectRow`]).
pub const REJECT_COLUMNS: [&str; 5] = ["file", "line", "doc_id", "para_index", "reason"];

/// Prefix of the per-label share columns of `articles.csv` and `outlets.csv`.
pub const SHARE_PREFIX: &str = "share_";
/// Prefix of the per-stance paragraph count columns of `articles.csv` and `outlets.csv`.
pub const STANCE_PREFIX: &str = "stance_";
/// Prefix of the optional per-frame probability columns of `paragraphs.csv` (`run --scores`).
pub const SCORE_PREFIX: &str = "score_";
/// Prefix of the optional per-stance probability columns of `paragraphs.csv` (`run --scores` where the
/// codebook has a stance target). Not `score_`, which readers take for frames, nor `stance_`, the
/// per-stance counts of `articles.csv` and `outlets.csv`.
pub const STANCE_SCORE_PREFIX: &str = "stance_p_";

/// An input record or paragraph that could not be processed, with where it came from and why: one row
/// of `rejects.csv`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RejectRow {
    /// The input file the record came from.
    pub file: String,
    /// Its 1-based line (JSON Lines, CSV) where the format has lines.
    pub line: Option<u64>,
    /// The document id, when it could be read.
    pub doc_id: String,
    /// The paragraph's position, when a single paragraph (not the whole record) was rejected.
    pub para_index: Option<usize>,
    /// Why, in words a user can act on.
    pub reason: String,
}

fn strings(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|s| s.to_string()).collect()
}

/// The header of `paragraphs.csv`: [`PARAGRAPH_COLUMNS`], then with `scores` `score_<frame>` per frame and,
/// with `stance` as well, `stance_p_<stance>` per stance.
pub fn paragraph_header(frames: &[String], scores: bool, stance: bool) -> Vec<String> {
    let mut header = strings(&PARAGRAPH_COLUMNS);
    if scores {
        header.extend(frames.iter().map(|f| format!("{SCORE_PREFIX}{f}")));
        if stance {
            header.extend(STANCE_LABELS.iter().map(|s| format!("{STANCE_SCORE_PREFIX}{s}")));
        }
    }
    header
}

/// `share_<label>` for every label (frames, then `other`), then `stance_<stance>` for every stance.
pub fn label_columns(labels: &[String]) -> Vec<String> {
    let mut cols: Vec<String> = labels.iter().map(|l| format!("{SHARE_PREFIX}{l}")).collect();
    cols.extend(STANCE_LABELS.iter().map(|s| format!("{STANCE_PREFIX}{s}")));
    cols
}

/// The header of `articles.csv` for the labels `labels` (frames, then `other`).
pub fn article_header(labels: &[String]) -> Vec<String> {
    let mut h = strings(&ARTICLE_COLUMNS);
    h.extend(label_columns(labels));
    h
}

/// The header of `outlets.csv` for the labels `labels` (frames, then `other`).
pub fn outlet_header(labels: &[String]) -> Vec<String> {
    let mut h = strings(&OUTLET_COLUMNS);
    h.extend(label_columns(labels));
    h
}

/// The header of `rejects.csv`.
pub fn reject_header() -> Vec<String> {
    strings(&REJECT_COLUMNS)
}

/// Positions of the `names` columns in the header of a run's `table` (read back by `eval`, `sample` and
/// `merge`), or a message naming the first missing column: the one place that finds columns by name, so a
/// renamed column fails the same way everywhere.
pub fn column_positions<'a, const N: usize>(
    header: impl IntoIterator<Item = &'a str>,
    names: [&str; N],
    table: &str,
) -> Result<[usize; N], String> {
    let header: Vec<&str> = header.into_iter().collect();
    let mut out = [0; N];
    for (slot, name) in out.iter_mut().zip(names) {
        *slot = header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| format!("no column `{name}`: is this a run's {table}?"))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_lists_are_the_row_types_fields() {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(RejectRow {
            file: "f".into(),
            line: None,
            doc_id: "d".into(),
            para_index: Some(2),
            reason: "r".into(),
        })
        .unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(text, format!("{}\nf,,d,2,r\n", REJECT_COLUMNS.join(",")));
        let p = ParagraphRecord {
            doc_id: "d".into(),
            outlet: "o".into(),
            char_end: 1,
            n_tokens: 1,
            windows: 1,
            text: "t".into(),
            scores: vec![0.5],
            ..ParagraphRecord::default()
        };
        let mut w = csv::Writer::from_writer(Vec::new());
        w.serialize(&p).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(text.lines().next().unwrap(), PARAGRAPH_COLUMNS.join(","));
        assert_eq!(
            outlet_header(&["a".into(), "other".into()]),
            ["outlet", "articles", "body_paragraphs", "top_frame", "share_a", "share_other"]
                .into_iter()
                .chain(["stance_supportive", "stance_critical", "stance_neutral"])
                .collect::<Vec<_>>()
        );
    }
}
