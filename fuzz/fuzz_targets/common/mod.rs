//! Helpers shared by the corpus-reader targets: the input bytes go to a file (the readers take a
//! path), the file is read both ways (`read_corpus` and `stream_corpus`), and the checks every
//! reader owes its caller are made here.

#![allow(dead_code)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use framelens::corpus::{read_corpus, stream_corpus, Corpus, CorpusError, Document, Fields, Format, Item};

/// One temporary folder per fuzzing process, removed when the process exits normally; each
/// execution overwrites the same file in it.
fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::Builder::new().prefix("framelens-fuzz").tempdir().expect("temp dir")).path()
}

/// Writes `data` to `<scratch>/<name>` and returns the path.
pub fn write_input(name: &str, data: &[u8]) -> PathBuf {
    let path = scratch().join(name);
    std::fs::write(&path, data).expect("write fuzz input");
    path
}

/// A folder `<scratch>/<name>`, created on first use, for targets that write several files.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = scratch().join(name);
    std::fs::create_dir_all(&dir).expect("create fuzz folder");
    dir
}

/// Reads `path` with `read_corpus` and with `stream_corpus`, checks that both agree (same
/// documents and rejects, in the same order within each kind), and returns the collected corpus
/// plus the streamed items (which keep documents and rejects interleaved in input order).
pub fn read_both(path: &Path, format: Format, fields: &Fields) -> Result<(Corpus, Vec<Item>), CorpusError> {
    let collected = read_corpus(path, format, fields);
    let mut items = Vec::new();
    let streamed = stream_corpus(path, format, fields, &mut |item| {
        items.push(item);
        std::ops::ControlFlow::Continue(())
    });
    match (collected, streamed) {
        (Ok(corpus), Ok(())) => {
            let docs: Vec<&Document> = items
                .iter()
                .filter_map(|i| match i {
                    Item::Document(d) => Some(d),
                    Item::Reject(_) => None,
                })
                .collect();
            let rejects: Vec<_> = items
                .iter()
                .filter_map(|i| match i {
                    Item::Reject(r) => Some(r),
                    Item::Document(_) => None,
                })
                .collect();
            assert_eq!(corpus.documents.iter().collect::<Vec<_>>(), docs, "read_corpus and stream_corpus differ");
            assert_eq!(corpus.rejects.iter().collect::<Vec<_>>(), rejects, "read_corpus and stream_corpus differ");
            Ok((corpus, items))
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "read_corpus and stream_corpus fail differently");
            Err(a)
        }
        (a, b) => panic!("read_corpus gave {:?} but stream_corpus gave {:?}", a.map(|_| ()), b),
    }
}

/// What every reader promises about its output, whatever the input:
/// - every reject has a non-empty reason and names the input file;
/// - every document has non-blank text, names the input file and a 1-based line;
/// - document ids are unique (duplicates become rejects).
pub fn check_common(corpus: &Corpus, path: &Path) {
    for r in &corpus.rejects {
        assert!(!r.reason.trim().is_empty(), "reject without a reason: {r:?}");
        assert_eq!(r.file, path, "reject names another file: {r:?}");
        assert_eq!(r.para_index, None, "ingest reject with a paragraph index: {r:?}");
        assert!(r.line.is_none_or(|l| l >= 1), "line 0 in {r:?}");
    }
    let mut ids = HashSet::new();
    for d in &corpus.documents {
        assert!(!d.text.trim().is_empty(), "blank document kept: {d:?}");
        assert!(!d.id.is_empty(), "document without an id: {d:?}");
        assert!(!d.outlet.trim().is_empty(), "document without an outlet: {d:?}");
        assert_eq!(d.source.file, path, "document names another file: {d:?}");
        assert!(d.source.line.is_some_and(|l| l >= 1), "document without a 1-based line: {d:?}");
        assert!(ids.insert(d.id.as_str()), "duplicate id kept: {}", d.id);
    }
}

/// The line of a streamed item.
pub fn item_line(item: &Item) -> Option<u64> {
    match item {
        Item::Document(d) => d.source.line,
        Item::Reject(r) => r.line,
    }
}
