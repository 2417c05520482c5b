//! Tokenized windows and the batches they are run in.
//!
//! A paragraph becomes one or more *windows* of at most `max_seq_length` tokens (`[CLS]` … `[SEP]`). Windows
//! are sorted by length and packed into batches under a token budget, so little compute goes to padding.
//! The rule that makes shards, resumes and re-ordered corpora bit-identical: a window's padded length
//! depends on the window alone, in every precision. Each window is padded up to a multiple of [`BUCKET`]
//! tokens and a batch holds windows of one padded length only. Padding to the batch's longest row is not
//! enough even on the CPU provider, where masked positions contribute exact zeros: the kernels' vector
//! loops split a row of keys into lanes and a tail by its padded length, so the order in which the real
//! terms are summed moved with the batch (MPNet fp32 rows changed by 2e-8 on one CI host, not on another).
//! bf16 on OpenVINO moves far more with the padded length (up to 7e-4, docs/design.md).

/// Every window is padded up to a multiple of this many tokens.
pub const BUCKET: usize = 8;

fn padded(len: usize) -> usize {
    len.div_ceil(BUCKET) * BUCKET
}

/// One window of one input: its token ids, special tokens included.
#[derive(Debug, Clone)]
pub struct Window {
    /// Index of the input (its row in the output) this window's vector is averaged into.
    pub input: usize,
    /// Whether this is the input's first window (counts inputs for progress).
    pub first: bool,
    /// `[CLS]`, up to `max_len - 2` content tokens, `[SEP]`; unpadded.
    pub ids: Vec<u32>,
}

/// Splits a paragraph's content tokens (no special tokens) into windows of at most `max_len` tokens
/// including `[CLS]` and `[SEP]`. With `truncate`, only the first window is kept, which is what
/// sentence-transformers does; otherwise windows overlap by a quarter so that no sentence is cut off from
/// all of its context, and the last window ends at the paragraph's end.
pub fn windows(content: &[u32], max_len: usize, truncate: bool, cls: u32, sep: u32) -> Vec<Vec<u32>> {
    let width = max_len.saturating_sub(2).max(1);
    let wrap = |s: &[u32]| {
        let mut v = Vec::with_capacity(s.len() + 2);
        v.push(cls);
        v.extend_from_slice(s);
        v.push(sep);
        v
    };
    if content.len() <= width || truncate {
        return vec![wrap(&content[..content.len().min(width)])];
    }
    let stride = (width * 3 / 4).max(1);
    let mut out = Vec::new();
    let mut start = 0;
    loop {
        if start + width >= content.len() {
            out.push(wrap(&content[content.len() - width..]));
            break;
        }
        out.push(wrap(&content[start..start + width]));
        start += stride;
    }
    out
}

/// A batch: indices into the window list and the padded length every row of it has.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// Indices into the window slice given to [`plan`], shortest first.
    pub rows: Vec<usize>,
    /// Tokens per row after padding: each row's length rounded up to a multiple of [`BUCKET`], equal for all.
    pub padded_len: usize,
}

/// Packs windows into batches: sorted by length (stable, so equal inputs give equal batches), at most
/// `max_rows` rows and `token_budget` padded tokens per batch.
///
/// The rows of one padded length are cut into full batches and a remainder split into
/// powers of two (13 rows: 8 + 4 + 1). The OpenVINO provider compiles and caches kernels per input shape, so
/// free row counts gave every corpus new shapes and peak memory grew with corpus size (docs/performance.md);
/// this way a model sees at most `1 + log2(max rows)` shapes per padded length, whatever the corpus. Rows of
/// one padded length give bit-identical embeddings in any batch (the batch-independence tests), so the
/// split changes no output.
pub fn plan(windows: &[Window], token_budget: usize, max_rows: usize) -> Vec<Batch> {
    let mut order: Vec<usize> = (0..windows.len()).collect();
    order.sort_by_key(|&i| windows[i].ids.len());
    let mut batches = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let len = padded(windows[order[start]].ids.len());
        let end = start + order[start..].iter().take_while(|&&i| padded(windows[i].ids.len()) == len).count();
        let cap = (token_budget / len.max(1)).clamp(1, max_rows.max(1));
        let mut rest = &order[start..end];
        while !rest.is_empty() {
            let n = if rest.len() >= cap { cap } else { 1 << rest.len().ilog2() };
            let (take, tail) = rest.split_at(n);
            batches.push(Batch { rows: take.to_vec(), padded_len: len });
            rest = tail;
        }
        start = end;
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_content_is_one_window() {
        let w = windows(&[5, 6, 7], 8, false, 1, 2);
        assert_eq!(w, vec![vec![1, 5, 6, 7, 2]]);
    }

    #[test]
    fn long_content_overlaps_and_ends_at_the_end() {
        let content: Vec<u32> = (10..30).collect(); // 20 tokens, width 6
        let w = windows(&content, 8, false, 1, 2);
        assert!(w.len() > 3);
        assert!(w.iter().all(|x| x.len() == 8 && x[0] == 1 && x[7] == 2));
        assert_eq!(w.last().unwrap()[6], 29);
        let t = windows(&content, 8, true, 1, 2);
        assert_eq!(t, vec![vec![1, 10, 11, 12, 13, 14, 15, 2]]);
    }

    #[test]
    fn bucket_batches_hold_one_padded_length() {
        let ws: Vec<Window> = [3usize, 9, 4, 17, 8, 16, 5]
            .iter()
            .enumerate()
            .map(|(i, &n)| Window { input: i, first: true, ids: vec![0; n] })
            .collect();
        let batches = plan(&ws, 1000, 64);
        for b in &batches {
            assert!(b.rows.iter().all(|&r| ws[r].ids.len().div_ceil(8) * 8 == b.padded_len));
        }
        assert_eq!(batches.iter().map(|b| b.rows.len()).sum::<usize>(), ws.len());
        let small = plan(&ws, 40, 64);
        assert!(small.iter().all(|b| b.rows.len() * b.padded_len <= 40 || b.rows.len() == 1));
    }

    #[test]
    fn bucket_batches_are_full_or_a_power_of_two() {
        // 45 windows of one bucket, cap 16 rows (budget 128 / 8 tokens): 16 + 16 + 8 + 4 + 1.
        let ws: Vec<Window> = (0..45).map(|i| Window { input: i, first: true, ids: vec![0; 5 + i % 3] }).collect();
        let batches = plan(&ws, 128, 64);
        let sizes: Vec<usize> = batches.iter().map(|b| b.rows.len()).collect();
        assert_eq!(sizes, vec![16, 16, 8, 4, 1]);
        let mut rows: Vec<usize> = batches.iter().flat_map(|b| b.rows.iter().copied()).collect();
        rows.sort();
        assert_eq!(rows, (0..45).collect::<Vec<_>>());
        // Any group size gives at most 1 + log2(cap) distinct batch shapes.
        for n in 1..200 {
            let ws: Vec<Window> = (0..n).map(|i| Window { input: i, first: true, ids: vec![0; 8] }).collect();
            let sizes: std::collections::BTreeSet<usize> = plan(&ws, 200, 64).iter().map(|b| b.rows.len()).collect();
            assert!(sizes.iter().all(|&s| s == 25 || s.is_power_of_two()), "{n}: {sizes:?}");
            assert!(sizes.len() <= 1 + 25usize.ilog2() as usize + 1, "{n}: {sizes:?}");
        }
    }
}
