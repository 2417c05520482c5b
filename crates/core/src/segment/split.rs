//! Splitting a blank-line block further where sources omit the blank line: a heading glued to its
//! paragraph, credit or form lines stacked one per line, and paragraphs pasted one per line.

use std::ops::Range;

use super::boilerplate::{is_boilerplate_text, is_duration};
use super::cjk;
use super::heading::{ends_with_terminal, heading_like, starts_like_sentence, title_case};
use super::lines::Line;

/// A line of a stacked form/credit block is short; longer lines are prose.
const SHORT_LINE_WORDS: usize = 20;

/// A line this long cannot come from hard wrapping, so it is a whole paragraph.
const PARAGRAPH_LINE_CHARS: usize = 200;

/// A Chinese line with at least this many Han characters that ends a sentence reads as a paragraph
/// pasted on one line (a fragment such as `是的。` does not).
const CHINESE_PARAGRAPH_LINE_HAN: usize = 10;

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
    let all_short = texts.iter().all(|t| cjk::word_count(t) <= SHORT_LINE_WORDS);
    // A stack of short self-contained lines with furniture among them (a form, a credits list):
    // one row each.
    let stacked = all_short && bp.iter().any(|&b| b) && texts.iter().all(|t| standalone(t));

    let mut breaks = vec![false; n];
    for i in 1..n {
        let prev = texts[i - 1];
        let after_bp = bp[i - 1] && starts_like_sentence(texts[i]);
        // A Chinese furniture line also splits from a title above it (`标题` / `来源：…`): Chinese
        // sites print the source line directly under the headline.
        let before_bp =
            bp[i] && (ends_with_terminal(prev) || bp[i - 1] || cjk::is_chinese(texts[i]) && standalone(prev));
        // A Chinese heading glued to its paragraph also splits from a whole Chinese paragraph above it,
        // since single-newline layouts put every block on its own line.
        let chinese_heading_below = chinese_paragraph_line(prev) && glued_heading(&texts, i);
        breaks[i] = stacked || after_bp || before_bp || glued_heading(&texts, i - 1) || chinese_heading_below;
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
///
/// Chinese web text is usually laid out with single newlines between paragraphs, which are often
/// shorter than 200 characters. Hard-wrapped Chinese breaks lines mid-sentence at a fixed width, so
/// when *every* line is mostly Chinese, has at least [`CHINESE_PARAGRAPH_LINE_HAN`] Han characters and
/// ends a Chinese sentence (`。！？…`, or a closing quote), the lines are paragraphs too. A line
/// without Han characters never meets this, so English blocks are decided as before.
fn one_paragraph_per_line(texts: &[&str], r: Range<usize>) -> Vec<Range<usize>> {
    let lines = &texts[r.clone()];
    let per_line = lines.len() > 1
        && (lines.iter().all(|t| ends_with_terminal(t))
            && lines.iter().any(|t| t.chars().count() >= PARAGRAPH_LINE_CHARS)
            || lines.iter().all(|t| chinese_paragraph_line(t)));
    if per_line {
        r.map(|i| i..i + 1).collect()
    } else {
        vec![r]
    }
}

/// A line that is a whole Chinese paragraph on its own (see [`one_paragraph_per_line`]).
fn chinese_paragraph_line(t: &str) -> bool {
    cjk::is_chinese(t) && cjk::ends_chinese_sentence(t) && cjk::han_count(t) >= CHINESE_PARAGRAPH_LINE_HAN
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

    #[test]
    fn chinese_paragraphs_one_per_line() {
        // Lines indented with ideographic spaces, as Chinese sites print paragraphs.
        let text = "\u{3000}\u{3000}警方周五宣布，在边境地区逮捕了十二名涉嫌电信诈骗的嫌疑人。\n\
                    \u{3000}\u{3000}分析人士指出，这类行动往往只触及底层人员，幕后组织者很少受到追究。\n\
                    一位前受害者对记者说：「我们只是想回家。」";
        assert_eq!(split(text).len(), 3);
        let traditional = "當局表示，跨境合作機制將在明年全面啟動。\n各國對具體執行細節仍有明顯分歧？";
        assert_eq!(split(traditional).len(), 2);
    }

    #[test]
    fn hard_wrapped_chinese_stays_whole() {
        // Wrapped at a fixed width: lines end mid-sentence, so the block is one paragraph.
        let text = "警方周五宣布，在边境地区逮捕了十二名涉嫌电信诈骗\n\
                    的嫌疑人，但分析人士指出，这类行动往往只触及底层\n\
                    人员。";
        assert_eq!(split(text).len(), 1);
        // Short sentence fragments on their own lines are not paragraphs.
        assert_eq!(split("是的。\n当然。").len(), 1);
    }

    #[test]
    fn chinese_furniture_and_heading_split_off() {
        let text = "边境执法的新阶段\n\
                    来源：某某日报\n\
                    警方周五宣布，在边境地区逮捕了十二名涉嫌电信诈骗的嫌疑人。\n\
                    分析人士指出，这类行动往往只触及底层人员，幕后组织者很少受到追究。\n\
                    责任编辑：王小明";
        let parts = split(text);
        assert_eq!(parts.len(), 5, "{parts:?}");
        assert_eq!(parts[1], ["来源：某某日报"]);
        assert_eq!(parts[4], ["责任编辑：王小明"]);
    }
}
