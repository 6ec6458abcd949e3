//! The Upstash Vector client against a fake transport: the exact request each method
//! sends, and how it reads the documented answers (upstash.com/docs/vector/api/endpoints).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use support_http::{HttpRequest, HttpResponse, Transport, TransportError};
use support_knowledge::*;

const TOKEN: &str = "AXxxSECRETtokenForTests0123456789";
const BASE: &str = "https://kind-owl-12345-us1-vector.upstash.io";

/// Answers in order and keeps the requests it got.
#[derive(Default)]
struct Fake {
    answers: Mutex<VecDeque<Result<HttpResponse, TransportError>>>,
    sent: Mutex<Vec<HttpRequest>>,
}

#[async_trait::async_trait]
impl Transport for Fake {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.lock().unwrap().push(request);
        self.answers
            .lock()
            .unwrap()
            .pop_front()
            .expect("an answer is queued")
    }
}

impl Fake {
    fn answer(&self, status: u16, body: Value) {
        self.answers
            .lock()
            .unwrap()
            .push_back(Ok(HttpResponse::json(status, &body)));
    }

    fn last(&self) -> HttpRequest {
        self.sent.lock().unwrap().last().cloned().unwrap()
    }
}

fn index() -> (Arc<Fake>, VectorIndex) {
    let fake = Arc::new(Fake::default());
    let index = VectorIndex::new(format!("{BASE}/"), TOKEN, fake.clone());
    (fake, index)
}

/// Method, URL, headers and JSON body of a request.
fn assert_request(request: &HttpRequest, method: &str, url: &str, body: Option<Value>) {
    assert_eq!(request.method, method);
    assert_eq!(request.url, url);
    assert_eq!(request.timeout, Duration::from_secs(10));
    let mut expected_headers = vec![("Authorization".to_owned(), format!("Bearer {TOKEN}"))];
    match body {
        Some(body) => {
            expected_headers.push(("Content-Type".into(), "application/json".into()));
            let sent: Value = serde_json::from_slice(&request.body).unwrap();
            assert_eq!(sent, body);
        }
        None => assert!(request.body.is_empty()),
    }
    assert_eq!(request.headers, expected_headers);
}

#[tokio::test]
async fn upsert_data_sends_an_array_to_the_namespace_path() {
    let (fake, index) = index();
    fake.answer(200, json!({"result": "Success"}));
    index
        .upsert_data(
            "ns",
            &[
                DataRecord {
                    id: "id-0".into(),
                    data: "Upstash is a serverless data platform.".into(),
                    metadata: Some(json!({"link": "upstash.com"})),
                },
                DataRecord {
                    id: "id-1".into(),
                    data: "Upstash Vector is a serverless vector database.".into(),
                    metadata: None,
                },
            ],
        )
        .await
        .unwrap();
    assert_request(
        &fake.last(),
        "POST",
        &format!("{BASE}/upsert-data/ns"),
        Some(json!([
            {"id": "id-0", "data": "Upstash is a serverless data platform.", "metadata": {"link": "upstash.com"}},
            {"id": "id-1", "data": "Upstash Vector is a serverless vector database."}
        ])),
    );

    // The default namespace has no suffix; nothing to upsert sends nothing.
    fake.answer(200, json!({"result": "Success"}));
    index
        .upsert_data(
            "",
            &[DataRecord {
                id: "a".into(),
                data: "b".into(),
                metadata: None,
            }],
        )
        .await
        .unwrap();
    assert_eq!(fake.last().url, format!("{BASE}/upsert-data"));
    index.upsert_data("ns", &[]).await.unwrap();
    assert_eq!(fake.sent.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn namespaces_are_percent_encoded_and_dot_segments_refused() {
    let (fake, index) = index();
    fake.answer(200, json!({"result": []}));
    index
        .query_data("team a/b?", &DataQuery::new("x", 1))
        .await
        .unwrap();
    assert_eq!(
        fake.last().url,
        format!("{BASE}/query-data/team%20a%2Fb%3F")
    );
    let e = index
        .query_data("..", &DataQuery::new("x", 1))
        .await
        .unwrap_err();
    assert!(matches!(e, VectorError::InvalidInput(_)), "{e:?}");
    assert_eq!(fake.sent.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn upsert_sends_dense_sparse_data_and_metadata() {
    let (fake, index) = index();
    fake.answer(200, json!({"result": "Success"}));
    index
        .upsert(
            "",
            &[
                VectorRecord {
                    id: "id-0".into(),
                    vector: Some(vec![0.1, 0.2]),
                    metadata: Some(json!({"link": "upstash.com"})),
                    ..Default::default()
                },
                VectorRecord {
                    id: "id-1".into(),
                    vector: Some(vec![0.5, 0.25]),
                    sparse_vector: Some(SparseVector {
                        indices: vec![1, 7],
                        values: vec![0.5, 0.75],
                    }),
                    data: Some("raw".into()),
                    metadata: None,
                },
            ],
        )
        .await
        .unwrap();
    assert_request(
        &fake.last(),
        "POST",
        &format!("{BASE}/upsert"),
        Some(json!([
            {"id": "id-0", "vector": [0.1, 0.2], "metadata": {"link": "upstash.com"}},
            {"id": "id-1", "vector": [0.5, 0.25], "sparseVector": {"indices": [1, 7], "values": [0.5, 0.75]}, "data": "raw"}
        ])),
    );
}

#[tokio::test]
async fn query_data_sends_every_option_and_reads_the_documented_answer() {
    let (fake, index) = index();
    fake.answer(
        200,
        json!({"result": [
            {"id": "id-0", "score": 1.0, "metadata": {"link": "upstash.com"}, "data": "Upstash is a serverless data platform."},
            {"id": "id-1", "score": 0.99996454}
        ]}),
    );
    let query = DataQuery {
        include_metadata: true,
        include_data: true,
        filter: Some("kind = 'faq'".into()),
        query_mode: Some(QueryMode::Sparse),
        fusion_algorithm: Some(FusionAlgorithm::Dbsf),
        weighting_strategy: Some(WeightingStrategy::Idf),
        ..DataQuery::new("What is Upstash?", 2)
    };
    let hits = index.query_data("ns", &query).await.unwrap();
    assert_request(
        &fake.last(),
        "POST",
        &format!("{BASE}/query-data/ns"),
        Some(
            json!({"data": "What is Upstash?", "topK": 2, "includeMetadata": true,
                    "includeData": true, "filter": "kind = 'faq'", "queryMode": "SPARSE",
                    "fusionAlgorithm": "DBSF", "weightingStrategy": "IDF"}),
        ),
    );
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].id, "id-0");
    assert_eq!(hits[0].score, 1.0);
    assert_eq!(hits[0].metadata, Some(json!({"link": "upstash.com"})));
    assert_eq!(
        hits[0].data.as_deref(),
        Some("Upstash is a serverless data platform.")
    );
    assert_eq!(hits[1].score, 0.99996454);
    assert_eq!(
        (hits[1].metadata.as_ref(), hits[1].data.as_ref()),
        (None, None)
    );
}

#[tokio::test]
async fn query_sends_a_vector() {
    let (fake, index) = index();
    fake.answer(
        200,
        json!({"result": [{"id": "id-0", "score": 1.0, "vector": [0.1, 0.2]}]}),
    );
    let hits = index
        .query(
            "",
            &VectorQuery {
                vector: Some(vec![0.1, 0.2]),
                top_k: 2,
                include_metadata: true,
                include_vectors: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_request(
        &fake.last(),
        "POST",
        &format!("{BASE}/query"),
        Some(
            json!({"vector": [0.1, 0.2], "topK": 2, "includeMetadata": true, "includeVectors": true}),
        ),
    );
    assert_eq!(hits[0].vector.as_deref(), Some(&[0.1f32, 0.2][..]));
}

#[tokio::test]
async fn delete_by_ids_and_by_prefix_return_the_count() {
    let (fake, index) = index();
    fake.answer(200, json!({"result": {"deleted": 2}}));
    let n = index.delete("ns", &["id-0", "id-1"]).await.unwrap();
    assert_eq!(n, 2);
    assert_request(
        &fake.last(),
        "POST",
        &format!("{BASE}/delete/ns"),
        Some(json!({"ids": ["id-0", "id-1"]})),
    );
    fake.answer(200, json!({"result": {"deleted": 5}}));
    assert_eq!(index.delete_prefix("", "docs/a.md#").await.unwrap(), 5);
    assert_request(
        &fake.last(),
        "POST",
        &format!("{BASE}/delete"),
        Some(json!({"prefix": "docs/a.md#"})),
    );
    // Nothing to delete sends nothing; an empty prefix is refused.
    assert_eq!(index.delete::<&str>("ns", &[]).await.unwrap(), 0);
    assert!(matches!(
        index.delete_prefix("ns", "").await,
        Err(VectorError::InvalidInput(_))
    ));
    assert_eq!(fake.sent.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn fetch_keeps_order_and_missing_ids() {
    let (fake, index) = index();
    fake.answer(
        200,
        json!({"result": [{"id": "id-0", "metadata": {"link": "upstash.com"}}, null, {"id": "id-1"}]}),
    );
    let got = index
        .fetch("ns", &["id-0", "nope", "id-1"], Include::METADATA)
        .await
        .unwrap();
    assert_request(
        &fake.last(),
        "POST",
        &format!("{BASE}/fetch/ns"),
        Some(json!({"ids": ["id-0", "nope", "id-1"], "includeMetadata": true})),
    );
    assert_eq!(got.len(), 3);
    assert_eq!(
        got[0].as_ref().unwrap().metadata,
        Some(json!({"link": "upstash.com"}))
    );
    assert!(got[1].is_none());
    assert_eq!(got[2].as_ref().unwrap().id, "id-1");
}

#[tokio::test]
async fn range_pages_with_a_cursor_and_prefix() {
    let (fake, index) = index();
    fake.answer(
        200,
        json!({"result": {"nextCursor": "2", "vectors": [{"id": "id-0", "metadata": {"link": "upstash.com"}}, {"id": "id-1"}]}}),
    );
    let page = index
        .range("", "0", 2, Some("id-"), Include::METADATA_AND_DATA)
        .await
        .unwrap();
    assert_request(
        &fake.last(),
        "POST",
        &format!("{BASE}/range"),
        Some(
            json!({"cursor": "0", "limit": 2, "prefix": "id-", "includeMetadata": true, "includeData": true}),
        ),
    );
    assert_eq!(page.next_cursor, "2");
    assert!(!page.is_last());
    assert_eq!(page.vectors.len(), 2);
    fake.answer(200, json!({"result": {"nextCursor": "", "vectors": []}}));
    let page = index
        .range("ns", "2", 2, None, Include::NOTHING)
        .await
        .unwrap();
    assert_request(
        &fake.last(),
        "POST",
        &format!("{BASE}/range/ns"),
        Some(json!({"cursor": "2", "limit": 2})),
    );
    assert!(page.is_last());
}

#[tokio::test]
async fn info_and_list_namespaces_are_gets() {
    let (fake, index) = index();
    fake.answer(
        200,
        json!({"result": {
            "vectorCount": 7, "pendingVectorCount": 0, "indexSize": 43501, "dimension": 1024,
            "similarityFunction": "COSINE", "indexType": "HYBRID",
            "denseIndex": {"dimension": 1024, "similarityFunction": "COSINE", "embeddingModel": "BGE_M3"},
            "sparseIndex": {"embeddingModel": "BM25"},
            "namespaces": {"": {"vectorCount": 6, "pendingVectorCount": 0}, "ns": {"vectorCount": 1, "pendingVectorCount": 0}}
        }}),
    );
    let info = index.info().await.unwrap();
    assert_request(&fake.last(), "GET", &format!("{BASE}/info"), None);
    assert_eq!(info.vector_count, 7);
    assert_eq!(info.index_size, 43501);
    assert_eq!(info.dimension, 1024);
    assert_eq!(info.similarity_function, "COSINE");
    assert_eq!(info.index_type.as_deref(), Some("HYBRID"));
    assert_eq!(
        info.dense_index.unwrap().embedding_model.as_deref(),
        Some("BGE_M3")
    );
    assert_eq!(
        info.sparse_index.unwrap().embedding_model.as_deref(),
        Some("BM25")
    );
    assert_eq!(info.namespaces["ns"].vector_count, 1);
    assert_eq!(info.namespaces[""].vector_count, 6);

    fake.answer(200, json!({"result": ["", "ns0", "ns1"]}));
    assert_eq!(index.list_namespaces().await.unwrap(), ["", "ns0", "ns1"]);
    assert_request(
        &fake.last(),
        "GET",
        &format!("{BASE}/list-namespaces"),
        None,
    );
}

#[tokio::test]
async fn errors_are_typed_and_never_carry_the_token() {
    let (fake, index) = index();
    fake.answer(
        401,
        json!({"error": "Unauthorized: Invalid auth token", "status": 401}),
    );
    let e = index.info().await.unwrap_err();
    assert_eq!(
        e,
        VectorError::Unauthorized {
            message: "Unauthorized: Invalid auth token".into()
        }
    );

    fake.answers
        .lock()
        .unwrap()
        .push_back(Ok(HttpResponse::json(
            429,
            &json!({"error": "ERR max requests limit exceeded", "status": 429}),
        )
        .with_header("Retry-After", "3")));
    let e = index
        .query_data("", &DataQuery::new("x", 1))
        .await
        .unwrap_err();
    assert_eq!(
        e,
        VectorError::RateLimited {
            retry_after_secs: Some(3)
        }
    );
    assert!(e.is_retryable());

    fake.answer(
        422,
        json!({"error": "Embedding data for this index is not allowed. The index must be created with an embedding model to use it.", "status": 422}),
    );
    let e = index
        .upsert_data(
            "",
            &[DataRecord {
                id: "a".into(),
                data: "b".into(),
                metadata: None,
            }],
        )
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(422));
    assert!(
        e.to_string()
            .starts_with("Upstash Vector answered 422: Embedding data"),
        "{e}"
    );

    // An error envelope in a 200 is an error too, and an echoed token is scrubbed.
    fake.answer(
        200,
        json!({"error": format!("bad token {TOKEN}"), "status": 400}),
    );
    let e = index.list_namespaces().await.unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert!(!format!("{e} {e:?}").contains(TOKEN));

    fake.answers
        .lock()
        .unwrap()
        .push_back(Err(TransportError::Timeout));
    let e = index.info().await.unwrap_err();
    assert_eq!(e, VectorError::Transport(TransportError::Timeout));
    assert_eq!(e.to_string(), "could not reach Upstash Vector: timed out");

    fake.answer(200, json!({"result": {"unexpected": true}}));
    let e = index
        .range("", "0", 1, None, Include::NOTHING)
        .await
        .unwrap_err();
    assert!(matches!(e, VectorError::Decode { .. }), "{e:?}");
    fake.answer(200, json!({"nothing": 1}));
    assert!(matches!(
        index.info().await,
        Err(VectorError::Decode { .. })
    ));

    assert!(!format!("{index:?}").contains(TOKEN));
}

#[tokio::test]
async fn the_timeout_is_per_request_and_configurable() {
    let fake = Arc::new(Fake::default());
    let index =
        VectorIndex::new(BASE, TOKEN, fake.clone()).with_timeout(Duration::from_millis(1500));
    fake.answer(200, json!({"result": []}));
    index.list_namespaces().await.unwrap();
    assert_eq!(fake.last().timeout, Duration::from_millis(1500));
}

#[tokio::test]
async fn remote_state_pages_until_the_cursor_is_empty() {
    let (fake, index) = index();
    let meta = json!({"source": "a.md", "title": "A", "section": "", "kind": "doc", "hash": "0123456789abcdef", "origin": "ingest"});
    fake.answer(
        200,
        json!({"result": {"nextCursor": "1000", "vectors": [{"id": "a.md#0", "metadata": meta}]}}),
    );
    fake.answer(200, json!({"result": {"nextCursor": "", "vectors": [{"id": "foreign", "metadata": {"x": 1}}, {"id": "bare"}]}}));
    let state = remote_state(&index, "app").await.unwrap();
    let sent = fake.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        serde_json::from_slice::<Value>(&sent[0].body).unwrap(),
        json!({"cursor": "0", "limit": 1000, "includeMetadata": true})
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&sent[1].body).unwrap()["cursor"],
        "1000"
    );
    assert_eq!(sent[1].url, format!("{BASE}/range/app"));
    assert_eq!(state.len(), 3);
    assert_eq!(state[0].1.as_ref().unwrap().origin, Origin::Ingest);
    assert_eq!((state[1].1.as_ref(), state[2].1.as_ref()), (None, None));
}

#[tokio::test]
async fn knowledge_search_queries_data_with_metadata_and_cites() {
    let (fake, index) = index();
    let knowledge = Knowledge::new(index, "app-1");
    fake.answer(
        200,
        json!({"result": [
            {"id": "refunds.md#1", "score": 0.031, "data": "Refund policy — Team licences\n\nPro rata.",
             "metadata": {"source": "refunds.md", "title": "Refund policy", "section": "Team licences",
                          "kind": "doc", "hash": "0123456789abcdef", "origin": "ingest"}},
            {"id": "faq.json#0", "score": 0.016, "data": "Q: q?\nA: a.",
             "metadata": {"source": "faq.json", "title": "faq", "section": "q?", "kind": "faq",
                          "hash": "0123456789abcdef", "origin": "ingest"}}
        ]}),
    );
    let passages = knowledge
        .search("team refund", 5, QueryMode::Hybrid, FusionAlgorithm::Rrf)
        .await
        .unwrap();
    assert_request(
        &fake.last(),
        "POST",
        &format!("{BASE}/query-data/app-1"),
        Some(
            json!({"data": "team refund", "topK": 5, "includeMetadata": true, "includeData": true,
                    "queryMode": "HYBRID", "fusionAlgorithm": "RRF"}),
        ),
    );
    assert_eq!(passages.len(), 2);
    assert_eq!(passages[0].citation(), "Refund policy § Team licences");
    assert_eq!(passages[0].text, "Pro rata.");
    assert_eq!(passages[1].kind, ChunkKind::Faq);

    // A single-component mode sends no fusion; min_score drops what is below it.
    let knowledge = knowledge.with_min_score(0.02);
    fake.answer(
        200,
        json!({"result": [{"id": "a", "score": 0.5}, {"id": "b", "score": 0.01}]}),
    );
    let passages = knowledge
        .search("x", 2, QueryMode::Dense, FusionAlgorithm::Dbsf)
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&fake.last().body).unwrap(),
        json!({"data": "x", "topK": 2, "includeMetadata": true, "includeData": true, "queryMode": "DENSE"})
    );
    assert_eq!(
        passages.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["a"]
    );
}
