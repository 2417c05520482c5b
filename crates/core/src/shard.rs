//! Shards: `--shard K/N` splits a corpus across machines by a stable hash of the document id.
//!
//! The hash is 64-bit FNV-1a over the id's UTF-8 bytes, written out here rather than taken from `std`
//! (whose hasher is randomly seeded per process) or a crate whose algorithm might change: a document must
//! land in the same shard on every machine and in every framelens version.

use std::fmt;
use std::str::FromStr;

/// Shard `index` (0-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub(crate) index: u32,
    pub(crate) count: u32,
}

pub use crate::stats::random::fnv1a64;

impl Shard {
    pub(crate) fn of(id: &str, count: u32) -> u32 {
        (fnv1a64(id.as_bytes()) % count as u64) as u32
    }

    pub(crate) fn owns(&self, doc_id: &str) -> bool {
        Shard::of(doc_id, self.count) == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}`: expected K/N with 0 <= K < N, e.g. 0/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_reference_values_and_shards_partition() {
        // Reference values of 64-bit FNV-1a (draft-eastlake-fnv): "" and "a".
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        let ids: Vec<String> = (0..1000).map(|i| format!("doc-{i}")).collect();
        let mut sizes = [0; 4];
        for id in &ids {
            let owners: Vec<u32> = (0..4).filter(|&k| Shard { index: k, count: 4 }.owns(id)).collect();
            assert_eq!(owners.len(), 1);
            sizes[owners[0] as usize] += 1;
        }
        assert!(sizes.iter().all(|&n| n > 200), "{sizes:?}");
        assert_eq!("2/4".parse::<Shard>().unwrap(), Shard { index: 2, count: 4 });
        assert!("4/4".parse::<Shard>().is_err() && "x".parse::<Shard>().is_err());
    }
}
