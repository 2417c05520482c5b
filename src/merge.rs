//! `framelens merge`: shard outputs in, the outputs of one unsharded run out, exactly.
//!
//! Paragraph rows are copied through byte for byte, documents ordered by their corpus position
//! (`doc_seq`, which every shard records because every shard reads the whole corpus listing). Article and
//! outlet tables are re-derived from the paragraph rows' labels (integer counts), never from rounded
//! shares, and rejects are unioned and sorted as a single run sorts them. So a merge of all N shards is
//! byte-identical to the unsharded run's tables.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::aggregate::{aggregate_with_seq, labels_with_other, OutletTotals};
use crate::export::tables::{self, CsvSink};
use crate::export::{Manifest, RejectRow};
use crate::pipeline::{ARTICLES, MANIFEST, PARAGRAPHS, REJECTS};
use crate::record::ParagraphRecord;

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("{path}: {message}")]
    Shard { path: PathBuf, message: String },
    #[error("shards disagree: {0}")]
    Mismatch(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn shard_err(path: &Path, message: impl Into<String>) -> MergeError {
    MergeError::Shard { path: path.to_path_buf(), message: message.into() }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> MergeError + '_ {
    move |source| MergeError::Io { path: path.to_path_buf(), source }
}

/// Reads a shard's manifest and checks its files against the recorded hashes.
fn read_shard(dir: &Path) -> Result<Manifest, MergeError> {
    let mpath = dir.join(MANIFEST);
    let bytes = std::fs::read(&mpath).map_err(|_| {
        shard_err(dir, "no manifest.json: the shard did not finish; run it again (the cache makes that cheap)")
    })?;
    let m: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| shard_err(&mpath, format!("not a framelens manifest: {e}")))?;
    for (name, sha) in &m.outputs {
        let f = dir.join(name);
        let got = tables::file_sha256(&f).map_err(io(&f))?;
        if &got != sha {
            return Err(shard_err(&f, "does not match the sha256 in manifest.json (modified or incomplete)"));
        }
    }
    Ok(m)
}

/// Options that must agree for shard outputs to combine (the cache location and batch size may differ).
fn result_options(m: &Manifest) -> serde_json::Value {
    let mut o = m.options.clone();
    if let Some(map) = o.as_object_mut() {
        map.remove("cache");
        map.remove("batch_docs");
    }
    o
}

/// Merges shard output folders into `out`.
pub fn merge(shards: &[PathBuf], out: &Path, allow_partial: bool) -> Result<Manifest, MergeError> {
    if shards.is_empty() {
        return Err(MergeError::Mismatch("no shard folders given".into()));
    }
    let manifests: Vec<Manifest> = shards.iter().map(|d| read_shard(d)).collect::<Result<_, _>>()?;
    let first = &manifests[0];
    for (d, m) in shards.iter().zip(&manifests).skip(1) {
        let what = if m.model.weights_sha256 != first.model.weights_sha256 || m.model.precision != first.model.precision
        {
            Some(format!(
                "model {} {} vs {} {}",
                m.model.weights_sha256, m.model.precision, first.model.weights_sha256, first.model.precision
            ))
        } else if m.codebook.sha256 != first.codebook.sha256 {
            Some(format!("codebook sha256 {} vs {}", m.codebook.sha256, first.codebook.sha256))
        } else if result_options(m) != result_options(first) {
            Some("run options (encoding, classification, fields or scores)".into())
        } else {
            None
        };
        if let Some(w) = what {
            return Err(MergeError::Mismatch(format!(
                "{} was made with a different {w} than {}",
                d.display(),
                shards[0].display()
            )));
        }
    }
    check_shard_set(shards, &manifests, allow_partial)?;

    std::fs::create_dir_all(out).map_err(io(out))?;
    let manifest_path = out.join(MANIFEST);
    let _ = std::fs::remove_file(&manifest_path);

    let frames = first.codebook.frames.clone();
    let labels = labels_with_other(&frames);
    // Documents of all shards in corpus order.
    let mut docs: Vec<(u64, usize, String)> = Vec::new();
    for (k, d) in shards.iter().enumerate() {
        let p = d.join(ARTICLES);
        let mut r = csv::Reader::from_path(&p).map_err(|e| shard_err(&p, e.to_string()))?;
        let h = r.headers().map_err(|e| shard_err(&p, e.to_string()))?.clone();
        let [id_col, seq_col] =
            tables::column_positions(h.iter(), ["doc_id", "doc_seq"], ARTICLES).map_err(|m| shard_err(&p, m))?;
        for rec in r.records() {
            let rec = rec.map_err(|e| shard_err(&p, e.to_string()))?;
            let seq: u64 = rec[seq_col].parse().map_err(|_| shard_err(&p, "bad doc_seq"))?;
            docs.push((seq, k, rec[id_col].to_string()));
        }
    }
    docs.sort();

    let mut readers = Vec::new();
    let mut header: Option<csv::ByteRecord> = None;
    for d in shards {
        let p = d.join(PARAGRAPHS);
        let mut r = csv::Reader::from_path(&p).map_err(|e| shard_err(&p, e.to_string()))?;
        let h = r.byte_headers().map_err(|e| shard_err(&p, e.to_string()))?.clone();
        match &header {
            None => header = Some(h),
            Some(h0) if *h0 != h => return Err(MergeError::Mismatch(format!("{} has other columns", p.display()))),
            Some(_) => {}
        }
        readers.push((p, r, None::<csv::ByteRecord>));
    }
    let header = header.unwrap_or_default();
    let header_strings: Vec<String> = header.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();
    let doc_col = header_strings.iter().position(|h| h == "doc_id").unwrap_or(0);

    let mut paragraphs = CsvSink::create(&out.join(PARAGRAPHS), &header_strings).map_err(io(&out.join(PARAGRAPHS)))?;
    let mut articles =
        CsvSink::create(&out.join(ARTICLES), &tables::article_header(&labels)).map_err(io(&out.join(ARTICLES)))?;
    let mut outlets = OutletTotals::new(labels.len());
    // Rows are copied as written; only the parsed copy (whose title goes into articles.csv) is restored, as
    // a single run's articles.csv holds the title unquoted. The shards agree on the option (checked above).
    let quoted = crate::export::spreadsheet_safe::options_say_safe(&first.options);
    for (seq, k, id) in &docs {
        let (p, reader, pending) = &mut readers[*k];
        let mut rows: Vec<ParagraphRecord> = Vec::new();
        loop {
            let rec = match pending.take() {
                Some(r) => r,
                None => {
                    let mut r = csv::ByteRecord::new();
                    if !reader.read_byte_record(&mut r).map_err(|e| shard_err(p, e.to_string()))? {
                        break;
                    }
                    r
                }
            };
            if rec.get(doc_col) != Some(id.as_bytes()) {
                *pending = Some(rec);
                break;
            }
            paragraphs.byte_row(&rec).map_err(io(&out.join(PARAGRAPHS)))?;
            let mut parsed: ParagraphRecord =
                rec.deserialize(Some(&header)).map_err(|e| shard_err(p, e.to_string()))?;
            if quoted {
                tables::restore_paragraph(&mut parsed);
            }
            rows.push(parsed);
        }
        if rows.is_empty() {
            return Err(shard_err(p, format!("no paragraph rows for document `{id}` listed in articles.csv")));
        }
        let agg = aggregate_with_seq(&frames, &rows, |_| *seq);
        for a in &agg.articles {
            articles.row(&tables::article_row(a, &labels)).map_err(io(&out.join(ARTICLES)))?;
            outlets.add(a);
        }
    }
    let mut rejects: Vec<RejectRow> = Vec::new();
    for d in shards {
        let p = d.join(REJECTS);
        let mut r = csv::Reader::from_path(&p).map_err(|e| shard_err(&p, e.to_string()))?;
        for rec in r.deserialize::<RejectRow>() {
            rejects.push(rec.map_err(|e| shard_err(&p, e.to_string()))?);
        }
    }
    rejects.sort();
    let outlet_rows = outlets.finish();
    let (_, outputs) = tables::finish_run_tables(out, [paragraphs, articles], &labels, &outlet_rows, &rejects)
        .map_err(|e| MergeError::Io { path: e.path, source: e.source })?;
    let mut merged = first.clone();
    merged.shard = None;
    merged.created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    merged.counts = BTreeMap::new();
    merged.timings = BTreeMap::new();
    for m in &manifests {
        for (k, v) in &m.counts {
            *merged.counts.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &m.timings {
            *merged.timings.entry(k.clone()).or_default() += v;
        }
    }
    merged.counts.insert("rejects".into(), rejects.len() as u64);
    merged.merged_from = shards.iter().map(|d| d.display().to_string()).collect();
    merged.outputs = outputs;
    merged.write(&manifest_path).map_err(io(&manifest_path))?;
    Ok(merged)
}

/// Every shard K/N present exactly once, unless a partial merge is asked for.
fn check_shard_set(shards: &[PathBuf], manifests: &[Manifest], allow_partial: bool) -> Result<(), MergeError> {
    let parsed: Vec<Option<crate::shard::Shard>> =
        manifests.iter().map(|m| m.shard.as_deref().and_then(|s| s.parse().ok())).collect();
    let mut seen = BTreeMap::new();
    let mut count = None;
    for (d, s) in shards.iter().zip(&parsed) {
        let Some(s) = s else {
            return Err(shard_err(d, "not a shard (run without --shard); nothing to merge it with"));
        };
        if *count.get_or_insert(s.count) != s.count {
            return Err(MergeError::Mismatch(format!(
                "{} is shard {s}, others are of {}",
                d.display(),
                count.unwrap_or(0)
            )));
        }
        if let Some(prev) = seen.insert(s.index, d.clone()) {
            return Err(MergeError::Mismatch(format!("shard {s} given twice: {} and {}", prev.display(), d.display())));
        }
    }
    let n = count.unwrap_or(0);
    let missing: Vec<String> = (0..n).filter(|k| !seen.contains_key(k)).map(|k| format!("{k}/{n}")).collect();
    if !missing.is_empty() && !allow_partial {
        return Err(MergeError::Mismatch(format!(
            "shards {} are missing (run them, or pass --allow-partial)",
            missing.join(", ")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-shard run (`--shard 0/1`) written `--spreadsheet-safe`, with a formula-like title.
    fn quoted_shard(dir: &Path) {
        let r = ParagraphRecord {
            doc_id: "d1".into(),
            outlet: "X".into(),
            published: "2025-09-04".into(),
            title: "=T".into(),
            section: String::new(),
            para_index: 0,
            kind: "body".into(),
            char_start: 0,
            char_end: 4,
            n_tokens: 2,
            windows: 1,
            frame: "a".into(),
            frame_score: Some(0.9),
            frame_margin: Some(0.1),
            frames: "a".into(),
            stance: String::new(),
            stance_score: None,
            evidence: String::new(),
            text: "-2 dead".into(),
            scores: vec![],
        };
        let frames = vec!["a".to_string()];
        let labels = labels_with_other(&frames);
        let agg = aggregate_with_seq(&frames, std::slice::from_ref(&r), |_| 0);
        tables::write_table(
            &dir.join(PARAGRAPHS),
            &tables::paragraph_header(&frames, false),
            [tables::paragraph_row(&r, 1, false, true)],
        )
        .unwrap();
        tables::write_table(
            &dir.join(ARTICLES),
            &tables::article_header(&labels),
            agg.articles.iter().map(|a| tables::article_row(a, &labels)),
        )
        .unwrap();
        tables::write_table(&dir.join(REJECTS), &tables::reject_header(), []).unwrap();
        let m: Manifest = serde_json::from_value(serde_json::json!({
            "framelens_version": "0", "created": "", "corpus": "c",
            "model": {"id": "m", "source": "s", "weights_sha256": "w", "precision": "f32", "precision_reason": ""},
            "codebook": {"path": "p", "sha256": "h", "name": "n", "version": "1", "frames": frames,
                         "stance_target": null},
            "options": {"spreadsheet_safe": true}, "shard": "0/1", "counts": {}, "timings": {}, "encode": {}
        }))
        .unwrap();
        m.write(&dir.join(MANIFEST)).unwrap();
    }

    #[test]
    fn a_spreadsheet_safe_shard_merges_with_its_rows_as_written_and_titles_restored() {
        let tmp = tempfile::tempdir().unwrap();
        let shard = tmp.path().join("s0");
        std::fs::create_dir(&shard).unwrap();
        quoted_shard(&shard);
        let out = tmp.path().join("merged");
        let merged = merge(std::slice::from_ref(&shard), &out, false).unwrap();
        assert!(crate::export::spreadsheet_safe::options_say_safe(&merged.options));
        let read = |p: PathBuf| std::fs::read_to_string(p).unwrap();
        assert_eq!(read(out.join(PARAGRAPHS)), read(shard.join(PARAGRAPHS)));
        assert!(read(out.join(PARAGRAPHS)).contains("'=T") && read(out.join(PARAGRAPHS)).contains("'-2 dead"));
        // articles.csv as a single run writes it: the title unquoted.
        assert_eq!(read(out.join(ARTICLES)), read(shard.join(ARTICLES)));
        assert!(read(out.join(ARTICLES)).contains(",=T,"));
    }
}
