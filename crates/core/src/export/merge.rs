//! `framelens merge`: shard outputs in, the outputs of one unsharded run out, exactly. Part of the export
//! stage because it writes a run folder with the export stage's writers, from rows the export stage wrote.
//!
//! Paragraph rows are copied through byte for byte, documents ordered by their corpus position
//! (`doc_seq`, which every shard records because every shard reads the whole corpus listing). Article and
//! outlet tables are re-derived from the paragraph rows' labels (integer counts), never from rounded
//! shares, and rejects are unioned and sorted as a single run sorts them. So a merge of all N shards is
//! byte-identical to the unsharded run's tables.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::aggregate::{aggregate_with_seq, labels_with_other, OutletTotals};
use crate::export::tables::{self, CsvSink, ARTICLES, MANIFEST, OUTLETS, PARAGRAPHS, REJECTS};
use crate::export::{Manifest, RejectRow};
use crate::record::ParagraphRecord;
use crate::shard::Shard;

/// Why shard folders could not be merged into one run.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A folder is not a finished shard run, or a file of it does not match its manifest.
    #[error("{path}: {message}")]
    Shard {
        /// The shard folder or the file in it.
        path: PathBuf,
        /// What is wrong, and what to do about it.
        message: String,
    },
    /// The set of shards does not make a run: none given, one given twice, some missing, or tables whose
    /// columns differ.
    #[error("shards disagree: {0}")]
    Mismatch(String),
    /// Two shards record different values of a field that must agree for their outputs to combine; the
    /// folders holding each value are named so the odd one out can be rerun.
    #[error("shards disagree on {field}: {first} in {first_in}, but {other} in {other_in}")]
    Disagree {
        /// What differs, e.g. `shard count` or `corpus fingerprint`.
        field: String,
        /// The first shard's value.
        first: String,
        /// Every folder holding `first`, comma-separated.
        first_in: String,
        /// The first value that differs from it.
        other: String,
        /// Every folder holding `other`, comma-separated.
        other_in: String,
    },
    /// A shard file could not be read or an output file written.
    #[error("{path}: {source}")]
    Io {
        /// The file read or written.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
}

/// A finished merge: the merged manifest, and what could not be checked (also in the manifest's `warnings`).
#[derive(Debug)]
pub struct Merged {
    /// The merged run's manifest, as written to the output folder.
    pub manifest: Manifest,
    /// Checks that could not be made (e.g. shards without a corpus fingerprint), one sentence each.
    pub warnings: Vec<String>,
}

fn shard_err(path: &Path, message: impl Into<String>) -> MergeError {
    MergeError::Shard { path: path.to_path_buf(), message: message.into() }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> MergeError + '_ {
    move |source| MergeError::Io { path: path.to_path_buf(), source }
}

/// Reads a shard's manifest and checks its files against the recorded hashes, so that a folder that is not
/// a finished shard run is refused before anything is written.
fn read_shard(dir: &Path) -> Result<(Manifest, Shard), MergeError> {
    if !dir.is_dir() {
        return Err(shard_err(dir, "not a folder (expected the output folder of a `framelens run --shard K/N`)"));
    }
    let mpath = dir.join(MANIFEST);
    let bytes = std::fs::read(&mpath).map_err(|_| {
        shard_err(
            dir,
            "no manifest.json: not a framelens output folder, or a shard run that did not finish; run it again \
             (the cache makes that cheap)",
        )
    })?;
    let m: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| shard_err(&mpath, format!("not a framelens manifest: {e}")))?;
    let shard = match m.shard.as_deref() {
        None => return Err(shard_err(dir, "not a shard (run without --shard); nothing to merge it with")),
        Some(s) => s.parse::<Shard>().map_err(|e| shard_err(&mpath, format!("shard {e}")))?,
    };
    for name in [PARAGRAPHS, ARTICLES, OUTLETS, REJECTS] {
        if !m.outputs.contains_key(name) {
            return Err(shard_err(&mpath, format!("records no sha256 for {name}: not a complete framelens run")));
        }
    }
    // The run's tables are what a merge reads; a comparison the run also wrote (and hashed) may have been
    // rewritten since by `framelens compare` without making the shard unusable.
    for name in [PARAGRAPHS, ARTICLES, OUTLETS, REJECTS] {
        let sha = &m.outputs[name];
        let f = dir.join(name);
        let got = tables::file_sha256(&f).map_err(io(&f))?;
        if &got != sha {
            return Err(shard_err(
                &f,
                format!("sha256 {got} does not match {sha} in manifest.json (modified or incomplete)"),
            ));
        }
    }
    Ok((m, shard))
}

/// Options that must agree for shard outputs to combine. The cache location and batch size do not change
/// results; the head paths may differ between machines, and the heads themselves are compared by sha256.
fn result_options(m: &Manifest) -> serde_json::Value {
    let mut o = m.options.clone();
    if let Some(map) = o.as_object_mut() {
        for k in ["cache", "batch_docs", "head", "stance_head"] {
            map.remove(k);
        }
    }
    o
}

/// The heads a shard used as `role sha256`, sorted; their paths may differ between machines.
fn heads_of(m: &Manifest) -> String {
    let mut h: Vec<String> = m.heads.iter().map(|h| format!("{} {}", h.role, h.sha256)).collect();
    h.sort();
    if h.is_empty() {
        "none (zero-shot)".into()
    } else {
        h.join(", ")
    }
}

/// The dotted path of the first leaf where two option trees differ (keys in sorted order), or None.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value) -> Option<Vec<String>> {
    if a == b {
        return None;
    }
    if let (Some(x), Some(y)) = (a.as_object(), b.as_object()) {
        let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
        for k in keys {
            let null = serde_json::Value::Null;
            let (va, vb) = (x.get(k), y.get(k));
            if va != vb {
                let mut path = vec![k.clone()];
                path.extend(first_difference(va.unwrap_or(&null), vb.unwrap_or(&null)).unwrap_or_default());
                return Some(path);
            }
        }
    }
    Some(Vec::new())
}

fn value_at(v: &serde_json::Value, path: &[String]) -> String {
    path.iter().try_fold(v, |v, k| v.get(k)).map_or_else(|| "(absent)".to_string(), |v| v.to_string())
}

/// Refuses the merge unless every shard has the same value; `values[i]` belongs to `shards[i]`.
fn agree(field: &str, shards: &[PathBuf], values: &[String]) -> Result<(), MergeError> {
    let Some(other) = values.iter().find(|v| **v != values[0]) else {
        return Ok(());
    };
    let holding = |value: &String| {
        shards
            .iter()
            .zip(values)
            .filter(|(_, v)| *v == value)
            .map(|(d, _)| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(MergeError::Disagree {
        field: field.into(),
        first: values[0].clone(),
        first_in: holding(&values[0]),
        other: other.clone(),
        other_in: holding(other),
    })
}

/// Everything that must be the same for shard outputs to be parts of one run: the corpus, codebook, model,
/// precision, result-changing options and heads. Returns warnings for what could not be checked.
fn check_agreement(shards: &[PathBuf], manifests: &[Manifest]) -> Result<Vec<String>, MergeError> {
    let mut warnings = Vec::new();
    // Manifests from before corpus fingerprints: checked among the shards that have one, warned about.
    let (with, without): (Vec<_>, Vec<_>) =
        shards.iter().zip(manifests).partition(|(_, m)| m.corpus_fingerprint.is_some());
    for (d, _) in &without {
        warnings.push(format!(
            "{}: manifest.json records no corpus fingerprint (written by an older framelens), so merge cannot \
             check that this shard is of the same corpus as the others",
            d.display()
        ));
    }
    let dirs: Vec<PathBuf> = with.iter().map(|(d, _)| (*d).clone()).collect();
    let fps: Vec<String> = with.iter().filter_map(|(_, m)| m.corpus_fingerprint.clone()).collect();
    if !fps.is_empty() {
        agree("corpus fingerprint", &dirs, &fps)?;
    }
    let field = |f: fn(&Manifest) -> String| manifests.iter().map(f).collect::<Vec<_>>();
    agree("codebook sha256", shards, &field(|m| m.codebook.sha256.clone()))?;
    agree("model weights sha256", shards, &field(|m| m.model.weights_sha256.clone()))?;
    agree("model precision", shards, &field(|m| m.model.precision.clone()))?;
    let options: Vec<serde_json::Value> = manifests.iter().map(result_options).collect();
    if let Some(path) = options.iter().find_map(|o| first_difference(&options[0], o)) {
        let values: Vec<String> = options.iter().map(|o| value_at(o, &path)).collect();
        agree(&format!("option `{}`", path.join(".")), shards, &values)?;
    }
    agree("heads (role sha256)", shards, &field(heads_of))?;
    Ok(warnings)
}

/// Merges shard output folders into `out`.
///
/// Everything is checked before `out` is touched: each folder is a finished shard run whose files match its
/// manifest, the shards form one set (one shard count, none twice, none missing unless `allow_partial`), and
/// they agree on everything that decides their results (corpus, codebook, model, precision, options, heads).
pub fn merge(shards: &[PathBuf], out: &Path, allow_partial: bool) -> Result<Merged, MergeError> {
    if shards.is_empty() {
        return Err(MergeError::Mismatch("no shard folders given".into()));
    }
    let (manifests, parsed): (Vec<Manifest>, Vec<Shard>) =
        shards.iter().map(|d| read_shard(d)).collect::<Result<Vec<_>, _>>()?.into_iter().unzip();
    check_shard_set(shards, &parsed, allow_partial)?;
    let warnings = check_agreement(shards, &manifests)?;
    let first = &manifests[0];

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
    merged.counts = Default::default();
    merged.timings = BTreeMap::new();
    for m in &manifests {
        merged.counts.add(&m.counts);
        for (k, v) in &m.timings {
            *merged.timings.entry(k.clone()).or_default() += v;
        }
    }
    merged.counts.rejects = rejects.len() as u64;
    merged.merged_from = shards.iter().map(|d| d.display().to_string()).collect();
    merged.outputs = outputs;
    merged.corpus_fingerprint = manifests.iter().find_map(|m| m.corpus_fingerprint.clone());
    merged.warnings.extend(warnings.iter().cloned());
    merged.write(&manifest_path).map_err(io(&manifest_path))?;
    Ok(Merged { manifest: merged, warnings })
}

/// Every shard K/N present exactly once, unless a partial merge is asked for.
fn check_shard_set(shards: &[PathBuf], parsed: &[Shard], allow_partial: bool) -> Result<(), MergeError> {
    let mut seen: BTreeMap<u32, &PathBuf> = BTreeMap::new();
    let (d0, s0) = (&shards[0], parsed[0]);
    for (d, s) in shards.iter().zip(parsed) {
        if s.count != s0.count {
            return Err(MergeError::Disagree {
                field: "shard count".into(),
                first: s0.to_string(),
                first_in: d0.display().to_string(),
                other: s.to_string(),
                other_in: d.display().to_string(),
            });
        }
        if let Some(prev) = seen.insert(s.index, d) {
            return Err(MergeError::Mismatch(format!("shard {s} given twice: {} and {}", prev.display(), d.display())));
        }
    }
    let n = s0.count;
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
    //! Synthetic shard folders written with the run's own table writers, so every refusal is tested without
    //! a model: [`Corpus::shard`] writes one valid shard, and each test changes one thing.

    use super::*;
    use crate::aggregate::aggregate_with_seq;
    use crate::classify::heads::{HeadKind, HeadUse};

    const FRAMES: [&str; 2] = ["economy", "security"];
    const IDS: [&str; 8] = ["a1", "a2", "b1", "b2", "c1", "c2", "d1", "d2"];

    fn frames() -> Vec<String> {
        FRAMES.map(String::from).to_vec()
    }

    /// Two paragraphs per document, labelled by position so that shards differ in their labels.
    fn records(id: &str, seq: u64) -> Vec<ParagraphRecord> {
        (0..2)
            .map(|i| ParagraphRecord {
                doc_id: id.into(),
                outlet: if seq.is_multiple_of(2) { "bbc".into() } else { "cnn".into() },
                published: "2024-01-01".into(),
                title: format!("Title {id}"),
                section: String::new(),
                para_index: i,
                kind: crate::run::labels::Kind::Body,
                char_start: i * 10,
                char_end: i * 10 + 9,
                n_tokens: 3,
                windows: 1,
                relevance: None,
                frame: FRAMES[(seq as usize + i) % 2].into(),
                frame_score: Some(0.75),
                frame_margin: Some(0.25),
                frames: FRAMES[(seq as usize + i) % 2].into(),
                stance: Some(crate::run::labels::Stance::Neutral),
                stance_score: Some(0.5),
                uncertain: None,
                evidence: String::new(),
                text: format!("Paragraph {i} of {id}."),
                lang: "en".into(),
                scores: Vec::new(),
                stance_probs: None,
            })
            .collect()
    }

    struct Corpus {
        tmp: tempfile::TempDir,
    }

    impl Corpus {
        fn new() -> Self {
            Corpus { tmp: tempfile::tempdir().unwrap() }
        }

        fn dir(&self, name: &str) -> PathBuf {
            self.tmp.path().join(name)
        }

        /// Writes the outputs of shard `shard` (or of the whole corpus when None) into folder `name` as a run
        /// writes them: rows in corpus order, tables finished by `finish_run_tables`, hashes in the manifest.
        fn shard(&self, name: &str, shard: Option<Shard>) -> PathBuf {
            let out = self.dir(name);
            std::fs::create_dir_all(&out).unwrap();
            let frames = frames();
            let labels = labels_with_other(&frames);
            let mut paragraphs =
                CsvSink::create(&out.join(PARAGRAPHS), &tables::paragraph_header(&frames, false, false)).unwrap();
            let mut articles = CsvSink::create(&out.join(ARTICLES), &tables::article_header(&labels)).unwrap();
            let mut outlets = OutletTotals::new(labels.len());
            let mut documents = 0;
            for (seq, id) in IDS.iter().enumerate() {
                if shard.is_some_and(|s| !s.owns(id)) {
                    continue;
                }
                documents += 1;
                let rows = records(id, seq as u64);
                for r in &rows {
                    paragraphs.row(&tables::paragraph_row(r, frames.len(), false, false, false)).unwrap();
                }
                for a in &aggregate_with_seq(&frames, &rows, |_| seq as u64).articles {
                    articles.row(&tables::article_row(a, &labels)).unwrap();
                    outlets.add(a);
                }
            }
            let rejects: Vec<RejectRow> = Vec::new();
            let (_, outputs) =
                tables::finish_run_tables(&out, [paragraphs, articles], &labels, &outlets.finish(), &rejects).unwrap();
            let manifest = Manifest {
                framelens_version: "test".into(),
                created: "2024-01-01T00:00:00Z".into(),
                corpus: "/data/corpus.jsonl".into(),
                corpus_fingerprint: Some("file-v1:aaaa".into()),
                model: crate::export::manifest::ModelInfo {
                    id: "model".into(),
                    source: "test".into(),
                    weights_sha256: "w1".into(),
                    precision: "fp32".into(),
                    precision_reason: "asked".into(),
                },
                codebook: crate::export::manifest::CodebookInfo {
                    path: "codebook.toml".into(),
                    sha256: "c1".into(),
                    name: "test".into(),
                    version: "1".into(),
                    frames,
                    stance_target: None,
                    cues: Default::default(),
                },
                options: serde_json::json!({
                    "format": "jsonl",
                    "classify": {"threshold": 0.05, "temperature": 0.05},
                    "scores": false,
                    "cache": format!("/cache/{name}.sqlite"),
                    "batch_docs": 64,
                    "head": "/models/frames.head.json",
                    "stance_head": null,
                }),
                shard: shard.map(|s| s.to_string()),
                counts: crate::run::counts::Counts { documents, ..Default::default() },
                timings: BTreeMap::new(),
                encode: serde_json::Value::Null,
                warnings: Vec::new(),
                merged_from: Vec::new(),
                outputs,
                heads: vec![HeadUse {
                    role: "frames".into(),
                    path: "/models/frames.head.json".into(),
                    sha256: "h1".into(),
                    kind: HeadKind::Single,
                    labels: FRAMES.map(String::from).to_vec(),
                    target: None,
                    refined_on: None,
                }],
            };
            manifest.write(&out.join(MANIFEST)).unwrap();
            out
        }

        /// Shards 0/2 and 1/2 in folders `s0` and `s1`.
        fn pair(&self) -> Vec<PathBuf> {
            (0..2).map(|k| self.shard(&format!("s{k}"), Some(Shard { index: k, count: 2 }))).collect()
        }
    }

    fn edit(dir: &Path, f: impl FnOnce(&mut Manifest)) {
        let p = dir.join(MANIFEST);
        let mut m: Manifest = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        f(&mut m);
        m.write(&p).unwrap();
    }

    /// Merges `shards` into a fresh folder, expecting a refusal; the output folder must not have been made.
    fn refused(c: &Corpus, shards: &[PathBuf]) -> MergeError {
        let out = c.dir("merged");
        let e = merge(shards, &out, false).expect_err("merge should refuse");
        assert!(!out.exists(), "a refused merge wrote {}", out.display());
        e
    }

    /// The field, both values and both folders, for a `Disagree`.
    fn disagreement(e: MergeError) -> (String, String, String, String, String) {
        match e {
            MergeError::Disagree { field, first, first_in, other, other_in } => {
                (field, first, first_in, other, other_in)
            }
            e => panic!("expected a disagreement, got: {e}"),
        }
    }

    #[test]
    fn a_complete_pair_merges_into_the_unsharded_tables() {
        let c = Corpus::new();
        let shards = c.pair();
        // Both shards hold documents, so the merge interleaves them.
        for s in &shards {
            let m: Manifest = serde_json::from_slice(&std::fs::read(s.join(MANIFEST)).unwrap()).unwrap();
            assert!(m.counts.documents > 0, "{}", s.display());
        }
        let full = c.shard("full", None);
        let out = c.dir("merged");
        let merged = merge(&shards, &out, false).unwrap();
        assert!(merged.warnings.is_empty(), "{:?}", merged.warnings);
        for f in [PARAGRAPHS, ARTICLES, OUTLETS, REJECTS] {
            assert_eq!(std::fs::read(out.join(f)).unwrap(), std::fs::read(full.join(f)).unwrap(), "{f}");
        }
        let m = &merged.manifest;
        assert_eq!(m.shard, None);
        assert_eq!(m.counts.documents, IDS.len() as u64);
        assert_eq!(m.corpus_fingerprint.as_deref(), Some("file-v1:aaaa"));
        assert_eq!(m.merged_from.len(), 2);
        // The merged folder is itself a complete run: its files match its manifest.
        for (name, sha) in &m.outputs {
            assert_eq!(&tables::file_sha256(&out.join(name)).unwrap(), sha, "{name}");
        }
    }

    #[test]
    fn shards_of_different_corpora_are_refused() {
        let c = Corpus::new();
        let shards = c.pair();
        edit(&shards[1], |m| m.corpus_fingerprint = Some("file-v1:bbbb".into()));
        let (field, first, first_in, other, other_in) = disagreement(refused(&c, &shards));
        assert_eq!(field, "corpus fingerprint");
        assert_eq!((first.as_str(), other.as_str()), ("file-v1:aaaa", "file-v1:bbbb"));
        assert!(first_in.ends_with("s0") && other_in.ends_with("s1"), "{first_in} / {other_in}");
        // The message names all of it.
        let msg = MergeError::Disagree { field, first, first_in, other, other_in }.to_string();
        assert!(msg.contains("corpus fingerprint") && msg.contains("bbbb") && msg.contains("s1"), "{msg}");
    }

    #[test]
    fn a_shard_without_a_fingerprint_merges_with_a_warning() {
        let c = Corpus::new();
        let shards = c.pair();
        edit(&shards[1], |m| m.corpus_fingerprint = None);
        let merged = merge(&shards, &c.dir("merged"), false).unwrap();
        assert_eq!(merged.warnings.len(), 1, "{:?}", merged.warnings);
        assert!(merged.warnings[0].contains("s1") && merged.warnings[0].contains("corpus"), "{:?}", merged.warnings);
        assert!(merged.manifest.warnings.contains(&merged.warnings[0]));
        assert_eq!(merged.manifest.corpus_fingerprint.as_deref(), Some("file-v1:aaaa"));
    }

    #[test]
    fn codebook_model_and_precision_mismatches_are_refused() {
        type Tweak = fn(&mut Manifest);
        let cases: [(&str, Tweak, &str, &str); 3] = [
            ("codebook sha256", |m| m.codebook.sha256 = "c2".into(), "c1", "c2"),
            ("model weights sha256", |m| m.model.weights_sha256 = "w2".into(), "w1", "w2"),
            ("model precision", |m| m.model.precision = "bf16".into(), "fp32", "bf16"),
        ];
        for (want, tweak, a, b) in cases {
            let c = Corpus::new();
            let shards = c.pair();
            edit(&shards[1], tweak);
            let (field, first, _, other, other_in) = disagreement(refused(&c, &shards));
            assert_eq!((field.as_str(), first.as_str(), other.as_str()), (want, a, b));
            assert!(other_in.ends_with("s1"));
        }
    }

    #[test]
    fn an_option_mismatch_is_refused_naming_the_option() {
        let c = Corpus::new();
        let shards = c.pair();
        edit(&shards[0], |m| m.options["classify"]["threshold"] = serde_json::json!(0.1));
        let (field, first, first_in, other, other_in) = disagreement(refused(&c, &shards));
        assert_eq!((field.as_str(), first.as_str(), other.as_str()), ("option `classify.threshold`", "0.1", "0.05"));
        assert!(first_in.ends_with("s0") && other_in.ends_with("s1"));

        // An option only one shard records is a difference too.
        let c = Corpus::new();
        let shards = c.pair();
        edit(&shards[1], |m| m.options["scores_extra"] = serde_json::json!(true));
        let (field, first, _, other, _) = disagreement(refused(&c, &shards));
        assert_eq!((field.as_str(), first.as_str(), other.as_str()), ("option `scores_extra`", "(absent)", "true"));
    }

    #[test]
    fn cache_batch_size_and_head_paths_may_differ() {
        let c = Corpus::new();
        let shards = c.pair();
        edit(&shards[1], |m| {
            m.options["batch_docs"] = serde_json::json!(8);
            m.options["head"] = serde_json::json!("/home/other/frames.head.json");
            m.heads[0].path = "/home/other/frames.head.json".into();
        });
        merge(&shards, &c.dir("merged"), false).unwrap();
    }

    #[test]
    fn a_different_head_is_refused() {
        let c = Corpus::new();
        let shards = c.pair();
        edit(&shards[1], |m| m.heads[0].sha256 = "h2".into());
        let (field, first, _, other, other_in) = disagreement(refused(&c, &shards));
        assert_eq!((field.as_str(), first.as_str(), other.as_str()), ("heads (role sha256)", "frames h1", "frames h2"));
        assert!(other_in.ends_with("s1"));

        // A shard that ran zero-shot, with a head given to the other.
        let c = Corpus::new();
        let shards = c.pair();
        edit(&shards[0], |m| m.heads.clear());
        let (_, first, _, other, _) = disagreement(refused(&c, &shards));
        assert_eq!((first.as_str(), other.as_str()), ("none (zero-shot)", "frames h1"));
    }

    #[test]
    fn a_shard_given_twice_is_refused() {
        let c = Corpus::new();
        let shards = c.pair();
        let e = refused(&c, &[shards[0].clone(), shards[1].clone(), shards[0].clone()]);
        assert!(matches!(e, MergeError::Mismatch(ref m) if m.contains("0/2 given twice")), "{e}");
        // Two folders of the same shard, too.
        let again = c.shard("s0-again", Some(Shard { index: 0, count: 2 }));
        let e = refused(&c, &[shards[0].clone(), again, shards[1].clone()]);
        assert!(matches!(e, MergeError::Mismatch(ref m) if m.contains("given twice") && m.contains("s0-again")), "{e}");
    }

    #[test]
    fn different_shard_counts_are_refused() {
        let c = Corpus::new();
        let shards = c.pair();
        let third = c.shard("t2", Some(Shard { index: 2, count: 3 }));
        let (field, first, first_in, other, other_in) = disagreement(refused(&c, &[shards[0].clone(), third]));
        assert_eq!((field.as_str(), first.as_str(), other.as_str()), ("shard count", "0/2", "2/3"));
        assert!(first_in.ends_with("s0") && other_in.ends_with("t2"));
    }

    #[test]
    fn a_missing_shard_is_refused_unless_partial() {
        let c = Corpus::new();
        let shards = c.pair();
        let e = refused(&c, &shards[..1]);
        assert!(matches!(e, MergeError::Mismatch(ref m) if m.contains("1/2 are missing")), "{e}");
        let m = merge(&shards[..1], &c.dir("partial"), true).unwrap().manifest;
        assert!(m.counts.documents < IDS.len() as u64);
    }

    #[test]
    fn an_output_that_disagrees_with_its_manifest_is_refused() {
        let c = Corpus::new();
        let shards = c.pair();
        let p = shards[1].join(ARTICLES);
        let mut bytes = std::fs::read(&p).unwrap();
        bytes.extend_from_slice(b"x\n");
        std::fs::write(&p, bytes).unwrap();
        match refused(&c, &shards) {
            MergeError::Shard { path, message } => {
                assert_eq!(path, p);
                assert!(message.contains("does not match"), "{message}");
            }
            e => panic!("{e}"),
        }
        // A manifest that records no hash for a table merge reads is not a complete run either.
        let c = Corpus::new();
        let shards = c.pair();
        edit(&shards[0], |m| {
            m.outputs.remove(REJECTS);
        });
        let e = refused(&c, &shards);
        assert!(matches!(e, MergeError::Shard { ref message, .. } if message.contains("rejects.csv")), "{e}");
    }

    #[test]
    fn a_folder_that_is_not_a_shard_is_refused() {
        let c = Corpus::new();
        let shards = c.pair();
        let message = |e: MergeError| match e {
            MergeError::Shard { message, .. } => message,
            e => panic!("{e}"),
        };
        // A whole run (manifest without shard info).
        let full = c.shard("full", None);
        assert!(message(refused(&c, &[shards[0].clone(), full])).contains("not a shard"));
        // A folder without a manifest (a killed run, or not an output folder at all).
        std::fs::remove_file(shards[1].join(MANIFEST)).unwrap();
        assert!(message(refused(&c, &shards)).contains("no manifest.json"));
        // Not a folder.
        let e = refused(&c, &[shards[0].clone(), c.dir("nowhere")]);
        assert!(message(e).contains("not a folder"));
        // A manifest that is not one of framelens's.
        std::fs::write(shards[1].join(MANIFEST), b"{\"name\": \"x\"}").unwrap();
        assert!(message(refused(&c, &shards)).contains("not a framelens manifest"));
    }
}
