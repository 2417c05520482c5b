//! What Chinese text looks like to the segmenter: which characters are Han script, which marks end a
//! Chinese sentence, and how long a Chinese line is in "words". Chinese has no spaces between words and
//! no letter case, so the English tests (`split_whitespace().count()`, "starts with a capital") say
//! nothing about it; the segment steps ask here instead, and only when a text is mostly Chinese, so
//! English text takes exactly the paths it took before.

/// Marks that end a Chinese sentence or clause: the ideographic full stop (and its half-width form),
/// the full-width `！？；`, and the ellipsis (written `……` in Chinese).
pub(super) const ZH_TERMINAL: &[char] = &['。', '｡', '！', '？', '；', '…'];

/// Closing quotes and brackets that belong to the sentence they end (`……他说：「好。」`).
pub(super) const ZH_CLOSERS: &[char] = &['」', '』', '”', '’', '）', '》', '】', '〉', '〕'];

/// A Chinese word averages about two characters, so a Han-script run counts as half its length in
/// words when a length limit written for English words is applied to it.
const CHARS_PER_WORD: usize = 2;

/// A Han character (CJK Unified Ideographs and their extensions, compatibility ideographs): the script
/// of Chinese, simplified and traditional alike.
pub(super) fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}'
        | '\u{30000}'..='\u{3134F}')
}

/// Whether `s` has any Han character.
pub(super) fn has_han(s: &str) -> bool {
    s.chars().any(is_han)
}

/// Number of Han characters in `s`.
pub(super) fn han_count(s: &str) -> usize {
    s.chars().filter(|&c| is_han(c)).count()
}

/// Mostly Chinese: at least half of the letters are Han. An English sentence that quotes a Chinese
/// name (`Xi Jinping (习近平) said …`) stays English, so its rules do not change.
pub(super) fn is_chinese(s: &str) -> bool {
    let han = han_count(s);
    han > 0 && han * 2 >= s.chars().filter(|c| c.is_alphabetic()).count()
}

/// Words in `s`: whitespace-separated tokens, where a token's Han characters count as one word per
/// [`CHARS_PER_WORD`] (rounded up) and its other letters, if any, as one more. Equal to
/// `split_whitespace().count()` for text without Han characters.
pub(super) fn word_count(s: &str) -> usize {
    s.split_whitespace()
        .map(|t| {
            let han = han_count(t);
            if han == 0 {
                return 1;
            }
            let rest = t.chars().any(|c| c.is_alphanumeric() && !is_han(c));
            han.div_ceil(CHARS_PER_WORD) + usize::from(rest)
        })
        .sum()
}

/// `s` (trimmed) ends a Chinese sentence, looking through closing quotes and brackets; a closing
/// corner bracket or double quote after Chinese text ends one too, since quoted speech often
/// closes a paragraph without a stop of its own (`他说：「就这样」`).
pub(super) fn ends_chinese_sentence(s: &str) -> bool {
    let s = s.trim_end();
    let core = s.trim_end_matches(ZH_CLOSERS);
    core.ends_with(ZH_TERMINAL) || (core.len() < s.len() && s.ends_with(['」', '』']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn han_script_simplified_and_traditional() {
        assert!("执法".chars().all(is_han));
        assert!("執法".chars().all(is_han));
        assert!(!is_han('。'));
        assert!(!is_han('A'));
        assert!(!has_han("Plain English."));
    }

    #[test]
    fn mostly_chinese() {
        assert!(is_chinese("警方周五公布了调查结果。"));
        assert!(is_chinese("东盟（ASEAN）各国外长周一在雅加达会面。"));
        assert!(!is_chinese("Xi Jinping (习近平) spoke to reporters on Monday."));
        assert!(!is_chinese("No Chinese here."));
    }

    #[test]
    fn words_of_chinese_and_english() {
        assert_eq!(word_count("The ministry said so."), 4);
        assert_eq!(word_count("边境执法行动"), 3);
        assert_eq!(word_count("边境执法行动仍在继续。"), 5);
        assert_eq!(word_count("ASEAN 外长会议"), 3);
    }

    #[test]
    fn chinese_sentence_ends() {
        assert!(ends_chinese_sentence("行动仍在继续。"));
        assert!(ends_chinese_sentence("这是真的吗？"));
        assert!(ends_chinese_sentence("他说：「我们不会退让。」"));
        assert!(ends_chinese_sentence("她回答：「再等等吧」"));
        assert!(ends_chinese_sentence("事情还没有结束……"));
        assert!(!ends_chinese_sentence("边境执法的新阶段"));
        assert!(!ends_chinese_sentence("（作者：王小明）"));
        assert!(!ends_chinese_sentence("It ended."));
    }
}
