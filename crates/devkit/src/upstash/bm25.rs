//! The sparse side: Upstash's hosted BM25 model, as its docs describe it
//! (`vector/features/sparseindexes`): English text is tokenised into words, stop words
//! are dropped, the rest is stemmed, and each distinct term of a document gets the BM25
//! term-frequency weight `f·(k₁+1) / (f + k₁·(1 − b + b·|D|/avg|D|))` with `k₁ = 1.2`,
//! `b = 0.75` and, as Upstash documents, a fixed `avg|D| = 32` (so a document's vector
//! does not change when others are added). A query gets `1.0` for each distinct term;
//! with `weightingStrategy: "IDF"` each query value is multiplied by
//! `IDF(q) = ln((N − n(q) + 0.5) / (n(q) + 0.5))` over the namespace's current documents
//! (see `store.rs`), so the score is the BM25 sum. Terms become sparse dimensions through
//! a 31-bit FNV-1a hash of the stem.

use super::store::SparseVector;

/// Term-frequency saturation (Upstash's value).
pub const K1: f64 = 1.2;
/// Length normalisation (Upstash's value).
pub const B: f64 = 0.75;
/// The average document length Upstash fixes for its general-purpose model.
pub const AVG_DOC_LEN: f64 = 32.0;

/// A small English stop-word list: words that say nothing about what a text is about.
const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "because", "been", "being", "but", "by", "can", "could", "did", "do", "does", "for", "from",
    "had", "has", "have", "he", "her", "here", "his", "how", "i", "if", "in", "into", "is", "it",
    "its", "just", "me", "my", "no", "not", "of", "on", "or", "our", "out", "she", "should", "so",
    "some", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
    "those", "to", "too", "up", "very", "was", "we", "were", "what", "when", "where", "which",
    "who", "why", "will", "with", "would", "you", "your",
];

/// 32-bit FNV-1a: small, stable across platforms and releases (unlike std's hasher).
pub(super) fn fnv1a(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in bytes {
        hash ^= u32::from(*byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// Lowercased words (runs of letters and digits), stop words dropped.
pub(super) fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !STOP_WORDS.contains(w))
        .map(str::to_owned)
        .collect()
}

/// The terms BM25 counts: [`words`], stemmed.
pub fn terms(text: &str) -> Vec<String> {
    words(text).iter().map(|w| stem(w)).collect()
}

/// A light suffix-stripping stemmer, enough to meet the plurals and tenses of support
/// text (`refunds`, `refunded`, `refunding` → `refund`; `charge`, `charged`, `charges`
/// → `charg`; `policies` → `policy`). Words under four letters and non-ASCII words are
/// left alone.
pub fn stem(word: &str) -> String {
    if word.len() < 4 || !word.is_ascii() {
        return word.to_owned();
    }
    let mut w = word.to_owned();
    if w.len() > 4 && w.ends_with("ies") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if w.ends_with("sses") {
        w.truncate(w.len() - 2);
    } else if w.ends_with('s') && !(w.ends_with("ss") || w.ends_with("us") || w.ends_with("is")) {
        w.pop();
    }
    let has_vowel = |s: &str| s.chars().any(|c| "aeiouy".contains(c));
    for suffix in ["ing", "ed"] {
        if let Some(rest) = w.strip_suffix(suffix) {
            if rest.len() >= 3 && has_vowel(rest) {
                w.truncate(rest.len());
                // shipped → shipp → ship; but keep -ll, -ss, -zz (billing → bill).
                let bytes = w.as_bytes();
                let n = bytes.len();
                if n >= 2 && bytes[n - 1] == bytes[n - 2] && !b"aeiouylsz".contains(&bytes[n - 1]) {
                    w.pop();
                }
                break;
            }
        }
    }
    if let Some(rest) = w.strip_suffix("ly") {
        if rest.len() >= 4 {
            w.truncate(rest.len());
        }
    }
    if w.len() > 4 && w.ends_with('e') {
        w.pop();
    }
    w
}

/// The sparse dimension of a term.
pub fn term_index(term: &str) -> i32 {
    // Masked to 31 bits: Upstash's indices are signed 32-bit integers.
    (fnv1a(term.as_bytes()) & 0x7fff_ffff) as i32
}

/// BM25's weight for a term seen `frequency` times in a document of `doc_len` terms.
pub fn term_weight(frequency: f64, doc_len: f64) -> f64 {
    frequency * (K1 + 1.0) / (frequency + K1 * (1.0 - B + B * doc_len / AVG_DOC_LEN))
}

/// The inverse document frequency Upstash applies with `weightingStrategy: "IDF"`.
/// Note it is negative for terms in more than half of the documents, as documented.
pub fn idf(documents: usize, containing: usize) -> f64 {
    let (n, df) = (documents as f64, containing as f64);
    ((n - df + 0.5) / (df + 0.5)).ln()
}

/// A document's sparse vector.
pub fn document_vector(text: &str) -> SparseVector {
    let terms = terms(text);
    let doc_len = terms.len() as f64;
    let mut counts: Vec<(i32, f64)> = Vec::new();
    for term in &terms {
        let index = term_index(term);
        match counts.iter_mut().find(|(i, _)| *i == index) {
            Some((_, count)) => *count += 1.0,
            None => counts.push((index, 1.0)),
        }
    }
    SparseVector::from_pairs(
        counts
            .into_iter()
            .map(|(i, f)| (i, term_weight(f, doc_len) as f32))
            .collect(),
    )
}

/// A query's sparse vector: 1 for each distinct term.
pub fn query_vector(text: &str) -> SparseVector {
    let mut pairs: Vec<(i32, f32)> = Vec::new();
    for term in terms(text) {
        let index = term_index(&term);
        if !pairs.iter().any(|(i, _)| *i == index) {
            pairs.push((index, 1.0));
        }
    }
    SparseVector::from_pairs(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-5
    }

    #[test]
    fn tokenises_lowercases_drops_stop_words_and_stems() {
        assert_eq!(
            terms("How do I get a REFUND for the charges? Refunded twice!"),
            ["get", "refund", "charg", "refund", "twic"]
        );
        assert_eq!(
            terms("policies, billing, shipped, cancelled"),
            ["policy", "bill", "ship", "cancell"]
        );
        for (word, expected) in [
            ("refunds", "refund"),
            ("refunding", "refund"),
            ("charge", "charg"),
            ("charged", "charg"),
            ("access", "access"),
            ("status", "status"),
            ("quickly", "quick"),
            ("need", "need"),
            ("sing", "sing"),
            ("café", "café"),
        ] {
            assert_eq!(stem(word), expected, "{word}");
        }
    }

    #[test]
    fn hashing_is_stable() {
        // FNV-1a's published test vectors: "" and "a".
        assert_eq!(fnv1a(b""), 0x811c_9dc5);
        assert_eq!(fnv1a(b"a"), 0xe40c_292c);
        assert_eq!(term_index("a"), 0x640c_292c);
    }

    /// Three documents, by hand (k₁ = 1.2, b = 0.75, avg|D| = 32):
    ///
    /// - D1 "Refund policy: refund" → [refund, policy, refund], |D| = 3
    /// - D2 "Reset the password"    → [reset, password],        |D| = 2
    /// - D3 "Refund failed"         → [refund, fail],           |D| = 2
    ///
    /// Length factor k₁·(1 − b + b·|D|/32): |D| = 3 → 1.2·(0.25 + 0.0703125) = 0.384375;
    /// |D| = 2 → 1.2·(0.25 + 0.046875) = 0.35625.
    /// Weights f·2.2/(f + factor): D1 refund (f = 2) 4.4/2.384375 = 1.845347…,
    /// D1 policy 2.2/1.384375 = 1.589165…, D3 refund 2.2/1.35625 = 1.622120…,
    /// D2 password the same 1.622120….
    /// IDF over N = 3: refund (n = 2) ln(1.5/2.5) = −0.510826…;
    /// password (n = 1) ln(2.5/1.5) = +0.510826….
    /// Query "refund password" with IDF: D2 = 0.510826·1.622120 = 0.828620…,
    /// D3 = −0.510826·1.622120 = −0.828620…, D1 = −0.510826·1.845347 = −0.942651….
    #[test]
    fn bm25_matches_the_hand_computed_example() {
        let d1 = document_vector("Refund policy: refund");
        let d2 = document_vector("Reset the password");
        let d3 = document_vector("Refund failed");
        let refund = term_index("refund");
        let password = term_index("password");
        assert!(close(d1.get(refund), 4.4 / 2.384375));
        assert!(close(d1.get(term_index("policy")), 2.2 / 1.384375));
        assert!(close(d3.get(refund), 2.2 / 1.35625));
        assert!(close(d2.get(password), 2.2 / 1.35625));
        assert_eq!(d2.get(refund), 0.0);

        let idf_refund = idf(3, 2);
        let idf_password = idf(3, 1);
        assert!(close(idf_refund, -0.5108256237659907));
        assert!(close(idf_password, 0.5108256237659907));

        let q = query_vector("refund password refund");
        assert_eq!(q.indices.len(), 2, "one entry a distinct term");
        assert!(q.values.iter().all(|v| *v == 1.0));
        let score = |d: &SparseVector| idf_refund * d.get(refund) + idf_password * d.get(password);
        assert!(close(score(&d2), 0.828620), "{}", score(&d2));
        assert!(close(score(&d3), -0.828620), "{}", score(&d3));
        assert!(close(score(&d1), -0.942651), "{}", score(&d1));
    }
}
