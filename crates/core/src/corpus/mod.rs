//! Ingest: reads a corpus in any supported layout into [`Document`]s, collecting bad records as
//! [`Reject`]s instead of failing, because a long run should not die on one broken article.

mod collect;
mod csv_table;
pub mod date;
mod decode;
mod document;
mod error;
mod fields;
mod fingerprint;
mod folder;
mod frontmatter;
mod jsonl;
mod probe;
mod record;

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

pub use document::{Corpus, Document, Reject, Source};
pub use error::CorpusError;
pub use fields::{Fields, Format};
pub use fingerprint::fingerprint;
pub use folder::UNKNOWN_OUTLET;

use collect::Collector;

/// Reads the corpus at `path`.
///
/// Fails only when there is nothing to read (missing or unreadable path, unknown format, a folder
/// without articles, a JSONL or CSV without the text field, see [`check_fields`]); every problem with a single record becomes a
/// [`Reject`] in the returned [`Corpus`]. Documents keep input order (sorted paths for folders).
pub fn read_corpus(path: &Path, format: Format, fields: &Fields) -> Result<Corpus, CorpusError> {
    let mut out = Collector::default();
    read_into(path, format, fields, &mut out)?;
    Ok(out.finish())
}

/// One item of a streamed corpus, in input order.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A record that made it.
    Document(Document),
    /// A record that did not, with the reason.
    Reject(Reject),
}

/// Streams the corpus at `path` into `sink`, document by document, with the same checks and order as
/// [`read_corpus`]; memory stays bounded by one record (plus the ids seen, for duplicate detection).
/// When `sink` answers `Break` (its consumer has stopped), reading stops: nothing more is read or sent.
pub fn stream_corpus(
    path: &Path,
    format: Format,
    fields: &Fields,
    sink: &mut dyn FnMut(Item) -> ControlFlow<()>,
) -> Result<(), CorpusError> {
    let mut out = Collector::streaming(sink);
    read_into(path, format, fields, &mut out)
}

/// Checks, before anything is read, that `path` is there and that the field mapping fits the first
/// records of a JSONL file (the header of a CSV): a text field found in none of them is an error naming
/// the file, the fields found and the flag to pass. Returns warnings for an id, outlet or date field that
/// is missing (the run goes on without them, see `probe::check`). Folders are not checked: their
/// metadata is optional front matter.
pub fn check_fields(path: &Path, format: Format, fields: &Fields) -> Result<Vec<String>, CorpusError> {
    match resolve(path, format)? {
        (Format::Jsonl, _) => jsonl::check_fields(path, fields),
        (Format::Csv, _) => csv_table::check_fields(path, fields),
        _ => Ok(Vec::new()),
    }
}

/// Documents in the corpus at `path`, counted cheaply for a progress bar's ETA: the article files a
/// folder read would find (the same walk: hidden entries skipped, each linked folder once), the non-blank
/// lines of JSON Lines, the records of a CSV; None when counting would cost real work or the corpus cannot
/// be read (reading it will say why).
pub fn count_documents(path: &Path, format: Format) -> Option<usize> {
    match resolve(path, format).ok()? {
        (Format::Folder, true) => {
            let entries = std::fs::read_dir(path).ok()?;
            let mut files: Vec<PathBuf> = Vec::new();
            // Unreadable entries are the reader's to report; the count only leaves them out.
            let mut ignored = Collector::default();
            folder::walk(path, entries, &mut files, &mut std::collections::HashSet::new(), &mut ignored);
            Some(files.len())
        }
        (Format::Jsonl, _) => {
            use std::io::BufRead;
            let f = std::io::BufReader::new(std::fs::File::open(path).ok()?);
            Some(f.split(b'\n').filter_map(Result::ok).filter(|l| l.iter().any(|b| !b.is_ascii_whitespace())).count())
        }
        (Format::Csv, _) => {
            let mut r = csv::ReaderBuilder::new().flexible(true).from_path(path).ok()?;
            let mut rec = csv::ByteRecord::new();
            let mut n = 0;
            while r.read_byte_record(&mut rec).ok()? {
                n += 1;
            }
            Some(n)
        }
        _ => None,
    }
}

fn read_into(path: &Path, format: Format, fields: &Fields, out: &mut Collector) -> Result<(), CorpusError> {
    let (format, is_dir) = resolve(path, format)?;
    match format {
        Format::Folder if is_dir => folder::read_folder(path, fields, out)?,
        Format::Folder => folder::read_single(path, fields, out),
        Format::Jsonl => {
            jsonl::check_fields(path, fields)?;
            jsonl::read_jsonl(path, fields, out)?;
        }
        Format::Csv => {
            csv_table::check_fields(path, fields)?;
            csv_table::read_csv(path, fields, out)?;
        }
        Format::Auto => return Err(CorpusError::UnknownFormat(path.to_path_buf())),
    }
    Ok(())
}

/// The concrete format of `path` and whether it is a folder, or why it cannot be read at all.
fn resolve(path: &Path, format: Format) -> Result<(Format, bool), CorpusError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(CorpusError::NotFound(path.to_path_buf())),
        Err(source) => return Err(CorpusError::Unreadable { path: path.to_path_buf(), source }),
    };
    let format = match format {
        Format::Auto => detect(path, meta.is_dir())?,
        other => other,
    };
    if matches!(format, Format::Jsonl | Format::Csv) && meta.is_dir() {
        return Err(CorpusError::NotAFile {
            path: path.to_path_buf(),
            format: if format == Format::Jsonl { "jsonl" } else { "csv" },
        });
    }
    Ok((format, meta.is_dir()))
}

/// The format `Auto` picks: by kind of path, then by extension (case-insensitive).
fn detect(path: &Path, is_dir: bool) -> Result<Format, CorpusError> {
    if is_dir {
        return Ok(Format::Folder);
    }
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    match ext.as_str() {
        "jsonl" | "ndjson" => Ok(Format::Jsonl),
        "csv" => Ok(Format::Csv),
        _ if folder::is_article_file(path) => Ok(Format::Folder),
        _ => Err(CorpusError::UnknownFormat(path.to_path_buf())),
    }
}

#[cfg(test)]
mod tests;
