//! A JSON Lines export, read with the default field names and with nested/renamed ones
//! (`body`, `meta.id`, `meta.date`, ...), so both the plain and the dotted-path lookups run.
//!
//! Asserts: no panic, no fatal error for a readable file except a text field missing from all of the
//! first records (`CorpusError::MissingField`, naming that field); every non-blank line (after
//! UTF-8 decoding, BOM and line end removed) gives exactly one outcome, a document or a reject
//! with a reason, carrying that line's 1-based number, in file order; a file without such lines
//! gives exactly one reject (no line); invalid UTF-8 lines are rejected naming the file offset of
//! the first bad byte; ids are unique and kept texts non-blank.

#![no_main]

mod common;

use framelens::corpus::{CorpusError, Fields, Format, Item};
use libfuzzer_sys::fuzz_target;

/// What each line of the file should yield: its 1-based number, and for invalid UTF-8 the file
/// offset of the first bad byte. Mirrors `read_until(b'\n')` + `strip_line_end` + `decode_utf8`.
fn expected_lines(data: &[u8]) -> Vec<(u64, Option<u64>)> {
    let mut out = Vec::new();
    let mut offset = 0u64;
    let mut rest = data;
    let mut line_no = 0u64;
    while !rest.is_empty() {
        let n = rest.iter().position(|&b| b == b'\n').map_or(rest.len(), |i| i + 1);
        let (raw, tail) = rest.split_at(n);
        rest = tail;
        line_no += 1;
        let line = raw.strip_suffix(b"\n").unwrap_or(raw);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match std::str::from_utf8(line) {
            Err(e) => out.push((line_no, Some(offset + e.valid_up_to() as u64))),
            Ok(s) => {
                let s = s.strip_prefix('\u{feff}').unwrap_or(s);
                if !s.trim().is_empty() {
                    out.push((line_no, None));
                }
            }
        }
        offset += n as u64;
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let path = common::write_input("feed.jsonl", data);
    let expected = expected_lines(data);
    let nested = Fields {
        id: "meta.id".into(),
        text: "body".into(),
        date: "meta.date".into(),
        author: "meta.authors".into(),
        ..Fields::default()
    };
    for fields in [Fields::default(), nested] {
        let (corpus, items) = match common::read_both(&path, Format::Jsonl, &fields) {
            Ok(x) => x,
            Err(CorpusError::MissingField { field, .. }) => {
                assert_eq!(field, fields.text, "only a missing text field is fatal");
                continue;
            }
            Err(e) => panic!("a readable file fails only without its text field: {e}"),
        };
        common::check_common(&corpus, &path);
        if expected.is_empty() {
            assert_eq!(items.len(), 1, "a file without records is one reject: {items:?}");
            assert!(matches!(&items[0], Item::Reject(r) if r.line.is_none()), "{items:?}");
            continue;
        }
        let lines: Vec<Option<u64>> = items.iter().map(common::item_line).collect();
        let want: Vec<Option<u64>> = expected.iter().map(|&(l, _)| Some(l)).collect();
        assert_eq!(lines, want, "one outcome per non-blank line, in order");
        for (item, &(_, bad_at)) in items.iter().zip(&expected) {
            if let Some(at) = bad_at {
                let Item::Reject(r) = item else { panic!("invalid UTF-8 line accepted: {item:?}") };
                let needle = format!("byte offset {at} ");
                assert!(r.reason.contains(&needle), "should name {needle:?}: {}", r.reason);
            }
        }
    }
});
