//! The LLM fallback as pure parts: the caller sends them with its Anthropic client as a
//! forced tool call (`tool_choice: {type: "tool", name: LLM_TOOL_NAME}`) and hands the
//! tool's input back to [`from_llm_tool_input`].

use serde_json::{json, Value};

use super::{Category, Classification, ClassifyError, ClassifyInput, Signals, Source};

/// The name of the classifier tool the model is forced to call.
pub const LLM_TOOL_NAME: &str = "classify_message";

const SYSTEM_PROMPT: &str = "\
You classify one inbound message to a course creator's support inbox. Call the tool with a \
category, your confidence from 0 to 1, and one sentence of reasoning. Never quote personal \
data (names, emails) in the reasoning.

Categories:
- support_access: a customer cannot log in or reach content they bought; account problems.
- support_refund: wants their money back or to cancel a purchase.
- support_transfer: move a purchase or license to another email address or account.
- support_technical: questions about the course content, the code, or how to use the product.
- support_billing: invoices, receipts, tax documents, payment questions from a customer.
- presales_faq: a question before buying that documentation answers: price, what is included, \
curriculum, technical requirements, discounts, purchasing power parity, lifetime access.
- presales_consult: a question before buying that needs the instructor's judgment: which course \
to pick, career advice tied to the product, interest in learning a topic, a reply to the \
instructor's outreach.
- presales_team: team or company purchases: a team of N, company or site license, enterprise, \
procurement, purchase orders, L&D or training budget, volume or bulk pricing, seats.
- fan_mail: unsolicited, pure appreciation for the instructor with no question, no request and \
no purchase or learning intent. It is rare.
- spam: someone selling to or partnering with the creator: vendor outreach, partnership or \
sponsorship proposals, SEO and backlinks, affiliate or referral commissions, beta-program \
invitations, cold SaaS or tool promotions.
- system: automated mail: auto-replies, out of office, bounces, notifications.
- unknown: genuinely cannot tell.

Guidance:
- A customer who needs help with something they bought is support_*; a question before buying \
is presales_* (no evidence of a purchase).
- Factual presales questions are presales_faq; subjective ones (\"should I buy X or Y?\") are \
presales_consult; team and company purchases are presales_team.
- fan_mail only when the message is pure thanks and asks for nothing. Appreciation together with \
any question, any interest in learning, a purchase intent, or a reply to outreach is presales \
(presales_consult when in doubt).
- \"Big fan\" followed by a business pitch is spam, not fan_mail.
- Affiliate offers, product promotions and beta invitations from other companies are spam, never \
support_billing, even when they mention money.
- Use unknown only when the message is truly ambiguous, and lower your confidence when unsure.";

/// The system prompt: the category definitions and the disambiguation guidance.
pub fn llm_system_prompt() -> &'static str {
    SYSTEM_PROMPT
}

/// The tool's JSON Schema: `category` (one of [`Category::ALL`]), `confidence` (0..=1),
/// `reasoning`.
pub fn llm_tool_schema() -> Value {
    let categories: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
    json!({
        "type": "object",
        "properties": {
            "category": {
                "type": "string",
                "enum": categories,
                "description": "The message's category."
            },
            "confidence": {
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "description": "How sure you are, from 0 to 1."
            },
            "reasoning": {
                "type": "string",
                "description": "One short sentence on why."
            }
        },
        "required": ["category", "confidence", "reasoning"],
        "additionalProperties": false
    })
}

/// The user turn: subject and body, with "(no subject)" / "(empty body)" placeholders so
/// the model never guesses about a missing part.
pub fn llm_user_message(input: &ClassifyInput) -> String {
    let subject = match input.subject.trim() {
        "" => "(no subject)",
        s => s,
    };
    let body = match input.body.trim() {
        "" => "(empty body)",
        b => b,
    };
    format!("Subject: {subject}\n\nBody:\n{body}")
}

/// Turn the tool call's input into a classification (source [`Source::Llm`]). A category
/// outside [`Category::ALL`] or a confidence outside 0..=1 is an error, so that the step
/// fails and is retried rather than routing on a made-up answer. A missing `reasoning` is
/// tolerated (it is informative only).
pub fn from_llm_tool_input(
    input: &Value,
    signals: Signals,
) -> Result<Classification, ClassifyError> {
    let object = input.as_object().ok_or(ClassifyError::NotAnObject)?;
    let name = object
        .get("category")
        .and_then(Value::as_str)
        .ok_or(ClassifyError::Missing("category"))?;
    let category = Category::from_str(name.trim())
        .ok_or_else(|| ClassifyError::UnknownCategory(name.to_owned()))?;
    let confidence = object
        .get("confidence")
        .and_then(Value::as_f64)
        .ok_or(ClassifyError::Missing("confidence"))?;
    if !(0.0..=1.0).contains(&confidence) {
        return Err(ClassifyError::Confidence(confidence));
    }
    let reasoning = object
        .get("reasoning")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok(Classification {
        category,
        confidence: confidence as f32,
        reasoning,
        signals,
        source: Source::Llm,
    })
}
