//! Classification of an inbound message: what kind of message it is, and how sure we are.
//!
//! The decision has three parts, all pure:
//! - [`signals`]: thirteen deterministic booleans read off the subject, body and sender;
//! - [`fast_path`]: the unambiguous cases (automated mail, vendor pitches, refund, access,
//!   transfer and billing requests), decided by pattern, first match wins;
//! - the LLM fallback for everything else, as pure parts ([`llm_system_prompt`],
//!   [`llm_tool_schema`], [`llm_user_message`], [`from_llm_tool_input`]) that the caller
//!   sends with its Anthropic client as a forced tool call. [`without_llm`] is the answer
//!   when no model is configured: a fast-path miss is `unknown` at 0, and a human decides.
//!
//! Instructor names are not part of the code: they come from the app's configuration
//! ([`ClassifyInput::instructor_names`]); [`DEFAULT_INSTRUCTOR_NAMES`] is the original
//! system's list, for tests and local development.

mod llm;
pub(crate) mod patterns;
mod signals;

use serde::{Deserialize, Serialize};

pub use llm::{
    from_llm_tool_input, llm_system_prompt, llm_tool_schema, llm_user_message, LLM_TOOL_NAME,
};
pub(crate) use signals::contains_word;
pub use signals::signals;

/// What a message is. Serialized as the original system's names (`support_access`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Cannot log in or reach purchased content.
    SupportAccess,
    /// Wants the money back.
    SupportRefund,
    /// Move a purchase or license to another email or account.
    SupportTransfer,
    /// Help with the content, the code, the product.
    SupportTechnical,
    /// Invoices, receipts, tax documents, payment questions.
    SupportBilling,
    /// Pure appreciation for the instructor, no ask.
    FanMail,
    /// Vendor outreach, pitches, affiliate recruiting.
    Spam,
    /// Automated mail: auto-replies, out of office, bounces.
    System,
    /// Not confidently classifiable.
    Unknown,
    /// Pre-purchase question the knowledge base answers.
    PresalesFaq,
    /// Pre-purchase question that needs the instructor's judgment.
    PresalesConsult,
    /// Team, company or enterprise purchase.
    PresalesTeam,
}

impl Category {
    /// Every category, in declaration order (the LLM tool's enum uses this order).
    pub const ALL: [Category; 12] = [
        Category::SupportAccess,
        Category::SupportRefund,
        Category::SupportTransfer,
        Category::SupportTechnical,
        Category::SupportBilling,
        Category::FanMail,
        Category::Spam,
        Category::System,
        Category::Unknown,
        Category::PresalesFaq,
        Category::PresalesConsult,
        Category::PresalesTeam,
    ];

    /// The wire name, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::SupportAccess => "support_access",
            Category::SupportRefund => "support_refund",
            Category::SupportTransfer => "support_transfer",
            Category::SupportTechnical => "support_technical",
            Category::SupportBilling => "support_billing",
            Category::FanMail => "fan_mail",
            Category::Spam => "spam",
            Category::System => "system",
            Category::Unknown => "unknown",
            Category::PresalesFaq => "presales_faq",
            Category::PresalesConsult => "presales_consult",
            Category::PresalesTeam => "presales_team",
        }
    }

    /// The category with this wire name, if any (exact, case-sensitive).
    // Not `FromStr`: the API the workflows are written against returns an `Option`.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// One of the `support_*` categories (a customer with a purchase needing help).
    pub fn is_support(self) -> bool {
        self.as_str().starts_with("support_")
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The original system's instructor names: the default for tests and local development.
/// Production reads them from the app's settings.
pub const DEFAULT_INSTRUCTOR_NAMES: [&str; 6] =
    ["matt", "pocock", "kent", "dodds", "wesbos", "wes bos"];

/// The message to classify.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassifyInput {
    /// Subject line; may be empty.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Sender address, when known.
    #[serde(default)]
    pub from: Option<String>,
    /// Names that mean "the instructor" for this app (matched as whole words, any case).
    #[serde(default)]
    pub instructor_names: Vec<String>,
}

impl ClassifyInput {
    /// An input with [`DEFAULT_INSTRUCTOR_NAMES`] and no sender.
    pub fn with_default_instructors(subject: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            body: body.into(),
            from: None,
            instructor_names: DEFAULT_INSTRUCTOR_NAMES
                .iter()
                .map(|n| n.to_string())
                .collect(),
        }
    }
}

/// The thirteen deterministic signals, serialized in camelCase like the original.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Signals {
    /// The body contains an email address.
    pub has_email_in_body: bool,
    /// A date: "March 3", 3/14/2024, 2024-03-14, yesterday, last week, "2 weeks ago".
    pub has_purchase_date: bool,
    /// An error message: "error 500", exception, stack trace, "failed to", "cannot read".
    pub has_error_message: bool,
    /// The subject starts with "Re:".
    pub is_reply: bool,
    /// One of the app's instructor names appears as a word.
    pub mentions_instructor: bool,
    /// Anger: profanity, "this is unacceptable", "worst service", "refund now".
    pub has_angry_sentiment: bool,
    /// Auto-reply, out of office, bounce, or a no-reply / mailer-daemon sender.
    pub is_automated: bool,
    /// Partnership, sponsorship, SEO/backlinks, affiliate commission, cold SaaS pitches.
    pub is_vendor_outreach: bool,
    /// Lawyer, lawsuit, suing, attorney, reporting to the FTC/BBB.
    pub has_legal_threat: bool,
    /// Bought long ago: six weeks or more, 45 days or more, two months or more, last year.
    pub has_outside_policy_timeframe: bool,
    /// A greeting or "lol" with nothing else, "big fan", or the instructor plus real thanks.
    pub is_personal_to_instructor: bool,
    /// Price, what is included, curriculum, requirements, PPP, discounts, lifetime access.
    pub is_presales_faq: bool,
    /// Team of N, company or site license, enterprise, procurement, PO, L&D, bulk, seats.
    pub is_presales_team: bool,
}

/// Who decided the category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A fast-path pattern.
    FastPath,
    /// The LLM fallback.
    Llm,
    /// The fast path missed and no LLM is configured: `unknown`, a human decides.
    NoLlm,
}

/// A classification, as it goes into Inngest step results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Classification {
    /// The category.
    pub category: Category,
    /// How sure, 0..=1.
    pub confidence: f32,
    /// Why, in a sentence (never customer data).
    pub reasoning: String,
    /// The signals it was decided with (routing reads them).
    pub signals: Signals,
    /// Who decided.
    pub source: Source,
}

/// Why an LLM answer could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClassifyError {
    /// The tool input is not a JSON object.
    #[error("the classifier's tool input is not a JSON object")]
    NotAnObject,
    /// A required field is missing or has the wrong type.
    #[error("the classifier's tool input has no valid `{0}`")]
    Missing(&'static str),
    /// The category is not one of [`Category::ALL`].
    #[error("the classifier answered an unknown category {0:?}")]
    UnknownCategory(String),
    /// The confidence is outside 0..=1 (or not a finite number).
    #[error("the classifier's confidence {0} is outside 0..=1")]
    Confidence(f64),
}

fn fast(category: Category, confidence: f32, reasoning: &str, signals: &Signals) -> Classification {
    Classification {
        category,
        confidence,
        reasoning: reasoning.to_owned(),
        signals: *signals,
        source: Source::FastPath,
    }
}

/// The original's fast path, first match wins: automated → `system` 0.95; vendor outreach
/// without an email address in the body → `spam` 0.9; refund → `support_refund` 0.85;
/// access → `support_access` 0.85; transfer → `support_transfer` 0.8; invoice/receipt/
/// billing → `support_billing` 0.85. Fan mail is deliberately not on it (too easily
/// confused with presales), and nothing else is: `None` means the LLM decides.
pub fn fast_path(input: &ClassifyInput, signals: &Signals) -> Option<Classification> {
    if signals.is_automated {
        return Some(fast(
            Category::System,
            0.95,
            "automated or system message",
            signals,
        ));
    }
    // A pitch that carries an address may be a customer quoting one: the LLM decides.
    if signals.is_vendor_outreach && !signals.has_email_in_body {
        return Some(fast(
            Category::Spam,
            0.9,
            "vendor or marketing outreach",
            signals,
        ));
    }
    let text = signals::text_of(input);
    let p = &*patterns::FAST;
    if p.refund.is_match(&text) {
        return Some(fast(
            Category::SupportRefund,
            0.85,
            "explicit refund request",
            signals,
        ));
    }
    if p.access.is_match(&text) {
        return Some(fast(
            Category::SupportAccess,
            0.85,
            "access problem",
            signals,
        ));
    }
    if p.transfer.is_match(&text) {
        return Some(fast(
            Category::SupportTransfer,
            0.8,
            "transfer or email change request",
            signals,
        ));
    }
    if p.billing.is_match(&text) {
        return Some(fast(
            Category::SupportBilling,
            0.85,
            "invoice, receipt or billing request",
            signals,
        ));
    }
    None
}

/// The classification when no LLM is configured: the fast path, else `unknown` at 0.0
/// (routing sends it to a human).
pub fn without_llm(input: &ClassifyInput, signals: Signals) -> Classification {
    fast_path(input, &signals).unwrap_or(Classification {
        category: Category::Unknown,
        confidence: 0.0,
        reasoning: "no fast-path rule matched and no LLM is configured".to_owned(),
        signals,
        source: Source::NoLlm,
    })
}
