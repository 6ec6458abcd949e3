//! What can happen after an approval, each fact rebuilt from the sender's records:
//! [`Effect`]. The model never supplies an id, an amount or an address that ends up
//! here without [`crate::proposal::bind`] finding it in those records.

use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::tool::Tool;

/// Where the login link goes in a reply. The link itself is minted when the reply is
/// sent and is never stored, shown to the model, or shown to an approver.
pub const LOGIN_LINK_PLACEHOLDER: &str = "{{login_link}}";

/// Stripe's refund reasons (`reason` on `POST /v1/refunds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundReason {
    /// The customer asked.
    RequestedByCustomer,
    /// Charged twice.
    Duplicate,
    /// Not the card holder's purchase.
    Fraudulent,
}

impl RefundReason {
    /// Stripe's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundReason::RequestedByCustomer => "requested_by_customer",
            RefundReason::Duplicate => "duplicate",
            RefundReason::Fraudulent => "fraudulent",
        }
    }
}

/// The sender's account in the product app, as the app reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The app's user id.
    pub user_id: String,
    /// The account's email.
    pub email: String,
    /// Display name, when the app has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A purchase as the app reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseFacts {
    /// Purchase id.
    pub purchase_id: String,
    /// Product name.
    pub product_name: String,
    /// When it was bought (ISO 8601).
    pub purchased_at: String,
    /// What was paid.
    pub paid: Money,
}

/// Refund part of one of the sender's purchases on its Stripe charge, then revoke
/// access in the app with the refund's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Refund {
    /// The sender (the purchase's owner).
    pub customer: Account,
    /// The purchase.
    pub purchase: PurchaseFacts,
    /// Its Stripe charge (`ch_…`).
    pub charge_id: String,
    /// What will be refunded.
    pub amount: Money,
    /// What the charge still had to refund when this was bound.
    pub refundable: Money,
    /// Stripe's reason.
    pub reason: RefundReason,
    /// The model's note (capped), passed to the app as the revocation reason.
    pub note: String,
}

/// Move one of the sender's purchases to another email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transfer {
    /// The sender, who owns it now.
    pub from: Account,
    /// The purchase.
    pub purchase: PurchaseFacts,
    /// The target: who gets it.
    pub to_email: String,
    /// The model's note (capped).
    pub note: String,
}

/// Change the sender's account email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateEmail {
    /// The sender's account (its current email is the sender's).
    pub account: Account,
    /// The target address.
    pub new_email: String,
}

/// Change the sender's display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateName {
    /// The sender's account.
    pub account: Account,
    /// The new name.
    pub new_name: String,
}

/// Assign the conversation to the app's instructor in Front.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assign {
    /// This conversation.
    pub conversation_id: String,
    /// The model's reason (capped).
    pub reason: String,
}

/// Mint a login link for the sender's account when the reply is sent, in place of
/// [`LOGIN_LINK_PLACEHOLDER`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginLink {
    /// The sender's account: the link logs in this email only.
    pub account: Account,
    /// How long the link stays valid.
    pub expires_in_secs: u32,
}

/// One effect that runs only after a human approved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "tool", content = "input")]
pub enum Effect {
    /// `processRefund`.
    #[serde(rename = "processRefund")]
    Refund(Refund),
    /// `transferPurchase`.
    #[serde(rename = "transferPurchase")]
    Transfer(Transfer),
    /// `updateEmail`.
    #[serde(rename = "updateEmail")]
    UpdateEmail(UpdateEmail),
    /// `updateName`.
    #[serde(rename = "updateName")]
    UpdateName(UpdateName),
    /// `assignToInstructor`.
    #[serde(rename = "assignToInstructor")]
    Assign(Assign),
    /// `generateMagicLink`.
    #[serde(rename = "generateMagicLink")]
    LoginLink(LoginLink),
}

impl Effect {
    /// The tool that proposed it.
    pub fn tool(&self) -> Tool {
        match self {
            Effect::Refund(_) => Tool::ProcessRefund,
            Effect::Transfer(_) => Tool::TransferPurchase,
            Effect::UpdateEmail(_) => Tool::UpdateEmail,
            Effect::UpdateName(_) => Tool::UpdateName,
            Effect::Assign(_) => Tool::AssignToInstructor,
            Effect::LoginLink(_) => Tool::GenerateMagicLink,
        }
    }

    /// A few words a person reads in a list: `refund $199.00 USD`.
    pub fn headline(&self) -> String {
        match self {
            Effect::Refund(r) => format!("refund {}", r.amount),
            Effect::Transfer(_) => "transfer a purchase".into(),
            Effect::UpdateEmail(_) => "change the account email".into(),
            Effect::UpdateName(_) => "change the account name".into(),
            Effect::Assign(_) => "assign to the instructor".into(),
            Effect::LoginLink(_) => "send a login link".into(),
        }
    }

    /// The parts that each touch an outside service once, each with its own ledger
    /// entry and step: a refund is the refund, then the revocation.
    pub fn parts(&self) -> &'static [&'static str] {
        match self {
            Effect::Refund(_) => &["refund", "revoke"],
            Effect::Transfer(_) => &["transfer"],
            Effect::UpdateEmail(_) => &["email"],
            Effect::UpdateName(_) => &["name"],
            Effect::Assign(_) => &["assign"],
            // Minted inside the reply's step, so the link never leaves it.
            Effect::LoginLink(_) => &[],
        }
    }
}

/// The ledger key of one part of one effect of an action: scoped to the app and the
/// action, so two apps (or two actions) never share an entry.
pub fn ledger_key(app_id: &str, action_id: &str, index: usize, part: &str) -> String {
    format!("{app_id}:{action_id}:{index}:{part}")
}

/// The ledger key of an action's reply.
pub fn reply_ledger_key(app_id: &str, action_id: &str) -> String {
    format!("{app_id}:{action_id}:reply")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn effects_are_stored_as_tool_and_input() {
        let effect = Effect::UpdateName(UpdateName {
            account: Account {
                user_id: "usr_1".into(),
                email: "dana@example.com".into(),
                name: None,
            },
            new_name: "Dana".into(),
        });
        let stored = serde_json::to_value(&effect).unwrap();
        assert_eq!(
            stored,
            json!({"tool": "updateName", "input": {"account": {"userId": "usr_1", "email": "dana@example.com"}, "newName": "Dana"}})
        );
        assert_eq!(serde_json::from_value::<Effect>(stored).unwrap(), effect);
        assert_eq!(effect.tool(), Tool::UpdateName);
    }

    #[test]
    fn ledger_keys_are_scoped_to_app_action_and_part() {
        assert_eq!(
            ledger_key("total-typescript", "act_1", 0, "refund"),
            "total-typescript:act_1:0:refund"
        );
        assert_ne!(
            ledger_key("a", "act_1", 0, "refund"),
            ledger_key("b", "act_1", 0, "refund")
        );
        assert_eq!(reply_ledger_key("a", "act_1"), "a:act_1:reply");
    }
}
