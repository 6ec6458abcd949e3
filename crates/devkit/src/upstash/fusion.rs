//! Fusing the dense and the sparse candidate lists of a hybrid query, as Upstash's
//! docs define it (`vector/features/hybridindexes`, "Fusing Dense And Sparse Query
//! Scores"):
//!
//! - RRF: each result scores `1 / (rank + 60)` in each list it is in, and the scores are
//!   added. The docs do not say where ranks start; here the best result has rank 1 (as
//!   in the original RRF paper), so it scores `1/61`.
//! - DBSF: each list's scores are mapped with `(s − (μ − 3σ)) / ((μ + 3σ) − (μ − 3σ))`
//!   (μ the mean, σ the population standard deviation of that list), clamped to
//!   `[0, 1]`, and added. A list whose scores are all equal (σ = 0) maps them to 0.5,
//!   the limit of the formula.
//!
//! Both return the fused list best first, ties broken by id so answers are stable.

use std::collections::HashMap;

/// The constant Upstash adds to ranks.
pub const RRF_K: f64 = 60.0;

/// One side's candidates, best first: `(id, score)`.
pub type Ranked = Vec<(String, f64)>;

/// Reciprocal Rank Fusion.
pub fn rrf(lists: &[Ranked]) -> Ranked {
    let mut fused: HashMap<&str, f64> = HashMap::new();
    for list in lists {
        for (position, (id, _)) in list.iter().enumerate() {
            *fused.entry(id).or_default() += 1.0 / (position as f64 + 1.0 + RRF_K);
        }
    }
    sorted(fused)
}

/// Distribution-Based Score Fusion.
pub fn dbsf(lists: &[Ranked]) -> Ranked {
    let mut fused: HashMap<&str, f64> = HashMap::new();
    for list in lists {
        if list.is_empty() {
            continue;
        }
        let n = list.len() as f64;
        let mean = list.iter().map(|(_, s)| s).sum::<f64>() / n;
        let sigma = (list.iter().map(|(_, s)| (s - mean).powi(2)).sum::<f64>() / n).sqrt();
        let (low, high) = (mean - 3.0 * sigma, mean + 3.0 * sigma);
        for (id, score) in list {
            let normalised = if high > low {
                ((score - low) / (high - low)).clamp(0.0, 1.0)
            } else {
                0.5
            };
            *fused.entry(id).or_default() += normalised;
        }
    }
    sorted(fused)
}

fn sorted(fused: HashMap<&str, f64>) -> Ranked {
    let mut out: Ranked = fused
        .into_iter()
        .map(|(id, score)| (id.to_owned(), score))
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[(&str, f64)]) -> Ranked {
        items.iter().map(|(id, s)| (id.to_string(), *s)).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// dense: a, b, c; sparse: c, a.
    /// a = 1/61 + 1/62 = 0.032522…; c = 1/63 + 1/61 = 0.032266…; b = 1/62 = 0.016129….
    #[test]
    fn rrf_adds_reciprocal_ranks() {
        let dense = list(&[("a", 0.9), ("b", 0.8), ("c", 0.7)]);
        let sparse = list(&[("c", 12.0), ("a", 3.0)]);
        let fused = rrf(&[dense, sparse]);
        let ids: Vec<_> = fused.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["a", "c", "b"]);
        assert!(close(fused[0].1, 1.0 / 61.0 + 1.0 / 62.0));
        assert!(close(fused[1].1, 1.0 / 63.0 + 1.0 / 61.0));
        assert!(close(fused[2].1, 1.0 / 62.0));
    }

    /// dense scores 0.9, 0.6, 0.3 (a, b, c): μ = 0.6, σ = √(0.06) = 0.244949, so
    /// low = μ − 3σ = −0.134847, range 6σ = 1.469694: a → (0.9 + 0.134847)/1.469694
    /// = 0.704124, b → 0.5, c → 0.295876.
    /// sparse scores 4, 2 (c, a): μ = 3, σ = 1, low = 0, range 6: c → 4/6, a → 2/6.
    /// Fused: c = 0.295876 + 0.666667 = 0.962543, a = 0.704124 + 0.333333 = 1.037457,
    /// b = 0.5.
    #[test]
    fn dbsf_normalises_by_three_sigmas_and_adds() {
        let dense = list(&[("a", 0.9), ("b", 0.6), ("c", 0.3)]);
        let sparse = list(&[("c", 4.0), ("a", 2.0)]);
        let fused = dbsf(&[dense, sparse]);
        let ids: Vec<_> = fused.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["a", "c", "b"]);
        let sigma = 0.06f64.sqrt();
        let a = (0.9 - (0.6 - 3.0 * sigma)) / (6.0 * sigma) + 2.0 / 6.0;
        let c = (0.3 - (0.6 - 3.0 * sigma)) / (6.0 * sigma) + 4.0 / 6.0;
        assert!(
            close(fused[0].1, a) && (a - 1.037457).abs() < 1e-6,
            "{fused:?}"
        );
        assert!(
            close(fused[1].1, c) && (c - 0.962543).abs() < 1e-6,
            "{fused:?}"
        );
        assert!(close(fused[2].1, 0.5));
    }

    #[test]
    fn dbsf_clamps_outliers_and_handles_flat_lists() {
        // Eleven scores: ten at 0 and one at 100. μ = 9.0909, σ = 28.748, so
        // μ + 3σ = 95.34 < 100: the outlier is clamped to 1.
        let mut many: Vec<(&str, f64)> = vec![("top", 100.0)];
        let names = ["b", "c", "d", "e", "f", "g", "h", "i", "j", "k"];
        many.extend(names.iter().map(|n| (*n, 0.0)));
        let fused = dbsf(&[list(&many)]);
        assert_eq!(fused[0], ("top".to_string(), 1.0));
        // One candidate, or equal scores: σ = 0, everyone gets 0.5.
        let flat = dbsf(&[list(&[("x", 0.7), ("y", 0.7)]), list(&[("x", 3.0)])]);
        assert_eq!(flat, list(&[("x", 1.0), ("y", 0.5)]));
        assert!(dbsf(&[]).is_empty() && rrf(&[vec![]]).is_empty());
    }
}
