//! Lines and blank-line blocks with their char offsets: the geometry every other segment step
//! works on, computed once so offsets cannot drift from the text.

/// One non-blank line, trimmed, with the char span of the trimmed text in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Line<'a> {
    pub(super) text: &'a str,
    pub(super) char_start: usize,
    pub(super) char_end: usize,
}

/// Splits `text` into runs of non-blank lines (`\n` or `\r\n` endings; a line of only Unicode
/// whitespace, NBSP included, is blank).
pub(super) fn blocks(text: &str) -> Vec<Vec<Line<'_>>> {
    let mut out = Vec::new();
    let mut current: Vec<Line<'_>> = Vec::new();
    let mut pos = 0usize;
    for raw in text.split('\n') {
        let content = raw.strip_suffix('\r').unwrap_or(raw);
        let trimmed = content.trim();
        if trimmed.is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else {
            let lead = content.len() - content.trim_start().len();
            let char_start = pos + content[..lead].chars().count();
            current.push(Line { text: trimmed, char_start, char_end: char_start + trimmed.chars().count() });
        }
        pos += raw.chars().count() + 1;
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_with_crlf_and_whitespace_lines() {
        let text = "  A é\r\nB\r\n \t\r\n\u{a0}\r\nC\n";
        let b = blocks(text);
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].len(), 2);
        assert_eq!(b[0][0].text, "A é");
        assert_eq!((b[0][0].char_start, b[0][0].char_end), (2, 5));
        assert_eq!((b[0][1].char_start, b[0][1].char_end), (7, 8));
        let c: String = text.chars().skip(b[1][0].char_start).take(1).collect();
        assert_eq!(c, "C");
    }

    #[test]
    fn empty_text_has_no_blocks() {
        assert!(blocks("").is_empty());
        assert!(blocks("\r\n  \n").is_empty());
    }
}
