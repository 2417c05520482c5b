//! Codebooks: the analyst's frames and stance targets, in TOML (format: `docs/codebook.md`).
//!
//! A codebook is read and validated before any corpus work starts, so a typo stops the run at once with
//! the file, line and field, instead of after an hour of encoding.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What a coder writes for a text coded with none of the codebook's frames (`train --data`, article-level
/// gold in `eval`), unless the codebook has a frame of that name.
pub const NO_FRAME: &str = "none";

/// The stance labels and the label given when no frame is close enough (see `other_threshold`): the run
/// folder's vocabulary, defined in [`crate::run::labels`].
pub use crate::run::labels::{OTHER, STANCE_LABELS};

/// A codebook file's content, as written (validated by [`Codebook::validate`], which [`load`] runs).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Codebook {
    /// Short identifier, written into manifests; not what results are traced by (the file's sha256 is).
    pub name: String,
    /// The analyst's version string (e.g. `1.0.0`), bumped when frames or examples change.
    pub version: String,
    pub(crate) description: String,
    /// Minimum centred cosine to the best frame prototype; below it a paragraph is `other`.
    #[serde(default)]
    pub other_threshold: Option<f32>,
    /// Topic relevance (closeness to this codebook's texts against ordinary news, see
    /// `classify::relevance`) below which a body paragraph is `other`; a codebook whose topic is news in
    /// general can set it low to keep every paragraph.
    #[serde(default)]
    pub relevance_threshold: Option<f32>,
    /// Paragraphs of the topic as a corpus would hold them (reports, testimony, background), beyond the
    /// frames' argued examples: they widen what topic relevance counts as on-topic and label nothing.
    #[serde(default)]
    pub topic_examples: Vec<String>,
    /// Paragraphs *near* the topic that the analyst counts as off it (the region's politics, neighbouring
    /// subjects that share its vocabulary): they join the background of ordinary news that topic relevance
    /// contrasts with, for this codebook only, so a corpus drawn by keyword loses what merely sounds alike.
    #[serde(default)]
    pub off_topic_examples: Vec<String>,
    /// A frame joins `frames` (multi-label) when its probability is within this of the best one.
    #[serde(default)]
    pub multi_label_margin: Option<f32>,
    /// At least two, with unique snake_case ids; their order is the label order of every output.
    pub frames: Vec<Frame>,
    /// Zero or more; only the first is scored (the others are validated).
    #[serde(default)]
    pub stance_targets: Vec<StanceTarget>,
}

/// One frame: a way of presenting the topic that the classifier can assign to a paragraph.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Frame {
    /// snake_case, unique in the codebook, never `other`: the label written in every output.
    pub id: String,
    pub(crate) label: String,
    pub(crate) definition: String,
    /// Phrases typical of the frame: whole-word matches are shown as evidence and, unless a calibrated head
    /// scores, each of up to 3 adds the run's `cue_weight` to the frame's logit.
    #[serde(default)]
    pub cues: Vec<String>,
    /// Paragraphs written for the codebook; with the definition, each weighing alike, they make the frame's
    /// zero-shot prototype.
    #[serde(default)]
    pub examples: Vec<String>,
}

/// Something paragraphs take a stance toward, with example statements of each stance.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StanceTarget {
    pub(crate) id: String,
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) supportive: Vec<String>,
    #[serde(default)]
    pub(crate) critical: Vec<String>,
    #[serde(default)]
    pub(crate) neutral: Vec<String>,
    #[serde(default)]
    pub(crate) supportive_cues: Vec<String>,
    #[serde(default)]
    pub(crate) critical_cues: Vec<String>,
}

impl Frame {
    /// The frame's human-readable name (what coders see next to the id).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The frame's definition, the codebook entry coders decide by.
    pub fn definition(&self) -> &str {
        &self.definition
    }
}

impl StanceTarget {
    /// The target's id (e.g. `crackdown_narrative`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// What the target is, as the codebook describes it to coders.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Example statements per label, in [`STANCE_LABELS`] order.
    pub fn examples(&self) -> [&[String]; 3] {
        [&self.supportive, &self.critical, &self.neutral]
    }
}

/// Why a codebook file cannot be used; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum CodebookError {
    /// The cause (no such file, no permission) is the error's source, printed after the message.
    #[error("cannot read codebook {path}")]
    Io {
        /// The codebook file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// TOML syntax errors and unknown or missing fields; the message carries line and column.
    #[error("codebook {path}: {message}")]
    Parse {
        /// The codebook file.
        path: PathBuf,
        /// `line L, column C: …`, or where the UTF-8 breaks.
        message: String,
    },
    /// Parsed, but fails [`Codebook::validate`] (too few frames, a bad or duplicate id, an empty text, a
    /// threshold out of range).
    #[error("codebook {path}: {message}")]
    Invalid {
        /// The codebook file.
        path: PathBuf,
        /// Which frame or target and what is wrong with it.
        message: String,
    },
}

/// A loaded codebook with its origin and content hash (recorded in manifests, keyed on by trained heads).
#[derive(Debug, Clone)]
pub struct LoadedCodebook {
    pub(crate) path: PathBuf,
    /// Hex sha256 of the file's bytes.
    pub sha256: String,
    /// The parsed, validated content.
    pub codebook: Codebook,
}

impl LoadedCodebook {
    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Reads, parses and validates a codebook file, hashing the bytes read.
pub fn load(path: &Path) -> Result<LoadedCodebook, CodebookError> {
    let bytes = std::fs::read(path).map_err(|source| CodebookError::Io { path: path.into(), source })?;
    let text = std::str::from_utf8(&bytes).map_err(|e| CodebookError::Parse {
        path: path.into(),
        message: format!("invalid UTF-8 at byte offset {}", e.valid_up_to()),
    })?;
    let codebook: Codebook = toml::from_str(text)
        .map_err(|e| CodebookError::Parse { path: path.into(), message: describe_toml_error(text, &e) })?;
    codebook.validate().map_err(|message| CodebookError::Invalid { path: path.into(), message })?;
    Ok(LoadedCodebook {
        path: path.into(),
        sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
        codebook,
    })
}

/// `line L, column C: message` from a TOML error's span.
fn describe_toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim().to_string();
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().map(|l| l.chars().count() + 1).unwrap_or(1);
            format!("line {line}, column {col}: {msg}")
        }
        None => msg,
    }
}

impl Codebook {
    /// Checks what serde cannot: enough frames, unique snake_case ids, something to build prototypes from.
    pub fn validate(&self) -> Result<(), String> {
        if self.frames.len() < 2 {
            return Err(format!(
                "a codebook needs at least 2 frames to choose between; this one has {}",
                self.frames.len()
            ));
        }
        let mut seen = HashSet::new();
        for (i, f) in self.frames.iter().enumerate() {
            let at = format!("frame {} (`{}`)", i + 1, f.id);
            check_id(&f.id).map_err(|m| format!("{at}: {m}"))?;
            if f.id == OTHER {
                return Err(format!("{at}: `other` is reserved for paragraphs no frame fits"));
            }
            if !seen.insert(f.id.as_str()) {
                return Err(format!("{at}: duplicate frame id"));
            }
            if f.definition.trim().is_empty() {
                return Err(format!("{at}: empty definition"));
            }
            if f.examples.iter().any(|e| e.trim().is_empty()) || f.cues.iter().any(|c| c.trim().is_empty()) {
                return Err(format!("{at}: empty example or cue"));
            }
        }
        let mut seen = HashSet::new();
        for (i, t) in self.stance_targets.iter().enumerate() {
            let at = format!("stance target {} (`{}`)", i + 1, t.id);
            check_id(&t.id).map_err(|m| format!("{at}: {m}"))?;
            if !seen.insert(t.id.as_str()) {
                return Err(format!("{at}: duplicate stance target id"));
            }
            for (label, ex) in STANCE_LABELS.iter().zip(t.examples()) {
                if ex.is_empty() {
                    return Err(format!("{at}: no `{label}` example statements"));
                }
            }
        }
        if self.topic_examples.iter().any(|e| e.trim().is_empty()) {
            return Err("empty entry in topic_examples".into());
        }
        if self.off_topic_examples.iter().any(|e| e.trim().is_empty()) {
            return Err("empty entry in off_topic_examples".into());
        }
        if let Some(t) = self.relevance_threshold {
            if !(-2.0..=2.0).contains(&t) {
                return Err(format!("relevance_threshold {t} is outside [-2, 2] (a difference of two cosines)"));
            }
        }
        if let Some(t) = self.other_threshold {
            if !(-1.0..=1.0).contains(&t) {
                return Err(format!("other_threshold {t} is not a cosine in [-1, 1]"));
            }
        }
        Ok(())
    }

    /// Frame ids in codebook order (without `other`).
    pub fn frame_ids(&self) -> Vec<&str> {
        self.frames.iter().map(|f| f.id.as_str()).collect()
    }
}

fn check_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && id.starts_with(|c: char| c.is_ascii_lowercase());
    if ok {
        Ok(())
    } else {
        Err("ids must be snake_case (a-z, 0-9, _), starting with a letter, so they can name CSV columns".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cb.toml");
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    const TWO: &str = r#"
name = "t"
version = "1"
description = "d"
[[frames]]
id = "a"
label = "A"
definition = "about a"
[[frames]]
id = "b"
label = "B"
definition = "about b"
"#;

    #[test]
    fn minimal_codebook_loads() {
        let (_d, p) = write(TWO);
        let cb = load(&p).unwrap();
        assert_eq!(cb.codebook.frame_ids(), ["a", "b"]);
        assert_eq!(cb.sha256.len(), 64);
    }

    #[test]
    fn unknown_field_names_line() {
        let (_d, p) = write(&TWO.replace("label = \"B\"", "label = \"B\"\nexmples = [\"x\"]"));
        let msg = load(&p).unwrap_err().to_string();
        assert!(msg.contains("cb.toml") && msg.contains("line 12") && msg.contains("exmples"), "{msg}");
    }

    #[test]
    fn empty_topic_and_off_topic_examples_are_refused() {
        for field in ["topic_examples", "off_topic_examples"] {
            let (_d, p) = write(&format!("{field} = [\"a report\", \" \"]\n{TWO}"));
            let msg = load(&p).unwrap_err().to_string();
            assert!(msg.contains(&format!("empty entry in {field}")), "{msg}");
        }
    }

    #[test]
    fn one_frame_is_refused() {
        let one = TWO.split("[[frames]]\nid = \"b\"").next().unwrap();
        let (_d, p) = write(one);
        let msg = load(&p).unwrap_err().to_string();
        assert!(msg.contains("at least 2 frames"), "{msg}");
    }

    #[test]
    fn duplicate_and_bad_ids_are_refused() {
        let (_d, p) = write(&TWO.replace("id = \"b\"", "id = \"a\""));
        assert!(load(&p).unwrap_err().to_string().contains("duplicate frame id"));
        let (_d, p) = write(&TWO.replace("id = \"b\"", "id = \"Bad Id\""));
        assert!(load(&p).unwrap_err().to_string().contains("snake_case"));
    }

    #[test]
    fn shipped_codebooks_are_valid() {
        for name in ["enforcement-discourse", "policy-frames"] {
            let p =
                Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join(format!("models/codebooks/{name}.toml"));
            let cb = load(&p).unwrap_or_else(|e| panic!("{e}"));
            assert!(cb.codebook.frames.iter().all(|f| f.examples.len() >= 4), "{name}: examples");
        }
        let p = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("models/codebooks/enforcement-discourse.toml");
        let cb = load(&p).unwrap().codebook;
        assert_eq!(
            cb.frame_ids(),
            [
                "performative_enforcement",
                "structural_critique",
                "multilateral_prescription",
                "victim_protection",
                "legitimacy_and_opinion",
                "geopolitical_positioning",
                "factual_report"
            ]
        );
        assert_eq!(cb.stance_targets[0].id, "crackdown_narrative");
    }
}
