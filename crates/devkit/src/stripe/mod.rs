//! Stripe stand-in, served under `/stripe` with Stripe's paths below it
//! (`/stripe/v1/refunds`...), for the Connect calls the platform makes.
//!
//! - `POST /v1/refunds`; `GET /v1/refunds/{id}`, `GET /v1/refunds?charge=|payment_intent=`;
//!   `GET /v1/charges/{id}` (`expand[]=refunds`), `GET /v1/charges?customer=&limit=`;
//!   `GET /v1/payment_intents/{id}` (`expand[]=latest_charge`);
//!   `GET /v1/subscriptions?customer=&status=`, `GET /v1/subscriptions/{id}`;
//!   `GET /v1/accounts/{id}` as the platform: a seeded account's object (`charges_enabled`,
//!   `details_submitted`... from the seed, true unless it says otherwise), Stripe's 403
//!   `account_invalid` for any other (the key masked in the message). Lists take
//!   `limit` (1–100, default 10), `starting_after` and `ending_before`, newest first.
//! - Parameters are form-encoded in Stripe's bracket notation (`metadata[k]=v`,
//!   `expand[]=x`); unknown ones are `parameter_unknown`. Objects come in Stripe's shape
//!   (`object`, `id`, `livemode: false`, `created` in seconds) and errors as
//!   `{"error": {"type", "code", "message", "param", "doc_url"}}`. Every answer carries
//!   `Request-Id: req_…` and `Stripe-Version`.
//! - With a secret key configured, `Authorization: Bearer <key>` is required (401
//!   `authentication_error` otherwise).
//! - `Stripe-Account` scopes everything: objects live in one connected account, and
//!   asking another account, or none (the platform), is a 404 `resource_missing`.
//! - Refunds: the amount defaults to what remains; a fully refunded charge is
//!   `charge_already_refunded`, more than remains is `amount_too_large`, a disputed
//!   charge is `charge_disputed` (all 400); the charge's `amount_refunded` and
//!   `refunded` follow; refunds succeed at once.
//! - Idempotency as Stripe: the first answer for an `Idempotency-Key` (per account and
//!   endpoint) is saved once the endpoint ran (parameter validation errors are not) and
//!   replayed for the same parameters with `Idempotent-Replayed: true` and
//!   `Original-Request`; other parameters are a 400 `idempotency_error`; a key over 255
//!   characters is a 400.
//!
//! Control API:
//! - `POST /_devkit/stripe/failures` `{method?, path_prefix?, status, type?, code?,
//!   message?, times?, should_retry?, retry_after?}`: the next `times` (default 1)
//!   matching requests fail with that answer before anything else happens (no state
//!   change, nothing saved for their key), like a request lost on the way.
//!   `GET` lists pending plans, `DELETE` drops them.
//! - `GET /_devkit/stripe/state`: every account's objects, in Stripe's shape.
//! - `GET /_devkit/stripe/requests`: every request (method, path, account, idempotency
//!   key, parameters, status, replayed, injected); `DELETE` forgets them.
//! - `POST /_devkit/stripe/reset`: back to the seed; requests, saved keys and failure
//!   plans forgotten.

mod api;
mod endpoints;
mod errors;
mod form;
mod objects;
pub mod seed;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

pub use api::{FailurePlan, RecordedRequest, DEFAULT_API_VERSION};
pub use seed::StripeSeed;

/// Largest body the stand-in reads (Stripe's own limit is far above our requests).
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How the stand-in starts.
#[derive(Clone, Default)]
pub struct StripeConfig {
    /// The secret key required as `Authorization: Bearer …`; any (or none) when absent.
    pub secret_key: Option<String>,
    /// The accounts and objects it starts with (and returns to on reset).
    pub seed: StripeSeed,
}

impl std::fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConfig")
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "[redacted]"),
            )
            .field("accounts", &self.seed.accounts.len())
            .finish()
    }
}

/// The Stripe stand-in's state.
#[derive(Clone)]
pub struct StripeApi {
    config: Arc<StripeConfig>,
    inner: Arc<Mutex<api::Inner>>,
}

impl StripeApi {
    /// A stand-in starting from `config.seed`.
    pub fn new(config: StripeConfig) -> Self {
        let inner = api::Inner::new(&config.seed);
        Self {
            config: Arc::new(config),
            inner: Arc::new(Mutex::new(inner)),
        }
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Every account's objects, in Stripe's shape.
    pub fn state(&self) -> Value {
        let inner = self.lock();
        json!({
            "accounts": inner.store.to_json(),
            "idempotency_keys": inner.saved_keys(),
            "failures": inner.failures,
        })
    }

    /// Fail the next matching requests.
    pub fn inject(&self, plan: FailurePlan) {
        self.lock().failures.push(plan);
    }

    /// Back to the seed.
    pub fn reset(&self) {
        *self.lock() = api::Inner::new(&self.config.seed);
    }

    // A panic elsewhere must not take the stand-in down with it: the state is
    // still consistent, as every change happens under one lock without awaits.
    fn lock(&self) -> MutexGuard<'_, api::Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The Stripe API under `/stripe` and its control API under `/_devkit/stripe`.
pub fn router(api: StripeApi) -> Router {
    Router::new()
        .route("/stripe/{*path}", any(serve))
        .route("/_devkit/stripe/state", get(state))
        .route(
            "/_devkit/stripe/requests",
            get(requests).delete(clear_requests),
        )
        .route(
            "/_devkit/stripe/failures",
            get(failures).post(add_failure).delete(clear_failures),
        )
        .route("/_devkit/stripe/reset", post(reset))
        .with_state(api)
}

async fn serve(State(api): State<StripeApi>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            Json(json!({"error": {"type": "invalid_request_error", "message": "Request body too large."}})),
        )
            .into_response();
    };
    let path = parts.uri.path();
    let reply = api.lock().handle(
        api.config.secret_key.as_deref(),
        api::Incoming {
            method: parts.method.as_str(),
            path: path.strip_prefix("/stripe").unwrap_or(path),
            query: parts.uri.query().unwrap_or_default(),
            headers: &parts.headers,
            body: &body,
        },
    );
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Json(reply.body)).into_response();
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

async fn state(State(api): State<StripeApi>) -> Json<Value> {
    Json(api.state())
}

async fn requests(State(api): State<StripeApi>) -> Json<Vec<RecordedRequest>> {
    Json(api.requests())
}

async fn clear_requests(State(api): State<StripeApi>) -> StatusCode {
    api.lock().requests.clear();
    StatusCode::NO_CONTENT
}

async fn failures(State(api): State<StripeApi>) -> Json<Vec<FailurePlan>> {
    Json(api.lock().failures.clone())
}

async fn add_failure(State(api): State<StripeApi>, Json(plan): Json<FailurePlan>) -> Response {
    if StatusCode::from_u16(plan.status).is_err() || plan.status < 200 {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "status must be an HTTP status of 200 to 999"})),
        )
            .into_response();
    }
    api.inject(plan);
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_failures(State(api): State<StripeApi>) -> StatusCode {
    api.lock().failures.clear();
    StatusCode::NO_CONTENT
}

async fn reset(State(api): State<StripeApi>) -> StatusCode {
    api.reset();
    StatusCode::NO_CONTENT
}
