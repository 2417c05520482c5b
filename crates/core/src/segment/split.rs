//! Splitting a blank-line block further where sources omit the blank line: a heading glued to its
//! paragraph, credit or form lines stacked one per line, and paragraphs pasted one per line.

use std::ops::Range;

use super::boilerplate::{is_boilerplate_text, is_duration};
use super::heading::{ends_with_terminal, heading_like, starts_like_sentence, title_case};
use super::lines::Line;

/// A line of a stacked form/credit block is short; longer lines are prose.
const SHORT_LINE_WORDS: usize = 20;

/// A line this long cannot come from hard wrapping, so it is a whole paragraph.
const PARAGRAPH_LINE_CHARS: usize = 200;

/// Ranges of `lines` that form separate blocks (in order, covering all lines).
pub(super) fn split_block(lines: &[Line<'_>]) -> Vec<Range<usize>> {
    let n = lines.len();
    if n <= 1 {
        let whole: Range<usize> = 0..n;
        return vec![whole];
    }
    let texts: Vec<&str> = lines.iter().map(|l| l.text).collect();
    // A furniture line only splits off when it stands alone (ends like a sentence or a title);
    // otherwise a wrapped prose line that happens to mention a newsletter would cut a paragraph.
    let bp: Vec<bool> = texts.iter().map(|t| is_boilerplate_text(t) && standalone(t)).collect();
    let all_short = texts.iter().all(|t| t.split_whitespace().count() <= SHORT_LINE_WORDS);
    // A stack of short self-contained lines with furniture among them (a form, a credits list):
    // one row each.
    let stacked = all_short && bp.iter().any(|&b| b) && texts.iter().all(|t| standalone(t));

    let mut breaks = vec![false; n];
    for i in 1..n {
        let prev = texts[i - 1];
        let after_bp = bp[i - 1] && starts_like_sentence(texts[i]);
        let before_bp = bp[i] && (ends_with_terminal(prev) || bp[i - 1]);
        breaks[i] = stacked || after_bp || before_bp || glued_heading(&texts, i - 1);
    }
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, &b) in breaks.iter().enumerate().skip(1) {
        if b {
            parts.push(start..i);
            start = i;
        }
    }
    parts.push(start..n);
    parts.into_iter().flat_map(|r| one_paragraph_per_line(&texts, r)).collect()
}

/// A line that could be a unit of its own: a finished sentence, a title-like line, or a video
/// player's clip length (`02:31`), which ends a player's stack of one-word lines.
fn standalone(t: &str) -> bool {
    ends_with_terminal(t) || heading_like(t) || is_duration(t)
}

/// Line `i` is a heading sitting directly on top of the next line: heading-shaped, opening a
/// sentence-like next line, preceded by a finished sentence (or nothing), and clearly a title
/// (Title Case or much shorter than the next line) so a hard-wrapped line is not mistaken for one.
fn glued_heading(texts: &[&str], i: usize) -> bool {
    let line = texts[i];
    let Some(next) = texts.get(i + 1) else {
        return false;
    };
    if !heading_like(line) || !starts_like_sentence(next) {
        return false;
    }
    if i > 0 && !ends_with_terminal(texts[i - 1]) {
        return false;
    }
    let len = line.chars().count();
    let next_len = next.chars().count();
    title_case(line) || len * 4 <= next_len * 3
}

/// Text pasted with one newline per paragraph: when every line ends a sentence and at least one
/// is longer than any wrap width, each line is its own paragraph; otherwise the block is one
/// hard-wrapped paragraph.
fn one_paragraph_per_line(texts: &[&str], r: Range<usize>) -> Vec<Range<usize>> {
    let lines = &texts[r.clone()];
    let per_line = lines.len() > 1
        && lines.iter().all(|t| ends_with_terminal(t))
        && lines.iter().any(|t| t.chars().count() >= PARAGRAPH_LINE_CHARS);
    if per_line {
        r.map(|i| i..i + 1).collect()
    } else {
        vec![r]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::lines::blocks;

    fn split(text: &str) -> Vec<Vec<String>> {
        let b = &blocks(text)[0];
        split_block(b).into_iter().map(|r| b[r].iter().map(|l| l.text.to_string()).collect()).collect()
    }

    #[test]
    fn hard_wrapped_paragraph_stays_whole() {
        let text = "The ministry announced the repatriation of suspects on\n\
                    Friday. Thailand and Myanmar have agreed to\n\
                    Beijing's terms, officials said.";
        assert_eq!(split(text).len(), 1);
    }

    #[test]
    fn wrapped_line_mentioning_a_newsletter_stays() {
        let text = "Officials said the ministry\nnewsletter had announced the raids\nlast week.";
        assert_eq!(split(text).len(), 1);
    }

    #[test]
    fn glued_heading_splits_off() {
        let text = "The Need for a Multilateral Approach\n\
                    Despite widespread publicity, the approach remains limited.";
        assert_eq!(split(text).len(), 2);
    }

    #[test]
    fn form_lines_one_per_row() {
        let text = "Please enter your name.\nLooks good.\nPlease enter a valid email address.";
        assert_eq!(split(text).len(), 3);
    }

    #[test]
    fn credit_under_paragraph_splits_off() {
        let text = "Soldiers patrol the border near Myawaddy.\nPhoto: Reuters";
        assert_eq!(split(text).len(), 2);
    }

    #[test]
    fn video_player_lines_one_per_row() {
        let text = "JUST WATCHED\nHarbour cranes stand idle\nReplay\nMore Videos ...\nMUST WATCH\n\
                    Harbour cranes stand idle\n02:31";
        assert_eq!(split(text).len(), 7);
    }

    #[test]
    fn caption_under_paragraph_splits_off() {
        let text = "Fishing boats returned to the harbour before the storm.\nHide Caption 3 of 14";
        assert_eq!(
            split(text),
            [vec!["Fishing boats returned to the harbour before the storm."], vec!["Hide Caption 3 of 14"]]
        );
    }

    #[test]
    fn one_paragraph_per_line_when_long() {
        let long = "word ".repeat(50);
        let text = format!("{long}end.\nShort one.\n{long}end.");
        assert_eq!(split(&text).len(), 3);
        let wrapped = "Short line one.\nShort line two.";
        assert_eq!(split(wrapped).len(), 1);
    }
}
