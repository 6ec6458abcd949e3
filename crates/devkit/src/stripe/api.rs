//! One request through the stand-in: injected failures, the secret key, parameters,
//! idempotency, the endpoint, and the record of what happened.

use std::collections::HashMap;

use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::endpoints::{self, Params};
use super::errors::ApiError;
use super::form;
use super::objects::{Account, Store};
use super::seed::StripeSeed;

/// The version answered when the request names none (the one `support-stripe` pins).
pub const DEFAULT_API_VERSION: &str = "2025-02-24.acacia";

/// Longest idempotency key Stripe takes.
const MAX_IDEMPOTENCY_KEY: usize = 255;

/// One request as the stand-in saw it (`GET /_devkit/stripe/requests`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedRequest {
    /// The `Request-Id` answered.
    pub request_id: String,
    /// `GET`, `POST`...
    pub method: String,
    /// The Stripe path, e.g. `/v1/refunds`.
    pub path: String,
    /// `Stripe-Account`, when sent.
    pub account: Option<String>,
    /// `Idempotency-Key`, when sent.
    pub idempotency_key: Option<String>,
    /// `Stripe-Version`, when sent.
    pub stripe_version: Option<String>,
    /// The parsed parameters (query or form body).
    pub params: Value,
    /// The status answered.
    pub status: u16,
    /// Whether the answer replayed an earlier one for the same idempotency key.
    pub replayed: bool,
    /// Whether an injected failure answered.
    pub injected: bool,
}

/// A failure to inject (`POST /_devkit/stripe/failures`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailurePlan {
    /// Only this method (any when absent).
    #[serde(default)]
    pub method: Option<String>,
    /// Only paths starting with this, e.g. `/v1/refunds` (any when absent).
    #[serde(default)]
    pub path_prefix: Option<String>,
    /// The status answered.
    pub status: u16,
    /// `error.type` (`api_error` for 5xx, `invalid_request_error` otherwise).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// `error.code`.
    #[serde(default)]
    pub code: Option<String>,
    /// `error.message`.
    #[serde(default)]
    pub message: Option<String>,
    /// How many requests fail.
    #[serde(default = "one")]
    pub times: u32,
    /// The `Stripe-Should-Retry` header.
    #[serde(default)]
    pub should_retry: Option<bool>,
    /// The `Retry-After` header, in seconds.
    #[serde(default)]
    pub retry_after: Option<u64>,
}

fn one() -> u32 {
    1
}

/// What is answered.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
}

/// The request, as far as the stand-in reads it.
pub struct Incoming<'a> {
    pub method: &'a str,
    /// The Stripe path (`/v1/...`), without the `/stripe` base.
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// An answer kept for an idempotency key.
#[derive(Debug, Clone)]
struct Saved {
    params: Params,
    status: u16,
    body: Value,
    request_id: String,
}

/// The mutable state behind the lock.
pub struct Inner {
    pub store: Store,
    pub requests: Vec<RecordedRequest>,
    pub failures: Vec<FailurePlan>,
    /// (account, endpoint, key) → the first answer.
    saved: HashMap<(String, String, String), Saved>,
    next_id: u64,
}

impl Inner {
    /// The state a seed describes.
    pub fn new(seed: &StripeSeed) -> Self {
        Self {
            store: Store::from_seed(seed),
            requests: Vec::new(),
            failures: Vec::new(),
            saved: HashMap::new(),
            next_id: 0,
        }
    }

    /// How many idempotency keys have an answer saved.
    pub fn saved_keys(&self) -> usize {
        self.saved.len()
    }

    /// A fresh id with this prefix (`req_`, `re_`), unique in this stand-in.
    fn next_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}dev{:012}", self.next_id)
    }

    /// Answer one request and record it.
    pub fn handle(&mut self, secret_key: Option<&str>, req: Incoming<'_>) -> Reply {
        let request_id = self.next_id("req_");
        let account = header(req.headers, "stripe-account");
        let key = header(req.headers, "idempotency-key");
        let version = header(req.headers, "stripe-version");
        let mut record = RecordedRequest {
            request_id: request_id.clone(),
            method: req.method.to_owned(),
            path: req.path.to_owned(),
            account: account.clone(),
            idempotency_key: key.clone(),
            stripe_version: version.clone(),
            params: Value::Null,
            status: 0,
            replayed: false,
            injected: false,
        };
        let mut headers = vec![
            ("request-id".to_owned(), request_id.clone()),
            (
                "stripe-version".to_owned(),
                version.unwrap_or_else(|| DEFAULT_API_VERSION.to_owned()),
            ),
        ];
        if let Some(key) = &key {
            headers.push(("idempotency-key".to_owned(), key.clone()));
        }
        let Answer {
            status,
            body,
            extra,
        } = self.respond(
            secret_key,
            &req,
            account.as_deref(),
            key,
            &request_id,
            &mut record,
        );
        headers.extend(extra);
        record.status = status;
        self.requests.push(record);
        Reply {
            status,
            headers,
            body,
        }
    }

    fn respond(
        &mut self,
        secret_key: Option<&str>,
        req: &Incoming<'_>,
        account: Option<&str>,
        key: Option<String>,
        request_id: &str,
        record: &mut RecordedRequest,
    ) -> Answer {
        // Before anything else, so a 500 changes nothing, as a request lost on the way.
        if let Some(plan) = self.take_failure(req.method, req.path) {
            record.injected = true;
            return injected(&plan);
        }
        if let Err(error) = authenticate(secret_key, req.headers) {
            return Answer::error(&error);
        }
        let params = match parse_params(req) {
            Ok(params) => params,
            Err(error) => return Answer::error(&error),
        };
        record.params = Value::Object(params.clone());

        let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
        if req.method == "POST" && segments == ["v1", "refunds"] {
            return self.idempotent(account, "POST /v1/refunds", key, params, request_id, record);
        }
        if let ("GET", ["v1", "accounts", id]) = (req.method, segments.as_slice()) {
            let key = header(req.headers, "authorization");
            let key = key.as_deref().and_then(support_http::bearer_token);
            return match endpoints::retrieve_account(&self.store, id, account, key, &params) {
                Ok(body) => Answer {
                    status: 200,
                    body,
                    extra: Vec::new(),
                },
                Err(error) => Answer::error(&error),
            };
        }
        let empty = Account::default();
        let acct = self.store.account(account).unwrap_or(&empty);
        let result = match (req.method, segments.as_slice()) {
            ("GET", ["v1", "refunds"]) => endpoints::list_refunds(acct, &params),
            ("GET", ["v1", "refunds", id]) => endpoints::retrieve_refund(acct, id, &params),
            ("GET", ["v1", "charges"]) => endpoints::list_charges(acct, &params),
            ("GET", ["v1", "charges", id]) => endpoints::retrieve_charge(acct, id, &params),
            ("GET", ["v1", "payment_intents", id]) => {
                endpoints::retrieve_payment_intent(acct, id, &params)
            }
            ("GET", ["v1", "subscriptions"]) => endpoints::list_subscriptions(acct, &params),
            ("GET", ["v1", "subscriptions", id]) => {
                endpoints::retrieve_subscription(acct, id, &params)
            }
            _ => Err(ApiError::invalid(format!(
                "Unrecognized request URL ({}: {}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
                req.method, req.path
            ))
            .with_status(404)),
        };
        match result {
            Ok(body) => Answer {
                status: 200,
                body,
                extra: Vec::new(),
            },
            Err(error) => Answer::error(&error),
        }
    }

    /// Run a POST under Stripe's idempotency rules: the first answer for a key (per
    /// account and endpoint) is saved and replayed for the same parameters; other
    /// parameters are an `idempotency_error`.
    fn idempotent(
        &mut self,
        account: Option<&str>,
        endpoint: &str,
        key: Option<String>,
        params: Params,
        request_id: &str,
        record: &mut RecordedRequest,
    ) -> Answer {
        let slot = match key {
            Some(key) if key.is_empty() || key.chars().count() > MAX_IDEMPOTENCY_KEY => {
                return Answer::error(&ApiError::invalid(format!(
                    "Invalid Idempotency-Key: keys must be between 1 and {MAX_IDEMPOTENCY_KEY} characters long."
                )));
            }
            Some(key) => Some((
                account.unwrap_or_default().to_owned(),
                endpoint.to_owned(),
                key,
            )),
            None => None,
        };
        if let Some(saved) = slot.as_ref().and_then(|s| self.saved.get(s)) {
            if saved.params != params {
                let key = slot.as_ref().map(|s| s.2.as_str()).unwrap_or_default();
                return Answer::error(&ApiError {
                    kind: "idempotency_error".into(),
                    ..ApiError::invalid(format!(
                        "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
                    ))
                });
            }
            record.replayed = true;
            return Answer {
                status: saved.status,
                body: saved.body.clone(),
                extra: vec![
                    ("idempotent-replayed".into(), "true".into()),
                    ("original-request".into(), saved.request_id.clone()),
                ],
            };
        }
        let refund_id = self.next_id("re_");
        let now = now_secs();
        let result = endpoints::create_refund(&mut self.store, account, &params, refund_id, now);
        let (status, body, saved) = match result {
            Ok(body) => (200, body, true),
            Err(error) => (error.status, error.body(), error.saved),
        };
        if let (Some(slot), true) = (slot, saved) {
            self.saved.insert(
                slot,
                Saved {
                    params,
                    status,
                    body: body.clone(),
                    request_id: request_id.to_owned(),
                },
            );
        }
        Answer {
            status,
            body,
            extra: Vec::new(),
        }
    }

    /// The first failure plan matching the request, used up once.
    fn take_failure(&mut self, method: &str, path: &str) -> Option<FailurePlan> {
        let index = self.failures.iter().position(|plan| {
            plan.times > 0
                && plan
                    .method
                    .as_deref()
                    .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && plan
                    .path_prefix
                    .as_deref()
                    .is_none_or(|p| path.starts_with(p.strip_prefix("/stripe").unwrap_or(p)))
        })?;
        let plan = self.failures[index].clone();
        self.failures[index].times -= 1;
        if self.failures[index].times == 0 {
            self.failures.remove(index);
        }
        Some(plan)
    }
}

struct Answer {
    status: u16,
    body: Value,
    extra: Vec<(String, String)>,
}

impl Answer {
    fn error(error: &ApiError) -> Self {
        Self {
            status: error.status,
            body: error.body(),
            extra: Vec::new(),
        }
    }
}

impl ApiError {
    fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
}

fn injected(plan: &FailurePlan) -> Answer {
    let default_kind = if plan.status >= 500 {
        "api_error"
    } else {
        "invalid_request_error"
    };
    let error = ApiError {
        status: plan.status,
        kind: plan.kind.clone().unwrap_or_else(|| default_kind.to_owned()),
        code: plan.code.clone(),
        message: plan
            .message
            .clone()
            .unwrap_or_else(|| "Injected failure (devkit).".to_owned()),
        param: None,
        saved: false,
    };
    let mut headers = Vec::new();
    if let Some(retry) = plan.should_retry {
        headers.push(("stripe-should-retry".to_owned(), retry.to_string()));
    }
    if let Some(secs) = plan.retry_after {
        headers.push(("retry-after".to_owned(), secs.to_string()));
    }
    Answer {
        extra: headers,
        ..Answer::error(&error)
    }
}

/// The Bearer secret key, when one is configured.
fn authenticate(secret_key: Option<&str>, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = secret_key else {
        return Ok(());
    };
    match header(headers, "authorization").as_deref().and_then(support_http::bearer_token) {
        Some(token) if token == expected => Ok(()),
        Some(_) => Err(ApiError::authentication("Invalid API Key provided.")),
        None => Err(ApiError::authentication(
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        )),
    }
}

/// The query string of a GET, the form body of anything else.
fn parse_params(req: &Incoming<'_>) -> Result<Params, ApiError> {
    let source = if req.method == "GET" || req.method == "DELETE" {
        req.query.as_bytes()
    } else {
        if !req.body.is_empty() {
            let content_type = header(req.headers, "content-type").unwrap_or_default();
            let essence = content_type.split(';').next().unwrap_or_default().trim();
            if !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
                return Err(ApiError::invalid(format!(
                    "Invalid request: unsupported Content-Type {content_type}. Stripe takes application/x-www-form-urlencoded bodies."
                )));
            }
        }
        req.body
    };
    form::parse(source).map_err(|e| ApiError::invalid(e.0))
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}
