//! The Rust client against the reference app served by workerd (`wrangler dev`).
//!
//! Environment (set by scripts/test): EXAMPLE_APP_URL, EXAMPLE_APP_SECRET,
//! EXAMPLE_APP_PREVIOUS_SECRET.

use std::sync::Arc;

use serde_json::{json, Value};
use support_sdk::action::*;
use support_sdk::adapters::reqwest::ReqwestTransport;
use support_sdk::signing::FixedClock;
use support_sdk::types::*;
use support_sdk::{Action, IntegrationClient, IntegrationError, Request, SupportIntegration};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the end-to-end tests through scripts/test")
    })
}

fn endpoint() -> String {
    format!("{}/api/support", env("EXAMPLE_APP_URL"))
}

fn client() -> IntegrationClient<ReqwestTransport> {
    IntegrationClient::new(
        endpoint(),
        env("EXAMPLE_APP_SECRET"),
        ReqwestTransport::new(),
    )
}

#[tokio::test]
async fn healthz_answers() {
    let body: Value = reqwest::get(format!("{}/healthz", env("EXAMPLE_APP_URL")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn read_methods_return_the_seed_data() {
    let c = client();
    let dana = c
        .lookup_user("dana@example.com")
        .await
        .unwrap()
        .expect("seeded user");
    assert_eq!(
        (dana.id.as_str(), dana.name.as_deref()),
        ("usr_dana", Some("Dana Lee"))
    );
    assert_eq!(dana.created_at.to_rfc3339(), "2024-01-15T10:30:00+00:00");
    assert_eq!(
        c.lookup_user("DANA@example.com")
            .await
            .unwrap()
            .map(|u| u.id),
        Some("usr_dana".into())
    );
    assert_eq!(c.lookup_user("nobody@example.com").await.unwrap(), None);

    let purchases = c.get_purchases("usr_sam").await.unwrap();
    let statuses: Vec<_> = purchases
        .iter()
        .map(|p| (p.id.as_str(), p.status))
        .collect();
    assert!(
        statuses.contains(&("pur_sam_old", PurchaseStatus::Refunded)),
        "{statuses:?}"
    );
    assert_eq!(
        purchases
            .iter()
            .find(|p| p.id == "pur_sam_old")
            .unwrap()
            .stripe_charge_id
            .as_deref(),
        Some("ch_3Sam0001")
    );

    let subs = c.get_subscriptions("usr_sam").await.unwrap();
    assert_eq!(
        (subs.len(), subs[0].status),
        (1, SubscriptionStatus::Active)
    );
    assert!(c.get_subscriptions("usr_dana").await.unwrap().is_empty());

    let seats = c.get_claimed_seats("bulk_acme").await.unwrap();
    assert_eq!(
        seats.iter().map(|s| s.email.as_str()).collect::<Vec<_>>(),
        ["lead@acme.test", "ali@example.com"]
    );

    let found = c
        .search_content(ContentSearchRequest {
            query: "generic constraints".into(),
            limit: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.results[0].id, "les_generic_constraints");
    assert!(found.results.len() <= 2);
    assert_eq!(found.quick_links.unwrap()[0].id, "res_faq");
    let lessons_only = c
        .search_content(ContentSearchRequest {
            query: "typescript".into(),
            types: Some(vec![ContentType::Article]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(lessons_only
        .results
        .iter()
        .all(|r| r.content_type == ContentType::Article));

    let ws = c.get_product_status("prod_ws").await.unwrap().unwrap();
    assert!(ws.sold_out && !ws.available && ws.product_type == "live");
    assert!(
        c.get_product_status("prod_tt")
            .await
            .unwrap()
            .unwrap()
            .available
    );
    assert_eq!(c.get_product_status("prod_nope").await.unwrap(), None);

    let promos = c.get_active_promotions().await.unwrap();
    assert_eq!(
        promos.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["promo_bf"]
    );

    assert!(
        c.get_coupon_info("blackfriday")
            .await
            .unwrap()
            .unwrap()
            .valid
    );
    let expired = c.get_coupon_info("EXPIRED10").await.unwrap().unwrap();
    assert!(!expired.valid && expired.discount_type == DiscountType::Fixed);
    assert_eq!(c.get_coupon_info("NOPE").await.unwrap(), None);

    let policy = c.get_refund_policy().await.unwrap();
    assert_eq!(
        (policy.auto_approve_window_days, policy.no_refund_after_days),
        (30, Some(60))
    );

    let access = c.get_content_access("usr_ali").await.unwrap();
    assert_eq!(access.products[0].access_level, AccessLevel::Full);
    assert_eq!(access.team_membership.unwrap().role, TeamRole::Member);

    let activity = c.get_recent_activity("usr_dana").await.unwrap();
    assert_eq!(
        (
            activity.lessons_completed,
            activity.total_lessons,
            activity.completion_percent
        ),
        (12, 48, 25.0)
    );
    assert_eq!(
        activity.recent_items[0].activity_type,
        ActivityType::ExerciseSubmitted
    );

    let license = c.get_license_info("pur_acme_team").await.unwrap().unwrap();
    assert_eq!(
        (
            license.license_type,
            license.total_seats,
            license.available_seats
        ),
        (LicenseType::Team, 10, 8)
    );
    assert_eq!(c.get_license_info("pur_dana_tt").await.unwrap(), None);

    assert_eq!(
        c.get_app_info().await.unwrap().instructor_name,
        "Matt Pocock"
    );
}

#[tokio::test]
async fn revoke_access_is_idempotent_per_refund() {
    let c = client();
    let revoke = |refund: &str| RevokeAccessParams {
        purchase_id: "pur_sam_tt".into(),
        reason: "requested_by_customer".into(),
        refund_id: refund.into(),
    };
    assert_eq!(
        c.revoke_access(revoke("re_e2e_1")).await.unwrap(),
        ActionResult::ok()
    );
    // The platform retrying the same refund gets the same success...
    assert_eq!(
        c.revoke_access(revoke("re_e2e_1")).await.unwrap(),
        ActionResult::ok()
    );
    // ...a different refund of an already refunded purchase does not.
    assert!(!c.revoke_access(revoke("re_e2e_2")).await.unwrap().success);
    let p = c.get_purchases("usr_sam").await.unwrap();
    assert_eq!(
        p.iter().find(|p| p.id == "pur_sam_tt").unwrap().status,
        PurchaseStatus::Refunded
    );

    let missing = RevokeAccessParams {
        purchase_id: "pur_missing".into(),
        reason: "x".into(),
        refund_id: "re_x".into(),
    };
    assert_eq!(
        c.revoke_access(missing).await.unwrap(),
        ActionResult::failed("purchase pur_missing not found")
    );
}

#[tokio::test]
async fn transfer_moves_the_purchase_and_keeps_history() {
    let c = client();
    let params = TransferPurchaseParams {
        purchase_id: "pur_dana_ws".into(),
        from_user_id: "usr_dana".into(),
        to_email: "jo.new@example.com".into(),
    };
    assert!(c.transfer_purchase(params.clone()).await.unwrap().success);
    let dana = c.get_purchases("usr_dana").await.unwrap();
    assert_eq!(
        dana.iter().find(|p| p.id == "pur_dana_ws").unwrap().status,
        PurchaseStatus::Transferred
    );
    let jo = c
        .lookup_user("jo.new@example.com")
        .await
        .unwrap()
        .expect("recipient account created");
    let theirs = c.get_purchases(&jo.id).await.unwrap();
    assert_eq!(
        (
            theirs.len(),
            theirs[0].product_id.as_str(),
            theirs[0].status
        ),
        (1, "prod_ws", PurchaseStatus::Active)
    );
    // Transferring again is refused: it is no longer active.
    assert!(!c.transfer_purchase(params).await.unwrap().success);

    let bad = TransferPurchaseParams {
        purchase_id: "pur_dana_tt".into(),
        from_user_id: "usr_dana".into(),
        to_email: "nope".into(),
    };
    assert!(
        matches!(c.transfer_purchase(bad).await, Err(IntegrationError::BadRequest(m)) if m.contains("not an email"))
    );
}

#[tokio::test]
async fn profile_updates_and_magic_links() {
    let c = client();
    let link = c
        .generate_magic_link(MagicLinkParams {
            email: "ali@example.com".into(),
            expires_in: 900,
        })
        .await
        .unwrap();
    assert!(link.url.contains("/auth/magic?token="), "{}", link.url);
    let again = c
        .generate_magic_link(MagicLinkParams {
            email: "ali@example.com".into(),
            expires_in: 900,
        })
        .await
        .unwrap();
    assert_ne!(link.url, again.url, "tokens are random");
    assert!(matches!(
        c.generate_magic_link(MagicLinkParams {
            email: "ghost@example.com".into(),
            expires_in: 60
        })
        .await,
        Err(IntegrationError::BadRequest(_))
    ));

    let name = UpdateNameParams {
        user_id: "usr_ali".into(),
        new_name: "Ali Khan".into(),
    };
    assert!(c.update_name(name).await.unwrap().success);
    let email = UpdateEmailParams {
        user_id: "usr_ali".into(),
        new_email: "ali.khan@example.com".into(),
    };
    assert!(c.update_email(email).await.unwrap().success);
    let ali = c
        .lookup_user("ali.khan@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (ali.id.as_str(), ali.name.as_deref()),
        ("usr_ali", Some("Ali Khan"))
    );
    let taken = UpdateEmailParams {
        user_id: "usr_ali".into(),
        new_email: "dana@example.com".into(),
    };
    assert!(!c.update_email(taken).await.unwrap().success);
}

#[tokio::test]
async fn wrong_secret_stale_timestamp_and_tampered_body_are_401() {
    let wrong = IntegrationClient::new(endpoint(), "not-the-secret", ReqwestTransport::new());
    assert_eq!(
        wrong.lookup_user("dana@example.com").await,
        Err(IntegrationError::Unauthorized("Invalid signature".into()))
    );

    let stale = client().with_clock(Arc::new(FixedClock(1_000_000_000_000)));
    assert_eq!(
        stale.lookup_user("dana@example.com").await,
        Err(IntegrationError::Unauthorized("Signature expired".into()))
    );

    let body = br#"{"action":"lookupUser","email":"dana@example.com"}"#;
    let signed_for_other = support_signing::sdk::sign(
        env("EXAMPLE_APP_SECRET").as_bytes(),
        support_signing::Clock::now_unix(&support_signing::SystemClock),
        br#"{"action":"lookupUser","email":"sam@example.com"}"#,
    );
    let response = reqwest::Client::new()
        .post(endpoint())
        .header("content-type", "application/json")
        .header("x-support-signature", signed_for_other)
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"error": "Invalid signature"})
    );

    let unsigned = reqwest::Client::new()
        .post(endpoint())
        .body(body.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    assert_eq!(
        unsigned.json::<Value>().await.unwrap(),
        json!({"error": "Missing signature header"})
    );
}

#[tokio::test]
async fn unknown_action_bad_params_and_wrong_method_are_rejected() {
    let c = client();
    let (status, body) = c.call_raw(&Request::GetAppInfo).await.unwrap();
    assert_eq!(status, 200, "{body}");

    // Bodies our typed client cannot produce, sent signed by hand.
    let secret = env("EXAMPLE_APP_SECRET");
    let send = |body: &'static str| {
        let secret = secret.clone();
        async move {
            let now = support_signing::Clock::now_unix(&support_signing::SystemClock);
            let r = reqwest::Client::new()
                .post(endpoint())
                .header(
                    "x-support-signature",
                    support_signing::sdk::sign(secret.as_bytes(), now, body.as_bytes()),
                )
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(
        send(r#"{"action":"dropTables"}"#).await,
        (400, json!({"error": "Unknown action: dropTables"}))
    );
    assert_eq!(
        send(r#"{"email":"a@b.c"}"#).await,
        (400, json!({"error": "Missing action field"}))
    );
    assert_eq!(
        send("{oops").await,
        (400, json!({"error": "Invalid JSON body"}))
    );
    let (status, body) = send(r#"{"action":"lookupUser"}"#).await;
    assert_eq!(status, 400);
    assert!(body["error"]
        .as_str()
        .unwrap()
        .starts_with("Invalid parameters for lookupUser"));

    let get = reqwest::get(endpoint()).await.unwrap();
    assert_eq!(get.status(), 405);
}

#[tokio::test]
async fn rotation_accepts_the_previous_secret() {
    let previous = IntegrationClient::new(
        endpoint(),
        env("EXAMPLE_APP_PREVIOUS_SECRET"),
        ReqwestTransport::new(),
    );
    assert_eq!(
        previous
            .lookup_user("dana@example.com")
            .await
            .unwrap()
            .map(|u| u.id),
        Some("usr_dana".into())
    );
    let current = client();
    assert!(current.get_app_info().await.is_ok());
}

#[tokio::test]
async fn every_action_is_implemented_by_the_reference_app() {
    let c = client();
    for action in Action::ALL.into_iter().filter(|a| !a.is_mutation()) {
        let request = match action {
            Action::LookupUser => Request::LookupUser {
                email: "dana@example.com".into(),
            },
            Action::GetPurchases => Request::GetPurchases {
                user_id: "usr_dana".into(),
            },
            Action::GetSubscriptions => Request::GetSubscriptions {
                user_id: "usr_dana".into(),
            },
            Action::GetClaimedSeats => Request::GetClaimedSeats {
                bulk_coupon_id: "bulk_acme".into(),
            },
            Action::SearchContent => Request::SearchContent(ContentSearchRequest {
                query: "generics".into(),
                ..Default::default()
            }),
            Action::GetProductStatus => Request::GetProductStatus {
                product_id: "prod_tt".into(),
            },
            Action::GetActivePromotions => Request::GetActivePromotions,
            Action::GetCouponInfo => Request::GetCouponInfo {
                code: "STUDENT50".into(),
            },
            Action::GetRefundPolicy => Request::GetRefundPolicy,
            Action::GetContentAccess => Request::GetContentAccess {
                user_id: "usr_dana".into(),
            },
            Action::GetRecentActivity => Request::GetRecentActivity {
                user_id: "usr_dana".into(),
            },
            Action::GetLicenseInfo => Request::GetLicenseInfo {
                purchase_id: "pur_acme_team".into(),
            },
            Action::GetAppInfo => Request::GetAppInfo,
            other => unreachable!("{other} is a mutation"),
        };
        let (status, body) = c.call_raw(&request).await.unwrap();
        assert_eq!(status, 200, "{action}: {body}");
        assert_ne!(body, Value::Null, "{action}");
    }
}
