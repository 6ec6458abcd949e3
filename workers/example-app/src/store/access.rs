//! Who may use what: team seats, licenses and content access.

use serde::Deserialize;
use support_sdk::types::*;
use support_sdk::Result;

use super::purchases::{PurchaseRow, PURCHASE_COLUMNS};
use super::{date, parse_enum, D1Integration};

#[derive(Deserialize)]
struct SeatRow {
    user_id: String,
    email: String,
    claimed_at: String,
    last_active_at: Option<String>,
}

#[derive(Deserialize)]
struct ModuleRow {
    product_id: String,
    id: String,
    title: String,
    free: i64,
}

/// The seats claimed on a team purchase (its bulk coupon), oldest first.
async fn seats(store: &D1Integration, bulk_coupon_id: &str) -> Result<Vec<SeatRow>> {
    store
        .all(
            "SELECT user_id, email, claimed_at, last_active_at FROM seats WHERE bulk_coupon_id = ?1 ORDER BY claimed_at",
            &[bulk_coupon_id],
        )
        .await
}

pub(super) async fn get_claimed_seats(
    store: &D1Integration,
    bulk_coupon_id: &str,
) -> Result<Vec<ClaimedSeat>> {
    let rows = seats(store, bulk_coupon_id).await?;
    rows.into_iter()
        .map(|r| {
            Ok(ClaimedSeat {
                claimed_at: date(&r.claimed_at)?,
                user_id: r.user_id,
                email: r.email,
            })
        })
        .collect()
}

pub(super) async fn get_content_access(
    store: &D1Integration,
    user_id: &str,
) -> Result<ContentAccess> {
    let sql = format!(
        "SELECT {PURCHASE_COLUMNS} FROM purchases p JOIN products pr ON pr.id = p.product_id WHERE p.user_id = ?1 \
         UNION SELECT {PURCHASE_COLUMNS} FROM seats s JOIN purchases p ON p.bulk_coupon_id = s.bulk_coupon_id \
         JOIN products pr ON pr.id = p.product_id WHERE s.user_id = ?1"
    );
    let purchases: Vec<PurchaseRow> = store.all(&sql, &[user_id]).await?;
    let modules: Vec<ModuleRow> = store
        .all(
            "SELECT product_id, id, title, free FROM modules ORDER BY product_id, position",
            &[],
        )
        .await?;
    let mut products = Vec::new();
    for p in purchases.iter().filter(|p| p.status != "transferred") {
        let full = p.status == "active";
        let product_modules: Vec<ModuleAccess> = modules
            .iter()
            .filter(|m| m.product_id == p.product_id)
            .map(|m| ModuleAccess {
                id: m.id.clone(),
                title: m.title.clone(),
                accessible: full || m.free != 0,
            })
            .collect();
        products.push(ProductAccess {
            product_id: p.product_id.clone(),
            product_name: p.product_name.clone(),
            access_level: if full {
                AccessLevel::Full
            } else {
                AccessLevel::Expired
            },
            modules: (!product_modules.is_empty()).then_some(product_modules),
            expires_at: p.expires_at.clone(),
        });
    }
    let team_membership = match purchases
        .iter()
        .find(|p| p.bulk_coupon_id.is_some() && p.license_type != "individual")
    {
        Some(team) => {
            let seat: Option<SeatRow> = store
                .first(
                    "SELECT user_id, email, claimed_at, last_active_at FROM seats WHERE bulk_coupon_id = ?1 AND user_id = ?2",
                    &[team.bulk_coupon_id.as_deref().unwrap_or_default(), user_id],
                )
                .await?;
            seat.map(|s| TeamMembership {
                team_id: team.bulk_coupon_id.clone().unwrap_or_default(),
                team_name: format!("{} team", team.admin_email.as_deref().unwrap_or("Team")),
                role: if team.user_id == user_id {
                    TeamRole::Owner
                } else {
                    TeamRole::Member
                },
                seat_claimed_at: s.claimed_at,
            })
        }
        None => None,
    };
    Ok(ContentAccess {
        user_id: user_id.to_owned(),
        products,
        team_membership,
    })
}

pub(super) async fn get_license_info(
    store: &D1Integration,
    purchase_id: &str,
) -> Result<Option<LicenseInfo>> {
    let Some(p) = store.purchase_by_id(purchase_id).await? else {
        return Ok(None);
    };
    let Some(bulk) = p.bulk_coupon_id.as_deref() else {
        return Ok(None);
    };
    let seats = seats(store, bulk).await?;
    let claimed = seats.len() as i64;
    Ok(Some(LicenseInfo {
        purchase_id: p.id.clone(),
        license_type: parse_enum(&p.license_type)?,
        total_seats: p.total_seats,
        claimed_seats: claimed,
        available_seats: (p.total_seats - claimed).max(0),
        expires_at: p.expires_at.clone(),
        claimed_by: seats
            .into_iter()
            .map(|s| LicenseSeat {
                email: s.email,
                claimed_at: s.claimed_at,
                last_active_at: s.last_active_at,
            })
            .collect(),
        admin_email: p.admin_email.clone(),
    }))
}
