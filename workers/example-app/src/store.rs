//! `SupportIntegration` over D1: every method of the contract, as a product app would
//! write it against its own tables.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use support_sdk::action::*;
use support_sdk::types::*;
use support_sdk::{async_trait, IntegrationError, Result, SupportIntegration};
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

/// The app's data, reached through its D1 binding.
pub struct D1Integration {
    db: D1Database,
    public_url: String,
}

impl D1Integration {
    pub fn new(db: D1Database, public_url: String) -> Self {
        Self { db, public_url }
    }

    fn statement(&self, sql: &str, args: &[&str]) -> Result<D1PreparedStatement> {
        let args: Vec<JsValue> = args.iter().map(|a| JsValue::from_str(a)).collect();
        self.db.prepare(sql).bind(&args).map_err(db_error)
    }

    async fn all<T: DeserializeOwned>(&self, sql: &str, args: &[&str]) -> Result<Vec<T>> {
        let result = self.statement(sql, args)?.all().await.map_err(db_error)?;
        result.results().map_err(db_error)
    }

    async fn first<T: DeserializeOwned>(&self, sql: &str, args: &[&str]) -> Result<Option<T>> {
        self.statement(sql, args)?
            .first(None)
            .await
            .map_err(db_error)
    }

    /// Run statements atomically; returns rows changed by each.
    async fn batch(&self, statements: Vec<D1PreparedStatement>) -> Result<Vec<usize>> {
        let results = self.db.batch(statements).await.map_err(db_error)?;
        Ok(results
            .iter()
            .map(|r| r.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0))
            .collect())
    }

    fn audit(&self, action: Action, subject: &str, detail: &str) -> Result<D1PreparedStatement> {
        self.statement(
            "INSERT INTO support_audit (action, subject, detail, created_at) VALUES (?1, ?2, ?3, ?4)",
            &[action.name(), subject, detail, &now_iso()],
        )
    }

    async fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<T> {
        let row: Option<Setting> = self
            .first("SELECT value FROM settings WHERE key = ?1", &[key])
            .await?;
        let row =
            row.ok_or_else(|| IntegrationError::failed(format!("setting {key} is missing")))?;
        serde_json::from_str(&row.value)
            .map_err(|e| IntegrationError::failed(format!("setting {key} is invalid: {e}")))
    }

    async fn purchase_by_id(&self, purchase_id: &str) -> Result<Option<PurchaseRow>> {
        let sql = format!("SELECT {PURCHASE_COLUMNS} FROM purchases p JOIN products pr ON pr.id = p.product_id WHERE p.id = ?1");
        self.first(&sql, &[purchase_id]).await
    }

    async fn user_by_id(&self, user_id: &str) -> Result<Option<UserRow>> {
        self.first(
            "SELECT id, email, name, created_at FROM users WHERE id = ?1",
            &[user_id],
        )
        .await
    }
}

fn db_error(e: worker::Error) -> IntegrationError {
    // The platform sees this message in its audit log, never a customer.
    IntegrationError::failed(format!("database error: {e}"))
}

fn now_iso() -> String {
    iso(worker::Date::now().as_millis() as i64)
}

fn iso(millis: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(millis)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn date(raw: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| IntegrationError::failed(format!("stored date {raw:?} is invalid: {e}")))
}

/// Map a stored string onto a contract enum (the CHECK constraints keep them valid).
fn parse_enum<T: DeserializeOwned>(raw: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(raw.to_owned()))
        .map_err(|_| IntegrationError::failed(format!("stored value {raw:?} is not valid")))
}

fn looks_like_email(email: &str) -> bool {
    let mut parts = email.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(local), Some(domain), None)
        if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
}

#[derive(Deserialize)]
struct Setting {
    value: String,
}

#[derive(Deserialize)]
struct UserRow {
    id: String,
    email: String,
    name: Option<String>,
    created_at: String,
}

impl UserRow {
    fn into_user(self) -> Result<User> {
        Ok(User {
            created_at: date(&self.created_at)?,
            id: self.id,
            email: self.email,
            name: self.name,
        })
    }
}

#[derive(Deserialize)]
struct PurchaseRow {
    id: String,
    user_id: String,
    product_id: String,
    product_name: String,
    purchased_at: String,
    amount: i64,
    currency: String,
    stripe_charge_id: Option<String>,
    status: String,
    refund_id: Option<String>,
    license_type: String,
    total_seats: i64,
    bulk_coupon_id: Option<String>,
    admin_email: Option<String>,
    expires_at: Option<String>,
}

const PURCHASE_COLUMNS: &str = "p.id, p.user_id, p.product_id, pr.name AS product_name, p.purchased_at, p.amount, \
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

#[derive(Deserialize)]
struct SeatRow {
    user_id: String,
    email: String,
    claimed_at: String,
    last_active_at: Option<String>,
}

#[derive(Deserialize)]
struct ContentRow {
    id: String,
    r#type: String,
    title: String,
    description: Option<String>,
    url: String,
    tags: String,
    difficulty: Option<String>,
    access_level: Option<String>,
    duration: Option<f64>,
    quick_link: i64,
}

impl ContentRow {
    fn to_result(&self, score: f64) -> Result<ContentSearchResult> {
        let tags: Vec<String> = self
            .tags
            .split(',')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(ContentSearchResult {
            id: self.id.clone(),
            content_type: parse_enum(&self.r#type)?,
            title: self.title.clone(),
            description: self.description.clone(),
            url: self.url.clone(),
            score: Some(score),
            metadata: Some(ContentMetadata {
                duration: self.duration,
                difficulty: self.difficulty.as_deref().map(parse_enum).transpose()?,
                tags: (!tags.is_empty()).then_some(tags),
                access_level: self.access_level.as_deref().map(parse_enum).transpose()?,
                ..Default::default()
            }),
        })
    }

    /// A simple relevance score: query words found in the title count double.
    fn score(&self, words: &[String]) -> f64 {
        let title = self.title.to_lowercase();
        let rest = format!(
            "{} {}",
            self.description.as_deref().unwrap_or_default(),
            self.tags
        )
        .to_lowercase();
        let hits: f64 = words
            .iter()
            .map(|w| {
                if title.contains(w.as_str()) {
                    2.0
                } else if rest.contains(w.as_str()) {
                    1.0
                } else {
                    0.0
                }
            })
            .sum();
        hits / (2.0 * words.len().max(1) as f64)
    }
}

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

#[derive(Deserialize)]
struct ModuleRow {
    product_id: String,
    id: String,
    title: String,
    free: i64,
}

#[derive(Deserialize)]
struct ProgressRow {
    completed: i64,
    total: i64,
}

#[derive(Deserialize)]
struct ActivityRow {
    r#type: String,
    title: String,
    timestamp: String,
}

#[async_trait(?Send)]
impl SupportIntegration for D1Integration {
    async fn lookup_user(&self, email: &str) -> Result<Option<User>> {
        let row: Option<UserRow> = self
            .first(
                "SELECT id, email, name, created_at FROM users WHERE email = ?1",
                &[email.trim()],
            )
            .await?;
        row.map(UserRow::into_user).transpose()
    }

    async fn get_purchases(&self, user_id: &str) -> Result<Vec<Purchase>> {
        let sql = format!(
            "SELECT {PURCHASE_COLUMNS} FROM purchases p JOIN products pr ON pr.id = p.product_id \
             WHERE p.user_id = ?1 ORDER BY p.purchased_at DESC"
        );
        let rows: Vec<PurchaseRow> = self.all(&sql, &[user_id]).await?;
        rows.iter().map(PurchaseRow::to_purchase).collect()
    }

    async fn revoke_access(&self, params: RevokeAccessParams) -> Result<ActionResult> {
        let Some(purchase) = self.purchase_by_id(&params.purchase_id).await? else {
            return Ok(ActionResult::failed(format!(
                "purchase {} not found",
                params.purchase_id
            )));
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
        let changed = self
            .batch(vec![
                self.statement(
                    "UPDATE purchases SET status = 'refunded', refund_id = ?2, refund_reason = ?3 \
                     WHERE id = ?1 AND status = 'active'",
                    &[&params.purchase_id, &params.refund_id, &params.reason],
                )?,
                self.audit(
                    Action::RevokeAccess,
                    &params.purchase_id,
                    &format!("refund {}: {}", params.refund_id, params.reason),
                )?,
            ])
            .await?;
        Ok(if changed[0] == 1 {
            ActionResult::ok()
        } else {
            ActionResult::failed("purchase changed concurrently; retry")
        })
    }

    async fn transfer_purchase(&self, params: TransferPurchaseParams) -> Result<ActionResult> {
        let to_email = params.to_email.trim().to_owned();
        if !looks_like_email(&to_email) {
            return Err(IntegrationError::bad_request(format!(
                "toEmail {to_email:?} is not an email address"
            )));
        }
        let Some(purchase) = self.purchase_by_id(&params.purchase_id).await? else {
            return Ok(ActionResult::failed(format!(
                "purchase {} not found",
                params.purchase_id
            )));
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
        let recipient = match self.lookup_user(&to_email).await? {
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
        let changed = self
            .batch(vec![
                self.statement(
                    "INSERT OR IGNORE INTO users (id, email, name, created_at) VALUES (?1, ?2, NULL, ?3)",
                    &[&recipient, &to_email, &now_iso()],
                )?,
                self.statement(
                    "UPDATE purchases SET status = 'transferred', transferred_to = ?2 WHERE id = ?1 AND status = 'active'",
                    &[&params.purchase_id, &new_id],
                )?,
                self.statement(
                    "INSERT INTO purchases (id, user_id, product_id, purchased_at, amount, currency, stripe_charge_id, \
                     status, license_type, total_seats, bulk_coupon_id, admin_email, expires_at) \
                     SELECT ?2, ?3, product_id, purchased_at, amount, currency, stripe_charge_id, 'active', license_type, \
                     total_seats, bulk_coupon_id, admin_email, expires_at FROM purchases WHERE id = ?1",
                    &[&params.purchase_id, &new_id, &recipient],
                )?,
                self.audit(Action::TransferPurchase, &params.purchase_id, &format!("to {recipient} as {new_id}"))?,
            ])
            .await?;
        Ok(if changed[1] == 1 {
            ActionResult::ok()
        } else {
            ActionResult::failed("purchase changed concurrently; retry")
        })
    }

    async fn generate_magic_link(&self, params: MagicLinkParams) -> Result<MagicLink> {
        let email = params.email.trim();
        if self.lookup_user(email).await?.is_none() {
            return Err(IntegrationError::bad_request(format!(
                "no user with email {email}"
            )));
        }
        let ttl = params.expires_in.clamp(60, 7 * 24 * 3600);
        let token = random_hex(24)?;
        let expires_at = (worker::Date::now().as_millis() / 1000 + ttl).to_string();
        self.batch(vec![
            self.statement("INSERT INTO magic_links (token, email, expires_at) VALUES (?1, ?2, CAST(?3 AS INTEGER))", &[&token, email, &expires_at])?,
            self.audit(Action::GenerateMagicLink, email, &format!("expires in {ttl}s"))?,
        ])
        .await?;
        Ok(MagicLink {
            url: format!("{}/auth/magic?token={token}", self.public_url),
        })
    }

    async fn get_subscriptions(&self, user_id: &str) -> Result<Vec<Subscription>> {
        let rows: Vec<SubscriptionRow> = self
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

    async fn update_email(&self, params: UpdateEmailParams) -> Result<ActionResult> {
        let new_email = params.new_email.trim();
        if !looks_like_email(new_email) {
            return Err(IntegrationError::bad_request(format!(
                "newEmail {new_email:?} is not an email address"
            )));
        }
        let Some(user) = self.user_by_id(&params.user_id).await? else {
            return Ok(ActionResult::failed(format!(
                "user {} not found",
                params.user_id
            )));
        };
        if let Some(other) = self.lookup_user(new_email).await? {
            return Ok(if other.id == user.id {
                ActionResult::ok()
            } else {
                ActionResult::failed(format!("{new_email} belongs to another account"))
            });
        }
        self.batch(vec![
            self.statement(
                "UPDATE users SET email = ?2 WHERE id = ?1",
                &[&params.user_id, new_email],
            )?,
            self.audit(
                Action::UpdateEmail,
                &params.user_id,
                &format!("{} -> {new_email}", user.email),
            )?,
        ])
        .await?;
        Ok(ActionResult::ok())
    }

    async fn update_name(&self, params: UpdateNameParams) -> Result<ActionResult> {
        let new_name = params.new_name.trim();
        if new_name.is_empty() || new_name.chars().count() > 200 {
            return Err(IntegrationError::bad_request(
                "newName must be 1 to 200 characters",
            ));
        }
        let changed = self
            .batch(vec![
                self.statement(
                    "UPDATE users SET name = ?2 WHERE id = ?1",
                    &[&params.user_id, new_name],
                )?,
                self.audit(Action::UpdateName, &params.user_id, new_name)?,
            ])
            .await?;
        Ok(if changed[0] == 1 {
            ActionResult::ok()
        } else {
            ActionResult::failed(format!("user {} not found", params.user_id))
        })
    }

    async fn get_claimed_seats(&self, bulk_coupon_id: &str) -> Result<Vec<ClaimedSeat>> {
        let rows: Vec<SeatRow> = self
            .all(
                "SELECT user_id, email, claimed_at, last_active_at FROM seats WHERE bulk_coupon_id = ?1 ORDER BY claimed_at",
                &[bulk_coupon_id],
            )
            .await?;
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

    async fn search_content(&self, request: ContentSearchRequest) -> Result<ContentSearchResponse> {
        let started = worker::Date::now().as_millis();
        let words: Vec<String> = request
            .query
            .to_lowercase()
            .split_whitespace()
            .filter(|w| w.len() > 2)
            .map(str::to_owned)
            .collect();
        let rows: Vec<ContentRow> = self
            .all(
                "SELECT id, type, title, description, url, tags, difficulty, access_level, duration, quick_link FROM content",
                &[],
            )
            .await?;
        let mut hits: Vec<(f64, &ContentRow)> = rows
            .iter()
            .filter(|r| {
                request.types.as_ref().is_none_or(|types| {
                    types
                        .iter()
                        .any(|t| parse_enum::<ContentType>(&r.r#type).ok() == Some(*t))
                })
            })
            .map(|r| (r.score(&words), r))
            .filter(|(score, _)| *score > 0.0)
            .collect();
        hits.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
        let total = hits.len() as u64;
        let limit = request.limit.unwrap_or(5).clamp(1, 50) as usize;
        let results = hits
            .into_iter()
            .take(limit)
            .map(|(score, r)| r.to_result(score))
            .collect::<Result<Vec<_>>>()?;
        let quick_links = rows
            .iter()
            .filter(|r| r.quick_link != 0)
            .map(|r| r.to_result(1.0))
            .collect::<Result<Vec<_>>>()?;
        Ok(ContentSearchResponse {
            results,
            quick_links: Some(quick_links),
            meta: Some(ContentSearchMeta {
                total_results: Some(total),
                search_time_ms: Some((worker::Date::now().as_millis() - started) as f64),
            }),
        })
    }

    async fn get_product_status(&self, product_id: &str) -> Result<Option<ProductStatus>> {
        let row: Option<ProductRow> = self
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

    async fn get_active_promotions(&self) -> Result<Vec<Promotion>> {
        let rows: Vec<PromotionRow> = self
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

    async fn get_coupon_info(&self, code: &str) -> Result<Option<CouponInfo>> {
        let row: Option<CouponRow> = self
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

    async fn get_refund_policy(&self) -> Result<RefundPolicy> {
        self.setting("refund_policy").await
    }

    async fn get_content_access(&self, user_id: &str) -> Result<ContentAccess> {
        let sql = format!(
            "SELECT {PURCHASE_COLUMNS} FROM purchases p JOIN products pr ON pr.id = p.product_id WHERE p.user_id = ?1 \
             UNION SELECT {PURCHASE_COLUMNS} FROM seats s JOIN purchases p ON p.bulk_coupon_id = s.bulk_coupon_id \
             JOIN products pr ON pr.id = p.product_id WHERE s.user_id = ?1"
        );
        let purchases: Vec<PurchaseRow> = self.all(&sql, &[user_id]).await?;
        let modules: Vec<ModuleRow> = self
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
                let seat: Option<SeatRow> = self
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

    async fn get_recent_activity(&self, user_id: &str) -> Result<UserActivity> {
        let progress: Vec<ProgressRow> = self
            .all(
                "SELECT completed, total FROM lesson_progress WHERE user_id = ?1",
                &[user_id],
            )
            .await?;
        let items: Vec<ActivityRow> = self
            .all("SELECT type, title, timestamp FROM activity WHERE user_id = ?1 ORDER BY timestamp DESC LIMIT 10", &[user_id])
            .await?;
        let completed: i64 = progress.iter().map(|p| p.completed).sum();
        let total: i64 = progress.iter().map(|p| p.total).sum();
        let completion = if total == 0 {
            0.0
        } else {
            (completed as f64 * 1000.0 / total as f64).round() / 10.0
        };
        Ok(UserActivity {
            user_id: user_id.to_owned(),
            last_login_at: items
                .iter()
                .find(|i| i.r#type == "login")
                .map(|i| i.timestamp.clone()),
            last_active_at: items.first().map(|i| i.timestamp.clone()),
            lessons_completed: completed,
            total_lessons: total,
            completion_percent: completion,
            recent_items: items
                .into_iter()
                .map(|i| {
                    Ok(ActivityItem {
                        activity_type: parse_enum(&i.r#type)?,
                        title: i.title,
                        timestamp: i.timestamp,
                    })
                })
                .collect::<Result<_>>()?,
        })
    }

    async fn get_license_info(&self, purchase_id: &str) -> Result<Option<LicenseInfo>> {
        let Some(p) = self.purchase_by_id(purchase_id).await? else {
            return Ok(None);
        };
        let Some(bulk) = p.bulk_coupon_id.as_deref() else {
            return Ok(None);
        };
        let seats: Vec<SeatRow> = self
            .all("SELECT user_id, email, claimed_at, last_active_at FROM seats WHERE bulk_coupon_id = ?1 ORDER BY claimed_at", &[bulk])
            .await?;
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

    async fn get_app_info(&self) -> Result<AppInfo> {
        self.setting("app_info").await
    }
}

fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf)
        .map_err(|e| IntegrationError::failed(format!("no randomness: {e}")))?;
    Ok(hex::encode(buf))
}
