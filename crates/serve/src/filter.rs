//! The paragraph table's filters and pages. Filtering is a scan over the rows in memory: on a
//! 100,000-paragraph run that is a few milliseconds, less than an index would cost to keep right.

use serde::Deserialize;

use crate::run_data::RunData;

/// Rows per page of the paragraph table.
pub const PAGE_ROWS: usize = 50;

/// What the table shows; every field is a query parameter, empty meaning "any".
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub struct Filter {
    /// Exact outlet.
    pub outlet: String,
    /// Published on or after (`YYYY-MM-DD`, compared as text, which orders ISO dates).
    pub from: String,
    /// Published on or before.
    pub to: String,
    /// Frame id or `other`.
    pub frame: String,
    /// Stance label.
    pub stance: String,
    /// Frame margin at most this (contested labels).
    pub max_margin: String,
    /// Case-insensitive text search in the paragraph.
    pub q: String,
    /// Also list headings and boilerplate.
    pub all_kinds: String,
    /// 1-based page.
    pub page: Option<usize>,
}

/// One page of matching rows.
#[derive(Debug)]
pub struct Page {
    /// Rows of this page.
    pub rows: Vec<usize>,
    /// Rows matching in all.
    pub total: usize,
    /// 1-based page shown.
    pub page: usize,
    /// Pages in all (at least 1).
    pub pages: usize,
}

impl Filter {
    fn matches(&self, run: &RunData, row: usize, q: &str, max_margin: Option<f32>) -> bool {
        let p = &run.paragraphs[row];
        if self.all_kinds.is_empty() && !p.is_body() {
            return false;
        }
        if !self.outlet.is_empty() && p.outlet != self.outlet {
            return false;
        }
        if !self.from.is_empty() && p.published.as_str() < self.from.as_str() {
            return false;
        }
        if !self.to.is_empty() && (p.published.get(..self.to.len()).unwrap_or(&p.published) > self.to.as_str()) {
            return false;
        }
        if !self.frame.is_empty() && p.frame != self.frame {
            return false;
        }
        if !self.stance.is_empty() && p.stance.map(|s| s.as_str()) != Some(self.stance.as_str()) {
            return false;
        }
        if let Some(m) = max_margin {
            if p.frame_margin.is_none_or(|x| x > m) {
                return false;
            }
        }
        q.is_empty() || run.lower[row].contains(q)
    }

    /// The matching rows of `run`, one page of them.
    pub fn apply(&self, run: &RunData) -> Page {
        let q = self.q.trim().to_lowercase();
        let max_margin = self.max_margin.trim().parse::<f32>().ok();
        let matching: Vec<usize> =
            (0..run.paragraphs.len()).filter(|&r| self.matches(run, r, &q, max_margin)).collect();
        let pages = matching.len().div_ceil(PAGE_ROWS).max(1);
        let page = self.page.unwrap_or(1).clamp(1, pages);
        let rows = matching.iter().skip((page - 1) * PAGE_ROWS).take(PAGE_ROWS).copied().collect();
        Page { rows, total: matching.len(), page, pages }
    }

    /// The filter as a query string (without `page`), for links to other pages of the same table.
    pub fn query(&self) -> String {
        let pairs = [
            ("outlet", &self.outlet),
            ("from", &self.from),
            ("to", &self.to),
            ("frame", &self.frame),
            ("stance", &self.stance),
            ("max_margin", &self.max_margin),
            ("q", &self.q),
            ("all_kinds", &self.all_kinds),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", crate::pages::url_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use framelens::record::ParagraphRecord;
    use framelens::run::labels::{Kind, Stance};

    fn run() -> RunData {
        let mut rows = Vec::new();
        for i in 0..120 {
            rows.push(ParagraphRecord {
                doc_id: format!("d{}", i / 10),
                outlet: if i % 2 == 0 { "A".into() } else { "B".into() },
                published: format!("2025-0{}-01", 1 + i % 3),
                para_index: i % 10,
                kind: if i % 10 == 0 { Kind::Heading } else { Kind::Body },
                frame: if i % 3 == 0 { "f1".into() } else { "f2".into() },
                frame_margin: Some(i as f32 / 100.0),
                stance: Some(if i % 4 == 0 { Stance::Critical } else { Stance::Neutral }),
                text: format!("Paragraph number {i} about Compounds"),
                ..Default::default()
            });
        }
        crate::run_data::test_run(rows)
    }

    #[test]
    fn filters_combine_and_pages_cover_every_match_once() {
        let r = run();
        let all = Filter::default().apply(&r);
        assert_eq!(all.total, 108, "headings are left out unless asked for");
        assert_eq!(all.pages, 3);
        let mut seen = Vec::new();
        for page in 1..=3 {
            seen.extend(Filter { page: Some(page), ..Filter::default() }.apply(&r).rows);
        }
        assert_eq!(seen.len(), 108);
        seen.dedup();
        assert_eq!(seen.len(), 108);
        let f = Filter { outlet: "A".into(), frame: "f1".into(), stance: "critical".into(), ..Filter::default() };
        let p = f.apply(&r);
        for &row in &p.rows {
            let x = &r.paragraphs[row];
            assert!(x.outlet == "A" && x.frame == "f1" && x.stance == Some(Stance::Critical));
        }
        assert_eq!(p.total, 8, "i divisible by 12, headings 0 and 60 excepted");
        let q = Filter { q: "NUMBER 7 about ".into(), ..Filter::default() }.apply(&r);
        assert_eq!(q.total, 1);
        let m = Filter { max_margin: "0.05".into(), to: "2025-02".into(), ..Filter::default() }.apply(&r);
        for &row in &m.rows {
            assert!(r.paragraphs[row].frame_margin.unwrap() <= 0.05);
            assert!(r.paragraphs[row].published.as_str() < "2025-03");
        }
        assert_eq!(m.total, 3, "rows 1, 3, 4 (0 is a heading, 2 is in March)");
    }
}
