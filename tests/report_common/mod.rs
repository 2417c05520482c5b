//! Shared test helpers: a private copy of the sample run, CSV reading, and attribute extraction from
//! the generated HTML.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The sample run: `framelens run corpora/sample --precision fp32 --no-cache` as tests/sample_outputs.rs
/// writes it (`FRAMELENS_UPDATE_FIXTURES=1 cargo test --test sample_outputs` regenerates it).
pub fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sample-run")
}

pub const COMPARE_FILES: [&str; 4] = ["comparison.csv", "distances.csv", "differences.csv", "independence.csv"];

/// A temporary copy of the sample run (outputs are written into the run folder).
pub fn sample_copy(with_comparison: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(sample_dir()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().to_string();
        if !name.ends_with(".csv") && !name.ends_with(".json") {
            continue;
        }
        if !with_comparison && COMPARE_FILES.contains(&name.as_str()) {
            continue;
        }
        std::fs::copy(entry.path(), dir.path().join(&name)).unwrap();
    }
    dir
}

pub struct Csv {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Csv {
    pub fn read(path: &Path) -> Csv {
        let mut r = csv::Reader::from_path(path).unwrap();
        let headers = r.headers().unwrap().iter().map(str::to_string).collect();
        let rows = r.records().map(|x| x.unwrap().iter().map(str::to_string).collect()).collect();
        Csv { headers, rows }
    }

    pub fn col(&self, name: &str) -> usize {
        self.headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
    }
}

/// Every start tag in `html` that has attribute `marker`, as a name → (unescaped) value map.
/// The report writes attributes as `name="value"` with `&quot;`-style escaping, which is all this
/// parser handles.
pub fn tags_with(html: &str, marker: &str) -> Vec<HashMap<String, String>> {
    let mut out = Vec::new();
    let needle = format!(" {marker}=\"");
    let mut pos = 0;
    while let Some(i) = html[pos..].find(&needle) {
        let at = pos + i;
        let start = html[..at].rfind('<').unwrap();
        let end = start + html[start..].find('>').unwrap();
        out.push(attrs(&html[start..end]));
        pos = end;
    }
    out
}

fn attrs(tag: &str) -> HashMap<String, String> {
    let mut map = HashMap::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq].rsplit(' ').next().unwrap().to_string();
        let after = &rest[eq + 2..];
        let close = after.find('"').unwrap();
        map.insert(name, unescape(&after[..close]));
        rest = &after[close + 1..];
    }
    map
}

pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}
