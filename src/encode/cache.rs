//! The embedding cache: an embedded SQLite database of float32 vectors keyed by (model weights sha256,
//! encoding mode, hash of the normalised text).
//!
//! Analysts re-run a corpus many times while they refine a codebook; the encoder is the whole cost, so a
//! text is encoded once per model and mode, ever. The same cache makes a killed run resumable: every batch
//! is committed as soon as it is encoded, and a restart finds it there. Embeddings are batch-independent
//! (see [`super::batch`]), so a cached vector is bit-identical to what re-encoding would give, and resumed
//! runs write byte-identical outputs.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

/// A cached embedding with the counters the outputs report.
#[derive(Debug, Clone, PartialEq)]
pub struct Cached {
    pub vector: Vec<f32>,
    pub n_tokens: usize,
    pub windows: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("embedding cache {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("embedding cache {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
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

pub struct EmbeddingCache {
    conn: Connection,
    path: PathBuf,
    model: String,
    mode: String,
}

/// Per-(model, mode) entry counts, for `framelens cache stats`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CacheStats {
    pub model: String,
    pub mode: String,
    pub entries: u64,
    pub bytes: u64,
}

fn open_db(path: &Path) -> Result<Connection, CacheError> {
    let err = |source| CacheError::Sqlite { path: path.to_path_buf(), source };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let conn = Connection::open(path).map_err(err)?;
    // WAL: readers never block the writer, and a killed writer loses at most its open transaction.
    conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
    conn.pragma_update(None, "synchronous", "NORMAL").map_err(err)?;
    conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(err)?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS embeddings (
             model TEXT NOT NULL, mode TEXT NOT NULL, key BLOB NOT NULL,
             n_tokens INTEGER NOT NULL, windows INTEGER NOT NULL, vector BLOB NOT NULL,
             PRIMARY KEY (model, mode, key)) WITHOUT ROWID;",
    )
    .map_err(err)?;
    Ok(conn)
}

/// Whether a cache file can be trusted: SQLite's own `quick_check` plus our table's shape.
fn healthy(path: &Path) -> bool {
    let Ok(conn) = Connection::open(path) else { return false };
    let ok: rusqlite::Result<String> = conn.query_row("PRAGMA quick_check", [], |r| r.get(0));
    matches!(ok.as_deref(), Ok("ok"))
        && conn.prepare("SELECT model, mode, key, n_tokens, windows, vector FROM embeddings LIMIT 1").is_ok()
}

impl EmbeddingCache {
    /// Opens (creating) the cache for one model and encoding mode (e.g. `bf16/windows/256`).
    ///
    /// A cache file that is damaged (not a database, failing SQLite's integrity check, or of another shape)
    /// is moved aside to `<name>.corrupt` and rebuilt, and the returned warning says so: a cache is only
    /// ever a copy of what the encoder would compute, so rebuilding loses time, never results, while
    /// silently reading a damaged one could.
    pub fn open(path: &Path, model_sha256: &str, mode: &str) -> Result<(Self, Option<String>), CacheError> {
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
        let cache = EmbeddingCache {
            conn: open_db(path)?,
            path: path.to_path_buf(),
            model: model_sha256.to_string(),
            mode: mode.to_string(),
        };
        Ok((cache, warning))
    }

    fn err(&self, source: rusqlite::Error) -> CacheError {
        CacheError::Sqlite { path: self.path.clone(), source }
    }

    /// Looks up many keys in one read transaction.
    pub fn get_many(&mut self, keys: &[[u8; 16]]) -> Result<Vec<Option<Cached>>, CacheError> {
        let tx = self.conn.transaction().map_err(|e| CacheError::Sqlite { path: self.path.clone(), source: e })?;
        let mut out = Vec::with_capacity(keys.len());
        {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT n_tokens, windows, vector FROM embeddings WHERE model = ?1 AND mode = ?2 AND key = ?3",
                )
                .map_err(|e| CacheError::Sqlite { path: self.path.clone(), source: e })?;
            for k in keys {
                let row = stmt
                    .query_row(params![self.model, self.mode, &k[..]], |r| {
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
                    .map_err(|e| CacheError::Sqlite { path: self.path.clone(), source: e })?;
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
        let err = |source| CacheError::Sqlite { path: path.clone(), source };
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO embeddings (model, mode, key, n_tokens, windows, vector) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(err)?;
            for (k, c) in entries {
                let blob: Vec<u8> = c.vector.iter().flat_map(|v| v.to_le_bytes()).collect();
                stmt.execute(params![self.model, self.mode, &k[..], c.n_tokens as i64, c.windows as i64, blob])
                    .map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }
}

/// Entry counts and sizes per model and mode.
pub fn stats(path: &Path) -> Result<Vec<CacheStats>, CacheError> {
    let conn = open_db(path)?;
    let err = |source| CacheError::Sqlite { path: path.to_path_buf(), source };
    let mut stmt = conn
        .prepare("SELECT model, mode, COUNT(*), SUM(LENGTH(vector)) FROM embeddings GROUP BY model, mode ORDER BY model, mode")
        .map_err(err)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(CacheStats {
                model: r.get(0)?,
                mode: r.get(1)?,
                entries: r.get::<_, i64>(2)? as u64,
                bytes: r.get::<_, Option<i64>>(3)?.unwrap_or(0) as u64,
            })
        })
        .map_err(err)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(err)
}

/// Deletes every entry except those of `keep_model` (all entries when None), then compacts the file.
pub fn prune(path: &Path, keep_model: Option<&str>) -> Result<u64, CacheError> {
    let conn = open_db(path)?;
    let err = |source| CacheError::Sqlite { path: path.to_path_buf(), source };
    let n = match keep_model {
        Some(m) => conn.execute("DELETE FROM embeddings WHERE model != ?1", params![m]),
        None => conn.execute("DELETE FROM embeddings", []),
    }
    .map_err(err)?;
    conn.execute_batch("VACUUM;").map_err(err)?;
    Ok(n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_isolation_by_model_and_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.sqlite");
        let k = text_key(&normalise("  a  text\n"));
        assert_eq!(k, text_key("a text"));
        let entry = Cached { vector: vec![0.5, -1.25, 3.0], n_tokens: 5, windows: 1 };
        let (mut c, warning) = EmbeddingCache::open(&p, "m1", "bf16").unwrap();
        assert!(warning.is_none());
        assert_eq!(c.get_many(&[k]).unwrap(), vec![None]);
        c.put_many(&[(k, entry.clone())]).unwrap();
        assert_eq!(c.get_many(&[k]).unwrap(), vec![Some(entry.clone())]);
        let (mut other, _) = EmbeddingCache::open(&p, "m1", "fp32").unwrap();
        assert_eq!(other.get_many(&[k]).unwrap(), vec![None]);
        let s = stats(&p).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].entries, s[0].bytes), (1, 12));
        assert_eq!(prune(&p, Some("m2")).unwrap(), 1);
        assert!(stats(&p).unwrap().is_empty());
    }

    #[test]
    fn damaged_file_is_moved_aside_and_rebuilt_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.sqlite");
        std::fs::write(&p, b"this is not an SQLite database, just bytes that a crash or a bad copy left behind")
            .unwrap();
        let (mut c, warning) = EmbeddingCache::open(&p, "m", "fp32").unwrap();
        let w = warning.expect("a warning");
        assert!(w.contains("damaged") && w.contains("c.corrupt"), "{w}");
        assert!(dir.path().join("c.corrupt").exists());
        let k = text_key("x");
        c.put_many(&[(k, Cached { vector: vec![1.0], n_tokens: 3, windows: 1 })]).unwrap();
        assert!(c.get_many(&[k]).unwrap()[0].is_some());
        drop(c);
        assert!(EmbeddingCache::open(&p, "m", "fp32").unwrap().1.is_none(), "the rebuilt cache is healthy");
    }
}
