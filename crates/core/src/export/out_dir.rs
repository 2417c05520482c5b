//! A run's output folder, remembered with the folders the run had to create, so that a run which read
//! nothing can take back exactly what it made and leave no empty folder to be mistaken for a result.

use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub(crate) struct OutDir {
    /// Folders this run created, deepest first.
    created: Vec<PathBuf>,
}

impl OutDir {
    /// Creates `path` with any missing parents.
    pub fn create(path: &Path) -> io::Result<OutDir> {
        let created: Vec<PathBuf> = path
            .ancestors()
            .take_while(|p| !p.as_os_str().is_empty() && std::fs::symlink_metadata(p).is_err())
            .map(Path::to_path_buf)
            .collect();
        std::fs::create_dir_all(path)?;
        Ok(OutDir { created })
    }

    /// Removes the folders this run created, deepest first, as long as they are empty: a file someone else
    /// put there meanwhile is never deleted (the folder then stays).
    pub fn remove_created(&self) {
        for dir in &self.created {
            if std::fs::remove_dir(dir).is_err() {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_only_the_empty_folders_it_created() {
        let tmp = tempfile::tempdir().unwrap();
        let out = OutDir::create(&tmp.path().join("a/b/c")).unwrap();
        assert!(tmp.path().join("a/b/c").is_dir());
        out.remove_created();
        assert!(!tmp.path().join("a").exists());
        assert!(tmp.path().exists(), "a folder that was there stays");

        let out = OutDir::create(&tmp.path().join("x/y")).unwrap();
        std::fs::write(tmp.path().join("x/keep.txt"), "someone else's").unwrap();
        out.remove_created();
        assert!(!tmp.path().join("x/y").exists());
        assert!(tmp.path().join("x/keep.txt").exists(), "never deletes a file it did not write");
    }

    #[test]
    fn an_existing_folder_is_never_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = OutDir::create(tmp.path()).unwrap();
        out.remove_created();
        assert!(tmp.path().is_dir());
    }
}
