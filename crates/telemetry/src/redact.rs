//! The one place customer data is removed before telemetry leaves the platform.
//!
//! A [`Redactor`] is built for one context (a conversation, a run) with the values known
//! to be sensitive there: the customer's email and name, the participants' names and
//! handles. [`Redactor::text`] replaces, in this order:
//!
//! | what | becomes | recognised by |
//! |---|---|---|
//! | a link carrying a secret | `[link]` | `token=`, `code=`, `sig=`, `signature=`, `key=`, `secret`, `password`… in the query or fragment; `/login/…`, `/signin/…`, `/invite/…`, `/reset/…`, `/auth/…` followed by more path; a segment starting `magic` or `verify`; credentials before the host; any path segment, query value or fragment of 20+ random-looking characters. The whole URL goes. |
//! | an email | `[email]` | `local@domain.tld` |
//! | credentials | `Bearer [token]`, `Basic [token]`, `password=[token]` | the scheme or the name is kept, the credential goes |
//! | API keys and JWTs | `[token]` | `sk_…`, `pk_…`, `rk_…` (with a digit or a capital), `sk-ant-…`, `sk-lf-…`, `pk-lf-…`, `xoxb-…` and Slack's other prefixes, `whsec_…`, `signkey-…`, `xaat-…`, `ghp_…`, `AKIA…`, `eyJ….….…` and any `xxx.yyy.zzz` of three 16+ character parts |
//! | long random strings | `[token]` | 32+ characters of `[A-Za-z0-9_-]` with a part mixing letters and digits (or capitals and small letters) |
//! | card numbers | `[card]` | 13 to 19 digits, spaces or dashes between, a card network's first digits, and the Luhn check |
//! | phone numbers | `[phone]` | 7 to 15 digits grouped by spaces, dots, dashes or parentheses, or `+` and digits; not a date, an amount (`$`, `€`, `£` before), a dotted number (`12.345.678`, IPs), an order number (`#12345678`, `ORD-1234-5678`) or a bare run of digits |
//! | street addresses | `[address]` | a number, capitalised words and a street suffix (`Street`, `St`, `Avenue`, `Ave`, `Road`, `Rd`, `Lane`, `Ln`, `Boulevard`, `Blvd`, `Drive`, `Dr`, `Way`, `Court`, `Ct`, `Place`…), with an `Apt`/`Suite`/`Unit` after it |
//! | known values | `[redacted]` | each value, any case, as a whole word; a name also by each of its words of 3+ letters ("Dana Lee" → "Dana Lee", "Dana", "Lee"); an email also by its mailbox ("dana.lee") |
//!
//! Record ids (`cnv_…`, `act_…`, `run_…`, `usr_…`, `ch_…`, `re_…`) are short and kept: a
//! trace must still lead back to its records. Placeholders are never matched again,
//! and the stages are run until nothing changes (a phone number right after a name is
//! seen once the name is a placeholder), so redacting twice is redacting once.
//!
//! [`Redactor::value`] walks JSON: strings (and object keys) go through
//! [`Redactor::text`]; whatever sits under a key that names personal data or a
//! credential (see [`is_personal_key`]) becomes `"[redacted]"` whole (booleans and
//! `null` stay: they say nothing about anyone); strings under id keys (`id`, `…Id`,
//! `…_id`) that look like ids are kept as they are; numbers and booleans stay.
//!
//! What it cannot do: recognise a name it was not told (a colleague mentioned in
//! passing), or personal data in free prose (a city, a birthday). Redacted telemetry is
//! still internal telemetry.

use std::sync::LazyLock;

use regex_lite::Regex;
use serde_json::{Map, Value};

/// What a known value, and whatever sits under a personal key, becomes.
pub const REDACTED: &str = "[redacted]";

/// Passes after the first before [`Redactor::text`] gives up settling (never reached
/// in practice: each pass that changes anything removes sensitive text for good).
const MAX_PASSES: usize = 16;

/// Redacts text and JSON for telemetry. Cheap to build (the patterns are compiled once
/// per process); build one per conversation with its known values.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Known values and their words, longest first, as characters.
    terms: Vec<Vec<char>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The known values are exactly what must not be printed.
        f.debug_struct("Redactor")
            .field("known_terms", &self.terms.len())
            .finish()
    }
}

impl Redactor {
    /// A redactor that also removes these values (the customer's email and name, the
    /// participants' names and handles). Values shorter than two characters are
    /// ignored (they would match ordinary words).
    pub fn new(known: &[&str]) -> Self {
        let mut terms: Vec<String> = Vec::new();
        let mut add = |term: &str| {
            let term = term.trim();
            if term.chars().count() >= 2 {
                terms.push(term.to_owned());
            }
        };
        for value in known {
            let value = value.trim();
            add(value);
            if let Some((mailbox, _)) = value.split_once('@') {
                if mailbox.chars().count() >= 3 {
                    add(mailbox);
                }
                continue;
            }
            // Each word of 3+ letters: "Dana Lee" → "Dana", "Lee"; "Mary-Jane
            // O'Brien" → "Mary-Jane", "O'Brien", "Mary", "Jane", "Brien".
            let words = value
                .split_whitespace()
                .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
                .chain(value.split(|c: char| !c.is_alphabetic()));
            for word in words {
                if word.chars().filter(|c| c.is_alphabetic()).count() >= 3 {
                    add(word);
                }
            }
        }
        let mut terms: Vec<Vec<char>> = terms.iter().map(|t| t.chars().collect()).collect();
        terms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        terms.dedup_by(|a, b| {
            a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| same(*x, *y))
        });
        Self { terms }
    }

    /// `text` with every known value and everything sensitive by shape replaced (see
    /// the module docs for the table).
    pub fn text(&self, text: &str) -> String {
        // A pass can reveal more: "Dana Lee+1 555 123 4567" has its phone number seen
        // only once the name before it is a placeholder. Each pass only turns text into
        // placeholders, so this settles in a few passes (one when nothing changes), and
        // what it returns is left as it is by another call.
        let mut current = self.pass(text);
        for _ in 0..MAX_PASSES {
            let next = self.pass(&current);
            if next == current {
                break;
            }
            current = next;
        }
        current
    }

    /// Every stage once, in order.
    fn pass(&self, text: &str) -> String {
        let p = &*PATTERNS;
        let mut out = stage(text, &p.url, link);
        out = stage(&out, &p.email, |_, s, e| Some((s, e, "[email]")));
        out = stage(&out, &p.credential, credential);
        out = stage(&out, &p.assignment, assignment);
        out = stage(&out, &p.secret, secret);
        out = stage(&out, &p.long_run, |seg, s, e| {
            random_looking(&seg[s..e], 32).then_some((s, e, "[token]"))
        });
        out = stage(&out, &p.card, card);
        out = stage(&out, &p.phone, phone);
        out = stage(&out, &p.address, |_, s, e| Some((s, e, "[address]")));
        if self.terms.is_empty() {
            return out;
        }
        outside_placeholders(&out, |segment, into| self.known(segment, into))
    }

    /// `value` with every string redacted by [`Redactor::text`], object keys too, and
    /// whatever sits under a personal or credential key ([`is_personal_key`]) replaced
    /// by `"[redacted]"` (booleans and `null` stay).
    pub fn value(&self, value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.value(v)).collect()),
            Value::Object(map) => {
                // A model's tool call (`{"type": "tool_use", "name": "lookupUser"}`):
                // its name is the tool's, not a person's.
                let tool_use = map.get("type").and_then(Value::as_str) == Some("tool_use");
                let mut out = Map::with_capacity(map.len());
                for (key, v) in map {
                    let redacted = if is_personal_key(key) && !(tool_use && key == "name") {
                        match v {
                            Value::Null | Value::Bool(_) => v.clone(),
                            _ => Value::String(REDACTED.to_owned()),
                        }
                    } else if is_id_key(key)
                        && v.as_str()
                            .is_some_and(|id| looks_like_id(id) && !self.is_known(id))
                    {
                        v.clone()
                    } else {
                        self.value(v)
                    };
                    out.insert(self.text(key), redacted);
                }
                Value::Object(out)
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => value.clone(),
        }
    }

    /// Whether `value` is one of the known values (or words), in any case.
    fn is_known(&self, value: &str) -> bool {
        let chars: Vec<(usize, char)> = value.char_indices().collect();
        self.terms
            .iter()
            .any(|term| matches_at(&chars, 0, term) == Some(chars.len()))
    }

    /// Known values in `segment` (no placeholders in it) replaced, written to `into`.
    fn known(&self, segment: &str, into: &mut String) {
        let chars: Vec<(usize, char)> = segment.char_indices().collect();
        let mut last = 0; // byte offset copied up to
        let mut i = 0;
        'scan: while i < chars.len() {
            for term in &self.terms {
                let Some(end) = matches_at(&chars, i, term) else {
                    continue;
                };
                let starts_word = term[0].is_alphanumeric();
                let ends_word = term[term.len() - 1].is_alphanumeric();
                let before_ok = !starts_word || i == 0 || !chars[i - 1].1.is_alphanumeric();
                let after_ok = !ends_word || end == chars.len() || !chars[end].1.is_alphanumeric();
                if before_ok && after_ok {
                    let from = chars[i].0;
                    let to = chars.get(end).map_or(segment.len(), |c| c.0);
                    into.push_str(&segment[last..from]);
                    into.push_str(REDACTED);
                    last = to;
                    i = end;
                    continue 'scan;
                }
            }
            i += 1;
        }
        into.push_str(&segment[last..]);
    }
}

/// Whether a JSON key names personal data or a credential, so that whatever is under it
/// is redacted whole. Case, `_`, `-` and spaces are ignored: `email`, `customerEmail`,
/// `e-mail`…, `name`, `customerName`, `firstName`, `lastName`, `fullName`,
/// `displayName`, `phone`, `phoneNumber`, `mobile`, `address`, `street`, `postalCode`,
/// `customer`, `sender`, `recipient`, `to`, `from`, `cc`, `bcc`, `replyTo`, `handle`,
/// `username`, `password`, `token` (and `…Token`, not `…Tokens`), `secret`, `apiKey`,
/// `authorization`, `cookie`, `signature`, `ip`, `cardNumber`, `cvc`, `ssn`,
/// `birthDate`.
pub fn is_personal_key(key: &str) -> bool {
    if key.starts_with('[') && key.ends_with(']') {
        return false; // a key already redacted ("[email]")
    }
    let k: String = key
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' ' | '.'))
        .flat_map(char::to_lowercase)
        .collect();
    const EXACT: &[&str] = &[
        "name",
        "names",
        "fullname",
        "firstname",
        "lastname",
        "givenname",
        "familyname",
        "surname",
        "middlename",
        "displayname",
        "customername",
        "username",
        "nickname",
        "phone",
        "phonenumber",
        "phones",
        "mobile",
        "telephone",
        "tel",
        "fax",
        "address",
        "addresses",
        "streetaddress",
        "street",
        "billingaddress",
        "shippingaddress",
        "addressline1",
        "addressline2",
        "line1",
        "line2",
        "postalcode",
        "postcode",
        "zip",
        "zipcode",
        "customer",
        "sender",
        "recipient",
        "recipients",
        "author",
        "to",
        "from",
        "cc",
        "bcc",
        "replyto",
        "handle",
        "handles",
        "ip",
        "ipaddress",
        "cardnumber",
        "pan",
        "cvc",
        "cvv",
        "ssn",
        "dob",
        "birthdate",
        "dateofbirth",
        "birthday",
        "cookie",
        "setcookie",
        "signature",
        "otp",
        "pin",
    ];
    EXACT.contains(&k.as_str())
        || k.contains("email")
        || k.contains("password")
        || k.contains("passwd")
        || k.contains("passphrase")
        || k.contains("secret")
        || k.contains("authorization")
        || k.contains("credential")
        || k.contains("apikey")
        || k.contains("privatekey")
        || k.ends_with("token")
}

/// `id`, `fooId`, `foo_id`, `fooID`: a key holding a record id (not a session's).
fn is_id_key(key: &str) -> bool {
    (key == "id" || key.ends_with("Id") || key.ends_with("_id") || key.ends_with("ID"))
        && !key.to_ascii_lowercase().contains("session")
}

/// A record id: one short word of letters, digits, `_ - . :` (no `@`, no spaces).
fn looks_like_id(value: &str) -> bool {
    (1..=100).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
}

// ---------------------------------------------------------------------------------------
// Patterns and stages.

struct Patterns {
    placeholder: Regex,
    url: Regex,
    email: Regex,
    credential: Regex,
    assignment: Regex,
    secret: Regex,
    long_run: Regex,
    card: Regex,
    phone: Regex,
    address: Regex,
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    Patterns {
    placeholder: Regex::new(r"\[(?:email|phone|card|link|token|address|redacted)\]").unwrap(),
    url: Regex::new(r#"(?i)\b(?:https?://|www\.)[^\s<>"'`\[\]{}|\\^]+"#).unwrap(),
    email: Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
        .unwrap(),
    credential: Regex::new(r"\b(?:[Bb]earer|BEARER|[Bb]asic|BASIC)[ \t]+[A-Za-z0-9._~+/=-]{8,}")
        .unwrap(),
    assignment: Regex::new(
        r#"(?i)\b(?:password|passwd|pwd|secret|client_secret|api[_-]?key|access[_-]?token|refresh[_-]?token|token)"?[ \t]*[:=][ \t]*"?[^\s",;'}\]]+"#,
    )
    .unwrap(),
    secret: Regex::new(concat!(
        r"\b(?:",
        r"(?:sk|pk|rk)_[A-Za-z0-9_]{8,}",
        r"|sk-(?:ant-|lf-|proj-)?[A-Za-z0-9_-]{16,}",
        r"|pk-lf-[A-Za-z0-9-]{8,}",
        r"|xox[abposre]-[A-Za-z0-9-]{8,}",
        r"|xapp-[A-Za-z0-9-]{8,}",
        r"|whsec_[A-Za-z0-9+/=]{8,}",
        r"|signkey-[A-Za-z0-9-]{8,}",
        r"|xaa[tp]-[A-Za-z0-9-]{8,}",
        r"|gh[pousr]_[A-Za-z0-9]{20,}",
        r"|github_pat_[A-Za-z0-9_]{20,}",
        r"|AKIA[0-9A-Z]{16}",
        r"|AIza[0-9A-Za-z_-]{30,}",
        r"|eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*",
        r"|[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}",
        r")"
    ))
    .unwrap(),
    long_run: Regex::new(r"[A-Za-z0-9_-]{32,}").unwrap(),
    card: Regex::new(r"\d(?:[ -]?\d){12,18}").unwrap(),
    phone: Regex::new(r"\+?(?:\(\d{1,5}\)|\d)(?:[ .-]?(?:\(\d{1,5}\)|\d))*").unwrap(),
    address: Regex::new(concat!(
        r"\b\d{1,6}[A-Za-z]?,?[ \t]+(?:[A-Z][A-Za-z'-]*\.?[ \t]+){0,3}[A-Z][A-Za-z'-]*\.?[ \t]+",
        r"(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Boulevard|Blvd|Drive|Dr|Way|Court|Ct",
        r"|Place|Pl|Terrace|Circle|Cir|Highway|Hwy|Parkway|Pkwy|Square|Sq|Crescent|Close)\b\.?",
        r"(?:,?[ \t]+(?:Apt|Apartment|Suite|Ste|Unit|Flat)\.?[ \t]*#?[A-Za-z0-9-]+)?",
    ))
    .unwrap(),
}
});

/// A replacement: byte range in the segment and what goes there.
type Replacement = (usize, usize, &'static str);

/// One stage: each match of `pattern` outside placeholders offered to `decide`, which
/// says what (if anything) to replace.
fn stage(
    text: &str,
    pattern: &Regex,
    decide: impl Fn(&str, usize, usize) -> Option<Replacement>,
) -> String {
    outside_placeholders(text, |segment, into| {
        let mut last = 0;
        for m in pattern.find_iter(segment) {
            if let Some((start, end, with)) = decide(segment, m.start(), m.end()) {
                if start < last || end < start {
                    continue;
                }
                into.push_str(&segment[last..start]);
                into.push_str(with);
                last = end;
            }
        }
        into.push_str(&segment[last..]);
    })
}

/// `f` applied to the text between placeholders, which are copied as they are.
fn outside_placeholders(text: &str, mut f: impl FnMut(&str, &mut String)) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for m in PATTERNS.placeholder.find_iter(text) {
        f(&text[last..m.start()], &mut out);
        out.push_str(m.as_str());
        last = m.end();
    }
    f(&text[last..], &mut out);
    out
}

fn same(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

/// Where `term` ends (char index) if it starts at char `i`, any case.
fn matches_at(chars: &[(usize, char)], i: usize, term: &[char]) -> Option<usize> {
    let end = i + term.len();
    (end <= chars.len() && chars[i..end].iter().zip(term).all(|(c, t)| same(c.1, *t)))
        .then_some(end)
}

/// The char before byte `start` and the one from byte `end`.
fn neighbours(segment: &str, start: usize, end: usize) -> (Option<char>, Option<char>) {
    (
        segment[..start].chars().next_back(),
        segment[end..].chars().next(),
    )
}

/// Random-looking: `min_len`+ characters of `[A-Za-z0-9-_.~+/=]` (percent-escapes
/// count as separators) with a part of 8+ that mixes letters and digits, or a part of
/// 16+ letters with at least a quarter capitals and a quarter small letters. Slugs
/// (`how-to-use-generics-2024`) and long words are not random.
fn random_looking(s: &str, min_len: usize) -> bool {
    if s.len() < min_len
        || !s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~+/=%".contains(&b))
    {
        return false;
    }
    let bytes = s.as_bytes();
    let mut cleaned = String::with_capacity(s.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            cleaned.push(' ');
            i += 3;
        } else {
            cleaned.push(char::from(bytes[i]));
            i += 1;
        }
    }
    cleaned
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|part| {
            let digits = part.bytes().filter(u8::is_ascii_digit).count();
            let upper = part.bytes().filter(u8::is_ascii_uppercase).count();
            let lower = part.bytes().filter(u8::is_ascii_lowercase).count();
            (part.len() >= 8 && digits > 0 && upper + lower > 0)
                || (part.len() >= 16 && upper * 4 >= part.len() && lower * 4 >= part.len())
        })
}

/// A URL (trailing punctuation left out) that carries a secret becomes `[link]`.
fn link(segment: &str, start: usize, end: usize) -> Option<Replacement> {
    let mut url = &segment[start..end];
    loop {
        let last = url.chars().next_back()?;
        let unbalanced_paren = last == ')' && url.matches('(').count() < url.matches(')').count();
        if matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"') || unbalanced_paren {
            url = &url[..url.len() - last.len_utf8()];
        } else {
            break;
        }
    }
    sensitive_url(url).then_some((start, start + url.len(), "[link]"))
}

fn sensitive_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = ["https://", "http://"]
        .iter()
        .find_map(|scheme| {
            lower
                .strip_prefix(scheme)
                .map(|r| &url[url.len() - r.len()..])
        })
        .unwrap_or(url);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if rest[..authority_end].contains('@') {
        return true; // credentials before the host
    }
    let rest = &rest[authority_end..];
    let (before_fragment, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (path, query) = before_fragment
        .split_once('?')
        .unwrap_or((before_fragment, ""));
    const GATES: &[&str] = &[
        "login",
        "log-in",
        "signin",
        "sign-in",
        "auth",
        "invite",
        "invitation",
        "invitations",
        "reset",
        "reset-password",
        "password-reset",
        "confirm",
        "activate",
        "unsubscribe",
    ];
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    for (i, segment) in segments.iter().enumerate() {
        let lower = segment.to_ascii_lowercase();
        if lower.starts_with("magic")
            || lower.starts_with("verify")
            || (GATES.contains(&lower.as_str()) && i + 1 < segments.len())
            || random_looking(segment, 20)
        {
            return true;
        }
    }
    [query, fragment]
        .iter()
        .flat_map(|part| part.split(['&', ';']))
        .any(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            sensitive_param(name) || random_looking(name, 20) || random_looking(value, 20)
        })
}

fn sensitive_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("token")
        || n.contains("signature")
        || n.contains("secret")
        || n.contains("password")
        || n.contains("passwd")
        || n.contains("credential")
        || n.ends_with("_sig")
        || matches!(
            n.as_str(),
            "sig"
                | "code"
                | "key"
                | "apikey"
                | "api_key"
                | "api-key"
                | "otp"
                | "auth"
                | "authorization"
                | "hash"
                | "jwt"
                | "session"
                | "sessionid"
                | "session_id"
                | "sid"
                | "ticket"
                | "pwd"
                | "magic"
        )
}

/// `Bearer <credential>` / `Basic <credential>`: the credential goes when it has a
/// digit, a symbol or a capital after its first letter (not "bearer instruments").
fn credential(segment: &str, start: usize, end: usize) -> Option<Replacement> {
    let text = &segment[start..end];
    let at = text.find([' ', '\t'])?;
    let value = text[at..].trim_start();
    let from = end - value.len();
    let looks_secret = value
        .bytes()
        .any(|b| b.is_ascii_digit() || !b.is_ascii_alphanumeric())
        || value.bytes().skip(1).any(|b| b.is_ascii_uppercase());
    looks_secret.then_some((from, end, "[token]"))
}

/// `password=…`, `"api_key": "…"`: the value goes, the name stays.
fn assignment(segment: &str, start: usize, end: usize) -> Option<Replacement> {
    let text = &segment[start..end];
    let sep = text.find([':', '='])?;
    let value = text[sep + 1..].trim_start_matches([' ', '\t', '"']);
    (!value.is_empty()).then_some((end - value.len(), end, "[token]"))
}

/// Prefixed keys and JWTs; `sk_` / `pk_` / `rk_` need a digit or a capital after the
/// prefix (`pk_conversation_id` is a column, `sk_live_4eC39Hq…` a key).
fn secret(segment: &str, start: usize, end: usize) -> Option<Replacement> {
    let text = &segment[start..end];
    if ["sk_", "pk_", "rk_"].iter().any(|p| text.starts_with(p)) {
        let tail = &text[3..];
        if !tail
            .bytes()
            .any(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        {
            return None;
        }
    }
    Some((start, end, "[token]"))
}

/// 13–19 digits (spaces or dashes between) starting like a card network's numbers and
/// passing the Luhn check.
fn card(segment: &str, start: usize, end: usize) -> Option<Replacement> {
    let (before, after) = neighbours(segment, start, end);
    if before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '/'))
        || after.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '/'))
    {
        return None;
    }
    let digits: Vec<u8> = segment[start..end]
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    // Visa 4, Mastercard 51-55 and 22-27, Maestro 5x and 6x, Discover and UnionPay 6,
    // Amex 34/37, Diners 30/36/38/39, JCB 35.
    let network = matches!(
        (digits[0], digits[1]),
        (4..=6, _) | (3, 0 | 4..=9) | (2, 2..=7)
    );
    (network && luhn(&digits)).then_some((start, end, "[card]"))
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A run of grouped digits that is a phone number (see the module docs). A date
/// (`2026-12-03`) at its start is left and the rest judged alone.
fn phone(segment: &str, start: usize, end: usize) -> Option<Replacement> {
    let (before, after) = neighbours(segment, start, end);
    // "+1 555…" and "(555)…" are numbers even right after a word ("Lee+1 555…"); a dash
    // before the number glues it to what precedes only when that is a word or a number
    // ("ORD-1234-5678"), not a placeholder or a space ("[redacted]-555-123-4567").
    let marked = segment[start..end].starts_with(['+', '(']);
    let glued_dash = before == Some('-')
        && segment[..start]
            .chars()
            .rev()
            .nth(1)
            .is_some_and(char::is_alphanumeric);
    if glued_dash
        || before.is_some_and(|c| {
            (c.is_alphanumeric() && !(marked && c.is_alphabetic()))
                || matches!(
                    c,
                    '_' | '/' | '#' | '$' | '€' | '£' | '¥' | '.' | '%' | '+' | '\\'
                )
        })
        || after.is_some_and(|c| {
            c.is_alphanumeric() || matches!(c, '_' | '/' | '-' | '%' | '@' | '€' | '$' | '£')
        })
    {
        return None;
    }
    let rest = &segment[end..];
    if rest.starts_with(['.', ',']) && rest[1..].starts_with(|c: char| c.is_ascii_digit()) {
        return None; // a decimal: 1 234 567.89
    }
    let text = &segment[start..end];
    if let Some(date_len) = leading_date(text) {
        let rest = &text[date_len..];
        let skip = rest.len() - rest.trim_start_matches([' ', '.', '-']).len();
        let from = start + date_len + skip;
        if from >= end {
            return None;
        }
        return phone_shape(&segment[from..end]).then_some((from, end, "[phone]"));
    }
    phone_shape(text).then_some((start, end, "[phone]"))
}

/// `YYYY-MM-DD` (dashes, dots or spaces) at the start of `text`: its length.
fn leading_date(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let sep = |i: usize| b.get(i).is_some_and(|c| matches!(c, b'-' | b'.' | b' '));
    if (0..4).all(digit) && sep(4) && digit(5) && digit(6) && sep(7) && digit(8) && digit(9) {
        let month = (b[5] - b'0') * 10 + (b[6] - b'0');
        let day = (b[8] - b'0') * 10 + (b[9] - b'0');
        if (1..=12).contains(&month) && (1..=31).contains(&day) && !digit(10) {
            return Some(10);
        }
    }
    None
}

fn phone_shape(text: &str) -> bool {
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    if !(7..=15).contains(&digits) {
        return false;
    }
    let plus = text.starts_with('+');
    let parens = text.contains('(');
    let body = text.trim_start_matches('+');
    let groups: Vec<&str> = body.split([' ', '.', '-']).collect();
    let seps: Vec<char> = body
        .chars()
        .filter(|c| matches!(c, ' ' | '.' | '-'))
        .collect();
    let only = |c: char| !seps.is_empty() && seps.iter().all(|&s| s == c);
    let len = |g: &str| g.bytes().filter(u8::is_ascii_digit).count();
    // Every group after the first has 2+ digits ("(0)" aside).
    if groups[1..].iter().any(|g| len(g) < 2 && !g.contains('(')) {
        return false;
    }
    if plus || parens {
        return true;
    }
    // A bare run of digits: an order number, an amount, a timestamp.
    if groups.len() == 1 {
        return false;
    }
    // "in 2024 123 people": two groups apart need a dash or a dot, unless they are
    // long enough to be a number with its area code ("07700 900123").
    if groups.len() == 2 && only(' ') && digits < 10 && !groups[0].starts_with('0') {
        return false;
    }
    // Dots mixed with other separators: a decimal ("1 234 567.89").
    if seps.contains(&'.') && !only('.') {
        return false;
    }
    // "1 000 000": a lone first digit is a country code only before 3+ groups.
    if len(groups[0]) == 1 && groups.len() < 4 {
        return false;
    }
    // Dates: DD-MM-YYYY, YYYY-MM-DD (also with dots).
    if groups.len() == 3 {
        let l: Vec<usize> = groups.iter().map(|g| len(g)).collect();
        if matches!(l[..], [4, 1..=2, 1..=2] | [1..=2, 1..=2, 4]) {
            return false;
        }
    }
    // Dotted thousands and IP addresses: 12.345.678, 192.168.100.200.
    if only('.') && len(groups[0]) <= 3 && groups[1..].iter().all(|g| len(g) == 3) {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// (input, expected) with no known values.
    fn check(cases: &[(&str, &str)]) {
        let r = Redactor::default();
        for (input, expected) in cases {
            assert_eq!(r.text(input), *expected, "input: {input:?}");
        }
    }

    #[test]
    fn emails() {
        check(&[
            ("write to dana@example.com today", "write to [email] today"),
            ("Dana.Lee+tt@mail.example.co.uk.", "[email]."),
            ("<dana@example.io>", "<[email]>"),
            ("a@b.c is not an address", "a@b.c is not an address"),
            ("@dana on twitter", "@dana on twitter"),
            ("user@localhost", "user@localhost"),
        ]);
    }

    #[test]
    fn phones() {
        check(&[
            ("call +1 (555) 123-4567 now", "call [phone] now"),
            ("call 555-123-4567.", "call [phone]."),
            ("+44 20 7946 0958", "[phone]"),
            ("+44 (0)20 7946 0958", "[phone]"),
            ("(555) 123 4567", "[phone]"),
            ("555.123.4567", "[phone]"),
            ("555-1234", "[phone]"),
            ("+15551234567", "[phone]"),
            ("1-800-555-1234", "[phone]"),
            ("Phone: 07700 900123", "Phone: [phone]"),
            ("on 2026-12-03 555-123-4567", "on 2026-12-03 [phone]"),
            ("Bob+1 (555) 123-4567", "Bob[phone]"),
            // Not phones.
            ("order #12345678", "order #12345678"),
            ("order 12345678 shipped", "order 12345678 shipped"),
            ("ORD-1234-5678", "ORD-1234-5678"),
            ("paid 19900 cents", "paid 19900 cents"),
            ("$1 999 000", "$1 999 000"),
            ("1 000 000 views", "1 000 000 views"),
            ("in 2024 123 people", "in 2024 123 people"),
            ("on 2026-12-03", "on 2026-12-03"),
            ("on 03-12-2026", "on 03-12-2026"),
            ("at 2026-12-03 10:15:30", "at 2026-12-03 10:15:30"),
            ("12.345.678", "12.345.678"),
            ("from 192.168.100.200", "from 192.168.100.200"),
            ("ts 1764756930007", "ts 1764756930007"),
            ("v1.2.3", "v1.2.3"),
            ("1 234 567.89 EUR", "1 234 567.89 EUR"),
        ]);
    }

    #[test]
    fn cards() {
        check(&[
            ("card 4242 4242 4242 4242 declined", "card [card] declined"),
            ("4111-1111-1111-1111", "[card]"),
            ("5555555555554444", "[card]"),
            ("amex 378282246310005", "amex [card]"),
            // Luhn failures are neither cards nor (16 digits) phones.
            ("4242 4242 4242 4241", "4242 4242 4242 4241"),
            ("4111111111111112", "4111111111111112"),
            // A millisecond timestamp is no card, whatever Luhn says.
            ("at 1764756930007", "at 1764756930007"),
            ("id 4242424242424242x", "id 4242424242424242x"),
        ]);
    }

    #[test]
    fn links() {
        check(&[
            (
                "sign in: https://totaltypescript.com/login/abc123?x=1 thanks",
                "sign in: [link] thanks",
            ),
            ("https://app.example.com/magic-link", "[link]"),
            ("https://example.com/verify-email/u1", "[link]"),
            ("https://example.com/auth/callback?code=4/0AfJ", "[link]"),
            ("see https://example.com/reset?token=abc.", "see [link]."),
            (
                "(https://s3.example.com/f.pdf?X-Amz-Signature=ab12)",
                "([link])",
            ),
            ("https://example.com/a?sig=zz", "[link]"),
            ("https://example.com/r/9f8e7d6c5b4a39281706abcdef", "[link]"),
            ("https://example.com/#access_token=xyz", "[link]"),
            ("https://dana:hunter2@example.com/", "[link]"),
            ("https://platform.example/invite/Xy12", "[link]"),
            // Plain links stay.
            (
                "read https://totaltypescript.com/tutorials/generics-and-the-satisfies-operator",
                "read https://totaltypescript.com/tutorials/generics-and-the-satisfies-operator",
            ),
            ("https://example.com/login", "https://example.com/login"),
            (
                "https://example.com/search?q=refund&page=2",
                "https://example.com/search?q=refund&page=2",
            ),
            (
                "https://example.com/docs/how%20to%20refund%20a%20purchase",
                "https://example.com/docs/how%20to%20refund%20a%20purchase",
            ),
            ("www.example.com/pricing", "www.example.com/pricing"),
        ]);
    }

    #[test]
    fn tokens() {
        check(&[
            ("key sk_live_4eC39HqLyjWDarjtT1zdp7dc", "key [token]"),
            ("sk_test_51H8abcdEFGH", "[token]"),
            ("pk_test_TYooMQauvdEDq54NiTphI7jx", "[token]"),
            ("xoxb-1234-5678-abcdefghijkl", "[token]"),
            ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "[token]"),
            ("signkey-test-12345678abcdef", "[token]"),
            ("sk-ant-api03-abcdefghijklmnop", "[token]"),
            ("pk-lf-1234abcd-5678", "[token]"),
            ("xaat-01234567-89ab", "[token]"),
            ("Authorization: Bearer dev-admin-token", "Authorization: Bearer [token]"),
            ("bearer abc.def.ghi123", "bearer [token]"),
            ("Basic dXNlcjpwYXNz", "Basic [token]"),
            (
                "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "jwt [token]",
            ),
            ("hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "hash [token]"),
            ("pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_YrKJUKribcBjcG8HVhfZluoGH", "[token]"),
            ("password=hunter2 and", "password=[token] and"),
            (r#""api_key": "abc""#, r#""api_key": "[token]""#),
            // Not tokens.
            ("the bearer instrument", "the bearer instrument"),
            ("Basic plan", "Basic plan"),
            ("pk_conversation_id", "pk_conversation_id"),
            ("cnv_1a2b3c act_0123456789abcdef01234567 run_01HZX3Q4Y5Z6A7B8C9D0E1F2G3", "cnv_1a2b3c act_0123456789abcdef01234567 run_01HZX3Q4Y5Z6A7B8C9D0E1F2G3"),
            ("usr_42 ch_3MmlLrLkdIwHu7ix0snN0B15 re_3MmlLrLkdIwHu7ix1a2b3c4d", "usr_42 ch_3MmlLrLkdIwHu7ix0snN0B15 re_3MmlLrLkdIwHu7ix1a2b3c4d"),
            ("support_conversation_watch_function_2024", "support_conversation_watch_function_2024"),
            ("www.example.com and e.g. v1.2.3", "www.example.com and e.g. v1.2.3"),
            ("input_tokens: 1200", "input_tokens: 1200"),
        ]);
    }

    #[test]
    fn addresses() {
        check(&[
            (
                "ship to 221B Baker Street, London",
                "ship to [address], London",
            ),
            ("1600 Pennsylvania Avenue NW", "[address] NW"),
            ("12 Main St. Apt 4", "[address]"),
            ("at 42 Old Mill Rd", "at [address]"),
            ("77 Sunset Blvd, Suite 300", "[address]"),
            // Not addresses.
            ("Street", "Street"),
            ("I live on Main Street", "I live on Main Street"),
            ("3 Ways to fix it", "3 Ways to fix it"),
            ("2 Dr appointments", "2 Dr appointments"),
            ("12 apples Street", "12 apples Street"),
        ]);
    }

    #[test]
    fn known_values_any_case_whole_words() {
        let r = Redactor::new(&["Dana Lee", "dana.lee@example.com", "Jo", "  "]);
        let cases = [
            ("Hi Dana Lee,", "Hi [redacted],"),
            (
                "DANA wrote; lee replied",
                "[redacted] wrote; [redacted] replied",
            ),
            ("dana.lee on the forum", "[redacted] on the forum"),
            (
                "Leeds is not Lee, Danameer is not Dana",
                "Leeds is not [redacted], Danameer is not [redacted]",
            ),
            ("asleep", "asleep"),
            ("Jo and John", "[redacted] and John"),
            ("mail DANA.LEE@EXAMPLE.COM", "mail [email]"),
            // The number is seen once the name before it is gone.
            ("Dana Lee+1 (555) 123-4567(", "[redacted][phone]("),
            ("Lee-555-123-4567", "[redacted]-[phone]"),
        ];
        for (input, expected) in cases {
            assert_eq!(r.text(input), expected, "input: {input:?}");
        }
        // Names outside ASCII, in any case.
        let r = Redactor::new(&["Zoë Ångström"]);
        assert_eq!(r.text("zoë ÅNGSTRÖM said"), "[redacted] said");
        assert_eq!(r.text("ångström"), "[redacted]");
        // The known values never show in Debug.
        assert_eq!(format!("{r:?}"), "Redactor { known_terms: 3 }");
    }

    #[test]
    fn json_values() {
        let r = Redactor::new(&["Dana Lee"]);
        let input = json!({
            "conversationId": "cnv_123",
            "traceId": "550e8400-e29b-41d4-a716-446655440000",
            "sessionId": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
            "userId": "dana@example.com",
            "externalId": "DANA",
            "appId": "total-typescript",
            "customerName": "Dana Lee",
            "Email": "dana@example.com",
            "emailVerified": true,
            "name": null,
            "to": ["dana@example.com"],
            "from": {"handle": "dana"},
            "phone": 5551234567u64,
            "Authorization": "Bearer abc",
            "accessToken": "x",
            "usage": {"input_tokens": 1200, "output_tokens": 80},
            "amount": 19900,
            "refunded": false,
            "body": "Hi, I'm Dana Lee (dana@example.com), call 555-123-4567",
            "messages": [{"role": "user", "content": "my card is 4242 4242 4242 4242"}],
            "dana@example.com": 1,
        });
        let output = r.value(&input);
        assert_eq!(
            output,
            json!({
                "conversationId": "cnv_123",
                "traceId": "550e8400-e29b-41d4-a716-446655440000",
                "sessionId": "[token]",
                "userId": "[email]",
                "externalId": "[redacted]",
                "appId": "total-typescript",
                "customerName": "[redacted]",
                "Email": "[redacted]",
                "emailVerified": true,
                "name": null,
                "to": "[redacted]",
                "from": "[redacted]",
                "phone": "[redacted]",
                "Authorization": "[redacted]",
                "accessToken": "[redacted]",
                "usage": {"input_tokens": 1200, "output_tokens": 80},
                "amount": 19900,
                "refunded": false,
                "body": "Hi, I'm [redacted] ([email]), call [phone]",
                "messages": [{"role": "user", "content": "my card is [card]"}],
                "[email]": 1,
            })
        );
        assert_eq!(r.value(&output), output, "idempotent");
    }

    #[test]
    fn personal_keys() {
        for key in [
            "email",
            "EMAIL",
            "customer_email",
            "emailAddress",
            "name",
            "customerName",
            "first_name",
            "lastName",
            "phone",
            "phone-number",
            "address",
            "customer",
            "to",
            "from",
            "handle",
            "password",
            "newPassword",
            "token",
            "access_token",
            "idToken",
            "secret",
            "clientSecret",
            "authorization",
            "x-api-key",
            "cookie",
        ] {
            assert!(is_personal_key(key), "{key}");
        }
        for key in [
            "id",
            "conversationId",
            "input_tokens",
            "outputTokens",
            "total",
            "model",
            "status",
            "amount",
            "category",
            "subject",
            "toolName",
            "role",
            "content",
        ] {
            assert!(!is_personal_key(key), "{key}");
        }
    }

    #[test]
    fn redacting_twice_is_redacting_once() {
        let r = Redactor::new(&["Dana Lee", "dana@example.com"]);
        let texts = [
            "Dana Lee <dana@example.com>, +1 555 123 4567, 4242 4242 4242 4242",
            "https://x.com/login/abc?token=1 Bearer sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "12 Main Street [email] [redacted] [token] [link]",
            "Lee-555-123-4567 and Dana555-123-4567",
        ];
        for text in texts {
            let once = r.text(text);
            assert_eq!(r.text(&once), once, "{text:?}");
        }
    }

    #[test]
    fn luhn_check() {
        assert!(luhn(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3]));
        assert!(!luhn(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 4]));
    }
}
