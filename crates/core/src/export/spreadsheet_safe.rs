//! Corpus text in a CSV cell that a spreadsheet program would run as a formula (CSV injection).
//!
//! Excel and LibreOffice read a cell beginning with `=`, `+`, `-` or `@` as a formula (and tab or carriage
//! return first can smuggle one past a check), so a paragraph such as `=HYPERLINK("http://…","x")` in a
//! coding sheet becomes a live link, or worse, once the sheet is opened; a spreadsheet may also rewrite such
//! a cell when it saves, after which the text no longer matches the run's paragraph. Following the OWASP
//! advice, such a cell is written with a single quote `'` in front, which spreadsheets show as text.
//!
//! The rule is a bijection on all strings, so that reading back gives exactly the text that was written:
//!
//! * [`neutralise`] prefixes `'` when the text, after any leading apostrophes, starts with a trigger
//!   character ([`TRIGGERS`]). Texts that already start with apostrophes before a trigger get one more, so
//!   that `'=x` (a genuine text) and `=x` (neutralised to `'=x`) stay apart.
//! * [`restore`] strips one leading `'` when what follows is zero or more apostrophes and then a trigger.
//!   A genuine text starting with an apostrophe before anything else (`'Tis the season`) is left alone.
//!
//! This module owns the cell rule; the formats that apply it say which of their columns carry corpus text
//! (`framelens sample`'s coding sheet in [`crate::sample`], `paragraphs.csv` in
//! [`crate::export::tables`]).

use std::borrow::Cow;
use std::path::Path;

/// First characters that make a spreadsheet read a cell as a formula (OWASP's CSV-injection list).
pub const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The prefix spreadsheets take as "this cell is text".
pub const QUOTE: char = '\'';

/// Key under the manifest's `options` saying a run wrote `paragraphs.csv` neutralised
/// (`framelens run --spreadsheet-safe`); readers of the run restore its text cells only then.
pub const MANIFEST_OPTION: &str = "spreadsheet_safe";

/// Whether `s`, after any leading apostrophes, starts with a trigger character.
fn quoted_trigger(s: &str) -> bool {
    s.trim_start_matches(QUOTE).starts_with(TRIGGERS)
}

/// The cell to write for `s`: `'` + `s` when a spreadsheet would otherwise run it (see the module doc for
/// why apostrophes before a trigger count too), else `s` unchanged.
pub fn neutralise(s: &str) -> Cow<'_, str> {
    if quoted_trigger(s) {
        Cow::Owned(format!("{QUOTE}{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// The text of a cell [`neutralise`] wrote: one leading `'` stripped when a trigger follows (after any
/// further apostrophes); any other cell is returned as it is.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix(QUOTE) {
        Some(rest) if quoted_trigger(rest) => rest,
        _ => cell,
    }
}

/// [`restore`] in place, for records already parsed.
pub fn restore_in_place(cell: &mut String) {
    if restore(cell).len() != cell.len() {
        cell.remove(0);
    }
}

/// Whether a run's manifest `options` record that its `paragraphs.csv` was written neutralised.
pub fn options_say_safe(options: &serde_json::Value) -> bool {
    options.get(MANIFEST_OPTION).and_then(serde_json::Value::as_bool).unwrap_or(false)
}

/// [`options_say_safe`] of a whole manifest.
pub fn manifest_says_safe(manifest: &serde_json::Value) -> bool {
    manifest.get("options").is_some_and(options_say_safe)
}

/// Whether the `paragraphs.csv` at `paragraphs_csv` was written neutralised, from the `manifest.json` beside
/// it. No readable manifest means a file as framelens writes it by default: not neutralised.
pub fn paragraphs_csv_is_safe(paragraphs_csv: &Path) -> bool {
    let Some(dir) = paragraphs_csv.parent() else { return false };
    let Ok(bytes) = std::fs::read(dir.join(crate::run::files::MANIFEST_JSON)) else { return false };
    serde_json::from_slice::<serde_json::Value>(&bytes).is_ok_and(|m| manifest_says_safe(&m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_are_quoted_and_other_text_is_not() {
        for (raw, cell) in [
            (r#"=HYPERLINK("http://example.com","x")"#, r#"'=HYPERLINK("http://example.com","x")"#),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tcmd", "'\tcmd"),
            ("\rcmd", "'\rcmd"),
            // Apostrophes before a trigger get one more, so the genuine text survives the round trip.
            ("'=x", "''=x"),
            ("''-x", "'''-x"),
        ] {
            assert_eq!(neutralise(raw), cell, "{raw:?}");
            assert_eq!(restore(cell), raw, "{cell:?}");
        }
        for plain in ["Police said", "'Tis the season", "'", "''", "", "a=b", " =x", "1-2", "'x-y"] {
            assert!(matches!(neutralise(plain), Cow::Borrowed(_)), "{plain:?}");
            assert_eq!(restore(plain), plain, "a genuine text must survive: {plain:?}");
        }
    }

    #[test]
    fn restore_only_strips_what_neutralise_added() {
        // A cell some other tool quoted (or a spreadsheet saved without the quote) reads back the same.
        assert_eq!(restore("=x"), "=x");
        assert_eq!(restore("'=x"), "=x");
        let mut s = String::from("'@x");
        restore_in_place(&mut s);
        assert_eq!(s, "@x");
        restore_in_place(&mut s);
        assert_eq!(s, "@x");
    }

    #[test]
    fn round_trip_over_every_short_string_of_the_interesting_characters() {
        // Every string up to length 4 over apostrophe, triggers and ordinary characters.
        let alphabet = ['\'', '=', '+', '-', '@', '\t', '\r', 'a', ' '];
        let mut strings = vec![String::new()];
        let mut level = vec![String::new()];
        for _ in 0..4 {
            level = level.iter().flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}"))).collect();
            strings.extend(level.iter().cloned());
        }
        assert_eq!(strings.len(), 1 + 9 + 81 + 729 + 6561);
        for s in &strings {
            let cell = neutralise(s);
            assert_eq!(restore(&cell), s, "{s:?} → {cell:?}");
            assert!(!cell.starts_with(TRIGGERS), "{s:?} → {cell:?} still starts with a trigger");
        }
    }

    #[test]
    fn the_manifest_option_decides() {
        assert!(manifest_says_safe(&serde_json::json!({"options": {"spreadsheet_safe": true}})));
        assert!(!manifest_says_safe(&serde_json::json!({"options": {"spreadsheet_safe": false}})));
        assert!(!manifest_says_safe(&serde_json::json!({"options": {}})));
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("paragraphs.csv");
        assert!(!paragraphs_csv_is_safe(&csv), "no manifest");
        std::fs::write(dir.path().join("manifest.json"), r#"{"options": {"spreadsheet_safe": true}}"#).unwrap();
        assert!(paragraphs_csv_is_safe(&csv));
    }
}
