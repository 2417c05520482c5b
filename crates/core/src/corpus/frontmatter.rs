//! Optional `---` front matter at the top of folder files (the Jekyll/Hugo/Obsidian convention),
//! so metadata can travel inside the article file itself.

/// Front matter found at the top of a file: the `key: value` pairs and where the body begins.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct FrontMatter {
    /// Keys lower-cased, values trimmed and unquoted; empty values are dropped.
    pairs: Vec<(String, String)>,
}

impl FrontMatter {
    /// The value of the first of `keys` present (case-insensitive), so that both the default name
    /// and a user-configured field name are honoured.
    pub(crate) fn get(&self, keys: &[&str]) -> Option<&str> {
        keys.iter().find_map(|k| {
            let k = k.to_lowercase();
            self.pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| v.as_str())
        })
    }
}

/// The result of splitting a file into front matter and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Split<'a> {
    pub(crate) front: FrontMatter,
    /// Everything after the closing `---` line, verbatim.
    pub(crate) body: &'a str,
    /// 0-based count of lines before the body (add 1 for the body's 1-based line number).
    pub(crate) lines_before_body: u64,
}

/// Splits `text` (BOM already removed) into front matter and body.
///
/// Front matter is recognised only when the first line is `---`, a closing `---` (or `...`) line
/// exists, and every line between looks like YAML (`key: value`, a comment, a blank, or an
/// indented/list continuation). Otherwise the whole text is body: an article that merely starts
/// with a horizontal rule must not lose its first section.
pub(crate) fn split(text: &str) -> Split<'_> {
    let whole = Split { front: FrontMatter::default(), body: text, lines_before_body: 0 };
    let mut lines = LineIter { rest: text, pos: 0 };
    match lines.next() {
        Some((_, line)) if line.trim_end() == "---" => {}
        _ => return whole,
    }
    let mut pairs = Vec::new();
    // Line numbers are 1-based and the opening `---` was line 1.
    for (count, (end, line)) in (2u64..).zip(lines.by_ref()) {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            return Split { front: FrontMatter { pairs }, body: &text[end..], lines_before_body: count };
        }
        match classify(line) {
            Line::Pair(k, v) => {
                if !v.is_empty() {
                    pairs.push((k, v));
                }
            }
            Line::Ignorable => {}
            Line::NotYaml => return whole,
        }
    }
    whole
}

enum Line {
    Pair(String, String),
    Ignorable,
    NotYaml,
}

fn classify(line: &str) -> Line {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Line::Ignorable;
    }
    if line.starts_with([' ', '\t']) || trimmed.starts_with("- ") || trimmed == "-" {
        return Line::Ignorable;
    }
    let Some((key, value)) = trimmed.split_once(':') else {
        return Line::NotYaml;
    };
    let key = key.trim();
    let key_ok = !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.');
    if !key_ok {
        return Line::NotYaml;
    }
    Line::Pair(key.to_lowercase(), unquote(value.trim()).trim().to_string())
}

/// Strips one pair of matching surrounding quotes.
fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return &v[1..v.len() - 1];
        }
    }
    v
}

/// Lines with their end byte offset (just after the `\n`), line endings excluded from the line.
struct LineIter<'a> {
    rest: &'a str,
    pos: usize,
}

impl<'a> Iterator for LineIter<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let (line, consumed) = match self.rest.find('\n') {
            Some(i) => (&self.rest[..i], i + 1),
            None => (self.rest, self.rest.len()),
        };
        self.rest = &self.rest[consumed..];
        self.pos += consumed;
        Some((self.pos, line.strip_suffix('\r').unwrap_or(line)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_and_strips_quotes() {
        let text = "---\noutlet: \"Meridian Wire\"\ndate: '2025-11-14'\ntitle: A: B\nunknown: x\n\
                    url:\n# comment\ntags:\n  - a\n---\nBody line\n";
        let s = split(text);
        assert_eq!(s.front.get(&["outlet"]), Some("Meridian Wire"));
        assert_eq!(s.front.get(&["DATE"]), Some("2025-11-14"));
        assert_eq!(s.front.get(&["title"]), Some("A: B"));
        assert_eq!(s.front.get(&["url"]), None);
        assert_eq!(s.front.get(&["author", "unknown"]), Some("x"));
        assert_eq!(s.body, "Body line\n");
        assert_eq!(s.lines_before_body, 10);
    }

    #[test]
    fn crlf_front_matter() {
        let s = split("---\r\noutlet: X\r\n---\r\nBody\r\n");
        assert_eq!(s.front.get(&["outlet"]), Some("X"));
        assert_eq!(s.body, "Body\r\n");
        assert_eq!(s.lines_before_body, 3);
    }

    #[test]
    fn no_front_matter_or_not_yaml() {
        let s = split("Just text\n---\n");
        assert_eq!(s.body, "Just text\n---\n");
        assert_eq!(s.lines_before_body, 0);
        let rule = "---\nThis is a paragraph, not YAML\n---\nMore\n";
        assert_eq!(split(rule).body, rule);
        let unclosed = "---\noutlet: X\nBody\n";
        assert_eq!(split(unclosed).body, unclosed);
    }

    #[test]
    fn front_matter_only() {
        let s = split("---\noutlet: X\n---");
        assert_eq!(s.body, "");
        assert_eq!(s.front.get(&["outlet"]), Some("X"));
    }
}
