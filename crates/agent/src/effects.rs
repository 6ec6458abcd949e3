//! The effects a human approved, each over its typed client: a refund on the app's
//! Stripe connected account, the app's `revokeAccess`, `transferPurchase`,
//! `updateEmail`, `updateName`, and login links minted for the reply. Each call
//! takes a bound [`support_core::effect`] value, so every argument comes from the
//! sender's records; the workflow claims the ledger entry and re-reads the approval
//! before calling, and commits the result right after.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use support_core::effect::{LoginLink, Refund, Transfer, UpdateEmail, UpdateName};
use support_core::money::Money;
use support_http::Transport;
use support_sdk::action::{
    MagicLinkParams, RevokeAccessParams, TransferPurchaseParams, UpdateEmailParams,
    UpdateNameParams,
};
use support_sdk::types::ActionResult;
use support_sdk::{IntegrationClient, IntegrationError, SupportIntegration};
use support_stripe::{RefundParams, RefundTarget, StripeClient, StripeError};

use crate::toolbox::stripe_short;

/// Why an effect did not happen, and whether trying again can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EffectError {
    /// For the approvers and the audit log (never a secret).
    pub message: String,
    /// `None`: never retry; `Some(None)`: retry per policy; `Some(Some(d))`: after `d`.
    pub retry: Option<Option<Duration>>,
}

impl EffectError {
    fn never(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retry: None,
        }
    }

    fn later(message: impl Into<String>, after: Option<Duration>) -> Self {
        Self {
            message: message.into(),
            retry: Some(after),
        }
    }
}

/// A refund that happened (or had happened already).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Refunded {
    /// `re_…`.
    pub refund_id: String,
    /// What was refunded.
    pub amount: Money,
    /// Stripe's status of the refund.
    pub status: String,
    /// Whether an earlier attempt had made it (found at Stripe or replayed).
    pub replayed: bool,
}

/// The Stripe `Idempotency-Key` of a ledger key (Stripe allows 255 characters; a hash
/// keeps app and action ids out of Stripe's logs).
pub fn stripe_idempotency_key(ledger_key: &str) -> String {
    let digest = Sha256::digest(ledger_key.as_bytes());
    format!(
        "support-{}",
        digest
            .iter()
            .take(20)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

fn status_name(status: support_stripe::RefundStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

fn stripe_error(what: &str, e: StripeError) -> EffectError {
    let message = format!("{what}: {}", stripe_short(&e));
    if e.is_retryable() {
        EffectError::later(message, e.retry_after())
    } else {
        EffectError::never(message)
    }
}

fn sdk_error(what: &str, e: IntegrationError) -> EffectError {
    let message = format!("{what}: {e}");
    match &e {
        IntegrationError::Transport(_) | IntegrationError::Timeout(_) => {
            EffectError::later(message, None)
        }
        IntegrationError::Http { status, .. } if *status == 429 || *status >= 500 => {
            EffectError::later(message, None)
        }
        IntegrationError::Failed(_) => EffectError::later(message, None),
        _ => EffectError::never(message),
    }
}

fn app_result(what: &str, result: ActionResult) -> Result<(), EffectError> {
    if result.success {
        Ok(())
    } else {
        Err(EffectError::never(format!(
            "{what}: the app refused: {}",
            result.error.as_deref().unwrap_or("no reason given")
        )))
    }
}

/// What approved effects reach.
pub struct Effects {
    /// The app's SDK endpoint.
    pub sdk: Option<IntegrationClient<Arc<dyn Transport>>>,
    /// Stripe with the app's connected account.
    pub stripe: Option<(Arc<StripeClient>, String)>,
}

impl Effects {
    fn sdk(&self) -> Result<&IntegrationClient<Arc<dyn Transport>>, EffectError> {
        self.sdk
            .as_ref()
            .ok_or_else(|| EffectError::never("the app has no SDK endpoint"))
    }

    fn stripe(&self) -> Result<(&StripeClient, &str), EffectError> {
        self.stripe
            .as_ref()
            .map(|(client, account)| (client.as_ref(), account.as_str()))
            .ok_or_else(|| EffectError::never("payments are not connected for this app"))
    }

    /// Refund `refund` once under `ledger_key`. A refund an earlier attempt made is
    /// found at Stripe (by the ledger key in its metadata) instead of made again; a
    /// charge refunded elsewhere since the approval is not refunded past what it holds.
    pub async fn refund(
        &self,
        refund: &Refund,
        action_id: &str,
        ledger_key: &str,
    ) -> Result<Refunded, EffectError> {
        let (stripe, account) = self.stripe()?;
        let earlier = stripe
            .list_refunds(
                account,
                &RefundTarget::Charge(refund.charge_id.clone()),
                100,
            )
            .await
            .map_err(|e| stripe_error("list the charge's refunds", e))?;
        if let Some(found) = earlier
            .data
            .iter()
            .find(|r| r.metadata.get("ledger_key").map(String::as_str) == Some(ledger_key))
        {
            return Ok(Refunded {
                refund_id: found.id.clone(),
                amount: Money::new(found.amount, &found.currency),
                status: status_name(found.status),
                replayed: true,
            });
        }
        let charge = stripe
            .retrieve_charge(account, &refund.charge_id)
            .await
            .map_err(|e| stripe_error("read the charge", e))?;
        if !charge
            .currency
            .eq_ignore_ascii_case(&refund.amount.currency)
        {
            return Err(EffectError::never(
                "the charge's currency is not the approved one",
            ));
        }
        if charge.refundable() < refund.amount.amount {
            return Err(EffectError::never(format!(
                "not refunded: the charge has {} left to refund, less than the approved {} (refunded elsewhere since)",
                Money::new(charge.refundable(), &charge.currency),
                refund.amount
            )));
        }
        let reason = match refund.reason {
            support_core::effect::RefundReason::RequestedByCustomer => {
                support_stripe::RefundReason::RequestedByCustomer
            }
            support_core::effect::RefundReason::Duplicate => {
                support_stripe::RefundReason::Duplicate
            }
            support_core::effect::RefundReason::Fraudulent => {
                support_stripe::RefundReason::Fraudulent
            }
        };
        let params = RefundParams::charge(refund.charge_id.clone())
            .amount(refund.amount.amount)
            .reason(reason)
            .metadata("action_id", action_id)
            .metadata("purchase_id", refund.purchase.purchase_id.clone())
            .metadata("ledger_key", ledger_key);
        let created = stripe
            .create_refund(account, &params, &stripe_idempotency_key(ledger_key))
            .await
            .map_err(|e| stripe_error("Stripe refund", e))?;
        Ok(Refunded {
            refund_id: created.refund.id.clone(),
            amount: Money::new(created.refund.amount, &created.refund.currency),
            status: status_name(created.refund.status),
            replayed: created.replayed,
        })
    }

    /// The app revokes access to the refunded purchase, with the real refund id.
    pub async fn revoke(&self, refund: &Refund, refund_id: &str) -> Result<(), EffectError> {
        let reason = if refund.note.is_empty() {
            "refunded".to_owned()
        } else {
            refund.note.clone()
        };
        let result = self
            .sdk()?
            .revoke_access(RevokeAccessParams {
                purchase_id: refund.purchase.purchase_id.clone(),
                reason,
                refund_id: refund_id.to_owned(),
            })
            .await
            .map_err(|e| sdk_error("revokeAccess", e))?;
        app_result("revokeAccess", result)
    }

    /// Move the sender's purchase to the approved email.
    pub async fn transfer(&self, transfer: &Transfer) -> Result<(), EffectError> {
        let result = self
            .sdk()?
            .transfer_purchase(TransferPurchaseParams {
                purchase_id: transfer.purchase.purchase_id.clone(),
                from_user_id: transfer.from.user_id.clone(),
                to_email: transfer.to_email.clone(),
            })
            .await
            .map_err(|e| sdk_error("transferPurchase", e))?;
        app_result("transferPurchase", result)
    }

    /// Change the sender's account email.
    pub async fn update_email(&self, change: &UpdateEmail) -> Result<(), EffectError> {
        let result = self
            .sdk()?
            .update_email(UpdateEmailParams {
                user_id: change.account.user_id.clone(),
                new_email: change.new_email.clone(),
            })
            .await
            .map_err(|e| sdk_error("updateEmail", e))?;
        app_result("updateEmail", result)
    }

    /// Change the sender's display name.
    pub async fn update_name(&self, change: &UpdateName) -> Result<(), EffectError> {
        let result = self
            .sdk()?
            .update_name(UpdateNameParams {
                user_id: change.account.user_id.clone(),
                new_name: change.new_name.clone(),
            })
            .await
            .map_err(|e| sdk_error("updateName", e))?;
        app_result("updateName", result)
    }

    /// Mint the sender's login link, right before the reply that carries it is sent.
    /// The link is returned to the caller only: never stored, logged or audited.
    pub async fn mint_login_link(&self, link: &LoginLink) -> Result<String, EffectError> {
        let minted = self
            .sdk()?
            .generate_magic_link(MagicLinkParams {
                email: link.account.email.clone(),
                expires_in: u64::from(link.expires_in_secs),
            })
            .await
            .map_err(|e| sdk_error("generateMagicLink", e))?;
        if !(minted.url.starts_with("https://") || minted.url.starts_with("http://")) {
            return Err(EffectError::never(
                "generateMagicLink: the app answered something that is not a link",
            ));
        }
        Ok(minted.url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_come_from_the_ledger_key() {
        let a = stripe_idempotency_key("tt:act_1:0:refund");
        assert_eq!(a, stripe_idempotency_key("tt:act_1:0:refund"));
        assert_ne!(a, stripe_idempotency_key("other:act_1:0:refund"));
        assert!(a.starts_with("support-") && a.len() == 48);
        assert!(!a.contains("act_1"));
    }
}
