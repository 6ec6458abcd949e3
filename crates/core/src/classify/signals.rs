//! The thirteen deterministic signals.

use super::patterns::SIGNALS;
use super::{ClassifyInput, Signals};

/// Subject and body as one text, the way every text pattern sees them.
pub(super) fn text_of(input: &ClassifyInput) -> String {
    format!("{} {}", input.subject, input.body)
}

/// Read the signals off a message. Pure and deterministic; an empty subject is fine.
pub fn signals(input: &ClassifyInput) -> Signals {
    let p = &*SIGNALS;
    let text = text_of(input);
    let mentions_instructor = input
        .instructor_names
        .iter()
        .any(|name| contains_word(&text, name));
    let personal = p.personal.is_match(&text)
        || greeting_only(&text, &input.instructor_names)
        || (mentions_instructor && p.appreciation.is_match(&text));
    Signals {
        has_email_in_body: p.email.is_match(&input.body),
        has_purchase_date: p.purchase_date.is_match(&text),
        has_error_message: p.error_message.is_match(&text),
        is_reply: input
            .subject
            .trim_start()
            .get(..3)
            .is_some_and(|s| s.eq_ignore_ascii_case("re:")),
        mentions_instructor,
        has_angry_sentiment: p.angry.is_match(&text),
        is_automated: p.automated.is_match(&text)
            || input
                .from
                .as_deref()
                .is_some_and(|from| p.automated_sender.is_match(from)),
        is_vendor_outreach: p.vendor.is_match(&text),
        has_legal_threat: p.legal.is_match(&text),
        has_outside_policy_timeframe: p.outside_policy.is_match(&text),
        is_personal_to_instructor: personal,
        is_presales_faq: p.presales_faq.is_match(&text),
        is_presales_team: p.presales_team.is_match(&text),
    }
}

/// A greeting with nothing else but, at most, a casual addressee or an instructor's name.
fn greeting_only(text: &str, instructors: &[String]) -> bool {
    let Some(caps) = SIGNALS.greeting_only.captures(text) else {
        return false;
    };
    let rest = caps.get(1).map_or("", |m| m.as_str()).trim();
    rest.is_empty()
        || ["man", "dude", "there", "all", "everyone"]
            .iter()
            .any(|w| rest.eq_ignore_ascii_case(w))
        || instructors
            .iter()
            .any(|name| !name.trim().is_empty() && rest.eq_ignore_ascii_case(name.trim()))
}

/// `needle` occurs in `haystack` as a whole word (or words), ignoring case. The original
/// matched substrings, so "kent" fired on "Kentucky" and "matt" on "matter".
pub(crate) fn contains_word(haystack: &str, needle: &str) -> bool {
    let needle = needle.trim().to_lowercase();
    if needle.is_empty() {
        return false;
    }
    let haystack = haystack.to_lowercase();
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    haystack.match_indices(&needle).any(|(at, m)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + m.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}
