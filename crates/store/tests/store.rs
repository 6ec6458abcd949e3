//! The SQL store on a real SQLite database with the platform's migrations.

use std::sync::Arc;

use serde_json::json;
use support_core::effect::{Account, Effect, UpdateName};
use support_store::secrets::Keyring;
use support_store::*;

const KEY: &str = "dev1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// The store on the backend `STORE_BACKEND` names: `sqlite` (the default: in memory,
/// as the native code runs it) or `planetscale` (the platform's PlanetScale adapter,
/// through the devkit's stand-in, over the MySQL server at `STORE_MYSQL_URL`; a fresh
/// database per test). Every test runs on both in `scripts/test`, with the same
/// assertions.
async fn store() -> (Arc<dyn SqlExec>, SqlStore) {
    let db: Arc<dyn SqlExec> = match std::env::var("STORE_BACKEND").as_deref() {
        Ok("planetscale") => {
            let exec = planetscale::PlanetScaleExec::new(
                &planetscale::PlanetScaleConfig::new(
                    &format!("{}/planetscale", stand_in()),
                    &fresh_database(),
                    STAND_IN_PASSWORD,
                ),
                Arc::new(support_http::ReqwestTransport::new()),
            );
            let applied = exec.migrate().await.unwrap();
            assert_eq!(applied.len(), MYSQL_MIGRATIONS.len());
            Arc::new(exec)
        }
        Ok("sqlite") | Err(_) => Arc::new(SqliteExec::migrated().unwrap()),
        Ok(other) => panic!("STORE_BACKEND={other}: sqlite or planetscale"),
    };
    let store = SqlStore::new(db.clone(), Some(Keyring::parse(KEY).unwrap()));
    (db, store)
}

const STAND_IN_PASSWORD: &str = "store-suite-password";

/// The devkit's PlanetScale stand-in, started once per test process on its own runtime
/// (each test's runtime ends with the test).
fn stand_in() -> &'static str {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    URL.get_or_init(|| {
        let mysql_url = std::env::var("STORE_MYSQL_URL").expect(
            "STORE_BACKEND=planetscale needs STORE_MYSQL_URL (scripts/mariadb start prints one)",
        );
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async move {
                let config = support_devkit::Config {
                    planetscale: support_devkit::planetscale::PlanetScaleConfig {
                        mysql_url: Some(mysql_url),
                        password: Some(STAND_IN_PASSWORD.into()),
                    },
                    ..Default::default()
                };
                let running = support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
                    .await
                    .unwrap();
                sender.send(running.url()).unwrap();
                std::future::pending::<()>().await;
            });
        });
        receiver.recv().unwrap()
    })
}

/// A username no other test uses: the stand-in gives each its own database.
fn fresh_database() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "t{:x}{}_{}",
        nanos,
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn registration() -> AppRegistration {
    AppRegistration {
        id: "app_tt".into(),
        slug: "total-typescript".into(),
        name: "Total TypeScript".into(),
        front_inbox_id: Some("inb_tt".into()),
        integration_url: "https://tt.example/api/support".into(),
        sdk_secrets: vec!["new-secret".into(), "old-secret".into()],
        stripe_account_id: Some("acct_123".into()),
        settings: AppSettings {
            approvers: vec!["U1".into()],
            ..AppSettings::default()
        },
    }
}

fn action(id: &str) -> ActionRecord {
    let proposals = vec![Effect::UpdateName(UpdateName {
        account: Account {
            user_id: "usr_1".into(),
            email: "dana@example.com".into(),
            name: None,
        },
        new_name: "Dana".into(),
    })];
    ActionRecord {
        id: id.into(),
        app_id: "total-typescript".into(),
        conversation_id: "cnv_1".into(),
        run_id: "run_1".into(),
        reply: "Refunded.".into(),
        args_hash: canonical_hash(&serde_json::to_value(&proposals).unwrap()),
        proposals,
        draft_id: None,
        context: json!({"category": "support_refund"}),
        status: ActionStatus::Pending,
        executor: None,
        created_at: 1_000,
        updated_at: 1_000,
        result: None,
        error: None,
    }
}

#[tokio::test]
async fn app_secrets_are_sealed_at_rest_and_opened_on_read() {
    let (db, store) = store().await;
    store.put_app(&registration(), 5).await.unwrap();
    let app = store.app("total-typescript").await.unwrap().unwrap();
    assert_eq!(app.sdk_secrets, ["new-secret", "old-secret"]);
    assert_eq!(app.stripe_account_id.as_deref(), Some("acct_123"));
    assert_eq!(app.settings.approvers, ["U1"]);
    // Nothing in the database holds a secret in the clear.
    let rows = db
        .query(Statement {
            sql: "SELECT key_id, sealed FROM app_secrets ORDER BY name",
            params: vec![],
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        let sealed = row["sealed"].as_str().unwrap();
        assert_eq!(row["key_id"], "dev1");
        assert!(sealed.starts_with("v1.dev1."), "{sealed}");
        assert!(!sealed.contains("secret") && !sealed.contains("acct_123"));
    }
    // Debug output never shows them either.
    let debug = format!("{app:?}");
    assert!(
        !debug.contains("new-secret") && !debug.contains("acct_123"),
        "{debug}"
    );
    assert!(store.app("nope").await.unwrap().is_none());
}

#[tokio::test]
async fn secrets_need_the_key_they_were_sealed_under() {
    let (db, store) = store().await;
    store.put_app(&registration(), 5).await.unwrap();
    let no_key = SqlStore::new(db.clone(), None);
    assert!(matches!(
        no_key.app("total-typescript").await,
        Err(StoreError::Secret(_))
    ));
    let other = SqlStore::new(
        db,
        Some(Keyring::parse("k9:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=").unwrap()),
    );
    let err = other.app("total-typescript").await.unwrap_err();
    assert!(err.to_string().contains("dev1"), "{err}");
}

#[tokio::test]
async fn registration_replaces_values_and_refuses_empty_secrets() {
    let (_db, store) = store().await;
    store.put_app(&registration(), 5).await.unwrap();
    let mut again = registration();
    again.sdk_secrets = vec!["rotated".into()];
    again.stripe_account_id = None;
    store.put_app(&again, 6).await.unwrap();
    let app = store.app("total-typescript").await.unwrap().unwrap();
    assert_eq!(app.sdk_secrets, ["rotated"]);
    assert_eq!(app.stripe_account_id, None);
    again.sdk_secrets = vec![];
    assert!(matches!(
        store.put_app(&again, 7).await,
        Err(StoreError::Invalid(_))
    ));
}

#[tokio::test]
async fn an_action_is_recorded_once_and_moves_only_from_the_states_given() {
    let (_db, store) = store().await;
    let first = store.insert_action(&action("act_1")).await.unwrap();
    let mut changed = action("act_1");
    changed.reply = "something else".into();
    let second = store.insert_action(&changed).await.unwrap();
    assert_eq!(second, first, "a retried insert keeps the first record");

    store
        .set_action_draft("act_1", Some("msg_draft"), 2_000)
        .await
        .unwrap();
    assert!(store
        .transition_action(
            "act_1",
            &[ActionStatus::Pending],
            ActionStatus::Approved,
            None,
            None,
            3_000
        )
        .await
        .unwrap());
    assert!(!store
        .transition_action(
            "act_1",
            &[ActionStatus::Pending],
            ActionStatus::Rejected,
            None,
            None,
            3_001
        )
        .await
        .unwrap());
    assert!(store
        .transition_action(
            "act_1",
            &[ActionStatus::Approved],
            ActionStatus::Failed,
            Some(&json!({"step": "refund"})),
            Some("stripe said no"),
            4_000
        )
        .await
        .unwrap());
    let stored = store.action("act_1").await.unwrap().unwrap();
    assert_eq!(stored.status, ActionStatus::Failed);
    assert_eq!(stored.draft_id.as_deref(), Some("msg_draft"));
    assert_eq!(stored.error.as_deref(), Some("stripe said no"));
    assert_eq!(stored.result, Some(json!({"step": "refund"})));
    assert_eq!(stored.updated_at, 4_000);
}

#[tokio::test]
async fn pending_actions_are_listed_oldest_first_per_app() {
    let (_db, store) = store().await;
    let mut a = action("act_a");
    a.created_at = 20;
    let mut b = action("act_b");
    b.created_at = 10;
    let mut c = action("act_c");
    c.app_id = "other".into();
    for x in [&a, &b, &c] {
        store.insert_action(x).await.unwrap();
    }
    let ids = |v: Vec<ActionRecord>| v.into_iter().map(|a| a.id).collect::<Vec<_>>();
    assert_eq!(
        ids(store
            .pending_actions(Some(&["total-typescript".to_owned()]), 10)
            .await
            .unwrap()),
        ["act_b", "act_a"]
    );
    assert_eq!(store.pending_actions(None, 10).await.unwrap().len(), 3);
    assert_eq!(store.pending_actions(None, 1).await.unwrap().len(), 1);
}

fn approval(action: &ActionRecord) -> ApprovalRecord {
    ApprovalRecord {
        action_id: action.id.clone(),
        app_id: action.app_id.clone(),
        args_hash: action.args_hash.clone(),
        status: ActionStatus::Pending,
        expires_at: 10_000,
        decided_by: None,
        decided_at: None,
        reason: None,
        edited_reply: None,
        slack: None,
        created_at: 1_000,
    }
}

fn decision(status: ActionStatus, by: &str, at: i64, hash: &str) -> Decision {
    Decision {
        status,
        by: by.into(),
        at,
        reason: None,
        edited_reply: None,
        args_hash: hash.into(),
    }
}

#[tokio::test]
async fn a_decision_is_recorded_once() {
    let (_db, store) = store().await;
    let act = store.insert_action(&action("act_1")).await.unwrap();
    store.create_approval(&approval(&act)).await.unwrap();
    let first = store
        .decide(
            "act_1",
            &decision(ActionStatus::Approved, "U1", 2_000, &act.args_hash),
        )
        .await
        .unwrap();
    assert!(
        matches!(&first, DecideOutcome::Decided(r) if r.status == ActionStatus::Approved && r.decided_by.as_deref() == Some("U1"))
    );
    let second = store
        .decide(
            "act_1",
            &decision(ActionStatus::Rejected, "U2", 2_001, &act.args_hash),
        )
        .await
        .unwrap();
    assert!(
        matches!(&second, DecideOutcome::AlreadyDecided(r) if r.status == ActionStatus::Approved && r.decided_by.as_deref() == Some("U1"))
    );
    assert!(!store.expire_approval("act_1", 20_000).await.unwrap());
    assert_eq!(
        store
            .decide("act_x", &decision(ActionStatus::Approved, "U1", 1, "h"))
            .await
            .unwrap(),
        DecideOutcome::NotFound
    );
}

#[tokio::test]
async fn changed_arguments_and_expiry_void_a_decision() {
    let (_db, store) = store().await;
    let act = store.insert_action(&action("act_1")).await.unwrap();
    store.create_approval(&approval(&act)).await.unwrap();
    assert_eq!(
        store
            .decide(
                "act_1",
                &decision(ActionStatus::Approved, "U1", 2_000, "another-hash")
            )
            .await
            .unwrap(),
        DecideOutcome::ArgumentsChanged
    );
    // Past its expiry nobody can decide, and expiring it is its own state.
    let late = store
        .decide(
            "act_1",
            &decision(ActionStatus::Approved, "U1", 10_000, &act.args_hash),
        )
        .await
        .unwrap();
    assert!(matches!(late, DecideOutcome::Expired(r) if r.status == ActionStatus::Pending));
    assert!(store.expire_approval("act_1", 10_001).await.unwrap());
    assert_eq!(
        store.approval("act_1").await.unwrap().unwrap().status,
        ActionStatus::Expired
    );
}

#[tokio::test]
async fn concurrent_deciders_produce_one_decision() {
    let (_db, store) = store().await;
    let store = Arc::new(store);
    let act = store.insert_action(&action("act_1")).await.unwrap();
    store.create_approval(&approval(&act)).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        let hash = act.args_hash.clone();
        tasks.push(tokio::spawn(async move {
            let status = if i % 2 == 0 {
                ActionStatus::Approved
            } else {
                ActionStatus::Rejected
            };
            store
                .decide("act_1", &decision(status, &format!("U{i}"), 2_000, &hash))
                .await
                .unwrap()
        }));
    }
    let mut decided = 0;
    for t in tasks {
        if matches!(t.await.unwrap(), DecideOutcome::Decided(_)) {
            decided += 1;
        }
    }
    assert_eq!(decided, 1);
}

/// The audit row of a decision by `by` on `act_1`.
fn decision_row(by: &str) -> AuditEntry {
    AuditEntry {
        id: "decision:act_1".into(),
        at_ms: 2_000,
        app_id: Some("total-typescript".into()),
        conversation_id: Some("cnv_1".into()),
        run_id: None,
        action_id: Some("act_1".into()),
        kind: AuditKind::Decision,
        name: "approved".into(),
        input: json!({"by": by}),
        output: None,
        error: None,
        duration_ms: None,
        usage: None,
        sensitive: Some(json!({"reason": "it's fine"})),
        sensitive_until: Some(9_000),
    }
}

#[tokio::test]
async fn a_decision_and_its_audit_row_are_written_together_by_the_winner_only() {
    let (_db, store) = store().await;
    let store = Arc::new(store);
    let act = store.insert_action(&action("act_1")).await.unwrap();
    let pending = store.create_approval(&approval(&act)).await.unwrap();
    // Refused: no decision, no row.
    let refused = store
        .decide_with_audit(
            &pending,
            &decision(ActionStatus::Approved, "U0", 2_000, "another-hash"),
            &decision_row("U0"),
        )
        .await
        .unwrap();
    assert_eq!(refused, DecideOutcome::ArgumentsChanged);
    let trail = || async {
        store
            .audit_trail(AuditFilter::Action("act_1"))
            .await
            .unwrap()
    };
    assert!(trail().await.is_empty());
    // Sixteen at once: one decision, and its row is the winner's.
    let mut tasks = Vec::new();
    for i in 0..16 {
        let (store, pending) = (store.clone(), pending.clone());
        let hash = act.args_hash.clone();
        tasks.push(tokio::spawn(async move {
            let by = format!("U{i}");
            let outcome = store
                .decide_with_audit(
                    &pending,
                    &decision(ActionStatus::Approved, &by, 2_000, &hash),
                    &decision_row(&by),
                )
                .await
                .unwrap();
            (by, outcome)
        }));
    }
    let mut winners = Vec::new();
    for t in tasks {
        let (by, outcome) = t.await.unwrap();
        match outcome {
            DecideOutcome::Decided(record) => {
                assert_eq!(record.status, ActionStatus::Approved);
                assert_eq!(record.decided_by.as_deref(), Some(by.as_str()));
                winners.push(by);
            }
            DecideOutcome::AlreadyDecided(record) => {
                assert_eq!(record.status, ActionStatus::Approved)
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(winners.len(), 1);
    let rows = trail().await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].input["by"], winners[0].as_str());
    assert_eq!(rows[0].sensitive, Some(json!({"reason": "it's fine"})));
    let stored = store.approval("act_1").await.unwrap().unwrap();
    assert_eq!(stored.decided_by.as_deref(), Some(winners[0].as_str()));
}

#[tokio::test]
async fn audit_rows_are_written_once_per_id_and_read_in_order() {
    let (_db, store) = store().await;
    let row = |id: &str, at: i64| AuditEntry {
        id: id.into(),
        at_ms: at,
        app_id: Some("total-typescript".into()),
        conversation_id: Some("cnv_1".into()),
        run_id: Some("run_1".into()),
        action_id: None,
        kind: AuditKind::ToolCall,
        name: "lookupUser".into(),
        input: json!({"email": "[redacted]"}),
        output: Some(json!({"found": true})),
        error: None,
        duration_ms: Some(12),
        usage: Some(TokenUsage {
            input: 1,
            output: 2,
            cache_read: 3,
            cache_write: 4,
        }),
        sensitive: None,
        sensitive_until: None,
    };
    store
        .audit(&[row("run_1:b", 2), row("run_1:a", 1)])
        .await
        .unwrap();
    let mut retried = row("run_1:a", 99);
    retried.error = Some("second try".into());
    store.audit(&[retried]).await.unwrap();
    let trail = store
        .audit_trail(AuditFilter::Conversation("cnv_1"))
        .await
        .unwrap();
    assert_eq!(
        trail.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        ["run_1:a", "run_1:b"]
    );
    assert_eq!(trail[0], row("run_1:a", 1));
    assert_eq!(
        store
            .audit_trail(AuditFilter::Run("run_1"))
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(store
        .audit_trail(AuditFilter::Action("act_1"))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn the_ledger_gives_an_effect_to_one_claimer_and_tells_a_retry_what_happened() {
    let (_db, store) = store().await;
    let key = "total-typescript:act_1:0:refund";
    assert_eq!(store.ledger(key).await.unwrap(), LedgerState::New);
    assert_eq!(
        store.ledger_claim(key, "act_1", "run_1", 1).await.unwrap(),
        LedgerClaim::Claimed
    );
    // The same execution retried resumes it; another one is kept out.
    assert_eq!(
        store.ledger_claim(key, "act_1", "run_1", 2).await.unwrap(),
        LedgerClaim::Resumed
    );
    assert_eq!(
        store.ledger_claim(key, "act_1", "run_2", 2).await.unwrap(),
        LedgerClaim::HeldBy {
            owner: "run_1".into()
        }
    );
    store
        .ledger_complete(key, &json!({"refundId": "re_1"}), 3)
        .await
        .unwrap();
    for owner in ["run_1", "run_2"] {
        assert_eq!(
            store.ledger_claim(key, "act_1", owner, 4).await.unwrap(),
            LedgerClaim::Completed {
                result: json!({"refundId": "re_1"})
            }
        );
    }
}

#[tokio::test]
async fn of_concurrent_claimers_exactly_one_runs_the_effect() {
    let (_db, store) = store().await;
    let store = Arc::new(store);
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .ledger_claim("tt:act_1:0:refund", "act_1", &format!("run_{i}"), 1)
                .await
                .unwrap()
        }));
    }
    let mut claimed = 0;
    for t in tasks {
        if t.await.unwrap() == LedgerClaim::Claimed {
            claimed += 1;
        }
    }
    assert_eq!(claimed, 1);
}

#[tokio::test]
async fn an_approved_action_is_claimed_by_one_execution() {
    let (_db, store) = store().await;
    store.insert_action(&action("act_1")).await.unwrap();
    assert!(matches!(
        store.claim_action("act_1", "run_1", 2).await.unwrap(),
        ActionClaim::Refused(a) if a.status == ActionStatus::Pending
    ));
    store
        .transition_action(
            "act_1",
            &[ActionStatus::Pending],
            ActionStatus::Approved,
            None,
            None,
            3,
        )
        .await
        .unwrap();
    let ActionClaim::Claimed(claimed) = store.claim_action("act_1", "run_1", 4).await.unwrap()
    else {
        panic!("the first execution claims it")
    };
    assert_eq!(
        (claimed.status, claimed.executor.as_deref()),
        (ActionStatus::Executing, Some("run_1"))
    );
    assert!(matches!(
        store.claim_action("act_1", "run_1", 5).await.unwrap(),
        ActionClaim::Claimed(_)
    ));
    assert!(matches!(
        store.claim_action("act_1", "run_2", 5).await.unwrap(),
        ActionClaim::Refused(a) if a.executor.as_deref() == Some("run_1")
    ));
    assert_eq!(
        store.claim_action("act_nope", "run_1", 5).await.unwrap(),
        ActionClaim::NotFound
    );
}

#[tokio::test]
async fn a_pending_approval_is_superseded_unless_decided_first() {
    let (_db, store) = store().await;
    for id in ["act_1", "act_2"] {
        let act = store.insert_action(&action(id)).await.unwrap();
        store.create_approval(&approval(&act)).await.unwrap();
    }
    assert_eq!(store.pending_actions_of("cnv_1").await.unwrap().len(), 2);
    let act = store.action("act_2").await.unwrap().unwrap();
    store
        .decide(
            "act_2",
            &decision(ActionStatus::Approved, "U1", 2_000, &act.args_hash),
        )
        .await
        .unwrap();
    assert!(store
        .supersede("act_1", "the customer wrote again", 2_001)
        .await
        .unwrap());
    assert!(!store.supersede("act_1", "again", 2_002).await.unwrap());
    assert!(!store
        .supersede("act_2", "the customer wrote again", 2_003)
        .await
        .unwrap());
    let superseded = store.approval("act_1").await.unwrap().unwrap();
    assert_eq!(superseded.status, ActionStatus::Superseded);
    assert_eq!(
        superseded.reason.as_deref(),
        Some("the customer wrote again")
    );
    assert_eq!(
        store.action("act_1").await.unwrap().unwrap().status,
        ActionStatus::Superseded
    );
    assert_eq!(
        store.approval("act_2").await.unwrap().unwrap().status,
        ActionStatus::Approved
    );
    assert!(store
        .pending_actions_of("cnv_1")
        .await
        .unwrap()
        .iter()
        .all(|a| a.id == "act_2"));
    // A decision after the supersession is told what happened.
    let late = store
        .decide(
            "act_1",
            &decision(ActionStatus::Approved, "U1", 2_004, &act.args_hash),
        )
        .await
        .unwrap();
    assert!(
        matches!(late, DecideOutcome::AlreadyDecided(r) if r.status == ActionStatus::Superseded)
    );
}

#[tokio::test]
async fn what_people_wrote_leaves_the_audit_log_after_its_window() {
    let (_db, store) = store().await;
    let row = |id: &str, until: i64| AuditEntry {
        id: id.into(),
        at_ms: 1,
        app_id: None,
        conversation_id: Some("cnv_1".into()),
        run_id: None,
        action_id: Some("act_1".into()),
        kind: AuditKind::Decision,
        name: "rejected".into(),
        input: json!({"by": "U1"}),
        output: None,
        error: None,
        duration_ms: None,
        usage: None,
        sensitive: Some(json!({"reason": "Wrong tone"})),
        sensitive_until: Some(until),
    };
    store.audit(&[row("a", 100), row("b", 200)]).await.unwrap();
    assert_eq!(store.scrub_audit(150).await.unwrap(), 1);
    let trail = store
        .audit_trail(AuditFilter::Conversation("cnv_1"))
        .await
        .unwrap();
    assert_eq!(trail[0].sensitive, None);
    assert_eq!(
        trail[0].input,
        json!({"by": "U1"}),
        "the decision itself stays"
    );
    assert_eq!(trail[1].sensitive, Some(json!({"reason": "Wrong tone"})));
    assert_eq!(store.scrub_audit(150).await.unwrap(), 0);
}

#[tokio::test]
async fn api_tokens_are_stored_hashed_scoped_and_revocable() {
    let (db, store) = store().await;
    let token = ApiToken {
        id: "tok_1".into(),
        slack_user_id: "U1".into(),
        apps: vec!["total-typescript".into()],
        label: "dashboard".into(),
        created_at: 1,
        revoked_at: None,
    };
    let hash = token_hash("secret-token-value");
    store.create_api_token(&token, &hash).await.unwrap();
    let raw = db
        .query(Statement {
            sql: "SELECT * FROM api_tokens",
            params: vec![],
        })
        .await
        .unwrap();
    let raw = serde_json::to_string(&raw).unwrap();
    assert!(!raw.contains("secret-token-value"), "{raw}");
    let found = store.api_token(&hash).await.unwrap().unwrap();
    assert_eq!(found, token);
    assert!(found.allows("total-typescript") && !found.allows("other-app"));
    assert_eq!(store.api_token(&token_hash("guess")).await.unwrap(), None);
    assert!(store.revoke_api_token("tok_1", 5).await.unwrap());
    assert!(!store.revoke_api_token("tok_1", 6).await.unwrap());
    assert_eq!(store.api_token(&hash).await.unwrap(), None);
    assert_eq!(store.api_tokens().await.unwrap()[0].revoked_at, Some(5));
    let mut unscoped = token.clone();
    unscoped.id = "tok_2".into();
    unscoped.apps.clear();
    assert!(store
        .create_api_token(&unscoped, &token_hash("x"))
        .await
        .is_err());
}

#[tokio::test]
async fn cached_values_expire() {
    let (_db, store) = store().await;
    store
        .cache_put("front:tag:refund", "tag_1", Some(100))
        .await
        .unwrap();
    store
        .cache_put("front:channel:inb_1", "cha_1", None)
        .await
        .unwrap();
    assert_eq!(
        store
            .cache_get("front:tag:refund", 99)
            .await
            .unwrap()
            .as_deref(),
        Some("tag_1")
    );
    assert_eq!(
        store.cache_get("front:tag:refund", 100).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .cache_get("front:channel:inb_1", i64::MAX)
            .await
            .unwrap()
            .as_deref(),
        Some("cha_1")
    );
    store
        .cache_put("front:tag:refund", "tag_2", None)
        .await
        .unwrap();
    assert_eq!(
        store
            .cache_get("front:tag:refund", 1_000)
            .await
            .unwrap()
            .as_deref(),
        Some("tag_2")
    );
}

#[test]
fn the_arguments_hash_ignores_key_order_but_not_values() {
    let a = canonical_hash(&json!({"amount": 4900, "purchaseId": "pur_1", "x": {"b": 1, "a": 2}}));
    let b = canonical_hash(&json!({"x": {"a": 2, "b": 1}, "purchaseId": "pur_1", "amount": 4900}));
    let c = canonical_hash(&json!({"amount": 4901, "purchaseId": "pur_1", "x": {"b": 1, "a": 2}}));
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_eq!(a.len(), 64);
}

fn candidate(action: &str, question: &str, at: i64) -> Candidate {
    Candidate::of_sent_reply(
        "total-typescript",
        action,
        "cnv_1",
        "",
        question,
        "STUDENT50 gives 50% off.",
        false,
        &[],
        at,
    )
}

#[tokio::test]
async fn candidates_are_kept_once_and_grouped_into_one_faq_entry_at_most() {
    let (_db, store) = store().await;
    let (a, b, c) = (
        candidate("act_1", "Student discount?", 1),
        candidate("act_2", "Do students get a discount?", 2),
        candidate("act_3", "Is there a discount for students?", 3),
    );
    for x in [&a, &b, &c] {
        assert!(store.add_candidate(x).await.unwrap());
    }
    assert!(!store.add_candidate(&a).await.unwrap(), "one per action");
    let ids = vec![c.id.clone(), a.id.clone(), "kc_missing".to_owned()];
    let found = store.candidates(&ids).await.unwrap();
    assert_eq!(
        found.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
        vec![c.id.as_str(), a.id.as_str()]
    );

    let entry = FaqEntry::propose(&[a.clone(), b.clone(), c.clone()], 10).unwrap();
    assert!(store.propose_faq(&entry).await.unwrap());
    let grouped = store.candidates(&entry.candidate_ids).await.unwrap();
    assert!(grouped
        .iter()
        .all(|x| x.faq_id.as_deref() == Some(entry.id.as_str())));
    // A second entry over a candidate already grouped writes nothing.
    let d = candidate("act_4", "Student pricing?", 4);
    store.add_candidate(&d).await.unwrap();
    let overlapping = FaqEntry::propose(&[a.clone(), d.clone()], 11).unwrap();
    assert!(!store.propose_faq(&overlapping).await.unwrap());
    assert_eq!(store.faq(&overlapping.id).await.unwrap(), None);
    assert_eq!(
        store.candidates(&[d.id.clone()]).await.unwrap()[0].faq_id,
        None
    );

    let proposed = store
        .faqs(Some("total-typescript"), Some(FaqStatus::Proposed))
        .await
        .unwrap();
    assert_eq!(proposed, vec![entry.clone()]);
    assert!(store.faqs(Some("other"), None).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_faq_entry_is_decided_once_with_its_final_wording() {
    let (_db, store) = store().await;
    let a = candidate("act_1", "Student discount?", 1);
    store.add_candidate(&a).await.unwrap();
    let entry = FaqEntry::propose(std::slice::from_ref(&a), 5).unwrap();
    store.propose_faq(&entry).await.unwrap();
    let decision = FaqDecision {
        id: entry.id.clone(),
        status: FaqStatus::Approved,
        question: "Is there a student discount?".into(),
        answer: "Yes: STUDENT50 gives 50% off.".into(),
        by: "U0DEVAPPROVER".into(),
        reason: None,
        now_ms: 9,
    };
    let approved = store.decide_faq(&decision).await.unwrap().unwrap();
    assert_eq!(approved.status, FaqStatus::Approved);
    assert_eq!(approved.question, "Is there a student discount?");
    assert_eq!(
        (approved.decided_by.as_deref(), approved.decided_at),
        (Some("U0DEVAPPROVER"), Some(9))
    );
    let again = FaqDecision {
        status: FaqStatus::Rejected,
        reason: Some("late".into()),
        ..decision.clone()
    };
    assert_eq!(
        store.decide_faq(&again).await.unwrap(),
        None,
        "decided once"
    );
    let empty = FaqDecision {
        answer: " ".into(),
        ..decision
    };
    assert!(store.decide_faq(&empty).await.is_err());
}

fn person(id: &str, email: &str, role: support_auth::Role) -> support_store::people::Person {
    support_store::people::Person {
        id: id.into(),
        name: "Morgan".into(),
        email: email.into(),
        role,
        slack_user_id: Some("U0DEVAPPROVER".into()),
        created_at: 1_796_652_849_416,
        updated_at: 1_796_652_849_416,
    }
}

#[tokio::test]
async fn people_are_stored_in_betterauth_tables_with_their_credentials() {
    use support_auth::Role;
    let (db, store) = store().await;
    let owner = person("u".repeat(32).as_str(), "Owner@Example.com", Role::Owner);
    assert!(store.add_person(&owner, Some("ab12:cd34")).await.unwrap());
    let again = person("v".repeat(32).as_str(), "owner@example.com", Role::Viewer);
    assert!(
        !store.add_person(&again, Some("x:y")).await.unwrap(),
        "one person per email"
    );
    let found = store
        .person_by_email(" OWNER@example.com ")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.email.as_str(), found.role),
        ("owner@example.com", Role::Owner)
    );
    assert_eq!(found.created_at, 1_796_652_849_416);
    assert_eq!(
        store.password_hash(&owner.id).await.unwrap().as_deref(),
        Some("ab12:cd34")
    );
    assert_eq!(store.password_hash(&again.id).await.unwrap(), None);
    // As BetterAuth's SQLite adapter writes them: ISO dates, 0/1 booleans, `credential`.
    let raw = db
        .query(Statement {
            sql: "SELECT u.\"createdAt\", u.\"emailVerified\", a.\"providerId\", a.\"accountId\" FROM \"user\" u JOIN \"account\" a ON a.\"userId\" = u.\"id\"",
            params: vec![],
        })
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&raw).unwrap(),
        json!([{"createdAt": "2026-12-07T14:14:09.416Z", "emailVerified": 0, "providerId": "credential", "accountId": owner.id}])
    );
}

#[tokio::test]
async fn sessions_expire_and_end() {
    use support_store::people::Session;
    let (_db, store) = store().await;
    let agent = person(
        &"a".repeat(32),
        "agent@example.com",
        support_auth::Role::Agent,
    );
    store.add_person(&agent, None).await.unwrap();
    for (id, token) in [("s1", "t1"), ("s2", "t2")] {
        store
            .add_session(&Session {
                id: id.into(),
                token: token.into(),
                user_id: agent.id.clone(),
                expires_at: 1_000,
                created_at: 0,
                updated_at: 0,
                ip_address: Some("203.0.113.7".into()),
                user_agent: None,
            })
            .await
            .unwrap();
    }
    let (session, who) = store.session("t1", 999).await.unwrap().unwrap();
    assert_eq!(
        (session.id.as_str(), who.email.as_str()),
        ("s1", "agent@example.com")
    );
    assert_eq!(session.ip_address.as_deref(), Some("203.0.113.7"));
    assert_eq!(store.session("t1", 1_000).await.unwrap(), None, "expired");
    assert!(store.end_session("t1").await.unwrap());
    assert_eq!(store.session("t1", 0).await.unwrap(), None);
    assert_eq!(store.end_sessions_of(&agent.id).await.unwrap(), 1);
    assert_eq!(store.session("t2", 0).await.unwrap(), None);
}

#[tokio::test]
async fn sign_in_attempts_are_counted_atomically_per_key_and_window() {
    let (_db, store) = store().await;
    for expected in 1..=3 {
        assert_eq!(
            store
                .count_login_attempt("account:a@b.c", 100)
                .await
                .unwrap(),
            expected
        );
    }
    assert_eq!(
        store
            .count_login_attempt("address:203.0.113.7", 100)
            .await
            .unwrap(),
        1
    );
    store
        .forgive_login_attempt("account:a@b.c", 100)
        .await
        .unwrap();
    assert_eq!(
        store
            .count_login_attempt("account:a@b.c", 100)
            .await
            .unwrap(),
        3
    );
    // A new window starts from one, and every key's older windows are dropped.
    assert_eq!(
        store
            .count_login_attempt("account:a@b.c", 200)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .count_login_attempt("address:203.0.113.7", 200)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn sign_in_checks_the_password_throttles_and_opens_a_session() {
    use support_store::people::{sign_in, Origin, SignInError, SESSION_MS};
    let (_db, store) = store().await;
    let owner = person(
        &"o".repeat(32),
        "owner@example.com",
        support_auth::Role::Owner,
    );
    let hash = support_auth::hash_password("correct horse battery", [7u8; 16]);
    store.add_person(&owner, Some(&hash)).await.unwrap();
    let origin = Origin {
        address: Some("203.0.113.7".into()),
        user_agent: Some("test".into()),
    };
    let now = 1_796_652_849_416;
    let (session, who) = sign_in(
        &store,
        " Owner@Example.com",
        "correct horse battery",
        &origin,
        now,
    )
    .await
    .unwrap();
    assert_eq!(who.id, owner.id);
    assert_eq!(session.expires_at, now + SESSION_MS);
    assert_eq!(session.token.len(), 32);
    assert_eq!(
        store
            .session(&session.token, now)
            .await
            .unwrap()
            .unwrap()
            .1
            .id,
        owner.id
    );

    for _ in 0..5 {
        assert_eq!(
            sign_in(&store, "owner@example.com", "wrong", &origin, now)
                .await
                .unwrap_err(),
            SignInError::Invalid
        );
    }
    // Five failures for the account: even the right password waits for the window.
    assert!(matches!(
        sign_in(&store, "owner@example.com", "correct horse battery", &origin, now).await,
        Err(SignInError::Throttled { retry_after_secs }) if retry_after_secs > 0
    ));
    // Not locked out from elsewhere: the tight limit is per account and address.
    let office = Origin {
        address: Some("192.0.2.10".into()),
        user_agent: None,
    };
    assert!(sign_in(
        &store,
        "owner@example.com",
        "correct horse battery",
        &office,
        now
    )
    .await
    .is_ok());
    // An unknown email fails the same way as a wrong password.
    let elsewhere = Origin {
        address: Some("198.51.100.1".into()),
        user_agent: None,
    };
    assert_eq!(
        sign_in(&store, "nobody@example.com", "x", &elsewhere, now)
            .await
            .unwrap_err(),
        SignInError::Invalid
    );
}

#[tokio::test]
async fn an_approval_that_could_not_be_written_goes_back_to_proposed() {
    let (_db, store) = store().await;
    let a = candidate("act_9", "Dark mode?", 1);
    store.add_candidate(&a).await.unwrap();
    let entry = FaqEntry::propose(std::slice::from_ref(&a), 5).unwrap();
    store.propose_faq(&entry).await.unwrap();
    let decision = FaqDecision {
        id: entry.id.clone(),
        status: FaqStatus::Approved,
        question: "Edited?".into(),
        answer: "Edited.".into(),
        by: "U1".into(),
        reason: None,
        now_ms: 9,
    };
    store.decide_faq(&decision).await.unwrap().unwrap();
    assert!(
        !store.reopen_faq(&entry, "U2").await.unwrap(),
        "only the approver's"
    );
    assert!(store.reopen_faq(&entry, "U1").await.unwrap());
    let back = store.faq(&entry.id).await.unwrap().unwrap();
    assert_eq!(back.status, FaqStatus::Proposed);
    assert_eq!((back.question, back.decided_by), (entry.question, None));
}

#[test]
fn ipv6_addresses_are_throttled_by_their_64() {
    use support_store::people::address_bucket;
    assert_eq!(
        address_bucket(Some("2001:db8:1:2:aaaa::1")),
        address_bucket(Some("2001:db8:1:2:bbbb::9"))
    );
    assert_ne!(
        address_bucket(Some("2001:db8:1:2::1")),
        address_bucket(Some("2001:db8:1:3::1"))
    );
    assert_eq!(address_bucket(Some("203.0.113.7")), "203.0.113.7");
    assert_eq!(address_bucket(None), "unknown");
}

fn audit_row(i: i64, kind: AuditKind, app: &str, by: Option<&str>, failed: bool) -> AuditEntry {
    AuditEntry {
        id: format!("row:{i:06}"),
        at_ms: 1_000 + i,
        app_id: Some(app.into()),
        conversation_id: Some(format!("cnv_{}", i % 3)),
        run_id: None,
        action_id: None,
        kind,
        name: format!("n{i}"),
        input: match by {
            Some(by) => json!({"by": by}),
            None => json!({}),
        },
        output: None,
        error: failed.then(|| "boom".to_owned()),
        duration_ms: Some(1),
        usage: None,
        sensitive: None,
        sensitive_until: None,
    }
}

#[tokio::test]
async fn the_audit_search_filters_and_pages_newest_first_without_gaps_or_repeats() {
    let (_, store) = store().await;
    let rows: Vec<AuditEntry> = (0..120)
        .map(|i| {
            let kind = if i % 4 == 0 {
                AuditKind::Decision
            } else {
                AuditKind::Step
            };
            let app = if i % 2 == 0 { "a" } else { "b" };
            let by = (i % 4 == 0).then_some(if i % 8 == 0 { "U1" } else { "U2" });
            audit_row(i, kind, app, by, i % 5 == 0)
        })
        .collect();
    store.audit(&rows).await.unwrap();
    // Paging the whole log 50 at a time visits every row once, newest first.
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .audit_search(&AuditQuery {
                before: before.clone(),
                limit: 50,
                ..Default::default()
            })
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        before = page.last().map(|r| (r.at_ms, r.id.clone()));
        seen.extend(page.into_iter().map(|r| r.id));
    }
    let mut expected: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    expected.reverse();
    assert_eq!(seen, expected);
    // Each filter, alone and combined, gives exactly the matching rows.
    let count = |q: AuditQuery| {
        let store = &store;
        async move {
            store
                .audit_search(&AuditQuery { limit: 1000, ..q })
                .await
                .unwrap()
        }
    };
    let by_u1 = count(AuditQuery {
        actor: Some("U1".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(by_u1.len(), 15);
    assert!(by_u1.iter().all(|r| r.input["by"] == "U1"));
    let app_b = count(AuditQuery {
        app: Some("b".into()),
        ..Default::default()
    })
    .await;
    assert_eq!(app_b.len(), 60);
    let decisions_failed = count(AuditQuery {
        kind: Some(AuditKind::Decision),
        failed: Some(true),
        ..Default::default()
    })
    .await;
    assert_eq!(
        decisions_failed.len(),
        6,
        "i % 4 == 0 and i % 5 == 0 below 120"
    );
    let ok_in_window = count(AuditQuery {
        failed: Some(false),
        from_ms: Some(1_010),
        to_ms: Some(1_020),
        ..Default::default()
    })
    .await;
    assert_eq!(ok_in_window.len(), 8, "1010..1020 minus 1010 and 1015");
    assert!(ok_in_window
        .iter()
        .all(|r| r.error.is_none() && (1_010..1_020).contains(&r.at_ms)));
}

#[tokio::test]
async fn the_queue_pages_pending_actions_oldest_first_by_app_and_category() {
    let (_, store) = store().await;
    for i in 0..30 {
        let mut a = action(&format!("act_{i:03}"));
        a.created_at = 1_000 + i / 2; // pairs share a timestamp: the id breaks the tie
        a.app_id = if i % 3 == 0 {
            "other".into()
        } else {
            "total-typescript".into()
        };
        a.context =
            json!({"category": if i % 2 == 0 { "support_refund" } else { "support_access" }});
        a.conversation_id = format!("cnv_{i}");
        store.insert_action(&a).await.unwrap();
    }
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let (page, total) = store
            .queue(&QueueQuery {
                after: after.clone(),
                limit: 7,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(total, 30);
        if page.is_empty() {
            break;
        }
        after = page.last().map(|a| (a.created_at, a.id.clone()));
        ids.extend(page.into_iter().map(|a| a.id));
    }
    let expected: Vec<String> = (0..30).map(|i| format!("act_{i:03}")).collect();
    assert_eq!(ids, expected);
    let (page, total) = store
        .queue(&QueueQuery {
            apps: Some(vec!["total-typescript".into()]),
            category: Some("support_access".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(total, 10);
    assert!(page
        .iter()
        .all(|a| a.app_id == "total-typescript" && a.context["category"] == "support_access"));
    // Decided ones leave the queue; actions_by_ids still finds them.
    let found = store
        .actions_by_ids(&["act_001".into(), "act_002".into(), "missing".into()])
        .await
        .unwrap();
    assert_eq!(found.len(), 2);
}

#[tokio::test]
async fn an_invitation_works_once_and_not_after_it_expires() {
    let (_, store) = store().await;
    let person = people::Person {
        id: "usr_invited".into(),
        name: "Ines".into(),
        email: "ines@example.com".into(),
        role: support_auth::Role::Agent,
        slack_user_id: None,
        created_at: 1_000,
        updated_at: 1_000,
    };
    assert!(store.add_person(&person, None).await.unwrap());
    store
        .add_invite("hash-1", "usr_invited", 10_000, 1_000)
        .await
        .unwrap();
    store
        .add_invite("hash-2", "usr_invited", 2_000, 1_000)
        .await
        .unwrap();
    assert_eq!(
        store.invite("hash-1", 5_000).await.unwrap().as_deref(),
        Some("usr_invited")
    );
    assert_eq!(
        store.invite("hash-2", 5_000).await.unwrap(),
        None,
        "expired"
    );
    assert_eq!(
        store.take_invite("hash-1", 5_000).await.unwrap().as_deref(),
        Some("usr_invited")
    );
    assert_eq!(
        store.take_invite("hash-1", 5_000).await.unwrap(),
        None,
        "used once"
    );
    assert_eq!(store.password_hash("usr_invited").await.unwrap(), None);
    store
        .set_password("usr_invited", "salt:key", 6_000)
        .await
        .unwrap();
    assert_eq!(
        store.password_hash("usr_invited").await.unwrap().as_deref(),
        Some("salt:key")
    );
    store
        .set_password("usr_invited", "salt:key2", 7_000)
        .await
        .unwrap();
    assert_eq!(
        store.password_hash("usr_invited").await.unwrap().as_deref(),
        Some("salt:key2")
    );
}

#[tokio::test]
async fn tool_calls_of_conversations_come_without_their_payloads() {
    let (_, store) = store().await;
    let mut rows: Vec<AuditEntry> = (0..6)
        .map(|i| {
            audit_row(
                i,
                if i % 2 == 0 {
                    AuditKind::ToolCall
                } else {
                    AuditKind::Step
                },
                "a",
                None,
                i == 4,
            )
        })
        .collect();
    rows[0].input = json!({"email": "dana@example.com"});
    rows[0].output = Some(json!({"secret": "not for the queue"}));
    store.audit(&rows).await.unwrap();
    let calls = store
        .tool_calls_of(&["cnv_0".into(), "cnv_1".into()])
        .await
        .unwrap();
    // Rows 0, 2, 4 are tool calls; of those, 0 and 4 are in cnv_0/cnv_1 (i % 3).
    let names: Vec<&str> = calls.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["n0", "n4"]);
    assert_eq!(calls[0].input, json!({}));
    assert_eq!(calls[0].output, None);
    assert_eq!(calls[1].error.as_deref(), Some("boom"));
    assert_eq!(calls[0].duration_ms, Some(1));
}

#[tokio::test]
async fn intake_counters_add_up_across_flushes() {
    let (_, store) = store().await;
    assert!(store.intake_counts().await.unwrap().is_empty());
    store
        .add_intake_counts(&[("forwarded", 3), ("duplicate", 1)], 10)
        .await
        .unwrap();
    store
        .add_intake_counts(&[("forwarded", 2)], 20)
        .await
        .unwrap();
    store.add_intake_counts(&[], 30).await.unwrap();
    assert_eq!(
        store.intake_counts().await.unwrap(),
        vec![("duplicate".to_owned(), 1), ("forwarded".to_owned(), 5)]
    );
}

#[tokio::test]
async fn dead_letters_are_recorded_listed_replayed_and_refreshed() {
    use support_core::outbox::DeadLetter;
    let (_, store) = store().await;
    let letter = |id: &str, at: i64| DeadLetter {
        event_id: id.into(),
        conversation_id: format!("cnv_{id}"),
        name: "support/inbound.received".into(),
        reason: "400 bad event".into(),
        attempts: 2,
        failed_at: at,
        replayed_at: None,
    };
    store
        .record_dead_letters(&[
            (letter("e1", 100), "{\"a\":1}"),
            (letter("e2", 200), "{\"b\":2}"),
        ])
        .await
        .unwrap();
    let listed = store.dead_letters(false, 10).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|l| l.event_id.as_str())
            .collect::<Vec<_>>(),
        ["e2", "e1"],
        "newest first"
    );
    assert_eq!(listed[1], letter("e1", 100));
    assert_eq!(store.dead_letters(false, 1).await.unwrap().len(), 1);

    let bodies = store
        .dead_letter_bodies(&["e1".into(), "missing".into()])
        .await
        .unwrap();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0].0, "cnv_e1");
    assert_eq!(bodies[0].1.body, "{\"a\":1}");

    store.mark_replayed(&["e1".into()], 300).await.unwrap();
    assert_eq!(
        store.dead_letters(false, 10).await.unwrap().len(),
        1,
        "replayed ones are hidden"
    );
    let all = store.dead_letters(true, 10).await.unwrap();
    assert_eq!(
        all.iter().find(|l| l.event_id == "e1").unwrap().replayed_at,
        Some(300)
    );

    // Refused again after a replay: refreshed, and waiting for an operator again.
    store
        .record_dead_letters(&[(
            DeadLetter {
                attempts: 5,
                ..letter("e1", 400)
            },
            "{\"a\":2}",
        )])
        .await
        .unwrap();
    let again = store.dead_letters(false, 10).await.unwrap();
    assert_eq!(again[0].event_id, "e1");
    assert_eq!(again[0].attempts, 5);
    assert_eq!(again[0].replayed_at, None);
    assert_eq!(
        store.dead_letter_bodies(&["e1".into()]).await.unwrap()[0]
            .1
            .body,
        "{\"a\":2}"
    );
}

#[tokio::test]
async fn the_intake_sees_the_apps_that_have_an_inbox() {
    let (_, store) = store().await;
    store.put_app(&registration(), 1).await.unwrap();
    let mut other = registration();
    other.id = "app_other".into();
    other.slug = "no-inbox".into();
    other.front_inbox_id = None;
    store.put_app(&other, 1).await.unwrap();
    let inboxes = store.app_inboxes().await.unwrap();
    assert_eq!(inboxes.len(), 1);
    assert_eq!(inboxes[0].slug, "total-typescript");
    assert_eq!(inboxes[0].front_inbox_id.as_deref(), Some("inb_tt"));
}

#[tokio::test]
async fn app_names_are_listed_by_slug_without_opening_secrets() {
    let (db, _) = store().await;
    // No keyring: the names are readable, the sealed secrets are not needed.
    let sealed = SqlStore::new(db.clone(), Some(Keyring::parse(KEY).unwrap()));
    sealed.put_app(&registration(), 1).await.unwrap();
    let bare = SqlStore::new(db, None);
    assert_eq!(
        bare.app_names().await.unwrap(),
        vec![("total-typescript".to_owned(), "Total TypeScript".to_owned())]
    );
}

/// Tables, their columns in order (name, NOT NULL) and the named indexes with their
/// columns, as SQLite ends up after every migration.
async fn sqlite_schema() -> (Vec<(String, Vec<(String, bool)>)>, Vec<(String, String)>) {
    let db = SqliteExec::migrated().unwrap();
    let rows = db
        .query(Statement {
            sql: "SELECT m.name AS tbl, p.name AS col, p.\"notnull\" AS nn, p.pk AS pk \
                  FROM sqlite_master m, pragma_table_xinfo(m.name) p \
                  WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid",
            params: vec![],
        })
        .await
        .unwrap();
    let mut tables: Vec<(String, Vec<(String, bool)>)> = Vec::new();
    for row in rows {
        let table = row["tbl"].as_str().unwrap().to_owned();
        // MySQL makes every primary key column NOT NULL; the store never stores NULL there.
        let not_null = row["nn"].as_i64() == Some(1) || row["pk"].as_i64().unwrap_or(0) > 0;
        let column = (row["col"].as_str().unwrap().to_owned(), not_null);
        match tables.last_mut() {
            Some((name, columns)) if *name == table => columns.push(column),
            _ => tables.push((table, vec![column])),
        }
    }
    let rows = db
        .query(Statement {
            sql: "SELECT m.name AS idx, group_concat(i.name, ',') AS cols \
                  FROM sqlite_master m, pragma_index_info(m.name) i \
                  WHERE m.type = 'index' AND m.sql IS NOT NULL GROUP BY m.name ORDER BY m.name",
            params: vec![],
        })
        .await
        .unwrap();
    let indexes = rows
        .iter()
        .map(|r| {
            (
                r["idx"].as_str().unwrap().to_owned(),
                r["cols"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (tables, indexes)
}

#[tokio::test]
#[ignore = "needs the MySQL server: STORE_BACKEND=planetscale (scripts/test runs it)"]
async fn the_mysql_schema_equals_the_sqlite_schema() {
    let (db, _) = store().await;
    let columns = db
        .query(Statement {
            sql: "SELECT TABLE_NAME AS tbl, COLUMN_NAME AS col, IS_NULLABLE AS nullable \
                  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
                  AND TABLE_NAME <> '_migrations' ORDER BY TABLE_NAME, ORDINAL_POSITION",
            params: vec![],
        })
        .await
        .unwrap();
    let mut tables: Vec<(String, Vec<(String, bool)>)> = Vec::new();
    for row in columns {
        let table = row["tbl"].as_str().unwrap().to_owned();
        let column = (
            row["col"].as_str().unwrap().to_owned(),
            row["nullable"] == "NO",
        );
        match tables.last_mut() {
            Some((name, columns)) if *name == table => columns.push(column),
            _ => tables.push((table, vec![column])),
        }
    }
    let indexes = db
        .query(Statement {
            sql: "SELECT INDEX_NAME AS idx, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX SEPARATOR ',') AS cols \
                  FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
                  AND TABLE_NAME <> '_migrations' GROUP BY TABLE_NAME, INDEX_NAME",
            params: vec![],
        })
        .await
        .unwrap();
    let indexes: std::collections::BTreeMap<String, String> = indexes
        .iter()
        .map(|r| {
            (
                r["idx"].as_str().unwrap().to_owned(),
                r["cols"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let (sqlite_tables, sqlite_indexes) = sqlite_schema().await;
    // Table names compare case-sensitively on both (MySQL on Linux keeps their case).
    let mut mysql_tables = tables;
    mysql_tables.sort_by(|a, b| a.0.cmp(&b.0));
    let mut expected = sqlite_tables;
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(mysql_tables, expected, "tables and columns differ");
    assert!(!sqlite_indexes.is_empty());
    for (name, columns) in &sqlite_indexes {
        assert_eq!(indexes.get(name), Some(columns), "index {name}");
    }
}

/// `SELECT ?1, ?2` on the backend: exactly one row with exactly those two values, or the
/// literal escaping let an input change the statement.
async fn echo(db: &dyn SqlExec, a: &str, b: &str) {
    let rows = db
        .query(Statement {
            sql: "SELECT ?1 AS a, ?2 AS b",
            params: vec![a.into(), b.into()],
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].len(), 2, "{:?}", rows[0]);
    assert_eq!(rows[0]["a"], a, "first value");
    assert_eq!(rows[0]["b"], b, "second value");
}

#[tokio::test]
#[ignore = "needs the MySQL server: STORE_BACKEND=planetscale (scripts/test runs it)"]
async fn every_character_below_256_and_every_quoting_trick_reads_back_unchanged() {
    let (db, _) = store().await;
    let every: String = (0u32..256).filter_map(char::from_u32).collect();
    echo(db.as_ref(), &every, "after").await;
    for trick in [
        "'",
        "''",
        "\\",
        "\\'",
        "' OR '1'='1",
        "'; DROP TABLE apps; --",
        "\\'; SELECT 1; --",
        "\"",
        "`",
        "?1",
        "/*! 99999 x */",
        "%_",
        "\u{0}'\u{0}",
        "é🦀\u{10FFFF}",
    ] {
        echo(db.as_ref(), trick, trick).await;
    }
    // A long value survives a write and a read through a LONGTEXT column.
    let long = "x'\\\u{0}🦀".repeat(40_000);
    db.execute(vec![Statement {
        sql: "INSERT INTO platform_cache (key, value, expires_at) VALUES (?1, ?2, NULL)",
        params: vec!["long".into(), long.as_str().into()],
    }])
    .await
    .unwrap();
    let rows = db
        .query(Statement {
            sql: "SELECT value FROM platform_cache WHERE key = ?1",
            params: vec!["long".into()],
        })
        .await
        .unwrap();
    assert_eq!(rows[0]["value"], long.as_str());
    assert!(db
        .query(Statement {
            sql: "SELECT id FROM apps",
            params: vec![]
        })
        .await
        .unwrap()
        .is_empty());
}

#[test]
#[ignore = "needs the MySQL server: STORE_BACKEND=planetscale (scripts/test runs it)"]
fn no_string_changes_a_statement() {
    use proptest::prelude::*;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (db, _) = runtime.block_on(store());
    let config = ProptestConfig {
        cases: 300,
        ..ProptestConfig::default()
    };
    // Any Unicode, weighted towards the characters that quoting is about.
    let text = proptest::collection::vec(
        prop_oneof![
            3 => proptest::sample::select(vec!['\'', '"', '\\', '\0', '`', '\n', '\r', '\t', '\u{8}', '\u{1a}', '%', '_', '?', ';', '-', '#', '/', '*']),
            2 => any::<char>(),
        ],
        0..200,
    )
    .prop_map(|chars| chars.into_iter().collect::<String>());
    proptest::test_runner::TestRunner::new(config)
        .run(&(text.clone(), text), |(a, b)| {
            runtime.block_on(echo(db.as_ref(), &a, &b));
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn retention_scrubs_and_deletes_only_what_is_due_in_batches_and_is_idempotent() {
    use support_core::outbox::DeadLetter;
    use support_core::retention::{Policy, Rule};
    let (_, store) = store().await;
    const DAY: i64 = 24 * 3600 * 1000;
    let now = 400 * DAY;
    // Finished long ago, finished recently, and still waiting long ago.
    for (id, at, status) in [
        ("act_old_1", DAY, ActionStatus::Rejected),
        ("act_old_2", 2 * DAY, ActionStatus::Executed),
        ("act_old_3", 3 * DAY, ActionStatus::Expired),
        ("act_new", now - DAY, ActionStatus::Rejected),
        ("act_waiting", DAY, ActionStatus::Pending),
    ] {
        let mut a = action(id);
        a.created_at = at;
        a.status = status;
        a.context = json!({"category": "support_refund", "request": "Refund dana@example.com please", "customer": "dana@example.com"});
        store.insert_action(&a).await.unwrap();
        store.create_approval(&approval(&a)).await.unwrap();
    }
    let mut rows = Vec::new();
    for (i, (kind, at)) in [
        (AuditKind::ToolCall, DAY),
        (AuditKind::Step, 2 * DAY),
        (AuditKind::Decision, 3 * DAY),
        (AuditKind::ToolCall, now - DAY),
    ]
    .into_iter()
    .enumerate()
    {
        let mut row = audit_row(i as i64, kind, "total-typescript", Some("U1"), false);
        row.at_ms = at;
        row.output = Some(json!({"email": "dana@example.com"}));
        rows.push(row);
    }
    store.audit(&rows).await.unwrap();
    let base = Policy::default();
    let batch = |rule: Rule, dry_run: bool| RetentionBatch {
        rule,
        app: Some("total-typescript"),
        cutoff_ms: base.cutoff(rule, now),
        now_ms: now,
        limit: 2,
        dry_run,
    };

    // A dry run counts every record due and changes nothing.
    let due = store
        .retain(batch(Rule::ScrubConversations, true))
        .await
        .unwrap();
    assert_eq!((due.count, due.ids.len()), (3, 0));
    assert_eq!(
        store
            .retain(batch(Rule::ScrubAuditPayloads, true))
            .await
            .unwrap()
            .count,
        2
    );
    assert!(!store
        .action("act_old_1")
        .await
        .unwrap()
        .unwrap()
        .reply
        .is_empty());

    // Batches of two: the oldest first, then the rest, then nothing.
    let first = store
        .retain(batch(Rule::ScrubConversations, false))
        .await
        .unwrap();
    assert_eq!(first.ids, ["act_old_1", "act_old_2"]);
    let second = store
        .retain(batch(Rule::ScrubConversations, false))
        .await
        .unwrap();
    assert_eq!(second.ids, ["act_old_3"]);
    assert_eq!(
        store
            .retain(batch(Rule::ScrubConversations, false))
            .await
            .unwrap(),
        Retained::default()
    );
    let scrubbed = store.action("act_old_1").await.unwrap().unwrap();
    assert_eq!(scrubbed.reply, "");
    assert_eq!(scrubbed.context["category"], "support_refund");
    assert_eq!(scrubbed.context["scrubbedAt"], now);
    assert!(!scrubbed.context.to_string().contains("dana@example.com"));
    assert_eq!(scrubbed.status, ActionStatus::Rejected);
    for untouched in ["act_new", "act_waiting"] {
        let a = store.action(untouched).await.unwrap().unwrap();
        assert!(
            a.context.to_string().contains("dana@example.com"),
            "{untouched}"
        );
        assert_eq!(a.reply, "Refunded.");
    }

    // Steps' and tool calls' payloads go; the decision keeps its own.
    assert_eq!(
        store
            .retain(batch(Rule::ScrubAuditPayloads, false))
            .await
            .unwrap()
            .count,
        2
    );
    assert_eq!(
        store
            .retain(batch(Rule::ScrubAuditPayloads, false))
            .await
            .unwrap()
            .count,
        0
    );
    // (rows 0 and 3 share a conversation: the old one is cleared, the recent one kept)
    let trail = store
        .audit_trail(AuditFilter::Conversation("cnv_0"))
        .await
        .unwrap();
    assert_eq!(
        (trail[0].input.clone(), trail[0].output.clone()),
        (json!({}), None)
    );
    assert_eq!(trail[1].output, Some(json!({"email": "dana@example.com"})));
    let decision_row = store
        .audit_trail(AuditFilter::Conversation("cnv_2"))
        .await
        .unwrap();
    assert_eq!(decision_row[0].input, json!({"by": "U1"}));

    // A year on, the finished actions, their approvals and the audit rows go.
    let later = now + 300 * DAY;
    let year = |rule: Rule| RetentionBatch {
        cutoff_ms: base.cutoff(rule, later),
        now_ms: later,
        limit: 10,
        ..batch(rule, false)
    };
    assert_eq!(
        store.retain(year(Rule::DeleteActions)).await.unwrap().count,
        3
    );
    assert!(store.action("act_old_2").await.unwrap().is_none());
    assert!(store.approval("act_old_2").await.unwrap().is_none());
    assert!(
        store.action("act_waiting").await.unwrap().is_some(),
        "never a pending action"
    );
    assert!(store.action("act_new").await.unwrap().is_some());
    assert_eq!(
        store.retain(year(Rule::DeleteAudit)).await.unwrap().count,
        3
    );
    assert_eq!(
        store.retain(year(Rule::DeleteAudit)).await.unwrap().count,
        0
    );

    // Another app's records are not this app's to delete.
    let other = RetentionBatch {
        app: Some("other-app"),
        ..year(Rule::DeleteActions)
    };
    assert_eq!(store.retain(other).await.unwrap().count, 0);

    // Reply candidates after 180 days; their ids come back for their vectors.
    let old_candidate = candidate("act_c1", "Student discount?", DAY);
    store.add_candidate(&old_candidate).await.unwrap();
    store
        .add_candidate(&candidate("act_c2", "Team discount?", now - DAY))
        .await
        .unwrap();
    let gone = store
        .retain(batch(Rule::DeleteCandidates, false))
        .await
        .unwrap();
    assert_eq!(gone.ids, std::slice::from_ref(&old_candidate.id));
    assert!(store
        .candidates(&[old_candidate.id])
        .await
        .unwrap()
        .is_empty());

    // Corrections after 180 days, per app.
    for (id, app, at) in [
        ("act_k1", "total-typescript", DAY),
        ("act_k2", "total-typescript", now - DAY),
        ("act_k3", "other-app", DAY),
    ] {
        store
            .record_correction(&support_core::correction::Correction {
                id: id.into(),
                app_id: app.into(),
                category: "support_billing".into(),
                kind: support_core::correction::CorrectionKind::Rejection,
                question: "Invoice?".into(),
                draft: "Download it.".into(),
                corrected: None,
                reason: Some("we email them".into()),
                at_ms: at,
            })
            .await
            .unwrap();
    }
    let gone = store
        .retain(batch(Rule::DeleteCorrections, false))
        .await
        .unwrap();
    assert_eq!(gone.count, 1);
    let kept: Vec<String> = store
        .corrections("total-typescript", 0, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(kept, ["act_k2"]);
    assert_eq!(
        store.corrections("other-app", 0, 10).await.unwrap().len(),
        1
    );

    // Platform-wide: dead letters and idempotency keys after 30 days, expired cache.
    store
        .record_dead_letters(&[(
            DeadLetter {
                event_id: "e_old".into(),
                conversation_id: "cnv_1".into(),
                name: "support/inbound.received".into(),
                reason: "400".into(),
                attempts: 1,
                failed_at: DAY,
                replayed_at: None,
            },
            "{\"body\":\"dana@example.com\"}",
        )])
        .await
        .unwrap();
    store
        .ledger_claim("k_old", "act_new", "run_1", DAY)
        .await
        .unwrap();
    store
        .ledger_claim("k_new", "act_new", "run_1", now)
        .await
        .unwrap();
    store.cache_put("gone", "v", Some(now - 1)).await.unwrap();
    store.cache_put("kept", "v", Some(now + DAY)).await.unwrap();
    let global = |rule: Rule| RetentionBatch {
        app: None,
        ..batch(rule, false)
    };
    assert_eq!(
        store
            .retain(global(Rule::DeleteDeadLetters))
            .await
            .unwrap()
            .ids,
        ["e_old"]
    );
    assert_eq!(
        store.retain(global(Rule::DeleteLedger)).await.unwrap().ids,
        ["k_old"]
    );
    assert!(matches!(
        store.ledger("k_new").await.unwrap(),
        LedgerState::Started
    ));
    assert_eq!(
        store.retain(global(Rule::DeleteExpired)).await.unwrap().ids,
        ["gone"]
    );
    assert_eq!(
        store.cache_get("kept", now).await.unwrap().as_deref(),
        Some("v")
    );
}

#[tokio::test]
async fn a_drafts_outcome_is_recorded_once_and_read_back_by_app_category_and_time() {
    use support_core::outcome::{Edit, Outcome};
    let (_, store) = store().await;
    let record = |action: &str, category: &str, outcome: Outcome, at_ms: i64| OutcomeRecord {
        action_id: action.into(),
        app_id: "total-typescript".into(),
        category: category.into(),
        conversation_id: format!("cnv_{action}"),
        outcome,
        received_at_ms: Some(at_ms - 300),
        drafted_at_ms: Some(at_ms - 100),
        at_ms,
    };
    let rows = [
        record(
            "act_1",
            "support_access",
            Outcome::Sent {
                edit: Edit::Unchanged,
            },
            1_000,
        ),
        record(
            "act_2",
            "support_access",
            Outcome::EditedApproved {
                edit: Edit::MinorEdit,
            },
            2_000,
        ),
        record("act_3", "support_refund", Outcome::Rejected, 3_000),
        record("act_4", "support_access", Outcome::Expired, 4_000),
        record(
            "act_5",
            "support_access",
            Outcome::Sent {
                edit: Edit::MajorRewrite,
            },
            5_000,
        ),
    ];
    for row in &rows {
        assert!(store.record_outcome(row).await.unwrap());
    }
    // The first outcome of a draft wins: a later deletion does not overwrite a send.
    assert!(!store
        .record_outcome(&record("act_1", "support_access", Outcome::Deleted, 9_000))
        .await
        .unwrap());
    let access = store
        .outcomes("total-typescript", Some("support_access"), 0)
        .await
        .unwrap();
    assert_eq!(
        access,
        [
            rows[0].clone(),
            rows[1].clone(),
            rows[3].clone(),
            rows[4].clone()
        ]
    );
    let recent = store
        .outcomes("total-typescript", None, 3_000)
        .await
        .unwrap();
    assert_eq!(
        recent
            .iter()
            .map(|o| o.action_id.as_str())
            .collect::<Vec<_>>(),
        ["act_3", "act_4", "act_5"]
    );
    assert!(store
        .outcomes("other-app", None, 0)
        .await
        .unwrap()
        .is_empty());
    // What trust is computed from: expired says nothing, the rest 1, 0.5 and 0.
    let values: Vec<f64> = access.iter().filter_map(|o| o.outcome.value()).collect();
    assert_eq!(values, [1.0, 0.5, 0.0]);

    // A waiting draft takes the first outcome that comes, keeping when it was received
    // and drafted; after that, nothing replaces it. A second `pending` changes nothing.
    let pending = record("act_6", "support_billing", Outcome::Pending, 6_000);
    assert!(store.record_outcome(&pending).await.unwrap());
    assert!(!store.record_outcome(&pending).await.unwrap());
    let mut sent = record(
        "act_6",
        "support_billing",
        Outcome::Sent {
            edit: Edit::MinorEdit,
        },
        7_000,
    );
    sent.received_at_ms = None;
    sent.drafted_at_ms = None;
    assert!(store.record_outcome(&sent).await.unwrap());
    assert!(!store
        .record_outcome(&record(
            "act_6",
            "support_billing",
            Outcome::Rejected,
            8_000
        ))
        .await
        .unwrap());
    assert!(!store.record_outcome(&pending).await.unwrap());
    let billing = store
        .outcomes("total-typescript", Some("support_billing"), 0)
        .await
        .unwrap();
    assert_eq!(billing.len(), 1);
    assert_eq!(
        billing[0].outcome,
        Outcome::Sent {
            edit: Edit::MinorEdit
        }
    );
    assert_eq!(
        (
            billing[0].received_at_ms,
            billing[0].drafted_at_ms,
            billing[0].at_ms
        ),
        (Some(5_700), Some(5_900), 7_000)
    );
    // A message that went to a person has no draft time.
    let mut none = record("act_7", "support_billing", Outcome::NoDraft, 9_000);
    none.drafted_at_ms = None;
    assert!(store.record_outcome(&none).await.unwrap());
    let back = store
        .outcomes("total-typescript", Some("support_billing"), 9_000)
        .await
        .unwrap();
    assert_eq!(back, [none]);
}

#[tokio::test]
async fn autosend_switches_change_once_per_position_and_stop_everywhere_at_once() {
    use support_store::AutosendSwitch;
    let (_, store) = store().await;
    let switch = |app: &str, category: &str, enabled: bool, at: i64| AutosendSwitch {
        app_id: app.into(),
        category: category.into(),
        enabled,
        changed_by: "owner@example.com".into(),
        changed_at_ms: at,
        reason: None,
    };
    assert!(store.autosend_switches("tt").await.unwrap().is_empty());
    assert!(store
        .set_autosend(&switch("tt", "support_access", true, 1))
        .await
        .unwrap());
    // The same position again writes nothing: who switched it on stays.
    let mut again = switch("tt", "support_access", true, 2);
    again.changed_by = "someone-else@example.com".into();
    assert!(!store.set_autosend(&again).await.unwrap());
    assert!(store
        .set_autosend(&switch("tt", "support_billing", true, 3))
        .await
        .unwrap());
    assert!(store
        .set_autosend(&switch("other", "support_access", true, 4))
        .await
        .unwrap());
    assert!(store
        .set_autosend(&switch("tt", "support_billing", false, 5))
        .await
        .unwrap());
    let tt = store.autosend_switches("tt").await.unwrap();
    assert_eq!(
        tt,
        [
            switch("tt", "support_access", true, 1),
            switch("tt", "support_billing", false, 5)
        ]
    );
    let off = store
        .autosend_off_everywhere("admin", "kill switch", 9)
        .await
        .unwrap();
    assert_eq!(
        off.iter()
            .map(|s| (s.app_id.as_str(), s.category.as_str()))
            .collect::<Vec<_>>(),
        [("other", "support_access"), ("tt", "support_access")]
    );
    let access = &store.autosend_switches("tt").await.unwrap()[0];
    assert!(!access.enabled);
    assert_eq!(
        (
            access.changed_by.as_str(),
            access.reason.as_deref(),
            access.changed_at_ms
        ),
        ("admin", Some("kill switch"), 9)
    );
    assert!(store
        .autosend_off_everywhere("admin", "again", 10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn corrections_are_kept_once_per_draft_and_read_newest_first_per_app() {
    use support_core::correction::{Correction, CorrectionKind};
    let (_, store) = store().await;
    let correction = |id: &str, app: &str, at_ms: i64| Correction {
        id: id.into(),
        app_id: app.into(),
        category: "support_billing".into(),
        kind: CorrectionKind::Edit,
        question: "Where is my invoice? 'quoted' \\ \"double\"".into(),
        draft: "You can download it from the purchases page.".into(),
        corrected: Some("Our billing team emails it.".into()),
        reason: None,
        at_ms,
    };
    assert!(store
        .record_correction(&correction("act_1", "tt", 1_000))
        .await
        .unwrap());
    assert!(store
        .record_correction(&correction("act_2", "tt", 3_000))
        .await
        .unwrap());
    assert!(store
        .record_correction(&correction("act_3", "other", 2_000))
        .await
        .unwrap());
    let mut rejected = correction("act_4", "tt", 2_000);
    rejected.kind = CorrectionKind::Rejection;
    rejected.corrected = None;
    rejected.reason = Some("we never promise dates".into());
    assert!(store.record_correction(&rejected).await.unwrap());
    // One per draft: a second correction of act_1 is not written.
    assert!(!store
        .record_correction(&correction("act_1", "tt", 9_000))
        .await
        .unwrap());
    let tt = store.corrections("tt", 0, 10).await.unwrap();
    assert_eq!(
        tt.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["act_2", "act_4", "act_1"]
    );
    assert_eq!(tt[1], rejected);
    assert_eq!(tt[2], correction("act_1", "tt", 1_000));
    assert_eq!(store.corrections("tt", 2_000, 10).await.unwrap().len(), 2);
    assert_eq!(store.corrections("tt", 0, 1).await.unwrap().len(), 1);
}
