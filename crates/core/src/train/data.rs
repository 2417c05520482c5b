//! Labelled data for `framelens train` and `framelens eval --data`: a CSV with a text column and a label
//! column whose labels are a codebook's frames.
//!
//! Labels match a frame by its `id` or its human `label`, compared after lower-casing and turning every run
//! of other characters than letters and digits into one `_` (so `Gun control/regulation`,
//! `gun_control_regulation` and `Gun Control / Regulation` are the same label). A cell may hold several
//! labels separated by `label_sep` (`;` by default): the data are then multi-label. A row whose label cell
//! is empty is *uncoded* (e.g. a row of `framelens sample` output not yet coded) and skipped; the count is
//! reported. A row coded as carrying *no* frame says so with [`NO_FRAME`] (`none`, unless the codebook has a
//! frame of that name): it becomes an empty label set, which only multi-label data can hold, so it makes the
//! data multi-label (an article without any of the frames is a real coding outcome, and dropping it as
//! uncoded would teach a head that every text has a frame). Everything else that cannot be used stops with
//! the file, line and reason: a missing column (naming the columns found), an empty text, a label that is not
//! in the codebook (naming the codebook's labels).
//!
//! Text and id cells are read through [`spreadsheet_safe::restore`]: `framelens sample` writes a `'` before a
//! cell a spreadsheet would run as a formula, and stripping it makes the text the run's paragraph again. Only
//! a `'` followed (after any further apostrophes) by `=`, `+`, `-`, `@`, tab or CR is stripped, so a text of
//! one's own that starts with an apostrophe otherwise (`'Tis`) is read as written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::codebook::{Frame, OTHER};
use crate::export::spreadsheet_safe;

pub use crate::codebook::NO_FRAME;

/// Which columns hold what.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DataFields {
    /// Column of the texts (`--text-field`).
    pub text: String,
    /// Column of the label cell (`--label-field`); a row whose cell is empty is uncoded and skipped.
    pub label: String,
    /// Optional id column (a document or article id): keys the train/dev split and groups bootstrap
    /// resampling in `eval`.
    pub id: Option<String>,
    /// Separator of several labels in one cell.
    pub label_sep: char,
    /// Optional column of each row's coded stance (`eval --data --stance-field`): supportive, critical or
    /// neutral (or a stance file's spellings, [`super::stance_data::stance_label`]); empty = stance not coded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stance: Option<String>,
}

impl Default for DataFields {
    fn default() -> Self {
        DataFields { text: "text".into(), label: "label".into(), id: None, label_sep: ';', stance: None }
    }
}

/// One coded row.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledRow {
    /// Line of the row's first character in the file (the header is line 1).
    pub line: u64,
    /// The `id` column's cell, restored and trimmed; `None` without an id column.
    pub id: Option<String>,
    /// Restored and trimmed; never empty.
    pub text: String,
    /// Label indices into [`LabelledData::labels`], in the order written, without repeats.
    pub labels: Vec<usize>,
    /// The coded stance, an index into [`crate::codebook::STANCE_LABELS`]; `None` without a stance column or
    /// where its cell is empty.
    pub stance: Option<usize>,
}

/// A labelled CSV resolved against a codebook's frames.
#[derive(Debug, Clone)]
pub struct LabelledData {
    pub(crate) path: PathBuf,
    /// The codebook's frame ids, in codebook order: the label order of every head trained on these data.
    pub labels: Vec<String>,
    /// The coded rows, in file order.
    pub rows: Vec<LabelledRow>,
    /// Some row carries more than one label (or the caller asked for multi-label).
    pub multi_label: bool,
    /// Rows skipped because their label cell was empty.
    pub uncoded: usize,
    /// sha256 of the file's bytes.
    pub sha256: String,
}

/// Why a coded CSV cannot be used. Each variant names the file, and most the line, so the user can fix it.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// The coded CSV.
        path: PathBuf,
        /// Why the read failed.
        #[source]
        source: std::io::Error,
    },
    /// The CSV reader rejects the header or a record, e.g. one that is not UTF-8.
    #[error("{path} line {line}: unreadable CSV: {message}")]
    Csv {
        /// The coded CSV.
        path: PathBuf,
        /// Line of the record (1 when the reader cannot say).
        line: u64,
        /// The reader's error, as text.
        message: String,
    },
    /// A column named by an option (or its default) is not in the header.
    #[error("{path}: no column `{column}` (set it with {option}); the header has: {}", found.join(", "))]
    MissingColumn {
        /// The coded CSV.
        path: PathBuf,
        /// The column looked for.
        column: String,
        /// The flag that names another column, e.g. `--text-field`.
        option: &'static str,
        /// The header's columns, for the message.
        found: Vec<String>,
    },
    /// A coded row has an empty text (or, in a stance file, an empty target).
    #[error("{path} line {line}: the text (column `{column}`) is empty but the row is labelled `{label}`")]
    EmptyText {
        /// The coded CSV.
        path: PathBuf,
        /// Line of the row.
        line: u64,
        /// The empty column.
        column: String,
        /// The row's label cell, to help find the row.
        label: String,
    },
    /// A label is neither a frame of the codebook (by id or human label) nor `other`.
    #[error(
        "{path} line {line}: label `{label}` is not a frame of the codebook; its labels are: {}",
        known.join(", ")
    )]
    UnknownLabel {
        /// The coded CSV.
        path: PathBuf,
        /// Line of the row.
        line: u64,
        /// The label as written.
        label: String,
        /// `id (label)` of every frame, for the message.
        known: Vec<String>,
    },
    /// A stance cell is none of the spellings a stance file accepts.
    #[error(
        "{path} line {line}: stance label `{label}` is not one of 0/con/against/critical, 1/pro/favor/supportive, \
         2/neutral/none"
    )]
    UnknownStance {
        /// The stance file.
        path: PathBuf,
        /// Line of the row.
        line: u64,
        /// The cell as written.
        label: String,
    },
    /// A cell combines [`NO_FRAME`] with frames: an article cannot have no frame and some.
    #[error("{path} line {line}: `{NO_FRAME}` (no frame) cannot be combined with other labels: `{cell}`")]
    NoFrameWithLabels {
        /// The coded CSV.
        path: PathBuf,
        /// Line of the row.
        line: u64,
        /// The whole label cell.
        cell: String,
    },
    /// No row is coded: the file has no rows, or every label cell is empty.
    #[error("{path}: no coded rows ({uncoded} rows have an empty `{column}` column)")]
    NoRows {
        /// The file read.
        path: PathBuf,
        /// Rows skipped for an empty label cell (0 for a stance file, which skips none).
        uncoded: usize,
        /// The label column.
        column: String,
    },
}

/// Lower-cased, with every run of characters other than letters and digits turned into one `_`.
pub fn normalise_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut gap = false;
    for c in s.trim().chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('_');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
    }
    out
}

/// Resolves written labels to frame indices by id or human label.
#[derive(Debug, Clone)]
pub struct LabelMatcher {
    index: BTreeMap<String, usize>,
    /// `id (label)` of every frame, for messages.
    pub known: Vec<String>,
    /// Frame ids in codebook order: [`get`](Self::get)'s index `i` is the frame `ids[i]`.
    pub ids: Vec<String>,
}

impl LabelMatcher {
    /// Matches ids and human labels after [`normalise_label`]; where one frame's id and another's label
    /// normalise alike, the id wins.
    pub fn new(frames: &[Frame]) -> Self {
        let mut index = BTreeMap::new();
        for (i, f) in frames.iter().enumerate() {
            index.entry(normalise_label(&f.label)).or_insert(i);
        }
        // Ids win over human labels when both match different frames.
        for (i, f) in frames.iter().enumerate() {
            index.insert(normalise_label(&f.id), i);
        }
        LabelMatcher {
            index,
            known: frames.iter().map(|f| format!("{} ({})", f.id, f.label)).collect(),
            ids: frames.iter().map(|f| f.id.clone()).collect(),
        }
    }

    /// The index of the frame `label` names, by id or human label; `None` when it names none.
    pub fn get(&self, label: &str) -> Option<usize> {
        self.index.get(&normalise_label(label)).copied()
    }
}

/// A coded CSV's error at the record `e` points to (line 1 when it points nowhere).
pub(crate) fn csv_error(path: &Path, e: &csv::Error) -> DataError {
    DataError::Csv { path: path.to_path_buf(), line: e.position().map_or(1, |p| p.line()), message: e.to_string() }
}

/// The header row of a coded CSV (frames or stance), for finding the columns a user named. A UTF-8 byte
/// order mark before the first name (as spreadsheet programs write) is not part of it.
pub(crate) struct CsvHeader {
    path: PathBuf,
    pub names: Vec<String>,
}

impl CsvHeader {
    pub(crate) fn read<R: std::io::Read>(reader: &mut csv::Reader<R>, path: &Path) -> Result<Self, DataError> {
        let names = reader
            .headers()
            .map_err(|e| csv_error(path, &e))?
            .iter()
            .enumerate()
            .map(|(i, h)| if i == 0 { h.trim_start_matches('\u{feff}').to_string() } else { h.to_string() })
            .collect();
        Ok(CsvHeader { path: path.to_path_buf(), names })
    }

    /// The index of column `name`, if the header has it.
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|h| h.trim() == name)
    }

    /// The index of column `name`, or an error naming the flag (`option`) that chooses another.
    pub(crate) fn column(&self, name: &str, option: &'static str) -> Result<usize, DataError> {
        self.find(name).ok_or_else(|| DataError::MissingColumn {
            path: self.path.clone(),
            column: name.to_string(),
            option,
            found: self.names.clone(),
        })
    }
}

/// Reads `path`, resolving labels against `frames`. `force_multi` makes the data multi-label even if
/// every row has one label.
pub fn read_labelled(
    path: &Path,
    fields: &DataFields,
    frames: &[Frame],
    force_multi: bool,
) -> Result<LabelledData, DataError> {
    let bytes = std::fs::read(path).map_err(|source| DataError::Io { path: path.to_path_buf(), source })?;
    let sha256 = crate::encode::model::sha256_hex(&bytes);
    let matcher = LabelMatcher::new(frames);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes.as_slice());
    let csv_err = |e: csv::Error| csv_error(path, &e);
    let header = CsvHeader::read(&mut reader, path)?;
    let text_col = header.column(&fields.text, "--text-field")?;
    let label_col = header.column(&fields.label, "--label-field")?;
    let id_col = match &fields.id {
        Some(id) => Some(header.column(id, "--id-field")?),
        None => None,
    };
    let stance_col = match &fields.stance {
        Some(s) => Some(header.column(s, "--stance-field")?),
        None => None,
    };
    let mut rows = Vec::new();
    let mut uncoded = 0;
    let mut multi = force_multi;
    let mut saw_other = false;
    for rec in reader.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec.position().map_or(0, |p| p.line());
        let cell = |c: usize| rec.get(c).unwrap_or("");
        let label_cell = cell(label_col).trim();
        if label_cell.is_empty() {
            uncoded += 1;
            continue;
        }
        let text = spreadsheet_safe::restore(cell(text_col).trim()).trim();
        if text.is_empty() {
            return Err(DataError::EmptyText {
                path: path.to_path_buf(),
                line,
                column: fields.text.clone(),
                label: label_cell.to_string(),
            });
        }
        let mut labels = Vec::new();
        let parts: Vec<&str> = label_cell.split(fields.label_sep).map(str::trim).filter(|s| !s.is_empty()).collect();
        if parts.len() > 1 {
            multi = true;
        }
        let no_frame = |p: &str| matcher.get(p).is_none() && normalise_label(p) == NO_FRAME;
        if parts.iter().any(|p| no_frame(p)) {
            if parts.len() > 1 {
                return Err(DataError::NoFrameWithLabels {
                    path: path.to_path_buf(),
                    line,
                    cell: label_cell.to_string(),
                });
            }
            // An empty label set: only multi-label data can hold one.
            multi = true;
        } else {
            for part in parts {
                // `other` (off-topic) is a class a head may learn, placed after the codebook's frames.
                let other = (normalise_label(part) == OTHER).then_some(matcher.ids.len());
                saw_other |= matcher.get(part).is_none() && other.is_some();
                let Some(i) = matcher.get(part).or(other) else {
                    return Err(DataError::UnknownLabel {
                        path: path.to_path_buf(),
                        line,
                        label: part.to_string(),
                        known: matcher.known.clone(),
                    });
                };
                if !labels.contains(&i) {
                    labels.push(i);
                }
            }
        }
        let stance = match stance_col.map(|c| cell(c).trim()).filter(|s| !s.is_empty()) {
            Some(s) => Some(super::stance_data::stance_label(s).ok_or_else(|| DataError::UnknownStance {
                path: path.to_path_buf(),
                line,
                label: s.to_string(),
            })?),
            None => None,
        };
        rows.push(LabelledRow {
            line,
            id: id_col.map(|c| spreadsheet_safe::restore(cell(c).trim()).trim().to_string()),
            text: text.to_string(),
            labels,
            stance,
        });
    }
    if rows.is_empty() {
        return Err(DataError::NoRows { path: path.to_path_buf(), uncoded, column: fields.label.clone() });
    }
    let mut labels = matcher.ids;
    if saw_other {
        labels.push(OTHER.to_string());
    }
    Ok(LabelledData { path: path.to_path_buf(), labels, rows, multi_label: multi, uncoded, sha256 })
}

impl LabelledData {
    /// Rows per label (a multi-label row counts for each of its labels).
    pub fn label_counts(&self) -> Vec<usize> {
        let mut c = vec![0; self.labels.len()];
        for r in &self.rows {
            for &l in &r.labels {
                c[l] += 1;
            }
        }
        c
    }

    /// The first label of each row (single-label data).
    pub fn single_labels(&self) -> Vec<usize> {
        self.rows.iter().map(|r| r.labels[0]).collect()
    }

    /// Keeps the rows for which `keep(row)` holds.
    pub fn retain(&mut self, mut keep: impl FnMut(&LabelledRow) -> bool) {
        self.rows.retain(|r| keep(r));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames() -> Vec<Frame> {
        [("gun_control", "Gun control/regulation"), ("politics", "Politics"), ("mental_health", "Mental health")]
            .iter()
            .map(|(id, label)| Frame {
                id: id.to_string(),
                label: label.to_string(),
                definition: "d".into(),
                cues: vec![],
                examples: vec![],
            })
            .collect()
    }

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("coded.csv");
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    #[test]
    fn reads_a_coded_stance_column_and_names_the_line_of_an_unknown_stance() {
        let (_d, p) = write("text,label,stance\nFirst,politics,Supportive\nSecond,politics,\nThird,politics,against\n");
        let fields = DataFields { stance: Some("stance".into()), ..Default::default() };
        let d = read_labelled(&p, &fields, &frames(), false).unwrap();
        let stances: Vec<Option<usize>> = d.rows.iter().map(|r| r.stance).collect();
        assert_eq!(stances, [Some(0), None, Some(1)], "supportive, not coded, critical");
        let no_column = read_labelled(&p, &DataFields::default(), &frames(), false).unwrap();
        assert!(no_column.rows.iter().all(|r| r.stance.is_none()));
        let (_d, p) = write("text,label,stance\nFirst,politics,neutral\nSecond,politics,sceptical\n");
        let e = read_labelled(&p, &fields, &frames(), false).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("`sceptical`"), "{e}");
        let e = read_labelled(&p, &DataFields { stance: Some("tone".into()), ..Default::default() }, &frames(), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no column `tone`") && e.contains("--stance-field"), "{e}");
    }

    #[test]
    fn normalises_labels() {
        assert_eq!(normalise_label(" Gun control / Regulation "), "gun_control_regulation");
        assert_eq!(
            normalise_label("Legality_Constitutionality_and_jurisprudence"),
            "legality_constitutionality_and_jurisprudence"
        );
        assert_eq!(normalise_label("gun_control"), "gun_control");
    }

    #[test]
    fn reads_ids_and_human_labels_skips_uncoded_rows() {
        let (_d, p) = write("id,text,label\na,First text,Politics\nb,Second,gun_control\nc,Third,\nd,\"Fourth,\nwith a break\",MENTAL HEALTH\n");
        let d =
            read_labelled(&p, &DataFields { id: Some("id".into()), ..Default::default() }, &frames(), false).unwrap();
        assert_eq!(d.rows.len(), 3);
        assert_eq!(d.uncoded, 1);
        assert!(!d.multi_label);
        assert_eq!(d.single_labels(), vec![1, 0, 2]);
        assert_eq!(d.rows[2].line, 5);
        assert_eq!(d.rows[2].id.as_deref(), Some("d"));
        assert_eq!(d.label_counts(), vec![1, 1, 1]);
    }

    #[test]
    fn other_is_a_class_after_the_frames_only_when_coded() {
        let (_d, p) = write("text,label\nx,Politics\ny,Other\nz,gun_control\n");
        let d = read_labelled(&p, &DataFields::default(), &frames(), false).unwrap();
        assert_eq!(d.labels, ["gun_control", "politics", "mental_health", "other"]);
        assert_eq!(d.single_labels(), vec![1, 3, 0]);
        let (_d, p) = write("text,label\nx,Politics\n");
        let d = read_labelled(&p, &DataFields::default(), &frames(), false).unwrap();
        assert_eq!(d.labels.len(), 3, "no `other` class without `other` rows");
    }

    #[test]
    fn none_is_a_coded_row_without_frames() {
        let (_d, p) = write("text,label\nx,Politics\ny,None\nz,\n");
        let d = read_labelled(&p, &DataFields::default(), &frames(), false).unwrap();
        assert!(d.multi_label, "an empty label set makes the data multi-label");
        assert_eq!(d.rows.iter().map(|r| r.labels.clone()).collect::<Vec<_>>(), vec![vec![1], vec![]]);
        assert_eq!(d.uncoded, 1);
        // `none` beside a frame contradicts itself.
        let (_d, p) = write("text,label\nx,none; politics\n");
        let err = read_labelled(&p, &DataFields::default(), &frames(), false).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("cannot be combined"), "{err}");
        // A codebook frame called `none` is that frame.
        let mut f = frames();
        f[0].id = "none".into();
        let (_d, p) = write("text,label\nx,none\n");
        let d = read_labelled(&p, &DataFields::default(), &f, false).unwrap();
        assert_eq!((d.rows[0].labels.clone(), d.multi_label), (vec![0], false));
    }

    #[test]
    fn multi_label_cells() {
        let (_d, p) = write("text,label\nx,Politics; Mental health\ny,politics\n");
        let d = read_labelled(&p, &DataFields::default(), &frames(), false).unwrap();
        assert!(d.multi_label);
        assert_eq!(d.rows[0].labels, vec![1, 2]);
        let (_d, p) = write("text,frames\nx,\"politics,gun_control\"\n");
        let f = DataFields { label: "frames".into(), label_sep: ',', ..Default::default() };
        assert_eq!(read_labelled(&p, &f, &frames(), false).unwrap().rows[0].labels, vec![1, 0]);
    }

    #[test]
    fn quotes_framelens_sample_added_are_stripped_and_genuine_ones_kept() {
        let (_d, p) = write(
            "id,text,label\n'-d1,\"'=HYPERLINK(\"\"http://example.com\"\",\"\"x\"\")\",politics\n\
             d2,'+1,politics\nd3,'Tis the season,politics\nd4,''@x,politics\n",
        );
        let d =
            read_labelled(&p, &DataFields { id: Some("id".into()), ..Default::default() }, &frames(), false).unwrap();
        let got: Vec<(&str, &str)> = d.rows.iter().map(|r| (r.id.as_deref().unwrap(), r.text.as_str())).collect();
        assert_eq!(
            got,
            [
                ("-d1", r#"=HYPERLINK("http://example.com","x")"#),
                ("d2", "+1"),
                ("d3", "'Tis the season"),
                ("d4", "'@x")
            ]
        );
    }

    #[test]
    fn clear_errors() {
        let (_d, p) = write("text,label\nx,Politics\ny,Sports\n");
        let e = read_labelled(&p, &DataFields::default(), &frames(), false).unwrap_err().to_string();
        assert!(
            e.contains("line 3") && e.contains("`Sports`") && e.contains("gun_control (Gun control/regulation)"),
            "{e}"
        );
        let (_d, p) = write("text,label\nx,Politics\n  ,Politics\n");
        let e = read_labelled(&p, &DataFields::default(), &frames(), false).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("empty"), "{e}");
        let (_d, p) = write("headline,label\nx,Politics\n");
        let e = read_labelled(&p, &DataFields::default(), &frames(), false).unwrap_err().to_string();
        assert!(e.contains("no column `text`") && e.contains("--text-field") && e.contains("headline, label"), "{e}");
        let (_d, p) = write("text,label\nx,\n");
        let e = read_labelled(&p, &DataFields::default(), &frames(), false).unwrap_err().to_string();
        assert!(e.contains("no coded rows"), "{e}");
    }
}
