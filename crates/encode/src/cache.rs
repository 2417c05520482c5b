//! The embedding cache: an embedded SQLite database of float32 vectors keyed by (model weights sha256,
//! sha256 of the ONNX graph that computed them, encoding mode, hash of the normalised text).
//!
//! Analysts re-run a corpus many times while they refine a codebook; the encoder is the whole cost, so a
//! text is encoded once per model, graph and mode, ever. The same cache makes a killed run resumable: every
//! batch is committed as soon as it is encoded, and a restart finds it there. Embeddings are
//! batch-independent (see [`super::batch`]), so a cached vector is bit-identical to what re-encoding would
//! give, and resumed runs write byte-identical outputs.
//!
//! The graph's hash is in the key because the weights alone do not fix the vectors: an importer fix writes a
//! new graph from the same weights, and before format 2 every vector of the old graph was then served as if
//! current. The file's format is SQLite's `user_version` ([`CACHE_FORMAT`]); a file of an older format is
//! emptied once, with a warning, because its entries do not say which graph computed them.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use sha2::{Digest, Sha256};

/// Version of the file's layout and key, stored as SQLite's `user_version`. Raise it whenever what an entry
/// means changes (another key column, another vector encoding): files of an older format are then emptied on
/// open instead of being read with the new meaning. Format 1 (no `user_version`, table `embeddings`) keyed
/// by weights and mode only, and the int8 graph's hash inside the mode.
pub const CACHE_FORMAT: i64 = 2;

/// The table of this format. Format 1's table was `embeddings`: a new name makes a format-1 framelens treat
/// a format-2 file as damaged (moved aside) rather than read it as its own.
const TABLE: &str = "vectors";

/// A cached embedding with the counters the outputs report.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cached {
    pub vector: Vec<f32>,
    pub n_tokens: usize,
    pub windows: usize,
}

/// What a vector depends on besides its text: every part must match for a cached vector to be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey {
    /// sha256 of the model's weights (`model.toml`'s `weights_sha256`).
    pub model: String,
    /// sha256 of the ONNX graph file that runs (the fp32/bf16 `model.onnx` or an int8 graph), hashed from
    /// the file itself at load, not taken from `model.toml`, so a replaced file cannot hide behind an old
    /// manifest.
    pub graph: String,
    /// Precision, truncation mode, max length and padding bucket, e.g. `bf16/windows/256/pad8` (fp32 padded to
    /// the batch's longest row before the bucket applied to every precision: those vectors differ in the last
    /// bits, so the bucket is part of the key).
    pub mode: String,
}

/// Why the embedding cache could not be used (a damaged file is rebuilt with a warning, not an error).
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// SQLite failed to open, upgrade, read or write the file (a lock held past the 30 s busy timeout, too).
    #[error("embedding cache {path}: {source}")]
    Sqlite {
        /// The cache file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A damaged cache file could not be moved aside.
    #[error("embedding cache {path}: {source}")]
    Io {
        /// The cache file.
        path: PathBuf,
        /// The OS error of the rename.
        #[source]
        source: std::io::Error,
    },
    /// The file was written by a newer framelens; it is left untouched (a run then encodes without it).
    #[error(
        "embedding cache {path} has format {found}, newer than this framelens reads ({CACHE_FORMAT}); \
         upgrade framelens or pass another --cache"
    )]
    NewerFormat {
        /// The cache file.
        path: PathBuf,
        /// Its `user_version`, above [`CACHE_FORMAT`].
        found: i64,
    },
}

/// Collapses whitespace runs and trims. BERT tokenizers split on whitespace and ignore its kind and amount,
/// so texts differing only there embed identically and share one entry; framelens encodes this form.
pub fn normalise(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// 128-bit key of a normalised text (sha256, truncated: collisions are out of reach at any corpus size).
pub fn text_key(normalised: &str) -> [u8; 16] {
    let d = Sha256::digest(normalised.as_bytes());
    let mut k = [0u8; 16];
    k.copy_from_slice(&d[..16]);
    k
}

pub(crate) struct EmbeddingCache {
    conn: Connection,
    path: PathBuf,
    key: CacheKey,
}

/// Per-(model, graph, mode) entry counts, for `framelens cache stats`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CacheStats {
    /// Weights sha256, as in [`CacheKey::model`].
    pub model: String,
    /// Graph file sha256, as in [`CacheKey::graph`].
    pub graph: String,
    /// Encoding mode, as in [`CacheKey::mode`].
    pub mode: String,
    /// Cached texts.
    pub entries: u64,
    /// Bytes of vector data (4 per dimension), keys and SQLite overhead excluded.
    pub bytes: u64,
}

fn sqlite_err(path: &Path) -> impl Fn(rusqlite::Error) -> CacheError + '_ {
    move |source| CacheError::Sqlite { path: path.to_path_buf(), source }
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

fn table_exists(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [name], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n > 0)
}

/// Opens the file for use, bringing an older format up to [`CACHE_FORMAT`] by dropping its entries; the
/// warning says so when there were any. The check and the upgrade run in one write transaction, so of two
/// processes opening an old file together exactly one upgrades it and warns.
fn open_db(path: &Path) -> Result<(Connection, Option<String>), CacheError> {
    let err = sqlite_err(path);
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let mut conn = Connection::open(path).map_err(&err)?;
    // WAL: readers never block the writer, and a killed writer loses at most its open transaction.
    conn.pragma_update(None, "journal_mode", "WAL").map_err(&err)?;
    conn.pragma_update(None, "synchronous", "NORMAL").map_err(&err)?;
    conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(&err)?;
    let mut warning = None;
    if user_version(&conn).map_err(&err)? != CACHE_FORMAT {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(&err)?;
        let found = user_version(&tx).map_err(&err)?;
        if found > CACHE_FORMAT {
            return Err(CacheError::NewerFormat { path: path.to_path_buf(), found });
        }
        if found < CACHE_FORMAT {
            // Format 1 had no user_version and kept its entries in `embeddings`.
            let old_table = if found == 0 { "embeddings" } else { TABLE };
            let old = if table_exists(&tx, old_table).map_err(&err)? {
                tx.query_row(&format!("SELECT COUNT(*) FROM {old_table}"), [], |r| r.get::<_, i64>(0)).map_err(&err)?
            } else {
                0
            };
            tx.execute_batch(&format!("DROP TABLE IF EXISTS {old_table};")).map_err(&err)?;
            tx.execute_batch(&format!(
                "CREATE TABLE {TABLE} (
                     model TEXT NOT NULL, graph TEXT NOT NULL, mode TEXT NOT NULL, key BLOB NOT NULL,
                     n_tokens INTEGER NOT NULL, windows INTEGER NOT NULL, vector BLOB NOT NULL,
                     PRIMARY KEY (model, graph, mode, key)) WITHOUT ROWID;"
            ))
            .map_err(&err)?;
            tx.pragma_update(None, "user_version", CACHE_FORMAT).map_err(&err)?;
            if old > 0 {
                warning = Some(format!(
                    "embedding cache {} was written by an older framelens (cache format {}, whose entries do not \
                     record which ONNX graph computed them); dropped its {old} entries instead of trusting them, \
                     so texts will be encoded again",
                    path.display(),
                    found.max(1)
                ));
            }
        }
        tx.commit().map_err(&err)?;
    }
    Ok((conn, warning))
}

/// Whether a cache file can be opened without losing anything worth keeping: SQLite's own `quick_check`,
/// plus the table shape its format promises (an older format's file passes if it is empty or has format 1's
/// table, since opening it drops the entries anyway; a newer one is left for [`open_db`] to refuse).
fn healthy(path: &Path) -> bool {
    let Ok(conn) = Connection::open(path) else { return false };
    let ok: rusqlite::Result<String> = conn.query_row("PRAGMA quick_check", [], |r| r.get(0));
    if !matches!(ok.as_deref(), Ok("ok")) {
        return false;
    }
    match user_version(&conn) {
        Ok(CACHE_FORMAT) => conn
            .prepare(&format!("SELECT model, graph, mode, key, n_tokens, windows, vector FROM {TABLE} LIMIT 1"))
            .is_ok(),
        Ok(v) if v > CACHE_FORMAT => true,
        Ok(_) => {
            let empty =
                conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).is_ok_and(|n| n == 0);
            empty || conn.prepare("SELECT model, mode, key, n_tokens, windows, vector FROM embeddings LIMIT 1").is_ok()
        }
        Err(_) => false,
    }
}

/// The first graph after `after` (in sort order) with entries of `model`: a seek on the primary key, so
/// listing a model's graphs costs one lookup per graph, not a scan of its entries.
fn next_graph(conn: &Connection, model: &str, after: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        &format!("SELECT graph FROM {TABLE} WHERE model = ?1 AND graph > ?2 ORDER BY graph LIMIT 1"),
        params![model, after],
        |r| r.get(0),
    )
    .optional()
}

fn has_entries(conn: &Connection, model: &str, graph: &str, mode: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        &format!("SELECT 1 FROM {TABLE} WHERE model = ?1 AND graph = ?2 AND mode = ?3 LIMIT 1"),
        params![model, graph, mode],
        |_| Ok(()),
    )
    .optional()
    .map(|r| r.is_some())
}

/// Graphs other than `key.graph` with entries of the same model and mode: when the key's own graph has none,
/// they are why every text is encoded again, and the user should hear it (a re-import or re-quantization
/// changed the graph) rather than wonder where the cache went.
fn other_graphs(conn: &Connection, key: &CacheKey) -> rusqlite::Result<Vec<String>> {
    let mut found = Vec::new();
    let mut after = String::new();
    while let Some(g) = next_graph(conn, &key.model, &after)? {
        if g != key.graph && has_entries(conn, &key.model, &g, &key.mode)? {
            found.push(g.clone());
        }
        after = g;
    }
    Ok(found)
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

impl EmbeddingCache {
    /// Opens (creating) the cache for one model, graph and encoding mode.
    ///
    /// A cache file that is damaged (not a database, failing SQLite's integrity check, or of another shape)
    /// is moved aside to `<name>.corrupt` and rebuilt, and the returned warning says so: a cache is only
    /// ever a copy of what the encoder would compute, so rebuilding loses time, never results, while
    /// silently reading a damaged one could. A file of an older format is emptied (with a warning), and one
    /// with vectors of this model and mode from another graph only is named in a warning, since every text
    /// will be encoded again.
    pub fn open(path: &Path, key: &CacheKey) -> Result<(Self, Option<String>), CacheError> {
        let mut warning = None;
        if path.exists() && !healthy(path) {
            let aside = path.with_extension("corrupt");
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            std::fs::rename(path, &aside).map_err(|source| CacheError::Io { path: path.to_path_buf(), source })?;
            warning = Some(format!(
                "embedding cache {} is damaged; moved it to {} and started a new one (texts will be encoded again)",
                path.display(),
                aside.display()
            ));
        }
        let (conn, upgraded) = open_db(path)?;
        warning = warning.or(upgraded);
        if warning.is_none() {
            let err = sqlite_err(path);
            if !has_entries(&conn, &key.model, &key.graph, &key.mode).map_err(&err)? {
                let others = other_graphs(&conn, key).map_err(&err)?;
                if !others.is_empty() {
                    warning = Some(format!(
                        "embedding cache {} has vectors of this model ({}) and mode ({}) from another ONNX graph \
                         ({}), none from the graph that runs now ({}): the graph changed (re-imported or \
                         re-quantized), so texts will be encoded again; the old vectors are never used",
                        path.display(),
                        short(&key.model),
                        key.mode,
                        others.iter().map(|g| short(g)).collect::<Vec<_>>().join(", "),
                        short(&key.graph),
                    ));
                }
            }
        }
        let cache = EmbeddingCache { conn, path: path.to_path_buf(), key: key.clone() };
        Ok((cache, warning))
    }

    fn err(&self, source: rusqlite::Error) -> CacheError {
        CacheError::Sqlite { path: self.path.clone(), source }
    }

    /// Looks up many keys in one read transaction.
    pub fn get_many(&mut self, keys: &[[u8; 16]]) -> Result<Vec<Option<Cached>>, CacheError> {
        let path = self.path.clone();
        let err = sqlite_err(&path);
        let tx = self.conn.transaction().map_err(&err)?;
        let mut out = Vec::with_capacity(keys.len());
        {
            let mut stmt = tx
                .prepare_cached(&format!(
                    "SELECT n_tokens, windows, vector FROM {TABLE} \
                     WHERE model = ?1 AND graph = ?2 AND mode = ?3 AND key = ?4"
                ))
                .map_err(&err)?;
            let k = &self.key;
            for t in keys {
                let row = stmt
                    .query_row(params![k.model, k.graph, k.mode, &t[..]], |r| {
                        let blob: Vec<u8> = r.get(2)?;
                        Ok(Cached {
                            n_tokens: r.get::<_, i64>(0)? as usize,
                            windows: r.get::<_, i64>(1)? as usize,
                            vector: blob
                                .chunks_exact(4)
                                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                                .collect(),
                        })
                    })
                    .optional()
                    .map_err(&err)?;
                out.push(row);
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(out)
    }

    /// Stores many entries in one transaction (committed before returning: a kill after this call loses
    /// nothing of it).
    pub fn put_many(&mut self, entries: &[([u8; 16], Cached)]) -> Result<(), CacheError> {
        let path = self.path.clone();
        let err = sqlite_err(&path);
        let tx = self.conn.transaction().map_err(&err)?;
        {
            let mut stmt = tx
                .prepare_cached(&format!(
                    "INSERT OR REPLACE INTO {TABLE} (model, graph, mode, key, n_tokens, windows, vector) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                ))
                .map_err(&err)?;
            let k = &self.key;
            for (t, c) in entries {
                let blob: Vec<u8> = c.vector.iter().flat_map(|v| v.to_le_bytes()).collect();
                stmt.execute(params![k.model, k.graph, k.mode, &t[..], c.n_tokens as i64, c.windows as i64, blob])
                    .map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)
    }
}

/// Brings a cache file to the current format (see `EmbeddingCache::open`) and returns the warning when
/// that dropped entries, so that `cache stats` and `cache prune` report an upgrade as a run would.
pub fn upgrade(path: &Path) -> Result<Option<String>, CacheError> {
    open_db(path).map(|(_, w)| w)
}

/// Entry counts and sizes per model, graph and mode.
pub fn stats(path: &Path) -> Result<Vec<CacheStats>, CacheError> {
    let (conn, _) = open_db(path)?;
    let err = sqlite_err(path);
    let mut stmt = conn
        .prepare(&format!(
            "SELECT model, graph, mode, COUNT(*), SUM(LENGTH(vector)) FROM {TABLE} \
             GROUP BY model, graph, mode ORDER BY model, graph, mode"
        ))
        .map_err(&err)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(CacheStats {
                model: r.get(0)?,
                graph: r.get(1)?,
                mode: r.get(2)?,
                entries: r.get::<_, i64>(3)? as u64,
                bytes: r.get::<_, Option<i64>>(4)?.unwrap_or(0) as u64,
            })
        })
        .map_err(&err)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(&err)
}

/// Deletes every entry except those of `keep_model` (all entries when None), then compacts the file.
pub fn prune(path: &Path, keep_model: Option<&str>) -> Result<u64, CacheError> {
    let (conn, _) = open_db(path)?;
    let err = sqlite_err(path);
    let n = match keep_model {
        Some(m) => conn.execute(&format!("DELETE FROM {TABLE} WHERE model != ?1"), params![m]),
        None => conn.execute(&format!("DELETE FROM {TABLE}"), []),
    }
    .map_err(&err)?;
    conn.execute_batch("VACUUM;").map_err(&err)?;
    Ok(n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(model: &str, graph: &str, mode: &str) -> CacheKey {
        CacheKey { model: model.into(), graph: graph.into(), mode: mode.into() }
    }

    #[test]
    fn round_trip_and_isolation_by_model_graph_and_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.sqlite");
        let k = text_key(&normalise("  a  text\n"));
        assert_eq!(k, text_key("a text"));
        let entry = Cached { vector: vec![0.5, -1.25, 3.0], n_tokens: 5, windows: 1 };
        let (mut c, warning) = EmbeddingCache::open(&p, &key("m1", "g1", "bf16")).unwrap();
        assert!(warning.is_none());
        assert_eq!(c.get_many(&[k]).unwrap(), vec![None]);
        c.put_many(&[(k, entry.clone())]).unwrap();
        assert_eq!(c.get_many(&[k]).unwrap(), vec![Some(entry.clone())]);
        for other in [key("m1", "g1", "fp32"), key("m2", "g1", "bf16"), key("m1", "g2", "bf16")] {
            let (mut o, _) = EmbeddingCache::open(&p, &other).unwrap();
            assert_eq!(o.get_many(&[k]).unwrap(), vec![None], "{other:?}");
        }
        let s = stats(&p).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].graph.as_str(), s[0].entries, s[0].bytes), ("g1", 1, 12));
        assert_eq!(prune(&p, Some("m2")).unwrap(), 1);
        assert!(stats(&p).unwrap().is_empty());
    }

    #[test]
    fn damaged_file_is_moved_aside_and_rebuilt_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.sqlite");
        std::fs::write(&p, b"this is not an SQLite database, just bytes that a crash or a bad copy left behind")
            .unwrap();
        let (mut c, warning) = EmbeddingCache::open(&p, &key("m", "g", "fp32")).unwrap();
        let w = warning.expect("a warning");
        assert!(w.contains("damaged") && w.contains("c.corrupt"), "{w}");
        assert!(dir.path().join("c.corrupt").exists());
        let k = text_key("x");
        c.put_many(&[(k, Cached { vector: vec![1.0], n_tokens: 3, windows: 1 })]).unwrap();
        assert!(c.get_many(&[k]).unwrap()[0].is_some());
        drop(c);
        assert!(EmbeddingCache::open(&p, &key("m", "g", "fp32")).unwrap().1.is_none(), "the rebuilt cache is healthy");
    }

    /// A file as framelens wrote it before format 2: table `embeddings`, no user_version, keyed by weights and
    /// mode only.
    fn write_format_1(p: &Path, model: &str, mode: &str, k: [u8; 16], vector: &[f32]) {
        let conn = Connection::open(p).unwrap();
        conn.execute_batch(
            "CREATE TABLE embeddings (
                 model TEXT NOT NULL, mode TEXT NOT NULL, key BLOB NOT NULL,
                 n_tokens INTEGER NOT NULL, windows INTEGER NOT NULL, vector BLOB NOT NULL,
                 PRIMARY KEY (model, mode, key)) WITHOUT ROWID;",
        )
        .unwrap();
        let blob: Vec<u8> = vector.iter().flat_map(|v| v.to_le_bytes()).collect();
        conn.execute("INSERT INTO embeddings VALUES (?1, ?2, ?3, 4, 1, ?4)", params![model, mode, &k[..], blob])
            .unwrap();
    }

    #[test]
    fn a_format_1_file_is_emptied_once_with_one_warning_and_never_served() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.sqlite");
        let k = text_key("a text");
        write_format_1(&p, "m", "fp32/windows/256", k, &[0.25, 0.5]);
        let key = key("m", "g", "fp32/windows/256");
        let (mut c, warning) = EmbeddingCache::open(&p, &key).unwrap();
        let w = warning.expect("a warning for the old format");
        assert!(w.contains("older framelens") && w.contains("format 1") && w.contains("1 entries"), "{w}");
        assert_eq!(c.get_many(&[k]).unwrap(), vec![None], "an old entry must not be served");
        drop(c);
        let (_, again) = EmbeddingCache::open(&p, &key).unwrap();
        assert!(again.is_none(), "the upgrade warns once: {again:?}");
        let conn = Connection::open(&p).unwrap();
        assert_eq!(user_version(&conn).unwrap(), CACHE_FORMAT);
        assert!(!table_exists(&conn, "embeddings").unwrap(), "the old table is dropped, not left to grow stale");
    }

    #[test]
    fn vectors_of_another_graph_are_not_served_and_the_warning_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.sqlite");
        let k = text_key("a text");
        let old = Cached { vector: vec![1.0, 0.0], n_tokens: 4, windows: 1 };
        let (old_graph, new_graph) = ("aaaaaaaaaaaa1111", "bbbbbbbbbbbb2222");
        let (mut c, _) = EmbeddingCache::open(&p, &key("m", old_graph, "fp32/windows/256")).unwrap();
        c.put_many(&[(k, old.clone())]).unwrap();
        drop(c);

        // Another mode of the old graph is no reason to warn: it was never this mode's cache.
        let (_, w) = EmbeddingCache::open(&p, &key("m", new_graph, "bf16/windows/256")).unwrap();
        assert!(w.is_none(), "{w:?}");

        let (mut c, w) = EmbeddingCache::open(&p, &key("m", new_graph, "fp32/windows/256")).unwrap();
        let w = w.expect("a warning naming the other graph");
        assert!(w.contains("another ONNX graph") && w.contains("aaaaaaaaaaaa") && w.contains("bbbbbbbbbbbb"), "{w}");
        assert_eq!(c.get_many(&[k]).unwrap(), vec![None]);
        let new = Cached { vector: vec![0.0, 1.0], n_tokens: 4, windows: 1 };
        c.put_many(&[(k, new.clone())]).unwrap();
        drop(c);

        // Once the new graph has entries, opening is quiet again, and each graph keeps its own vectors.
        let (mut c, w) = EmbeddingCache::open(&p, &key("m", new_graph, "fp32/windows/256")).unwrap();
        assert!(w.is_none(), "{w:?}");
        assert_eq!(c.get_many(&[k]).unwrap(), vec![Some(new)]);
        let (mut c, _) = EmbeddingCache::open(&p, &key("m", old_graph, "fp32/windows/256")).unwrap();
        assert_eq!(c.get_many(&[k]).unwrap(), vec![Some(old)]);
    }

    #[test]
    fn a_newer_format_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.sqlite");
        Connection::open(&p).unwrap().pragma_update(None, "user_version", CACHE_FORMAT + 1).unwrap();
        let e = EmbeddingCache::open(&p, &key("m", "g", "fp32")).err().expect("refused");
        assert!(matches!(e, CacheError::NewerFormat { found, .. } if found == CACHE_FORMAT + 1), "{e}");
        assert_eq!(user_version(&Connection::open(&p).unwrap()).unwrap(), CACHE_FORMAT + 1);
    }
}
