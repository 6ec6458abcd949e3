//! CPU cost of the serve handler per call request, as Inngest drives a function step by
//! step: a function of N `step.run`s is called with k steps already memoized, so the
//! handler verifies the signature, parses the state, replays k memos and runs one step.
//! Compared side by side with the bare signature verification of the same body.

use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use serde_json::{json, Map, Value};
use support_inngest::serve::{
    step_hash, FunctionConfig, Input, ServeConfig, ServeFunction, ServeHandler, Step, Trigger,
};
use support_signing::{inngest, FixedClock};

const KEY: &str = "signkey-test-8ee2262a15e8d3c42d6a840db7af3de2aab08ef632b32a37a687f24b34dba3ff";
const NOW: i64 = 1_700_000_000;
const STEPS: usize = 10;

fn handler() -> ServeHandler {
    let function = ServeFunction::new(
        FunctionConfig::new("steps").trigger(Trigger::event("bench/run")),
        |_: Input, step: Step| async move {
            let mut total = 0u64;
            for i in 0..STEPS {
                let value: u64 = step
                    .run(&format!("step {i}"), || async move { Ok(i as u64) })
                    .await?;
                total += value;
            }
            Ok(json!({ "total": total }))
        },
    );
    ServeHandler::new(
        ServeConfig::cloud("bench", KEY).with_serve_url("https://bench.example/api/inngest"),
    )
    .with_clock(FixedClock::from_secs(NOW))
    .function(function)
}

/// A signed call request with `done` steps memoized, each holding a ~200-byte result.
fn request(done: usize) -> (Vec<u8>, String) {
    let mut steps = Map::new();
    let mut stack = Vec::new();
    for i in 0..done {
        let hash = step_hash(&format!("step {i}"));
        steps.insert(hash.clone(), json!({ "data": i }));
        stack.push(Value::String(hash));
    }
    let event = json!({"name": "bench/run", "data": {"conversationId": "cnv_bench", "body": "x".repeat(200)}, "id": "", "ts": 1, "v": "1"});
    let body = json!({
        "event": event, "events": [event], "steps": steps, "version": 2, "use_api": false,
        "ctx": {"fn_id": "f", "run_id": "r", "step_id": "step", "attempt": 0, "stack": {"stack": stack, "current": done},
                "disable_immediate_execution": false, "use_api": false},
    });
    let bytes = serde_json::to_vec(&body).unwrap();
    let signature = inngest::sign(KEY, NOW, &bytes);
    (bytes, signature)
}

fn bench(c: &mut Criterion) {
    let handler = handler();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let url = "https://bench.example/api/inngest?fnId=bench-steps&stepId=step";
    let mut group = c.benchmark_group("serve_call");
    group.measurement_time(Duration::from_secs(3));
    for done in [0, 5, 9] {
        let (body, signature) = request(done);
        group.bench_with_input(BenchmarkId::new("handle", done), &done, |b, _| {
            b.iter(|| {
                let response = runtime.block_on(handler.handle(
                    "POST",
                    url,
                    [("x-inngest-signature", signature.as_str())],
                    &body,
                ));
                assert_eq!(response.status, 206);
                black_box(response)
            })
        });
        group.bench_with_input(BenchmarkId::new("verify_only", done), &done, |b, _| {
            b.iter(|| {
                black_box(
                    inngest::verify(Some(&signature), &body, &[KEY], &FixedClock::from_secs(NOW))
                        .unwrap(),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
