//! The objects of each account, and their JSON in Stripe's shape.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::seed::{Charge, Customer, Refund, SeedAccount, StripeSeed, Subscription};

/// The account a request without `Stripe-Account` acts on (the platform's own).
/// Nothing is seeded there: direct charges live on connected accounts.
pub const PLATFORM: &str = "(platform)";

/// A connected account as the platform sees it (`GET /v1/accounts/{id}`); only seeded
/// accounts have one, so an account that only came to exist through a write is
/// unknown to the platform, as one that is not connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: Option<String>,
    pub charges_enabled: bool,
    pub payouts_enabled: bool,
    pub details_submitted: bool,
    pub country: String,
    pub default_currency: String,
    /// Seconds since the epoch: the account's oldest object's, as no seed says.
    pub created: i64,
}

impl Profile {
    fn of(seed: &SeedAccount) -> Self {
        let created = seed
            .customers
            .iter()
            .map(|c| c.created)
            .chain(seed.charges.iter().map(|c| c.created))
            .min()
            .unwrap_or(1_700_000_000);
        Self {
            name: seed.name.clone(),
            charges_enabled: seed.charges_enabled.unwrap_or(true),
            payouts_enabled: seed.payouts_enabled.unwrap_or(true),
            details_submitted: seed.details_submitted.unwrap_or(true),
            country: seed.country.clone().unwrap_or_else(|| "US".into()),
            default_currency: seed
                .default_currency
                .clone()
                .unwrap_or_else(|| "usd".into()),
            created,
        }
    }
}

/// One account's objects.
#[derive(Debug, Clone, Default)]
pub struct Account {
    /// What `GET /v1/accounts/{id}` answers (seeded accounts only).
    pub profile: Option<Profile>,
    pub customers: BTreeMap<String, Customer>,
    pub charges: BTreeMap<String, Charge>,
    /// Payment intent id → its charge id.
    pub payment_intents: BTreeMap<String, String>,
    pub refunds: BTreeMap<String, Refund>,
    pub subscriptions: BTreeMap<String, Subscription>,
}

/// Every account.
#[derive(Debug, Clone, Default)]
pub struct Store {
    pub accounts: BTreeMap<String, Account>,
}

impl Store {
    /// The store a seed describes (seeded refunds counted on their charges).
    pub fn from_seed(seed: &StripeSeed) -> Self {
        let mut accounts = BTreeMap::new();
        for seeded in &seed.accounts {
            let mut account = Account {
                profile: Some(Profile::of(seeded)),
                ..Account::default()
            };
            for customer in &seeded.customers {
                account
                    .customers
                    .insert(customer.id.clone(), customer.clone());
            }
            for charge in &seeded.charges {
                let mut charge = charge.clone();
                charge.amount_refunded = 0;
                if charge.receipt_email.is_none() {
                    charge.receipt_email = charge
                        .customer
                        .as_ref()
                        .and_then(|c| account.customers.get(c))
                        .and_then(|c| c.email.clone());
                }
                if let Some(pi) = &charge.payment_intent {
                    account
                        .payment_intents
                        .insert(pi.clone(), charge.id.clone());
                }
                account.charges.insert(charge.id.clone(), charge);
            }
            for refund in &seeded.refunds {
                if let Some(charge) = account.charges.get_mut(&refund.charge) {
                    charge.amount_refunded = charge.amount_refunded.saturating_add(refund.amount);
                }
                account.refunds.insert(refund.id.clone(), refund.clone());
            }
            for sub in &seeded.subscriptions {
                account.subscriptions.insert(sub.id.clone(), sub.clone());
            }
            accounts.insert(seeded.id.clone(), account);
        }
        Self { accounts }
    }

    /// The account `id` (`None`: the platform), empty when nothing lives there.
    pub fn account(&self, id: Option<&str>) -> Option<&Account> {
        self.accounts.get(id.unwrap_or(PLATFORM))
    }

    /// The account `id`, created empty on first write.
    pub fn account_mut(&mut self, id: Option<&str>) -> &mut Account {
        self.accounts
            .entry(id.unwrap_or(PLATFORM).to_owned())
            .or_default()
    }

    /// Everything, for `GET /_devkit/stripe/state`.
    pub fn to_json(&self) -> Value {
        let accounts: serde_json::Map<String, Value> = self
            .accounts
            .iter()
            .map(|(id, a)| {
                let value = json!({
                    "customers": a.customers.values().map(customer_json).collect::<Vec<_>>(),
                    "charges": a.charges.values().map(|c| a.charge_json(c, false)).collect::<Vec<_>>(),
                    "payment_intents": a.payment_intents.keys()
                        .filter_map(|pi| a.payment_intent_json(pi, false)).collect::<Vec<_>>(),
                    "refunds": a.refunds.values().map(|r| a.refund_json(r)).collect::<Vec<_>>(),
                    "subscriptions": a.subscriptions.values().map(subscription_json).collect::<Vec<_>>(),
                });
                (id.clone(), value)
            })
            .collect();
        Value::Object(accounts)
    }
}

impl Account {
    /// The refunds of a charge, newest first.
    pub fn refunds_of(&self, charge_id: &str) -> Vec<&Refund> {
        let mut refunds: Vec<_> = self
            .refunds
            .values()
            .filter(|r| r.charge == charge_id)
            .collect();
        newest_first(&mut refunds, |r| (r.created, r.id.as_str()));
        refunds
    }

    /// A charge as Stripe answers it; `expand_refunds` adds the `refunds` list (not
    /// included by default since API version 2022-11-15).
    pub fn charge_json(&self, charge: &Charge, expand_refunds: bool) -> Value {
        let mut value = json!({
            "id": charge.id,
            "object": "charge",
            "amount": charge.amount,
            "amount_captured": charge.amount,
            "amount_refunded": charge.amount_refunded,
            "balance_transaction": format!("txn_{}", charge.id.trim_start_matches("ch_")),
            "captured": true,
            "created": charge.created,
            "currency": charge.currency,
            "customer": charge.customer,
            "description": charge.description,
            "disputed": charge.disputed,
            "failure_code": null,
            "failure_message": null,
            "livemode": false,
            "metadata": charge.metadata,
            "paid": true,
            "payment_intent": charge.payment_intent,
            "receipt_email": charge.receipt_email,
            "refunded": charge.amount_refunded >= charge.amount,
            "status": "succeeded",
        });
        if expand_refunds {
            let refunds: Vec<Value> = self
                .refunds_of(&charge.id)
                .into_iter()
                .map(|r| self.refund_json(r))
                .collect();
            value["refunds"] = list_json(
                &format!("/v1/charges/{}/refunds", charge.id),
                refunds,
                false,
            );
        }
        value
    }

    /// A payment intent (derived from its charge); `expand_charge` inlines
    /// `latest_charge`.
    pub fn payment_intent_json(&self, id: &str, expand_charge: bool) -> Option<Value> {
        let charge = self.charges.get(self.payment_intents.get(id)?)?;
        let latest_charge = if expand_charge {
            self.charge_json(charge, false)
        } else {
            Value::String(charge.id.clone())
        };
        Some(json!({
            "id": id,
            "object": "payment_intent",
            "amount": charge.amount,
            "amount_capturable": 0,
            "amount_received": charge.amount,
            "capture_method": "automatic",
            "created": charge.created,
            "currency": charge.currency,
            "customer": charge.customer,
            "description": charge.description,
            "latest_charge": latest_charge,
            "livemode": false,
            "metadata": charge.metadata,
            "payment_method_types": ["card"],
            "receipt_email": charge.receipt_email,
            "status": "succeeded",
        }))
    }

    /// A refund as Stripe answers it.
    pub fn refund_json(&self, refund: &Refund) -> Value {
        let charge = self.charges.get(&refund.charge);
        json!({
            "id": refund.id,
            "object": "refund",
            "amount": refund.amount,
            "balance_transaction": format!("txn_{}", refund.id.trim_start_matches("re_")),
            "charge": refund.charge,
            "created": refund.created,
            "currency": charge.map(|c| c.currency.as_str()).unwrap_or("usd"),
            "metadata": refund.metadata,
            "payment_intent": charge.and_then(|c| c.payment_intent.clone()),
            "reason": refund.reason,
            "receipt_number": null,
            "source_transfer_reversal": null,
            "status": refund.status,
            "transfer_reversal": null,
        })
    }
}

/// A connected account as Stripe answers the platform (`GET /v1/accounts/{id}`).
pub fn account_json(id: &str, profile: &Profile) -> Value {
    let capability = if profile.charges_enabled {
        "active"
    } else {
        "inactive"
    };
    let currently_due: Vec<&str> = if profile.details_submitted {
        Vec::new()
    } else {
        vec![
            "business_profile.url",
            "external_account",
            "tos_acceptance.date",
        ]
    };
    let disabled_reason = (!profile.charges_enabled).then_some(if profile.details_submitted {
        "under_review"
    } else {
        "requirements.past_due"
    });
    json!({
        "id": id,
        "object": "account",
        "business_profile": {"name": profile.name, "url": null},
        "capabilities": {"card_payments": capability, "transfers": capability},
        "charges_enabled": profile.charges_enabled,
        "controller": {"type": "application"},
        "country": profile.country,
        "created": profile.created,
        "default_currency": profile.default_currency,
        "details_submitted": profile.details_submitted,
        "email": null,
        "livemode": false,
        "metadata": {},
        "payouts_enabled": profile.payouts_enabled,
        "requirements": {
            "current_deadline": null,
            "currently_due": currently_due,
            "disabled_reason": disabled_reason,
            "errors": [],
            "eventually_due": currently_due,
            "past_due": if profile.charges_enabled { Vec::new() } else { currently_due.clone() },
            "pending_verification": [],
        },
        "type": "standard",
    })
}

/// A customer as Stripe answers it.
pub fn customer_json(customer: &Customer) -> Value {
    json!({
        "id": customer.id,
        "object": "customer",
        "created": customer.created,
        "email": customer.email,
        "livemode": false,
        "metadata": customer.metadata,
        "name": customer.name,
    })
}

/// A subscription as Stripe answers it (API 2025-02-24: periods on the subscription).
pub fn subscription_json(sub: &Subscription) -> Value {
    let item_id = format!("si_{}", sub.id.trim_start_matches("sub_"));
    let price = &sub.price;
    let item = json!({
        "id": item_id,
        "object": "subscription_item",
        "created": sub.created,
        "metadata": {},
        "price": {
            "id": price.id,
            "object": "price",
            "active": true,
            "currency": price.currency,
            "livemode": false,
            "product": price.product,
            "recurring": {"interval": price.interval, "interval_count": price.interval_count},
            "type": "recurring",
            "unit_amount": price.unit_amount,
        },
        "quantity": sub.quantity,
        "subscription": sub.id,
    });
    json!({
        "id": sub.id,
        "object": "subscription",
        "cancel_at_period_end": sub.cancel_at_period_end,
        "canceled_at": sub.canceled_at,
        "created": sub.created,
        "currency": price.currency,
        "current_period_end": sub.current_period_end,
        "current_period_start": sub.current_period_start,
        "customer": sub.customer,
        "ended_at": sub.canceled_at,
        "items": list_json(&format!("/v1/subscription_items?subscription={}", sub.id), vec![item], false),
        "livemode": false,
        "metadata": sub.metadata,
        "start_date": sub.created,
        "status": sub.status,
    })
}

/// `{"object": "list", "data": [...], "has_more": ..., "url": ...}`.
pub fn list_json(url: &str, data: Vec<Value>, has_more: bool) -> Value {
    json!({"object": "list", "data": data, "has_more": has_more, "url": url})
}

/// Sort newest first, ties broken by id (newest id last created, so descending).
pub fn newest_first<T>(items: &mut [T], key: impl Fn(&T) -> (i64, &str)) {
    items.sort_by(|a, b| {
        let (ta, ia) = key(a);
        let (tb, ib) = key(b);
        tb.cmp(&ta).then_with(|| ib.cmp(ia))
    });
}
