//! The Core API's write routes: tags, status and assignee, comments, drafts, replies.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::api::find_conversation;
use super::render::View;
use super::store::{Comment, Message, Recipient, Store, Tag};
use super::{base, now_secs, ok, parse, ApiError, ApiResult, FrontStandIn};

const HIGHLIGHTS: [&str; 9] = [
    "grey",
    "pink",
    "red",
    "orange",
    "yellow",
    "green",
    "light-blue",
    "blue",
    "purple",
];

fn no_content() -> ApiResult {
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn required(text: Option<String>, field: &str) -> Result<String, ApiError> {
    text.filter(|t| !t.trim().is_empty()).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Body did not satisfy requirements: {field} is required"
        ))
    })
}

fn check_teammate(store: &Store, id: Option<&str>) -> Result<(), ApiError> {
    match id {
        Some(id) if store.teammate(id).is_none() => {
            Err(ApiError::not_found(format!("Unknown teammate {id}")))
        }
        _ => Ok(()),
    }
}

#[derive(Deserialize)]
struct NewTag {
    name: Option<String>,
    highlight: Option<String>,
    description: Option<String>,
}

pub(super) async fn create_tag(
    State(front): State<FrontStandIn>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let request: NewTag = parse(&body)?;
    let name = required(request.name, "name")?;
    if let Some(h) = request
        .highlight
        .as_deref()
        .filter(|h| !HIGHLIGHTS.contains(h))
    {
        return Err(ApiError::bad_request(format!("Unknown highlight {h}")));
    }
    let mut inner = front.lock();
    if inner
        .store
        .tags
        .iter()
        .any(|t| t.name.eq_ignore_ascii_case(&name))
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "A tag with this name already exists",
        ));
    }
    let id = inner.ids.next("tag");
    inner.store.tags.push(Tag {
        id: id.clone(),
        name,
        highlight: request.highlight,
        description: request.description,
        created_at: now_secs(),
    });
    let base = base(&headers);
    let view = View {
        store: &inner.store,
        base: &base,
    };
    ok(
        StatusCode::CREATED,
        &inner.store.tag(&id).map(|t| view.tag(t)),
    )
}

#[derive(Deserialize)]
struct TagIds {
    tag_ids: Option<Vec<String>>,
}

/// The tag ids of a body, all known.
fn tag_ids(store: &Store, body: &Bytes) -> Result<Vec<String>, ApiError> {
    let ids = parse::<TagIds>(body)?
        .tag_ids
        .filter(|ids| !ids.is_empty())
        .ok_or_else(|| {
            ApiError::bad_request("Body did not satisfy requirements: tag_ids is required")
        })?;
    known_tags(store, ids)
}

fn known_tags(store: &Store, ids: Vec<String>) -> Result<Vec<String>, ApiError> {
    match ids.iter().find(|id| store.tag(id).is_none()) {
        Some(unknown) => Err(ApiError::not_found(format!("Unknown tag {unknown}"))),
        None => Ok(ids),
    }
}

pub(super) async fn add_tags(
    State(front): State<FrontStandIn>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let mut inner = front.lock();
    find_conversation(&inner.store, &id)?;
    let ids = tag_ids(&inner.store, &body)?;
    if let Some(c) = inner.store.conversation_mut(&id) {
        for tag in ids {
            if !c.tag_ids.contains(&tag) {
                c.tag_ids.push(tag);
            }
        }
        c.updated_at = now_secs();
    }
    no_content()
}

pub(super) async fn remove_tags(
    State(front): State<FrontStandIn>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let mut inner = front.lock();
    find_conversation(&inner.store, &id)?;
    let ids = tag_ids(&inner.store, &body)?;
    if let Some(c) = inner.store.conversation_mut(&id) {
        c.tag_ids.retain(|t| !ids.contains(t));
        c.updated_at = now_secs();
    }
    no_content()
}

/// `assignee_id` of a body: absent, `null` (unassign) or a known teammate.
fn assignee(store: &Store, body: &Map<String, Value>) -> Result<Option<Option<String>>, ApiError> {
    match body.get("assignee_id") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(id)) => {
            check_teammate(store, Some(id))?;
            Ok(Some(Some(id.clone())))
        }
        Some(_) => Err(ApiError::bad_request(
            "assignee_id must be a teammate id or null",
        )),
    }
}

pub(super) async fn update_conversation(
    State(front): State<FrontStandIn>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body: Map<String, Value> = parse(&body)?;
    let mut inner = front.lock();
    find_conversation(&inner.store, &id)?;
    let status = match body.get("status") {
        None => None,
        Some(Value::String(s)) if ["archived", "open", "deleted", "spam"].contains(&s.as_str()) => {
            Some(s.clone())
        }
        Some(other) => return Err(ApiError::bad_request(format!("Invalid status {other}"))),
    };
    let assignee = assignee(&inner.store, &body)?;
    // `tag_ids` replaces every tag (an empty list clears them).
    let tags = match body.get("tag_ids") {
        None => None,
        Some(ids) => {
            let ids = serde_json::from_value(ids.clone())
                .map_err(|_| ApiError::bad_request("tag_ids must be a list of tag ids"))?;
            Some(known_tags(&inner.store, ids)?)
        }
    };
    if let Some(c) = inner.store.conversation_mut(&id) {
        if let Some(assignee) = assignee {
            c.assignee_id = assignee;
            if !matches!(c.status.as_str(), "archived" | "deleted" | "spam") {
                c.reopen();
            }
        }
        match status.as_deref() {
            Some("open") => c.reopen(),
            Some(other) => c.status = other.to_owned(),
            None => {}
        }
        if let Some(tags) = tags {
            c.tag_ids = tags;
        }
        c.updated_at = now_secs();
    }
    no_content()
}

pub(super) async fn set_assignee(
    State(front): State<FrontStandIn>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body: Map<String, Value> = parse(&body)?;
    let mut inner = front.lock();
    find_conversation(&inner.store, &id)?;
    let assignee = assignee(&inner.store, &body)?.ok_or_else(|| {
        ApiError::bad_request("Body did not satisfy requirements: assignee_id is required")
    })?;
    if let Some(c) = inner.store.conversation_mut(&id) {
        c.assignee_id = assignee;
        if !matches!(c.status.as_str(), "archived" | "deleted" | "spam") {
            c.reopen();
        }
        c.updated_at = now_secs();
    }
    no_content()
}

#[derive(Deserialize)]
struct NewComment {
    body: Option<String>,
    author_id: Option<String>,
    #[serde(default)]
    is_pinned: bool,
}

pub(super) async fn add_comment(
    State(front): State<FrontStandIn>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let request: NewComment = parse(&body)?;
    let text = required(request.body, "body")?;
    let mut inner = front.lock();
    find_conversation(&inner.store, &id)?;
    check_teammate(&inner.store, request.author_id.as_deref())?;
    let comment = Comment {
        id: inner.ids.next("com"),
        conversation_id: id,
        author_id: request.author_id,
        body: text,
        posted_at: now_secs(),
        is_pinned: request.is_pinned,
    };
    let base = base(&headers);
    let rendered = View {
        store: &inner.store,
        base: &base,
    }
    .comment(&comment);
    inner.store.comments.push(comment);
    ok(StatusCode::CREATED, &rendered)
}

#[derive(Deserialize)]
struct Outgoing {
    body: Option<String>,
    channel_id: Option<String>,
    author_id: Option<String>,
    mode: Option<String>,
    #[serde(default)]
    options: Option<ReplyOptions>,
}

#[derive(Deserialize)]
struct ReplyOptions {
    archive: Option<bool>,
}

/// A message going out of a conversation (a draft or a reply), checked.
fn outgoing(
    store: &mut Store,
    ids: &mut super::store::Ids,
    id: &str,
    request: &Outgoing,
    channel_required: bool,
) -> Result<Message, ApiError> {
    let text = required(request.body.clone(), "body")?;
    let conversation = find_conversation(store, id)?;
    let channel_id = match &request.channel_id {
        Some(c) => c.clone(),
        None if channel_required => {
            return Err(ApiError::bad_request(
                "Body did not satisfy requirements: channel_id is required",
            ))
        }
        None => conversation.channel_id.clone(),
    };
    let channel = store
        .channel(&channel_id)
        .ok_or_else(|| ApiError::not_found(format!("Unknown channel {channel_id}")))?;
    check_teammate(store, request.author_id.as_deref())?;
    let from = channel
        .send_as
        .clone()
        .or(channel.address.clone())
        .unwrap_or(channel.id.clone());
    Ok(Message {
        id: ids.next("msg"),
        message_uid: ids.token(),
        conversation_id: id.to_owned(),
        kind: channel.kind.clone(),
        is_inbound: false,
        draft_mode: None,
        version: None,
        created_at: now_secs(),
        subject: conversation.subject.clone(),
        // Front keeps the HTML body and a plain-text rendering of it.
        text: support_core::escape::text_of_html(&text),
        body: text,
        author_id: request.author_id.clone(),
        recipients: vec![
            Recipient {
                handle: from,
                role: "from".into(),
                name: None,
            },
            Recipient {
                role: "to".into(),
                ..conversation.recipient.clone()
            },
        ],
        metadata: json!({}),
    })
}

pub(super) async fn create_draft(
    State(front): State<FrontStandIn>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let request: Outgoing = parse(&body)?;
    let mode = request.mode.clone().unwrap_or_else(|| "private".into());
    if !["private", "shared"].contains(&mode.as_str()) {
        return Err(ApiError::bad_request(format!("Invalid mode {mode}")));
    }
    let mut guard = front.lock();
    let inner = &mut *guard;
    let mut draft = outgoing(&mut inner.store, &mut inner.ids, &id, &request, true)?;
    draft.draft_mode = Some(mode);
    draft.version = Some(inner.ids.token());
    let base = base(&headers);
    let rendered = View {
        store: &inner.store,
        base: &base,
    }
    .message(&draft);
    inner.store.messages.push(draft);
    ok(StatusCode::OK, &rendered)
}

#[derive(Deserialize)]
struct Version {
    version: Option<String>,
}

pub(super) async fn delete_draft(
    State(front): State<FrontStandIn>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let version = required(parse::<Version>(&body)?.version, "version")?;
    let mut inner = front.lock();
    let index = inner
        .store
        .messages
        .iter()
        .position(|m| m.id == id && m.draft_mode.is_some())
        .ok_or_else(|| ApiError::not_found(format!("Unknown draft {id}")))?;
    if inner.store.messages[index].version.as_deref() != Some(version.as_str()) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "The draft has changed: version mismatch",
        ));
    }
    inner.store.messages.remove(index);
    no_content()
}

pub(super) async fn reply(
    State(front): State<FrontStandIn>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let request: Outgoing = parse(&body)?;
    let mut guard = front.lock();
    let inner = &mut *guard;
    let message = outgoing(&mut inner.store, &mut inner.ids, &id, &request, false)?;
    let uid = message.message_uid.clone();
    inner.store.messages.push(message);
    // Front archives a conversation once replied to, unless told not to.
    let archive = request.options.and_then(|o| o.archive).unwrap_or(true);
    if let Some(c) = inner.store.conversation_mut(&id) {
        if archive {
            c.status = "archived".into();
        }
        c.updated_at = now_secs();
    }
    ok(
        StatusCode::ACCEPTED,
        &json!({"status": "accepted", "message_uid": uid}),
    )
}
