//! Which frame or stance label each cue phrase of a paragraph's evidence is a cue of.
//!
//! `paragraphs.csv` lists a paragraph's cues flat (`… [cues: victims; shelter; crackdown]`), but the
//! classifier found them in separate lists: each frame's cues, and the stance target's supportive and
//! critical cues. A reader checking a label needs to see which cues spoke for which frame or stance, so the
//! report groups the chips under their owner, in codebook order.
//!
//! The lists come from `manifest.json` (`codebook.cues`, written by every run since it was added); for
//! older runs, from the codebook file the manifest names, but only when its sha256 still matches (an edited
//! codebook would assign cues the run never used). Without either, the chips stay ungrouped.

use crate::codebook::STANCE_LABELS;
use crate::export::manifest::CodebookCues;
use crate::export::run_tables::RunTables;

/// Whose cue a phrase is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// A frame id of the codebook.
    Frame(String),
    /// A stance label (`supportive`, `critical`).
    Stance(String),
}

impl Owner {
    /// `frame:<id>` or `stance:<label>`, for `data-owner` attributes.
    pub fn key(&self) -> String {
        match self {
            Owner::Frame(f) => format!("frame:{f}"),
            Owner::Stance(s) => format!("stance:{s}"),
        }
    }
}

/// A paragraph's cues under one owner (`None`: listed by no frame or stance of the codebook).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CueGroup<'e> {
    pub(crate) owner: Option<Owner>,
    pub(crate) cues: Vec<&'e str>,
}

/// The codebook's cue lists in display order: frames in codebook order, then supportive, critical.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CueOwners {
    lists: Vec<(Owner, Vec<String>)>,
}

impl CueOwners {
    /// The cue lists of the run `t` (manifest, else a codebook file with the recorded sha256), or none.
    pub fn for_run(t: &RunTables) -> CueOwners {
        let from_manifest = t
            .manifest_at(&["codebook", "cues"])
            .and_then(|v| serde_json::from_value::<CodebookCues>(v.clone()).ok())
            .filter(|c| !c.is_empty());
        let cues = from_manifest.or_else(|| codebook_file_cues(t)).unwrap_or_default();
        CueOwners::new(&t.frames, &cues)
    }

    /// Cue lists in `frames` order (frames not in `frames` follow in name order), then stance labels.
    pub fn new(frames: &[String], cues: &CodebookCues) -> CueOwners {
        let mut ids: Vec<&String> = frames.iter().filter(|f| cues.frames.contains_key(*f)).collect();
        ids.extend(cues.frames.keys().filter(|f| !frames.contains(*f)));
        let mut lists: Vec<(Owner, Vec<String>)> =
            ids.into_iter().map(|f| (Owner::Frame(f.clone()), normalised(&cues.frames[f]))).collect();
        for label in STANCE_LABELS {
            if let Some(c) = cues.stance.get(label) {
                lists.push((Owner::Stance(label.to_string()), normalised(c)));
            }
        }
        CueOwners { lists }
    }

    /// Whether any cue list is known (else the report lists cues ungrouped).
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// `cues` (as found in a paragraph, in evidence order) grouped by owner, owners in display order.
    /// A cue in several lists appears under each, since it counted for each; one in none comes last,
    /// ownerless. Repeated cues are shown once per group.
    pub fn group<'e>(&self, cues: &[&'e str]) -> Vec<CueGroup<'e>> {
        let mut groups: Vec<CueGroup<'e>> = Vec::new();
        let mut unowned: Vec<&'e str> = Vec::new();
        for (owner, list) in &self.lists {
            let mut mine: Vec<&'e str> = Vec::new();
            for c in cues {
                if list.contains(&c.trim().to_lowercase()) && !mine.contains(c) {
                    mine.push(*c);
                }
            }
            if !mine.is_empty() {
                groups.push(CueGroup { owner: Some(owner.clone()), cues: mine });
            }
        }
        for c in cues {
            let owned = groups.iter().any(|g| g.cues.contains(c));
            if !owned && !unowned.contains(c) {
                unowned.push(*c);
            }
        }
        if !unowned.is_empty() {
            groups.push(CueGroup { owner: None, cues: unowned });
        }
        groups
    }
}

/// Cues are matched lower-cased and trimmed, as the classifier matches them (`classify::cues`).
fn normalised(cues: &[String]) -> Vec<String> {
    cues.iter().map(|c| c.trim().to_lowercase()).filter(|c| !c.is_empty()).collect()
}

/// The cues of the codebook file named in the manifest, if it is still the file the run used.
fn codebook_file_cues(t: &RunTables) -> Option<CodebookCues> {
    let path = t.manifest_str(&["codebook", "path"])?;
    let sha = t.manifest_str(&["codebook", "sha256"])?;
    let loaded = crate::codebook::load(std::path::Path::new(&path)).ok()?;
    (loaded.sha256 == sha).then(|| CodebookCues::of(&loaded.codebook))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owners() -> CueOwners {
        let mut c = CodebookCues::default();
        c.frames.insert("victim_protection".into(), vec!["Victims".into(), "shelter".into()]);
        c.frames.insert("performative_enforcement".into(), vec!["raid".into(), "shelter".into()]);
        c.stance.insert("critical".into(), vec!["crackdown".into()]);
        c.stance.insert("supportive".into(), vec!["raid".into()]);
        CueOwners::new(&["performative_enforcement".into(), "victim_protection".into(), "other".into()], &c)
    }

    #[test]
    fn cues_group_under_their_frames_and_stances_in_codebook_order() {
        let groups = owners().group(&["victims", "crackdown", "shelter", "raid", "monsoon"]);
        let shown: Vec<(Option<String>, Vec<&str>)> =
            groups.iter().map(|g| (g.owner.as_ref().map(Owner::key), g.cues.clone())).collect();
        assert_eq!(
            shown,
            [
                (Some("frame:performative_enforcement".to_string()), vec!["shelter", "raid"]),
                (Some("frame:victim_protection".to_string()), vec!["victims", "shelter"]),
                (Some("stance:supportive".to_string()), vec!["raid"]),
                (Some("stance:critical".to_string()), vec!["crackdown"]),
                (None, vec!["monsoon"]),
            ]
        );
    }

    #[test]
    fn no_cues_no_groups() {
        assert!(owners().group(&[]).is_empty());
        assert!(CueOwners::default().is_empty());
        let flat = CueOwners::default().group(&["a", "a", "b"]);
        assert_eq!(flat, [CueGroup { owner: None, cues: vec!["a", "b"] }]);
    }
}
