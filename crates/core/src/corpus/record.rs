//! Turning one tabular record (a JSONL object or a CSV row) into a [`Document`], shared by both
//! readers so their rules for ids, outlets and dates are the same.

use std::path::Path;

use crate::corpus::date::normalize_date;
use crate::corpus::folder::UNKNOWN_OUTLET;
use crate::corpus::{Document, Source};

/// The mapped fields of one record, already decoded to text; `None` = absent or null.
#[derive(Debug, Default)]
pub(crate) struct RawRecord {
    pub(crate) id: Option<String>,
    pub(crate) text: Option<String>,
    pub(crate) outlet: Option<String>,
    pub(crate) date: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) author: Option<String>,
}

/// Builds the document for a record found at `line` of `file`. A record without a text field is
/// rejected here with the field name, so the user sees which mapping is wrong; an empty text is
/// left for the collector to reject like an empty file.
pub(crate) fn build(
    raw: RawRecord,
    file: &Path,
    line: u64,
    text_field: &str,
) -> Result<Document, (Option<String>, String)> {
    let id = non_empty(raw.id).unwrap_or_else(|| fallback_id(file, line));
    let Some(text) = raw.text else {
        return Err((Some(id), format!("missing text field \"{text_field}\"")));
    };
    Ok(Document {
        id,
        outlet: non_empty(raw.outlet).unwrap_or_else(|| UNKNOWN_OUTLET.to_string()),
        published: raw.date.as_deref().and_then(normalize_date),
        title: non_empty(raw.title),
        url: non_empty(raw.url),
        author: non_empty(raw.author),
        text,
        source: Source { file: file.to_path_buf(), line: Some(line) },
    })
}

/// `<file stem>:<line>`: unique within a corpus of distinct files and stable across runs, unlike a
/// running counter that would change when a record is added above.
pub(crate) fn fallback_id(file: &Path, line: u64) -> String {
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    format!("{stem}:{line}")
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_for_missing_fields() {
        let raw = RawRecord {
            text: Some("Body".into()),
            date: Some("Nov 14, 2025".into()),
            title: Some("  ".into()),
            ..RawRecord::default()
        };
        let doc = build(raw, Path::new("dir/feed.jsonl"), 7, "text").unwrap();
        assert_eq!(doc.id, "feed:7");
        assert_eq!(doc.outlet, "unknown");
        assert_eq!(doc.published.as_deref(), Some("2025-11-14"));
        assert_eq!(doc.title, None);
        assert_eq!(doc.source.line, Some(7));
    }

    #[test]
    fn missing_text_names_the_field() {
        let raw = RawRecord { id: Some("a".into()), ..RawRecord::default() };
        let (id, reason) = build(raw, Path::new("f.csv"), 2, "body").unwrap_err();
        assert_eq!(id.as_deref(), Some("a"));
        assert!(reason.contains("\"body\""), "{reason}");
    }
}
