//! The stand-in's seed: connected accounts and what lives in them, in a compact form
//! (`fixtures/devkit-stripe.json`). Payment intents are derived from the charges that
//! name one, and seeded refunds count against their charges.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

/// Metadata: string keys to string values.
pub type Metadata = BTreeMap<String, String>;

/// Everything the stand-in starts with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StripeSeed {
    /// The connected accounts.
    #[serde(default)]
    pub accounts: Vec<SeedAccount>,
}

/// One connected account and its objects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedAccount {
    /// `acct_…`.
    pub id: String,
    /// The business's name (`business_profile.name` of `GET /v1/accounts/{id}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether the account can take charges; true unless the seed says `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charges_enabled: Option<bool>,
    /// Whether Stripe pays out to the account; true unless the seed says `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payouts_enabled: Option<bool>,
    /// Whether onboarding was completed; true unless the seed says `false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details_submitted: Option<bool>,
    /// Two-letter country (`US` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Lowercase ISO currency (`usd` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_currency: Option<String>,
    /// Customers.
    #[serde(default)]
    pub customers: Vec<Customer>,
    /// Charges (each with an optional payment intent id).
    #[serde(default)]
    pub charges: Vec<Charge>,
    /// Refunds already made.
    #[serde(default)]
    pub refunds: Vec<Refund>,
    /// Subscriptions.
    #[serde(default)]
    pub subscriptions: Vec<Subscription>,
}

/// A customer (`cus_…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// `cus_…`.
    pub id: String,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Seconds since the epoch.
    pub created: i64,
    /// Metadata.
    #[serde(default)]
    pub metadata: Metadata,
}

/// A succeeded, captured charge (`ch_…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    /// `ch_…`.
    pub id: String,
    /// `cus_…`.
    #[serde(default)]
    pub customer: Option<String>,
    /// Minor units.
    pub amount: u64,
    /// Lowercase ISO code.
    pub currency: String,
    /// Seconds since the epoch.
    pub created: i64,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// `pi_…`: a succeeded payment intent with this charge as its latest charge.
    #[serde(default)]
    pub payment_intent: Option<String>,
    /// Defaults to the customer's email.
    #[serde(default)]
    pub receipt_email: Option<String>,
    /// Metadata.
    #[serde(default)]
    pub metadata: Metadata,
    /// Disputed charges cannot be refunded.
    #[serde(default)]
    pub disputed: bool,
    /// Refunded so far; computed from the refunds, not read from the seed.
    #[serde(default, skip_deserializing)]
    pub amount_refunded: u64,
}

/// A refund (`re_…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// `re_…`.
    pub id: String,
    /// The refunded charge.
    pub charge: String,
    /// Minor units.
    pub amount: u64,
    /// Seconds since the epoch.
    pub created: i64,
    /// `duplicate`, `fraudulent` or `requested_by_customer`.
    #[serde(default)]
    pub reason: Option<String>,
    /// `succeeded` unless the seed says otherwise.
    #[serde(default = "succeeded")]
    pub status: String,
    /// Metadata.
    #[serde(default)]
    pub metadata: Metadata,
}

fn succeeded() -> String {
    "succeeded".to_owned()
}

/// A subscription (`sub_…`) to one recurring price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// `sub_…`.
    pub id: String,
    /// `cus_…`.
    pub customer: String,
    /// `active`, `canceled`, `past_due`...
    pub status: String,
    /// Seconds since the epoch.
    pub created: i64,
    /// Start of the current period.
    pub current_period_start: i64,
    /// End of the current period.
    pub current_period_end: i64,
    /// Whether it ends at the period's end.
    #[serde(default)]
    pub cancel_at_period_end: bool,
    /// When it was canceled.
    #[serde(default)]
    pub canceled_at: Option<i64>,
    /// The price subscribed to.
    pub price: Price,
    /// How many.
    #[serde(default = "one")]
    pub quantity: u64,
    /// Metadata.
    #[serde(default)]
    pub metadata: Metadata,
}

fn one() -> u64 {
    1
}

/// A recurring price (`price_…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    /// `price_…`.
    pub id: String,
    /// `prod_…`.
    pub product: String,
    /// Lowercase ISO code.
    pub currency: String,
    /// Minor units per period.
    pub unit_amount: u64,
    /// `day`, `week`, `month` or `year`.
    pub interval: String,
    /// Intervals per period.
    #[serde(default = "one")]
    pub interval_count: u64,
}

impl StripeSeed {
    /// The seed committed for local development and tests (`fixtures/devkit-stripe.json`).
    pub fn dev_fixture() -> anyhow::Result<Self> {
        Self::from_json(include_str!("../../../../fixtures/devkit-stripe.json"))
            .context("fixtures/devkit-stripe.json")
    }

    /// Read and check a seed file.
    pub fn from_path(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the Stripe seed {}", path.display()))?;
        Self::from_json(&text).with_context(|| format!("Stripe seed {}", path.display()))
    }

    /// Parse and check a seed.
    pub fn from_json(text: &str) -> anyhow::Result<Self> {
        let seed: StripeSeed = serde_json::from_str(text).context("not a Stripe seed")?;
        seed.check()?;
        Ok(seed)
    }

    /// Refuse what would make the stand-in inconsistent: duplicate ids, references to
    /// missing objects, refunds above their charge.
    pub fn check(&self) -> anyhow::Result<()> {
        let mut ids = HashSet::new();
        for account in &self.accounts {
            if !account.id.starts_with("acct_") {
                bail!("account id {:?} does not start with acct_", account.id);
            }
            let all = std::iter::once(account.id.as_str())
                .chain(account.customers.iter().map(|c| c.id.as_str()))
                .chain(account.charges.iter().map(|c| c.id.as_str()))
                .chain(
                    account
                        .charges
                        .iter()
                        .filter_map(|c| c.payment_intent.as_deref()),
                )
                .chain(account.refunds.iter().map(|r| r.id.as_str()))
                .chain(account.subscriptions.iter().map(|s| s.id.as_str()));
            for id in all {
                if !ids.insert(id.to_owned()) {
                    bail!("id {id} appears twice");
                }
            }
            let customer = |id: &str| account.customers.iter().any(|c| c.id == id);
            for charge in &account.charges {
                if let Some(c) = charge.customer.as_deref().filter(|c| !customer(c)) {
                    bail!("charge {} names unknown customer {c}", charge.id);
                }
            }
            for sub in &account.subscriptions {
                if !customer(&sub.customer) {
                    bail!(
                        "subscription {} names unknown customer {}",
                        sub.id,
                        sub.customer
                    );
                }
            }
            for charge in &account.charges {
                let refunded: u64 = account
                    .refunds
                    .iter()
                    .filter(|r| r.charge == charge.id)
                    .map(|r| r.amount)
                    .sum();
                if refunded > charge.amount {
                    bail!("refunds of {} exceed its amount", charge.id);
                }
            }
            if let Some(r) = account
                .refunds
                .iter()
                .find(|r| !account.charges.iter().any(|c| c.id == r.charge))
            {
                bail!("refund {} names unknown charge {}", r.id, r.charge);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dev_fixture_matches_the_example_app() {
        let seed = StripeSeed::dev_fixture().unwrap();
        let account = &seed.accounts[0];
        assert_eq!(account.id, "acct_dev_tt");
        let charge = |id: &str| account.charges.iter().find(|c| c.id == id).unwrap();
        assert_eq!(charge("ch_3Dana001").amount, 49900);
        assert_eq!(charge("ch_3Dana002").amount, 19900);
        assert_eq!(charge("ch_3Sam0001").amount, 24900);
        assert_eq!(charge("ch_3Sam0002").amount, 49900);
        assert_eq!(charge("ch_3Acme001").amount, 399000);
        assert_eq!(account.refunds[0].id, "re_3Sam0001");
        assert_eq!(account.subscriptions[0].customer, "cus_sam");
    }

    #[test]
    fn inconsistent_seeds_are_refused() {
        let bad = [
            r#"{"accounts": [{"id": "x"}]}"#,
            r#"{"accounts": [{"id": "acct_1", "charges": [{"id": "ch_1", "customer": "cus_no", "amount": 1, "currency": "usd", "created": 1}]}]}"#,
            r#"{"accounts": [{"id": "acct_1", "charges": [{"id": "ch_1", "amount": 1, "currency": "usd", "created": 1}],
                "refunds": [{"id": "re_1", "charge": "ch_1", "amount": 2, "created": 1}]}]}"#,
            r#"{"accounts": [{"id": "acct_1", "refunds": [{"id": "re_1", "charge": "ch_1", "amount": 2, "created": 1}]}]}"#,
            r#"{"accounts": [{"id": "acct_1"}, {"id": "acct_1"}]}"#,
        ];
        for text in bad {
            assert!(StripeSeed::from_json(text).is_err(), "{text}");
        }
    }
}
