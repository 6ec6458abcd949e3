//! The agent's tools, typed once: [`Tool`] (name, description, JSON schema, whether it
//! needs a human's approval) and [`ToolCall`] (its typed arguments), parsed from the
//! model's `tool_use` with the schema enforced. Unknown fields, wrong types, values out
//! of range and malformed emails are refused before anything runs.
//!
//! The model only picks the tool. Whose data a call reads and what an effect does are
//! decided from the sender's records by [`crate::proposal::bind`].

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::effect::RefundReason;

/// Whether a tool runs when the agent calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gate {
    /// Runs right away (reads, the hand-off to a human).
    Runs,
    /// Bound and recorded as a proposal; runs only after a human approves it.
    NeedsApproval,
}

macro_rules! tools {
    ($($variant:ident => $name:literal,)*) => {
        /// Every tool the agent is offered.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Tool { $(
            #[doc = concat!("`", $name, "`")]
            $variant,
        )* }

        impl Tool {
            /// Every tool, in the order they are offered.
            pub const ALL: &'static [Tool] = &[$(Tool::$variant,)*];

            /// The name the model calls it by.
            pub fn name(self) -> &'static str {
                match self { $(Tool::$variant => $name,)* }
            }
        }
    };
}

tools! {
    LookupUser => "lookupUser",
    GetPurchases => "getPurchases",
    SearchKnowledge => "searchKnowledge",
    GetProductStatus => "getProductStatus",
    SearchContent => "searchContent",
    GetCouponInfo => "getCouponInfo",
    GetActivePromotions => "getActivePromotions",
    GetRefundPolicy => "getRefundPolicy",
    GetPaymentHistory => "getPaymentHistory",
    GetSubscriptionStatus => "getSubscriptionStatus",
    LookupCharge => "lookupCharge",
    VerifyRefund => "verifyRefund",
    GenerateMagicLink => "generateMagicLink",
    ProcessRefund => "processRefund",
    TransferPurchase => "transferPurchase",
    UpdateEmail => "updateEmail",
    UpdateName => "updateName",
    AssignToInstructor => "assignToInstructor",
    EscalateToHuman => "escalateToHuman",
}

impl std::fmt::Display for Tool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Longest free text the model may put in a reason or note (characters).
pub const MAX_NOTE_CHARS: u64 = 500;
/// Longest display name (characters).
pub const MAX_NAME_CHARS: u64 = 100;
/// Longest email address (RFC 5321).
pub const MAX_EMAIL_CHARS: u64 = 254;
/// Longest id the model may name.
const MAX_ID_CHARS: u64 = 128;
/// Longest search query.
const MAX_QUERY_CHARS: u64 = 500;

fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

fn id(description: &str) -> Value {
    json!({"type": "string", "description": description, "minLength": 1, "maxLength": MAX_ID_CHARS})
}

fn text(description: &str, max: u64) -> Value {
    json!({"type": "string", "description": description, "minLength": 1, "maxLength": max})
}

fn email(description: &str) -> Value {
    json!({"type": "string", "format": "email", "description": description, "maxLength": MAX_EMAIL_CHARS})
}

impl Tool {
    /// The tool by the model's name for it.
    pub fn from_name(name: &str) -> Option<Tool> {
        Tool::ALL.iter().copied().find(|t| t.name() == name)
    }

    /// Runs right away or waits for approval. Money, accounts and login links always wait.
    pub fn gate(self) -> Gate {
        match self {
            Tool::GenerateMagicLink
            | Tool::ProcessRefund
            | Tool::TransferPurchase
            | Tool::UpdateEmail
            | Tool::UpdateName
            | Tool::AssignToInstructor => Gate::NeedsApproval,
            _ => Gate::Runs,
        }
    }

    /// What it does, for the model.
    pub fn description(self) -> &'static str {
        match self {
            Tool::LookupUser => "Find the sender's account by their email and list their purchases. Only the sender's own email can be looked up.",
            Tool::GetPurchases => "List the purchases of the sender's user id (from lookupUser). Other users' purchases cannot be listed.",
            Tool::SearchKnowledge => "Search the support knowledge base (policies, past answers).",
            Tool::GetProductStatus => "Whether a product is available (state, seats left, enrollment dates). Check it before talking about a product.",
            Tool::SearchContent => "Search the product's own content (courses, lessons, articles) to point the customer at it.",
            Tool::GetCouponInfo => "Look up a coupon code.",
            Tool::GetActivePromotions => "List the promotions running now.",
            Tool::GetRefundPolicy => "The app's refund policy (automatic and manual refund windows).",
            Tool::GetPaymentHistory => "List the sender's charges on the app's Stripe account, by the sender's Stripe customer id (cus_..., on their charges).",
            Tool::GetSubscriptionStatus => "The sender's Stripe subscriptions, by the sender's Stripe customer id (cus_...).",
            Tool::LookupCharge => "One of the sender's Stripe charges by id (ch_..., a purchase's chargeId).",
            Tool::VerifyRefund => "One Stripe refund of the sender's charges by id (re_...), to confirm its status.",
            Tool::GenerateMagicLink => "Send the sender a one-time login link with the reply. You never see the link: write {{login_link}} in the reply where it goes; it is created for the sender's own email when a teammate approves and the reply is sent.",
            Tool::ProcessRefund => "Propose refunding one of the sender's purchases (a teammate approves it; the amount is at most what is still refundable). Write the reply as if it will go through once approved.",
            Tool::TransferPurchase => "Propose moving one of the sender's purchases to another email (needs approval).",
            Tool::UpdateEmail => "Propose changing the sender's account email (needs approval). Only the sender's own account can change.",
            Tool::UpdateName => "Propose changing the sender's display name (needs approval). Only the sender's own account can change.",
            Tool::AssignToInstructor => "Hand the conversation to the instructor (personal or course-content questions only they can answer). Then stop: do not draft a reply.",
            Tool::EscalateToHuman => "Hand the conversation to a human teammate when you cannot help safely (angry customer, legal, repeated failures, uncertainty, a request about someone else's account). Then stop: do not draft a reply.",
        }
    }

    /// The JSON schema of its input (the subset [`check`] enforces).
    pub fn schema(self) -> Value {
        match self {
            Tool::LookupUser => object(
                json!({"email": email("The sender's email address")}),
                &["email"],
            ),
            Tool::GetPurchases => {
                object(json!({"userId": id("The sender's user id")}), &["userId"])
            }
            Tool::SearchKnowledge => object(
                json!({"query": text("What to look for", MAX_QUERY_CHARS)}),
                &["query"],
            ),
            Tool::GetProductStatus => object(
                json!({"productId": id("Product id or slug")}),
                &["productId"],
            ),
            Tool::SearchContent => object(
                json!({"query": text("Search terms", MAX_QUERY_CHARS),
                       "types": {"type": "array", "items": {"type": "string", "enum": ["course", "module", "lesson", "article", "exercise", "resource", "social"]}},
                       "limit": {"type": "integer", "minimum": 1, "maximum": 10}}),
                &["query"],
            ),
            Tool::GetCouponInfo => object(json!({"code": id("The coupon code")}), &["code"]),
            Tool::GetActivePromotions | Tool::GetRefundPolicy => object(json!({}), &[]),
            Tool::GetPaymentHistory => object(
                json!({"customerId": id("The sender's Stripe customer id, cus_..."), "limit": {"type": "integer", "minimum": 1, "maximum": 25}}),
                &["customerId"],
            ),
            Tool::GetSubscriptionStatus => object(
                json!({"customerId": id("The sender's Stripe customer id, cus_...")}),
                &["customerId"],
            ),
            Tool::LookupCharge => object(
                json!({"chargeId": id("Stripe charge id, ch_...")}),
                &["chargeId"],
            ),
            Tool::VerifyRefund => object(
                json!({"refundId": id("Stripe refund id, re_...")}),
                &["refundId"],
            ),
            Tool::GenerateMagicLink => object(
                json!({"email": email("The sender's email address"),
                       "expiresIn": {"type": "integer", "description": "Seconds the link stays valid", "minimum": 300, "maximum": 86400}}),
                &["email"],
            ),
            Tool::ProcessRefund => object(
                json!({"purchaseId": id("The sender's purchase to refund"),
                       "reason": text("Why the customer wants a refund, in a sentence", MAX_NOTE_CHARS),
                       "amount": {"type": "integer", "minimum": 1, "description": "For a partial refund only: the amount in the currency's minor unit (cents). Leave it out to refund what is still refundable."},
                       "refundReason": {"type": "string", "enum": ["requested_by_customer", "duplicate", "fraudulent"], "description": "Stripe's reason; requested_by_customer unless the customer was charged twice (duplicate) or did not make the purchase (fraudulent)."}}),
                &["purchaseId", "reason"],
            ),
            Tool::TransferPurchase => object(
                json!({"purchaseId": id("The sender's purchase to move"),
                       "toEmail": email("Who gets the purchase"),
                       "fromUserId": id("The sender's user id (optional: it is always the sender)"),
                       "reason": text("Why", MAX_NOTE_CHARS)}),
                &["purchaseId", "toEmail"],
            ),
            Tool::UpdateEmail => object(
                json!({"newEmail": email("The new address"),
                       "userId": id("The sender's user id (optional: it is always the sender)")}),
                &["newEmail"],
            ),
            Tool::UpdateName => object(
                json!({"newName": text("The new display name", MAX_NAME_CHARS),
                       "userId": id("The sender's user id (optional: it is always the sender)")}),
                &["newName"],
            ),
            Tool::AssignToInstructor => object(
                json!({"reason": text("Why the instructor should answer", MAX_NOTE_CHARS)}),
                &["reason"],
            ),
            Tool::EscalateToHuman => object(
                json!({"reason": text("Why a human must take over", MAX_NOTE_CHARS),
                       "urgency": {"type": "string", "enum": ["low", "medium", "high"]}}),
                &["reason", "urgency"],
            ),
        }
    }
}

/// A tool call the model made whose input breaks the tool's schema (or names no tool).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ToolInputError(pub String);

/// How urgent an escalation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    /// Whenever someone can.
    Low,
    /// Today.
    Medium,
    /// Now (the urgent channel).
    High,
}

/// `lookupUser`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LookupUserArgs {
    /// Email to look up.
    pub email: String,
}

/// `getPurchases`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetPurchasesArgs {
    /// User id.
    pub user_id: String,
}

/// A free-text search.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueryArgs {
    /// Search terms.
    pub query: String,
}

/// `getProductStatus`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductArgs {
    /// Product id or slug.
    pub product_id: String,
}

/// `searchContent`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SearchContentArgs {
    /// Search terms.
    pub query: String,
    /// Content types (the SDK's spellings).
    #[serde(default)]
    pub types: Vec<String>,
    /// Results at most.
    #[serde(default)]
    pub limit: Option<u8>,
}

/// `getCouponInfo`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CouponArgs {
    /// The code.
    pub code: String,
}

/// A tool without arguments.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// `getPaymentHistory`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PaymentHistoryArgs {
    /// Stripe customer id.
    pub customer_id: String,
    /// Charges at most.
    #[serde(default)]
    pub limit: Option<u8>,
}

/// `getSubscriptionStatus`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomerArgs {
    /// Stripe customer id.
    pub customer_id: String,
}

/// `lookupCharge`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChargeArgs {
    /// `ch_…`.
    pub charge_id: String,
}

/// `verifyRefund`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefundArgs {
    /// `re_…`.
    pub refund_id: String,
}

/// `generateMagicLink`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MagicLinkArgs {
    /// Who the model says the link is for (must be the sender).
    pub email: String,
    /// Lifetime in seconds.
    #[serde(default)]
    pub expires_in: Option<u32>,
}

/// `processRefund`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProcessRefundArgs {
    /// The purchase the model names (must be one of the sender's).
    pub purchase_id: String,
    /// Why, in the model's words.
    pub reason: String,
    /// A partial amount in minor units, when the model asks for one.
    #[serde(default)]
    pub amount: Option<u64>,
    /// Stripe's reason.
    #[serde(default)]
    pub refund_reason: Option<RefundReason>,
}

/// `transferPurchase`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransferArgs {
    /// The purchase (must be one of the sender's).
    pub purchase_id: String,
    /// The recipient.
    pub to_email: String,
    /// The current owner the model names (must be the sender when given).
    #[serde(default)]
    pub from_user_id: Option<String>,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `updateEmail`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateEmailArgs {
    /// The new address.
    pub new_email: String,
    /// The user the model names (must be the sender when given).
    #[serde(default)]
    pub user_id: Option<String>,
}

/// `updateName`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateNameArgs {
    /// The new display name.
    pub new_name: String,
    /// The user the model names (must be the sender when given).
    #[serde(default)]
    pub user_id: Option<String>,
}

/// `assignToInstructor`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReasonArgs {
    /// Why.
    pub reason: String,
}

/// `escalateToHuman`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EscalateArgs {
    /// Why.
    pub reason: String,
    /// How urgent.
    pub urgency: Urgency,
}

/// A tool call with its typed arguments.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum ToolCall {
    LookupUser(LookupUserArgs),
    GetPurchases(GetPurchasesArgs),
    SearchKnowledge(QueryArgs),
    GetProductStatus(ProductArgs),
    SearchContent(SearchContentArgs),
    GetCouponInfo(CouponArgs),
    GetActivePromotions,
    GetRefundPolicy,
    GetPaymentHistory(PaymentHistoryArgs),
    GetSubscriptionStatus(CustomerArgs),
    LookupCharge(ChargeArgs),
    VerifyRefund(RefundArgs),
    GenerateMagicLink(MagicLinkArgs),
    ProcessRefund(ProcessRefundArgs),
    TransferPurchase(TransferArgs),
    UpdateEmail(UpdateEmailArgs),
    UpdateName(UpdateNameArgs),
    AssignToInstructor(ReasonArgs),
    EscalateToHuman(EscalateArgs),
}

fn typed<T: DeserializeOwned>(tool: Tool, input: &Value) -> Result<T, ToolInputError> {
    serde_json::from_value(input.clone())
        .map_err(|e| ToolInputError(format!("{tool}: the input does not fit the schema: {e}")))
}

impl ToolCall {
    /// The call the model made, with its input checked against the tool's schema and
    /// typed. Anything else is a [`ToolInputError`] for the model's `tool_result`.
    pub fn parse(name: &str, input: &Value) -> Result<ToolCall, ToolInputError> {
        let tool = Tool::from_name(name)
            .ok_or_else(|| ToolInputError(format!("there is no tool named {name:?}")))?;
        check(&tool.schema(), input).map_err(|e| ToolInputError(format!("{tool}: {e}")))?;
        Ok(match tool {
            Tool::LookupUser => ToolCall::LookupUser(typed(tool, input)?),
            Tool::GetPurchases => ToolCall::GetPurchases(typed(tool, input)?),
            Tool::SearchKnowledge => ToolCall::SearchKnowledge(typed(tool, input)?),
            Tool::GetProductStatus => ToolCall::GetProductStatus(typed(tool, input)?),
            Tool::SearchContent => ToolCall::SearchContent(typed(tool, input)?),
            Tool::GetCouponInfo => ToolCall::GetCouponInfo(typed(tool, input)?),
            Tool::GetActivePromotions => {
                typed::<NoArgs>(tool, input)?;
                ToolCall::GetActivePromotions
            }
            Tool::GetRefundPolicy => {
                typed::<NoArgs>(tool, input)?;
                ToolCall::GetRefundPolicy
            }
            Tool::GetPaymentHistory => ToolCall::GetPaymentHistory(typed(tool, input)?),
            Tool::GetSubscriptionStatus => ToolCall::GetSubscriptionStatus(typed(tool, input)?),
            Tool::LookupCharge => ToolCall::LookupCharge(typed(tool, input)?),
            Tool::VerifyRefund => ToolCall::VerifyRefund(typed(tool, input)?),
            Tool::GenerateMagicLink => ToolCall::GenerateMagicLink(typed(tool, input)?),
            Tool::ProcessRefund => ToolCall::ProcessRefund(typed(tool, input)?),
            Tool::TransferPurchase => ToolCall::TransferPurchase(typed(tool, input)?),
            Tool::UpdateEmail => ToolCall::UpdateEmail(typed(tool, input)?),
            Tool::UpdateName => ToolCall::UpdateName(typed(tool, input)?),
            Tool::AssignToInstructor => ToolCall::AssignToInstructor(typed(tool, input)?),
            Tool::EscalateToHuman => ToolCall::EscalateToHuman(typed(tool, input)?),
        })
    }

    /// Which tool.
    pub fn tool(&self) -> Tool {
        match self {
            ToolCall::LookupUser(_) => Tool::LookupUser,
            ToolCall::GetPurchases(_) => Tool::GetPurchases,
            ToolCall::SearchKnowledge(_) => Tool::SearchKnowledge,
            ToolCall::GetProductStatus(_) => Tool::GetProductStatus,
            ToolCall::SearchContent(_) => Tool::SearchContent,
            ToolCall::GetCouponInfo(_) => Tool::GetCouponInfo,
            ToolCall::GetActivePromotions => Tool::GetActivePromotions,
            ToolCall::GetRefundPolicy => Tool::GetRefundPolicy,
            ToolCall::GetPaymentHistory(_) => Tool::GetPaymentHistory,
            ToolCall::GetSubscriptionStatus(_) => Tool::GetSubscriptionStatus,
            ToolCall::LookupCharge(_) => Tool::LookupCharge,
            ToolCall::VerifyRefund(_) => Tool::VerifyRefund,
            ToolCall::GenerateMagicLink(_) => Tool::GenerateMagicLink,
            ToolCall::ProcessRefund(_) => Tool::ProcessRefund,
            ToolCall::TransferPurchase(_) => Tool::TransferPurchase,
            ToolCall::UpdateEmail(_) => Tool::UpdateEmail,
            ToolCall::UpdateName(_) => Tool::UpdateName,
            ToolCall::AssignToInstructor(_) => Tool::AssignToInstructor,
            ToolCall::EscalateToHuman(_) => Tool::EscalateToHuman,
        }
    }
}

/// Whether `email` is a plausible single address: one `@`, a dotted domain, no
/// spaces, control characters, quotes, angle brackets or list separators.
pub fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let clean = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[],;:\"\\@`".contains(c))
    };
    email.chars().count() as u64 <= MAX_EMAIL_CHARS
        && clean(local)
        && clean(domain)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// Check `value` against `schema`, for the subset of JSON Schema the tools use:
/// `object` (`properties`, `required`, `additionalProperties: false`), `string`
/// (`enum`, `minLength`, `maxLength`, `format: email`), `integer` (`minimum`,
/// `maximum`), `array` (`items`). The first problem found is the error.
pub fn check(schema: &Value, value: &Value) -> Result<(), String> {
    check_at(schema, value, "input")
}

fn check_at(schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let kind = schema.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "object" => {
            let Value::Object(map) = value else {
                return Err(format!("{at} must be an object"));
            };
            let properties = schema.get("properties").and_then(Value::as_object);
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if map.get(name).is_none_or(Value::is_null) {
                    return Err(format!("{at}.{name} is required"));
                }
            }
            for (name, field) in map {
                match properties.and_then(|p| p.get(name)) {
                    Some(property) => {
                        // An optional field may be null, as a model writes "nothing".
                        if !field.is_null() {
                            check_at(property, field, &format!("{at}.{name}"))?;
                        }
                    }
                    None => return Err(format!("{at}.{name} is not a field of this tool")),
                }
            }
            Ok(())
        }
        "string" => {
            let Some(text) = value.as_str() else {
                return Err(format!("{at} must be a string"));
            };
            let chars = text.chars().count() as u64;
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
                if chars < min || text.trim().is_empty() && min > 0 {
                    return Err(format!("{at} must not be empty"));
                }
            }
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
                if chars > max {
                    return Err(format!("{at} is longer than {max} characters"));
                }
            }
            if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
                if !allowed.iter().any(|a| a.as_str() == Some(text)) {
                    return Err(format!(
                        "{at} must be one of {}",
                        Value::Array(allowed.clone())
                    ));
                }
            }
            if schema.get("format").and_then(Value::as_str) == Some("email") && !is_email(text) {
                return Err(format!("{at} is not an email address"));
            }
            Ok(())
        }
        "integer" => {
            let Some(n) = value.as_i64().or_else(|| value.as_u64().map(|n| n as i64)) else {
                return Err(format!("{at} must be an integer"));
            };
            if let Some(min) = schema.get("minimum").and_then(Value::as_i64) {
                if n < min {
                    return Err(format!("{at} must be at least {min}"));
                }
            }
            if let Some(max) = schema.get("maximum").and_then(Value::as_i64) {
                if n > max {
                    return Err(format!("{at} must be at most {max}"));
                }
            }
            Ok(())
        }
        "array" => {
            let Some(items) = value.as_array() else {
                return Err(format!("{at} must be an array"));
            };
            if let Some(item) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    check_at(item, v, &format!("{at}[{i}]"))?;
                }
            }
            Ok(())
        }
        other => Err(format!(
            "{at}: the schema has an unsupported type {other:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value of every property, as a well-behaved model would fill it.
    fn sample(schema: &Value) -> Value {
        match schema["type"].as_str().unwrap() {
            "object" => Value::Object(
                schema["properties"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), sample(v)))
                    .collect(),
            ),
            "string" if schema["format"] == "email" => json!("dana@example.com"),
            "string" => schema["enum"]
                .as_array()
                .and_then(|e| e.first().cloned())
                .unwrap_or(json!("x")),
            "integer" => json!(schema["minimum"].as_i64().unwrap_or(1)),
            "array" => json!([]),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut names: Vec<_> = Tool::ALL.iter().map(|t| t.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Tool::ALL.len());
        for tool in Tool::ALL {
            assert_eq!(Tool::from_name(tool.name()), Some(*tool));
        }
    }

    #[test]
    fn money_accounts_and_login_links_always_need_approval() {
        for tool in [
            Tool::ProcessRefund,
            Tool::TransferPurchase,
            Tool::UpdateEmail,
            Tool::UpdateName,
            Tool::AssignToInstructor,
            Tool::GenerateMagicLink,
        ] {
            assert_eq!(tool.gate(), Gate::NeedsApproval, "{tool}");
        }
        for tool in [
            Tool::LookupUser,
            Tool::GetPaymentHistory,
            Tool::EscalateToHuman,
        ] {
            assert_eq!(tool.gate(), Gate::Runs, "{tool}");
        }
    }

    /// The schema and the typed arguments agree: a full input parses, each required
    /// field is needed, each optional one is not, and an unknown field is refused.
    #[test]
    fn every_schema_matches_its_typed_arguments() {
        for tool in Tool::ALL {
            let schema = tool.schema();
            let full = sample(&schema);
            let parsed = ToolCall::parse(tool.name(), &full)
                .unwrap_or_else(|e| panic!("{tool}: {e} for {full}"));
            assert_eq!(parsed.tool(), *tool);
            let required: Vec<&str> = schema["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            for name in schema["properties"].as_object().unwrap().keys() {
                let mut without = full.clone();
                without.as_object_mut().unwrap().remove(name);
                let outcome = ToolCall::parse(tool.name(), &without);
                assert_eq!(
                    outcome.is_err(),
                    required.contains(&name.as_str()),
                    "{tool}.{name}: {outcome:?}"
                );
            }
            let mut extra = full.clone();
            extra
                .as_object_mut()
                .unwrap()
                .insert("chargeId".into(), json!("ch_other"));
            if !schema["properties"]
                .as_object()
                .unwrap()
                .contains_key("chargeId")
            {
                let refused = ToolCall::parse(tool.name(), &extra).unwrap_err();
                assert!(refused.0.contains("not a field"), "{tool}: {refused}");
            }
        }
    }

    #[test]
    fn inputs_that_break_the_schema_are_refused_with_the_reason() {
        let cases = [
            (
                "processRefund",
                json!({"purchaseId": "p", "reason": "r", "amount": "19900"}),
                "must be an integer",
            ),
            (
                "processRefund",
                json!({"purchaseId": "p", "reason": "r", "amount": 0}),
                "at least 1",
            ),
            (
                "processRefund",
                json!({"purchaseId": "p", "reason": "r", "amount": -5}),
                "at least 1",
            ),
            (
                "processRefund",
                json!({"purchaseId": "p", "reason": "r", "chargeId": "ch_x"}),
                "not a field",
            ),
            (
                "processRefund",
                json!({"purchaseId": "p", "reason": "x".repeat(501)}),
                "longer than 500",
            ),
            (
                "processRefund",
                json!({"purchaseId": "", "reason": "r"}),
                "must not be empty",
            ),
            (
                "processRefund",
                json!({"purchaseId": "p", "reason": "r", "refundReason": "because"}),
                "must be one of",
            ),
            (
                "updateEmail",
                json!({"newEmail": "not-an-email"}),
                "not an email",
            ),
            (
                "updateEmail",
                json!({"newEmail": "a@b.co, evil@x.test"}),
                "not an email",
            ),
            (
                "generateMagicLink",
                json!({"email": "dana@example.com", "expiresIn": 10}),
                "at least 300",
            ),
            ("lookupUser", json!("dana@example.com"), "must be an object"),
            (
                "lookupUser",
                json!({"email": ["dana@example.com"]}),
                "must be a string",
            ),
            ("getActivePromotions", json!({"all": true}), "not a field"),
            ("refundEverything", json!({}), "no tool named"),
        ];
        for (name, input, expected) in cases {
            let error = ToolCall::parse(name, &input).unwrap_err();
            assert!(error.0.contains(expected), "{name} {input}: {error}");
        }
    }

    #[test]
    fn optional_fields_may_be_null() {
        let call = ToolCall::parse(
            "processRefund",
            &json!({"purchaseId": "p", "reason": "r", "amount": null}),
        )
        .unwrap();
        assert!(matches!(
            call,
            ToolCall::ProcessRefund(ProcessRefundArgs { amount: None, .. })
        ));
    }

    #[test]
    fn emails_are_single_plain_addresses() {
        for ok in ["dana@example.com", "a.b+c@sub.example.co"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "dana",
            "dana@",
            "@example.com",
            "dana@example",
            "dana @example.com",
            "dana@example.com>",
            "<dana@example.com",
            "a@b.com,c@d.com",
            "a@b@c.com",
            "dana@.example.com",
            "dana@example..com",
            "dana@example.com\n",
        ] {
            assert!(!is_email(bad), "{bad:?}");
        }
    }
}
