//! Step id hashing: the reference's vectors, and repeats inside one execution.

#[path = "serve_util.rs"]
mod util;

use serde_json::{json, Value};
use support_inngest::serve::{
    occurrence_id, step_hash, FunctionConfig, Input, ServeFunction, ServeHandler, Step,
};
use util::*;

#[test]
fn reference_vectors() {
    let vectors = [
        ("my-step-id", "e7d8a2f140845095749d60246ff1110c9d01d76a"),
        ("my-step-id:1", "f47c6228c581af870aa285200cf95ec3ac59bb6a"),
        ("my-step-id:2", "5fdb32cd3e6e3d62fa480ac2ad526b79c2682845"),
        ("first step", "98bf98df193bcce7c33e6bc50927cf2ac21206cb"),
        ("sleep", "c3ca5f787365eae0dea86250e27d476406956478"),
        ("second step", "764e20ec975d4ef820d0f42e6a5833384bd7ee36"),
        ("wait", "daaad336276d15594d0e765f96c17cd746bf4971"),
        ("complete", "0737c22d3bfae812339732d14d8c7dbd6dc4e09c"),
    ];
    for (id, hash) in vectors {
        assert_eq!(step_hash(id), hash, "{id}");
    }
    assert_eq!(occurrence_id("my-step-id", 0), "my-step-id");
    assert_eq!(occurrence_id("my-step-id", 2), "my-step-id:2");
}

#[tokio::test]
async fn repeated_ids_get_suffixes_before_hashing() {
    let h = ServeHandler::new(config())
        .with_clock(clock())
        .function(ServeFunction::new(
            FunctionConfig::new("loop"),
            |_input: Input, step: Step| async move {
                let mut seen = Vec::new();
                for i in 0..3 {
                    let v: u32 = step.run("my-step-id", || async move { Ok(i) }).await?;
                    seen.push(v);
                }
                Ok(json!(seen))
            },
        ));
    let hashes = [
        "e7d8a2f140845095749d60246ff1110c9d01d76a",
        "f47c6228c581af870aa285200cf95ec3ac59bb6a",
        "5fdb32cd3e6e3d62fa480ac2ad526b79c2682845",
    ];
    let mut steps = serde_json::Map::new();
    let mut stack: Vec<&str> = Vec::new();
    for (i, hash) in hashes.iter().enumerate() {
        let r = post(
            &h,
            "app-loop",
            "step",
            &call_body(Value::Object(steps.clone()), &stack, 0),
        )
        .await;
        let op = single_op(&r);
        assert_eq!(op["op"], "StepRun");
        assert_eq!(op["id"], *hash);
        assert_eq!(op["data"], i);
        steps.insert(hash.to_string(), json!({ "data": op["data"] }));
        stack.push(hash);
    }
    let r = post(
        &h,
        "app-loop",
        "step",
        &call_body(Value::Object(steps), &stack, 0),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json_body(), json!([0, 1, 2]));
}

#[tokio::test]
async fn memos_are_found_even_without_a_stack_or_out_of_order() {
    let h = ServeHandler::new(config())
        .with_clock(clock())
        .function(ServeFunction::new(
            FunctionConfig::new("two"),
            |_input: Input, step: Step| async move {
                let a: u32 = step.run("a", || async { Ok(1) }).await?;
                let b: u32 = step.run("b", || async { Ok(2) }).await?;
                Ok(json!(a + b))
            },
        ));
    let (a, b) = (step_hash("a"), step_hash("b"));
    let steps = json!({ a.clone(): {"data": 10}, b.clone(): {"data": 20} });
    // No stack at all: built from the keys.
    let mut body = call_body(steps.clone(), &[], 0);
    body["ctx"].as_object_mut().unwrap().remove("stack");
    let r = post(&h, "app-two", "step", &body).await;
    assert_eq!(r.json_body(), json!(30));
    assert!(r.header("x-inngest-warning").is_none());
    // Stack in the wrong order: still answered, with a warning header.
    let r = post(&h, "app-two", "step", &call_body(steps, &[&b, &a], 0)).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json_body(), json!(30));
    assert!(r.header("x-inngest-warning").is_some());
}
