//! The Stripe endpoints: parameters checked as Stripe checks them, then the store read
//! or changed. Each returns the 200 body or the error answer.

use serde_json::{Map, Value};

use super::errors::{money, ApiError};
use super::objects::{account_json, list_json, newest_first, subscription_json, Account, Store};
use super::seed::Refund;

/// Parsed parameters (form body or query string).
pub type Params = Map<String, Value>;

const REFUND_REASONS: [&str; 3] = ["duplicate", "fraudulent", "requested_by_customer"];
const SUBSCRIPTION_STATUSES: [&str; 10] = [
    "active",
    "past_due",
    "unpaid",
    "canceled",
    "incomplete",
    "incomplete_expired",
    "trialing",
    "paused",
    "all",
    "ended",
];
const LIST_PARAMS: [&str; 4] = ["limit", "starting_after", "ending_before", "expand"];

/// `POST /v1/refunds`. `new_id` names the refund, `now` is its `created`.
pub fn create_refund(
    store: &mut Store,
    account: Option<&str>,
    params: &Params,
    new_id: String,
    now: i64,
) -> Result<Value, ApiError> {
    allow(
        params,
        &[
            "charge",
            "payment_intent",
            "amount",
            "reason",
            "metadata",
            "reverse_transfer",
            "refund_application_fee",
            "expand",
            "instructions_email",
            "origin",
            "currency",
            "customer",
        ],
    )?;
    let charge_param = string(params, "charge")?;
    let pi_param = string(params, "payment_intent")?;
    let amount = match string(params, "amount")? {
        Some(raw) => Some(positive_integer("amount", raw)?),
        None => None,
    };
    let reason = string(params, "reason")?;
    if let Some(reason) = reason.filter(|r| !REFUND_REASONS.contains(r)) {
        return Err(ApiError::invalid(format!(
            "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer (got {reason})"
        ))
        .param("reason"));
    }
    let metadata = metadata(params)?;
    for flag in ["reverse_transfer", "refund_application_fee"] {
        if let Some(raw) = string(params, flag)?.filter(|v| !matches!(*v, "true" | "false")) {
            return Err(ApiError::invalid(format!("Invalid boolean: {raw}"))
                .code("parameter_invalid_boolean")
                .param(flag));
        }
    }

    let charge_id = match (charge_param, pi_param) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "You can only specify one of these parameters: charge, payment_intent.",
            ))
        }
        (None, None) => {
            return Err(ApiError::invalid(
                "One of the following params should be provided for this request: payment_intent or charge.",
            )
            .code("parameter_missing"))
        }
        (Some(charge), None) => charge.to_owned(),
        (None, Some(pi)) => store
            .account(account)
            .and_then(|a| a.payment_intents.get(pi))
            .cloned()
            .ok_or_else(|| ApiError::missing("payment_intent", pi, "payment_intent"))?,
    };
    // Checked before `account_mut`, which would create an empty account.
    if !store
        .account(account)
        .is_some_and(|a| a.charges.contains_key(&charge_id))
    {
        return Err(ApiError::missing("charge", &charge_id, "charge"));
    }
    let account = store.account_mut(account);
    let charge = account
        .charges
        .get_mut(&charge_id)
        .ok_or_else(|| ApiError::missing("charge", &charge_id, "charge"))?;
    if charge.disputed {
        return Err(ApiError::refused(
            "charge_disputed",
            format!(
                "Charge {} has been charged back; cannot issue a refund.",
                charge.id
            ),
        ));
    }
    let remaining = charge.amount.saturating_sub(charge.amount_refunded);
    if remaining == 0 {
        return Err(ApiError::refused(
            "charge_already_refunded",
            format!("Charge {} has already been refunded.", charge.id),
        ));
    }
    let amount = amount.unwrap_or(remaining);
    if amount > remaining {
        return Err(ApiError::refused(
            "amount_too_large",
            format!(
                "Refund amount ({}) is greater than unrefunded amount on charge ({})",
                money(amount, &charge.currency),
                money(remaining, &charge.currency)
            ),
        )
        .param("amount"));
    }
    charge.amount_refunded += amount;
    let refund = Refund {
        id: new_id,
        charge: charge_id,
        amount,
        created: now,
        reason: reason.map(str::to_owned),
        // Cards settle asynchronously, but Stripe reports them succeeded at once.
        status: "succeeded".into(),
        metadata,
    };
    let body = account.refund_json(&refund);
    account.refunds.insert(refund.id.clone(), refund);
    Ok(body)
}

/// `GET /v1/refunds/{id}`.
pub fn retrieve_refund(account: &Account, id: &str, params: &Params) -> Result<Value, ApiError> {
    allow(params, &["expand"])?;
    let refund = account
        .refunds
        .get(id)
        .ok_or_else(|| ApiError::missing("refund", id, "id"))?;
    Ok(account.refund_json(refund))
}

/// `GET /v1/refunds?charge=…|payment_intent=…`.
pub fn list_refunds(account: &Account, params: &Params) -> Result<Value, ApiError> {
    allow_list(params, &["charge", "payment_intent"])?;
    let mut charge = string(params, "charge")?.map(str::to_owned);
    if let Some(pi) = string(params, "payment_intent")? {
        let of_pi = account
            .payment_intents
            .get(pi)
            .ok_or_else(|| ApiError::missing("payment_intent", pi, "payment_intent"))?;
        if charge.as_ref().is_some_and(|c| c != of_pi) {
            return Ok(list_json("/v1/refunds", Vec::new(), false));
        }
        charge = Some(of_pi.clone());
    }
    let mut refunds: Vec<&Refund> = account
        .refunds
        .values()
        .filter(|r| charge.as_ref().is_none_or(|c| &r.charge == c))
        .collect();
    newest_first(&mut refunds, |r| (r.created, r.id.as_str()));
    let items = refunds
        .into_iter()
        .map(|r| (r.id.clone(), account.refund_json(r)))
        .collect();
    page("/v1/refunds", items, params)
}

/// `GET /v1/charges/{id}` (`expand[]=refunds` supported).
pub fn retrieve_charge(account: &Account, id: &str, params: &Params) -> Result<Value, ApiError> {
    allow(params, &["expand"])?;
    let expand = expand(params, &["refunds"])?;
    let charge = account
        .charges
        .get(id)
        .ok_or_else(|| ApiError::missing("charge", id, "id"))?;
    Ok(account.charge_json(charge, expand.contains(&"refunds")))
}

/// `GET /v1/accounts/{id}`: a seeded connected account, asked by the platform (no
/// `Stripe-Account`) or by the account itself. Anything else is Stripe's 403
/// `account_invalid`, which does not say whether the account exists; `key` is the
/// caller's, named masked in the message as Stripe does.
pub fn retrieve_account(
    store: &Store,
    id: &str,
    acting_as: Option<&str>,
    key: Option<&str>,
    params: &Params,
) -> Result<Value, ApiError> {
    allow(params, &["expand"])?;
    expand(params, &[])?;
    store
        .accounts
        .get(id)
        .and_then(|account| account.profile.as_ref())
        .filter(|_| acting_as.is_none_or(|a| a == id))
        .map(|profile| account_json(id, profile))
        .ok_or_else(|| ApiError::account_invalid(key, id))
}

/// `GET /v1/charges?customer=…`.
pub fn list_charges(account: &Account, params: &Params) -> Result<Value, ApiError> {
    allow_list(params, &["customer", "payment_intent"])?;
    let customer = known_customer(account, params)?;
    let pi = string(params, "payment_intent")?;
    let mut charges: Vec<_> = account
        .charges
        .values()
        .filter(|c| customer.is_none_or(|id| c.customer.as_deref() == Some(id)))
        .filter(|c| pi.is_none_or(|id| c.payment_intent.as_deref() == Some(id)))
        .collect();
    newest_first(&mut charges, |c| (c.created, c.id.as_str()));
    let items = charges
        .into_iter()
        .map(|c| (c.id.clone(), account.charge_json(c, false)))
        .collect();
    page("/v1/charges", items, params)
}

/// `GET /v1/payment_intents/{id}` (`expand[]=latest_charge` supported).
pub fn retrieve_payment_intent(
    account: &Account,
    id: &str,
    params: &Params,
) -> Result<Value, ApiError> {
    allow(params, &["expand", "client_secret"])?;
    let expand = expand(params, &["latest_charge"])?;
    account
        .payment_intent_json(id, expand.contains(&"latest_charge"))
        .ok_or_else(|| ApiError::missing("payment_intent", id, "id"))
}

/// `GET /v1/subscriptions/{id}`.
pub fn retrieve_subscription(
    account: &Account,
    id: &str,
    params: &Params,
) -> Result<Value, ApiError> {
    allow(params, &["expand"])?;
    let sub = account
        .subscriptions
        .get(id)
        .ok_or_else(|| ApiError::missing("subscription", id, "id"))?;
    Ok(subscription_json(sub))
}

/// `GET /v1/subscriptions?customer=…&status=…`. Without `status`, canceled ones are
/// left out, as Stripe does; `all` includes them, `ended` is canceled or expired.
pub fn list_subscriptions(account: &Account, params: &Params) -> Result<Value, ApiError> {
    allow_list(params, &["customer", "status", "price"])?;
    let customer = known_customer(account, params)?;
    let status = string(params, "status")?;
    if let Some(s) = status.filter(|s| !SUBSCRIPTION_STATUSES.contains(s)) {
        return Err(ApiError::invalid(format!(
            "Invalid status: must be one of {} (got {s})",
            SUBSCRIPTION_STATUSES.join(", ")
        ))
        .param("status"));
    }
    let price = string(params, "price")?;
    let wanted = |s: &str| match status {
        None => s != "canceled" && s != "incomplete_expired",
        Some("all") => true,
        Some("ended") => s == "canceled" || s == "incomplete_expired",
        Some(want) => s == want,
    };
    let mut subs: Vec<_> = account
        .subscriptions
        .values()
        .filter(|s| customer.is_none_or(|c| s.customer == c))
        .filter(|s| price.is_none_or(|p| s.price.id == p))
        .filter(|s| wanted(&s.status))
        .collect();
    newest_first(&mut subs, |s| (s.created, s.id.as_str()));
    let items = subs
        .into_iter()
        .map(|s| (s.id.clone(), subscription_json(s)))
        .collect();
    page("/v1/subscriptions", items, params)
}

/// The `customer` filter, which must name a customer of the account (an email is
/// `No such customer: 'dana@example.com'`).
fn known_customer<'a>(account: &Account, params: &'a Params) -> Result<Option<&'a str>, ApiError> {
    match string(params, "customer")? {
        Some(id) if !account.customers.contains_key(id) => {
            Err(ApiError::missing("customer", id, "customer"))
        }
        other => Ok(other),
    }
}

/// One page of `items` (newest first) after `limit`, `starting_after`, `ending_before`.
fn page(url: &str, items: Vec<(String, Value)>, params: &Params) -> Result<Value, ApiError> {
    let limit = match string(params, "limit")? {
        None => 10,
        Some(raw) => {
            let n = raw.parse::<i64>().map_err(|_| {
                ApiError::invalid(format!("Invalid integer: {raw}"))
                    .code("parameter_invalid_integer")
                    .param("limit")
            })?;
            if !(1..=100).contains(&n) {
                return Err(
                    ApiError::invalid("Invalid limit: must be between 1 and 100").param("limit"),
                );
            }
            n as usize
        }
    };
    let position = |param: &str| -> Result<Option<usize>, ApiError> {
        match string(params, param)? {
            None => Ok(None),
            Some(id) => items
                .iter()
                .position(|(i, _)| i == id)
                .map(Some)
                .ok_or_else(|| ApiError::missing("object", id, param)),
        }
    };
    let len = items.len();
    let (from, to, has_more) = match (position("starting_after")?, position("ending_before")?) {
        (Some(after), _) => {
            let to = (after + 1 + limit).min(len);
            (after + 1, to, to < len)
        }
        (None, Some(before)) => {
            let from = before.saturating_sub(limit);
            (from, before, from > 0)
        }
        (None, None) => (0, limit.min(len), limit < len),
    };
    let data = items
        .into_iter()
        .skip(from)
        .take(to.saturating_sub(from))
        .map(|(_, v)| v)
        .collect();
    Ok(list_json(url, data, has_more))
}

/// Refuse parameters the endpoint does not take (`parameter_unknown`).
fn allow(params: &Params, known: &[&str]) -> Result<(), ApiError> {
    match params.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err(ApiError::unknown_parameter(unknown)),
        None => Ok(()),
    }
}

fn allow_list(params: &Params, filters: &[&str]) -> Result<(), ApiError> {
    let known: Vec<&str> = filters.iter().chain(LIST_PARAMS.iter()).copied().collect();
    allow(params, &known)
}

/// A string parameter (`a[b]=…` where a string belongs is refused).
fn string<'a>(params: &'a Params, name: &str) -> Result<Option<&'a str>, ApiError> {
    match params.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => {
            Err(ApiError::invalid(format!("Invalid string: {name} must be a string")).param(name))
        }
    }
}

fn positive_integer(name: &str, raw: &str) -> Result<u64, ApiError> {
    let n = raw.parse::<i64>().map_err(|_| {
        ApiError::invalid(format!("Invalid integer: {raw}"))
            .code("parameter_invalid_integer")
            .param(name)
    })?;
    u64::try_from(n).ok().filter(|n| *n >= 1).ok_or_else(|| {
        ApiError::invalid("This value must be greater than or equal to 1.")
            .code("parameter_invalid_integer")
            .param(name)
    })
}

/// `metadata[k]=v`, within Stripe's limits (50 keys, 40-character keys, 500-character
/// values).
fn metadata(params: &Params) -> Result<super::seed::Metadata, ApiError> {
    let Some(value) = params.get("metadata") else {
        return Ok(Default::default());
    };
    let Value::Object(map) = value else {
        // `metadata=` (empty) clears metadata in Stripe; anything else is invalid.
        return match value {
            Value::String(s) if s.is_empty() => Ok(Default::default()),
            _ => Err(ApiError::invalid("Invalid hash").param("metadata")),
        };
    };
    if map.len() > 50 {
        return Err(ApiError::invalid("Metadata can have at most 50 keys.").param("metadata"));
    }
    let mut out = super::seed::Metadata::new();
    for (key, value) in map {
        let Value::String(value) = value else {
            return Err(ApiError::invalid("Invalid hash").param(&format!("metadata[{key}]")));
        };
        if key.chars().count() > 40 || value.chars().count() > 500 {
            return Err(ApiError::invalid(
                "Metadata keys are limited to 40 characters and values to 500 characters.",
            )
            .param(&format!("metadata[{key}]")));
        }
        out.insert(key.clone(), value.clone());
    }
    Ok(out)
}

/// `expand[]=…`, each one of `allowed`.
fn expand<'a>(params: &'a Params, allowed: &[&str]) -> Result<Vec<&'a str>, ApiError> {
    let Some(value) = params.get("expand") else {
        return Ok(Vec::new());
    };
    let Value::Array(items) = value else {
        return Err(ApiError::invalid("Invalid array").param("expand"));
    };
    items
        .iter()
        .map(|item| match item.as_str() {
            Some(path) if allowed.contains(&path) => Ok(path),
            other => Err(ApiError::invalid(format!(
                "This property cannot be expanded ({}).",
                other.unwrap_or_default()
            ))
            .param("expand")),
        })
        .collect()
}
