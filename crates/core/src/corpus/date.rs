//! Publication dates to ISO `YYYY-MM-DD`, so outlets can be compared on a timeline whatever date
//! style their exports use.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// Day-first and month-first textual forms, tried after the text has been simplified by
/// [`simplify`] (no commas, no periods after month abbreviations, no ordinal suffixes).
const TEXT_FORMATS: &[&str] = &["%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y"];

/// Numeric forms whose field order is unambiguous. `dd/mm/yyyy` and `mm/dd/yyyy` are deliberately
/// absent: guessing between them would silently move articles by months.
const NUMERIC_FORMATS: &[&str] = &["%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%Y.%m.%d"];

/// Date-and-time forms without a zone (ISO with a space or `T`).
const DATETIME_FORMATS: &[&str] = &["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"];

/// Parses a publication date to `YYYY-MM-DD`, or `None` if the form is unknown or ambiguous.
///
/// Datetimes keep the calendar date as written in the source (no conversion to UTC): an article
/// stamped `2025-11-14T23:30:00+08:00` was published on the 14th for its readers.
pub fn parse_date(raw: &str) -> Option<String> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    parse_any(s).map(|d| d.format("%Y-%m-%d").to_string())
}

/// The value stored in [`crate::corpus::Document::published`]: ISO when parseable, otherwise the
/// trimmed original so the user's information is never lost.
pub fn normalize_date(raw: &str) -> Option<String> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    Some(parse_date(s).unwrap_or_else(|| s.to_string()))
}

/// `YYYY-MM` of a stored `published` value that is an ISO date `YYYY-MM-DD`, optionally followed by `T` or
/// a space and a time; `None` for anything else. The one definition for every month view (`--by month`
/// groups and the report's timeline), so an article never counts in a month in one and as undated in the
/// other. Strict on purpose: `normalize_date` keeps what it could not parse verbatim ("late autumn 2025",
/// "2025-9-4"), and such text must not produce a plausible-looking month; impossible dates (`2025-13-01`,
/// `2025-02-30`) are refused too. Surrounding whitespace (a hand-edited table) is ignored.
pub fn month_of(published: &str) -> Option<&str> {
    let s = published.trim();
    let b = s.as_bytes();
    if b.len() < 10 || (b.len() > 10 && b[10] != b'T' && b[10] != b' ') {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10)) {
        return None;
    }
    NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d").ok()?;
    Some(&s[..7])
}

fn parse_any(s: &str) -> Option<NaiveDate> {
    for f in NUMERIC_FORMATS {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Some(d);
        }
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.date_naive());
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        return Some(dt.date_naive());
    }
    for f in DATETIME_FORMATS {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
            return Some(dt.date());
        }
    }
    // ISO datetime with an offset chrono's RFC 3339 parser rejects (e.g. `+0800`): the date prefix
    // is authoritative.
    if s.len() > 10 && s.is_char_boundary(10) && matches!(s.as_bytes()[10], b'T' | b' ') {
        if let Ok(d) = NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d") {
            return Some(d);
        }
    }
    let simple = simplify(s);
    TEXT_FORMATS.iter().find_map(|f| NaiveDate::parse_from_str(&simple, f).ok())
}

/// Reduces textual dates to `14 November 2025` / `Nov 14 2025` shapes: drops a leading weekday,
/// commas, periods after words (`Nov.`), ordinal suffixes (`14th`) and the `Sept` spelling.
fn simplify(s: &str) -> String {
    let mut words: Vec<String> = s
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_end_matches('.').to_string())
        .collect();
    if let Some(first) = words.first() {
        if is_weekday(first) && words.len() > 3 {
            words.remove(0);
        }
    }
    words
        .into_iter()
        .map(|w| {
            let lower = w.to_lowercase();
            if lower == "sept" {
                return "Sep".to_string();
            }
            strip_ordinal(&w)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_weekday(w: &str) -> bool {
    let w = w.to_lowercase();
    ["mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"]
        .iter()
        .any(|d| w == *d || (w.starts_with(d) && w.ends_with("day")))
}

/// `14th` → `14`; other words unchanged.
fn strip_ordinal(w: &str) -> String {
    let digits = w.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 2 {
        return w.to_string();
    }
    let rest = w[digits..].to_lowercase();
    if ["st", "nd", "rd", "th"].contains(&rest.as_str()) {
        w[..digits].to_string()
    } else {
        w.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_table() {
        let table = [
            ("2025-11-14", Some("2025-11-14")),
            ("2025/11/14", Some("2025-11-14")),
            ("14 November 2025", Some("2025-11-14")),
            ("14 Nov 2025", Some("2025-11-14")),
            ("November 14, 2025", Some("2025-11-14")),
            ("Nov 14, 2025", Some("2025-11-14")),
            ("Nov. 14, 2025", Some("2025-11-14")),
            ("Sept. 3, 2025", Some("2025-09-03")),
            ("14th November 2025", Some("2025-11-14")),
            ("Friday, November 14, 2025", Some("2025-11-14")),
            ("november 14 2025", Some("2025-11-14")),
            ("2025-11-14T08:00:00Z", Some("2025-11-14")),
            ("2025-11-14T23:30:00+08:00", Some("2025-11-14")),
            ("2025-11-14T08:00:00.123Z", Some("2025-11-14")),
            ("2025-11-14T08:00:00+0800", Some("2025-11-14")),
            ("2025-11-14 08:00:00", Some("2025-11-14")),
            ("2025-11-14 08:00", Some("2025-11-14")),
            ("Fri, 14 Nov 2025 08:00:00 +0000", Some("2025-11-14")),
            ("14.11.2025", Some("2025-11-14")),
            ("  2025-11-14  ", Some("2025-11-14")),
            ("11/14/2025", None),
            ("14/11/2025", None),
            ("2025-02-30", None),
            ("last Tuesday", None),
            ("", None),
        ];
        for (input, want) in table {
            assert_eq!(parse_date(input).as_deref(), want, "input {input:?}");
        }
    }

    #[test]
    fn month_of_unusual_dates() {
        let table = [
            ("2025-09-04", Some("2025-09")),
            ("2025-09-04T10:00", Some("2025-09")),
            ("2025-09-04T10:00:00Z", Some("2025-09")),
            ("2025-09-04 10:00", Some("2025-09")),
            (" 2025-09-04", Some("2025-09")),
            ("2025-12-31T10:00:00 ", Some("2025-12")),
            ("2025-9-4", None),
            ("2025-13-01", None),
            ("2025-00-10", None),
            ("2025-02-30", None),
            ("2025-09-00", None),
            ("2025-09", None),
            ("2025-09-04x", None),
            ("2025/09/04", None),
            ("late autumn 2025", None),
            ("", None),
            ("   ", None),
        ];
        for (input, want) in table {
            assert_eq!(month_of(input), want, "input {input:?}");
        }
    }

    #[test]
    fn unparseable_kept_verbatim_trimmed() {
        assert_eq!(normalize_date("  last Tuesday "), Some("last Tuesday".into()));
        assert_eq!(normalize_date("Nov 14, 2025"), Some("2025-11-14".into()));
        assert_eq!(normalize_date("   "), None);
    }
}
