//! `framelens compare`: compares framing and stance between groups of a finished run (outlets, months, or
//! any column), from the run's `paragraphs.csv`, `articles.csv` and `manifest.json`.
//!
//! Why a separate stage that reads files instead of the in-memory aggregate: a run over 50,000 articles is
//! expensive, and the questions asked of it ("by outlet", then "by month", then "by section") are cheap.
//! Reading the run folder lets a user re-group without re-encoding, and lets shards merged by
//! `framelens merge` be compared exactly, since everything is recomputed from paragraph counts, never from
//! the rounded shares in `outlets.csv`.
//!
//! What is computed, and why each choice:
//! - Per group, frame and stance shares: paragraph-weighted (labelled body paragraphs with the label /
//!   labelled body paragraphs in the group), with 95% percentile-bootstrap intervals that resample whole
//!   articles (see [`bootstrap`]): paragraphs of one article share an author, a topic and an argument, so
//!   they are not independent draws, and resampling them one by one would give intervals that are far too
//!   narrow. Groups with fewer than [`CompareOptions::min_articles`] articles are flagged, never dropped.
//! - Between groups: chi-square test of independence of group × label and Cramér's V, with the p-value
//!   both asymptotic and with whole articles shuffled between groups (see [`independence`]), for frames
//!   and for stance.
//! - Jensen–Shannon distance between every pair of groups' frame distributions (see [`distance`]).
//! - Per frame and group: the group's share minus the pooled share of all other groups, with a bootstrap
//!   interval (see [`differences`]), sorted so that the groups that differ most come first.
//!
//! Only body paragraphs (`kind` [`crate::segment::Kind::Body`]) are labelled and therefore counted; headings and boilerplate are
//! ignored here (they are still listed in `paragraphs.csv`).

pub use crate::stats::bootstrap;
pub mod differences;
pub mod distance;
pub mod groups;
pub mod independence;
pub mod write;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use write::write;

/// The rows of the four output tables ([`crate::run::comparison`]); a `comparison.csv` row is a share.
pub use crate::run::comparison::{
    ComparisonRow, ComparisonRow as ShareRow, DifferenceRow, DistanceRow, IndependenceRow,
};
/// The stance labels, in output order, and the fallback frame `other` appended after the codebook's
/// frames (always a column even when no paragraph fell to it; the chi-square test drops empty columns
/// itself): the run folder's vocabulary ([`crate::run::labels`]).
pub use crate::run::labels::{Measure, OTHER, STANCE_LABELS as STANCES};

/// How paragraphs are grouped for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupBy {
    /// The `outlet` column: the question the tool exists for.
    Outlet,
    /// Calendar month `YYYY-MM` of `published` (ISO `YYYY-MM-DD`, optionally followed by a time);
    /// anything else, e.g. "late autumn 2025", goes to the group `unknown` so that no article silently
    /// disappears from the comparison.
    Month,
    /// Any column of `paragraphs.csv` (e.g. `section`, `title`), or, when `paragraphs.csv` has no such
    /// column, any column of `articles.csv` joined on `doc_id` (e.g. `dominant_frame`). Paragraph columns
    /// win because they are the finer unit; an empty value forms the group `(none)`.
    Column(String),
    /// Several keys at once, `--by lang,outlet`: one group per combination that occurs, named by the
    /// values joined with [`groups::COMBINED_SEPARATOR`] (`zh | Huaxia Review`). This is how outlets are
    /// compared within a language: an outlet that publishes in two languages becomes two groups, and each
    /// group's shares come from paragraphs of one language only.
    Combined {
        /// The `--by` text as given, normalised (`lang,outlet`): the `group_by` column and file names.
        name: String,
        /// The keys in order; never itself `Combined`, never fewer than two.
        parts: Vec<GroupBy>,
    },
}

impl GroupBy {
    /// Parses a `--by` argument: `outlet`, `month`, or any other column name. Kept next to the type so the
    /// CLI and the library agree on the spelling.
    /// A comma-separated list (`lang,outlet`) is a [`GroupBy::Combined`] grouping.
    pub fn parse(s: &str) -> GroupBy {
        let parts: Vec<&str> = s.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
        if parts.len() > 1 {
            return GroupBy::Combined {
                name: parts.join(","),
                parts: parts.into_iter().map(GroupBy::parse_one).collect(),
            };
        }
        GroupBy::parse_one(parts.first().copied().unwrap_or(s))
    }

    fn parse_one(s: &str) -> GroupBy {
        match s {
            "outlet" => GroupBy::Outlet,
            "month" => GroupBy::Month,
            other => GroupBy::Column(other.to_string()),
        }
    }

    /// The name written in the `group_by` column, so that a `comparison.csv` says how it was grouped.
    pub fn name(&self) -> &str {
        match self {
            GroupBy::Outlet => "outlet",
            GroupBy::Month => "month",
            GroupBy::Column(c) => c,
            GroupBy::Combined { name, .. } => name,
        }
    }
}

/// Options of [`compare`]. The defaults are what a user gets without flags.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// `--by`: outlet (the default), month or any column.
    pub by: GroupBy,
    /// Seed of the bootstrap; the same seed and inputs give byte-identical outputs on every platform.
    pub seed: u64,
    /// Bootstrap resamples, and article shuffles of the independence test. 2000 keeps the Monte Carlo error
    /// of a 2.5% percentile well below the 4-decimal output precision for shares built from a few dozen
    /// articles, at a cost of seconds.
    pub resamples: usize,
    /// Groups with fewer articles are flagged `small_group`: with so few sampling units the bootstrap
    /// interval itself is unreliable (a single article gives a zero-width interval).
    pub min_articles: usize,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions { by: GroupBy::Outlet, seed: 42, resamples: 2000, min_articles: 5 }
    }
}

/// The result of [`compare`]: typed rows of the four output tables, in output order.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// [`GroupBy::name`] of the grouping, repeated in every table's `group_by` column.
    pub group_by: String,
    /// Frame labels in output order: the codebook's frames, then `other`.
    pub frames: Vec<String>,
    /// Group names in output order (sorted; for months, `unknown` last).
    pub groups: Vec<String>,
    /// Per group (in `groups` order), one row per frame, then per stance label when the run has stance labels.
    pub(crate) shares: Vec<ComparisonRow>,
    /// Every ordered pair of groups, a group with itself included (distance 0).
    pub(crate) distances: Vec<DistanceRow>,
    /// Group-vs-rest rows as [`differences::differences`] sorts them; empty with a single group.
    pub(crate) differences: Vec<DifferenceRow>,
    /// Two rows: the frame test, then the stance test.
    pub independence: Vec<IndependenceRow>,
}

/// Why a comparison could not be made. Every variant names the file and the problem, because the user
/// who sees it is usually looking at a run folder someone else produced.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A run file is absent: usually the wrong folder, or a run that did not finish.
    #[error("{}: file not found (is this the output folder of a finished framelens run?)", path.display())]
    MissingFile {
        /// The run file that was looked for.
        path: PathBuf,
    },
    /// The file exists but cannot be read (permissions, I/O).
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The run file that could not be read.
        path: PathBuf,
        /// Why the read failed.
        #[source]
        source: std::io::Error,
    },
    /// Malformed CSV or a row that does not fit `ParagraphRecord`; the csv error carries the line.
    #[error("{}: {source}", path.display())]
    Csv {
        /// The CSV file that failed to parse.
        path: PathBuf,
        /// What is malformed, with its line.
        #[source]
        source: csv::Error,
    },
    /// `manifest.json` is not JSON or has no usable `codebook.frames` (the frame order comes from it).
    #[error("{}: bad manifest: {reason}", path.display())]
    Manifest {
        /// The `manifest.json` that was read.
        path: PathBuf,
        /// What is wrong with it, for the message.
        reason: String,
    },
    /// A required column, or the `--by` column, is in neither `paragraphs.csv` nor `articles.csv`; the
    /// message lists the columns that do exist.
    #[error("{}: missing column `{column}`: {reason}", path.display())]
    MissingColumn {
        /// `paragraphs.csv`, or `articles.csv` when the join was tried.
        path: PathBuf,
        /// The required column, or the `--by` column.
        column: String,
        /// Why it is needed, or which columns the files do have.
        reason: String,
    },
    /// A body paragraph's frame or stance is not a known label: counting it anywhere would be wrong,
    /// and dropping it silently would change the denominators, so the run is refused.
    #[error("{}: line {line}: {field} `{value}` is not one of: {expected}", path.display())]
    BadLabel {
        /// The `paragraphs.csv` read.
        path: PathBuf,
        /// 1-based line of the row in the file.
        line: u64,
        /// `"frame"` or `"stance"`.
        field: &'static str,
        /// The cell as written.
        value: String,
        /// The accepted labels, listed for the message.
        expected: String,
    },
    /// Grouping by an `articles.csv` column, but a paragraph's article is not in `articles.csv`: the
    /// files do not belong to one run.
    #[error("{}: no row for article `{doc_id}` (needed to group by `{column}`)", path.display())]
    MissingArticle {
        /// The `articles.csv` joined.
        path: PathBuf,
        /// The paragraph's article, absent from `articles.csv`.
        doc_id: String,
        /// The `--by` column being joined.
        column: String,
    },
    /// Nothing was labelled, so there is nothing to compare.
    #[error("{}: no body paragraphs, so there is nothing to compare", path.display())]
    NoBodyParagraphs {
        /// The `paragraphs.csv` read.
        path: PathBuf,
    },
    /// Every body paragraph is off-topic (`other`): there are no frame or stance shares to compare.
    #[error("{}: all {off_topic} body paragraph(s) are off-topic (`other`), so there is nothing to compare", path.display())]
    AllOffTopic {
        /// The `paragraphs.csv` read.
        path: PathBuf,
        /// Body paragraphs labelled `other`: all of them.
        off_topic: u64,
    },
    /// An option value that cannot work (e.g. zero resamples).
    #[error("invalid option: {0}")]
    InvalidOption(String),
}

/// Reads a finished run from `run_dir` and compares its groups. Pure: writes nothing (see [`write()`]), so
/// the CLI, the HTML report and tests can all use the typed rows.
pub fn compare(run_dir: &Path, opts: &CompareOptions) -> Result<Comparison, CompareError> {
    if opts.resamples == 0 {
        return Err(CompareError::InvalidOption("resamples must be at least 1 (2000 is the default)".into()));
    }
    let frames = groups::read_frames(&run_dir.join(crate::run::files::MANIFEST_JSON))?;
    let data = groups::read_groups(run_dir, &opts.by, &frames)?;
    let n_frames = frames.len();

    // A run whose codebook has no stance target has no stance labels: no stance shares then (zeros would
    // read as "never supportive").
    let has_stance = data.groups.iter().any(|g| g.totals()[n_frames..].iter().any(|&c| c > 0));
    let mut shares = Vec::new();
    for g in &data.groups {
        let mut rng = crate::stats::random::stream_rng(opts.seed, "shares", &g.name);
        let ci = bootstrap::share_intervals(&g.units, g.n_labels(), opts.resamples, &mut rng);
        let totals = g.totals();
        let n = g.n_paragraphs();
        let small = g.units.len() < opts.min_articles;
        let labels =
            frames.iter().map(|f| (Measure::Frame, f.as_str())).chain(STANCES.iter().map(|s| (Measure::Stance, *s)));
        for (j, (measure, label)) in labels.enumerate() {
            if measure == Measure::Stance && !has_stance {
                continue;
            }
            shares.push(ComparisonRow {
                group_by: data.group_by.clone(),
                group: g.name.clone(),
                measure,
                label: label.to_string(),
                count: totals[j],
                share: totals[j] as f64 / n as f64,
                ci_low: ci[j].0,
                ci_high: ci[j].1,
                n_articles: g.units.len() as u64,
                n_paragraphs: n,
                small_group: small,
            });
        }
    }

    let frame_table: Vec<Vec<u64>> = data.groups.iter().map(|g| g.totals()[..n_frames].to_vec()).collect();
    // The independence tests' sampling units: every article's counts, and the group it belongs to.
    let (mut frame_units, mut stance_units, mut group_of) = (Vec::new(), Vec::new(), Vec::new());
    for (i, g) in data.groups.iter().enumerate() {
        for u in &g.units {
            let counts: Vec<u64> = u.counts.iter().map(|&c| u64::from(c)).collect();
            frame_units.push(counts[..n_frames].to_vec());
            stance_units.push(counts[n_frames..].to_vec());
            group_of.push(i);
        }
    }
    let n_groups = data.groups.len();
    let test = |measure: Measure, units: &[Vec<u64>]| {
        let mut rng = crate::stats::random::stream_rng(opts.seed, "independence", measure.as_str());
        independence::test(measure, units, &group_of, n_groups, opts.resamples, &mut rng)
    };
    let independence = vec![test(Measure::Frame, &frame_units), test(Measure::Stance, &stance_units)];

    let dists: Vec<Vec<f64>> = frame_table.iter().map(|row| distance::normalise(row)).collect();
    let mut distances = Vec::new();
    for (a, pa) in data.groups.iter().zip(&dists) {
        for (b, pb) in data.groups.iter().zip(&dists) {
            distances.push(DistanceRow {
                group_a: a.name.clone(),
                group_b: b.name.clone(),
                jsd: distance::js_distance(pa, pb),
            });
        }
    }

    let differences = differences::differences(&data, &frames, opts);

    Ok(Comparison {
        group_by: data.group_by.clone(),
        frames,
        groups: data.groups.iter().map(|g| g.name.clone()).collect(),
        shares,
        distances,
        differences,
        independence,
    })
}
