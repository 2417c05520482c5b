//! A codebook TOML file as a person may have edited it (any bytes).
//!
//! Asserts: no panic; an error names the file; a codebook that loads is valid (`validate` holds), its
//! frame ids are unique, and its sha256 is that of the bytes read.

#![no_main]

mod common;

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let path = common::write_input("codebook.toml", data);
    match framelens::codebook::load(&path) {
        Ok(loaded) => {
            assert_eq!(loaded.codebook.validate(), Ok(()));
            let ids = loaded.codebook.frame_ids();
            assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "duplicate frame ids: {ids:?}");
            assert_eq!(loaded.sha256, framelens::encode::model::sha256_hex(data));
        }
        Err(e) => assert!(e.to_string().contains(&path.display().to_string()), "error without the file: {e}"),
    }
});
