//! The classification patterns, compiled once per isolate.
//!
//! Each signal is one alternation of its patterns, so a body is scanned once per signal
//! however many phrasings there are. Every pattern is case-insensitive; apostrophes may be
//! straight or curly (mail clients send both). A unit test compiles every list, so a bad
//! pattern fails the build's tests rather than silently matching nothing.

use std::sync::LazyLock;

use regex_lite::Regex;

/// A compiled pattern. `None` only if the source does not compile, which the tests rule out.
#[derive(Debug)]
pub(crate) struct Pattern(Option<Regex>);

impl Pattern {
    /// One case-insensitive alternation of `sources`.
    pub(crate) fn any_of(sources: &[&str]) -> Self {
        Self(Regex::new(&alternation(sources)).ok())
    }

    /// One pattern, flags as written.
    pub(crate) fn exact(source: &str) -> Self {
        Self(Regex::new(source).ok())
    }

    pub(crate) fn is_match(&self, text: &str) -> bool {
        self.0.as_ref().is_some_and(|r| r.is_match(text))
    }

    pub(crate) fn find<'t>(&self, text: &'t str) -> Option<&'t str> {
        self.0
            .as_ref()
            .and_then(|r| r.find(text))
            .map(|m| m.as_str())
    }

    pub(crate) fn captures<'t>(&self, text: &'t str) -> Option<regex_lite::Captures<'t>> {
        self.0.as_ref().and_then(|r| r.captures(text))
    }
}

pub(crate) fn alternation(sources: &[&str]) -> String {
    let parts: Vec<String> = sources.iter().map(|s| format!("(?:{s})")).collect();
    format!("(?i){}", parts.join("|"))
}

// An apostrophe as mail clients write it.
macro_rules! apos {
    () => {
        "['’]"
    };
}

pub(crate) const EMAIL: &[&str] = &[r"[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}"];

pub(crate) const PURCHASE_DATE: &[&str] = &[
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?\b",
    r"\b\d{1,2}/\d{1,2}/\d{2,4}\b",
    r"\b\d{4}-\d{2}-\d{2}\b",
    r"\byesterday\b",
    r"\blast\s+(?:week|month)\b",
    r"\b(?:\d+|a|one|two|three|four|a\s+few)\s+(?:days?|weeks?|months?)\s+ago\b",
];

pub(crate) const ERROR_MESSAGE: &[&str] = &[
    r"\berror\s*:?\s*\d+",
    r"\b(?:type|reference|syntax|range)error\b",
    r"\bexception\b",
    r"\bstack\s*trace\b",
    r"\bfailed\s+to\b",
    r"\bcannot\s+(?:read|access|find)\b",
];

pub(crate) const ANGRY: &[&str] = &[
    r"\bwtf\b",
    r"\bwhat\s+the\s+(?:fuck|hell)\b",
    r"\bthis\s+is\s+(?:ridiculous|unacceptable|absurd|outrageous|bullshit|a\s+joke)\b",
    concat!(
        r"\bi(?:",
        apos!(),
        r"m|\s+am)\s+(?:so\s+)?(?:furious|pissed|angry|livid|fed\s+up)\b"
    ),
    r"\bworst\s+(?:experience|service|support|purchase|customer\s+service)\b",
    r"\b(?:refund|money\s+back)\s+(?:now|immediately|asap)\b",
    r"\b(?:this\s+is\s+a|total|complete|absolute)\s+scam\b",
    r"\bripped\s+off\b",
];

pub(crate) const AUTOMATED: &[&str] = &[
    r"\bauto-?\s?(?:reply|replies|responder)\b",
    r"\bout\s+of\s+(?:the\s+)?office\b",
    r"\bautomatic\s+(?:reply|response)\b",
    r"\bdo\s+not\s+reply\b",
    r"\bno-?reply@",
    r"\bmailer-daemon\b",
    r"\bpostmaster@",
    r"\bdelivery\s+status\s+notification\b",
    r"\bundeliverable:",
];

/// Applied to the sender address.
pub(crate) const AUTOMATED_SENDER: &[&str] = &[
    r"no-?reply",
    r"do-?not-?reply",
    r"mailer-daemon",
    r"postmaster@",
];

pub(crate) const VENDOR: &[&str] = &[
    r"\bpartnership\s+(?:opportunity|proposal)\b",
    r"\bcollab(?:oration)?\s+(?:proposal|opportunity)\b",
    r"\bsponsored\s+(?:post|content|video)\b",
    r"\bbacklinks?\b",
    r"\bguest\s+(?:post|article)s?\b",
    r"\bseo\s+(?:services?|optimi[sz]ation|agency|audit)\b",
    r"\binfluencer\s+(?:campaign|manager|marketing)\b",
    r"\bsponsoring\s+your\s+(?:channel|content|newsletter|podcast)\b",
    r"\bcampaign\s+budget\b",
    r"\bcreator\s+fee\b",
    r"\b\d+\s*(?:usd|eur|gbp)\s+(?:creator|fee|budget)\b",
    r"\bpartnerships?\s+@\s+\w+",
    r"\b(?:vp|head|director)\s+of\s+(?:gtm|growth|marketing|partnerships)\b",
    r"\bpaid\s+collab\b",
    r"\bsponsor\b.{0,30}\b(?:content|channel|video|newsletter|podcast)\b",
    r"\blove\s+to\s+sponsor\b",
    r"\baffiliate\s+(?:opportunity|commission|income|revenue|program|programme)\b",
    r"\bearn\s+(?:a\s+)?commission\b",
    r"\breferral\s+(?:commission|income|fee|payout)\b",
    r"\bthought\s+of\s+you\s+for\s+(?:this|our|the)\b",
    r"\bproduction[- ]ready\s+(?:saas|app|template|boilerplate|platform|starter)\b",
];

pub(crate) const LEGAL: &[&str] = &[
    r"\blawyers?\b",
    r"\blegal\s+action\b",
    r"\bsue\s+(?:you|your|the)\b",
    r"\bsuing\b",
    r"\blawsuits?\b",
    r"\battorneys?\b",
    r"\bcourt\b.*\b(?:action|case|filing)\b",
    r"\bsmall\s+claims\b",
    r"\blegal\s+(?:team|counsel|representation)\b",
    r"\b(?:report(?:ing)?|complain(?:t|ing)?)\s+(?:this\s+|you\s+)?(?:to|with)\s+(?:the\s+)?(?:ftc|bbb|attorney\s+general|consumer\s+protection)\b",
];

pub(crate) const OUTSIDE_POLICY: &[&str] = &[
    r"\b(?:[6-9]|\d{2,}|six|seven|eight|nine|ten|eleven|twelve)\s+weeks?\s+ago\b",
    r"\b(?:4[5-9]|[5-9]\d|\d{3,})\s+days?\s+ago\b",
    r"\b(?:[2-9]|1\d|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|a\s+few)\s+months?\s+ago\b",
    r"\bover\s+(?:a|one)\s+month\s+ago\b",
    r"\bmore\s+than\s+(?:a|one)\s+month\b",
    r"\b(?:a|one|\d+)\s+years?\s+ago\b",
    r"\blast\s+(?:year|winter|spring|summer|fall|autumn)\b",
    r"\b(?:bought|purchased)\s+(?:it\s+)?(?:back\s+in|last)\s+(?:january|february|march|april|may|june|july|august|september|october|november|december)\b",
];

/// Casual, personal messages (the whole text, or a marker anywhere).
pub(crate) const PERSONAL: &[&str] = &[
    r"\blol\b",
    r"\bha(?:ha)+\b",
    r"\blmao\b",
    r"^\s*(?:this\s+is\s+)?(?:crazy|wild|insane|amazing|awesome)[\s!.]*$",
    r"^\s*lov(?:e|ing)\s+(?:it|this|your)\b",
    r"\b(?:big|huge)\s+fan\b",
];

/// A greeting and at most one addressee: the capture is checked against the instructors.
pub(crate) const GREETING_ONLY: &str =
    r"(?i)^\s*(?:hey|hi|hello|yo|sup)\b[\s,!.]*([\w'’ ]*?)[\s,!.]*$";

/// Appreciation meant for the instructor (not a "Thanks,\nJo" sign-off).
pub(crate) const APPRECIATION: &[&str] = &[
    r"\bthank(?:s|ing)?\s+(?:you\s+)?(?:so\s+much|for\s+(?:your|the|everything|this|all))\b",
    r"\b(?:love|loving)\s+(?:your|the|what\s+you)\b",
    r"\b(?:amazing|awesome|incredible|fantastic)\s+(?:work|content|course|courses|stuff|videos?)\b",
    r"\bchanged\s+(?:my|how\s+i)\b",
    r"\b(?:big|huge)\s+fan\b",
    r"\breally\s+appreciate\b",
    r"\bkeep\s+(?:it\s+)?up\b",
];

pub(crate) const PRESALES_FAQ: &[&str] = &[
    r"\bhow\s+much\s+(?:does|is|do|would|will)\b",
    concat!(
        r"\bwhat(?:",
        apos!(),
        r"s|\s+is|\s+are)?\s+(?:the\s+)?(?:price|cost|pricing)\b"
    ),
    concat!(r"\bwhat(?:", apos!(), r"s|\s+is)?\s+included\b"),
    r"\bwhat\s+(?:do\s+|will\s+)?(?:i|you)\s+(?:get|learn|cover)\b",
    r"\bcurriculum\b",
    r"\bmodules?\b.*\b(?:cover|include|contain)",
    r"\brequirements?\b",
    r"\bprerequisites?\b",
    r"\bppp\b",
    r"\bstudent\s+discount\b",
    r"\bregional\s+(?:pricing|discount)\b",
    r"\bcoupons?\b",
    r"\bdiscount\s+(?:code|available|offer)\b",
    r"\bis\s+(?:this|it)\s+right\s+for\s+me\b",
    r"\bsuitable\s+for\s+(?:a\s+)?(?:beginners?|intermediate|advanced)\b",
    r"\bdo\s+(?:i|you)\s+need\s+to\s+know\b",
    r"\bhow\s+long\s+(?:is|does|will)\b",
    r"\blifetime\s+access\b",
    r"\bupdates?\s+(?:included|free)\b",
];

pub(crate) const PRESALES_TEAM: &[&str] = &[
    r"\bteam\s+of\s+\d+\b",
    r"\b(?:company|site|team)\s+licen[cs]es?\b",
    r"\benterprise\b",
    r"\bcorporate\s+(?:license|purchase|training)\b",
    r"\bprocurement\b",
    r"\bpurchase\s+order\b",
    r"\bp\.?o\.?\s*(?:#|number|:)",
    r"\binvoice\s+(?:for\s+)?(?:our\s+)?company\b",
    r"\bl&d\s+(?:budget|team|department)\b",
    r"\blearning\s+(?:and\s+|&\s+)?development\b",
    r"\btraining\s+budget\b",
    r"\bvolume\s+discount\b",
    r"\bbulk\s+(?:pricing|purchase|licen[cs]es?|discount)\b",
    r"\bmultiple\s+(?:seats|licen[cs]es|users)\b",
    r"\b\d+\s+seats\b",
    r"\b(?:for|across)\s+(?:my|our)\s+(?:whole\s+|entire\s+)?(?:team|department|org|organi[sz]ation|company)\b",
];

pub(crate) const FAST_REFUND: &[&str] = &[
    r"\brefund\b",
    r"\bmoney\s+back\b",
    r"\bcancel.*\bpurchase\b",
];

pub(crate) const FAST_ACCESS: &[&str] = &[
    concat!(
        r"\b(?:can",
        apos!(),
        r"?t|cannot|can\s+not|unable\s+to)\s+(?:access|log\s*-?\s*in|sign\s*-?\s*in)\b"
    ),
    r"\b(?:lost|no)\s+access\b",
    r"\brestore\b.*\baccess\b",
];

pub(crate) const FAST_TRANSFER: &[&str] = &[
    r"\b(?:transfer|move)\b.*\b(?:purchase|license|account)",
    r"\b(?:different|wrong|chang(?:e|ed|ing))\b.*\be-?mail",
];

pub(crate) const FAST_BILLING: &[&str] = &[r"\b(?:invoices?|receipts?|tax\s+documents?|billing)\b"];

/// One compiled alternation per signal.
pub(crate) struct SignalPatterns {
    pub email: Pattern,
    pub purchase_date: Pattern,
    pub error_message: Pattern,
    pub angry: Pattern,
    pub automated: Pattern,
    pub automated_sender: Pattern,
    pub vendor: Pattern,
    pub legal: Pattern,
    pub outside_policy: Pattern,
    pub personal: Pattern,
    pub greeting_only: Pattern,
    pub appreciation: Pattern,
    pub presales_faq: Pattern,
    pub presales_team: Pattern,
}

pub(crate) static SIGNALS: LazyLock<SignalPatterns> = LazyLock::new(|| SignalPatterns {
    email: Pattern::any_of(EMAIL),
    purchase_date: Pattern::any_of(PURCHASE_DATE),
    error_message: Pattern::any_of(ERROR_MESSAGE),
    angry: Pattern::any_of(ANGRY),
    automated: Pattern::any_of(AUTOMATED),
    automated_sender: Pattern::any_of(AUTOMATED_SENDER),
    vendor: Pattern::any_of(VENDOR),
    legal: Pattern::any_of(LEGAL),
    outside_policy: Pattern::any_of(OUTSIDE_POLICY),
    personal: Pattern::any_of(PERSONAL),
    greeting_only: Pattern::exact(GREETING_ONLY),
    appreciation: Pattern::any_of(APPRECIATION),
    presales_faq: Pattern::any_of(PRESALES_FAQ),
    presales_team: Pattern::any_of(PRESALES_TEAM),
});

/// The fast path's request patterns.
pub(crate) struct FastPatterns {
    pub refund: Pattern,
    pub access: Pattern,
    pub transfer: Pattern,
    pub billing: Pattern,
}

pub(crate) static FAST: LazyLock<FastPatterns> = LazyLock::new(|| FastPatterns {
    refund: Pattern::any_of(FAST_REFUND),
    access: Pattern::any_of(FAST_ACCESS),
    transfer: Pattern::any_of(FAST_TRANSFER),
    billing: Pattern::any_of(FAST_BILLING),
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        let lists: &[&[&str]] = &[
            EMAIL,
            PURCHASE_DATE,
            ERROR_MESSAGE,
            ANGRY,
            AUTOMATED,
            AUTOMATED_SENDER,
            VENDOR,
            LEGAL,
            OUTSIDE_POLICY,
            PERSONAL,
            APPRECIATION,
            PRESALES_FAQ,
            PRESALES_TEAM,
            FAST_REFUND,
            FAST_ACCESS,
            FAST_TRANSFER,
            FAST_BILLING,
        ];
        for list in lists {
            for p in *list {
                Regex::new(p).unwrap_or_else(|e| panic!("{p}: {e}"));
            }
            let all = alternation(list);
            Regex::new(&all).unwrap_or_else(|e| panic!("{all}: {e}"));
        }
        Regex::new(GREETING_ONLY).unwrap();
        assert!(SIGNALS.personal.0.is_some() && FAST.billing.0.is_some());
    }
}
