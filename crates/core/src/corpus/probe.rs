//! Checks the field mapping against the first records of a JSONL or CSV corpus before anything is read.
//!
//! A wrong `--text-field` otherwise turns every article into a reject, and the user learns about it only at
//! the end of the run, from a message about something else ("nothing to compare"). Here the file, the field
//! that is missing, the fields that are there and the flag to pass are named at once.

use std::path::Path;

use crate::corpus::{CorpusError, Fields};

/// JSONL records looked at: enough to see every field of a regular export, few enough to cost nothing.
pub(crate) const SAMPLE_RECORDS: usize = 20;

/// At most this many field names are listed in a message, so a very wide table does not bury the advice.
const MAX_LISTED: usize = 40;

/// A mapped field the user can rename with a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Text,
    Id,
    Outlet,
    Date,
}

impl Role {
    fn what(self) -> &'static str {
        match self {
            Role::Text => "text",
            Role::Id => "id",
            Role::Outlet => "outlet",
            Role::Date => "date",
        }
    }

    fn flag(self) -> &'static str {
        match self {
            Role::Text => "--text-field",
            Role::Id => "--id-field",
            Role::Outlet => "--outlet-field",
            Role::Date => "--date-field",
        }
    }

    /// What the field should hold, for "if that field holds …".
    fn holds(self) -> &'static str {
        match self {
            Role::Text => "the article text",
            Role::Id => "the document id",
            Role::Outlet => "the outlet name",
            Role::Date => "the publication date",
        }
    }

    fn configured(self, fields: &Fields) -> &str {
        match self {
            Role::Text => &fields.text,
            Role::Id => &fields.id,
            Role::Outlet => &fields.outlet,
            Role::Date => &fields.date,
        }
    }

    /// Names common exports use for this field, most telling first.
    fn lookalikes(self) -> &'static [&'static str] {
        match self {
            Role::Text => &["content", "body", "article", "full_text", "story", "text", "fulltext", "maintext"],
            Role::Id => &["id", "uuid", "guid", "doc_id", "article_id", "key"],
            Role::Outlet => &["source", "publication", "site", "publisher", "outlet", "media", "newspaper"],
            Role::Date => &["published", "date_published", "timestamp", "date", "pub_date", "publish_date", "time"],
        }
    }

    /// Name parts that rule a field out even when another part looks right (`article_id` is no text).
    fn excluded_parts(self) -> &'static [&'static str] {
        match self {
            Role::Text => &["id", "url", "link", "title", "date", "len", "length", "count", "type", "lang"],
            Role::Id | Role::Outlet | Role::Date => &[],
        }
    }
}

/// What the first records of a file show: every field name seen, in first-seen order, and where they were
/// seen ("the header", "the first 20 records").
pub(crate) struct Sample<'a> {
    pub(crate) names: &'a [String],
    pub(crate) place: String,
}

/// Checks the text, id, outlet and date fields against `sample`, where `has` tells whether a name is
/// present by the reader's own lookup rules.
///
/// A missing text field is fatal, because every record would be rejected. The others only cost
/// information, so they come back as warnings: a missing id falls back to `<file stem>:<line>` (warned about
/// only when a look-alike field exists or the name was chosen by the user, since a corpus without ids is
/// normal), a missing outlet puts articles under `unknown`, a missing date leaves them undated.
pub(crate) fn check(
    file: &Path,
    sample: &Sample,
    fields: &Fields,
    has: impl Fn(&str) -> bool,
) -> Result<Vec<String>, CorpusError> {
    if !has(&fields.text) {
        return Err(missing_text(file, sample, fields));
    }
    let mut warnings = Vec::new();
    for role in [Role::Id, Role::Outlet, Role::Date] {
        let name = role.configured(fields);
        if has(name) {
            continue;
        }
        let suggestion = lookalike(sample.names, role, fields);
        let chosen = role == Role::Id && name != Fields::default().id;
        if role == Role::Id && suggestion.is_none() && !chosen {
            continue;
        }
        let effect = match role {
            Role::Id => "documents get ids of the form <file stem>:<line>",
            Role::Outlet => "articles without it are counted under outlet \"unknown\"",
            _ => "articles without it have no publication date",
        };
        warnings.push(format!(
            "{}: no {} field \"{name}\" in {} (fields found: {}): {effect}; {}",
            file.display(),
            role.what(),
            sample.place,
            listed(sample.names),
            hint(role, suggestion)
        ));
    }
    Ok(warnings)
}

/// The fatal error for a text field that is not there, shared with the CSV reader's own header check.
pub(crate) fn missing_text(file: &Path, sample: &Sample, fields: &Fields) -> CorpusError {
    let hint = hint(Role::Text, lookalike(sample.names, Role::Text, fields));
    CorpusError::MissingField {
        file: file.to_path_buf(),
        field: fields.text.clone(),
        detail: format!("{} (fields found: {}); {hint}", sample.place, listed(sample.names)),
    }
}

fn hint(role: Role, suggestion: Option<&str>) -> String {
    match suggestion {
        Some(s) => format!("pass `{} {}` if that field holds {}", role.flag(), quote_arg(s), role.holds()),
        None => format!("pass `{} NAME` with the field that holds {}", role.flag(), role.holds()),
    }
}

/// A field name as it would be typed in a shell.
fn quote_arg(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)) {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "'\\''"))
    }
}

fn listed(names: &[String]) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    let mut s = names.iter().take(MAX_LISTED).map(String::as_str).collect::<Vec<_>>().join(", ");
    if names.len() > MAX_LISTED {
        s.push_str(&format!(" and {} more", names.len() - MAX_LISTED));
    }
    s
}

/// The found field that most looks like `role`: one named exactly like a common name (in the order of
/// [`Role::lookalikes`]), else one with such a name as a part (`content_original`, `datePublished`). Fields
/// mapped to another role are never suggested.
fn lookalike<'a>(names: &'a [String], role: Role, fields: &Fields) -> Option<&'a str> {
    let taken = [&fields.id, &fields.text, &fields.outlet, &fields.date, &fields.title, &fields.url, &fields.author];
    let free: Vec<&'a str> =
        names.iter().map(String::as_str).filter(|n| !taken.iter().any(|t| t.eq_ignore_ascii_case(n))).collect();
    let exact = role.lookalikes().iter().find_map(|c| free.iter().copied().find(|n| n.eq_ignore_ascii_case(c)));
    exact.or_else(|| {
        role.lookalikes().iter().find_map(|c| {
            free.iter().copied().find(|n| {
                let parts = name_parts(n);
                parts.iter().any(|p| p == c) && !parts.iter().any(|p| role.excluded_parts().contains(&p.as_str()))
            })
        })
    })
}

/// Lower-case parts of a field name split at punctuation and camelCase humps: `meta.datePublished` →
/// `meta`, `date`, `published`.
fn name_parts(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            prev_lower = false;
            parts.push(std::mem::take(&mut cur));
            continue;
        }
        if c.is_uppercase() && prev_lower {
            parts.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_numeric();
        cur.extend(c.to_lowercase());
    }
    parts.push(cur);
    parts.retain(|p| !p.is_empty());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn run(list: &[&str], fields: &Fields) -> Result<Vec<String>, CorpusError> {
        let names = names(list);
        let sample = Sample { names: &names, place: "the header".into() };
        check(Path::new("dir/feed.csv"), &sample, fields, |n| names.iter().any(|m| m.eq_ignore_ascii_case(n)))
    }

    #[test]
    fn missing_text_names_file_field_found_fields_and_the_lookalike() {
        let found = ["ID", "source", "date", "title", "content_original"];
        let err = run(&found, &Fields::default()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("dir/feed.csv: no text field \"text\" in the header"), "{msg}");
        assert!(msg.contains("fields found: ID, source, date, title, content_original"), "{msg}");
        assert!(msg.contains("pass `--text-field content_original`"), "{msg}");
    }

    #[test]
    fn exact_lookalike_beats_a_partial_one_and_ids_are_not_text() {
        let err = run(&["article_id", "body_text", "content"], &Fields::default()).unwrap_err();
        assert!(err.to_string().contains("`--text-field content`"), "{err}");
        let err = run(&["article_id", "story_text"], &Fields::default()).unwrap_err();
        assert!(err.to_string().contains("`--text-field story_text`"), "{err}");
    }

    #[test]
    fn no_lookalike_still_names_the_flag() {
        let err = run(&["a", "b"], &Fields::default()).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("(fields found: a, b)"), "{msg}");
        assert!(msg.contains("pass `--text-field NAME` with the field that holds the article text"), "{msg}");
    }

    #[test]
    fn outlet_and_date_missing_are_warnings_with_suggestions() {
        let w = run(&["id", "text", "site_name", "datePublished"], &Fields::default()).unwrap();
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("no outlet field \"outlet\"") && w[0].contains("`--outlet-field site_name`"), "{w:?}");
        assert!(w[0].contains("outlet \"unknown\""), "{w:?}");
        assert!(w[1].contains("no date field \"date\"") && w[1].contains("`--date-field datePublished`"), "{w:?}");
    }

    #[test]
    fn missing_id_warns_only_when_it_can_be_fixed() {
        // A corpus without ids is normal: they fall back to <stem>:<line> silently.
        assert!(run(&["text", "outlet", "date"], &Fields::default()).unwrap().is_empty());
        // A look-alike exists: say so.
        let w = run(&["uuid", "text", "outlet", "date"], &Fields::default()).unwrap();
        assert!(w.len() == 1 && w[0].contains("`--id-field uuid`") && w[0].contains("<file stem>:<line>"), "{w:?}");
        // The user named a field that is not there.
        let fields = Fields { id: "doc".into(), ..Fields::default() };
        let w = run(&["text", "outlet", "date"], &fields).unwrap();
        assert!(w.len() == 1 && w[0].contains("no id field \"doc\""), "{w:?}");
    }

    #[test]
    fn fields_mapped_elsewhere_are_not_suggested() {
        // `content` is the chosen title field, so it is no candidate for the text.
        let fields = Fields { title: "content".into(), ..Fields::default() };
        let err = run(&["content", "notes"], &fields).unwrap_err();
        assert!(err.to_string().contains("`--text-field NAME`"), "{err}");
    }

    #[test]
    fn odd_names_are_quoted_and_long_lists_cut() {
        let err = run(&["full text"], &Fields::default()).unwrap_err();
        assert!(err.to_string().contains("`--text-field 'full text'`"), "{err}");
        let many: Vec<String> = (0..45).map(|i| format!("f{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let err = run(&refs, &Fields::default()).unwrap_err();
        assert!(err.to_string().contains("f39 and 5 more"), "{err}");
    }

    #[test]
    fn name_parts_split_punctuation_and_camel_case() {
        assert_eq!(name_parts("meta.datePublished"), ["meta", "date", "published"]);
        assert_eq!(name_parts("content_original"), ["content", "original"]);
        assert_eq!(name_parts("ID"), ["id"]);
    }
}
