//! A trained head's JSON file as a person may have edited it (any UTF-8 text).
//!
//! Asserts: no panic; an error names the file; a head that parses and validates is saved to the same
//! bytes after a load (the file format round-trips, which `head show` and re-saving rely on).

#![no_main]

mod common;

use std::path::Path;

use framelens::classify::heads::HeadFile;
use libfuzzer_sys::fuzz_target;

type AnyHead = HeadFile<serde_json::Value, serde_json::Value, serde_json::Value>;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = Path::new("fuzz/head.json");
    match AnyHead::from_json(text, path) {
        Ok(head) => {
            let saved = head.to_json();
            let again = AnyHead::from_json(&saved, path).expect("a saved head loads again");
            assert_eq!(again.to_json(), saved, "saving a loaded head changed its bytes");
        }
        Err(e) => assert!(e.to_string().contains("fuzz/head.json"), "error without the file: {e}"),
    }
});
