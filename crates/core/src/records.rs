//! The durable records of the human half: a proposed action (a reply and the effects
//! bound to the sender's records), its approval, and a decision on it. The store keeps
//! them; the decisions about them are pure functions in [`crate::approval`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::effect::Effect;

/// One effect that waits for a human's approval, bound to the sender's records
/// ([`crate::proposal::bind`]). Stored as `{"tool": "processRefund", "input": {...}}`.
pub type Proposal = Effect;

/// Where an action is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// Waiting for a human.
    Pending,
    /// Approved, not yet claimed by an execution.
    Approved,
    /// Claimed by one execution, which is running its effects.
    Executing,
    /// A human said no.
    Rejected,
    /// Nobody decided in time (never a "no").
    Expired,
    /// Overtaken before anyone decided: the customer wrote again, a teammate replied,
    /// or the card could not show everything. Nothing executes.
    Superseded,
    /// Executed.
    Executed,
    /// Execution failed (the reason is kept).
    Failed,
}

impl ActionStatus {
    /// Every status.
    pub const ALL: [ActionStatus; 8] = [
        ActionStatus::Pending,
        ActionStatus::Approved,
        ActionStatus::Executing,
        ActionStatus::Rejected,
        ActionStatus::Expired,
        ActionStatus::Superseded,
        ActionStatus::Executed,
        ActionStatus::Failed,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Pending => "pending",
            ActionStatus::Approved => "approved",
            ActionStatus::Executing => "executing",
            ActionStatus::Rejected => "rejected",
            ActionStatus::Expired => "expired",
            ActionStatus::Superseded => "superseded",
            ActionStatus::Executed => "executed",
            ActionStatus::Failed => "failed",
        }
    }

    /// From the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// Whether a human (or time) still has to decide.
    pub fn is_open(self) -> bool {
        self == ActionStatus::Pending
    }
}

/// A proposed reply and the effects that come with it, waiting for approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionRecord {
    /// `act_…`, derived from the triggering event so a retried run finds its own.
    pub id: String,
    /// App slug.
    pub app_id: String,
    /// Front conversation.
    pub conversation_id: String,
    /// The Inngest run that proposed it.
    pub run_id: String,
    /// The reply to send (empty when the action is effects only). It may hold
    /// [`crate::effect::LOGIN_LINK_PLACEHOLDER`], replaced when the reply is sent.
    pub reply: String,
    /// The effects that need approval, bound to the sender's records.
    pub proposals: Vec<Proposal>,
    /// SHA-256 (hex) of the canonical JSON of `proposals`: an approval is bound to it.
    pub args_hash: String,
    /// The Front draft showing the reply, once created.
    pub draft_id: Option<String>,
    /// What the approver reads beside the proposals (category, reasoning, the
    /// customer's request, refusals...). Never executed.
    pub context: Value,
    /// State.
    pub status: ActionStatus,
    /// The execution that claimed it (its Inngest run id), once approved and claimed.
    pub executor: Option<String>,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
    /// The execution's result.
    pub result: Option<Value>,
    /// Why it failed.
    pub error: Option<String>,
}

impl ActionRecord {
    /// The hash of the proposals as they are now.
    pub fn current_hash(&self) -> String {
        proposals_hash(&self.proposals)
    }
}

/// The hash an approval is bound to: SHA-256 of the proposals' canonical JSON.
pub fn proposals_hash(proposals: &[Proposal]) -> String {
    canonical_hash(&serde_json::to_value(proposals).unwrap_or(Value::Null))
}

/// An approval: a durable record of a request and its one decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalRecord {
    /// The action it decides.
    pub action_id: String,
    /// App slug.
    pub app_id: String,
    /// The hash of the arguments it was requested for.
    pub args_hash: String,
    /// `pending | approved | rejected | expired | superseded`.
    pub status: ActionStatus,
    /// Unix ms after which nobody can decide.
    pub expires_at: i64,
    /// Who decided (a Slack user id), or `system` for a supersession.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<i64>,
    /// Reason given on a rejection, or why it was superseded.
    pub reason: Option<String>,
    /// The reply as edited before approval.
    pub edited_reply: Option<String>,
    /// The Slack message showing it (`channel`, `ts`).
    pub slack: Option<Value>,
    /// Unix ms.
    pub created_at: i64,
}

impl ApprovalRecord {
    /// A new approval of `action`, waiting for a decision until `expires_at`.
    pub fn pending(action: &ActionRecord, now_ms: i64, expires_at: i64) -> Self {
        Self {
            action_id: action.id.clone(),
            app_id: action.app_id.clone(),
            args_hash: action.args_hash.clone(),
            status: ActionStatus::Pending,
            expires_at,
            decided_by: None,
            decided_at: None,
            reason: None,
            edited_reply: None,
            slack: None,
            created_at: now_ms,
        }
    }
}

/// A decision on an approval, as the store records it (one conditional write).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// `Approved` or `Rejected` (an expiry and a supersession have their own writes).
    pub status: ActionStatus,
    /// Who decided (a Slack user id).
    pub by: String,
    /// Unix ms.
    pub at: i64,
    /// Why, on a rejection.
    pub reason: Option<String>,
    /// The reply as edited.
    pub edited_reply: Option<String>,
    /// The arguments hash the decider saw.
    pub args_hash: String,
}

/// SHA-256 (hex) of `value`'s canonical JSON (object keys sorted at every level).
pub fn canonical_hash(value: &Value) -> String {
    fn canonical(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                let mut sorted = Map::new();
                for k in keys {
                    sorted.insert(k.clone(), canonical(&map[k]));
                }
                Value::Object(sorted)
            }
            Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
            other => other.clone(),
        }
    }
    let text = serde_json::to_string(&canonical(value)).unwrap_or_default();
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statuses_round_trip_through_their_spelling() {
        for status in ActionStatus::ALL {
            assert_eq!(ActionStatus::parse(status.as_str()), Some(status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                json!(status.as_str())
            );
        }
        assert_eq!(ActionStatus::parse("maybe"), None);
    }

    #[test]
    fn the_hash_ignores_key_order_and_nothing_else() {
        let a = canonical_hash(&json!({"a": 1, "b": {"c": 2, "d": [1, 2]}}));
        let b = canonical_hash(&json!({"b": {"d": [1, 2], "c": 2}, "a": 1}));
        assert_eq!(a, b);
        assert_ne!(
            a,
            canonical_hash(&json!({"a": 1, "b": {"c": 2, "d": [2, 1]}}))
        );
        assert_eq!(
            canonical_hash(&json!([])),
            "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"
        );
    }
}
