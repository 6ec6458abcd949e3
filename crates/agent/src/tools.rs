//! The tool registry: every tool the agent may call, its JSON schema, and whether it
//! needs a human's approval. Money-moving and account-changing tools always do: the
//! loop then records the proposal instead of running it.

use serde_json::{json, Value};
use support_anthropic::Tool;

/// Whether a tool runs when the agent calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Runs right away (reads, magic links).
    Runs,
    /// Proposed, run only after approval.
    NeedsApproval,
}

/// One tool.
#[derive(Debug, Clone)]
pub struct ToolSpec {
    /// Name the model calls it by.
    pub name: &'static str,
    /// What it does, for the model.
    pub description: &'static str,
    /// JSON schema of its input.
    pub schema: Value,
    /// Runs or needs approval.
    pub gate: Gate,
}

impl ToolSpec {
    /// As offered to the Messages API.
    pub fn to_tool(&self) -> Tool {
        Tool::new(self.name, self.description, self.schema.clone())
    }
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

fn string(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

/// Every tool, in the order they are offered.
pub fn registry() -> Vec<ToolSpec> {
    use Gate::*;
    let email = || json!({"type": "string", "format": "email", "description": "The customer's email address"});
    vec![
        ToolSpec {
            name: "lookupUser",
            description: "Find the customer's account by email and list their purchases.",
            schema: object(json!({"email": email()}), &["email"]),
            gate: Runs,
        },
        ToolSpec {
            name: "getPurchases",
            description: "List the purchases of a user id returned by lookupUser.",
            schema: object(json!({"userId": string("The user id")}), &["userId"]),
            gate: Runs,
        },
        ToolSpec {
            name: "searchKnowledge",
            description: "Search the support knowledge base (policies, past answers).",
            schema: object(json!({"query": string("What to look for")}), &["query"]),
            gate: Runs,
        },
        ToolSpec {
            name: "getProductStatus",
            description: "Whether a product is available (state, seats left, enrollment dates). Check it before talking about a product.",
            schema: object(json!({"productId": string("Product id or slug")}), &["productId"]),
            gate: Runs,
        },
        ToolSpec {
            name: "searchContent",
            description: "Search the product's own content (courses, lessons, articles) to point the customer at it.",
            schema: object(
                json!({"query": string("Search terms"),
                       "types": {"type": "array", "items": {"type": "string", "enum": ["course", "module", "lesson", "article", "exercise", "resource", "social"]}},
                       "limit": {"type": "integer", "minimum": 1, "maximum": 10}}),
                &["query"],
            ),
            gate: Runs,
        },
        ToolSpec {
            name: "getCouponInfo",
            description: "Look up a coupon code.",
            schema: object(json!({"code": string("The coupon code")}), &["code"]),
            gate: Runs,
        },
        ToolSpec {
            name: "getActivePromotions",
            description: "List the promotions running now.",
            schema: object(json!({}), &[]),
            gate: Runs,
        },
        ToolSpec {
            name: "getRefundPolicy",
            description: "The app's refund policy (automatic and manual refund windows).",
            schema: object(json!({}), &[]),
            gate: Runs,
        },
        ToolSpec {
            name: "generateMagicLink",
            description: "Create a one-time login link for the customer's email, to include in the reply.",
            schema: object(
                json!({"email": email(), "expiresIn": {"type": "integer", "description": "Seconds the link stays valid", "minimum": 300, "maximum": 86400}}),
                &["email"],
            ),
            gate: Runs,
        },
        ToolSpec {
            name: "getPaymentHistory",
            description: "List the customer's charges on the app's Stripe account, by Stripe customer id (cus_...).",
            schema: object(json!({"customerId": string("Stripe customer id, cus_..."), "limit": {"type": "integer", "minimum": 1, "maximum": 25}}), &["customerId"]),
            gate: Runs,
        },
        ToolSpec {
            name: "getSubscriptionStatus",
            description: "The customer's Stripe subscriptions, by Stripe customer id (cus_...).",
            schema: object(json!({"customerId": string("Stripe customer id, cus_...")}), &["customerId"]),
            gate: Runs,
        },
        ToolSpec {
            name: "lookupCharge",
            description: "One Stripe charge by id (ch_...), e.g. a purchase's chargeId.",
            schema: object(json!({"chargeId": string("Stripe charge id, ch_...")}), &["chargeId"]),
            gate: Runs,
        },
        ToolSpec {
            name: "verifyRefund",
            description: "One Stripe refund by id (re_...), to confirm its status.",
            schema: object(json!({"refundId": string("Stripe refund id, re_...")}), &["refundId"]),
            gate: Runs,
        },
        ToolSpec {
            name: "processRefund",
            description: "Refund a purchase (needs a human's approval; propose it, then write the reply as if it will go through once approved).",
            schema: object(
                json!({"purchaseId": string("The purchase id"), "reason": string("Why the customer wants a refund")}),
                &["purchaseId", "reason"],
            ),
            gate: NeedsApproval,
        },
        ToolSpec {
            name: "transferPurchase",
            description: "Move a purchase to another email (needs approval).",
            schema: object(
                json!({"purchaseId": string("The purchase id"), "fromUserId": string("The current owner's user id"), "toEmail": email(), "reason": string("Why")}),
                &["purchaseId", "fromUserId", "toEmail"],
            ),
            gate: NeedsApproval,
        },
        ToolSpec {
            name: "updateEmail",
            description: "Change a user's email address (needs approval).",
            schema: object(json!({"userId": string("The user id"), "newEmail": email()}), &["userId", "newEmail"]),
            gate: NeedsApproval,
        },
        ToolSpec {
            name: "updateName",
            description: "Change a user's display name (needs approval).",
            schema: object(json!({"userId": string("The user id"), "newName": string("The new name")}), &["userId", "newName"]),
            gate: NeedsApproval,
        },
        ToolSpec {
            name: "assignToInstructor",
            description: "Hand the conversation to the instructor (personal or course-content questions only they can answer). Then stop: do not draft a reply.",
            schema: object(json!({"reason": string("Why the instructor should answer")}), &["reason"]),
            gate: NeedsApproval,
        },
        ToolSpec {
            name: "escalateToHuman",
            description: "Hand the conversation to a human teammate when you cannot help safely (angry customer, legal, repeated failures, uncertainty). Then stop: do not draft a reply.",
            schema: object(
                json!({"reason": string("Why a human must take over"), "urgency": {"type": "string", "enum": ["low", "medium", "high"]}}),
                &["reason", "urgency"],
            ),
            gate: Runs,
        },
    ]
}

/// The spec of a tool, by name.
pub fn spec(name: &str) -> Option<ToolSpec> {
    registry().into_iter().find(|t| t.name == name)
}

/// The ledger key of an approved tool call: the action's inputs, never a random id, so
/// a retried execution finds what an earlier try did.
pub fn ledger_key(tool: &str, input: &Value) -> String {
    let field = |k: &str| {
        input
            .get(k)
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default()
    };
    match tool {
        "processRefund" => format!("refund:{}:{}", field("purchaseId"), field("amount")),
        "transferPurchase" => format!(
            "transfer:{}:{}",
            field("purchaseId"),
            field("toEmail").to_lowercase()
        ),
        "updateEmail" => format!(
            "email:{}:{}",
            field("userId"),
            field("newEmail").to_lowercase()
        ),
        "updateName" => format!("name:{}:{}", field("userId"), field("newName")),
        "assignToInstructor" => format!("assign:{}", field("conversationId")),
        other => format!("{other}:{input}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_and_account_changes_always_need_approval() {
        for name in [
            "processRefund",
            "transferPurchase",
            "updateEmail",
            "updateName",
            "assignToInstructor",
        ] {
            assert_eq!(spec(name).unwrap().gate, Gate::NeedsApproval, "{name}");
        }
        for name in [
            "lookupUser",
            "getPaymentHistory",
            "generateMagicLink",
            "escalateToHuman",
        ] {
            assert_eq!(spec(name).unwrap().gate, Gate::Runs, "{name}");
        }
    }

    #[test]
    fn every_schema_is_an_object_and_names_are_unique() {
        let tools = registry();
        let mut names: Vec<_> = tools.iter().map(|t| t.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), tools.len());
        for t in &tools {
            assert_eq!(t.schema["type"], "object", "{}", t.name);
            for required in t.schema["required"].as_array().unwrap() {
                assert!(
                    t.schema["properties"]
                        .get(required.as_str().unwrap())
                        .is_some(),
                    "{}",
                    t.name
                );
            }
        }
    }

    #[test]
    fn ledger_keys_come_from_the_inputs() {
        let refund = json!({"purchaseId": "pur_1", "amount": 4900, "reason": "x"});
        assert_eq!(ledger_key("processRefund", &refund), "refund:pur_1:4900");
        assert_eq!(
            ledger_key(
                "transferPurchase",
                &json!({"purchaseId": "pur_1", "toEmail": "A@B.test"})
            ),
            "transfer:pur_1:a@b.test"
        );
    }
}
