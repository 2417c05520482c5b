//! Property tests of segmentation: offsets always slice the original text back exactly, and no
//! non-whitespace character of a document is lost (each lies in exactly one paragraph).

use framelens::segment::{segment, sentences, Kind};
use proptest::prelude::*;

/// Documents made of the pieces real pages have: prose sentences, short heading-like lines, page furniture,
/// blank lines, CRLF, tabs, non-Latin text and stray punctuation.
fn document() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[A-Z][a-z]{2,9}( [a-z]{1,10}){3,25}[.!?]",
        "[A-Z][a-z]{2,8}( [A-Z][a-z]{2,8}){0,5}",
        Just("Image: Some Agency".to_string()),
        Just("Subscribe to our newsletter!".to_string()),
        Just("Please enter a valid email address.".to_string()),
        Just("Looks good.".to_string()),
        Just("Author".to_string()),
        "[a-z ]{0,20}",
        "[\\u{4e00}-\\u{4e20}]{1,12}。",
        "[ \\t\\u{a0}]{0,3}",
        Just("« Quoted », said the \"official\" — 5,500 suspects…".to_string()),
        Just("At 10:30 a.m. ET. Mr. Lowe of Harbor Corp. met the U.S. envoy (No. 4) on Jan. 5…".to_string()),
        Just("JUST WATCHED A title Replay More Videos ... MUST WATCH A title 02:31".to_string()),
        "[A-Z]\\. ([A-Z]\\. )?[A-Z][a-z]{2,8} (said|left)\\.( [A-Z][a-z]{1,3}\\.)?",
    ];
    let sep = prop_oneof![Just("\n"), Just("\n\n"), Just("\r\n"), Just("\r\n\r\n"), Just(" "), Just("\n \n\n")];
    prop::collection::vec((piece, sep), 0..24).prop_map(|v| v.into_iter().map(|(p, s)| p + s).collect())
}

fn chars_between(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end.saturating_sub(start)).collect()
}

fn non_ws(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn offsets_slice_back_and_nothing_is_lost(text in document()) {
        let paras = segment(&text);
        let n_chars = text.chars().count();
        let mut covered = vec![false; n_chars];
        let mut last_end = 0;
        for p in &paras {
            prop_assert!(p.char_start < p.char_end && p.char_end <= n_chars, "bounds {:?}", (p.char_start, p.char_end));
            prop_assert!(p.char_start >= last_end, "paragraphs overlap or go backwards");
            last_end = p.char_end;
            // The slice is the paragraph's raw block: same characters apart from how lines are joined.
            let raw = chars_between(&text, p.char_start, p.char_end);
            prop_assert_eq!(non_ws(&raw), non_ws(&p.text));
            for c in covered.iter_mut().take(p.char_end).skip(p.char_start) {
                *c = true;
            }
            if p.kind == Kind::Body {
                let mut prev = 0;
                let mut kept = String::new();
                for (s, e) in sentences(&p.text) {
                    prop_assert!(s < e && e <= p.text.len());
                    prop_assert!(s >= prev, "sentences overlap or go backwards");
                    prop_assert!(p.text.is_char_boundary(s) && p.text.is_char_boundary(e));
                    kept.push_str(&p.text[s..e]);
                    prev = e;
                }
                prop_assert_eq!(non_ws(&kept), non_ws(&p.text), "sentences lose text");
            }
        }
        for (i, c) in text.chars().enumerate() {
            prop_assert!(c.is_whitespace() || covered[i], "character {} ({:?}) is in no paragraph", i, c);
        }
    }
}
