//! Article-level evaluation (`eval --level article`): gold label sets per article from a CSV, predicted
//! sets from a run's paragraph labels (the frames whose share of an article's body paragraphs reaches a
//! threshold).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::agreement::article_label_sets;
use super::EvalError;
use crate::run::files::PARAGRAPHS_CSV;
use crate::run::tables::column_positions;
use crate::segment::Kind;

/// Label sets keyed by article id.
pub type ArticleSets = BTreeMap<String, BTreeSet<String>>;

/// Reads gold article labels: column `id_field` names the article; labels come from column `label_field`
/// (several separated by `sep`), or — when that column is absent — from 0/1 columns `frame_<label>` (the
/// layout of the SemEval-2023 and Narrative Frames files). `map` turns a written label into the label
/// used for scoring (e.g. a codebook frame id) or refuses it with a message.
pub fn read_article_gold(
    path: &Path,
    id_field: &str,
    label_field: &str,
    sep: char,
    map: &dyn Fn(&str) -> Result<String, String>,
) -> Result<ArticleSets, EvalError> {
    let err = |message: String| EvalError::Read { path: path.to_path_buf(), message };
    let mut r = csv::ReaderBuilder::new().flexible(true).from_path(path).map_err(|e| err(e.to_string()))?;
    let header: Vec<String> = r.headers().map_err(|e| err(e.to_string()))?.iter().map(str::to_string).collect();
    let id_col = header.iter().position(|h| h == id_field).ok_or_else(|| {
        err(format!("no column `{id_field}` (set it with --gold-id-field); the header has: {}", header.join(", ")))
    })?;
    let label_col = header.iter().position(|h| h == label_field);
    let frame_cols: Vec<(usize, String)> =
        header.iter().enumerate().filter_map(|(i, h)| h.strip_prefix("frame_").map(|l| (i, l.to_string()))).collect();
    if label_col.is_none() && frame_cols.is_empty() {
        return Err(err(format!(
            "no column `{label_field}` (set it with --gold-label-field) and no frame_<label> columns; the header has: {}",
            header.join(", ")
        )));
    }
    let mut out = ArticleSets::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| err(e.to_string()))?;
        let line = rec.position().map_or(0, |p| p.line());
        let id = rec.get(id_col).unwrap_or("").trim().to_string();
        if id.is_empty() {
            return Err(err(format!("line {line}: empty article id")));
        }
        let written: Vec<String> = match label_col {
            Some(c) => rec
                .get(c)
                .unwrap_or("")
                .split(sep)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            None => {
                // -1 marks unlabelled rows (SemEval's dev articles): skip the article.
                if frame_cols.iter().any(|(c, _)| rec.get(*c).unwrap_or("").trim() == "-1") {
                    continue;
                }
                frame_cols
                    .iter()
                    .filter(|(c, _)| matches!(rec.get(*c).unwrap_or("").trim(), "1" | "1.0" | "true" | "True"))
                    .map(|(_, l)| l.clone())
                    .collect()
            }
        };
        let mut set = BTreeSet::new();
        for w in written {
            match map(&w) {
                Ok(label) => {
                    set.insert(label);
                }
                // "coded, no frame": the empty set, as an empty cell.
                Err(_) if w.eq_ignore_ascii_case(crate::codebook::NO_FRAME) => {}
                Err(m) => return Err(err(format!("line {line}: {m}"))),
            }
        }
        if out.insert(id.clone(), set).is_some() {
            return Err(err(format!("line {line}: article `{id}` appears twice")));
        }
    }
    Ok(out)
}

/// Predicted label sets per article from a run's `paragraphs.csv`: over body paragraphs, the labels in
/// `column` (`frame`: each paragraph's top frame; `frames`: its `;`-separated set) whose share of the
/// article's paragraphs is at least `threshold`.
pub fn article_sets_from_run(paragraphs_csv: &Path, column: &str, threshold: f64) -> Result<ArticleSets, EvalError> {
    let err = |message: String| EvalError::Read { path: paragraphs_csv.to_path_buf(), message };
    let mut r = csv::Reader::from_path(paragraphs_csv).map_err(|e| err(e.to_string()))?;
    let header: Vec<String> = r.headers().map_err(|e| err(e.to_string()))?.iter().map(str::to_string).collect();
    let [doc, kind, lab] =
        column_positions(header.iter().map(String::as_str), ["doc_id", "kind", column], PARAGRAPHS_CSV).map_err(err)?;
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| err(e.to_string()))?;
        if rec.get(kind) != Some(Kind::Body.as_str()) {
            continue;
        }
        let labels = rec
            .get(lab)
            .unwrap_or("")
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        rows.push((rec.get(doc).unwrap_or("").to_string(), labels));
    }
    Ok(article_label_sets(rows.iter().map(|(d, l)| (d.as_str(), l.iter().map(String::as_str))), threshold))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gold_from_label_column_or_frame_columns() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("g.csv");
        std::fs::write(&p, "article_id,frames\n1,\"Economic,Political\"\n2,\n").unwrap();
        let id = |s: &str| Ok(s.to_lowercase());
        let g = read_article_gold(&p, "article_id", "frames", ',', &id).unwrap();
        assert_eq!(g["1"].iter().cloned().collect::<Vec<_>>(), ["economic", "political"]);
        assert!(g["2"].is_empty());
        std::fs::write(&p, "ID,frame_conflict,frame_moral\na,1,0\nb,0,1\nc,-1,-1\n").unwrap();
        let g = read_article_gold(&p, "ID", "frames", ';', &id).unwrap();
        assert_eq!(g.len(), 2);
        assert!(g["a"].contains("conflict") && g["b"].contains("moral"));
        let refuse = |s: &str| if s == "moral" { Err(format!("label `{s}` is unknown")) } else { Ok(s.to_string()) };
        let e = read_article_gold(&p, "ID", "frames", ';', &refuse).unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("`moral`"), "{e}");
        let e = read_article_gold(&p, "article", "frames", ';', &id).unwrap_err().to_string();
        assert!(e.contains("no column `article`"), "{e}");
    }

    #[test]
    fn predicted_sets_by_share() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("paragraphs.csv");
        std::fs::write(&p, "doc_id,kind,frame,frames\na,body,x,x;y\na,body,x,x\na,heading,,\na,body,y,y\nb,body,z,z\n")
            .unwrap();
        let s = article_sets_from_run(&p, "frame", 0.5).unwrap();
        assert_eq!(s["a"].iter().cloned().collect::<Vec<_>>(), ["x"]);
        assert_eq!(s["b"].iter().cloned().collect::<Vec<_>>(), ["z"]);
        let s = article_sets_from_run(&p, "frames", 0.5).unwrap();
        assert_eq!(s["a"].iter().cloned().collect::<Vec<_>>(), ["x", "y"]);
    }
}
