//! Grounding: a draft may state a fact about the product only when a retrieved source or
//! the app's own data says it.
//!
//! Deterministic and pure. The draft's **claims** are found by shape, and each must
//! appear in the **evidence** (the knowledge passages the agent retrieved, the app's SDK
//! data, the effects proposed with the reply):
//!
//! - **money** (`$499`, `$3,990.00`, `199 USD`): the same amount in the evidence, in any
//!   of those forms, or as an integer number of cents (`"amount": 49900`) or of units in
//!   the app's data;
//! - **durations** (`30 days`, `24-hour`, `5–10 business days`, `thirty days`): the same
//!   number with the same unit (days, hours, weeks, months, years, minutes; "business"
//!   and "calendar" are not told apart);
//! - **percentages** (`50%`, `40 percent`);
//! - **URLs**: the same URL, or one the evidence names as a prefix (a page under a
//!   documented path);
//! - **policy promises** from a fixed list (`lifetime access`, `money-back guarantee`,
//!   `no questions asked`, `certificate`, `pro-rata`/`prorated`, `discount`, ...).
//!
//! What it does not catch: a wrong fact with no number, URL or listed phrase ("refunds
//! go to store credit"), dates and times of day, product names, and a number that the
//! evidence holds in another sense (a price that happens to equal a seat count). It is a
//! floor under the model, not a fact checker; a human still approves every reply.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex_lite::Regex;
use serde::{Deserialize, Serialize};

/// What a claim is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    /// An amount of money.
    Money,
    /// A number of days, hours, ...
    Duration,
    /// A percentage.
    Percentage,
    /// A link (with or without its scheme: Front and mail clients link `app.example.com`).
    Url,
    /// An email address to write to.
    Email,
    /// A promise about the product's policies.
    Policy,
}

/// One fact the draft states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// What kind.
    pub kind: ClaimKind,
    /// As written in the draft.
    pub text: String,
    /// Normalised, for matching (`money:49900`, `duration:30:day`, `url:...`).
    pub key: String,
}

/// Policy phrases that promise something about the product. Hyphens and spaces are
/// interchangeable when matching.
const POLICY_PHRASES: &[&str] = &[
    "lifetime access",
    "money back guarantee",
    "money-back guarantee",
    "no questions asked",
    "certificate",
    "pro rata",
    "pro-rata",
    "prorated",
    "discount",
    "free updates",
    "free of charge",
    "store credit",
    "non refundable",
    "non-refundable",
];

const NUMBER_WORDS: &[(&str, u64)] = &[
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("fourteen", 14),
    ("fifteen", 15),
    ("twenty", 20),
    ("thirty", 30),
    ("forty-five", 45),
    ("sixty", 60),
    ("ninety", 90),
];

struct Patterns {
    money: Regex,
    money_after: Regex,
    duration: Regex,
    percentage: Regex,
    url: Regex,
    email: Regex,
    domain: Regex,
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let number_words = NUMBER_WORDS
        .iter()
        .map(|(w, _)| *w)
        .collect::<Vec<_>>()
        .join("|");
    let n = format!(r"(\d+(?:\.\d+)?|{number_words})");
    Patterns {
        money: Regex::new(r"(?i)(?:US)?[$€£]\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?").unwrap(),
        money_after: Regex::new(r"(?i)\b(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?\s?(?:usd|dollars|eur|euros?|gbp|pounds)\b")
            .unwrap(),
        duration: Regex::new(&format!(
            r"(?i)\b{n}(?:\s?(?:-|to|or)\s?{n})?(?:\s|-)?(?:(?:business|working|calendar)\s)?(minutes?|mins?|hours?|hrs?|h|days?|weeks?|wks?|months?|years?|yrs?)\b"
        ))
        .unwrap(),
        percentage: Regex::new(r"(?i)\b(\d+(?:\.\d+)?)\s?(?:%|percent\b)").unwrap(),
        url: Regex::new(r#"(?i)\bhttps?://[^\s<>"'()\[\]{}]+"#).unwrap(),
        email: Regex::new(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b").unwrap(),
        // A host a reader's mail client turns into a link: known top-level domains only
        // (so `Node.js` or `README.md` are not links), an optional path.
        domain: Regex::new(
            r#"(?i)\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|dev|app|co|ai|me|so|xyz|info|biz|example|uk|de|fr|eu|us|ly|gg|sh)\b(?:/[^\s<>"'()]*[^\s<>"'().,;:!?])?"#,
        )
        .unwrap(),
    }
});

/// Lowercased, with every kind of dash as `-` and runs of whitespace as one space.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            c if c.is_whitespace() => ' ',
            c => c,
        };
        if c == ' ' {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

/// A number as written (`30`, `1.5`, `thirty`), normalised for matching: `1.5` stays
/// `1.5`, never `1`.
fn number(text: &str) -> Option<String> {
    let t = text.to_ascii_lowercase();
    if let Some((_, v)) = NUMBER_WORDS.iter().find(|(w, _)| *w == t) {
        return Some(v.to_string());
    }
    let value: f64 = t.parse().ok()?;
    Some(if value.fract() == 0.0 {
        format!("{}", value as u64)
    } else {
        format!("{value}")
    })
}

/// A unit as written (`hrs`, `h`, `days`), as one name (`hour`, `day`).
fn unit_of(text: &str) -> String {
    let t = text.to_ascii_lowercase();
    match t.as_str() {
        "h" | "hr" | "hrs" => "hour".into(),
        "min" | "mins" => "minute".into(),
        "wk" | "wks" => "week".into(),
        "yr" | "yrs" => "year".into(),
        other => other.trim_end_matches('s').to_owned(),
    }
}

fn cents(whole: &str, fraction: Option<&str>) -> Option<u64> {
    let whole: u64 = whole.replace(',', "").parse().ok()?;
    let fraction = match fraction {
        Some(f) if f.len() == 1 => f.parse::<u64>().ok()? * 10,
        Some(f) => f.parse::<u64>().ok()?,
        None => 0,
    };
    Some(whole * 100 + fraction)
}

fn trim_url(url: &str) -> &str {
    url.trim_end_matches(['.', ',', ';', ':', '!', '?'])
}

/// Every claim in `text`, in order of kind then position.
pub fn claims(text: &str) -> Vec<Claim> {
    let p = &*PATTERNS;
    let text = normalise(text);
    let mut out = Vec::new();
    let urls: Vec<(usize, usize)> = p
        .url
        .find_iter(&text)
        .map(|m| (m.start(), m.end()))
        .collect();
    let in_url = |at: usize| urls.iter().any(|(s, e)| (*s..*e).contains(&at));
    for c in p
        .money
        .captures_iter(&text)
        .chain(p.money_after.captures_iter(&text))
    {
        let all = c.get(0).unwrap();
        if in_url(all.start()) {
            continue;
        }
        if let Some(value) = cents(&c[1], c.get(2).map(|m| m.as_str())) {
            out.push(Claim {
                kind: ClaimKind::Money,
                text: all.as_str().trim().to_owned(),
                key: format!("money:{value}"),
            });
        }
    }
    for c in p.duration.captures_iter(&text) {
        let all = c.get(0).unwrap();
        if in_url(all.start()) {
            continue;
        }
        let unit = unit_of(&c[3]);
        for n in [c.get(1), c.get(2)].into_iter().flatten() {
            if let Some(n) = number(n.as_str()) {
                out.push(Claim {
                    kind: ClaimKind::Duration,
                    text: all.as_str().to_owned(),
                    key: format!("duration:{n}:{unit}"),
                });
            }
        }
    }
    for c in p.percentage.captures_iter(&text) {
        let all = c.get(0).unwrap();
        if in_url(all.start()) {
            continue;
        }
        out.push(Claim {
            kind: ClaimKind::Percentage,
            text: all.as_str().to_owned(),
            key: format!("percent:{}", &c[1]),
        });
    }
    for (start, end) in &urls {
        let url = trim_url(&text[*start..*end]);
        out.push(Claim {
            kind: ClaimKind::Url,
            text: url.to_owned(),
            key: format!("url:{}", url.trim_end_matches('/')),
        });
    }
    let emails: Vec<(usize, usize)> = p
        .email
        .find_iter(&text)
        .map(|m| (m.start(), m.end()))
        .collect();
    for (start, end) in &emails {
        if in_url(*start) {
            continue;
        }
        let email = &text[*start..*end];
        out.push(Claim {
            kind: ClaimKind::Email,
            text: email.to_owned(),
            key: format!("email:{email}"),
        });
    }
    let in_email = |at: usize| emails.iter().any(|(s, e)| (*s..*e).contains(&at));
    for m in p.domain.find_iter(&text) {
        if in_url(m.start()) || in_email(m.start()) {
            continue;
        }
        let host = m.as_str().trim_end_matches('/');
        out.push(Claim {
            kind: ClaimKind::Url,
            text: host.to_owned(),
            key: format!("url:https://{host}"),
        });
    }
    let dashless = text.replace('-', " ");
    for phrase in POLICY_PHRASES {
        let wanted = phrase.replace('-', " ");
        // "discounts", "certificates": the plural promises the same.
        if contains_phrase(&dashless, &wanted) || contains_phrase(&dashless, &format!("{wanted}s"))
        {
            let key = format!("policy:{wanted}");
            if !out.iter().any(|c: &Claim| c.key == key) {
                out.push(Claim {
                    kind: ClaimKind::Policy,
                    text: (*phrase).to_owned(),
                    key,
                });
            }
        }
    }
    out
}

/// `phrase` in `text` on word boundaries.
fn contains_phrase(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + phrase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// What the draft may stand on.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    keys: BTreeSet<String>,
    urls: Vec<String>,
    text: String,
}

impl Evidence {
    /// Evidence from prose a person wrote for customers to read: the knowledge
    /// passages. Never text a customer or the model wrote (a note, a reason, a name):
    /// the model could then ground its own claims.
    pub fn new<'a>(prose: impl IntoIterator<Item = &'a str>) -> Self {
        let mut evidence = Evidence::default();
        for text in prose {
            evidence.add(text);
        }
        evidence
    }

    /// Add what the app's typed data states, and nothing else of it: numbers under
    /// amount-like keys (`amount`, `price`, `paid`, `total`, `refundable`, `cost`...,
    /// read as cents and as units) and URLs under link-like keys (`url`, `link`,
    /// `href`). Names, notes, reasons, dates and every other string are passed over:
    /// whoever can write them (a customer's display name, the model's refund note)
    /// must not be able to ground a claim.
    pub fn add_data(&mut self, value: &serde_json::Value) {
        self.walk(None, value);
    }

    fn walk(&mut self, key: Option<&str>, value: &serde_json::Value) {
        use serde_json::Value;
        let key_lower = key.map(str::to_ascii_lowercase).unwrap_or_default();
        let amount_key = [
            "amount",
            "price",
            "paid",
            "total",
            "refundable",
            "cost",
            "fee",
        ]
        .iter()
        .any(|k| key_lower.contains(k));
        let link_key = ["url", "link", "href"]
            .iter()
            .any(|k| key_lower.ends_with(k));
        match value {
            Value::Object(map) => map.iter().for_each(|(k, v)| self.walk(Some(k), v)),
            Value::Array(items) => items.iter().for_each(|v| self.walk(key, v)),
            Value::Number(n) if amount_key => {
                if let Some(n) = n.as_u64() {
                    self.keys.insert(format!("money:{n}"));
                    self.keys.insert(format!("money:{}", n.saturating_mul(100)));
                }
            }
            Value::String(s) if link_key => {
                if let Some(m) = PATTERNS.url.find(&normalise(s)) {
                    let url = trim_url(m.as_str()).trim_end_matches('/').to_owned();
                    self.keys.insert(format!("url:{url}"));
                    self.urls.push(url);
                }
            }
            _ => {}
        }
    }

    fn add(&mut self, text: &str) {
        for claim in claims(text) {
            if claim.kind == ClaimKind::Url {
                let url = claim.key.trim_start_matches("url:");
                self.urls.push(url.trim_end_matches('/').to_owned());
            }
            self.keys.insert(claim.key);
        }
        let normalised = normalise(text).replace('-', " ");
        self.text.push_str(&normalised);
        self.text.push('\n');
    }

    /// Whether the evidence supports `claim`.
    pub fn supports(&self, claim: &Claim) -> bool {
        if self.keys.contains(&claim.key) {
            return true;
        }
        match claim.kind {
            ClaimKind::Url => {
                let url = claim.key.trim_start_matches("url:").trim_end_matches('/');
                self.urls
                    .iter()
                    .any(|known| url.starts_with(&format!("{known}/")) || url == known)
            }
            ClaimKind::Policy => {
                let phrase = claim.text.replace('-', " ");
                contains_phrase(&self.text, &phrase)
                    || contains_phrase(&self.text, &format!("{phrase}s"))
            }
            _ => false,
        }
    }

    /// Add an email address the records hold (the sender's own, as Front verified it).
    pub fn add_email(&mut self, email: &str) {
        let email = email.trim().to_lowercase();
        if !email.is_empty() {
            self.keys.insert(format!("email:{email}"));
        }
    }

    /// The claims of `draft` the evidence does not support, each once.
    pub fn unsupported(&self, draft: &str) -> Vec<Claim> {
        let mut seen = BTreeSet::new();
        claims(draft)
            .into_iter()
            .filter(|c| !self.supports(c))
            .filter(|c| seen.insert(c.key.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str =
        "## Refund window\n\nYou get a full refund within 30 days, no questions asked. \
        Money arrives in 5–10 business days. Total TypeScript costs $499 with lifetime access. \
        Students get 50% off. See https://app.example.com/invoices for receipts.";

    fn keys(text: &str) -> Vec<String> {
        claims(text).into_iter().map(|c| c.key).collect()
    }

    #[test]
    fn claims_are_found_by_shape() {
        assert_eq!(
            keys("It costs $3,990.00, or 199 USD, refunds in thirty days or a 24-hour window."),
            vec![
                "money:399000",
                "money:19900",
                "duration:30:day",
                "duration:24:hour"
            ]
        );
        assert_eq!(
            keys("Allow 5-10 business days."),
            vec!["duration:5:day", "duration:10:day"]
        );
        assert_eq!(keys("That's 40 percent off"), vec!["percent:40"]);
        assert_eq!(
            keys("within 48h, 1.5 hrs or 2 wks, €199"),
            vec![
                "money:19900",
                "duration:48:hour",
                "duration:1.5:hour",
                "duration:2:week"
            ]
        );
        assert_eq!(keys("Both discounts apply"), vec!["policy:discount"]);
        assert_eq!(
            keys("Write to team@app.example.com or see www.evil.example/claim. Node.js is fine."),
            vec![
                "email:team@app.example.com",
                "url:https://www.evil.example/claim"
            ]
        );
        assert_eq!(
            keys("Log in at https://app.example.com/login."),
            vec!["url:https://app.example.com/login"]
        );
        assert_eq!(
            keys("You keep lifetime access."),
            vec!["policy:lifetime access"]
        );
        // No claims in plain prose, a bare number or a version.
        assert!(keys("Thanks, I sent the link again. Use TypeScript 5 and node 20.").is_empty());
    }

    #[test]
    fn a_draft_that_says_what_the_sources_say_is_grounded() {
        let evidence = Evidence::new([POLICY]);
        let draft = "You can get a full refund within 30 days (no questions asked); the money \
            takes 5 to 10 business days. The course is $499.00 and comes with lifetime access. \
            Receipts: https://app.example.com/invoices/inv_1";
        assert_eq!(evidence.unsupported(draft), vec![]);
    }

    #[test]
    fn numbers_urls_and_promises_the_sources_do_not_hold_are_unsupported() {
        let evidence = Evidence::new([POLICY]);
        let draft = "Refunds are possible for 90 days, it costs $399, you get 60% off, a \
            certificate at the end, and see https://evil.example/refund or \
            https://app.example.com/invoicesX.";
        let found: Vec<String> = evidence
            .unsupported(draft)
            .into_iter()
            .map(|c| c.key)
            .collect();
        assert_eq!(
            found,
            vec![
                "money:39900",
                "duration:90:day",
                "percent:60",
                "url:https://evil.example/refund",
                "url:https://app.example.com/invoicesx",
                "policy:certificate",
            ]
        );
    }

    #[test]
    fn the_apps_data_grounds_amounts_in_cents_or_units() {
        let mut evidence = Evidence::new([]);
        evidence.add_data(&serde_json::json!({
            "purchases": [{"amount": 49900, "monthlyPrice": 10, "seats": 25,
                           "purchasedAt": "2024-10-30", "url": "https://app.example.com/p/1"}]
        }));
        assert!(evidence.unsupported("You paid $499 for it.").is_empty());
        assert!(evidence.unsupported("That is $10 per month.").is_empty());
        assert!(evidence
            .unsupported("See https://app.example.com/p/1.")
            .is_empty());
        assert_eq!(evidence.unsupported("You paid $500.").len(), 1);
        // A seat count or a date is not a price.
        assert_eq!(evidence.unsupported("It was $25, or $30.").len(), 2);
    }

    #[test]
    fn text_a_customer_or_the_model_wrote_grounds_nothing() {
        let mut evidence = Evidence::new([]);
        evidence.add_data(&serde_json::json!({
            "note": "refunds within 90 days, lifetime access, https://evil.example/claim",
            "name": "Get 60% off at https://evil.example",
        }));
        let draft = "Refunds within 90 days, lifetime access, 60% off: https://evil.example/claim";
        assert_eq!(evidence.unsupported(draft).len(), 4);
    }
}
