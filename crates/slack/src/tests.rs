//! The client against a fake transport, and the payloads of the reference decoded.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use support_http::{HttpRequest, HttpResponse, Transport, TransportError};

use crate::*;

const TOKEN: &str = "xoxb-test-secret-token";

/// Answers from a queue and keeps what was sent.
#[derive(Default)]
struct Fake {
    answers: Mutex<VecDeque<Result<HttpResponse, TransportError>>>,
    sent: Mutex<Vec<HttpRequest>>,
}

impl Fake {
    fn answering(answers: Vec<Result<HttpResponse, TransportError>>) -> Arc<Fake> {
        Arc::new(Fake {
            answers: Mutex::new(answers.into()),
            sent: Mutex::default(),
        })
    }

    fn sent(&self) -> Vec<HttpRequest> {
        self.sent.lock().unwrap().clone()
    }
}

#[async_trait::async_trait]
impl Transport for Fake {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.lock().unwrap().push(request);
        self.answers
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Err(TransportError::Other("no answer queued".into())))
    }
}

fn ok(body: Value) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse::json(200, &body))
}

fn client(fake: &Arc<Fake>) -> SlackClient {
    SlackClient::new("https://slack.test/api/", TOKEN, fake.clone())
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn body(request: &HttpRequest) -> Value {
    serde_json::from_slice(&request.body).unwrap()
}

#[tokio::test]
async fn post_message_sends_json_with_the_bearer_token_and_returns_the_ts() {
    let fake = Fake::answering(vec![ok(json!({
        "ok": true, "channel": "C0APPROVALS", "ts": "1733150000.000100",
        "message": {"type": "message", "text": "Refund approval needed"}
    }))]);
    let message = PostMessage::new(
        "C0APPROVALS",
        "Refund approval needed",
        vec![
            Block::section("*Refund* of $42.00"),
            Block::actions(
                "decision",
                vec![Element::button("approve_refund", "Approve", "apr_1")],
            ),
        ],
    )
    .in_thread("1733149999.000001");
    let posted = client(&fake)
        .with_timeout(Duration::from_secs(3))
        .post_message(&message)
        .await
        .unwrap();
    assert_eq!(
        posted,
        Posted {
            channel: "C0APPROVALS".into(),
            ts: "1733150000.000100".into()
        }
    );
    let sent = fake.sent();
    assert_eq!(sent.len(), 1);
    let request = &sent[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, "https://slack.test/api/chat.postMessage");
    assert_eq!(request.timeout, Duration::from_secs(3));
    assert_eq!(
        header(request, "authorization"),
        Some("Bearer xoxb-test-secret-token")
    );
    assert_eq!(
        header(request, "content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        body(request),
        json!({"channel": "C0APPROVALS", "text": "Refund approval needed",
               "thread_ts": "1733149999.000001",
               "blocks": [
                 {"type": "section", "text": {"type": "mrkdwn", "text": "*Refund* of $42.00"}},
                 {"type": "actions", "block_id": "decision", "elements": [
                   {"type": "button", "action_id": "approve_refund", "value": "apr_1",
                    "text": {"type": "plain_text", "text": "Approve"}}]}]})
    );
}

#[tokio::test]
async fn auth_test_says_who_the_token_is_or_why_not() {
    let fake = Fake::answering(vec![
        ok(
            json!({"ok": true, "url": "https://acme.slack.com/", "team": "Acme",
                  "user": "support", "team_id": "T1", "user_id": "U1", "bot_id": "B1",
                  "is_enterprise_install": false}),
        ),
        ok(json!({"ok": false, "error": "invalid_auth"})),
    ]);
    let slack = client(&fake);
    let me = slack.auth_test().await.unwrap();
    assert_eq!(
        (me.team.as_deref(), me.user.as_deref(), me.bot_id.as_deref()),
        (Some("Acme"), Some("support"), Some("B1"))
    );
    let sent = fake.sent();
    assert_eq!(sent[0].method, "GET");
    assert_eq!(sent[0].url, "https://slack.test/api/auth.test");
    assert_eq!(
        header(&sent[0], "authorization"),
        Some("Bearer xoxb-test-secret-token")
    );
    let error = slack.auth_test().await.unwrap_err();
    assert_eq!(error.api_error(), Some("invalid_auth"));
    assert!(!format!("{error} {error:?}").contains(TOKEN));
}

#[tokio::test]
async fn ok_false_is_an_api_error_with_the_scopes() {
    let fake = Fake::answering(vec![
        ok(json!({"ok": false, "error": "channel_not_found"})),
        ok(
            json!({"ok": false, "error": "missing_scope", "needed": "chat:write", "provided": "channels:read"}),
        ),
    ]);
    let slack = client(&fake);
    let update = Update {
        channel: "C0NOPE".into(),
        ts: "1.2".into(),
        text: "Approved".into(),
        blocks: Vec::new(),
    };
    let error = slack.update(&update).await.unwrap_err();
    assert_eq!(error.api_error(), Some("channel_not_found"));
    assert!(!error.is_retryable());
    assert_eq!(
        body(&fake.sent()[0])["blocks"],
        json!([]),
        "empty blocks clear"
    );
    let error = slack.post_ephemeral("C1", "U1", "hi").await.unwrap_err();
    assert_eq!(
        error,
        SlackError::Api {
            error: "missing_scope".into(),
            needed: Some("chat:write".into()),
            provided: Some("channels:read".into())
        }
    );
}

#[tokio::test]
async fn rate_limits_and_outages_are_retryable_and_the_client_does_not_wait() {
    let fake = Fake::answering(vec![
        Ok(
            HttpResponse::json(429, &json!({"ok": false, "error": "ratelimited"}))
                .with_header("Retry-After", "30"),
        ),
        Ok(HttpResponse::new(503)),
        Ok(HttpResponse {
            status: 200,
            headers: Vec::new(),
            body: b"<html>maintenance</html>".to_vec(),
        }),
        Err(TransportError::Timeout),
    ]);
    let slack = client(&fake);
    let message = PostMessage::new("C1", "hi", Vec::new());
    let started = std::time::Instant::now();
    let limited = slack.post_message(&message).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(limited.retry_after(), Some(Duration::from_secs(30)));
    assert!(limited.is_retryable());
    let outage = slack.post_message(&message).await.unwrap_err();
    assert_eq!(outage, SlackError::Status { status: 503 });
    assert!(outage.is_retryable());
    let garbage = slack.post_message(&message).await.unwrap_err();
    assert!(matches!(garbage, SlackError::Decode(_)), "{garbage:?}");
    assert!(!garbage.is_retryable());
    let timeout = slack.post_message(&message).await.unwrap_err();
    assert!(timeout.is_retryable());
    for error in [limited, outage, garbage, timeout] {
        assert!(!error.to_string().contains(TOKEN));
        assert!(!format!("{error:?}").contains(TOKEN));
    }
    assert!(!format!("{slack:?}").contains(TOKEN));
}

#[tokio::test]
async fn reads_are_gets_with_encoded_query_parameters() {
    let fake = Fake::answering(vec![
        ok(json!({"ok": true, "has_more": false, "messages": [
            {"type": "message", "ts": "1733150000.000200", "text": "second", "user": "U0BOT", "bot_id": "B0BOT",
             "blocks": [{"type": "rich_text", "elements": []}]},
            {"type": "message", "ts": "1733150000.000100", "text": "first", "thread_ts": "1733150000.000100",
             "reply_count": 2, "metadata": {"event_type": "approval_requested", "event_payload": {"id": "apr_1"}}}
        ]})),
        ok(
            json!({"ok": true, "messages": [{"ts": "1.1", "text": "parent"}],
                  "response_metadata": {"next_cursor": "bmV4dA=="}}),
        ),
        ok(
            json!({"ok": true, "messages": [{"ts": "1.2", "text": "reply", "thread_ts": "1.1"}],
                  "response_metadata": {"next_cursor": ""}}),
        ),
    ]);
    let slack = client(&fake);
    let history = slack.conversations_history("C0 &x", 2).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].blocks[0]["type"], "rich_text");
    assert_eq!(history[1].reply_count, Some(2));
    assert_eq!(
        history[1].metadata.as_ref().map(|m| m.event_type.as_str()),
        Some("approval_requested")
    );
    let replies = slack.conversations_replies("C1", "1.1").await.unwrap();
    let texts: Vec<_> = replies.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, ["parent", "reply"]);

    let sent = fake.sent();
    assert_eq!(sent[0].method, "GET");
    assert_eq!(
        sent[0].url,
        "https://slack.test/api/conversations.history?channel=C0+%26x&limit=2"
    );
    assert!(sent[0].body.is_empty());
    assert_eq!(header(&sent[0], "content-type"), None);
    assert_eq!(
        header(&sent[0], "authorization"),
        Some("Bearer xoxb-test-secret-token")
    );
    assert_eq!(
        sent[2].url,
        "https://slack.test/api/conversations.replies?channel=C1&ts=1.1&limit=200&cursor=bmV4dA%3D%3D"
    );
}

#[tokio::test]
async fn conversations_list_follows_cursors_but_not_for_ever() {
    let page = |cursor: &str| {
        ok(
            json!({"ok": true, "channels": [{"id": "C1", "name": "support-approvals", "is_member": true}],
                  "response_metadata": {"next_cursor": cursor}}),
        )
    };
    let fake = Fake::answering(vec![page("two"), page("")]);
    let channels = client(&fake).conversations_list().await.unwrap();
    assert_eq!(channels.len(), 2);
    assert!(channels[0].is_member && !channels[0].is_private);
    assert_eq!(channels[0].name.as_deref(), Some("support-approvals"));
    assert!(fake.sent()[0]
        .url
        .ends_with("conversations.list?exclude_archived=true&limit=200"));

    let endless = Fake::answering((0..=MAX_PAGES).map(|_| page("again")).collect());
    let error = client(&endless).conversations_list().await.unwrap_err();
    assert!(matches!(error, SlackError::Decode(_)), "{error:?}");
    assert_eq!(endless.sent().len(), MAX_PAGES);
}

#[tokio::test]
async fn views_open_sends_the_trigger_and_the_fitted_view() {
    let fake = Fake::answering(vec![
        ok(
            json!({"ok": true, "view": {"id": "V0EDIT", "hash": "1733150000.abc", "callback_id": "edit_draft",
                   "state": {"values": {}}}}),
        ),
        ok(json!({"ok": false, "error": "expired_trigger_id"})),
    ]);
    let view = View::Modal {
        callback_id: "edit_draft".into(),
        title: Text::plain("Edit the reply before it is sent"),
        submit: Some(Text::plain("Save")),
        close: Some(Text::plain("Cancel")),
        blocks: vec![Block::text_input(
            "draft_body",
            "Reply",
            "body",
            true,
            Some("Hi".into()),
        )],
        private_metadata: "apr_1".into(),
    };
    let slack = client(&fake);
    let opened = slack.views_open("123.456.abc", &view).await.unwrap();
    assert_eq!(opened.id, "V0EDIT");
    let sent = body(&fake.sent()[0]);
    assert_eq!(sent["trigger_id"], "123.456.abc");
    assert_eq!(sent["view"]["type"], "modal");
    assert_eq!(sent["view"]["title"]["text"], "Edit the reply before i…");
    assert_eq!(sent["view"]["blocks"][0]["element"]["initial_value"], "Hi");
    let expired = slack.views_open("123.456.abc", &view).await.unwrap_err();
    assert_eq!(expired.api_error(), Some("expired_trigger_id"));
    assert!(!expired.is_retryable());
}

#[tokio::test]
async fn blocks_breaking_a_hard_limit_are_refused_before_sending() {
    let fake = Fake::answering(Vec::new());
    let blocks = vec![Block::Divider { block_id: None }; 51];
    let error = client(&fake)
        .post_message(&PostMessage::new("C1", "x", blocks))
        .await
        .unwrap_err();
    assert!(matches!(error, SlackError::InvalidBlocks(_)), "{error:?}");
    assert!(fake.sent().is_empty());
}

#[tokio::test]
async fn responses_go_to_slack_hooks_or_the_same_origin_without_the_token() {
    let fake = Fake::answering(vec![
        Ok(HttpResponse {
            status: 200,
            headers: Vec::new(),
            body: b"ok".to_vec(),
        }),
        ok(json!({"ok": true})),
        ok(json!({"ok": false, "error": "expired_url"})),
    ]);
    let slack = SlackClient::new("http://127.0.0.1:8288/slack/api", TOKEN, fake.clone());
    let message = ResponseMessage::replace("Approved by <@U1>", vec![Block::section("Approved")]);
    slack
        .respond("https://hooks.slack.com/actions/T1/1/abc", &message)
        .await
        .unwrap();
    slack
        .respond("http://127.0.0.1:8288/slack/actions/T1/2/def", &message)
        .await
        .unwrap();
    let expired = slack
        .respond("http://127.0.0.1:8288/slack/actions/T1/3/ghi", &message)
        .await
        .unwrap_err();
    assert_eq!(expired.api_error(), Some("expired_url"));
    for bad in [
        "https://evil.example/actions",
        "https://hooks.slack.com.evil.example/x",
        "http://127.0.0.1:82880/x",
        "http://127.0.0.1:8288@evil.example/x",
    ] {
        assert!(slack.respond(bad, &message).await.is_err(), "{bad}");
    }
    let sent = fake.sent();
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|r| header(r, "authorization").is_none()));
    assert_eq!(
        body(&sent[0]),
        json!({"replace_original": true, "text": "Approved by <@U1>",
               "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Approved"}}]})
    );
}

/// The reference's composed `block_actions` payload, form-encoded as Slack sends it.
const BLOCK_ACTIONS: &str = r#"{"type":"block_actions","user":{"id":"U0APPROV1","username":"sam","name":"sam","team_id":"T0ACME"},
 "api_app_id":"A0SUPPORT","token":"legacy","container":{"type":"message","message_ts":"1732690500.001200",
 "channel_id":"C0APPROVALS","is_ephemeral":false},"trigger_id":"5123.4567.abcdef",
 "team":{"id":"T0ACME","domain":"acme"},"channel":{"id":"C0APPROVALS","name":"support-approvals"},
 "message":{"type":"message","ts":"1732690500.001200","bot_id":"B0BOT","text":"Refund approval needed","blocks":[]},
 "response_url":"https://hooks.slack.com/actions/T0ACME/111/xyz",
 "actions":[{"action_id":"approve_refund","block_id":"decision","type":"button",
   "text":{"type":"plain_text","text":"Approve","emoji":true},"value":"apr_01HXYZ","style":"primary",
   "action_ts":"1732690533.123456"}]}"#;

fn form(payload: &str) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", payload)
        .finish()
        .into_bytes()
}

#[test]
fn block_actions_payloads_decode() {
    let Interaction::BlockActions(click) = parse_interaction(&form(BLOCK_ACTIONS)).unwrap() else {
        panic!("not block_actions")
    };
    assert_eq!(click.user.id, "U0APPROV1");
    assert_eq!(click.user.name.as_deref(), Some("sam"));
    assert_eq!(click.trigger_id.as_deref(), Some("5123.4567.abcdef"));
    assert_eq!(
        click.channel.as_ref().map(|c| c.id.as_str()),
        Some("C0APPROVALS")
    );
    assert_eq!(
        click.message.as_ref().map(|m| m.ts.as_str()),
        Some("1732690500.001200")
    );
    assert_eq!(
        click.response_url.as_deref(),
        Some("https://hooks.slack.com/actions/T0ACME/111/xyz")
    );
    let action = click.action().unwrap();
    assert_eq!(
        (
            action.action_id.as_str(),
            action.value.as_deref(),
            action.block_id.as_str()
        ),
        ("approve_refund", Some("apr_01HXYZ"), "decision")
    );
    assert_eq!(action.kind.as_deref(), Some("button"));
}

#[test]
fn view_submissions_decode_with_their_values() {
    let payload = json!({
        "type": "view_submission", "team": {"id": "T0ACME"}, "trigger_id": "1.2.3",
        "user": {"id": "U0APPROV1", "username": "sam", "name": "sam", "team_id": "T0ACME"},
        "view": {"id": "V0EDIT", "type": "modal", "callback_id": "edit_draft",
                 "private_metadata": "{\"approval\":\"apr_1\"}", "hash": "x",
                 "state": {"values": {"draft_body": {"body": {"type": "plain_text_input", "value": "Hi Dana, done."}},
                                      "note": {"why": {"type": "plain_text_input", "value": null}}}}}
    });
    let body = form(&payload.to_string());
    let Interaction::ViewSubmission(submission) = parse_interaction(&body).unwrap() else {
        panic!("not view_submission")
    };
    assert_eq!(submission.user.id, "U0APPROV1");
    assert_eq!(submission.view.callback_id, "edit_draft");
    assert_eq!(submission.view.private_metadata, r#"{"approval":"apr_1"}"#);
    assert_eq!(
        submission.view.value("draft_body", "body"),
        Some("Hi Dana, done.")
    );
    assert_eq!(submission.view.value("note", "why"), None);
    assert_eq!(submission.view.value("missing", "body"), None);
}

#[test]
fn other_and_malformed_interactions() {
    let closed = form(r#"{"type":"view_closed","user":{"id":"U1"}}"#);
    assert_eq!(
        parse_interaction(&closed).unwrap(),
        Interaction::Other {
            kind: "view_closed".into()
        }
    );
    for bad in [
        b"token=x&text=y".to_vec(),
        form("not json"),
        form(r#"{"user":{"id":"U1"}}"#),
        form(r#"{"type":"block_actions","user":"dana@example.com"}"#),
    ] {
        let error = parse_interaction(&bad).unwrap_err();
        assert!(matches!(error, SlackError::Decode(_)), "{error:?}");
        assert!(!error.to_string().contains("dana@example.com"), "{error}");
    }
}

#[test]
fn view_responses_serialise_as_slack_expects() {
    let errors = ViewResponse::Errors {
        errors: [("draft_body".to_owned(), "Too long".to_owned())].into(),
    };
    assert_eq!(
        serde_json::to_value(&errors).unwrap(),
        json!({"response_action": "errors", "errors": {"draft_body": "Too long"}})
    );
    assert_eq!(
        serde_json::to_value(ViewResponse::Clear).unwrap(),
        json!({"response_action": "clear"})
    );
}

#[test]
fn events_api_envelopes_decode() {
    let check = br#"{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    assert_eq!(
        parse_event(check).unwrap(),
        EventEnvelope::UrlVerification {
            challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P".into()
        }
    );
    let callback = json!({"type": "event_callback", "token": "x", "team_id": "T0ACME", "api_app_id": "A0SUPPORT",
        "event_id": "Ev0PV52K25", "event_time": 1733150000, "authorizations": [],
        "event": {"type": "app_mention", "user": "U1", "channel": "C1", "ts": "1733150000.000100",
                  "text": "<@U0BOT> status?", "event_ts": "1733150000.000100"}});
    let EventEnvelope::EventCallback {
        event_id,
        event_time,
        event,
        ..
    } = parse_event(callback.to_string().as_bytes()).unwrap()
    else {
        panic!("not an event_callback")
    };
    assert_eq!(
        (event_id.as_str(), event_time),
        ("Ev0PV52K25", Some(1733150000))
    );
    assert_eq!(event.kind, "app_mention");
    assert_eq!(event.channel.as_deref(), Some("C1"));
    assert_eq!(event.extra["event_ts"], "1733150000.000100");
    assert_eq!(
        parse_event(br#"{"type":"app_rate_limited","minute_rate_limited":1}"#).unwrap(),
        EventEnvelope::Other
    );
    assert!(parse_event(b"{}").is_err());
}
