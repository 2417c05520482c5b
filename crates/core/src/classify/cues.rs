//! Cue phrases: case-insensitive whole-word matches of a codebook's phrases, shown as evidence and
//! optionally nudging scores. Whole-word matching keeps "raid" from firing inside "afraid".
//!
//! Chinese, Japanese and Korean text is written without spaces between words, so there are no word
//! boundaries to check: a cue containing a CJK character matches wherever it occurs as a substring
//! (`打击` in `严厉打击电信诈骗`). Cues without one are matched as before.

/// Lower-cased cue list of one label, ready for matching.
#[derive(Debug, Clone)]
pub struct CueSet {
    cues: Vec<String>,
}

impl CueSet {
    pub(crate) fn new(cues: &[String]) -> Self {
        CueSet { cues: cues.iter().map(|c| c.trim().to_lowercase()).filter(|c| !c.is_empty()).collect() }
    }

    /// The distinct cues found in `text_lower` (already lower-cased), in codebook order.
    pub fn hits<'a>(&'a self, text_lower: &str) -> Vec<&'a str> {
        self.cues
            .iter()
            .filter(|c| if has_cjk(c) { text_lower.contains(c.as_str()) } else { contains_word(text_lower, c) })
            .map(String::as_str)
            .collect()
    }
}

/// Whether `s` has a character of a script written without spaces between words.
fn has_cjk(s: &str) -> bool {
    s.chars().any(is_cjk)
}

/// A CJK ideograph (Chinese, and Japanese kanji), kana, Hangul, or CJK punctuation.
fn is_cjk(c: char) -> bool {
    matches!(c,
            '\u{3000}'..='\u{30FF}'      // CJK punctuation, hiragana, katakana
            | '\u{3400}'..='\u{4DBF}'    // CJK extension A
            | '\u{4E00}'..='\u{9FFF}'    // CJK unified ideographs
            | '\u{AC00}'..='\u{D7AF}'    // Hangul syllables
            | '\u{F900}'..='\u{FAFF}'    // CJK compatibility ideographs
            | '\u{FF00}'..='\u{FFEF}'    // full-width forms
            | '\u{20000}'..='\u{3134F}') // CJK extensions B–H
}

/// A letter, digit or `_`, but not a CJK character: an English cue written against Chinese text
/// (`一次raid行动`) has a word boundary on each side.
fn is_word_char(c: char) -> bool {
    (c.is_alphanumeric() && !is_cjk(c)) || c == '_'
}

/// Whether `needle` occurs in `hay` with word boundaries on both sides.
fn contains_word(hay: &str, needle: &str) -> bool {
    let mut from = 0;
    while let Some(pos) = hay[from..].find(needle) {
        let start = from + pos;
        let end = start + needle.len();
        let before_ok = hay[..start].chars().next_back().is_none_or(|c| !is_word_char(c));
        let after_ok = hay[end..].chars().next().is_none_or(|c| !is_word_char(c));
        if before_ok && after_ok {
            return true;
        }
        from = start + needle.chars().next().map_or(1, char::len_utf8);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only() {
        let cues = CueSet::new(&["raid".into(), "show trial".into(), "Root Causes".into()]);
        assert_eq!(cues.hits("we were afraid of the raids"), Vec::<&str>::new());
        assert_eq!(cues.hits("a raid, then a show trial."), vec!["raid", "show trial"]);
        assert_eq!(cues.hits("the root causes remain"), vec!["root causes"]);
    }

    #[test]
    fn cjk_cues_match_inside_words() {
        let cues = CueSet::new(&["打击".into(), "根源".into(), "跨境合作".into(), "raid".into()]);
        assert_eq!(cues.hits("警方严厉打击电信诈骗，但问题的根源未被触及。"), vec!["打击", "根源"]);
        // Traditional script is matched by traditional cues.
        let trad = CueSet::new(&["跨境合作".into(), "跨境合作機制".into()]);
        assert_eq!(trad.hits("當局表示，跨境合作機制將在明年啟動。"), vec!["跨境合作", "跨境合作機制"]);
        // An English cue next to Chinese text still needs its word boundaries.
        assert_eq!(cues.hits("raids在边境展开"), Vec::<&str>::new());
        assert_eq!(cues.hits("一次raid行动"), vec!["raid"]);
        assert!(has_cjk("打击"));
        assert!(!has_cjk("show trial"));
    }
}
