//! The client against the handler over real HTTP (axum adapter + reqwest transport).

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::routing::post;
use common::{dana, dana_purchase, FakeApp, SECRET};
use support_sdk::action::*;
use support_sdk::adapters::reqwest::ReqwestTransport;
use support_sdk::{IntegrationClient, IntegrationError, SupportHandler, SupportIntegration};

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

async fn app_url() -> String {
    let handler = Arc::new(SupportHandler::new(FakeApp::default(), SECRET));
    let base = serve(support_sdk::adapters::axum::router("/api/support", handler)).await;
    format!("{base}/api/support")
}

fn client(url: &str, secret: &str) -> IntegrationClient<ReqwestTransport> {
    IntegrationClient::new(url, secret, ReqwestTransport::new())
}

#[tokio::test]
async fn required_methods_round_trip_typed() {
    let c = client(&app_url().await, SECRET);
    assert_eq!(
        c.lookup_user("dana@example.com").await.unwrap(),
        Some(dana())
    );
    assert_eq!(c.lookup_user("nobody@example.com").await.unwrap(), None);
    assert_eq!(
        c.get_purchases("usr_dana").await.unwrap(),
        vec![dana_purchase()]
    );
    let revoked = c
        .revoke_access(RevokeAccessParams {
            purchase_id: "pur_1".into(),
            reason: "refund".into(),
            refund_id: "re_1".into(),
        })
        .await
        .unwrap();
    assert!(revoked.success);
    let moved = c
        .transfer_purchase(TransferPurchaseParams {
            purchase_id: "pur_1".into(),
            from_user_id: "usr_dana".into(),
            to_email: "sam@example.com".into(),
        })
        .await
        .unwrap();
    assert!(moved.success);
    let link = c
        .generate_magic_link(MagicLinkParams {
            email: "dana@example.com".into(),
            expires_in: 600,
        })
        .await
        .unwrap();
    assert_eq!(
        link.url,
        "https://app.example.com/login?email=dana@example.com&ttl=600"
    );
}

#[tokio::test]
async fn optional_methods_and_501_fallbacks() {
    let c = client(&app_url().await, SECRET);
    assert_eq!(
        c.get_refund_policy()
            .await
            .unwrap()
            .manual_approve_window_days,
        45
    );
    assert_eq!(
        c.get_product_status("prod_tt")
            .await
            .unwrap()
            .unwrap()
            .quantity_available,
        -1
    );
    assert_eq!(c.get_product_status("nope").await.unwrap(), None);
    // The TypeScript client maps 501 to a fallback for these three...
    assert_eq!(c.get_active_promotions().await.unwrap(), vec![]);
    assert_eq!(c.get_coupon_info("SAVE").await.unwrap(), None);
    assert_eq!(c.get_license_info("pur_1").await.unwrap(), None);
    // ...and to an error for the others.
    assert_eq!(
        c.get_subscriptions("usr_dana").await,
        Err(IntegrationError::NotImplemented(Action::GetSubscriptions))
    );
    assert_eq!(
        c.get_app_info().await,
        Err(IntegrationError::NotImplemented(Action::GetAppInfo))
    );
}

#[tokio::test]
async fn errors_map_to_typed_variants() {
    let url = app_url().await;
    assert_eq!(
        client(&url, "wrong").lookup_user("dana@example.com").await,
        Err(IntegrationError::Unauthorized("Invalid signature".into()))
    );
    assert_eq!(
        client(&url, SECRET).lookup_user("boom@example.com").await,
        Err(IntegrationError::Failed("database unavailable".into()))
    );
    let bad = client(&url, SECRET)
        .transfer_purchase(TransferPurchaseParams {
            purchase_id: "p".into(),
            from_user_id: "u".into(),
            to_email: "x".into(),
        })
        .await;
    assert_eq!(
        bad,
        Err(IntegrationError::BadRequest(
            "toEmail is not an email address".into()
        ))
    );
}

#[tokio::test]
async fn a_trailing_slash_on_the_endpoint_is_ignored() {
    let url = format!("{}/", app_url().await);
    let c = client(&url, SECRET);
    assert!(!c.url().ends_with('/'));
    assert!(c.lookup_user("dana@example.com").await.unwrap().is_some());
}

#[tokio::test]
async fn slow_apps_time_out() {
    let slow = axum::Router::new().route(
        "/slow",
        post(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "null"
        }),
    );
    let url = format!("{}/slow", serve(slow).await);
    let c = client(&url, SECRET).with_timeout(Duration::from_millis(200));
    let started = std::time::Instant::now();
    assert_eq!(
        c.lookup_user("dana@example.com").await,
        Err(IntegrationError::Timeout(200))
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn unreachable_apps_are_transport_errors() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/api/support", listener.local_addr().unwrap());
    drop(listener);
    assert!(matches!(
        client(&url, SECRET).lookup_user("a@b.c").await,
        Err(IntegrationError::Transport(_))
    ));
}

#[tokio::test]
async fn answers_that_break_the_contract_are_invalid_responses() {
    let liar = axum::Router::new().route("/", post(|| async { r#"{"id": 42}"# }));
    let url = serve(liar).await;
    match client(&url, SECRET).lookup_user("a@b.c").await {
        Err(IntegrationError::InvalidResponse {
            action: Action::LookupUser,
            ..
        }) => {}
        other => panic!("expected InvalidResponse, got {other:?}"),
    }
}

#[tokio::test]
async fn other_statuses_keep_status_and_message() {
    let teapot = axum::Router::new().route(
        "/",
        post(|| async {
            (
                axum::http::StatusCode::IM_A_TEAPOT,
                r#"{"error":"short and stout"}"#,
            )
        }),
    );
    let url = serve(teapot).await;
    assert_eq!(
        client(&url, SECRET).lookup_user("a@b.c").await,
        Err(IntegrationError::Http {
            status: 418,
            message: "short and stout".into()
        })
    );
}

#[tokio::test]
async fn raw_calls_return_status_and_body_for_tools() {
    let c = client(&app_url().await, SECRET);
    let (status, body) = c
        .call_raw(&Request::GetSubscriptions {
            user_id: "u".into(),
        })
        .await
        .unwrap();
    assert_eq!(status, 501);
    assert_eq!(body["error"], "Method not implemented: getSubscriptions");
}

/// A rotation as the platform runs it: signed with the previous secret (first) and the
/// new one, the request is accepted by an app that holds only the previous secret and by
/// one that holds only the new one; outside a rotation, an app with the other secret
/// refuses it.
#[tokio::test]
async fn during_a_rotation_apps_with_either_secret_accept_the_requests() {
    let (previous, new) = ("previous-secret-0123456789", SECRET);
    let app_with = |secret: &'static str| {
        let handler = Arc::new(SupportHandler::new(FakeApp::default(), secret));
        async move {
            format!(
                "{}/api/support",
                serve(support_sdk::adapters::axum::router("/api/support", handler)).await
            )
        }
    };
    let old_app = app_with(previous).await;
    let new_app = app_with(new).await;
    for url in [&old_app, &new_app] {
        let rotating = client(url, new).with_previous_secret(previous);
        assert_eq!(
            rotating.lookup_user("dana@example.com").await.unwrap(),
            Some(dana()),
            "{url}"
        );
    }
    let (status, _) = client(&old_app, new)
        .call_raw(&support_sdk::Request::LookupUser {
            email: "dana@example.com".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        status, 401,
        "without the previous secret the old app refuses"
    );
}
