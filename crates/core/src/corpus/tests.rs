//! End-to-end tests of `read_corpus` on small folders and files written to a temp dir.

use std::fs;
use std::path::{Path, PathBuf};

use super::*;

fn write(root: &Path, rel: &str, bytes: &[u8]) -> PathBuf {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, bytes).unwrap();
    path
}

fn read(path: &Path) -> Corpus {
    read_corpus(path, Format::Auto, &Fields::default()).unwrap()
}

#[test]
fn folder_front_matter_outlets_and_ids() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "meridian-wire/2025-11-14-foo.md",
        b"---\ntitle: \"Scam crackdown\"\ndate: Nov. 14, 2025\nurl: https://x.example/a\nauthor: 'A. Writer'\nslug: ignored\n---\nFirst paragraph.\n",
    );
    write(root, "meridian-wire/sub/deep.txt", b"---\noutlet: Override Daily\n---\n\nBody.\n");
    write(root, "loose.txt", b"Root-level body.\n");
    write(root, "notes.json", b"{}");
    write(root, ".hidden/secret.txt", b"Hidden.\n");
    let c = read(root);
    assert!(c.rejects.is_empty(), "{:?}", c.rejects);
    let ids: Vec<_> = c.documents.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["loose", "meridian-wire/2025-11-14-foo", "meridian-wire/sub/deep"]);

    let loose = &c.documents[0];
    assert_eq!(loose.outlet, "unknown");
    assert_eq!(loose.title, None);
    assert_eq!(loose.source.line, Some(1));

    let foo = &c.documents[1];
    assert_eq!(foo.outlet, "meridian-wire");
    assert_eq!(foo.title.as_deref(), Some("Scam crackdown"));
    assert_eq!(foo.published.as_deref(), Some("2025-11-14"));
    assert_eq!(foo.url.as_deref(), Some("https://x.example/a"));
    assert_eq!(foo.author.as_deref(), Some("A. Writer"));
    assert_eq!(foo.text, "First paragraph.\n");
    assert_eq!(foo.source.line, Some(8));

    let deep = &c.documents[2];
    assert_eq!(deep.outlet, "Override Daily");
    assert_eq!(deep.text, "\nBody.\n");
    assert_eq!(deep.source.line, Some(4));
}

#[test]
fn unparseable_front_matter_date_kept_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "o/a.md", b"---\ndate: sometime in 2025 \n---\nText.\n");
    let c = read(dir.path());
    assert_eq!(c.documents[0].published.as_deref(), Some("sometime in 2025"));
}

#[test]
fn bom_and_crlf_kept_out_of_metadata_but_text_verbatim() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "o/a.md", b"\xef\xbb\xbf---\r\noutlet: Wire\r\n---\r\nLine one.\r\n\r\nLine two.\r\n");
    write(dir.path(), "o/b.txt", b"\xef\xbb\xbfNo front matter.\r\n");
    let c = read(dir.path());
    assert!(c.rejects.is_empty(), "{:?}", c.rejects);
    assert_eq!(c.documents[0].outlet, "Wire");
    assert_eq!(c.documents[0].text, "Line one.\r\n\r\nLine two.\r\n");
    assert_eq!(c.documents[0].source.line, Some(4));
    assert_eq!(c.documents[1].text, "No front matter.\r\n");
}

#[test]
fn invalid_utf8_file_rejected_with_byte_offset() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "o/bad.txt", b"Caf\xe9 au lait\n");
    write(dir.path(), "o/good.txt", b"Fine.\n");
    let c = read(dir.path());
    assert_eq!(c.documents.len(), 1);
    assert_eq!(c.rejects.len(), 1);
    let r = &c.rejects[0];
    assert_eq!(r.file, bad);
    assert_eq!(r.doc_id.as_deref(), Some("o/bad"));
    assert!(r.reason.contains("byte offset 3"), "{}", r.reason);
}

#[test]
fn empty_and_whitespace_files_rejected() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "o/empty.txt", b"");
    write(dir.path(), "o/space.txt", b" \r\n\t\n\xc2\xa0\n");
    write(dir.path(), "o/fm-only.md", b"---\ntitle: T\n---\n\n");
    write(dir.path(), "o/ok.txt", b"Fine.\n");
    let c = read(dir.path());
    assert_eq!(c.documents.len(), 1);
    assert_eq!(c.rejects.len(), 3);
    assert!(c.rejects.iter().all(|r| r.reason == "empty document"));
}

#[test]
fn duplicate_ids_keep_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let md = write(dir.path(), "o/a.md", b"From markdown.\n");
    write(dir.path(), "o/a.txt", b"From text.\n");
    let c = read(dir.path());
    assert_eq!(c.documents.len(), 1);
    assert_eq!(c.documents[0].text, "From markdown.\n");
    let r = &c.rejects[0];
    assert_eq!(r.reason, format!("duplicate document id (first seen in {} line 1)", md.display()));

    let jsonl = write(dir.path(), "feed.jsonl", b"{\"id\":\"x\",\"text\":\"one\"}\n{\"id\":\"x\",\"text\":\"two\"}\n");
    let c = read(&jsonl);
    assert_eq!(c.documents.len(), 1);
    assert_eq!(c.rejects[0].line, Some(2));
    assert_eq!(c.rejects[0].doc_id.as_deref(), Some("x"));
    assert!(c.rejects[0].reason.ends_with("feed.jsonl line 1)"), "{}", c.rejects[0].reason);
}

#[test]
fn single_article_file_is_a_folder_of_one() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "o/piece.md", b"---\noutlet: Wire\n---\nText.\n");
    let c = read(&f);
    assert_eq!(c.documents.len(), 1);
    assert_eq!(c.documents[0].id, "piece");
    assert_eq!(c.documents[0].outlet, "Wire");
}

#[test]
fn fatal_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    assert!(matches!(read_corpus(&missing, Format::Auto, &Fields::default()), Err(CorpusError::NotFound(_))));
    let other = write(dir.path(), "data.parquet", b"PAR1");
    assert!(matches!(read_corpus(&other, Format::Auto, &Fields::default()), Err(CorpusError::UnknownFormat(_))));
    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    write(&empty, "readme.json", b"{}");
    assert!(matches!(read_corpus(&empty, Format::Auto, &Fields::default()), Err(CorpusError::NoDocuments(_))));
    assert!(matches!(read_corpus(dir.path(), Format::Jsonl, &Fields::default()), Err(CorpusError::NotAFile { .. })));
}

#[test]
fn auto_detects_formats() {
    let dir = tempfile::tempdir().unwrap();
    let j = write(dir.path(), "a.NDJSON", b"{\"text\":\"x\"}\n");
    let c = write(dir.path(), "b.csv", b"text\ny\n");
    assert_eq!(read(&j).documents[0].id, "a:1");
    assert_eq!(read(&c).documents[0].id, "b:2");
}

#[test]
fn custom_field_names() {
    let dir = tempfile::tempdir().unwrap();
    let c = write(dir.path(), "t.csv", b"doc,source,published,body\nk1,Wire,2025-11-14T08:00:00Z,Hello\n");
    let fields = Fields {
        id: "doc".into(),
        outlet: "source".into(),
        date: "published".into(),
        text: "body".into(),
        ..Fields::default()
    };
    let corpus = read_corpus(&c, Format::Csv, &fields).unwrap();
    let d = &corpus.documents[0];
    assert_eq!((d.id.as_str(), d.outlet.as_str()), ("k1", "Wire"));
    assert_eq!(d.published.as_deref(), Some("2025-11-14"));
}

/// The seed article ingests as a one-file folder with no outlet folder.
#[test]
fn seed_folder() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/seeds"));
    let c = read(dir);
    assert!(c.rejects.is_empty(), "{:?}", c.rejects);
    assert!(!c.documents.is_empty());
    assert_eq!(c.documents[0].outlet, UNKNOWN_OUTLET);
    assert_eq!(c.documents[0].source.line, Some(1));
}

/// The sample corpus (tracked in the repository, so never skipped): every file must ingest cleanly, take its
/// outlet from its folder or front matter, and segment into at least one body paragraph whose
/// offsets point back into the text.
#[test]
fn sample_corpus_reads_and_segments() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpora/sample"));
    assert!(dir.is_dir(), "the sample corpus is missing at {}", dir.display());
    let c = read(dir);
    assert!(!c.documents.is_empty());
    assert!(c.rejects.is_empty(), "{:?}", c.rejects);
    for d in &c.documents {
        assert_ne!(d.outlet, UNKNOWN_OUTLET, "{}", d.id);
        let paras = crate::segment::segment(&d.text);
        assert!(paras.iter().any(|p| p.kind == crate::segment::Kind::Body), "{} has no body paragraph", d.id);
        for p in paras {
            let raw: String = d.text.chars().skip(p.char_start).take(p.char_end - p.char_start).collect();
            let folded: Vec<&str> = raw.lines().map(str::trim).collect();
            assert_eq!(folded.join(" "), p.text, "{} para {}", d.id, p.para_index);
        }
    }
}

#[test]
fn a_sink_that_breaks_stops_the_reading_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for n in 0..5 {
        write(root, &format!("folder/o/{n}.txt"), format!("Body {n}.\n").as_bytes());
    }
    let jsonl: String = (0..5).map(|n| format!("{{\"id\": \"{n}\", \"text\": \"Body {n}.\"}}\n")).collect();
    write(root, "c.jsonl", jsonl.as_bytes());
    let csv: String = "id,text\n".to_string() + &(0..5).map(|n| format!("{n},Body {n}.\n")).collect::<String>();
    write(root, "c.csv", csv.as_bytes());
    for path in [root.join("folder"), root.join("c.jsonl"), root.join("c.csv")] {
        let mut seen = 0;
        stream_corpus(&path, Format::Auto, &Fields::default(), &mut |_| {
            seen += 1;
            if seen == 2 {
                std::ops::ControlFlow::Break(())
            } else {
                std::ops::ControlFlow::Continue(())
            }
        })
        .unwrap();
        assert_eq!(seen, 2, "{}", path.display());
    }
}

#[test]
fn documents_are_counted_with_the_readers_walk() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "o/a.txt", b"A.\n");
    write(root, "o/b.md", b"B.\n");
    write(root, "o/.hidden.txt", b"Hidden.\n");
    write(root, ".git/x.txt", b"Hidden folder.\n");
    write(root, "o/notes.json", b"{}");
    assert_eq!(count_documents(root, Format::Auto), Some(read(root).documents.len()));
    assert_eq!(count_documents(root, Format::Auto), Some(2));
    write(root, "c.jsonl", b"{\"id\":\"1\",\"text\":\"x\"}\n\n{\"id\":\"2\",\"text\":\"y\"}\n");
    assert_eq!(count_documents(&root.join("c.jsonl"), Format::Auto), Some(2));
    assert_eq!(count_documents(&root.join("missing"), Format::Auto), None);
}
