//! The Stripe objects the platform reads, with the fields it uses. Unknown fields are
//! ignored, so newer API versions and extra fields do not break decoding; a field that
//! can be expanded (`customer`, `payment_intent`...) decodes to its id either way.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// `metadata`: string keys to string values.
pub type Metadata = BTreeMap<String, String>;

/// A list answer: `{"object": "list", "data": [...], "has_more": ..., "url": ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct List<T> {
    /// Always `list`.
    pub object: String,
    /// This page of objects, newest first.
    pub data: Vec<T>,
    /// Whether more objects follow this page.
    pub has_more: bool,
    /// The list's path, e.g. `/v1/charges`.
    pub url: String,
}

/// A connected account (`acct_…`), as the platform retrieves it
/// (`GET /v1/accounts/{id}`): whether it can take charges and what Stripe still needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// `acct_…`.
    pub id: String,
    /// Whether the account can create charges.
    #[serde(default)]
    pub charges_enabled: bool,
    /// Whether Stripe can send payouts to the account.
    #[serde(default)]
    pub payouts_enabled: bool,
    /// Whether the account's onboarding details were submitted.
    #[serde(default)]
    pub details_submitted: bool,
    /// `standard`, `express` or `custom`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Two-letter country code.
    #[serde(default)]
    pub country: Option<String>,
    /// Lowercase ISO currency code.
    #[serde(default)]
    pub default_currency: Option<String>,
    /// The public business details.
    #[serde(default)]
    pub business_profile: Option<BusinessProfile>,
    /// What Stripe still needs.
    #[serde(default)]
    pub requirements: Option<AccountRequirements>,
}

/// An account's public business details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessProfile {
    /// The business's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its website.
    #[serde(default)]
    pub url: Option<String>,
}

/// What Stripe still needs from an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRequirements {
    /// Why the account is disabled (`requirements.past_due`, `rejected.fraud`...).
    #[serde(default)]
    pub disabled_reason: Option<String>,
    /// Fields due now.
    #[serde(default, deserialize_with = "null_as_default")]
    pub currently_due: Vec<String>,
}

/// A charge (`ch_…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    /// `ch_…`.
    pub id: String,
    /// Amount charged, in minor units.
    pub amount: u64,
    /// Amount captured, in minor units.
    #[serde(default)]
    pub amount_captured: u64,
    /// Amount refunded so far, in minor units.
    #[serde(default)]
    pub amount_refunded: u64,
    /// Lowercase ISO currency code.
    pub currency: String,
    /// `succeeded`, `pending` or `failed`.
    pub status: String,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    /// The customer id (`cus_…`).
    #[serde(default, deserialize_with = "id_or_object")]
    pub customer: Option<String>,
    /// Free-text description.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether the charge is fully refunded.
    #[serde(default)]
    pub refunded: bool,
    /// Whether the charge was captured.
    #[serde(default)]
    pub captured: bool,
    /// Whether the charge succeeded (or was authorized).
    #[serde(default)]
    pub paid: bool,
    /// Whether the charge is disputed.
    #[serde(default)]
    pub disputed: bool,
    /// The payment intent id (`pi_…`).
    #[serde(default, deserialize_with = "id_or_object")]
    pub payment_intent: Option<String>,
    /// Where the receipt went.
    #[serde(default)]
    pub receipt_email: Option<String>,
    /// Live or test mode.
    #[serde(default)]
    pub livemode: bool,
    /// Metadata.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Metadata,
    /// The refunds, only when expanded (`expand[]=refunds`).
    #[serde(default)]
    pub refunds: Option<List<Refund>>,
}

impl Charge {
    /// What can still be refunded, in minor units.
    pub fn refundable(&self) -> u64 {
        self.amount.saturating_sub(self.amount_refunded)
    }
}

/// A payment intent (`pi_…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentIntent {
    /// `pi_…`.
    pub id: String,
    /// Amount intended, in minor units.
    pub amount: u64,
    /// Amount received, in minor units.
    #[serde(default)]
    pub amount_received: u64,
    /// Lowercase ISO currency code.
    pub currency: String,
    /// `succeeded`, `processing`, `requires_payment_method`, `canceled`...
    pub status: String,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    /// The customer id (`cus_…`).
    #[serde(default, deserialize_with = "id_or_object")]
    pub customer: Option<String>,
    /// Free-text description.
    #[serde(default)]
    pub description: Option<String>,
    /// The latest charge id (`ch_…`).
    #[serde(default, deserialize_with = "id_or_object")]
    pub latest_charge: Option<String>,
    /// Where the receipt went.
    #[serde(default)]
    pub receipt_email: Option<String>,
    /// Live or test mode.
    #[serde(default)]
    pub livemode: bool,
    /// Metadata.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Metadata,
}

/// A refund (`re_…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// `re_…`.
    pub id: String,
    /// Amount refunded, in minor units.
    pub amount: u64,
    /// The refunded charge id.
    #[serde(default, deserialize_with = "id_or_object")]
    pub charge: Option<String>,
    /// Lowercase ISO currency code.
    pub currency: String,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    /// Where the refund stands.
    pub status: RefundStatus,
    /// `duplicate`, `fraudulent`, `requested_by_customer`, `expired_uncaptured_charge`...
    #[serde(default)]
    pub reason: Option<String>,
    /// The payment intent id.
    #[serde(default, deserialize_with = "id_or_object")]
    pub payment_intent: Option<String>,
    /// Why it failed, when `status` is `failed`.
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// The receipt number sent to the customer.
    #[serde(default)]
    pub receipt_number: Option<String>,
    /// The balance transaction id.
    #[serde(default, deserialize_with = "id_or_object")]
    pub balance_transaction: Option<String>,
    /// Metadata.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Metadata,
}

/// A refund's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundStatus {
    /// Submitted, not settled yet.
    Pending,
    /// The customer must act (some payment methods).
    RequiresAction,
    /// Done.
    Succeeded,
    /// Failed (see `failure_reason`).
    Failed,
    /// Canceled.
    Canceled,
    /// A status this client does not know yet.
    #[serde(other)]
    Unknown,
}

/// A subscription (`sub_…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// `sub_…`.
    pub id: String,
    /// The customer id (`cus_…`).
    #[serde(default, deserialize_with = "id_or_object")]
    pub customer: Option<String>,
    /// `active`, `past_due`, `canceled`, `trialing`, `incomplete`, `unpaid`, `paused`...
    pub status: String,
    /// Creation time, seconds since the epoch.
    pub created: i64,
    /// Start of the subscription.
    #[serde(default)]
    pub start_date: Option<i64>,
    /// Start of the current period (on the subscription up to API 2025-02-24).
    #[serde(default)]
    pub current_period_start: Option<i64>,
    /// End of the current period.
    #[serde(default)]
    pub current_period_end: Option<i64>,
    /// Whether it ends at the end of the period.
    #[serde(default)]
    pub cancel_at_period_end: bool,
    /// When it was canceled.
    #[serde(default)]
    pub canceled_at: Option<i64>,
    /// When it ended.
    #[serde(default)]
    pub ended_at: Option<i64>,
    /// Lowercase ISO currency code.
    #[serde(default)]
    pub currency: Option<String>,
    /// What is subscribed to.
    pub items: List<SubscriptionItem>,
    /// Live or test mode.
    #[serde(default)]
    pub livemode: bool,
    /// Metadata.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Metadata,
}

/// One item of a subscription (`si_…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionItem {
    /// `si_…`.
    pub id: String,
    /// The price subscribed to.
    pub price: Price,
    /// How many.
    #[serde(default)]
    pub quantity: Option<u64>,
}

/// A price (`price_…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    /// `price_…`.
    pub id: String,
    /// The product id (`prod_…`).
    #[serde(default, deserialize_with = "id_or_object")]
    pub product: Option<String>,
    /// Lowercase ISO currency code.
    pub currency: String,
    /// Amount per unit, in minor units.
    #[serde(default)]
    pub unit_amount: Option<u64>,
    /// The billing cycle, for recurring prices.
    #[serde(default)]
    pub recurring: Option<Recurring>,
    /// A short name.
    #[serde(default)]
    pub nickname: Option<String>,
}

/// A price's billing cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurring {
    /// `day`, `week`, `month` or `year`.
    pub interval: String,
    /// How many intervals per cycle.
    pub interval_count: u64,
}

/// An expandable field: `null`, an id, or the expanded object (its `id` is kept).
fn id_or_object<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Expandable {
        Id(String),
        Object { id: String },
    }
    Ok(
        Option::<Expandable>::deserialize(deserializer)?.map(|e| match e {
            Expandable::Id(id) | Expandable::Object { id } => id,
        }),
    )
}

/// `null` as the type's default (Stripe sends `metadata: null` on some objects).
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_charge_decodes_with_unknown_and_expanded_fields() {
        let charge: Charge = serde_json::from_value(json!({
            "id": "ch_1", "object": "charge", "amount": 1000, "amount_refunded": 400,
            "currency": "usd", "status": "succeeded", "created": 1700000000,
            "customer": {"id": "cus_1", "object": "customer", "email": "a@b.c"},
            "payment_intent": "pi_1", "refunded": false, "receipt_email": null,
            "metadata": {"k": "v"}, "billing_details": {"name": "x"}, "outcome": {}
        }))
        .unwrap();
        assert_eq!(charge.customer.as_deref(), Some("cus_1"));
        assert_eq!(charge.payment_intent.as_deref(), Some("pi_1"));
        assert_eq!(charge.metadata["k"], "v");
        assert_eq!(charge.refundable(), 600);
        assert!(charge.refunds.is_none());
    }

    #[test]
    fn refund_statuses_survive_new_values() {
        let refund: Refund = serde_json::from_value(json!({
            "id": "re_1", "amount": 5, "charge": "ch_1", "currency": "usd",
            "created": 1, "status": "something_new", "metadata": null
        }))
        .unwrap();
        assert_eq!(refund.status, RefundStatus::Unknown);
        assert!(refund.metadata.is_empty());
        let refund: Refund = serde_json::from_value(json!({
            "id": "re_1", "amount": 5, "currency": "usd", "created": 1,
            "status": "requires_action"
        }))
        .unwrap();
        assert_eq!(refund.status, RefundStatus::RequiresAction);
        assert_eq!(refund.charge, None);
    }
}
