//! Reading a customer's message: what they want, their email, the app, a purchase id.

use serde_json::Value;

/// What the customer wants, from keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Intent {
    Spam,
    Refund,
    Access,
    Transfer,
    Billing,
    /// A question before buying that the docs answer (price, discounts, what is
    /// included): answered from the knowledge the prompt carries.
    Question,
    FanMail,
    Other,
}

impl Intent {
    /// The intent of lowercased customer text.
    pub(super) fn of(text: &str) -> Intent {
        let has = |words: &[&str]| words.iter().any(|w| contains_word(text, w));
        if has(&[
            "partnership",
            "seo",
            "backlink",
            "backlinks",
            "sponsorship",
            "guest post",
            "affiliate program",
        ]) {
            Intent::Spam
        } else if has(&[
            "refund",
            "refunds",
            "refunded",
            "money back",
            "chargeback",
            "cancel my purchase",
            "cancel my order",
        ]) {
            Intent::Refund
        } else if has(&[
            "can't log in",
            "cant log in",
            "cannot log in",
            "can't login",
            "unable to log in",
            "can't access",
            "cannot access",
            "lost access",
            "no access",
            "access",
            "log in",
            "login",
            "sign in",
            "locked out",
            "magic link",
        ]) {
            Intent::Access
        } else if has(&[
            "transfer",
            "move my purchase",
            "change my email",
            "wrong email",
        ]) {
            Intent::Transfer
        } else if has(&["invoice", "receipt", "billing", "vat"]) {
            Intent::Billing
        } else if has(&[
            "discount",
            "discounts",
            "student",
            "students",
            "price",
            "pricing",
            "how much",
            "certificate",
            "lifetime",
            "offline",
            "prerequisite",
            "prerequisites",
            "coupon",
            "regional pricing",
        ]) {
            Intent::Question
        } else if has(&[
            "big fan",
            "huge fan",
            "thank you",
            "thanks so much",
            "love your",
        ]) && !asks(text)
        {
            Intent::FanMail
        } else {
            Intent::Other
        }
    }

    /// The category name of the original classifier, and why.
    pub(super) fn category(self) -> (&'static str, &'static str) {
        match self {
            Intent::Spam => (
                "spam",
                "Vendor outreach (a partnership or SEO pitch), not a customer.",
            ),
            Intent::Refund => ("support_refund", "The customer asks for their money back."),
            Intent::Access => (
                "support_access",
                "The customer cannot get into their account.",
            ),
            Intent::Transfer => (
                "support_transfer",
                "The customer wants a purchase moved to another email.",
            ),
            Intent::Billing => (
                "support_billing",
                "The customer needs an invoice or a receipt.",
            ),
            Intent::Question => (
                "presales_faq",
                "A question before buying that the documentation answers.",
            ),
            Intent::FanMail => ("fan_mail", "Pure appreciation with no request."),
            Intent::Other => ("unknown", "No clear support request in the message."),
        }
    }
}

/// Whether the text asks for anything.
fn asks(text: &str) -> bool {
    text.contains('?')
        || [
            "can you",
            "could you",
            "please",
            "help",
            "how do",
            "how can",
            "i need",
            "i want",
            "problem",
            "issue",
        ]
        .iter()
        .any(|w| contains_word(text, w))
}

/// `needle` in `haystack` (both lowercase) with no letter or digit right around it.
fn contains_word(haystack: &str, needle: &str) -> bool {
    haystack.match_indices(needle).any(|(at, _)| {
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + needle.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// `purchases[0].id` anywhere in a tool result, else any `purchaseId`.
pub(super) fn find_purchase_id(value: &Value) -> Option<String> {
    match value {
        Value::Object(map) => {
            // The first purchase still active (a refunded one cannot be refunded again),
            // else the first.
            let purchases = map.get("purchases").and_then(Value::as_array);
            let active = purchases.and_then(|p| {
                p.iter()
                    .find(|p| p.get("status").and_then(Value::as_str) == Some("active"))
            });
            if let Some(first) = active.or_else(|| purchases.and_then(|p| p.first())) {
                if let Some(id) = ["id", "purchaseId", "purchase_id"]
                    .iter()
                    .find_map(|k| first.get(*k)?.as_str())
                {
                    return Some(id.to_owned());
                }
            }
            if let Some(id) = ["purchaseId", "purchase_id"]
                .iter()
                .find_map(|k| map.get(*k)?.as_str())
            {
                return Some(id.to_owned());
            }
            map.values().find_map(find_purchase_id)
        }
        Value::Array(items) => items.iter().find_map(find_purchase_id),
        _ => None,
    }
}

/// The first email address in the text.
pub(super) fn find_email(text: &str) -> Option<String> {
    let local = |c: char| c.is_ascii_alphanumeric() || "._%+-".contains(c);
    let domain = |c: char| c.is_ascii_alphanumeric() || ".-".contains(c);
    text.match_indices('@').find_map(|(at, _)| {
        let start = text[..at].rfind(|c: char| !local(c)).map_or(0, |i| i + 1);
        let end = text[at + 1..]
            .find(|c: char| !domain(c))
            .map_or(text.len(), |i| at + 1 + i);
        let (user, host) = (&text[start..at], text[at + 1..end].trim_end_matches('.'));
        (!user.is_empty() && host.contains('.') && !host.starts_with('.'))
            .then(|| format!("{user}@{host}"))
    })
}

/// An app id written as `App: <id>` or `appId: <id>` (the prompt format of the original).
pub(super) fn find_app_id(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.trim();
        let rest = ["App:", "app:", "appId:", "\"appId\":"]
            .iter()
            .find_map(|p| line.strip_prefix(p))?;
        let id: String = rest
            .trim()
            .trim_matches('"')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
            .collect();
        (!id.is_empty()).then_some(id)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn intents_from_keywords() {
        assert_eq!(Intent::of("hi, i'd like a refund please"), Intent::Refund);
        assert_eq!(Intent::of("i can't log in to the course"), Intent::Access);
        assert_eq!(
            Intent::of("big fan of your work, thank you!"),
            Intent::FanMail
        );
        assert_eq!(
            Intent::of("big fan! can you help me with typescript?"),
            Intent::Other
        );
        assert_eq!(
            Intent::of("we offer seo services and a partnership"),
            Intent::Spam
        );
        assert_eq!(Intent::of("seoul is nice this time of year"), Intent::Other);
    }

    #[test]
    fn emails_and_app_ids_are_found() {
        assert_eq!(
            find_email("From: Ana <ana.b+tt@example.co.uk>."),
            Some("ana.b+tt@example.co.uk".into())
        );
        assert_eq!(find_email("ping me @ home"), None);
        assert_eq!(
            find_app_id("context\nApp: total-typescript\n"),
            Some("total-typescript".into())
        );
    }

    #[test]
    fn purchase_ids_come_from_lookup_results() {
        let result = json!({"found": true, "user": {"id": "u1"}, "purchases": [{"id": "pur_1"}, {"id": "pur_2"}]});
        assert_eq!(find_purchase_id(&result), Some("pur_1".into()));
        assert_eq!(find_purchase_id(&json!({"found": false})), None);
    }
}
