//! The label vocabulary of a run's tables: the paragraph kinds, the fallback frame `other`, the three
//! stances and the two measures. Frames themselves come from the codebook; these come from the classifier's contract, and every
//! writer and reader of the run folder spells them from here.

use serde::{Deserialize, Serialize};

/// The fallback frame every codebook has implicitly, after its own frames: a body paragraph that is
/// off-topic or close to no frame. Not a frame: it is left out of frame shares and reported beside them.
pub const OTHER: &str = "other";

/// The stance labels in output order (`stance_<label>` columns, `comparison.csv` rows, the classifier's
/// probability order).
pub const STANCE_LABELS: [&str; 3] = ["supportive", "critical", "neutral"];

/// Stance labels in display order: neutral in the middle so stacked bars read as a diverging scale.
pub const STANCE_DISPLAY_ORDER: [&str; 3] = ["supportive", "neutral", "critical"];

/// A stance toward the codebook's stance target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stance {
    /// Argues for the target, as the codebook's `supportive` statements do.
    Supportive,
    /// Argues against it, as the `critical` statements do.
    Critical,
    /// Takes no side, or leans to one too weakly to count (below the classifier's stance threshold).
    Neutral,
}

impl Stance {
    /// All stances in output order ([`STANCE_LABELS`]).
    pub const ALL: [Stance; 3] = [Stance::Supportive, Stance::Critical, Stance::Neutral];

    /// The spelling in the tables.
    pub fn as_str(self) -> &'static str {
        STANCE_LABELS[self.index()]
    }

    /// Position in output order ([`STANCE_LABELS`]).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The stance a table cell names, if it names one (an empty cell, a codebook without a stance
    /// target, names none).
    pub fn parse(s: &str) -> Option<Stance> {
        Stance::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// What a block is, which decides whether later stages classify it. `Body` is the default so that a
/// record built with `..Default::default()` is a body paragraph not yet labelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Article prose: the only kind that is framed and stance-labelled.
    #[default]
    Body,
    /// A title line; it names the `section` of the paragraphs under it.
    Heading,
    /// Credits, bylines, bios, newsletter and form text: listed for transparency, never classified,
    /// so they cannot dilute an outlet's frame shares.
    Boilerplate,
}

impl Kind {
    /// The lowercase name used in CSV output and serde.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Body => "body",
            Kind::Heading => "heading",
            Kind::Boilerplate => "boilerplate",
        }
    }

    /// All kinds.
    pub const ALL: [Kind; 3] = [Kind::Body, Kind::Heading, Kind::Boilerplate];

    /// The kind a table cell names, if it names one.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which label set a comparison row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// The codebook's frames.
    Frame,
    /// The three stances of [`STANCE_LABELS`].
    Stance,
}

impl Measure {
    /// The spelling used in the CSV outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Frame => "frame",
            Measure::Stance => "stance",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stances_round_trip_in_output_order() {
        for (i, s) in Stance::ALL.into_iter().enumerate() {
            assert_eq!(s.index(), i);
            assert_eq!(Stance::parse(s.as_str()), Some(s));
        }
        assert_eq!(Stance::parse(""), None);
        assert_eq!(Stance::parse("Supportive"), None);
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        let mut display = STANCE_DISPLAY_ORDER;
        display.sort_unstable();
        let mut output = STANCE_LABELS;
        output.sort_unstable();
        assert_eq!(display, output, "the display order is a permutation of the output order");
    }
}
