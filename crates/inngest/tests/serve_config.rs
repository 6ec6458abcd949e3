//! Function config shapes (`/fn/register`) and the onFailure function.

#[path = "serve_util.rs"]
mod util;

use serde_json::{json, Value};
use support_inngest::serve::{
    Cancel, Concurrency, ConcurrencyScope, FnError, FunctionConfig, Input, ServeFunction,
    ServeHandler, Step, Throttle, Trigger,
};
use util::*;

const SERVE: &str = "https://example.test/api/inngest";

#[test]
fn full_config_shape() {
    let config = FunctionConfig::new("triage")
        .name("Triage")
        .trigger(Trigger::event_if(
            "front/message.received",
            "event.data.inbound == true",
        ))
        .trigger(Trigger::cron("TZ=Europe/Paris 0 9 * * *"))
        .retries(50)
        .concurrency(
            Concurrency::keyed(1, "event.data.conversation_id").scope(ConcurrencyScope::Env),
        )
        .concurrency(Concurrency::limit(10))
        .throttle(Throttle::new(5, "1m").key("event.data.customer").burst(2))
        .idempotency("event.data.message_id")
        .cancel_on(
            Cancel::on("front/conversation.closed")
                .matching("data.conversation_id")
                .timeout("7d"),
        )
        .cancel_on(Cancel::on("support/run.stop"))
        .extra("debounce", json!({"period": "5s"}));
    assert_eq!(config.max_attempts(), 21, "retries are clamped to 20");
    let v = config.to_register_value("support", SERVE);
    assert_eq!(
        v,
        json!({
            "id": "support-triage",
            "name": "Triage",
            "triggers": [
                {"event": "front/message.received", "expression": "event.data.inbound == true"},
                {"cron": "TZ=Europe/Paris 0 9 * * *"},
            ],
            "steps": {"step": {
                "id": "step", "name": "step",
                "runtime": {"type": "http", "url": "https://example.test/api/inngest?fnId=support-triage&stepId=step"},
                "retries": {"attempts": 20},
            }},
            "concurrency": [
                {"limit": 1, "key": "event.data.conversation_id", "scope": "env"},
                {"limit": 10},
            ],
            "throttle": {"limit": 5, "period": "1m", "key": "event.data.customer", "burst": 2},
            "idempotency": "event.data.message_id",
            "cancel": [
                {"event": "front/conversation.closed", "if": "event.data.conversation_id == async.data.conversation_id", "timeout": "7d"},
                {"event": "support/run.stop"},
            ],
            "debounce": {"period": "5s"},
        })
    );
}

#[test]
fn minimal_config_shape() {
    let config = FunctionConfig::new("hello")
        .trigger(Trigger::event("app/hello"))
        .concurrency(Concurrency::limit(3));
    assert_eq!(config.max_attempts(), 5, "Inngest's default: 4 retries");
    let v = config.to_register_value("app", SERVE);
    assert_eq!(v["name"], "hello");
    assert_eq!(v["concurrency"], 3, "a lone plain limit is a number");
    assert!(v.get("cancel").is_none());
    assert!(v["steps"]["step"].get("retries").is_none());
    assert_eq!(
        FunctionConfig::new("z")
            .retries(0)
            .to_register_value("app", SERVE)["steps"]["step"]["retries"],
        json!({"attempts": 0})
    );
}

fn with_failure() -> ServeHandler {
    ServeHandler::new(config()).with_clock(clock()).function(
        ServeFunction::new(
            FunctionConfig::new("charge")
                .name("Charge card")
                .trigger(Trigger::event("billing/charge")),
            |_input: Input, _step: Step| async move { Err(FnError::new("card declined")) },
        )
        .on_failure(|input: Input, step: Step| async move {
            let note: String = step
                .run("notify", || async { Ok("notified".to_owned()) })
                .await?;
            Ok(json!({
                "fn": input.fn_id,
                "failed": input.event.data["function_id"],
                "error": input.event.data["error"]["message"],
                "original": input.event.data["event"]["name"],
                "note": note,
            }))
        }),
    )
}

#[test]
fn on_failure_is_served_as_a_second_function() {
    let h = with_failure();
    let configs = h.function_configs(SERVE);
    assert_eq!(configs.len(), 2);
    assert_eq!(
        configs[1],
        json!({
            "id": "app-charge-failure",
            "name": "Charge card (failure)",
            "triggers": [{"event": "inngest/function.failed", "expression": "event.data.function_id == 'app-charge'"}],
            "steps": {"step": {
                "id": "step", "name": "step",
                "runtime": {"type": "http", "url": "https://example.test/api/inngest?fnId=app-charge-failure&stepId=step"},
                "retries": {"attempts": 1},
            }},
        })
    );
}

#[tokio::test]
async fn the_failure_function_runs_with_the_failure_event() {
    let h = with_failure();
    let r = post(&h, "app-charge", "step", &call_body(json!({}), &[], 0)).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json_body()["message"], "card declined");

    let failed = json!({
        "name": "inngest/function.failed",
        "data": {
            "function_id": "app-charge",
            "run_id": "01HRUN",
            "error": {"name": "Error", "message": "card declined"},
            "event": {"name": "billing/charge", "data": {"amount": 5}},
        },
        "id": "", "ts": 1, "v": "1", "user": {},
    });
    let body = call_body_with(failed.clone(), json!({}), &[], 0, false);
    let r = post(&h, "app-charge-failure", "step", &body).await;
    let op = single_op(&r);
    assert_eq!(op["op"], "StepRun");
    assert_eq!(op["data"], "notified");

    let notify = support_inngest::serve::step_hash("notify");
    let body = call_body_with(
        failed,
        json!({ notify.clone(): {"data": "notified"} }),
        &[&notify],
        0,
        false,
    );
    let r = post(&h, "app-charge-failure", "step", &body).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json_body(),
        json!({"fn": "app-charge-failure", "failed": "app-charge", "error": "card declined", "original": "billing/charge", "note": "notified"})
    );

    // The failure handler gets 2 attempts (retries.attempts = 1): attempt 1 is the last.
    let h2 = ServeHandler::new(config()).with_clock(clock()).function(
        ServeFunction::new(FunctionConfig::new("x"), |_i: Input, _s: Step| async move {
            Ok(Value::Null)
        })
        .on_failure(|_i: Input, step: Step| async move {
            let v: Value = step
                .run("alert", || async { Err(FnError::new("pager down")) })
                .await?;
            Ok(v)
        }),
    );
    let r = post(&h2, "app-x-failure", "step", &call_body(json!({}), &[], 0)).await;
    assert_eq!(single_op(&r)["op"], "StepError");
    let r = post(&h2, "app-x-failure", "step", &call_body(json!({}), &[], 1)).await;
    assert_eq!(single_op(&r)["op"], "StepFailed");
    // No failure handler configured: `-failure` is an unknown function.
    let r = post(
        &h,
        "app-other-failure",
        "step",
        &call_body(json!({}), &[], 0),
    )
    .await;
    assert_eq!(r.status, 500);
    assert_eq!(r.json_body()["name"], "FunctionNotFound");
}
