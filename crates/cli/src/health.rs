//! `skill health`: probe every method of an app's SDK endpoint.
//!
//! Read methods are called with the probe email (a real customer's address gives a
//! fuller picture). Mutating methods are called with ids that cannot exist, so a
//! correct app answers "not found" and changes nothing; `--read-only` skips them.

use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use serde::Serialize;
use support_sdk::action::*;
use support_sdk::types::ContentSearchRequest;
use support_sdk::{Action, IntegrationError, Request};

use crate::EndpointArgs;

const PROBE_ID: &str = "skill-health-probe-does-not-exist";

#[derive(Args)]
pub struct HealthArgs {
    #[command(flatten)]
    endpoint: EndpointArgs,
    /// Email to look up (a real customer's address exercises more of the app).
    #[arg(long, default_value = "skill-health-probe@example.invalid")]
    email: String,
    /// Do not call methods that change data, even with ids that cannot exist.
    #[arg(long)]
    read_only: bool,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

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
    /// Not called (--read-only).
    Skipped,
    /// Signature refused.
    Unauthorized,
    /// 5xx, timeout, transport failure or an answer that breaks the contract.
    Error,
}

#[derive(Debug, Serialize)]
struct Probe {
    action: &'static str,
    required: bool,
    outcome: Outcome,
    status: Option<u16>,
    detail: Option<String>,
    millis: u128,
}

fn probe_request(action: Action, email: &str, user_id: &str) -> Request {
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

fn classify(
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

pub async fn run(args: HealthArgs) -> anyhow::Result<ExitCode> {
    let client = args.endpoint.client();
    // Use the looked-up user's id for the per-user probes when the email exists.
    let user_id = match client
        .call_raw(&Request::LookupUser {
            email: args.email.clone(),
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

    let mut probes = Vec::new();
    for action in Action::ALL {
        let started = Instant::now();
        let (outcome, status, detail) = if args.read_only && action.is_mutation() {
            (Outcome::Skipped, None, Some("--read-only".into()))
        } else {
            classify(
                action,
                client
                    .call_raw(&probe_request(action, &args.email, &user_id))
                    .await,
            )
        };
        probes.push(Probe {
            action: action.name(),
            required: action.is_required(),
            outcome,
            status,
            detail,
            millis: started.elapsed().as_millis(),
        });
    }

    let healthy = probes.iter().all(|p| match p.outcome {
        Outcome::Unauthorized | Outcome::Error => false,
        Outcome::NotImplemented | Outcome::Unsupported => !p.required,
        _ => true,
    });
    if args.json {
        let report =
            serde_json::json!({ "url": client.url(), "healthy": healthy, "methods": probes });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("{}", client.url());
        for p in &probes {
            let label = match p.outcome {
                Outcome::Implemented => "implemented",
                Outcome::ImplementedRejectedProbe => "implemented (rejected probe input)",
                Outcome::NotImplemented => "not implemented",
                Outcome::Unsupported => "not supported by the app's SDK version",
                Outcome::Skipped => "skipped",
                Outcome::Unauthorized => "UNAUTHORIZED",
                Outcome::Error => "ERROR",
            };
            let kind = if p.required { "required" } else { "optional" };
            let detail = match (&p.outcome, &p.detail) {
                (Outcome::Implemented | Outcome::NotImplemented | Outcome::Skipped, _)
                | (_, None) => String::new(),
                (_, Some(d)) => format!("  ({d})"),
            };
            println!(
                "  {:<20} {:<8} {:>5} ms  {label}{detail}",
                p.action, kind, p.millis
            );
        }
        println!("{}", if healthy { "healthy" } else { "UNHEALTHY" });
    }
    Ok(if healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
