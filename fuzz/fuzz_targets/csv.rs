//! A CSV table with a header row (ragged rows, quotes, BOM, CRLF, invalid UTF-8 all allowed).
//!
//! Asserts: no panic; the only fatal error is a header without the text column; otherwise at
//! least one outcome (an empty or header-only file is one reject), rejects with reasons, lines
//! in file order (never decreasing, never past the last line), ids unique, kept texts non-blank;
//! in a file without any `"` (no quoting, so every field is a verbatim slice of the file), a kept
//! text occurs verbatim at or after the start of the line the document names.
//!
//! (With quotes no such check is sound: the csv crate is lenient and `"ab"cd` reads as `abcd`.)

#![no_main]

mod common;

use framelens::corpus::{CorpusError, Fields, Format, Item};
use libfuzzer_sys::fuzz_target;

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

fuzz_target!(|data: &[u8]| {
    let path = common::write_input("table.csv", data);
    let fields = Fields::default();
    let (corpus, items) = match common::read_both(&path, Format::Csv, &fields) {
        Ok(x) => x,
        Err(CorpusError::MissingField { field, .. }) => {
            assert_eq!(field, fields.text);
            return;
        }
        Err(e) => panic!("unexpected fatal error: {e}"),
    };
    common::check_common(&corpus, &path);
    assert!(!items.is_empty(), "no outcome at all for {data:?}");

    // Byte offset where each 1-based line starts.
    let mut line_starts = vec![0usize];
    line_starts.extend(data.iter().enumerate().filter(|&(_, &b)| b == b'\n').map(|(i, _)| i + 1));
    let last_line = line_starts.len() as u64;

    let unquoted = !data.contains(&b'"');
    let mut prev = 0u64;
    for item in &items {
        let Some(line) = common::item_line(item) else {
            // Only the whole-file rejects have no line, and they say the file is empty.
            let Item::Reject(r) = item else { panic!("document without a line: {item:?}") };
            assert!(r.reason.starts_with("empty file"), "reject without a line: {r:?}");
            continue;
        };
        assert!(line >= prev, "lines out of order: {line} after {prev}");
        assert!(line <= last_line, "line {line} past the end ({last_line} lines)");
        prev = line;
        if let Item::Document(d) = item {
            if unquoted {
                let from = line_starts[(line - 1) as usize];
                assert!(find(&data[from..], d.text.as_bytes()), "text {:?} not found from line {line} on", d.text);
            }
        }
    }
});
