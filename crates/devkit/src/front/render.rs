//! Resources as Front's API renders them: `_links` built from the base URL the request
//! came to, related resources embedded, and list pages.

use serde_json::{json, Value};

use super::store::{Channel, Comment, Contact, Conversation, Inbox, Message, Store, Tag, Teammate};

/// Front's default page size and its maximum.
const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 100;

/// Renders resources of `store` with links under `base` (`http://host:port/front`).
pub struct View<'a> {
    pub store: &'a Store,
    pub base: &'a str,
}

impl View<'_> {
    fn link(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn teammate(&self, t: &Teammate) -> Value {
        json!({
            "_links": {"self": self.link(&format!("/teammates/{}", t.id)),
                       "related": {"inboxes": self.link(&format!("/teammates/{}/inboxes", t.id)),
                                   "conversations": self.link(&format!("/teammates/{}/conversations", t.id))}},
            "id": t.id, "email": t.email, "username": t.username,
            "first_name": t.first_name, "last_name": t.last_name,
            "is_admin": t.is_admin, "is_available": true, "is_blocked": false,
            "type": "user", "custom_fields": {},
        })
    }

    fn teammate_by_id(&self, id: Option<&String>) -> Value {
        id.and_then(|id| self.store.teammate(id))
            .map_or(Value::Null, |t| self.teammate(t))
    }

    pub fn tag(&self, t: &Tag) -> Value {
        json!({
            "_links": {"self": self.link(&format!("/tags/{}", t.id)),
                       "related": {"conversations": self.link(&format!("/tags/{}/conversations", t.id)),
                                   "owner": null, "children": null}},
            "id": t.id, "name": t.name, "description": t.description, "highlight": t.highlight,
            "is_private": false, "is_visible_in_conversation_lists": true,
            "created_at": t.created_at, "updated_at": t.created_at,
        })
    }

    pub fn inbox(&self, i: &Inbox) -> Value {
        json!({
            "_links": {"self": self.link(&format!("/inboxes/{}", i.id)),
                       "related": {"teammates": self.link(&format!("/inboxes/{}/teammates", i.id)),
                                   "conversations": self.link(&format!("/inboxes/{}/conversations", i.id)),
                                   "channels": self.link(&format!("/inboxes/{}/channels", i.id)),
                                   "owner": null}},
            "id": i.id, "name": i.name, "is_private": i.is_private, "is_public": !i.is_private,
            "custom_fields": {},
        })
    }

    pub fn channel(&self, c: &Channel) -> Value {
        json!({
            "_links": {"self": self.link(&format!("/channels/{}", c.id)),
                       "related": {"inbox": self.link(&format!("/inboxes/{}", c.inbox_id)),
                                   "owner": null}},
            "id": c.id, "name": c.name, "address": c.address, "type": c.kind,
            "send_as": c.send_as, "settings": {}, "is_private": false, "is_valid": true,
        })
    }

    pub fn contact(&self, c: &Contact) -> Value {
        json!({
            "_links": {"self": self.link(&format!("/contacts/{}", c.id)),
                       "related": {"notes": self.link(&format!("/contacts/{}/notes", c.id)),
                                   "conversations": self.link(&format!("/contacts/{}/conversations", c.id)),
                                   "owner": null}},
            "id": c.id, "name": c.name, "description": null, "avatar_url": null,
            "is_spammer": false, "links": [], "groups": [], "handles": c.handles,
            "custom_fields": {}, "is_private": false,
        })
    }

    /// A handle, with the link to its contact when one is known.
    fn recipient(&self, handle: &str, role: &str, name: Option<&str>) -> Value {
        let contact = self
            .store
            .contacts
            .iter()
            .find(|c| {
                c.handles
                    .iter()
                    .any(|h| h.handle.eq_ignore_ascii_case(handle))
            })
            .map(|c| self.link(&format!("/contacts/{}", c.id)));
        json!({"_links": {"related": {"contact": contact}}, "name": name, "handle": handle, "role": role})
    }

    pub fn conversation(&self, c: &Conversation) -> Value {
        let path = format!("/conversations/{}", c.id);
        let last = self
            .store
            .messages
            .iter()
            .rfind(|m| m.conversation_id == c.id && m.draft_mode.is_none())
            .map(|m| self.link(&format!("/messages/{}?referer=conversation", m.id)));
        let tags: Vec<Value> = c
            .tag_ids
            .iter()
            .filter_map(|id| self.store.tag(id))
            .map(|t| self.tag(t))
            .collect();
        json!({
            "_links": {"self": self.link(&path),
                       "related": {"events": self.link(&format!("{path}/events")),
                                   "followers": self.link(&format!("{path}/followers")),
                                   "messages": self.link(&format!("{path}/messages")),
                                   "comments": self.link(&format!("{path}/comments")),
                                   "inboxes": self.link(&format!("{path}/inboxes")),
                                   "last_message": last}},
            "id": c.id, "type": "conversation", "subject": c.subject, "status": c.status,
            "assignee": self.teammate_by_id(c.assignee_id.as_ref()),
            "recipient": self.recipient(&c.recipient.handle, &c.recipient.role, c.recipient.name.as_deref()),
            "tags": tags, "links": [], "custom_fields": {},
            "created_at": c.created_at, "updated_at": c.updated_at,
            "is_private": false, "scheduled_reminders": [], "metadata": {},
        })
    }

    pub fn message(&self, m: &Message) -> Value {
        let recipients: Vec<Value> = m
            .recipients
            .iter()
            .map(|r| self.recipient(&r.handle, &r.role, r.name.as_deref()))
            .collect();
        json!({
            "_links": {"self": self.link(&format!("/messages/{}", m.id)),
                       "related": {"conversation": self.link(&format!("/conversations/{}", m.conversation_id)),
                                   "message_seen": self.link(&format!("/messages/{}/seen", m.id))}},
            "id": m.id, "message_uid": m.message_uid, "type": m.kind, "is_inbound": m.is_inbound,
            "draft_mode": m.draft_mode, "error_type": null, "version": m.version,
            "created_at": m.created_at, "subject": m.subject, "blurb": blurb(&m.text),
            "author": self.teammate_by_id(m.author_id.as_ref()),
            "recipients": recipients, "body": m.body, "text": m.text,
            "attachments": [], "signature": null, "metadata": m.metadata,
        })
    }

    pub fn comment(&self, c: &Comment) -> Value {
        json!({
            "_links": {"self": self.link(&format!("/comments/{}", c.id)),
                       "related": {"conversation": self.link(&format!("/conversations/{}", c.conversation_id)),
                                   "mentions": self.link(&format!("/comments/{}/mentions", c.id))}},
            "id": c.id, "author": self.teammate_by_id(c.author_id.as_ref()), "body": c.body,
            "posted_at": c.posted_at, "attachments": [], "is_pinned": c.is_pinned,
        })
    }

    /// One page of `items` as `{_pagination: {next}, _links: {self}, _results}`. The page
    /// token is the offset; `next` keeps the request's other parameters.
    pub fn page(&self, path: &str, query: &[(String, String)], items: Vec<Value>) -> Value {
        let param = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let limit = param("limit")
            .and_then(|l| l.parse::<usize>().ok())
            .filter(|l| *l > 0)
            .unwrap_or(DEFAULT_LIMIT)
            .min(MAX_LIMIT);
        let offset = param("page_token")
            .and_then(|t| t.parse::<usize>().ok())
            .unwrap_or(0);
        let total = items.len();
        let results: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
        let next = (offset + limit < total).then(|| {
            let mut params: Vec<String> = query
                .iter()
                .filter(|(k, _)| k != "page_token")
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            params.push(format!("page_token={}", offset + limit));
            self.link(&format!("{path}?{}", params.join("&")))
        });
        json!({"_pagination": {"next": next}, "_links": {"self": self.link(path)}, "_results": results})
    }
}

fn encode(raw: &str) -> String {
    support_http::encode_path_segment(raw).unwrap_or_else(|| raw.to_owned())
}

/// Front's preview: the start of the text on one line.
fn blurb(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    line.chars().take(200).collect()
}
