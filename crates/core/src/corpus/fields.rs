//! What the user tells ingest about the input: its format and its column names.

use serde::{Deserialize, Serialize};

/// Names of the fields (JSONL keys, CSV columns, extra front-matter keys) that carry each part of a
/// document, because every archive export names them differently.
///
/// A name containing `.` also matches a nested JSON object path (`meta.date`) when no top-level key
/// has that exact name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fields {
    pub id: String,
    pub text: String,
    pub outlet: String,
    pub date: String,
    pub title: String,
    pub url: String,
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
    #[default]
    Auto,
    Folder,
    Jsonl,
    Csv,
}
