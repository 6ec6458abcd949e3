//! The Core API's read routes, and the route table of the whole API (the writes are in
//! `writes.rs`, custom channels in `channel.rs`).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, get, post, put};
use axum::Router;
use serde_json::{json, Value};

use super::render::View;
use super::store::{Conversation, Store};
use super::{base, channel, ok, writes, ApiError, ApiResult, FrontStandIn};

type Params = Query<Vec<(String, String)>>;

pub(super) fn routes() -> Router<FrontStandIn> {
    Router::new()
        .route("/me", get(me))
        .route("/conversations", get(list_conversations))
        .route(
            "/conversations/{id}",
            get(get_conversation).patch(writes::update_conversation),
        )
        .route(
            "/conversations/{id}/messages",
            get(conversation_messages).post(writes::reply),
        )
        .route(
            "/conversations/{id}/comments",
            get(conversation_comments).post(writes::add_comment),
        )
        .route(
            "/conversations/{id}/drafts",
            get(conversation_drafts).post(writes::create_draft),
        )
        .route(
            "/conversations/{id}/tags",
            post(writes::add_tags).delete(writes::remove_tags),
        )
        .route("/conversations/{id}/assignee", put(writes::set_assignee))
        .route("/conversations/{id}/inboxes", get(conversation_inboxes))
        .route("/messages/{id}", get(get_message))
        .route("/drafts/{id}", delete(writes::delete_draft))
        .route("/tags", get(list_tags).post(writes::create_tag))
        .route("/tags/{id}", get(get_tag))
        .route("/channels", get(list_channels))
        .route("/channels/{id}", get(get_channel))
        .route(
            "/channels/{id}/incoming_messages",
            post(channel::incoming_message),
        )
        .route("/inboxes", get(list_inboxes))
        .route("/inboxes/{id}", get(get_inbox))
        .route("/inboxes/{id}/channels", get(inbox_channels))
        .route("/teammates", get(list_teammates))
        .route("/teammates/{id}", get(get_teammate))
        .route("/contacts/{id}", get(get_contact))
        .route("/contacts/{id}/conversations", get(contact_conversations))
}

pub(super) fn find_conversation<'a>(
    store: &'a Store,
    id: &str,
) -> Result<&'a Conversation, ApiError> {
    store
        .conversation(id)
        .ok_or_else(|| ApiError::not_found(format!("Unknown conversation {id}")))
}

/// Most recently updated first, as Front lists conversations (ties: the newer first).
fn newest_first(mut conversations: Vec<&Conversation>) -> Vec<&Conversation> {
    conversations.reverse();
    conversations.sort_by(|a, b| b.updated_at.total_cmp(&a.updated_at));
    conversations
}

async fn me(State(front): State<FrontStandIn>, headers: HeaderMap) -> ApiResult {
    let inner = front.lock();
    let base = base(&headers);
    ok(
        StatusCode::OK,
        &json!({"_links": {"self": format!("{base}/me")}, "id": inner.store.company_id, "name": "Devkit"}),
    )
}

async fn list_conversations(
    State(front): State<FrontStandIn>,
    headers: HeaderMap,
    Query(params): Params,
) -> ApiResult {
    let inner = front.lock();
    let base = base(&headers);
    let view = View {
        store: &inner.store,
        base: &base,
    };
    let statuses: Vec<&str> = params
        .iter()
        .filter(|(k, _)| k == "q[statuses][]")
        .map(|(_, v)| v.as_str())
        .collect();
    let found = inner
        .store
        .conversations
        .iter()
        .filter(|c| statuses.is_empty() || statuses.contains(&c.status.as_str()))
        .collect();
    let items = newest_first(found)
        .into_iter()
        .map(|c| view.conversation(c))
        .collect();
    ok(StatusCode::OK, &view.page("/conversations", &params, items))
}

async fn get_conversation(
    State(front): State<FrontStandIn>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    let inner = front.lock();
    let base = base(&headers);
    let view = View {
        store: &inner.store,
        base: &base,
    };
    ok(
        StatusCode::OK,
        &view.conversation(find_conversation(&inner.store, &id)?),
    )
}

/// The conversation's messages (drafts or not), newest first unless `sort_order=asc`.
fn messages_of(
    front: &FrontStandIn,
    headers: &HeaderMap,
    id: &str,
    params: &[(String, String)],
    drafts: bool,
) -> ApiResult {
    let inner = front.lock();
    let base = base(headers);
    let view = View {
        store: &inner.store,
        base: &base,
    };
    find_conversation(&inner.store, id)?;
    let mut items: Vec<Value> = inner
        .store
        .messages
        .iter()
        .filter(|m| m.conversation_id == id && m.draft_mode.is_some() == drafts)
        .map(|m| view.message(m))
        .collect();
    if !params.iter().any(|(k, v)| k == "sort_order" && v == "asc") {
        items.reverse();
    }
    let path = format!(
        "/conversations/{id}/{}",
        if drafts { "drafts" } else { "messages" }
    );
    ok(StatusCode::OK, &view.page(&path, params, items))
}

async fn conversation_messages(
    State(front): State<FrontStandIn>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Params,
) -> ApiResult {
    messages_of(&front, &headers, &id, &params, false)
}

async fn conversation_drafts(
    State(front): State<FrontStandIn>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Params,
) -> ApiResult {
    messages_of(&front, &headers, &id, &params, true)
}

async fn conversation_comments(
    State(front): State<FrontStandIn>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Params,
) -> ApiResult {
    let inner = front.lock();
    let base = base(&headers);
    let view = View {
        store: &inner.store,
        base: &base,
    };
    find_conversation(&inner.store, &id)?;
    let items = inner
        .store
        .comments
        .iter()
        .filter(|c| c.conversation_id == id)
        .map(|c| view.comment(c))
        .collect();
    ok(
        StatusCode::OK,
        &view.page(&format!("/conversations/{id}/comments"), &params, items),
    )
}

async fn conversation_inboxes(
    State(front): State<FrontStandIn>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Params,
) -> ApiResult {
    let inner = front.lock();
    let base = base(&headers);
    let view = View {
        store: &inner.store,
        base: &base,
    };
    let conversation = find_conversation(&inner.store, &id)?;
    let items = conversation
        .inbox_ids
        .iter()
        .filter_map(|i| inner.store.inbox(i))
        .map(|i| view.inbox(i))
        .collect();
    ok(
        StatusCode::OK,
        &view.page(&format!("/conversations/{id}/inboxes"), &params, items),
    )
}

async fn get_message(
    State(front): State<FrontStandIn>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    let inner = front.lock();
    let base = base(&headers);
    let view = View {
        store: &inner.store,
        base: &base,
    };
    let message = inner
        .store
        .message(&id)
        .ok_or_else(|| ApiError::not_found(format!("Unknown message {id}")))?;
    ok(StatusCode::OK, &view.message(message))
}

/// `GET` of a whole collection, paginated.
macro_rules! list_route {
    ($name:ident, $field:ident, $render:ident, $path:literal) => {
        async fn $name(
            State(front): State<FrontStandIn>,
            headers: HeaderMap,
            Query(params): Params,
        ) -> ApiResult {
            let inner = front.lock();
            let base = base(&headers);
            let view = View {
                store: &inner.store,
                base: &base,
            };
            let items = inner.store.$field.iter().map(|x| view.$render(x)).collect();
            ok(StatusCode::OK, &view.page($path, &params, items))
        }
    };
}

/// `GET` of one resource by id.
macro_rules! get_route {
    ($name:ident, $find:ident, $render:ident, $what:literal) => {
        async fn $name(
            State(front): State<FrontStandIn>,
            headers: HeaderMap,
            Path(id): Path<String>,
        ) -> ApiResult {
            let inner = front.lock();
            let base = base(&headers);
            let view = View {
                store: &inner.store,
                base: &base,
            };
            let found = inner.store.$find(&id).ok_or_else(|| {
                ApiError::not_found(format!(concat!("Unknown ", $what, " {}"), id))
            })?;
            ok(StatusCode::OK, &view.$render(found))
        }
    };
}

list_route!(list_tags, tags, tag, "/tags");
list_route!(list_channels, channels, channel, "/channels");
list_route!(list_inboxes, inboxes, inbox, "/inboxes");
list_route!(list_teammates, teammates, teammate, "/teammates");
get_route!(get_tag, tag, tag, "tag");
get_route!(get_channel, channel, channel, "channel");
get_route!(get_inbox, inbox, inbox, "inbox");
get_route!(get_teammate, teammate, teammate, "teammate");
get_route!(get_contact, contact, contact, "contact");

async fn inbox_channels(
    State(front): State<FrontStandIn>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Params,
) -> ApiResult {
    let inner = front.lock();
    let base = base(&headers);
    let view = View {
        store: &inner.store,
        base: &base,
    };
    inner
        .store
        .inbox(&id)
        .ok_or_else(|| ApiError::not_found(format!("Unknown inbox {id}")))?;
    let items = inner
        .store
        .channels
        .iter()
        .filter(|c| c.inbox_id == id)
        .map(|c| view.channel(c))
        .collect();
    ok(
        StatusCode::OK,
        &view.page(&format!("/inboxes/{id}/channels"), &params, items),
    )
}

async fn contact_conversations(
    State(front): State<FrontStandIn>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Params,
) -> ApiResult {
    let inner = front.lock();
    let base = base(&headers);
    let view = View {
        store: &inner.store,
        base: &base,
    };
    let contact = inner
        .store
        .contact(&id)
        .ok_or_else(|| ApiError::not_found("Unknown contact"))?;
    let found = inner
        .store
        .conversations
        .iter()
        .filter(|c| c.contact_id.as_deref() == Some(contact.id.as_str()))
        .collect();
    let items = newest_first(found)
        .into_iter()
        .map(|c| view.conversation(c))
        .collect();
    let path = format!("/contacts/{}/conversations", contact.id);
    ok(StatusCode::OK, &view.page(&path, &params, items))
}
