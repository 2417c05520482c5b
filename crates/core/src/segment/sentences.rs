//! Sentences of a paragraph: the units that sentence embeddings and evidence quotes are made of.
//!
//! The cutting is sentencex's (Wikimedia's rule-based splitter, English rules): it knows titles,
//! company and Latin abbreviations, initials, decimals, `a.m.`/`p.m.`, numbered references and
//! quotes, and it *does* cut after an abbreviation when the next word is a common sentence opener
//! (`… in the U.S. The next day …`), which is how a sentence ending in an abbreviation is told from
//! one running through it. A capitalised word that is not such an opener (`… in the E.U. Officials
//! said …`) reads as a continuation, since `U.S. Senate` and `U.S. Ambassador Reyes` are far more
//! common in news copy than a sentence ending in an abbreviation followed by a noun.
//!
//! framelens adds a few rules on top, each for a case the gold set in
//! `tests/data/sentences_gold.toml` showed sentencex missing or one that matters for evidence:
//! - a time zone after `a.m.`/`p.m.` stays with its time (`9 a.m. JST on Monday`);
//! - an ellipsis followed by a sentence opener ends a sentence (`… for a long time… Then she …`);
//! - a full stop inside a closing bracket followed by a capital ends one (`(Never published.) Analysts …`);
//! - a piece too short to be a real sentence (a stray `ET.`, `Why?`) is joined to its neighbour.
//!
//! Chinese sentences end at `。！？；…` (and `!`/`?` right after a Han character) with no space after
//! them, which sentencex's English rules do not see; [`chinese_cuts`] adds those ends, each after the
//! closing quotes and brackets (`」』”’）`) that belong to the sentence. Text without Chinese punctuation
//! gets no such cut, so English splitting is unchanged.

use std::ops::Range;

use sentencex::languages::{English, Language};

use super::cjk::{self, ZH_CLOSERS, ZH_TERMINAL};

/// A piece with fewer words than this is never quoted alone (`ET.`, `No.`, `Again.`).
const MIN_WORDS: usize = 3;
/// Nor is one shorter than this many chars (`It is so.`).
const MIN_CHARS: usize = 15;
/// A mostly Chinese piece with fewer Han characters than this (`是的。`, `他拒绝了。`) is too short: it
/// has no spaces, so the word and char limits above, written for English, would find every Chinese
/// sentence short.
const MIN_CHINESE_CHARS: usize = 5;

/// Time zones written after a clock time in news copy (`10:30 a.m. ET`).
const TIME_ZONES: &[&str] = &[
    "ET", "EST", "EDT", "CT", "CST", "CDT", "MT", "MST", "MDT", "PT", "PST", "PDT", "AKST", "HST", "GMT", "UTC", "BST",
    "CET", "CEST", "EET", "MSK", "IST", "ICT", "WIB", "SGT", "HKT", "JST", "KST", "AEST", "AEDT",
];

/// Byte ranges of the sentences of `text`, trimmed, in order, non-overlapping, and together
/// holding every non-whitespace character of `text`.
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut cuts: Vec<usize> = sentencex_cuts(text)
        .into_iter()
        .filter(|&c| !splits_time_zone(text, c))
        .map(|c| past_chinese_closers(text, c))
        .filter(|&c| c < text.len())
        .collect();
    cuts.extend(extra_cuts(text));
    cuts.extend(chinese_cuts(text));
    cuts.sort_unstable();
    cuts.dedup();
    let pieces = pieces_between(text, &cuts);
    merge_short(text, pieces).into_iter().map(|r| (r.start, r.end)).collect()
}

/// Where sentencex ends sentences, as byte offsets strictly inside `text`. Only its end offsets
/// are used, so whatever it trims or skips, the pieces between cuts still cover the whole text.
fn sentencex_cuts(text: &str) -> Vec<usize> {
    let mut cuts: Vec<usize> = sentencex::get_sentence_boundaries("en", text)
        .iter()
        .map(|b| b.end_byte)
        .filter(|&c| c > 0 && c < text.len() && text.is_char_boundary(c))
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// A cut right after `a.m.`/`p.m.` whose next word is a time zone: the zone belongs to the time
/// (`9 a.m. JST on Monday` is one sentence; `10:30 a.m. ET. Aides …` still ends after `ET.`).
fn splits_time_zone(text: &str, cut: usize) -> bool {
    let before = text[..cut].trim_end().to_ascii_lowercase();
    if !(before.ends_with("a.m.") || before.ends_with("p.m.")) {
        return false;
    }
    let next = text[cut..].split_whitespace().next().unwrap_or("");
    let word = next.trim_end_matches(|c: char| c.is_ascii_punctuation());
    TIME_ZONES.contains(&word)
}

/// Sentence ends sentencex does not mark: after an ellipsis followed by a sentence opener, and
/// after a terminator closed by a bracket (`.)`) followed by a capital or an opening bracket/quote.
fn extra_cuts(text: &str) -> Vec<usize> {
    let mut cuts = Vec::new();
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        let before = &text[..i];
        let next_word = text[end..].split_whitespace().next().unwrap_or("");
        if !text[end..].starts_with(char::is_whitespace) || next_word.is_empty() {
            continue;
        }
        let ellipsis = c == '…' || (c == '.' && before.ends_with("..") && !before.ends_with("..."));
        let bracketed = c == ')' && before.ends_with(['.', '!', '?']);
        if ellipsis && opens_sentence(next_word) || bracketed && starts_upper(next_word) {
            cuts.push(end);
        }
    }
    cuts
}

/// Where Chinese sentences end: after a run of Chinese terminal marks and the closing quotes and
/// brackets that follow it, when more text follows. `…`, `!` and `?` end a Chinese sentence only right
/// after a Han character (or another mark of the run), so an English ellipsis or question is left to
/// the rules above.
fn chinese_cuts(text: &str) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut prev: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let after_han = prev.is_some_and(cjk::is_han);
        let ends = matches!(c, '。' | '｡' | '！' | '？' | '；') || (after_han && matches!(c, '…' | '!' | '?'));
        prev = Some(c);
        if !ends {
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if !(ZH_TERMINAL.contains(&d) || ZH_CLOSERS.contains(&d) || matches!(d, '!' | '?')) {
                break;
            }
            end = j + d.len_utf8();
            prev = Some(d);
            chars.next();
        }
        if !text[end..].trim().is_empty() {
            cuts.push(end);
        }
    }
    cuts
}

/// A cut right after a Chinese full stop, `！`, `？` or `；` moved past the closing quotes and brackets
/// that follow it, so `「……。」` keeps its `」` (sentencex may cut between them). Other cuts are kept.
fn past_chinese_closers(text: &str, cut: usize) -> usize {
    if !text[..cut].ends_with(['。', '｡', '！', '？', '；']) {
        return cut;
    }
    let rest = &text[cut..];
    cut + (rest.len() - rest.trim_start_matches(ZH_CLOSERS).len())
}

/// `word` (with any trailing punctuation) is a common sentence opener (`The`, `Then`, `But`, ...),
/// by sentencex's own English list.
fn opens_sentence(word: &str) -> bool {
    let word = word.trim_end_matches(|c: char| !c.is_alphanumeric());
    English {}.get_sentence_starters().contains(word)
}

/// The first letter of `word`, after opening quotes and brackets, is a capital.
fn starts_upper(word: &str) -> bool {
    word.trim_start_matches(['"', '\'', '“', '‘', '(', '[']).chars().next().is_some_and(char::is_uppercase)
}

/// The trimmed, non-empty stretches of `text` between consecutive cuts.
fn pieces_between(text: &str, cuts: &[usize]) -> Vec<Range<usize>> {
    let mut bounds = Vec::with_capacity(cuts.len() + 2);
    bounds.push(0);
    bounds.extend_from_slice(cuts);
    bounds.push(text.len());
    bounds.windows(2).filter_map(|w| trimmed(text, w[0]..w[1])).collect()
}

/// `r` without leading and trailing whitespace; `None` when nothing is left.
fn trimmed(text: &str, r: Range<usize>) -> Option<Range<usize>> {
    let s = &text[r.clone()];
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    let start = r.start + (s.len() - s.trim_start().len());
    Some(start..start + t.len())
}

/// Joins every piece too short to stand alone to the one before it, or, for a short first piece,
/// to the one after: evidence must read as a sentence, never as a fragment.
fn merge_short(text: &str, pieces: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::with_capacity(pieces.len());
    for p in pieces {
        match out.last_mut() {
            // A pushed piece is never short unless it is the first, so `last` short means "merge forward".
            Some(last) if too_short(&text[p.clone()]) || too_short(&text[last.clone()]) => last.end = p.end,
            _ => out.push(p),
        }
    }
    out
}

/// Fewer than `MIN_WORDS` words (tokens with a letter or digit) or `MIN_CHARS` chars; for mostly
/// Chinese text, fewer than `MIN_CHINESE_CHARS` Han characters.
pub(super) fn too_short(s: &str) -> bool {
    if cjk::is_chinese(s) {
        return cjk::han_count(s) < MIN_CHINESE_CHARS;
    }
    let words = s.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).count();
    words < MIN_WORDS || s.chars().count() < MIN_CHARS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<&str> {
        sentences(text).iter().map(|&(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn ranges_are_trimmed_bytes() {
        let text = "  Beijing acted fast on Monday. Was it enough, though?  Not quite — “no.” ";
        assert_eq!(split(text), ["Beijing acted fast on Monday.", "Was it enough, though?", "Not quite — “no.”"]);
        assert!(sentences("   ").is_empty());
        assert!(sentences("").is_empty());
    }

    #[test]
    fn time_zone_stays_with_its_time() {
        assert_eq!(
            split("Voting starts at 7 a.m. PST on Tuesday in most counties. Turnout is expected to be high."),
            ["Voting starts at 7 a.m. PST on Tuesday in most counties.", "Turnout is expected to be high."]
        );
        // A capitalised word that is not a zone still opens a sentence after `p.m.`.
        assert_eq!(
            split("The rally ended at 9 p.m. Police cleared the square within an hour."),
            ["The rally ended at 9 p.m.", "Police cleared the square within an hour."]
        );
    }

    #[test]
    fn short_pieces_merge_into_a_neighbour() {
        assert_eq!(
            split("No. The ministry rejected the report outright."),
            ["No. The ministry rejected the report outright."]
        );
        assert_eq!(
            split("The talks collapsed on Friday night. Again. Both sides blamed the other."),
            ["The talks collapsed on Friday night. Again.", "Both sides blamed the other."]
        );
        // A paragraph that is one short sentence is kept as it is.
        assert_eq!(split("Thank you."), ["Thank you."]);
    }

    #[test]
    fn short_means_few_words_or_few_chars() {
        assert!(too_short("ET."));
        assert!(too_short("It is so."));
        assert!(too_short("— 4 p.m."));
        assert!(!too_short("Shares fell slightly."));
    }

    #[test]
    fn simplified_chinese_sentences_need_no_space() {
        assert_eq!(
            split("警方周五宣布逮捕了十二名嫌疑人。此举是否足以遏制诈骗？分析人士并不乐观！"),
            ["警方周五宣布逮捕了十二名嫌疑人。", "此举是否足以遏制诈骗？", "分析人士并不乐观！"]
        );
        // `；` and `……` end a sentence too; a too-short piece joins the one before it.
        assert_eq!(
            split("边境巡逻已经加强；但园区仍在运转……没有人愿意承担责任。是的。"),
            ["边境巡逻已经加强；", "但园区仍在运转……", "没有人愿意承担责任。是的。"]
        );
    }

    #[test]
    fn closing_quotes_stay_with_their_sentence() {
        assert_eq!(
            split("部长说：「我们绝不会退让。」记者追问细节时，他没有回答。"),
            ["部长说：「我们绝不会退让。」", "记者追问细节时，他没有回答。"]
        );
        assert_eq!(
            split("一位居民告诉记者：“这里已经不安全了！”她随后搬回了老家。"),
            ["一位居民告诉记者：“这里已经不安全了！”", "她随后搬回了老家。"]
        );
    }

    #[test]
    fn traditional_chinese_sentences() {
        assert_eq!(
            split("當局聲稱已經掌握全部線索。『這只是開始，』一名官員補充說。真正的幕後主使仍然逍遙法外？"),
            ["當局聲稱已經掌握全部線索。", "『這只是開始，』一名官員補充說。", "真正的幕後主使仍然逍遙法外？"]
        );
        // Half-width `!`/`?` after a Han character, and a space after the stop, change nothing.
        assert_eq!(split("這項協議能否落實? 各國態度並不一致。"), ["這項協議能否落實?", "各國態度並不一致。"]);
    }

    #[test]
    fn english_beside_chinese_is_split_as_before() {
        assert_eq!(
            split("The summit ended on Friday. 峰会周五结束，各方未能达成共识。Officials said little afterwards."),
            ["The summit ended on Friday.", "峰会周五结束，各方未能达成共识。", "Officials said little afterwards."]
        );
        assert!(too_short("是的。"));
        assert!(!too_short("警方拒绝置评。"));
    }

    #[test]
    fn cjk_and_mixed_text_keep_every_character() {
        let text = "中文句子。另一个句子！ Mixed text follows here. 5,500 suspects…";
        let kept: String = split(text).concat();
        let non_ws = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(non_ws(&kept), non_ws(text));
    }
}
