//! What one `searchKnowledge` call costs the worker's CPU, network excluded: the tool
//! call parsed and bound, the `query-data` request built, Upstash's answer (5 passages,
//! as the index sends them) decoded into cited sources and the tool result the model
//! sees. The transport answers at once from memory, so the time is ours alone.
//!
//! Run with `cargo bench -p support-agent --bench search_knowledge`. Compare
//! `search_knowledge/5_passages` with `bare_parse/5_passages`, a `serde_json::Value`
//! parse of the same answer: the ratio is what the typed path adds to the parse any
//! client would do.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Value};
use support_agent::{Outcome, Toolbox};
use support_core::proposal::SenderRecords;
use support_http::{HttpRequest, HttpResponse, Transport, TransportError};
use support_knowledge::{Knowledge, VectorIndex};

/// Answers every request with the same body, from memory.
struct Canned(Vec<u8>);

#[async_trait::async_trait]
impl Transport for Canned {
    async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, TransportError> {
        Ok(HttpResponse {
            status: 200,
            headers: vec![("content-type".into(), "application/json".into())],
            body: self.0.clone(),
        })
    }
}

/// Five passages of about 900 characters each, with our metadata, as `query-data`
/// answers with `includeMetadata` and `includeData`.
fn answer() -> Vec<u8> {
    let body = "Students get 50% off with the STUDENT50 coupon, so the course costs $249.50. \
        Email us from your school address, or attach proof of enrollment, and we'll send \
        the code. "
        .repeat(5);
    let hits: Vec<Value> = (0..5)
        .map(|i| {
            json!({
                "id": format!("course-faq.md#{i}"),
                "score": 0.032 - i as f64 * 0.001,
                "data": format!("Course FAQ — Student discounts {i}\n\n{body}"),
                "metadata": {
                    "source": "course-faq.md", "title": "Course FAQ",
                    "section": format!("Student discounts {i}"),
                    "url": "https://www.totaltypescript.example/faq",
                    "kind": "doc", "hash": "0123456789abcdef", "origin": "ingest"
                }
            })
        })
        .collect();
    serde_json::to_vec(&json!({ "result": hits })).unwrap()
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let body = answer();
    let transport: Arc<dyn Transport> = Arc::new(Canned(body.clone()));
    let toolbox = Toolbox {
        sdk: None,
        stripe: None,
        knowledge: Some(Knowledge::new(
            VectorIndex::new("https://index.example", "readonly", transport),
            "app_dev_tt",
        )),
    };
    let records = SenderRecords::default();
    let input = json!({"query": "Do you have a student discount?"});
    let outcome = runtime.block_on(toolbox.call("searchKnowledge", &input, &records));
    let Outcome::Ran { result } = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(result["results"].as_array().unwrap().len(), 5);

    c.bench_function("search_knowledge/5_passages", |b| {
        b.iter(|| {
            runtime.block_on(toolbox.call(
                "searchKnowledge",
                black_box(&input),
                black_box(&records),
            ))
        })
    });
    c.bench_function("bare_parse/5_passages", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&body)).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
