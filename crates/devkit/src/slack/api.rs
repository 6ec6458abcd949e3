//! The Web API: arguments from query, form or JSON; the token; injected failures; the
//! methods, each answering `{"ok": true, ...}` or a [`Refusal`].

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::blocks::{check_blocks, check_view, MAX_MESSAGE_BLOCKS};
use super::store::{Ephemeral, Message, OpenView};
use super::{Inner, SlackStandIn};

/// Longest message `text` Slack takes.
const MAX_TEXT: usize = 40_000;
/// Arguments sent as JSON strings in form bodies.
const JSON_ARGS: &[&str] = &["blocks", "view", "metadata", "attachments"];

/// `{"ok": false, "error": ...}` and anything Slack adds to it.
pub(super) struct Refusal {
    pub error: String,
    pub extra: Map<String, Value>,
}

impl Refusal {
    pub fn new(error: &str) -> Refusal {
        Refusal {
            error: error.to_owned(),
            extra: Map::new(),
        }
    }

    /// `invalid_blocks` / `invalid_arguments` with Slack's explanation.
    fn explained(error: &str, message: String) -> Refusal {
        let mut refusal = Refusal::new(error);
        refusal.extra.insert(
            "response_metadata".into(),
            json!({"messages": [format!("[ERROR] {message}")]}),
        );
        if error == "invalid_blocks" {
            refusal.extra.insert("errors".into(), json!([message]));
        }
        refusal
    }

    pub fn body(self) -> Value {
        let mut body = self.extra;
        body.insert("ok".into(), json!(false));
        body.insert("error".into(), json!(self.error));
        Value::Object(body)
    }
}

type Answer = Result<Value, Refusal>;
type Args = Map<String, Value>;

/// `ANY /slack/api/{method}`.
pub(super) async fn call(
    State(slack): State<SlackStandIn>,
    Path(method): Path<String>,
    http_method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (args, token) = match parse_args(&headers, uri.query(), &body) {
        Ok(parsed) => parsed,
        Err(refusal) => {
            return answer(
                &slack,
                &method,
                &http_method,
                Map::new(),
                None,
                Err(refusal),
            )
        }
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(support_http::bearer_token)
        .map(str::to_owned)
        .or(token);
    answer(&slack, &method, &http_method, args, token, Ok(()))
}

/// Authenticates, applies an injected failure or runs the method, and records the call.
fn answer(
    slack: &SlackStandIn,
    method: &str,
    http_method: &Method,
    args: Args,
    token: Option<String>,
    parsed: Result<(), Refusal>,
) -> Response {
    let token_ok = match (&token, &slack.config.bot_token) {
        (None, _) => false,
        (Some(given), Some(expected)) => given == expected,
        (Some(_), None) => true,
    };
    let mut inner = slack.lock();
    let seq = inner.record_call(method, http_method.as_str(), &args, token_ok);
    let outcome = if let Err(refusal) = parsed {
        Err(refusal)
    } else if token.is_none() {
        Err(Refusal::new("not_authed"))
    } else if !token_ok {
        Err(Refusal::new("invalid_auth"))
    } else if let Some(failure) = inner.take_failure(method) {
        let status = failure.status.unwrap_or(200);
        let error = failure.error.clone().unwrap_or_else(|| {
            if status == 429 {
                "ratelimited"
            } else {
                "internal_error"
            }
            .into()
        });
        inner.record_outcome(seq, status, Some(&error));
        let mut response = (
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            Json(json!({"ok": false, "error": error})),
        )
            .into_response();
        let retry_after = failure.retry_after.or((status == 429).then_some(1));
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from(secs));
        }
        return response;
    } else {
        run(&mut inner, slack, method, &args)
    };
    let body = match outcome {
        Ok(mut body) => {
            body["ok"] = json!(true);
            inner.record_outcome(seq, 200, None);
            body
        }
        Err(refusal) => {
            inner.record_outcome(seq, 200, Some(&refusal.error));
            refusal.body()
        }
    };
    Json(body).into_response()
}

fn run(inner: &mut Inner, slack: &SlackStandIn, method: &str, args: &Args) -> Answer {
    match method {
        "auth.test" => Ok(auth_test(inner)),
        "chat.postMessage" => post_message(inner, args),
        "chat.update" => update(inner, args),
        "chat.postEphemeral" => post_ephemeral(inner, args),
        "views.open" => views_open(inner, slack, args),
        "conversations.list" => conversations_list(inner, args),
        "conversations.history" => conversations_history(inner, args),
        "conversations.replies" => conversations_replies(inner, args),
        _ => Err(Refusal::new("unknown_method")),
    }
}

/// `auth.test`: who the token is (the seeded workspace and its bot), as Slack answers for
/// a bot token.
fn auth_test(inner: &Inner) -> Value {
    let seed = &inner.store.seed;
    json!({
        "url": format!("https://{}.slack.com/", seed.team.domain),
        "team": if seed.team.name.is_empty() { &seed.team.domain } else { &seed.team.name },
        "user": if seed.bot.name.is_empty() { "support" } else { &seed.bot.name },
        "team_id": seed.team.id,
        "user_id": seed.bot.user_id,
        "bot_id": seed.bot.bot_id,
        "is_enterprise_install": false,
    })
}

/// Query parameters, then the body's (JSON object or form); the `token` argument apart.
fn parse_args(
    headers: &HeaderMap,
    query: Option<&str>,
    body: &[u8],
) -> Result<(Args, Option<String>), Refusal> {
    let mut args = Map::new();
    let form = |bytes: &[u8], args: &mut Args| {
        for (name, value) in form_urlencoded::parse(bytes) {
            let value = if JSON_ARGS.contains(&name.as_ref()) {
                serde_json::from_str(&value).unwrap_or(Value::String(value.into_owned()))
            } else {
                Value::String(value.into_owned())
            };
            args.insert(name.into_owned(), value);
        }
    };
    form(query.unwrap_or_default().as_bytes(), &mut args);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !body.is_empty() {
        if content_type.starts_with("application/json") {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(object)) => args.extend(object),
                _ => return Err(Refusal::new("invalid_json")),
            }
        } else {
            form(body, &mut args);
        }
    }
    let token = args
        .remove("token")
        .and_then(|t| t.as_str().map(str::to_owned));
    Ok((args, token))
}

/// A string argument (numbers accepted, as Slack does).
fn arg(args: &Args, name: &str) -> Option<String> {
    match args.get(name)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number_arg(args: &Args, name: &str, default: usize, max: usize) -> usize {
    arg(args, name)
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .map_or(default, |n| n.min(max))
}

/// `blocks`, checked; `Value::Null` when absent.
fn blocks_arg(args: &Args) -> Result<Value, Refusal> {
    match args.get("blocks") {
        None | Some(Value::Null) => Ok(Value::Null),
        Some(Value::String(_)) => Err(Refusal::new("invalid_blocks_format")),
        Some(blocks) => check_blocks(blocks, MAX_MESSAGE_BLOCKS, "/blocks")
            .map(|()| blocks.clone())
            .map_err(|message| Refusal::explained("invalid_blocks", message)),
    }
}

/// Slack gives every block without a `block_id` one of its own (interaction payloads
/// always name the block).
pub(super) fn with_block_ids(inner: &mut Inner, mut blocks: Value) -> Value {
    for block in blocks.as_array_mut().into_iter().flatten() {
        if block.get("block_id").is_none() {
            let number = inner.next_id();
            block["block_id"] = json!(super::hex_token(number)[..5]);
        }
    }
    blocks
}

fn channel_arg(inner: &Inner, args: &Args) -> Result<usize, Refusal> {
    arg(args, "channel")
        .and_then(|c| inner.store.channel_index(&c))
        .ok_or_else(|| Refusal::new("channel_not_found"))
}

/// Text and blocks of a new message; one of them is needed.
fn content(args: &Args) -> Result<(String, Value), Refusal> {
    let blocks = blocks_arg(args)?;
    let text = arg(args, "text").unwrap_or_default();
    if text.is_empty() && blocks.as_array().is_none_or(Vec::is_empty) {
        return Err(Refusal::new("no_text"));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(Refusal::new("msg_too_long"));
    }
    Ok((text, if blocks.is_null() { json!([]) } else { blocks }))
}

fn post_message(inner: &mut Inner, args: &Args) -> Answer {
    let index = channel_arg(inner, args)?;
    let (text, blocks) = content(args)?;
    // A reply to a reply goes to the same thread, under its root.
    let root = match arg(args, "thread_ts") {
        None => None,
        Some(parent_ts) => {
            let channel = &inner.store.channels[index];
            let parent = channel
                .messages
                .iter()
                .find(|m| m.ts == parent_ts)
                .ok_or_else(|| Refusal::new("thread_not_found"))?;
            Some(parent.thread_ts.clone().unwrap_or(parent_ts))
        }
    };
    let ts = inner.next_ts();
    let blocks = with_block_ids(inner, blocks);
    let message = Message {
        ts: ts.clone(),
        text,
        blocks,
        thread_ts: root.clone(),
        metadata: args.get("metadata").filter(|m| m.is_object()).cloned(),
        edited: None,
    };
    let channel = &mut inner.store.channels[index];
    if let Some(root) = &root {
        // The parent becomes a thread parent: its own `thread_ts`.
        if let Some(parent) = channel.messages.iter_mut().find(|m| m.ts == *root) {
            parent.thread_ts = Some(root.clone());
        }
    }
    channel.messages.push(message);
    let channel = &inner.store.channels[index];
    let stored = channel
        .messages
        .last()
        .map(|m| inner.store.render(channel, m));
    Ok(json!({"channel": channel.seed.id, "ts": ts, "message": stored}))
}

fn update(inner: &mut Inner, args: &Args) -> Answer {
    let index = channel_arg(inner, args)?;
    let ts = arg(args, "ts").ok_or_else(|| Refusal::new("message_not_found"))?;
    let blocks = blocks_arg(args)?;
    let text = arg(args, "text");
    if text.is_none() && blocks.is_null() {
        return Err(Refusal::new("no_text"));
    }
    if text.as_ref().is_some_and(|t| t.chars().count() > MAX_TEXT) {
        return Err(Refusal::new("msg_too_long"));
    }
    let edited_ts = inner.next_ts();
    let blocks = with_block_ids(inner, blocks);
    let bot = inner.store.seed.bot.user_id.clone();
    let channel = &mut inner.store.channels[index];
    let message = channel
        .messages
        .iter_mut()
        .find(|m| m.ts == ts)
        .ok_or_else(|| Refusal::new("message_not_found"))?;
    if let Some(text) = text {
        message.text = text;
    }
    // Text without blocks replaces the message, blocks and all.
    message.blocks = if blocks.is_null() { json!([]) } else { blocks };
    message.edited = Some(json!({"user": bot, "ts": edited_ts}));
    let channel = &inner.store.channels[index];
    let rendered = channel
        .messages
        .iter()
        .find(|m| m.ts == ts)
        .map(|m| inner.store.render(channel, m))
        .unwrap_or(Value::Null);
    Ok(json!({"channel": channel.seed.id, "ts": ts, "text": rendered["text"], "message": rendered}))
}

fn post_ephemeral(inner: &mut Inner, args: &Args) -> Answer {
    let index = channel_arg(inner, args)?;
    let user = arg(args, "user")
        .filter(|u| inner.store.user(u).is_some())
        .ok_or_else(|| Refusal::new("user_not_found"))?;
    let (text, blocks) = content(args)?;
    let message_ts = inner.next_ts();
    inner.store.ephemerals.push(Ephemeral {
        channel: inner.store.channels[index].seed.id.clone(),
        user,
        message_ts: message_ts.clone(),
        text,
        blocks,
        thread_ts: arg(args, "thread_ts"),
    });
    Ok(json!({"message_ts": message_ts}))
}

fn views_open(inner: &mut Inner, slack: &SlackStandIn, args: &Args) -> Answer {
    let trigger_id = arg(args, "trigger_id").ok_or_else(|| Refusal::new("invalid_trigger_id"))?;
    let trigger = inner
        .store
        .triggers
        .get(&trigger_id)
        .ok_or_else(|| Refusal::new("invalid_trigger_id"))?;
    if trigger.used {
        return Err(Refusal::new("exchanged_trigger_id"));
    }
    if trigger.issued.elapsed() > slack.config.trigger_ttl {
        return Err(Refusal::new("expired_trigger_id"));
    }
    let user = trigger.user.clone();
    let view = args
        .get("view")
        .filter(|v| v.is_object())
        .ok_or_else(|| Refusal::new("invalid_arguments"))?;
    check_view(view).map_err(|message| Refusal::explained("invalid_arguments", message))?;
    let mut view = view.clone();
    view["blocks"] = with_block_ids(inner, view["blocks"].take());
    let number = inner.next_id();
    let id = format!("V0DEV{number:06}");
    let rendered = render_view(inner, &id, &view, number);
    if let Some(trigger) = inner.store.triggers.get_mut(&trigger_id) {
        trigger.used = true;
    }
    inner.store.views.push(OpenView {
        id,
        trigger_id,
        user,
        view: rendered.clone(),
        open: true,
        errors: None,
        submissions: 0,
    });
    Ok(json!({"view": rendered}))
}

/// A view as Slack answers it: what was sent plus ids, `state` and `hash`.
pub(super) fn render_view(inner: &Inner, id: &str, view: &Value, number: u64) -> Value {
    let seed = &inner.store.seed;
    let mut rendered = view.clone();
    let defaults = json!({
        "id": id, "team_id": seed.team.id, "app_id": seed.bot.app_id, "bot_id": seed.bot.bot_id,
        "app_installed_team_id": seed.team.id, "root_view_id": id, "previous_view_id": null,
        "external_id": "", "private_metadata": "", "callback_id": "",
        "clear_on_close": false, "notify_on_close": false, "submit": null, "close": null,
        "state": {"values": {}}, "hash": format!("{}.{}", super::now_secs(), super::hex_token(number)),
    });
    if let (Some(target), Value::Object(defaults)) = (rendered.as_object_mut(), defaults) {
        for (key, value) in defaults {
            let keep =
                target.contains_key(&key) && !matches!(key.as_str(), "id" | "hash" | "state");
            if !keep {
                target.insert(key, value);
            }
        }
    }
    rendered
}

fn conversations_list(inner: &mut Inner, args: &Args) -> Answer {
    let limit = number_arg(args, "limit", 100, 1000);
    let start = arg(args, "cursor")
        .and_then(|c| {
            c.strip_prefix("dGVhbTpD")
                .and_then(|n| n.parse::<usize>().ok())
        })
        .unwrap_or(0);
    let channels = &inner.store.channels;
    let page: Vec<Value> = channels
        .iter()
        .skip(start)
        .take(limit)
        .map(|c| inner.store.render_channel(c))
        .collect();
    let next = start + page.len();
    let next_cursor = if next < channels.len() {
        format!("dGVhbTpD{next}")
    } else {
        String::new()
    };
    Ok(json!({"channels": page, "response_metadata": {"next_cursor": next_cursor}}))
}

fn conversations_history(inner: &mut Inner, args: &Args) -> Answer {
    let index = channel_arg(inner, args)?;
    let limit = number_arg(args, "limit", 100, 999);
    let channel = &inner.store.channels[index];
    let top: Vec<&Message> = channel
        .messages
        .iter()
        .rev()
        .filter(|m| m.thread_ts.as_ref().is_none_or(|t| *t == m.ts))
        .collect();
    let messages: Vec<Value> = top
        .iter()
        .take(limit)
        .map(|m| inner.store.render(channel, m))
        .collect();
    Ok(
        json!({"messages": messages, "has_more": top.len() > limit, "pin_count": 0,
              "channel_actions_ts": null, "channel_actions_count": 0,
              "response_metadata": {"next_cursor": ""}}),
    )
}

fn conversations_replies(inner: &mut Inner, args: &Args) -> Answer {
    let index = channel_arg(inner, args)?;
    let ts = arg(args, "ts").ok_or_else(|| Refusal::new("thread_not_found"))?;
    let channel = &inner.store.channels[index];
    let parent = channel
        .messages
        .iter()
        .find(|m| m.ts == ts)
        .ok_or_else(|| Refusal::new("thread_not_found"))?;
    // Asking with a reply's ts answers its whole thread, as Slack does.
    let root = parent.thread_ts.clone().unwrap_or(ts);
    let messages: Vec<Value> = channel
        .messages
        .iter()
        .filter(|m| m.ts == root || m.thread_ts.as_deref() == Some(&root))
        .map(|m| inner.store.render(channel, m))
        .collect();
    Ok(json!({"messages": messages, "has_more": false, "response_metadata": {"next_cursor": ""}}))
}
