//! Reading a run folder and grouping its labelled paragraphs into per-group, per-article counts.
//!
//! Why counts per (group, article): the article is the bootstrap's sampling unit, and every statistic of
//! this module (shares, chi-square, distances, differences) is a function of those counts. Reducing the
//! rows to counts once keeps the bootstrap cheap and makes the result independent of the row order of
//! `paragraphs.csv` (groups and articles are kept in sorted order), so re-ordered or merged shard outputs
//! compare identically.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use super::bootstrap::Unit;
use super::{CompareError, GroupBy};
use crate::corpus::date::month_of;
use crate::record::ParagraphRecord;
use crate::run::files::{ARTICLES_CSV, PARAGRAPHS_CSV};
use crate::run::labels::{Kind, Stance, OTHER, STANCE_LABELS};
use crate::run::tables::SPREADSHEET_SAFE_COLUMNS;

/// Group name for `--by month` when `published` is not an ISO date: such articles are kept, visibly.
pub const UNKNOWN_MONTH: &str = "unknown";
/// Group name for an empty value of a `--by COLUMN` column (e.g. body paragraphs before the first
/// heading have an empty `section`). Parenthesised so it cannot be mistaken for a real value.
pub const EMPTY_VALUE: &str = "(none)";

/// Joins the values of a combined grouping (`--by lang,outlet`) into one group name: `zh | Huaxia Review`.
/// A vertical bar rarely occurs in outlet names or languages and reads as "and" in a table cell.
pub const COMBINED_SEPARATOR: &str = " | ";

/// The `paragraphs.csv` column `--by lang` groups by: each paragraph's language, so an article that
/// quotes another language counts in both groups, once per paragraph, like any paragraph column.
const LANG_COLUMN: &str = "lang";

/// One group: its articles (sampling units) in `doc_id` order.
#[derive(Debug, Clone)]
pub struct Group {
    pub(crate) name: String,
    pub(crate) doc_ids: Vec<String>,
    /// Per article: counts of frames (codebook order, then `other`) followed by the three stances.
    pub units: Vec<Unit>,
}

impl Group {
    /// Number of label columns per unit (frames + `other` + stances).
    pub fn n_labels(&self) -> usize {
        self.units.first().map_or(0, |u| u.counts.len())
    }

    /// Label counts summed over the group's articles.
    pub fn totals(&self) -> Vec<u64> {
        let mut t = vec![0u64; self.n_labels()];
        for u in &self.units {
            for (acc, &c) in t.iter_mut().zip(&u.counts) {
                *acc += u64::from(c);
            }
        }
        t
    }

    /// Body paragraphs in the group.
    pub fn n_paragraphs(&self) -> u64 {
        self.units.iter().map(|u| u64::from(u.n)).sum()
    }
}

/// A run reduced to groups.
#[derive(Debug, Clone)]
pub struct GroupedRun {
    pub(crate) group_by: String,
    pub(crate) n_frames: usize,
    pub(crate) groups: Vec<Group>,
}

/// Frame labels of the run: `manifest.json` → `codebook.frames`, then `other`. Read from the manifest, not
/// from the labels that happen to occur, so that a frame no paragraph received still appears (with share
/// 0) and outputs of different runs with one codebook line up column for column.
pub fn read_frames(path: &Path) -> Result<Vec<String>, CompareError> {
    let text = std::fs::read_to_string(path).map_err(|e| io_error(path, e))?;
    let bad = |reason: String| CompareError::Manifest { path: path.to_path_buf(), reason };
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    let frames = json
        .get("codebook")
        .and_then(|c| c.get("frames"))
        .ok_or_else(|| bad("no `codebook.frames`".into()))?
        .as_array()
        .ok_or_else(|| bad("`codebook.frames` is not a list".into()))?;
    let mut out: Vec<String> = Vec::with_capacity(frames.len() + 1);
    for f in frames {
        let name = f.as_str().ok_or_else(|| bad(format!("`codebook.frames` has a non-string entry {f}")))?;
        if name.is_empty() {
            return Err(bad("`codebook.frames` has an empty frame id".into()));
        }
        if out.iter().any(|o| o == name) {
            return Err(bad(format!("frame `{name}` is listed twice")));
        }
        out.push(name.to_string());
    }
    if out.is_empty() {
        return Err(bad("`codebook.frames` is empty".into()));
    }
    // `other` (off-topic, or no frame close enough) is not a frame: such paragraphs are left out of every
    // share (read_groups), and the run's outlets.csv, summary and report give their share instead.
    out.retain(|o| o != OTHER);
    Ok(out)
}

/// Where a paragraph's group comes from.
enum Key {
    Outlet,
    Month,
    ParagraphColumn(usize),
    /// A paragraph column neutralised by `run --spreadsheet-safe`, read back restored.
    QuotedColumn(usize),
    ArticleColumn {
        column: String,
        values: HashMap<String, String>,
        path: PathBuf,
    },
}

/// Reads `paragraphs.csv` (and `articles.csv` when grouping by one of its columns) into groups of
/// per-article counts over body paragraphs.
pub fn read_groups(run_dir: &Path, by: &GroupBy, frames: &[String]) -> Result<GroupedRun, CompareError> {
    let path = run_dir.join(PARAGRAPHS_CSV);
    let mut rdr = open_csv(&path)?;
    let headers = rdr.headers().map_err(|e| csv_error(&path, e))?.clone();
    for needed in ["doc_id", "kind", "frame", "stance"] {
        if !headers.iter().any(|h| h == needed) {
            return Err(CompareError::MissingColumn {
                path: path.clone(),
                column: needed.into(),
                reason: "every framelens run writes it; is this a paragraphs.csv?".into(),
            });
        }
    }
    let safe = crate::export::spreadsheet_safe::paragraphs_csv_is_safe(&path);
    let keys = match by {
        GroupBy::Combined { parts, .. } => {
            parts.iter().map(|p| key_for(run_dir, &path, &headers, safe, p)).collect::<Result<Vec<_>, _>>()?
        }
        single => vec![key_for(run_dir, &path, &headers, safe, single)?],
    };

    let frame_index: HashMap<&str, usize> = frames.iter().enumerate().map(|(i, f)| (f.as_str(), i)).collect();
    let n_frames = frames.len();
    let width = n_frames + STANCE_LABELS.len();

    let kind_col = headers.iter().position(|h| h == "kind");
    let stance_col = headers.iter().position(|h| h == "stance");
    let mut map: BTreeMap<String, BTreeMap<String, Unit>> = BTreeMap::new();
    let mut record = csv::StringRecord::new();
    let mut off_topic = 0u64;
    loop {
        match rdr.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(&path, e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        // The typed record cannot hold a kind or stance cell that names none: a row of another kind is not
        // a body row, and a stance that names none is reported below, after the frame, naming its line.
        if kind_col.and_then(|i| record.get(i)).is_some_and(|k| Kind::parse(k) != Some(Kind::Body)) {
            continue;
        }
        let bad_stance = stance_col
            .and_then(|i| Some((i, record.get(i)?)))
            .filter(|(_, s)| !s.is_empty() && Stance::parse(s).is_none())
            .map(|(i, s)| (i, s.to_string()));
        if let Some((i, _)) = &bad_stance {
            record = record.iter().enumerate().map(|(j, c)| if j == *i { "" } else { c }).collect();
        }
        let p: ParagraphRecord = record.deserialize(Some(&headers)).map_err(|e| csv_error(&path, e))?;
        if p.frame == OTHER {
            off_topic += 1;
            continue;
        }
        let f = *frame_index.get(p.frame.as_str()).ok_or_else(|| CompareError::BadLabel {
            path: path.clone(),
            line,
            field: "frame",
            value: p.frame.clone(),
            expected: format!("{} (manifest.json codebook.frames + other)", frames.join(", ")),
        })?;
        // An empty stance: the codebook has no stance target, so the run labelled frames only.
        if let Some((_, value)) = bad_stance {
            return Err(CompareError::BadLabel {
                path: path.clone(),
                line,
                field: "stance",
                value,
                expected: format!("{} (or empty, for a codebook without a stance target)", STANCE_LABELS.join(", ")),
            });
        }
        let s = p.stance.map(Stance::index);
        let mut group = String::new();
        for (i, key) in keys.iter().enumerate() {
            if i > 0 {
                group.push_str(COMBINED_SEPARATOR);
            }
            group.push_str(&group_value(key, &record, &p)?);
        }
        let unit =
            map.entry(group).or_default().entry(p.doc_id).or_insert_with(|| Unit { counts: vec![0; width], n: 0 });
        unit.counts[f] += 1;
        if let Some(s) = s {
            unit.counts[n_frames + s] += 1;
        }
        unit.n += 1;
    }
    if map.is_empty() && off_topic > 0 {
        return Err(CompareError::AllOffTopic { path, off_topic });
    }
    if map.is_empty() {
        return Err(CompareError::NoBodyParagraphs { path });
    }

    let mut groups: Vec<Group> = map
        .into_iter()
        .map(|(name, docs)| {
            let (doc_ids, units) = docs.into_iter().unzip();
            Group { name, doc_ids, units }
        })
        .collect();
    if *by == GroupBy::Month {
        // Months sort chronologically as strings; "unknown" is not a month and goes last.
        if let Some(i) = groups.iter().position(|g| g.name == UNKNOWN_MONTH) {
            let g = groups.remove(i);
            groups.push(g);
        }
    }
    Ok(GroupedRun { group_by: by.name().to_string(), n_frames, groups })
}

/// Where the values of one grouping key come from in this run folder.
fn key_for(
    run_dir: &Path,
    path: &Path,
    headers: &csv::StringRecord,
    safe: bool,
    by: &GroupBy,
) -> Result<Key, CompareError> {
    Ok(match by {
        GroupBy::Outlet => Key::Outlet,
        GroupBy::Month => Key::Month,
        GroupBy::Column(c) => match headers.iter().position(|h| h == c) {
            // A text column of a run written `--spreadsheet-safe` groups by the text, not its quoted cell.
            Some(i) if safe && SPREADSHEET_SAFE_COLUMNS.contains(&c.as_str()) => Key::QuotedColumn(i),
            Some(i) => Key::ParagraphColumn(i),
            None if c == LANG_COLUMN => {
                return Err(CompareError::MissingColumn {
                    path: path.to_path_buf(),
                    column: c.clone(),
                    reason: "this run was made before framelens wrote each paragraph's language; run it again \
                             to compare by language"
                        .into(),
                })
            }
            None => article_column(run_dir, c, headers)?,
        },
        // GroupBy::parse never nests combinations; only a hand-built value can get here.
        GroupBy::Combined { name, .. } => {
            return Err(CompareError::MissingColumn {
                path: path.to_path_buf(),
                column: name.clone(),
                reason: "a combined grouping cannot be one key of another".into(),
            })
        }
    })
}

/// One paragraph's value of one grouping key.
fn group_value(key: &Key, record: &csv::StringRecord, p: &ParagraphRecord) -> Result<String, CompareError> {
    Ok(match key {
        Key::Outlet => non_empty(&p.outlet),
        Key::Month => month_of(&p.published).unwrap_or(UNKNOWN_MONTH).to_string(),
        Key::ParagraphColumn(i) => non_empty(record.get(*i).unwrap_or("")),
        Key::QuotedColumn(i) => non_empty(crate::export::spreadsheet_safe::restore(record.get(*i).unwrap_or(""))),
        Key::ArticleColumn { column, values, path } => match values.get(&p.doc_id) {
            Some(v) => non_empty(v),
            None => {
                return Err(CompareError::MissingArticle {
                    path: path.clone(),
                    doc_id: p.doc_id.clone(),
                    column: column.clone(),
                })
            }
        },
    })
}

fn non_empty(v: &str) -> String {
    if v.trim().is_empty() {
        EMPTY_VALUE.to_string()
    } else {
        v.to_string()
    }
}

/// Builds the `doc_id → value` join for a column that only `articles.csv` has.
fn article_column(run_dir: &Path, column: &str, para_headers: &csv::StringRecord) -> Result<Key, CompareError> {
    let path = run_dir.join(ARTICLES_CSV);
    if !path.exists() {
        return Err(CompareError::MissingColumn {
            path: run_dir.join(PARAGRAPHS_CSV),
            column: column.into(),
            reason: format!(
                "not a column of paragraphs.csv ({}), and there is no articles.csv to join",
                para_headers.iter().collect::<Vec<_>>().join(", ")
            ),
        });
    }
    let mut rdr = open_csv(&path)?;
    let headers = rdr.headers().map_err(|e| csv_error(&path, e))?.clone();
    let Some(ci) = headers.iter().position(|h| h == column) else {
        return Err(CompareError::MissingColumn {
            path,
            column: column.into(),
            reason: format!(
                "neither paragraphs.csv nor articles.csv has it; columns: outlet, month, {}, {}",
                para_headers.iter().collect::<Vec<_>>().join(", "),
                headers.iter().collect::<Vec<_>>().join(", ")
            ),
        });
    };
    let Some(di) = headers.iter().position(|h| h == "doc_id") else {
        return Err(CompareError::MissingColumn {
            path,
            column: "doc_id".into(),
            reason: format!("needed to join `{column}` onto paragraphs"),
        });
    };
    let mut values = HashMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_error(&path, e))?;
        let doc = rec.get(di).unwrap_or("").to_string();
        values.insert(doc, rec.get(ci).unwrap_or("").to_string());
    }
    Ok(Key::ArticleColumn { column: column.into(), values, path })
}

fn open_csv(path: &Path) -> Result<csv::Reader<std::fs::File>, CompareError> {
    let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    Ok(csv::ReaderBuilder::new().from_reader(file))
}

fn io_error(path: &Path, e: std::io::Error) -> CompareError {
    if e.kind() == std::io::ErrorKind::NotFound {
        CompareError::MissingFile { path: path.to_path_buf() }
    } else {
        CompareError::Io { path: path.to_path_buf(), source: e }
    }
}

fn csv_error(path: &Path, e: csv::Error) -> CompareError {
    CompareError::Csv { path: path.to_path_buf(), source: e }
}
