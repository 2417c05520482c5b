//! Cue phrases: case-insensitive whole-word matches of a codebook's phrases, shown as evidence and
//! optionally nudging scores. Whole-word matching keeps "raid" from firing inside "afraid".

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
        self.cues.iter().filter(|c| contains_word(text_lower, c)).map(String::as_str).collect()
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
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
}
