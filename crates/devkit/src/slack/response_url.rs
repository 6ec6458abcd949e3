//! The `response_url`s handed out with `block_actions` payloads: replace or delete the
//! original message, or post a new one (in the channel or to the clicker only), at most
//! five times within 30 minutes.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::api::{with_block_ids, Refusal};
use super::blocks::{check_blocks, MAX_MESSAGE_BLOCKS};
use super::store::{Ephemeral, Message, RESPONSE_URL_TTL, RESPONSE_URL_USES};
use super::{Inner, SlackStandIn};

/// `POST /slack/actions/{team}/{id}/{secret}`: a `response_url`.
pub(super) async fn response_url(
    State(slack): State<SlackStandIn>,
    Path((team, id, secret)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let key = format!("{team}/{id}/{secret}");
    let mut inner = slack.lock();
    let args = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default();
    let seq = inner.record_call("response_url", "POST", &args, true);
    let (status, outcome) = match use_response_url(&mut inner, &key, &args) {
        Ok(()) => (StatusCode::OK, json!({"ok": true})),
        Err((status, refusal)) => (status, refusal.body()),
    };
    let error = outcome["error"].as_str().map(str::to_owned);
    inner.record_outcome(seq, status.as_u16(), error.as_deref());
    (status, Json(outcome)).into_response()
}

fn use_response_url(
    inner: &mut Inner,
    key: &str,
    args: &serde_json::Map<String, Value>,
) -> Result<(), (StatusCode, Refusal)> {
    let gone = |error: &str| (StatusCode::NOT_FOUND, Refusal::new(error));
    let url = inner
        .store
        .response_urls
        .get(key)
        .ok_or_else(|| gone("expired_url"))?;
    if url.issued.elapsed() > RESPONSE_URL_TTL {
        return Err(gone("expired_url"));
    }
    if url.uses >= RESPONSE_URL_USES {
        return Err(gone("used_url"));
    }
    let url = url.clone();
    let blocks = match args.get("blocks") {
        None | Some(Value::Null) => json!([]),
        Some(blocks) => {
            check_blocks(blocks, MAX_MESSAGE_BLOCKS, "/blocks")
                .map_err(|_| (StatusCode::BAD_REQUEST, Refusal::new("invalid_blocks")))?;
            blocks.clone()
        }
    };
    let blocks = with_block_ids(inner, blocks);
    let text = args.get("text").and_then(Value::as_str).map(str::to_owned);
    let flag = |name: &str| args.get(name).and_then(Value::as_bool).unwrap_or(false);
    let index = inner
        .store
        .channel_index(&url.channel)
        .ok_or_else(|| gone("channel_not_found"))?;
    let edited_ts = inner.next_ts();
    let bot = inner.store.seed.bot.user_id.clone();
    let messages = &mut inner.store.channels[index].messages;
    if flag("delete_original") {
        messages.retain(|m| m.ts != url.message_ts);
    } else if flag("replace_original") {
        let message = messages
            .iter_mut()
            .find(|m| m.ts == url.message_ts)
            .ok_or_else(|| gone("message_not_found"))?;
        message.text = text.unwrap_or_default();
        message.blocks = blocks;
        message.edited = Some(json!({"user": bot, "ts": edited_ts}));
    } else if args.get("response_type").and_then(Value::as_str) == Some("in_channel") {
        let thread_ts = args
            .get("thread_ts")
            .and_then(Value::as_str)
            .map(str::to_owned);
        messages.push(Message {
            ts: edited_ts,
            text: text.unwrap_or_default(),
            blocks,
            thread_ts,
            metadata: None,
            edited: None,
        });
    } else {
        inner.store.ephemerals.push(Ephemeral {
            channel: url.channel.clone(),
            user: url.user.clone(),
            message_ts: edited_ts,
            text: text.unwrap_or_default(),
            blocks,
            thread_ts: None,
        });
    }
    if let Some(url) = inner.store.response_urls.get_mut(key) {
        url.uses += 1;
    }
    Ok(())
}
