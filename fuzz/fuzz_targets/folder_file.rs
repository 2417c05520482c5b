//! One article file (`.md`, optional `---` front matter) read as a folder of one.
//!
//! Asserts: no panic; exactly one outcome (a document or a reject with a reason); invalid UTF-8
//! is rejected naming the offset of the first bad byte; a kept document's text is the input
//! (BOM removed) from its body line on, verbatim, and its `source.line` is the line where that
//! body starts; the same file read with `Format::Auto` gives the same result.

#![no_main]

mod common;

use framelens::corpus::{Fields, Format, Item};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = common::write_input("article.md", data);
    let fields = Fields::default();
    let (corpus, items) = common::read_both(&path, Format::Folder, &fields).expect("a single file never fails");
    common::check_common(&corpus, &path);
    assert_eq!(items.len(), 1, "one file, one outcome: {items:?}");

    match (&items[0], std::str::from_utf8(data)) {
        (Item::Reject(r), Err(e)) => {
            let at = format!("byte offset {} ", e.valid_up_to());
            assert!(r.reason.contains(&at), "invalid UTF-8 reject should name {at:?}: {}", r.reason);
        }
        (Item::Document(d), Err(_)) => panic!("invalid UTF-8 accepted: {d:?}"),
        (Item::Reject(r), Ok(text)) => {
            assert_eq!(r.reason, "empty document", "valid UTF-8 rejected: {r:?}");
            assert_eq!(r.doc_id.as_deref(), Some("article"));
            let _ = text;
        }
        (Item::Document(d), Ok(text)) => {
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            assert_eq!(d.id, "article");
            assert!(text.ends_with(&d.text), "document text is not the tail of the file");
            let prefix = &text[..text.len() - d.text.len()];
            let newlines = prefix.bytes().filter(|&b| b == b'\n').count() as u64;
            assert_eq!(d.source.line, Some(newlines + 1), "body line does not match where the body starts");
            if prefix.is_empty() {
                assert_eq!(d.outlet, framelens::corpus::UNKNOWN_OUTLET, "outlet without front matter");
                assert_eq!((&d.title, &d.url, &d.author, &d.published), (&None, &None, &None, &None));
            } else {
                // Front matter was split off: it opened with a `---` line and closed with `---`/`...`.
                assert!(prefix.starts_with("---"), "front matter not opened by ---: {prefix:?}");
                let last = prefix.trim_end_matches('\n').trim_end_matches('\r').lines().last().unwrap_or("");
                assert!(matches!(last.trim_end(), "---" | "..."), "front matter not closed: {last:?}");
            }
        }
    }

    // Auto-detection picks the folder reader for `.md` and yields the very same corpus.
    let (auto, _) = common::read_both(&path, Format::Auto, &fields).expect("auto never fails on .md");
    assert_eq!(auto, corpus, "Format::Auto differs from Format::Folder");
});
