//! The app side: verify a signed request and dispatch it to a [`SupportIntegration`].
//!
//! Framework-neutral: give it the method, the headers and the raw body bytes, get back
//! a status and a JSON body. Adapters for Workers and axum live in [`crate::adapters`].

use std::sync::Arc;

use serde::Serialize;
use serde_json::json;
use support_http::{BodyError, HttpResponse};
use support_signing::{Clock, SignatureError, SystemClock};

use crate::action::{Action, Request};
use crate::error::IntegrationError;
use crate::integration::SupportIntegration;

/// Default cap on request bodies. Contract requests are small JSON objects.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

const TOO_LARGE: &str = "Request body too large";

/// A clock that can be shared with the handler on any runtime.
pub type SharedClock = Arc<dyn Clock + Send + Sync>;

/// The content type of every answer: `application/json`.
pub const CONTENT_TYPE: &str = support_http::JSON_CONTENT_TYPE;

/// What the handler answers: an [`HttpResponse`] with a JSON body and
/// `content-type: application/json`. Status 200, 400, 401, 405, 413, 500 or 501.
pub type HandlerResponse = HttpResponse;

fn error_response(status: u16, message: impl AsRef<str>) -> HttpResponse {
    HttpResponse::json(status, &json!({ "error": message.as_ref() }))
}

/// Verifies signed requests and routes them to an integration.
///
/// ```
/// # use support_sdk::{SupportHandler, SupportIntegration};
/// # fn demo<I: SupportIntegration>(my_integration: I) {
/// // Newest secret first; the old one keeps working during a rotation.
/// let handler = SupportHandler::with_secrets(my_integration, ["new-secret", "old-secret"]);
/// # }
/// ```
pub struct SupportHandler<I> {
    integration: I,
    secrets: Vec<Vec<u8>>,
    clock: SharedClock,
    max_body_bytes: usize,
}

impl<I: SupportIntegration> SupportHandler<I> {
    /// A handler that accepts requests signed with `secret`.
    pub fn new(integration: I, secret: impl AsRef<[u8]>) -> Self {
        Self::with_secrets(integration, [secret])
    }

    /// A handler that accepts requests signed with any of `secrets`, newest first.
    /// Empty secrets are ignored; with none left every request is refused with 500.
    pub fn with_secrets<S: AsRef<[u8]>>(
        integration: I,
        secrets: impl IntoIterator<Item = S>,
    ) -> Self {
        let secrets = secrets
            .into_iter()
            .map(|s| s.as_ref().to_vec())
            .filter(|s| !s.is_empty())
            .collect();
        Self {
            integration,
            secrets,
            clock: Arc::new(SystemClock),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// Use another clock (tests, or a runtime without `SystemTime`).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Change the body size cap.
    pub fn with_max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }

    /// The integration behind the handler.
    pub fn integration(&self) -> &I {
        &self.integration
    }

    /// The body size cap ([`DEFAULT_MAX_BODY_BYTES`] unless changed). Adapters read
    /// bodies under it and answer [`body_error`](Self::body_error) when it is passed.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// The answer to a body that could not be read: `413 {"error":"Request body too
    /// large"}` (the same answer as an oversized body given to [`handle`](Self::handle)),
    /// or `400 {"error":"Could not read the request body"}`.
    pub fn body_error(&self, error: &BodyError) -> HttpResponse {
        match error {
            BodyError::TooLarge { .. } => error_response(413, TOO_LARGE),
            BodyError::Read(_) => error_response(400, "Could not read the request body"),
        }
    }

    /// Handle one HTTP request. `headers` are (name, value) pairs in any case.
    pub async fn handle<'h>(
        &self,
        method: &str,
        headers: impl IntoIterator<Item = (&'h str, &'h str)>,
        body: &[u8],
    ) -> HttpResponse {
        let signature = headers
            .into_iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(support_signing::sdk::HEADER))
            .map(|(_, value)| value);
        self.handle_signed(method, signature, body).await
    }

    /// Handle one HTTP request given its `X-Support-Signature` header value.
    pub async fn handle_signed(
        &self,
        method: &str,
        signature: Option<&str>,
        body: &[u8],
    ) -> HttpResponse {
        self.handle_verified_with(method, signature, body).await.0
    }

    /// Like [`handle_signed`](Self::handle_signed), and also says which configured
    /// secret verified the request (0 = newest; `None` when it was not verified). A
    /// request verified by an older secret means a caller has not rotated yet.
    pub async fn handle_verified_with(
        &self,
        method: &str,
        signature: Option<&str>,
        body: &[u8],
    ) -> (HttpResponse, Option<usize>) {
        if !method.eq_ignore_ascii_case("POST") {
            return (error_response(405, "Method not allowed"), None);
        }
        if body.len() > self.max_body_bytes {
            return (error_response(413, TOO_LARGE), None);
        }
        // Nothing from the body is looked at before the signature over its raw bytes
        // is verified.
        let verified =
            match support_signing::sdk::verify(signature, body, &self.secrets, &*self.clock) {
                Ok(verified) => verified,
                Err(err) => return (signature_error(&err), None),
            };
        let response = self.handle_verified(body).await;
        (response, Some(verified.secret_index))
    }

    async fn handle_verified(&self, body: &[u8]) -> HttpResponse {
        let value: serde_json::Value = match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(_) => return error_response(400, "Invalid JSON body"),
        };
        let Some(name) = value.get("action").and_then(|a| a.as_str()) else {
            return error_response(400, "Missing action field");
        };
        let Some(action) = Action::from_name(name) else {
            return error_response(400, format!("Unknown action: {name}"));
        };
        let request: Request = match serde_json::from_value(value) {
            Ok(request) => request,
            Err(err) => {
                return error_response(400, format!("Invalid parameters for {action}: {err}"));
            }
        };
        match self.dispatch(request).await {
            Ok(value) => HttpResponse::json(200, &value),
            Err(err) => error_response(err.status(), err.to_string()),
        }
    }

    /// Call the integration for an already-verified request and return its JSON answer.
    pub async fn dispatch(&self, request: Request) -> Result<serde_json::Value, IntegrationError> {
        let i = &self.integration;
        match request {
            Request::LookupUser { email } => to_json(i.lookup_user(&email).await),
            Request::GetPurchases { user_id } => to_json(i.get_purchases(&user_id).await),
            Request::RevokeAccess(p) => to_json(i.revoke_access(p).await),
            Request::TransferPurchase(p) => to_json(i.transfer_purchase(p).await),
            Request::GenerateMagicLink(p) => to_json(i.generate_magic_link(p).await),
            Request::GetSubscriptions { user_id } => to_json(i.get_subscriptions(&user_id).await),
            Request::UpdateEmail(p) => to_json(i.update_email(p).await),
            Request::UpdateName(p) => to_json(i.update_name(p).await),
            Request::GetClaimedSeats { bulk_coupon_id } => {
                to_json(i.get_claimed_seats(&bulk_coupon_id).await)
            }
            Request::SearchContent(r) => to_json(i.search_content(r).await),
            Request::GetProductStatus { product_id } => {
                to_json(i.get_product_status(&product_id).await)
            }
            Request::GetActivePromotions => to_json(i.get_active_promotions().await),
            Request::GetCouponInfo { code } => to_json(i.get_coupon_info(&code).await),
            Request::GetRefundPolicy => to_json(i.get_refund_policy().await),
            Request::GetContentAccess { user_id } => to_json(i.get_content_access(&user_id).await),
            Request::GetRecentActivity { user_id } => {
                to_json(i.get_recent_activity(&user_id).await)
            }
            Request::GetLicenseInfo { purchase_id } => {
                to_json(i.get_license_info(&purchase_id).await)
            }
            Request::GetAppInfo => to_json(i.get_app_info().await),
        }
    }
}

fn to_json<T: Serialize>(
    result: Result<T, IntegrationError>,
) -> Result<serde_json::Value, IntegrationError> {
    let value = result?;
    serde_json::to_value(value)
        .map_err(|e| IntegrationError::failed(format!("could not serialise the answer: {e}")))
}

/// The same status codes and messages as the TypeScript handler, without its holes:
/// a malformed or non-numeric timestamp and a wrong-length signature are 401s here.
fn signature_error(err: &SignatureError) -> HttpResponse {
    match err {
        SignatureError::MissingHeader(_) => error_response(401, "Missing signature header"),
        SignatureError::MalformedHeader(_) | SignatureError::InvalidTimestamp => {
            error_response(401, "Invalid signature format")
        }
        SignatureError::TimestampTooOld => error_response(401, "Signature expired"),
        SignatureError::TimestampInFuture => {
            error_response(401, "Signature timestamp is in the future")
        }
        SignatureError::NoMatchingSignature => error_response(401, "Invalid signature"),
        SignatureError::NoSecretConfigured | SignatureError::InvalidSecret(_) => {
            error_response(500, "Webhook secret not configured")
        }
    }
}
