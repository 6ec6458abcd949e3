//! What each dashboard page costs at scale: 1,000 pending approvals and 100,000 audit
//! rows in the platform's SQLite schema (the same SQL D1 runs), each page's store reads
//! and its rendering measured apart. The rendering is the worker's CPU (run natively
//! here; wasm in workerd is slower by a factor `scripts/bench` reports beside it); the
//! reads are D1's work at the edge, shown for scale.
//!
//!   cargo bench -p support-dashboard --bench pages

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;
use support_auth::Role;
use support_core::effect::{Account, Effect, UpdateName};
use support_dashboard::{apps, audit, people, queue, trail, Frame};
use support_store::people::Person;
use support_store::secrets::Keyring;
use support_store::*;

const PENDING: usize = 1_000;
const AUDIT_ROWS: usize = 100_000;
const KEY: &str = "dev1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

fn frame() -> Frame {
    Frame {
        name: "Ana".into(),
        email: "ana@example.com".into(),
        role: Role::Owner,
        slack_user_id: Some("U0DEVAPPROVER".into()),
        csrf: "c".repeat(64),
    }
}

fn action(i: usize) -> ActionRecord {
    let proposals = vec![Effect::UpdateName(UpdateName {
        account: Account {
            user_id: format!("usr_{i}"),
            email: format!("c{i}@example.com"),
            name: Some("Casey".into()),
        },
        new_name: "Casey Jones".into(),
    })];
    ActionRecord {
        id: format!("act_{i:06}"),
        app_id: "total-typescript".into(),
        conversation_id: format!("cnv_{i:06}"),
        run_id: format!("run_{i}"),
        reply: "Hi Casey,\n\nI changed the name on your account. ".repeat(8),
        args_hash: canonical_hash(&serde_json::to_value(&proposals).unwrap()),
        proposals,
        draft_id: None,
        context: json!({
            "category": "support_access", "confidence": 0.93, "customer": format!("c{i}@example.com"),
            "customerName": "Casey", "account": {"userId": format!("usr_{i}")},
            "reasoning": "The customer asks to change the name on the invoice.", "route": "respond",
            "subject": "Name on my account", "request": "Please change my name. ".repeat(30),
            "sources": [{"citation": "faq/account.md#names", "used": true}],
        }),
        status: ActionStatus::Pending,
        executor: None,
        created_at: 1_700_000_000_000 + i as i64,
        updated_at: 1_700_000_000_000 + i as i64,
        result: None,
        error: None,
    }
}

fn audit_row(i: usize) -> AuditEntry {
    let kind = [
        AuditKind::Step,
        AuditKind::ToolCall,
        AuditKind::AgentTurn,
        AuditKind::Decision,
    ][i % 4];
    AuditEntry {
        id: format!("run_{}:{i:07}", i / 20),
        at_ms: 1_700_000_000_000 + i as i64,
        app_id: Some(
            if i.is_multiple_of(2) {
                "total-typescript"
            } else {
                "other"
            }
            .into(),
        ),
        conversation_id: Some(format!("cnv_{:06}", i / 100)),
        run_id: Some(format!("run_{}", i / 20)),
        action_id: None,
        kind,
        name: "lookupUser".into(),
        input: if kind == AuditKind::Decision {
            json!({"by": format!("U{}", i % 7), "via": "slack"})
        } else {
            json!({"email": "c@example.com"})
        },
        output: Some(json!({"found": true, "purchases": 2})),
        error: i.is_multiple_of(50).then(|| "timeout".to_owned()),
        duration_ms: Some(12),
        usage: None,
        sensitive: None,
        sensitive_until: None,
    }
}

fn pages(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let db = Arc::new(SqliteExec::migrated().unwrap());
    let store = SqlStore::new(db, Some(Keyring::parse(KEY).unwrap()));
    rt.block_on(async {
        store
            .put_app(
                &AppRegistration {
                    id: "app_tt".into(),
                    slug: "total-typescript".into(),
                    name: "Total TypeScript".into(),
                    front_inbox_id: Some("inb_tt".into()),
                    integration_url: "https://tt.example/api/support".into(),
                    sdk_secrets: vec!["s".into()],
                    stripe_account_id: Some("acct_1".into()),
                    settings: AppSettings {
                        approvers: vec!["U0DEVAPPROVER".into()],
                        ..Default::default()
                    },
                },
                1,
            )
            .await
            .unwrap();
        for i in 0..PENDING {
            store.insert_action(&action(i)).await.unwrap();
        }
        let rows: Vec<AuditEntry> = (0..AUDIT_ROWS).map(audit_row).collect();
        for chunk in rows.chunks(1_000) {
            store.audit(chunk).await.unwrap();
        }
    });
    let frame = frame();

    // The queue: the first page of 25 of the 1,000 pending, with their tool calls.
    let q = QueueQuery {
        limit: 26,
        ..Default::default()
    };
    c.bench_function("queue/store reads (1,000 pending)", |b| {
        b.iter(|| rt.block_on(store.queue(&q)).unwrap())
    });
    let (actions, total) = rt.block_on(store.queue(&q)).unwrap();
    let tools: Vec<AuditEntry> = (0..75)
        .map(|i| AuditEntry {
            kind: AuditKind::ToolCall,
            conversation_id: Some(actions[i / 3].conversation_id.clone()),
            ..audit_row(i)
        })
        .collect();
    let items: Vec<queue::Item> = actions[..25]
        .iter()
        .map(|a| queue::Item {
            action: a,
            app_name: "Total TypeScript",
            approval: None,
            tools: tools
                .iter()
                .filter(|t| t.conversation_id.as_deref() == Some(&a.conversation_id))
                .collect(),
            messages: (0..3)
                .map(|i| trail::Message {
                    author: "c@example.com".into(),
                    kind: "inbound".into(),
                    subject: "Hi".into(),
                    body: "Please change my name. ".repeat(20),
                    at_ms: i,
                })
                .collect(),
            decider: None,
            notice: None,
            now_ms: 1_700_000_100_000,
        })
        .collect();
    let app_list = vec![("total-typescript".to_owned(), "Total TypeScript".to_owned())];
    c.bench_function("queue/render (25 approvals)", |b| {
        b.iter(|| {
            queue::queue_page(
                &frame,
                &items,
                total,
                &app_list,
                &queue::Filters::default(),
                Some("x"),
            )
            .into_string()
        })
    });
    let html = queue::queue_page(
        &frame,
        &items,
        total,
        &app_list,
        &queue::Filters::default(),
        Some("x"),
    )
    .into_string();
    eprintln!("queue page: {} bytes of HTML", html.len());

    // The audit log: a page of 50 of 100,000 rows, unfiltered and filtered.
    for (name, query) in [
        (
            "audit/store reads (100,000 rows, unfiltered)",
            AuditQuery {
                limit: 51,
                ..Default::default()
            },
        ),
        (
            "audit/store reads (by actor)",
            AuditQuery {
                actor: Some("U3".into()),
                limit: 51,
                ..Default::default()
            },
        ),
        (
            "audit/store reads (failed decisions)",
            AuditQuery {
                kind: Some(AuditKind::Decision),
                failed: Some(true),
                limit: 51,
                ..Default::default()
            },
        ),
        (
            "audit/store reads (app, deep page)",
            AuditQuery {
                app: Some("other".into()),
                before: Some((1_700_000_000_000 + 10_000, "z".into())),
                limit: 51,
                ..Default::default()
            },
        ),
    ] {
        c.bench_function(name, |b| {
            b.iter(|| rt.block_on(store.audit_search(&query)).unwrap())
        });
    }
    let rows = rt
        .block_on(store.audit_search(&AuditQuery {
            limit: 51,
            ..Default::default()
        }))
        .unwrap();
    c.bench_function("audit/render (50 rows)", |b| {
        b.iter(|| {
            audit::audit_page(&frame, &rows, &app_list, &audit::Filters::default(), None)
                .into_string()
        })
    });
    let csv_rows = rt
        .block_on(store.audit_search(&AuditQuery {
            limit: audit::CSV_ROWS,
            ..Default::default()
        }))
        .unwrap();
    c.bench_function("audit/csv (5,000 rows)", |b| {
        b.iter(|| {
            let mut out = String::from(audit::CSV_HEADER);
            audit::csv_rows(&csv_rows, &mut out);
            out
        })
    });

    // One conversation's trail (100 rows) with its action.
    let trail_rows = rt
        .block_on(store.audit_trail(AuditFilter::Conversation("cnv_000500")))
        .unwrap();
    let conversation_action = action(0);
    c.bench_function("conversation/render (100-row trail)", |b| {
        b.iter(|| {
            trail::conversation_page(
                &frame,
                &trail::Conversation {
                    id: "cnv_000500",
                    messages: (0..10)
                        .map(|i| trail::Message {
                            author: "c@example.com".into(),
                            kind: "inbound".into(),
                            subject: "Hi".into(),
                            body: "Text ".repeat(100),
                            at_ms: i,
                        })
                        .collect(),
                    actions: vec![(&conversation_action, None, None, "Total TypeScript")],
                    trail: &trail_rows,
                    now_ms: 0,
                },
            )
            .into_string()
        })
    });

    // Apps and people.
    let app_configs = rt.block_on(store.apps()).unwrap();
    c.bench_function("apps/render", |b| {
        b.iter(|| apps::apps_page(&frame, &app_configs, &[], &apps::Shown::Nothing).into_string())
    });
    let folks: Vec<Person> = (0..50)
        .map(|i| Person {
            id: format!("u{i}"),
            name: format!("Person {i}"),
            email: format!("p{i}@example.com"),
            role: Role::Agent,
            slack_user_id: Some(format!("U{i}")),
            created_at: 0,
            updated_at: 0,
        })
        .collect();
    c.bench_function("people/render (50 people)", |b| {
        b.iter(|| {
            people::people_page(
                &frame,
                &folks,
                &[],
                &people::Shown::Nothing,
                "https://support.example",
            )
            .into_string()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = pages
}
criterion_main!(benches);
