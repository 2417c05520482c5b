//! `framelens sample`: paragraphs of a finished run drawn for hand coding — at random, evenly across
//! outlets, or the least certain ones (smallest margin between the two best frames) for the next round.
//! The CSV it writes has empty `label` and `stance` columns; once coded it is accepted back by
//! `framelens train --data` (text + label) and by `framelens eval --gold` (doc_id + text_prefix + label).
//!
//! Every cell is written through [`spreadsheet_safe::neutralise`]: this is the file users are told to open
//! in a spreadsheet, where a paragraph beginning with `=`, `+`, `-` or `@` would otherwise run as a
//! formula. The readers of a coded sheet (`train --data`, `eval --gold`, `sample --exclude`) undo it with
//! [`spreadsheet_safe::restore`], so the texts match the run's paragraphs again.
//!
//! The model's labels are left out of the sheet unless asked for (`--show-predictions`): a coder who sees
//! "predicted_frame: victim_protection" next to the text is steered toward it, and agreement with the
//! model measured on such codes is inflated.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::export::{spreadsheet_safe, tables};
use crate::stats::random::{seeded, shuffle};

/// How paragraphs are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Uniformly at random.
    Random,
    /// The same number from every outlet (as far as each has paragraphs), at random within an outlet.
    ByOutlet,
    /// The smallest `frame_margin` first (ties broken at random).
    Uncertain,
}

/// One paragraph to code.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleRow {
    pub(crate) doc_id: String,
    pub(crate) outlet: String,
    pub(crate) para_index: String,
    pub(crate) frame: String,
    pub(crate) frame_score: String,
    pub(crate) frame_margin: String,
    /// The model's stance (empty when the run had no stance target or the CSV has no `stance` column).
    pub stance: String,
    pub(crate) text: String,
}

/// Why a sample could not be drawn or its coding sheet written.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    /// The run's `paragraphs.csv` or an earlier coding sheet cannot be read or lacks a column it needs.
    #[error("{path}: {message}")]
    Read {
        /// The CSV read.
        path: PathBuf,
        /// What went wrong, as text.
        message: String,
    },
    /// The coding sheet could not be written.
    #[error("{path}: {source}")]
    Write {
        /// The sheet's path.
        path: PathBuf,
        /// Why the write failed.
        #[source]
        source: std::io::Error,
    },
}

/// Characters of a paragraph written to `text_prefix` (what `eval --gold` matches on).
pub const PREFIX_CHARS: usize = 60;

/// The model's output, written only with `--show-predictions`, between `text_prefix` and `text`.
pub const PREDICTION_COLUMNS: [&str; 4] = ["predicted_frame", "frame_score", "frame_margin", "predicted_stance"];

/// The sheet's columns: the paragraph's identity, then (when shown) the model's labels, then the text
/// and the empty columns to code.
pub fn header(show_predictions: bool) -> Vec<&'static str> {
    let mut h = vec!["doc_id", "outlet", "para_index", "text_prefix"];
    if show_predictions {
        h.extend(PREDICTION_COLUMNS);
    }
    h.extend(["text", "label", "stance"]);
    h
}

/// Draws `n` body paragraphs from a run's `paragraphs.csv`, leaving out texts in `exclude` (already coded).
/// Rows come back in corpus order (document, then paragraph), whatever the strategy.
pub fn sample_paragraphs(
    paragraphs_csv: &Path,
    n: usize,
    strategy: Strategy,
    seed: u64,
    exclude: &HashSet<String>,
) -> Result<Vec<SampleRow>, SampleError> {
    let err = |message: String| SampleError::Read { path: paragraphs_csv.to_path_buf(), message };
    let mut r = csv::Reader::from_path(paragraphs_csv).map_err(|e| err(e.to_string()))?;
    let header: Vec<String> = r.headers().map_err(|e| err(e.to_string()))?.iter().map(str::to_string).collect();
    let c = tables::column_positions(
        header.iter().map(String::as_str),
        ["doc_id", "outlet", "para_index", "frame", "frame_score", "frame_margin", "text", "kind"],
        tables::PARAGRAPHS,
    )
    .map_err(err)?;
    let stance = header.iter().position(|h| h == "stance");
    // Texts as the run saw them, whether or not it wrote them spreadsheet-safe: the sheet neutralises anew.
    let safe = spreadsheet_safe::paragraphs_csv_is_safe(paragraphs_csv);
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| err(e.to_string()))?;
        let g = |i: usize| rec.get(c[i]).unwrap_or("").to_string();
        let text = if safe { spreadsheet_safe::restore(&g(6)).to_string() } else { g(6) };
        if g(7) != "body" || exclude.contains(&normalise(&text)) {
            continue;
        }
        rows.push(SampleRow {
            doc_id: g(0),
            outlet: g(1),
            para_index: g(2),
            frame: g(3),
            frame_score: g(4),
            frame_margin: g(5),
            stance: stance.and_then(|i| rec.get(i)).unwrap_or("").to_string(),
            text,
        });
    }
    let outlets: Vec<&str> = rows.iter().map(|r| r.outlet.as_str()).collect();
    let margins: Vec<f64> = rows.iter().map(|r| r.frame_margin.parse::<f64>().unwrap_or(f64::INFINITY)).collect();
    let chosen: Vec<usize> = draw_order(&outlets, &margins, strategy, seed).into_iter().take(n).collect();
    let mut chosen = chosen;
    chosen.sort_unstable();
    Ok(chosen.into_iter().map(|i| rows[i].clone()).collect())
}

/// The order in which `strategy` draws rows (given each row's outlet and frame margin, an unknown margin
/// being infinite): shuffled with `seed`; by outlet, one row of each outlet in turn; uncertain, smallest
/// margin first with ties in shuffled order. `sample` takes the first n; the workbench's coding queue is
/// the whole order, so two coders with the same seed get the same items.
pub fn draw_order(outlets: &[&str], margins: &[f64], strategy: Strategy, seed: u64) -> Vec<usize> {
    let mut rng = seeded(seed);
    let mut order: Vec<usize> = (0..outlets.len()).collect();
    shuffle(&mut order, &mut rng);
    match strategy {
        Strategy::Random => order,
        Strategy::Uncertain => {
            // Stable sort of the shuffled order: equal margins stay in random order.
            order.sort_by(|&a, &b| margins[a].total_cmp(&margins[b]));
            order
        }
        Strategy::ByOutlet => {
            let mut by: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for i in order {
                by.entry(outlets[i]).or_default().push(i);
            }
            let mut queues: Vec<std::vec::IntoIter<usize>> = by.into_values().map(Vec::into_iter).collect();
            let mut out = Vec::with_capacity(outlets.len());
            loop {
                let before = out.len();
                for q in queues.iter_mut() {
                    if let Some(i) = q.next() {
                        out.push(i);
                    }
                }
                if out.len() == before {
                    break;
                }
            }
            out
        }
    }
}

fn normalise(t: &str) -> String {
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Texts of an earlier coding file (its `text` column), to exclude from the next draw.
pub fn coded_texts(path: &Path) -> Result<HashSet<String>, SampleError> {
    let err = |message: String| SampleError::Read { path: path.to_path_buf(), message };
    let mut r = csv::Reader::from_path(path).map_err(|e| err(e.to_string()))?;
    let header: Vec<String> = r.headers().map_err(|e| err(e.to_string()))?.iter().map(str::to_string).collect();
    let t = header.iter().position(|h| h == "text").ok_or_else(|| err("no column `text`".into()))?;
    let mut out = HashSet::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| err(e.to_string()))?;
        out.insert(normalise(spreadsheet_safe::restore(rec.get(t).unwrap_or(""))));
    }
    Ok(out)
}

/// Writes the coding sheet (empty `label` and `stance` columns) atomically, with the model's labels only
/// when `show_predictions`. Every cell is neutralised (see the module doc); `text_prefix` is cut from the
/// text before neutralising, so it restores to the start of the restored text.
pub fn write_sample(path: &Path, rows: &[SampleRow], show_predictions: bool) -> Result<(), SampleError> {
    let io = |source| SampleError::Write { path: path.to_path_buf(), source };
    let bytes = sheet_bytes(
        show_predictions,
        rows.iter().map(|r| {
            let mut record: Vec<&str> = vec![&r.doc_id, &r.outlet, &r.para_index];
            if show_predictions {
                record.extend([r.frame.as_str(), &r.frame_score, &r.frame_margin, &r.stance]);
            }
            (record, r.text.as_str(), ["", ""])
        }),
    )
    .map_err(io)?;
    crate::atomic::write_atomic(path, &bytes).map_err(io)
}

/// A coded row of the coding sheet: what a coder decided for one paragraph (the workbench's export and
/// import, in the file `train --data` and `eval --gold` read).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CodedRow {
    /// The paragraph's article.
    pub doc_id: String,
    /// The article's outlet.
    pub outlet: String,
    /// The paragraph's `para_index` in the run (empty in sheets that lack the column).
    pub para_index: String,
    /// The whole paragraph, as the run wrote it.
    pub text: String,
    /// A frame id of the codebook, or `other`; empty when only the stance was coded.
    pub label: String,
    /// `supportive`, `critical` or `neutral`; empty when not coded.
    pub stance: String,
}

/// The sheet's bytes: identity cells (and predictions), `text_prefix` cut from the text, the text and the
/// two code cells, every cell neutralised.
fn sheet_bytes<'a>(
    show_predictions: bool,
    rows: impl Iterator<Item = (Vec<&'a str>, &'a str, [&'a str; 2])>,
) -> std::io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header(show_predictions)).map_err(std::io::Error::other)?;
    for (mut record, text, codes) in rows {
        let prefix: String = text.chars().take(PREFIX_CHARS).collect();
        record.insert(3, &prefix);
        record.push(text);
        record.extend(codes);
        w.write_record(record.into_iter().map(|c| spreadsheet_safe::neutralise(c).into_owned()))
            .map_err(std::io::Error::other)?;
    }
    w.into_inner().map_err(|e| std::io::Error::other(e.to_string()))
}

/// Coded rows as a coding sheet's bytes (the columns of [`write_sample`] without predictions, `label` and
/// `stance` filled): what the workbench's export button downloads.
pub fn coded_sheet(rows: &[CodedRow]) -> std::io::Result<Vec<u8>> {
    sheet_bytes(
        false,
        rows.iter().map(|r| {
            (vec![r.doc_id.as_str(), &r.outlet, &r.para_index], r.text.as_str(), [r.label.as_str(), &r.stance])
        }),
    )
}

/// Writes [`coded_sheet`] to `path` atomically.
pub fn write_coded(path: &Path, rows: &[CodedRow]) -> Result<(), SampleError> {
    let io = |source| SampleError::Write { path: path.to_path_buf(), source };
    let bytes = coded_sheet(rows).map_err(io)?;
    crate::atomic::write_atomic(path, &bytes).map_err(io)
}

/// Reads a coded sheet back: `doc_id` and `text` (or `text_prefix`) identify the paragraph; `label` (or
/// `frame`) and `stance` are the codes, either may be empty; `outlet` and `para_index` are optional. Rows
/// with neither code are left out. Cells are restored from their spreadsheet-safe form.
pub fn read_coded(path: &Path) -> Result<Vec<CodedRow>, SampleError> {
    let err = |message: String| SampleError::Read { path: path.to_path_buf(), message };
    let mut r = csv::Reader::from_path(path).map_err(|e| err(e.to_string()))?;
    let header: Vec<String> = r
        .headers()
        .map_err(|e| err(e.to_string()))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let col = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let doc = col(&["doc_id"]).ok_or_else(|| err("no column `doc_id`".into()))?;
    let text = col(&["text", "text_prefix"]).ok_or_else(|| err("no column `text` or `text_prefix`".into()))?;
    let label = col(&["label", "frame"]);
    let stance = col(&["stance"]);
    if label.is_none() && stance.is_none() {
        return Err(err("no column `label`, `frame` or `stance`".into()));
    }
    let (outlet, para) = (col(&["outlet"]), col(&["para_index"]));
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| err(e.to_string()))?;
        let cell = |c: Option<usize>| {
            spreadsheet_safe::restore(c.and_then(|i| rec.get(i)).unwrap_or("").trim()).trim().to_string()
        };
        let row = CodedRow {
            doc_id: cell(Some(doc)),
            outlet: cell(outlet),
            para_index: cell(para),
            text: cell(Some(text)),
            label: cell(label),
            stance: cell(stance).to_lowercase(),
        };
        if !row.label.is_empty() || !row.stance.is_empty() {
            out.push(row);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_csv(dir: &Path) -> PathBuf {
        let p = dir.join("paragraphs.csv");
        let mut s = String::from("doc_id,outlet,para_index,kind,frame,frame_score,frame_margin,stance,text\n");
        for o in ["A", "B", "C"] {
            for i in 0..(if o == "C" { 2 } else { 10 }) {
                s += &format!(
                    "{o}/doc,{o},{i},body,f,0.9,{},neutral,\"{o} paragraph {i}\"\n",
                    (i as f64) / 10.0 + if o == "B" { 0.05 } else { 0.0 }
                );
            }
            s += &format!("{o}/doc,{o},99,heading,,,,,\"{o} heading\"\n");
        }
        std::fs::write(&p, s).unwrap();
        p
    }

    #[test]
    fn a_coded_sheet_reads_back_as_written_and_as_train_and_eval_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("coded.csv");
        let rows = vec![
            CodedRow {
                doc_id: "a/doc".into(),
                outlet: "A".into(),
                para_index: "3".into(),
                text: "=SUM(1) is not a formula here".into(),
                label: "f1".into(),
                stance: "critical".into(),
            },
            CodedRow {
                doc_id: "b/doc".into(),
                para_index: "0".into(),
                text: "Only a stance".into(),
                stance: "neutral".into(),
                ..Default::default()
            },
        ];
        write_coded(&path, &rows).unwrap();
        assert_eq!(read_coded(&path).unwrap(), rows);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("doc_id,outlet,para_index,text_prefix,text,label,stance\n"));
        assert!(text.contains("'=SUM(1)"), "neutralised for spreadsheets: {text}");
    }

    #[test]
    fn strategies() {
        let dir = tempfile::tempdir().unwrap();
        let p = run_csv(dir.path());
        let none = HashSet::new();
        let by = sample_paragraphs(&p, 9, Strategy::ByOutlet, 3, &none).unwrap();
        let count = |rows: &[SampleRow], o: &str| rows.iter().filter(|r| r.outlet == o).count();
        assert_eq!((count(&by, "A"), count(&by, "B"), count(&by, "C")), (4, 3, 2));
        let unc = sample_paragraphs(&p, 3, Strategy::Uncertain, 3, &none).unwrap();
        let margins: Vec<&str> = unc.iter().map(|r| r.frame_margin.as_str()).collect();
        assert!(margins.iter().all(|m| ["0", "0.05", "0.1"].contains(m)), "{margins:?}");
        let r1 = sample_paragraphs(&p, 5, Strategy::Random, 7, &none).unwrap();
        assert_eq!(r1, sample_paragraphs(&p, 5, Strategy::Random, 7, &none).unwrap());
        assert!(r1.iter().all(|r| !r.text.contains("heading")));
        let excl: HashSet<String> = ["A paragraph 0".to_string()].into();
        let u = sample_paragraphs(&p, 1, Strategy::Uncertain, 3, &excl).unwrap();
        assert_ne!(u[0].text, "A paragraph 0");
    }

    /// The sheet read back by column name, as `train --data` and `eval --gold` read it.
    fn read_sheet(path: &Path) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
        let mut r = csv::Reader::from_path(path).unwrap();
        let h: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        let rows =
            r.records().map(|x| h.iter().cloned().zip(x.unwrap().iter().map(str::to_string)).collect()).collect();
        (h, rows)
    }

    #[test]
    fn the_sheet_hides_the_models_labels_by_default() {
        let dir = tempfile::tempdir().unwrap();
        let rows = sample_paragraphs(&run_csv(dir.path()), 4, Strategy::Random, 1, &HashSet::new()).unwrap();
        let out = dir.path().join("tocode.csv");
        write_sample(&out, &rows, false).unwrap();
        let (h, sheet) = read_sheet(&out);
        assert_eq!(h, ["doc_id", "outlet", "para_index", "text_prefix", "text", "label", "stance"]);
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(!text.contains("0.9"), "a score leaked into the sheet: {text}");
        for (r, s) in rows.iter().zip(&sheet) {
            assert_eq!(
                (&s["doc_id"], &s["text"], &s["label"], &s["stance"]),
                (&r.doc_id, &r.text, &String::new(), &String::new())
            );
            assert!(r.text.starts_with(&s["text_prefix"]));
        }
    }

    #[test]
    fn show_predictions_adds_the_models_labels_before_the_text() {
        let dir = tempfile::tempdir().unwrap();
        let rows = sample_paragraphs(&run_csv(dir.path()), 4, Strategy::Random, 1, &HashSet::new()).unwrap();
        let out = dir.path().join("tocode.csv");
        write_sample(&out, &rows, true).unwrap();
        let (h, sheet) = read_sheet(&out);
        assert_eq!(
            h,
            [
                "doc_id",
                "outlet",
                "para_index",
                "text_prefix",
                "predicted_frame",
                "frame_score",
                "frame_margin",
                "predicted_stance",
                "text",
                "label",
                "stance"
            ]
        );
        for (r, s) in rows.iter().zip(&sheet) {
            assert_eq!((&s["predicted_frame"], &s["frame_score"]), (&"f".to_string(), &"0.9".to_string()));
            assert_eq!((&s["frame_margin"], &s["predicted_stance"]), (&r.frame_margin, &"neutral".to_string()));
            assert_eq!((&s["text"], &s["label"]), (&r.text, &String::new()));
        }
    }

    #[test]
    fn formula_like_cells_are_quoted_in_the_sheet_and_read_back_as_the_runs_text() {
        let formula = r#"=HYPERLINK("http://example.com","x")"#;
        for run_quoted in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("paragraphs.csv");
            let cell = if run_quoted { format!("'{formula}") } else { formula.to_string() };
            let mut w = csv::Writer::from_path(&p).unwrap();
            w.write_record(["doc_id", "outlet", "para_index", "kind", "frame", "frame_score", "frame_margin", "text"])
                .unwrap();
            w.write_record(["-d", "@outlet", "0", "body", "f", "0.9", "0.1", &cell]).unwrap();
            w.write_record(["-d", "@outlet", "1", "body", "f", "0.9", "0.1", "'Tis the season"]).unwrap();
            w.flush().unwrap();
            if run_quoted {
                std::fs::write(dir.path().join("manifest.json"), r#"{"options": {"spreadsheet_safe": true}}"#).unwrap();
            }
            let rows = sample_paragraphs(&p, 5, Strategy::Random, 1, &HashSet::new()).unwrap();
            assert_eq!(rows[0].text, formula, "run quoted: {run_quoted}");
            let out = dir.path().join("tocode.csv");
            write_sample(&out, &rows, true).unwrap();
            let (_, sheet) = read_sheet(&out);
            // No cell of the sheet can run in a spreadsheet; the genuine apostrophe is left alone.
            for row in &sheet {
                for (col, v) in row {
                    assert!(!v.starts_with(spreadsheet_safe::TRIGGERS), "{col}: {v:?}");
                }
            }
            assert_eq!(sheet[0]["text"], format!("'{formula}"));
            assert_eq!(sheet[0]["text_prefix"], format!("'{formula}"));
            assert_eq!((sheet[0]["doc_id"].as_str(), sheet[0]["outlet"].as_str()), ("'-d", "'@outlet"));
            assert_eq!(sheet[1]["text"], "'Tis the season");
            // `--exclude` with this sheet leaves out exactly these paragraphs.
            let coded = coded_texts(&out).unwrap();
            assert_eq!(coded, [formula.to_string(), "'Tis the season".to_string()].into());
            assert!(sample_paragraphs(&p, 5, Strategy::Random, 1, &coded).unwrap().is_empty());
        }
    }
}
