//! Atomic file output: write to a temporary file in the destination's folder, then rename. A run that is
//! interrupted never leaves a half-written file under the final name that could pass for a complete one.
//!
//! It lives in framelens-encode, the crate every other depends on, because the importer and the export stage
//! both write files this way; framelens-core re-exports it as `framelens::atomic`.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Streams into a temporary file beside `path` with `fill`, then renames it over `path`.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<&mut tempfile::NamedTempFile>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(".framelens-").suffix(".part").tempfile_in(dir)?;
    {
        let mut w = std::io::BufWriter::new(&mut tmp);
        fill(&mut w)?;
        w.flush()?;
    }
    tmp.as_file().sync_all()?;
    // tempfile creates 0600 files; outputs are meant to be read by collaborators and other jobs.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
