//! What the user tells ingest about the input: its format and its column names.

use serde::{Deserialize, Serialize};

/// Names of the fields (JSONL keys, CSV columns, extra front-matter keys) that carry each part of a
/// document, because every archive export names them differently.
///
/// A name containing `.` also matches a nested JSON object path (`meta.date`) when no top-level key
/// has that exact name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fields {
    /// Document id (`id`); a record without one gets an id made from where it was read.
    pub id: String,
    /// Body text (`text`): the one field whose absence rejects a record.
    pub text: String,
    /// Outlet (`outlet`); missing outlets become `unknown`.
    pub outlet: String,
    /// Publication date (`date`), read into [`crate::corpus::Document::published`].
    pub date: String,
    /// Headline (`title`).
    pub title: String,
    /// Article address (`url`).
    pub url: String,
    /// Byline (`author`).
    pub author: String,
}

impl Default for Fields {
    fn default() -> Self {
        Fields {
            id: "id".into(),
            text: "text".into(),
            outlet: "outlet".into(),
            date: "date".into(),
            title: "title".into(),
            url: "url".into(),
            author: "author".into(),
        }
    }
}

/// Input layout. `Auto` guesses from the path so the common case needs no flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A folder, else by extension: `.jsonl`/`.ndjson`, `.csv`, or a `.txt`/`.md` article file.
    #[default]
    Auto,
    /// A folder of `.txt`/`.md` articles (optional front matter), or one such file.
    Folder,
    /// One JSON object per line.
    Jsonl,
    /// A CSV file with a header row.
    Csv,
}
