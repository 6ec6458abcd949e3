//! The retention policy in workerd: records older than their windows (written straight
//! into D1 with old timestamps, as a year of use would leave them) are counted by
//! `skill retention run --dry-run`, then scrubbed or deleted by `skill retention run`,
//! which leaves recent and pending records alone and audit-logs what it did.

mod common;

use common::flow::platform_rows;
use common::*;
use serde_json::Value;

const DAY: i64 = 24 * 3600 * 1000;

fn report(args: &[&str]) -> Value {
    let mut all = vec!["retention", "run", "--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&skill(&all)).unwrap()
}

fn count(report: &Value, app: &str, rule: &str) -> u64 {
    report["removed"][app][rule].as_u64().unwrap_or(0)
}

#[test]
fn old_records_are_counted_then_scrubbed_or_deleted_and_recent_ones_stay() {
    let run = unique("ret");
    let now = now_ms();
    let old = now - 400 * DAY;
    let hash = "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945";
    let context = r#"{"category":"support_refund","request":"Refund please","customer":"old.customer@example.com"}"#;
    d1_execute(&format!(
        "INSERT INTO actions (id, app_id, conversation_id, run_id, reply, proposals, args_hash, context, status, created_at, updated_at) VALUES \
         ('act_{run}_old', 'total-typescript', 'cnv_{run}', '{run}', 'Dear old customer', '[]', '{hash}', '{context}', 'rejected', {old}, {old}), \
         ('act_{run}_waiting', 'total-typescript', 'cnv_{run}', '{run}', 'Dear waiting customer', '[]', '{hash}', '{context}', 'pending', {old}, {old}); \
         INSERT INTO audit_log (id, at_ms, app_id, conversation_id, kind, name, input, output) VALUES \
         ('{run}:tool', {tool_at}, 'total-typescript', 'cnv_{run}', 'tool_call', 'lookup_customer', '{{\"email\":\"old.customer@example.com\"}}', '{{\"name\":\"Old Customer\"}}'), \
         ('{run}:recent', {recent_at}, 'total-typescript', 'cnv_{run}', 'tool_call', 'lookup_customer', '{{\"email\":\"new.customer@example.com\"}}', '{{\"name\":\"New Customer\"}}'); \
         INSERT INTO dead_letters (event_id, conversation_id, name, body, reason, attempts, failed_at) VALUES \
         ('evt_{run}', 'cnv_{run}', 'support/inbound.received', '{{\"email\":\"old.customer@example.com\"}}', '400', 1, {old});",
        tool_at = now - 100 * DAY,
        recent_at = now - DAY,
    ));

    let dry = report(&["--dry-run"]);
    assert_eq!(dry["dryRun"], true);
    assert!(
        count(&dry, "total-typescript", "scrub_conversations") >= 1,
        "{dry}"
    );
    assert!(
        count(&dry, "total-typescript", "delete_actions") >= 1,
        "{dry}"
    );
    assert!(
        count(&dry, "total-typescript", "scrub_audit_payloads") >= 1,
        "{dry}"
    );
    assert!(count(&dry, "", "delete_dead_letters") >= 1, "{dry}");
    // Nothing changed.
    let rows = platform_rows(&format!(
        "SELECT reply FROM actions WHERE id = 'act_{run}_old'"
    ));
    assert_eq!(rows[0]["reply"], "Dear old customer");

    let done = report(&[]);
    assert_eq!(done["dryRun"], false);
    assert!(
        count(&done, "total-typescript", "scrub_conversations") >= 1,
        "{done}"
    );
    // Older than the audit window: scrubbed, then deleted with its approval.
    assert!(platform_rows(&format!(
        "SELECT id FROM actions WHERE id = 'act_{run}_old'"
    ))
    .is_empty());
    // Still waiting for a decision: never touched, however old.
    let waiting = platform_rows(&format!(
        "SELECT reply, context FROM actions WHERE id = 'act_{run}_waiting'"
    ));
    assert_eq!(waiting[0]["reply"], "Dear waiting customer");
    // A tool call past the conversation window keeps its row, not its payloads.
    let tool = platform_rows(&format!(
        "SELECT input, output FROM audit_log WHERE id = '{run}:tool'"
    ));
    assert_eq!(tool[0]["input"], "{}");
    assert!(tool[0]["output"].is_null());
    assert!(platform_rows(&format!(
        "SELECT event_id FROM dead_letters WHERE event_id = 'evt_{run}'"
    ))
    .is_empty());
    // A recent one of the same app is there as it was.
    let recent = platform_rows(&format!(
        "SELECT output FROM audit_log WHERE id = '{run}:recent'"
    ));
    assert_eq!(recent[0]["output"], r#"{"name":"New Customer"}"#);
    // The pass is in the audit log, with its report and who asked.
    let audited = platform_rows("SELECT input, output FROM audit_log WHERE kind = 'admin' AND name = 'retention' ORDER BY at_ms DESC LIMIT 1");
    let input: Value = serde_json::from_str(audited[0]["input"].as_str().unwrap()).unwrap();
    assert_eq!(input["by"], "admin token");
    // Again: nothing of this test's is due any more.
    let again = report(&["--dry-run"]);
    assert!(
        platform_rows(&format!(
            "SELECT id FROM actions WHERE id = 'act_{run}_old'"
        ))
        .is_empty(),
        "{again}"
    );
}
