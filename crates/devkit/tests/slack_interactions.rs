//! Clicking as a person would: the Slack stand-in sends signed `block_actions` and
//! `view_submission` payloads to a tiny axum receiver that verifies them with
//! `support_signing::slack::verify` and parses them with `support_slack`; trigger ids
//! open modals; response URLs replace messages; the page shows it all.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use support_http::ReqwestTransport;
use support_signing::{SignatureError, SystemClock};
use support_slack::*;

const SECRET: &str = "devkit-test-signing-secret";
const APPROVALS: &str = "C0DEVAPPROVALS";
const APPROVER: &str = "U0DEVAPPROVER";

/// What the receiver got: the verification outcome and the raw request.
#[derive(Clone)]
struct Received {
    verified: Result<(), SignatureError>,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// A stand-in for the platform's `/slack/interactions`: verifies, records, answers
/// 401 to bad signatures and otherwise the next queued answer (empty 200 by default).
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<Value>>>,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let verified = support_signing::slack::verify(
        header("x-slack-signature"),
        header("x-slack-request-timestamp"),
        &body,
        &[SECRET],
        &SystemClock,
    )
    .map(drop);
    receiver.got.lock().unwrap().push(Received {
        verified: verified.clone(),
        content_type: header("content-type").map(str::to_owned),
        body: body.to_vec(),
    });
    if verified.is_err() {
        return (StatusCode::UNAUTHORIZED, "invalid Slack signature").into_response();
    }
    match receiver.answers.lock().unwrap().pop_front() {
        Some(answer) => axum::Json(answer).into_response(),
        None => StatusCode::OK.into_response(),
    }
}

struct Stand {
    devkit: support_devkit::Running,
    receiver: Receiver,
    _task: tokio::task::JoinHandle<()>,
}

impl Stand {
    async fn start(trigger_ttl: Duration) -> Stand {
        let receiver = Receiver::default();
        let app = axum::Router::new()
            .route("/slack/interactions", axum::routing::post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let config = support_devkit::Config {
            slack: support_devkit::slack::SlackConfig {
                interactions_url: Some(format!("http://{addr}/slack/interactions")),
                signing_secret: Some(SECRET.into()),
                trigger_ttl,
                ..Default::default()
            },
            ..Default::default()
        };
        let devkit = support_devkit::start("127.0.0.1:0".parse().unwrap(), &config)
            .await
            .unwrap();
        Stand {
            devkit,
            receiver,
            _task: task,
        }
    }

    fn slack(&self) -> SlackClient {
        SlackClient::new(
            format!("{}/slack/api", self.devkit.url()),
            "xoxb-any",
            Arc::new(ReqwestTransport::new()),
        )
    }

    async fn control(&self, path: &str, body: Value) -> (u16, Value) {
        let http = reqwest::Client::new();
        let url = format!("{}/_devkit/slack/{path}", self.devkit.url());
        let request = if body.is_null() {
            http.get(url)
        } else {
            http.post(url).json(&body)
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    fn received(&self) -> Vec<Received> {
        self.receiver.got.lock().unwrap().clone()
    }

    /// An approval message with Approve and Edit buttons; its `ts`.
    async fn approval(&self) -> String {
        let blocks = vec![
            Block::header("Approval needed"),
            Block::section("*Refund* of $42.00"),
            Block::actions(
                "decision",
                vec![
                    Element::button("approve_action", "Approve", "act_1:hash")
                        .styled(ButtonStyle::Primary),
                    Element::button("edit_action", "Edit", "act_1:hash"),
                ],
            ),
        ];
        let message = PostMessage::new(APPROVALS, "Approval needed", blocks);
        self.slack().post_message(&message).await.unwrap().ts
    }

    async fn click(&self, ts: &str, action_id: &str, extra: Value) -> (u16, Value) {
        let mut body =
            json!({"channel": APPROVALS, "ts": ts, "action_id": action_id, "user": APPROVER});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        self.control("click", body).await
    }
}

fn edit_modal() -> View {
    View::Modal {
        callback_id: "edit_reply".into(),
        title: Text::plain("Edit the reply"),
        submit: Some(Text::plain("Approve and send")),
        close: Some(Text::plain("Cancel")),
        blocks: vec![
            Block::text_input("reply", "Reply", "text", true, Some("Hi Dana".into())),
            Block::text_input("note", "Note", "text", false, Some("as proposed".into())),
        ],
        private_metadata: "act_1:hash".into(),
    }
}

#[tokio::test]
async fn a_click_reaches_the_platform_signed_as_slack_signs() {
    let stand = Stand::start(Duration::from_secs(3)).await;
    let ts = stand.approval().await;
    let (status, answer) = stand.click(&ts, "approve_action", json!({})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["status"], 200, "{answer}");
    assert_eq!(answer["body"], "");
    assert_eq!(answer["signed"], true);
    assert_eq!(answer["acknowledged_in_time"], true);
    assert!(answer["elapsed_ms"].as_u64().unwrap() < 3000, "{answer}");

    let received = stand.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].verified, Ok(()));
    assert_eq!(
        received[0].content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert!(received[0].body.starts_with(b"payload=%7B"));
    let Interaction::BlockActions(click) = parse_interaction(&received[0].body).unwrap() else {
        panic!("not block_actions")
    };
    assert_eq!(click.user.id, APPROVER);
    assert_eq!(click.user.name.as_deref(), Some("approver"));
    assert_eq!(click.channel.as_ref().unwrap().id, APPROVALS);
    assert_eq!(
        click.channel.as_ref().unwrap().name.as_deref(),
        Some("support-approvals")
    );
    assert_eq!(click.message.as_ref().unwrap().ts, ts);
    assert_eq!(click.message.as_ref().unwrap().blocks.len(), 3);
    let action = click.action().unwrap();
    assert_eq!(
        (
            action.action_id.as_str(),
            action.value.as_deref(),
            action.block_id.as_str()
        ),
        ("approve_action", Some("act_1:hash"), "decision")
    );
    assert_eq!(click.trigger_id.as_deref(), answer["trigger_id"].as_str());
    assert_eq!(
        click.response_url.as_deref(),
        answer["response_url"].as_str()
    );
    assert_eq!(click.container.as_ref().unwrap()["message_ts"], ts.as_str());

    // Another person, another trigger.
    let (_, other) = stand
        .click(&ts, "approve_action", json!({"user": "U0DEVOTHER"}))
        .await;
    assert_ne!(other["trigger_id"], answer["trigger_id"]);
    let Interaction::BlockActions(click) = parse_interaction(&stand.received()[1].body).unwrap()
    else {
        panic!("not block_actions")
    };
    assert_eq!(click.user.id, "U0DEVOTHER");

    let (_, state) = stand.control("state", Value::Null).await;
    let interactions = state["interactions"].as_array().unwrap();
    assert_eq!(interactions.len(), 2);
    assert_eq!(interactions[0]["action_id"], "approve_action");
    assert_eq!(interactions[0]["status"], 200);
}

#[tokio::test]
async fn stale_and_forged_signatures_are_refused_by_verify() {
    let stand = Stand::start(Duration::from_secs(3)).await;
    let ts = stand.approval().await;
    let (_, stale) = stand
        .click(
            &ts,
            "approve_action",
            json!({"timestamp_offset_secs": -600}),
        )
        .await;
    assert_eq!(stale["status"], 401, "{stale}");
    assert_eq!(stale["body"], "invalid Slack signature");
    assert_eq!(stale["acknowledged_in_time"], false);
    let (_, future) = stand
        .click(&ts, "approve_action", json!({"timestamp_offset_secs": 600}))
        .await;
    assert_eq!(future["status"], 401);
    let (_, forged) = stand
        .click(
            &ts,
            "approve_action",
            json!({"sign_with": "not-the-secret"}),
        )
        .await;
    assert_eq!(forged["status"], 401);
    // Within Slack's five minutes is fine.
    let (_, late) = stand
        .click(
            &ts,
            "approve_action",
            json!({"timestamp_offset_secs": -200}),
        )
        .await;
    assert_eq!(late["status"], 200);

    let outcomes: Vec<_> = stand.received().into_iter().map(|r| r.verified).collect();
    assert_eq!(
        outcomes,
        [
            Err(SignatureError::TimestampTooOld),
            Err(SignatureError::TimestampInFuture),
            Err(SignatureError::NoMatchingSignature),
            Ok(())
        ]
    );
    // A click on a message the stand-in never held still goes out when asked to.
    let (_, unknown) = stand
        .click(
            "0",
            "approve_action",
            json!({"allow_unknown_message": true, "sign_with": "x"}),
        )
        .await;
    assert_eq!(unknown["status"], 401);
    let (status, missing) = stand.click("0", "approve_action", json!({})).await;
    assert_eq!(status, 404, "{missing}");
    let (status, _) = stand.click(&ts, "no_such_button", json!({})).await;
    assert_eq!(status, 404);
    assert_eq!(stand.received().len(), 5);
}

#[tokio::test]
async fn a_trigger_opens_one_modal_whose_submission_carries_the_values() {
    let stand = Stand::start(Duration::from_secs(3)).await;
    let slack = stand.slack();
    let ts = stand.approval().await;
    let (_, clicked) = stand.click(&ts, "edit_action", json!({})).await;
    let trigger = clicked["trigger_id"].as_str().unwrap().to_owned();
    let opened = slack.views_open(&trigger, &edit_modal()).await.unwrap();
    assert!(opened.id.starts_with('V'), "{opened:?}");
    assert_eq!(opened.callback_id.as_deref(), Some("edit_reply"));
    let again = slack.views_open(&trigger, &edit_modal()).await.unwrap_err();
    assert_eq!(again.api_error(), Some("exchanged_trigger_id"));

    // The platform refuses the first submission with an error under the input.
    stand.receiver.answers.lock().unwrap().push_back(
        json!({"response_action": "errors", "errors": {"reply": "The reply cannot be empty"}}),
    );
    let (status, first) = stand
        .control(
            "submit",
            json!({"view_id": opened.id, "values": {"reply": {"text": ""}}}),
        )
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["status"], 200);
    assert_eq!(first["view_open"], true);
    let (_, state) = stand.control("state", Value::Null).await;
    assert_eq!(
        state["views"][0]["errors"]["reply"],
        "The reply cannot be empty"
    );

    let (_, second) = stand
        .control("submit", json!({"trigger_id": trigger, "user": APPROVER, "values": {"reply": {"text": "Hi Dana, done."}}}))
        .await;
    assert_eq!(second["view_open"], false, "{second}");
    let received = stand.received();
    assert_eq!(received.len(), 3);
    assert!(received.iter().all(|r| r.verified.is_ok()));
    let Interaction::ViewSubmission(submission) = parse_interaction(&received[2].body).unwrap()
    else {
        panic!("not view_submission")
    };
    assert_eq!(submission.user.id, APPROVER);
    assert_eq!(submission.view.id, opened.id);
    assert_eq!(submission.view.callback_id, "edit_reply");
    assert_eq!(submission.view.private_metadata, "act_1:hash");
    assert_eq!(
        submission.view.value("reply", "text"),
        Some("Hi Dana, done.")
    );
    assert_eq!(
        submission.view.value("note", "text"),
        Some("as proposed"),
        "untouched inputs keep their value"
    );

    let (status, closed) = stand.control("submit", json!({"view_id": opened.id})).await;
    assert_eq!(status, 409, "{closed}");
    let (status, typo) = stand.control("submit", json!({"view_id": "V0NOPE"})).await;
    assert_eq!(status, 404, "{typo}");
}

#[tokio::test]
async fn triggers_expire_and_bad_modals_are_refused() {
    let stand = Stand::start(Duration::from_millis(200)).await;
    let slack = stand.slack();
    let ts = stand.approval().await;
    let (_, clicked) = stand.click(&ts, "edit_action", json!({})).await;
    let trigger = clicked["trigger_id"].as_str().unwrap().to_owned();

    let http = reqwest::Client::new();
    let (_, fresh) = stand.click(&ts, "edit_action", json!({})).await;
    let no_submit = json!({"type": "modal", "title": {"type": "plain_text", "text": "Edit"},
        "blocks": [{"type": "input", "label": {"type": "plain_text", "text": "Reply"},
                    "element": {"type": "plain_text_input", "action_id": "text"}}]});
    let refused: Value = http
        .post(format!("{}/slack/api/views.open", stand.devkit.url()))
        .bearer_auth("xoxb-any")
        .json(&json!({"trigger_id": fresh["trigger_id"], "view": no_submit}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(refused["error"], "invalid_arguments", "{refused}");

    tokio::time::sleep(Duration::from_millis(300)).await;
    let expired = slack.views_open(&trigger, &edit_modal()).await.unwrap_err();
    assert_eq!(expired.api_error(), Some("expired_trigger_id"));
}

#[tokio::test]
async fn response_urls_replace_the_message_five_times_at_most() {
    let stand = Stand::start(Duration::from_secs(3)).await;
    let slack = stand.slack();
    let ts = stand.approval().await;
    let (_, clicked) = stand.click(&ts, "approve_action", json!({})).await;
    let url = clicked["response_url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("{}/slack/actions/T0DEVTEAM/", stand.devkit.url())),
        "{url}"
    );

    let decided = ResponseMessage::replace(
        "Approved by <@U0DEVAPPROVER>",
        vec![Block::section("*Approved*")],
    );
    slack.respond(&url, &decided).await.unwrap();
    let history = slack.conversations_history(APPROVALS, 1).await.unwrap();
    assert_eq!(history[0].ts, ts);
    assert_eq!(history[0].text, "Approved by <@U0DEVAPPROVER>");
    assert_eq!(history[0].blocks[0]["text"]["text"], "*Approved*");
    for _ in 0..4 {
        slack.respond(&url, &decided).await.unwrap();
    }
    let used = slack.respond(&url, &decided).await.unwrap_err();
    assert_eq!(used.api_error(), Some("used_url"));
    let unknown = slack
        .respond(
            &format!("{}/slack/actions/T0DEVTEAM/1/nope", stand.devkit.url()),
            &decided,
        )
        .await
        .unwrap_err();
    assert_eq!(unknown.api_error(), Some("expired_url"));
}

#[tokio::test]
async fn the_page_shows_messages_buttons_and_open_modals() {
    let stand = Stand::start(Duration::from_secs(3)).await;
    let ts = stand.approval().await;
    let page = |url: String| async move {
        let response = reqwest::get(url).await.unwrap();
        assert_eq!(response.status(), 200);
        let kind = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(kind.starts_with("text/html"), "{kind}");
        response.text().await.unwrap()
    };
    let html = page(format!("{}/slack", stand.devkit.url())).await;
    assert!(html.contains("#support-approvals"), "{html}");
    assert!(html.contains("<h3>Approval needed</h3>"));
    assert!(html.contains("<b>Refund</b> of $42.00"));
    assert!(html.contains(&format!(
        "class=\"primary\" data-channel=\"C0DEVAPPROVALS\" data-ts=\"{ts}\" data-action=\"approve_action\""
    )));
    assert!(html.contains("<option value=\"U0DEVOTHER\">"));
    assert!(html.contains("/_devkit/slack/click"));
    assert!(!html.contains("<form class=modal"));

    let (_, clicked) = stand.click(&ts, "edit_action", json!({})).await;
    let opened = stand
        .slack()
        .views_open(clicked["trigger_id"].as_str().unwrap(), &edit_modal())
        .await
        .unwrap();
    let html = page(format!("{}/slack", stand.devkit.url())).await;
    assert!(
        html.contains(&format!("data-view=\"{}\"", opened.id)),
        "{html}"
    );
    assert!(
        html.contains("data-block=\"reply\" data-input=\"text\">Hi Dana</textarea>"),
        "{html}"
    );
}

#[tokio::test]
async fn clicks_need_an_interactions_url_and_a_json_body() {
    let devkit = support_devkit::start(
        "127.0.0.1:0".parse().unwrap(),
        &support_devkit::Config::default(),
    )
    .await
    .unwrap();
    let slack = SlackClient::new(
        format!("{}/slack/api", devkit.url()),
        "xoxb-any",
        Arc::new(ReqwestTransport::new()),
    );
    let blocks = vec![Block::actions(
        "d",
        vec![Element::button("approve_action", "Approve", "v")],
    )];
    let ts = slack
        .post_message(&PostMessage::new(APPROVALS, "x", blocks))
        .await
        .unwrap()
        .ts;
    let http = reqwest::Client::new();
    let url = format!("{}/_devkit/slack/click", devkit.url());
    let nowhere = http
        .post(&url)
        .json(&json!({"channel": APPROVALS, "ts": ts, "action_id": "approve_action", "user": APPROVER}))
        .send()
        .await
        .unwrap();
    assert_eq!(nowhere.status(), 409);
    // A cross-site form cannot click.
    let form = http
        .post(&url)
        .form(&[
            ("channel", APPROVALS),
            ("ts", &ts),
            ("action_id", "approve_action"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
}
