//! The Front stand-in on the wire, as `curl` sees it: status codes, Front's error shape,
//! links and pages, the bearer token, injected failures and the control API.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support_devkit::front::Seed;

const TOKEN: &str = "front-dev-token";

async fn devkit(token: Option<&str>) -> support_devkit::Running {
    let config = support_devkit::Config {
        front_api_token: token.map(str::to_owned),
        front_seed: Seed::dev(),
        ..Default::default()
    };
    support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
        .await
        .unwrap()
}

/// `(status, retry-after, body)` of an API call.
async fn call(
    d: &support_devkit::Running,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (StatusCode, Option<String>, Value) {
    let mut request = reqwest::Client::new().request(method, format!("{}/front{path}", d.url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    (
        status,
        retry_after,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

async fn get(d: &support_devkit::Running, path: &str) -> (StatusCode, Value) {
    let (status, _, body) = call(d, Method::GET, path, Some(TOKEN), None).await;
    (status, body)
}

async fn control(
    d: &support_devkit::Running,
    method: Method,
    path: &str,
    body: Value,
) -> StatusCode {
    reqwest::Client::new()
        .request(method, format!("{}/_devkit/front/{path}", d.url()))
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
}

async fn state(d: &support_devkit::Running) -> Value {
    reqwest::get(format!("{}/_devkit/front/state", d.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

const DANA: &str =
    r#"{"sender": {"handle": "dana@example.com"}, "subject": "Hi", "body": "Hello"}"#;

fn assert_front_error(body: &Value, status: u16) {
    let error = &body["_error"];
    assert_eq!(error["status"], status, "{body}");
    assert!(
        error["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert!(error["message"].is_string(), "{body}");
}

#[tokio::test]
async fn the_bearer_token_is_required_when_configured() {
    let d = devkit(Some(TOKEN)).await;
    let (status, _, body) = call(&d, Method::GET, "/channels", None, None).await;
    assert_eq!(status, 401);
    assert_front_error(&body, 401);
    let (status, _, body) = call(&d, Method::GET, "/channels", Some("wrong"), None).await;
    assert_eq!(status, 401);
    assert_eq!(body["_error"]["title"], "Unauthorized");
    assert_eq!(get(&d, "/channels").await.0, 200);

    let open = devkit(None).await;
    let (status, _, _) = call(&open, Method::GET, "/channels", Some("anything"), None).await;
    assert_eq!(status, 200);
    let (status, _, _) = call(&open, Method::GET, "/channels", None, None).await;
    assert_eq!(status, 200, "any token, or none, when none is configured");
}

#[tokio::test]
async fn unknown_ids_routes_and_bad_bodies_answer_front_errors() {
    let d = devkit(Some(TOKEN)).await;
    for path in [
        "/conversations/cnv_nope",
        "/messages/msg_nope",
        "/no/such/route",
        "/inboxes/inb_nope/channels",
    ] {
        let (status, body) = get(&d, path).await;
        assert_eq!(status, 404, "{path}");
        assert_front_error(&body, 404);
    }
    let incoming = "/channels/cha_dev/incoming_messages";
    for bad in [
        "not json",
        r#"{"body": "no sender"}"#,
        r#"{"sender": {"handle": "a@b.c"}}"#,
        r#"{"sender": {"handle": "a@b.c"}, "body": "x", "body_format": "rtf"}"#,
    ] {
        let (status, _, body) = call(&d, Method::POST, incoming, Some(TOKEN), Some(bad)).await;
        assert_eq!(status, 400, "{bad}");
        assert_front_error(&body, 400);
    }
    let (status, _, body) = call(
        &d,
        Method::POST,
        "/channels/cha_nope/incoming_messages",
        Some(TOKEN),
        Some(DANA),
    )
    .await;
    assert_eq!(status, 404);
    assert_front_error(&body, 404);
    assert!(
        state(&d).await["messages"].as_array().unwrap().is_empty(),
        "nothing refused is stored"
    );
}

#[tokio::test]
async fn resources_carry_links_and_lists_are_pages() {
    let d = devkit(Some(TOKEN)).await;
    let (status, _, accepted) = call(
        &d,
        Method::POST,
        "/channels/cha_dev/incoming_messages",
        Some(TOKEN),
        Some(DANA),
    )
    .await;
    assert_eq!(status, 202);
    let keys: Vec<&String> = accepted.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["message_uid", "status"]);
    assert_eq!(accepted["status"], "accepted");

    let (status, list) = get(&d, "/conversations").await;
    assert_eq!(status, 200);
    assert_eq!(list["_pagination"]["next"], Value::Null);
    assert_eq!(
        list["_links"]["self"],
        format!("{}/front/conversations", d.url())
    );
    let conversation = &list["_results"][0];
    let id = conversation["id"].as_str().unwrap();
    assert!(id.starts_with("cnv_"));
    assert_eq!(
        conversation["_links"]["self"],
        format!("{}/front/conversations/{id}", d.url())
    );
    assert_eq!(conversation["recipient"]["handle"], "dana@example.com");
    let contact = conversation["recipient"]["_links"]["related"]["contact"]
        .as_str()
        .unwrap();
    assert!(contact.contains("/front/contacts/crd_"), "{contact}");

    let (_, channels) = get(&d, "/channels?limit=1").await;
    assert_eq!(channels["_results"].as_array().unwrap().len(), 1);
    assert_eq!(channels["_results"][0]["id"], "cha_dev");
    assert_eq!(
        channels["_results"][0]["_links"]["related"]["inbox"],
        format!("{}/front/inboxes/inb_dev", d.url())
    );
    let next = channels["_pagination"]["next"].as_str().unwrap();
    assert_eq!(
        next,
        format!("{}/front/channels?limit=1&page_token=1", d.url())
    );
    let (_, rest) = get(&d, next.trim_start_matches(&format!("{}/front", d.url()))).await;
    assert_eq!(rest["_results"][0]["id"], "cha_other");
    assert_eq!(rest["_pagination"]["next"], Value::Null);
}

#[tokio::test]
async fn injected_failures_hit_matching_requests_the_given_number_of_times() {
    let d = devkit(Some(TOKEN)).await;
    let plan = json!({"method": "get", "path_prefix": "/tags", "status": 429, "retry_after": 3, "times": 2});
    assert_eq!(control(&d, Method::POST, "failures", plan).await, 204);
    let (status, _, _) = call(
        &d,
        Method::POST,
        "/tags",
        Some(TOKEN),
        Some(r#"{"name": "refund"}"#),
    )
    .await;
    assert_eq!(status, 201, "other methods pass");
    for _ in 0..2 {
        let (status, retry_after, body) = call(&d, Method::GET, "/tags", Some(TOKEN), None).await;
        assert_eq!(
            (status, retry_after.as_deref()),
            (StatusCode::TOO_MANY_REQUESTS, Some("3"))
        );
        assert_front_error(&body, 429);
    }
    assert_eq!(get(&d, "/tags").await.0, 200);

    control(
        &d,
        Method::POST,
        "failures",
        json!({"status": 500, "times": 5}),
    )
    .await;
    assert_eq!(get(&d, "/teammates").await.0, 500);
    assert_eq!(
        control(&d, Method::DELETE, "failures", Value::Null).await,
        204
    );
    assert_eq!(get(&d, "/teammates").await.0, 200);
    let refused = control(&d, Method::POST, "failures", json!({"status": 42})).await;
    assert_eq!(refused, 400);
}

#[tokio::test]
async fn requests_are_recorded_and_reset_goes_back_to_the_seed() {
    let d = devkit(Some(TOKEN)).await;
    call(
        &d,
        Method::POST,
        "/channels/cha_dev/incoming_messages",
        Some(TOKEN),
        Some(DANA),
    )
    .await;
    get(&d, "/conversations").await;
    call(&d, Method::GET, "/teammates", Some("wrong"), None).await;
    let requests: Vec<Value> = reqwest::get(format!("{}/_devkit/front/requests", d.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let seen: Vec<(String, String, u64)> = requests
        .iter()
        .map(|r| {
            assert!(r["at_ms"].as_i64().unwrap() > 1_700_000_000_000);
            (
                r["method"].as_str().unwrap().to_owned(),
                r["path"].as_str().unwrap().to_owned(),
                r["status"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "POST".into(),
                "/channels/cha_dev/incoming_messages".into(),
                202
            ),
            ("GET".into(), "/conversations".into(), 200),
            ("GET".into(), "/teammates".into(), 401),
        ]
    );

    assert_eq!(control(&d, Method::POST, "reset", Value::Null).await, 204);
    let after = state(&d).await;
    assert!(after["conversations"].as_array().unwrap().is_empty());
    assert!(after["contacts"].as_array().unwrap().is_empty());
    assert!(after["requests"].as_array().unwrap().is_empty());
    assert_eq!(
        after["channels"].as_array().unwrap().len(),
        2,
        "the seed stays"
    );
    assert_eq!(after["teammates"][0]["id"], "tea_dev_support");
}

#[test]
fn seeds_load_from_files_and_bad_ones_are_refused() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/devkit-front.json");
    let seed = Seed::from_file(&path).unwrap();
    assert_eq!(
        seed.inboxes
            .iter()
            .map(|i| i.id.as_str())
            .collect::<Vec<_>>(),
        ["inb_dev", "inb_other"]
    );
    assert_eq!(seed.teammates[0].email, "support@example.com");
    assert!(Seed::from_file(std::path::Path::new("/no/such/seed.json")).is_err());
    let error =
        Seed::from_json(r#"{"channels": [{"id": "cha_1", "inbox_id": "inb_x", "name": "x"}]}"#)
            .unwrap_err();
    assert!(error.contains("inb_x"), "{error}");
}
