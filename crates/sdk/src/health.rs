//! Probing an app's SDK endpoint method by method: what `skill health` prints and the
//! dashboard's Apps page shows.
//!
//! Read methods are called with a probe email (a real customer's address gives a
//! fuller picture). Mutating methods are called with ids that cannot exist, so a
//! correct app answers "not found" and changes nothing; a read-only check skips them.

use serde::Serialize;

use crate::action::*;
use crate::client::IntegrationClient;
use crate::types::ContentSearchRequest;
use crate::{Action, IntegrationError, Request};
use support_http::Transport;

/// The id no app has: mutating probes use it so nothing changes.
pub const PROBE_ID: &str = "skill-health-probe-does-not-exist";

/// The probe email when none is given.
pub const PROBE_EMAIL: &str = "skill-health-probe@example.invalid";

/// What a probe found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Answered 2xx.
    Implemented,
    /// Answered 4xx about the probe's made-up input: the method exists and validates.
    ImplementedRejectedProbe,
    /// Answered 501.
    NotImplemented,
    /// The app's SDK does not know the action (older SDK version).
    Unsupported,
    /// Not called (a read-only check).
    Skipped,
    /// Signature refused.
    Unauthorized,
    /// 5xx, timeout, transport failure or an answer that breaks the contract.
    Error,
}

/// One method's probe.
#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    /// The method's name.
    pub action: &'static str,
    /// Whether every app must implement it.
    pub required: bool,
    /// What the answer says.
    pub outcome: Outcome,
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// The app's error message or the failure.
    pub detail: Option<String>,
    /// How long it took.
    pub millis: u64,
}

/// The request that probes `action`.
pub fn probe_request(action: Action, email: &str, user_id: &str) -> Request {
    let id = || PROBE_ID.to_owned();
    match action {
        Action::LookupUser => Request::LookupUser {
            email: email.into(),
        },
        Action::GetPurchases => Request::GetPurchases {
            user_id: user_id.into(),
        },
        Action::RevokeAccess => Request::RevokeAccess(RevokeAccessParams {
            purchase_id: id(),
            reason: "skill health probe".into(),
            refund_id: id(),
        }),
        Action::TransferPurchase => Request::TransferPurchase(TransferPurchaseParams {
            purchase_id: id(),
            from_user_id: id(),
            to_email: "skill-health-probe-recipient@example.invalid".into(),
        }),
        Action::GenerateMagicLink => Request::GenerateMagicLink(MagicLinkParams {
            email: email.into(),
            expires_in: 60,
        }),
        Action::GetSubscriptions => Request::GetSubscriptions {
            user_id: user_id.into(),
        },
        Action::UpdateEmail => Request::UpdateEmail(UpdateEmailParams {
            user_id: id(),
            new_email: "skill-health-probe-new@example.invalid".into(),
        }),
        Action::UpdateName => Request::UpdateName(UpdateNameParams {
            user_id: id(),
            new_name: "Probe".into(),
        }),
        Action::GetClaimedSeats => Request::GetClaimedSeats {
            bulk_coupon_id: id(),
        },
        Action::SearchContent => Request::SearchContent(ContentSearchRequest {
            query: "getting started".into(),
            limit: Some(1),
            ..Default::default()
        }),
        Action::GetProductStatus => Request::GetProductStatus { product_id: id() },
        Action::GetActivePromotions => Request::GetActivePromotions,
        Action::GetCouponInfo => Request::GetCouponInfo { code: id() },
        Action::GetRefundPolicy => Request::GetRefundPolicy,
        Action::GetContentAccess => Request::GetContentAccess {
            user_id: user_id.into(),
        },
        Action::GetRecentActivity => Request::GetRecentActivity {
            user_id: user_id.into(),
        },
        Action::GetLicenseInfo => Request::GetLicenseInfo { purchase_id: id() },
        Action::GetAppInfo => Request::GetAppInfo,
    }
}

/// What one answer says about the method.
pub fn classify(
    action: Action,
    result: Result<(u16, serde_json::Value), IntegrationError>,
) -> (Outcome, Option<u16>, Option<String>) {
    let (status, body) = match result {
        Ok(answer) => answer,
        Err(e) => return (Outcome::Error, None, Some(e.to_string())),
    };
    let message = body
        .get("error")
        .and_then(|e| e.as_str())
        .map(str::to_owned);
    let outcome = match status {
        200..=299 => Outcome::Implemented,
        501 => Outcome::NotImplemented,
        401 => Outcome::Unauthorized,
        400 if message.as_deref() == Some(&format!("Unknown action: {action}")) => {
            Outcome::Unsupported
        }
        400..=499 => Outcome::ImplementedRejectedProbe,
        _ => Outcome::Error,
    };
    (outcome, Some(status), message)
}

/// What a check found: every method's outcome, and whether the app is healthy (no
/// method unauthorized or failing, every required one implemented).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The endpoint.
    pub url: String,
    /// Whether the app is usable.
    pub healthy: bool,
    /// One probe per method, in [`Action::ALL`] order.
    pub methods: Vec<Probe>,
}

/// Probe every method (the mutating ones skipped when `read_only`), timing each with
/// `now_ms` (a monotonic clock in ms).
pub async fn check<T: Transport>(
    client: &IntegrationClient<T>,
    email: &str,
    read_only: bool,
    now_ms: &dyn Fn() -> f64,
) -> Report {
    // Use the looked-up user's id for the per-user probes when the email exists.
    let user_id = match client
        .call_raw(&Request::LookupUser {
            email: email.to_owned(),
        })
        .await
    {
        Ok((200, body)) => body
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or(PROBE_ID)
            .to_owned(),
        _ => PROBE_ID.to_owned(),
    };
    let mut methods = Vec::new();
    for action in Action::ALL {
        let started = now_ms();
        let (outcome, status, detail) = if read_only && action.is_mutation() {
            (Outcome::Skipped, None, Some("read-only check".into()))
        } else {
            classify(
                action,
                client
                    .call_raw(&probe_request(action, email, &user_id))
                    .await,
            )
        };
        methods.push(Probe {
            action: action.name(),
            required: action.is_required(),
            outcome,
            status,
            detail,
            millis: (now_ms() - started).max(0.0) as u64,
        });
    }
    let healthy = methods.iter().all(|p| match p.outcome {
        Outcome::Unauthorized | Outcome::Error => false,
        Outcome::NotImplemented | Outcome::Unsupported => !p.required,
        _ => true,
    });
    Report {
        url: client.url().to_owned(),
        healthy,
        methods,
    }
}

impl Outcome {
    /// How a person reads it.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Implemented => "implemented",
            Outcome::ImplementedRejectedProbe => "implemented (rejected probe input)",
            Outcome::NotImplemented => "not implemented",
            Outcome::Unsupported => "not supported by the app's SDK version",
            Outcome::Skipped => "skipped",
            Outcome::Unauthorized => "UNAUTHORIZED",
            Outcome::Error => "ERROR",
        }
    }
}
