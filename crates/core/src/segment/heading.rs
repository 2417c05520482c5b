//! What a heading looks like on a single line: short, no closing punctuation. Kept apart from the
//! document-level decision (which also needs to know what follows) in `classify`.

/// Headings are short: longer lines without punctuation are more likely truncated paragraphs.
const MAX_WORDS: usize = 12;
const MAX_CHARS: usize = 90;

/// Marks that end a sentence or clause; a line ending in one reads as prose, not as a title.
const TERMINAL: &[char] = &['.', '!', '?', ':', ';', '…', ','];

/// Closing quotes and brackets that may follow terminal punctuation (`…he said.”`).
const CLOSERS: &[char] = &['"', '\'', '”', '’', '»', '›', ')', ']'];

/// True when the line ends like a sentence, looking through closing quotes and brackets.
pub(super) fn ends_with_terminal(s: &str) -> bool {
    let core = strip_emphasis(s.trim()).trim_end_matches(CLOSERS);
    core.ends_with(TERMINAL)
}

/// A Markdown ATX heading (`## Title`) gives its title text.
pub(super) fn markdown_heading(s: &str) -> Option<&str> {
    let s = s.trim();
    let hashes = s.chars().take_while(|&c| c == '#').count();
    if !(1..=6).contains(&hashes) {
        return None;
    }
    let rest = &s[hashes..];
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let title = rest.trim().trim_end_matches('#').trim();
    (!title.is_empty()).then_some(title)
}

/// One line that could be a heading on its own: a Markdown heading, or a short line (≤ 12 words,
/// ≤ 90 chars) with letters, not starting lowercase (that would be a broken-off sentence) and not
/// ending in terminal punctuation.
pub(super) fn heading_like(s: &str) -> bool {
    if markdown_heading(s).is_some() {
        return true;
    }
    let core = strip_emphasis(s.trim());
    if core.is_empty() || core.chars().count() > MAX_CHARS {
        return false;
    }
    if core.split_whitespace().count() > MAX_WORDS || ends_with_terminal(core) {
        return false;
    }
    match core.chars().find(|c| c.is_alphabetic()) {
        Some(first) => !first.is_lowercase(),
        None => false,
    }
}

/// The heading as a section name: Markdown markers and emphasis removed.
pub(super) fn section_title(s: &str) -> String {
    let s = markdown_heading(s).unwrap_or(s);
    strip_emphasis(s.trim()).trim().to_string()
}

/// Title Case (most longer words capitalised): tells a heading glued to its paragraph apart from
/// the short last line of a hard-wrapped sentence.
pub(super) fn title_case(s: &str) -> bool {
    let long: Vec<&str> =
        s.split_whitespace().filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 4).collect();
    if long.is_empty() {
        return false;
    }
    let caps = long.iter().filter(|w| w.chars().find(|c| c.is_alphabetic()).is_some_and(char::is_uppercase)).count();
    caps * 4 >= long.len() * 3
}

/// Whether the first letter-or-digit is uppercase or a digit (a new sentence or paragraph).
pub(super) fn starts_like_sentence(s: &str) -> bool {
    s.chars().find(|c| c.is_alphanumeric()).is_some_and(|c| c.is_uppercase() || c.is_numeric())
}

/// `**Title**` / `_Title_` → `Title`.
fn strip_emphasis(s: &str) -> &str {
    s.trim_matches(|c| c == '*' || c == '_').trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_shapes() {
        assert!(heading_like("The Need for a Multilateral Approach"));
        assert!(heading_like("The Viral Kidnapping and the Domestic Backlash\u{a0}"));
        assert!(heading_like("## Why it failed."));
        assert!(heading_like("**Why it failed**"));
        assert!(!heading_like("Looks good."));
        assert!(!heading_like("He said: “It ended.”"));
        assert!(!heading_like("Author:"));
        assert!(!heading_like("and then the ministry"));
        assert!(!heading_like("---"));
        assert!(!heading_like("One two three four five six seven eight nine ten eleven twelve thirteen"));
    }

    #[test]
    fn section_titles() {
        assert_eq!(section_title("## Why it failed ##"), "Why it failed");
        assert_eq!(section_title("**Bold**"), "Bold");
        assert_eq!(section_title("Plain"), "Plain");
    }

    #[test]
    fn title_case_detection() {
        assert!(title_case("The Structural Realities Behind the Scam Economy"));
        assert!(!title_case("Thailand and Myanmar have agreed to"));
    }
}
