//! Retrieval metrics: how often the right page comes back, and how high.
//!
//! Counted per source (page), not per chunk: an answer needs the right page, and one page
//! split into five chunks must not count five times.

use std::collections::HashSet;

use serde::Serialize;

/// One query's ranked sources and the ones that would answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranking {
    /// Sources in rank order, each once (see [`dedup_sources`]).
    pub ranked: Vec<String>,
    /// Any of these answers the query.
    pub expected: Vec<String>,
}

impl Ranking {
    /// 1-based rank of the first expected source, if it came back at all.
    pub fn first_hit(&self) -> Option<usize> {
        self.ranked
            .iter()
            .position(|s| self.expected.contains(s))
            .map(|i| i + 1)
    }

    /// Whether an expected source is among the first `k`.
    pub fn hit_at(&self, k: usize) -> bool {
        self.first_hit().is_some_and(|rank| rank <= k)
    }
}

/// Sources in first-seen order, each once: the best rank of each page.
pub fn dedup_sources<I, S>(sources: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for source in sources {
        let source = source.into();
        if seen.insert(source.clone()) {
            out.push(source);
        }
    }
    out
}

/// Share of queries with an expected source in the top `k` (0 when there are none).
pub fn recall_at(rankings: &[Ranking], k: usize) -> f64 {
    if rankings.is_empty() {
        return 0.0;
    }
    rankings.iter().filter(|r| r.hit_at(k)).count() as f64 / rankings.len() as f64
}

/// Mean reciprocal rank of the first expected source (a query without one counts 0).
pub fn mrr(rankings: &[Ranking]) -> f64 {
    if rankings.is_empty() {
        return 0.0;
    }
    rankings
        .iter()
        .map(|r| r.first_hit().map_or(0.0, |rank| 1.0 / rank as f64))
        .sum::<f64>()
        / rankings.len() as f64
}

/// Indices of the queries with no expected source in the top `k`.
pub fn misses(rankings: &[Ranking], k: usize) -> Vec<usize> {
    rankings
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.hit_at(k))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(ranked: &[&str], expected: &[&str]) -> Ranking {
        Ranking {
            ranked: ranked.iter().map(|s| s.to_string()).collect(),
            expected: expected.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn metrics_by_hand() {
        let rankings = [
            r(&["a", "b", "c"], &["a"]),           // rank 1
            r(&["b", "c", "a"], &["a"]),           // rank 3
            r(&["x", "y", "z", "w", "v"], &["a"]), // absent
            r(&["b", "d", "e"], &["e", "d"]),      // rank 2 (d comes first)
        ];
        assert_eq!(recall_at(&rankings, 1), 0.25);
        assert_eq!(recall_at(&rankings, 2), 0.5);
        assert_eq!(recall_at(&rankings, 5), 0.75);
        // (1 + 1/3 + 0 + 1/2) / 4 = 11/24
        assert!((mrr(&rankings) - 11.0 / 24.0).abs() < 1e-12);
        assert_eq!(misses(&rankings, 1), [1, 2, 3]);
        assert_eq!(misses(&rankings, 5), [2]);
        assert_eq!(rankings[3].first_hit(), Some(2));
    }

    #[test]
    fn empty_sets_score_zero() {
        assert_eq!(recall_at(&[], 5), 0.0);
        assert_eq!(mrr(&[]), 0.0);
        assert_eq!(recall_at(&[r(&[], &["a"])], 5), 0.0);
    }

    #[test]
    fn sources_dedup_keeping_the_best_rank() {
        assert_eq!(
            dedup_sources(["a.md", "b.md", "a.md", "c.md", "b.md"]),
            ["a.md", "b.md", "c.md"]
        );
    }
}
