//! What a heading looks like on a single line: short, no closing punctuation. Kept apart from the
//! document-level decision (which also needs to know what follows) in `classify`.

use super::cjk;

/// Headings are short: longer lines without punctuation are more likely truncated paragraphs.
const MAX_WORDS: usize = 12;
const MAX_CHARS: usize = 90;
/// A Chinese heading is measured in characters, since it has no spaces: commentary subheads and
/// headlines rarely run past 30, while a paragraph's first sentence alone usually does.
const MAX_CHINESE_CHARS: usize = 30;

/// Marks that end a sentence or clause; a line ending in one reads as prose, not as a title.
const TERMINAL: &[char] = &['.', '!', '?', ':', ';', '…', ','];
/// Chinese clause marks that end a line of prose but not a sentence (full-width colon and comma,
/// the enumeration comma), as `:` and `,` do in [`TERMINAL`].
const CHINESE_CLAUSE: &[char] = &['：', '，', '、'];

/// Closing quotes and brackets that may follow terminal punctuation (`…he said.”`).
const CLOSERS: &[char] = &['"', '\'', '”', '’', '»', '›', ')', ']'];

/// True when the line ends like a sentence, looking through closing quotes and brackets (Chinese
/// ones included: `……他说。」`).
pub(super) fn ends_with_terminal(s: &str) -> bool {
    let core = strip_emphasis(s.trim()).trim_end_matches(|c| CLOSERS.contains(&c) || cjk::ZH_CLOSERS.contains(&c));
    core.ends_with(TERMINAL) || core.ends_with(cjk::ZH_TERMINAL) || core.ends_with(CHINESE_CLAUSE)
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
    let too_long = if cjk::is_chinese(core) {
        core.chars().count() > MAX_CHINESE_CHARS
    } else {
        core.split_whitespace().count() > MAX_WORDS
    };
    if too_long || ends_with_terminal(core) {
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

/// Whether the first letter-or-digit is uppercase or a digit (a new sentence or paragraph), or a Han
/// character: Chinese has no letter case, so any Chinese line may open a sentence.
pub(super) fn starts_like_sentence(s: &str) -> bool {
    s.chars().find(|c| c.is_alphanumeric()).is_some_and(|c| c.is_uppercase() || c.is_numeric() || cjk::is_han(c))
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
    fn chinese_heading_shapes() {
        // Short lines without a stop are titles, simplified or traditional.
        assert!(heading_like("边境执法的新阶段"));
        assert!(heading_like("跨境電詐的結構性根源"));
        assert!(heading_like("## 多边合作为何迟迟没有落实"));
        // A sentence, a clause, a quote closing a sentence, or a long line is not.
        assert!(!heading_like("警方拒绝置评。"));
        assert!(!heading_like("他接着说："));
        assert!(!heading_like("她说：「我们不会退让。」"));
        assert!(!heading_like("这一轮打击行动表面上声势浩大但真正受到追究的始终只是底层的执行者而非幕后组织者"));
        assert!(starts_like_sentence("警方周五公布了调查结果。"));
        assert!(ends_with_terminal("调查仍在进行中。”"));
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
