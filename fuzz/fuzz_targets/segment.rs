//! The segmenter on arbitrary UTF-8 text.
//!
//! Asserts, for `segment(text)`:
//! - `para_index` counts 0, 1, 2, ...; a heading's section is its own title;
//! - `char_start < char_end <= text.chars().count()`, paragraphs in order and non-overlapping;
//! - the raw span `text.chars().skip(start).take(end - start)` starts and ends on non-whitespace,
//!   has the same non-whitespace characters as `paragraph.text`, and its lines (split on `\n`,
//!   each trimmed) joined by single spaces are exactly `paragraph.text` (so `text` has no `\n`);
//! - every non-whitespace character of `text` lies in some paragraph's span;
//! and, for `sentences(paragraph.text)` of every paragraph (body paragraphs are the ones the
//! pipeline uses): ranges are non-empty, trimmed, on char boundaries, in order, non-overlapping,
//! and together keep every non-whitespace character of the paragraph.

#![no_main]

use framelens::segment::{segment, sentences, Kind};
use libfuzzer_sys::fuzz_target;

fn non_ws(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let chars: Vec<char> = text.chars().collect();
    let paras = segment(text);

    let mut covered = vec![false; chars.len()];
    let mut prev_end = 0usize;
    for (i, p) in paras.iter().enumerate() {
        assert_eq!(p.para_index, i, "para_index");
        assert!(p.char_start < p.char_end, "empty span in {p:?}");
        assert!(p.char_end <= chars.len(), "span past the end ({} chars): {p:?}", chars.len());
        assert!(p.char_start >= prev_end, "overlapping or out of order: {p:?} after end {prev_end}");
        prev_end = p.char_end;

        // `text.chars().skip(start).take(end - start)`, from the collected chars so that a text
        // of many paragraphs is not decoded once per paragraph.
        let raw: String = chars[p.char_start..p.char_end].iter().collect();
        assert_eq!(raw.trim(), raw, "span not trimmed: {raw:?}");
        assert_eq!(non_ws(&raw), non_ws(&p.text), "span and text differ beyond whitespace: {p:?}");
        let folded: Vec<&str> = raw.split('\n').map(str::trim).collect();
        assert_eq!(folded.join(" "), p.text, "lines of the span do not fold into the text: {p:?}");
        assert!(!p.text.contains('\n'), "line break left in text: {p:?}");
        if p.kind == Kind::Heading {
            assert!(p.section.is_some(), "heading without a section: {p:?}");
        }
        covered[p.char_start..p.char_end].iter_mut().for_each(|c| *c = true);

        let mut prev = 0usize;
        let mut kept = String::new();
        for (s, e) in sentences(&p.text) {
            assert!(s < e && e <= p.text.len(), "bad sentence range {s}..{e} in {:?}", p.text);
            assert!(s >= prev, "sentences overlap or out of order at {s}..{e}");
            assert!(p.text.is_char_boundary(s) && p.text.is_char_boundary(e), "not a char boundary: {s}..{e}");
            let sentence = &p.text[s..e];
            assert_eq!(sentence.trim(), sentence, "sentence not trimmed: {sentence:?}");
            kept.push_str(sentence);
            prev = e;
        }
        assert_eq!(non_ws(&kept), non_ws(&p.text), "sentences lose text of {:?}", p.text);
    }

    for (i, c) in chars.iter().enumerate() {
        assert!(c.is_whitespace() || covered[i], "char {i} ({c:?}) in no paragraph");
    }
});
