//! The client: one method per Stripe call the platform makes.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use support_http::{ApiBase, Credential, HttpResponse, Secret, Transport};

use crate::error::request_id;
use crate::ids::{check_account_id, check_customer_id, check_id, check_idempotency_key};
use crate::{
    Account, Charge, Form, List, PaymentIntent, Refund, RefundParams, RefundTarget, StripeError,
    Subscription, API_VERSION, MAX_LIST_LIMIT,
};

/// Timeout of each request unless [`StripeClient::with_timeout`] says otherwise: well
/// under an Inngest step's budget, long enough for a refund Stripe takes its time on.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// A refund Stripe created, or replayed for the same idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedRefund {
    /// The refund.
    pub refund: Refund,
    /// Whether Stripe answered `Idempotent-Replayed: true`: the refund was created by
    /// an earlier request with the same key, and this answer is that request's.
    pub replayed: bool,
    /// The `Request-Id` of this answer.
    pub request_id: Option<String>,
}

/// A client of Stripe's API acting on connected accounts.
#[derive(Debug)]
pub struct StripeClient {
    base: ApiBase,
}

impl StripeClient {
    /// A client of the API at `base_url` ([`crate::DEFAULT_BASE_URL`] in production,
    /// the devkit's `http://…/stripe` locally) authenticating with `secret_key` (the
    /// platform's `sk_…` or a restricted `rk_…` key).
    pub fn new(
        base_url: impl Into<String>,
        secret_key: impl Into<Secret>,
        transport: Arc<dyn Transport>,
    ) -> Self {
        Self {
            base: ApiBase::new(
                base_url.into(),
                Credential::Bearer(secret_key.into()),
                transport,
                DEFAULT_TIMEOUT,
            )
            .with_header("Stripe-Version", API_VERSION),
        }
    }

    /// Change the timeout of each request.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.base = self.base.with_timeout(timeout);
        self
    }

    /// `GET /v1/accounts/{id}` as the platform (no `Stripe-Account` header): the
    /// connected account, whether it can take charges and what Stripe still needs. An
    /// account that does not exist or is not connected to the platform is Stripe's 403
    /// (`account_invalid`).
    pub async fn retrieve_account(&self, account: &str) -> Result<Account, StripeError> {
        check_account_id(account)?;
        let response = self
            .send_as(
                "GET",
                None,
                &format!("/v1/accounts/{account}"),
                Form::new(),
                None,
            )
            .await?;
        decode(&response)
    }

    /// `GET /v1/charges/{id}` on the connected account.
    pub async fn retrieve_charge(
        &self,
        account: &str,
        charge_id: &str,
    ) -> Result<Charge, StripeError> {
        check_id("charge", charge_id, &["ch_", "py_"])?;
        self.get(account, &format!("/v1/charges/{charge_id}"), Form::new())
            .await
    }

    /// `GET /v1/charges?customer=…&limit=…`: the customer's charges, newest first.
    /// `customer_id` must be a Stripe customer id (`cus_…`); an email is refused before
    /// anything is sent. `limit` is 1 to 100.
    pub async fn list_charges(
        &self,
        account: &str,
        customer_id: &str,
        limit: u8,
    ) -> Result<List<Charge>, StripeError> {
        check_customer_id(customer_id)?;
        let query = Form::new()
            .field("customer", customer_id)
            .field("limit", &check_limit(limit)?.to_string());
        self.get(account, "/v1/charges", query).await
    }

    /// `GET /v1/payment_intents/{id}` on the connected account.
    pub async fn retrieve_payment_intent(
        &self,
        account: &str,
        payment_intent_id: &str,
    ) -> Result<PaymentIntent, StripeError> {
        check_id("payment intent", payment_intent_id, &["pi_"])?;
        self.get(
            account,
            &format!("/v1/payment_intents/{payment_intent_id}"),
            Form::new(),
        )
        .await
    }

    /// `GET /v1/refunds/{id}` on the connected account.
    pub async fn retrieve_refund(
        &self,
        account: &str,
        refund_id: &str,
    ) -> Result<Refund, StripeError> {
        check_id("refund", refund_id, &["re_", "pyr_"])?;
        self.get(account, &format!("/v1/refunds/{refund_id}"), Form::new())
            .await
    }

    /// `GET /v1/refunds?charge=…` (or `?payment_intent=…`): the refunds of one payment,
    /// newest first. `limit` is 1 to 100.
    pub async fn list_refunds(
        &self,
        account: &str,
        of: &RefundTarget,
        limit: u8,
    ) -> Result<List<Refund>, StripeError> {
        let query = match of {
            RefundTarget::Charge(id) => {
                check_id("charge", id, &["ch_", "py_"])?;
                Form::new().field("charge", id)
            }
            RefundTarget::PaymentIntent(id) => {
                check_id("payment intent", id, &["pi_"])?;
                Form::new().field("payment_intent", id)
            }
        };
        let query = query.field("limit", &check_limit(limit)?.to_string());
        self.get(account, "/v1/refunds", query).await
    }

    /// `GET /v1/subscriptions?customer=…&status=all&limit=100`: every subscription of
    /// the customer, canceled ones included (Stripe leaves those out by default).
    pub async fn list_subscriptions(
        &self,
        account: &str,
        customer_id: &str,
    ) -> Result<List<Subscription>, StripeError> {
        check_customer_id(customer_id)?;
        let query = Form::new()
            .field("customer", customer_id)
            .field("status", "all")
            .field("limit", &MAX_LIST_LIMIT.to_string());
        self.get(account, "/v1/subscriptions", query).await
    }

    /// `POST /v1/refunds` with `Idempotency-Key: idempotency_key` (1 to 255 visible
    /// ASCII characters). Derive the key from the action's inputs, not at random, and
    /// send the same key when retrying: Stripe then answers the first request's result
    /// instead of refunding twice ([`CreatedRefund::replayed`]).
    pub async fn create_refund(
        &self,
        account: &str,
        params: &RefundParams,
        idempotency_key: &str,
    ) -> Result<CreatedRefund, StripeError> {
        check_idempotency_key(idempotency_key)?;
        let form = params.to_form()?;
        let response = self
            .send("POST", account, "/v1/refunds", form, Some(idempotency_key))
            .await?;
        let replayed = response
            .header("idempotent-replayed")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        Ok(CreatedRefund {
            refund: decode(&response)?,
            replayed,
            request_id: request_id(&response),
        })
    }

    async fn get<T: DeserializeOwned>(
        &self,
        account: &str,
        path: &str,
        query: Form,
    ) -> Result<T, StripeError> {
        let response = self.send("GET", account, path, query, None).await?;
        decode(&response)
    }

    /// Send one request on the connected account `account`; a non-2xx answer is an
    /// error.
    async fn send(
        &self,
        method: &str,
        account: &str,
        path: &str,
        form: Form,
        idempotency_key: Option<&str>,
    ) -> Result<HttpResponse, StripeError> {
        check_account_id(account)?;
        self.send_as(method, Some(account), path, form, idempotency_key)
            .await
    }

    /// Send one request, on a connected account (`Stripe-Account`) or as the platform.
    async fn send_as(
        &self,
        method: &str,
        account: Option<&str>,
        path: &str,
        form: Form,
        idempotency_key: Option<&str>,
    ) -> Result<HttpResponse, StripeError> {
        let mut url = self.base.url(path);
        let mut headers = Vec::new();
        if let Some(account) = account {
            headers.push(("Stripe-Account".to_owned(), account.to_owned()));
        }
        let body = if method == "GET" {
            if !form.is_empty() {
                url.push('?');
                url.push_str(&form.encode());
            }
            Vec::new()
        } else {
            headers.push((
                "Content-Type".to_owned(),
                "application/x-www-form-urlencoded".to_owned(),
            ));
            form.into_body()
        };
        if let Some(key) = idempotency_key {
            headers.push(("Idempotency-Key".to_owned(), key.to_owned()));
        }
        // Stripe takes forms, not JSON: the body and its type are set here.
        let mut request = self.base.request(method, url, None);
        request.headers.extend(headers);
        request.body = body;
        let response = self.base.send(request).await?;
        if response.is_success() {
            Ok(response)
        } else {
            Err(StripeError::from_response(&response))
        }
    }
}

fn check_limit(limit: u8) -> Result<u8, StripeError> {
    if (1..=MAX_LIST_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(StripeError::InvalidInput(format!(
            "limit must be 1 to {MAX_LIST_LIMIT}, got {limit}"
        )))
    }
}

/// Decode a success body. The message gives the position only: serde's own message
/// can quote values from the body (emails, names).
fn decode<T: DeserializeOwned>(response: &HttpResponse) -> Result<T, StripeError> {
    serde_json::from_slice(&response.body).map_err(|e| StripeError::Decode {
        message: format!(
            "{:?} error at line {} column {} of a {}-byte body",
            e.classify(),
            e.line(),
            e.column(),
            response.body.len()
        ),
        request_id: request_id(response),
    })
}
