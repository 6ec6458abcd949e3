//! The dense side: a deterministic stand-in for Upstash's hosted embedding model.
//!
//! Each lowercased word (stop words dropped) is wrapped in boundary markers
//! (`<refund>`) and cut into its character 2-, 3- and 4-grams; those and the word itself
//! are hashed (FNV-1a) into [`DIMENSION`] signed buckets, and the sum is L2-normalised.
//! Texts that share words or pieces of words point the same way, so a typo
//! (`refnud`) or another form of a word (`refunded`) still lands near its document. It
//! knows nothing of meaning: no synonyms (`money back` is not `refund`), no paraphrase,
//! no other language; that is what a hosted model (BGE-M3 and friends) adds.
//!
//! Scores follow Upstash's COSINE normalisation, `(1 + cos) / 2`, in `[0, 1]`.

use super::bm25::{fnv1a, words};

/// Dimensions of the stand-in's dense vectors (the same as BGE-M3, Upstash's hosted
/// model for hybrid indexes, so raw 1024-dimension vectors fit too).
pub const DIMENSION: usize = 1024;

/// The smallest and largest character n-grams hashed. Short grams tolerate typos
/// better (`refnud` shares 4 of its 7 bigrams with `refund`, 2 of 6 trigrams); with
/// 3- to 5-grams a misspelt word was outweighed by any exact word elsewhere.
const NGRAMS: std::ops::RangeInclusive<usize> = 2..=4;

/// The embedding of `text`: unit length, or all zeros for text with no words.
pub fn embed(text: &str) -> Vec<f32> {
    let mut sums = vec![0f64; DIMENSION];
    let mut add = |feature: &str| {
        let hash = fnv1a(feature.as_bytes());
        // The top bit picks the sign, so unrelated features cancel out on average
        // instead of all adding up (the usual "hashing trick").
        let sign = if hash >> 31 == 0 { 1.0 } else { -1.0 };
        sums[(hash as usize) % DIMENSION] += sign;
    };
    for word in words(text) {
        add(&format!("w:{word}"));
        let marked: Vec<char> = format!("<{word}>").chars().collect();
        for n in NGRAMS {
            for gram in marked.windows(n) {
                add(&gram.iter().collect::<String>());
            }
        }
    }
    let norm = sums.iter().map(|v| v * v).sum::<f64>().sqrt();
    if norm == 0.0 {
        return vec![0.0; DIMENSION];
    }
    sums.iter().map(|v| (v / norm) as f32).collect()
}

/// Cosine similarity; 0 when either vector is all zeros.
pub fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    dot / (na.sqrt() * nb.sqrt())
}

/// Upstash's score for a COSINE index: `(1 + cos) / 2`.
pub fn score(a: &[f32], b: &[f32]) -> f64 {
    ((1.0 + cosine(a, b)) / 2.0).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCS: &[(&str, &str)] = &[
        (
            "refund",
            "Refund policy: you can get a refund within 30 days of purchase.",
        ),
        ("password", "Reset your password from the login page."),
        ("invoice", "Download an invoice for your team purchase."),
        ("privacy", "Our privacy policy explains which data we keep."),
        ("transfer", "Transfer a license to another email address."),
    ];

    fn ranked(query: &str) -> Vec<(&'static str, f64)> {
        let q = embed(query);
        let mut scores: Vec<_> = DOCS
            .iter()
            .map(|(id, text)| (*id, score(&q, &embed(text))))
            .collect();
        scores.sort_by(|a, b| b.1.total_cmp(&a.1));
        scores
    }

    #[test]
    fn embeddings_are_deterministic_unit_vectors() {
        let a = embed("Refund policy for Total TypeScript");
        assert_eq!(a.len(), DIMENSION);
        assert_eq!(a, embed("Refund policy for Total TypeScript"));
        assert_eq!(a, embed("  refund POLICY, for total typescript!"));
        let norm: f64 = a.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < 1e-6, "{norm}");
        assert!(embed("the and of").iter().all(|v| *v == 0.0));
        assert!((score(&a, &a) - 1.0).abs() < 1e-6);
        assert_eq!(
            score(&a, &embed("")),
            0.5,
            "no words: orthogonal to everything"
        );
    }

    #[test]
    fn a_typo_still_finds_its_document() {
        let scores = ranked("refnud policy");
        assert_eq!(scores[0].0, "refund", "{scores:?}");
        // Closer to the refund document than the other document about a policy.
        let privacy = scores.iter().find(|(id, _)| *id == "privacy").unwrap().1;
        assert!(scores[0].1 > privacy + 0.01, "{scores:?}");
        // The typo costs something, but less than a different topic.
        let exact = ranked("refund policy")[0].1;
        assert!(exact > scores[0].1, "{exact} vs {}", scores[0].1);
    }

    #[test]
    fn morphology_is_caught_by_ngrams() {
        assert_eq!(ranked("resetting passwords")[0].0, "password");
        assert_eq!(ranked("invoices")[0].0, "invoice");
        assert_eq!(ranked("transferring licenses")[0].0, "transfer");
    }
}
