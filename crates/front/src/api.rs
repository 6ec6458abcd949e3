//! The Core API calls the support pipeline makes.

use serde::Serialize;
use serde_json::json;

use crate::client::{query_value, segment};
use crate::models::*;
use crate::{FrontClient, FrontError};

type Result<T> = std::result::Result<T, FrontError>;

impl FrontClient {
    /// `GET /conversations/{id}`.
    pub async fn get_conversation(&self, conversation_id: &str) -> Result<Conversation> {
        let id = segment(conversation_id, "conversation id")?;
        self.get(&format!("/conversations/{id}")).await
    }

    /// `GET /messages/{id}` (`msg_…`, or `alt:uid:<message_uid>`).
    pub async fn get_message(&self, message_id: &str) -> Result<Message> {
        let id = segment(message_id, "message id")?;
        self.get(&format!("/messages/{id}")).await
    }

    /// Every message of a conversation (`GET /conversations/{id}/messages`, all pages),
    /// newest first as Front lists them.
    pub async fn list_conversation_messages(&self, conversation_id: &str) -> Result<Vec<Message>> {
        let id = segment(conversation_id, "conversation id")?;
        self.all(&format!("/conversations/{id}/messages?limit=100"))
            .await
    }

    /// Every comment of a conversation (`GET /conversations/{id}/comments`, all pages).
    pub async fn list_conversation_comments(&self, conversation_id: &str) -> Result<Vec<Comment>> {
        let id = segment(conversation_id, "conversation id")?;
        self.all(&format!("/conversations/{id}/comments")).await
    }

    /// One page of `GET /conversations` (most recent first); more with
    /// [`FrontClient::next_page`].
    pub async fn list_conversations(
        &self,
        query: &ConversationQuery,
    ) -> Result<Page<Conversation>> {
        let mut params: Vec<String> = query
            .statuses
            .iter()
            .map(|s| format!("q%5Bstatuses%5D%5B%5D={}", query_value(s)))
            .collect();
        if let Some(limit) = query.limit {
            params.push(format!("limit={limit}"));
        }
        if let Some(token) = &query.page_token {
            params.push(format!("page_token={}", query_value(token)));
        }
        let query = if params.is_empty() {
            String::new()
        } else {
            format!("?{}", params.join("&"))
        };
        self.page(self.url(&format!("/conversations{query}"))).await
    }

    /// The first page of a contact's conversations, most recent first
    /// (`GET /contacts/{id}/conversations`). `contact` is a `crd_…` id or an alias such as
    /// `alt:email:dana@example.com`.
    pub async fn list_contact_conversations(&self, contact: &str) -> Result<Page<Conversation>> {
        let id = segment(contact, "contact id")?;
        self.page(self.url(&format!("/contacts/{id}/conversations")))
            .await
    }

    /// Every tag of the company (`GET /tags`, following `_pagination.next` to the end).
    pub async fn list_tags(&self) -> Result<Vec<Tag>> {
        self.all("/tags").await
    }

    /// `POST /tags` (`201`).
    pub async fn create_tag(&self, name: &str, highlight: Option<Highlight>) -> Result<Tag> {
        #[derive(Serialize)]
        struct Body<'a> {
            name: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            highlight: Option<Highlight>,
        }
        self.call("POST", "/tags", &Body { name, highlight }).await
    }

    /// `POST /conversations/{id}/tags {tag_ids}` (`204`).
    pub async fn add_conversation_tags<T: AsRef<str>>(
        &self,
        conversation_id: &str,
        tag_ids: &[T],
    ) -> Result<()> {
        let id = segment(conversation_id, "conversation id")?;
        self.call_no_content(
            "POST",
            &format!("/conversations/{id}/tags"),
            &tag_body(tag_ids),
        )
        .await
    }

    /// `DELETE /conversations/{id}/tags {tag_ids}` (`204`).
    pub async fn remove_conversation_tags<T: AsRef<str>>(
        &self,
        conversation_id: &str,
        tag_ids: &[T],
    ) -> Result<()> {
        let id = segment(conversation_id, "conversation id")?;
        self.call_no_content(
            "DELETE",
            &format!("/conversations/{id}/tags"),
            &tag_body(tag_ids),
        )
        .await
    }

    /// `PATCH /conversations/{id}` (`204`): status and/or assignee.
    pub async fn update_conversation(
        &self,
        conversation_id: &str,
        update: &ConversationUpdate,
    ) -> Result<()> {
        let id = segment(conversation_id, "conversation id")?;
        self.call_no_content("PATCH", &format!("/conversations/{id}"), update)
            .await
    }

    /// `PUT /conversations/{id}/assignee {assignee_id}` (`204`).
    pub async fn set_assignee(&self, conversation_id: &str, teammate_id: &str) -> Result<()> {
        let id = segment(conversation_id, "conversation id")?;
        self.call_no_content(
            "PUT",
            &format!("/conversations/{id}/assignee"),
            &json!({"assignee_id": teammate_id}),
        )
        .await
    }

    /// `POST /conversations/{id}/comments` (`201`): an internal note.
    pub async fn add_comment(
        &self,
        conversation_id: &str,
        body: &str,
        author_id: Option<&str>,
    ) -> Result<Comment> {
        #[derive(Serialize)]
        struct Body<'a> {
            body: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            author_id: Option<&'a str>,
        }
        let id = segment(conversation_id, "conversation id")?;
        self.call(
            "POST",
            &format!("/conversations/{id}/comments"),
            &Body { body, author_id },
        )
        .await
    }

    /// Every channel (`GET /channels`, all pages).
    pub async fn list_channels(&self) -> Result<Vec<Channel>> {
        self.all("/channels").await
    }

    /// The inboxes a conversation is in (`GET /conversations/{id}/inboxes`).
    pub async fn list_conversation_inboxes(&self, conversation_id: &str) -> Result<Vec<Inbox>> {
        let id = segment(conversation_id, "conversation id")?;
        self.all(&format!("/conversations/{id}/inboxes")).await
    }

    /// The channels of an inbox (`GET /inboxes/{id}/channels`).
    pub async fn list_inbox_channels(&self, inbox_id: &str) -> Result<Vec<Channel>> {
        let id = segment(inbox_id, "inbox id")?;
        self.all(&format!("/inboxes/{id}/channels")).await
    }

    /// Who the token is (`GET /me`): the company for an API token, the teammate for an
    /// OAuth token. A cheap call that proves the token works.
    pub async fn me(&self) -> Result<TokenIdentity> {
        self.get("/me").await
    }

    /// Every teammate (`GET /teammates`, all pages).
    pub async fn list_teammates(&self) -> Result<Vec<Teammate>> {
        self.all("/teammates").await
    }

    /// `POST /conversations/{id}/drafts` (`200`, the draft message): a reply to the
    /// conversation's last message, left for a teammate to send.
    pub async fn create_draft(&self, conversation_id: &str, draft: &NewDraft) -> Result<Message> {
        let id = segment(conversation_id, "conversation id")?;
        self.call("POST", &format!("/conversations/{id}/drafts"), draft)
            .await
    }

    /// The drafts of a conversation (`GET /conversations/{id}/drafts`, all pages).
    pub async fn list_conversation_drafts(&self, conversation_id: &str) -> Result<Vec<Message>> {
        let id = segment(conversation_id, "conversation id")?;
        self.all(&format!("/conversations/{id}/drafts")).await
    }

    /// `DELETE /drafts/{id} {version}` (`204`); `version` is the draft's
    /// [`Message::version`].
    pub async fn delete_draft(&self, draft_id: &str, version: &str) -> Result<()> {
        let id = segment(draft_id, "draft id")?;
        self.call_no_content(
            "DELETE",
            &format!("/drafts/{id}"),
            &json!({"version": version}),
        )
        .await
    }

    /// `POST /conversations/{id}/messages` (`202`): send a reply now.
    pub async fn reply(&self, conversation_id: &str, reply: &NewReply) -> Result<Accepted> {
        let id = segment(conversation_id, "conversation id")?;
        self.call("POST", &format!("/conversations/{id}/messages"), reply)
            .await
    }

    /// `POST /channels/{id}/incoming_messages` (`202`): a message on a custom channel as
    /// if the customer had written it.
    pub async fn receive_custom_message(
        &self,
        channel_id: &str,
        message: &CustomMessage,
    ) -> Result<Accepted> {
        let id = segment(channel_id, "channel id")?;
        self.call(
            "POST",
            &format!("/channels/{id}/incoming_messages"),
            message,
        )
        .await
    }
}

fn tag_body<T: AsRef<str>>(tag_ids: &[T]) -> serde_json::Value {
    json!({"tag_ids": tag_ids.iter().map(AsRef::as_ref).collect::<Vec<&str>>()})
}
