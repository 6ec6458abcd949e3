//! Purchases: listing, refunds (revoking access), transfers, and subscriptions.

use serde::Deserialize;
use support_sdk::action::*;
use support_sdk::types::*;
use support_sdk::{IntegrationError, Result};

use super::{
    date, looks_like_email, not_found, now_iso, parse_enum, random_hex, users, D1Integration,
};

#[derive(Deserialize)]
pub(super) struct PurchaseRow {
    pub(super) id: String,
    pub(super) user_id: String,
    pub(super) product_id: String,
    pub(super) product_name: String,
    pub(super) purchased_at: String,
    pub(super) amount: i64,
    pub(super) currency: String,
    pub(super) stripe_charge_id: Option<String>,
    pub(super) status: String,
    pub(super) refund_id: Option<String>,
    pub(super) license_type: String,
    pub(super) total_seats: i64,
    pub(super) bulk_coupon_id: Option<String>,
    pub(super) admin_email: Option<String>,
    pub(super) expires_at: Option<String>,
}

pub(super) const PURCHASE_COLUMNS: &str = "p.id, p.user_id, p.product_id, pr.name AS product_name, p.purchased_at, p.amount, \
     p.currency, p.stripe_charge_id, p.status, p.refund_id, p.license_type, p.total_seats, p.bulk_coupon_id, \
     p.admin_email, p.expires_at";

impl PurchaseRow {
    fn to_purchase(&self) -> Result<Purchase> {
        Ok(Purchase {
            id: self.id.clone(),
            product_id: self.product_id.clone(),
            product_name: self.product_name.clone(),
            purchased_at: date(&self.purchased_at)?,
            amount: self.amount,
            currency: self.currency.clone(),
            stripe_charge_id: self.stripe_charge_id.clone(),
            status: parse_enum(&self.status)?,
        })
    }
}

impl D1Integration {
    pub(super) async fn purchase_by_id(&self, purchase_id: &str) -> Result<Option<PurchaseRow>> {
        let sql = format!("SELECT {PURCHASE_COLUMNS} FROM purchases p JOIN products pr ON pr.id = p.product_id WHERE p.id = ?1");
        self.first(&sql, &[purchase_id]).await
    }
}

/// The result of a write guarded by `status = 'active'`: it changed its row,
/// or the purchase changed between the checks and the write.
fn guarded_write(changed: usize) -> ActionResult {
    if changed == 1 {
        ActionResult::ok()
    } else {
        ActionResult::failed("purchase changed concurrently; retry")
    }
}

pub(super) async fn get_purchases(store: &D1Integration, user_id: &str) -> Result<Vec<Purchase>> {
    let sql = format!(
        "SELECT {PURCHASE_COLUMNS} FROM purchases p JOIN products pr ON pr.id = p.product_id \
         WHERE p.user_id = ?1 ORDER BY p.purchased_at DESC"
    );
    let rows: Vec<PurchaseRow> = store.all(&sql, &[user_id]).await?;
    rows.iter().map(PurchaseRow::to_purchase).collect()
}

pub(super) async fn revoke_access(
    store: &D1Integration,
    params: RevokeAccessParams,
) -> Result<ActionResult> {
    let Some(purchase) = store.purchase_by_id(&params.purchase_id).await? else {
        return Ok(not_found("purchase", &params.purchase_id));
    };
    match purchase.status.as_str() {
        "active" => {}
        // Retrying the same refund is a success, so the platform can retry safely.
        "refunded" if purchase.refund_id.as_deref() == Some(params.refund_id.as_str()) => {
            return Ok(ActionResult::ok())
        }
        other => {
            return Ok(ActionResult::failed(format!(
                "purchase {} is {other}",
                params.purchase_id
            )))
        }
    }
    let changed = store
        .batch(vec![
            store.statement(
                "UPDATE purchases SET status = 'refunded', refund_id = ?2, refund_reason = ?3 \
                 WHERE id = ?1 AND status = 'active'",
                &[&params.purchase_id, &params.refund_id, &params.reason],
            )?,
            store.audit(
                Action::RevokeAccess,
                &params.purchase_id,
                &format!("refund {}: {}", params.refund_id, params.reason),
            )?,
        ])
        .await?;
    Ok(guarded_write(changed[0]))
}

pub(super) async fn transfer_purchase(
    store: &D1Integration,
    params: TransferPurchaseParams,
) -> Result<ActionResult> {
    let to_email = params.to_email.trim().to_owned();
    if !looks_like_email(&to_email) {
        return Err(IntegrationError::bad_request(format!(
            "toEmail {to_email:?} is not an email address"
        )));
    }
    let Some(purchase) = store.purchase_by_id(&params.purchase_id).await? else {
        return Ok(not_found("purchase", &params.purchase_id));
    };
    if purchase.user_id != params.from_user_id {
        return Ok(ActionResult::failed(format!(
            "purchase {} does not belong to {}",
            params.purchase_id, params.from_user_id
        )));
    }
    if purchase.status != "active" {
        return Ok(ActionResult::failed(format!(
            "purchase {} is {}",
            params.purchase_id, purchase.status
        )));
    }
    let recipient = match users::lookup_user(store, &to_email).await? {
        Some(user) => user.id,
        None => format!("usr_{}", random_hex(8)?),
    };
    if recipient == params.from_user_id {
        return Ok(ActionResult::failed(
            "the purchase already belongs to that email",
        ));
    }
    // The original stays as history (status transferred); the recipient gets a new
    // active purchase with the same terms. All or nothing.
    let new_id = format!("{}_t{}", params.purchase_id, random_hex(3)?);
    let changed = store
        .batch(vec![
            store.statement(
                "INSERT OR IGNORE INTO users (id, email, name, created_at) VALUES (?1, ?2, NULL, ?3)",
                &[&recipient, &to_email, &now_iso()],
            )?,
            store.statement(
                "UPDATE purchases SET status = 'transferred', transferred_to = ?2 WHERE id = ?1 AND status = 'active'",
                &[&params.purchase_id, &new_id],
            )?,
            store.statement(
                "INSERT INTO purchases (id, user_id, product_id, purchased_at, amount, currency, stripe_charge_id, \
                 status, license_type, total_seats, bulk_coupon_id, admin_email, expires_at) \
                 SELECT ?2, ?3, product_id, purchased_at, amount, currency, stripe_charge_id, 'active', license_type, \
                 total_seats, bulk_coupon_id, admin_email, expires_at FROM purchases WHERE id = ?1",
                &[&params.purchase_id, &new_id, &recipient],
            )?,
            store.audit(Action::TransferPurchase, &params.purchase_id, &format!("to {recipient} as {new_id}"))?,
        ])
        .await?;
    Ok(guarded_write(changed[1]))
}

#[derive(Deserialize)]
struct SubscriptionRow {
    id: String,
    product_id: String,
    product_name: String,
    status: String,
    current_period_start: String,
    current_period_end: String,
    cancel_at_period_end: i64,
}

pub(super) async fn get_subscriptions(
    store: &D1Integration,
    user_id: &str,
) -> Result<Vec<Subscription>> {
    let rows: Vec<SubscriptionRow> = store
        .all(
            "SELECT s.id, s.product_id, pr.name AS product_name, s.status, s.current_period_start, \
             s.current_period_end, s.cancel_at_period_end FROM subscriptions s \
             JOIN products pr ON pr.id = s.product_id WHERE s.user_id = ?1",
            &[user_id],
        )
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Subscription {
                status: parse_enum(&r.status)?,
                current_period_start: date(&r.current_period_start)?,
                current_period_end: date(&r.current_period_end)?,
                cancel_at_period_end: r.cancel_at_period_end != 0,
                id: r.id,
                product_id: r.product_id,
                product_name: r.product_name,
            })
        })
        .collect()
}
