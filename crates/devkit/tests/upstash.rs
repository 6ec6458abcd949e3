//! The Upstash Vector stand-in over real HTTP, called as the REST API is documented:
//! hybrid retrieval on a small support corpus in every mode and fusion, namespaces,
//! filters, fetch/range/delete, info, tokens, injected failures and error shapes.

use serde_json::{json, Value};
use support_devkit::upstash::UpstashConfig;

const TOKEN: &str = "test-upstash-token";
const READONLY: &str = "test-upstash-readonly-token";

struct Stand {
    devkit: support_devkit::Running,
    http: reqwest::Client,
}

impl Stand {
    async fn start() -> Self {
        let config = support_devkit::Config {
            upstash: UpstashConfig {
                token: Some(TOKEN.into()),
                readonly_token: Some(READONLY.into()),
            },
            ..Default::default()
        };
        let devkit = support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
            .await
            .unwrap();
        Self {
            devkit,
            http: reqwest::Client::new(),
        }
    }

    /// A raw request: (status, headers' retry-after, body).
    async fn send(
        &self,
        method: &str,
        token: Option<&str>,
        path: &str,
        body: &str,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method, format!("{}/upstash{path}", self.devkit.url()))
            .body(body.to_owned());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
        (status, body)
    }

    /// POST as the JS client does, with the read-write token.
    async fn call(&self, path: &str, body: Value) -> (u16, Value) {
        self.send("POST", Some(TOKEN), path, &body.to_string())
            .await
    }

    /// POST and expect 200: the `result`.
    async fn ok(&self, path: &str, body: Value) -> Value {
        let (status, reply) = self.call(path, body).await;
        assert_eq!(status, 200, "{path}: {reply}");
        reply["result"].clone()
    }

    /// The ids of a query answer, best first.
    async fn ids(&self, path: &str, body: Value) -> Vec<String> {
        ids(&self.ok(path, body).await)
    }

    async fn control(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(
            method,
            format!("{}/_devkit/upstash/{path}", self.devkit.url()),
        );
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn seed(&self, namespace: &str) {
        let path = if namespace.is_empty() {
            "/upsert-data".to_owned()
        } else {
            format!("/upsert-data/{namespace}")
        };
        assert_eq!(self.ok(&path, corpus()).await, "Success");
    }
}

fn ids(result: &Value) -> Vec<String> {
    result
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {result}"))
        .iter()
        .map(|hit| hit["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Eight support documents.
fn corpus() -> Value {
    json!([
        {"id": "faq-refund", "data": "Refund policy: you can request a full refund within 30 days of purchase, no questions asked.",
         "metadata": {"type": "faq", "product": "tt", "tags": ["refund", "billing"], "views": 120}},
        {"id": "faq-invoice", "data": "Download an invoice or receipt for your purchase from the billing page.",
         "metadata": {"type": "faq", "product": "tt", "tags": ["billing"], "views": 80}},
        {"id": "faq-login", "data": "Magic link login: we email you a sign-in link, no password needed.",
         "metadata": {"type": "faq", "product": "ai", "tags": ["access"], "views": 300}},
        {"id": "faq-transfer", "data": "Transfer a license seat to a teammate's email address from the team dashboard.",
         "metadata": {"type": "faq", "product": "ai", "tags": ["team"], "views": 15}},
        {"id": "faq-discount", "data": "Student and regional discounts: parity pricing coupons are applied at checkout.",
         "metadata": {"type": "faq", "product": "tt", "tags": ["pricing"], "views": 45}},
        {"id": "doc-generics", "data": "Generics and the satisfies operator in TypeScript, explained with exercises.",
         "metadata": {"type": "article", "product": "tt", "tags": ["content"], "views": 900}},
        {"id": "faq-cancel", "data": "Cancel a subscription anytime; access continues until the end of the billing period.",
         "metadata": {"type": "faq", "product": "ai", "tags": ["billing", "subscription"], "views": 60}},
        {"id": "faq-offline", "data": "Download course videos for offline viewing with the desktop app.",
         "metadata": {"type": "faq", "product": "tt", "tags": ["content"], "views": 33}},
    ])
}

#[tokio::test]
async fn hybrid_queries_retrieve_in_every_mode_and_fusion() {
    let stand = Stand::start().await;
    stand.seed("").await;

    // HYBRID (the default) with RRF (the default): both sides rank the refund FAQ
    // first, so it scores 1/61 + 1/61.
    let hits = stand
        .ok(
            "/query-data",
            json!({"data": "refund policy", "topK": 3, "includeMetadata": true}),
        )
        .await;
    assert_eq!(hits[0]["id"], "faq-refund", "{hits}");
    assert!(
        (hits[0]["score"].as_f64().unwrap() - 2.0 / 61.0).abs() < 1e-9,
        "{hits}"
    );
    assert_eq!(hits[0]["metadata"]["product"], "tt");
    assert!(hits[0].get("data").is_none() && hits[0].get("vector").is_none());
    assert_eq!(hits.as_array().unwrap().len(), 3);

    let rrf = stand
        .ids(
            "/query-data",
            json!({"data": "how do I get my money refunded", "topK": 2,
            "queryMode": "HYBRID", "fusionAlgorithm": "RRF"}),
        )
        .await;
    assert_eq!(rrf[0], "faq-refund", "{rrf:?}");

    // DBSF: normalised scores added; the top hit is first on both sides here.
    let dbsf = stand
        .ok(
            "/query-data",
            json!({"data": "download an invoice", "topK": 3,
            "fusionAlgorithm": "DBSF", "includeData": true}),
        )
        .await;
    assert_eq!(dbsf[0]["id"], "faq-invoice", "{dbsf}");
    let top = dbsf[0]["score"].as_f64().unwrap();
    assert!(
        top > 1.0 && top <= 2.0,
        "two normalised scores in [0, 1] added: {top}"
    );
    assert!(dbsf[0]["data"]
        .as_str()
        .unwrap()
        .starts_with("Download an invoice"));

    // DENSE catches a typo that SPARSE (exact terms only) cannot.
    let dense = stand
        .ok(
            "/query-data",
            json!({"data": "refnud polcy", "topK": 8, "queryMode": "DENSE"}),
        )
        .await;
    assert_eq!(ids(&dense)[0], "faq-refund", "{dense}");
    assert_eq!(
        dense.as_array().unwrap().len(),
        8,
        "dense ranks every vector"
    );
    let score = dense[0]["score"].as_f64().unwrap();
    assert!(
        score > 0.5 && score < 1.0,
        "COSINE scores are (1 + cos) / 2: {score}"
    );
    let sparse = stand
        .ok(
            "/query-data",
            json!({"data": "refnud polcy", "topK": 8, "queryMode": "SPARSE"}),
        )
        .await;
    assert_eq!(sparse, json!([]), "no document has those terms");

    // SPARSE: BM25 over stems, only documents with a matching term.
    let sparse = stand
        .ids(
            "/query-data",
            json!({"data": "Cancelled subscriptions", "topK": 5, "queryMode": "SPARSE"}),
        )
        .await;
    assert_eq!(sparse, ["faq-cancel"]);
    let idf = stand
        .ids(
            "/query-data",
            json!({"data": "download videos", "topK": 5, "queryMode": "SPARSE",
            "weightingStrategy": "IDF"}),
        )
        .await;
    assert_eq!(
        idf,
        ["faq-offline", "faq-invoice"],
        "the rarer term decides"
    );

    // DENSE on word forms.
    let forms = stand
        .ids(
            "/query-data",
            json!({"data": "cancelling my subscription", "topK": 1, "queryMode": "DENSE"}),
        )
        .await;
    assert_eq!(forms, ["faq-cancel"]);

    // A batch answers one list a query; a batch of one answers like a single query.
    let batch = stand
        .ok(
            "/query-data",
            json!([
                {"data": "magic link login", "topK": 1},
                {"data": "student discount coupon", "topK": 2},
            ]),
        )
        .await;
    assert_eq!(ids(&batch[0]), ["faq-login"]);
    assert_eq!(ids(&batch[1])[0], "faq-discount");
    let one = stand
        .ok(
            "/query-data",
            json!([{"data": "magic link login", "topK": 1}]),
        )
        .await;
    assert_eq!(ids(&one), ["faq-login"]);
}

#[tokio::test]
async fn raw_vectors_filters_and_vectors_in_results() {
    let stand = Stand::start().await;
    stand.seed("").await;

    // A filter applies before ranking: only tt content is a candidate.
    let hits = stand
        .ok(
            "/query-data",
            json!({"data": "download", "topK": 10, "includeMetadata": true,
            "filter": "product = 'tt' AND tags CONTAINS 'content'"}),
        )
        .await;
    assert_eq!(ids(&hits), ["faq-offline", "doc-generics"]);
    let hits = stand
        .ids("/query-data", json!({"data": "billing", "topK": 10,
            "filter": "views >= 60 AND (product = 'ai' OR tags[#-1] = 'billing') AND HAS FIELD type"}))
        .await;
    // views ≥ 60: refund, invoice, login, generics, cancel; of those, ai or last tag
    // billing: all but generics.
    let mut sorted = hits.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["faq-cancel", "faq-invoice", "faq-login", "faq-refund"]
    );
    let none = stand
        .ok(
            "/query-data",
            json!({"data": "billing", "filter": "type NOT IN ('faq', 'article')"}),
        )
        .await;
    assert_eq!(none, json!([]));

    // includeVectors shows both vectors; a raw query with them finds the same vector.
    let fetched = stand
        .ok(
            "/fetch",
            json!({"ids": ["faq-login"], "includeVectors": true}),
        )
        .await;
    let vector = fetched[0]["vector"].clone();
    let sparse = fetched[0]["sparseVector"].clone();
    assert_eq!(vector.as_array().unwrap().len(), 1024);
    assert!(!sparse["indices"].as_array().unwrap().is_empty());
    let both = stand
        .ok(
            "/query",
            json!({"vector": vector, "sparseVector": sparse, "topK": 2}),
        )
        .await;
    assert_eq!(both[0]["id"], "faq-login");
    let dense_only = stand
        .ok("/query", json!({"vector": vector, "topK": 1}))
        .await;
    assert_eq!(dense_only[0]["id"], "faq-login");
    assert!((dense_only[0]["score"].as_f64().unwrap() - 1.0).abs() < 1e-6);
    let sparse_only = stand
        .ids("/query", json!({"sparseVector": sparse, "topK": 3}))
        .await;
    assert_eq!(sparse_only[0], "faq-login");

    // Raw upserts need both vectors of the index's dimension.
    let (status, reply) = stand
        .call("/upsert", json!({"id": "x", "vector": [0.1, 0.2], "sparseVector": {"indices": [1], "values": [1.0]}}))
        .await;
    assert_eq!(
        (status, reply),
        (
            422,
            json!({"error": "Invalid vector dimension: 2, expected: 1024", "status": 422})
        )
    );
    let (status, reply) = stand
        .call("/query", json!({"vector": [1.0], "topK": 1}))
        .await;
    assert_eq!(
        (status, reply["error"].as_str().unwrap()),
        (422, "Invalid vector dimension: 1, expected: 1024")
    );
    let mut unit = vec![0.0; 1024];
    unit[7] = 1.0;
    assert_eq!(
        stand
            .ok("/upsert", json!({"id": "raw", "vector": unit, "sparseVector": {"indices": [5, 3], "values": [0.5, 0.25]},
                "data": "kept as is", "metadata": {"kind": "raw"}}))
            .await,
        "Success"
    );
    let raw = stand
        .ok("/fetch", json!({"ids": ["raw"], "includeVectors": true, "includeData": true, "includeMetadata": true}))
        .await;
    assert_eq!(
        raw[0]["sparseVector"],
        json!({"indices": [3, 5], "values": [0.25, 0.5]})
    );
    assert_eq!(
        (raw[0]["data"].clone(), raw[0]["metadata"].clone()),
        (json!("kept as is"), json!({"kind": "raw"}))
    );
}

#[tokio::test]
async fn namespaces_fetch_range_delete_update_and_info() {
    let stand = Stand::start().await;
    stand.seed("").await;
    assert_eq!(
        stand.ok("/upsert-data/other", json!({"id": "faq-refund", "data": "A different refund text", "metadata": {"ns": "other"}})).await,
        "Success"
    );

    // Namespaces are isolated.
    let other = stand
        .ok(
            "/query-data/other",
            json!({"data": "refund", "topK": 10, "includeMetadata": true}),
        )
        .await;
    assert_eq!(ids(&other), ["faq-refund"]);
    assert_eq!(other[0]["metadata"], json!({"ns": "other"}));
    let default = stand
        .ok(
            "/query-data",
            json!({"data": "refund", "topK": 1, "includeMetadata": true}),
        )
        .await;
    assert_eq!(default[0]["metadata"]["product"], "tt");
    assert_eq!(
        stand
            .ok("/query-data/nowhere", json!({"data": "refund"}))
            .await,
        json!([])
    );
    assert_eq!(
        stand.ok("/list-namespaces", json!([])).await,
        json!(["", "other"])
    );

    let info = stand.ok("/info", json!([])).await;
    assert_eq!(info["vectorCount"], 9);
    assert_eq!(info["pendingVectorCount"], 0);
    assert_eq!(info["dimension"], 1024);
    assert_eq!(info["similarityFunction"], "COSINE");
    assert_eq!(info["indexType"], "HYBRID");
    assert_eq!(info["denseIndex"]["dimension"], 1024);
    assert_eq!(info["sparseIndex"], json!({"embeddingModel": "BM25"}));
    assert_eq!(
        info["namespaces"],
        json!({"": {"vectorCount": 8, "pendingVectorCount": 0},
        "other": {"vectorCount": 1, "pendingVectorCount": 0}})
    );
    assert!(info["indexSize"].as_u64().unwrap() > 8 * 4096);
    // GET, as in the docs' curl example, works too.
    let (status, got) = stand.send("GET", Some(TOKEN), "/info", "").await;
    assert_eq!(
        (status, got["result"]["vectorCount"].clone()),
        (200, json!(9))
    );

    // Fetch: ids in order with null for missing; a prefix; include flags.
    let fetched = stand
        .ok(
            "/fetch",
            json!({"ids": ["faq-login", "nope", "doc-generics"], "includeData": true}),
        )
        .await;
    assert_eq!(fetched[1], Value::Null);
    assert_eq!(fetched[0]["id"], "faq-login");
    assert!(fetched[0]["data"].as_str().unwrap().contains("Magic link"));
    assert!(fetched[0].get("metadata").is_none());
    let prefixed = stand.ok("/fetch", json!({"prefix": "doc-"})).await;
    assert_eq!(prefixed, json!([{"id": "doc-generics"}]));
    let (status, reply) = stand
        .call("/fetch", json!({"ids": ["a"], "prefix": "a"}))
        .await;
    assert_eq!(
        (status, reply),
        (
            400,
            json!({"error": "Only one of ids or prefix must be provided.", "status": 400})
        )
    );

    // Range pages through ids in order.
    let page = stand
        .ok(
            "/range",
            json!({"cursor": "0", "limit": 3, "prefix": "faq-", "includeMetadata": true}),
        )
        .await;
    assert_eq!(page["nextCursor"], "3");
    assert_eq!(
        ids(&page["vectors"]),
        ["faq-cancel", "faq-discount", "faq-invoice"]
    );
    assert_eq!(page["vectors"][0]["metadata"]["product"], "ai");
    let page = stand
        .ok(
            "/range",
            json!({"cursor": page["nextCursor"], "limit": 3, "prefix": "faq-"}),
        )
        .await;
    assert_eq!(
        (page["nextCursor"].clone(), ids(&page["vectors"]).len()),
        (json!("6"), 3)
    );
    let page = stand
        .ok("/range", json!({"cursor": 6, "limit": 3, "prefix": "faq-"}))
        .await;
    assert_eq!(
        (page["nextCursor"].clone(), ids(&page["vectors"])),
        (json!(""), vec!["faq-transfer".to_owned()])
    );

    // Update: metadata patched (RFC 7396), data re-embedded.
    let updated = stand
        .ok("/update", json!({"id": "faq-offline", "metadata": {"views": 34, "tags": null}, "metadataUpdateMode": "PATCH"}))
        .await;
    assert_eq!(updated, json!({"updated": 1}));
    let after = stand
        .ok(
            "/fetch",
            json!({"ids": ["faq-offline"], "includeMetadata": true}),
        )
        .await;
    assert_eq!(
        after[0]["metadata"],
        json!({"type": "faq", "product": "tt", "views": 34})
    );
    stand
        .ok(
            "/update",
            json!({"id": "faq-offline", "data": "Watch lessons on an airplane"}),
        )
        .await;
    let hits = stand
        .ids(
            "/query-data",
            json!({"data": "airplane", "topK": 1, "queryMode": "SPARSE"}),
        )
        .await;
    assert_eq!(hits, ["faq-offline"]);
    assert_eq!(
        stand
            .ok("/update", json!({"id": "ghost", "data": "x"}))
            .await,
        json!({"updated": 0})
    );

    // Delete by ids (array or object), prefix and filter.
    assert_eq!(
        stand.ok("/delete", json!(["faq-login", "ghost"])).await,
        json!({"deleted": 1})
    );
    assert_eq!(
        stand.ok("/delete", json!({"ids": ["faq-transfer"]})).await,
        json!({"deleted": 1})
    );
    let (status, _) = stand
        .send("DELETE", Some(TOKEN), "/delete", r#"{"prefix": "doc-"}"#)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        stand
            .ok("/delete", json!({"filter": "tags CONTAINS 'billing'"}))
            .await,
        json!({"deleted": 3})
    );
    let (status, reply) = stand
        .call("/delete", json!({"ids": ["a"], "prefix": "a"}))
        .await;
    assert_eq!(
        (status, reply),
        (
            400,
            json!({"error": "Only and only one of the ids, prefix, or filter must be provided.", "status": 400})
        )
    );
    let (_, state) = stand.control("GET", "state", None).await;
    assert_eq!(
        state["namespaces"][""]["ids"],
        json!(["faq-discount", "faq-offline"])
    );
    assert_eq!(state["namespaces"]["other"]["count"], 1);

    // Reset one namespace, then delete it; the default one cannot go.
    assert_eq!(stand.ok("/reset/other", json!([])).await, "Success");
    assert_eq!(
        stand.ok("/info", json!([])).await["namespaces"]["other"]["vectorCount"],
        0
    );
    assert_eq!(
        stand.ok("/delete-namespace/other", json!([])).await,
        "Success"
    );
    let (status, reply) = stand.call("/delete-namespace/other", json!([])).await;
    assert_eq!(
        (status, reply),
        (
            404,
            json!({"error": "Namespace other for the index devkit does not exist", "status": 404})
        )
    );
    assert_eq!(stand.call("/delete-namespace", json!([])).await.0, 400);
    assert_eq!(stand.ok("/reset?all", json!([])).await, "Success");
    assert_eq!(stand.ok("/info", json!([])).await["vectorCount"], 0);
}

#[tokio::test]
async fn tokens_are_checked_and_recorded() {
    let stand = Stand::start().await;
    stand.seed("").await;

    let unauthorized = json!({"error": "Unauthorized: Invalid auth token", "status": 401});
    assert_eq!(
        stand.send("POST", Some("wrong"), "/info", "[]").await,
        (401, unauthorized.clone())
    );
    assert_eq!(
        stand.send("POST", None, "/info", "[]").await,
        (401, unauthorized)
    );

    // The read-only token reads...
    let (status, hits) = stand
        .send(
            "POST",
            Some(READONLY),
            "/query-data",
            r#"{"data": "refund", "topK": 1}"#,
        )
        .await;
    assert_eq!(
        (status, hits["result"][0]["id"].clone()),
        (200, json!("faq-refund"))
    );
    for (path, body) in [
        ("/fetch", r#"{"ids": ["faq-refund"]}"#),
        ("/range", r#"{"cursor": "0", "limit": 1}"#),
        ("/info", "[]"),
        ("/list-namespaces", "[]"),
    ] {
        assert_eq!(
            stand.send("POST", Some(READONLY), path, body).await.0,
            200,
            "{path}"
        );
    }
    // ... but cannot write.
    for (path, body) in [
        ("/upsert-data", r#"{"id": "x", "data": "y"}"#),
        ("/delete", r#"["faq-refund"]"#),
        ("/update", r#"{"id": "faq-refund", "data": "z"}"#),
        ("/reset", "[]"),
        ("/delete-namespace/x", "[]"),
    ] {
        let (status, reply) = stand.send("POST", Some(READONLY), path, body).await;
        assert_eq!(status, 401, "{path}");
        assert_eq!(reply["status"], 401);
        assert!(
            reply["error"]
                .as_str()
                .unwrap()
                .starts_with("Unauthorized: a read-only token"),
            "{reply}"
        );
    }
    assert_eq!(
        stand.ok("/info", json!([])).await["vectorCount"],
        8,
        "nothing was written"
    );

    let (_, log) = stand.control("GET", "requests", None).await;
    let log = log.as_array().unwrap();
    let query = log.iter().find(|r| r["command"] == "query-data").unwrap();
    assert_eq!(query["token"], "readonly");
    assert_eq!(query["body"], json!({"data": "refund", "topK": 1}));
    assert_eq!(log[0]["token"], "readwrite");
    assert_eq!(log[0]["path"], "/upsert-data");
    assert!(log
        .iter()
        .any(|r| r["token"] == "invalid" && r["status"] == 401));
    assert!(log.iter().any(|r| r["token"] == "missing"));
    let (status, _) = stand.control("DELETE", "requests", None).await;
    assert_eq!(status, 204);
    assert_eq!(stand.control("GET", "requests", None).await.1, json!([]));
}

#[tokio::test]
async fn injected_rate_limits_fail_the_next_calls() {
    let stand = Stand::start().await;
    stand.seed("").await;
    let (status, _) = stand
        .control(
            "POST",
            "fail",
            Some(json!({"status": 429, "times": 2, "retry_after": 3})),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(stand.control("GET", "fail", None).await.1[0]["times"], 2);

    for _ in 0..2 {
        let response = stand
            .http
            .post(format!("{}/upstash/query-data", stand.devkit.url()))
            .bearer_auth(TOKEN)
            .body(r#"{"data": "refund"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "3");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body,
            json!({"error": "ERR max requests limit exceeded", "status": 429})
        );
    }
    assert_eq!(
        stand
            .ids("/query-data", json!({"data": "refund", "topK": 1}))
            .await,
        ["faq-refund"]
    );
    let (_, log) = stand.control("GET", "requests", None).await;
    assert_eq!(
        log.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["injected"] == true)
            .count(),
        2
    );

    // Only matching paths, and a custom message.
    stand
        .control(
            "POST",
            "fail",
            Some(json!({"status": 503, "path_prefix": "/upsert", "error": "down"})),
        )
        .await;
    assert_eq!(stand.ok("/info", json!([])).await["vectorCount"], 8);
    assert_eq!(
        stand
            .call("/upsert-data", json!({"id": "a", "data": "b"}))
            .await,
        (503, json!({"error": "down", "status": 503}))
    );
    assert_eq!(
        stand
            .control("POST", "fail", Some(json!({"status": 200})))
            .await
            .0,
        400
    );

    // Reset forgets everything.
    stand
        .control("POST", "fail", Some(json!({"times": 5})))
        .await;
    assert_eq!(stand.control("POST", "reset", None).await.0, 204);
    assert_eq!(stand.ok("/info", json!([])).await["vectorCount"], 0);
    assert_eq!(stand.control("GET", "fail", None).await.1, json!([]));
}

#[tokio::test]
async fn errors_come_in_upstashs_shape() {
    let stand = Stand::start().await;
    stand.seed("").await;
    let expect = |status: u16, reply: (u16, Value), contains: &str| {
        assert_eq!(reply.0, status, "{}", reply.1);
        assert_eq!(reply.1["status"], status);
        let error = reply.1["error"].as_str().unwrap();
        assert!(
            error.contains(contains),
            "{error:?} should contain {contains:?}"
        );
    };
    expect(
        400,
        stand
            .send("POST", Some(TOKEN), "/upsert-data", "{not json")
            .await,
        "Invalid JSON body",
    );
    expect(
        400,
        stand.call("/upsert-data", json!({"data": "no id"})).await,
        "id is required",
    );
    expect(
        400,
        stand
            .call("/upsert-data", json!([{"id": "", "data": "x"}]))
            .await,
        "id is required",
    );
    expect(
        400,
        stand.call("/upsert-data", json!({"id": "a"})).await,
        "data is required",
    );
    expect(
        400,
        stand
            .call(
                "/upsert-data",
                json!({"id": "a", "data": "b", "metadata": [1]}),
            )
            .await,
        "metadata must be a JSON object",
    );
    expect(
        422,
        stand
            .call("/upsert", json!({"id": "a", "vector": vec![0.0; 1024]}))
            .await,
        "both vector and sparseVector",
    );
    expect(
        422,
        stand
            .call(
                "/upsert",
                json!({"id": "a", "vector": vec![0.0; 1024],
        "sparseVector": {"indices": [1, 2], "values": [1.0]}}),
            )
            .await,
        "same length",
    );
    expect(
        400,
        stand
            .call("/query-data", json!({"data": "x", "topK": 0}))
            .await,
        "topK must be between 1 and 1000",
    );
    expect(
        400,
        stand
            .call("/query-data", json!({"data": "x", "topK": 1001}))
            .await,
        "topK must be between 1 and 1000",
    );
    expect(
        400,
        stand
            .call("/query-data", json!({"data": "x", "filter": "views >"}))
            .await,
        "Invalid filter: expected a value but the filter ended at position 7",
    );
    expect(
        400,
        stand
            .call("/query-data", json!({"data": "x", "queryMode": "FAST"}))
            .await,
        "Invalid queryMode: FAST",
    );
    expect(
        400,
        stand
            .call(
                "/query-data",
                json!({"data": "x", "fusionAlgorithm": "MAX"}),
            )
            .await,
        "Invalid fusionAlgorithm",
    );
    expect(
        400,
        stand
            .call(
                "/query-data",
                json!({"data": "x", "weightingStrategy": "TF"}),
            )
            .await,
        "Invalid weightingStrategy",
    );
    expect(
        400,
        stand.call("/query-data", json!({"topK": 1})).await,
        "data is required",
    );
    expect(
        400,
        stand.call("/query", json!({"topK": 1})).await,
        "Either vector or sparseVector",
    );
    expect(
        400,
        stand
            .call("/range", json!({"cursor": "x", "limit": 1}))
            .await,
        "Invalid cursor",
    );
    expect(
        400,
        stand.call("/range", json!({"cursor": "0"})).await,
        "limit is required",
    );
    expect(404, stand.call("/frobnicate", json!({})).await, "Not Found");
    expect(
        405,
        stand.send("PATCH", Some(TOKEN), "/info", "").await,
        "Method Not Allowed",
    );
    expect(
        400,
        stand
            .call("/resumable-query-data", json!({"data": "x"}))
            .await,
        "not supported",
    );
    assert_eq!(
        stand.ok("/info", json!([])).await["vectorCount"],
        8,
        "failed writes wrote nothing"
    );
}
