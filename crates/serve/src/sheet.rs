//! The workbench's side of the coding sheet (the file `framelens sample` writes and `train --data` and
//! `eval --gold` read; `framelens::sample` owns its columns): a coder's codes exported as one, and a sheet
//! coded elsewhere imported as a coder's codes.

use std::collections::HashMap;
use std::path::Path;

use framelens::codebook::OTHER;
use framelens::sample::{read_coded, CodedRow};

use crate::codes::{Change, Code, CodeStore};
use crate::run_data::{Key, RunData};
use crate::ServeError;

/// A coder's finished-or-not codes as sheet rows, in run order; skipped paragraphs and paragraphs with
/// neither code are left out.
pub fn export_rows(run: &RunData, codes: &HashMap<Key, Code>) -> Vec<CodedRow> {
    run.body
        .iter()
        .filter_map(|&row| {
            let c = codes.get(&run.key(row))?;
            if c.skipped || (c.frame.is_empty() && c.stance.is_empty()) {
                return None;
            }
            let p = &run.paragraphs[row];
            Some(CodedRow {
                doc_id: p.doc_id.clone(),
                outlet: p.outlet.clone(),
                para_index: p.para_index.to_string(),
                text: p.text.clone(),
                label: c.frame.clone(),
                stance: c.stance.clone(),
            })
        })
        .collect()
}

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// Paragraphs whose codes were stored.
    pub rows: usize,
}

/// Reads a coded sheet and stores its codes as `coder`'s. Every row must name a body paragraph of the run
/// (by `doc_id` and `para_index` when the sheet has it, else by `doc_id` and the start of the text) and a
/// known label (a frame id, `other` or `none`) and stance; otherwise nothing is stored and the error lists
/// the bad rows by line.
pub fn import(run: &RunData, store: &mut CodeStore, coder: &str, path: &Path) -> Result<Imported, ServeError> {
    let err = |message: String| ServeError::Sheet { path: path.to_path_buf(), message };
    let rows = read_coded(path).map_err(|e| err(e.to_string()))?;
    let mut by_doc: HashMap<&str, Vec<usize>> = HashMap::new();
    for &r in &run.body {
        by_doc.entry(run.paragraphs[r].doc_id.as_str()).or_default().push(r);
    }
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for (i, c) in rows.iter().enumerate() {
        // Header is line 1; read_coded keeps sheet order but drops uncoded rows, so name the record.
        let at = format!("coded row {} (doc_id `{}`)", i + 1, c.doc_id);
        let candidates = by_doc.get(c.doc_id.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        let prefix: String = c.text.chars().take(framelens::sample::PREFIX_CHARS).collect();
        let row = candidates.iter().copied().find(|&r| {
            let p = &run.paragraphs[r];
            (c.para_index.is_empty() || c.para_index == p.para_index.to_string()) && p.text.starts_with(prefix.trim())
        });
        let Some(row) = row else {
            problems.push(format!("{at}: no body paragraph of the run has this doc_id and text"));
            continue;
        };
        let label = match c.label.to_lowercase().as_str() {
            "" => String::new(),
            "none" => OTHER.to_string(),
            l if run.is_label(l) => l.to_string(),
            l => {
                problems.push(format!("{at}: label `{l}` is not a frame of the run's codebook (nor `other`)"));
                continue;
            }
        };
        if !c.stance.is_empty() && framelens::run::labels::Stance::parse(&c.stance).is_none() {
            problems.push(format!("{at}: stance `{}` is not supportive, critical or neutral", c.stance));
            continue;
        }
        found.push((run.key(row), label, c.stance.clone()));
    }
    if !problems.is_empty() {
        let n = problems.len();
        problems.truncate(10);
        return Err(err(format!("{n} rows cannot be imported, nothing was stored:\n  {}", problems.join("\n  "))));
    }
    for (key, label, stance) in &found {
        if !label.is_empty() {
            store.apply(coder, key, &Change::Frame(label.clone()))?;
        }
        if !stance.is_empty() {
            store.apply(coder, key, &Change::Stance(stance.clone()))?;
        }
    }
    Ok(Imported { rows: found.len() })
}
