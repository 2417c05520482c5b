//! A corpus fingerprint for the run manifest, so that `framelens merge` can refuse shards of two different
//! corpora (or of one corpus that changed between shard runs).
//!
//! It must be the same for every shard of one corpus, on every machine, and cost little next to a run:
//! - a folder: sha256 over the sorted list of its article files (the files the folder reader reads) as
//!   relative path (`/`-separated) and size. No file is read, so an edit that keeps a file's size is not seen;
//!   renamed, added, removed, grown or shrunk articles are.
//! - a JSONL or CSV file, or a single article file: sha256 over the file name, its size and its bytes,
//!   streamed (about the cost of reading the file once more; the run reads it at least twice anyway).
//!
//! The absolute path is left out on purpose: shards on different machines mount the corpus at different places.

use std::fs;
use std::io;
use std::path::{Component, Path};

use sha2::{Digest, Sha256};

use crate::corpus::collect::Collector;
use crate::corpus::{folder, resolve, CorpusError, Format};

/// The fingerprint of the corpus at `path` read as `format`: `folder-v1:<sha256>` or `file-v1:<sha256>`.
///
/// The prefix names the scheme, so that a later change of scheme reads as a different fingerprint rather
/// than as a different corpus with the same kind of hash.
pub fn fingerprint(path: &Path, format: Format) -> Result<String, CorpusError> {
    let unreadable = |source: io::Error| CorpusError::Unreadable { path: path.to_path_buf(), source };
    let (_, is_dir) = resolve(path, format)?;
    let mut h = Sha256::new();
    if is_dir {
        let entries = fs::read_dir(path).map_err(unreadable)?;
        let mut files = Vec::new();
        // Listing problems are the run's rejects; here they only leave a file out, as the run does.
        folder::walk(path, entries, &mut files, &mut Default::default(), &mut Collector::default());
        let mut listed: Vec<(String, u64)> = Vec::with_capacity(files.len());
        for f in &files {
            let size = fs::metadata(f).map_err(|source| CorpusError::Unreadable { path: f.clone(), source })?.len();
            listed.push((relative_name(f.strip_prefix(path).unwrap_or(f)), size));
        }
        // The walk sorts per folder by OS path; sorting the joined names makes the order independent of it.
        listed.sort();
        for (name, size) in &listed {
            h.update(name.as_bytes());
            h.update(format!("\0{size}\n").as_bytes());
        }
        return Ok(format!("folder-v1:{}", hex::encode(h.finalize())));
    }
    let mut f = fs::File::open(path).map_err(unreadable)?;
    let size = f.metadata().map_err(unreadable)?.len();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    h.update(name.as_bytes());
    h.update(format!("\0{size}\n").as_bytes());
    io::copy(&mut f, &mut h).map_err(unreadable)?;
    Ok(format!("file-v1:{}", hex::encode(h.finalize())))
}

/// `a/b/c.md` on every platform.
fn relative_name(rel: &Path) -> String {
    rel.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(p: &Path, text: &str) {
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    #[test]
    fn folder_fingerprint_follows_the_article_listing_not_the_location() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a");
        let b = tmp.path().join("elsewhere/b");
        for root in [&a, &b] {
            write(&root.join("bbc/one.md"), "One.\n");
            write(&root.join("cnn/two.txt"), "Two two.\n");
            write(&root.join("notes.json"), "{}"); // not an article: ignored
            write(&root.join(".hidden/x.md"), "hidden"); // hidden: ignored
        }
        let fa = fingerprint(&a, Format::Auto).unwrap();
        assert!(fa.starts_with("folder-v1:") && fa.len() == "folder-v1:".len() + 64, "{fa}");
        assert_eq!(fa, fingerprint(&b, Format::Folder).unwrap(), "same articles elsewhere");

        write(&b.join("notes.json"), "{\"changed\": true}");
        assert_eq!(fa, fingerprint(&b, Format::Auto).unwrap(), "non-article files do not count");
        write(&b.join("cnn/two.txt"), "Two two two.\n");
        let grown = fingerprint(&b, Format::Auto).unwrap();
        assert_ne!(fa, grown, "a file of another size is another corpus");
        write(&b.join("cnn/three.md"), "Three.\n");
        assert_ne!(grown, fingerprint(&b, Format::Auto).unwrap(), "an added article is another corpus");
        fs::rename(a.join("bbc/one.md"), a.join("bbc/uno.md")).unwrap();
        assert_ne!(fa, fingerprint(&a, Format::Auto).unwrap(), "a renamed article is another corpus");
    }

    #[test]
    fn file_fingerprint_covers_name_and_bytes() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("x/corpus.jsonl");
        let q = tmp.path().join("y/corpus.jsonl");
        write(&p, "{\"text\": \"a\"}\n");
        write(&q, "{\"text\": \"a\"}\n");
        let fp = fingerprint(&p, Format::Auto).unwrap();
        assert!(fp.starts_with("file-v1:"), "{fp}");
        assert_eq!(fp, fingerprint(&q, Format::Jsonl).unwrap());
        write(&q, "{\"text\": \"b\"}\n"); // same size, other bytes
        assert_ne!(fp, fingerprint(&q, Format::Auto).unwrap());
        let r = tmp.path().join("x/other.jsonl");
        write(&r, "{\"text\": \"a\"}\n");
        assert_ne!(fp, fingerprint(&r, Format::Auto).unwrap(), "the file name is part of it");
        assert!(matches!(fingerprint(&tmp.path().join("none.csv"), Format::Auto), Err(CorpusError::NotFound(_))));
    }
}
