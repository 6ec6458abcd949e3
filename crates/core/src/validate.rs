//! Validation of an agent draft before a human sees it: the original's deterministic
//! checks, pure.
//!
//! - `internal_leak` (error): the draft exposes the system ("no instructor configured",
//!   "api error", "internal process", ...) or names a company the app must never name;
//! - `meta_commentary` (error): the agent talks about the message instead of answering it
//!   ("This is a vendor email", "Here's a draft", "The customer is asking", ...);
//! - `banned_phrase` (error): phrasing the agent's voice forbids ("I hope this helps",
//!   "Happy to help", an em dash, ...);
//! - `fabrication` (error): specific course content (module 3, lesson 2, "start with the
//!   fundamentals section") when no knowledge was retrieved;
//! - `too_short` / `too_long` (warning): under 10 or over 2000 characters.
//!
//! Score: 1 − 0.3 per error − 0.1 per warning − 0.02 per info, clamped to 0..=1; valid
//! means no error. An empty draft is the agent deciding to stay silent: the workflow does
//! not validate it (it would only get a `too_short` warning here).

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::classify::patterns::Pattern;

/// What the draft is checked against.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationContext {
    /// Whether knowledge-base articles were retrieved for this draft.
    pub has_knowledge: bool,
    /// Names the agent must never say (a parent company, say), from the app's settings.
    #[serde(default)]
    pub company_names: Vec<String>,
}

/// The kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// Internal state or a forbidden name shown to the customer.
    InternalLeak,
    /// The agent describing the message or itself instead of answering.
    MetaCommentary,
    /// A phrase the voice guide forbids.
    BannedPhrase,
    /// Course specifics without a knowledge source.
    Fabrication,
    /// Under [`MIN_CHARS`].
    TooShort,
    /// Over [`MAX_CHARS`].
    TooLong,
    /// The login link's placeholder without a login link to put there: it would go out
    /// as text.
    DanglingLoginLink,
    /// A fact about the product (an amount, a duration, a percentage, a URL, a policy
    /// promise) that no retrieved source and none of the app's data states
    /// ([`crate::grounding`]).
    Ungrounded,
    /// Close to a draft the team corrected ([`crate::correction::repeats`]): the same
    /// mistake again, most likely.
    RepeatsCorrection,
}

/// How bad it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Makes the draft invalid (−0.3).
    Error,
    /// Lowers the score (−0.1).
    Warning,
    /// Noted (−0.02).
    Info,
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    /// What kind.
    pub kind: IssueKind,
    /// How bad.
    pub severity: Severity,
    /// The text that matched (empty for the length checks).
    pub matched: String,
    /// For the reviewer.
    pub message: String,
}

/// The verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    /// No error.
    pub valid: bool,
    /// 0..=1.
    pub score: f32,
    /// Every problem, in check order.
    pub issues: Vec<Issue>,
}

/// Shorter than this (characters, trimmed) is a warning.
pub const MIN_CHARS: usize = 10;
/// Longer than this (characters, trimmed) is a warning.
pub const MAX_CHARS: usize = 2000;

macro_rules! apos {
    () => {
        "['’]"
    };
}

const INTERNAL_LEAK: &[&str] = &[
    r"no\s+instructor\s+(?:routing\s+|teammate\s+)?(?:configured|set\s+up|available)",
    r"no\s+instructor\s+(?:assignment|configuration)",
    concat!(
        r"(?:don",
        apos!(),
        r"t|do\s+not)\s+have\s+(?:a|an)\s+instructor"
    ),
    concat!(r"(?:can", apos!(), r"t|cannot|unable\s+to)\s+route"),
    r"should\s+(?:be|go)\s+routed",
    r"routing\s+(?:failed|error|not\s+available)",
    r"app\s+not\s+found",
    r"configuration\s+error",
    r"\bapi\s+(?:error|failure)",
    r"\btool\s+(?:failed|error)",
    r"database\s+error",
    r"falls?\s+outside\s+(?:my\s+|the\s+)?scope",
    r"outside\s+the\s+scope",
    concat!(r"you", apos!(), r"ll\s+want\s+to\s+reach\s+out\s+through"),
    concat!(
        r"(?:can",
        apos!(),
        r"t|cannot)\s+(?:forward|assign|transfer)\s+(?:this\s+|it\s+)?(?:to|directly)\b"
    ),
    concat!(
        r"(?:can",
        apos!(),
        r"t|cannot|unable\s+to)\s+use\s+\w+(?:tool|instructor|function)\b"
    ),
    r"\b(?:in|within)\s+(?:the|our|my)\s+system\b",
    r"\binternal\s+(?:process|routing|configuration|pipeline|workflow|team|tool)",
    r"\b(?:not\s+|un)?(?:configured|equipped|set\s+up)\s+to\s+(?:forward|route|assign|escalate|transfer)\b",
    concat!(
        r"\b(?:my|the|our)\s+(?:tools?|capabilities|functions?|system)\s+",
        r"(?:don",
        apos!(),
        r"t|do\s+not|can",
        apos!(),
        r"t|cannot|won",
        apos!(),
        r"t|doesn",
        apos!(),
        r"t|does\s+not)\b"
    ),
    r"\b(?:forwarded|routed|sent|assigned)\s+to\s+(?:\w+(?:'s)?\s+)?(?:business|development|sales|marketing)[\w\s]*?(?:team|department|group)\b",
    r"\bbusiness\s+development\s+team\s+or\s+equivalent\b",
    concat!(
        r"(?:don",
        apos!(),
        r"t|do\s+not)\s+have\s+(?:a\s+|the\s+)?(?:way|means|method|mechanism)\s+to\s+(?:route|forward|send|assign)\b"
    ),
    r"\b(?:system|tool|agent)\s+prompt\b",
    r"\bescalation\s+(?:queue|workflow|pipeline)\b",
];

const META_COMMENTARY: &[&str] = &[
    r"^\s*this\s+is\s+(?:a|an)\s",
    concat!(
        r"\bi\s+(?:won",
        apos!(),
        r"t|will\s+not|cannot|can",
        apos!(),
        r"t)\s+(?:respond|draft|reply)\b"
    ),
    concat!(
        r"\bi(?:",
        apos!(),
        r"m|\s+am)\s+going\s+to\s+(?:stop|not\s+respond)\b"
    ),
    r"\bno\s+(?:response|action)\s+(?:is\s+)?needed\b",
    r"\bper\s+my\s+(?:guidelines|instructions)\b",
    r"\bis\s+(?:clearly\s+|obviously\s+)?(?:not\s+)?(?:a\s+)?support\s+(?:request|ticket)\b",
    r"\bis\s+clearly\s+(?:meant\s+for|personal)\b",
    r"\bi\s+should\s+not\s+draft\b",
    r"\bthis\s+(?:should|needs\s+to)\s+be\s+(?:handled|routed|forwarded|escalated|sent|assigned)\b",
    concat!(r"\bi", apos!(), r"ll\s+note\s+that\b"),
    concat!(
        r"\bi(?:",
        apos!(),
        r"ll|\s+will|\s+am\s+going\s+to)\s+(?:draft|compose|write|prepare|craft|put\s+together)\s+(?:a\s+|an\s+|the\s+)?(?:response|reply|email|message)\b"
    ),
    concat!(
        r"^\s*here(?:",
        apos!(),
        r"s|\s+is)\s+(?:a\s+|my\s+|the\s+)?",
        r"(?:(?:draft|proposed|suggested)\s+(?:response|reply|email|message)|draft\b)"
    ),
    r"^\s*let\s+me\s+(?:draft|compose|write|prepare|craft)\b",
    r"^\s*this\s+(?:appears|seems|looks)\s+to\s+be\s+(?:a|an)\s",
    r"^\s*this\s+(?:email|message|inquiry|conversation|thread)\s+(?:is|appears|seems|involves|contains|relates)\b",
    concat!(
        r"\bi(?:",
        apos!(),
        r"ve|\s+have)\s+(?:determined|assessed|classified|categori[sz]ed|evaluated|identified)\s+(?:this|that|the\s+(?:conversation|email|message|request))\b"
    ),
    r"\bconversation\s+has\s+been\s+(?:classified|categori[sz]ed|flagged|tagged|marked)\b",
    concat!(
        r"\b(?:doesn",
        apos!(),
        r"t|does\s+not|don",
        apos!(),
        r"t|do\s+not)\s+(?:need|require|warrant)\s+(?:a\s+|my\s+|any\s+)?(?:response|reply|action|draft)\b"
    ),
    concat!(
        r"\bi\s+(?:don",
        apos!(),
        r"t|do\s+not)\s+need\s+to\s+(?:respond|reply|act|draft)\b"
    ),
    concat!(
        r"\bthis\s+(?:isn",
        apos!(),
        r"t|is\s+not)\s+(?:something|a\s+(?:case|situation|matter))\s+i\b"
    ),
    r"^\s*the\s+(?:customer|user|sender|person|individual)\s+(?:is|has|needs|wants|seems|appears|asked|wrote|sent|mentioned|requested)\b",
    r"\bthe\s+(?:customer|user|sender)(?:'s)?\s+(?:question|request|inquiry|issue|concern|email|message|problem)\b",
    r"^\s*(?:i(?:'m|\s+am)\s+)?(?:flagging|routing|escalating|forwarding|passing)\s+(?:this|it)\s+(?:to|for|along)\b",
    concat!(
        r"\bi(?:",
        apos!(),
        r"ll|\s+will)\s+(?:flag|route|escalate|forward|pass)\s+(?:this|it)\s+(?:to|for|along)\b"
    ),
    r"\bthis\s+is\s+(?:a\s+|an\s+)?(?:business|vendor|partnership|sales|marketing|outreach|fan[\s-]?mail|personal|promotional)\s+(?:email|message|inquiry|pitch|request|outreach)\b",
    r"\bnot\s+(?:a\s+|an\s+)?(?:customer\s+)?support\s+(?:request|issue|ticket|question|inquiry)\b",
];

// Case-sensitive where the original was: "Great!" as an opener, the em dash.
const BANNED_CASE_SENSITIVE: &[&str] = &[r"^\s*Great!", "\u{2014}"];

const BANNED: &[&str] = &[
    concat!(r"\bi(?:", apos!(), r"d|\s+would)\s+(?:recommend|suggest)\b"),
    concat!(
        r"\bis\s+there\s+a\s+specific\s+area\s+you",
        apos!(),
        r"re\s+curious\s+about\b"
    ),
    r"\bwould\s+you\s+like\s+help\s+with\b",
    r"\blet\s+me\s+know\s+if\s+you\s+have\s+any\s+other\s+questions\b",
    r"\bi\s+hope\s+this\s+helps\b",
    r"\bhappy\s+to\s+help\b",
    r"\bi\s+understand\b",
    r"\bi\s+hear\s+you\b",
    r"\bi\s+apologi[sz]e\s+for\s+any\s+inconvenience\b",
    r"\bthanks\s+for\s+reaching\s+out\b",
    r"\bthanks\s+for\s+sharing\b",
    concat!(r"\bi\s+don", apos!(), r"t\s+have\s+the\s+ability\b"),
    r"\bplease\s+(?:feel\s+free\s+to\s+)?reach\s+out\b",
    concat!(r"\bdon", apos!(), r"t\s+hesitate\s+to\b"),
];

const FABRICATION: &[&str] = &[
    r"\bstart\s+with\s+the\s+(?:fundamentals|basics)\s+section\b",
    r"\bcovers?\s+(?:core\s+)?concepts\s+like\b",
    r"\bbegin\s+with\s+(?:the\s+)?(?:intro|introduction|basics)\b",
    r"\bmodule\s+\d+",
    r"\blesson\s+\d+",
    r"\bchapter\s+\d+",
];

struct Check {
    kind: IssueKind,
    message: &'static str,
    patterns: Vec<Pattern>,
}

fn each(sources: &[&str]) -> Vec<Pattern> {
    sources.iter().map(|s| Pattern::any_of(&[s])).collect()
}

struct Checks {
    leak: Check,
    meta: Check,
    banned: Check,
    fabrication: Check,
}

static CHECKS: LazyLock<Checks> = LazyLock::new(|| Checks {
    leak: Check {
        kind: IssueKind::InternalLeak,
        message: "the draft exposes internal system state",
        patterns: each(INTERNAL_LEAK),
    },
    meta: Check {
        kind: IssueKind::MetaCommentary,
        message: "the draft comments on the message or the agent instead of answering",
        patterns: each(META_COMMENTARY),
    },
    banned: Check {
        kind: IssueKind::BannedPhrase,
        message: "the draft uses a banned phrase",
        patterns: BANNED_CASE_SENSITIVE
            .iter()
            .map(|s| Pattern::exact(s))
            .chain(each(BANNED))
            .collect(),
    },
    fabrication: Check {
        kind: IssueKind::Fabrication,
        message: "the draft names course content without a knowledge-base source",
        patterns: each(FABRICATION),
    },
});

// One issue per pattern that matches, as the original: two leaks cost twice.
fn run(check: &Check, draft: &str, issues: &mut Vec<Issue>) {
    for pattern in &check.patterns {
        if let Some(matched) = pattern.find(draft) {
            issues.push(Issue {
                kind: check.kind,
                severity: Severity::Error,
                matched: matched.to_owned(),
                message: check.message.to_owned(),
            });
        }
    }
}

fn company_names(draft: &str, names: &[String], issues: &mut Vec<Issue>) {
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        if crate::classify::contains_word(draft, name) {
            issues.push(Issue {
                kind: IssueKind::InternalLeak,
                severity: Severity::Error,
                matched: name.to_owned(),
                message: "the draft names a company the app must not name".to_owned(),
            });
        }
    }
}

fn length(draft: &str, issues: &mut Vec<Issue>) {
    let chars = draft.trim().chars().count();
    if chars < MIN_CHARS {
        issues.push(Issue {
            kind: IssueKind::TooShort,
            severity: Severity::Warning,
            matched: String::new(),
            message: format!("the draft is too short ({chars} characters, at least {MIN_CHARS})"),
        });
    }
    if chars > MAX_CHARS {
        issues.push(Issue {
            kind: IssueKind::TooLong,
            severity: Severity::Warning,
            matched: String::new(),
            message: format!("the draft is too long ({chars} characters, at most {MAX_CHARS})"),
        });
    }
}

/// The score for a set of issues: 1 − 0.3 per error − 0.1 per warning − 0.02 per info,
/// clamped to 0..=1.
pub fn score(issues: &[Issue]) -> f32 {
    let penalty: f32 = issues
        .iter()
        .map(|i| match i.severity {
            Severity::Error => 0.3,
            Severity::Warning => 0.1,
            Severity::Info => 0.02,
        })
        .sum();
    (1.0 - penalty).clamp(0.0, 1.0)
}

/// Check a draft (not an empty one: see the module docs).
pub fn validate(draft: &str, ctx: &ValidationContext) -> Validation {
    let checks = &*CHECKS;
    let mut issues = Vec::new();
    run(&checks.leak, draft, &mut issues);
    company_names(draft, &ctx.company_names, &mut issues);
    run(&checks.meta, draft, &mut issues);
    run(&checks.banned, draft, &mut issues);
    if !ctx.has_knowledge {
        run(&checks.fabrication, draft, &mut issues);
    }
    length(draft, &mut issues);
    Validation {
        valid: !issues.iter().any(|i| i.severity == Severity::Error),
        score: score(&issues),
        issues,
    }
}

/// A reply that holds [`crate::effect::LOGIN_LINK_PLACEHOLDER`] needs a login link
/// proposed with it; without one, the placeholder would reach the customer as text.
pub fn check_login_link(validation: &mut Validation, reply: &str, link_proposed: bool) {
    if reply.contains(crate::effect::LOGIN_LINK_PLACEHOLDER) && !link_proposed {
        validation.issues.push(Issue {
            kind: IssueKind::DanglingLoginLink,
            severity: Severity::Error,
            matched: crate::effect::LOGIN_LINK_PLACEHOLDER.into(),
            message: "the reply has the login link's placeholder but no login link was proposed"
                .into(),
        });
        validation.valid = false;
        validation.score = score(&validation.issues);
    }
}

/// A reply close to a draft the team corrected is a warning naming what the team did
/// (a person looks before it goes, and auto-send holds it).
pub fn check_corrections(
    validation: &mut Validation,
    reply: &str,
    corrections: &[crate::correction::Correction],
) {
    if let Some((c, similarity)) = crate::correction::repeats(reply, corrections) {
        let what = match (&c.corrected, &c.reason) {
            (Some(sent), _) => format!(
                "the team sent instead: \"{}\"",
                sent.chars().take(200).collect::<String>()
            ),
            (None, Some(reason)) => format!(
                "the team rejected it: \"{}\"",
                reason.chars().take(200).collect::<String>()
            ),
            (None, None) => "the team rejected it".to_owned(),
        };
        validation.issues.push(Issue {
            kind: IssueKind::RepeatsCorrection,
            severity: Severity::Warning,
            matched: c.draft.chars().take(200).collect(),
            message: format!(
                "the reply is {:.0}% like a draft the team corrected; {what}",
                similarity * 100.0
            ),
        });
        validation.score = score(&validation.issues);
    }
}

/// Every product fact the reply states must stand on `evidence`: each one that does
/// not is an error, named with what the draft said.
pub fn check_grounding(
    validation: &mut Validation,
    reply: &str,
    evidence: &crate::grounding::Evidence,
) {
    for claim in evidence.unsupported(reply) {
        validation.issues.push(Issue {
            kind: IssueKind::Ungrounded,
            severity: Severity::Error,
            message: format!(
                "the draft states {:?} ({}) and no retrieved source or app data says so",
                claim.text,
                serde_json::to_value(claim.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            ),
            matched: claim.text,
        });
        validation.valid = false;
    }
    validation.score = score(&validation.issues);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::patterns::alternation;

    #[test]
    fn an_ungrounded_fact_fails_and_says_which() {
        let ctx = ValidationContext {
            has_knowledge: true,
            company_names: vec![],
        };
        let evidence = crate::grounding::Evidence::new([
            "Refunds: within 30 days of purchase, in 5-10 business days.",
        ]);
        let reply = "You can get your money back within 30 days.\n\nSam";
        let mut grounded = validate(reply, &ctx);
        check_grounding(&mut grounded, reply, &evidence);
        assert!(grounded.valid, "{grounded:?}");
        let reply = "You can get your money back within 90 days.\n\nSam";
        let mut ungrounded = validate(reply, &ctx);
        check_grounding(&mut ungrounded, reply, &evidence);
        assert!(!ungrounded.valid);
        let issue = ungrounded.issues.last().unwrap();
        assert_eq!(
            (issue.kind, issue.matched.as_str()),
            (IssueKind::Ungrounded, "90 days")
        );
        assert!(ungrounded.score < grounded.score);
    }

    #[test]
    fn a_link_placeholder_needs_a_link() {
        let ctx = ValidationContext {
            has_knowledge: true,
            company_names: vec![],
        };
        let reply = "Here is a fresh login link for you: {{login_link}}\n\nSam";
        let mut with = validate(reply, &ctx);
        check_login_link(&mut with, reply, true);
        assert!(with.valid, "{with:?}");
        let mut without = validate(reply, &ctx);
        check_login_link(&mut without, reply, false);
        assert!(!without.valid);
        assert_eq!(
            without.issues.last().unwrap().kind,
            IssueKind::DanglingLoginLink
        );
    }

    #[test]
    fn every_pattern_compiles() {
        for list in [INTERNAL_LEAK, META_COMMENTARY, BANNED, FABRICATION] {
            for p in list {
                regex_lite::Regex::new(&alternation(&[p])).unwrap_or_else(|e| panic!("{p}: {e}"));
            }
        }
        for p in BANNED_CASE_SENSITIVE {
            regex_lite::Regex::new(p).unwrap();
        }
    }
}
