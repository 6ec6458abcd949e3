//! The platform side: call an app's endpoint with signed requests.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use support_signing::SystemClock;

use crate::action::{
    Action, MagicLinkParams, Request, RevokeAccessParams, TransferPurchaseParams,
    UpdateEmailParams, UpdateNameParams,
};
use crate::error::{IntegrationError, Result};
use crate::handler::SharedClock;
use crate::integration::SupportIntegration;
use crate::types::*;
pub use support_http::{HttpRequest, HttpResponse, Transport, TransportError};

/// Default time an app gets to answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Calls a product app's support endpoint.
///
/// It POSTs `{"action": ..., ...params}` to the full endpoint URL (one trailing slash
/// removed, as the TypeScript client does), signed with
/// `X-Support-Signature: timestamp=<unix seconds>,v1=<hex HMAC-SHA256>`. It implements
/// [`SupportIntegration`], so platform code can call a remote app and a local fake the
/// same way.
pub struct IntegrationClient<T> {
    url: String,
    secret: Vec<u8>,
    /// During a key rotation, the secret the app held until now: signed with too, first.
    previous: Option<Vec<u8>>,
    transport: T,
    timeout: Duration,
    clock: SharedClock,
}

impl<T: Transport> IntegrationClient<T> {
    /// A client for the endpoint `url`, signing with `secret`.
    pub fn new(url: impl Into<String>, secret: impl AsRef<[u8]>, transport: T) -> Self {
        let mut url = url.into();
        if url.ends_with('/') {
            url.pop();
        }
        Self {
            url,
            secret: secret.as_ref().to_vec(),
            previous: None,
            transport,
            timeout: DEFAULT_TIMEOUT,
            clock: Arc::new(SystemClock),
        }
    }

    /// Change the timeout (default 10 s).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// While a key rotation is under way, also sign with `previous` (listed first in the
    /// header, so an app that reads only the first `v1` and still holds it verifies, and
    /// an app that already holds the new secret finds its own among them).
    pub fn with_previous_secret(mut self, previous: impl AsRef<[u8]>) -> Self {
        self.previous = Some(previous.as_ref().to_vec());
        self
    }

    /// Use another clock for the signature timestamp.
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// The endpoint URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Send a request and return the raw status and JSON body, whatever the status.
    /// This is what `skill sdk call` and health probes use.
    pub async fn call_raw(&self, request: &Request) -> Result<(u16, serde_json::Value)> {
        let response = self.send(request).await?;
        let body = serde_json::from_slice(&response.body).unwrap_or(serde_json::Value::Null);
        Ok((response.status, body))
    }

    async fn send(&self, request: &Request) -> Result<HttpResponse> {
        let body = request.to_body();
        let now = self.clock.now_unix();
        let signature = match &self.previous {
            Some(previous) => {
                support_signing::sdk::sign_each(&[previous, &self.secret], now, &body)
            }
            None => support_signing::sdk::sign(&self.secret, now, &body),
        };
        let http = HttpRequest::post_json(&self.url, body, self.timeout)
            .header("X-Support-Signature", signature);
        self.transport.send(http).await.map_err(|e| match e {
            TransportError::Timeout => IntegrationError::Timeout(self.timeout.as_millis() as u64),
            TransportError::Other(detail) => IntegrationError::Transport(detail),
        })
    }

    /// Call an action and parse its answer.
    pub async fn call<R: DeserializeOwned>(&self, request: Request) -> Result<R> {
        let action = request.action();
        let response = self.send(&request).await?;
        if !(200..300).contains(&response.status) {
            return Err(error_from_response(action, &response));
        }
        serde_json::from_slice(&response.body).map_err(|e| IntegrationError::InvalidResponse {
            action,
            detail: e.to_string(),
        })
    }

    /// Like [`call`](Self::call), but a `501` yields `fallback` (the TypeScript client
    /// does this for `getActivePromotions`, `getCouponInfo` and `getLicenseInfo`).
    async fn call_or<R: DeserializeOwned>(&self, request: Request, fallback: R) -> Result<R> {
        match self.call(request).await {
            Err(IntegrationError::NotImplemented(_)) => Ok(fallback),
            other => other,
        }
    }
}

fn error_from_response(action: Action, response: &HttpResponse) -> IntegrationError {
    let message = serde_json::from_slice::<serde_json::Value>(&response.body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
    let message_or_status = || {
        message
            .clone()
            .unwrap_or_else(|| format!("HTTP {}", response.status))
    };
    match response.status {
        501 => IntegrationError::NotImplemented(action),
        400 => IntegrationError::BadRequest(message_or_status()),
        401 => IntegrationError::Unauthorized(message_or_status()),
        500 => IntegrationError::Failed(message_or_status()),
        status => IntegrationError::Http {
            status,
            message: message_or_status(),
        },
    }
}

#[cfg_attr(target_arch = "wasm32", async_trait::async_trait(?Send))]
#[cfg_attr(not(target_arch = "wasm32"), async_trait::async_trait)]
impl<T: Transport> SupportIntegration for IntegrationClient<T> {
    async fn lookup_user(&self, email: &str) -> Result<Option<User>> {
        self.call(Request::LookupUser {
            email: email.into(),
        })
        .await
    }

    async fn get_purchases(&self, user_id: &str) -> Result<Vec<Purchase>> {
        self.call(Request::GetPurchases {
            user_id: user_id.into(),
        })
        .await
    }

    async fn revoke_access(&self, params: RevokeAccessParams) -> Result<ActionResult> {
        self.call(Request::RevokeAccess(params)).await
    }

    async fn transfer_purchase(&self, params: TransferPurchaseParams) -> Result<ActionResult> {
        self.call(Request::TransferPurchase(params)).await
    }

    async fn generate_magic_link(&self, params: MagicLinkParams) -> Result<MagicLink> {
        self.call(Request::GenerateMagicLink(params)).await
    }

    async fn get_subscriptions(&self, user_id: &str) -> Result<Vec<Subscription>> {
        self.call(Request::GetSubscriptions {
            user_id: user_id.into(),
        })
        .await
    }

    async fn update_email(&self, params: UpdateEmailParams) -> Result<ActionResult> {
        self.call(Request::UpdateEmail(params)).await
    }

    async fn update_name(&self, params: UpdateNameParams) -> Result<ActionResult> {
        self.call(Request::UpdateName(params)).await
    }

    async fn get_claimed_seats(&self, bulk_coupon_id: &str) -> Result<Vec<ClaimedSeat>> {
        self.call(Request::GetClaimedSeats {
            bulk_coupon_id: bulk_coupon_id.into(),
        })
        .await
    }

    async fn search_content(&self, request: ContentSearchRequest) -> Result<ContentSearchResponse> {
        self.call(Request::SearchContent(request)).await
    }

    async fn get_product_status(&self, product_id: &str) -> Result<Option<ProductStatus>> {
        self.call(Request::GetProductStatus {
            product_id: product_id.into(),
        })
        .await
    }

    async fn get_active_promotions(&self) -> Result<Vec<Promotion>> {
        self.call_or(Request::GetActivePromotions, Vec::new()).await
    }

    async fn get_coupon_info(&self, code: &str) -> Result<Option<CouponInfo>> {
        self.call_or(Request::GetCouponInfo { code: code.into() }, None)
            .await
    }

    async fn get_refund_policy(&self) -> Result<RefundPolicy> {
        self.call(Request::GetRefundPolicy).await
    }

    async fn get_content_access(&self, user_id: &str) -> Result<ContentAccess> {
        self.call(Request::GetContentAccess {
            user_id: user_id.into(),
        })
        .await
    }

    async fn get_recent_activity(&self, user_id: &str) -> Result<UserActivity> {
        self.call(Request::GetRecentActivity {
            user_id: user_id.into(),
        })
        .await
    }

    async fn get_license_info(&self, purchase_id: &str) -> Result<Option<LicenseInfo>> {
        self.call_or(
            Request::GetLicenseInfo {
                purchase_id: purchase_id.into(),
            },
            None,
        )
        .await
    }

    async fn get_app_info(&self) -> Result<AppInfo> {
        self.call(Request::GetAppInfo).await
    }
}
