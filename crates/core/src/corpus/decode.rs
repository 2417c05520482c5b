//! Bytes to text: every reader goes through here so that BOM and invalid UTF-8 are treated alike.

const BOM: &str = "\u{feff}";

/// Decodes UTF-8 and strips a leading byte-order mark (editors on Windows add one; it would
/// otherwise end up glued to the first word or the first CSV column name).
///
/// On failure the message names the offset of the first invalid byte counted from the start of
/// `bytes` plus `base_offset`, so the user can find it with a hex editor.
pub(crate) fn decode_utf8(bytes: &[u8], base_offset: u64) -> Result<&str, String> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.strip_prefix(BOM).unwrap_or(s)),
        Err(e) => Err(invalid_utf8_reason(None, base_offset + e.valid_up_to() as u64)),
    }
}

/// The reject reason for invalid UTF-8 at an absolute byte offset of the file, optionally naming
/// the CSV column that could not be decoded.
pub(crate) fn invalid_utf8_reason(column: Option<&str>, offset: u64) -> String {
    let place = column.map(|c| format!(" in column \"{c}\"")).unwrap_or_default();
    format!(
        "invalid UTF-8{place}: first invalid byte at byte offset {offset} of the file \
         (re-save the file as UTF-8)"
    )
}

/// Removes one trailing `\n` or `\r\n`, as line-based readers need.
pub(crate) fn strip_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_bom() {
        assert_eq!(decode_utf8("\u{feff}abc".as_bytes(), 0), Ok("abc"));
        assert_eq!(decode_utf8(b"abc", 0), Ok("abc"));
    }

    #[test]
    fn names_offset_of_first_invalid_byte() {
        let err = decode_utf8(b"ab\xffcd", 10).unwrap_err();
        assert!(err.contains("byte offset 12"), "{err}");
    }

    #[test]
    fn strips_crlf_and_lf() {
        assert_eq!(strip_line_end(b"a\r\n"), b"a");
        assert_eq!(strip_line_end(b"a\n"), b"a");
        assert_eq!(strip_line_end(b"a"), b"a");
    }
}
