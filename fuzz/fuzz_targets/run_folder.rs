//! A run folder one of whose files a person has edited: the first input byte picks the file, the rest
//! replaces it; every other file is the sample run's (tests/data/sample-run). This is what the report,
//! the workbook and `compare` read back.
//!
//! Asserts: no panic; reading the folder either fails with an error that names a file of the folder, or
//! succeeds, and then the report and the workbook are written or fail with an error (never a panic).

#![no_main]

mod common;

use std::path::Path;

use framelens::export::run_tables::RunTables;
use libfuzzer_sys::fuzz_target;

const FILES: [&str; 9] = [
    "manifest.json",
    "outlets.csv",
    "articles.csv",
    "paragraphs.csv",
    "rejects.csv",
    "comparison.csv",
    "distances.csv",
    "differences.csv",
    "independence.csv",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    let edited = FILES[usize::from(pick) % FILES.len()];
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/sample-run");
    let dir = common::scratch_dir("run");
    for f in FILES {
        if f == edited {
            std::fs::write(dir.join(f), body).unwrap();
        } else {
            std::fs::copy(sample.join(f), dir.join(f)).unwrap();
        }
    }
    match RunTables::load(&dir) {
        Ok(_) => {
            let _ = framelens::export::report::write_report(&dir);
            let _ = framelens::export::xlsx::write_workbook(&dir);
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(FILES.iter().any(|f| msg.contains(f)), "error names no file of the run: {msg}");
        }
    }
});
