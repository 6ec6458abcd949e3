//! `support-slack` against the Slack stand-in over real HTTP: the Web API methods, its
//! errors, injected failures, and raw form / query requests answered as Slack answers
//! them. Clicks, modals and response URLs are in `slack_interactions.rs`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use support_http::ReqwestTransport;
use support_slack::*;

const TOKEN: &str = "xoxb-devkit-test-token";
const APPROVALS: &str = "C0DEVAPPROVALS";

async fn devkit() -> support_devkit::Running {
    let config = support_devkit::Config {
        slack: support_devkit::slack::SlackConfig {
            bot_token: Some(TOKEN.into()),
            ..Default::default()
        },
        ..Default::default()
    };
    support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
        .await
        .unwrap()
}

fn client(d: &support_devkit::Running, token: &str) -> SlackClient {
    SlackClient::new(
        format!("{}/slack/api", d.url()),
        token,
        Arc::new(ReqwestTransport::new()),
    )
}

async fn control(d: &support_devkit::Running, method: &str, path: &str, body: Value) -> Value {
    let http = reqwest::Client::new();
    let url = format!("{}/_devkit/slack/{path}", d.url());
    let request = match method {
        "POST" => http.post(url).json(&body),
        _ => http.get(url),
    };
    request
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap_or(Value::Null)
}

/// A raw call: `(HTTP status, Retry-After, JSON body)`.
async fn raw(request: reqwest::RequestBuilder) -> (u16, Option<String>, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, retry_after, response.json().await.unwrap())
}

fn approval_blocks(value: &str) -> Vec<Block> {
    vec![
        Block::header("Approval needed"),
        Block::section("*Refund* of $42.00 for dana@example.com"),
        Block::context("Front: <https://app.frontapp.com/open/cnv_1|cnv_1>"),
        Block::actions(
            "decision",
            vec![
                Element::button("approve_action", "Approve", value).styled(ButtonStyle::Primary),
                Element::button("reject_action", "Reject", value).styled(ButtonStyle::Danger),
            ],
        ),
    ]
}

fn ts_micros(ts: &str) -> u64 {
    let (secs, micros) = ts.split_once('.').unwrap();
    assert_eq!(micros.len(), 6, "{ts}");
    secs.parse::<u64>().unwrap() * 1_000_000 + micros.parse::<u64>().unwrap()
}

#[tokio::test]
async fn messages_are_posted_threaded_updated_and_read_back() {
    let d = devkit().await;
    let slack = client(&d, TOKEN);
    let message = PostMessage::new(APPROVALS, "Approval needed", approval_blocks("act_1:h"));
    let first = slack.post_message(&message).await.unwrap();
    let second = slack.post_message(&message).await.unwrap();
    assert_eq!(first.channel, APPROVALS);
    assert!(
        ts_micros(&second.ts) > ts_micros(&first.ts),
        "{first:?} {second:?}"
    );

    let reply = slack
        .post_message(&PostMessage::new(APPROVALS, "Refund issued", vec![]).in_thread(&first.ts))
        .await
        .unwrap();
    let replies = slack
        .conversations_replies(APPROVALS, &first.ts)
        .await
        .unwrap();
    let texts: Vec<_> = replies.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["Approval needed", "Refund issued"]);
    assert_eq!(replies[1].ts, reply.ts);
    assert_eq!(replies[1].thread_ts.as_deref(), Some(first.ts.as_str()));

    let updated = slack
        .update(&Update {
            channel: APPROVALS.into(),
            ts: first.ts.clone(),
            text: "Approved by <@U0DEVAPPROVER>".into(),
            blocks: vec![Block::section("*Approved* by <@U0DEVAPPROVER>")],
        })
        .await
        .unwrap();
    assert_eq!(updated.ts, first.ts);

    // Newest first, thread replies left out; the parent counts its reply.
    let history = slack.conversations_history(APPROVALS, 10).await.unwrap();
    let order: Vec<_> = history.iter().map(|m| m.ts.as_str()).collect();
    assert_eq!(order, [second.ts.as_str(), first.ts.as_str()]);
    assert_eq!(history[1].text, "Approved by <@U0DEVAPPROVER>");
    assert_eq!(history[1].reply_count, Some(1));
    assert_eq!(history[1].blocks.len(), 1);
    assert_eq!(history[1].bot_id.as_deref(), Some("B0DEVBOT"));
    assert_eq!(history[0].blocks[3]["elements"][0]["value"], "act_1:h");
    assert_eq!(
        slack
            .conversations_history(APPROVALS, 1)
            .await
            .unwrap()
            .len(),
        1
    );

    let channels = slack.conversations_list().await.unwrap();
    let names: Vec<_> = channels.iter().map(|c| c.name.clone().unwrap()).collect();
    assert_eq!(names, ["support-approvals", "support-escalations"]);
    assert!(channels.iter().all(|c| c.is_member));

    let ephemeral = slack
        .post_ephemeral(APPROVALS, "U0DEVOTHER", "You are not an approver")
        .await
        .unwrap();
    assert!(ts_micros(&ephemeral) > ts_micros(&reply.ts));

    let state = control(&d, "GET", "state", Value::Null).await;
    let approvals = &state["channels"][0];
    assert_eq!(approvals["id"], APPROVALS);
    assert_eq!(approvals["messages"].as_array().unwrap().len(), 2);
    assert_eq!(
        approvals["messages"][0]["replies"][0]["text"],
        "Refund issued"
    );
    assert_eq!(approvals["messages"][0]["edited"]["user"], "U0DEVBOT");
    assert_eq!(state["ephemerals"][0]["user"], "U0DEVOTHER");

    // Every call recorded with its arguments (never the token).
    let requests = control(&d, "GET", "requests", Value::Null).await;
    let methods: Vec<_> = requests
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["method"].as_str().unwrap().to_owned(),
                r["http_method"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(methods[0], ("chat.postMessage".into(), "POST".into()));
    assert!(methods.contains(&("conversations.history".into(), "GET".into())));
    assert!(requests
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["token_ok"] == true && r["ok"] == true));
    assert_eq!(requests[0]["args"]["blocks"][3]["block_id"], "decision");
    assert!(!requests.to_string().contains(TOKEN));
}

#[tokio::test]
async fn tokens_are_checked_as_slack_checks_them() {
    let d = devkit().await;
    let wrong = client(&d, "xoxb-wrong")
        .post_message(&PostMessage::new(APPROVALS, "hi", vec![]))
        .await
        .unwrap_err();
    assert_eq!(wrong.api_error(), Some("invalid_auth"));
    assert!(!wrong.to_string().contains("xoxb-wrong"));

    let http = reqwest::Client::new();
    let url = format!("{}/slack/api/conversations.list", d.url());
    let (status, _, body) = raw(http.get(&url)).await;
    assert_eq!(
        (status, body),
        (200, json!({"ok": false, "error": "not_authed"}))
    );
    // The token may also come as a parameter (form bodies and queries).
    let (_, _, body) = raw(http.get(format!("{url}?token={TOKEN}"))).await;
    assert_eq!(body["ok"], true, "{body}");

    let requests = control(&d, "GET", "requests", Value::Null).await;
    let token_ok: Vec<_> = requests
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["token_ok"].clone())
        .collect();
    assert_eq!(token_ok, [json!(false), json!(false), json!(true)]);
    assert!(!requests.to_string().contains("xoxb-wrong"));
}

#[tokio::test]
async fn unknown_channels_and_messages_are_slack_errors() {
    let d = devkit().await;
    let slack = client(&d, TOKEN);
    let missing = slack
        .post_message(&PostMessage::new("C0NOWHERE", "hi", vec![]))
        .await
        .unwrap_err();
    assert_eq!(missing.api_error(), Some("channel_not_found"));
    assert!(!missing.is_retryable());
    let update = Update {
        channel: APPROVALS.into(),
        ts: "1733150000.000100".into(),
        text: "x".into(),
        blocks: vec![],
    };
    assert_eq!(
        slack.update(&update).await.unwrap_err().api_error(),
        Some("message_not_found")
    );
    let thread = slack
        .conversations_replies(APPROVALS, "1.000001")
        .await
        .unwrap_err();
    assert_eq!(thread.api_error(), Some("thread_not_found"));
    let stranger = slack
        .post_ephemeral(APPROVALS, "U0NOBODY", "hi")
        .await
        .unwrap_err();
    assert_eq!(stranger.api_error(), Some("user_not_found"));
    let trigger = slack
        .views_open(
            "1.2.3",
            &View::Modal {
                callback_id: "x".into(),
                title: Text::plain("x"),
                submit: None,
                close: None,
                blocks: vec![],
                private_metadata: String::new(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(trigger.api_error(), Some("invalid_trigger_id"));
}

#[tokio::test]
async fn block_kit_limits_are_enforced_and_the_client_fits_text() {
    let d = devkit().await;
    let slack = client(&d, TOKEN);
    let http = reqwest::Client::new();
    let url = format!("{}/slack/api/chat.postMessage", d.url());
    let section =
        |text: String| json!({"type": "section", "text": {"type": "mrkdwn", "text": text}});

    let (status, _, body) = raw(http.post(&url).bearer_auth(TOKEN).json(
        &json!({"channel": APPROVALS, "text": "x", "blocks": [section("ok".into()), section("é".repeat(3001))]}),
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["ok"], false);
    assert_eq!(body["error"], "invalid_blocks");
    assert_eq!(
        body["errors"][0],
        "must be less than 3001 characters [json-pointer:/blocks/1/text/text]"
    );
    let fifty_one = vec![json!({"type": "divider"}); 51];
    let (_, _, body) = raw(http
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&json!({"channel": APPROVALS, "text": "x", "blocks": fifty_one})))
    .await;
    assert_eq!(body["error"], "invalid_blocks");
    let (_, _, body) = raw(http
        .post(&url)
        .bearer_auth(TOKEN)
        .json(&json!({"channel": APPROVALS})))
    .await;
    assert_eq!(body["error"], "no_text");

    // The client cuts the same text to 3000 characters, so Slack takes it.
    let long = "é".repeat(5000);
    let posted = slack
        .post_message(&PostMessage::new(
            APPROVALS,
            "long",
            vec![Block::section(long)],
        ))
        .await
        .unwrap();
    let history = slack.conversations_history(APPROVALS, 1).await.unwrap();
    assert_eq!(history[0].ts, posted.ts);
    let text = history[0].blocks[0]["text"]["text"].as_str().unwrap();
    assert_eq!(text.chars().count(), 3000);
    assert!(text.ends_with('…'));
}

#[tokio::test]
async fn injected_failures_are_rate_limits_outages_or_slack_errors() {
    let d = devkit().await;
    let slack = client(&d, TOKEN);
    let message = PostMessage::new(APPROVALS, "hi", vec![]);
    control(
        &d,
        "POST",
        "failures",
        json!({"method": "chat.postMessage", "status": 429, "retry_after": 7}),
    )
    .await;
    control(
        &d,
        "POST",
        "failures",
        json!({"method": "chat.postMessage", "status": 503}),
    )
    .await;
    control(
        &d,
        "POST",
        "failures",
        json!({"method": "chat.update", "error": "cant_update_message", "times": 2}),
    )
    .await;

    // Other methods pass meanwhile.
    slack.conversations_list().await.unwrap();
    let limited = slack.post_message(&message).await.unwrap_err();
    assert_eq!(
        limited,
        SlackError::RateLimited {
            retry_after: Some(Duration::from_secs(7))
        }
    );
    assert!(limited.is_retryable());
    let outage = slack.post_message(&message).await.unwrap_err();
    assert_eq!(outage, SlackError::Status { status: 503 });
    assert!(outage.is_retryable());
    let posted = slack.post_message(&message).await.unwrap();
    let update = Update {
        channel: APPROVALS.into(),
        ts: posted.ts,
        text: "x".into(),
        blocks: vec![],
    };
    for _ in 0..2 {
        assert_eq!(
            slack.update(&update).await.unwrap_err().api_error(),
            Some("cant_update_message")
        );
    }
    slack.update(&update).await.unwrap();

    let bad = reqwest::Client::new()
        .post(format!("{}/_devkit/slack/failures", d.url()))
        .json(&json!({"times": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let requests = control(&d, "GET", "requests", Value::Null).await;
    let statuses: Vec<_> = requests
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 429, 503, 200, 200, 200, 200]);
}

#[tokio::test]
async fn form_bodies_and_query_parameters_work_like_slacks() {
    let d = devkit().await;
    let http = reqwest::Client::new();
    let api = |method: &str| format!("{}/slack/api/{method}", d.url());
    // A form-encoded write: blocks as a JSON string, the channel by name, token in the form.
    let blocks =
        json!([{"type": "section", "text": {"type": "plain_text", "text": "From a form"}}])
            .to_string();
    let (_, _, posted) = raw(http.post(api("chat.postMessage")).form(&[
        ("token", TOKEN),
        ("channel", "#support-escalations"),
        ("text", "fallback"),
        ("blocks", blocks.as_str()),
    ]))
    .await;
    assert_eq!(posted["ok"], true, "{posted}");
    assert_eq!(posted["channel"], "C0DEVESCALATIONS");
    assert_eq!(
        posted["message"]["blocks"][0]["text"]["text"],
        "From a form"
    );
    assert!(
        posted["message"]["blocks"][0]["block_id"].is_string(),
        "Slack names every block"
    );

    let (_, _, history) = raw(http
        .get(api("conversations.history"))
        .bearer_auth(TOKEN)
        .query(&[("channel", "C0DEVESCALATIONS"), ("limit", "5")]))
    .await;
    assert_eq!(history["ok"], true);
    assert_eq!(history["has_more"], false);
    assert_eq!(history["messages"][0]["ts"], posted["ts"]);

    let (_, _, listed) = raw(http
        .get(api("conversations.list"))
        .bearer_auth(TOKEN)
        .query(&[("limit", "1")]))
    .await;
    assert_eq!(listed["channels"].as_array().unwrap().len(), 1);
    let cursor = listed["response_metadata"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!cursor.is_empty());
    let (_, _, rest) = raw(http
        .get(api("conversations.list"))
        .bearer_auth(TOKEN)
        .query(&[("limit", "1"), ("cursor", &cursor)]))
    .await;
    assert_eq!(rest["channels"][0]["id"], "C0DEVESCALATIONS");
    assert_eq!(rest["response_metadata"]["next_cursor"], "");

    let (_, _, unknown) = raw(http.post(api("chat.nope")).bearer_auth(TOKEN)).await;
    assert_eq!(unknown["error"], "unknown_method");
    let (_, _, garbage) = raw(http
        .post(api("chat.postMessage"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body("{not json"))
    .await;
    assert_eq!(garbage["error"], "invalid_json");

    // Reset: back to the seed.
    let reset = http
        .post(format!("{}/_devkit/slack/reset", d.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    let state = control(&d, "GET", "state", Value::Null).await;
    assert_eq!(state["channels"][1]["messages"], json!([]));
    assert_eq!(control(&d, "GET", "requests", Value::Null).await, json!([]));
}
