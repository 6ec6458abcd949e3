//! Scrubbing what a customer wrote (and what was answered to them) before it can become
//! shared knowledge: emails, the customer's names, record ids, card-like and phone-like
//! numbers and links that carry tokens are replaced by placeholders.
//!
//! Pure and deterministic. It removes what can be recognised by shape or by the names
//! the platform knows; a name it was not told (a colleague mentioned in passing) stays,
//! which is why nothing scrubbed enters the knowledge base before a person approves it.

use std::sync::LazyLock;

use regex_lite::Regex;

struct Patterns {
    email: Regex,
    url_with_query: Regex,
    url_with_token: Regex,
    id: Regex,
    long_number: Regex,
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    Patterns {
    email: Regex::new(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b").unwrap(),
    // A link with a query or a fragment: magic links, reset links, signed URLs.
    url_with_query: Regex::new(r#"(?i)\b(?:https?://)?[a-z0-9.-]+\.[a-z]{2,}/[^\s<>"'?#]*[?#](?:[^\s<>"']*[^\s<>"'.,;:!?)])?"#).unwrap(),
    // A link whose path holds a token (16+ letters, digits, `-` or `_` in one segment):
    // magic links and receipts put their secret there.
    url_with_token: Regex::new(r#"(?i)\b(?:https?://)?[a-z0-9.-]+\.[a-z]{2,}/(?:[^\s<>"'/]*/)*[A-Za-z0-9_-]{16,}(?:[^\s<>"']*[^\s<>"'.,;:!?)])?"#).unwrap(),
    // Record ids as the platform, the apps, Stripe and Front write them.
    id: Regex::new(
        r"\b(?:usr|pur|prod|ch|re|py|pi|cus|sub|in|ii|acct|cnv|msg|act|tok|tea|inb|cha|evt|txn|bulk|cs|pm|seti|dp|po|tr|rcpt|card|src|ba)_[A-Za-z0-9_]{3,}\b",
    )
    .unwrap(),
    // Card, phone and order numbers: 7+ digits, spaces or dashes allowed between.
    long_number: Regex::new(r"\+?\b\d(?:[ .-]?\d){6,}\b").unwrap(),
}
});

/// `text` with personal data replaced: `[email]`, `[link]`, `[id]`, `[number]`, and
/// `[name]` for each of `names` (whole words, any case; a full name and its parts).
pub fn scrub(text: &str, names: &[&str]) -> String {
    let p = &*PATTERNS;
    let text = p.email.replace_all(text, "[email]");
    let text = p.url_with_query.replace_all(&text, "[link]");
    let text = p.url_with_token.replace_all(&text, "[link]");
    let text = p.id.replace_all(&text, "[id]");
    let mut text = p.long_number.replace_all(&text, "[number]").into_owned();
    let mut words: Vec<&str> = names
        .iter()
        .flat_map(|n| std::iter::once(n.trim()).chain(n.split_whitespace()))
        .filter(|w| w.chars().count() >= 2)
        .collect();
    // Longest first, so "Dana Lee" goes before "Dana".
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    words.dedup();
    for word in words {
        text = replace_word(&text, word, "[name]");
    }
    text
}

/// Every whole-word, case-insensitive occurrence of `word` in `text` replaced.
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let lower = text.to_lowercase();
    let wanted = word.to_lowercase();
    // Lowercasing can change byte lengths outside ASCII; fall back to exact matching.
    let (haystack, needle) = if lower.len() == text.len() {
        (lower.as_str(), wanted.as_str())
    } else {
        (text, word)
    };
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in haystack.match_indices(needle) {
        if at < last {
            continue;
        }
        let before = text[..at].chars().next_back();
        let after = text[at + needle.len()..].chars().next();
        if before.is_some_and(char::is_alphanumeric) || after.is_some_and(char::is_alphanumeric) {
            continue;
        }
        out.push_str(&text[last..at]);
        out.push_str(with);
        last = at + needle.len();
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_is_replaced_and_the_question_stays() {
        let text = "Hi, I'm Dana Lee (dana@example.com, usr_dana). My card 4242 4242 4242 4242 \
            was charged twice for pur_dana_tt, call me on +1 415 555 0100. The link \
            https://app.example.com/login?token=abc123 expired. Dana";
        let scrubbed = scrub(text, &["Dana Lee"]);
        assert_eq!(
            scrubbed,
            "Hi, I'm [name] ([email], [id]). My card [number] \
            was charged twice for [id], call me on [number]. The link \
            [link] expired. [name]"
        );
    }

    #[test]
    fn names_match_whole_words_only() {
        assert_eq!(
            scrub("Sam, same as Samuel", &["Sam"]),
            "[name], same as Samuel"
        );
        assert_eq!(scrub("Nothing to hide", &[]), "Nothing to hide");
    }

    #[test]
    fn links_that_carry_a_secret_go_whatever_their_shape() {
        let text = "Use https://app.example.com/magic/eyJhbGciOiJIUzI1NiJ9abc or \
            app.example.com/reset?t=abc, receipt pay.stripe.com/receipts/acct_1/rcpt_ABCDEFGHIJKLMNOPQR, \
            card pm_1Abc and session cs_test_a1b2";
        assert_eq!(
            scrub(text, &[]),
            "Use [link] or [link], receipt [link], card [id] and session [id]"
        );
    }

    #[test]
    fn plain_links_and_short_numbers_stay() {
        let text = "See https://app.example.com/invoices, it costs $499 for 30 days.";
        assert_eq!(scrub(text, &[]), text);
    }
}
