//! A folder of `.txt` / `.md` articles, one file per document, sub-folders named after outlets:
//! the layout an analyst gets by saving articles from a browser.

use std::collections::HashSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::corpus::collect::Collector;
use crate::corpus::date::normalize_date;
use crate::corpus::decode::decode_utf8;
use crate::corpus::frontmatter;
use crate::corpus::{CorpusError, Document, Fields, Source};

/// Outlet of files that sit directly in the root folder and name none in their front matter.
pub const UNKNOWN_OUTLET: &str = "unknown";

/// Reads every `.txt`/`.md` file under `root` (recursively, hidden entries skipped) in sorted path
/// order, so ids and output order are the same on every machine.
pub(crate) fn read_folder(root: &Path, fields: &Fields, out: &mut Collector) -> Result<(), CorpusError> {
    let mut files = Vec::new();
    let mut visited = HashSet::new();
    let entries = fs::read_dir(root).map_err(|source| CorpusError::Unreadable { path: root.to_path_buf(), source })?;
    walk(root, entries, &mut files, &mut visited, out);
    if files.is_empty() {
        return Err(CorpusError::NoDocuments(root.to_path_buf()));
    }
    for file in files {
        if out.stopped() {
            break;
        }
        read_file(root, &file, fields, out);
    }
    Ok(())
}

/// Reads one article file as a folder of one (its parent is the root, so the outlet comes from
/// front matter or is `unknown`).
pub(crate) fn read_single(file: &Path, fields: &Fields, out: &mut Collector) {
    let root = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    read_file(&root, file, fields, out);
}

/// Whether a path has one of the article extensions (case-insensitive).
pub(crate) fn is_article_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("txt") || e.eq_ignore_ascii_case("md"))
}

pub(crate) fn walk(
    dir: &Path,
    entries: fs::ReadDir,
    files: &mut Vec<PathBuf>,
    visited: &mut HashSet<PathBuf>,
    out: &mut Collector,
) {
    // Symlinked folders are followed, but each real folder only once (no loops).
    if let Ok(canonical) = fs::canonicalize(dir) {
        if !visited.insert(canonical) {
            return;
        }
    }
    let mut paths = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) => paths.push(e.path()),
            Err(e) => out.reject_at(dir, None, format!("cannot list folder: {e}")),
        }
    }
    paths.sort();
    for path in paths {
        let hidden = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        // `metadata` follows symlinks, so linked files and folders count like real ones.
        let Ok(meta) = fs::metadata(&path) else {
            out.reject_at(&path, None, "cannot read: broken link or no permission");
            continue;
        };
        if meta.is_dir() {
            match fs::read_dir(&path) {
                Ok(sub) => walk(&path, sub, files, visited, out),
                Err(e) => out.reject_at(&path, None, format!("cannot list folder: {e}")),
            }
        } else if meta.is_file() && is_article_file(&path) {
            files.push(path);
        }
    }
}

fn read_file(root: &Path, file: &Path, fields: &Fields, out: &mut Collector) {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let id = doc_id(rel);
    let bytes = match fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            out.reject(crate::corpus::Reject::record(file, None, Some(id), format!("cannot read: {e}")));
            return;
        }
    };
    let text = match decode_utf8(&bytes, 0) {
        Ok(t) => t,
        Err(reason) => {
            out.reject(crate::corpus::Reject::record(file, None, Some(id), reason));
            return;
        }
    };
    let split = frontmatter::split(text);
    let fm = &split.front;
    let outlet = fm.get(&["outlet", &fields.outlet]).map(str::to_string).unwrap_or_else(|| outlet_from_path(rel));
    let doc = Document {
        id,
        outlet,
        published: fm.get(&["date", "published", &fields.date]).and_then(normalize_date),
        title: fm.get(&["title", &fields.title]).map(str::to_string),
        url: fm.get(&["url", &fields.url]).map(str::to_string),
        author: fm.get(&["author", &fields.author]).map(str::to_string),
        text: split.body.to_string(),
        source: Source { file: file.to_path_buf(), line: Some(split.lines_before_body + 1) },
    };
    out.add(doc);
}

/// `outlet/sub/file.md` → `outlet/sub/file`: unique within a folder (up to `.txt`/`.md` twins,
/// which are then reported as duplicates) and stable across machines.
fn doc_id(rel: &Path) -> String {
    let stemmed = rel.with_extension("");
    let parts: Vec<String> = stemmed
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    parts.join("/")
}

/// The first folder under the root names the outlet; files in the root have none.
fn outlet_from_path(rel: &Path) -> String {
    let mut comps = rel.components().filter_map(|c| match c {
        Component::Normal(s) => Some(s),
        _ => None,
    });
    match (comps.next(), comps.next()) {
        (Some(first), Some(_)) => first.to_string_lossy().into_owned(),
        _ => UNKNOWN_OUTLET.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_outlets_from_paths() {
        let p = Path::new("meridian-wire/2025-11-14-foo.md");
        assert_eq!(doc_id(p), "meridian-wire/2025-11-14-foo");
        assert_eq!(outlet_from_path(p), "meridian-wire");
        let deep = Path::new("a/b/c.txt");
        assert_eq!(doc_id(deep), "a/b/c");
        assert_eq!(outlet_from_path(deep), "a");
        let top = Path::new("loose.txt");
        assert_eq!(doc_id(top), "loose");
        assert_eq!(outlet_from_path(top), UNKNOWN_OUTLET);
    }

    #[test]
    fn article_extensions() {
        assert!(is_article_file(Path::new("a.txt")));
        assert!(is_article_file(Path::new("a.MD")));
        assert!(!is_article_file(Path::new("a.json")));
        assert!(!is_article_file(Path::new("README")));
    }
}
