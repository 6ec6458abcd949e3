//! Protocol conformance functions, served only when `INNGEST_CONFORMANCE=1` (the test
//! suite sets it; production never does). They replay the reference sequences of the
//! Inngest serve protocol through the real worker in workerd: serial steps with a sleep,
//! step retry, waitForEvent, invoke, cancel and failure.

use std::time::Duration;

use serde_json::{json, Value};
use support_inngest::serve::{
    Cancel, FnError, FunctionConfig, Input, ServeFunction, Step, StepError, Trigger, WaitOpts,
};

fn on(event: &str, id: &str) -> FunctionConfig {
    FunctionConfig::new(id)
        .trigger(Trigger::event(event))
        .retries(2)
}

/// Every conformance function: the reference sequences without checkpointing (they
/// are one call per step by definition), and the serial one again with it.
pub fn functions() -> Vec<ServeFunction> {
    let mut functions: Vec<ServeFunction> = reference_sequences()
        .into_iter()
        .map(|f| f.checkpointing(false))
        .collect();
    // The serial sequence, checkpointed: the first step runs and is reported in the
    // first call, which hands off at the sleep; the second call runs the second step
    // and completes the run.
    functions.push(
        ServeFunction::new(
            on("conformance/checkpoint", "conformance-checkpoint"),
            |_: Input, step: Step| async move {
                let first: String = step
                    .run("first step", || async { Ok("first step".to_owned()) })
                    .await?;
                step.sleep("sleep", Duration::from_secs(2)).await?;
                let second: String = step
                    .run("second step", || async { Ok("second step".to_owned()) })
                    .await?;
                Ok(json!({"first": first, "second": second}))
            },
        )
        .checkpointing(true),
    );
    functions
}

fn reference_sequences() -> Vec<ServeFunction> {
    vec![
        // step.run("first step"), sleep("sleep", 2s), step.run("second step").
        ServeFunction::new(on("conformance/serial", "conformance-serial"), |_: Input, step: Step| async move {
            let first: String = step.run("first step", || async { Ok("first step".to_owned()) }).await?;
            step.sleep("sleep", Duration::from_secs(2)).await?;
            let second: String = step.run("second step", || async { Ok("second step".to_owned()) }).await?;
            Ok(json!({"first": first, "second": second}))
        }),
        // A step that fails on its first attempt, then a function-level failure once.
        ServeFunction::new(on("conformance/retry", "conformance-retry"), |input: Input, step: Step| async move {
            let attempt = input.attempt;
            let value: Value = step
                .run("flaky", || async move {
                    if attempt == 0 {
                        Err(FnError::new("flaky failed"))
                    } else {
                        Ok(json!({"succeeded_on_attempt": attempt}))
                    }
                })
                .await?;
            if input.attempt == 0 && input.event.data["broken"] == true {
                return Err(FnError::new("broken func"));
            }
            Ok(value)
        }),
        // waitForEvent matched on data.id, or timed out (null).
        ServeFunction::new(on("conformance/wait", "conformance-wait"), |_: Input, step: Step| async move {
            let got = step
                .wait_for_event(
                    "wait",
                    WaitOpts {
                        event: "conformance/resume".into(),
                        timeout: Duration::from_secs(300),
                        if_expr: Some("event.data.id == async.data.id".into()),
                    },
                )
                .await?;
            Ok(json!({"resumed_with": got.map(|e| e.data)}))
        }),
        // invoke another function and use its result.
        ServeFunction::new(on("conformance/invoke", "conformance-invoke"), |_: Input, step: Step| async move {
            let doubled = step.invoke("double it", "support-platform-conformance-double", json!({"n": 21}), None).await?;
            Ok(json!({"child": doubled}))
        }),
        ServeFunction::new(on("conformance/never", "conformance-double"), |input: Input, _: Step| async move {
            Ok(json!({"doubled": input.event.data["n"].as_i64().unwrap_or(0) * 2}))
        }),
        // cancelOn: a long sleep, cancelled by a matching event.
        ServeFunction::new(
            on("conformance/nap", "conformance-cancel").cancel_on(Cancel::on("conformance/wake").matching("data.id")),
            |_: Input, step: Step| async move {
                step.sleep("nap", Duration::from_secs(3600)).await?;
                Ok(json!("woke up on its own"))
            },
        ),
        // A 4 MB step result, carried back in the state of every later call.
        ServeFunction::new(on("conformance/big", "conformance-big"), |_: Input, step: Step| async move {
            let big: String = step.run("big", || async { Ok("x".repeat(4 * 1024 * 1024)) }).await?;
            let length: usize = step.run("measure", || async move { Ok(big.len()) }).await?;
            Ok(json!({"length": length}))
        }),
        // A function that always fails, with an onFailure handler.
        ServeFunction::new(on("conformance/fail", "conformance-failure").retries(1), |_: Input, step: Step| async move {
            let result: Result<Value, StepError> = step.run("doomed", || async { Err(FnError::new("always fails")) }).await;
            result?;
            Ok(json!("unreachable"))
        })
        .on_failure(|input: Input, _: Step| async move {
            Ok(json!({"handled": input.event.data["error"]["message"], "function": input.event.data["function_id"]}))
        }),
    ]
}
