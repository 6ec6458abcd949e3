//! Clicking as a person would: `block_actions` and `view_submission` payloads built from
//! the stored messages and modals, signed, and POSTed to the interactions URL.

use std::collections::BTreeMap;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::api::render_view;
use super::control::{control_body, ControlError};
use super::store::{OpenView, ResponseUrl, Trigger};
use super::{hex_token, now_secs, Inner, SlackStandIn};

/// The legacy verification token in payloads (platforms must use the signature).
const VERIFICATION_TOKEN: &str = "devkit-legacy-verification-token";
/// Slack's acknowledgement deadline.
const ACK_DEADLINE_MS: u64 = 3000;
/// Most of the platform's answer kept in the interaction log.
const MAX_LOGGED_BODY: usize = 2000;

#[derive(Deserialize)]
pub(super) struct ClickRequest {
    channel: String,
    ts: String,
    action_id: String,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    timestamp_offset_secs: i64,
    #[serde(default)]
    sign_with: Option<String>,
    /// Send a click on a message the stand-in does not hold (a button-less stub with
    /// that `ts`), to test how the platform treats forged or foreign payloads.
    #[serde(default)]
    allow_unknown_message: bool,
}

#[derive(Deserialize)]
pub(super) struct SubmitRequest {
    #[serde(default)]
    view_id: Option<String>,
    #[serde(default)]
    trigger_id: Option<String>,
    #[serde(default)]
    user: Option<String>,
    /// `block_id` → `action_id` → text; inputs not given keep their initial value.
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    timestamp_offset_secs: i64,
    #[serde(default)]
    sign_with: Option<String>,
}

/// `POST /_devkit/slack/click`.
pub(super) async fn click(
    State(slack): State<SlackStandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request: ClickRequest = match control_body(&headers, &body) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let origin = origin(&headers);
    let built = {
        let mut inner = slack.lock();
        block_actions(&mut inner, &request, &origin)
    };
    let (payload, trigger_id, response_url) = match built {
        Ok(built) => built,
        Err(error) => return error.into_response(),
    };
    let delivered = match deliver(
        &slack,
        &payload,
        request.timestamp_offset_secs,
        request.sign_with,
    )
    .await
    {
        Ok(delivered) => delivered,
        Err(error) => return error.into_response(),
    };
    let mut answer = delivered.answer(&payload);
    answer["trigger_id"] = json!(trigger_id);
    answer["response_url"] = json!(response_url);
    slack.lock().record_interaction(json!({
        "type": "block_actions", "at_ms": crate::executor::now_ms(),
        "user": payload["user"]["id"], "channel": request.channel, "ts": request.ts,
        "action_id": request.action_id, "trigger_id": trigger_id,
        "status": delivered.status, "elapsed_ms": delivered.elapsed_ms, "signed": delivered.signed,
        "body": cut(&delivered.body),
    }));
    Json(answer).into_response()
}

/// The payload Slack sends for a click on `action_id` of a stored message.
fn block_actions(
    inner: &mut Inner,
    request: &ClickRequest,
    origin: &str,
) -> Result<(Value, String, String), ControlError> {
    let not_found = |what: &str| ControlError::new(StatusCode::NOT_FOUND, what);
    let stored = inner.store.message(&request.channel, &request.ts);
    let (rendered, thread_ts, block_id, element, channel_id, channel_name) = match stored {
        Some((channel, message)) => {
            let (block_id, element) = find_element(&message.blocks, &request.action_id)
                .ok_or_else(|| not_found("the message has no element with that action_id"))?;
            (
                inner.store.render(channel, message),
                message.thread_ts.clone(),
                block_id,
                element,
                channel.seed.id.clone(),
                channel.seed.name.clone(),
            )
        }
        None if request.allow_unknown_message => {
            let name = inner
                .store
                .channel_index(&request.channel)
                .map(|i| inner.store.channels[i].seed.name.clone())
                .unwrap_or_default();
            (
                json!({"type": "message", "ts": request.ts, "text": "", "blocks": []}),
                None,
                json!("unknown"),
                json!({"type": "button", "action_id": request.action_id}),
                request.channel.clone(),
                name,
            )
        }
        None => return Err(not_found("no message with that channel and ts")),
    };
    let user = user_json(inner, request.user.as_deref());
    let user_id = user["id"].as_str().unwrap_or_default().to_owned();

    let trigger_id = issue_trigger(inner, &user_id);
    let number = inner.next_id();
    let team = inner.store.seed.team.clone();
    let key = format!("{}/{number}/{}", team.id, hex_token(number));
    inner.store.response_urls.insert(
        key.clone(),
        ResponseUrl {
            channel: channel_id.clone(),
            message_ts: request.ts.clone(),
            user: user_id,
            issued: Instant::now(),
            uses: 0,
        },
    );
    let response_url = format!("{origin}/slack/actions/{key}");
    let mut action = json!({
        "action_id": request.action_id, "block_id": block_id,
        "type": element["type"], "action_ts": inner.next_ts(),
    });
    for field in ["text", "value", "style"] {
        if let Some(value) = element.get(field) {
            action[field] = value.clone();
        }
    }
    let mut container = json!({"type": "message", "message_ts": request.ts,
                               "channel_id": channel_id, "is_ephemeral": false});
    if let Some(thread_ts) = thread_ts {
        container["thread_ts"] = json!(thread_ts);
    }
    let payload = json!({
        "type": "block_actions",
        "user": user,
        "api_app_id": inner.store.seed.bot.app_id,
        "token": VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": trigger_id,
        "team": {"id": team.id, "domain": team.domain},
        "enterprise": null,
        "is_enterprise_install": false,
        "channel": {"id": channel_id, "name": channel_name},
        "message": rendered,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    });
    Ok((payload, trigger_id, response_url))
}

/// The element with `action_id` in an actions block or a section's accessory.
fn find_element(blocks: &Value, action_id: &str) -> Option<(Value, Value)> {
    blocks.as_array()?.iter().find_map(|block| {
        let elements = match block["type"].as_str()? {
            "actions" => block["elements"].as_array()?.clone(),
            "section" => vec![block.get("accessory")?.clone()],
            _ => return None,
        };
        let element = elements
            .into_iter()
            .find(|e| e["action_id"].as_str() == Some(action_id))?;
        Some((block["block_id"].clone(), element))
    })
}

/// `{id, username, name, team_id}` of a seeded person (the first one by default).
fn user_json(inner: &Inner, id: Option<&str>) -> Value {
    let seed = &inner.store.seed;
    let user = match id {
        Some(id) => inner.store.user(id),
        None => seed.users.first(),
    };
    match user {
        Some(u) => json!({"id": u.id, "username": u.name, "name": u.name, "team_id": seed.team.id}),
        // Someone not in the seed (a test of an unknown clicker): the id for a name.
        None => {
            json!({"id": id.unwrap_or_default(), "username": id, "name": id, "team_id": seed.team.id})
        }
    }
}

/// A fresh trigger id for `views.open`, e.g. `"12.738474920.8088930838d88f00"`.
fn issue_trigger(inner: &mut Inner, user: &str) -> String {
    let number = inner.next_id();
    let trigger_id = format!("{number}.738474920.{}", hex_token(number));
    inner.store.triggers.insert(
        trigger_id.clone(),
        Trigger {
            user: user.to_owned(),
            issued: Instant::now(),
            used: false,
        },
    );
    trigger_id
}

/// `POST /_devkit/slack/submit`.
pub(super) async fn submit(
    State(slack): State<SlackStandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request: SubmitRequest = match control_body(&headers, &body) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let built = {
        let mut inner = slack.lock();
        view_submission(&mut inner, &request)
    };
    let (payload, view_id) = match built {
        Ok(built) => built,
        Err(error) => return error.into_response(),
    };
    let delivered = match deliver(
        &slack,
        &payload,
        request.timestamp_offset_secs,
        request.sign_with,
    )
    .await
    {
        Ok(delivered) => delivered,
        Err(error) => return error.into_response(),
    };
    let mut answer = delivered.answer(&payload);
    let mut inner = slack.lock();
    let open = apply_view_answer(&mut inner, &view_id, &delivered);
    answer["view_id"] = json!(view_id);
    answer["view_open"] = json!(open);
    inner.record_interaction(json!({
        "type": "view_submission", "at_ms": crate::executor::now_ms(),
        "user": payload["user"]["id"], "view_id": view_id,
        "callback_id": payload["view"]["callback_id"], "values": payload["view"]["state"]["values"],
        "status": delivered.status, "elapsed_ms": delivered.elapsed_ms, "signed": delivered.signed,
        "body": cut(&delivered.body), "view_open": open,
    }));
    Json(answer).into_response()
}

/// The `view_submission` payload of an open modal, with the values typed in.
fn view_submission(
    inner: &mut Inner,
    request: &SubmitRequest,
) -> Result<(Value, String), ControlError> {
    let index = inner
        .store
        .views
        .iter()
        .rposition(|v| {
            request.view_id.as_deref() == Some(&v.id)
                || (request.view_id.is_none()
                    && request.trigger_id.as_deref() == Some(&v.trigger_id))
        })
        .ok_or_else(|| {
            ControlError::new(
                StatusCode::NOT_FOUND,
                "no view with that view_id or trigger_id",
            )
        })?;
    let open = &inner.store.views[index];
    if !open.open {
        return Err(ControlError::new(
            StatusCode::CONFLICT,
            "that view is closed",
        ));
    }
    let (view_id, mut view) = (open.id.clone(), open.view.clone());
    let user_id = request.user.clone().unwrap_or_else(|| open.user.clone());
    let mut values = serde_json::Map::new();
    let mut given = request.values.clone();
    for block in view["blocks"].as_array().into_iter().flatten() {
        if block["type"] != "input" {
            continue;
        }
        let (Some(block_id), Some(action_id)) = (
            block["block_id"].as_str(),
            block["element"]["action_id"].as_str(),
        ) else {
            continue;
        };
        let typed = given.get_mut(block_id).and_then(|b| b.remove(action_id));
        // Slack sends `null` for an emptied input, the initial value for an untouched one.
        let value = match typed {
            Some(text) if text.is_empty() => Value::Null,
            Some(text) => Value::String(text),
            None => block["element"]
                .get("initial_value")
                .cloned()
                .unwrap_or(Value::Null),
        };
        values.insert(
            block_id.to_owned(),
            json!({action_id: {"type": block["element"]["type"], "value": value}}),
        );
    }
    if let Some((block, actions)) = given.iter().find(|(_, actions)| !actions.is_empty()) {
        let action = actions.keys().next().cloned().unwrap_or_default();
        return Err(ControlError::new(
            StatusCode::BAD_REQUEST,
            format!("the view has no input {block}/{action}"),
        ));
    }
    view["state"] = json!({"values": values});
    let trigger_id = issue_trigger(inner, &user_id);
    let team = &inner.store.seed.team;
    let payload = json!({
        "type": "view_submission",
        "team": {"id": team.id, "domain": team.domain},
        "user": user_json(inner, Some(&user_id)),
        "api_app_id": inner.store.seed.bot.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": false,
        "enterprise": null,
    });
    Ok((payload, view_id))
}

/// What the platform's answer does to the modal; returns whether it is still open.
fn apply_view_answer(inner: &mut Inner, view_id: &str, delivered: &Delivered) -> bool {
    let answer: Value = serde_json::from_str(&delivered.body).unwrap_or(Value::Null);
    let Some(index) = inner.store.views.iter().position(|v| v.id == view_id) else {
        return false;
    };
    inner.store.views[index].submissions += 1;
    if delivered.status != 200 {
        // Slack shows an error in the modal and leaves it open.
        return true;
    }
    let user = inner.store.views[index].user.clone();
    match answer["response_action"].as_str() {
        Some("errors") => {
            inner.store.views[index].errors = Some(answer["errors"].clone());
            true
        }
        Some("update") if answer["view"].is_object() => {
            let number = inner.next_id();
            let rendered = render_view(inner, view_id, &answer["view"], number);
            let view = &mut inner.store.views[index];
            view.view = rendered;
            view.errors = None;
            true
        }
        Some("push") if answer["view"].is_object() => {
            let number = inner.next_id();
            let id = format!("V0DEV{number:06}");
            let rendered = render_view(inner, &id, &answer["view"], number);
            inner.store.views.push(OpenView {
                id,
                trigger_id: String::new(),
                user,
                view: rendered,
                open: true,
                errors: None,
                submissions: 0,
            });
            true
        }
        Some("clear") => {
            for view in inner.store.views.iter_mut().filter(|v| v.user == user) {
                view.open = false;
            }
            false
        }
        _ => {
            inner.store.views[index].open = false;
            false
        }
    }
}

/// What the platform answered a payload.
struct Delivered {
    status: u16,
    body: String,
    elapsed_ms: u64,
    timestamp: i64,
    signed: bool,
}

impl Delivered {
    fn answer(&self, payload: &Value) -> Value {
        json!({
            "status": self.status,
            "body": self.body,
            "json": serde_json::from_str::<Value>(&self.body).ok(),
            "elapsed_ms": self.elapsed_ms,
            "acknowledged_in_time": self.status == 200 && self.elapsed_ms <= ACK_DEADLINE_MS,
            "signed": self.signed,
            "timestamp": self.timestamp,
            "payload": payload,
        })
    }
}

/// Form-encodes `payload`, signs it as Slack does and POSTs it to the interactions URL.
async fn deliver(
    slack: &SlackStandIn,
    payload: &Value,
    offset_secs: i64,
    sign_with: Option<String>,
) -> Result<Delivered, ControlError> {
    let Some(url) = slack.config.interactions_url.clone() else {
        return Err(ControlError::new(
            StatusCode::CONFLICT,
            "no interactions URL configured (--slack-interactions-url)",
        ));
    };
    let body = form_urlencoded::Serializer::new(String::new())
        .append_pair("payload", &payload.to_string())
        .finish();
    let timestamp = now_secs() + offset_secs;
    let secret = sign_with.or_else(|| slack.config.signing_secret.clone());
    let mut request = slack
        .http
        .post(&url)
        .timeout(slack.config.delivery_timeout)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(
            header::USER_AGENT,
            "Slackbot 1.0 (+https://api.slack.com/robots)",
        );
    if let Some(secret) = &secret {
        let signature = support_signing::slack::sign(secret.as_bytes(), timestamp, body.as_bytes());
        request = request
            .header("X-Slack-Signature", signature)
            .header("X-Slack-Request-Timestamp", timestamp.to_string());
    }
    let started = Instant::now();
    let response = request.body(body).send().await;
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let response = response.map_err(|e| {
        ControlError::new(
            StatusCode::BAD_GATEWAY,
            format!("the interactions URL did not answer (after {elapsed_ms} ms): {e}"),
        )
    })?;
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    Ok(Delivered {
        status,
        body,
        elapsed_ms,
        timestamp,
        signed: secret.is_some(),
    })
}

/// `http://<host>` the request came to, for the `response_url`s handed out.
fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['/', '\\', '@', ' ']))
        .unwrap_or("127.0.0.1:8288");
    format!("http://{host}")
}

fn cut(body: &str) -> String {
    body.chars().take(MAX_LOGGED_BODY).collect()
}
