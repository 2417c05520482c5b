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
    let mut rng = seeded(seed);
    let mut order: Vec<usize> = (0..rows.len()).collect();
    shuffle(&mut order, &mut rng);
    let chosen: Vec<usize> = match strategy {
        Strategy::Random => order.into_iter().take(n).collect(),
        Strategy::Uncertain => {
            let margin = |i: usize| rows[i].frame_margin.parse::<f64>().unwrap_or(f64::INFINITY);
            // Stable sort of the shuffled order: equal margins stay in random order.
            order.sort_by(|&a, &b| margin(a).total_cmp(&margin(b)));
            order.into_iter().take(n).collect()
        }
        Strategy::ByOutlet => {
            let mut by: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for i in order {
                by.entry(rows[i].outlet.as_str()).or_default().push(i);
            }
            let mut queues: Vec<std::vec::IntoIter<usize>> = by.into_values().map(Vec::into_iter).collect();
            let mut out = Vec::new();
            while out.len() < n {
                let before = out.len();
                for q in queues.iter_mut() {
                    if out.len() == n {
                        break;
                    }
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
    };
    let mut chosen = chosen;
    chosen.sort_unstable();
    Ok(chosen.into_iter().map(|i| rows[i].clone()).collect())
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
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header(show_predictions)).map_err(|e| io(std::io::Error::other(e)))?;
    for r in rows {
        let prefix: String = r.text.chars().take(PREFIX_CHARS).collect();
        let mut record: Vec<&str> = vec![&r.doc_id, &r.outlet, &r.para_index, &prefix];
        if show_predictions {
            record.extend([r.frame.as_str(), &r.frame_score, &r.frame_margin, &r.stance]);
        }
        record.extend([r.text.as_str(), "", ""]);
        w.write_record(record.into_iter().map(|c| spreadsheet_safe::neutralise(c).into_owned()))
            .map_err(|e| io(std::io::Error::other(e)))?;
    }
    let bytes = w.into_inner().map_err(|e| io(std::io::Error::other(e.to_string())))?;
    crate::atomic::write_atomic(path, &bytes).map_err(io)
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
