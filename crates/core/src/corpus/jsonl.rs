//! JSON Lines input (one article object per line), the usual shape of scraper and API exports.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde_json::{Map, Value};

use crate::corpus::collect::Collector;
use crate::corpus::decode::{decode_utf8, strip_line_end};
use crate::corpus::probe::{self, Sample, SAMPLE_RECORDS};
use crate::corpus::record::{self, RawRecord};
use crate::corpus::{CorpusError, Fields, Reject};

/// Checks the field mapping against the first [`SAMPLE_RECORDS`] records (see [`probe::check`]); lines
/// that are not JSON objects are skipped here and rejected by the reader. Returns the warnings.
pub(crate) fn check_fields(file: &Path, fields: &Fields) -> Result<Vec<String>, CorpusError> {
    let (records, complete) = first_records(file)?;
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let mut names: Vec<String> = Vec::new();
    for obj in &records {
        for name in field_names(obj) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let place = match (complete, records.len()) {
        (true, 1) => "its only record".to_string(),
        (true, n) => format!("any of its {n} records"),
        (false, n) => format!("the first {n} records"),
    };
    let sample = Sample { names: &names, place };
    probe::check(file, &sample, fields, |name| records.iter().any(|obj| lookup(obj, name).is_some()))
}

/// The JSON objects among the first [`SAMPLE_RECORDS`] non-blank lines, and whether that was the whole file.
fn first_records(file: &Path) -> Result<(Vec<Map<String, Value>>, bool), CorpusError> {
    let handle = File::open(file).map_err(|source| CorpusError::Unreadable { path: file.to_path_buf(), source })?;
    let mut reader = BufReader::new(handle);
    let mut buf = Vec::new();
    let mut records = Vec::new();
    let mut lines = 0;
    while lines < SAMPLE_RECORDS {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => return Ok((records, true)),
            Ok(_) => {}
        }
        let Ok(line) = decode_utf8(strip_line_end(&buf), 0) else {
            lines += 1;
            continue;
        };
        if line.trim().is_empty() {
            continue;
        }
        lines += 1;
        if let Ok(Value::Object(obj)) = serde_json::from_str(line) {
            records.push(obj);
        }
    }
    let more = reader.fill_buf().map(|b| !b.is_empty()).unwrap_or(false);
    Ok((records, !more))
}

/// Top-level keys and, for nested objects, their `parent.child` paths (the form a field flag accepts).
fn field_names(obj: &Map<String, Value>) -> Vec<String> {
    let mut names = Vec::new();
    for (key, value) in obj {
        names.push(key.clone());
        if let Value::Object(inner) = value {
            names.extend(inner.keys().map(|k| format!("{key}.{k}")));
        }
    }
    names
}

/// Reads `file` line by line (memory stays flat however large the export), rejecting bad lines
/// individually: one truncated line in a 50,000-article dump should cost one article.
pub(crate) fn read_jsonl(file: &Path, fields: &Fields, out: &mut Collector) -> Result<(), CorpusError> {
    let handle = File::open(file).map_err(|source| CorpusError::Unreadable { path: file.to_path_buf(), source })?;
    let mut reader = BufReader::new(handle);
    let mut buf = Vec::new();
    let mut line_no: u64 = 0;
    let mut offset: u64 = 0;
    let mut records = 0usize;
    loop {
        if out.stopped() {
            return Ok(());
        }
        buf.clear();
        let n = match reader.read_until(b'\n', &mut buf) {
            Ok(n) => n,
            Err(e) => {
                out.reject_at(file, Some(line_no + 1), format!("read error: {e}"));
                break;
            }
        };
        if n == 0 {
            break;
        }
        line_no += 1;
        let line_offset = offset;
        offset += n as u64;
        let line = match decode_utf8(strip_line_end(&buf), line_offset) {
            Ok(l) => l,
            Err(reason) => {
                records += 1;
                out.reject_at(file, Some(line_no), reason);
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        records += 1;
        read_line(line, file, line_no, fields, out);
    }
    if records == 0 {
        out.reject_at(file, None, "empty file: no JSON records");
    }
    Ok(())
}

fn read_line(line: &str, file: &Path, line_no: u64, fields: &Fields, out: &mut Collector) {
    let value: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            out.reject_at(file, Some(line_no), format!("malformed JSON: {e}"));
            return;
        }
    };
    let Value::Object(obj) = value else {
        out.reject_at(file, Some(line_no), format!("expected a JSON object, found {}", kind(&value)));
        return;
    };
    match extract(&obj, fields) {
        Ok(raw) => match record::build(raw, file, line_no, &fields.text) {
            Ok(doc) => out.add(doc),
            Err((id, reason)) => out.reject(Reject::record(file, Some(line_no), id, reason)),
        },
        Err(reason) => out.reject_at(file, Some(line_no), reason),
    }
}

fn extract(obj: &Map<String, Value>, fields: &Fields) -> Result<RawRecord, String> {
    let id = match lookup(obj, &fields.id) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            return Err(format!("id field \"{}\" must be a string or number, found {}", fields.id, kind(other)))
        }
    };
    let text = match lookup(obj, &fields.text) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(format!("text field \"{}\" must be a string, found {}", fields.text, kind(other))),
    };
    let meta = |name: &str| lookup(obj, name).and_then(scalar_text);
    Ok(RawRecord {
        id,
        text,
        outlet: meta(&fields.outlet),
        date: meta(&fields.date),
        title: meta(&fields.title),
        url: meta(&fields.url),
        author: meta(&fields.author),
    })
}

/// A top-level key, or failing that the same key in another case (`ID` for `id`, as CSV columns are
/// matched), or a dotted path into nested objects (`meta.date`), because many APIs nest metadata.
fn lookup<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if let Some(v) = obj.get(name) {
        return Some(v);
    }
    if let Some((_, v)) = obj.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
        return Some(v);
    }
    if !name.contains('.') {
        return None;
    }
    let mut parts = name.split('.');
    let mut cur = obj.get(parts.next()?)?;
    for part in parts {
        cur = cur.as_object()?.get(part)?;
    }
    Some(cur)
}

/// Metadata as text: strings as is, numbers and booleans printed, lists of authors joined with
/// `, `, objects kept as compact JSON so nothing the user exported disappears.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(scalar_text).collect();
            Some(parts.join(", "))
        }
        Value::Object(_) => Some(v.to_string()),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read(content: &[u8]) -> crate::corpus::Corpus {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feed.jsonl");
        File::create(&path).unwrap().write_all(content).unwrap();
        let mut out = Collector::default();
        read_jsonl(&path, &Fields::default(), &mut out).unwrap();
        out.finish()
    }

    #[test]
    fn reads_records_and_skips_blank_lines() {
        let c = read(
            b"\xef\xbb\xbf{\"id\": 7, \"text\": \"Hello\\nworld\", \"outlet\": \"A\", \"date\": \"14 Nov 2025\"}\r\n\
              \n   \n\
              {\"text\": \"No id\", \"meta\": {\"x\": 1}, \"author\": [\"A\", \"B\"]}\n",
        );
        assert!(c.rejects.is_empty(), "{:?}", c.rejects);
        assert_eq!(c.documents.len(), 2);
        let a = &c.documents[0];
        assert_eq!(a.id, "7");
        assert_eq!(a.text, "Hello\nworld");
        assert_eq!(a.outlet, "A");
        assert_eq!(a.published.as_deref(), Some("2025-11-14"));
        assert_eq!(a.source.line, Some(1));
        let b = &c.documents[1];
        assert_eq!(b.id, "feed:4");
        assert_eq!(b.outlet, "unknown");
        assert_eq!(b.author.as_deref(), Some("A, B"));
    }

    #[test]
    fn malformed_line_rejected_with_line_number() {
        let c = read(b"{\"id\":\"a\",\"text\":\"ok\"}\n{\"id\":\"b\",\"text\":\n{\"id\":\"c\",\"text\":\"ok\"}\n");
        assert_eq!(c.documents.len(), 2);
        assert_eq!(c.rejects.len(), 1);
        let r = &c.rejects[0];
        assert_eq!(r.line, Some(2));
        assert!(r.reason.starts_with("malformed JSON: "), "{}", r.reason);
        assert!(r.reason.contains("line 1 column"), "{}", r.reason);
    }

    #[test]
    fn missing_empty_and_wrong_type_text() {
        let c = read(b"{\"id\":\"a\"}\n{\"id\":\"b\",\"text\":\"  \"}\n{\"id\":\"c\",\"text\":3}\n[1]\n");
        assert!(c.documents.is_empty());
        let reasons: Vec<_> = c.rejects.iter().map(|r| (r.line, r.reason.as_str())).collect();
        assert_eq!(reasons[0], (Some(1), "missing text field \"text\""));
        assert_eq!(reasons[1], (Some(2), "empty document"));
        assert!(reasons[2].1.contains("must be a string"));
        assert!(reasons[3].1.contains("expected a JSON object"));
        assert_eq!(c.rejects[0].doc_id.as_deref(), Some("a"));
    }

    #[test]
    fn invalid_utf8_rejects_only_that_line() {
        let c = read(b"{\"text\":\"ok\"}\n{\"text\":\"b\xffad\"}\n{\"text\":\"ok too\"}\n");
        assert_eq!(c.documents.len(), 2);
        assert_eq!(c.rejects.len(), 1);
        assert_eq!(c.rejects[0].line, Some(2));
        // line 1 is 14 bytes; the bad byte is 10 bytes into line 2.
        assert!(c.rejects[0].reason.contains("byte offset 24"), "{}", c.rejects[0].reason);
    }

    #[test]
    fn nested_field_paths() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.ndjson");
        std::fs::write(&path, "{\"body\":\"x\",\"meta\":{\"date\":\"2025/11/14\"}}\n").unwrap();
        let fields = Fields { text: "body".into(), date: "meta.date".into(), ..Fields::default() };
        let mut out = Collector::default();
        read_jsonl(&path, &fields, &mut out).unwrap();
        let c = out.finish();
        assert_eq!(c.documents[0].published.as_deref(), Some("2025-11-14"));
    }

    fn check(content: &str, fields: &Fields) -> Result<Vec<String>, CorpusError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feed.jsonl");
        std::fs::write(&path, content).unwrap();
        check_fields(&path, fields)
    }

    #[test]
    fn missing_text_field_is_fatal_and_names_what_was_found() {
        let line = "{\"ID\":\"a\",\"source\":\"NPR\",\"date\":\"2015-05-12\",\"content_original\":\"Body\"}\n";
        let err = check(&line.repeat(25), &Fields::default()).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, CorpusError::MissingField { .. }));
        assert!(msg.contains("feed.jsonl: no text field \"text\" in the first 20 records"), "{msg}");
        for name in ["ID", "source", "date", "content_original"] {
            assert!(msg.contains(name), "{name} not listed: {msg}");
        }
        assert!(msg.contains("`--text-field content_original`"), "{msg}");
        // The same mapping with the flag the message suggests passes, with `ID` matched as `id`.
        let fields = Fields { text: "content_original".into(), outlet: "source".into(), ..Fields::default() };
        assert_eq!(check(line, &fields).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn a_field_present_in_any_sampled_record_counts() {
        let content = "{\"id\":1,\"body\":\"x\"}\nnot json\n{\"id\":2,\"text\":\"y\",\"outlet\":\"A\",\"meta\":{\"date\":\"2025\"}}\n";
        let fields = Fields { date: "meta.date".into(), ..Fields::default() };
        assert!(check(content, &fields).unwrap().is_empty());
        // A field that first appears after the sample is not seen: the message says how many were looked at.
        let late = format!("{}{{\"text\":\"y\"}}\n", "{\"body\":\"x\"}\n".repeat(20));
        let err = check(&late, &Fields::default()).unwrap_err().to_string();
        assert!(err.contains("in the first 20 records") && err.contains("`--text-field body`"), "{err}");
    }

    #[test]
    fn missing_outlet_and_date_warn_and_nested_names_are_listed() {
        let w =
            check("{\"text\":\"x\",\"meta\":{\"site\":\"A\",\"published\":\"2025\"}}\n", &Fields::default()).unwrap();
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("in its only record") && w[0].contains("`--outlet-field meta.site`"), "{w:?}");
        assert!(w[1].contains("`--date-field meta.published`"), "{w:?}");
    }

    #[test]
    fn nothing_parseable_in_the_sample_leaves_it_to_the_rejects() {
        assert!(check("{broken\n\n", &Fields::default()).unwrap().is_empty());
        assert!(check("", &Fields::default()).unwrap().is_empty());
    }

    #[test]
    fn keys_match_case_insensitively_but_exact_wins() {
        let c = read(b"{\"ID\":\"upper\",\"Text\":\"Body\"}\n{\"ID\":\"no\",\"id\":\"exact\",\"text\":\"B\"}\n");
        let ids: Vec<_> = c.documents.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["upper", "exact"]);
    }

    #[test]
    fn empty_file_is_one_reject() {
        let c = read(b"\n\n");
        assert!(c.documents.is_empty());
        assert_eq!(c.rejects.len(), 1);
        assert_eq!(c.rejects[0].line, None);
    }
}
