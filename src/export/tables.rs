//! The CSV tables of a run. Column names are part of framelens' interface (docs/outputs.md).

use std::io;
use std::path::Path;

use crate::aggregate::{Aggregates, Counts};
use crate::atomic::write_atomic_with;
use crate::codebook::STANCE_LABELS;
use crate::record::ParagraphRecord;

/// Columns of `paragraphs.csv` before the optional `score_<frame>` columns.
pub const PARAGRAPH_COLUMNS: [&str; 19] = [
    "doc_id",
    "outlet",
    "published",
    "title",
    "section",
    "para_index",
    "kind",
    "char_start",
    "char_end",
    "n_tokens",
    "windows",
    "frame",
    "frame_score",
    "frame_margin",
    "frames",
    "stance",
    "stance_score",
    "evidence",
    "text",
];

/// An input record or paragraph that could not be processed, with where it came from and why.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RejectRow {
    pub file: String,
    pub line: Option<u64>,
    pub doc_id: String,
    pub para_index: Option<usize>,
    pub reason: String,
}

fn write_csv(
    path: &Path,
    rows: impl FnOnce(&mut csv::Writer<&mut dyn io::Write>) -> csv::Result<()>,
) -> io::Result<()> {
    write_atomic_with(path, |w| {
        let w: &mut dyn io::Write = w;
        let mut csv = csv::Writer::from_writer(w);
        rows(&mut csv).map_err(io::Error::other)?;
        csv.flush()
    })
}

fn score(v: Option<f32>) -> String {
    v.map(|x| format!("{x:.4}")).unwrap_or_default()
}

pub fn write_paragraphs(
    path: &Path,
    records: &[ParagraphRecord],
    frames: &[String],
    scores: bool,
) -> io::Result<()> {
    write_csv(path, |w| {
        let mut header: Vec<String> = PARAGRAPH_COLUMNS.iter().map(|s| s.to_string()).collect();
        if scores {
            header.extend(frames.iter().map(|f| format!("score_{f}")));
        }
        w.write_record(&header)?;
        for r in records {
            let mut row = vec![
                r.doc_id.clone(),
                r.outlet.clone(),
                r.published.clone(),
                r.title.clone(),
                r.section.clone(),
                r.para_index.to_string(),
                r.kind.clone(),
                r.char_start.to_string(),
                r.char_end.to_string(),
                r.n_tokens.to_string(),
                r.windows.to_string(),
                r.frame.clone(),
                score(r.frame_score),
                score(r.frame_margin),
                r.frames.clone(),
                r.stance.clone(),
                score(r.stance_score),
                r.evidence.clone(),
                r.text.clone(),
            ];
            if scores {
                if r.scores.is_empty() {
                    row.extend(frames.iter().map(|_| String::new()));
                } else {
                    row.extend(r.scores.iter().map(|s| format!("{s:.4}")));
                }
            }
            w.write_record(&row)?;
        }
        Ok(())
    })
}

fn count_columns(labels: &[String]) -> Vec<String> {
    let mut cols: Vec<String> = labels.iter().map(|l| format!("share_{l}")).collect();
    cols.extend(STANCE_LABELS.iter().map(|s| format!("stance_{s}")));
    cols
}

fn count_values(c: &Counts) -> Vec<String> {
    let mut v: Vec<String> = c.shares().iter().map(|s| format!("{s:.4}")).collect();
    v.extend(c.stance.iter().map(u64::to_string));
    v
}

pub fn write_articles(path: &Path, agg: &Aggregates) -> io::Result<()> {
    write_csv(path, |w| {
        let mut header: Vec<String> = [
            "doc_id",
            "outlet",
            "published",
            "title",
            "paragraphs",
            "body_paragraphs",
            "dominant_frame",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        header.extend(count_columns(&agg.labels));
        w.write_record(&header)?;
        for a in &agg.articles {
            let mut row = vec![
                a.doc_id.clone(),
                a.outlet.clone(),
                a.published.clone(),
                a.title.clone(),
                a.paragraphs.to_string(),
                a.counts.body.to_string(),
                a.counts.dominant(&agg.labels).unwrap_or("").to_string(),
            ];
            row.extend(count_values(&a.counts));
            w.write_record(&row)?;
        }
        Ok(())
    })
}

pub fn write_outlets(path: &Path, agg: &Aggregates) -> io::Result<()> {
    write_csv(path, |w| {
        let mut header: Vec<String> = ["outlet", "articles", "body_paragraphs", "top_frame"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        header.extend(count_columns(&agg.labels));
        w.write_record(&header)?;
        for o in &agg.outlets {
            let mut row = vec![
                o.outlet.clone(),
                o.articles.to_string(),
                o.counts.body.to_string(),
                o.counts.dominant(&agg.labels).unwrap_or("").to_string(),
            ];
            row.extend(count_values(&o.counts));
            w.write_record(&row)?;
        }
        Ok(())
    })
}

pub fn write_rejects(path: &Path, rejects: &[RejectRow]) -> io::Result<()> {
    write_csv(path, |w| {
        w.write_record(["file", "line", "doc_id", "para_index", "reason"])?;
        for r in rejects {
            let line = r.line.map(|l| l.to_string()).unwrap_or_default();
            let para = r.para_index.map(|p| p.to_string()).unwrap_or_default();
            w.write_record([r.file.as_str(), &line, &r.doc_id, &para, &r.reason])?;
        }
        Ok(())
    })
}
