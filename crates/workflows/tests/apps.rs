//! The app registry's changes on a real SQLite store: registration checks, the two-step
//! SDK secret rotation, and removal refused while approvals are pending; each audited.

use std::sync::Arc;

use serde_json::json;
use support_store::secrets::Keyring;
use support_store::*;
use support_workflows::apps::{self, AppsError, NewApp};

const KEY: &str = "dev1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn store() -> SqlStore {
    SqlStore::new(
        Arc::new(SqliteExec::migrated().unwrap()),
        Some(Keyring::parse(KEY).unwrap()),
    )
}

fn new_app(slug: &str) -> NewApp {
    NewApp {
        slug: slug.into(),
        name: Some("Course".into()),
        integration_url: "https://course.example/api/support".into(),
        approvers: vec!["U1".into()],
        ..NewApp::default()
    }
}

#[tokio::test]
async fn an_app_is_registered_once_with_a_secret_and_bad_input_is_refused() {
    let store = store();
    let (app, secret) = apps::register(&store, new_app("course"), "owner@example.com", 10)
        .await
        .unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 38,
        "{secret}"
    );
    assert_eq!(app.sdk_secrets, [secret.clone()]);
    assert_eq!(app.settings.approvers, ["U1"]);
    assert!(matches!(
        apps::register(&store, new_app("course"), "owner@example.com", 11).await,
        Err(AppsError::Exists(_))
    ));
    for (slug, url, approver) in [
        ("Bad Slug", "https://x.example", "U1"),
        ("ok", "http://x.example/api", "U1"),
        ("ok", "https://x.example", "someone"),
    ] {
        let new = NewApp {
            slug: slug.into(),
            integration_url: url.into(),
            approvers: vec![approver.into()],
            ..NewApp::default()
        };
        assert!(
            matches!(
                apps::register(&store, new, "o", 12).await,
                Err(AppsError::Invalid(_))
            ),
            "{slug} {url} {approver}"
        );
    }
    let rows = store
        .audit_search(&AuditQuery {
            actor: Some("owner@example.com".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].name, "app registered");
    assert_eq!(rows[0].app_id.as_deref(), Some("course"));
}

#[tokio::test]
async fn a_rotation_signs_with_both_secrets_until_it_is_finished() {
    let store = store();
    let (_, first) = apps::register(&store, new_app("course"), "o", 10)
        .await
        .unwrap();
    let second = apps::start_rotation(&store, "course", "o", 11)
        .await
        .unwrap();
    assert_ne!(first, second);
    let app = store.app("course").await.unwrap().unwrap();
    assert_eq!(app.sdk_secrets, [second.clone(), first.clone()]);
    assert!(app.settings.sdk_secret_rotating);
    assert!(matches!(
        apps::start_rotation(&store, "course", "o", 12).await,
        Err(AppsError::Conflict(_))
    ));
    apps::finish_rotation(&store, "course", "o", 13)
        .await
        .unwrap();
    let app = store.app("course").await.unwrap().unwrap();
    assert_eq!(app.sdk_secrets, [second]);
    assert!(!app.settings.sdk_secret_rotating);
    assert!(matches!(
        apps::finish_rotation(&store, "course", "o", 14).await,
        Err(AppsError::Conflict(_))
    ));
    assert!(matches!(
        apps::start_rotation(&store, "nope", "o", 15).await,
        Err(AppsError::NotFound(_))
    ));
}

#[tokio::test]
async fn an_app_with_pending_approvals_is_not_removed() {
    let store = store();
    apps::register(&store, new_app("course"), "o", 10)
        .await
        .unwrap();
    let action = ActionRecord {
        id: "act_1".into(),
        app_id: "course".into(),
        conversation_id: "cnv_1".into(),
        run_id: "run_1".into(),
        reply: "Hi".into(),
        proposals: vec![],
        args_hash: canonical_hash(&json!([])),
        draft_id: None,
        context: json!({}),
        status: ActionStatus::Pending,
        executor: None,
        created_at: 1,
        updated_at: 1,
        result: None,
        error: None,
    };
    store.insert_action(&action).await.unwrap();
    assert!(
        matches!(apps::remove(&store, "course", "o", 11).await, Err(AppsError::Conflict(m)) if m.contains("1 pending"))
    );
    assert!(store.app("course").await.unwrap().is_some());
    store
        .transition_action(
            "act_1",
            &[ActionStatus::Pending],
            ActionStatus::Expired,
            None,
            None,
            12,
        )
        .await
        .unwrap();
    apps::remove(&store, "course", "o", 13).await.unwrap();
    assert!(store.app("course").await.unwrap().is_none());
    assert!(matches!(
        apps::remove(&store, "course", "o", 14).await,
        Err(AppsError::NotFound(_))
    ));
}
