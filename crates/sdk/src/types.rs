//! Wire types of the SDK contract.
//!
//! Field names, optionality and enum spellings match the TypeScript types of
//! `@skillrecordings/sdk` exactly. Optional fields are omitted when `None` (as
//! `undefined` is by `JSON.stringify`) and accept `null` when reading. Fields typed
//! `Date` in TypeScript travel as ISO-8601 strings and are [`DateTime<Utc>`] here;
//! fields typed `string` in TypeScript stay strings.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A customer account in the product app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The app's own user id.
    pub id: String,
    /// Primary email address.
    pub email: String,
    /// Display name, when the app knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// When the account was created.
    #[serde(with = "iso_date")]
    pub created_at: DateTime<Utc>,
}

/// Status of a purchase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PurchaseStatus {
    /// The buyer has access.
    Active,
    /// Refunded; access revoked.
    Refunded,
    /// Moved to another account.
    Transferred,
}

/// One purchase of a product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Purchase {
    /// Purchase id.
    pub id: String,
    /// Product id.
    pub product_id: String,
    /// Human-readable product name.
    pub product_name: String,
    /// When the purchase happened.
    #[serde(with = "iso_date")]
    pub purchased_at: DateTime<Utc>,
    /// Amount paid, in the currency's minor unit (cents).
    pub amount: i64,
    /// ISO currency code, e.g. `usd`.
    pub currency: String,
    /// Stripe charge behind the purchase, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripe_charge_id: Option<String>,
    /// Current status.
    pub status: PurchaseStatus,
}

/// Status of a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubscriptionStatus {
    /// Paid and running.
    Active,
    /// Cancelled by the customer or the app.
    Cancelled,
    /// Ran out.
    Expired,
    /// Temporarily paused.
    Paused,
}

/// A recurring subscription.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// Subscription id.
    pub id: String,
    /// Product id.
    pub product_id: String,
    /// Product name.
    pub product_name: String,
    /// Status.
    pub status: SubscriptionStatus,
    /// Start of the current billing period.
    #[serde(with = "iso_date")]
    pub current_period_start: DateTime<Utc>,
    /// End of the current billing period.
    #[serde(with = "iso_date")]
    pub current_period_end: DateTime<Utc>,
    /// Whether it ends at the period end instead of renewing.
    pub cancel_at_period_end: bool,
}

/// Outcome of a mutating action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionResult {
    /// Whether the action took effect.
    pub success: bool,
    /// Why it did not, when it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ActionResult {
    /// A successful result.
    pub fn ok() -> Self {
        Self {
            success: true,
            error: None,
        }
    }

    /// A failed result with a reason the platform may show to an operator.
    pub fn failed(reason: impl Into<String>) -> Self {
        Self {
            success: false,
            error: Some(reason.into()),
        }
    }
}

/// A magic login link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MagicLink {
    /// The link to send to the customer.
    pub url: String,
}

/// A seat claimed on a team (bulk) purchase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimedSeat {
    /// User who claimed the seat.
    pub user_id: String,
    /// Their email.
    pub email: String,
    /// When the seat was claimed.
    #[serde(with = "iso_date")]
    pub claimed_at: DateTime<Utc>,
}

/// Kind of content returned by `searchContent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContentType {
    /// A whole course.
    Course,
    /// A module of a course.
    Module,
    /// A single lesson.
    Lesson,
    /// An article.
    Article,
    /// An exercise.
    Exercise,
    /// A downloadable or linked resource.
    Resource,
    /// A social post.
    Social,
}

/// Difficulty of a piece of content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Difficulty {
    /// Beginner.
    Beginner,
    /// Intermediate.
    Intermediate,
    /// Advanced.
    Advanced,
}

/// Who can see a piece of content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContentAccessLevel {
    /// Free for everyone.
    Free,
    /// Paid customers only.
    Paid,
    /// A preview is free.
    Preview,
}

/// Metadata of a content search result; unknown keys are kept in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentMetadata {
    /// Duration in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// Difficulty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difficulty: Option<Difficulty>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Last update, as the app formats it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Access level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_level: Option<ContentAccessLevel>,
    /// Any other keys the app sends (`[key: string]: unknown` in TypeScript).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One content search hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentSearchResult {
    /// Content id.
    pub id: String,
    /// Kind of content.
    #[serde(rename = "type")]
    pub content_type: ContentType,
    /// Title.
    pub title: String,
    /// Short description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Link to share with the customer.
    pub url: String,
    /// Relevance score, higher is better.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// Extra metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<ContentMetadata>,
}

/// What the platform knows about the customer asking, to personalise results.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchCustomer {
    /// Customer email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether they bought anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_purchased: Option<bool>,
    /// Product ids they own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchased_products: Option<Vec<String>>,
}

/// Parameters of `searchContent` (spread at the top level of the request body).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContentSearchRequest {
    /// Free-text query.
    pub query: String,
    /// Restrict to these kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<ContentType>>,
    /// Maximum number of results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Customer context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<SearchCustomer>,
}

/// Counters reported with search results.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentSearchMeta {
    /// Total hits before the limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_results: Option<u64>,
    /// Search time in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search_time_ms: Option<f64>,
}

/// Answer of `searchContent`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentSearchResponse {
    /// Ranked results.
    pub results: Vec<ContentSearchResult>,
    /// Always-useful links (pricing, FAQ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quick_links: Option<Vec<ContentSearchResult>>,
    /// Counters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<ContentSearchMeta>,
}

/// Lifecycle state of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProductState {
    /// Not published.
    Draft,
    /// On sale.
    Active,
    /// Published but not purchasable.
    Unavailable,
    /// Retired.
    Archived,
}

/// Availability of a product (answer of `getProductStatus`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductStatus {
    /// Product id.
    pub product_id: String,
    /// `self-paced`, `live`, `cohort`, `membership`, `source-code-access`, or an app-specific kind.
    pub product_type: String,
    /// Whether it can be bought now.
    pub available: bool,
    /// Whether it is sold out.
    pub sold_out: bool,
    /// Total seats; `-1` means unlimited.
    pub quantity_available: i64,
    /// Seats left.
    pub quantity_remaining: i64,
    /// Lifecycle state.
    pub state: ProductState,
    /// Start (live events, cohorts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<String>,
    /// End.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<String>,
    /// Enrollment opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrollment_open: Option<String>,
    /// Enrollment closes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrollment_close: Option<String>,
}

/// How a discount is expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiscountType {
    /// A percentage off.
    Percent,
    /// A fixed amount off.
    Fixed,
}

/// A running sale or promotion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Promotion {
    /// Promotion id.
    pub id: String,
    /// Name shown to customers.
    pub name: String,
    /// Coupon code, if one is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Percent or fixed.
    pub discount_type: DiscountType,
    /// Percent (0-100) or amount.
    pub discount_amount: f64,
    /// Start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    /// End.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    /// Whether it is running now.
    pub active: bool,
    /// Conditions in plain words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<String>,
}

/// Kind of restriction on a coupon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CouponRestriction {
    /// Purchasing-power parity.
    Ppp,
    /// Students only.
    Student,
    /// Bulk / team purchases.
    Bulk,
    /// Anyone.
    General,
}

/// A coupon code (answer of `getCouponInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CouponInfo {
    /// The code.
    pub code: String,
    /// Whether it can be used now.
    pub valid: bool,
    /// Percent or fixed.
    pub discount_type: DiscountType,
    /// Percent (0-100) or amount.
    pub discount_amount: f64,
    /// Restriction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restriction_type: Option<CouponRestriction>,
    /// Times used.
    pub usage_count: i64,
    /// Maximum uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<i64>,
    /// Expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// The app's refund rules (answer of `getRefundPolicy`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundPolicy {
    /// Refunds within this many days are approved automatically.
    pub auto_approve_window_days: i64,
    /// Refunds within this many days need a human.
    pub manual_approve_window_days: i64,
    /// No refunds after this many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_refund_after_days: Option<i64>,
    /// Extra conditions in plain words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub special_conditions: Option<Vec<String>>,
    /// Public policy page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_url: Option<String>,
}

/// Level of access to a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessLevel {
    /// Everything.
    Full,
    /// Some modules.
    Partial,
    /// Preview only.
    Preview,
    /// Access has ended.
    Expired,
}

/// Access to one module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleAccess {
    /// Module id.
    pub id: String,
    /// Module title.
    pub title: String,
    /// Whether the user can open it.
    pub accessible: bool,
}

/// Access to one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductAccess {
    /// Product id.
    pub product_id: String,
    /// Product name.
    pub product_name: String,
    /// Level of access.
    pub access_level: AccessLevel,
    /// Per-module detail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modules: Option<Vec<ModuleAccess>>,
    /// When access ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// Role of a team member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TeamRole {
    /// Member.
    Member,
    /// Admin.
    Admin,
    /// Owner.
    Owner,
}

/// The user's seat on a team, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamMembership {
    /// Team id.
    pub team_id: String,
    /// Team name.
    pub team_name: String,
    /// Role.
    pub role: TeamRole,
    /// When the seat was claimed.
    pub seat_claimed_at: String,
}

/// What a user can actually open (answer of `getContentAccess`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentAccess {
    /// User id.
    pub user_id: String,
    /// Per product.
    pub products: Vec<ProductAccess>,
    /// Team seat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_membership: Option<TeamMembership>,
}

/// Kind of recent activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityType {
    /// A lesson was completed.
    LessonCompleted,
    /// An exercise was submitted.
    ExerciseSubmitted,
    /// The user logged in.
    Login,
    /// The user downloaded something.
    Download,
}

/// One recent activity item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityItem {
    /// Kind.
    #[serde(rename = "type")]
    pub activity_type: ActivityType,
    /// What it was about.
    pub title: String,
    /// When.
    pub timestamp: String,
}

/// Usage and progress (answer of `getRecentActivity`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserActivity {
    /// User id.
    pub user_id: String,
    /// Last login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_login_at: Option<String>,
    /// Last activity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active_at: Option<String>,
    /// Lessons completed.
    pub lessons_completed: i64,
    /// Lessons in total.
    pub total_lessons: i64,
    /// Completion, 0-100.
    pub completion_percent: f64,
    /// Latest items.
    pub recent_items: Vec<ActivityItem>,
}

/// Kind of license.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LicenseType {
    /// One person.
    Individual,
    /// A team.
    Team,
    /// An enterprise agreement.
    Enterprise,
    /// A whole site.
    Site,
}

/// One claimed seat of a license.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseSeat {
    /// Holder email.
    pub email: String,
    /// When claimed.
    pub claimed_at: String,
    /// Last activity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active_at: Option<String>,
}

/// Seats of a team purchase (answer of `getLicenseInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseInfo {
    /// Purchase id.
    pub purchase_id: String,
    /// Kind.
    pub license_type: LicenseType,
    /// Seats bought.
    pub total_seats: i64,
    /// Seats claimed.
    pub claimed_seats: i64,
    /// Seats left.
    pub available_seats: i64,
    /// Expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Who holds a seat.
    pub claimed_by: Vec<LicenseSeat>,
    /// Team admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_email: Option<String>,
}

/// App metadata (answer of `getAppInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// Product name.
    pub name: String,
    /// Instructor.
    pub instructor_name: String,
    /// Support address.
    pub support_email: String,
    /// Website.
    pub website_url: String,
    /// Where customers get invoices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoices_url: Option<String>,
    /// Community.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discord_url: Option<String>,
    /// Refund policy page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_policy_url: Option<String>,
    /// Privacy policy page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privacy_policy_url: Option<String>,
    /// Terms page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_url: Option<String>,
}

/// `Date` fields: written like JavaScript's `toISOString()` (millisecond precision,
/// `Z`), read from any RFC 3339 timestamp.
pub mod iso_date {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serialize as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    pub fn serialize<S: Serializer>(value: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&value.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    /// Parse any RFC 3339 timestamp and normalise it to UTC.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let raw = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        DateTime::parse_from_rfc3339(&raw)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| serde::de::Error::custom(format!("invalid ISO-8601 date {raw:?}: {e}")))
    }
}
