//! Segment: a document's text into paragraphs (with headings as sections and page furniture
//! marked), and paragraphs into sentences. Offsets are kept so every label can point back into
//! the original text.

mod boilerplate;
mod boilerplate_zh;
mod cjk;
mod classify;
mod heading;
mod lang;
mod lines;
mod sentences;
mod split;

use serde::{Deserialize, Serialize};

use classify::BlockInfo;
pub use lang::{article_languages, language, UNDETERMINED};
use lines::Line;
pub use sentences::sentences;

/// The kind of a block; defined with the run folder's vocabulary (the `kind` column of `paragraphs.csv`).
pub use crate::run::labels::Kind;

/// One block of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paragraph {
    /// 0-based position among *all* blocks of the document (headings and boilerplate included),
    /// so indices stay stable whatever later stages filter out.
    pub para_index: usize,
    /// Decides whether later stages classify the block (only `Body` is).
    pub kind: Kind,
    /// The latest heading at or above this block (a heading's own section is itself), with
    /// Markdown `#` and emphasis markers removed; `None` before the first heading.
    pub section: Option<String>,
    /// Char (Unicode scalar) offsets into `Document.text`, end exclusive, spanning the block from
    /// its first to its last non-blank character: char offsets survive any re-encoding of the
    /// output, byte offsets would not.
    pub char_start: usize,
    /// See `char_start`: one past the block's last non-blank char.
    pub char_end: usize,
    /// The block's lines, each trimmed, joined by single spaces (line endings normalised here and
    /// only here).
    pub text: String,
}

/// Splits a document into paragraphs.
///
/// Blocks are runs of non-blank lines; a block is further split where a heading sits directly on
/// its paragraph, where furniture lines are stacked one per line, and where paragraphs were pasted
/// one per line (all lines end a sentence and one is ≥ 200 chars).
pub fn segment(text: &str) -> Vec<Paragraph> {
    let raw_blocks = lines::blocks(text);
    let units: Vec<&[Line<'_>]> =
        raw_blocks.iter().flat_map(|b| split::split_block(b).into_iter().map(move |r| &b[r])).collect();
    let infos: Vec<BlockInfo> = units.iter().map(|u| BlockInfo { text: join(u), one_line: u.len() == 1 }).collect();
    let kinds = classify::classify(&infos);

    let mut section: Option<String> = None;
    units
        .iter()
        .zip(infos)
        .zip(kinds)
        .enumerate()
        .map(|(para_index, ((unit, info), kind))| {
            if kind == Kind::Heading {
                section = Some(heading::section_title(&info.text));
            }
            Paragraph {
                para_index,
                kind,
                section: section.clone(),
                char_start: unit.first().map_or(0, |l| l.char_start),
                char_end: unit.last().map_or(0, |l| l.char_end),
                text: info.text,
            }
        })
        .collect()
}

fn join(lines: &[Line<'_>]) -> String {
    lines.iter().map(|l| l.text).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
