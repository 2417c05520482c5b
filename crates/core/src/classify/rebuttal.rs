//! Criticism of the critics: a sentence that reports the critics' view only to reject it ("those who
//! dismiss the campaign as theatre ignore the thousands freed") is built from critical vocabulary yet
//! argues the other way. Sentence embeddings of small encoders place it beside genuine criticism (the
//! failure measured on the enforcement-discourse codebook, docs/evaluation.md), so the classify stage swaps
//! its supportive and critical scores. The rule needs both parts: a reference to the critics and a verb
//! that rejects their view; either alone (critics quoted approvingly, "ignore" in a plain critique) is left
//! to the encoder.

/// Who the rejected view belongs to.
const CRITICS: [&str; 12] = [
    "critics",
    "sceptics",
    "skeptics",
    "detractors",
    "naysayers",
    "cynics",
    "those who dismiss",
    "those who call",
    "those who claim",
    "those who say",
    "those who deride",
    "those who doubt",
];

/// What the sentence does to that view.
const REJECTS: [&str; 14] = [
    " ignore",
    " overlook",
    " miss ",
    " misses ",
    " forget",
    " are wrong",
    " were wrong",
    " have it wrong",
    " fail to see",
    " fail to notice",
    " misread",
    " underestimate",
    " are mistaken",
    " should look at",
];

/// `true` when a (lower-cased) sentence names the critics and rejects their view.
pub fn rebuts_critics(lower: &str) -> bool {
    CRITICS.iter().any(|c| lower.contains(c)) && REJECTS.iter().any(|r| lower.contains(r))
}

#[cfg(test)]
mod tests {
    use super::rebuts_critics;

    #[test]
    fn rejection_of_the_critics_view_is_recognised() {
        for s in [
            "Those who dismiss the campaign as theatre ignore the thousands of people it freed.",
            "Critics who call the trials a show are wrong: the networks have lost their leaders.",
            "Sceptics underestimate how much the joint patrols have changed the border.",
        ] {
            assert!(rebuts_critics(&s.to_lowercase()), "{s}");
        }
    }

    #[test]
    fn plain_criticism_and_reported_criticism_are_left_alone() {
        for s in [
            "The campaign is theatre staged for a domestic audience.",
            "Critics say the raids were timed for the cameras.",
            "Officials ignore the money that still flows through crypto channels.",
        ] {
            assert!(!rebuts_critics(&s.to_lowercase()), "{s}");
        }
    }
}
