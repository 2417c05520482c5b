//! What coders decided, in `workbench/codes.sqlite` inside the run folder. Every keystroke is one
//! committed transaction (WAL journal, `synchronous = FULL`), so killing the server, the machine losing
//! power or a closed tab loses at most the key being pressed. Two coders write their own rows: codes are
//! keyed by coder and paragraph, and nobody sees another coder's codes while coding.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};

use crate::run_data::Key;
use crate::ServeError;

/// One coder's decision on one paragraph. A frame (or `other`) and a stance are coded by separate keys;
/// either may still be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Code {
    /// A frame id, `other`, or empty.
    pub frame: String,
    /// `supportive`, `critical`, `neutral`, or empty.
    pub stance: String,
    /// The coder's free-text note.
    pub note: String,
    /// Passed over: counts as done, exported as nothing.
    pub skipped: bool,
}

impl Code {
    /// Whether the coder is done with the paragraph (`needs_stance`: the run has a stance target).
    pub fn is_complete(&self, needs_stance: bool) -> bool {
        self.skipped || (!self.frame.is_empty() && (!needs_stance || !self.stance.is_empty()))
    }
}

/// A change to one paragraph's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Sets the frame (a frame id or `other`).
    Frame(String),
    /// Sets the stance.
    Stance(String),
    /// Sets the note.
    Note(String),
    /// Marks the paragraph skipped.
    Skip,
}

/// The codes database of one run folder.
pub struct CodeStore {
    conn: Connection,
    path: PathBuf,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS codes (
    coder TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    para_index INTEGER NOT NULL,
    frame TEXT NOT NULL DEFAULT '',
    stance TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    skipped INTEGER NOT NULL DEFAULT 0,
    seq INTEGER NOT NULL,
    PRIMARY KEY (coder, doc_id, para_index)
);
CREATE INDEX IF NOT EXISTS codes_seq ON codes (coder, seq);
";

impl CodeStore {
    /// The database's place in a run folder.
    pub fn path_in(run_dir: &Path) -> PathBuf {
        run_dir.join("workbench").join("codes.sqlite")
    }

    /// Opens (creating) the database at `path`.
    pub fn open(path: &Path) -> Result<CodeStore, ServeError> {
        let err = |source| ServeError::Codes { path: path.to_path_buf(), source };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let conn = Connection::open(path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        Ok(CodeStore { conn, path: path.to_path_buf() })
    }

    fn err(&self, source: rusqlite::Error) -> ServeError {
        ServeError::Codes { path: self.path.clone(), source }
    }

    /// Applies one change in its own transaction; the change is the coder's latest (what undo removes).
    pub fn apply(&mut self, coder: &str, key: &Key, change: &Change) -> Result<(), ServeError> {
        let tx = self.conn.transaction().map_err(|e| ServeError::Codes { path: self.path.clone(), source: e })?;
        let r = (|| {
            let seq: i64 =
                tx.query_row("SELECT COALESCE(MAX(seq), 0) + 1 FROM codes WHERE coder = ?1", [coder], |r| r.get(0))?;
            tx.execute(
                "INSERT INTO codes (coder, doc_id, para_index, seq) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (coder, doc_id, para_index) DO UPDATE SET seq = excluded.seq",
                params![coder, key.0, key.1 as i64, seq],
            )?;
            let (column, value): (&str, rusqlite::types::Value) = match change {
                Change::Frame(f) => ("frame", f.clone().into()),
                Change::Stance(s) => ("stance", s.clone().into()),
                Change::Note(n) => ("note", n.clone().into()),
                Change::Skip => ("skipped", 1i64.into()),
            };
            // Coding a label un-skips; skipping keeps what was coded (exported only if complete).
            let unskip = if matches!(change, Change::Frame(_) | Change::Stance(_)) { ", skipped = 0" } else { "" };
            tx.execute(
                &format!("UPDATE codes SET {column} = ?1{unskip} WHERE coder = ?2 AND doc_id = ?3 AND para_index = ?4"),
                params![value, coder, key.0, key.1 as i64],
            )?;
            tx.commit()
        })();
        r.map_err(|e| self.err(e))
    }

    /// Removes the coder's most recently changed paragraph's code entirely; returns its key.
    pub fn undo(&mut self, coder: &str) -> Result<Option<Key>, ServeError> {
        let last: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT doc_id, para_index FROM codes WHERE coder = ?1 ORDER BY seq DESC LIMIT 1",
                [coder],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((doc, para)) = last else { return Ok(None) };
        self.conn
            .execute(
                "DELETE FROM codes WHERE coder = ?1 AND doc_id = ?2 AND para_index = ?3",
                params![coder, doc, para],
            )
            .map_err(|e| self.err(e))?;
        Ok(Some((doc, para as usize)))
    }

    /// Every code of one coder.
    pub fn coder(&self, coder: &str) -> Result<HashMap<Key, Code>, ServeError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT doc_id, para_index, frame, stance, note, skipped FROM codes WHERE coder = ?1")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([coder], |r| {
                Ok((
                    (r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize),
                    Code { frame: r.get(2)?, stance: r.get(3)?, note: r.get(4)?, skipped: r.get::<_, i64>(5)? != 0 },
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Coders with at least one code, sorted.
    pub fn coders(&self) -> Result<Vec<String>, ServeError> {
        let mut stmt =
            self.conn.prepare_cached("SELECT DISTINCT coder FROM codes ORDER BY coder").map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }

    /// Every coder's code of one paragraph.
    pub fn paragraph(&self, key: &Key) -> Result<Vec<(String, Code)>, ServeError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT coder, frame, stance, note, skipped FROM codes WHERE doc_id = ?1 AND para_index = ?2 ORDER BY coder",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![key.0, key.1 as i64], |r| {
                Ok((
                    r.get(0)?,
                    Code { frame: r.get(1)?, stance: r.get(2)?, note: r.get(3)?, skipped: r.get::<_, i64>(4)? != 0 },
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: usize) -> Key {
        ("a/doc".to_string(), i)
    }

    #[test]
    fn codes_persist_per_coder_and_undo_removes_the_latest() {
        let dir = tempfile::tempdir().unwrap();
        let path = CodeStore::path_in(dir.path());
        {
            let mut s = CodeStore::open(&path).unwrap();
            s.apply("ana", &key(0), &Change::Frame("f1".into())).unwrap();
            s.apply("ana", &key(0), &Change::Stance("critical".into())).unwrap();
            s.apply("ana", &key(1), &Change::Frame("other".into())).unwrap();
            s.apply("ben", &key(0), &Change::Frame("f2".into())).unwrap();
            assert_eq!(s.undo("ana").unwrap(), Some(key(1)));
        }
        // Reopened: what was committed is there, the undone code is not.
        let s = CodeStore::open(&path).unwrap();
        let ana = s.coder("ana").unwrap();
        assert_eq!(ana.len(), 1);
        let c = &ana[&key(0)];
        assert_eq!((c.frame.as_str(), c.stance.as_str()), ("f1", "critical"));
        assert!(c.is_complete(true));
        assert_eq!(s.coder("ben").unwrap()[&key(0)].frame, "f2");
        assert_eq!(s.coders().unwrap(), ["ana", "ben"]);
        assert_eq!(s.paragraph(&key(0)).unwrap().len(), 2);
    }

    #[test]
    fn a_frame_without_stance_is_incomplete_when_the_run_scores_stance() {
        let c = Code { frame: "f1".into(), ..Code::default() };
        assert!(!c.is_complete(true));
        assert!(c.is_complete(false));
        assert!(Code { skipped: true, ..Code::default() }.is_complete(true));
    }
}
