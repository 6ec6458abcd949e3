//! The catalog: product status, promotions and coupons.

use serde::Deserialize;
use support_sdk::types::*;
use support_sdk::Result;

use super::{parse_enum, D1Integration};

#[derive(Deserialize)]
struct ProductRow {
    id: String,
    product_type: String,
    state: String,
    quantity_available: i64,
    quantity_remaining: i64,
    starts_at: Option<String>,
    ends_at: Option<String>,
    enrollment_open: Option<String>,
    enrollment_close: Option<String>,
}

#[derive(Deserialize)]
struct PromotionRow {
    id: String,
    name: String,
    code: Option<String>,
    discount_type: String,
    discount_amount: f64,
    valid_from: Option<String>,
    valid_until: Option<String>,
    active: i64,
    conditions: Option<String>,
}

#[derive(Deserialize)]
struct CouponRow {
    code: String,
    valid: i64,
    discount_type: String,
    discount_amount: f64,
    restriction_type: Option<String>,
    usage_count: i64,
    max_uses: Option<i64>,
    expires_at: Option<String>,
}

pub(super) async fn get_product_status(
    store: &D1Integration,
    product_id: &str,
) -> Result<Option<ProductStatus>> {
    let row: Option<ProductRow> = store
        .first(
            "SELECT id, product_type, state, quantity_available, quantity_remaining, starts_at, ends_at, \
             enrollment_open, enrollment_close FROM products WHERE id = ?1",
            &[product_id],
        )
        .await?;
    row.map(|r| {
        let sold_out = r.quantity_available >= 0 && r.quantity_remaining <= 0;
        Ok(ProductStatus {
            available: r.state == "active" && !sold_out,
            sold_out,
            state: parse_enum(&r.state)?,
            product_id: r.id,
            product_type: r.product_type,
            quantity_available: r.quantity_available,
            quantity_remaining: r.quantity_remaining,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            enrollment_open: r.enrollment_open,
            enrollment_close: r.enrollment_close,
        })
    })
    .transpose()
}

pub(super) async fn get_active_promotions(store: &D1Integration) -> Result<Vec<Promotion>> {
    let rows: Vec<PromotionRow> = store
        .all(
            "SELECT id, name, code, discount_type, discount_amount, valid_from, valid_until, active, conditions \
             FROM promotions WHERE active = 1 ORDER BY id",
            &[],
        )
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Promotion {
                discount_type: parse_enum(&r.discount_type)?,
                active: r.active != 0,
                id: r.id,
                name: r.name,
                code: r.code,
                discount_amount: r.discount_amount,
                valid_from: r.valid_from,
                valid_until: r.valid_until,
                conditions: r.conditions,
            })
        })
        .collect()
}

pub(super) async fn get_coupon_info(
    store: &D1Integration,
    code: &str,
) -> Result<Option<CouponInfo>> {
    let row: Option<CouponRow> = store
        .first(
            "SELECT code, valid, discount_type, discount_amount, restriction_type, usage_count, max_uses, expires_at \
             FROM coupons WHERE code = ?1",
            &[code.trim()],
        )
        .await?;
    row.map(|r| {
        let used_up = r.max_uses.is_some_and(|max| r.usage_count >= max);
        Ok(CouponInfo {
            valid: r.valid != 0 && !used_up,
            discount_type: parse_enum(&r.discount_type)?,
            restriction_type: r.restriction_type.as_deref().map(parse_enum).transpose()?,
            code: r.code,
            discount_amount: r.discount_amount,
            usage_count: r.usage_count,
            max_uses: r.max_uses,
            expires_at: r.expires_at,
        })
    })
    .transpose()
}
