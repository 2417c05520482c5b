//! Deciding each block's kind from its text *and its position*: a bio or a short line is only
//! furniture near the end, and a heading needs content under it.

use super::boilerplate::{is_author_header, is_boilerplate_text, is_zone_start, looks_like_bio};
use super::cjk;
use super::heading::{ends_with_terminal, heading_like};
use crate::segment::Kind;

/// Blocks up to this size may sit in the trailing zone (newsletter blurbs, "more from us" lines).
const SHORT_WORDS: usize = 40;
const SHORT_CHARS: usize = 300;

/// A trailing zone may not swallow more prose-like blocks than this; more means the marker was
/// a mid-article credit followed by real (if short) paragraphs.
const MAX_SWALLOWED: usize = 3;

/// What classification needs to know about one block.
pub(super) struct BlockInfo {
    /// Lines joined by single spaces.
    pub(super) text: String,
    pub(super) one_line: bool,
}

/// The kind of every block, in order.
pub(super) fn classify(blocks: &[BlockInfo]) -> Vec<Kind> {
    let n = blocks.len();
    // Han text has no spaces: counted in words of about two characters, a Chinese paragraph is as long
    // here as its English translation, so it is not mistaken for a short trailing line.
    let words: Vec<usize> = blocks.iter().map(|b| cjk::word_count(&b.text)).collect();
    let pattern: Vec<bool> = blocks.iter().map(|b| is_boilerplate_text(&b.text)).collect();
    let after_author: Vec<bool> = (0..n).map(|i| i > 0 && is_author_header(&blocks[i - 1].text)).collect();
    let bio_like: Vec<bool> = blocks.iter().map(|b| looks_like_bio(&b.text)).collect();
    let short: Vec<bool> =
        (0..n).map(|i| words[i] <= SHORT_WORDS && blocks[i].text.chars().count() <= SHORT_CHARS).collect();

    // tail_ok[i]: blocks i.. are all things that can trail an article (furniture, short lines,
    // bios), i.e. no real paragraph follows.
    let mut tail_ok = vec![true; n + 1];
    for i in (0..n).rev() {
        let trailing = pattern[i] || short[i] || bio_like[i] || after_author[i];
        tail_ok[i] = tail_ok[i + 1] && trailing;
    }
    let prose_like = |j: usize| {
        !pattern[j] && !bio_like[j] && !after_author[j] && words[j] >= 8 && ends_with_terminal(&blocks[j].text)
    };
    let zone_start = (0..n)
        .find(|&i| {
            is_zone_start(&blocks[i].text)
                && tail_ok[i + 1]
                && (i + 1..n).filter(|&j| prose_like(j)).count() <= MAX_SWALLOWED
        })
        .unwrap_or(n);

    let boiler: Vec<bool> =
        (0..n).map(|i| pattern[i] || after_author[i] || (bio_like[i] && tail_ok[i + 1]) || i >= zone_start).collect();

    let last_content = boiler.iter().rposition(|&b| !b);
    (0..n)
        .map(|i| {
            if boiler[i] {
                return Kind::Boilerplate;
            }
            if !(blocks[i].one_line && heading_like(&blocks[i].text)) {
                return Kind::Body;
            }
            if last_content.is_some_and(|last| last > i) {
                Kind::Heading
            } else if i + 1 == n {
                // A short closing line ("Thank you") is content, not a title.
                Kind::Body
            } else {
                // A title with only furniture under it ("More on this topic") is furniture.
                Kind::Boilerplate
            }
        })
        .collect()
}
