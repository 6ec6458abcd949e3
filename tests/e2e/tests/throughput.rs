//! Throughput measured in workerd, in a test binary of its own: cargo runs test binaries
//! one after another, so the load made here never overlaps the suites whose Slack
//! interactions must answer within Slack's 3-second trigger window.
//!
//! Environment (set by scripts/test): PLATFORM_URL, DEVKIT_URL, ADMIN_TOKEN,
//! APPROVALS_API_TOKEN, WRANGLER.

mod common;

use std::time::Instant;

use common::flow::*;
use common::*;
use serde_json::json;

/// A measurement, not a pass/fail speed check: decisions per second through the HTTP
/// API with 16 concurrent deciders on distinct actions (printed for the figures).
#[tokio::test]
async fn decisions_per_second_through_the_api() {
    const ACTIONS: usize = 96;
    let run = unique("rate");
    let mut sql = String::new();
    for i in 0..ACTIONS {
        let id = format!("act_{run}_{i}");
        sql.push_str(&format!(
            "INSERT INTO actions (id, app_id, conversation_id, run_id, reply, proposals, args_hash, context, status, created_at, updated_at) \
             VALUES ('{id}', 'total-typescript', 'cnv_{run}_{i}', '{run}', 'Hi', '[]', \
             '4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945', '{{}}', 'pending', 1, 1); \
             INSERT INTO approvals (action_id, app_id, args_hash, status, expires_at, created_at) \
             VALUES ('{id}', 'total-typescript', '4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945', 'pending', 99999999999999, 1); "
        ));
    }
    d1_execute(&sql);
    let ids: Vec<String> = (0..ACTIONS).map(|i| format!("act_{run}_{i}")).collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for chunk in ids.chunks(ACTIONS / 16) {
        let chunk = chunk.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for id in chunk {
                let (status, body) = api_post(
                    &format!("/api/approvals/{id}/reject"),
                    json!({"reason": "load"}),
                )
                .await;
                answers.push((id, status, body));
            }
            answers
        }));
    }
    let mut decided = 0;
    let mut refused = Vec::new();
    for t in tasks {
        for (id, status, body) in t.await.unwrap() {
            if status == 200 {
                decided += 1;
            } else {
                refused.push(format!("{id}: {status} {body}"));
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    figure(&format!("approvals API: {decided} decisions by 16 concurrent deciders on distinct actions in {secs:.2} s = {:.0} decisions/s", decided as f64 / secs));
    assert_eq!(
        decided, ACTIONS,
        "every distinct action takes its one decision; refused: {refused:?}"
    );
}
